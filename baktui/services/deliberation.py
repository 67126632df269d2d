"""Deliberating a session: from the stored grades to Result rows, at national scale.

The decision itself is ``rules.deliberation.deliberate``; this module only gathers each
candidate's file from the database and stores the outcome.

- :func:`load_files` builds the ``CandidateFile`` of many candidates in a handful of queries
  (grades, part-grades of composite spécialités, kept grades, jury points, second group);
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
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from multiprocessing import get_context
from typing import Any

import peewee as pw

from baktui.data import audit
from baktui.data.db import current_database, write_transaction
from baktui.data.models import (
    Candidate,
    ExamSession,
    Grade,
    GradePart,
    Jury,
    JuryPoint,
    Registration,
    Result,
)
from baktui.data.sql import executemany, fetch, insert_sql, update_sql
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.deliberation import (
    ADMIS,
    AJOURNE,
    DECISION_LABELS,
    DECISIONS,
    INCOMPLET,
    SECOND_GROUPE,
    CandidateFile,
    CentiTable,
    centi_table,
    deliberate,
    deliberate_centi,
    speciality_grade,
)
from baktui.rules.deliberation import Result as RuleResult
from baktui.rules.grades import Grade as GradeValue
from baktui.rules.grades import truncate_2
from baktui.rules.regulation import Regulation
from baktui.services.sessions import regulation_of

CHUNK_SIZE = 5_000
_IN_CHUNK = 500  # ids per IN (...) list
PARALLEL_FROM = 40_000  # candidates: below, the worker start-up costs more than it saves

# (decision, mention, average, first_group_average, second_group_done) as stored
Outcome = tuple[str, str | None, str | None, str | None, bool]


# --- Loading candidate files ----------------------------------------------------------------


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


def _rows(
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
    for start in range(0, len(ids), _IN_CHUNK):
        rows.extend(fetch(query(column.in_(list(ids[start : start + _IN_CHUNK])))))
    return rows


@dataclass
class _Raw:
    """The stored rows of many candidates, by candidate id (grades as (value_centi, code))."""

    registered: dict[int, list[str]]
    kept: dict[int, set[str]]
    first: dict[int, dict[str, tuple[int | None, str | None]]]
    second: dict[int, dict[str, tuple[int | None, str | None]]]
    parts: dict[int, dict[str, dict[str, tuple[int | None, str | None]]]]
    points: dict[int, dict[str, Fraction]]


def _load_raw(heads: Sequence[CandidateHead]) -> _Raw:
    """The rows of those candidates, in one query per table (two for sparse ids)."""
    wanted = {h.id for h in heads}
    ids = sorted(wanted)
    raw = _Raw({}, {}, {}, {}, {}, {})
    registered, kept = raw.registered, raw.kept
    rows = _rows(ids, Registration.candidate, lambda cond: Registration.select(
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
    rows = _rows(ids, Grade.candidate, lambda cond: Grade.select(
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
    rows = _rows(ids, GradePart.candidate, lambda cond: GradePart.select(
        GradePart.candidate, GradePart.epreuve_code, GradePart.part_code, GradePart.value_centi,
        GradePart.code,
    ).where(cond))  # fmt: skip
    for cid, code, part, value, gcode in rows:
        if cid in wanted:
            raw.parts.setdefault(cid, {}).setdefault(code, {})[part] = (value, gcode)
    rows = _rows(ids, JuryPoint.candidate, lambda cond: JuryPoint.select(
        JuryPoint.candidate, JuryPoint.epreuve_code, pw.fn.SUM(JuryPoint.points_centi)
    ).where(cond).group_by(JuryPoint.candidate, JuryPoint.epreuve_code))  # fmt: skip
    for cid, code, total in rows:
        if cid in wanted and total:
            raw.points.setdefault(cid, {})[code] = Fraction(int(total), 100)
    return raw


_EMPTY: dict[str, Any] = {}


def _grades(
    stored: dict[str, tuple[int | None, str | None]],
) -> dict[str, GradeValue | None]:
    return {code: grade_value(value, gcode) for code, (value, gcode) in stored.items()}


def _file_of(
    reg: Regulation,
    composites: dict[str, dict[str, frozenset[str]]],
    head: CandidateHead,
    raw: _Raw,
) -> CandidateFile:
    """The CandidateFile of one candidate from the loaded rows."""
    grades = _grades(raw.first.get(head.id, _EMPTY))
    # as the rows were read: every part-grade and second-group grade is converted (and checked)
    parts = {code: _grades(given) for code, given in raw.parts.get(head.id, _EMPTY).items()}
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
        second_group=_grades(raw.second.get(head.id, _EMPTY)),
        jury_points=raw.points.get(head.id, {}),
    )


def load_files(reg: Regulation, heads: Sequence[CandidateHead]) -> dict[int, CandidateFile]:
    """CandidateFile of each candidate, loaded in a handful of queries for all of them."""
    if not heads:
        return {}
    raw = _load_raw(heads)
    composites = _composite_table(reg)
    return {head.id: _file_of(reg, composites, head, raw) for head in heads}


def _composite_table(reg: Regulation) -> dict[str, dict[str, frozenset[str]]]:
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
    for start in range(0, len(ids), _IN_CHUNK):
        query = Candidate.select(Candidate.id, Candidate.series, Candidate.eps_inapte).where(
            Candidate.id.in_(ids[start : start + _IN_CHUNK])
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


# --- Computing ------------------------------------------------------------------------------


def outcome_of(result: RuleResult) -> Outcome:
    """How a rules Result is stored in the Result table (exact fractions as "p/q" text)."""
    return (
        result.decision,
        result.mention,
        None if result.average is None else str(result.average),
        None if result.first_group_average is None else str(result.first_group_average),
        result.second_group_done,
    )


def _heads(session_id: int, jury_id: int | None, after: int, limit: int) -> list[CandidateHead]:
    query = Candidate.select(Candidate.id, Candidate.series, Candidate.eps_inapte).where(
        (Candidate.session == session_id) & (Candidate.state != "annulee") & (Candidate.id > after)
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
    raw = _load_raw(heads)
    table = _centi_table(reg)
    composites = _composite_table(reg)
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
                first.get(cid, _EMPTY),
                kept.get(cid, ()),
                head.eps_inapte,
                parts.get(cid),
            )
        if fast is not None:
            decision, mention, average = fast
            shown = None if average is None else str(average)
            out.append((cid, head.series, (decision, mention, shown, shown, False)))
            continue
        file = _file_of(reg, composites, head, raw)
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


def _chunks(session_id: int, jury_id: int | None, size: int) -> Iterator[list[CandidateHead]]:
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


# --- Summary --------------------------------------------------------------------------------


def _n(count: int) -> str:
    """French thousands separator."""
    return f"{count:,}".replace(",", "\u202f")


def _pct(part: int, total: int) -> str:
    """Percentage with one decimal, rounded half up, decimal comma (integer arithmetic)."""
    if not total:
        return "0,0 %"
    tenths = (part * 2000 + total) // (2 * total)
    return f"{tenths // 10},{tenths % 10} %"


@dataclass
class DeliberationSummary:
    """Counts of a deliberation run, rendered in French."""

    year: int
    jury: int | None = None
    total: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    mentions: Counter[str] = field(default_factory=Counter)
    by_series: dict[str, Counter[str]] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (candidate id, message)
    seconds: float = 0.0
    mention_order: tuple[str, ...] = ()

    def count(self, series: str, outcome: Outcome) -> None:
        self.total += 1
        self.decisions[outcome[0]] += 1
        if outcome[1]:
            self.mentions[outcome[1]] += 1
        self.by_series.setdefault(series, Counter())[outcome[0]] += 1

    def count_all(self, outcomes: Sequence[tuple[int, str, Outcome]]) -> None:
        """``count`` of every (candidate id, series, outcome), tallied at C speed."""
        tally = Counter((series, outcome[0], outcome[1]) for _, series, outcome in outcomes)
        for (series, decision, mention), count in tally.items():
            self.total += count
            self.decisions[decision] += count
            if mention:
                self.mentions[mention] += count
            self.by_series.setdefault(series, Counter())[decision] += count

    def render(self) -> str:
        scope = f"jury {self.jury}" if self.jury is not None else "toute la session"
        lines = [
            f"Délibération — session {self.year}, {scope} : {_n(self.total)} candidat"
            f"{'s' if self.total > 1 else ''} en {self.seconds:.1f} s".replace(".", ",")
        ]
        for decision in DECISIONS:
            count = self.decisions.get(decision, 0)
            line = f"  {DECISION_LABELS[decision]:<14} {_n(count):>9}  ({_pct(count, self.total)})"
            if decision == ADMIS and self.mentions:
                shown = ", ".join(
                    f"{code} {_n(self.mentions[code])}"
                    for code in self.mention_order
                    if self.mentions.get(code)
                )
                line += f"  dont mentions : {shown}"
            lines.append(line)
        if self.by_series:
            lines.append("Par série :")
            width = max(len(s) for s in self.by_series)
            for series in sorted(self.by_series):
                counts = self.by_series[series]
                shown = "  ".join(
                    f"{DECISION_LABELS[d].lower()} {_n(counts.get(d, 0))}" for d in DECISIONS
                )
                lines.append(f"  {series:<{width}}  {_n(sum(counts.values())):>8}  {shown}")
        lines.append(
            f"Résultats : {_n(self.created)} nouveaux, {_n(self.changed)} modifiés, "
            f"{_n(self.unchanged)} inchangés."
        )
        if self.errors:
            lines.append(f"{len(self.errors)} dossier(s) non délibéré(s) :")
            lines.extend(f"  candidat n° {cid} : {message}" for cid, message in self.errors)
        return "\n".join(lines)


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


def _stored(low: int, high: int) -> dict[int, tuple[int, Outcome]]:
    query = Result.select(
        Result.candidate, Result.id, Result.decision, Result.mention, Result.average,
        Result.first_group_average, Result.second_group_done,
    ).where(Result.candidate.between(low, high))  # fmt: skip
    return {
        cid: (pk, (decision, mention, average, first, bool(done)))
        for cid, pk, decision, mention, average, first, done in fetch(query)
    }


def _result_ids(low: int, high: int) -> dict[int, int]:
    """Result id by candidate id (read from the candidate index alone, no table lookup)."""
    query = Result.select(Result.candidate, Result.id).where(Result.candidate.between(low, high))
    return dict(fetch(query))


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


def _write(
    outcomes: Sequence[tuple[int, str, Outcome]],
    summary: DeliberationSummary,
    reason: str,
) -> None:
    """Store the outcomes of one chunk: only new and changed results, each audited (one
    ``audit.log_many`` for the chunk, in the same transaction as the results)."""
    if not outcomes:
        return
    low = min(cid for cid, _, _ in outcomes)
    high = max(cid for cid, _, _ in outcomes)
    who, now = audit.current_user(), audit.now_iso()
    entity = Result._meta.table_name
    with write_transaction():
        stored = _stored(low, high)
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
        entries: list[dict[str, object]] = []
        if new:
            ids = _result_ids(low, high)
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
) -> DeliberationSummary:
    """Deliberate every candidate of the session (or of one jury) and store the results.

    ``workers``: compute processes (None: one per core for large sessions, 0: none).
    """
    started = time.perf_counter()
    reg = regulation_of(session_id)
    year = int(ExamSession.get_by_id(session_id).year)
    jury_id = _jury_id(session_id, jury)
    summary = DeliberationSummary(year, jury, mention_order=tuple(c for _, c, _ in reg.mentions))
    scope = f"jury {jury}" if jury is not None else "toute la session"
    reason = f"délibération {year}, {scope}"
    count_query = Candidate.select().where(
        (Candidate.session == session_id) & (Candidate.state != "annulee")
    )
    if jury_id is not None:
        count_query = count_query.where(Candidate.jury == jury_id)
    target = _database_target()
    if workers is None:
        workers = (os.cpu_count() or 1) if count_query.count() >= PARALLEL_FROM else 0
    if workers and target is not None:
        try:
            _run_parallel(session_id, jury_id, chunk_size, workers, target, summary, reason)
        except BrokenProcessPool:
            # A worker died (killed, out of memory…). The chunks written are committed and
            # correct: finish in this process, where they now count as unchanged.
            written = summary.created + summary.changed
            created, changed = summary.created, summary.changed
            summary = DeliberationSummary(year, jury, mention_order=summary.mention_order)
            _run_here(reg, session_id, jury_id, chunk_size, summary, reason)
            summary.created += created
            summary.changed += changed
            summary.unchanged -= written
    else:
        _run_here(reg, session_id, jury_id, chunk_size, summary, reason)
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
    return summary


def _run_here(
    reg: Regulation,
    session_id: int,
    jury_id: int | None,
    chunk_size: int,
    summary: DeliberationSummary,
    reason: str,
) -> None:
    """Compute and write every chunk in this process."""
    for heads in _chunks(session_id, jury_id, chunk_size):
        outcomes, errors = _compute(reg, heads)
        summary.errors.extend(errors)
        _write(outcomes, summary, reason)


def _run_parallel(
    session_id: int,
    jury_id: int | None,
    chunk_size: int,
    workers: int,
    target: str,
    summary: DeliberationSummary,
    reason: str,
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
        for heads in _chunks(session_id, jury_id, chunk_size):
            rows = [(h.id, h.series, h.eps_inapte) for h in heads]
            pending.append(pool.submit(_worker_compute, rows))
            while len(pending) > workers:
                _collect(pending.pop(0), summary, reason)
        for future in pending:
            _collect(future, summary, reason)


def _collect(
    future: Future[tuple[list[tuple[int, str, Outcome]], list[tuple[int, str]]]],
    summary: DeliberationSummary,
    reason: str,
) -> None:
    outcomes, errors = future.result()
    summary.errors.extend(errors)
    _write(outcomes, summary, reason)
