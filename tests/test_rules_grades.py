"""Grades: parsing, rounding, display, storage and composite spécialités."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baktui.rules.grades import (
    Grade,
    GradeError,
    ParsedGrade,
    combine_parts,
    composite_grade,
    format_grade,
    from_centi,
    parse_grade,
    round_up_tenth,
    to_centi,
    truncate_2,
)
from baktui.rules.regulation import PRECISION_HALF, PRECISION_TENTH_UP, PRECISION_WHOLE

# --- Grade -------------------------------------------------------------------------------------


def test_grade_constructors_and_counted_value() -> None:
    assert Grade.of(12).value == F(12)
    assert Grade.of(F(25, 2)).counted_value == F(25, 2)
    assert Grade.absent().counted_value == 0
    assert Grade.justified().counted_value is None
    assert Grade.dispensed().counted_value is None
    assert Grade.absent().is_absent and Grade.justified().is_justified
    assert Grade.dispensed().is_dispensed and Grade.of(3).is_number
    assert str(Grade.of(F(25, 2))) == "12,5"
    assert str(Grade.absent()) == "ABS"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"value": F(1), "code": "ABS"}, {"code": "AB"}, {"code": "abs"}, {"value": F(-1)}],
)
def test_grade_invalid(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Grade(**kwargs)  # type: ignore[arg-type]


def test_grade_refuses_float() -> None:
    with pytest.raises(TypeError):
        Grade.of(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Grade(value=True)  # type: ignore[arg-type]


# --- parse_grade -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision", "expected"),
    [
        ("12", PRECISION_WHOLE, F(12)),
        (" 8 ", PRECISION_WHOLE, F(8)),
        ("0", PRECISION_WHOLE, F(0)),
        ("20", PRECISION_WHOLE, F(20)),
        ("12,0", PRECISION_WHOLE, F(12)),
        ("12,5", PRECISION_HALF, F(25, 2)),
        ("12.5", PRECISION_HALF, F(25, 2)),
        ("7,50", PRECISION_HALF, F(15, 2)),
        ("12,3", PRECISION_TENTH_UP, F(123, 10)),
        ("12.5", PRECISION_TENTH_UP, F(125, 10)),
        ("20,0", PRECISION_TENTH_UP, F(20)),
    ],
)
def test_parse_numbers(text: str, precision: str, expected: F) -> None:
    parsed = parse_grade(text, precision)
    assert parsed == ParsedGrade(Grade.of(expected), False, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,34", F(124, 10)), ("12.30001", F(124, 10)), ("19,99", F(20)), ("0,01", F(1, 10))],
)
def test_parse_cc_rounds_up_to_the_tenth(text: str, expected: F) -> None:
    parsed = parse_grade(text, PRECISION_TENTH_UP)
    assert parsed.grade == Grade.of(expected)
    assert parsed.rounded is True


@pytest.mark.parametrize(
    ("text", "code"),
    [("ABS", "ABS"), ("abs", "ABS"), (" Abs ", "ABS"), ("AJ", "AJ"), ("aj", "AJ"), ("di", "DI")],
)
def test_parse_codes(text: str, code: str) -> None:
    parsed = parse_grade(text, PRECISION_WHOLE)
    assert parsed.grade == Grade(code=code)
    assert not parsed.rounded


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_parse_empty_is_missing(text: str) -> None:
    assert parse_grade(text, PRECISION_TENTH_UP) == ParsedGrade(None, False, text)


@pytest.mark.parametrize(
    ("text", "precision", "message"),
    [
        ("21", PRECISION_WHOLE, "note « 21 » hors de l'intervalle 0 à 20"),
        ("-1", PRECISION_WHOLE, "note « -1 » hors de l'intervalle 0 à 20"),
        ("20,01", PRECISION_TENTH_UP, "note « 20,01 » hors de l'intervalle 0 à 20"),
        (
            "douze",
            PRECISION_WHOLE,
            "« douze » n'est pas une note (attendu : nombre de 0 à 20, ABS, AJ ou DI)",
        ),
        ("12,5", PRECISION_WHOLE, "12,5 : l'épreuve se note en points entiers"),
        ("12,55", PRECISION_WHOLE, "12,55 : l'épreuve se note en points entiers"),
        ("12,25", PRECISION_HALF, "12,25 : l'épreuve se note en points entiers ou demi-points"),
    ],
)
def test_parse_refusals_messages(text: str, precision: str, message: str) -> None:
    with pytest.raises(GradeError) as err:
        parse_grade(text, precision)
    assert str(err.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "nan",
        "inf",
        "12,5,3",
        "12.",
        ",5",
        "+12",
        "12 5",
        "1/2",
        "１２",  # full-width digits
        "١٢",  # Arabic-Indic digits
        "AB",
        "0x10",
        "1" * 5000,
    ],
)
def test_parse_garbage(text: str) -> None:
    with pytest.raises(GradeError, match="n'est pas une note"):
        parse_grade(text, PRECISION_TENTH_UP)


def test_parse_custom_max_and_unknown_precision() -> None:
    with pytest.raises(GradeError, match="hors de l'intervalle 0 à 10"):
        parse_grade("15", PRECISION_WHOLE, F(10))
    with pytest.raises(ValueError):
        parse_grade("12", "centieme")


def test_grade_error_is_value_error() -> None:
    assert issubclass(GradeError, ValueError)


# --- rounding and display ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (F(1234, 100), F(124, 10)),
        (F(123, 10), F(123, 10)),
        (F(1230001, 100000), F(124, 10)),
        (F(0), F(0)),
        (F(1, 3), F(4, 10)),
        (F(20), F(20)),
    ],
)
def test_round_up_tenth(x: F, expected: F) -> None:
    assert round_up_tenth(x) == expected


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (F(12), "12"),
        (F(25, 2), "12,5"),
        (F(1225, 100), "12,25"),
        (F(0), "0"),
        (F(5, 100), "0,05"),
        (F(35, 3), "11,66"),  # 11.666… truncated, not rounded
        (F(367, 32), "11,46"),  # 11.46875
        (F(20), "20"),
        (None, ""),
    ],
)
def test_format_grade(x: F | None, text: str) -> None:
    assert format_grade(x) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (F(9999, 1000), "9,99"),
        (F(1999, 200), "9,99"),  # 9.995
        (F(10) - F(1, 10**9), "9,99"),
        (F(10), "10,00"),
        (F(25, 2), "12,50"),
        (F(2, 3), "0,66"),
        (F(0), "0,00"),
        (None, ""),
    ],
)
def test_truncate_2(x: F | None, text: str) -> None:
    assert truncate_2(x) == text


def test_centi_storage() -> None:
    assert to_centi(F(25, 2)) == 1250
    assert to_centi(F(1234, 100)) == 1234
    assert to_centi(20) == 2000
    assert from_centi(1250) == F(25, 2)
    assert from_centi(0) == 0
    for bad in (F(1, 3), F(12345, 1000)):
        with pytest.raises(ValueError):
            to_centi(bad)


# --- composite spécialités ---------------------------------------------------------------------


def test_st2s_cbph_composite_is_exact() -> None:
    # (3 x 13,5 + 13 x 11) / 16 = 183,5 / 16 = 11,46875
    parts = [(F(3), F(27, 2)), (F(13), F(11))]
    assert composite_grade(parts) == F(367, 32)
    assert combine_parts(parts) == Grade.of(F(367, 32))


def test_sthr_composite_with_grades() -> None:
    # (8 x 12 + 8 x 13,5) / 16 = 12,75
    assert composite_grade([(8, Grade.of(12)), (8, Grade.of(F(27, 2)))]) == F(51, 4)


def test_composite_missing_part() -> None:
    assert combine_parts([(3, None), (13, F(12))]) is None
    assert composite_grade([(3, F(12)), (13, None)]) is None


def test_composite_abs_counts_zero() -> None:
    # (3 x 0 + 13 x 16) / 16 = 13
    assert composite_grade([(3, Grade.absent()), (13, F(16))]) == 13
    assert combine_parts([(3, Grade.absent()), (13, Grade.absent())]) == Grade.absent()
    assert composite_grade([(3, Grade.absent()), (13, Grade.absent())]) == 0


def test_composite_aj_makes_the_whole_aj() -> None:
    parts = [(3, Grade.justified()), (13, F(16))]
    assert combine_parts(parts) == Grade.justified()
    assert composite_grade(parts) is None


def test_composite_di_neutralises_the_part() -> None:
    assert composite_grade([(3, Grade.dispensed()), (13, F(15))]) == 15
    assert combine_parts([(3, Grade.dispensed()), (13, Grade.dispensed())]) == Grade.dispensed()
    assert composite_grade([(3, Grade.dispensed()), (13, Grade.dispensed())]) is None


def test_composite_invalid() -> None:
    with pytest.raises(ValueError):
        combine_parts([])
    with pytest.raises(ValueError):
        combine_parts([(0, F(1))])


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 20))
def test_roundtrip_whole(n: int) -> None:
    text = format_grade(F(n))
    assert parse_grade(text, PRECISION_WHOLE) == ParsedGrade(Grade.of(n), False, text)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 200))
def test_roundtrip_cc_tenths(n: int) -> None:
    x = F(n, 10)
    text = format_grade(x)
    parsed = parse_grade(text, PRECISION_TENTH_UP)
    assert parsed.grade == Grade.of(x)
    assert not parsed.rounded
    assert parse_grade(text.replace(",", "."), PRECISION_TENTH_UP).grade == Grade.of(x)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40))
def test_roundtrip_half(n: int) -> None:
    x = F(n, 2)
    assert parse_grade(format_grade(x), PRECISION_HALF).grade == Grade.of(x)


@settings(max_examples=50, deadline=None)
@given(st.fractions(min_value=0, max_value=20))
def test_round_up_tenth_properties(x: F) -> None:
    up = round_up_tenth(x)
    assert x <= up < x + F(1, 10)
    assert (up * 10).denominator == 1


@settings(max_examples=50, deadline=None)
@given(st.fractions(min_value=0, max_value=20))
def test_truncate_never_rounds_up(x: F) -> None:
    whole, cents = truncate_2(x).split(",")
    shown = F(int(whole)) + F(int(cents), 100)
    assert shown <= x < shown + F(1, 100)
