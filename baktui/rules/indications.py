"""Indications the diploma and the relevé carry (« section européenne »…), a closed list.

Stored on the candidate as comma-separated entries (``"SE-ANG,MEI"``): a kind, and for the kinds
that name a language, the language's code of the session (``reg.languages``). The kinds are those
the Code de l'éducation lets a baccalauréat diploma carry (D.334-… / D.336-…; see
bac-techno-rules.md): section européenne, section de langue orientale, discipline non
linguistique taught in a foreign language, mobilité européenne et internationale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class IndicationKind:
    code: str
    label: str  # French, as printed on the diploma
    needs_language: bool


KINDS: dict[str, IndicationKind] = {
    k.code: k
    for k in (
        IndicationKind("SE", "section européenne", True),
        IndicationKind("SLO", "section de langue orientale", True),
        IndicationKind("DNL", "discipline non linguistique enseignée en langue étrangère", True),
        IndicationKind("MEI", "mobilité européenne et internationale", False),
    )
}


def parse(text: str) -> list[str]:
    """ "se-ang, MEI" -> ["SE-ANG", "MEI"] (upper case, spaces and empty entries dropped,
    duplicates once, order kept)."""
    seen: list[str] = []
    for part in (text or "").replace(";", ",").split(","):
        entry = "".join(part.split()).upper()
        if entry and entry not in seen:
            seen.append(entry)
    return seen


def format_entries(entries: list[str]) -> str:
    """The stored form: entries joined by commas."""
    return ",".join(entries)


def errors(entries: list[str], languages: Mapping[str, str]) -> list[str]:
    """French refusals of entries that are not in the closed list (one per entry)."""
    out = []
    known = ", ".join(f"{k.code}-<langue>" if k.needs_language else k.code for k in KINDS.values())
    for entry in entries:
        kind_code, _, language = entry.partition("-")
        kind = KINDS.get(kind_code)
        if kind is None:
            out.append(f"indication inconnue « {entry} » (possibles : {known})")
        elif kind.needs_language and not language:
            out.append(f"« {entry} » : la langue est attendue (ex. {kind_code}-ANG)")
        elif kind.needs_language and language not in languages:
            out.append(
                f"« {entry} » : langue inconnue « {language} » "
                f"(langues : {', '.join(sorted(languages))})"
            )
        elif not kind.needs_language and language:
            out.append(f"« {entry} » : cette indication ne prend pas de langue")
    return out


def label(entry: str, languages: Mapping[str, str]) -> str:
    """ "SE-ANG" -> "section européenne (anglais)"; an unknown entry is shown as it is."""
    kind_code, _, language = entry.partition("-")
    kind = KINDS.get(kind_code)
    if kind is None:
        return entry
    if kind.needs_language and language:
        return f"{kind.label} ({languages.get(language, language).lower()})"
    return kind.label


def labels(text: str, languages: Mapping[str, str]) -> tuple[str, ...]:
    """The printed labels of a stored indications text."""
    return tuple(label(e, languages) for e in parse(text))
