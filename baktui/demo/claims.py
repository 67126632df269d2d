"""The demo's expense rates and claims: examiners' états de frais for missions already done.

The dated rates are the ones shipped with baktui (:func:`baktui.rules.expenses.load_default_rates`,
section 8 of the rules reference). About one claim per 80 candidates, each covering one to three
missions carried out (an absent examiner claims nothing for the mission he missed): one trip a day
(car at the kilometric bands of the examiner's cumulative km, or a train ticket), lunch on oral
and jury days, a hotel the evening before a far convocation, the copies of a correction, the
hours of an oral. Amounts come from the same rule functions as the app's, so a claim's total is
what baktui computes. A few claims carry the expense anomalies (:mod:`baktui.demo.anomalies`).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import NamedTuple

from baktui.data.models import ClaimMission, ExpenseClaim, ExpenseLine, ExpenseRate
from baktui.demo.anomalies import plan_claim_anomalies
from baktui.demo.assignments import AssignmentPlan, Book
from baktui.demo.bulk import Table
from baktui.demo.calendar import DEMO_TODAY
from baktui.demo.context import DemoContext, fr_int
from baktui.demo.examiners import ExaminerPlan, Staff
from baktui.demo.lots import LotRecord
from baktui.demo.places import Places
from baktui.rules import expenses
from baktui.rules.expenses import RateTable, load_default_rates, round_cents
from baktui.rules.lifecycles import ClaimState

CANDIDATES_PER_CLAIM = 80
FAR_KM = 90  # a convocation this far from the administrative residence: a night the day before
TICKET_PER_KM = Decimal("0.12")  # the demo's train fares: 2 € plus 0,12 € a km
TICKET_BASE_CENTI = 200


class _Line(NamedTuple):
    """An ExpenseLine row (field names are the model's)."""

    claim: int
    day: str
    kind: str
    amount_centi: int
    note: str
    quantity_centi: int = 100
    declared_centi: int = 0
    receipt: bool = False
    night_category: str = ""
    origin: str = ""
    from_commune: int | None = None
    to_commune: int | None = None
    km: int = 0
    fiscal_hp: int | None = None


def write_rates(ctx: DemoContext) -> None:
    rows = Table(ExpenseRate, ("kind", "key", "amount", "valid_from", "valid_to"))
    for rate in load_default_rates():
        valid_to = rate.valid_to.isoformat() if rate.valid_to else None
        rows.rows.append(
            (rate.kind, rate.key, str(rate.amount), rate.valid_from.isoformat(), valid_to)
        )
    rows.flush()
    ctx.event("expense_rate", f"{fr_int(rows.count)} taux de frais datés créés")


def write_claims(
    ctx: DemoContext, places: Places, staff: Staff, book: Book, lots: list[LotRecord]
) -> None:
    """Claims of examiners drawn among those with a mission done, with missions and lines."""
    rng = ctx.rng("claims")
    claims = Table(
        ExpenseClaim,
        ("id", "session", "examiner", "state", "declared_at", "service_fait_at", "total_centi"),
    )
    missions = Table(ClaimMission, ("claim", "assignment"))
    lines = Table(ExpenseLine, _Line._fields)
    by_id = {ex.id: ex for ex in staff.examiners}
    eligible = [ex_id for ex_id in sorted(book.by_examiner) if book.done_by(ex_id)]
    n_claims = min(len(eligible), max(10, round(ctx.n / CANDIDATES_PER_CLAIM)))
    chosen = sorted(rng.sample(eligible, n_claims))
    anomaly_plan = plan_claim_anomalies(rng, n_claims)
    writer = _ClaimLines(rng, places, book, lots)
    for claim_no, ex_id in enumerate(chosen):
        claim_id = claim_no + 1
        done = book.done_by(ex_id)
        done.sort(key=lambda a: (a.day, a.id))
        covered = done[: rng.randint(1, 3)]
        missions.rows.extend((claim_id, a.id) for a in covered)
        claim_lines = writer.lines(claim_id, by_id[ex_id], covered, anomaly_plan.get(claim_no))
        if claim_no in anomaly_plan:
            ctx.flag(anomaly_plan[claim_no], f"état de frais n° {claim_id}")
        lines.rows.extend(claim_lines)
        total = sum(li.amount_centi for li in claim_lines)
        declared_at = covered[-1].day + dt.timedelta(days=rng.randint(0, 6))
        service_fait = rng.random() < 0.45 and declared_at < DEMO_TODAY
        hour, minute = rng.randint(8, 21), rng.randint(0, 59)
        declared = f"{declared_at.isoformat()}T{hour:02d}:{minute:02d}:00+02:00"
        checked = None
        if service_fait:
            day = min(DEMO_TODAY, declared_at + dt.timedelta(days=rng.randint(1, 5)))
            checked = f"{day.isoformat()}T09:00:00+02:00"
        claims.rows.append(
            (
                claim_id,
                ctx.session_id,
                ex_id,
                ClaimState.SERVICE_FAIT if service_fait else ClaimState.DECLAREE,
                declared,
                checked,
                total,
            )
        )
    claims.flush()
    missions.flush()
    lines.flush()
    ctx.summary.claims = claims.count
    ctx.event(
        "expense_claim",
        f"{fr_int(claims.count)} états de frais ({fr_int(lines.count)} lignes) déclarés",
    )


class _ClaimLines:
    """The lines of one claim after another (the draws come from the claims' stream)."""

    def __init__(
        self, rng: random.Random, places: Places, book: Book, lots: list[LotRecord]
    ) -> None:
        self.rng = rng
        self.places = places
        self.book = book
        self.lot_copies = {lot.id: lot.copies for lot in lots}
        self.rates = RateTable(load_default_rates())

    def lines(
        self, claim_id: int, ex: ExaminerPlan, covered: list[AssignmentPlan], anomaly: str | None
    ) -> list[_Line]:
        places = self.places
        rng = self.rng
        driven = [ex.annual_km]  # the examiner's km counter of the year
        out: list[_Line] = []
        travelled: set[dt.date] = set()  # one trip (and meal, night) a day, however many missions
        for a in covered:
            day = a.day
            commune = places.centres[a.centre].commune
            first_of_day = day not in travelled
            travelled.add(day)
            line = self.trip(claim_id, ex, driven, day, a.centre) if first_of_day else None
            if line is not None:
                out.append(line)
            far = first_of_day and places.km[ex.admin][commune] >= FAR_KM
            if a.kind in ("oral", "jury") and line is not None:
                out.append(self.meal(claim_id, day))
            if a.kind in ("oral", "jury") and far:
                declared = rng.randrange(7500, 14000, 100)
                out.append(
                    self.night(
                        claim_id,
                        day - dt.timedelta(days=1),
                        places.communes[commune].category,
                        declared,
                        receipt=True,
                        note="hôtel, veille de la convocation",
                    )
                )
            if a.kind == "correction":
                copies = self.lot_copies[a.lot] if a.lot is not None else 0
                amount = expenses.copies_amount(copies * 100, day, self.rates).centi
                out.append(
                    _Line(
                        claim_id, day.isoformat(), "copies", amount, f"lot n° {a.lot}", copies * 100
                    )
                )
            if a.kind == "oral" and a.hours_centi:
                amount = expenses.oral_amount(a.hours_centi, day, self.rates).centi
                out.append(
                    _Line(
                        claim_id, day.isoformat(), "oral_hours", amount, f"{a.code}", a.hours_centi
                    )
                )
        if anomaly == "frais_sans_convocation":
            busy_days = {self.book.get(a_id).day for a_id in self.book.by_examiner[ex.id]}
            day = covered[0].day - dt.timedelta(days=1)
            while day in busy_days or day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            line = self.trip(claim_id, ex, driven, day, covered[0].centre)
            out.append(line if line is not None else self.meal(claim_id, day))
        elif anomaly == "frais_jour_double":
            first = next((li for li in out if li.kind in ("car", "public_transport", "meal")), None)
            if first is None:
                first = self.meal(claim_id, covered[0].day)
                out.append(first)
            out.append(first)
        elif anomaly == "nuitee_sans_justificatif":
            a = covered[0]
            category = places.communes[places.centres[a.centre].commune].category
            declared = rng.randrange(8000, 13000, 100)
            out.append(
                self.night(
                    claim_id,
                    a.day,
                    category,
                    declared,
                    receipt=False,
                    note="hôtel (justificatif non fourni)",
                )
            )
        return out

    def trip(
        self, claim_id: int, ex: ExaminerPlan, driven: list[int], day: dt.date, centre: int
    ) -> _Line | None:
        """The round trip of a mission day, by car or train (None for a mission at home)."""
        origin_is_home = self.rng.random() < 0.3
        start = ex.home if origin_is_home else ex.admin
        dest = self.places.centres[centre].commune
        dist = self.places.km[start][dest]
        if dest in (ex.home, ex.admin):  # a mission at home: no trip, no meal
            return None
        origin = "family" if origin_is_home else "administrative"
        from_id = self.places.communes[start].id
        to_id = self.places.communes[dest].id
        if ex.fiscal_hp and ex.authorised:
            km = 2 * dist
            amount = expenses.car_amount(km, ex.fiscal_hp, driven[0], day, self.rates).centi
            driven[0] += km
            return _Line(
                claim_id,
                day.isoformat(),
                "car",
                amount,
                "aller-retour",
                origin=origin,
                from_commune=from_id,
                to_commune=to_id,
                km=km,
                fiscal_hp=ex.fiscal_hp,
            )
        ticket = round_cents(Decimal(2 * dist) * TICKET_PER_KM) + TICKET_BASE_CENTI
        return _Line(
            claim_id,
            day.isoformat(),
            "public_transport",
            ticket,
            "billet aller-retour",
            declared_centi=ticket,
            receipt=True,
            origin=origin,
            from_commune=from_id,
            to_commune=to_id,
            km=2 * dist,
        )

    def meal(self, claim_id: int, day: dt.date) -> _Line:
        """The lunch line of a mission day (rate "repas")."""
        amount = expenses.meal_amount(100, "", day, self.rates).centi
        return _Line(claim_id, day.isoformat(), "meal", amount, "repas de midi")

    def night(
        self,
        claim_id: int,
        day: dt.date,
        category: str,
        declared: int,
        *,
        receipt: bool,
        note: str,
    ) -> _Line:
        """A hotel night: the bill declared, paid within the cap of the commune's category."""
        amount = expenses.night_amount(100, declared, category, day, self.rates).centi
        return _Line(
            claim_id,
            day.isoformat(),
            "night",
            amount,
            note,
            declared_centi=declared,
            receipt=receipt,
            night_category=category,
        )
