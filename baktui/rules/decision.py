"""The first-group decision, written once: which épreuves count, the points, the decision, the mention.

Two ways of deliberating use it, with different numbers but the same rule:

- :func:`baktui.rules.deliberation.deliberate` (one candidate, explained line by line, with jury
  points and the second group) tallies ``Fraction`` grades (0 to 20) with the regulation's
  coefficients;
- :func:`deliberate_centi` (a whole session, straight from the stored grades) tallies integers:
  grades in hundredths, coefficients scaled to integers — several times faster, still exact.

The rule is in :func:`tally` (an épreuve the candidate is not registered to does not count; EPS of
an inapte candidate and a DI are neutralised; a missing grade or an AJ leaves the file incomplete;
ABS counts 0; a kept grade is noted) and in :func:`decide` (the thresholds and the mentions, none
when a grade is kept). Every number comes from the regulation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import floor, gcd

from baktui.rules.grades import CODE_ABS, CODE_AJ, CODE_DI
from baktui.rules.regulation import Regulation

ADMIS = "ADMIS"
SECOND_GROUPE = "SECOND_GROUPE"
AJOURNE = "AJOURNE"
INCOMPLET = "INCOMPLET"
DECISIONS = (ADMIS, SECOND_GROUPE, AJOURNE, INCOMPLET)
# Order of the final decisions (INCOMPLET is not a decision on the merits: not ranked).
DECISION_RANK = {AJOURNE: 0, SECOND_GROUPE: 1, ADMIS: 2}
DECISION_LABELS = {
    ADMIS: "Admis",
    SECOND_GROUPE: "Second groupe",
    AJOURNE: "Ajourné",
    INCOMPLET: "Incomplet",
}
DECISION_SHORT = {**DECISION_LABELS, SECOND_GROUPE: "2nd groupe"}  # for a narrow column


def decision_label(code: str | None, *, short: bool = False) -> str:
    """The decision in words, capitalised as every screen and document writes it (« Non
    délibéré » before the deliberation); ``short``: for a narrow column (« 2nd groupe »)."""
    if not code:
        return "Non délib." if short else "Non délibéré"
    return (DECISION_SHORT if short else DECISION_LABELS).get(code, code)


EPS_CODE = "EPS"  # the épreuve neutralised by the candidate's inaptitude flag
INAPTE = "inapte"  # why an épreuve is neutralised: the candidate's EPS inaptitude (or CODE_DI)

# A grade as the tally reads it: (value, code); the value is in the caller's unit (a Fraction
# grade, or hundredths), the code ABS, AJ, DI or None. (None, None) is a missing grade.
Value = int | Fraction
Entry = tuple[Value | None, str | None]


@dataclass
class Tally:
    """What the first group counts for one candidate."""

    points: Value = 0  # Σ value × coef over the counted épreuves
    total: Value = 0  # Σ coef over the counted épreuves
    missing: list[str] = field(default_factory=list)  # registered, without a grade
    justified: list[str] = field(default_factory=list)  # graded AJ
    neutralised: list[tuple[str, str]] = field(default_factory=list)  # (code, INAPTE or DI)
    kept: list[str] = field(default_factory=list)  # counted épreuves whose grade is kept
    counted: list[tuple[str, Value, Value]] = field(default_factory=list)  # (code, value, coef)

    @property
    def complete(self) -> bool:
        """Every registered épreuve has a grade that decides (no missing grade, no AJ)."""
        return not self.missing and not self.justified


def tally(
    order: Iterable[tuple[str, Value]],
    registered: Collection[str],
    grades: Mapping[str, Entry],
    *,
    eps_inapte: bool = False,
    kept: Collection[str] = (),
    detail: bool = True,
) -> Tally:
    """Count the registered épreuves, in the regulation's ``order`` of (code, coefficient).

    ``detail=False`` leaves ``counted`` empty (a whole session needs only the totals).
    """
    missing: list[str] = []
    justified: list[str] = []
    neutralised: list[tuple[str, str]] = []
    kept_counted: list[str] = []
    counted: list[tuple[str, Value, Value]] = []
    points: Value = 0
    total: Value = 0
    for code, coef in order:
        if code not in registered:
            continue
        if code == EPS_CODE and eps_inapte:
            neutralised.append((code, INAPTE))
            continue
        grade = grades.get(code)
        if grade is None:
            missing.append(code)
            continue
        value, gcode = grade
        if gcode:
            if gcode == CODE_AJ:
                justified.append(code)
                continue
            if gcode == CODE_DI:
                neutralised.append((code, CODE_DI))
                continue
            value = 0  # ABS counts 0
        elif value is None:
            missing.append(code)
            continue
        points += value * coef
        total += coef
        if detail:
            counted.append((code, value, coef))
        if code in kept:
            kept_counted.append(code)
    return Tally(points, total, missing, justified, neutralised, kept_counted, counted)


@dataclass(frozen=True)
class Thresholds:
    """The regulation's first-group thresholds and mentions (highest mention first)."""

    pass_threshold: Fraction
    second_group_threshold: Fraction
    mentions: tuple[tuple[Fraction, str, str], ...]  # (threshold, code, label)

    @classmethod
    def of(cls, reg: Regulation) -> Thresholds:
        return cls(
            reg.pass_threshold,
            reg.second_group_threshold,
            tuple(sorted(reg.mentions, key=lambda m: m[0], reverse=True)),
        )

    def mention(self, average: Fraction) -> tuple[str, str] | None:
        """(code, label) of the mention an average earns, or None."""
        for threshold, code, label in self.mentions:
            if average >= threshold:
                return code, label
        return None


def decide(limits: Thresholds, average: Fraction, *, kept: bool) -> tuple[str, str | None]:
    """(decision, mention) of a complete first group: ADMIS (a mention unless a grade is kept),
    SECOND_GROUPE between the two thresholds, AJOURNE below."""
    if average >= limits.pass_threshold:
        found = None if kept else limits.mention(average)
        return ADMIS, found[0] if found else None
    if average < limits.second_group_threshold:
        return AJOURNE, None
    return SECOND_GROUPE, None


# --------------------------------------------------------------------------------------------
# The session's fast path: the same tally on the stored grades, in integers

# A stored grade as (value in hundredths, code): (1250, None), (None, "ABS"), (None, None)…
CentiGrade = tuple[int | None, str | None]
_CODES = frozenset((CODE_ABS, CODE_AJ, CODE_DI))


@dataclass(frozen=True)
class CentiTable:
    """What ``deliberate_centi`` needs from a regulation, precomputed once per run."""

    series: frozenset[str]
    known: frozenset[str]
    # (code, coef × scale) of every épreuve, in the regulation's order
    order: tuple[tuple[str, int], ...]
    scale: int  # common denominator of the coefficients
    # series -> composite code -> ((part code, part coef), …) in the series rule's order
    composites: dict[str, dict[str, tuple[tuple[str, Fraction], ...]]]
    max_centi: int  # largest valid grade in hundredths
    limits: Thresholds
    # the same thresholds as (numerator, denominator), compared in integers with
    # Σ points / (100 × Σ coef): no Fraction built per candidate to decide
    pass_nd: tuple[int, int] = (0, 1)
    second_nd: tuple[int, int] = (0, 1)
    mentions_nd: tuple[tuple[int, int, str], ...] = ()


def centi_table(reg: Regulation) -> CentiTable:
    limits = Thresholds.of(reg)
    scale = 1
    for e in reg.epreuves:
        scale = scale * e.coef.denominator // gcd(scale, e.coef.denominator)
    composites = {
        rule.code: {
            code: tuple((p.code, p.coef) for p in rule.parts(code))
            for code in ("SP1", "SP2")
            if rule.parts(code)
        }
        for rule in reg.series
    }
    return CentiTable(
        series=frozenset(reg.series_codes),
        known=frozenset(e.code for e in reg.epreuves),
        order=tuple((e.code, int(e.coef * scale)) for e in reg.epreuves),
        scale=scale,
        composites=composites,
        max_centi=floor(reg.max_grade * 100),
        limits=limits,
        pass_nd=(limits.pass_threshold.numerator, limits.pass_threshold.denominator),
        second_nd=(
            limits.second_group_threshold.numerator,
            limits.second_group_threshold.denominator,
        ),
        mentions_nd=tuple((t.numerator, t.denominator, code) for t, code, _ in limits.mentions),
    )


def _valid(grade: CentiGrade, max_centi: int) -> bool:
    value, code = grade
    if code:
        return code in _CODES
    return value is None or 0 <= value <= max_centi


def deliberate_centi(
    table: CentiTable,
    series: str,
    registered: Iterable[str],
    grades: Mapping[str, CentiGrade],
    kept: Iterable[str] = (),
    eps_inapte: bool = False,
    parts: Mapping[str, Mapping[str, CentiGrade]] | None = None,
) -> tuple[str, str | None, Fraction | None] | None:
    """(decision, mention, average) of a candidate WITHOUT second-group grades nor jury points,
    straight from the stored grades (``parts``: part-grades of composite spécialités, by
    épreuve code): :func:`tally` and :func:`decide` on hundredths.

    None when this fast path does not apply (unknown series or épreuve, invalid grade…): the
    caller then builds the ``CandidateFile`` and calls ``deliberate``, which decides or refuses.
    """
    if series not in table.series:
        return None
    max_centi = table.max_centi
    for grade in grades.values():
        if not _valid(grade, max_centi):
            return None
    regset = set(registered)
    if not regset <= table.known:
        return None
    composite = table.composites.get(series)
    if composite and parts:
        grades = dict(grades)
        for code, rule_parts in composite.items():
            given = parts.get(code)
            if code in grades or not given:
                continue
            for grade in given.values():
                if not _valid(grade, max_centi):
                    return None
            combined = _combine_centi(rule_parts, given)
            if isinstance(combined, Fraction):
                grades[code] = (combined, None)  # exact hundredths of the weighted mean
            elif combined is not None:
                grades[code] = (None, combined)
    # :func:`tally` then :func:`decide`, inlined in integers (a whole académie goes through here)
    kept = set(kept)
    points = total = 0
    weighted: int | Fraction = 0  # composite spécialités: exact means, added apart
    any_kept = False
    for code, coef in table.order:
        if code not in regset or (eps_inapte and code == EPS_CODE):
            continue
        grade = grades.get(code)
        if grade is None:
            return INCOMPLET, None, None  # a missing grade
        value, gcode = grade
        if gcode:
            if gcode == CODE_AJ:
                return INCOMPLET, None, None
            if gcode == CODE_DI:
                continue  # neutralised
            value = 0  # ABS counts 0
        elif value is None:
            return INCOMPLET, None, None
        if type(value) is int:
            points += value * coef
        else:
            weighted += value * coef
        total += coef
        if code in kept:
            any_kept = True
    if total == 0:
        return INCOMPLET, None, None
    if weighted:
        points += weighted  # type: ignore[assignment]
    scaled = 100 * total  # average = points / scaled, compared as points × d ≥ n × scaled
    num, den = table.pass_nd
    if points * den >= num * scaled:
        decision, mention = ADMIS, None
        if not any_kept:
            for num, den, code in table.mentions_nd:
                if points * den >= num * scaled:
                    mention = code
                    break
    else:
        num, den = table.second_nd
        decision = AJOURNE if points * den < num * scaled else SECOND_GROUPE
        mention = None
    return decision, mention, Fraction(points, scaled)


def _combine_centi(
    rule_parts: Sequence[tuple[str, Fraction]], given: Mapping[str, CentiGrade]
) -> Fraction | str | None:
    """``grades.combine_parts`` on stored part-grades: None (missing), a code, or the weighted
    mean in hundredths."""
    counted: list[tuple[Fraction, int]] = []
    justified = False
    dispensed_only = all_absent = True
    for code, coef in rule_parts:
        grade = given.get(code)
        if grade is None:
            return None
        value, gcode = grade
        if gcode:
            if gcode == CODE_AJ:
                justified = True
            elif gcode == CODE_ABS:
                counted.append((coef, 0))
                dispensed_only = False
            continue
        if value is None:
            return None
        counted.append((coef, value))
        dispensed_only = all_absent = False
    if justified:
        return CODE_AJ
    if dispensed_only:
        return CODE_DI
    if all_absent:
        return CODE_ABS
    num = sum((c * v for c, v in counted), Fraction(0))
    return num / sum((c for c, _ in counted), Fraction(0))
