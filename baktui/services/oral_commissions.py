"""Oral commissions (issue 15): who hears the orals, where and when (``baktui oraux constituer``).

The orals of a session (:mod:`baktui.rules.orals`): the Grand oral and the français oral of the
candidates registered (a kept grade or a grade carried from June excepted), the second-group
orals of the SECOND_GROUPE candidates who chose their subjects (group-2 grade rows). A
candidate is heard in the centre of the written placement (:func:`~baktui.services.placement.
centre_finder`), a second-group candidate in his jury's deliberation centre.

:func:`constitute` builds, per oral, centre and (Grand oral, second-group spécialité) série,
enough one-day commissions for the candidates: the days, hours and slot length are the oral's
setting (:func:`plan_of`). Each commission gets two examiners as the eligibility engine of F5
would: teachers of the discipline (the Grand oral: one spécialité of the série and another
discipline), never a teacher of an établissement whose candidates the centre hears (the
own-students rule), not absent or unavailable that day, not already busy at that time (another
commission, or a mission of F5; the examiner's own F5 convocation for that very oral, centre
and day is the one the commission stands for, and he or she is taken first), within his or her
oral hours. A commission that finds no second member is kept with one (the checks list it).
Commissions fixed by hand, and those with a slot fixed by hand, are kept; the others are
rebuilt. A run is one audit event with its counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import peewee as pw

from baktui.data import audit, sql
from baktui.data.db import write_transaction
from baktui.data.models import (
    Absence,
    Assignment,
    Availability,
    Candidate,
    Centre,
    Etablissement,
    Examiner,
    ExamSession,
    Grade,
    Jury,
    OralCommission,
    OralSlot,
    Registration,
    Result,
    Room,
    Setting,
)
from baktui.errors import ServiceError
from baktui.rules import orals
from baktui.rules.decision import SECOND_GROUPE
from baktui.rules.examiners import formal_name, parse_disciplines
from baktui.rules.french import plural
from baktui.rules.lifecycles import ASSIGNMENT_BUSY, RegistrationState
from baktui.rules.missions import duration_centi, kind_label
from baktui.rules.progress import Progress, silent
from baktui.services.placement import centre_finder
from baktui.services.replacement_session import to_sit
from baktui.services.settings import setting

FIELDS = ["session", "epreuve_code", "number", "centre", "room", "examiner_a", "examiner_b",
          "fixed_by_hand", "series", "day", "start_time", "end_time"]  # fmt: skip
LIVE = Candidate.state != RegistrationState.ANNULEE
SPECIALITES = frozenset(orals.SPECIALITES)


# --- The timetable and the candidates of each oral ------------------------------------------------


def plan_of(session_id: int, code: str) -> orals.OralPlan:
    """The oral's timetable, read from its setting (a French refusal when missing or wrong)."""
    key = orals.setting_key(code)
    text = setting(key)
    if text is None:
        raise ServiceError(
            f"{orals.label(code)} : les horaires des oraux ne sont pas définis. Renseignez le "
            f"paramètre « {key} » (F9 Organisation, Paramètres), par exemple « {orals.EXAMPLE} »."
        )
    year = ExamSession.get_by_id(session_id).year
    try:
        return orals.parse_plan(text, year)
    except ValueError as exc:
        raise ServiceError(f"Paramètre « {key} » : {exc}.") from None


def planned_codes(session_id: int) -> list[str]:
    """The orals whose timetable is set (the others are not planned, nor checked)."""
    stored = {
        k
        for (k,) in Setting.select(Setting.key)
        .where(Setting.key.in_(list(orals.SETTING_KEYS)) & (pw.fn.TRIM(Setting.value) != ""))
        .tuples()
    }
    return [code for code in orals.ORAL_CODES if orals.setting_key(code) in stored]


@dataclass(frozen=True)
class OralCandidate:
    id: int
    series: str
    etablissement_id: int | None
    centre_id: int | None
    key: str  # name key: the order of the slots


def _sitting(session_id: int, code: str) -> pw.Select:
    """The candidates who sit this oral: (id, series, établissement, own centre, postcode,
    name key, centre of the jury for a second-group oral)."""
    live = (Candidate.session == session_id) & LIVE
    if code.startswith(orals.SECOND_GROUP):
        subject = code.removeprefix(orals.SECOND_GROUP)
        return (
            Grade.select(Candidate.id, Candidate.series, Candidate.etablissement,
                         Candidate.centre, Candidate.postcode, Candidate.name_key, Jury.centre)
            .join(Candidate, on=Grade.candidate == Candidate.id)
            .join(Result, on=Result.candidate == Candidate.id)
            .switch(Candidate).join(Jury, pw.JOIN.LEFT_OUTER, on=Candidate.jury == Jury.id)
            .where(live & (Grade.group == 2) & (Grade.epreuve_code == subject)
                   & (Result.decision == SECOND_GROUPE))
        )  # fmt: skip
    return (
        Registration.select(Candidate.id, Candidate.series, Candidate.etablissement,
                            Candidate.centre, Candidate.postcode, Candidate.name_key,
                            pw.Value(None))
        .join(Candidate, on=Registration.candidate == Candidate.id)
        .where(live & (Registration.epreuve_code == code)
               & Registration.kept_session.is_null() & to_sit(session_id))
    )  # fmt: skip


def without_slot(session_id: int, code: str, limit: int) -> list[int]:
    """The candidates who sit this oral and have no slot for it yet, by name, at most
    ``limit``: one anti-join (F11's checks and the home count do not read every candidate)."""
    has_slot = OralSlot.select(OralSlot.id).where(
        (OralSlot.candidate == Candidate.id) & (OralSlot.epreuve_code == code)
    )
    query = (
        _sitting(session_id, code)
        .select(Candidate.id)
        .where(~pw.fn.EXISTS(has_slot))
        .order_by(Candidate.name_key, Candidate.id)
        .limit(limit)
    )
    return [cid for (cid,) in query.tuples()]


def oral_candidates(session_id: int, code: str) -> list[OralCandidate]:
    """Who sits this oral, with the centre where he or she is heard, by name."""
    find = centre_finder(session_id)
    query = _sitting(session_id, code)
    found = [
        OralCandidate(cid, series, etab, jury_centre or find(own, etab, postcode or ""), key)
        for cid, series, etab, own, postcode, key, jury_centre in sql.fetch(query)
    ]
    found.sort(key=lambda c: (c.key, c.id))
    return found


# --- The examiners, read in bulk ------------------------------------------------------------------


@dataclass
class Pool:
    """Every examiner as the commissions need them: who they are, when they are taken."""

    members: dict[int, orals.Member]
    codes: dict[int, frozenset[str]]  # the discipline codes each lists (GO…)
    max_centi: dict[int, int]
    load: dict[int, int]  # oral hours given, in hundredths
    busy: dict[tuple[int, dt.date], list[tuple[str, str, str, int | None]]]  # + assignment id
    convened: dict[tuple[int, str, dt.date, int | None], tuple[int, int]]  # -> (id, hours)
    off: set[tuple[int, dt.date]]  # absent or unavailable that day
    declared: dict[int, set[dt.date]]  # the days an examiner declared available (if any)
    absorbed: set[int] = field(default_factory=set)  # F5 convocations a commission stands for
    places: dict[tuple[str, int | None, dt.date], set[int]] = field(default_factory=dict)

    def convened_count(self, code: str, centre: int | None, day: dt.date) -> int:
        """Examiners convened in F5 for this oral, centre and day, not yet in a commission."""
        return len(self.places.get((code, centre, day), ()))

    def free(self, eid: int, day: dt.date, start: str, end: str) -> bool:
        if (eid, day) in self.off:
            return False
        for other_start, other_end, _what, aid in self.busy.get((eid, day), ()):
            if aid is not None and aid in self.absorbed:
                continue
            if other_start < end and start < other_end:
                return False
        return True

    def take(self, eid: int, code: str, day: dt.date, centre: int | None, start: str,
             end: str, what: str, hours: int) -> None:  # fmt: skip
        """The examiner sits on a commission: busy then, and its hours (hundredths) counted."""
        hit = self.convened.get((eid, code, day, centre))
        if hit is not None and hit[0] not in self.absorbed:
            self.absorbed.add(hit[0])
            self.load[eid] -= hit[1]
            self.places.get((code, centre, day), set()).discard(hit[0])
        self.busy[(eid, day)].append((start, end, what, None))
        self.load[eid] += hours

    def within_load(self, eid: int, code: str, day: dt.date, centre: int | None,
                    hours: int) -> bool:  # fmt: skip
        hit = self.convened.get((eid, code, day, centre))
        credit = hit[1] if hit is not None and hit[0] not in self.absorbed else 0
        return self.load[eid] - credit + hours <= self.max_centi[eid]


def _oral_code(kind: str, code: str | None) -> str | None:
    if kind != "oral" or not code:
        return None
    if code in orals.FIRST_GROUP_ORALS:
        return code
    return orals.second_group_code(code) if code in orals.SECOND_GROUP_SUBJECTS else None


def examiner_pool(session_id: int) -> Pool:
    """The examiners, their F5 missions, absences and availability (a few grouped queries)."""
    members: dict[int, orals.Member] = {}
    codes: dict[int, frozenset[str]] = {}
    max_centi: dict[int, int] = {}
    for eid, civ, last, first, disc, corps, etab, max_hours in (
        Examiner.select(Examiner.id, Examiner.civility, Examiner.last_name, Examiner.first_name,
                        Examiner.disciplines, Examiner.corps, Examiner.etablissement,
                        Examiner.max_oral_hours)
        .where(Examiner.active).order_by(Examiner.id).tuples()
    ):  # fmt: skip
        members[eid] = orals.Member(eid, formal_name(civ, last, first), disc, corps, etab)
        codes[eid] = frozenset(c for c, _ in parse_disciplines(disc))
        max_centi[eid] = (max_hours or 0) * 100
    load: dict[int, int] = defaultdict(int)
    busy: dict[tuple[int, dt.date], list[tuple[str, str, str, int | None]]] = defaultdict(list)
    convened: dict[tuple[int, str, dt.date, int | None], tuple[int, int]] = {}
    for aid, eid, kind, code, day, start, end, centre, hours in (
        Assignment.select(Assignment.id, Assignment.examiner, Assignment.kind,
                          Assignment.epreuve_code, Assignment.day, Assignment.start_time,
                          Assignment.end_time, Assignment.centre, Assignment.hours_centi)
        .where((Assignment.session == session_id) & Assignment.state.in_(ASSIGNMENT_BUSY))
        .tuples()
    ):  # fmt: skip
        what = kind_label(kind).lower() + (f" {code}" if code else "")
        busy[(eid, day)].append((start, end, what, aid))
        if kind in ("oral", "pratique"):
            load[eid] += hours or 0
        oral = _oral_code(kind, code)
        if oral is not None:
            convened[(eid, oral, day, centre)] = (aid, hours or 0)
    off = {(e, d) for e, d in Absence.select(Absence.examiner, Absence.day).tuples()}
    declared: dict[int, set[dt.date]] = defaultdict(set)
    for e, d, available in Availability.select(
        Availability.examiner, Availability.day, Availability.available
    ).tuples():
        if available:
            declared[e].add(d)
        else:
            off.add((e, d))
    places: dict[tuple[str, int | None, dt.date], set[int]] = defaultdict(set)
    for (_eid, code, day, centre), (aid, _hours) in convened.items():
        places[(code, centre, day)].add(aid)
    return Pool(members, codes, max_centi, load, busy, convened, off, declared, places=places)


def _available(pool: Pool, eid: int, day: dt.date) -> bool:
    """An examiner who declared available days is taken on those days only."""
    days = pool.declared.get(eid)
    return not days or day in days


def commission_hours(commission: OralCommission, plans: dict[str, orals.OralPlan]) -> int:
    """A commission's oral hours (hundredths): its slots × their length (its hours' span when
    the oral's timetable is not at hand)."""
    plan = plans.get(commission.epreuve_code)
    if plan is None:
        return duration_centi(commission.start_time, commission.end_time)
    return len(_times(plan, commission, "23:59")) * plan.slot_min * 100 // 60


def _times(plan: orals.OralPlan, commission: OralCommission, closing: str) -> list[tuple[str, str]]:
    """The oral's slots within the commission's hours."""
    return [(a, b) for a, b in plan.slots(closing)
            if commission.start_time <= a and b <= (commission.end_time or "23:59")]  # fmt: skip


def commission_busy(
    pool: Pool, commissions: Iterable[OralCommission], plans: dict[str, orals.OralPlan]
) -> None:
    """The commissions kept: their members are taken then."""
    for c in commissions:
        for eid in (c.examiner_a_id, c.examiner_b_id):
            if eid in pool.members and c.day is not None:
                pool.take(eid, c.epreuve_code, c.day, c.centre_id, c.start_time, c.end_time,
                          f"{orals.label(c.epreuve_code)} commission n° {c.number}",
                          commission_hours(c, plans))  # fmt: skip


# --- Staffing one commission ----------------------------------------------------------------------


def _concerned(session_id: int, candidates: list[OralCandidate]) -> dict[int, tuple[str, int]]:
    """Établissements of the candidates (id -> (name, how many)), the own-students rule's input."""
    counts: dict[int, int] = defaultdict(int)
    for c in candidates:
        if c.etablissement_id is not None:
            counts[c.etablissement_id] += 1
    names = dict(
        Etablissement.select(Etablissement.id, Etablissement.name)
        .where(Etablissement.id.in_(list(counts)))
        .tuples()
    ) if counts else {}  # fmt: skip
    return {e: (names.get(e, ""), n) for e, n in counts.items()}


def staff(pool: Pool, code: str, series: str, day: dt.date, start: str, end: str, hours: int,
          centre: int | None, concerned: dict[int, tuple[str, int]],
          qualified: list[int]) -> list[int]:  # fmt: skip
    """The two examiners of a commission (fewer when nobody else is allowed), best first: the
    examiner convened in F5 for this oral, centre and day, then one who lists the oral, then
    the least loaded."""

    load, ceiling, members, off = pool.load, pool.max_centi, pool.members, pool.off

    def allowed(eid: int) -> bool:
        # the cheap tests first: this runs for every qualified examiner of every commission
        if load[eid] + hours > ceiling[eid] and not pool.within_load(eid, code, day, centre, hours):
            return False
        return (
            members[eid].etablissement_id not in concerned
            and (eid, day) not in off
            and _available(pool, eid, day)
            and pool.free(eid, day, start, end)
        )

    def rank(eid: int) -> tuple[bool, bool, int, int]:
        convened = (eid, code, day, centre) in pool.convened
        return (not convened, code not in pool.codes[eid], pool.load[eid], eid)

    ranked = sorted((e for e in qualified if allowed(e)), key=rank)
    chosen: list[int] = []
    if code == orals.GRAND_ORAL:
        first = next((e for e in ranked if orals.specialites_of(pool.members[e], series)), None)
        if first is None:
            return []
        chosen.append(first)
        # the other discipline: a teacher of no spécialité first (they are scarce)
        others = sorted(ranked, key=lambda e: (rank(e)[0], bool(pool.codes[e] & SPECIALITES),
                                               *rank(e)[1:]))  # fmt: skip
        second = next(
            (e for e in others
             if orals.pair_error(code, series, pool.members[first], pool.members[e]) is None),
            None,
        )  # fmt: skip
        if second is not None:
            chosen.append(second)
        return chosen
    return ranked[: orals.MEMBERS]


# --- The run --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommissionSummary:
    per_code: tuple[tuple[str, int, int], ...]  # (code, commissions, kept)
    incomplete: int  # without two members
    candidates: int
    capacity: int  # slots of the commissions

    def render(self) -> str:
        if not self.per_code:
            return "Commissions d'oral : aucun oral à organiser (horaires non définis ou aucun candidat)."
        parts = []
        for code, count, kept in self.per_code:
            text = f"{orals.label(code)} {plural(count, 'commission')}"
            if kept:
                text += f" (dont {kept} {'conservée' if kept < 2 else 'conservées'})"
            parts.append(text)
        tail = (
            f" ; {plural(self.incomplete, 'commission')} sans deux membres"
            if self.incomplete
            else " ; chacune a ses deux membres"
        )
        return (
            f"Commissions d'oral : {', '.join(parts)}{tail} ; "
            f"{plural(self.capacity, 'créneau', 'créneaux')} pour "
            f"{plural(self.candidates, 'candidat-oral', 'candidats-oraux')}. "
            "Puis : baktui oraux planifier."
        )


def wanted_codes(session_id: int, codes: Iterable[str] | None) -> list[str]:
    wanted = list(codes) if codes else planned_codes(session_id)
    if not wanted:
        raise ServiceError(
            "Aucun oral à organiser : leurs horaires ne sont pas définis. Renseignez les "
            f"paramètres « {' », « '.join(orals.SETTING_KEYS)} » (F9 Organisation, "
            f"Paramètres), par exemple « {orals.EXAMPLE} »."
        )
    for code in wanted:
        if not orals.is_oral(code):
            raise ServiceError(f"Oral « {code} » inconnu : {', '.join(orals.ORAL_CODES)}.")
    return wanted


def kept_commissions(session_id: int, codes: list[str]) -> list[OralCommission]:
    """Commissions fixed by hand or holding a slot fixed by hand: a new run keeps them."""
    fixed_slot = OralSlot.select(OralSlot.id).where(
        (OralSlot.commission == OralCommission.id) & OralSlot.fixed_by_hand
    )
    return list(
        OralCommission.select().where(
            (OralCommission.session == session_id) & OralCommission.epreuve_code.in_(codes)
            & (OralCommission.fixed_by_hand | pw.fn.EXISTS(fixed_slot))
        )
    )  # fmt: skip


def constitute(
    session_id: int, codes: Iterable[str] | None = None, *, progress: Progress | None = None
) -> CommissionSummary:
    """Build the commissions of the orals (those whose timetable is set, or ``codes``).
    ``progress(done, total)``: nothing counted while reading, then the candidates of the
    orals, told before each centre's (and série's) commissions are staffed; one transaction,
    rolled back if it raises."""
    tell = progress or silent
    tell(0, None)
    wanted = wanted_codes(session_id, codes)
    plans = {code: plan_of(session_id, code) for code in wanted}
    centres = {c.id: c for c in Centre.select().where(Centre.session == session_id)}
    rooms: dict[int, list[int]] = defaultdict(list)
    for rid, cid in (
        Room.select(Room.id, Room.centre).join(Centre)
        .where((Centre.session == session_id) & Room.active).order_by(Room.name).tuples()
    ):  # fmt: skip
        rooms[cid].append(rid)
    pool = examiner_pool(session_id)
    per_code: list[tuple[str, int, int]] = []
    incomplete = total = capacity = 0
    with write_transaction():
        kept = kept_commissions(session_id, wanted)
        kept_ids = [c.id for c in kept]
        rebuilt = OralCommission.select(OralCommission.id).where(
            (OralCommission.session == session_id) & OralCommission.epreuve_code.in_(wanted)
            & OralCommission.id.not_in(kept_ids or [0])
        )  # fmt: skip
        OralSlot.delete().where(
            OralSlot.commission.in_(rebuilt) & ~OralSlot.fixed_by_hand
        ).execute()
        OralCommission.delete().where(OralCommission.id.in_(rebuilt)).execute()
        # every commission still standing takes its members' time (other orals' too)
        commission_busy(pool, OralCommission.select().where(
            (OralCommission.session == session_id) & OralCommission.day.is_null(False)), plans)  # fmt: skip
        used_rooms = {
            (c.centre_id, c.day, c.room_id)
            for c in OralCommission.select().where(OralCommission.session == session_id)
        }
        rows: list[tuple[object, ...]] = []
        sitters = {code: oral_candidates(session_id, code) for code in wanted}
        count, done = sum(len(found) for found in sitters.values()), 0
        for code in wanted:
            plan = plans[code]
            mine = [c for c in kept if c.epreuve_code == code]
            number = max((c.number for c in OralCommission.select(OralCommission.number).where(
                (OralCommission.session == session_id)
                & (OralCommission.epreuve_code == code))), default=0)  # fmt: skip
            groups: dict[tuple[int | None, str], list[OralCandidate]] = defaultdict(list)
            candidates = sitters.pop(code)
            total += len(candidates)
            for c in candidates:
                series = c.series if code in orals.BY_SERIES else ""
                groups[(c.centre_id, series)].append(c)
            qualified_of: dict[str, list[int]] = {}
            created = 0
            turn = 0  # the day the next commission tries first: spread over the days
            for (centre_id, series), group in sorted(groups.items(), key=lambda g: (
                    centres[g[0][0]].code if g[0][0] in centres else "", g[0][1])):  # fmt: skip
                tell(done, count)
                done += len(group)
                centre = centres.get(centre_id) if centre_id is not None else None
                if centre is None:
                    continue
                slots = plan.slots(centre.closing_time)
                if not slots:
                    continue
                held = sum(len(_times(plan, c, centre.closing_time)) for c in mine
                           if c.centre_id == centre_id and c.series == series)  # fmt: skip
                capacity += held
                # full days, then one as long as the candidates left need (its end earlier)
                left = max(0, len(group) - held)
                sizes = [len(slots)] * (left // len(slots)) + (
                    [left % len(slots)] if left % len(slots) else []
                )
                if series not in qualified_of:
                    qualified_of[series] = [
                        e for e, m in pool.members.items()
                        if orals.member_error(m, code, series) is None
                    ]  # fmt: skip
                concerned = _concerned(session_id, group)
                for size in sizes:
                    number += 1
                    # convened for the day (its candidates have written épreuves too), paid
                    # for the slots it is expected to hear
                    start, end = slots[0][0], slots[-1][1]
                    hours = size * plan.slot_min * 100 // 60
                    best: tuple[list[int], dt.date] | None = None
                    # the days examiners were convened for (F5) first, then in turn
                    days = sorted(plan.days, key=lambda d: (
                        -pool.convened_count(code, centre_id, d),
                        (plan.days.index(d) - turn) % len(plan.days)))  # fmt: skip
                    for day in days:
                        found = staff(pool, code, series, day, start, end, hours, centre_id,
                                      concerned, qualified_of[series])  # fmt: skip
                        if best is None or len(found) > len(best[0]):
                            best = (found, day)
                        if len(found) == orals.MEMBERS:
                            break
                    assert best is not None
                    members, day = best
                    turn += 1
                    what = f"{orals.label(code)} commission n° {number}"
                    for eid in members:
                        pool.take(eid, code, day, centre_id, start, end, what, hours)
                    room = next((r for r in rooms.get(centre_id, [])
                                 if (centre_id, day, r) not in used_rooms), None)  # fmt: skip
                    used_rooms.add((centre_id, day, room))
                    a, b = (members + [None, None])[:2]
                    rows.append((session_id, code, number, centre_id, room, a, b, False, series,
                                 day, start, end))  # fmt: skip
                    incomplete += len(members) < orals.MEMBERS
                    capacity += len(slots)
                    created += 1
            incomplete += sum(1 for c in mine if c.examiner_a_id is None or c.examiner_b_id is None)
            if created or mine or candidates:  # an oral nobody sits (yet) is not reported
                per_code.append((code, created + len(mine), len(mine)))
        sql.executemany(sql.insert_sql(OralCommission, FIELDS), rows)
        audit.log(
            "event", "session", session_id, "commissions_oral",
            after=f"{len(rows)} commissions, {len(kept)} conservées, {incomplete} incomplètes",
            reason="constitution des commissions d'oral",
        )  # fmt: skip
        tell(count, count)  # in the transaction: a stop here still writes nothing
    return CommissionSummary(tuple(per_code), incomplete, total, capacity)
