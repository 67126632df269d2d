"""Examiners and their missions, read side: find a teacher, show what he or she is convened to.

Screens and the other F5 services receive frozen dataclasses: :class:`ExaminerInfo` (one
query for any number of examiners, read as plain tuples: 600 rows without model instances) and
:class:`AssignmentInfo` (a mission with its centre, room, lot and jury, and the counts of copies
and oral slots, read in bulk). The eligibility engine reads examiners through
:func:`examiner_rows` so that a ranking costs the same queries whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import peewee as pw

from baktui.data import sql
from baktui.data.models import (
    Anonymat,
    Assignment,
    Centre,
    Commune,
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
from baktui.rules.identifiers import fold
from baktui.rules.lifecycles import ASSIGNMENT

_HIGH = "\uffff"


@dataclass(frozen=True)
class ExaminerInfo:
    id: int
    civility: str
    last_name: str
    first_name: str
    corps: str
    corps_label: str
    disciplines: str
    etablissement_id: int | None
    etablissement: str
    commune: str
    max_copies: int
    max_oral_hours: int
    active: bool
    version: int
    home_commune_id: int | None = None
    admin_commune_id: int | None = None

    @property
    def name(self) -> str:
        return rules.display_name(self.last_name, self.first_name)

    @property
    def formal_name(self) -> str:
        return rules.formal_name(self.civility, self.last_name, self.first_name)

    @property
    def travel_origin(self) -> int | None:
        """The commune distances are measured from: home, else administrative residence."""
        return self.home_commune_id or self.admin_commune_id


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    examiner_id: int
    examiner: str
    kind: str
    epreuve_code: str
    day: dt.date
    start_time: str
    end_time: str
    centre_id: int | None
    centre: str
    room: str
    lot_id: int | None
    lot_number: int | None
    copies: int
    slots: int
    jury_id: int | None
    jury_number: int | None
    hours_centi: int
    state: str
    replaces_id: int | None
    version: int

    @property
    def kind_label(self) -> str:
        return missions.kind_label(self.kind)

    @property
    def state_label(self) -> str:
        return ASSIGNMENT.label(self.state)

    @property
    def what(self) -> str:
        """ "lot 12 (87 copies)", "14 candidats", "jury 3"."""
        return missions.mission_what(self.lot_number, self.copies, self.slots, self.jury_number)


# --- Examiners ---------------------------------------------------------------------------------


_EXAMINER_COLUMNS = (
    Examiner.id,
    Examiner.civility,
    Examiner.last_name,
    Examiner.first_name,
    Examiner.corps,
    Examiner.disciplines,
    Examiner.etablissement,
    Etablissement.name,
    Commune.name,
    Examiner.max_copies,
    Examiner.max_oral_hours,
    Examiner.active,
    Examiner.version,
    Examiner.home_commune,
    Examiner.admin_commune,
)


def examiner_query() -> pw.ModelSelect:
    """Examiners with their établissement and home commune names, as plain tuples (fast: no
    model instances for 600 rows); turn each row into an :class:`ExaminerInfo` with
    :func:`examiner_info`."""
    return (
        Examiner.select(*_EXAMINER_COLUMNS)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .switch(Examiner)
        .join(Commune, pw.JOIN.LEFT_OUTER, on=Examiner.home_commune == Commune.id)
        .switch(Examiner)
        .tuples()
    )


def examiner_info(row: tuple) -> ExaminerInfo:
    (eid, civ, last, first, corps, disc, etab_id, etab, commune, maxc, maxh, active, version,
     home, admin) = row  # fmt: skip
    return ExaminerInfo(
        id=eid,
        civility=civ,
        last_name=last,
        first_name=first,
        corps=corps,
        corps_label=rules.corps_title(corps, civ),
        disciplines=disc,
        etablissement_id=etab_id,
        etablissement=etab or "",
        commune=commune or "",
        max_copies=maxc,
        max_oral_hours=maxh,
        active=bool(active),
        version=version,
        home_commune_id=home,
        admin_commune_id=admin,
    )


def examiner_rows(
    examiner_ids: Sequence[int] | None = None, *, discipline: str = "", bare: bool = False
) -> list[ExaminerInfo]:
    """Every examiner (or those given, or those whose disciplines mention that épreuve code: a
    superset the rules then check exactly), in one query read without per-row conversions.

    ``bare``: without the names of their établissement and commune (left empty), half the
    reading time for the 20,000 examiners a national ranking checks before it shows fifty."""
    if bare:
        columns = [
            pw.SQL("NULL") if column is Etablissement.name or column is Commune.name else column
            for column in _EXAMINER_COLUMNS
        ]
        select = Examiner.select(*columns).tuples()
    else:
        select = examiner_query()
    if examiner_ids is not None:
        select = select.where(Examiner.id.in_(list(examiner_ids)))
    if discipline:
        select = select.where(Examiner.disciplines.contains(discipline))
    # by id: the same order with or without the names' joins, on either engine
    return [examiner_info(row) for row in sql.fetch(select.order_by(Examiner.id))]


def search_examiners(
    query: str = "", limit: int = 100, prefer_corps: Sequence[str] = ()
) -> list[ExaminerInfo]:
    """Examiners whose name starts with the typed words (accents and case ignored), by name.

    A single token that is an épreuve code (PHI, SP1…) lists the examiners of that discipline.
    ``prefer_corps`` (e.g. PU, MCF when choosing a président) lists those corps first.
    """
    words = fold(query).split()
    code = query.strip().upper()
    select = examiner_query()
    if words:
        first = words[0]
        expr = (Examiner.name_key >= first) & (Examiner.name_key < first + _HIGH)
        for word in words[1:]:
            expr &= (Examiner.name_key ** f"{word}%") | (Examiner.name_key ** f"% {word}%")
        if len(words) == 1 and code.isalnum() and len(code) <= 4:
            expr |= (Examiner.disciplines == code) | (Examiner.disciplines ** f"%{code}%")
        select = select.where(expr)
    order = [Examiner.last_name, Examiner.first_name]
    if prefer_corps:
        preferred = pw.Case(None, [(Examiner.corps.in_(list(prefer_corps)), 0)], 1)
        order.insert(0, preferred)
    infos = [examiner_info(r) for r in select.order_by(*order).limit(limit)]
    if len(words) == 1 and code.isalnum():
        # the LIKE on the disciplines also matches a series or a longer code: keep real holders
        infos = [
            i
            for i in infos
            if fold(i.last_name).startswith(words[0])
            or fold(f"{i.last_name} {i.first_name}").startswith(words[0])
            or any(c == code for c, _ in rules.parse_disciplines(i.disciplines))
        ]
    return infos


def get_examiner(examiner_id: int) -> ExaminerInfo:
    row = examiner_query().where(Examiner.id == examiner_id).first()
    if row is None:
        raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
    return examiner_info(row)


# --- Missions -----------------------------------------------------------------------------------


def examiner_assignments(
    session_id: int, examiner_id: int, limit: int = 200
) -> list[AssignmentInfo]:
    """The examiner's missions of the session, by day and time (closed ones included)."""
    return assignment_infos(
        (Assignment.session == session_id) & (Assignment.examiner == examiner_id), limit
    )


def assignments_query(*columns: pw.ColumnBase) -> pw.ModelSelect:
    """Assignments with their examiner's name and their centre, room, lot and jury (with its
    bureau) when set, plus ``columns``; left on Assignment, ready for another join or ``where``."""
    return (
        Assignment.select(
            Assignment,
            Examiner.id,
            Examiner.last_name,
            Examiner.first_name,
            Examiner.civility,
            Centre.id,
            Centre.name,
            Room.id,
            Room.name,
            Lot.id,
            Lot.number,
            Jury.id,
            Jury.number,
            Jury.president,
            Jury.vice_president,
            *columns,
        )
        .join(Examiner, on=Assignment.examiner == Examiner.id)
        .switch(Assignment)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Assignment.centre == Centre.id)
        .switch(Assignment)
        .join(Room, pw.JOIN.LEFT_OUTER, on=Assignment.room == Room.id)
        .switch(Assignment)
        .join(Lot, pw.JOIN.LEFT_OUTER, on=Assignment.lot == Lot.id)
        .switch(Assignment)
        .join(Jury, pw.JOIN.LEFT_OUTER, on=Assignment.jury == Jury.id)
        .switch(Assignment)
    )


def assignment_infos(where: pw.Expression, limit: int) -> list[AssignmentInfo]:
    """The missions ``where`` selects, by day and time, with their counts (three queries)."""
    rows = list(
        assignments_query()
        .where(where)
        .order_by(Assignment.day, Assignment.start_time, Assignment.id)
        .limit(limit)
    )
    copies = copies_of_lots({r.lot_id for r in rows if r.lot_id})
    slots = slot_counts({r.id for r in rows})
    return [_assignment_info(r, copies, slots) for r in rows]


def _assignment_info(
    row: Assignment, copies: Mapping[int, int], slots: Mapping[int, int]
) -> AssignmentInfo:
    return AssignmentInfo(
        id=row.id,
        examiner_id=row.examiner_id,
        examiner=rules.display_name(row.examiner.last_name, row.examiner.first_name),
        kind=row.kind,
        epreuve_code=row.epreuve_code or "",
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        centre_id=row.centre_id,
        centre=row.centre.name if row.centre_id else "",
        room=row.room.name if row.room_id else "",
        lot_id=row.lot_id,
        lot_number=row.lot.number if row.lot_id else None,
        copies=copies.get(row.lot_id, 0) if row.lot_id else 0,
        slots=slots.get(row.id, 0),
        jury_id=row.jury_id,
        jury_number=row.jury.number if row.jury_id else None,
        hours_centi=row.hours_centi,
        state=row.state,
        replaces_id=row.replaces_id,
        version=row.version,
    )


def _count_per(key: pw.Field, ids: Iterable[int]) -> dict[int, int]:
    """How many rows of ``key``'s table point to each of ``ids`` (absent: none)."""
    wanted = list(ids)
    if not wanted:
        return {}
    model = key.model
    query = model.select(key, pw.fn.COUNT(model.id)).where(key.in_(wanted)).group_by(key).tuples()
    return {k: n for k, n in query}


def copies_of_lots(lot_ids: Iterable[int]) -> dict[int, int]:
    """Copies (anonymity numbers) of each lot."""
    return _count_per(Anonymat.lot, lot_ids)


def slot_counts(assignment_ids: Iterable[int]) -> dict[int, int]:
    """Oral slots of each assignment."""
    return _count_per(OralSlot.assignment, assignment_ids)


def discipline_names_of(session_id: int, disciplines: str) -> str:
    """An examiner's disciplines named after the session's épreuves (« PHI Philosophie »)."""
    from baktui.rules.candidate import epreuve_labels
    from baktui.services.registration import session_epreuve_labels
    from baktui.services.sessions import regulation_of

    reg = regulation_of(session_id)
    labels = {rule.code: rule.label for rule in reg.epreuves}
    stored = session_epreuve_labels(session_id)
    series = {s for _, s in rules.parse_disciplines(disciplines) if s}
    by_series = {s: epreuve_labels(reg, s, stored) for s in series}
    return rules.discipline_names(disciplines, labels, by_series)
