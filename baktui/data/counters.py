"""Maintaining the counters of :mod:`baktui.data.counter_models` in the writers' transactions.

A candidate's contribution to the counters depends only on its own rows (the candidate, its
registrations, grades and part-grades). So a write on a few candidates is counted exactly by
:func:`tracking`: their contributions are read before the write and after it, in the same
transaction, and the difference is added to the counters (``INSERT … ON CONFLICT DO UPDATE``,
on SQLite and PostgreSQL). A write on most of a session (an import of the whole file, the jury
distribution of every candidate) recounts that session instead (:func:`recount`), which costs
about what two readings of its contributions would.

Trackers nest: a write already tracked by an enclosing tracker (an ``audit.update`` inside an
import) adds nothing. Writes through :func:`baktui.data.audit.create`, ``update`` and ``delete``
of candidates, registrations, grades and part-grades are tracked there; raw bulk writers call
:func:`tracking` (or :func:`added` for candidates just created) themselves.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import peewee as pw

from baktui.data import sql
from baktui.data.db import is_sqlite
from baktui.data.models import (
    Candidate,
    CandidateCounter,
    ExamSession,
    Grade,
    GradeCounter,
    GradePart,
    Registration,
    Result,
    ResultCounter,
)
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.regulation import Regulation

CHUNK = 500  # candidate ids per IN (…) list
BULK_MIN = 20_000  # from this many candidates (and half the session), recount the session

GradeKey = tuple[int, int, int, str]  # session, jury (0: none), centre (0: none), épreuve
CandidateKey = tuple[int, str, int, str]  # session, series, scolaire (1/0), state
ResultKey = tuple[int, str, str]  # session, decision, mention ('' for none)


@dataclass
class Contributions:
    """Counts of a set of candidates, keyed as the counters are."""

    grades: dict[GradeKey, list[int]]  # registrations, graded, aj
    candidates: dict[CandidateKey, list[int]]  # candidates, missing_lvb, missing_centre
    results: dict[ResultKey, list[int]]  # results

    @classmethod
    def empty(cls) -> Contributions:
        return cls({}, {}, {})


# -- what is counted ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _parts_of(regulation_json: str) -> tuple[tuple[str, str, int], ...]:
    reg = Regulation.from_dict(json.loads(regulation_json))
    return tuple(
        (rule.code, code, len(rule.parts(code)))
        for rule in reg.series
        for code in ("SP1", "SP2")
        if rule.parts(code)
    )


def composite_parts(session_ids: Iterable[int] | None = None) -> list[tuple[int, str, str, int]]:
    """(session, series, épreuve, number of parts) of the composite spécialités (ST2S, STHR)."""
    query = ExamSession.select(ExamSession.id, ExamSession.regulation_json)
    if session_ids is not None:
        query = query.where(ExamSession.id.in_(list(session_ids)))
    return [
        (sid, series, code, needed)
        for sid, text in query.tuples()
        for series, code, needed in _parts_of(text or "{}")
    ]


def entered_condition(composites: Sequence[tuple[int, str, str, int]]) -> pw.Expression:
    """In a query over Registration joined to Candidate: its first-group grade is entered."""
    R, G, C, P = Registration, Grade, Candidate, GradePart
    entered = G.select(G.id).where(
        (G.candidate == R.candidate)
        & (G.epreuve_code == R.epreuve_code)
        & (G.group == 1)
        & (G.value_centi.is_null(False) | G.code.is_null(False))
    )
    condition = pw.fn.EXISTS(entered)
    for session_id, series, code, needed in composites:
        parts_entered = P.select(pw.fn.COUNT(P.id)).where(
            (P.candidate == R.candidate)
            & (P.epreuve_code == R.epreuve_code)
            & (P.value_centi.is_null(False) | P.code.is_null(False))
        )
        condition |= (
            (C.session == session_id)
            & (C.series == series)
            & (R.epreuve_code == code)
            & (parts_entered >= needed)
        )
    return condition


def expected_condition() -> pw.Expression:
    """A registration that expects a first-group grade: no kept grade, candidate not cancelled."""
    return Registration.kept_session.is_null() & (Candidate.state != RegistrationState.ANNULEE)


def _count_if(condition: pw.Expression) -> pw.Function:
    return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))


def _grade_rows(where: pw.Expression, composites: Sequence[tuple[int, str, str, int]]):  # noqa: ANN202
    R, C, G = Registration, Candidate, Grade
    aj = pw.fn.EXISTS(
        G.select(G.id).where(
            (G.candidate == R.candidate)
            & (G.epreuve_code == R.epreuve_code)
            & (G.group == 1)
            & (G.code == "AJ")
        )
    )
    return (
        R.select(
            C.session,
            pw.fn.COALESCE(C.jury, 0),
            pw.fn.COALESCE(C.centre, 0),
            R.epreuve_code,
            pw.fn.COUNT(R.id),
            _count_if(entered_condition(composites)),
            _count_if(aj),
        )
        .join(C, on=(R.candidate == C.id))
        .where(expected_condition() & where)
        .group_by(C.session, C.jury, C.centre, R.epreuve_code)
        .tuples()
    )


def _candidate_rows(where: pw.Expression):  # noqa: ANN202
    C = Candidate
    live = C.state != RegistrationState.ANNULEE
    scolaire = pw.Case(None, [(C.status == "scolaire", 1)], 0)
    return (
        C.select(
            C.session,
            C.series,
            scolaire,
            C.state,
            pw.fn.COUNT(C.id),
            _count_if(live & (C.lvb == "")),
            _count_if(live & C.centre.is_null()),
        )
        .where(where)
        .group_by(C.session, C.series, scolaire, C.state)
        .tuples()
    )


def _result_rows(where: pw.Expression):  # noqa: ANN202
    R, C = Result, Candidate
    mention = pw.fn.COALESCE(R.mention, "")
    return (
        R.select(C.session, R.decision, mention, pw.fn.COUNT(R.id))
        .join(C, on=(R.candidate == C.id))
        .where(where)
        .group_by(C.session, R.decision, mention)
        .tuples()
    )


def _add_rows(into: dict, rows: Iterable[tuple], width: int) -> None:
    for row in rows:
        key, values = tuple(row[:width]), row[width:]
        current = into.setdefault(key, [0] * len(values))
        for i, value in enumerate(values):
            current[i] += int(value or 0)


def contributions(candidate_ids: Iterable[int]) -> Contributions:
    """What these candidates count for, read now (in the caller's transaction)."""
    ids = sorted(set(candidate_ids))
    found = Contributions.empty()
    if not ids:
        return found
    composites = composite_parts()
    shape = hash(tuple(composites))  # the composite spécialités are written in the SQL

    def grades(where: pw.Expression) -> pw.Select:
        return _grade_rows(where, composites)

    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _add_rows(found.grades, _of(f"grades-{shape}", grades, Registration.candidate, chunk), 4)
        _add_rows(found.candidates, _of("candidates", _candidate_rows, Candidate.id, chunk), 4)
        _add_rows(found.results, _of("results", _result_rows, Result.candidate, chunk), 3)
    return found


_SIZES = (1, 8, 32, 128, CHUNK)


def _of(
    kind: str, build: Callable[[pw.Expression], pw.Select], field: pw.Field, chunk: list[int]
) -> list[tuple]:
    """Rows of ``build(field IN chunk)``, its SQL made by peewee once per shape and length
    (peewee takes longer to write an IN of 500 ids than the base to run it: an import of
    300 000 grades spent 4 of its 5 s of counting there)."""
    size = next(n for n in _SIZES if n >= len(chunk))  # a few shapes, not one per length
    chunk = chunk + chunk[-1:] * (size - len(chunk))  # an id twice in IN (…) counts once
    names = [f"c{i}" for i in range(size)]
    prepared = sql.Prepared.get(
        f"counters-{kind}-{size}",
        lambda marks: build(field.in_([marks[name] for name in names])),
        names,
    )
    return prepared.run(**dict(zip(names, chunk, strict=True))).fetchall()


def session_counts(session_id: int) -> Contributions:
    """A fresh recount of a whole session (what the counters must hold)."""
    found = Contributions.empty()
    composites = composite_parts([session_id])
    _add_rows(found.grades, _grade_rows(Candidate.session == session_id, composites), 4)
    _add_rows(found.candidates, _candidate_rows(Candidate.session == session_id), 4)
    _add_rows(found.results, _result_rows(Candidate.session == session_id), 3)
    return found


def stored_counts(session_id: int) -> Contributions:
    """The counters as stored for a session (rows at zero left out)."""
    G, K = GradeCounter, CandidateCounter
    found = Contributions.empty()
    _add_rows(
        found.grades,
        G.select(G.session, G.jury_id, G.centre_id, G.epreuve_code, G.registrations, G.graded, G.aj)
        .where(G.session == session_id)
        .tuples(),
        4,
    )
    _add_rows(
        found.candidates,
        K.select(K.session, K.series, K.scolaire, K.state, K.candidates, K.missing_lvb,
                 K.missing_centre)
        .where(K.session == session_id)
        .tuples(),
        4,
    )  # fmt: skip
    _add_rows(
        found.results,
        ResultCounter.select(
            ResultCounter.session, ResultCounter.decision, ResultCounter.mention,
            ResultCounter.results,
        )
        .where(ResultCounter.session == session_id)
        .tuples(),
        3,
    )  # fmt: skip
    return _without_zeros(found)


def _without_zeros(counts: Contributions) -> Contributions:
    return Contributions(
        {k: v for k, v in counts.grades.items() if any(v)},
        {k: v for k, v in counts.candidates.items() if any(v)},
        {k: v for k, v in counts.results.items() if any(v)},
    )


# -- writing them ----------------------------------------------------------------------------

_GRADE_KEY = (GradeCounter.session, GradeCounter.jury_id, GradeCounter.centre_id,
              GradeCounter.epreuve_code)  # fmt: skip
_GRADE_VALUES = (GradeCounter.registrations, GradeCounter.graded, GradeCounter.aj)
_CANDIDATE_KEY = (CandidateCounter.session, CandidateCounter.series, CandidateCounter.scolaire,
                  CandidateCounter.state)  # fmt: skip
_RESULT_KEY = (ResultCounter.session, ResultCounter.decision, ResultCounter.mention)
_RESULT_VALUES = (ResultCounter.results,)
_CANDIDATE_VALUES = (CandidateCounter.candidates, CandidateCounter.missing_lvb,
                     CandidateCounter.missing_centre)  # fmt: skip


def _upsert(model: type[pw.Model], keys: tuple, values: tuple, deltas: dict) -> None:
    """``INSERT … ON CONFLICT DO UPDATE`` adding each delta, one prepared statement for all
    (a grade import applies one delta per batch of its lines)."""
    rows = [(*key, *delta) for key, delta in deltas.items() if any(delta)]
    if not rows:
        return
    fields = [*keys, *values]
    names = [f.column_name for f in fields]

    def build(marks: Mapping[str, pw.Value]) -> pw.Query:
        return model.insert({f: marks[n] for f, n in zip(fields, names, strict=True)}).on_conflict(
            conflict_target=list(keys),
            update={f: f + getattr(pw.EXCLUDED, f.column_name) for f in values},
        )

    statement = sql.Prepared.get(f"counters-add-{model._meta.table_name}", build, names)
    statement.run_many(dict(zip(names, row, strict=True)) for row in rows)


def apply(delta: Contributions) -> None:
    """Add ``delta`` to the counters (call inside the write's transaction)."""
    _upsert(GradeCounter, _GRADE_KEY, _GRADE_VALUES, delta.grades)
    _upsert(CandidateCounter, _CANDIDATE_KEY, _CANDIDATE_VALUES, delta.candidates)
    _upsert(ResultCounter, _RESULT_KEY, _RESULT_VALUES, delta.results)


def _difference(after: Contributions, before: Contributions) -> Contributions:
    def minus(a: dict, b: dict) -> dict:
        out = {k: list(v) for k, v in a.items()}
        for key, values in b.items():
            current = out.setdefault(key, [0] * len(values))
            for i, value in enumerate(values):
                current[i] -= value
        return out

    return Contributions(
        minus(after.grades, before.grades),
        minus(after.candidates, before.candidates),
        minus(after.results, before.results),
    )


def recount(session_id: int) -> None:
    """Replace the session's counters by a fresh recount (call inside a write transaction)."""
    # deleted first: on PostgreSQL the deletes wait for the writers holding these rows, and the
    # recount that follows sees what they committed
    GradeCounter.delete().where(GradeCounter.session == session_id).execute()
    CandidateCounter.delete().where(CandidateCounter.session == session_id).execute()
    ResultCounter.delete().where(ResultCounter.session == session_id).execute()
    apply(session_counts(session_id))


def added(candidate_ids: Iterable[int]) -> None:
    """Count candidates just created (with their registrations and grades), unless a tracker
    around the write counts them already."""
    ids = _uncovered(candidate_ids)
    if ids:
        apply(contributions(ids))


@dataclass(frozen=True)
class NewCandidate:
    """A candidate just created by a bulk writer, as :func:`created` counts it (no grade, no
    result yet; its registrations without kept grade)."""

    id: int
    session_id: int
    series: str
    status: str
    state: str
    lvb: str
    jury_id: int | None
    centre_id: int | None
    epreuves: Sequence[str]  # the épreuve codes of its registrations


def created(candidates: Iterable[NewCandidate]) -> None:
    """Count candidates just created with their registrations (bulk writers: what
    :func:`added` would read back, known from the write itself), unless a tracker around the
    write counts them already. Call inside the write's transaction."""
    found = list(candidates)
    uncovered = _uncovered(c.id for c in found)
    delta = Contributions.empty()
    for c in found:
        if c.id not in uncovered:
            continue
        live = c.state != RegistrationState.ANNULEE
        counts = delta.candidates.setdefault(
            (c.session_id, c.series, int(c.status == "scolaire"), c.state), [0, 0, 0]
        )
        counts[0] += 1
        counts[1] += int(live and c.lvb == "")
        counts[2] += int(live and c.centre_id is None)
        if live:
            for code in c.epreuves:
                key = (c.session_id, c.jury_id or 0, c.centre_id or 0, code)
                delta.grades.setdefault(key, [0, 0, 0])[0] += 1
    apply(delta)


def new_grades(grades: Sequence[tuple[int, str, str | None]]) -> None:
    """Count first-group grades just inserted (candidate, épreuve, code or None), each entered
    (a value or a code) where the candidate had no grade of that épreuve: a bulk writer's
    delta, read from the candidates and registrations (not recounted), for candidates under
    :func:`counted_by_caller` whose write changed nothing else that is counted (no
    registration, no part-grade, no other grade of the first group). Call inside the write's
    transaction."""
    if not grades:
        return
    ids = sorted({cid for cid, _, _ in grades})
    facts = {
        pk: (session, jury or 0, centre or 0, series)
        for pk, session, jury, centre, series in sql.fetch_in(
            'SELECT id, session_id, jury_id, centre_id, series FROM "candidate" '
            f"WHERE state <> '{RegistrationState.ANNULEE}' AND id IN {{in}}",
            ids,
        )
    }
    expected = set(
        sql.fetch_in(
            'SELECT candidate_id, epreuve_code FROM "registration" '
            "WHERE kept_session IS NULL AND candidate_id IN {in}",
            sorted(facts),
        )
    )
    composites = {
        (session, series, code): needed
        for session, series, code, needed in composite_parts({f[0] for f in facts.values()})
    }
    delta: dict[GradeKey, list[int]] = {}
    for cid, code, grade_code in grades:
        fact = facts.get(cid)
        if fact is None or (cid, code) not in expected:
            continue  # not counted (cancelled candidate, no registration, kept grade)
        session, jury, centre, series = fact
        key = (session, jury, centre, code)
        counts = delta.get(key)
        if counts is None:
            counts = delta[key] = [0, 0, 0]
        if composites:
            needed = composites.get((session, series, code))
            if needed is not None and _parts_entered(cid, code) >= needed:
                counts[1] -= 1  # already counted as graded by its parts
        counts[1] += 1
        if grade_code == "AJ":
            counts[2] += 1
    apply(Contributions(delta, {}, {}))


def _parts_entered(candidate_id: int, code: str) -> int:
    P = GradePart
    return (
        P.select(pw.fn.COUNT(P.id))
        .where(
            (P.candidate == candidate_id)
            & (P.epreuve_code == code)
            & (P.value_centi.is_null(False) | P.code.is_null(False))
        )
        .scalar()
    )


# -- trackers ----------------------------------------------------------------------------------

_local = threading.local()


def _stack() -> list[tuple[int | None, frozenset[int]]]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _uncovered(candidate_ids: Iterable[int]) -> set[int]:
    ids = {int(i) for i in candidate_ids if i is not None}
    for whole_session, covered in _stack():
        if whole_session is not None:
            return set()  # the session is recounted at the end (a write spans one session)
        ids -= covered
    return ids


def _bulk(session_id: int | None, count: int) -> bool:
    if session_id is None or count < BULK_MIN:
        return False
    total = (
        CandidateCounter.select(pw.fn.SUM(CandidateCounter.candidates))
        .where(CandidateCounter.session == session_id)
        .scalar()
    )
    return count * 2 >= int(total or 0)


def _lock(ids: Iterable[int]) -> None:
    """On PostgreSQL, lock the candidates' rows until the commit: a colleague's write on the same
    candidate then waits, instead of committing between the two readings of its contributions
    (which would count it twice). SQLite's BEGIN IMMEDIATE already lets one writer in at a time."""
    if not is_sqlite():
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            list(Candidate.select(Candidate.id).where(Candidate.id.in_(chunk)).for_update())


@contextmanager
def tracking(candidate_ids: Iterable[int], *, session_id: int | None = None) -> Iterator[None]:
    """Count what the enclosed write changes for these candidates (inside its transaction).

    Every candidate whose rows the write changes must be named, and all of one session when
    ``session_id`` is given: from :data:`BULK_MIN` candidates and half the session, the session
    is recounted at the end instead of read twice. Nothing is counted if the write fails.
    """
    ids = _uncovered(candidate_ids)
    if not ids:
        yield
        return
    stack = _stack()
    if _bulk(session_id, len(ids)):
        stack.append((session_id, frozenset()))
        try:
            yield
        finally:
            stack.pop()
        recount(session_id)  # type: ignore[arg-type]
        return
    _lock(ids)
    before = contributions(ids)
    stack.append((None, frozenset(ids)))
    try:
        yield
    finally:
        stack.pop()
    apply(_difference(contributions(ids), before))


@contextmanager
def counted_by_caller(candidate_ids: Iterable[int]) -> Iterator[None]:
    """A bulk write whose delta the caller adds itself (:func:`new_grades`, :func:`apply`):
    the writes of these candidates inside are covered (no tracker inside reads their
    contributions) and nothing is counted here. On PostgreSQL their rows are locked as
    :func:`tracking` locks them."""
    ids = _uncovered(candidate_ids)
    if not ids:
        yield
        return
    _lock(ids)
    stack = _stack()
    stack.append((None, frozenset(ids)))
    try:
        yield
    finally:
        stack.pop()


def results_changed(
    session_id: int,
    created: Iterable[tuple[str, str | None]],
    changed: Iterable[tuple[tuple[str, str | None], tuple[str, str | None]]],
) -> None:
    """Count results just written in bulk (a chunk of the deliberation): ``created`` the
    (decision, mention) of new results, ``changed`` the (before, after) pairs of rewritten
    ones. Known from the write itself, so nothing is read again."""
    results: dict[ResultKey, list[int]] = {}
    for decision, mention, step in [(*c, 1) for c in created] + [
        item for before, after in changed for item in ((*before, -1), (*after, 1))
    ]:
        results.setdefault((session_id, decision, mention or ""), [0])[0] += step
    apply(Contributions({}, {}, results))
