"""The demo session's calendar: exam days, orals, deliberations, and the day the demo is seen.

The demo is seen on 30 June 2026 (:data:`DEMO_TODAY`): what is dated before it is done
(corrections, orals), what comes after is only convened. :func:`write_calendar` puts the days and
the lot sizes of the written épreuves in the ``Epreuve`` rows of the registre.
"""

from __future__ import annotations

import datetime as dt

from baktui.data.models import Epreuve
from baktui.demo.context import DemoContext
from baktui.rules.regulation import KIND_ORAL, Regulation

DEMO_TODAY = dt.date(2026, 6, 30)  # the demo is seen at the end of June: orals before it are done
ANTICIPATED = ("FRE", "FRO")  # épreuves anticipées: taken in June 2025, grades all but complete
WRITTEN_DAYS = {
    "FRE": dt.date(2026, 6, 12),
    "PHI": dt.date(2026, 6, 15),
    "SP1": dt.date(2026, 6, 16),
    "SP2": dt.date(2026, 6, 17),
}
ORAL_FIRST_DAY = dt.date(2026, 6, 22)
ORAL_DAYS = {"GO": 8, "FRO": 10}  # weekdays from ORAL_FIRST_DAY
ORAL_CANDIDATES_PER_DAY = {"GO": 15, "FRO": 14}
ORAL_HOURS_CENTI = 600  # one day of orals, in hundredths of an hour
DELIBERATION_DAYS = (dt.date(2026, 7, 3), dt.date(2026, 7, 6))


def written_epreuves(reg: Regulation) -> list[str]:
    """The codes of the written épreuves (the ones with copies, lots and anonymity numbers)."""
    return [r.code for r in reg.base_epreuves if r.written]


def written_day(code: str) -> dt.date:
    """The day a written épreuve is sat (one without a day of its own: philosophy's)."""
    return WRITTEN_DAYS.get(code) or WRITTEN_DAYS["PHI"]


def weekdays(first: dt.date, count: int) -> list[dt.date]:
    """``count`` days from ``first`` on, Saturdays and Sundays skipped."""
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def write_calendar(ctx: DemoContext) -> dict[str, int]:
    """Days, times and lot sizes of the épreuves; returns the lot size of each written one."""
    rng = ctx.rng("epreuves")
    lot_sizes: dict[str, int] = {}
    for rule in ctx.reg.base_epreuves:
        changes: dict[object, object] = {}
        if rule.written:
            size = rng.choice((80, 85, 90, 95, 100))
            lot_sizes[rule.code] = size
            changes = {
                Epreuve.lot_size: size,
                Epreuve.exam_date: written_day(rule.code),
                Epreuve.start_time: "08:00",
                Epreuve.duration_min: 240,
            }
        elif rule.kind == KIND_ORAL:
            changes = {
                Epreuve.exam_date: ORAL_FIRST_DAY,
                Epreuve.start_time: "08:00",
                Epreuve.duration_min: 20,
            }
        if changes:
            Epreuve.update(changes).where(
                (Epreuve.session == ctx.session_id) & (Epreuve.code == rule.code)
            ).execute()
    ctx.event("epreuve", "calendrier de juin 2026 et taille des lots des épreuves écrites")
    return lot_sizes
