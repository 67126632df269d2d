"""The payment file of validated claims: rows for the paying office, and the workbook."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.data.models import Commune, Examiner, ExpenseClaim, ExpenseLine
from baktui.rules import expenses as expenses_rules
from baktui.rules.claim_views import PaymentRow
from baktui.rules.examiners import corps_title
from baktui.rules.lifecycles import ClaimState
from baktui.services import documents
from baktui.services.claims import ServiceError
from baktui.services.rates import as_date
from baktui.services.sessions import SessionInfo


def payment_rows(
    session_id: int, *, states: Sequence[str] = (ClaimState.VALIDEE,), limit: int | None = None
) -> list[PaymentRow]:
    """One row per claim in ``states`` (validated by default), stored amounts split by kind."""
    query = (
        ExpenseClaim.select(ExpenseClaim, Examiner)
        .join(Examiner)
        .where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(list(states)))
        .order_by(Examiner.last_name, Examiner.first_name, ExpenseClaim.id)
    )
    if limit is not None:
        query = query.limit(limit)
    claims = list(query)
    if not claims:
        return []
    ids = [c.id for c in claims]
    sums: dict[int, list[tuple[str, int]]] = defaultdict(list)
    days: dict[int, list[dt.date]] = defaultdict(list)
    for claim_id, kind, amount, day in (
        ExpenseLine.select(
            ExpenseLine.claim, ExpenseLine.kind, ExpenseLine.amount_centi, ExpenseLine.day
        )
        .where(ExpenseLine.claim.in_(ids))
        .tuples()
        .iterator()
    ):
        sums[claim_id].append((kind, amount))
        days[claim_id].append(as_date(day))
    commune_ids = {c.examiner.admin_commune_id for c in claims if c.examiner.admin_commune_id}
    communes = (
        {c.id: c.name for c in Commune.select().where(Commune.id.in_(list(commune_ids)))}
        if commune_ids
        else {}
    )
    return [
        PaymentRow(
            claim_id=c.id,
            state=c.state,
            last_name=c.examiner.last_name,
            first_name=c.examiner.first_name,
            corps=corps_title(c.examiner.corps or "", c.examiner.civility),
            admin_commune=communes.get(c.examiner.admin_commune_id, ""),
            first_day=min(days[c.id], default=None),
            last_day=max(days[c.id], default=None),
            validated_at=c.validated_at or "",
            validated_by=c.validated_by or "",
            by_kind=expenses_rules.totals_by_kind(sums[c.id]),
            identifier=c.examiner.identifier or "",
            bank_reference=c.examiner.bank_reference or "",
        )
        for c in claims
    ]


@dataclass(frozen=True)
class ExportResult:
    """A payment file or a batch of états de frais, written and recorded."""

    path: Path
    count: int
    total_centi: int
    claim_ids: tuple[int, ...] = ()


def export_payment(session: SessionInfo, path: str | Path | None = None) -> ExportResult:
    """The payment file of the session's validated claims, written to the documents folder and
    recorded (an office document: no examiner)."""
    from baktui.exports.expenses import write_payment_workbook

    rows = payment_rows(session.id)
    if not rows:
        raise ServiceError("Aucune demande validée à mettre en paiement.")
    issued = documents.issue(
        documents.PAIEMENT_FRAIS,
        documents.file_name("frais-mise-en-paiement", str(session.year), suffix=".xlsx"),
        lambda target: write_payment_workbook(target, rows, session_year=session.year),
        examiners=[None],
        count=len(rows),
        path=Path(path) if path else None,
    )
    return ExportResult(
        issued.path, len(rows), sum(r.total_centi for r in rows), tuple(r.claim_id for r in rows)
    )
