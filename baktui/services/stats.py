"""Counts for the home screen: what the office has, and what is left to do.

The candidates per series and state and the missing grades are read from the maintained
counters (:mod:`baktui.services.counters`, schema 14): a few hundred rows whatever the size of
the session. The rest are COUNT/GROUP BY of small tables (lots, absences, claims), the results
of the last deliberation (one pass over the results) and the logistics checks.
``raw=True`` counts the candidates and missing grades as before the counters (one pass over the
candidates, one anti-join over the registrations: 2 s and 13 s at 700 000 candidates on a
shared 2-core machine): ``benchmarks/bench_counters.py`` and the tests compare both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import peewee as pw

from baktui.data.models import (
    Absence,
    AuditLog,
    Candidate,
    ExamSession,
    ExpenseClaim,
    Grade,
    Lot,
    Registration,
    Result,
    Series,
)
from baktui.rules.decision import ADMIS, AJOURNE, INCOMPLET, SECOND_GROUPE
from baktui.rules.lifecycles import (
    CLAIM_OPEN,
    ClaimState,
    RegistrationState,
)
from baktui.services import counters, lot_worklists
from baktui.services import registration_worklists as worklists
from baktui.services.missing_grades import missing_where

# Decisions in the order the home screen shows them.
DECISIONS = (ADMIS, SECOND_GROUPE, AJOURNE, INCOMPLET)


@dataclass(frozen=True)
class SeriesCount:
    """Candidates of one series (cancelled registrations left out)."""

    code: str
    scolaires: int = 0
    individuels: int = (
        0  # every status other than "scolaire": individuels, CNED, formation continue
    )

    @property
    def total(self) -> int:
        return self.scolaires + self.individuels


@dataclass(frozen=True)
class HomeCounts:
    """The home screen's figures for one session, read in one go."""

    session_id: int
    series: tuple[SeriesCount, ...] = ()
    brouillon: int = 0
    confirmee: int = 0
    annulees: int = 0
    missing_lvb: int = 0
    missing_centre: int = 0
    grades_missing: int | None = None  # None: not counted (yet)
    absences_open: int = 0
    claims_declared: int = 0
    claims_service_fait: int = 0
    lots_total: int = 0
    lots_open: int = 0
    results: dict[str, int] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)
    logistics_checks: int | None = None  # None: not counted (yet), like grades_missing
    # the maintained counters hold what no write could give: the figures are wrong (STALE_WARNING)
    counters_inconsistent: bool = False

    @property
    def candidates(self) -> int:
        return sum(s.total for s in self.series)

    @property
    def scolaires(self) -> int:
        return sum(s.scolaires for s in self.series)

    @property
    def individuels(self) -> int:
        return sum(s.individuels for s in self.series)

    @property
    def to_check(self) -> int:
        """Registrations not yet validated by the office (brouillon + confirmée)."""
        return self.brouillon + self.confirmee

    @property
    def claims_waiting(self) -> int:
        return self.claims_declared + self.claims_service_fait

    @property
    def deliberated(self) -> bool:
        return bool(self.results)


def _count_if(condition: pw.Expression) -> pw.Function:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END): several counts from one scan."""
    return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))


def data_fingerprint() -> tuple[int, ...]:
    """Changes whenever anything the home screen counts may have changed; costs microseconds.

    Every write of the services appends to the audit log; bulk loads (demo, imports) add rows
    with new ids. So the highest ids are enough to know that counts need not be re-read.
    """
    tables = (AuditLog, Candidate, Registration, Grade, Result, Lot, ExpenseClaim, Absence)
    return tuple(int(model.select(pw.fn.MAX(model.id)).scalar() or 0) for model in tables)


def home_counts(session_id: int, *, with_grades: bool = True, raw: bool = False) -> HomeCounts:
    """Read every figure of the home screen for the session.

    ``with_grades=False`` leaves ``grades_missing`` and ``logistics_checks`` at None: the
    logistics checks are the slow ones at national scale, so the screen shows the rest first
    and asks for them with :func:`grades_missing` and :func:`logistics_checks`. ``raw``: the
    candidates and missing grades recounted from the tables instead of the counters.
    """
    session = ExamSession.get_by_id(session_id)
    single_session = ExamSession.select().count() == 1
    per_series, states, missing_lvb, missing_centre = (
        _candidates_raw(session_id, single_session=single_session)
        if raw
        else _candidates(session_id)
    )
    if not with_grades:
        missing = None
    elif raw:
        missing = grades_missing_raw(session_id, single_session=single_session)
    else:
        missing = grades_missing(session_id)
    return HomeCounts(
        session_id=session_id,
        series=tuple(SeriesCount(code, s, i) for code, (s, i) in per_series.items()),
        brouillon=states.get(RegistrationState.BROUILLON, 0),
        confirmee=states.get(RegistrationState.CONFIRMEE, 0),
        annulees=states.get(RegistrationState.ANNULEE, 0),
        missing_lvb=missing_lvb,
        missing_centre=missing_centre,
        grades_missing=missing,
        absences_open=_absences_open(session.year),
        logistics_checks=logistics_checks(session_id) if with_grades else None,
        counters_inconsistent=False if raw else counters.inconsistent(session_id),
        **_claims(session_id),
        **_lots(session_id),
        **(
            _results_raw(session_id, single_session=single_session) if raw else _results(session_id)
        ),
    )


_Candidates = tuple[dict[str, list[int]], dict[str, int], int, int]


def _series_codes(session_id: int) -> dict[str, list[int]]:
    return {
        code: [0, 0]
        for (code,) in Series.select(Series.code)
        .where(Series.session == session_id)
        .order_by(Series.id)
        .tuples()
    }


def _candidates(session_id: int) -> _Candidates:
    """Series × scolaire × state, with the anomalies, from the counters."""
    per_series = _series_codes(session_id)
    states: dict[str, int] = {}
    missing_lvb = missing_centre = 0
    for row in counters.candidate_counts(session_id):
        states[row.state] = states.get(row.state, 0) + row.candidates
        if row.state == RegistrationState.ANNULEE:
            continue
        per_series.setdefault(row.series, [0, 0])[0 if row.scolaire else 1] += row.candidates
        missing_lvb += row.missing_lvb
        missing_centre += row.missing_centre
    return per_series, states, missing_lvb, missing_centre


def _candidates_raw(session_id: int, *, single_session: bool) -> _Candidates:
    """The same from one pass over the session's candidates (before the counters)."""
    C = Candidate
    per_series = _series_codes(session_id)
    states: dict[str, int] = {}
    missing_lvb = missing_centre = 0
    rows = C.select(
        C.series,
        C.status == "scolaire",
        C.state,
        pw.fn.COUNT(C.id),
        _count_if(worklists.condition("missing_lvb")),  # the lists F3 shows behind them
        _count_if(worklists.condition("missing_centre")),
    )
    if not single_session:
        # With one session, no WHERE: a plain table scan beats walking the (session, series) index.
        rows = rows.where(C.session == session_id)
    rows = rows.group_by(C.series, C.status == "scolaire", C.state).tuples()
    for series, scolaire, state, count, no_lvb, no_centre in rows:
        states[state] = states.get(state, 0) + count
        if state == RegistrationState.ANNULEE:
            continue
        per_series.setdefault(series, [0, 0])[0 if scolaire else 1] += count
        missing_lvb += int(no_lvb or 0)
        missing_centre += int(no_centre or 0)
    return per_series, states, missing_lvb, missing_centre


def grades_missing(session_id: int) -> int:
    """Registered épreuves with no first-group grade yet, from the counters."""
    return counters.grades_missing(session_id)


def grades_missing_raw(session_id: int, *, single_session: bool | None = None) -> int:
    """Registered épreuves with no first-group grade yet (kept grades and cancelled candidates excluded).

    An ABS, AJ or DI code counts as entered: only an empty grade is missing. A composite
    spécialité (ST2S, STHR) is stored as part-grades: it counts as entered once every part is.
    """
    if single_session is None:
        single_session = ExamSession.select().count() == 1
    R, C = Registration, Candidate
    query = (
        R.select(pw.fn.COUNT(R.id))
        .join(C, on=(R.candidate == C.id))
        .where(missing_where(session_id, single_session=single_session))
    )
    return int(query.scalar() or 0)


def logistics_checks(session_id: int) -> int:
    """The checks before printing (placement and orals) that are not met: F11's list."""
    from baktui.services.placement_checks import placement_checks

    return len(placement_checks(session_id, limit=LOGISTICS_LIMIT))


LOGISTICS_LIMIT = 1000  # the list F11 shows is read up to there


def _absences_open(year: int) -> int:
    """Examiner absences of the session's year still waiting for a replacement."""
    return (
        Absence.select()
        .where(
            (Absence.resolved == False)  # noqa: E712 (peewee expression)
            & Absence.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
        )
        .count()
    )


def _claims(session_id: int) -> dict[str, int]:
    E = ExpenseClaim
    counts = dict(
        E.select(E.state, pw.fn.COUNT(E.id))
        .where((E.session == session_id) & E.state.in_(CLAIM_OPEN))
        .group_by(E.state)
        .tuples()
    )
    return {
        "claims_declared": counts.get(ClaimState.DECLAREE, 0),
        "claims_service_fait": counts.get(ClaimState.SERVICE_FAIT, 0),
    }


def _lots(session_id: int) -> dict[str, int]:
    counts = lot_worklists.counts(session_id)  # the lists F4 shows behind them
    return {"lots_total": counts["all"], "lots_open": counts["open"]}


def _results(session_id: int) -> dict[str, dict[str, int]]:
    """Decisions and mentions of the last deliberation (empty before any), from the counters."""
    return _ordered(counters.result_counts(session_id))


def _results_raw(session_id: int, *, single_session: bool = False) -> dict[str, dict[str, int]]:
    """The same from one pass over the results (before the counters)."""
    query = Result.select(Result.decision, Result.mention, pw.fn.COUNT(Result.id))
    if not single_session:
        query = query.join(Candidate, on=(Result.candidate == Candidate.id)).where(
            Candidate.session == session_id
        )
    return _ordered(query.group_by(Result.decision, Result.mention).tuples())


def _ordered(rows: Iterable[tuple[str, str | None, int]]) -> dict[str, dict[str, int]]:
    results: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for decision, mention, count in rows:
        results[decision] = results.get(decision, 0) + count
        if mention:
            mentions[mention] = mentions.get(mention, 0) + count
    ordered = {d: results[d] for d in DECISIONS if d in results}
    ordered.update({d: n for d, n in results.items() if d not in ordered})
    return {"results": ordered, "mentions": mentions}
