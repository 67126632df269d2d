"""Deliberating a session: from the stored grades to Result rows, at national scale.

The decision itself is in the rules (``rules.decision`` for the first group, shared by the
fast path, and ``rules.deliberation``); the files are read by :mod:`.candidate_files`; this module
computes a session chunk by chunk and stores the outcomes.

- :func:`deliberate_session` streams the session's candidates by id in chunks, deliberates them
  and writes, per chunk and in one transaction, only the results that changed, each with one
  audit entry (decision and average before/after), plus one "event" entry for the whole run.
  A re-run on unchanged grades writes nothing but that event entry.

Large sessions are computed by worker processes (one per core) that read the database on their
own connection while the parent writes; small ones stay in the calling process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from fractions import Fraction
from functools import lru_cache
from multiprocessing import get_context

import peewee as pw

from baktui.data import audit, counters
from baktui.data.db import current_database, write_transaction
from baktui.data.models import (
    Candidate,
    ExamSession,
    Jury,
    Result,
)
from baktui.data.sql import executemany, fetch, in_values, insert_sql, update_sql
from baktui.errors import ServiceError
from baktui.rules.decision import (
    ADMIS,
    AJOURNE,
    INCOMPLET,
    SECOND_GROUPE,
    CentiTable,
    centi_table,
    deliberate_centi,
)
from baktui.rules.deliberation import deliberate
from baktui.rules.grades import truncate_2
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.regulation import Regulation
from baktui.services.candidate_files import (
    EMPTY,
    CandidateHead,
    Outcome,
    composite_table,
    file_of,
    load_rows,
    outcome_of,
    rows_of_candidates,
)
from baktui.services.deliberation_runs import changed_candidates, finish_run, start_run
from baktui.services.deliberation_summary import DeliberationSummary
from baktui.services.jury_locks import SECOND_GROUP, JuryLock, LockedError, jury_lock, locks_of
from baktui.services.sessions import regulation_of

CHUNK_SIZE = 5_000
PARALLEL_FROM = 40_000  # candidates: below, the worker start-up costs more than it saves


def _heads(session_id: int, jury_id: int | None, after: int, limit: int) -> list[CandidateHead]:
    query = Candidate.select(Candidate.id, Candidate.series, Candidate.eps_inapte).where(
        (Candidate.session == session_id)
        & (Candidate.state != RegistrationState.ANNULEE)
        & (Candidate.id > after)
    )
    if jury_id is not None:
        query = query.where(Candidate.jury == jury_id)
    query = query.order_by(Candidate.id).limit(limit)
    return [CandidateHead(int(pk), series, bool(inapte)) for pk, series, inapte in fetch(query)]


def _compute(
    reg: Regulation, heads: Sequence[CandidateHead]
) -> tuple[list[tuple[int, str, Outcome]], list[tuple[int, str]]]:
    """((candidate id, series, outcome) per candidate, (candidate id, error) per refused file).

    Candidates without second-group grades nor jury points (nearly all of them at the first
    deliberation) go through ``deliberate_centi``, in integer arithmetic on the stored grades;
    the others, and any file it does not take, through ``deliberate`` (the same results: see
    tests/test_deliberation_service.py).
    """
    out: list[tuple[int, str, Outcome]] = []
    errors: list[tuple[int, str]] = []
    if not heads:
        return out, errors
    raw = load_rows(heads)
    table = _centi_table(reg)
    composites = composite_table(reg)
    first, second, points, registered = raw.first, raw.second, raw.points, raw.registered
    kept, parts = raw.kept, raw.parts
    for head in heads:
        cid = head.id
        fast = None
        if cid not in second and cid not in points:
            fast = deliberate_centi(
                table,
                head.series,
                registered.get(cid, ()),
                first.get(cid, EMPTY),
                kept.get(cid, ()),
                head.eps_inapte,
                parts.get(cid),
            )
        if fast is not None:
            decision, mention, average = fast
            shown = None if average is None else str(average)
            out.append((cid, head.series, (decision, mention, shown, shown, False)))
            continue
        file = file_of(reg, composites, head, raw)
        try:
            result = deliberate(reg, file)
        except ValueError as exc:  # a file the rules refuse (unknown épreuve…): reported
            errors.append((cid, str(exc)))
            continue
        out.append((cid, head.series, outcome_of(result)))
    return out, errors


_tables: dict[int, tuple[Regulation, CentiTable]] = {}


def _centi_table(reg: Regulation) -> CentiTable:
    """The fast-path table of a regulation, built once per regulation object."""
    cached = _tables.get(id(reg))
    if cached is None or cached[0] is not reg:
        cached = (reg, centi_table(reg))
        _tables.clear()
        _tables[id(reg)] = cached
    return cached[1]


def _chunks(
    session_id: int, jury_id: int | None, size: int, only: Sequence[int] | None = None
) -> Iterator[list[CandidateHead]]:
    """The candidates to deliberate, ``size`` at a time: the session's (or a jury's), or only
    those given (an incremental run)."""
    if only is not None:
        for start in range(0, len(only), size):
            ids = list(only[start : start + size])
            query = Candidate.select(Candidate.id, Candidate.series, Candidate.eps_inapte).where(
                in_values(Candidate.id, ids)
                & (Candidate.session == session_id)
                & (Candidate.state != RegistrationState.ANNULEE)
            )
            heads = [CandidateHead(int(pk), series, bool(inapte))
                     for pk, series, inapte in fetch(query.order_by(Candidate.id))]  # fmt: skip
            if heads:
                yield heads
        return
    after = 0
    while True:
        heads = _heads(session_id, jury_id, after, size)
        if not heads:
            return
        yield heads
        after = heads[-1].id


# Worker processes: each opens the database on its own connection (read-only use).
_worker_reg: Regulation | None = None


def _worker_init(target: str, session_id: int) -> None:
    from baktui.data.db import open_database

    global _worker_reg
    open_database(target)
    _worker_reg = regulation_of(session_id)


def _worker_compute(
    rows: Sequence[tuple[int, str, bool]],
) -> tuple[list[tuple[int, str, Outcome]], list[tuple[int, str]]]:
    """``_compute`` of the candidates given as (id, series, eps_inapte): plain tuples cross the
    process boundary several times faster than dataclasses (pickling)."""
    assert _worker_reg is not None
    return _compute(_worker_reg, [CandidateHead(*row) for row in rows])


# --- Writing --------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _average_text(average: str) -> str:
    """``truncate_2`` of a stored average ("p/q" or "p"), without building a Fraction (the
    string parsing of ``Fraction`` is the costliest step of writing 700,000 audit entries)."""
    numerator, _, denominator = average.partition("/")
    try:
        p, q = int(numerator), int(denominator or 1)
    except ValueError:
        return truncate_2(Fraction(average))
    if q <= 0:
        return truncate_2(Fraction(average))
    cents = abs(p) * 100 // q
    sign = "-" if p < 0 and cents else ""
    return f"{sign}{cents // 100},{cents % 100:02d}"


def _shown(outcome: Outcome | None) -> str | None:
    """Audit text of a stored outcome: "ADMIS 12,37 AB"."""
    if outcome is None:
        return None
    decision, mention, average, _, _ = outcome
    text = decision
    if average is not None:
        text += " " + _average_text(average)
    if mention:
        text += " " + mention
    return text


def _stored(ids: Sequence[int]) -> dict[int, tuple[int, Outcome]]:
    """The stored results of those candidates (by range, or by lists of ids when they are
    sparse: the 1 % of an incremental run is spread over the whole session)."""
    rows = rows_of_candidates(sorted(ids), Result.candidate, lambda cond: Result.select(
        Result.candidate, Result.id, Result.decision, Result.mention, Result.average,
        Result.first_group_average, Result.second_group_done,
    ).where(cond))  # fmt: skip
    wanted = set(ids)
    return {
        cid: (pk, (decision, mention, average, first, bool(done)))
        for cid, pk, decision, mention, average, first, done in rows
        if cid in wanted
    }


def _result_ids(ids: Sequence[int]) -> dict[int, int]:
    """Result id by candidate id (read from the candidate index alone, no table lookup)."""
    rows = rows_of_candidates(
        sorted(ids), Result.candidate, lambda cond: Result.select(Result.candidate, Result.id)
        .where(cond)
    )  # fmt: skip
    wanted = set(ids)
    return {cid: pk for cid, pk in rows if cid in wanted}


_RESULT_COLUMNS = (
    "candidate",
    "decision",
    "mention",
    "average",
    "first_group_average",
    "second_group_done",
    "deliberated_at",
    "deliberated_by",
)


def _open_to(lock: JuryLock | None, stored: tuple[int, Outcome] | None) -> bool:
    """Whether a result may be rewritten under its jury's lock: a jury closed or published at
    the first group keeps its first-group results, only its second-group candidates are
    deliberated again; a jury closed at the second group or finally published keeps them all."""
    if lock is None:
        return True
    level = max(lock.closed_group, lock.published_group)
    if level >= SECOND_GROUP or stored is None:
        return False
    decision, _, _, _, done = stored[1]
    return decision == SECOND_GROUPE or done


def _unlocked(
    outcomes: Sequence[tuple[int, str, Outcome]],
    stored: dict[int, tuple[int, Outcome]],
    summary: DeliberationSummary,
) -> list[tuple[int, str, Outcome]]:
    """The outcomes whose results their jury's lock lets be rewritten (one query per chunk);
    the others are counted in the summary, with the reason of their jury."""
    locks = locks_of(cid for cid, _, _ in outcomes)
    if not locks:
        return list(outcomes)
    kept = []
    for item in outcomes:
        lock = locks.get(item[0])
        if _open_to(lock, stored.get(item[0])):
            kept.append(item)
        else:
            assert lock is not None
            summary.locked += 1
            group = SECOND_GROUP if max(lock.closed_group, lock.published_group) >= 2 else 1
            summary.locked_juries[lock.number] = lock.reason(group)
    return kept


def _write(
    session_id: int,
    outcomes: Sequence[tuple[int, str, Outcome]],
    summary: DeliberationSummary,
    reason: str,
    guard: bool = True,
) -> None:
    """Store the outcomes of one chunk: only new and changed results, each audited (one
    ``audit.log_many`` for the chunk, in the same transaction as the results). ``guard``: some
    jury of the session is closed or published (its locked results are then left as they are)."""
    if not outcomes:
        return
    chunk = [cid for cid, _, _ in outcomes]
    who, now = audit.current_user(), audit.now_iso()
    entity = Result._meta.table_name
    with write_transaction():
        stored = _stored(chunk)
        if guard:
            outcomes = _unlocked(outcomes, stored, summary)
        new: list[tuple[int, Outcome]] = []
        changed: list[tuple[int, int, Outcome, Outcome]] = []
        summary.count_all(outcomes)
        for cid, _, outcome in outcomes:
            previous = stored.get(cid)
            if previous is None:
                new.append((cid, outcome))
            elif previous[1] != outcome:
                changed.append((cid, previous[0], previous[1], outcome))
            else:
                summary.unchanged += 1
        executemany(
            insert_sql(Result, _RESULT_COLUMNS),
            [(cid, *outcome, now, who) for cid, outcome in new],
        )
        executemany(
            update_sql(Result, _RESULT_COLUMNS[1:]),
            [(*after, now, who, pk) for _, pk, _, after in changed],
        )
        counters.results_changed(  # the home screen's results, from what was just written
            session_id,
            [outcome[:2] for _, outcome in new],
            [(before[:2], after[:2]) for _, _, before, after in changed],
        )
        entries: list[dict[str, object]] = []
        if new:
            ids = _result_ids([cid for cid, _ in new])
            entries.extend(
                {"action": "create", "entity": entity, "entity_id": ids[cid],
                 "field": "decision", "after": _shown(outcome), "reason": reason,
                 "candidate_id": cid}
                for cid, outcome in new
            )  # fmt: skip
        entries.extend(
            {"action": "update", "entity": entity, "entity_id": pk, "field": "decision",
             "before": _shown(before), "after": _shown(after), "reason": reason,
             "candidate_id": cid}
            for cid, pk, before, after in changed
        )  # fmt: skip
        audit.log_many(entries)
    summary.created += len(new)
    summary.changed += len(changed)


# --- Entry point ----------------------------------------------------------------------------


def _jury_id(session_id: int, number: int | None) -> int | None:
    if number is None:
        return None
    row = Jury.get_or_none((Jury.session == session_id) & (Jury.number == number))
    if row is None:
        raise ServiceError(f"Aucun jury n° {number} dans cette session.")
    return int(row.id)


def _any_locked(session_id: int) -> bool:
    """Whether some jury of the session is closed or published (results then checked per
    chunk against their jury's lock)."""
    return (
        Jury.select()
        .where(
            (Jury.session == session_id) & ((Jury.closed_group > 0) | (Jury.published_group > 0))
        )
        .exists()
    )


def _database_target() -> str | None:
    """The file of the open SQLite database (workers reopen it), or None (no workers)."""
    db = current_database()
    if isinstance(db, pw.SqliteDatabase) and db.database not in ("", ":memory:"):
        return str(db.database)
    return None


def deliberate_session(
    session_id: int,
    jury: int | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    workers: int | None = None,
    progress: Callable[[int, int], object] | None = None,
    everyone: bool = False,
) -> DeliberationSummary:
    """Deliberate the candidates of the session (or of one jury) and store the results.

    For the whole session, only the candidates whose grades, registration or file changed
    since the last finished run are recomputed (the others' results cannot have changed),
    unless ``everyone`` or there is no such run (:func:`deliberation_runs.changed_candidates`).
    ``workers``: compute processes (None: one per core for large sessions, 0: none).
    ``progress``: told (candidates done, candidates in all) after each chunk stored.
    """
    started = time.perf_counter()
    reg = regulation_of(session_id)
    year = int(ExamSession.get_by_id(session_id).year)
    jury_id = _jury_id(session_id, jury)
    if jury_id is not None:
        lock = jury_lock(jury_id)
        if max(lock.closed_group, lock.published_group) >= SECOND_GROUP:
            raise LockedError(
                f"Délibération refusée : {lock.reason(SECOND_GROUP)} ; ses résultats ne sont "
                "pas recalculés. Le président rouvre la délibération (motif obligatoire) ou une "
                "note se rectifie (baktui rectifier). Rien n'a été enregistré."
            )
    guard = _any_locked(session_id)
    only = None if jury_id is not None or everyone else changed_candidates(session_id)
    summary = DeliberationSummary(
        year, jury, mention_order=tuple(c for _, c, _ in reg.mentions), incremental=only is not None
    )
    scope = f"jury {jury}" if jury is not None else "toute la session"
    if only is not None:
        scope = "candidats modifiés depuis la dernière délibération"
    reason = f"délibération {year}, {scope}"
    count_query = Candidate.select().where(
        (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
    )
    if jury_id is not None:
        count_query = count_query.where(Candidate.jury == jury_id)
    if only is not None:
        count_query = count_query.where(Candidate.id.in_(only)) if only else None
    target = _database_target()
    run = start_run(session_id, scope, whole_session=jury_id is None)
    candidates = 0
    if count_query is not None and (workers is None or progress is not None):
        candidates = count_query.count()
    if progress is not None:
        progress(0, candidates)
        summary.progress = lambda done: progress(done, candidates)
    if workers is None:
        workers = (os.cpu_count() or 1) if candidates >= PARALLEL_FROM else 0
    if workers and target is not None:
        try:
            _run_parallel(
                session_id, jury_id, chunk_size, workers, target, summary, reason, guard, only
            )
        except BrokenProcessPool:
            # A worker died (killed, out of memory…). The chunks written are committed and
            # correct: finish in this process, where they now count as unchanged.
            written = summary.created + summary.changed
            created, changed = summary.created, summary.changed
            summary = DeliberationSummary(year, jury, mention_order=summary.mention_order,
                                          progress=summary.progress,
                                          incremental=summary.incremental)  # fmt: skip
            _run_here(reg, session_id, jury_id, chunk_size, summary, reason, guard, only)
            summary.created += created
            summary.changed += changed
            summary.unchanged -= written
    else:
        _run_here(reg, session_id, jury_id, chunk_size, summary, reason, guard, only)
    summary.seconds = time.perf_counter() - started
    with write_transaction():
        audit.log(
            "event",
            "deliberation",
            session_id,
            after=", ".join(
                f"{d}={summary.decisions.get(d, 0)}"
                for d in (ADMIS, SECOND_GROUPE, AJOURNE, INCOMPLET)
            )
            + f"; nouveaux={summary.created}, modifiés={summary.changed}",
            reason=reason,
        )
    finish_run(session_id, run)
    return summary


def _run_here(
    reg: Regulation,
    session_id: int,
    jury_id: int | None,
    chunk_size: int,
    summary: DeliberationSummary,
    reason: str,
    guard: bool = True,
    only: Sequence[int] | None = None,
) -> None:
    """Compute and write every chunk in this process."""
    for heads in _chunks(session_id, jury_id, chunk_size, only):
        outcomes, errors = _compute(reg, heads)
        summary.errors.extend(errors)
        _write(session_id, outcomes, summary, reason, guard)


def _run_parallel(
    session_id: int,
    jury_id: int | None,
    chunk_size: int,
    workers: int,
    target: str,
    summary: DeliberationSummary,
    reason: str,
    guard: bool = True,
    only: Sequence[int] | None = None,
) -> None:
    """Workers compute chunks (reading the database themselves); this process writes them.

    At most ``workers + 1`` chunks are in flight, so memory stays bounded.
    """
    context = get_context("spawn")  # never fork an open SQLite connection
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(target, session_id),
    ) as pool:
        pending: list[Future[tuple[list[tuple[int, str, Outcome]], list[tuple[int, str]]]]] = []
        for heads in _chunks(session_id, jury_id, chunk_size, only):
            rows = [(h.id, h.series, h.eps_inapte) for h in heads]
            pending.append(pool.submit(_worker_compute, rows))
            while len(pending) > workers:
                _collect(session_id, pending.pop(0), summary, reason, guard)
        for future in pending:
            _collect(session_id, future, summary, reason, guard)


def _collect(
    session_id: int,
    future: Future[tuple[list[tuple[int, str, Outcome]], list[tuple[int, str]]]],
    summary: DeliberationSummary,
    reason: str,
    guard: bool = True,
) -> None:
    outcomes, errors = future.result()
    summary.errors.extend(errors)
    _write(session_id, outcomes, summary, reason, guard)
