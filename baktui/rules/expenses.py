"""Mission expenses and exam fees: dated rates, line amounts and the checks of section 8.3.

Pure functions over plain data (no database, no Textual). Every amount comes from a dated rate
(:class:`RateTable`, built from the ``ExpenseRate`` rows); the rate that applies is the one in force
on the day of the line (``valid_from <= day <= valid_to``, the latest ``valid_from`` if several).

Choices made where the rules are silent (the screens and the état de frais explain them):

- Money is exact. Each line is computed with ``Decimal`` and rounded ONCE, half-up to the cent;
  the claim total is the sum of its rounded lines.
- Kilometric bands follow the examiner's cumulative km of the calendar year *km by km*: a trip that
  crosses a band boundary is split and each part is paid at its own band's rate (1 990 km already
  done, a 20 km trip in 6-7 CV: 10 × 0,41 + 10 × 0,51 = 9,20 €). The counter starts at the
  examiner's ``annual_km`` and grows with the car lines of the examiner's earlier live claims, then
  with this claim's car lines in date order.
- A car line's ``km`` is the distance driven for that line (one way, or a round trip on one line);
  the distance check accepts either against the reference distance.
- Meals: the flat rate of the day per meal (at most two a day). Nights: the hotel bill within the
  cap of the night's commune category (the category of the commune, not the one declared); with no
  amount declared, the cap. Tickets, tolls and parking: the amount declared, with a receipt.
- Exam fees: copies × fee per copy (the épreuve's own fee when it has one), hours × hourly rate.
- Travel the evening before (or back the morning after) a convocation is part of the mission when
  a night is claimed that evening. A night between two convocations may be spent at either centre.
- A line brought to zero (0 km, 0 €, quantity 0) is struck out: it pays nothing and is not checked.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources

# --- Vocabulary ---------------------------------------------------------------------------------

RATE_KINDS = ("km", "meal", "night", "copy", "oral_hour")
RATE_KIND_LABELS = {
    "km": "indemnité kilométrique",
    "meal": "repas",
    "night": "nuitée",
    "copy": "copie corrigée",
    "oral_hour": "heure d'oral ou de pratique",
}
NIGHT_CATEGORIES = ("base", "grande_ville", "paris")
NIGHT_CATEGORY_LABELS = {
    "base": "taux de base",
    "grande_ville": "grande ville / Grand Paris",
    "paris": "Paris",
}
NIGHT_CATEGORY_SHORT = {"base": "base", "grande_ville": "grande ville", "paris": "Paris"}

TRAVEL_KINDS = ("car", "public_transport", "toll", "parking")
STAY_KINDS = ("meal", "night")
FEE_KINDS = ("copies", "oral_hours")
LINE_KINDS = TRAVEL_KINDS + STAY_KINDS + FEE_KINDS
LINE_KIND_LABELS = {
    "car": "Véhicule personnel",
    "public_transport": "Transport en commun",
    "toll": "Péage",
    "parking": "Stationnement",
    "meal": "Repas",
    "night": "Nuitée",
    "copies": "Copies corrigées",
    "oral_hours": "Heures d'oral",
}
ORIGIN_LABELS = {"administrative": "résidence administrative", "family": "résidence familiale"}
MAX_MEALS_PER_DAY = 2
ORAL_MISSION_KINDS = ("oral", "pratique")
# Rate keys (the convention of baktui/data/demo.py and of expense_rates.json).
MEAL_KEY = "repas"  # a night-category key, if present, wins
COPY_KEY = "bac"
ORAL_KEY = "obligatoire"
ORAL_OPTIONAL_KEY = "facultatif"

# Thresholds of the distance check (checks, not rates: they decide what is shown, not what is paid).
DISTANCE_TOLERANCE_PCT = 15
DISTANCE_TOLERANCE_MIN_KM = 5
ROAD_FACTOR = Decimal("1.3")  # straight line → road, when no reference distance is on file

CENT = Decimal("0.01")


class RateError(ValueError):
    """No rate, or an unusable one, for a line: a French message naming what is missing."""


# --- Money and quantities -----------------------------------------------------------------------


def round_cents(amount: Decimal) -> int:
    """Euros (exact Decimal) → integer cents, half-up (the one rounding rule of the module)."""
    return int((amount / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def decimal_text(value: Decimal, places: int = 2) -> str:
    """French decimal: Decimal("0.41") → "0,41"."""
    return f"{value:.{places}f}".replace(".", ",")


def euros_text(centi: int) -> str:
    """12345 → "123,45 €" (short form for screens and details)."""
    sign = "-" if centi < 0 else ""
    units, cents = divmod(abs(centi), 100)
    grouped = f"{units:,}".replace(",", " ")
    return f"{sign}{grouped},{cents:02d} €"


def quantity_text(centi: int) -> str:
    """Hundredths → "2" or "2,5"."""
    units, rest = divmod(centi, 100)
    if rest == 0:
        return str(units)
    return f"{units},{rest:02d}".rstrip("0")


def parse_quantity(text: str, field_name: str) -> int:
    """ "2,5" → 250 (hundredths, exact); a French error naming the field otherwise."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{field_name} : « {text} » n'est pas un nombre.") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{field_name} : « {text} » doit être un nombre positif.")
    hundredths = value * 100
    if hundredths != hundredths.to_integral_value():
        raise ValueError(f"{field_name} : deux décimales au plus (« {text} »).")
    return int(hundredths)


def parse_euros(text: str, field_name: str) -> int:
    """ "12,50" or "12.5 €" → 1250 cents; a French error naming the field otherwise."""
    return parse_quantity(text.replace("€", ""), field_name)


# --- Dated rates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """One dated rate (an ``ExpenseRate`` row as plain data)."""

    kind: str
    key: str
    amount: Decimal
    valid_from: dt.date
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class KmBand:
    """A kilometric band: cumulative km in (``after_km``, ``up_to_km``] paid ``rate`` per km."""

    after_km: int
    up_to_km: int | None
    rate: Decimal


_HP_RE = re.compile(r"^cv\s*(<=|>=|<|>)?\s*(\d+)(?:\s*-\s*(\d+))?$")
_KM_RE = re.compile(r"^(?:(\d+)\s*-\s*(\d+)|(\d+)\s*[+-]|>\s*(\d+))$")


def parse_hp_range(text: str) -> tuple[int, int | None]:
    """ "cv<=5" → (0, 5); "cv6-7" → (6, 7); "cv>=8" → (8, None); "cv5" → (5, 5)."""
    match = _HP_RE.match(text.strip().lower())
    if not match:
        raise RateError(f"Clé de puissance fiscale « {text} » illisible (ex. cv<=5, cv6-7, cv>=8).")
    op, first, second = match.group(1), int(match.group(2)), match.group(3)
    if second is not None:
        return first, int(second)
    return {
        "<=": (0, first),
        "<": (0, first - 1),
        ">=": (first, None),
        ">": (first + 1, None),
        None: (first, first),
    }[op]


def parse_km_range(text: str) -> tuple[int, int | None]:
    """Cumulative-km band as (after_km, up_to_km): "0-2000" → (0, 2000); "2001-10000" → (2000,
    10000); "10001+" or ">10000" → (10000, None)."""
    match = _KM_RE.match(text.strip())
    if not match:
        raise RateError(f"Tranche kilométrique « {text} » illisible (ex. 0-2000, 10001+).")
    if match.group(1) is not None:
        low, high = int(match.group(1)), int(match.group(2))
        return max(low - 1, 0), high
    if match.group(3) is not None:
        return max(int(match.group(3)) - 1, 0), None
    return int(match.group(4)), None


def km_key(hp_range: str, km_range: str) -> str:
    """The ``ExpenseRate.key`` of a kilometric band: "cv6-7:2001-10000"."""
    return f"{hp_range}:{km_range}"


class RateTable:
    """All the dated rates, looked up by kind, key and day."""

    def __init__(self, rates: Iterable[Rate]) -> None:
        self._by_kind: dict[str, list[Rate]] = defaultdict(list)
        for rate in rates:
            self._by_kind[rate.kind].append(rate)
        for items in self._by_kind.values():
            items.sort(key=lambda r: r.valid_from, reverse=True)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_kind.values())

    def rate(self, kind: str, keys: str | Sequence[str], day: dt.date) -> Decimal:
        """The amount of the rate in force on ``day``: the first of ``keys`` that has one."""
        wanted = (keys,) if isinstance(keys, str) else tuple(keys)
        for key in wanted:
            for rate in self._by_kind.get(kind, ()):
                if rate.key == key and rate.valid_on(day):
                    return rate.amount
        what = RATE_KIND_LABELS.get(kind, kind)
        suffix = f" ({wanted[0]})" if wanted and wanted[0] else ""
        raise RateError(f"Aucun taux « {what} »{suffix} en vigueur le {day:%d/%m/%Y}.")

    def km_bands(self, fiscal_hp: int, day: dt.date) -> list[KmBand]:
        """The kilometric bands in force on ``day`` for a car of ``fiscal_hp`` CV, in order."""
        bands: list[KmBand] = []
        for rate in self._by_kind.get("km", ()):
            if not rate.valid_on(day) or ":" not in rate.key:
                continue
            hp_part, km_part = rate.key.split(":", 1)
            low, high = parse_hp_range(hp_part)
            if fiscal_hp < low or (high is not None and fiscal_hp > high):
                continue
            after, up_to = parse_km_range(km_part)
            bands.append(KmBand(after, up_to, rate.amount))
        bands.sort(key=lambda b: b.after_km)
        if not bands:
            raise RateError(
                f"Aucun barème kilométrique pour {fiscal_hp} CV en vigueur le {day:%d/%m/%Y}."
            )
        return bands


def load_default_rates() -> list[Rate]:
    """The rates of section 8 shipped with baktui (``expense_rates.json``), to seed a database."""
    text = (resources.files("baktui.rules") / "expense_rates.json").read_text(encoding="utf-8")
    return [
        Rate(
            kind=item["kind"],
            key=item["key"],
            amount=Decimal(item["amount"]),
            valid_from=dt.date.fromisoformat(item["valid_from"]),
            valid_to=dt.date.fromisoformat(item["valid_to"]) if item["valid_to"] else None,
        )
        for item in json.loads(text)["rates"]
    ]


def overlapping_rates(rates: Iterable[Rate]) -> list[str]:
    """Pairs of rates of the same kind and key whose periods overlap (French lines)."""
    groups: dict[tuple[str, str], list[Rate]] = defaultdict(list)
    for rate in rates:
        groups[(rate.kind, rate.key)].append(rate)
    problems: list[str] = []
    for (kind, key), items in sorted(groups.items()):
        items.sort(key=lambda r: r.valid_from)
        for earlier, later in zip(items, items[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                problems.append(
                    f"Taux « {RATE_KIND_LABELS.get(kind, kind)} » {key or ''} : périodes qui se "
                    f"chevauchent à partir du {later.valid_from:%d/%m/%Y}."
                )
    return problems


# --- Line amounts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """A computed amount and how it was obtained (shown on screen and on the état de frais)."""

    centi: int
    detail: str


def car_amount(
    km: int, fiscal_hp: int | None, km_before: int, day: dt.date, rates: RateTable
) -> Amount:
    """Kilometric allowance, each km paid at the band of the cumulative annual km it falls in."""
    if km < 0:
        raise RateError("Distance négative.")
    if fiscal_hp is None or fiscal_hp <= 0:
        raise RateError("puissance fiscale du véhicule inconnue.")
    if km == 0:
        return Amount(0, "0 km")
    bands = rates.km_bands(fiscal_hp, day)
    start, end = km_before, km_before + km
    total = Decimal(0)
    parts: list[str] = []
    covered = 0
    for band in bands:
        high = end if band.up_to_km is None else min(end, band.up_to_km)
        overlap = high - max(start, band.after_km)
        if overlap <= 0:
            continue
        covered += overlap
        total += band.rate * overlap
        parts.append(f"{overlap} km × {decimal_text(band.rate)} €")
    if covered != km:
        raise RateError(f"barème kilométrique incomplet pour {fiscal_hp} CV (tranches manquantes).")
    detail = " + ".join(parts)
    counter = f"{km_before:,}".replace(",", " ")
    return Amount(round_cents(total), f"{detail} (cumul {counter} km)")


def meal_amount(quantity_centi: int, category: str, day: dt.date, rates: RateTable) -> Amount:
    rate = rates.rate("meal", (category, MEAL_KEY, ""), day)
    total = rate * quantity_centi / 100
    return Amount(round_cents(total), f"{quantity_text(quantity_centi)} × {decimal_text(rate)} €")


def night_amount(
    quantity_centi: int, declared_centi: int, category: str, day: dt.date, rates: RateTable
) -> Amount:
    """The hotel bill within the cap of the category; the cap when no amount is declared."""
    rate = rates.rate("night", (category, ""), day)
    cap = round_cents(rate * quantity_centi / 100)
    label = NIGHT_CATEGORY_SHORT.get(category, category)
    if declared_centi <= 0:
        per_night = f"{quantity_text(quantity_centi)} × {decimal_text(rate)} €"
        return Amount(cap, f"forfait {per_night} ({label})")
    if declared_centi <= cap:
        return Amount(declared_centi, f"facture, plafond {euros_text(cap)} ({label})")
    return Amount(cap, f"facture > plafond {euros_text(cap)} ({label})")


def copies_amount(
    quantity_centi: int, day: dt.date, rates: RateTable, fee_centi: int | None = None
) -> Amount:
    """Copies × fee per copy (the épreuve's own fee when it has one)."""
    if fee_centi is not None:
        rate = Decimal(fee_centi) / 100
    else:
        rate = rates.rate("copy", (COPY_KEY, ""), day)
    total = rate * quantity_centi / 100
    return Amount(round_cents(total), f"{quantity_text(quantity_centi)} × {decimal_text(rate)} €")


def oral_amount(
    hours_centi: int, day: dt.date, rates: RateTable, *, optional: bool = False
) -> Amount:
    """Hours × hourly rate (the "facultatif" rate, 75 %, for an optional épreuve)."""
    keys = (ORAL_OPTIONAL_KEY,) if optional else (ORAL_KEY, "")
    rate = rates.rate("oral_hour", keys, day)
    total = rate * hours_centi / 100
    return Amount(round_cents(total), f"{quantity_text(hours_centi)} h × {decimal_text(rate)} €")


# --- Claims as plain data -----------------------------------------------------------------------


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


def _day_text(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _line_label(line: LineFact) -> str:
    return f"{_day_text(line.day)} {LINE_KIND_LABELS.get(line.kind, line.kind).lower()}"


class _Context:
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
    ctx = _Context(facts)
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
            problems.append(Anomaly("rate", f"{_line_label(line)} : {exc}", line.id))
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


def find_anomalies(facts: ClaimFacts) -> list[Anomaly]:
    """The checks of section 8.3 on one claim (computation problems and void lines excluded)."""
    facts = replace(facts, lines=tuple(line for line in facts.lines if not is_void(line)))
    ctx = _Context(facts)
    found: list[Anomaly] = []
    lines = sorted(facts.lines, key=lambda item: (item.day, item.id))

    # 1. Convocations: a day with none, or a date outside the mission.
    days = sorted(ctx.mission_days)
    for line in lines:
        if ctx.missions_for(line.day):
            continue
        if not days:
            found.append(
                Anomaly(
                    "no_convocation",
                    f"{_line_label(line)} : aucune convocation rattachée à la demande",
                    line.id,
                )
            )
        elif days[0] < line.day < days[-1]:
            found.append(
                Anomaly(
                    "no_convocation",
                    f"{_line_label(line)} : aucune convocation ce jour-là",
                    line.id,
                )
            )
        else:
            found.append(
                Anomaly(
                    "outside_mission",
                    f"{_line_label(line)} : aucune convocation ce jour-là, hors de la mission "
                    f"(du {_day_text(days[0])} au {_day_text(days[-1])})",
                    line.id,
                )
            )

    # 2. The same day claimed twice: inside the claim, then in the examiner's other claims.
    for mission in facts.missions:
        other = facts.missions_elsewhere.get(mission.assignment_id)
        if other is not None:
            found.append(
                Anomaly(
                    "duplicate",
                    f"Convocation du {_day_text(mission.day)} ({mission.centre_name}) déjà "
                    f"couverte par la demande n° {other}",
                )
            )
    per_day: dict[tuple[dt.date, str], list[LineFact]] = defaultdict(list)
    for line in lines:
        per_day[(line.day, line.kind)].append(line)
    for (day, kind), same in per_day.items():
        quantity = sum(item.quantity_centi for item in same)
        if kind == "night" and quantity > 100:
            found.append(
                Anomaly(
                    "duplicate",
                    f"{_day_text(day)} : {quantity_text(quantity)} nuitées pour une même nuit",
                    same[-1].id,
                )
            )
        elif kind == "meal" and quantity > MAX_MEALS_PER_DAY * 100:
            found.append(
                Anomaly(
                    "duplicate",
                    f"{_day_text(day)} : {quantity_text(quantity)} repas le même "
                    f"jour (au plus {MAX_MEALS_PER_DAY})",
                    same[-1].id,
                )
            )
        elif kind not in FEE_KINDS:
            seen: set[tuple[object, ...]] = set()
            for item in same:
                signature = (
                    item.origin,
                    item.from_commune_id,
                    item.to_commune_id,
                    item.km,
                    item.quantity_centi,
                    item.declared_centi,
                )
                if signature in seen:
                    found.append(
                        Anomaly(
                            "duplicate",
                            f"{_line_label(item)} : ligne identique à une autre du même jour",
                            item.id,
                        )
                    )
                seen.add(signature)
    flagged = {a.line_id for a in found if a.code == "duplicate"}
    departures: dict[dt.date, list[LineFact]] = defaultdict(list)
    for line in lines:
        if line.kind in ("car", "public_transport") and line.from_commune_id in ctx.residences:
            departures[line.day].append(line)
    for day, trips in departures.items():
        extra = [trip for trip in trips[1:] if trip.id not in flagged]
        if len(trips) > 1 and extra:
            found.append(
                Anomaly(
                    "duplicate",
                    f"{_day_text(day)} : {len(trips)} trajets au départ de la résidence "
                    "le même jour",
                    extra[0].id,
                )
            )
    reported: set[tuple[dt.date, str]] = set()
    for line in lines:
        if line.kind in FEE_KINDS or (line.day, line.kind) in reported:
            continue
        others = sorted(
            {claim for claim, kind in facts.other_claimed.get(line.day, ()) if kind == line.kind}
        )
        if others:
            reported.add((line.day, line.kind))
            numbers = ", ".join(f"n° {n}" for n in others)
            found.append(
                Anomaly(
                    "duplicate", f"{_line_label(line)} : déjà demandé (demande {numbers})", line.id
                )
            )

    # 3. Trips: vehicle, route, distance; receipts.
    vehicle_reported = False
    for line in lines:
        if line.kind == "car" and not facts.vehicle_authorised and not vehicle_reported:
            vehicle_reported = True
            found.append(
                Anomaly(
                    "vehicle",
                    f"{_line_label(line)} : utilisation du véhicule personnel non autorisée",
                    line.id,
                )
            )
        if line.kind in ("car", "public_transport"):
            found.extend(_route_checks(ctx, line))
        if line.kind in ("public_transport", "toll", "parking") and not line.receipt:
            found.append(Anomaly("receipt", f"{_line_label(line)} : sans justificatif", line.id))

    # 4. Nights and meals.
    for line in lines:
        day_places = ctx.places_of(line.day)
        place = day_places[0] if day_places else None
        # a meal is "at home" only if every centre of the day is in a residence commune
        at_home = bool(day_places) and all(p in ctx.residences for p in day_places)
        if line.kind == "night":
            places = ctx.night_places(line)
            place = places[0] if places else None
            at_home = place is not None and place in ctx.residences
            if not line.receipt:
                found.append(
                    Anomaly(
                        "night_receipt",
                        f"{_line_label(line)} : sans justificatif d'hébergement",
                        line.id,
                    )
                )
            if at_home:
                found.append(
                    Anomaly(
                        "night_at_home",
                        f"{_line_label(line)} : le centre est dans la "
                        f"commune de résidence ({ctx.commune_name(place)})",
                        line.id,
                    )
                )
            chosen = ctx.night_place(line)
            if line.night_category and chosen is not None:
                commune = facts.communes.get(chosen)
                if commune is not None and commune.category != line.night_category:
                    declared = NIGHT_CATEGORY_LABELS.get(line.night_category, line.night_category)
                    actual = NIGHT_CATEGORY_LABELS.get(commune.category, commune.category)
                    found.append(
                        Anomaly(
                            "night_category",
                            f"{_line_label(line)} : catégorie déclarée "
                            f"« {declared} », {commune.name} est au « {actual} »",
                            line.id,
                        )
                    )
        elif line.kind == "meal" and at_home:
            found.append(
                Anomaly(
                    "meal_at_home",
                    f"{_line_label(line)} : repas dans la commune de "
                    f"résidence ({ctx.commune_name(place)})",
                    line.id,
                )
            )

    # 5. Fees beyond what was done.
    copies = [line for line in lines if line.kind == "copies"]
    claimed = sum(line.quantity_centi for line in copies)
    if copies and claimed + facts.copies_elsewhere_centi > facts.copies_held * 100:
        elsewhere = (
            f" (+ {quantity_text(facts.copies_elsewhere_centi)} dans d'autres demandes)"
            if facts.copies_elsewhere_centi
            else ""
        )
        found.append(
            Anomaly(
                "copies_excess",
                f"Copies : {quantity_text(claimed)} déclarées{elsewhere}, "
                f"les lots du correcteur en contiennent {facts.copies_held}",
                copies[0].id,
            )
        )
    hours = [line for line in lines if line.kind == "oral_hours"]
    claimed = sum(line.quantity_centi for line in hours)
    if hours and claimed + facts.hours_elsewhere_centi > facts.hours_done_centi:
        elsewhere = (
            f" (+ {quantity_text(facts.hours_elsewhere_centi)} h dans d'autres demandes)"
            if facts.hours_elsewhere_centi
            else ""
        )
        found.append(
            Anomaly(
                "hours_excess",
                f"Oral : {quantity_text(claimed)} h déclarées{elsewhere}, "
                f"{quantity_text(facts.hours_done_centi)} h convoquées",
                hours[0].id,
            )
        )
    return found


def _route_checks(ctx: _Context, line: LineFact) -> list[Anomaly]:
    facts = ctx.facts
    start, end = line.from_commune_id, line.to_commune_id
    if start is None or end is None:
        return []
    label = f"{_line_label(line)} {ctx.commune_name(start)} → {ctx.commune_name(end)}"
    if start == end:
        return [
            Anomaly(
                "route", f"{label} : trajet à l'intérieur d'une commune (non remboursé)", line.id
            )
        ]
    found: list[Anomaly] = []
    places = ctx.places_of(line.day)
    if line.origin == "administrative" and facts.admin_commune_id is not None:
        residences = {facts.admin_commune_id}
    elif line.origin == "family" and facts.home_commune_id is not None:
        residences = {facts.home_commune_id}
    else:
        residences = ctx.residences
    ends = {start, end}
    if places and not ends & set(places):
        centres = ", ".join(ctx.commune_name(p) for p in places)
        found.append(Anomaly("route", f"{label} : ne mène pas au centre ({centres})", line.id))
    elif residences and not ends & residences and not ends <= set(places):
        which = ORIGIN_LABELS.get(line.origin, "résidence")
        found.append(Anomaly("route", f"{label} : ne part pas de la {which}", line.id))
    if line.kind == "car":
        reference = facts.reference_km.get(pair_key(start, end))
        if reference is not None and reference.km > 0:
            tolerance = max(DISTANCE_TOLERANCE_MIN_KM, reference.km * DISTANCE_TOLERANCE_PCT // 100)
            one_way = abs(line.km - reference.km)
            round_trip = abs(line.km - 2 * reference.km)
            if min(one_way, round_trip) > tolerance:
                how = "estimée" if reference.estimated else "référence"
                found.append(
                    Anomaly(
                        "distance",
                        f"{label} : {line.km} km déclarés, {how} {reference.km} km "
                        f"(aller-retour {2 * reference.km} km)",
                        line.id,
                    )
                )
    return found


def evaluate_claim(facts: ClaimFacts, rates: RateTable) -> ClaimResult:
    """Amounts and anomalies of a claim, in one pass."""
    results, problems = compute_lines(facts, rates)
    return ClaimResult(tuple(results), tuple(problems + find_anomalies(facts)))


def totals_by_kind(kinds_and_amounts: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Sum of amounts per line kind, every kind present (0 when absent), in LINE_KINDS order."""
    totals = dict.fromkeys(LINE_KINDS, 0)
    for kind, centi in kinds_and_amounts:
        totals[kind] = totals.get(kind, 0) + centi
    return totals
