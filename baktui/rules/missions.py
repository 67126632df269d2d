"""What an examiner's mission is and how it is written: kinds, jury seats, hours, French texts.

Pure functions over plain values (no database, no Textual). The jury, assignment, convocation and
replacement services, the F5 screens and the expense statements all name missions; they take the
words from here so that a lot, a seat or an hour reads the same on a screen and on a PDF.

- Kinds: ``correction`` (a lot of copies), ``oral`` and ``pratique`` (a commission, counted in
  oral hours), ``jury`` (a seat at the deliberation), ``surveillance``.
- Seats: the jury's own ``president`` and ``vice_president`` fields decide the bureau; any other
  member is ``membre``.
- Hours: "HH:MM" texts (``8h30`` accepted), half-open ranges of one day; durations in hundredths
  of an hour, as the loads are counted.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

KINDS = ("correction", "oral", "pratique", "jury", "surveillance")
KIND_LABELS = {
    "correction": "Correction de copies",
    "oral": "Interrogation orale",
    "pratique": "Évaluation pratique",
    "jury": "Jury de délibération",
    "surveillance": "Surveillance",
}
KIND_SHORT = {
    "correction": "Correction",
    "oral": "Oral",
    "pratique": "Pratique",
    "jury": "Jury",
    "surveillance": "Surveillance",
}
# Kinds counted in the examiner's oral hours.
LOADED_KINDS = ("oral", "pratique")
# Kinds that need the épreuve's discipline.
DISCIPLINE_KINDS = ("correction", "oral", "pratique")

PRESIDENT = "president"
VICE_PRESIDENT = "vice_president"
MEMBER = "membre"
ROLE_LABELS = {PRESIDENT: "président", VICE_PRESIDENT: "vice-président", MEMBER: "membre"}

WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_TIME_RE = re.compile(r"([01]?[0-9]|2[0-3])[:hH]([0-5][0-9])")
_PLACE_PREFIXES = (
    "Centre d'examen ",
    "Centre d’examen ",
    "Centre de correction ",
    "Centre de délibération ",
    "Centre ",
    "Lycée général et technologique ",
    "Lycée polyvalent ",
    "Lycée hôtelier ",
    "Lycée professionnel ",
    "Lycée ",
)


def kind_label(kind: str) -> str:
    """ "Correction de copies" (an unknown kind is shown as it is stored)."""
    return KIND_LABELS.get(kind, kind)


def role_label(role: str) -> str:
    """ "vice-président" (an unknown role is shown as it is stored)."""
    return ROLE_LABELS.get(role, role)


def seat_role(examiner_id: int, president_id: int | None, vice_president_id: int | None) -> str:
    """The examiner's seat in a jury: the jury's own fields decide the bureau."""
    if examiner_id == president_id:
        return PRESIDENT
    if examiner_id == vice_president_id:
        return VICE_PRESIDENT
    return MEMBER


def bureau_twice_error(name: str) -> str:
    """Nobody holds both seats of a jury's bureau."""
    return f"{name} occupe déjà l'autre fonction du bureau de ce jury."


# --- Hours --------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def minutes(hhmm: str) -> int:
    """ "08:30" (or "8h30") -> 510; ValueError with a French message otherwise."""
    match = _TIME_RE.fullmatch(hhmm.strip())
    if not match:
        raise ValueError(f"Heure « {hhmm} » invalide : écrivez HH:MM (08:30).")
    return int(match.group(1)) * 60 + int(match.group(2))


def overlaps(start_a: str, end_a: str, start_b: str, end_b: str) -> bool:
    """Whether two half-open time ranges of the same day overlap (08-12 and 12-14 do not)."""
    return minutes(start_a) < minutes(end_b) and minutes(start_b) < minutes(end_a)


def times_error(start: str, end: str) -> str | None:
    """Why a mission's hours are refused (unreadable, or not in order), or None."""
    for text in (start, end):
        try:
            minutes(text)
        except ValueError as exc:
            return str(exc)
    if minutes(end) <= minutes(start):
        return "L'heure de fin doit suivre l'heure de début."
    return None


def duration_centi(start: str, end: str) -> int:
    """The length of a range in hundredths of an hour, rounded down (0 when unreadable)."""
    try:
        span = minutes(end) - minutes(start)
    except ValueError:
        return 0
    return max(0, span) * 100 // 60


def when_text(day: dt.date | None, hours: str = "") -> str:
    """ "mer. 01/07 08:00-15:00" (the day alone without hours, nothing without a day)."""
    if day is None:
        return ""
    text = f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"
    return f"{text} {hours}" if hours else text


# --- What a mission covers ----------------------------------------------------------------------


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count <= 1 else plural or word + 's'}"


def mission_what(lot_number: int | None, copies: int, slots: int, jury_number: int | None) -> str:
    """ "lot 12 (87 copies)", "14 candidats", "jury 3" (lists of missions)."""
    if lot_number is not None:
        return f"lot {lot_number} ({copies} copies)"
    if slots:
        return _plural(slots, "candidat")
    if jury_number is not None:
        return f"jury {jury_number}"
    return ""


def convocation_detail(
    lot_number: int | str | None,
    copies: int,
    slots: int,
    jury_number: int | str | None,
    role: str,
) -> str:
    """The « Objet » line of a convocation: the lot, the candidates, or the jury seat."""
    if lot_number is not None:
        return f"lot n° {lot_number} — {copies} copies"
    if slots:
        return _plural(slots, "candidat")
    if jury_number is not None:
        return f"jury n° {jury_number}, en qualité de {role_label(role)}"
    return ""


def epreuve_text(code: str, label: str) -> str:
    """ "PHI — Philosophie" (nothing without a code)."""
    return f"{code} — {label}" if code else ""


def address_text(address: str, commune: str) -> str:
    """A centre's address with its commune, unless the address already names it."""
    if commune and commune.lower() not in address.lower():
        return ", ".join(p for p in (address, commune) if p)
    return address


def replacement_note(replaced: str, day: dt.date, kind: str) -> str:
    """The note a replacement's convocation carries."""
    return (
        f"Convocation en remplacement de {replaced} pour la mission du "
        f"{day:%d/%m/%Y} ({kind_label(kind).lower()})."
    )


def uncovered_mission(
    kind: str,
    epreuve_code: str,
    *,
    lot_number: int | None,
    copies: int,
    slots: int,
    jury_number: int | None,
    seat: str,
) -> tuple[str, int]:
    """An absent examiner's mission in one line, and its count (copies or slots, else 0):
    ("Correction PHI · lot n° 3 (87 copies)", 87)."""
    count = 0
    if kind == "correction" and lot_number is not None:
        count = copies
        what = f"lot n° {lot_number} ({copies} copies)"
    elif slots:
        count = slots
        what = f"{_plural(slots, 'créneau', 'créneaux')} d'oral"
    elif jury_number is not None:
        what = f"n° {jury_number} ({role_label(seat)})"
    elif kind in LOADED_KINDS:
        what = "commission"
    else:
        what = kind_label(kind).lower()
    code = f" {epreuve_code}" if epreuve_code else ""
    return f"{KIND_SHORT.get(kind, kind)}{code} · {what}", count


def slots_gap_label(epreuve_code: str, count: int) -> str:
    return f"Oral {epreuve_code} — {_plural(count, 'créneau', 'créneaux')} sans examinateur"


def lots_gap_label(epreuve_code: str, count: int) -> str:
    return f"Correction {epreuve_code} — {_plural(count, 'lot')} sans correcteur"


def president_gap_label(jury_number: int) -> str:
    return f"Jury n° {jury_number} — sans président (PU ou MCF à désigner)"


def lot_taken_error(lot_number: int, holder: str) -> str:
    """A lot is in one examiner's hands at a time."""
    return (
        f"Le lot n° {lot_number} est déjà confié à {holder} : déclarez son absence pour le "
        "remplacer."
    )


def slots_taken_error(count: int) -> str:
    return f"{count} de ces créneaux ont déjà un examinateur."


def short_place(name: str) -> str:
    """A centre's name without the words every centre shares ("Centre Lycée polyvalent …")."""
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name
