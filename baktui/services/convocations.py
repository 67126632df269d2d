"""Examiners' convocations: one PDF for an examiner, a jury, a centre or given missions.

Active missions only. The base is read here (missions, centres, rooms, lots, juries, the
examiners replaced) into :class:`~baktui.exports.convocations.ExaminerConvocation` dataclasses,
which the pure renderer turns into a PDF (one page group per examiner) written and recorded by
:func:`baktui.services.documents.issue` (one Document row per examiner). Then the missions move
to ``convoquee`` (the first convocation date kept): the file is rendered outside any write
transaction, so that a colleague's grade commit never waits for a PDF.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Assignment,
    Centre,
    Commune,
    Epreuve,
    Etablissement,
    Examiner,
    ExamSession,
    Jury,
    Lot,
    Room,
)
from baktui.errors import ServiceError
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE, AssignmentState
from baktui.services import documents
from baktui.services.documents import IssuedDocument
from baktui.services.examiners import copies_of_lots, slot_counts
from baktui.services.settings import letterhead

if TYPE_CHECKING:  # the PDF library loads only when a document is written
    from baktui.exports.convocations import ExaminerConvocation, MissionLine

REASON = "convocation éditée"


@dataclass(frozen=True)
class IssuedConvocations:
    """The convocations file, and how many examiners and missions it convenes."""

    document: IssuedDocument
    examiners: int
    assignments: int


def issue_convocations(
    session_id: int,
    *,
    examiner_id: int | None = None,
    jury_id: int | None = None,
    centre_id: int | None = None,
    assignment_ids: Sequence[int] | None = None,
    replaced_names: Mapping[int, str] | None = None,
    out_dir: Path | None = None,
) -> IssuedConvocations:
    """Write the convocations of given missions, an examiner, a jury or a centre as ONE PDF.

    ``replaced_names`` (assignment id -> name) overrides the name of the examiner a mission
    replaces, printed in its note.
    """
    from baktui.exports.convocations import write_examiner_convocations

    where, label = _selection(session_id, examiner_id, jury_id, centre_id, assignment_ids)
    rows = list(
        Assignment.select(Assignment, Examiner, Etablissement)
        .join(Examiner, on=Assignment.examiner == Examiner.id)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .where(where)
        .order_by(Examiner.last_name, Examiner.first_name, Assignment.day, Assignment.start_time)
    )
    if not rows:
        raise ServiceError("Aucune mission en cours à convoquer pour cette sélection.")
    year = ExamSession.get_by_id(session_id).year
    convocations = _convocations(session_id, rows, replaced_names or {})
    if len(convocations) == 1 and jury_id is None and centre_id is None:
        only = rows[0].examiner
        label = (only.last_name, str(only.id))
    academie = letterhead()
    document = documents.issue(
        documents.CONVOCATION_EXAMINATEUR,
        documents.file_name("convocations", *label, suffix=".pdf"),
        lambda path: write_examiner_convocations(
            path, convocations, session_year=year, academie=academie
        ),
        examiners=[c.examiner_id for c in convocations],
        out_dir=out_dir,
        reason=REASON,
        along=lambda: _mark_convoked([r.id for r in rows]),
    )
    return IssuedConvocations(document, examiners=len(convocations), assignments=len(rows))


def _selection(
    session_id: int,
    examiner_id: int | None,
    jury_id: int | None,
    centre_id: int | None,
    assignment_ids: Sequence[int] | None,
) -> tuple[pw.Expression, tuple[str, ...]]:
    """The active missions chosen, and the words naming them in the file name."""
    where = (Assignment.session == session_id) & Assignment.state.in_(ASSIGNMENT_ACTIVE)
    if assignment_ids is not None:
        return where & Assignment.id.in_(list(assignment_ids)), ("missions",)
    if examiner_id is not None:
        return where & (Assignment.examiner == examiner_id), ("examinateur",)
    if jury_id is not None:
        jury = Jury.get_or_none(Jury.id == jury_id)
        return where & (Assignment.jury == jury_id), ("jury", str(jury.number if jury else jury_id))
    if centre_id is not None:
        centre = Centre.get_or_none(Centre.id == centre_id)
        code = centre.code if centre else str(centre_id)
        return where & (Assignment.centre == centre_id), ("centre", code)
    raise ServiceError("Choisissez un examinateur, un jury ou un centre.")


def _mark_convoked(assignment_ids: list[int]) -> None:
    """The missions still active are convened: ``prevue`` -> ``convoquee``, date kept."""
    when = audit.now_iso()
    with write_transaction():
        for aid, state, convoked_at in (
            Assignment.select(Assignment.id, Assignment.state, Assignment.convoked_at)
            .where(Assignment.id.in_(assignment_ids) & Assignment.state.in_(ASSIGNMENT_ACTIVE))
            .tuples()
        ):
            changes: dict[str, object] = {}
            if state == AssignmentState.PREVUE:
                changes["state"] = AssignmentState.CONVOQUEE
            if not convoked_at:
                changes["convoked_at"] = when
            if changes:
                audit.update(Assignment, aid, changes, reason=REASON)


@dataclass(frozen=True)
class _Lookups:
    """What the missions point to, read in bulk (one query each)."""

    epreuves: Mapping[str, str]  # code -> label
    centres: Mapping[int, Centre]
    rooms: Mapping[int, str]
    lots: Mapping[int, int]  # id -> number
    juries: Mapping[int, tuple[int, int | None, int | None]]  # id -> (number, président, vice)
    copies: Mapping[int, int]  # lot -> copies
    slots: Mapping[int, int]  # assignment -> oral slots
    replaced: Mapping[int, str]  # replaced assignment -> its examiner's formal name


def _ids(rows: Sequence[Assignment], attribute: str) -> list[int]:
    return [getattr(r, attribute) for r in rows if getattr(r, attribute)] or [0]


def _lookups(session_id: int, rows: Sequence[Assignment]) -> _Lookups:
    lots = dict(Lot.select(Lot.id, Lot.number).where(Lot.id.in_(_ids(rows, "lot_id"))).tuples())
    replaced = {r.replaces_id for r in rows if r.replaces_id}
    return _Lookups(
        epreuves=dict(
            Epreuve.select(Epreuve.code, Epreuve.label)
            .where(Epreuve.session == session_id)
            .tuples()
        ),
        centres={
            c.id: c
            for c in Centre.select(Centre, Commune)
            .join(Commune, pw.JOIN.LEFT_OUTER, on=Centre.commune == Commune.id)
            .where(Centre.id.in_(_ids(rows, "centre_id")))
        },
        rooms=dict(
            Room.select(Room.id, Room.name).where(Room.id.in_(_ids(rows, "room_id"))).tuples()
        ),
        lots=lots,
        juries={
            jid: (number, president, vice)
            for jid, number, president, vice in Jury.select(
                Jury.id, Jury.number, Jury.president, Jury.vice_president
            )
            .where(Jury.id.in_(_ids(rows, "jury_id")))
            .tuples()
        },
        copies=copies_of_lots(lots),
        slots=slot_counts(r.id for r in rows),
        replaced={
            aid: rules.formal_name(civ, last, first)
            for aid, civ, last, first in Assignment.select(
                Assignment.id, Examiner.civility, Examiner.last_name, Examiner.first_name
            )
            .join(Examiner)
            .where(Assignment.id.in_(list(replaced)))
            .tuples()
        }
        if replaced
        else {},
    )


def _convocations(
    session_id: int, rows: Sequence[Assignment], replaced_names: Mapping[int, str]
) -> list[ExaminerConvocation]:
    """One convocation per examiner, his or her missions in the order of ``rows``."""
    from baktui.exports.convocations import ExaminerConvocation

    found = _lookups(session_id, rows)
    by_examiner: dict[int, list[Assignment]] = defaultdict(list)
    for row in rows:
        by_examiner[row.examiner_id].append(row)
    result = []
    for examiner_id, assignments in by_examiner.items():
        e = assignments[0].examiner
        notes = [
            missions.replacement_note(
                replaced_names.get(m.id) or found.replaced.get(m.replaces_id, ""), m.day, m.kind
            )
            for m in assignments
            if m.replaces_id
        ]
        result.append(
            ExaminerConvocation(
                examiner_id=examiner_id,
                name=rules.formal_name(e.civility, e.last_name, e.first_name),
                corps_label=rules.corps_label(e.corps),
                etablissement=e.etablissement.name if e.etablissement_id else "",
                intervenant=f"{examiner_id:06d}",
                missions=tuple(_mission_line(m, found) for m in assignments),
                notes=tuple(notes),
            )
        )
    return result


def _mission_line(m: Assignment, found: _Lookups) -> MissionLine:
    from baktui.exports.convocations import MissionLine

    centre = found.centres.get(m.centre_id) if m.centre_id else None
    jury_number, role = None, missions.MEMBER
    if m.jury_id:
        jury_number, president, vice = found.juries.get(m.jury_id, ("?", None, None))
        role = missions.seat_role(m.examiner_id, president, vice)
    code = m.epreuve_code or ""
    return MissionLine(
        day=m.day,
        start_time=m.start_time,
        end_time=m.end_time,
        kind_label=missions.kind_label(m.kind),
        epreuve=missions.epreuve_text(code, found.epreuves.get(code, code)),
        centre=centre.name if centre is not None else "",
        address=missions.address_text(
            centre.address, centre.commune.name if centre.commune_id else ""
        )
        if centre is not None
        else "",
        room=found.rooms.get(m.room_id, "") if m.room_id else "",
        detail=missions.convocation_detail(
            found.lots.get(m.lot_id, "?") if m.lot_id else None,
            found.copies.get(m.lot_id, 0) if m.lot_id else 0,
            found.slots.get(m.id, 0),
            jury_number,
            role,
        ),
    )
