"""The orals' checks before printing (issue 15), added to the placement's checks.

Read from the commissions and slots as they stand (a run of ``baktui oraux`` plus what was
fixed by hand): commissions without their two members, candidates of an oral whose timetable
is set who have no slot, slots ending after the centre's closing, and the clashes: a candidate
twice at once (two orals, or an oral and a written épreuve, the preparation before the slot
included), an examiner on two commissions at once, a room holding two commissions at once, an
examiner hearing his or her own students. Each line carries where to fix it (``target``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from baktui.data import sql
from baktui.data.models import (
    Candidate,
    Centre,
    Convocation,
    Examiner,
    OralCommission,
    OralSlot,
    Room,
)
from baktui.errors import ServiceError
from baktui.rules import orals
from baktui.rules.examiners import formal_name
from baktui.rules.french import plural
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.placement import Sitting, overlaps
from baktui.services.oral_commissions import plan_of, planned_codes, without_slot
from baktui.services.oral_slots import oral_sitting

ORAL_KINDS = {
    "members": "Commission d'oral sans ses deux membres",
    "no_slot": "Candidat sans créneau à un oral",
    "oral_closing": "Créneau d'oral après la fermeture du centre",
    "clash": "Chevauchement (candidat, examinateur ou salle pris deux fois)",
    "own": "Examinateur face à ses propres élèves",
}


@dataclass(frozen=True)
class PlacementCheck:
    kind: str
    text: str
    # what the logistics screen opens: ("sitting", room, day, start, code), ("commission", id),
    # ("slot", id), ("candidate", id) or ("no_slot", candidate, code); () for nothing
    target: tuple[object, ...] = ()


def as_date(value: object) -> dt.date:
    """A date as SQLite (text) or PostgreSQL (a date) returns it in a raw row."""
    if isinstance(value, dt.date):
        return value
    return _DAYS.setdefault(str(value), dt.date.fromisoformat(str(value)[:10]))


_DAYS: dict[str, dt.date] = {}


def _when(com: OralCommission) -> str:
    return f"{com.day:%d/%m/%Y}" if com.day else "jour non fixé"


def _commission_text(com: OralCommission, centres: dict[int, str]) -> str:
    return (
        f"{orals.label(com.epreuve_code)} commission n° {com.number} "
        f"({centres.get(com.centre_id, '—')}, {_when(com)})"
    )


def oral_checks(session_id: int, *, limit: int = 500) -> list[PlacementCheck]:
    """Every problem of the orals (at most ``limit`` lines)."""
    commissions = {
        c.id: c for c in OralCommission.select().where(OralCommission.session == session_id)
    }
    codes = planned_codes(session_id)
    if not commissions and not codes:
        return []
    centres = dict(
        Centre.select(Centre.id, Centre.code).where(Centre.session == session_id).tuples()
    )
    closing = dict(
        Centre.select(Centre.id, Centre.closing_time).where(Centre.session == session_id).tuples()
    )
    found: list[PlacementCheck] = []
    for com in sorted(commissions.values(), key=lambda c: (c.epreuve_code, c.number)):
        members = sum(1 for e in (com.examiner_a_id, com.examiner_b_id) if e)
        if members < orals.MEMBERS:
            found.append(PlacementCheck(
                "members", f"{_commission_text(com, centres)} : {members} membre sur 2",
                ("commission", com.id)))  # fmt: skip
    slots = sql.fetch(
        OralSlot.select(OralSlot.id, OralSlot.candidate, OralSlot.epreuve_code, OralSlot.day,
                        OralSlot.start_time, OralSlot.end_time, OralSlot.commission,
                        Candidate.number, Candidate.last_name, Candidate.first_name,
                        Candidate.etablissement)
        .join(Candidate)
        .where((Candidate.session == session_id)
               & (Candidate.state != RegistrationState.ANNULEE))
    )  # fmt: skip
    slots = [(*row[:3], as_date(row[3]), *row[4:]) for row in slots]
    for code in codes:
        missing = without_slot(session_id, code, limit)
        if not missing:
            continue
        names = dict(
            (cid, (number, last, first))
            for cid, number, last, first in Candidate.select(
                Candidate.id, Candidate.number, Candidate.last_name, Candidate.first_name
            )
            .where(Candidate.id.in_(missing))
            .tuples()
        )
        for cid in missing:
            number, last, first = names[cid]
            found.append(PlacementCheck(
                "no_slot", f"{last.upper()} {first} (n° {number}) : aucun créneau en {orals.label(code)}",
                ("no_slot", cid, code)))  # fmt: skip
        if len(found) >= limit:
            return found[:limit]
    preps: dict[str, int] = {}

    def prep(code: str) -> int:
        if code not in preps:
            try:
                preps[code] = plan_of(session_id, code).prep_min
            except ServiceError:
                preps[code] = 0
        return preps[code]

    late: set[int] = set()
    by_candidate: dict[int, list[tuple[Sitting, int, str]]] = defaultdict(list)
    for sid, cid, code, day, start, end, com_id, number, last, first, _etab in slots:
        who = f"{last.upper()} {first} (n° {number})"
        com = commissions.get(com_id)
        if com is not None and com.centre_id and end > closing.get(com.centre_id, "23:59"):
            if com.id not in late:
                late.add(com.id)
                found.append(PlacementCheck("oral_closing", (
                    f"{_commission_text(com, centres)} : créneau de {start} à {end}, le centre "
                    f"ferme à {closing[com.centre_id]}"), ("slot", sid)))  # fmt: skip
        sitting = oral_sitting(code, day, start, end, prep(code))
        for other, _other_id, _ in by_candidate[cid]:
            if overlaps(sitting, other):
                found.append(PlacementCheck("clash", (
                    f"{who} : {sitting.what} et {other.what} le {day:%d/%m/%Y} se chevauchent"),
                    ("slot", sid)))  # fmt: skip
        by_candidate[cid].append((sitting, sid, who))
    if by_candidate:
        _written_clashes(session_id, by_candidate, found)
    _examiner_and_room_clashes(commissions, centres, found)
    _own_students(slots, commissions, found)
    return found[:limit]


def _written_clashes(
    session_id: int,
    by_candidate: dict[int, list[tuple[Sitting, int, str]]],
    found: list[PlacementCheck],
) -> None:
    """An oral (with its preparation) at the time of one of the candidate's written épreuves:
    the database pairs each slot with the written épreuves of its candidate that day."""
    slots = {sid: (sitting, who) for held in by_candidate.values() for sitting, sid, who in held}
    same_day = (
        OralSlot.select(OralSlot.id, Convocation.epreuve_code, Convocation.start_time,
                        Convocation.end_time)
        .join(Convocation, on=(Convocation.candidate == OralSlot.candidate)
              & (Convocation.day == OralSlot.day))
        .join(Candidate, on=OralSlot.candidate == Candidate.id)
        .where((Candidate.session == session_id) & (Convocation.end_time != ""))
    )  # fmt: skip
    for sid, code, start, end in sql.fetch(same_day):
        if sid not in slots:
            continue
        sitting, who = slots[sid]
        written = Sitting(f"l'épreuve écrite {code} ({start}-{end})", sitting.day, start, end)
        if overlaps(sitting, written):
            found.append(PlacementCheck("clash", (
                f"{who} : {sitting.what} et {written.what} le {sitting.day:%d/%m/%Y} se "
                "chevauchent"), ("slot", sid)))  # fmt: skip


def _examiner_and_room_clashes(
    commissions: dict[int, OralCommission], centres: dict[int, str], found: list[PlacementCheck]
) -> None:
    by_examiner: dict[tuple[int, object], list[OralCommission]] = defaultdict(list)
    by_room: dict[tuple[int, object], list[OralCommission]] = defaultdict(list)
    for com in commissions.values():
        if com.day is None:
            continue
        for eid in {com.examiner_a_id, com.examiner_b_id} - {None}:
            by_examiner[(eid, com.day)].append(com)
        if com.room_id:
            by_room[(com.room_id, com.day)].append(com)
    names = {}
    wanted = {eid for eid, _ in by_examiner}
    if wanted:
        names = {
            e: formal_name(civ, last, first)
            for e, civ, last, first in Examiner.select(
                Examiner.id, Examiner.civility, Examiner.last_name, Examiner.first_name
            )
            .where(Examiner.id.in_(list(wanted)))
            .tuples()
        }
    rooms = {}
    if by_room:
        rooms = dict(
            Room.select(Room.id, Room.name).where(Room.id.in_([r for r, _ in by_room])).tuples()
        )
    for groups, what in ((by_examiner, "examiner"), (by_room, "room")):
        for (key, _day), same_day in sorted(groups.items(), key=lambda g: (str(g[0][1]), g[0][0])):
            same_day.sort(key=lambda c: c.start_time)
            for first, second in zip(same_day, same_day[1:], strict=False):
                if first.end_time <= second.start_time:
                    continue
                subject = (
                    names.get(key, "?") if what == "examiner" else f"salle {rooms.get(key, '?')}"
                )
                found.append(PlacementCheck("clash", (
                    f"{subject} : {_commission_text(first, centres)} et "
                    f"{_commission_text(second, centres)} à la même heure"),
                    ("commission", second.id)))  # fmt: skip


def _own_students(
    slots: list[tuple[object, ...]],
    commissions: dict[int, OralCommission],
    found: list[PlacementCheck],
) -> None:
    ids = {e for c in commissions.values() for e in (c.examiner_a_id, c.examiner_b_id) if e}
    if not ids:
        return
    teaches = {
        e: (etab, formal_name(civ, last, first))
        for e, etab, civ, last, first in Examiner.select(
            Examiner.id, Examiner.etablissement, Examiner.civility, Examiner.last_name,
            Examiner.first_name,
        ).where(Examiner.id.in_(list(ids)) & Examiner.etablissement.is_null(False)).tuples()
    }  # fmt: skip
    for sid, _cid, code, day, start, _end, com_id, number, last, first, etab in slots:
        com = commissions.get(com_id)
        if com is None or etab is None:
            continue
        for eid in (com.examiner_a_id, com.examiner_b_id):
            hit = teaches.get(eid)
            if hit is not None and hit[0] == etab:
                found.append(PlacementCheck("own", (
                    f"{hit[1]} enseigne dans l'établissement de {last.upper()} {first} "
                    f"(n° {number}), {orals.label(code)} le {day:%d/%m/%Y} à {start}"),
                    ("slot", sid)))  # fmt: skip


def count_text(checks: list[PlacementCheck]) -> str:
    return plural(len(checks), "anomalie")
