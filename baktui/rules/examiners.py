"""Rules about examiners: who may preside a jury, who may mark whom, how far, and in what order.

Pure functions over plain values (no database, no Textual), used by the jury, eligibility and
replacement services, the F5 screens and their tests. Every ``*_error`` function returns the
French sentence that refuses a mission (or a seat), or None when nothing stands in the way.

- Jury presidency (Code de l'éducation D.336-20): the président is a professeur des universités or
  a maître de conférences; the vice-président (président adjoint) is chosen among agrégés or
  certifiés (university teachers are accepted too).
- Own students: nobody examines or marks candidates of his or her own établissement.
- Distances: the office's reference table (road km) wins; otherwise a straight-line ESTIMATE from
  the communes' coordinates (haversine on floats, rounded to a whole km: an estimate for ranking,
  never an amount paid).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from baktui.rules.french import agree, agree_with, title_words
from baktui.rules.identifiers import parse_date_fr
from baktui.rules.missions import overlaps

CORPS_LABELS: dict[str, str] = {
    "PU": "professeur des universités",
    "MCF": "maître de conférences",
    "AGREGE": "professeur agrégé",
    "CERTIFIE": "professeur certifié",
    "PLP": "professeur de lycée professionnel",
    "IA_IPR": "inspecteur d'académie – inspecteur pédagogique régional",
    "PROFESSIONNEL": "représentant de la profession",
    "RETRAITE": "enseignant retraité",
}
SHORT_CORPS: dict[str, str] = {
    "PU": "PU",
    "MCF": "MCF",
    "AGREGE": "agrégé",
    "CERTIFIE": "certifié",
    "PLP": "PLP",
    "PROFESSIONNEL": "profess.",
    "RETRAITE": "retraité",
    "IA_IPR": "IA-IPR",
}
PRESIDENT_CORPS = ("PU", "MCF")
# Representatives of the professions sit on juries (a third of the members, D.336-20) but the
# copies and the orals go to teachers.
NON_TEACHING_CORPS = ("PROFESSIONNEL",)
TEACHER_ONLY_KINDS = ("correction", "oral")
VICE_PRESIDENT_CORPS = ("PU", "MCF", "AGREGE", "CERTIFIE")

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

# Where a distance comes from.
KM_TABLE = "table"
KM_ESTIMATE = "estimation"
KM_SAME = "même commune"


def corps_label(corps: str) -> str:
    """The French name of a corps code ("MCF" -> "maître de conférences")."""
    return CORPS_LABELS.get(corps.strip().upper(), corps.strip().lower() or "corps inconnu")


@lru_cache(maxsize=256)  # a few corps × civilities; called per row of lists and files
@lru_cache(maxsize=256)
def corps_title(corps: str, sex_or_civility: str | None = "") -> str:
    """The corps named in full, in the person's gender (« professeure agrégée » for Mme)."""
    return title_words(sex_or_civility, corps_label(corps))


@lru_cache(maxsize=256)
def corps_short(corps: str, sex_or_civility: str | None = "") -> str:
    """A corps as a narrow column or a head line shows it, agreed by the recorded sex:
    "AGREGE" → « agrégée » (Mme), « agrégé » (M.), « agrégé(e) » (nothing recorded)."""
    short = short_corps(corps)
    if short in ("agrégé", "certifié", "retraité"):
        return agree(sex_or_civility, short)
    return short


def short_corps(corps: str) -> str:
    """A corps code as a narrow column shows it ("AGREGE" -> "agrégé")."""
    return SHORT_CORPS.get(corps.strip().upper(), corps.lower()[:8])


def display_name(last_name: str, first_name: str) -> str:
    """ "DUPONT Marie" (lists)."""
    return f"{last_name.upper()} {first_name}".strip()


def formal_name(civility: str, last_name: str, first_name: str) -> str:
    """ "Mme Marie DUPONT" (documents and refusals)."""
    return " ".join(p for p in (civility, first_name, last_name.upper()) if p)


def _is_corps(name: str, corps: str) -> str:
    """ "Mme Anne MARTIN est professeur certifié" (the corps named in full)."""
    return f"{name or 'cet examinateur'} est {corps_label(corps)}"


def may_preside(corps: str) -> bool:
    return corps.strip().upper() in PRESIDENT_CORPS


def may_vice_preside(corps: str) -> bool:
    return corps.strip().upper() in VICE_PRESIDENT_CORPS


def may_examine(corps: str, kind: str) -> bool:
    """Whether this corps may take a mission of this kind (copies and orals: teachers only)."""
    return kind not in TEACHER_ONLY_KINDS or corps.strip().upper() not in NON_TEACHING_CORPS


def president_error(corps: str, name: str = "") -> str | None:
    """Why this examiner cannot preside a jury (D.336-20), or None when he or she can."""
    if may_preside(corps):
        return None
    return (
        "Président refusé : un jury est présidé par un professeur des universités ou un maître "
        f"de conférences (art. D.336-20) ; {_is_corps(name, corps)}."
    )


def vice_president_error(corps: str, name: str = "") -> str | None:
    """Why this examiner cannot be vice-président, or None when he or she can."""
    if may_vice_preside(corps):
        return None
    return (
        "Vice-président refusé : il est choisi parmi les professeurs agrégés ou certifiés "
        f"(ou un universitaire) ; {_is_corps(name, corps)}."
    )


def examines_error(corps: str, kind: str, name: str = "") -> str | None:
    """Why this examiner may not mark copies or examine orals (not a teacher), or None."""
    if may_examine(corps, kind):
        return None
    return f"{_is_corps(name, corps)} : copies et oraux sont confiés à des enseignants."


# --- Disciplines --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a few hundred distinct texts for 35,000 examiners
def parse_disciplines(text: str) -> tuple[tuple[str, str | None], ...]:
    """ "PHI, SP1:STI2D" -> (("PHI", None), ("SP1", "STI2D")): épreuve code and optional series."""
    items: list[tuple[str, str | None]] = []
    for raw in text.split(","):
        part = raw.strip().upper()
        if not part:
            continue
        code, _, series = part.partition(":")
        items.append((code.strip(), series.strip() or None))
    return tuple(items)


def teaches(disciplines: str, epreuve_code: str, series: Iterable[str] = ()) -> bool:
    """Whether the examiner's disciplines cover the épreuve for every series concerned.

    A discipline without a series covers the épreuve in every series; "SP1:STI2D" covers SP1 of
    STI2D only. With no series given, any entry for the code is enough.
    """
    return _teaches(disciplines, epreuve_code, _wanted(tuple(series)))


@lru_cache(maxsize=256)
def _wanted(series: tuple[str, ...]) -> frozenset[str]:
    return frozenset(s.strip().upper() for s in series if s)


@lru_cache(maxsize=4096)
def _teaches(disciplines: str, epreuve_code: str, wanted: frozenset[str]) -> bool:
    code = epreuve_code.strip().upper()
    entries = [s for c, s in parse_disciplines(disciplines) if c == code]
    if not entries:
        return False
    if None in entries:
        return True
    return not wanted or wanted <= set(entries)


def discipline_label(disciplines: str) -> str:
    """Disciplines as shown in lists: "PHI, SP1 (STI2D)"."""
    return ", ".join(
        f"{code} ({series})" if series else code for code, series in parse_disciplines(disciplines)
    )


def discipline_names(
    disciplines: str,
    labels: Mapping[str, str],
    series_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """Disciplines with the names of the session's épreuves: "PHI philosophie, SP1 (STI2D)
    ingénierie…"; a spécialité given with its série takes that série's name (``series_labels``);
    a code the regulation does not name stays as it is."""
    parts = []
    for code, series in parse_disciplines(disciplines):
        name = (series_labels or {}).get(series, {}).get(code, "") or labels.get(code, "")
        text = f"{code} ({series})" if series else code
        parts.append(f"{text} {name.lower() if name.isupper() else name}".strip())
    return ", ".join(parts)


def discipline_error(
    name: str, disciplines: str, epreuve_code: str, series: Iterable[str] = ()
) -> str | None:
    """Why the examiner does not examine this épreuve (for these series), or None."""
    series = tuple(series)
    if teaches(disciplines, epreuve_code, series):
        return None
    wanted = sorted(series)
    listed = f" ({', '.join(wanted)})" if wanted else ""
    return (
        f"{name} n'est pas examinateur de {epreuve_code}{listed} "
        f"(disciplines : {discipline_label(disciplines) or 'aucune'})."
    )


# --- Own students -------------------------------------------------------------------------------


def own_students_error(
    examiner_name: str,
    examiner_etablissement_id: int | None,
    concerned: Mapping[int, tuple[str, int]],
) -> str | None:
    """Why the examiner would examine his or her own students, or None.

    ``concerned`` maps each établissement of the candidates concerned to (its name, how many of
    its candidates are concerned).
    """
    if examiner_etablissement_id is None or examiner_etablissement_id not in concerned:
        return None
    name, count = concerned[examiner_etablissement_id]
    copies = f"{count} candidat{'s' if count > 1 else ''}"
    return (
        f"Affectation refusée : {examiner_name} enseigne à {name}, l'établissement de "
        f"{copies} concerné{'s' if count > 1 else ''} ; nul n'examine ni ne corrige ses propres "
        "élèves."
    )


# --- The examiner's day ------------------------------------------------------------------------


def replaced_error(name: str) -> str:
    return f"{name} est l'examinateur à remplacer."


def inactive_error(name: str) -> str:
    return f"{name} n'est plus actif (fiche désactivée)."


def member_error(name: str) -> str:
    return f"{name} siège déjà dans ce jury."


def absent_error(name: str, day: dt.date) -> str:
    return (
        f"{name} est {agree_with(name, 'déclaré')} {agree_with(name, 'absent')} le {day:%d/%m/%Y}."
    )


def unavailable_error(name: str, day: dt.date) -> str:
    return f"{name} s'est {agree_with(name, 'déclaré')} indisponible le {day:%d/%m/%Y}."


def undeclared_error(name: str, day: dt.date) -> str:
    """An examiner who declared available days, but not this one."""
    return f"{name} n'a pas déclaré le {day:%d/%m/%Y} dans ses disponibilités."


def check_absence(day_text: str, reason: str) -> tuple[dt.date, str] | str:
    """The absence form's input: (day, reason) when both are valid (the reason's spaces
    folded), else the French message saying what is wrong."""
    try:
        day = parse_date_fr(day_text)
    except ValueError as exc:
        return str(exc)
    reason = " ".join(reason.split())
    if not reason:
        return "Indiquez le motif de l'absence."
    return day, reason


def check_availability(day_text: str, answer: str) -> tuple[dt.date, bool] | str:
    """The availability form's input: (day, available) from JJ/MM/AAAA and « o »/« n » (oui,
    non), else the French message saying what is wrong."""
    try:
        day = parse_date_fr(day_text)
    except ValueError as exc:
        return str(exc)
    word = answer.strip().lower()
    if word in ("o", "oui"):
        return day, True
    if word in ("n", "non"):
        return day, False
    return "Disponible ? Répondez o (oui) ou n (non)."


def first_clash(
    taken: Iterable[tuple[str, str, str]], start: str, end: str
) -> tuple[str, str, str] | None:
    """The first of the missions ``(start, end, what)`` that overlaps ``start``–``end`` (a
    range that cannot be read overlaps nothing), or None."""
    for busy in taken:
        try:
            if overlaps(busy[0], busy[1], start, end):
                return busy
        except ValueError:
            continue
    return None


def busy_error(
    name: str, taken: Iterable[tuple[str, str, str]], start: str, end: str
) -> str | None:
    """Why the examiner is not free from ``start`` to ``end``: the first of his or her missions
    that overlaps (:func:`first_clash`)."""
    clash = first_clash(taken, start, end)
    if clash is None:
        return None
    busy_start, busy_end, what = clash
    return f"{name} est déjà {agree_with(name, 'pris')} de {busy_start} à {busy_end} ({what})."


# --- Distances ----------------------------------------------------------------------------------


def parse_coordinate(text: str | None) -> Decimal | None:
    """Decimal degrees stored as text ("45.7640"), or None when absent or unreadable."""
    if text is None or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def straight_line_km(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> int:
    """Great-circle distance rounded to the nearest whole km.

    An ESTIMATE for ranking only: the haversine uses float trigonometry (exact arithmetic has no
    sine), and a straight line is shorter than the road. Paid distances come from the table.
    """
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lon2) - float(lon1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h))))


def distance_km(
    origin: int | None,
    destination: int | None,
    table: Mapping[tuple[int, int], int],
    coordinates: Mapping[int, tuple[Decimal, Decimal]],
) -> tuple[int | None, str]:
    """Distance between two communes (ids) and where it comes from.

    The reference table is read in both directions; then the straight-line estimate; (None, "")
    when neither commune pair is known.
    """
    if origin is None or destination is None:
        return None, ""
    if origin == destination:
        return 0, KM_SAME
    km = table.get((origin, destination), table.get((destination, origin)))
    if km is not None:
        return km, KM_TABLE
    a, b = coordinates.get(origin), coordinates.get(destination)
    if a is None or b is None:
        return None, ""
    return straight_line_km(a[0], a[1], b[0], b[1]), KM_ESTIMATE


# --- Ranking ------------------------------------------------------------------------------------


def copies_exceeded(copies: int, max_copies: int, extra: int) -> bool:
    """Whether ``extra`` more copies take the examiner past his or her maximum (plain values:
    the ranking checks 20,000 examiners without a :class:`Load` for each)."""
    return extra > 0 and copies + extra > max_copies


def hours_exceeded(hours_centi: int, max_oral_hours: int, extra_centi: int) -> bool:
    """Whether ``extra_centi`` more oral hours (hundredths) take the examiner past his or her
    maximum (whole hours)."""
    return extra_centi > 0 and hours_centi + extra_centi > max_oral_hours * 100


@dataclass(frozen=True)
class Load:
    """What an examiner already carries and his or her limits."""

    copies: int
    max_copies: int
    oral_hours_centi: int
    max_oral_hours: int

    def copies_after(self, extra: int) -> int:
        return self.copies + extra

    def copies_exceeded(self, extra: int) -> bool:
        return copies_exceeded(self.copies, self.max_copies, extra)

    def hours_exceeded(self, extra_centi: int) -> bool:
        return hours_exceeded(self.oral_hours_centi, self.max_oral_hours, extra_centi)

    def exceeded(self, extra_copies: int, extra_hours_centi: int) -> bool:
        return self.copies_exceeded(extra_copies) or self.hours_exceeded(extra_hours_centi)

    def ratio(self) -> Fraction:
        """Share of the heavier limit already used, exact."""
        return max(
            Fraction(self.copies, max(self.max_copies, 1)),
            Fraction(self.oral_hours_centi, max(self.max_oral_hours * 100, 1)),
        )


def load_error(name: str, load: Load, extra_copies: int, extra_hours_centi: int) -> str | None:
    """Why taking this on would exceed the examiner's maximum load, or None."""
    if load.copies_exceeded(extra_copies):
        return (
            f"Charge dépassée : {name} a déjà {load.copies} copies ; avec {extra_copies} de plus "
            f"il dépasserait son maximum de {load.max_copies}."
        )
    if load.hours_exceeded(extra_hours_centi):
        done = format_hours(load.oral_hours_centi)
        return (
            f"Charge dépassée : {name} a déjà {done} d'oral ; avec {format_hours(extra_hours_centi)} "
            f"de plus il dépasserait son maximum de {load.max_oral_hours} h."
        )
    return None


def format_hours(centi: int) -> str:
    """Hours in hundredths -> "3 h 30" (minutes rounded down)."""
    hours, rest = divmod(centi, 100)
    mins = rest * 60 // 100
    return f"{hours} h {mins:02d}" if mins else f"{hours} h"


def ranking_key(km: int | None, load: Load, last_name: str, first_name: str) -> tuple:
    """Order of the replacement list: nearest first (unknown distance last), then the least
    loaded (exact fraction of the heavier limit), then by name."""
    return (km is None, km if km is not None else 0, load.ratio(), last_name, first_name)
