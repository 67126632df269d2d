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

from baktui.rules.decision import (
    ADMIS,
    AJOURNE,
    EPS_CODE,
    INAPTE,
    INCOMPLET,
    SECOND_GROUPE,
    Entry,
    Thresholds,
    decide,
    tally,
)
from baktui.rules.grades import Grade, as_fraction, combine_parts, format_grade, truncate_2
from baktui.rules.regulation import Regulation


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


def weighted(
    values: Mapping[str, Fraction], coefs: Mapping[str, Fraction]
) -> tuple[Fraction, Fraction]:
    """(points, coef_total) over the counted épreuves."""
    points = sum((values[c] * coefs[c] for c in values), Fraction(0))
    total = sum((coefs[c] for c in values), Fraction(0))
    return points, total


@dataclass
class FirstGroup:
    """A candidate's counted first group, with the lines that explain it."""

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


def first_group(reg: Regulation, f: CandidateFile) -> FirstGroup:
    """The candidate's first group, counted by :func:`baktui.rules.decision.tally` (the rule the
    session's fast path applies too), with jury points applied and a reason line for each
    neutralised épreuve and each jury point."""
    codes = _validate(reg, f)
    entries: dict[str, Entry] = {}
    raised: dict[str, Fraction] = {}
    for code in codes:
        grade = f.grades.get(code)
        if grade is None:
            continue
        entries[code] = (grade.value, grade.code)
        pts = as_fraction(f.jury_points.get(code, 0))
        counted = grade.counted_value  # the number, 0 for ABS, None for AJ and DI
        if pts and counted is not None and not (code == EPS_CODE and f.eps_inapte):
            raised[code] = min(counted + pts, reg.max_grade)
            entries[code] = (raised[code], None)
    order = tuple((e.code, e.coef) for e in reg.epreuves)
    counted_tally = tally(order, set(codes), entries, eps_inapte=f.eps_inapte, kept=f.kept)
    why = dict(counted_tally.neutralised)
    reasons: list[str] = []
    for code in codes:
        if code in why:
            if why[code] == INAPTE:
                reasons.append(f"{_label(reg, code)} neutralisée : candidat inapte")
                continue
            reasons.append(f"{_label(reg, code)} neutralisée (DI)")
        if code in raised:
            reasons.append(
                f"Points de jury sur {_label(reg, code)} : {f.grades[code]} → "
                f"{format_grade(raised[code])}"
            )
        elif f.jury_points.get(code):
            reasons.append(f"Points de jury sur {_label(reg, code)} sans effet : pas de note")
    return FirstGroup(
        codes=codes,
        values={c: Fraction(v) for c, v, _ in counted_tally.counted},
        coefs={c: Fraction(k) for c, _, k in counted_tally.counted},
        missing=counted_tally.missing,
        aj=counted_tally.justified,
        neutralised=[c for c, _ in counted_tally.neutralised],
        kept=counted_tally.kept,
        jury_codes=list(raised),
        reasons=reasons,
    )


def second_group_targets(reg: Regulation, fg: FirstGroup, subject: str) -> tuple[str, ...]:
    """Counted first-group épreuves a second-group subject is compared with (and replaces)."""
    return tuple(c for c in reg.second_group_subjects.get(subject, ()) if c in fg.values)


def current_mean(fg: FirstGroup, targets: Sequence[str]) -> Fraction:
    """Coefficient-weighted mean of the first-group grades of those épreuves."""
    coef = sum((fg.coefs[t] for t in targets), Fraction(0))
    return sum((fg.values[t] * fg.coefs[t] for t in targets), Fraction(0)) / coef


def apply_second_group(
    reg: Regulation, fg: FirstGroup, oral: Mapping[str, Fraction | None]
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
        targets = second_group_targets(reg, fg, subject)
        names = " et ".join(targets)
        if not targets:
            reasons.append(f"Second groupe {subject} : aucune note du premier groupe à remplacer")
            continue
        current = current_mean(fg, targets)
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
    fg = first_group(reg, f)
    reasons = list(fg.reasons)
    points, total = weighted(fg.values, fg.coefs)

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
    limits = Thresholds.of(reg)
    decision, mention = decide(limits, first, kept=bool(fg.kept))
    if decision == ADMIS:
        if fg.kept:
            reasons.append(f"Admis ; note conservée ({', '.join(fg.kept)}) : pas de mention")
        elif mention is not None:
            reasons.append(f"Admis avec la mention {mention_label(reg, mention)}")
        else:
            reasons.append("Admis")
        if f.second_group:
            reasons.append(
                "Notes du second groupe ignorées : le candidat est admis au premier groupe"
            )
        return finish(ADMIS, mention, first)
    if decision == AJOURNE:
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
    values, replaced, sg_reasons = apply_second_group(reg, fg, oral)
    reasons.extend(sg_reasons)
    final_points, final_total = weighted(values, fg.coefs)
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
