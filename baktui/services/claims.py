"""Reading expense claims for F6: the queue, one claim in detail, the ageing of unpaid claims.

Every view is computed now from the rates (the stored amounts count once the claim is
validated), with its anomalies and whether each one was confirmed. Also the shared steps of every
write on a claim: reading it under the version the operator saw, and storing recomputed amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import AuditLog, Commune, Examiner, ExpenseClaim, ExpenseLine
from baktui.errors import ConflictError, NotFoundError, ServiceError
from baktui.rules import expense_claims
from baktui.rules import expenses as expenses_rules
from baktui.rules.claim_views import (
    AGEING_BUCKETS,
    AgeingRow,
    AnomalyView,
    ClaimDetail,
    ClaimRow,
    LineView,
    MissionView,
    QueuePage,
    parse_day,
)
from baktui.rules.lifecycles import CLAIM, CLAIM_FROZEN, CLAIM_OPEN, CLAIM_UNPAID, ClaimState
from baktui.services.claim_facts import ENTITY, Bundle, evaluate, load
from baktui.services.rates import as_date, rate_table

MAX_PAGE = 200


def examiner_name(examiner: Examiner) -> str:
    return f"{examiner.last_name.upper()} {examiner.first_name}"


def claim_or_error(claim_id: int) -> ExpenseClaim:
    claim = ExpenseClaim.get_or_none(ExpenseClaim.id == claim_id)
    if claim is None:
        raise NotFoundError(f"Demande de remboursement n° {claim_id} introuvable.")
    return claim


def locked_claim(claim_id: int, expected_version: int | None) -> ExpenseClaim:
    """The claim, checked against the version the caller read (call inside the transaction)."""
    claim = claim_or_error(claim_id)
    if expected_version is not None and claim.version != expected_version:
        last = (
            AuditLog.select()
            .where((AuditLog.entity == ENTITY) & (AuditLog.entity_id == str(claim_id)))
            .order_by(AuditLog.id.desc())
            .first()
        )
        by = f" par {last.who} à {last.at[11:16]}" if last is not None else ""
        raise ConflictError(
            f"Demande n° {claim_id} modifiée{by} depuis son ouverture : elle a été rechargée, "
            "refaites votre action sur la version à jour."
        )
    return claim


def bump_version(claim: ExpenseClaim) -> None:
    """Mark the claim changed (a line was corrected) so that other open copies must reload."""
    ExpenseClaim.update(version=ExpenseClaim.version + 1).where(
        ExpenseClaim.id == claim.id
    ).execute()


def days_waiting(claim: ExpenseClaim, today: dt.date) -> int:
    """Days from the declaration to the payment order (to today while not paid)."""
    declared = parse_day(claim.declared_at)
    end = parse_day(claim.paid_at) or today
    return max((end - declared).days, 0) if declared else 0


def claim_row(
    bundle: Bundle, claim: ExpenseClaim, result: expense_claims.ClaimResult, today: dt.date
) -> ClaimRow:
    confirmed = bundle.confirmed.get(claim.id, set())
    unconfirmed = sum(1 for a in result.anomalies if a.text not in confirmed)
    return ClaimRow(
        id=claim.id,
        examiner_id=claim.examiner_id,
        examiner_name=examiner_name(bundle.examiners[claim.examiner_id]),
        state=claim.state,
        declared_on=parse_day(claim.declared_at),
        service_fait_on=parse_day(claim.service_fait_at),
        days_waiting=days_waiting(claim, today),
        total_centi=claim.total_centi,
        anomalies=len(result.anomalies),
        unconfirmed=unconfirmed,
        version=claim.version,
    )


def describe(line: ExpenseLine, communes: Mapping[int, Commune]) -> str:
    def name(commune_id: int | None) -> str:
        commune = communes.get(commune_id) if commune_id else None
        return commune.name if commune else "?"

    if line.kind in ("car", "public_transport"):
        text = f"{name(line.from_commune_id)} → {name(line.to_commune_id)}"
        if line.kind == "car":
            text += f", {line.km} km"
            if line.fiscal_hp:
                text += f", {line.fiscal_hp} CV"
        else:
            text += f", billet {expenses_rules.euros_text(line.declared_centi)}"
        return text
    if line.kind in ("toll", "parking"):
        return expenses_rules.euros_text(line.declared_centi)
    if line.kind == "meal":
        return f"{expenses_rules.quantity_text(line.quantity_centi)} repas"
    if line.kind == "night":
        text = f"{expenses_rules.quantity_text(line.quantity_centi)} nuit"
        if line.declared_centi:
            text += f", facture {expenses_rules.euros_text(line.declared_centi)}"
        return text
    if line.kind == "copies":
        return f"{expenses_rules.quantity_text(line.quantity_centi)} copies"
    if line.kind == "oral_hours":
        return f"{expenses_rules.quantity_text(line.quantity_centi)} h"
    return line.note or ""


def claim_view(
    bundle: Bundle, claim_id: int, rates: expenses_rules.RateTable, today: dt.date
) -> ClaimDetail:
    claim = bundle.claims[claim_id]
    examiner = bundle.examiners[claim.examiner_id]
    result = evaluate(bundle, claim_id, rates)
    confirmed = bundle.confirmed.get(claim_id, set())
    flagged = {a.line_id for a in result.anomalies if a.line_id is not None}
    computed = {r.line_id: r for r in result.lines}
    lines = tuple(
        LineView(
            id=line.id,
            day=as_date(line.day),
            kind=line.kind,
            description=describe(line, bundle.communes),
            km=line.km or 0,
            fiscal_hp=line.fiscal_hp,
            quantity_centi=line.quantity_centi,
            declared_centi=line.declared_centi,
            receipt=bool(line.receipt),
            night_category=line.night_category or "",
            note=line.note or "",
            amount_centi=line.amount_centi,
            computed_centi=computed[line.id].centi if line.id in computed else 0,
            detail=computed[line.id].detail if line.id in computed else "",
            flagged=line.id in flagged,
        )
        for line in bundle.lines[claim_id]
    )
    frozen = claim.state in CLAIM_FROZEN
    by_kind = expenses_rules.totals_by_kind(
        [(line.kind, line.amount_centi if frozen else line.computed_centi) for line in lines]
    )

    def communeexaminer_name(commune_id: int | None) -> str:
        commune = bundle.communes.get(commune_id) if commune_id else None
        return commune.name if commune else ""

    missions = tuple(
        MissionView(
            assignment_id=m.assignment_id,
            day=m.day,
            kind=m.kind,
            centre=m.centre_name,
            commune=communeexaminer_name(m.centre_commune_id),
            epreuve_code=m.epreuve_code or "",
            state=bundle.mission_states.get(m.assignment_id, ""),
        )
        for m in bundle.facts[claim_id].missions
    )
    return ClaimDetail(
        row=claim_row(bundle, claim, result, today),
        session_id=claim.session_id,
        examiner_corps=examiner.corps or "",
        home_commune=communeexaminer_name(examiner.home_commune_id),
        admin_commune=communeexaminer_name(examiner.admin_commune_id),
        fiscal_hp=examiner.fiscal_hp,
        vehicle_authorised=bool(examiner.vehicle_authorised),
        annual_km=examiner.annual_km or 0,
        missions=missions,
        lines=lines,
        anomalies=tuple(
            AnomalyView(a.code, a.text, a.line_id, a.text in confirmed) for a in result.anomalies
        ),
        computed_total_centi=result.total_centi,
        totals_by_kind=by_kind,
        reject_reason=claim.reject_reason or "",
        validated_at=claim.validated_at or "",
        validated_by=claim.validated_by or "",
        paid_at=claim.paid_at or "",
        examiner_civility=examiner.civility or "",
    )


def queue(
    session_id: int,
    *,
    states: Sequence[str] = (ClaimState.SERVICE_FAIT,),
    offset: int = 0,
    limit: int = 50,
    today: dt.date | None = None,
) -> QueuePage:
    """A page of claims in the given states, oldest declaration first, with their anomalies."""
    unknown = [s for s in states if s not in CLAIM]
    if unknown:
        raise ServiceError(f"État de demande inconnu : {', '.join(unknown)}.")
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    where = (ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(list(states))
    total = ExpenseClaim.select().where(where).count()
    ids = [
        c.id
        for c in ExpenseClaim.select(ExpenseClaim.id)
        .where(where)
        .order_by(ExpenseClaim.declared_at, ExpenseClaim.id)
        .offset(offset)
        .limit(limit)
    ]
    bundle = load(ids)
    rates = rate_table()
    today = today or dt.date.today()
    rows = tuple(
        claim_row(bundle, bundle.claims[i], evaluate(bundle, i, rates), today) for i in ids
    )
    return QueuePage(rows, total, offset, limit)


def claim_detail(claim_id: int, *, today: dt.date | None = None) -> ClaimDetail:
    """One claim, its amounts computed now from the rates and its anomalies."""
    bundle = load([claim_id])
    if claim_id not in bundle.claims:
        raise NotFoundError(f"Demande de remboursement n° {claim_id} introuvable.")
    return claim_view(bundle, claim_id, rate_table(), today or dt.date.today())


def claims_of_examiner(examiner_id: int, session_id: int | None = None) -> list[int]:
    """Ids of an examiner's claims (of a session), oldest first."""
    query = ExpenseClaim.select(ExpenseClaim.id).where(ExpenseClaim.examiner == examiner_id)
    if session_id is not None:
        query = query.where(ExpenseClaim.session == session_id)
    return [c.id for c in query.order_by(ExpenseClaim.declared_at, ExpenseClaim.id)]


def ageing(session_id: int, *, today: dt.date | None = None) -> list[AgeingRow]:
    """Claims not yet paid, by stage: how many, how much, how long since declared."""
    today = today or dt.date.today()
    per_state: dict[str, list[tuple[int, int]]] = {state: [] for state in CLAIM_UNPAID}
    query = ExpenseClaim.select(
        ExpenseClaim.state, ExpenseClaim.declared_at, ExpenseClaim.total_centi
    ).where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(CLAIM_UNPAID))
    for state, declared_at, total in query.tuples().iterator():
        declared = parse_day(declared_at)
        days = max((today - declared).days, 0) if declared else 0
        per_state[state].append((days, total or 0))
    rows: list[AgeingRow] = []
    for state in CLAIM_UNPAID:
        items = per_state[state]
        buckets = [0] * len(AGEING_BUCKETS)
        for days, _ in items:
            for index, (limit, _label) in enumerate(AGEING_BUCKETS):
                if limit is None or days <= limit:
                    buckets[index] += 1
                    break
        rows.append(
            AgeingRow(
                state=state,
                count=len(items),
                total_centi=sum(total for _, total in items),
                oldest_days=max((days for days, _ in items), default=0),
                average_days=(sum(days for days, _ in items) // len(items)) if items else 0,
                buckets=tuple(buckets),
            )
        )
    return rows


def state_counts(session_id: int) -> dict[str, int]:
    """Number of claims per state."""
    counts: dict[str, int] = dict.fromkeys(CLAIM.states, 0)
    query = (
        ExpenseClaim.select(ExpenseClaim.state, pw.fn.COUNT(ExpenseClaim.id))
        .where(ExpenseClaim.session == session_id)
        .group_by(ExpenseClaim.state)
        .tuples()
    )
    for state, count in query:
        counts[state] = count
    return counts


# --- Computing and storing amounts --------------------------------------------------------------


def store_amounts(claim_id: int, reason: str) -> expense_claims.ClaimResult:
    """Compute the claim's lines now and write the amounts that changed (inside a transaction)."""
    bundle = load([claim_id])
    result = evaluate(bundle, claim_id, rate_table())
    stored = {line.id: line for line in bundle.lines[claim_id]}
    for line_result in result.lines:
        line = stored[line_result.line_id]
        changes: dict[str, object] = {}
        if line.amount_centi != line_result.centi:
            changes["amount_centi"] = line_result.centi
        if line.kind == "night" and line_result.category and not line.night_category:
            changes["night_category"] = line_result.category
        if changes:
            audit.update(ExpenseLine, line.id, changes, reason=reason)
    claim = bundle.claims[claim_id]
    if claim.total_centi != result.total_centi:
        audit.update(ExpenseClaim, claim_id, {"total_centi": result.total_centi}, reason=reason)
    return result


def recompute_claim(claim_id: int, *, reason: str = "recalcul des montants") -> ClaimDetail:
    """Recompute every line of an open claim from the rates and store the amounts (audited)."""
    with write_transaction():
        claim = claim_or_error(claim_id)
        if claim.state not in CLAIM_OPEN:
            raise ServiceError(
                f"Demande n° {claim_id} {CLAIM.label(claim.state)} : ses montants sont arrêtés, "
                "on ne les recalcule plus."
            )
        store_amounts(claim_id, reason)
    return claim_detail(claim_id)


def require_open(claim: ExpenseClaim) -> None:
    if claim.state not in CLAIM_OPEN:
        raise ServiceError(
            f"Demande n° {claim.id} {CLAIM.label(claim.state)} : elle ne se corrige plus."
        )
