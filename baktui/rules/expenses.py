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
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources

from baktui.rules.words import yes_no

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
# Rate keys (the convention of expense_rates.json, which the demo loads too).
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


# --- Corrections the office types on a line ------------------------------------------------------

CORRECTABLE = {
    "km": "Distance (km)",
    "fiscal_hp": "Puissance fiscale (CV)",
    "quantity": "Quantité",
    "declared": "Montant déclaré (€)",
    "receipt": "Justificatif",
    "night_category": "Catégorie de nuitée",
    "note": "Note",
}


def parse_correction(changes: Mapping[str, str]) -> dict[str, object]:
    """Typed text → model values; a ValueError naming the field, in French, on bad input."""
    parsed: dict[str, object] = {}
    for key, raw in changes.items():
        if key not in CORRECTABLE:
            raise ValueError(f"Champ « {key} » non corrigeable.")
        label = CORRECTABLE[key]
        text = str(raw).strip()
        if key == "km":
            value = parse_quantity(text or "0", label)
            if value % 100:
                raise ValueError(f"{label} : un nombre entier de kilomètres (« {text} »).")
            parsed["km"] = value // 100
        elif key == "fiscal_hp":
            if not text:
                parsed["fiscal_hp"] = None
                continue
            value = parse_quantity(text, label)
            if value % 100 or not 1 <= value // 100 <= 99:
                raise ValueError(f"{label} : un entier de 1 à 99 (« {text} »).")
            parsed["fiscal_hp"] = value // 100
        elif key == "quantity":
            parsed["quantity_centi"] = parse_quantity(text or "0", label)
        elif key == "declared":
            parsed["declared_centi"] = parse_euros(text or "0", label)
        elif key == "receipt":
            answer = yes_no(text)
            if answer is None:
                raise ValueError(f"{label} : répondez o (oui) ou n (non), pas « {text} ».")
            parsed["receipt"] = answer
        elif key == "night_category":
            if text and text not in NIGHT_CATEGORIES:
                raise ValueError(f"{label} : « {text} » inconnue ({', '.join(NIGHT_CATEGORIES)}).")
            parsed["night_category"] = text
        elif key == "note":
            if len(text) > 200:
                raise ValueError(f"{label} : 200 caractères au plus.")
            parsed["note"] = text
    return parsed


def totals_by_kind(kinds_and_amounts: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Sum of amounts per line kind, every kind present (0 when absent), in LINE_KINDS order."""
    totals = dict.fromkeys(LINE_KINDS, 0)
    for kind, centi in kinds_and_amounts:
        totals[kind] = totals.get(kind, 0) + centi
    return totals
