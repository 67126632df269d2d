"""An expense claim as plain data: what F6 shows, the payment file and the état de frais print.

Value objects only (no base): the services build them from the stored claims and the rules'
computation, the screens show them, and the renderers of :mod:`baktui.exports.expenses` print
them. Labels come from the claim's lifecycle and from :mod:`baktui.rules.expenses`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from baktui.rules.expense_claims import ANOMALY_LABELS
from baktui.rules.expenses import FEE_KINDS, LINE_KIND_LABELS, STAY_KINDS, TRAVEL_KINDS
from baktui.rules.lifecycles import CLAIM, CLAIM_FROZEN

# Ages of unpaid claims, in days since the declaration: (upper bound or None, label).
AGEING_BUCKETS = ((30, "≤30 j"), (60, "31-60"), (90, "61-90"), (None, ">90 j"))


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
        return CLAIM.label(self.state)


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
        return LINE_KIND_LABELS.get(self.kind, self.kind)

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
        return ANOMALY_LABELS.get(self.code, self.code)


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
    examiner_civility: str = ""

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
        return self.state in CLAIM_FROZEN


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
        return CLAIM.label(self.state)


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
    identifier: str = ""  # the examiner's identifier (NUMEN, matricule) when recorded
    bank_reference: str = ""  # IBAN or the paying office's reference when recorded

    @property
    def travel_centi(self) -> int:
        return sum(self.by_kind.get(k, 0) for k in TRAVEL_KINDS + STAY_KINDS)

    @property
    def fees_centi(self) -> int:
        return sum(self.by_kind.get(k, 0) for k in FEE_KINDS)

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


@dataclass(frozen=True)
class RejectionLetter:
    """The letter telling an examiner that a claim was rejected, and why."""

    examiner_id: int
    civility: str
    last_name: str
    first_name: str
    corps: str  # the corps named in full, agreed by sex
    etablissement: str
    claim_id: int
    declared_on: dt.date | None
    first_day: dt.date | None
    last_day: dt.date | None
    total_centi: int
    reason: str
    rejected_on: dt.date
    rejected_by: str
    # where the letter is sent: « s/c du chef d'établissement », street, postcode and commune
    # of the examiner's établissement (the administration writes to a teacher there); () when
    # the examiner has none
    address: tuple[str, ...] = ()
