"""The eligibility engine's bulk path: every examiner of a mission's discipline screened at
once, as sets of examiners refused for each reason, worded only for the few shown.

The replacement ranking (F5) checks 23,000 examiners for a Grand oral at national scale and
shows a hundred. :func:`tally` reads the examiners of the discipline as plain tuples (no name of
établissement or commune, no object per examiner) and the mission's day in bulk (absences,
availability, the day's missions, loads, distances), then gives every refusal code of
:func:`baktui.services.eligibility.refusals` as the set of examiners it refuses. The rules are
those of :mod:`baktui.rules.examiners`, asked once per distinct value (a corps, a disciplines
text, an hours range, a travel origin), never once per examiner; counting the refused by reason
is the size of a set. :meth:`Tally.evaluations` builds, for the examiners shown, the engine's
own :class:`~baktui.services.eligibility.Evaluation` with the refusals worded by
:func:`~baktui.services.eligibility.refusals` itself.

The codes are those of :func:`~baktui.services.eligibility.screen` examiner by examiner (the
tests compare both on a world where every rule refuses someone).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TypeVar

import peewee as pw

from baktui.data import sql
from baktui.data.models import Absence, Assignment, Availability, Examiner
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.rules.lifecycles import ASSIGNMENT_BUSY
from baktui.services import eligibility as engine
from baktui.services.examiners import examiner_rows
from baktui.services.missions import MissionSpec

# Columns of the examiners read: what the rules look at, and the names the ranking sorts by.
_COLUMNS = (
    Examiner.id,
    Examiner.corps,
    Examiner.disciplines,
    Examiner.etablissement,
    Examiner.active,
    Examiner.max_copies,
    Examiner.max_oral_hours,
    Examiner.home_commune,
    Examiner.admin_commune,
    Examiner.last_name,
    Examiner.first_name,
)
ID, CORPS, DISCIPLINES, ETAB, ACTIVE, MAX_COPIES, MAX_HOURS, HOME, ADMIN, LAST, FIRST = range(11)

V = TypeVar("V", bound=Hashable)


def _failing(values: Iterable[V], test: Callable[[V], bool]) -> set[V]:
    """The distinct values for which ``test`` (a rule) is false: asked once per value."""
    return {value for value in set(values) if not test(value)}


@dataclass(frozen=True)
class Tally:
    """Every examiner read (those of the mission's discipline, or all) checked against one
    mission: ``refused`` maps each reason code to the examiners it refuses."""

    spec: MissionSpec
    rows: Mapping[int, tuple]  # examiner id -> the columns of _COLUMNS, by id
    refused: Mapping[str, frozenset[int]]
    others: int  # examiners not read (another discipline): refused for it, never checked
    ctx: engine.DayContext  # the day read, without the missions' labels (``busy`` is empty)
    km: Mapping[int | None, tuple[int | None, str]]  # travel origin -> distance and source

    @cached_property
    def flagged(self) -> frozenset[int]:
        """The examiners read that some rule refuses."""
        return frozenset().union(*self.refused.values())

    def eligible(self) -> list[int]:
        """The examiners nothing refuses, by id."""
        flagged = self.flagged
        return [eid for eid in self.rows if eid not in flagged]

    def refused_for(self, codes: Iterable[str]) -> frozenset[int]:
        """The examiners refused for any of those codes."""
        return frozenset().union(*(self.refused.get(code, frozenset()) for code in codes))

    def counts(self) -> dict[str, int]:
        """Reason code -> examiners refused for it (the others' discipline included)."""
        counts = {code: len(ids) for code, ids in self.refused.items() if ids}
        if self.others:
            counts[engine.R_DISCIPLINE] = counts.get(engine.R_DISCIPLINE, 0) + self.others
        return counts

    @property
    def examined(self) -> int:
        return len(self.rows) + self.others

    def distance(self, eid: int) -> tuple[int | None, str]:
        row = self.rows[eid]
        return self.km[row[HOME] or row[ADMIN]]

    def load(self, eid: int) -> rules.Load:
        row = self.rows[eid]
        return rules.Load(
            copies=self.ctx.copies.get(eid, 0),
            max_copies=row[MAX_COPIES],
            oral_hours_centi=self.ctx.hours.get(eid, 0),
            max_oral_hours=row[MAX_HOURS],
        )

    def evaluations(self, *shown: Sequence[int]) -> list[list[engine.Evaluation]]:
        """The engine's evaluations of the examiners shown (lists of ids, read in two
        queries): their établissement and commune named, their refusals worded by
        :func:`~baktui.services.eligibility.refusals` (the day's missions of those refused as
        busy read again, with their labels)."""
        ids = sorted({eid for group in shown for eid in group})
        if not ids:
            return [[] for _ in shown]
        infos = {info.id: info for info in examiner_rows(ids)}
        # the missions of the day, with their labels, of those shown that some clash refuses
        # (the others' missions clash with nothing: no sentence to write)
        taken = sorted(self.refused.get(engine.R_BUSY, frozenset()).intersection(ids))
        busy: dict[int, list[tuple[str, str, str]]] = {}
        if taken:
            busy = engine.busy_missions(
                self.spec, lambda query, field: query.where(field.in_(taken))
            )
        day = replace(self.ctx, busy=busy)
        done = []
        for group in shown:
            done.append([])
            for eid in group:
                if eid not in infos:  # deleted by a colleague meanwhile
                    continue
                info, load = infos[eid], self.load(eid)
                km, source = self.distance(eid)
                reasons = tuple(engine.refusals(self.spec, info, load, day))
                done[-1].append(engine.Evaluation(info, reasons, km, source, load))
        return done


def tally(spec: MissionSpec) -> Tally:
    """Every examiner who may teach the mission's épreuve (all when the mission has none)
    checked against it, in a fixed number of bulk queries and set operations."""
    discipline = engine.discipline_of(spec)
    select = Examiner.select(*_COLUMNS)
    within = None  # the examiners read, as a subquery (None: all of them)
    if discipline:  # a superset (the LIKE): the rule then decides who teaches it exactly
        select = select.where(Examiner.disciplines.contains(discipline))
        within = Examiner.select(Examiner.id).where(Examiner.disciplines.contains(discipline))
    rows = {row[ID]: row for row in sql.fetch(select.order_by(Examiner.id))}
    others = Examiner.select().count() - len(rows) if discipline else 0
    ctx = _day(spec, within, narrow=len(rows) < others)
    refused = _refusals(spec, rows, ctx, _busy(spec, within))
    origins = {row[HOME] or row[ADMIN] for row in rows.values()}
    table, coordinates = engine.distances(spec.commune_id, {o for o in origins if o})
    km = {o: rules.distance_km(o, spec.commune_id, table, coordinates) for o in origins}
    return Tally(spec, rows, refused, others, ctx, km)


# What a row of the day's facts says of its examiner (one UNION ALL, three facts).
_ABSENT, _UNAVAILABLE, _AVAILABLE, _DECLARED = 0, 1, 2, 3


def _day(spec: MissionSpec, within: pw.Query | None, narrow: bool) -> engine.DayContext:
    """Absences and availability of the day for every examiner (a few hundred rows of
    integers: narrowing them to the discipline costs more than it saves), loads of those of
    the subquery ``within`` (the copies always: the session's lots joined to their copies cost
    most; the hours when ``narrow``, the discipline's examiners a minority); no missions."""
    today = pw.Case(None, [(Availability.available, _AVAILABLE)], _UNAVAILABLE)
    facts = (
        Absence.select(Absence.examiner, pw.Value(_ABSENT)).where(Absence.day == spec.day)
        + Availability.select(Availability.examiner, today).where(Availability.day == spec.day)
        + Availability.select(Availability.examiner, pw.Value(_DECLARED))
        .where(Availability.available)
        .distinct()
    )
    found: tuple[set[int], ...] = (set(), set(), set(), set())
    for examiner, fact in sql.fetch(facts):
        found[fact].add(examiner)
    absent, unavailable, available_today, declared = found

    def scoped(query: pw.ModelSelect, column: pw.Field) -> pw.ModelSelect:
        return query if within is None else query.where(column.in_(within))

    def mostly(query: pw.ModelSelect, column: pw.Field) -> pw.ModelSelect:
        # the session's hours are summed faster for all than for most examiners' subquery
        return scoped(query, column) if narrow else query

    return engine.DayContext(
        absent=absent,
        unavailable=unavailable,
        declared=declared,
        available_today=available_today,
        busy={},
        copies=engine.copy_loads(spec, scoped) if spec.copies else {},
        hours=engine.hour_loads(spec, mostly) if spec.hours_centi else {},
        members=engine.jury_members(spec.jury_id),
    )


def _busy(spec: MissionSpec, within: pw.Query | None) -> set[int]:
    """The examiners (of the discipline) whose missions of the day clash with the mission's
    hours: :func:`~baktui.rules.examiners.first_clash` asked once per distinct range."""
    query = Assignment.select(
        Assignment.examiner, Assignment.start_time, Assignment.end_time
    ).where(
        (Assignment.day == spec.day)
        & Assignment.state.in_(ASSIGNMENT_BUSY)
        & (Assignment.session == spec.session_id)
    )
    if spec.ignore_assignment_ids:
        query = query.where(Assignment.id.not_in(sorted(spec.ignore_assignment_ids)))
    if within is not None:
        query = query.where(Assignment.examiner.in_(within))
    taken = sql.fetch(query)
    clashing = _failing(  # the ranges for which "no clash" is false
        {(start, end) for _, start, end in taken},
        lambda hours: rules.first_clash([(*hours, "")], spec.start_time, spec.end_time) is None,
    )
    return {examiner for examiner, start, end in taken if (start, end) in clashing}


def _refusals(
    spec: MissionSpec, rows: Mapping[int, tuple], ctx: engine.DayContext, busy: set[int]
) -> dict[str, frozenset[int]]:
    """Each reason code of :func:`~baktui.services.eligibility.refusals` -> the examiners it
    refuses, rule by rule in the same order and on the same conditions."""
    ids = set(rows)
    replaced = spec.ignore_examiner_ids & ids
    out: dict[str, set[int]] = {
        engine.R_SELF: set(replaced),
        engine.R_INACTIVE: {eid for eid, row in rows.items() if not row[ACTIVE]},
    }
    code = spec.epreuve_code
    if spec.kind in missions.DISCIPLINE_KINDS and code:
        series = tuple(spec.series)
        wrong = _failing(
            (row[DISCIPLINES] for row in rows.values()),
            lambda text: rules.teaches(text, code, series),
        )
        out[engine.R_DISCIPLINE] = {eid for eid, row in rows.items() if row[DISCIPLINES] in wrong}
    corps = [row[CORPS] for row in rows.values()]
    barred = _failing(corps, lambda c: rules.may_examine(c, spec.kind))
    out[engine.R_CORPS] = {eid for eid, row in rows.items() if row[CORPS] in barred}
    if spec.seat_role in (missions.PRESIDENT, missions.VICE_PRESIDENT):
        rule = rules.may_preside if spec.seat_role == missions.PRESIDENT else rules.may_vice_preside
        unfit = _failing(corps, rule)
        reason = engine.R_PRESIDENT if spec.seat_role == missions.PRESIDENT else engine.R_VICE
        out[reason] = {eid for eid, row in rows.items() if row[CORPS] in unfit}
    if spec.jury_id is not None:
        out[engine.R_MEMBER] = (ctx.members & ids) - replaced
    concerned = spec.concerned
    out[engine.R_OWN] = {
        eid for eid, row in rows.items() if row[ETAB] is not None and row[ETAB] in concerned
    }
    absent = (ctx.absent & ids) - replaced
    out[engine.R_ABSENT] = absent
    out[engine.R_UNAVAILABLE] = (
        (ctx.unavailable | (ctx.declared - ctx.available_today)) & ids
    ) - absent
    out[engine.R_BUSY] = busy & ids
    out[engine.R_LOAD] = _overloaded(spec, rows, ctx)
    return {reason: frozenset(examiners) for reason, examiners in out.items() if examiners}


def _overloaded(spec: MissionSpec, rows: Mapping[int, tuple], ctx: engine.DayContext) -> set[int]:
    """The examiners whom the mission's copies or hours would take past their maximum."""
    found: set[int] = set()
    if spec.copies:
        copies, extra = ctx.copies, spec.copies
        found |= {
            eid
            for eid, row in rows.items()
            if rules.copies_exceeded(copies.get(eid, 0), row[MAX_COPIES], extra)
        }
    if spec.hours_centi:
        hours, extra = ctx.hours, spec.hours_centi
        found |= {
            eid
            for eid, row in rows.items()
            if rules.hours_exceeded(hours.get(eid, 0), row[MAX_HOURS], extra)
        }
    return found
