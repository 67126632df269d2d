"""Convening an examiner for a mission: every rule checked, then the mission written, audited.

:func:`create_assignment` builds the mission's spec, adds the reasons a lot or slots are already
taken to the eligibility engine's refusals, and writes nothing unless both are empty: the
assignment (``prevue``), the lot moved to its correcteur, the oral slots taken, the jury seat.
Read and write happen in one write transaction, so that a colleague convening the same examiner
or the same lot meanwhile cannot slip in between the check and the write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Assignment, Examiner, Lot, OralSlot
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE, AssignmentState
from baktui.services.eligibility import AssignmentRefused, evaluate
from baktui.services.examiners import AssignmentInfo, assignment_infos
from baktui.services.juries import ensure_member
from baktui.services.missions import MissionSpec, mission_spec


def check_assignment(spec: MissionSpec, examiner_id: int) -> list[str]:
    """The reasons the examiner may not take the mission (empty: allowed)."""
    found = evaluate(spec, [examiner_id])
    if not found:
        raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
    return [text for _, text in found[0].reasons]


def _input_error(
    kind: str, start_time: str, end_time: str, lot_id: int | None, jury_id: int | None
) -> str | None:
    if kind not in missions.KINDS:
        return f"Nature de mission « {kind} » inconnue."
    error = missions.times_error(start_time, end_time)
    if error:
        return error
    if kind == "correction" and lot_id is None:
        return "Une correction porte sur un lot : indiquez le lot."
    if kind == "jury" and jury_id is None:
        return "Une mission de jury porte sur un jury : indiquez-le."
    return None


def create_assignment(
    session_id: int,
    examiner_id: int,
    *,
    kind: str,
    day: dt.date,
    start_time: str,
    end_time: str,
    epreuve_code: str = "",
    centre_id: int | None = None,
    room_id: int | None = None,
    lot_id: int | None = None,
    jury_id: int | None = None,
    slot_ids: Sequence[int] = (),
    hours_centi: int | None = None,
) -> AssignmentInfo:
    """Convene an examiner for a mission; refused with the reasons when a rule forbids it.

    A correction moves the lot to the examiner; an oral takes its slots; a jury seat adds the
    examiner to the jury. ``hours_centi`` defaults to the length of an oral or practical range.
    """
    error = _input_error(kind, start_time, end_time, lot_id, jury_id)
    if error:
        raise ServiceError(error)
    if hours_centi is None:
        loaded = kind in missions.LOADED_KINDS
        hours_centi = missions.duration_centi(start_time, end_time) if loaded else 0
    with write_transaction():
        spec = mission_spec(
            session_id,
            kind=kind,
            epreuve_code=epreuve_code.upper(),
            day=day,
            start_time=start_time,
            end_time=end_time,
            centre_id=centre_id,
            lot_id=lot_id,
            slot_ids=slot_ids,
            jury_id=jury_id,
            seat_role=missions.MEMBER if kind == "jury" else "",
            hours_centi=hours_centi,
        )
        reasons = taken_reasons(lot_id if kind == "correction" else None, slot_ids)
        reasons += check_assignment(spec, examiner_id)
        if reasons:
            raise AssignmentRefused(reasons)
        row = audit.create(
            Assignment,
            session=session_id,
            examiner=examiner_id,
            kind=kind,
            epreuve_code=epreuve_code.upper() or None,
            day=day,
            start_time=start_time,
            end_time=end_time,
            centre=centre_id,
            room=room_id,
            lot=lot_id,
            jury=jury_id,
            hours_centi=hours_centi,
            state=AssignmentState.PREVUE,
            reason="affectation",
        )
        if lot_id is not None:
            audit.update(Lot, lot_id, {"correcteur": examiner_id}, reason="affectation du lot")
        for slot_id in slot_ids:
            audit.update(OralSlot, slot_id, {"assignment": row.id}, reason="affectation du créneau")
        if kind == "jury" and jury_id is not None:
            ensure_member(jury_id, examiner_id, missions.MEMBER)
    return assignment_infos(Assignment.id == row.id, 1)[0]


def taken_reasons(lot_id: int | None, slot_ids: Sequence[int]) -> list[str]:
    """A lot or slots already covered by someone's active mission are not given twice."""
    reasons: list[str] = []
    if lot_id is not None:
        holder = (
            Assignment.select(Examiner.last_name, Examiner.first_name, Lot.number)
            .join(Examiner, on=Assignment.examiner == Examiner.id)
            .switch(Assignment)
            .join(Lot, on=Assignment.lot == Lot.id)
            .where(
                (Assignment.lot == lot_id)
                & (Assignment.kind == "correction")
                & Assignment.state.in_(ASSIGNMENT_ACTIVE)
            )
            .tuples()
            .first()
        )
        if holder is not None:
            last, first, number = holder
            reasons.append(missions.lot_taken_error(number, rules.display_name(last, first)))
    if slot_ids:
        taken = (
            OralSlot.select()
            .join(Assignment, on=OralSlot.assignment == Assignment.id)
            .where(OralSlot.id.in_(list(slot_ids)) & Assignment.state.in_(ASSIGNMENT_ACTIVE))
            .count()
        )
        if taken:
            reasons.append(missions.slots_taken_error(taken))
    return reasons
