"""The anomalies the demo data set carries on purpose, and which records get them.

Each anomaly is something the office's checks must find (a bad INE, a duplicate candidate, a
lot nobody keyed, an expense line without a mission…). Which candidates carry one is drawn
before any candidate is generated (:func:`plan_specials`), so the generator only asks "is this
one special?"; the small functions below spoil a correct value the way the anomaly says. The
anomalies of other records are seeded where those records are made: ``lot_non_saisi`` in
:mod:`baktui.demo.lots`, ``absence_non_remplacee`` in :mod:`baktui.demo.assignments`, the three
expense ones in :mod:`baktui.demo.claims` (planned here by :func:`plan_claim_anomalies`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

# What the demo data set gets wrong on purpose (key -> French description).
DEMO_ANOMALIES: dict[str, str] = {
    "ine_invalide": "INE au mauvais format (aucun des quatre formats admis)",
    "doublon_candidat": "même nom, prénom et date de naissance qu'un autre candidat, INE différent",
    "ine_en_double": "INE déjà porté par un autre candidat",
    "lvb_manquante": "LVB non renseignée (et donc pas de note de LVB)",
    "options_en_trop": "trois options de terminale (au-delà du maximum par année)",
    "dossier_incomplet": "candidat individuel validé alors que son dossier est incomplet",
    "sans_centre": "candidat sans centre d'examen",
    "code_postal_invalide": "code postal qui n'a que quatre chiffres",
    "courriel_invalide": "adresse électronique sans domaine",
    "lot_non_saisi": "lot distribué dont aucune note n'est saisie (centre en retard)",
    "absence_non_remplacee": "examinateur absent à une convocation, pas encore remplacé",
    "frais_sans_convocation": "ligne d'un état de frais un jour sans convocation",
    "frais_jour_double": "même trajet déclaré deux fois le même jour",
    "nuitee_sans_justificatif": "nuitée déclarée sans justificatif",
}
# anomalies of one candidate's own fields (a scolaire candidate carries them)
CANDIDATE_FIELD_ANOMALIES = (
    "ine_invalide",
    "lvb_manquante",
    "options_en_trop",
    "sans_centre",
    "code_postal_invalide",
    "courriel_invalide",
)
# anomalies copying something of an earlier candidate (the source)
COPY_ANOMALIES = ("doublon_candidat", "ine_en_double")
CLAIM_ANOMALIES = ("frais_sans_convocation", "frais_jour_double", "nuitee_sans_justificatif")


@dataclass
class Specials:
    """Candidates (by sequence number) that are not like the others."""

    # seq -> (anomaly, seq of the candidate it copies, or 0)
    anomalies: dict[int, tuple[str, int]] = field(default_factory=dict)
    sources: set[int] = field(default_factory=set)  # candidates copied by a later one
    kept: set[int] = field(default_factory=set)  # with grades kept from the 2025 session
    justified: set[int] = field(default_factory=set)  # justified absence (AJ) in philosophy


def plan_specials(rng: random.Random, n: int, status_of: Callable[[int], str]) -> Specials:
    """Which candidates carry an anomaly, a kept grade or an AJ (decided before generating)."""
    used: set[int] = set()

    def draw(low: int = 1, high: int | None = None, status: str | None = None) -> int | None:
        high = high or n
        for _ in range(10_000):
            seq = rng.randint(low, high)
            if seq in used:
                continue
            if status is not None and status_of(seq) != status:
                continue
            used.add(seq)
            return seq
        return None

    each = max(2, round(n / 4000))
    specials = Specials()
    for kind in CANDIDATE_FIELD_ANOMALIES:
        for _ in range(each):
            seq = draw(status="scolaire")
            if seq is not None:
                specials.anomalies[seq] = (kind, 0)
    for kind in COPY_ANOMALIES:
        for _ in range(each):
            target = draw(low=n // 2 + 1, status="scolaire")
            source = draw(high=n // 2, status="scolaire")
            if target is not None and source is not None:
                specials.anomalies[target] = (kind, source)
                specials.sources.add(source)
    for _ in range(each):
        seq = draw(status="individuel")
        if seq is not None:
            specials.anomalies[seq] = ("dossier_incomplet", 0)
    for _ in range(max(3, n // 100)):
        seq = draw()
        if seq is not None:
            specials.kept.add(seq)
    for _ in range(max(2, n // 5000)):
        seq = draw(status="scolaire")
        if seq is not None:
            specials.justified.add(seq)
    return specials


def plan_claim_anomalies(rng: random.Random, n_claims: int) -> dict[int, str]:
    """Claim number (0-based) -> the expense anomaly it carries: a few claims of each kind."""
    each = max(1, n_claims // 40)
    plan: dict[int, str] = {}
    slots = list(range(n_claims))
    rng.shuffle(slots)
    for kind in CLAIM_ANOMALIES:
        for _ in range(each):
            if slots:
                plan[slots.pop()] = kind
    return plan


# --- spoiling a correct value ---------------------------------------------------------------------


def invalid_ine(ine: str, seq: int) -> str:
    """An INE in none of the four formats: letters I/O where none are allowed, or one too many."""
    return ine[:9] + ("IO" if seq % 2 else "") + ("" if seq % 2 else "X")


def short_postcode(postcode: str) -> str:
    """The postcode with its third digit dropped (four digits)."""
    return postcode[:2] + postcode[3:]


def email_without_domain(email: str) -> str:
    """The address without its top-level domain ("x@gmail")."""
    return email.rsplit(".", 1)[0]


def too_many_options(option_names: list[str], max_per_year: int) -> str:
    """One terminale option more than allowed (options cycled when there are too few)."""
    return ",".join(f"{name}-T" for name in (option_names * 3)[: max_per_year + 1])
