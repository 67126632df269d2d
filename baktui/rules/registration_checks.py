"""« Contrôler les inscriptions », one candidate's row at a time: what is wrong, and where.

The checks service streams :data:`CHECKED_FIELDS` of every candidate of the session (a few
hundred thousand rows) and hands each row to a :class:`RowChecker`; the probable duplicates need
the base and stay in :mod:`baktui.services.registration_checks`. The checker memoises what repeats
(a few hundred choice combinations, a few thousand postcodes), which keeps the pass at table-scan
speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from baktui.rules import identifiers
from baktui.rules.lifecycles import REGISTRATION
from baktui.rules.registration import missing_pieces, parse_dossier, parse_options
from baktui.rules.registration_form import choice_field_errors
from baktui.rules.regulation import Regulation

CHECK_KINDS = {
    "identifiant": "Identifiant invalide (INE)",
    "doublon": "Doublon probable (même nom et date de naissance, ou même INE)",
    "choix": "Choix manquants ou incohérents",
    "dossier": "Candidat individuel au dossier incomplet",
    "sans_centre": "Candidat sans centre d'examen",
    "sans_etablissement": "Candidat scolaire sans établissement",
    "coordonnees": "Coordonnées invalides (code postal, courriel, téléphone)",
}
KIND_ORDER = {kind: index for index, kind in enumerate(CHECK_KINDS)}

# The stored columns a row holds, in this order (a reference is its id).
CHECKED_FIELDS = (
    "id",
    "ine",
    "postcode",
    "email",
    "phone",
    "series",
    "sub_choice",
    "lva",
    "lvb",
    "options",
    "eps_inapte",
    "eps_certificate",
    "status",
    "etablissement_id",
    "centre_id",
    "dossier",
    "state",
)


class RowChecker:
    """Row-level checks with memoised answers (choices repeat: a few hundred combinations)."""

    def __init__(self, reg: Regulation) -> None:
        self.reg = reg
        self.choices: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
        self.postcodes: dict[str, str | None] = {}

    def __call__(self, row: Sequence[Any]) -> list[tuple[str, str, str]]:
        """(kind, field, message) of one row of :data:`CHECKED_FIELDS`."""
        (_, ine, postcode, email, phone, series, sub, lva, lvb, options, inapte, certificate,
         status, etab, centre, dossier, state) = row  # fmt: skip
        found: list[tuple[str, str, str]] = []
        if identifiers.ine_format(ine or "") is None:
            message = identifiers.ine_error(ine or "") or "INE invalide"
            found.append(("identifiant", "ine", message))
        key = (series, sub, lva, lvb, options, bool(inapte), bool(certificate))
        errors = self.choices.get(key)
        if errors is None:
            errors = choice_field_errors(
                self.reg,
                series,
                sub,
                lva,
                lvb,
                parse_options(options),
                bool(inapte),
                bool(certificate),
            )
            self.choices[key] = errors
        found.extend(("choix", f, m) for f, m in errors)
        if status != "scolaire":
            missing = missing_pieces(status, bool(inapte), parse_dossier(dossier))
            if missing:
                found.append(
                    (
                        "dossier",
                        "dossier",
                        f"manque : {', '.join(missing)} (inscription {REGISTRATION.label(state)})",
                    )
                )
        elif etab is None:
            found.append(("sans_etablissement", "etablissement", "scolaire sans établissement"))
        if centre is None:
            found.append(("sans_centre", "centre", "aucun centre d'examen"))
        if postcode:
            if postcode not in self.postcodes:
                self.postcodes[postcode] = identifiers.postcode_error(postcode)
            message = self.postcodes[postcode]
            if message:
                found.append(("coordonnees", "postcode", message))
        elif status != "scolaire":
            found.append(("coordonnees", "postcode", "code postal manquant (candidat individuel)"))
        if email:
            message = identifiers.email_error(email)
            if message:
                found.append(("coordonnees", "email", message))
        if phone and not (len(phone) == 10 and phone.isdigit() and phone[0] == "0"):
            found.append(("coordonnees", "phone", f"téléphone « {phone} » invalide"))
        return found
