"""What the jury sees beside a candidate: points missing to the next threshold, and the
second-group grades that would make the candidate pass.

Pure functions over the regulation and the candidate's file, on the same counted first group as
:func:`baktui.rules.deliberation.deliberate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import floor

from baktui.rules.decision import ADMIS, AJOURNE, SECOND_GROUPE
from baktui.rules.deliberation import (
    CandidateFile,
    Result,
    apply_second_group,
    current_mean,
    deliberate,
    first_group,
    second_group_targets,
    weighted,
)
from baktui.rules.regulation import Regulation


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
    fg = first_group(reg, f)
    eligible = [s for s in reg.second_group_subjects if second_group_targets(reg, fg, s)]
    top = floor(reg.max_grade)
    out: list[WhatIf] = []
    for size in range(1, reg.second_group_max + 1):
        for combo in combinations(eligible, size):
            current = tuple(current_mean(fg, second_group_targets(reg, fg, s)) for s in combo)
            names = " et en ".join(combo)
            found: int | None = None
            final: Fraction | None = None
            for x in range(top + 1):
                values, _, _ = apply_second_group(reg, fg, {s: Fraction(x) for s in combo})
                pts, tot = weighted(values, fg.coefs)
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
