"""The lots behind the home screen's « Lots non saisis », listed by state for F4.

The home count and the F4 list read the same conditions (:func:`condition`), so the figure and
the list behind it never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from baktui.data.models import Lot
from baktui.rules.lifecycles import LOT, LotState
from baktui.rules.lots import LotInfo
from baktui.services.lots import lot_infos

# key → French label, in the order F4 shows them; "open" is the home screen's line
WORKLISTS: dict[str, str] = {
    "open": "Lots non saisis",
    LotState.CONSTITUE.value: "Constitués",
    LotState.DISTRIBUE.value: "Distribués (chez le correcteur)",
    LotState.EN_SAISIE.value: "En saisie",
    LotState.SAISI.value: "Saisis (bordereau clos)",
    "all": "Tous les lots",
}


def condition(key: str) -> pw.Expression:
    """The lots a worklist holds (without the session)."""
    if key == "open":
        return Lot.state != LotState.SAISI
    if key == "all":
        return Lot.id.is_null(False)
    if key in LOT.states:
        return Lot.state == key
    raise KeyError(key)


@dataclass(frozen=True)
class LotPage:
    key: str
    label: str
    rows: tuple[LotInfo, ...]
    total: int
    offset: int


def counts(session_id: int) -> dict[str, int]:
    """How many lots each worklist holds, in one scan."""
    columns = [pw.fn.SUM(pw.Case(None, [(condition(key), 1)], 0)) for key in WORKLISTS]
    row = Lot.select(*columns).where(Lot.session == session_id).tuples().first() or ()
    return {key: int(value or 0) for key, value in zip(WORKLISTS, row, strict=False)}


def page(session_id: int, key: str, *, offset: int = 0, limit: int = 100) -> LotPage:
    """One page of a worklist, by lot number."""
    if key not in WORKLISTS:
        raise KeyError(key)
    where = (Lot.session == session_id) & condition(key)
    total = Lot.select().where(where).count()
    if total and offset >= total:
        offset = (total - 1) // limit * limit
    offset = max(offset, 0)
    query = Lot.select().where(where).order_by(Lot.number).offset(offset).limit(limit)
    return LotPage(key, WORKLISTS[key], tuple(lot_infos(query)), total, offset)
