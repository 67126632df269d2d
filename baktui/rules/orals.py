"""Pure rules of the oral commissions (issue 15): which orals, their timetable, who may sit.

The orals planned: the Grand oral (GO), the français oral (FRO) and the second-group orals (one
code per subject: ``2G-FR``, ``2G-PHI``, ``2G-SP1``, ``2G-SP2``). A commission is two examiners
hearing the candidates of one centre on one day, one slot after the other.

- **Timetable** (:class:`OralPlan`): the days, the hours of a day and the length of a slot are
  the office's data, a setting per oral (``oraux_GO``, ``oraux_FRO``, ``oraux_2G``) written
  « 22/06/2026-26/06/2026 ; 08:00-12:00 13:30-17:30 ; créneau 30 ; préparation 20 »: days
  (dates or ranges, Saturdays and Sundays of a range skipped), hours, slot minutes, and the
  optional preparation the candidate spends before the slot (he is busy from then on). No slot
  ends after the centre's closing time.
- **Members**: teachers only (never a representative of the professions). Grand oral: two
  different disciplines, one of them a spécialité (SP1 or SP2) of the série heard (art. of the
  Grand oral: « un jury de deux professeurs de disciplines différentes, dont l'un représente
  l'un des deux enseignements de spécialité du candidat »); the other orals: both teach the
  subject. Nobody hears his or her own students (:func:`baktui.rules.examiners.
  own_students_error`, the F5 rule).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from baktui.rules.examiners import examines_error, teaches
from baktui.rules.identifiers import fold, parse_date_fr
from baktui.rules.missions import minutes

GRAND_ORAL = "GO"
FRENCH_ORAL = "FRO"
SECOND_GROUP = "2G-"
SECOND_GROUP_SUBJECTS = ("FR", "PHI", "SP1", "SP2")
ORAL_CODES = (GRAND_ORAL, FRENCH_ORAL, *(SECOND_GROUP + s for s in SECOND_GROUP_SUBJECTS))
FIRST_GROUP_ORALS = (GRAND_ORAL, FRENCH_ORAL)
SPECIALITES = ("SP1", "SP2")
MEMBERS = 2  # examiners per commission
LABELS = {
    GRAND_ORAL: "Grand oral",
    FRENCH_ORAL: "Français oral",
    "2G-FR": "2d groupe — français",
    "2G-PHI": "2d groupe — philosophie",
    "2G-SP1": "2d groupe — spécialité 1",
    "2G-SP2": "2d groupe — spécialité 2",
}
# what each oral's examiners teach (a discipline code of Examiner.disciplines)
SUBJECT_DISCIPLINES = {
    FRENCH_ORAL: ("FRO", "FRE"),
    "2G-FR": ("FRE", "FRO"),
    "2G-PHI": ("PHI",),
    "2G-SP1": ("SP1",),
    "2G-SP2": ("SP2",),
}
BY_SERIES = (GRAND_ORAL, "2G-SP1", "2G-SP2")  # a commission hears one série (its spécialité)


def is_oral(code: str) -> bool:
    return code in ORAL_CODES


def label(code: str) -> str:
    return LABELS.get(code, code)


def second_group_code(subject: str) -> str:
    """ "PHI" (a group-2 grade's code) -> "2G-PHI"."""
    return SECOND_GROUP + subject


def setting_key(code: str) -> str:
    """The setting holding an oral's timetable: « oraux_GO », « oraux_FRO », « oraux_2G »."""
    return "oraux_2G" if code.startswith(SECOND_GROUP) else f"oraux_{code}"


SETTING_KEYS = ("oraux_GO", "oraux_FRO", "oraux_2G")
EXAMPLE = "22/06/2026-26/06/2026 ; 08:00-12:00 13:30-17:30 ; créneau 30 ; préparation 20"


# --- The timetable ------------------------------------------------------------------------------


def hhmm(total: int) -> str:
    """510 -> "08:30"."""
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class OralPlan:
    """An oral's timetable: its days, the hours of a day, a slot's length, the preparation."""

    days: tuple[dt.date, ...]
    periods: tuple[tuple[int, int], ...]  # minutes from midnight, half-open
    slot_min: int
    prep_min: int = 0

    def slots(self, closing: str = "23:59") -> list[tuple[str, str]]:
        """The slots of one day, in order, none ending after ``closing``."""
        limit = minutes(closing)
        found = []
        for start, end in self.periods:
            t = start
            while t + self.slot_min <= min(end, limit):
                found.append((hhmm(t), hhmm(t + self.slot_min)))
                t += self.slot_min
        return found

    def text(self) -> str:
        days = ", ".join(f"{d:%d/%m/%Y}" for d in self.days)
        hours = " ".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in self.periods)
        prep = f" ; préparation {self.prep_min}" if self.prep_min else ""
        return f"{days} ; {hours} ; créneau {self.slot_min}{prep}"


_RANGE = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})-(\d{1,2}/\d{1,2}/\d{4})$")
_HOURS = re.compile(r"(\d{1,2}[:hH]\d{2})\s*-\s*(\d{1,2}[:hH]\d{2})")


def _days(text: str, year: int | None) -> tuple[dt.date, ...]:
    found: list[dt.date] = []
    text = re.sub(r"^\s*(du|jours?)\s+", "", text.strip(), flags=re.IGNORECASE)
    text = re.sub(r"\s*(?:-|\bau\b)\s*", "-", text)
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        match = _RANGE.match(part)
        try:
            dates = [parse_date_fr(d) for d in (match.groups() if match else (part,))]
        except ValueError as exc:
            raise ValueError(f"jours : {exc}") from None
        if match:
            first, last = dates
            if last < first:
                raise ValueError(f"jours : « {part} » finit avant de commencer")
            if (last - first).days > 62:
                raise ValueError(f"jours : « {part} » dure plus de deux mois")
            day = first
            while day <= last:
                if day.weekday() < 5:
                    found.append(day)
                day += dt.timedelta(days=1)
        else:
            found.append(dates[0])
    if not found:
        raise ValueError("jours : aucune date (JJ/MM/AAAA, ou JJ/MM/AAAA-JJ/MM/AAAA)")
    if year is not None and any(d.year != year for d in found):
        raise ValueError(f"jours : les dates doivent être de l'année de la session ({year})")
    return tuple(sorted(set(found)))


def _periods(text: str) -> tuple[tuple[int, int], ...]:
    rest = _HOURS.sub("", text)
    if re.sub(r"(horaires?|heures?|,|et|\s)", "", fold(rest).lower()):
        raise ValueError(f"horaires : « {text.strip()} » illisible (08:00-12:00 13:30-17:30)")
    periods = []
    for a, b in _HOURS.findall(text):
        start, end = minutes(a), minutes(b)
        if end <= start:
            raise ValueError(f"horaires : {a}-{b} finit avant de commencer")
        periods.append((start, end))
    if not periods:
        raise ValueError("horaires : aucune plage (08:00-12:00 13:30-17:30)")
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise ValueError("horaires : deux plages se chevauchent")
    return tuple(periods)


def _minutes_of(text: str, what: str, low: int, high: int) -> int:
    digits = re.sub(r"(min(utes?)?|creneau|preparation|de|\s)", "", fold(text).lower())
    if not digits.isdigit():
        raise ValueError(f"{what} : « {text.strip()} » n'est pas un nombre de minutes")
    value = int(digits)
    if not low <= value <= high:
        raise ValueError(f"{what} : {value} min, attendu de {low} à {high}")
    return value


def parse_plan(text: str, year: int | None = None) -> OralPlan:
    """« jours ; horaires ; créneau [; préparation] » -> OralPlan; ValueError in French naming
    the part that is wrong."""
    parts = [p for p in (text or "").split(";")]
    if len(parts) not in (3, 4) or not all(p.strip() for p in parts):
        raise ValueError(
            "écrivez « jours ; horaires ; créneau ; préparation » (la préparation est "
            f"facultative), par exemple « {EXAMPLE} »"
        )
    plan = OralPlan(
        days=_days(parts[0], year),
        periods=_periods(parts[1]),
        slot_min=_minutes_of(parts[2], "créneau", 5, 240),
        prep_min=_minutes_of(parts[3], "préparation", 0, 120) if len(parts) == 4 else 0,
    )
    if not plan.slots():
        raise ValueError("horaires : aucune plage ne contient un créneau entier")
    return plan


# --- Who sits on a commission --------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """An examiner as the commission rules see him or her."""

    id: int
    name: str  # « Mme Claire BERNARD »
    disciplines: str
    corps: str
    etablissement_id: int | None


def specialites_of(member: Member, series: str) -> set[str]:
    """The spécialités of the série the examiner teaches (« SP1 », « SP2 »)."""
    return {k for k in SPECIALITES if teaches(member.disciplines, k, (series,) if series else ())}


def teaches_oral(member: Member, code: str, series: str) -> bool:
    """Whether the examiner teaches what this oral examines (Grand oral: any teacher)."""
    if code == GRAND_ORAL:
        return bool(member.disciplines.strip())
    wanted = (series,) if series and code in BY_SERIES else ()
    return any(teaches(member.disciplines, d, wanted) for d in SUBJECT_DISCIPLINES.get(code, ()))


def member_error(member: Member, code: str, series: str) -> str | None:
    """Why this examiner may not sit on a commission of this oral (alone), or None."""
    error = examines_error(member.corps, "oral", member.name)
    if error:
        return error
    if not teaches_oral(member, code, series):
        what = ", ".join(SUBJECT_DISCIPLINES.get(code, ("une discipline",)))
        of_series = f" ({series})" if series and code in BY_SERIES else ""
        return f"{member.name} n'enseigne pas {what}{of_series} : {label(code)} refusé."
    return None


def pair_error(code: str, series: str, a: Member, b: Member) -> str | None:
    """Why two examiners may not form a commission of this oral together, or None."""
    if a.id == b.id:
        return f"{a.name} ne peut pas siéger deux fois dans la même commission."
    if code != GRAND_ORAL:
        return None
    spec_a, spec_b = specialites_of(a, series), specialites_of(b, series)
    if not spec_a and not spec_b:
        return (
            f"Grand oral {series} : ni {a.name} ni {b.name} n'enseigne une spécialité de la "
            "série ; l'un des deux membres doit la représenter."
        )
    if (spec_a - spec_b) or (spec_b - spec_a) or not (spec_a and spec_b):
        return None
    return (
        f"Grand oral {series} : {a.name} et {b.name} enseignent la même spécialité ; les deux "
        "membres doivent être de disciplines différentes."
    )


def can_complete(code: str, series: str, present: Member, other: Member) -> bool:
    """Whether ``other`` may join ``present`` (both allowed alone, and as a pair)."""
    return (
        member_error(other, code, series) is None
        and pair_error(code, series, present, other) is None
    )


def busy_error(
    name: str, day: dt.date, start: str, end: str, taken: Sequence[tuple[str, str, str]]
) -> str | None:
    """Why the examiner is not free from ``start`` to ``end`` on ``day`` (another commission or
    mission at the same time), or None. ``taken``: (start, end, what) of that day."""
    for other_start, other_end, what in taken:
        if minutes(other_start) < minutes(end) and minutes(start) < minutes(other_end):
            return (
                f"{name} siège déjà le {day:%d/%m/%Y} de {other_start} à {other_end} ({what}) : "
                f"une commission de {start} à {end} se chevauche."
            )
    return None


def closing_error(what: str, end: str, closing: str, centre: str) -> str | None:
    """A slot or a commission that ends after the centre's closing time, or None."""
    if minutes(end) <= minutes(closing):
        return None
    return f"{what} finit à {end}, après la fermeture du centre {centre} à {closing}."
