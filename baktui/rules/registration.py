"""Registration rules: which épreuves a candidate takes, options, the choice checks, the dossier.

Options are written as option-year entries: ``LATIN-1`` (followed in première), ``LATIN-T``
(terminale); an entry without suffix is a terminale option. Each entry is one OPTn épreuve
(coefficient from the regulation), at most ``max_options_per_year`` per year.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from baktui.rules.regulation import Regulation

STATUSES = {
    "scolaire": "scolaire",
    "individuel": "candidat individuel",
    "cned": "CNED",
    "formation_continue": "formation continue",
}
YEARS = {"1": "première", "T": "terminale"}


@dataclass(frozen=True)
class OptionEntry:
    name: str  # option key of the regulation (LATIN, ARTS…)
    year: str  # "1" or "T"

    @property
    def token(self) -> str:
        return f"{self.name}-{self.year}"


def parse_options(text: str) -> list[OptionEntry]:
    """Read "LATIN-1, LATIN-T ARTS" (commas, semicolons, pipes or spaces); no validation here."""
    entries: list[OptionEntry] = []
    for raw in text.replace(";", ",").replace("|", ",").replace(" ", ",").split(","):
        token = raw.strip().upper()
        if not token:
            continue
        name, _, year = token.rpartition("-")
        if not name or year not in YEARS:
            name, year = token, "T"
        entries.append(OptionEntry(name, year))
    return entries


def format_options(entries: list[OptionEntry]) -> str:
    return ",".join(e.token for e in entries)


def option_errors(reg: Regulation, entries: list[OptionEntry]) -> list[str]:
    """French messages for unknown options, duplicates and too many options in a year."""
    errors: list[str] = []
    for entry in entries:
        if reg.options and entry.name not in reg.options:
            errors.append(
                f"option « {entry.name} » inconnue (options : {', '.join(sorted(reg.options))})"
            )
    tokens = [e.token for e in entries]
    for token in sorted({t for t in tokens if tokens.count(t) > 1}):
        errors.append(f"option « {token} » inscrite deux fois")
    for year, label in YEARS.items():
        count = sum(1 for e in entries if e.year == year)
        if count > reg.max_options_per_year:
            errors.append(
                f"{count} options en {label} : au plus {reg.max_options_per_year} par année"
            )
    if len(entries) > len(reg.option_codes):
        errors.append(f"{len(entries)} options : au plus {len(reg.option_codes)} au total")
    return errors


def epreuves_for(reg: Regulation, options: list[OptionEntry]) -> list[tuple[str, str]]:
    """(épreuve code, option name) for every épreuve the candidate is registered to."""
    rows = [(rule.code, "") for rule in reg.base_epreuves]
    for code, entry in zip(reg.option_codes, options, strict=False):
        rows.append((code, entry.token))
    return rows


def choice_errors(
    reg: Regulation,
    series: str,
    sub_choice: str,
    lva: str,
    lvb: str,
    options: list[OptionEntry],
    eps_inapte: bool = False,
    eps_certificate: bool = True,
) -> list[tuple[str, str]]:
    """(field, French message) for every inconsistent choice of a registration."""
    errors: list[tuple[str, str]] = []
    if not series:
        errors.append(("serie", f"série à choisir ({', '.join(reg.series_codes)})"))
        return errors
    if series not in reg.series_codes:
        errors.append(("serie", f"série « {series} » inconnue ({', '.join(reg.series_codes)})"))
        return errors
    rule = reg.series_rule(series)
    if rule.sub_choices and sub_choice not in rule.sub_choices:
        shown = f"« {sub_choice} »" if sub_choice else "absent"
        errors.append(
            (
                "sous_choix",
                f"{rule.sub_choice_label.lower() or 'sous-choix'} {shown} : "
                f"attendu {', '.join(rule.sub_choices)} en {series}",
            )
        )
    elif not rule.sub_choices and sub_choice:
        errors.append(("sous_choix", f"la série {series} n'a pas de sous-choix (« {sub_choice} »)"))
    for field, value in (("lva", lva), ("lvb", lvb)):
        if not value:
            errors.append((field, f"{field.upper()} manquante"))
        elif reg.languages and value not in reg.languages:
            errors.append((field, f"{field.upper()} « {value} » inconnue"))
    if lva and lva == lvb:
        errors.append(("lvb", "LVA et LVB doivent être deux langues différentes"))
    errors.extend(("options", message) for message in option_errors(reg, options))
    if eps_inapte and not eps_certificate:
        errors.append(("eps_inapte", "inaptitude à l'EPS sans certificat médical"))
    return errors


def candidate_number(year: int, sequence: int) -> str:
    """Numéro de candidat: 2-digit session year + 7-digit sequence (e.g. 260001234)."""
    return f"{year % 100:02d}{sequence:07d}"


def dossier_pieces(status: str, eps_adapted: bool) -> list[tuple[str, str]]:
    """(key, label) of the pieces an individual candidate's dossier must hold."""
    if status == "scolaire":
        return []
    pieces = [
        ("identite", "pièce d'identité"),
        ("domicile", "justificatif de domicile"),
        ("anticipees", "relevé des notes des épreuves anticipées"),
    ]
    if status in ("individuel", "formation_continue"):
        pieces.append(("jdc", "certificat de participation à la JDC"))
    if eps_adapted:
        pieces.append(("certificat_eps", "certificat médical (EPS adaptée ou inaptitude)"))
    return pieces


def parse_dossier(text: str) -> dict[str, bool]:
    """The dossier column (JSON {piece: received}); unreadable text counts as nothing received."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): bool(v) for k, v in data.items()} if isinstance(data, dict) else {}


def dossier_text(status: str, eps_adapted: bool, received: Mapping[str, bool]) -> str:
    """The dossier column for the pieces the candidate's dossier must hold ("" for none)."""
    pieces = dossier_pieces(status, eps_adapted)
    if not pieces:
        return ""
    return json.dumps({k: bool(received.get(k)) for k, _ in pieces}, ensure_ascii=False)


def missing_pieces(status: str, eps_adapted: bool, dossier: Mapping[str, bool]) -> list[str]:
    """Labels of the pieces an individual candidate's dossier still lacks."""
    return [label for key, label in dossier_pieces(status, eps_adapted) if not dossier.get(key)]
