"""Mission expenses rules: hand-computed rates, bands, categories, fees and every anomaly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from baktui.rules import expense_checks, expense_claims
from baktui.rules import expenses as rx

D = dt.date
DAY = D(2026, 6, 16)  # a mission day of session 2026 (current rates)
OLD_DAY = D(2023, 6, 15)  # before the arrêté of 20 September 2023
RATES = rx.RateTable(rx.load_default_rates())

LYON, VILLEURBANNE, BOURG, PARIS = 1, 2, 3, 4
COMMUNES = {
    LYON: expense_claims.CommuneFact("Lyon", "grande_ville"),
    VILLEURBANNE: expense_claims.CommuneFact("Villeurbanne", "base"),
    BOURG: expense_claims.CommuneFact("Bourg-en-Bresse", "base"),
    PARIS: expense_claims.CommuneFact("Paris", "paris"),
}
REFS = {expense_claims.pair_key(BOURG, LYON): expense_claims.ReferenceDistance(62)}


def mission(
    day: dt.date = DAY, commune: int = LYON, aid: int = 1, **kw: object
) -> expense_claims.MissionFact:
    return expense_claims.MissionFact(
        aid, day, kw.pop("kind", "oral"), "Lycée Ampère", commune, **kw
    )  # type: ignore[arg-type]


def facts(
    lines: list[expense_claims.LineFact],
    missions: list[expense_claims.MissionFact] | None = None,
    **kw: object,
) -> expense_claims.ClaimFacts:
    base: dict[str, object] = {
        "home_commune_id": BOURG,
        "admin_commune_id": BOURG,
        "fiscal_hp": 6,
        "vehicle_authorised": True,
        "communes": COMMUNES,
        "reference_km": REFS,
    }
    base.update(kw)
    return expense_claims.ClaimFacts(
        claim_id=99,
        missions=tuple(missions if missions is not None else [mission()]),
        lines=tuple(lines),
        **base,  # type: ignore[arg-type]
    )


def codes(f: expense_claims.ClaimFacts) -> list[str]:
    return [a.code for a in expense_checks.find_anomalies(f)]


def car(lid: int = 1, day: dt.date = DAY, km: int = 124, **kw: object) -> expense_claims.LineFact:
    return expense_claims.LineFact(lid, day, "car", "administrative", BOURG, LYON, km, **kw)  # type: ignore[arg-type]


# --- Money helpers ------------------------------------------------------------------------------


def test_round_cents_is_half_up() -> None:
    assert rx.round_cents(Decimal("0.005")) == 1
    assert rx.round_cents(Decimal("0.015")) == 2
    assert rx.round_cents(Decimal("2.675")) == 268
    assert rx.round_cents(Decimal("2.6749")) == 267


def test_parse_quantity_and_euros() -> None:
    assert rx.parse_quantity("2,5", "Quantité") == 250
    assert rx.parse_euros("12,50 €", "Montant") == 1250
    assert rx.parse_euros("1 234.5", "Montant") == 123450
    with pytest.raises(ValueError, match="Quantité : « douze » n'est pas un nombre"):
        rx.parse_quantity("douze", "Quantité")
    with pytest.raises(ValueError, match="Montant : deux décimales au plus"):
        rx.parse_euros("1,234", "Montant")
    with pytest.raises(ValueError, match="positif"):
        rx.parse_quantity("-3", "Distance")


def test_text_helpers() -> None:
    assert rx.euros_text(123456) == "1 234,56 €"
    assert rx.quantity_text(250) == "2,5"
    assert rx.quantity_text(300) == "3"


# --- Rates by date ------------------------------------------------------------------------------


def test_default_rates_have_no_overlap() -> None:
    rates = rx.load_default_rates()
    assert len(rates) == 31
    assert rx.overlapping_rates(rates) == []


def test_overlap_is_reported() -> None:
    rates = [
        rx.Rate("meal", "base", Decimal("20"), D(2023, 1, 1)),
        rx.Rate("meal", "base", Decimal("21"), D(2024, 1, 1)),
    ]
    assert len(rx.overlapping_rates(rates)) == 1


def test_meal_rate_changes_on_22_september_2023() -> None:
    assert RATES.rate("meal", "repas", D(2023, 9, 21)) == Decimal("17.50")
    assert RATES.rate("meal", "repas", D(2023, 9, 22)) == Decimal("20.00")


@pytest.mark.parametrize(
    ("category", "day", "expected"),
    [
        ("base", DAY, 9000),
        ("grande_ville", DAY, 12000),
        ("paris", DAY, 14000),
        ("base", OLD_DAY, 7000),
        ("grande_ville", OLD_DAY, 9000),
        ("paris", OLD_DAY, 11000),
    ],
)
def test_night_caps_by_category_and_date(category: str, day: dt.date, expected: int) -> None:
    assert rx.night_amount(100, 0, category, day, RATES).centi == expected


def test_night_is_the_bill_within_the_cap() -> None:
    assert rx.night_amount(100, 8500, "base", DAY, RATES).centi == 8500
    assert rx.night_amount(100, 15000, "paris", DAY, RATES).centi == 14000
    assert rx.night_amount(200, 0, "paris", DAY, RATES).centi == 28000


def test_meal_amounts() -> None:
    assert rx.meal_amount(100, "base", DAY, RATES).centi == 2000
    assert rx.meal_amount(200, "paris", DAY, RATES).centi == 4000
    assert rx.meal_amount(100, "base", OLD_DAY, RATES).centi == 1750


def test_missing_rate_is_a_french_error() -> None:
    with pytest.raises(rx.RateError, match="Aucun taux « repas » .* le 01/01/2010"):
        rx.meal_amount(100, "base", D(2010, 1, 1), RATES)


def test_key_parsers() -> None:
    assert rx.parse_hp_range("cv<=5") == (0, 5)
    assert rx.parse_hp_range("cv6-7") == (6, 7)
    assert rx.parse_hp_range("cv>=8") == (8, None)
    assert rx.parse_hp_range("CV5") == (5, 5)
    assert rx.parse_km_range("0-2000") == (0, 2000)
    assert rx.parse_km_range("2001-10000") == (2000, 10000)
    assert rx.parse_km_range("10001+") == (10000, None)
    assert rx.parse_km_range(">10000") == (10000, None)
    with pytest.raises(rx.RateError, match="illisible"):
        rx.parse_km_range("beaucoup")


# --- Kilometric bands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hp", "before", "km", "expected"),
    [
        (5, 0, 100, 3200),  # ≤ 5 CV, first band 0,32
        (4, 5000, 100, 4000),  # ≤ 5 CV, second band 0,40
        (3, 20000, 100, 2300),  # ≤ 5 CV, third band 0,23
        (6, 0, 100, 4100),  # 6-7 CV 0,41
        (7, 5000, 100, 5100),  # 6-7 CV 0,51
        (7, 10000, 100, 3000),  # 6-7 CV, 10 000 already done: third band 0,30
        (8, 0, 100, 4500),  # ≥ 8 CV 0,45
        (11, 2000, 100, 5500),  # ≥ 8 CV, 2 000 done: second band 0,55
        (8, 12000, 100, 3200),  # ≥ 8 CV 0,32
        (5, 0, 33, 1056),  # 33 × 0,32 = 10,56
    ],
)
def test_km_bands(hp: int, before: int, km: int, expected: int) -> None:
    assert rx.car_amount(km, hp, before, DAY, RATES).centi == expected


def test_trip_straddling_a_band_is_split() -> None:
    # 1 990 km done, 20 km in 6 CV: 10 × 0,41 + 10 × 0,51 = 9,20 €
    amount = rx.car_amount(20, 6, 1990, DAY, RATES)
    assert amount.centi == 920
    assert "10 km × 0,41 €" in amount.detail and "10 km × 0,51 €" in amount.detail
    # 9 950 km done, 100 km in 5 CV: 50 × 0,40 + 50 × 0,23 = 31,50 €
    assert rx.car_amount(100, 5, 9950, DAY, RATES).centi == 3150
    # across the three bands: 1 900 done, 8 200 km in 8 CV:
    # 100 × 0,45 + 8 000 × 0,55 + 100 × 0,32 = 45 + 4 400 + 32 = 4 477,00 €
    assert rx.car_amount(8200, 8, 1900, DAY, RATES).centi == 447700


def test_older_km_rates_apply_to_older_missions() -> None:
    assert rx.car_amount(100, 6, 0, D(2021, 6, 10), RATES).centi == 3700
    assert rx.car_amount(100, 9, 3000, D(2021, 6, 10), RATES).centi == 5000


def test_car_without_fiscal_power_cannot_be_computed() -> None:
    with pytest.raises(rx.RateError, match="puissance fiscale"):
        rx.car_amount(100, None, 0, DAY, RATES)


# --- Exam fees ----------------------------------------------------------------------------------


def test_optional_oral_is_paid_at_the_facultatif_rate() -> None:
    assert rx.oral_amount(200, DAY, RATES, optional=True).centi == 1440  # 2 h × 7,20
    lines = [expense_claims.LineFact(1, DAY, "oral_hours", quantity_centi=200)]
    f = facts(lines, [mission(optional=True)], hours_done_centi=200)
    assert expense_checks.evaluate_claim(f, RATES).amount_of(1) == 1440


def test_rate_keys_fall_back_in_order() -> None:
    table = rx.RateTable([rx.Rate("meal", "repas", Decimal("20"), D(2023, 9, 22))])
    assert rx.meal_amount(100, "paris", DAY, table).centi == 2000  # no "paris" meal rate
    table = rx.RateTable(
        [
            rx.Rate("meal", "repas", Decimal("20"), D(2023, 9, 22)),
            rx.Rate("meal", "paris", Decimal("25"), D(2023, 9, 22)),
        ]
    )
    assert rx.meal_amount(100, "paris", DAY, table).centi == 2500


def test_fees_per_copy_and_per_oral_hour() -> None:
    assert rx.copies_amount(12000, DAY, RATES).centi == 60000  # 120 × 5 €
    assert rx.copies_amount(1000, DAY, RATES, fee_centi=173).centi == 1730  # épreuve's own fee
    assert rx.oral_amount(600, DAY, RATES).centi == 5760  # 6 h × 9,60
    assert rx.oral_amount(250, DAY, RATES).centi == 2400  # 2,5 h × 9,60
    assert rx.oral_amount(33, DAY, RATES).centi == 317  # 0,33 × 9,60 = 3,168 → 3,17 half-up


# --- A whole claim ------------------------------------------------------------------------------


def test_evaluate_claim_threads_the_annual_km_counter() -> None:
    lines = [
        car(1, DAY, 124),
        car(2, DAY + dt.timedelta(days=1), 124),
        expense_claims.LineFact(3, DAY, "meal", quantity_centi=100),
        expense_claims.LineFact(4, DAY, "night", receipt=True, declared_centi=10500),
        expense_claims.LineFact(5, DAY, "oral_hours", quantity_centi=600),
        expense_claims.LineFact(6, DAY, "toll", declared_centi=740, receipt=True),
    ]
    f = facts(
        lines,
        [mission(DAY), mission(DAY + dt.timedelta(days=1), aid=2)],
        km_before=1900,
        hours_done_centi=600,
    )
    result = expense_checks.evaluate_claim(f, RATES)
    # line 1: 100 × 0,41 + 24 × 0,51 = 41 + 12,24 = 53,24 ; line 2: 124 × 0,51 = 63,24
    assert result.amount_of(1) == 5324
    assert result.amount_of(2) == 6324
    assert result.amount_of(3) == 2000
    assert result.amount_of(4) == 10500  # Lyon = grande ville, cap 120 €
    assert result.amount_of(5) == 5760
    assert result.amount_of(6) == 740
    assert result.total_centi == 5324 + 6324 + 2000 + 10500 + 5760 + 740
    assert result.anomalies == ()


def test_copy_fee_of_the_epreuve_overrides_the_rate() -> None:
    lines = [expense_claims.LineFact(1, DAY, "copies", quantity_centi=10000)]
    f = facts(lines, [mission(kind="correction", copy_fee_centi=247)], copies_held=100)
    assert expense_checks.evaluate_claim(f, RATES).amount_of(1) == 24700


def test_uncomputable_line_gets_zero_and_an_anomaly() -> None:
    f = facts([car()], fiscal_hp=None)
    result = expense_checks.evaluate_claim(f, RATES)
    assert result.amount_of(1) == 0
    assert [a.code for a in result.anomalies] == ["rate"]
    assert "puissance fiscale" in result.anomalies[0].text


# --- Anomalies, one by one ----------------------------------------------------------------------


def test_clean_claim_has_no_anomaly() -> None:
    assert codes(facts([car(), expense_claims.LineFact(2, DAY, "meal")])) == []


def test_day_without_convocation() -> None:
    days = [mission(DAY, aid=1), mission(DAY + dt.timedelta(days=2), aid=2)]
    line = expense_claims.LineFact(1, DAY + dt.timedelta(days=1), "meal")
    found = expense_checks.find_anomalies(facts([line], days))
    assert [a.code for a in found] == ["no_convocation"]
    assert found[0].text == "17/06/2026 repas : aucune convocation ce jour-là"
    assert found[0].line_id == 1
    assert found[0].line_id == 1


def test_claim_without_any_convocation() -> None:
    assert codes(facts([expense_claims.LineFact(1, DAY, "meal")], [])) == ["no_convocation"]


def test_date_outside_the_mission() -> None:
    line = expense_claims.LineFact(1, DAY + dt.timedelta(days=5), "meal")
    found = expense_checks.find_anomalies(facts([line]))
    assert [a.code for a in found] == ["outside_mission"]
    assert "du 16/06/2026 au 16/06/2026" in found[0].text


def test_eve_of_a_mission_is_part_of_it_when_a_night_is_claimed() -> None:
    eve = DAY - dt.timedelta(days=1)
    lines = [
        car(1, eve),
        expense_claims.LineFact(2, eve, "night", receipt=True),
        expense_claims.LineFact(3, eve, "meal"),
    ]
    assert codes(facts(lines)) == []
    # without the night, travelling the day before is outside the mission
    assert codes(facts([car(1, eve)])) == ["outside_mission"]


def test_same_day_claimed_twice_inside_the_claim() -> None:
    nights = [
        expense_claims.LineFact(1, DAY, "night", receipt=True),
        expense_claims.LineFact(2, DAY, "night", receipt=True),
    ]
    assert codes(facts(nights)) == ["duplicate"]
    meals = [
        expense_claims.LineFact(1, DAY, "meal", quantity_centi=200),
        expense_claims.LineFact(2, DAY, "meal", "x"),
    ]
    assert codes(facts(meals)) == ["duplicate"]
    assert codes(facts([car(1), car(2)])) == ["duplicate"]
    # the same meal line twice (even within the two meals a day)
    assert codes(
        facts([expense_claims.LineFact(1, DAY, "meal"), expense_claims.LineFact(2, DAY, "meal")])
    ) == ["duplicate"]
    # an outward and a return trip are two different lines
    back = expense_claims.LineFact(2, DAY, "car", "administrative", LYON, BOURG, 62)
    assert codes(facts([car(1, km=62), back])) == []


def test_same_day_claimed_in_another_claim() -> None:
    f = facts(
        [expense_claims.LineFact(1, DAY, "meal")], other_claimed={DAY: ((41, "meal"), (41, "car"))}
    )
    found = expense_checks.find_anomalies(f)
    assert [a.code for a in found] == ["duplicate"]
    assert "déjà demandé (demande n° 41)" in found[0].text
    # another kind that day is not a duplicate
    assert (
        codes(
            facts([expense_claims.LineFact(1, DAY, "meal")], other_claimed={DAY: ((41, "night"),)})
        )
        == []
    )


def test_convocation_covered_by_another_claim() -> None:
    found = expense_checks.find_anomalies(facts([], missions_elsewhere={1: 12}))
    assert [a.code for a in found] == ["duplicate"]
    assert "déjà couverte par la demande n° 12" in found[0].text


@pytest.mark.parametrize(("km", "flagged"), [(62, False), (124, False), (70, False), (180, True)])
def test_distance_against_the_reference(km: int, flagged: bool) -> None:
    found = expense_checks.find_anomalies(facts([car(km=km)]))
    assert [a.code for a in found] == (["distance"] if flagged else [])
    if flagged:
        assert "180 km déclarés, référence 62 km (aller-retour 124 km)" in found[0].text


def test_route_must_link_residence_and_centre() -> None:
    wrong_start = expense_claims.LineFact(1, DAY, "car", "administrative", VILLEURBANNE, LYON, 10)
    assert codes(facts([wrong_start])) == ["route"]
    wrong_end = expense_claims.LineFact(1, DAY, "car", "administrative", BOURG, PARIS, 10)
    assert codes(facts([wrong_end])) == ["route"]
    inside = expense_claims.LineFact(1, DAY, "car", "", LYON, LYON, 10)
    assert codes(facts([inside])) == ["route"]


def test_vehicle_not_authorised() -> None:
    back = expense_claims.LineFact(2, DAY, "car", "administrative", LYON, BOURG, 62)
    assert codes(facts([car(1, km=62), back], vehicle_authorised=False)) == ["vehicle"]


def test_tickets_tolls_parking_need_a_receipt() -> None:
    lines = [
        expense_claims.LineFact(1, DAY, "public_transport", "", BOURG, LYON, declared_centi=1860),
        expense_claims.LineFact(2, DAY, "toll", declared_centi=740),
        expense_claims.LineFact(3, DAY, "parking", declared_centi=500, receipt=True),
    ]
    assert codes(facts(lines)) == ["receipt", "receipt"]


def test_night_without_receipt() -> None:
    found = expense_checks.find_anomalies(facts([expense_claims.LineFact(1, DAY, "night")]))
    assert [a.code for a in found] == ["night_receipt"]


def test_night_when_living_in_the_centre_commune() -> None:
    f = facts([expense_claims.LineFact(1, DAY, "night", receipt=True)], home_commune_id=LYON)
    found = expense_checks.find_anomalies(f)
    assert [a.code for a in found] == ["night_at_home"]
    assert "commune de résidence (Lyon)" in found[0].text


def test_night_category_declared_differs_from_the_commune() -> None:
    line = expense_claims.LineFact(1, DAY, "night", receipt=True, night_category="paris")
    assert codes(facts([line])) == ["night_category"]
    # the amount follows the commune (Lyon: grande ville, 120 €), not the declaration
    assert expense_checks.evaluate_claim(facts([line]), RATES).amount_of(1) == 12000


def test_meal_claimed_at_home() -> None:
    f = facts(
        [expense_claims.LineFact(1, DAY, "meal")],
        home_commune_id=LYON,
        admin_commune_id=VILLEURBANNE,
    )
    assert codes(f) == ["meal_at_home"]
    f = facts([expense_claims.LineFact(1, DAY, "meal")], admin_commune_id=LYON)
    assert codes(f) == ["meal_at_home"]


def test_more_copies_than_the_lots_held() -> None:
    lines = [expense_claims.LineFact(1, DAY, "copies", quantity_centi=13000)]
    ms = [mission(kind="correction")]
    found = expense_checks.find_anomalies(facts(lines, ms, copies_held=120))
    assert [a.code for a in found] == ["copies_excess"]
    assert found[0].text == "Copies : 130 déclarées, les lots du correcteur en contiennent 120"
    assert codes(facts(lines, ms, copies_held=130)) == []
    # copies already claimed elsewhere count too
    assert codes(facts(lines, ms, copies_held=130, copies_elsewhere_centi=100)) == ["copies_excess"]


def test_more_oral_hours_than_convened() -> None:
    lines = [expense_claims.LineFact(1, DAY, "oral_hours", quantity_centi=800)]
    assert codes(facts(lines, hours_done_centi=600)) == ["hours_excess"]
    assert codes(facts(lines, hours_done_centi=800)) == []


def test_estimated_reference_distance() -> None:
    # Lyon (45.7640, 4.8357) – Bourg-en-Bresse (46.2052, 5.2255): ~59 km straight, × 1.3
    km = expense_claims.estimate_road_km(
        Decimal("45.7640"), Decimal("4.8357"), Decimal("46.2052"), Decimal("5.2255")
    )
    assert 70 <= km <= 82


def test_night_between_two_centres_may_be_spent_at_either() -> None:
    """Oral at Villeurbanne (base) on the 16th, at Lyon (grande ville) on the 17th."""
    ms = [mission(DAY, VILLEURBANNE, aid=1), mission(DAY + dt.timedelta(days=1), LYON, aid=2)]
    at_lyon = expense_claims.LineFact(1, DAY, "night", receipt=True, night_category="grande_ville")
    assert codes(facts([at_lyon], ms)) == []
    assert expense_checks.evaluate_claim(facts([at_lyon], ms), RATES).amount_of(1) == 12000
    at_villeurbanne = expense_claims.LineFact(1, DAY, "night", receipt=True, night_category="base")
    assert codes(facts([at_villeurbanne], ms)) == []
    assert expense_checks.evaluate_claim(facts([at_villeurbanne], ms), RATES).amount_of(1) == 9000
    in_paris = expense_claims.LineFact(1, DAY, "night", receipt=True, night_category="paris")
    found = expense_checks.find_anomalies(facts([in_paris], ms))
    assert [a.code for a in found] == ["night_category"]
    assert "Lyon est au « grande ville / Grand Paris »" in found[0].text


def test_a_line_brought_to_zero_is_struck_out() -> None:
    outside = DAY + dt.timedelta(days=5)
    assert codes(facts([expense_claims.LineFact(1, outside, "toll", declared_centi=740)])) == [
        "outside_mission",
        "receipt",
    ]
    assert codes(facts([expense_claims.LineFact(1, outside, "toll", declared_centi=0)])) == []
    assert codes(facts([car(1, outside, km=0)])) == []
    assert codes(facts([expense_claims.LineFact(1, outside, "meal", quantity_centi=0)])) == []


def test_two_convocations_in_two_centres_the_same_day() -> None:
    ms = [mission(DAY, LYON, aid=1), mission(DAY, VILLEURBANNE, aid=2)]
    to_villeurbanne = expense_claims.LineFact(
        2, DAY, "car", "administrative", LYON, VILLEURBANNE, 10
    )
    # residence → Lyon, then Lyon → Villeurbanne (between the two centres)
    assert codes(facts([car(1, km=62), to_villeurbanne], ms)) == []
    # the meal is away from home as soon as one centre of the day is
    assert codes(facts([expense_claims.LineFact(1, DAY, "meal")], ms, home_commune_id=LYON)) == []


def test_two_departures_from_home_the_same_day() -> None:
    ms = [mission(DAY, LYON, aid=1), mission(DAY, VILLEURBANNE, aid=2)]
    second = expense_claims.LineFact(2, DAY, "car", "administrative", BOURG, VILLEURBANNE, 70)
    found = expense_checks.find_anomalies(facts([car(1, km=124), second], ms))
    assert [a.code for a in found] == ["duplicate"]
    assert found[0].text == "16/06/2026 : 2 trajets au départ de la résidence le même jour"
