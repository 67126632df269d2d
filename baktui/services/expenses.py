"""Examiners' expense claims: reading, checking, correcting, validating and paying them (F6).

Screens call these functions from thread workers and get frozen dataclasses back. Amounts come
from :mod:`baktui.rules.expenses` over the dated ``ExpenseRate`` rows; every write goes through
:mod:`baktui.data.audit` inside one write transaction.

Life of a claim: ``declaree`` → ``service_fait`` (attested by the centre) → ``validee`` →
``mise_en_paiement``, or ``rejetee`` with a reason. Amounts are recomputed on every change of a
line and once more when the claim is validated; after validation they are frozen.
An anomaly found by the checks must be confirmed before validation: each confirmation is an audit
entry (``field="anomalie"``, ``after`` = the anomaly's text) on the claim, so a confirmed anomaly
stays confirmed while its text is the same, and a corrected line that still looks wrong asks again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Assignment,
    AuditLog,
    Centre,
    ClaimMission,
    Commune,
    CommuneDistance,
    Document,
    Epreuve,
    Etablissement,
    Examiner,
    ExpenseClaim,
    ExpenseLine,
    ExpenseRate,
    Lot,
    OralSlot,
)
from baktui.errors import ConflictError, NotFoundError, ServiceError
from baktui.rules import expenses as rules

STATES = ("declaree", "service_fait", "validee", "mise_en_paiement", "rejetee")
STATE_LABELS = {
    "declaree": "déclarée",
    "service_fait": "service fait",
    "validee": "validée",
    "mise_en_paiement": "mise en paiement",
    "rejetee": "rejetée",
}
LIVE_STATES = ("declaree", "service_fait", "validee", "mise_en_paiement")
OPEN_STATES = ("declaree", "service_fait")  # amounts may still change
UNPAID_STATES = ("declaree", "service_fait", "validee")
DEAD_ASSIGNMENT_STATES = ("annulee", "remplacee")
FEE_ASSIGNMENT_KINDS = ("oral", "pratique")
ENTITY = ExpenseClaim._meta.table_name
ANOMALY_FIELD = "anomalie"
AGEING_BUCKETS = ((30, "≤30 j"), (60, "31-60"), (90, "61-90"), (None, ">90 j"))
MAX_PAGE = 200
MIN_REASON_LENGTH = 3


# --- Plain data for the screens -----------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    """A claim in the queue."""

    id: int
    examiner_id: int
    examiner_name: str
    state: str
    declared_on: dt.date | None
    service_fait_on: dt.date | None
    days_waiting: int
    total_centi: int
    anomalies: int  # anomalies found now
    unconfirmed: int  # of which not yet confirmed
    version: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[ClaimRow, ...]
    total: int  # claims matching, all pages
    offset: int
    limit: int


@dataclass(frozen=True)
class LineView:
    id: int
    day: dt.date
    kind: str
    description: str  # what was declared, in French
    km: int
    fiscal_hp: int | None
    quantity_centi: int
    declared_centi: int
    receipt: bool
    night_category: str
    note: str
    amount_centi: int  # stored amount
    computed_centi: int  # amount computed now from the rates
    detail: str  # how the computed amount was obtained
    flagged: bool  # an anomaly points at this line

    @property
    def kind_label(self) -> str:
        return rules.LINE_KIND_LABELS.get(self.kind, self.kind)

    @property
    def stale(self) -> bool:
        return self.amount_centi != self.computed_centi


@dataclass(frozen=True)
class MissionView:
    assignment_id: int
    day: dt.date
    kind: str
    centre: str
    commune: str
    epreuve_code: str
    state: str


@dataclass(frozen=True)
class AnomalyView:
    code: str
    text: str
    line_id: int | None
    confirmed: bool

    @property
    def label(self) -> str:
        return rules.ANOMALY_LABELS.get(self.code, self.code)


@dataclass(frozen=True)
class ClaimDetail:
    """One claim with its examiner, convocations, lines, anomalies and totals."""

    row: ClaimRow
    session_id: int
    examiner_corps: str
    home_commune: str
    admin_commune: str
    fiscal_hp: int | None
    vehicle_authorised: bool
    annual_km: int
    missions: tuple[MissionView, ...]
    lines: tuple[LineView, ...]
    anomalies: tuple[AnomalyView, ...]
    computed_total_centi: int
    totals_by_kind: Mapping[str, int]  # computed now (stored amounts once validated)
    reject_reason: str
    validated_at: str
    validated_by: str
    paid_at: str

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def state(self) -> str:
        return self.row.state

    @property
    def version(self) -> int:
        return self.row.version

    @property
    def unconfirmed(self) -> tuple[AnomalyView, ...]:
        return tuple(a for a in self.anomalies if not a.confirmed)

    @property
    def frozen(self) -> bool:
        """Validated or paid: the stored amounts are the ones that count."""
        return self.state in ("validee", "mise_en_paiement")


@dataclass(frozen=True)
class AgeingRow:
    """Claims not yet paid, for one stage."""

    state: str
    count: int
    total_centi: int
    oldest_days: int
    average_days: int
    buckets: tuple[int, ...]  # counts per AGEING_BUCKETS

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class PaymentRow:
    """One validated claim for the payment file, amounts split by kind (stored amounts)."""

    claim_id: int
    state: str
    last_name: str
    first_name: str
    corps: str
    admin_commune: str
    first_day: dt.date | None
    last_day: dt.date | None
    validated_at: str
    validated_by: str
    by_kind: Mapping[str, int]

    @property
    def travel_centi(self) -> int:
        return sum(self.by_kind.get(k, 0) for k in rules.TRAVEL_KINDS + rules.STAY_KINDS)

    @property
    def fees_centi(self) -> int:
        return sum(self.by_kind.get(k, 0) for k in rules.FEE_KINDS)

    @property
    def total_centi(self) -> int:
        return self.travel_centi + self.fees_centi


@dataclass(frozen=True)
class ExaminerStatement:
    """The état de frais of one examiner: identity and the claims it lists."""

    examiner_id: int
    civility: str
    last_name: str
    first_name: str
    corps: str
    etablissement: str
    home_commune: str
    admin_commune: str
    fiscal_hp: int | None
    vehicle_authorised: bool
    claims: tuple[ClaimDetail, ...]


# --- Small helpers ------------------------------------------------------------------------------


def parse_day(text: str | None) -> dt.date | None:
    """A stored timestamp (ISO date or datetime text) → its date."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _name(examiner: Examiner) -> str:
    return f"{examiner.last_name.upper()} {examiner.first_name}"


def _claim_or_error(claim_id: int) -> ExpenseClaim:
    claim = ExpenseClaim.get_or_none(ExpenseClaim.id == claim_id)
    if claim is None:
        raise NotFoundError(f"Demande de remboursement n° {claim_id} introuvable.")
    return claim


def _locked_claim(claim_id: int, expected_version: int | None) -> ExpenseClaim:
    """The claim, checked against the version the caller read (call inside the transaction)."""
    claim = _claim_or_error(claim_id)
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


def _bump_version(claim: ExpenseClaim) -> None:
    """Mark the claim changed (a line was corrected) so that other open copies must reload."""
    ExpenseClaim.update(version=ExpenseClaim.version + 1).where(
        ExpenseClaim.id == claim.id
    ).execute()


# --- Rates --------------------------------------------------------------------------------------


def rate_table() -> rules.RateTable:
    """Every dated rate of the database."""
    return rules.RateTable(
        rules.Rate(
            kind=row.kind,
            key=row.key or "",
            amount=Decimal(str(row.amount).replace(",", ".")),
            valid_from=_as_date(row.valid_from),
            valid_to=_as_date(row.valid_to) if row.valid_to else None,
        )
        for row in ExpenseRate.select()
    )


def seed_default_rates() -> int:
    """Load the rates shipped with baktui (section 8) for every kind that has none yet; audited.

    Returns the number of rates added. A kind the office already keyed is left as it is.
    """
    defaults = rules.load_default_rates()
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


# --- Facts: what the checks need, read in bulk --------------------------------------------------


@dataclass
class _Bundle:
    """Rows read once for a set of claims."""

    claims: dict[int, ExpenseClaim] = field(default_factory=dict)
    examiners: dict[int, Examiner] = field(default_factory=dict)
    lines: dict[int, list[ExpenseLine]] = field(default_factory=lambda: defaultdict(list))
    missions: dict[int, list[rules.MissionFact]] = field(default_factory=lambda: defaultdict(list))
    mission_states: dict[int, str] = field(default_factory=dict)
    communes: dict[int, Commune] = field(default_factory=dict)
    facts: dict[int, rules.ClaimFacts] = field(default_factory=dict)
    confirmed: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


def _line_fact(line: ExpenseLine) -> rules.LineFact:
    return rules.LineFact(
        id=line.id,
        day=_as_date(line.day),
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


def _load(claim_ids: Sequence[int]) -> _Bundle:
    """Read the claims and everything their checks need, in a fixed number of queries."""
    bundle = _Bundle()
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
            & (ExpenseClaim.state.in_(LIVE_STATES) | ExpenseClaim.id.in_(ids))
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
            rules.MissionFact(
                assignment_id=assignment.id,
                day=_as_date(assignment.day),
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
    for lot in Lot.select(Lot.id, Lot.correcteur, Lot.control_copies).where(
        Lot.correcteur.in_(list(examiner_ids)) & Lot.session.in_(list(session_ids))
    ):
        lot_owner[lot.id] = lot.correcteur_id
    fee_assignments = list(
        Assignment.select(
            Assignment.id,
            Assignment.examiner,
            Assignment.kind,
            Assignment.lot,
            Assignment.hours_centi,
            Assignment.epreuve_code,
        ).where(
            Assignment.examiner.in_(list(examiner_ids))
            & Assignment.session.in_(list(session_ids))
            & Assignment.state.not_in(DEAD_ASSIGNMENT_STATES)
        )
    )
    for assignment in fee_assignments:
        if assignment.kind == "correction" and assignment.lot_id:
            lot_owner.setdefault(assignment.lot_id, assignment.examiner_id)
    if lot_owner:
        counts = dict(
            Anonymat.select(Anonymat.lot, pw.fn.COUNT(Anonymat.id))
            .where(Anonymat.lot.in_(list(lot_owner)))
            .group_by(Anonymat.lot)
            .tuples()
        )
        controls = {
            lot.id: lot.control_copies or 0
            for lot in Lot.select(Lot.id, Lot.control_copies).where(Lot.id.in_(list(lot_owner)))
        }
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
        if assignment.kind not in FEE_ASSIGNMENT_KINDS:
            continue
        hours = assignment.hours_centi or 0
        if hours <= 0:
            slots = slot_counts.get(assignment.id, 0)
            minutes = durations.get(assignment.epreuve_code or "", 0)
            hours = slots * minutes * 100 // 60
        hours_done[assignment.examiner_id] += hours

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
        cid: rules.CommuneFact(c.name, c.night_category or "base")
        for cid, c in bundle.communes.items()
    }
    pairs = {
        rules.pair_key(line.from_commune_id, line.to_commune_id)
        for claim_id in ids
        for line in bundle.lines[claim_id]
        if line.kind == "car" and line.from_commune_id and line.to_commune_id
    }
    references = _reference_distances(pairs, bundle.communes)

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
        first_day = min((_as_date(line.day) for line in own), default=None)
        others = [
            c
            for c in related.values()
            if c.examiner_id == claim.examiner_id and c.id != claim_id and c.state in LIVE_STATES
        ]
        other_claimed: dict[dt.date, list[tuple[int, str]]] = defaultdict(list)
        copies_elsewhere = hours_elsewhere = 0
        km_before = examiner.annual_km or 0
        for other in others:
            other_lines = all_lines.get(other.id, [])
            other_first = min((_as_date(line.day) for line in other_lines), default=None)
            earlier = (
                first_day is not None
                and other_first is not None
                and (other_first, other.id) < (first_day, claim_id)
            )
            for line in other_lines:
                day = _as_date(line.day)
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
                if related[c].state in LIVE_STATES
            ]
            if live:
                missions_elsewhere[mission.assignment_id] = min(live)
        bundle.facts[claim_id] = rules.ClaimFacts(
            claim_id=claim_id,
            missions=tuple(
                sorted(bundle.missions[claim_id], key=lambda m: (m.day, m.assignment_id))
            ),
            lines=tuple(_line_fact(line) for line in own),
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


def _reference_distances(
    pairs: set[tuple[int, int]], communes: Mapping[int, Commune]
) -> dict[tuple[int, int], rules.ReferenceDistance]:
    """Reference road distances on file, else estimated from the communes' coordinates."""
    found: dict[tuple[int, int], rules.ReferenceDistance] = {}
    if not pairs:
        return found
    ids = list({c for pair in pairs for c in pair})
    for row in CommuneDistance.select().where(
        CommuneDistance.origin.in_(ids) & CommuneDistance.destination.in_(ids)
    ):
        pair = rules.pair_key(row.origin_id, row.destination_id)
        if pair in pairs:
            found[pair] = rules.ReferenceDistance(row.km)
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
        found[pair] = rules.ReferenceDistance(rules.estimate_road_km(*coords), estimated=True)
    return found


def reference_km(origin_id: int, destination_id: int) -> rules.ReferenceDistance | None:
    """The reference distance between two communes (on file, else estimated), or None."""
    pair = rules.pair_key(origin_id, destination_id)
    communes = {c.id: c for c in Commune.select().where(Commune.id.in_(list(pair)))}
    return _reference_distances({pair}, communes).get(pair)


# --- Building the plain views -------------------------------------------------------------------


def _evaluate(bundle: _Bundle, claim_id: int, rates: rules.RateTable) -> rules.ClaimResult:
    return rules.evaluate_claim(bundle.facts[claim_id], rates)


def _days_waiting(claim: ExpenseClaim, today: dt.date) -> int:
    """Days from the declaration to the payment order (to today while not paid)."""
    declared = parse_day(claim.declared_at)
    end = parse_day(claim.paid_at) or today
    return max((end - declared).days, 0) if declared else 0


def _row(
    bundle: _Bundle, claim: ExpenseClaim, result: rules.ClaimResult, today: dt.date
) -> ClaimRow:
    confirmed = bundle.confirmed.get(claim.id, set())
    unconfirmed = sum(1 for a in result.anomalies if a.text not in confirmed)
    return ClaimRow(
        id=claim.id,
        examiner_id=claim.examiner_id,
        examiner_name=_name(bundle.examiners[claim.examiner_id]),
        state=claim.state,
        declared_on=parse_day(claim.declared_at),
        service_fait_on=parse_day(claim.service_fait_at),
        days_waiting=_days_waiting(claim, today),
        total_centi=claim.total_centi,
        anomalies=len(result.anomalies),
        unconfirmed=unconfirmed,
        version=claim.version,
    )


def _describe(line: ExpenseLine, communes: Mapping[int, Commune]) -> str:
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
            text += f", billet {rules.euros_text(line.declared_centi)}"
        return text
    if line.kind in ("toll", "parking"):
        return rules.euros_text(line.declared_centi)
    if line.kind == "meal":
        return f"{rules.quantity_text(line.quantity_centi)} repas"
    if line.kind == "night":
        text = f"{rules.quantity_text(line.quantity_centi)} nuit"
        if line.declared_centi:
            text += f", facture {rules.euros_text(line.declared_centi)}"
        return text
    if line.kind == "copies":
        return f"{rules.quantity_text(line.quantity_centi)} copies"
    if line.kind == "oral_hours":
        return f"{rules.quantity_text(line.quantity_centi)} h"
    return line.note or ""


def _detail(bundle: _Bundle, claim_id: int, rates: rules.RateTable, today: dt.date) -> ClaimDetail:
    claim = bundle.claims[claim_id]
    examiner = bundle.examiners[claim.examiner_id]
    result = _evaluate(bundle, claim_id, rates)
    confirmed = bundle.confirmed.get(claim_id, set())
    flagged = {a.line_id for a in result.anomalies if a.line_id is not None}
    computed = {r.line_id: r for r in result.lines}
    lines = tuple(
        LineView(
            id=line.id,
            day=_as_date(line.day),
            kind=line.kind,
            description=_describe(line, bundle.communes),
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
    frozen = claim.state in ("validee", "mise_en_paiement")
    by_kind = rules.totals_by_kind(
        [(line.kind, line.amount_centi if frozen else line.computed_centi) for line in lines]
    )

    def commune_name(commune_id: int | None) -> str:
        commune = bundle.communes.get(commune_id) if commune_id else None
        return commune.name if commune else ""

    missions = tuple(
        MissionView(
            assignment_id=m.assignment_id,
            day=m.day,
            kind=m.kind,
            centre=m.centre_name,
            commune=commune_name(m.centre_commune_id),
            epreuve_code=m.epreuve_code or "",
            state=bundle.mission_states.get(m.assignment_id, ""),
        )
        for m in bundle.facts[claim_id].missions
    )
    return ClaimDetail(
        row=_row(bundle, claim, result, today),
        session_id=claim.session_id,
        examiner_corps=examiner.corps or "",
        home_commune=commune_name(examiner.home_commune_id),
        admin_commune=commune_name(examiner.admin_commune_id),
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
    )


# --- Reading ------------------------------------------------------------------------------------


def queue(
    session_id: int,
    *,
    states: Sequence[str] = ("service_fait",),
    offset: int = 0,
    limit: int = 50,
    today: dt.date | None = None,
) -> QueuePage:
    """A page of claims in the given states, oldest declaration first, with their anomalies."""
    unknown = [s for s in states if s not in STATE_LABELS]
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
    bundle = _load(ids)
    rates = rate_table()
    today = today or dt.date.today()
    rows = tuple(_row(bundle, bundle.claims[i], _evaluate(bundle, i, rates), today) for i in ids)
    return QueuePage(rows, total, offset, limit)


def claim_detail(claim_id: int, *, today: dt.date | None = None) -> ClaimDetail:
    """One claim, its amounts computed now from the rates and its anomalies."""
    bundle = _load([claim_id])
    if claim_id not in bundle.claims:
        raise NotFoundError(f"Demande de remboursement n° {claim_id} introuvable.")
    return _detail(bundle, claim_id, rate_table(), today or dt.date.today())


def claims_of_examiner(examiner_id: int, session_id: int | None = None) -> list[int]:
    """Ids of an examiner's claims (of a session), oldest first."""
    query = ExpenseClaim.select(ExpenseClaim.id).where(ExpenseClaim.examiner == examiner_id)
    if session_id is not None:
        query = query.where(ExpenseClaim.session == session_id)
    return [c.id for c in query.order_by(ExpenseClaim.declared_at, ExpenseClaim.id)]


def ageing(session_id: int, *, today: dt.date | None = None) -> list[AgeingRow]:
    """Claims not yet paid, by stage: how many, how much, how long since declared."""
    today = today or dt.date.today()
    per_state: dict[str, list[tuple[int, int]]] = {state: [] for state in UNPAID_STATES}
    query = ExpenseClaim.select(
        ExpenseClaim.state, ExpenseClaim.declared_at, ExpenseClaim.total_centi
    ).where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(UNPAID_STATES))
    for state, declared_at, total in query.tuples().iterator():
        declared = parse_day(declared_at)
        days = max((today - declared).days, 0) if declared else 0
        per_state[state].append((days, total or 0))
    rows: list[AgeingRow] = []
    for state in UNPAID_STATES:
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
    counts = dict.fromkeys(STATES, 0)
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


def _store_amounts(claim_id: int, reason: str) -> rules.ClaimResult:
    """Compute the claim's lines now and write the amounts that changed (inside a transaction)."""
    bundle = _load([claim_id])
    result = _evaluate(bundle, claim_id, rate_table())
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
        claim = _claim_or_error(claim_id)
        if claim.state not in OPEN_STATES:
            raise ServiceError(
                f"Demande n° {claim_id} {STATE_LABELS[claim.state]} : ses montants sont arrêtés, "
                "on ne les recalcule plus."
            )
        _store_amounts(claim_id, reason)
    return claim_detail(claim_id)


# --- Creating claims ----------------------------------------------------------------------------


def _copies_in_lot(lot_id: int) -> int:
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
    if origin not in rules.ORIGIN_LABELS:
        raise ServiceError(f"Origine du trajet « {origin} » inconnue (administrative, family).")
    if not 0 <= meals_per_day <= rules.MAX_MEALS_PER_DAY:
        raise ServiceError(
            f"Repas par jour : entre 0 et {rules.MAX_MEALS_PER_DAY} ({meals_per_day} demandé)."
        )
    with write_transaction():
        examiner = Examiner.get_or_none(Examiner.id == examiner_id)
        if examiner is None:
            raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
        query = (
            Assignment.select(Assignment, Centre)
            .join(Centre, pw.JOIN.LEFT_OUTER)
            .where(
                (Assignment.examiner == examiner_id)
                & Assignment.state.not_in(DEAD_ASSIGNMENT_STATES)
            )
        )
        if assignment_ids is not None:
            wanted = list(assignment_ids)
            query = query.where(Assignment.id.in_(wanted))
        else:
            covered = (
                ClaimMission.select(ClaimMission.assignment)
                .join(ExpenseClaim)
                .where(ExpenseClaim.state.in_(LIVE_STATES))
            )
            query = query.where(Assignment.id.not_in(covered))
        assignments = list(query.order_by(Assignment.day, Assignment.id))
        if assignment_ids is not None and len(assignments) != len(set(wanted)):
            missing = sorted(set(wanted) - {a.id for a in assignments})
            raise ServiceError(
                f"Convocation(s) {', '.join(map(str, missing))} introuvable(s), annulée(s) ou "
                f"d'un autre examinateur que {_name(examiner)}."
            )
        if not assignments:
            raise ServiceError(f"Aucune convocation à déclarer pour {_name(examiner)}.")
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
            state="declaree",
            declared_at=declared_at or audit.now_iso(),
            reason="déclaration à partir des convocations",
        )
        for assignment in assignments:
            audit.create(ClaimMission, claim=claim.id, assignment=assignment.id)

        by_day: dict[dt.date, list[Assignment]] = defaultdict(list)
        for assignment in assignments:
            by_day[_as_date(assignment.day)].append(assignment)
        night_days = {_as_date(d) for d in nights}

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
                    copies = _copies_in_lot(assignment.lot_id)
                    if copies:
                        add(
                            day,
                            "copies",
                            quantity_centi=100 * copies,
                            note=f"lot {assignment.lot.number}",
                        )
                elif assignment.kind in FEE_ASSIGNMENT_KINDS and assignment.hours_centi:
                    add(
                        day,
                        "oral_hours",
                        quantity_centi=assignment.hours_centi,
                        note=assignment.epreuve_code or "",
                    )
        _store_amounts(claim.id, "calcul à la déclaration")
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
    if kind not in rules.LINE_KINDS:
        raise ServiceError(f"Nature de ligne « {kind} » inconnue.")
    unknown = sorted(set(values) - set(LINE_FIELDS))
    if unknown:
        raise ServiceError(f"Champ(s) de ligne inconnu(s) : {', '.join(unknown)}.")
    with write_transaction():
        claim = _locked_claim(claim_id, expected_version)
        _require_open(claim)
        audit.create(ExpenseLine, claim=claim_id, day=day, kind=kind, reason=reason, **values)
        _bump_version(claim)
        _store_amounts(claim_id, reason)
    return claim_detail(claim_id)


# --- Corrections --------------------------------------------------------------------------------

CORRECTABLE = {
    "km": "Distance (km)",
    "fiscal_hp": "Puissance fiscale (CV)",
    "quantity": "Quantité",
    "declared": "Montant déclaré (€)",
    "receipt": "Justificatif",
    "night_category": "Catégorie de nuitée",
    "note": "Note",
}
YES = {"o", "oui", "y", "yes", "1", "vrai", "x"}
NO = {"n", "non", "no", "0", "faux", ""}


def parse_correction(changes: Mapping[str, str]) -> dict[str, object]:
    """Typed text → model values; a ServiceError naming the field on bad input."""
    parsed: dict[str, object] = {}
    for key, raw in changes.items():
        if key not in CORRECTABLE:
            raise ServiceError(f"Champ « {key} » non corrigeable.")
        label = CORRECTABLE[key]
        text = str(raw).strip()
        try:
            if key == "km":
                value = rules.parse_quantity(text or "0", label)
                if value % 100:
                    raise ValueError(f"{label} : un nombre entier de kilomètres (« {text} »).")
                parsed["km"] = value // 100
            elif key == "fiscal_hp":
                if not text:
                    parsed["fiscal_hp"] = None
                    continue
                value = rules.parse_quantity(text, label)
                if value % 100 or not 1 <= value // 100 <= 99:
                    raise ValueError(f"{label} : un entier de 1 à 99 (« {text} »).")
                parsed["fiscal_hp"] = value // 100
            elif key == "quantity":
                parsed["quantity_centi"] = rules.parse_quantity(text or "0", label)
            elif key == "declared":
                parsed["declared_centi"] = rules.parse_euros(text or "0", label)
            elif key == "receipt":
                lowered = text.lower()
                if lowered not in YES | NO:
                    raise ValueError(f"{label} : répondez o (oui) ou n (non), pas « {text} ».")
                parsed["receipt"] = lowered in YES
            elif key == "night_category":
                if text and text not in rules.NIGHT_CATEGORIES:
                    raise ValueError(
                        f"{label} : « {text} » inconnue ({', '.join(rules.NIGHT_CATEGORIES)})."
                    )
                parsed["night_category"] = text
            elif key == "note":
                if len(text) > 200:
                    raise ValueError(f"{label} : 200 caractères au plus.")
                parsed["note"] = text
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
    return parsed


def _require_open(claim: ExpenseClaim) -> None:
    if claim.state not in OPEN_STATES:
        raise ServiceError(
            f"Demande n° {claim.id} {STATE_LABELS.get(claim.state, claim.state)} : "
            "elle ne se corrige plus."
        )


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
    values = parse_correction(changes)
    why = reason.strip() or "correction par le bureau"
    with write_transaction():
        claim = _locked_claim(claim_id, expected_version)
        _require_open(claim)
        line = ExpenseLine.get_or_none(
            (ExpenseLine.id == line_id) & (ExpenseLine.claim == claim_id)
        )
        if line is None:
            raise NotFoundError(f"Ligne n° {line_id} absente de la demande n° {claim_id}.")
        audit.update(ExpenseLine, line_id, values, reason=why)
        after = ExpenseLine.get_by_id(line_id)
        if any(getattr(line, k) != getattr(after, k) for k in values):
            _bump_version(claim)
        _store_amounts(claim_id, f"recalcul après correction : {why}")
    return claim_detail(claim_id)


# --- State changes ------------------------------------------------------------------------------


def attest_service_fait(
    claim_id: int, expected_version: int | None, *, on: str | None = None
) -> ClaimDetail:
    """Record the centre's "service fait" (déclarée → service fait)."""
    with write_transaction():
        claim = _locked_claim(claim_id, expected_version)
        if claim.state != "declaree":
            raise ServiceError(
                f"Demande n° {claim_id} {STATE_LABELS.get(claim.state, claim.state)} : "
                "le service fait ne s'atteste que sur une demande déclarée."
            )
        audit.update(
            ExpenseClaim,
            claim_id,
            {"state": "service_fait", "service_fait_at": on or audit.now_iso()},
            reason="service fait attesté par le centre",
        )
    return claim_detail(claim_id)


def confirm_anomaly(claim_id: int, text: str) -> None:
    """Record that the operator looked at this anomaly and accepts it (audit entry)."""
    with write_transaction():
        _claim_or_error(claim_id)
        audit.log("event", ENTITY, claim_id, ANOMALY_FIELD, after=text, reason="anomalie confirmée")


def validate_claim(
    claim_id: int, expected_version: int | None, confirmed: Iterable[str] = ()
) -> ClaimDetail:
    """Service fait → validée, after a last recomputation; every anomaly must be confirmed.

    ``confirmed`` are the texts of the anomalies the operator has just confirmed: they are recorded
    (one audit entry each) in the same transaction as the validation. If an anomaly is neither in
    ``confirmed`` nor confirmed earlier, nothing is written.
    """
    confirmed_now = set(confirmed)
    with write_transaction():
        claim = _locked_claim(claim_id, expected_version)
        if claim.state != "service_fait":
            if claim.state == "declaree":
                raise ServiceError(
                    f"Demande n° {claim_id} : le service fait n'est pas attesté par le centre, "
                    "elle ne peut pas être validée."
                )
            raise ServiceError(
                f"Demande n° {claim_id} {STATE_LABELS.get(claim.state, claim.state)} : "
                "elle ne peut plus être validée."
            )
        result = _store_amounts(claim_id, "recalcul à la validation")
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
                f"Demande n° {claim_id} : {len(missing)} anomalie(s) à confirmer avant de "
                f"valider, dont « {missing[0].text} »."
            )
        for anomaly in result.anomalies:
            if anomaly.text in confirmed_now and anomaly.text not in already:
                audit.log(
                    "event",
                    ENTITY,
                    claim_id,
                    ANOMALY_FIELD,
                    after=anomaly.text,
                    reason="anomalie confirmée avant validation",
                )
        audit.update(
            ExpenseClaim,
            claim_id,
            {
                "state": "validee",
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
        claim = _locked_claim(claim_id, expected_version)
        if claim.state not in OPEN_STATES:
            raise ServiceError(
                f"Demande n° {claim_id} {STATE_LABELS.get(claim.state, claim.state)} : "
                "elle ne peut plus être rejetée."
            )
        audit.update(
            ExpenseClaim,
            claim_id,
            {"state": "rejetee", "reject_reason": text},
            reason=f"rejet : {text}",
        )
    return claim_detail(claim_id)


def mark_paid(session_id: int, claim_ids: Iterable[int] | None = None) -> int:
    """Validated claims (all of the session, or these) → mise en paiement. Returns the count."""
    with write_transaction():
        query = ExpenseClaim.select(ExpenseClaim.id, ExpenseClaim.version).where(
            (ExpenseClaim.session == session_id) & (ExpenseClaim.state == "validee")
        )
        if claim_ids is not None:
            query = query.where(ExpenseClaim.id.in_(list(claim_ids)))
        claims = list(query)
        now = audit.now_iso()
        for claim in claims:
            audit.update(
                ExpenseClaim,
                claim.id,
                {"state": "mise_en_paiement", "paid_at": now},
                expected_version=claim.version,
                reason="mise en paiement",
            )
    return len(claims)


# --- Exports: plain data ------------------------------------------------------------------------


def payment_rows(
    session_id: int, *, states: Sequence[str] = ("validee",), limit: int | None = None
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
        days[claim_id].append(_as_date(day))
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
            corps=c.examiner.corps or "",
            admin_commune=communes.get(c.examiner.admin_commune_id, ""),
            first_day=min(days[c.id], default=None),
            last_day=max(days[c.id], default=None),
            validated_at=c.validated_at or "",
            validated_by=c.validated_by or "",
            by_kind=rules.totals_by_kind(sums[c.id]),
        )
        for c in claims
    ]


def examiner_statements(
    examiner_ids: Sequence[int], session_id: int, *, states: Sequence[str] = LIVE_STATES
) -> list[ExaminerStatement]:
    """États de frais: each examiner's identity and claims of the session in ``states``.

    Read in bulk (a fixed number of queries for the whole batch), in the order given.
    """
    examiners = {e.id: e for e in Examiner.select().where(Examiner.id.in_(list(examiner_ids)))}
    missing = [i for i in examiner_ids if i not in examiners]
    if missing:
        raise NotFoundError(f"Examinateur n° {missing[0]} introuvable.")
    claim_ids: dict[int, list[int]] = defaultdict(list)
    for claim in (
        ExpenseClaim.select(ExpenseClaim.id, ExpenseClaim.examiner)
        .where(
            ExpenseClaim.examiner.in_(list(examiner_ids))
            & (ExpenseClaim.session == session_id)
            & ExpenseClaim.state.in_(list(states))
        )
        .order_by(ExpenseClaim.declared_at, ExpenseClaim.id)
    ):
        claim_ids[claim.examiner_id].append(claim.id)
    bundle = _load([i for ids in claim_ids.values() for i in ids])
    rates = rate_table()
    today = dt.date.today()
    commune_ids = {
        c for e in examiners.values() for c in (e.home_commune_id, e.admin_commune_id) if c
    }
    communes = {c.id: c.name for c in Commune.select().where(Commune.id.in_(list(commune_ids)))}
    etab_ids = {e.etablissement_id for e in examiners.values() if e.etablissement_id}
    etabs = {
        e.id: e.name for e in Etablissement.select().where(Etablissement.id.in_(list(etab_ids)))
    }
    statements: list[ExaminerStatement] = []
    for examiner_id in examiner_ids:
        examiner = examiners[examiner_id]
        statements.append(
            ExaminerStatement(
                examiner_id=examiner.id,
                civility=examiner.civility or "",
                last_name=examiner.last_name,
                first_name=examiner.first_name,
                corps=examiner.corps or "",
                etablissement=etabs.get(examiner.etablissement_id, ""),
                home_commune=communes.get(examiner.home_commune_id, ""),
                admin_commune=communes.get(examiner.admin_commune_id, ""),
                fiscal_hp=examiner.fiscal_hp,
                vehicle_authorised=bool(examiner.vehicle_authorised),
                claims=tuple(
                    _detail(bundle, i, rates, today) for i in claim_ids.get(examiner_id, [])
                ),
            )
        )
    return statements


def examiner_statement(
    examiner_id: int, session_id: int, *, states: Sequence[str] = LIVE_STATES
) -> ExaminerStatement:
    """One examiner's état de frais (see :func:`examiner_statements`)."""
    return examiner_statements([examiner_id], session_id, states=states)[0]


def examiners_with_claims(session_id: int, states: Sequence[str] = ("validee",)) -> list[int]:
    """Examiners having claims in ``states``, by name (for a batch of états de frais)."""
    query = (
        Examiner.select(Examiner.id)
        .join(ExpenseClaim)
        .where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(list(states)))
        .group_by(Examiner.id)
        .order_by(Examiner.last_name, Examiner.first_name)
    )
    return [e.id for e in query]


def record_document(examiner_id: int | None, kind: str, reference: str) -> None:
    """Note an issued document (état de frais, payment file) in the documents table; audited."""
    record_documents([examiner_id], kind, reference)


def record_documents(examiner_ids: Sequence[int | None], kind: str, reference: str) -> None:
    """Note one issued document per examiner (a batch file), in one transaction; audited."""
    issued_at, issued_by = audit.now_iso(), audit.current_user()
    with write_transaction():
        for examiner_id in examiner_ids:
            audit.create(
                Document,
                kind=kind,
                examiner=examiner_id,
                issued_at=issued_at,
                issued_by=issued_by,
                reference=reference,
                reason="document édité",
            )
