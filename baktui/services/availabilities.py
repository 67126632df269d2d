"""The days an examiner said he or she is (or is not) available: one row per examiner and day.

The replacement ranking reads them (:mod:`baktui.services.eligibility`): an examiner unavailable
on the day is refused; one who declared available days, but not that one, is refused too. Every
write is audited; setting a day again changes its row, never adds a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Availability, Examiner
from baktui.errors import NotFoundError
from baktui.rules.missions import WEEKDAYS

DEFAULT_REASON = "disponibilités de l'examinateur"


@dataclass(frozen=True)
class AvailabilityInfo:
    id: int
    examiner_id: int
    day: dt.date
    available: bool

    @property
    def label(self) -> str:
        return "disponible" if self.available else "indisponible"

    @property
    def day_label(self) -> str:
        return f"{WEEKDAYS[self.day.weekday()]} {self.day:%d/%m/%Y}"


def _info(row: Availability) -> AvailabilityInfo:
    return AvailabilityInfo(row.id, row.examiner_id, row.day, bool(row.available))


def availabilities(examiner_id: int) -> list[AvailabilityInfo]:
    """The examiner's declared days, in date order."""
    rows = Availability.select().where(Availability.examiner == examiner_id)
    return [_info(r) for r in rows.order_by(Availability.day)]


def set_availability(
    examiner_id: int, day: dt.date, available: bool, reason: str = ""
) -> AvailabilityInfo:
    """Record that the examiner is (or is not) available on ``day`` (audited, ``reason`` in the
    journal); the day's existing row is changed, an unchanged answer writes nothing."""
    reason = " ".join(reason.split()) or DEFAULT_REASON
    with write_transaction():
        if Examiner.get_or_none(Examiner.id == examiner_id) is None:
            raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
        row = Availability.get_or_none(
            (Availability.examiner == examiner_id) & (Availability.day == day)
        )
        if row is None:
            row = audit.create(
                Availability, examiner=examiner_id, day=day, available=available, reason=reason
            )
        elif bool(row.available) != available:
            row = audit.update(Availability, row.id, {"available": available}, reason=reason)
    return _info(row)
