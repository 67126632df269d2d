"""What the rules need to compute and check claims, read from the base in bulk.

:func:`load` reads a set of claims with their examiners, lines, missions, the examiners' other
live claims, their lots and orals, the communes and the reference distances — in a fixed number
of queries whatever the number of claims — and builds one ``ClaimFacts`` per claim (with the
anomalies already confirmed, audit entries on the claim).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import peewee as pw

from baktui.data.models import (
    Anonymat,
    Assignment,
    AuditLog,
    Centre,
    ClaimMission,
    Commune,
    CommuneDistance,
    Epreuve,
    Examiner,
    ExpenseClaim,
    ExpenseLine,
    Lot,
    OralSlot,
)
from baktui.rules import expense_checks, expense_claims
from baktui.rules import expenses as expenses_rules
from baktui.rules.lifecycles import ASSIGNMENT_CLOSED, CLAIM_LIVE
from baktui.rules.missions import LOADED_KINDS
from baktui.services.rates import as_date

ENTITY = ExpenseClaim._meta.table_name
ANOMALY_FIELD = "anomalie"  # audit field of a confirmed anomaly


@dataclass
class Bundle:
    """Rows read once for a set of claims."""

    claims: dict[int, ExpenseClaim] = field(default_factory=dict)
    examiners: dict[int, Examiner] = field(default_factory=dict)
    lines: dict[int, list[ExpenseLine]] = field(default_factory=lambda: defaultdict(list))
    missions: dict[int, list[expense_claims.MissionFact]] = field(
        default_factory=lambda: defaultdict(list)
    )
    mission_states: dict[int, str] = field(default_factory=dict)
    communes: dict[int, Commune] = field(default_factory=dict)
    facts: dict[int, expense_claims.ClaimFacts] = field(default_factory=dict)
    confirmed: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


def line_fact(line: ExpenseLine) -> expense_claims.LineFact:
    return expense_claims.LineFact(
        id=line.id,
        day=as_date(line.day),
        kind=line.kind,
        origin=line.origin or "",
        from_commune_id=line.from_commune_id,
        to_commune_id=line.to_commune_id,
        km=line.km or 0,
        fiscal_hp=line.fiscal_hp,
        quantity_centi=line.quantity_centi,
        declared_centi=line.declared_centi,
        receipt=bool(line.receipt),
        night_category=line.night_category or "",
    )


def load(claim_ids: Sequence[int]) -> Bundle:
    """Read the claims and everything their checks need, in a fixed number of queries."""
    bundle = Bundle()
    if not claim_ids:
        return bundle
    for claim in ExpenseClaim.select().where(ExpenseClaim.id.in_(list(claim_ids))):
        bundle.claims[claim.id] = claim
    if not bundle.claims:
        return bundle
    ids = list(bundle.claims)
    examiner_ids = {c.examiner_id for c in bundle.claims.values()}
    session_ids = {c.session_id for c in bundle.claims.values()}
    for examiner in Examiner.select().where(Examiner.id.in_(list(examiner_ids))):
        bundle.examiners[examiner.id] = examiner

    # Every line and mission of the examiners' live claims (the claims themselves included).
    related = {
        c.id: c
        for c in ExpenseClaim.select().where(
            ExpenseClaim.examiner.in_(list(examiner_ids))
            & (ExpenseClaim.state.in_(CLAIM_LIVE) | ExpenseClaim.id.in_(ids))
        )
    }
    all_lines: dict[int, list[ExpenseLine]] = defaultdict(list)
    for line in (
        ExpenseLine.select()
        .where(ExpenseLine.claim.in_(list(related)))
        .order_by(ExpenseLine.day, ExpenseLine.id)
    ):
        all_lines[line.claim_id].append(line)
    for claim_id in ids:
        bundle.lines[claim_id] = all_lines.get(claim_id, [])

    copy_fees: dict[str, int] = {}
    optional_codes: set[str] = set()
    durations: dict[str, int] = {}
    for epreuve in Epreuve.select(
        Epreuve.code, Epreuve.copy_fee_centi, Epreuve.is_option, Epreuve.duration_min
    ).where(Epreuve.session.in_(list(session_ids))):
        if epreuve.copy_fee_centi is not None:
            copy_fees[epreuve.code] = epreuve.copy_fee_centi
        if epreuve.is_option:
            optional_codes.add(epreuve.code)
        durations[epreuve.code] = epreuve.duration_min or 0
    mission_claims: dict[int, set[int]] = defaultdict(set)
    query = (
        ClaimMission.select(ClaimMission, Assignment, Centre)
        .join(Assignment)
        .join(Centre, pw.JOIN.LEFT_OUTER)
        .where(ClaimMission.claim.in_(list(related)))
    )
    for link in query:
        assignment = link.assignment
        mission_claims[assignment.id].add(link.claim_id)
        if link.claim_id not in bundle.claims:
            continue
        centre = assignment.centre if assignment.centre_id else None
        bundle.mission_states[assignment.id] = assignment.state
        bundle.missions[link.claim_id].append(
            expense_claims.MissionFact(
                assignment_id=assignment.id,
                day=as_date(assignment.day),
                kind=assignment.kind,
                centre_name=centre.name if centre else "",
                centre_commune_id=centre.commune_id if centre else None,
                epreuve_code=assignment.epreuve_code,
                lot_id=assignment.lot_id,
                hours_centi=assignment.hours_centi or 0,
                copy_fee_centi=copy_fees.get(assignment.epreuve_code or ""),
                optional=(assignment.epreuve_code or "") in optional_codes,
            )
        )

    # Copies in the examiners' lots, hours of their orals (convocations not cancelled).
    copies_held: dict[int, int] = defaultdict(int)
    hours_done: dict[int, int] = defaultdict(int)
    lot_owner: dict[int, int] = {}
    # By examiner only, the session tested here: with « AND session IN (…) », SQLite (no
    # statistics) walked the session's index, every mission of the académie (112 ms of F6's
    # 100-claim page at 700 000 candidates, against 2 ms by examiner).
    for lot_id, owner, lot_session in (
        Lot.select(Lot.id, Lot.correcteur, Lot.session)
        .where(Lot.correcteur.in_(list(examiner_ids)))
        .tuples()
    ):
        if lot_session in session_ids:
            lot_owner[lot_id] = owner
    fee_assignments = [
        assignment
        for assignment in Assignment.select(
            Assignment.id,
            Assignment.examiner,
            Assignment.session,
            Assignment.kind,
            Assignment.lot,
            Assignment.hours_centi,
            Assignment.epreuve_code,
        )
        .where(
            Assignment.examiner.in_(list(examiner_ids)) & Assignment.state.not_in(ASSIGNMENT_CLOSED)
        )
        .namedtuples()  # plain rows: hundreds per page, model instances cost 5× more
        if assignment.session in session_ids
    ]
    for assignment in fee_assignments:
        if assignment.kind == "correction" and assignment.lot:
            lot_owner.setdefault(assignment.lot, assignment.examiner)
    if lot_owner:
        counts = dict(
            Anonymat.select(Anonymat.lot, pw.fn.COUNT(Anonymat.id))
            .where(Anonymat.lot.in_(list(lot_owner)))
            .group_by(Anonymat.lot)
            .tuples()
        )
        controls = dict(
            Lot.select(Lot.id, pw.fn.COALESCE(Lot.control_copies, 0))
            .where(Lot.id.in_(list(lot_owner)))
            .tuples()
        )
        for lot_id, owner in lot_owner.items():
            copies_held[owner] += counts.get(lot_id) or controls.get(lot_id, 0)
    slot_counts = (
        dict(
            OralSlot.select(OralSlot.assignment, pw.fn.COUNT(OralSlot.id))
            .where(
                OralSlot.assignment.in_([a.id for a in fee_assignments if a.kind != "correction"])
            )
            .group_by(OralSlot.assignment)
            .tuples()
        )
        if fee_assignments
        else {}
    )
    for assignment in fee_assignments:
        if assignment.kind not in LOADED_KINDS:
            continue
        hours = assignment.hours_centi or 0
        if hours <= 0:
            slots = slot_counts.get(assignment.id, 0)
            minutes = durations.get(assignment.epreuve_code or "", 0)
            hours = slots * minutes * 100 // 60
        hours_done[assignment.examiner] += hours

    # Communes and reference distances.
    commune_ids: set[int] = set()
    for examiner in bundle.examiners.values():
        commune_ids.update(c for c in (examiner.home_commune_id, examiner.admin_commune_id) if c)
    for claim_id in ids:
        for line in bundle.lines[claim_id]:
            commune_ids.update(c for c in (line.from_commune_id, line.to_commune_id) if c)
        for mission in bundle.missions[claim_id]:
            if mission.centre_commune_id:
                commune_ids.add(mission.centre_commune_id)
    if commune_ids:
        for commune in Commune.select().where(Commune.id.in_(list(commune_ids))):
            bundle.communes[commune.id] = commune
    commune_facts = {
        cid: expense_claims.CommuneFact(c.name, c.night_category or "base")
        for cid, c in bundle.communes.items()
    }
    pairs = {
        expense_claims.pair_key(line.from_commune_id, line.to_commune_id)
        for claim_id in ids
        for line in bundle.lines[claim_id]
        if line.kind == "car" and line.from_commune_id and line.to_commune_id
    }
    references = reference_distances(pairs, bundle.communes)

    # Confirmed anomalies.
    for entry in AuditLog.select(AuditLog.entity_id, AuditLog.after).where(
        (AuditLog.entity == ENTITY)
        & (AuditLog.entity_id.in_([str(i) for i in ids]))
        & (AuditLog.field == ANOMALY_FIELD)
    ):
        bundle.confirmed[int(entry.entity_id)].add(entry.after or "")

    # Facts per claim.
    for claim_id, claim in bundle.claims.items():
        examiner = bundle.examiners[claim.examiner_id]
        own = bundle.lines[claim_id]
        first_day = min((as_date(line.day) for line in own), default=None)
        others = [
            c
            for c in related.values()
            if c.examiner_id == claim.examiner_id and c.id != claim_id and c.state in CLAIM_LIVE
        ]
        other_claimed: dict[dt.date, list[tuple[int, str]]] = defaultdict(list)
        copies_elsewhere = hours_elsewhere = 0
        km_before = examiner.annual_km or 0
        for other in others:
            other_lines = all_lines.get(other.id, [])
            other_first = min((as_date(line.day) for line in other_lines), default=None)
            earlier = (
                first_day is not None
                and other_first is not None
                and (other_first, other.id) < (first_day, claim_id)
            )
            for line in other_lines:
                day = as_date(line.day)
                other_claimed[day].append((other.id, line.kind))
                same_session = other.session_id == claim.session_id
                if line.kind == "copies" and same_session:
                    copies_elsewhere += line.quantity_centi
                elif line.kind == "oral_hours" and same_session:
                    hours_elsewhere += line.quantity_centi
                elif (
                    line.kind == "car"
                    and earlier
                    and first_day is not None
                    and day.year == first_day.year
                ):
                    km_before += line.km or 0
        missions_elsewhere: dict[int, int] = {}
        for mission in bundle.missions[claim_id]:
            live = [
                c
                for c in mission_claims[mission.assignment_id] - {claim_id}
                if related[c].state in CLAIM_LIVE
            ]
            if live:
                missions_elsewhere[mission.assignment_id] = min(live)
        bundle.facts[claim_id] = expense_claims.ClaimFacts(
            claim_id=claim_id,
            missions=tuple(
                sorted(bundle.missions[claim_id], key=lambda m: (m.day, m.assignment_id))
            ),
            lines=tuple(line_fact(line) for line in own),
            home_commune_id=examiner.home_commune_id,
            admin_commune_id=examiner.admin_commune_id,
            fiscal_hp=examiner.fiscal_hp,
            vehicle_authorised=bool(examiner.vehicle_authorised),
            km_before=km_before,
            communes=commune_facts,
            reference_km=references,
            other_claimed={day: tuple(v) for day, v in other_claimed.items()},
            missions_elsewhere=missions_elsewhere,
            copies_held=copies_held.get(claim.examiner_id, 0),
            copies_elsewhere_centi=copies_elsewhere,
            hours_done_centi=hours_done.get(claim.examiner_id, 0),
            hours_elsewhere_centi=hours_elsewhere,
        )
    return bundle


def reference_distances(
    pairs: set[tuple[int, int]], communes: Mapping[int, Commune]
) -> dict[tuple[int, int], expense_claims.ReferenceDistance]:
    """Reference road distances on file, else estimated from the communes' coordinates."""
    found: dict[tuple[int, int], expense_claims.ReferenceDistance] = {}
    if not pairs:
        return found
    ids = list({c for pair in pairs for c in pair})
    for origin, destination, km in (
        CommuneDistance.select(
            CommuneDistance.origin, CommuneDistance.destination, CommuneDistance.km
        )
        .where(CommuneDistance.origin.in_(ids) & CommuneDistance.destination.in_(ids))
        .tuples()  # every distance between the page's communes: a thousand rows, not models
    ):
        pair = expense_claims.pair_key(origin, destination)
        if pair in pairs:
            found[pair] = expense_claims.ReferenceDistance(km)
    for pair in pairs - set(found):
        first, second = communes.get(pair[0]), communes.get(pair[1])
        if first is None or second is None:
            continue
        try:
            coords = [
                Decimal(str(v))
                for v in (first.latitude, first.longitude, second.latitude, second.longitude)
            ]
        except (InvalidOperation, TypeError):
            continue
        if any(v is None for v in coords):
            continue
        found[pair] = expense_claims.ReferenceDistance(
            expense_claims.estimate_road_km(*coords), estimated=True
        )
    return found


def reference_km(origin_id: int, destination_id: int) -> expense_claims.ReferenceDistance | None:
    """The reference distance between two communes (on file, else estimated), or None."""
    pair = expense_claims.pair_key(origin_id, destination_id)
    communes = {c.id: c for c in Commune.select().where(Commune.id.in_(list(pair)))}
    return reference_distances({pair}, communes).get(pair)


def evaluate(
    bundle: Bundle, claim_id: int, rates: expenses_rules.RateTable
) -> expense_claims.ClaimResult:
    return expense_checks.evaluate_claim(bundle.facts[claim_id], rates)
