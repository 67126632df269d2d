"""The dated rates of expenses and exam fees, as the base holds them (``ExpenseRate``).

The rules compute with a :class:`~baktui.rules.expenses.RateTable`; the office seeds the rates
shipped with baktui (section 8 of the reference) once, then keys its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import ExpenseRate
from baktui.rules import expenses as expenses_rules


def as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def rate_table() -> expenses_rules.RateTable:
    """Every dated rate of the database."""
    return expenses_rules.RateTable(
        expenses_rules.Rate(
            kind=row.kind,
            key=row.key or "",
            amount=Decimal(str(row.amount).replace(",", ".")),
            valid_from=as_date(row.valid_from),
            valid_to=as_date(row.valid_to) if row.valid_to else None,
        )
        for row in ExpenseRate.select()
    )


def seed_default_rates() -> int:
    """Load the rates shipped with baktui (section 8) for every kind that has none yet; audited.

    Returns the number of rates added. A kind the office already keyed is left as it is.
    """
    defaults = expenses_rules.load_default_rates()
    with write_transaction():
        present = {row.kind for row in ExpenseRate.select(ExpenseRate.kind).distinct()}
        added = 0
        for rate in defaults:
            if rate.kind in present:
                continue
            audit.create(
                ExpenseRate,
                kind=rate.kind,
                key=rate.key,
                amount=str(rate.amount),
                valid_from=rate.valid_from,
                valid_to=rate.valid_to,
                reason="taux réglementaires (section 8)",
            )
            added += 1
    return added
