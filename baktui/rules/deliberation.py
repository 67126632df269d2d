"""Deliberation: from a candidate's grades to a decision, exactly as the "Rules adopted" say.

Pure functions over a ``Regulation`` (every number comes from it) and a ``CandidateFile`` (the
candidate's grades, as plain data). Averages are exact ``Fraction``s, compared unrounded with the
thresholds; display goes through ``grades.truncate_2``.

Choices made where the rules are silent (documented here so the screens can explain them):

- Jury points raise the *first-group* grade of an épreuve (capped at the maximum grade). ABS counts
  0 and may be raised; points on an AJ, DI or missing grade have no effect (a reason line says so).
  At the second group a second-group grade is compared with the raised grade; if it replaces it,
  the jury points on that épreuve no longer count (a reason line says so).
- A second-group subject is compared with the coefficient-weighted mean of its *counted*
  first-group épreuves (FR: FRE and FRO) and replaces all of them. A subject whose épreuves are
  all neutralised cannot be taken. A second-group ABS or DI replaces nothing; an AJ (or an empty
  grade) leaves the decision pending (SECOND_GROUPE).
- Second-group grades given to a candidate who is not at the second group are ignored.
- A kept grade removes the mention when its épreuve is among the registered ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from math import floor, gcd

from baktui.rules.grades import (
    CODE_ABS,
    CODE_AJ,
    CODE_DI,
    Grade,
    as_fraction,
    combine_parts,
    format_grade,
    truncate_2,
)
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

EPS_CODE = "EPS"  # the épreuve neutralised by the candidate's inaptitude flag


@dataclass(frozen=True)
class CandidateFile:
    """Everything the deliberation needs about one candidate, as plain data."""

    series: str
    # épreuve code -> first-group grade; None or absent key = missing
    grades: Mapping[str, Grade | None]
    # épreuve codes the candidate must have: every base épreuve + the OPTn chosen
    registered: Sequence[str]
    # codes whose grade is kept from an earlier session (counts like a new grade, no mention)
    kept: frozenset[str] = frozenset()
    eps_inapte: bool = False
    # second-group subject (FR, PHI, SP1, SP2) -> oral grade; the keys are the subjects chosen
    second_group: Mapping[str, Grade | None] = field(default_factory=dict)
    # épreuve code -> points the jury added to that grade (capped at the maximum grade)
    jury_points: Mapping[str, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """The outcome of a deliberation, with the French lines that explain it."""

    decision: str  # ADMIS | SECOND_GROUPE | AJOURNE | INCOMPLET
    mention: str | None  # TBF | TB | B | AB (codes of reg.mentions) or None
    average: Fraction | None  # final average (after the second group when it was done)
    first_group_average: Fraction | None
    points: Fraction  # Σ grade * coef over the counted épreuves (final)
    coef_total: Fraction  # Σ coef over the counted épreuves
    missing: tuple[str, ...] = ()  # épreuve codes without a grade
    justified_absences: tuple[str, ...] = ()  # épreuve codes graded AJ
    neutralised: tuple[str, ...] = ()  # épreuve codes DI or EPS inapte
    second_group_done: bool = False
    replaced: tuple[str, ...] = ()  # second-group subjects whose grade replaced the first group's
    reasons: tuple[str, ...] = ()
    # final counted value of each counted épreuve (jury points and second group applied)
    values: Mapping[str, Fraction] = field(default_factory=dict)
    kept: tuple[str, ...] = ()  # registered épreuve codes whose grade is kept


@dataclass(frozen=True)
class PointsGap:
    """Points missing to reach an average threshold."""

    target: Fraction  # the average to reach (10, 8, 12…)
    points: Fraction  # in weighted points: Σ (added grade points * coef)
    on_average: Fraction  # the same, as points on the average
    # (épreuve code, grade points to add on that épreuve alone), for the épreuves where that
    # fits under the maximum grade, in the regulation's order
    per_epreuve: tuple[tuple[str, Fraction], ...] = ()


@dataclass(frozen=True)
class MissingPoints:
    """What the jury would need to give, for the deliberation screen."""

    average: Fraction | None
    coef_total: Fraction
    to_pass: PointsGap | None  # to reach reg.pass_threshold
    to_second_group: PointsGap | None  # to reach reg.second_group_threshold
    to_next_mention: PointsGap | None  # to reach the next mention threshold
    next_mention: str | None  # code of that mention
    max_available: Fraction  # Σ (max grade - grade) * coef over the counted épreuves


@dataclass(frozen=True)
class WhatIf:
    """Smallest whole-point second-group grade, the same in every listed subject, that passes."""

    subjects: tuple[str, ...]
    min_grade: int | None  # None: impossible even with the maximum, or cannot help
    current: tuple[Fraction, ...]  # first-group grade compared with, per subject
    average: Fraction | None  # the final average with min_grade
    reason: str


# --------------------------------------------------------------------------------------------
# Helpers for callers


def registered_codes(reg: Regulation, options: Iterable[str] = ()) -> tuple[str, ...]:
    """The épreuves a candidate must have: every base épreuve plus the options chosen."""
    chosen = set(options)
    unknown = chosen - set(reg.option_codes)
    if unknown:
        raise ValueError(f"option inconnue : {', '.join(sorted(unknown))}")
    return tuple(e.code for e in reg.base_epreuves) + tuple(
        c for c in reg.option_codes if c in chosen
    )


def speciality_grade(
    reg: Regulation, series: str, code: str, parts: Mapping[str, Grade | Fraction | int | None]
) -> Grade | None:
    """Grade of a composite spécialité (ST2S CBPH, STHR STCS-ESAE) from its part-grades.

    Coefficients come from the series rule; see ``grades.combine_parts`` for ABS/AJ/DI parts.
    """
    rule_parts = reg.series_rule(series).parts(code)
    if not rule_parts:
        raise ValueError(f"{code} n'est pas une épreuve composée en série {series}")
    unknown = set(parts) - {p.code for p in rule_parts}
    if unknown:
        raise ValueError(f"partie inconnue pour {code} : {', '.join(sorted(unknown))}")
    return combine_parts([(p.coef, parts.get(p.code)) for p in rule_parts])


def mention_label(reg: Regulation, code: str | None) -> str:
    """French label of a mention code ("" for None)."""
    for _, mention, label in reg.mentions:
        if mention == code:
            return label
    return ""


def kept_grade_error(reg: Regulation, code: str, grade: Grade | None) -> str | None:
    """French message if that grade may not be kept for a later session, else None."""
    if not reg.has_epreuve(code) or not reg.epreuve(code).keepable:
        return f"{code} : seules les notes des épreuves terminales peuvent être conservées"
    if grade is None or grade.value is None or grade.value < reg.keep_min_grade:
        return (
            f"{code} : seule une note au moins égale à {format_grade(reg.keep_min_grade)} "
            "peut être conservée"
        )
    return None


# --------------------------------------------------------------------------------------------
# Core


def _label(reg: Regulation, code: str) -> str:
    return f"{reg.epreuve(code).label} ({code})"


def _avg(
    values: Mapping[str, Fraction], coefs: Mapping[str, Fraction]
) -> tuple[Fraction, Fraction]:
    """(points, coef_total) over the counted épreuves."""
    points = sum((values[c] * coefs[c] for c in values), Fraction(0))
    total = sum((coefs[c] for c in values), Fraction(0))
    return points, total


@dataclass
class _FirstGroup:
    codes: tuple[str, ...]
    values: dict[str, Fraction]  # counted épreuves (jury points applied)
    coefs: dict[str, Fraction]
    missing: list[str]
    aj: list[str]
    neutralised: list[str]
    kept: list[str]
    jury_codes: list[str]  # épreuves whose counted value includes jury points
    reasons: list[str]


def _validate(reg: Regulation, f: CandidateFile) -> tuple[str, ...]:
    """Check the file against the regulation; the registered codes in the regulation's order."""
    if f.series not in reg.series_codes:
        raise ValueError(f"série « {f.series} » inconnue dans la réglementation {reg.year}")
    registered = set(f.registered)
    unknown = sorted(c for c in registered if not reg.has_epreuve(c))
    if unknown:
        raise ValueError(
            f"épreuve inconnue dans la réglementation {reg.year} : {', '.join(unknown)}"
        )
    chosen = list(f.second_group)
    bad = [s for s in chosen if s not in reg.second_group_subjects]
    if bad:
        raise ValueError(
            f"{', '.join(bad)} : pas une matière du second groupe (possibles : "
            f"{', '.join(reg.second_group_subjects)})"
        )
    if len(chosen) > reg.second_group_max:
        raise ValueError(
            f"{len(chosen)} matières choisies au second groupe ({', '.join(chosen)}) : "
            f"{reg.second_group_max} au plus"
        )
    for code, pts in f.jury_points.items():
        if as_fraction(pts) < 0:
            raise ValueError(f"points de jury négatifs sur {code} : le jury ne peut que relever")
        if code not in registered:
            raise ValueError(
                f"points de jury sur {code}, épreuve à laquelle le candidat n'est pas inscrit"
            )
    for code, grade in list(f.grades.items()) + list(f.second_group.items()):
        if grade is not None and grade.value is not None and grade.value > reg.max_grade:
            raise ValueError(
                f"{code} : note {format_grade(grade.value)} supérieure à "
                f"{format_grade(reg.max_grade)}"
            )
    return tuple(e.code for e in reg.epreuves if e.code in registered)


def _first_group(reg: Regulation, f: CandidateFile) -> _FirstGroup:
    codes = _validate(reg, f)
    fg = _FirstGroup(codes, {}, {}, [], [], [], [], [], [])
    for code in codes:
        coef = reg.epreuve(code).coef
        grade = f.grades.get(code)
        pts = as_fraction(f.jury_points.get(code, 0))
        if code == EPS_CODE and f.eps_inapte:
            fg.neutralised.append(code)
            fg.reasons.append(f"{_label(reg, code)} neutralisée : candidat inapte")
            continue
        if grade is None:
            fg.missing.append(code)
        elif grade.is_justified:
            fg.aj.append(code)
        elif grade.is_dispensed:
            fg.neutralised.append(code)
            fg.reasons.append(f"{_label(reg, code)} neutralisée (DI)")
        else:
            value = grade.value if grade.value is not None else Fraction(0)  # ABS counts 0
            if pts:
                raised = min(value + pts, reg.max_grade)
                fg.reasons.append(
                    f"Points de jury sur {_label(reg, code)} : {grade} → {format_grade(raised)}"
                )
                value = raised
                fg.jury_codes.append(code)
            fg.values[code] = value
            fg.coefs[code] = coef
            if code in f.kept:
                fg.kept.append(code)
            continue
        if pts:
            fg.reasons.append(f"Points de jury sur {_label(reg, code)} sans effet : pas de note")
    return fg


def _mention(reg: Regulation, average: Fraction) -> tuple[str, str] | None:
    for threshold, code, label in sorted(reg.mentions, key=lambda m: m[0], reverse=True):
        if average >= threshold:
            return code, label
    return None


def _targets(reg: Regulation, fg: _FirstGroup, subject: str) -> tuple[str, ...]:
    """Counted first-group épreuves a second-group subject is compared with (and replaces)."""
    return tuple(c for c in reg.second_group_subjects.get(subject, ()) if c in fg.values)


def _current(fg: _FirstGroup, targets: Sequence[str]) -> Fraction:
    """Coefficient-weighted mean of the first-group grades of those épreuves."""
    coef = sum((fg.coefs[t] for t in targets), Fraction(0))
    return sum((fg.values[t] * fg.coefs[t] for t in targets), Fraction(0)) / coef


def _apply_second_group(
    reg: Regulation, fg: _FirstGroup, oral: Mapping[str, Fraction | None]
) -> tuple[dict[str, Fraction], list[str], list[str]]:
    """Final values after the second group: each grade replaces only if higher.

    ``oral`` maps subject -> counted second-group grade (None: ABS/DI, replaces nothing).
    """
    values = dict(fg.values)
    replaced: list[str] = []
    reasons: list[str] = []
    for subject in reg.second_group_subjects:
        if subject not in oral:
            continue
        grade = oral[subject]
        targets = _targets(reg, fg, subject)
        names = " et ".join(targets)
        if not targets:
            reasons.append(f"Second groupe {subject} : aucune note du premier groupe à remplacer")
            continue
        current = _current(fg, targets)
        shown = format_grade(current) if len(targets) == 1 else f"moyenne {format_grade(current)}"
        if grade is not None and grade > current:
            for t in targets:
                values[t] = grade
            replaced.append(subject)
            reasons.append(
                f"Second groupe {subject} : {format_grade(grade)} remplace {names} ({shown})"
            )
            lost = [t for t in targets if t in fg.jury_codes]
            if lost:
                reasons.append(
                    f"Points de jury sur {', '.join(lost)} sans effet : la note du second groupe "
                    "est retenue"
                )
        else:
            given = "absent" if grade is None else format_grade(grade)
            reasons.append(
                f"Second groupe {subject} : {given} ne remplace pas {names} ({shown}), "
                "note du premier groupe conservée"
            )
    return values, replaced, reasons


def deliberate(reg: Regulation, f: CandidateFile) -> Result:
    """Decision, mention and average of one candidate (first group, then second group)."""
    fg = _first_group(reg, f)
    reasons = list(fg.reasons)
    points, total = _avg(fg.values, fg.coefs)

    def finish(decision: str, mention: str | None, average: Fraction | None) -> Result:
        """Result of the first group (the second group is not done)."""
        return Result(
            decision=decision,
            mention=mention,
            average=average,
            first_group_average=average,
            points=points,
            coef_total=total,
            missing=tuple(fg.missing),
            justified_absences=tuple(fg.aj),
            neutralised=tuple(fg.neutralised),
            reasons=tuple(reasons),
            values=dict(fg.values),
            kept=tuple(fg.kept),
        )

    if fg.missing or fg.aj:
        for code in fg.missing:
            reasons.append(f"Note manquante : {_label(reg, code)}")
        for code in fg.aj:
            reasons.append(
                f"Absence justifiée (AJ) : {_label(reg, code)}, épreuve de remplacement à passer"
            )
        reasons.append("Délibération impossible : dossier incomplet")
        return finish(INCOMPLET, None, None)
    if total == 0:
        reasons.append(
            "Aucune épreuve comptée (toutes neutralisées) : moyenne impossible à calculer"
        )
        return finish(INCOMPLET, None, None)

    first = points / total
    reasons.append(
        f"Premier groupe : {format_grade(points)} points pour {format_grade(total)} coefficients, "
        f"moyenne {truncate_2(first)}"
    )
    if first >= reg.pass_threshold:
        mention = None
        found = _mention(reg, first)
        if fg.kept:
            reasons.append(f"Admis ; note conservée ({', '.join(fg.kept)}) : pas de mention")
        elif found is not None:
            mention = found[0]
            reasons.append(f"Admis avec la mention {found[1]}")
        else:
            reasons.append("Admis")
        if f.second_group:
            reasons.append(
                "Notes du second groupe ignorées : le candidat est admis au premier groupe"
            )
        return finish(ADMIS, mention, first)
    if first < reg.second_group_threshold:
        reasons.append(f"Moyenne inférieure à {format_grade(reg.second_group_threshold)} : ajourné")
        if f.second_group:
            reasons.append("Notes du second groupe ignorées : le candidat n'y est pas admis")
        return finish(AJOURNE, None, first)

    # Second group.
    reasons.append(
        f"Moyenne entre {format_grade(reg.second_group_threshold)} et "
        f"{format_grade(reg.pass_threshold)} : admis à se présenter au second groupe"
    )
    pending = [s for s, g in f.second_group.items() if g is None or g.is_justified]
    if not f.second_group or pending:
        if pending:
            reasons.append(f"En attente des notes du second groupe : {', '.join(pending)}")
        return finish(SECOND_GROUPE, None, first)
    oral = {s: g.value for s, g in f.second_group.items() if g is not None}
    values, replaced, sg_reasons = _apply_second_group(reg, fg, oral)
    reasons.extend(sg_reasons)
    final_points, final_total = _avg(values, fg.coefs)
    final = final_points / final_total
    if final >= reg.pass_threshold:
        decision = ADMIS
        reasons.append(
            f"Après le second groupe : moyenne {truncate_2(final)}, admis (sans mention)"
        )
    else:
        decision = AJOURNE
        reasons.append(f"Après le second groupe : moyenne {truncate_2(final)}, ajourné")
    return Result(
        decision=decision,
        mention=None,
        average=final,
        first_group_average=first,
        points=final_points,
        coef_total=final_total,
        missing=(),
        justified_absences=(),
        neutralised=tuple(fg.neutralised),
        second_group_done=True,
        replaced=tuple(replaced),
        reasons=tuple(reasons),
        values=values,
        kept=tuple(fg.kept),
    )


# --------------------------------------------------------------------------------------------
# Jury aids


def missing_points(reg: Regulation, f: CandidateFile, result: Result) -> MissingPoints:
    """Points the jury would need to give to reach 10, 8 and the next mention.

    ``to_pass`` for SECOND_GROUPE and AJOURNE; ``to_second_group`` for AJOURNE at the first
    group; ``to_next_mention`` for ADMIS at the first group without kept grade, below the top
    mention. The rest is None. ``max_available`` and ``per_epreuve`` use the final counted
    grades; after the second group, épreuves whose grade was replaced are left out of
    ``per_epreuve`` (jury points raise first-group grades).
    """
    max_available = sum(
        ((reg.max_grade - v) * reg.epreuve(c).coef for c, v in result.values.items()),
        Fraction(0),
    )
    replaced = {c for s in result.replaced for c in reg.second_group_subjects.get(s, ())}
    room = [
        (c, reg.max_grade - v, reg.epreuve(c).coef)
        for c, v in result.values.items()
        if c not in replaced
    ]
    if result.average is None:
        return MissingPoints(None, result.coef_total, None, None, None, None, max_available)
    average, total = result.average, result.coef_total

    def gap(target: Fraction) -> PointsGap | None:
        if average >= target:
            return None
        points = target * total - result.points
        single = tuple((c, points / coef) for c, free, coef in room if points / coef <= free)
        return PointsGap(target, points, target - average, single)

    to_pass = gap(reg.pass_threshold) if result.decision in (SECOND_GROUPE, AJOURNE) else None
    to_second_group = None
    if result.decision == AJOURNE and not result.second_group_done:
        to_second_group = gap(reg.second_group_threshold)
    to_next, next_code = None, None
    kept = result.kept or tuple(set(f.kept) & set(result.values))
    if result.decision == ADMIS and not result.second_group_done and not kept:
        above = sorted((m for m in reg.mentions if m[0] > average), key=lambda m: m[0])
        if above:
            to_next, next_code = gap(above[0][0]), above[0][1]
    return MissingPoints(
        average, total, to_pass, to_second_group, to_next, next_code, max_available
    )


def second_group_whatif(reg: Regulation, f: CandidateFile) -> list[WhatIf]:
    """For a SECOND_GROUPE candidate: minimal whole grade to pass, per subject and per pair.

    Each combination of 1 to ``reg.second_group_max`` eligible subjects gets the smallest whole
    grade x such that x in each of them passes, with the same replace-only-if-higher rule (FR
    against the mean of FRE and FRO). Empty list when the candidate is not at the second group.
    """
    result = deliberate(reg, f)
    if result.decision != SECOND_GROUPE or result.second_group_done:
        return []
    fg = _first_group(reg, f)
    eligible = [s for s in reg.second_group_subjects if _targets(reg, fg, s)]
    top = floor(reg.max_grade)
    out: list[WhatIf] = []
    for size in range(1, reg.second_group_max + 1):
        for combo in combinations(eligible, size):
            current = tuple(_current(fg, _targets(reg, fg, s)) for s in combo)
            names = " et en ".join(combo)
            found: int | None = None
            final: Fraction | None = None
            for x in range(top + 1):
                values, _, _ = _apply_second_group(reg, fg, {s: Fraction(x) for s in combo})
                pts, tot = _avg(values, fg.coefs)
                if pts / tot >= reg.pass_threshold:
                    found, final = x, pts / tot
                    break
            if found is not None:
                reason = f"Au moins {found} en {names} pour être admis"
            elif all(c >= top for c in current):
                reason = (
                    f"{' et '.join(combo)} : note déjà maximale, le second groupe ne peut rien "
                    "apporter"
                )
            else:
                reason = f"Impossible en {names}, même avec {top}"
            out.append(WhatIf(combo, found, current, final, reason))
    return out


# --------------------------------------------------------------------------------------------
# Fast path for whole sessions

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
    pass_threshold: Fraction
    second_group_threshold: Fraction
    mentions: tuple[tuple[Fraction, str], ...]  # highest threshold first


def centi_table(reg: Regulation) -> CentiTable:
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
        pass_threshold=reg.pass_threshold,
        second_group_threshold=reg.second_group_threshold,
        mentions=tuple(
            (t, c) for t, c, _ in sorted(reg.mentions, key=lambda m: m[0], reverse=True)
        ),
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
    straight from the stored grades, in integer arithmetic; the same as ``deliberate`` on the
    candidate's file (``parts``: part-grades of composite spécialités, by épreuve code).

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
    composed: dict[str, Fraction] = {}  # composite spécialités with a value
    composite = table.composites.get(series)
    if composite and parts:
        for code, rule_parts in composite.items():
            given = parts.get(code)
            if code in grades or not given:
                continue
            for grade in given.values():
                if not _valid(grade, max_centi):
                    return None
            if code not in regset:
                continue  # not counted (its value cannot exceed the maximum grade)
            combined = _combine_centi(rule_parts, given)
            if isinstance(combined, Fraction):
                composed[code] = combined
            else:
                grades = {**grades, code: (None, combined)}
    kept_set = set(kept)
    points = total = 0
    extra = Fraction(0)
    incomplete = has_kept = False
    for code, coef in table.order:
        if code not in regset or (code == EPS_CODE and eps_inapte):
            continue
        if code in composed:
            extra += composed[code] * coef
        else:
            grade = grades.get(code)
            if grade is None:
                incomplete = True
                continue
            value, gcode = grade
            if gcode:
                if gcode == CODE_AJ:
                    incomplete = True
                    continue
                if gcode == CODE_DI:
                    continue
                value = 0  # ABS counts 0
            elif value is None:
                incomplete = True
                continue
            points += value * coef
        total += coef
        if not has_kept and code in kept_set:
            has_kept = True
    if incomplete or total == 0:
        return INCOMPLET, None, None
    average = Fraction(points, 100 * total)
    if composed:
        average += extra / total
    if average >= table.pass_threshold:
        if has_kept:
            return ADMIS, None, average
        for threshold, mention in table.mentions:
            if average >= threshold:
                return ADMIS, mention, average
        return ADMIS, None, average
    if average < table.second_group_threshold:
        return AJOURNE, None, average
    return SECOND_GROUPE, None, average


def _combine_centi(
    rule_parts: tuple[tuple[str, Fraction], ...], given: Mapping[str, CentiGrade]
) -> Fraction | str | None:
    """``grades.combine_parts`` on stored part-grades: None (missing), a code, or the value."""
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
    return num / (100 * sum((c for c, _ in counted), Fraction(0)))
