"""Pure pieces of grade entry: control figures, lot numbers, anonymity check digits, slip texts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.anonymity import anonymat_number_valid, check_digit, draw_numbers
from baktui.rules.lots import balanced_sizes, parse_lot_numbers, per_series
from baktui.rules.slips import (
    ControlCheck,
    canonical,
    format_centi,
    from_canonical,
    parse_control_sum,
    parse_count,
    split_pass,
)


def test_control_sum_parsing() -> None:
    assert parse_control_sum("1234") == 123400
    assert parse_control_sum(" 1 234,5 ") == 123450
    assert parse_control_sum("12.05") == 1205
    for bad in ("", "12,345", "-3", "douze"):
        with pytest.raises(ValueError, match="illisible"):
            parse_control_sum(bad)


def test_parse_lot_numbers() -> None:
    assert parse_lot_numbers("12") == [12]
    assert parse_lot_numbers("3-5, 15;4") == [3, 4, 5, 15]
    for bad in ("", "a", "5-3", "1-9999"):
        with pytest.raises(ValueError, match="lot"):
            parse_lot_numbers(bad)


def test_check_digit_catches_a_typo() -> None:
    assert not anonymat_number_valid("12345678")
    body = "1234567"
    good = body + check_digit(body)
    assert anonymat_number_valid(good)
    assert not anonymat_number_valid(good[:2] + good[3] + good[2] + good[4:])


def test_parse_count() -> None:
    assert parse_count(" 45 ", "Nombre de copies") == 45
    with pytest.raises(ValueError, match="Nombre d'absents : « 4,5 » n'est pas un nombre entier"):
        parse_count("4,5", "Nombre d'absents")


def test_drawn_numbers_are_new_valid_and_start_with_a_digit_other_than_zero() -> None:
    used = {"12345674"}
    numbers = draw_numbers(500, used, random.Random(3))
    assert len(set(numbers)) == 500 and "12345674" not in numbers
    assert all(anonymat_number_valid(n) and n[0] != "0" for n in numbers)
    assert set(numbers) <= used  # remembered for the next draw


@given(st.integers(0, 9_999_999))
def test_any_single_digit_typo_is_caught(n: int) -> None:
    body = f"{n:07d}"
    number = body + check_digit(body)
    for i in range(8):
        for d in "0123456789":
            if d != number[i]:
                assert not anonymat_number_valid(number[:i] + d + number[i + 1 :])


def test_balanced_sizes() -> None:
    assert balanced_sizes(0, 100) == []
    assert balanced_sizes(100, 100) == [100]
    assert balanced_sizes(101, 100) == [51, 50]
    assert balanced_sizes(250, 120) == [84, 83, 83]


@given(st.integers(1, 5000), st.integers(50, 120))
def test_balanced_sizes_property(total: int, size: int) -> None:
    sizes = balanced_sizes(total, size)
    assert sum(sizes) == total and max(sizes) <= size and max(sizes) - min(sizes) <= 1
    assert len(sizes) == -(-total // size)


def test_only_specialites_are_lotted_per_series() -> None:
    assert per_series("SP1") and per_series("SP2") and not per_series("PHI")


@pytest.mark.parametrize(
    ("centi", "code", "text"),
    [(1200, None, "12"), (1250, None, "12,5"), (1225, None, "12,25"), (None, "ABS", "ABS"),
     (None, None, "")],
)  # fmt: skip
def test_canonical_text_and_back(centi: int | None, code: str | None, text: str) -> None:
    assert canonical(centi, code) == text
    assert from_canonical(text) == (centi, code)


def test_sums_and_passes() -> None:
    assert format_centi(123450) == "1234,5" and format_centi(None) == ""
    assert split_pass("12;13,5", 3) == ["12", "13,5", ""]
    assert split_pass("", 2) == ["", ""]


def test_control_check_says_why_a_slip_cannot_close() -> None:
    check = ControlCheck(rows=3, filled=2, copies=2, absents=1, sum_centi=2450,
                         expected_copies=3, expected_absents=1, expected_sum_centi=2400)  # fmt: skip
    assert check.problems() == [
        "1 copie sans note",
        "copies : bordereau 3, saisies 2",
        "somme : bordereau 24, saisie 24,5",
    ]
    ok = ControlCheck(3, 3, 3, 1, 2400, 3, 1, 2400)
    assert ok.agrees and ok.problems() == []


def test_lot_numbers_are_listed_and_long_runs_shortened() -> None:
    from baktui.rules.lots import format_lot_numbers

    assert format_lot_numbers([74, 71, 72, 73]) == "n° 71, 72, 73, 74"
    assert format_lot_numbers([1, 2, 3, 4, 5, 6, 9, 11]) == "n° 1 à 6, 9, 11"
    assert format_lot_numbers([]) == ""
