"""What the logistics screen shows (issue 15), a page at a time: the placement, the orals.

- the written placement per centre, room, épreuve and sitting (how many seated, the capacity,
  how many fixed by hand), then the candidates of one sitting by seat;
- the oral commissions (oral, number, centre, day and hours, room, members, slots), then the
  timetable of one commission: each slot, free or whose;
- the checks (:func:`baktui.services.placement_checks.placement_checks`), with where to go.

Lists are bounded (``limit``) and filtered by a typed text (a centre's code, an épreuve or oral
code, a room, a number). Plain dataclasses; no row of the base leaves this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from baktui.data.models import (
    Candidate,
    Centre,
    Convocation,
    Examiner,
    OralCommission,
    OralSlot,
    Room,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.services.missions import LIVE_CANDIDATES
from baktui.services.oral_commissions import plan_of
from baktui.services.oral_slots import commission_times

LIVE = LIVE_CANDIDATES


@dataclass(frozen=True)
class SittingRow:
    room_id: int
    centre: str
    room: str
    code: str
    day: dt.date
    start: str
    seated: int
    capacity: int
    fixed: int


@dataclass(frozen=True)
class PlaceRow:
    convocation_id: int
    candidate_id: int
    seat: int | None
    number: str
    name: str
    end: str
    extra_min: int
    fixed: bool


@dataclass(frozen=True)
class CommissionRow:
    id: int
    code: str
    number: int
    centre: str
    centre_id: int | None
    day: dt.date | None
    hours: str
    room: str
    series: str
    members: tuple[str, ...]  # « BERNARD C. »
    slots: int
    fixed: bool


@dataclass(frozen=True)
class SlotRow:
    start: str
    end: str
    slot_id: int | None  # None: free
    candidate_id: int | None
    number: str
    name: str
    fixed: bool


@dataclass(frozen=True)
class Page:
    rows: tuple[object, ...]
    total: int
    offset: int


def _search(text: str) -> str:
    return text.strip().upper()


def sittings(
    session_id: int,
    search: str = "",
    *,
    offset: int = 0,
    limit: int = 100,
    only: tuple[int, dt.date, str, str] | None = None,
) -> Page:
    """The written placement per centre, room, épreuve and sitting (filter: centre, room or
    épreuve code; ``only``: the one sitting (room, day, start, code))."""
    where = (Candidate.session == session_id) & LIVE & Convocation.room.is_null(False)
    if only is not None:
        room_id, day, start, code = only
        where &= (
            (Convocation.room == room_id) & (Convocation.day == day)
            & (Convocation.start_time == start) & (Convocation.epreuve_code == code)
        )  # fmt: skip
    if key := _search(search):
        where &= (
            (Centre.code.startswith(key)) | (Convocation.epreuve_code == key)
            | (pw.fn.UPPER(Room.name).startswith(key))
        )  # fmt: skip
    groups = (
        Convocation.select(Room.id, Centre.code, Room.name, Convocation.epreuve_code,
                           Convocation.day, Convocation.start_time, pw.fn.COUNT(Convocation.id),
                           Room.capacity,
                           pw.fn.SUM(pw.Case(None, [(Convocation.fixed_by_hand, 1)], 0)))
        .join(Candidate).switch(Convocation).join(Room).switch(Convocation).join(Centre)
        .where(where)
        .group_by(Room.id, Centre.code, Room.name, Convocation.epreuve_code, Convocation.day,
                  Convocation.start_time, Room.capacity)
    )  # fmt: skip
    total = groups.count()
    rows = groups.order_by(
        Centre.code, Convocation.day, Convocation.start_time, Convocation.epreuve_code, Room.name
    ).offset(offset).limit(limit).tuples()  # fmt: skip
    return Page(tuple(SittingRow(*row[:8], int(row[8] or 0)) for row in rows), total, offset)


def sitting_places(
    session_id: int, room_id: int, day: dt.date, start: str, code: str, *, offset: int = 0,
    limit: int = 200,
) -> Page:  # fmt: skip
    """The candidates of one room at one sitting, by seat."""
    where = (
        (Candidate.session == session_id) & LIVE & (Convocation.room == room_id)
        & (Convocation.day == day) & (Convocation.start_time == start)
        & (Convocation.epreuve_code == code)
    )  # fmt: skip
    query = Convocation.select(Convocation, Candidate).join(Candidate).where(where)
    total = query.count()
    rows = query.order_by(Convocation.seat, Candidate.name_key).offset(offset).limit(limit)
    return Page(
        tuple(
            PlaceRow(r.id, r.candidate_id, r.seat, r.candidate.number,
                     f"{r.candidate.last_name.upper()} {r.candidate.first_name}", r.end_time,
                     r.extra_min, r.fixed_by_hand)
            for r in rows
        ),
        total,
        offset,
    )  # fmt: skip


def room_id_of(session_id: int, centre_code: str, room_name: str) -> int:
    """A room by its centre's code and its name (case ignored)."""
    room = (
        Room.select(Room.id).join(Centre)
        .where((Centre.session == session_id) & (Centre.code == centre_code)
               & (pw.fn.UPPER(Room.name) == room_name.strip().upper()))
        .first()
    )  # fmt: skip
    if room is None:
        raise NotFoundError(f"Aucune salle « {room_name.strip()} » au centre {centre_code}.")
    return room.id


def _short(last: str | None, first: str | None) -> str:
    if not last:
        return ""
    return f"{last.upper()} {(first or '')[:1]}.".strip()


def commissions(
    session_id: int,
    search: str = "",
    *,
    offset: int = 0,
    limit: int = 100,
    only: int | None = None,
    number: tuple[str, int] | None = None,
) -> Page:
    """The oral commissions by day, oral and number (filter: oral code, centre code, number;
    ``only``: one commission by id; ``number``: by oral and number)."""
    where = OralCommission.session == session_id
    if only is not None:
        where &= OralCommission.id == only
    if number is not None:
        where &= (OralCommission.epreuve_code == number[0]) & (OralCommission.number == number[1])
    if key := _search(search):
        cond = (OralCommission.epreuve_code == key) | Centre.code.startswith(key)
        if key.isdigit():
            cond |= OralCommission.number == int(key)
        where &= cond
    ExaminerA, ExaminerB = Examiner.alias(), Examiner.alias()  # noqa: N806
    slots = OralSlot.select(pw.fn.COUNT(OralSlot.id)).where(
        OralSlot.commission == OralCommission.id
    )
    query = (
        OralCommission.select(OralCommission.id, OralCommission.epreuve_code,
                              OralCommission.number, Centre.code, OralCommission.centre,
                              OralCommission.day, OralCommission.start_time,
                              OralCommission.end_time, Room.name, OralCommission.series,
                              ExaminerA.last_name, ExaminerA.first_name, ExaminerB.last_name,
                              ExaminerB.first_name, slots.alias("n"), OralCommission.fixed_by_hand)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=OralCommission.centre == Centre.id)
        .switch(OralCommission).join(Room, pw.JOIN.LEFT_OUTER, on=OralCommission.room == Room.id)
        .switch(OralCommission)
        .join(ExaminerA, pw.JOIN.LEFT_OUTER, on=OralCommission.examiner_a == ExaminerA.id)
        .switch(OralCommission)
        .join(ExaminerB, pw.JOIN.LEFT_OUTER, on=OralCommission.examiner_b == ExaminerB.id)
        .where(where)
    )  # fmt: skip
    total = query.count()
    rows = query.order_by(OralCommission.day, OralCommission.epreuve_code, OralCommission.number)
    found = []
    for (cid, code, number, centre, centre_id, day, start, end, room, series, a_last, a_first,
         b_last, b_first, n, fixed) in rows.offset(offset).limit(limit).tuples():  # fmt: skip
        members = tuple(m for m in (_short(a_last, a_first), _short(b_last, b_first)) if m)
        found.append(CommissionRow(cid, code, number, centre or "—", centre_id, day,
                                   f"{start}-{end}" if start else "", room or "", series,
                                   members, n or 0, bool(fixed)))  # fmt: skip
    return Page(tuple(found), total, offset)


def timetable(session_id: int, commission_id: int) -> tuple[SlotRow, ...]:
    """Every slot of a commission's day, free or whose (a commission has a few dozen)."""
    com = OralCommission.get_or_none(
        (OralCommission.id == commission_id) & (OralCommission.session == session_id)
    )
    if com is None:
        raise NotFoundError(f"Commission d'oral n° {commission_id} introuvable.")
    try:
        plan = plan_of(session_id, com.epreuve_code)
    except ServiceError:
        plan = None
    closing = Centre.get_by_id(com.centre_id).closing_time if com.centre_id else "23:59"
    taken = {
        s.start_time: s
        for s in OralSlot.select(OralSlot, Candidate)
        .join(Candidate)
        .where(OralSlot.commission == com.id)
    }
    times = commission_times(com, plan, closing) if plan is not None else []
    rows: dict[str, SlotRow] = {start: SlotRow(start, end, None, None, "", "", False)
                                for start, end in times}  # fmt: skip
    for start, s in taken.items():
        c = s.candidate
        rows[start] = SlotRow(start, s.end_time, s.id, c.id, c.number,
                              f"{c.last_name.upper()} {c.first_name}", s.fixed_by_hand)  # fmt: skip
    return tuple(rows[k] for k in sorted(rows))


def slot_target(slot_id: int) -> tuple[int, str]:
    """The commission and start of a slot (where Entrée on a check about it goes)."""
    row = OralSlot.get_or_none(OralSlot.id == slot_id)
    if row is None or row.commission_id is None:
        raise NotFoundError(f"Créneau n° {slot_id} introuvable.")
    return row.commission_id, row.start_time
