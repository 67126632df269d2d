"""What the office types for a claim (F6 forms, ``import frais``): natures, dates, line values."""

from __future__ import annotations

import datetime as dt

import pytest

from baktui.rules.claim_entry import (
    FieldError,
    kind_of,
    origin_of,
    parse_days,
    parse_line_entry,
    parse_meals,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Véhicule personnel", "car"),
        ("voiture", "car"),
        ("TRAIN", "public_transport"),
        ("Transport en commun", "public_transport"),
        ("péage", "toll"),
        ("Stationnement", "parking"),
        ("repas", "meal"),
        ("Nuitée", "night"),
        ("hôtel", "night"),
        ("Copies corrigées", "copies"),
        ("Heures d'oral", "oral_hours"),
        ("oral_hours", "oral_hours"),
        ("avion", None),
        ("", None),
    ],
)
def test_kind_words(text: str, kind: str | None) -> None:
    assert kind_of(text) == kind


def test_origins_and_meals() -> None:
    assert origin_of("Résidence familiale") == "family"
    assert origin_of("") == "administrative"
    assert origin_of("lune") is None
    assert parse_meals("2") == 2 and parse_meals("") == 0
    with pytest.raises(FieldError, match=r"^Repas par jour : un entier de 0 à 2"):
        parse_meals("3")


def test_nights_sorted_once_each() -> None:
    assert parse_days("17/06/2026, 16/06/2026;17/06/2026") == [
        dt.date(2026, 6, 16),
        dt.date(2026, 6, 17),
    ]
    assert parse_days("  ") == []
    with pytest.raises(FieldError, match=r"^Nuits : .*31/02/2026"):
        parse_days("16/06/2026, 31/02/2026")


def test_line_values_per_kind() -> None:
    assert parse_line_entry("car", {"km": "124", "fiscal_hp": "6", "quantity": "9"}) == {
        "km": 124,
        "fiscal_hp": 6,
        "note": "",
    }
    night = parse_line_entry("night", {"declared": "85,50", "receipt": "o"})
    assert (night["quantity_centi"], night["declared_centi"], night["receipt"]) == (
        100,
        8550,
        True,
    )
    assert parse_line_entry("oral_hours", {"quantity": "2,5"})["quantity_centi"] == 250


@pytest.mark.parametrize(
    ("kind", "texts", "field", "message"),
    [
        ("car", {"km": ""}, "km", "Distance (km) : obligatoire, plus que 0."),
        ("toll", {"declared": "x"}, "declared", "Montant déclaré (€) : « x » n'est pas un nombre."),
        ("meal", {"quantity": "3"}, "quantity", "Nombre de repas : 2 au plus pour une journée."),
        ("copies", {"quantity": "2,5"}, "quantity", "Nombre de copies : un nombre entier."),
        ("parking", {"declared": "3", "receipt": "peut-être"}, "receipt", "Justificatif :"),
        ("avion", {}, "kind", "Nature : « avion » inconnue"),
    ],
)
def test_refusals_name_the_field(
    kind: str, texts: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(FieldError) as caught:
        parse_line_entry(kind, texts)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)
