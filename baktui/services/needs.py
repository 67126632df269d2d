"""What is uncovered: absent examiners' missions, oral slots, lots and juries still without anyone.

:func:`day_board` lists every need of a day so that nothing is forgotten (the F5 « Besoins du
jour » tab); :func:`needs_of_absence` and :func:`get_need` the missions one absence leaves, which
the replacement screen ranks replacements for. An absent examiner's mission is a need while it
is active (``prevue`` or ``convoquee``) and its examiner is absent that day; each need carries
the établissements of the candidates it concerns (the own-students rule) in a few grouped
queries, never one per mission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import peewee as pw

from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Candidate,
    Centre,
    Etablissement,
    Examiner,
    Jury,
    Lot,
    OralSlot,
    Room,
)
from baktui.errors import NotFoundError
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE, ASSIGNMENT_CLOSED
from baktui.services.examiners import assignments_query, copies_of_lots, slot_counts

SOURCE_ABSENCE = "absence"
SOURCE_SLOTS = "creneaux"
SOURCE_LOT = "lot"
SOURCE_PRESIDENT = "president"


@dataclass(frozen=True)
class Need:
    """Something uncovered: an absent examiner's mission (replaceable here) or a gap to fill."""

    source: str
    label: str  # what, in one line
    day: dt.date | None
    start_time: str = ""
    end_time: str = ""
    centre: str = ""
    assignment_id: int | None = None
    version: int = 0
    kind: str = ""
    epreuve_code: str = ""
    examiner_id: int | None = None
    examiner: str = ""  # the absent examiner
    examiner_civility: str = ""  # « Mme », « M. »: the messages agree with it
    absence_reason: str = ""
    etablissements: str = ""  # of the candidates concerned
    count: int = 0  # copies, candidates or slots

    @property
    def replaceable(self) -> bool:
        return self.assignment_id is not None

    @property
    def hours(self) -> str:
        return f"{self.start_time}-{self.end_time}" if self.start_time else ""

    @property
    def when(self) -> str:
        """ "mer. 01/07 08:00-15:00"."""
        return missions.when_text(self.day, self.hours)


@dataclass(frozen=True)
class Board:
    day: dt.date
    needs: tuple[Need, ...]

    @property
    def replaceable(self) -> int:
        return sum(1 for n in self.needs if n.replaceable)


# --- Absent examiners' missions -----------------------------------------------------------------


def _absence_needs(session_id: int, where: pw.Expression) -> list[Need]:
    """Active missions of absent examiners (one query, plus their counts and établissements)."""
    rows = list(
        assignments_query(Absence.id, Absence.reason)
        .join(
            Absence,
            on=(Absence.examiner == Assignment.examiner) & (Absence.day == Assignment.day),
        )
        .where((Assignment.session == session_id) & Assignment.state.in_(ASSIGNMENT_ACTIVE) & where)
        .order_by(Assignment.day, Assignment.start_time, Examiner.last_name)
        .limit(500)
    )
    copies = copies_of_lots([r.lot_id for r in rows if r.lot_id])
    slots = slot_counts(r.id for r in rows)
    etabs = _etablissements_of(rows)
    needs = []
    for r in rows:
        label, count = missions.uncovered_mission(
            r.kind,
            r.epreuve_code or "",
            lot_number=r.lot.number if r.lot_id else None,
            copies=copies.get(r.lot_id, 0),
            slots=slots.get(r.id, 0),
            jury_number=r.jury.number if r.jury_id else None,
            seat=missions.seat_role(r.examiner_id, r.jury.president_id, r.jury.vice_president_id)
            if r.jury_id
            else "",
        )
        needs.append(
            Need(
                source=SOURCE_ABSENCE,
                label=label,
                day=r.day,
                start_time=r.start_time,
                end_time=r.end_time,
                centre=r.centre.name if r.centre_id else "",
                assignment_id=r.id,
                version=r.version,
                kind=r.kind,
                epreuve_code=r.epreuve_code or "",
                examiner_id=r.examiner_id,
                examiner=rules.display_name(r.examiner.last_name, r.examiner.first_name),
                examiner_civility=r.examiner.civility,
                absence_reason=r.absence.reason,
                etablissements=", ".join(etabs.get(r.id, ())),
                count=count,
            )
        )
    return needs


def _etablissements_of(rows: Sequence[Assignment]) -> dict[int, list[str]]:
    """Names of the établissements of the candidates each assignment concerns (at most four
    queries: lots, oral slots, commissions' centres, juries)."""
    result: dict[int, set[str]] = {}
    by_lot = {r.lot_id: r.id for r in rows if r.kind == "correction" and r.lot_id}
    by_jury = {r.jury_id: r.id for r in rows if r.kind == "jury" and r.jury_id}
    ids = [r.id for r in rows]

    def add(pairs: pw.ModelSelect, owner: dict[int, int] | None = None) -> None:
        for key, name in pairs.distinct().tuples():
            result.setdefault(owner[key] if owner is not None else key, set()).add(name)

    if by_lot:
        add(
            Anonymat.select(Anonymat.lot, Etablissement.name)
            .join(Candidate, on=Anonymat.candidate == Candidate.id)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(Anonymat.lot.in_(list(by_lot))),
            by_lot,
        )
    if ids:
        add(
            OralSlot.select(OralSlot.assignment, Etablissement.name)
            .join(Candidate, on=OralSlot.candidate == Candidate.id)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(OralSlot.assignment.in_(ids))
        )
    # a commission without planned slots examines the candidates of its centre
    by_centre: dict[int, list[int]] = {}
    for r in rows:
        if r.kind in missions.LOADED_KINDS and r.centre_id and not r.lot_id:
            by_centre.setdefault(r.centre_id, []).append(r.id)
    with_slots = set(result)
    if by_centre:
        for centre, name in (
            Candidate.select(Candidate.centre, Etablissement.name)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(Candidate.centre.in_(list(by_centre)))
            .distinct()
            .tuples()
        ):
            for aid in by_centre[centre]:
                if aid not in with_slots:
                    result.setdefault(aid, set()).add(name)
    if by_jury:
        add(
            Candidate.select(Candidate.jury, Etablissement.name)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(Candidate.jury.in_(list(by_jury))),
            by_jury,
        )
    return {k: sorted(v) for k, v in result.items()}


def needs_of_absence(absence_id: int) -> list[Need]:
    """The missions an absence leaves uncovered (still active, same day)."""
    absence = Absence.get_or_none(Absence.id == absence_id)
    if absence is None:
        raise NotFoundError(f"Absence n° {absence_id} introuvable.")
    theirs = (Assignment.examiner == absence.examiner_id) & (Assignment.day == absence.day)
    session_ids = sorted(
        s for (s,) in Assignment.select(Assignment.session).where(theirs).distinct().tuples()
    )
    return [need for s in session_ids for need in _absence_needs(s, theirs)]


def get_need(assignment_id: int) -> Need:
    """The need an assignment stands for (its absence, what it covers, its version)."""
    row = Assignment.get_or_none(Assignment.id == assignment_id)
    if row is None:
        raise NotFoundError(f"Mission n° {assignment_id} introuvable.")
    found = _absence_needs(row.session_id, Assignment.id == assignment_id)
    if found:
        return found[0]
    examiner = Examiner.get_by_id(row.examiner_id)
    return Need(
        source=SOURCE_ABSENCE,
        label=f"{missions.kind_label(row.kind)} {row.epreuve_code or ''}".strip(),
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        assignment_id=row.id,
        version=row.version,
        kind=row.kind,
        epreuve_code=row.epreuve_code or "",
        examiner_id=row.examiner_id,
        examiner=rules.display_name(examiner.last_name, examiner.first_name),
        examiner_civility=examiner.civility,
    )


# --- The day's board ----------------------------------------------------------------------------


def day_board(session_id: int, day: dt.date) -> Board:
    """Every uncovered need of the day: absent examiners' missions first, then the gaps."""
    needs = _absence_needs(session_id, Assignment.day == day)
    needs += _slot_gaps(session_id, day)
    needs += _lot_gaps(session_id)
    needs += _president_gaps(session_id, day)
    return Board(day, tuple(needs))


def _slot_gaps(session_id: int, day: dt.date) -> list[Need]:
    """Oral slots of the day with nobody to examine them, by épreuve and centre."""
    query = (
        OralSlot.select(
            OralSlot.epreuve_code,
            Centre.name,
            pw.fn.COUNT(OralSlot.id),
            pw.fn.MIN(OralSlot.start_time),
            pw.fn.MAX(OralSlot.start_time),
        )
        .join(Candidate, on=OralSlot.candidate == Candidate.id)
        .switch(OralSlot)
        .join(Room, pw.JOIN.LEFT_OUTER, on=OralSlot.room == Room.id)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Room.centre == Centre.id)
        .where(
            (OralSlot.day == day)
            & (Candidate.session == session_id)
            & (
                OralSlot.assignment.is_null(True)
                | OralSlot.assignment.in_(
                    Assignment.select(Assignment.id).where(Assignment.state.in_(ASSIGNMENT_CLOSED))
                )
            )
        )
        .group_by(OralSlot.epreuve_code, Centre.name)
        .tuples()
    )
    return [
        Need(
            source=SOURCE_SLOTS,
            label=missions.slots_gap_label(code, count),
            day=day,
            start_time=first,
            end_time=last,
            centre=centre or "",
            epreuve_code=code,
            count=count,
        )
        for code, centre, count, first, last in query
    ]


def _lot_gaps(session_id: int) -> list[Need]:
    """Lots nobody marks, by épreuve."""
    query = (
        Lot.select(Lot.epreuve_code, pw.fn.COUNT(Lot.id))
        .where((Lot.session == session_id) & Lot.correcteur.is_null(True))
        .group_by(Lot.epreuve_code)
        .tuples()
    )
    return [
        Need(
            source=SOURCE_LOT,
            label=missions.lots_gap_label(code, count),
            day=None,
            epreuve_code=code,
            count=count,
        )
        for code, count in query
    ]


def _president_gaps(session_id: int, day: dt.date) -> list[Need]:
    """Juries without président (D.336-20): those deliberating that day, or with no date."""
    query = (
        Jury.select(Jury.number, Centre.name)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .where(
            (Jury.session == session_id)
            & Jury.president.is_null(True)
            & ((Jury.deliberation_date == day) | Jury.deliberation_date.is_null(True))
        )
        .order_by(Jury.number)
        .tuples()
    )
    return [
        Need(
            source=SOURCE_PRESIDENT,
            label=missions.president_gap_label(number),
            day=day,
            centre=centre or "",
        )
        for number, centre in query
    ]


# --- Days and missions still open ---------------------------------------------------------------


def still_open(assignment_ids: Sequence[int]) -> set[int]:
    """Which of these missions are still active (not replaced, cancelled or done)."""
    if not assignment_ids:
        return set()
    return {
        a
        for (a,) in Assignment.select(Assignment.id)
        .where(Assignment.id.in_(list(assignment_ids)) & Assignment.state.in_(ASSIGNMENT_ACTIVE))
        .tuples()
    }


def open_days(session_id: int, limit: int = 60) -> list[tuple[dt.date, int]]:
    """Days with missions of absent examiners still to cover, and how many (one query)."""
    query = (
        Assignment.select(Assignment.day, pw.fn.COUNT(Assignment.id))
        .join(
            Absence,
            on=(Absence.examiner == Assignment.examiner) & (Absence.day == Assignment.day),
        )
        .where((Assignment.session == session_id) & Assignment.state.in_(ASSIGNMENT_ACTIVE))
        .group_by(Assignment.day)
        .order_by(Assignment.day)
        .limit(limit)
        .tuples()
    )
    return [(day, count) for day, count in query]


def default_day(session_id: int, today: dt.date | None = None) -> dt.date:
    """The day the board opens on: today if something is uncovered today, else the next day
    with something to cover, else the last such day, else today."""
    today = today or dt.date.today()
    days = [day for day, _ in open_days(session_id)]
    if not days or today in days:
        return today
    later = [day for day in days if day > today]
    return later[0] if later else days[-1]
