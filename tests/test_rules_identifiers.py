"""Identifiers: UAI, INE, postcode, e-mail, phone, name folding, French dates."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baktui.rules.identifiers import (
    UAI_LETTERS,
    email_error,
    fold,
    ine_error,
    ine_format,
    is_valid_ine,
    is_valid_uai,
    parse_date_fr,
    phone_error,
    phone_normalise,
    postcode_error,
    uai_check_letter,
    uai_error,
)

# --- UAI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("uai", ["0750655E", "0690026D", "0130040Y", " 0750655e "])
def test_valid_uai(uai: str) -> None:
    assert uai_error(uai) is None
    assert is_valid_uai(uai)


def test_uai_check_letter() -> None:
    assert uai_check_letter("0750655") == "E"  # 750655 = 23 x 32637 + 4 -> E
    assert uai_check_letter("0000000") == "A"
    assert uai_check_letter("0000022") == "Z"
    assert uai_check_letter("0000023") == "A"
    assert len(UAI_LETTERS) == 23 and not set("IOQ") & set(UAI_LETTERS)
    with pytest.raises(ValueError):
        uai_check_letter("075065")
    with pytest.raises(ValueError):
        uai_check_letter("075065A")


@pytest.mark.parametrize(
    ("uai", "fragment"),
    [
        ("0750655F", "lettre de contrôle incorrecte (attendu E)"),
        ("075065E", "7 chiffres suivis d'une lettre"),
        ("07506551", "7 chiffres suivis d'une lettre"),
        ("0750655EE", "7 chiffres suivis d'une lettre"),
        ("", "UAI vide"),
    ],
)
def test_invalid_uai(uai: str, fragment: str) -> None:
    message = uai_error(uai)
    assert message is not None and fragment in message
    assert not is_valid_uai(uai)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 9_999_999))
def test_uai_only_one_letter_is_valid(n: int) -> None:
    digits = f"{n:07d}"
    valid = [c for c in UAI_LETTERS if is_valid_uai(digits + c)]
    assert valid == [uai_check_letter(digits)]


# --- INE ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ine", "name"),
    [
        ("123456789AB", "RNIE"),
        ("123456789KJ", "RNIE"),
        ("1234567890A", "BEA"),
        ("1234567890Z", "BEA"),
        ("ABCDEFGHIJ1", "base36"),
        ("12345678901", "base36"),
        ("1234A56789B", "SIFA"),
        (" 123456789ab ", "RNIE"),
    ],
)
def test_ine_formats(ine: str, name: str) -> None:
    assert ine_format(ine) == name
    assert ine_error(ine) is None and is_valid_ine(ine)


@pytest.mark.parametrize(
    ("ine", "fragment"),
    [
        ("", "INE vide"),
        ("12345", "11 caractères attendus (5 saisis)"),
        ("1234567890I", "format non reconnu"),  # I excluded from the 23-letter alphabet
        ("123456789AL", "format non reconnu"),  # L not in A-H, J, K
        ("ABCDEFGHIJK", "format non reconnu"),
        ("1234B56789B", "format non reconnu"),
        ("12345678 0A", "format non reconnu"),
    ],
)
def test_invalid_ine(ine: str, fragment: str) -> None:
    message = ine_error(ine)
    assert message is not None and fragment in message
    assert ine_format(ine) is None and not is_valid_ine(ine)


# --- postcode, e-mail, phone -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["75005", "01000", "97400", "98000", " 13001 "])
def test_valid_postcode(code: str) -> None:
    assert postcode_error(code) is None


@pytest.mark.parametrize("code", ["", "7500", "750050", "75O05", "00100", "99000", "2A004"])
def test_invalid_postcode(code: str) -> None:
    assert postcode_error(code) is not None


@pytest.mark.parametrize(
    "address", ["jean.dupont@ac-paris.fr", "ce.0750655E@ac-paris.fr", "a+b@x.education.gouv.fr"]
)
def test_valid_email(address: str) -> None:
    assert email_error(address) is None


@pytest.mark.parametrize(
    "address",
    ["", "jean", "jean@", "@ac-paris.fr", "jean dupont@x.fr", "jean@x", "a@@x.fr", "a..b@x.fr"],
)
def test_invalid_email(address: str) -> None:
    assert email_error(address) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 12 34 56 78", "0612345678"),
        ("0612345678", "0612345678"),
        ("06.12.34.56.78", "0612345678"),
        ("06-12-34-56-78", "0612345678"),
        ("+33 6 12 34 56 78", "0612345678"),
        ("+33 (0)6 12 34 56 78", "0612345678"),
        ("0033 1 44 55 66 77", "0144556677"),
        ("+262 692 12 34 56", "0692123456"),
    ],
)
def test_phone_normalise(text: str, expected: str) -> None:
    assert phone_normalise(text) == expected
    assert phone_error(text) is None


@pytest.mark.parametrize(
    "text", ["", "abc", "06 12 34 56", "06 12 34 56 78 9", "0012", "+44 20 7946 0958", "00 12 34"]
)
def test_phone_garbage(text: str) -> None:
    assert phone_normalise(text) is None
    assert phone_error(text) is not None


def test_phone_none() -> None:
    assert phone_normalise(None) is None


# --- fold --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hélène Lefèvre", "helene lefevre"),
        ("  ÉLODIE   D'ARTAGNAN ", "elodie d artagnan"),
        ("Jean-Œdipe N’Diaye", "jean oedipe n diaye"),
        ("Lætitia Çelik", "laetitia celik"),
        ("Müller–Straße", "muller strasse"),
        ("Søren 𝔄ndré", "soren andre"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_fold_is_idempotent(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip() and "  " not in folded


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/02/2008", datetime.date(2008, 2, 1)),
        ("1/2/2008", datetime.date(2008, 2, 1)),
        (" 29/02/2008 ", datetime.date(2008, 2, 29)),
        ("2008-02-29", datetime.date(2008, 2, 29)),
    ],
)
def test_parse_date_fr(text: str, expected: datetime.date) -> None:
    assert parse_date_fr(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/02/2024", "cette date n'existe pas"),
        ("29/02/2023", "cette date n'existe pas"),
        ("2023-13-01", "cette date n'existe pas"),
        ("01/02/08", "JJ/MM/AAAA"),
        ("2024/01/01", "JJ/MM/AAAA"),
        ("1.2.2008", "JJ/MM/AAAA"),
        ("", "JJ/MM/AAAA"),
        ("demain", "JJ/MM/AAAA"),
    ],
)
def test_parse_date_fr_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_date_fr(text)
