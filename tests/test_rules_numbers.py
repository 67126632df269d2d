"""French numbers: thousands and percentages, by hand and by property."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.numbers import percent, thousands


def test_thousands() -> None:
    assert thousands(0) == "0"
    assert thousands(999) == "999"
    assert thousands(12000) == "12\u202f000"
    assert thousands(700000, "\u00a0") == "700\u00a0000"


def test_percent_rounds_half_up_to_a_tenth() -> None:
    assert percent(1, 3) == "33,3 %"
    assert percent(2, 3) == "66,7 %"
    assert percent(1, 8) == "12,5 %"  # exactly 12,5
    assert percent(1, 16) == "6,3 %"  # 6,25 → 6,3
    assert percent(0, 0) == "0,0 %"


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_percent_is_the_exact_share_rounded(part: int, total: int) -> None:
    whole, tenth = percent(part, total).removesuffix(" %").split(",")
    shown = Fraction(int(whole) * 10 + int(tenth), 10)
    exact = Fraction(100 * part, total)
    assert shown - Fraction(1, 20) <= exact < shown + Fraction(1, 20)
