"""A candidate's file for the deliberation, read from the base: grades, part-grades, kept
grades, jury points, second group.

:func:`load_files` builds the :class:`~baktui.rules.deliberation.CandidateFile` of many candidates
in a handful of queries (one per table, by id range when the ids are dense); the deliberation of a
session, the jury's screens and the documents read candidates through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import peewee as pw

from baktui.data.models import Candidate, Grade, GradePart, JuryPoint, Registration
from baktui.data.sql import fetch, in_values
from baktui.errors import NotFoundError
from baktui.rules.deliberation import CandidateFile, speciality_grade
from baktui.rules.deliberation import Result as RuleResult
from baktui.rules.grades import Grade as GradeValue
from baktui.rules.regulation import Regulation

IN_CHUNK = 500  # ids per IN (...) list

# (decision, mention, average, first_group_average, second_group_done) as stored
Outcome = tuple[str, str | None, str | None, str | None, bool]


@lru_cache(maxsize=4096)
def grade_value(value_centi: int | None, code: str | None) -> GradeValue | None:
    """Rules grade of a stored (value_centi, code) pair; None when both are empty (missing).

    Cached: a session has at most 2,004 distinct grades, shared by all its candidates.
    """
    if code:
        return GradeValue(code=code)
    if value_centi is None:
        return None
    return GradeValue.of(Fraction(value_centi, 100))


@dataclass(frozen=True)
class CandidateHead:
    """What the deliberation needs from the candidate row itself."""

    id: int
    series: str
    eps_inapte: bool


def rows_of_candidates(
    ids: Sequence[int], column: pw.Field, query: Callable[[pw.Expression], pw.Query]
) -> list[tuple[Any, ...]]:
    """Rows of ``query(condition on column)`` for those candidate ids (sorted).

    Dense ids (a whole session streamed by id) are read by range, which follows the index;
    sparse ones (one jury's candidates spread over the session) by lists of ids.
    """
    low, high = ids[0], ids[-1]
    if high - low < 2 * len(ids):
        return fetch(query(column.between(low, high)))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), IN_CHUNK):
        rows.extend(fetch(query(in_values(column, ids[start : start + IN_CHUNK]))))
    return rows


@dataclass
class RawRows:
    """The stored rows of many candidates, by candidate id (grades as (value_centi, code))."""

    registered: dict[int, list[str]]
    kept: dict[int, set[str]]
    first: dict[int, dict[str, tuple[int | None, str | None]]]
    second: dict[int, dict[str, tuple[int | None, str | None]]]
    parts: dict[int, dict[str, dict[str, tuple[int | None, str | None]]]]
    points: dict[int, dict[str, Fraction]]


def load_rows(heads: Sequence[CandidateHead]) -> RawRows:
    """The rows of those candidates, in one query per table (two for sparse ids)."""
    wanted = {h.id for h in heads}
    ids = sorted(wanted)
    raw = RawRows({}, {}, {}, {}, {}, {})
    registered, kept = raw.registered, raw.kept
    rows = rows_of_candidates(ids, Registration.candidate, lambda cond: Registration.select(
        Registration.candidate, Registration.epreuve_code, Registration.kept_session
    ).where(cond))  # fmt: skip
    for cid, code, kept_session in rows:
        if cid in wanted:
            codes = registered.get(cid)
            if codes is None:
                registered[cid] = [code]
            else:
                codes.append(code)
            if kept_session is not None:
                kept.setdefault(cid, set()).add(code)
    first, second = raw.first, raw.second
    rows = rows_of_candidates(ids, Grade.candidate, lambda cond: Grade.select(
        Grade.candidate, Grade.epreuve_code, Grade.value_centi, Grade.code, Grade.group,
        Grade.kept_session,
    ).where(cond))  # fmt: skip
    for cid, code, value, gcode, group, kept_session in rows:
        if cid not in wanted:
            continue
        if group == 2:
            second.setdefault(cid, {})[code] = (value, gcode)
        else:
            grades = first.get(cid)
            if grades is None:
                first[cid] = {code: (value, gcode)}
            else:
                grades[code] = (value, gcode)
            if kept_session is not None:
                kept.setdefault(cid, set()).add(code)
    rows = rows_of_candidates(ids, GradePart.candidate, lambda cond: GradePart.select(
        GradePart.candidate, GradePart.epreuve_code, GradePart.part_code, GradePart.value_centi,
        GradePart.code,
    ).where(cond))  # fmt: skip
    for cid, code, part, value, gcode in rows:
        if cid in wanted:
            raw.parts.setdefault(cid, {}).setdefault(code, {})[part] = (value, gcode)
    rows = rows_of_candidates(ids, JuryPoint.candidate, lambda cond: JuryPoint.select(
        JuryPoint.candidate, JuryPoint.epreuve_code, pw.fn.SUM(JuryPoint.points_centi)
    ).where(cond).group_by(JuryPoint.candidate, JuryPoint.epreuve_code))  # fmt: skip
    for cid, code, total in rows:
        if cid in wanted and total:
            raw.points.setdefault(cid, {})[code] = Fraction(int(total), 100)
    return raw


EMPTY: dict[str, Any] = {}


def _grades(
    stored: dict[str, tuple[int | None, str | None]],
) -> dict[str, GradeValue | None]:
    return {code: grade_value(value, gcode) for code, (value, gcode) in stored.items()}


def file_of(
    reg: Regulation,
    composites: dict[str, dict[str, frozenset[str]]],
    head: CandidateHead,
    raw: RawRows,
) -> CandidateFile:
    """The CandidateFile of one candidate from the loaded rows."""
    grades = _grades(raw.first.get(head.id, EMPTY))
    # as the rows were read: every part-grade and second-group grade is converted (and checked)
    parts = {code: _grades(given) for code, given in raw.parts.get(head.id, EMPTY).items()}
    composite = composites.get(head.series)
    if composite:
        for code in composite:
            if code not in grades and parts.get(code):
                # unknown part codes are the import's business: ignore them here
                given = {p: g for p, g in parts[code].items() if p in composite[code]}
                grades[code] = speciality_grade(reg, head.series, code, given)
    return CandidateFile(
        series=head.series,
        grades=grades,
        registered=raw.registered.get(head.id, ()),
        kept=frozenset(raw.kept.get(head.id, ())),
        eps_inapte=head.eps_inapte,
        second_group=_grades(raw.second.get(head.id, EMPTY)),
        jury_points=raw.points.get(head.id, {}),
    )


def load_files(reg: Regulation, heads: Sequence[CandidateHead]) -> dict[int, CandidateFile]:
    """CandidateFile of each candidate, loaded in a handful of queries for all of them."""
    if not heads:
        return {}
    raw = load_rows(heads)
    composites = composite_table(reg)
    return {head.id: file_of(reg, composites, head, raw) for head in heads}


def composite_table(reg: Regulation) -> dict[str, dict[str, frozenset[str]]]:
    """Composite spécialités per series: series -> code -> part codes."""
    table: dict[str, dict[str, frozenset[str]]] = {}
    for rule in reg.series:
        table[rule.code] = {
            code: frozenset(p.code for p in rule.parts(code))
            for code in ("SP1", "SP2")
            if rule.parts(code)
        }
    return table


def candidate_files(reg: Regulation, candidate_ids: Sequence[int]) -> dict[int, CandidateFile]:
    """CandidateFile of each of those candidates (a jury's list, a screen page), bulk-loaded."""
    heads: list[CandidateHead] = []
    ids = sorted(set(candidate_ids))
    for start in range(0, len(ids), IN_CHUNK):
        query = Candidate.select(Candidate.id, Candidate.series, Candidate.eps_inapte).where(
            Candidate.id.in_(ids[start : start + IN_CHUNK])
        )
        heads.extend(
            CandidateHead(int(pk), series, bool(inapte)) for pk, series, inapte in fetch(query)
        )
    heads.sort(key=lambda h: h.id)
    return load_files(reg, heads)


def candidate_file(reg: Regulation, candidate_id: int) -> CandidateFile:
    """The CandidateFile of one candidate (the deliberation screen, the relevé de notes)."""
    files = candidate_files(reg, [candidate_id])
    if candidate_id not in files:
        raise NotFoundError(f"Candidat n° {candidate_id} introuvable.")
    return files[candidate_id]


def outcome_of(result: RuleResult) -> Outcome:
    """How a rules Result is stored in the Result table (exact fractions as "p/q" text)."""
    return (
        result.decision,
        result.mention,
        None if result.average is None else str(result.average),
        None if result.first_group_average is None else str(result.first_group_average),
        result.second_group_done,
    )
