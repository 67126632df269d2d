"""What the office does to an expense claim: declare it from the convocations, add or correct a
line, attest the service fait, confirm anomalies, validate, reject, put into payment.

Each step is one write transaction, audited, refused in French when the claim's lifecycle does
not allow it or when someone else changed the claim since it was read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Assignment,
    AuditLog,
    Centre,
    ClaimMission,
    Examiner,
    ExpenseClaim,
    ExpenseLine,
    Lot,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import expenses as expenses_rules
from baktui.rules.claim_views import ClaimDetail
from baktui.rules.french import plural
from baktui.rules.lifecycles import ASSIGNMENT_CLOSED, CLAIM, CLAIM_LIVE, ClaimState
from baktui.rules.missions import LOADED_KINDS
from baktui.services.claim_facts import ANOMALY_FIELD, ENTITY, reference_km
from baktui.services.claims import (
    bump_version,
    claim_detail,
    claim_or_error,
    examiner_name,
    locked_claim,
    require_open,
    store_amounts,
)
from baktui.services.rates import as_date

MIN_REASON_LENGTH = 3


def copies_in_lot(lot_id: int) -> int:
    count = Anonymat.select().where(Anonymat.lot == lot_id).count()
    if count:
        return count
    lot = Lot.get_or_none(Lot.id == lot_id)
    return (lot.control_copies or 0) if lot else 0


def create_claim_from_assignments(
    examiner_id: int,
    assignment_ids: Iterable[int] | None = None,
    *,
    origin: str = "administrative",
    meals_per_day: int = 1,
    nights: Iterable[dt.date] = (),
    declared_at: str | None = None,
) -> ClaimDetail:
    """Declare a claim for an examiner's convocations, with the lines they imply.

    Per mission day: a round trip by car from the residence (``origin``) to the centre when the
    examiner's car is authorised (km = twice the reference distance), ``meals_per_day`` meals away
    from the residence communes, a night (forfait, receipt noted) for each day of ``nights``; the
    copies of each correction lot; the hours of each oral or practical convocation.
    Without ``assignment_ids``: the examiner's convocations no live claim covers yet.
    """
    if origin not in expenses_rules.ORIGIN_LABELS:
        raise ServiceError(f"Origine du trajet « {origin} » inconnue (administrative, family).")
    if not 0 <= meals_per_day <= expenses_rules.MAX_MEALS_PER_DAY:
        raise ServiceError(
            f"Repas par jour : entre 0 et {expenses_rules.MAX_MEALS_PER_DAY} ({meals_per_day} demandé)."
        )
    with write_transaction():
        examiner = Examiner.get_or_none(Examiner.id == examiner_id)
        if examiner is None:
            raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
        query = (
            Assignment.select(Assignment, Centre)
            .join(Centre, pw.JOIN.LEFT_OUTER)
            .where(
                (Assignment.examiner == examiner_id) & Assignment.state.not_in(ASSIGNMENT_CLOSED)
            )
        )
        if assignment_ids is not None:
            wanted = list(assignment_ids)
            query = query.where(Assignment.id.in_(wanted))
        else:
            covered = (
                ClaimMission.select(ClaimMission.assignment)
                .join(ExpenseClaim)
                .where(ExpenseClaim.state.in_(CLAIM_LIVE))
            )
            query = query.where(Assignment.id.not_in(covered))
        assignments = list(query.order_by(Assignment.day, Assignment.id))
        if assignment_ids is not None and len(assignments) != len(set(wanted)):
            missing = sorted(set(wanted) - {a.id for a in assignments})
            raise ServiceError(
                f"Convocation(s) {', '.join(map(str, missing))} introuvable(s), annulée(s) ou "
                f"d'un autre examinateur que {examiner_name(examiner)}."
            )
        if not assignments:
            raise ServiceError(f"Aucune convocation à déclarer pour {examiner_name(examiner)}.")
        sessions = {a.session_id for a in assignments}
        if len(sessions) != 1:
            raise ServiceError("Une demande ne couvre que des convocations d'une même session.")
        residence = (
            (examiner.admin_commune_id if origin == "administrative" else examiner.home_commune_id)
            or examiner.admin_commune_id
            or examiner.home_commune_id
        )
        residences = {c for c in (examiner.home_commune_id, examiner.admin_commune_id) if c}

        claim = audit.create(
            ExpenseClaim,
            session=sessions.pop(),
            examiner=examiner_id,
            state=ClaimState.DECLAREE,
            declared_at=declared_at or audit.now_iso(),
            reason="déclaration à partir des convocations",
        )
        for assignment in assignments:
            audit.create(ClaimMission, claim=claim.id, assignment=assignment.id)

        by_day: dict[dt.date, list[Assignment]] = defaultdict(list)
        for assignment in assignments:
            by_day[as_date(assignment.day)].append(assignment)
        night_days = {as_date(d) for d in nights}

        def add(day: dt.date, kind: str, **values: object) -> None:
            audit.create(ExpenseLine, claim=claim.id, day=day, kind=kind, **values)

        for day, todays in sorted(by_day.items()):
            place = next(
                (a.centre.commune_id for a in todays if a.centre_id and a.centre.commune_id), None
            )
            away = place is not None and place not in residences
            if away and residence and examiner.vehicle_authorised:
                reference = reference_km(residence, place)
                if reference is not None:
                    add(
                        day,
                        "car",
                        origin=origin,
                        from_commune=residence,
                        to_commune=place,
                        km=2 * reference.km,
                        fiscal_hp=examiner.fiscal_hp,
                        note="aller-retour",
                    )
            if away and meals_per_day:
                add(day, "meal", quantity_centi=100 * meals_per_day, to_commune=place)
            if day in night_days and away:
                add(day, "night", to_commune=place, receipt=True)
            for assignment in todays:
                if assignment.kind == "correction" and assignment.lot_id:
                    copies = copies_in_lot(assignment.lot_id)
                    if copies:
                        add(
                            day,
                            "copies",
                            quantity_centi=100 * copies,
                            note=f"lot {assignment.lot.number}",
                        )
                elif assignment.kind in LOADED_KINDS and assignment.hours_centi:
                    add(
                        day,
                        "oral_hours",
                        quantity_centi=assignment.hours_centi,
                        note=assignment.epreuve_code or "",
                    )
        store_amounts(claim.id, "calcul à la déclaration")
    return claim_detail(claim.id)


LINE_FIELDS = (
    "origin",
    "from_commune",
    "to_commune",
    "km",
    "fiscal_hp",
    "quantity_centi",
    "declared_centi",
    "receipt",
    "night_category",
    "note",
)


def add_line(
    claim_id: int,
    expected_version: int | None,
    *,
    day: dt.date,
    kind: str,
    reason: str = "ligne ajoutée par le bureau",
    **values: object,
) -> ClaimDetail:
    """Add a line to an open claim (a paper claim keyed by the office); amounts recomputed."""
    if kind not in expenses_rules.LINE_KINDS:
        raise ServiceError(f"Nature de ligne « {kind} » inconnue.")
    unknown = sorted(set(values) - set(LINE_FIELDS))
    if unknown:
        raise ServiceError(f"Champ(s) de ligne inconnu(s) : {', '.join(unknown)}.")
    with write_transaction():
        claim = locked_claim(claim_id, expected_version)
        require_open(claim)
        audit.create(ExpenseLine, claim=claim_id, day=day, kind=kind, reason=reason, **values)
        bump_version(claim)
        store_amounts(claim_id, reason)
    return claim_detail(claim_id)


def correct_line(
    claim_id: int,
    line_id: int,
    expected_version: int | None,
    changes: Mapping[str, str],
    *,
    reason: str = "",
) -> ClaimDetail:
    """Correct fields of a line (typed text, see :data:`CORRECTABLE`); amounts recomputed at once.

    Each changed field is logged with its before and after and the reason.
    """
    try:
        values = expenses_rules.parse_correction(changes)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    why = reason.strip() or "correction par le bureau"
    with write_transaction():
        claim = locked_claim(claim_id, expected_version)
        require_open(claim)
        line = ExpenseLine.get_or_none(
            (ExpenseLine.id == line_id) & (ExpenseLine.claim == claim_id)
        )
        if line is None:
            raise NotFoundError(f"Ligne n° {line_id} absente de la demande n° {claim_id}.")
        audit.update(ExpenseLine, line_id, values, reason=why)
        after = ExpenseLine.get_by_id(line_id)
        if any(getattr(line, k) != getattr(after, k) for k in values):
            bump_version(claim)
        store_amounts(claim_id, f"recalcul après correction : {why}")
    return claim_detail(claim_id)


def attest_service_fait(
    claim_id: int, expected_version: int | None, *, on: str | None = None
) -> ClaimDetail:
    """Record the centre's "service fait" (déclarée → service fait)."""
    with write_transaction():
        claim = locked_claim(claim_id, expected_version)
        if not CLAIM.can_move(claim.state, ClaimState.SERVICE_FAIT):
            raise ServiceError(
                f"Demande n° {claim_id} {CLAIM.label(claim.state)} : "
                "le service fait ne s'atteste que sur une demande déclarée."
            )
        audit.update(
            ExpenseClaim,
            claim_id,
            {"state": ClaimState.SERVICE_FAIT, "service_fait_at": on or audit.now_iso()},
            reason="service fait attesté par le centre",
        )
    return claim_detail(claim_id)


def confirm_anomaly(claim_id: int, text: str) -> None:
    """Record that the operator looked at this anomaly and accepts it (audit entry)."""
    with write_transaction():
        claim_or_error(claim_id)
        audit.log("event", ENTITY, claim_id, ANOMALY_FIELD, after=text, reason="anomalie confirmée")


# Anomalies that make a day without any convocation payable: confirmed only with a reason.
REASON_REQUIRED = frozenset({"no_convocation", "outside_mission"})


def validate_claim(
    claim_id: int,
    expected_version: int | None,
    confirmed: Iterable[str] = (),
    reasons: Mapping[str, str] | None = None,
) -> ClaimDetail:
    """Service fait → validée, after a last recomputation; every anomaly must be confirmed.

    ``confirmed`` are the texts of the anomalies the operator has just confirmed: they are recorded
    (one audit entry each) in the same transaction as the validation. If an anomaly is neither in
    ``confirmed`` nor confirmed earlier, nothing is written. An anomaly of
    :data:`REASON_REQUIRED` (a day without any convocation) is confirmed only with its reason in
    ``reasons`` (by anomaly text), kept in the audit entry.
    """
    confirmed_now = set(confirmed)
    given = {k: " ".join(v.split()) for k, v in (reasons or {}).items()}
    with write_transaction():
        claim = locked_claim(claim_id, expected_version)
        if not CLAIM.can_move(claim.state, ClaimState.VALIDEE):
            if claim.state == ClaimState.DECLAREE:
                raise ServiceError(
                    f"Demande n° {claim_id} : le service fait n'est pas attesté par le centre, "
                    "elle ne peut pas être validée."
                )
            raise ServiceError(
                f"Demande n° {claim_id} {CLAIM.label(claim.state)} : "
                "elle ne peut plus être validée."
            )
        result = store_amounts(claim_id, "recalcul à la validation")
        already = {
            entry.after
            for entry in AuditLog.select(AuditLog.after).where(
                (AuditLog.entity == ENTITY)
                & (AuditLog.entity_id == str(claim_id))
                & (AuditLog.field == ANOMALY_FIELD)
            )
        }
        missing = [a for a in result.anomalies if a.text not in already | confirmed_now]
        if missing:
            raise ServiceError(
                f"Demande n° {claim_id} : {plural(len(missing), 'anomalie')} à confirmer avant de "
                f"valider, dont « {missing[0].text} »."
            )
        unexplained = [
            a
            for a in result.anomalies
            if a.code in REASON_REQUIRED
            and a.text not in already
            and len(given.get(a.text, "")) < MIN_REASON_LENGTH
        ]
        if unexplained:
            raise ServiceError(
                f"Demande n° {claim_id} non validée : « {unexplained[0].text} » ne se confirme "
                "qu'avec un motif (quelques mots)."
            )
        for anomaly in result.anomalies:
            if anomaly.text in confirmed_now and anomaly.text not in already:
                why = given.get(anomaly.text, "")
                audit.log(
                    "event",
                    ENTITY,
                    claim_id,
                    ANOMALY_FIELD,
                    after=anomaly.text,
                    reason="anomalie confirmée avant validation" + (f" : {why}" if why else ""),
                )
        audit.update(
            ExpenseClaim,
            claim_id,
            {
                "state": ClaimState.VALIDEE,
                "validated_at": audit.now_iso(),
                "validated_by": audit.current_user(),
            },
            reason="validation par le bureau des examens",
        )
    return claim_detail(claim_id)


def reject_claim(claim_id: int, expected_version: int | None, reason: str) -> ClaimDetail:
    """Déclarée or service fait → rejetée; the reason is required and kept on the claim."""
    text = " ".join(reason.split())
    if len(text) < MIN_REASON_LENGTH:
        raise ServiceError("Motif du rejet : obligatoire (quelques mots).")
    with write_transaction():
        claim = locked_claim(claim_id, expected_version)
        if not CLAIM.can_move(claim.state, ClaimState.REJETEE):
            raise ServiceError(
                f"Demande n° {claim_id} {CLAIM.label(claim.state)} : "
                "elle ne peut plus être rejetée."
            )
        audit.update(
            ExpenseClaim,
            claim_id,
            {"state": ClaimState.REJETEE, "reject_reason": text},
            reason=f"rejet : {text}",
        )
    return claim_detail(claim_id)


def mark_paid(session_id: int, claim_ids: Iterable[int] | None = None) -> int:
    """Validated claims (all of the session, or these) → mise en paiement. Returns the count."""
    with write_transaction():
        query = ExpenseClaim.select(ExpenseClaim.id, ExpenseClaim.version).where(
            (ExpenseClaim.session == session_id) & (ExpenseClaim.state == ClaimState.VALIDEE)
        )
        if claim_ids is not None:
            query = query.where(ExpenseClaim.id.in_(list(claim_ids)))
        claims = list(query)
        now = audit.now_iso()
        for claim in claims:
            audit.update(
                ExpenseClaim,
                claim.id,
                {"state": ClaimState.MISE_EN_PAIEMENT, "paid_at": now},
                expected_version=claim.version,
                reason="mise en paiement",
            )
    return len(claims)
