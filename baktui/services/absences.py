"""Absent examiners: record an absence (day, reason) and list the absences with what they leave.

An absence is resolved once none of the examiner's missions of that day is still active: at
once when there is none, else when the last one is replaced (see
:mod:`baktui.services.replacements`). What an absence leaves uncovered is listed by
:mod:`baktui.services.needs`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Absence, Assignment, Examiner
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import examiners as rules
from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE


@dataclass(frozen=True)
class AbsenceInfo:
    id: int
    examiner_id: int
    examiner: str
    day: dt.date
    reason: str
    recorded_by: str
    recorded_at: str
    resolved: bool
    open_needs: int = 0


def open_assignments(examiner_id: int, day: dt.date) -> pw.ModelSelect:
    """The examiner's missions of the day still to be carried out."""
    return Assignment.select().where(
        (Assignment.examiner == examiner_id)
        & (Assignment.day == day)
        & Assignment.state.in_(ASSIGNMENT_ACTIVE)
    )


def mark_absent(examiner_id: int, day: dt.date, reason: str) -> AbsenceInfo:
    """Record that an examiner is absent on a day; refused without a reason or twice."""
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError("Indiquez le motif de l'absence (maladie, empêchement…).")
    with write_transaction():
        examiner = Examiner.get_or_none(Examiner.id == examiner_id)
        if examiner is None:
            raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
        existing = Absence.get_or_none((Absence.examiner == examiner_id) & (Absence.day == day))
        if existing is not None:
            raise ServiceError(
                f"{rules.display_name(examiner.last_name, examiner.first_name)} est déjà "
                f"déclaré absent le {day:%d/%m/%Y} ({existing.reason}, par "
                f"{existing.recorded_by})."
            )
        # Absence has its own "reason" column, which audit.create keeps for the audit reason:
        # insert, then log the same "after" text audit.create would, in the same transaction.
        values = {
            "examiner": examiner_id,
            "day": day,
            "reason": reason,
            "recorded_by": audit.current_user(),
            "recorded_at": audit.now_iso(),
            "resolved": False,
        }
        row = Absence.create(**values)
        audit.log(
            "create",
            "absence",
            row.id,
            after=audit.record_text(Absence, values),
            reason="absence déclarée",
        )
        if not open_assignments(examiner_id, day).exists():
            audit.update(Absence, row.id, {"resolved": True}, reason="aucune mission ce jour")
    return _absence_info(Absence.get_by_id(row.id))


def _absence_info(row: Absence) -> AbsenceInfo:
    examiner = Examiner.get_by_id(row.examiner_id)
    return AbsenceInfo(
        id=row.id,
        examiner_id=row.examiner_id,
        examiner=rules.display_name(examiner.last_name, examiner.first_name),
        day=row.day,
        reason=row.reason,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        resolved=row.resolved,
        open_needs=open_assignments(row.examiner_id, row.day).count(),
    )


def list_absences(day: dt.date | None = None, *, limit: int = 200) -> list[AbsenceInfo]:
    """Absences of a day (or the latest), unresolved first, with their open missions (two
    queries)."""
    query = Absence.select(Absence, Examiner).join(Examiner)
    if day is not None:
        query = query.where(Absence.day == day)
    rows = list(
        query.order_by(Absence.resolved, Absence.day.desc(), Absence.id.desc()).limit(limit)
    )
    if not rows:
        return []
    open_counts: Counter[tuple[int, dt.date]] = Counter()
    for examiner, day_ in (
        Assignment.select(Assignment.examiner, Assignment.day)
        .where(
            Assignment.examiner.in_(list({r.examiner_id for r in rows}))
            & Assignment.day.in_(list({r.day for r in rows}))
            & Assignment.state.in_(ASSIGNMENT_ACTIVE)
        )
        .tuples()
    ):
        open_counts[(examiner, day_)] += 1
    return [
        AbsenceInfo(
            id=r.id,
            examiner_id=r.examiner_id,
            examiner=rules.display_name(r.examiner.last_name, r.examiner.first_name),
            day=r.day,
            reason=r.reason,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            resolved=r.resolved,
            open_needs=open_counts[(r.examiner_id, r.day)],
        )
        for r in rows
    ]
