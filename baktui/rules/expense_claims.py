"""A claim as the rules see it (facts read from the base), and the amount of each of its lines.

:func:`compute_lines` applies the dated rates of :mod:`baktui.rules.expenses` to every line, in
date order (the kilometric bands follow the year's cumulative km); :class:`ClaimContext` indexes a
claim's facts for the computation and for the checks of :mod:`baktui.rules.expense_checks`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from baktui.rules.expenses import (
    LINE_KIND_LABELS,
    ORAL_MISSION_KINDS,
    ROAD_FACTOR,
    Amount,
    RateError,
    RateTable,
    car_amount,
    copies_amount,
    meal_amount,
    night_amount,
    oral_amount,
)


@dataclass(frozen=True)
class MissionFact:
    """A convocation (assignment) covered by the claim."""

    assignment_id: int
    day: dt.date
    kind: str
    centre_name: str = ""
    centre_commune_id: int | None = None
    epreuve_code: str | None = None
    lot_id: int | None = None
    hours_centi: int = 0
    copy_fee_centi: int | None = None  # the épreuve's own fee per copy, if any
    optional: bool = False  # an optional épreuve (facultative): its own hourly rate


@dataclass(frozen=True)
class LineFact:
    """One expense line as declared (or corrected)."""

    id: int
    day: dt.date
    kind: str
    origin: str = ""
    from_commune_id: int | None = None
    to_commune_id: int | None = None
    km: int = 0
    fiscal_hp: int | None = None
    quantity_centi: int = 100
    declared_centi: int = 0
    receipt: bool = False
    night_category: str = ""


@dataclass(frozen=True)
class CommuneFact:
    name: str
    category: str = "base"


@dataclass(frozen=True)
class ReferenceDistance:
    km: int
    estimated: bool = False  # from coordinates, no reference road distance on file


@dataclass(frozen=True)
class ClaimFacts:
    """Everything needed to compute and check one claim."""

    claim_id: int
    missions: tuple[MissionFact, ...]
    lines: tuple[LineFact, ...]
    home_commune_id: int | None = None
    admin_commune_id: int | None = None
    fiscal_hp: int | None = None
    vehicle_authorised: bool = False
    km_before: int = 0  # cumulative km of the year before this claim's first trip
    communes: Mapping[int, CommuneFact] = field(default_factory=dict)
    # key: (smaller commune id, larger commune id)
    reference_km: Mapping[tuple[int, int], ReferenceDistance] = field(default_factory=dict)
    # day -> (other claim id, line kind) for the examiner's other live claims
    other_claimed: Mapping[dt.date, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    # assignment id -> other live claim that also covers it
    missions_elsewhere: Mapping[int, int] = field(default_factory=dict)
    copies_held: int = 0  # copies in the examiner's lots of the session
    copies_elsewhere_centi: int = 0  # copies claimed in the examiner's other live claims
    hours_done_centi: int = 0  # oral/practical hours of the examiner's convocations
    hours_elsewhere_centi: int = 0


@dataclass(frozen=True)
class Anomaly:
    """Something the office must look at before validating. ``text`` is what gets confirmed."""

    code: str
    text: str
    line_id: int | None = None


ANOMALY_LABELS = {
    "no_convocation": "jour sans convocation",
    "outside_mission": "hors des dates de mission",
    "duplicate": "demandé deux fois",
    "distance": "distance éloignée de la référence",
    "route": "trajet hors résidence / centre",
    "vehicle": "véhicule personnel non autorisé",
    "receipt": "justificatif manquant",
    "night_receipt": "nuitée sans justificatif",
    "night_at_home": "nuitée dans la commune de résidence",
    "night_category": "catégorie de nuitée",
    "meal_at_home": "repas dans la commune de résidence",
    "copies_excess": "copies au-delà des lots",
    "hours_excess": "heures au-delà des convocations",
    "rate": "calcul impossible",
}


@dataclass(frozen=True)
class LineResult:
    line_id: int
    centi: int
    detail: str
    category: str = ""


@dataclass(frozen=True)
class ClaimResult:
    lines: tuple[LineResult, ...]
    anomalies: tuple[Anomaly, ...]

    @property
    def total_centi(self) -> int:
        return sum(line.centi for line in self.lines)

    def amount_of(self, line_id: int) -> int:
        for line in self.lines:
            if line.line_id == line_id:
                return line.centi
        return 0


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def estimate_road_km(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> int:
    """Road distance estimated from coordinates: great circle × 1.3, whole km (checks only)."""
    radius = 6371.0
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lon2) - float(lon1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    straight = 2 * radius * math.asin(math.sqrt(h))
    return int((Decimal(str(round(straight, 3))) * ROAD_FACTOR).quantize(Decimal(1), ROUND_HALF_UP))


def day_text(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def line_label(line: LineFact) -> str:
    return f"{day_text(line.day)} {LINE_KIND_LABELS.get(line.kind, line.kind).lower()}"


class ClaimContext:
    """Indexes over a claim's facts shared by the computation and the checks."""

    def __init__(self, facts: ClaimFacts) -> None:
        self.facts = facts
        self.mission_days: dict[dt.date, list[MissionFact]] = defaultdict(list)
        for mission in facts.missions:
            self.mission_days[mission.day].append(mission)
        self.night_days = {line.day for line in facts.lines if line.kind == "night"}
        self.residences = {
            c for c in (facts.home_commune_id, facts.admin_commune_id) if c is not None
        }

    def missions_for(self, day: dt.date) -> list[MissionFact]:
        """The convocations a line of ``day`` belongs to: that day, else the eve/morning after
        with a night claimed."""
        if day in self.mission_days:
            return self.mission_days[day]
        after = day + dt.timedelta(days=1)
        before = day - dt.timedelta(days=1)
        if day in self.night_days and after in self.mission_days:
            return self.mission_days[after]
        if before in self.night_days and before in self.mission_days:
            return self.mission_days[before]
        return []

    def places_of(self, day: dt.date) -> list[int]:
        """The communes of the centres a line of ``day`` belongs to (several convocations)."""
        places: list[int] = []
        for mission in self.missions_for(day):
            commune_id = mission.centre_commune_id
            if commune_id is not None and commune_id not in places:
                places.append(commune_id)
        return places

    def place_of(self, day: dt.date) -> int | None:
        places = self.places_of(day)
        return places[0] if places else None

    def commune_name(self, commune_id: int | None) -> str:
        if commune_id is None:
            return "?"
        commune = self.facts.communes.get(commune_id)
        return commune.name if commune else f"commune {commune_id}"

    def night_places(self, line: LineFact) -> list[int]:
        """Where the night of the line's day may be spent: the hotel's commune when declared,
        else the centre of the next day's convocation, then of the day's own."""
        if line.to_commune_id is not None:
            return [line.to_commune_id]
        places: list[int] = []
        for day in (line.day + dt.timedelta(days=1), line.day):
            for mission in self.mission_days.get(day, ()):
                commune_id = mission.centre_commune_id
                if commune_id is not None and commune_id not in places:
                    places.append(commune_id)
        return places

    def night_place(self, line: LineFact) -> int | None:
        """The night's commune: the candidate whose category is the declared one, else the first."""
        places = self.night_places(line)
        for commune_id in places:
            commune = self.facts.communes.get(commune_id)
            if commune is not None and commune.category == line.night_category:
                return commune_id
        return places[0] if places else None

    def category_of(self, line: LineFact) -> str:
        """The commune category of a meal or a night (the commune's, not the declared one)."""
        if line.kind == "night":
            commune_id = self.night_place(line)
        else:
            commune_id = line.to_commune_id or self.place_of(line.day)
        commune = self.facts.communes.get(commune_id) if commune_id is not None else None
        if commune is not None:
            return commune.category
        return line.night_category or "base"


def compute_lines(facts: ClaimFacts, rates: RateTable) -> tuple[list[LineResult], list[Anomaly]]:
    """Amount of every line; lines that cannot be computed get 0 and a "rate" anomaly."""
    ctx = ClaimContext(facts)
    results: list[LineResult] = []
    problems: list[Anomaly] = []
    km_counter = facts.km_before
    for line in sorted(facts.lines, key=lambda item: (item.day, item.id)):
        category = ""
        try:
            if line.kind == "car":
                hp = line.fiscal_hp or facts.fiscal_hp
                amount = car_amount(line.km, hp, km_counter, line.day, rates)
                km_counter += line.km
            elif line.kind in ("public_transport", "toll", "parking"):
                amount = Amount(line.declared_centi, "montant déclaré")
            elif line.kind == "meal":
                category = ctx.category_of(line)
                amount = meal_amount(line.quantity_centi, category, line.day, rates)
            elif line.kind == "night":
                category = ctx.category_of(line)
                amount = night_amount(
                    line.quantity_centi, line.declared_centi, category, line.day, rates
                )
            elif line.kind == "copies":
                fee = next(
                    (
                        m.copy_fee_centi
                        for m in ctx.missions_for(line.day)
                        if m.copy_fee_centi is not None
                    ),
                    None,
                )
                amount = copies_amount(line.quantity_centi, line.day, rates, fee)
            elif line.kind == "oral_hours":
                orals = [m for m in ctx.missions_for(line.day) if m.kind in ORAL_MISSION_KINDS]
                optional = bool(orals) and all(m.optional for m in orals)
                amount = oral_amount(line.quantity_centi, line.day, rates, optional=optional)
            else:
                raise RateError(f"nature de ligne « {line.kind} » inconnue.")
        except RateError as exc:
            if line.kind == "car":
                km_counter += line.km
            results.append(LineResult(line.id, 0, "non calculé", category))
            problems.append(Anomaly("rate", f"{line_label(line)} : {exc}", line.id))
            continue
        results.append(LineResult(line.id, amount.centi, amount.detail, category))
    return results, problems


def is_void(line: LineFact) -> bool:
    """A line brought to nothing (0 km, 0 €, quantity 0): the office's way to strike it out.

    Void lines pay nothing and are not checked.
    """
    if line.kind == "car":
        return line.km == 0
    if line.kind in ("public_transport", "toll", "parking"):
        return line.declared_centi == 0
    return line.quantity_centi == 0
