"""Anonymity numbers of written copies: 8 digits, 7 drawn at random and a Luhn check digit.

The check digit catches a mistyped digit or two swapped neighbours when a number is searched or
keyed; the random part says nothing about the candidate, the établissement or the order of
registration.
"""

from __future__ import annotations

import random

ANONYMAT_DIGITS = 8  # 7 random digits + 1 check digit


def check_digit(digits: str) -> str:
    """Luhn check digit of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def anonymat_number_valid(number: str) -> bool:
    """True when an anonymity number has the right length and check digit."""
    return (
        len(number) == ANONYMAT_DIGITS
        and number.isascii()
        and number.isdigit()
        and check_digit(number[:-1]) == number[-1]
    )


def draw_numbers(count: int, used: set[str], rng: random.Random) -> list[str]:
    """``count`` new numbers, none in ``used`` (which grows with them), no leading zero."""
    numbers: list[str] = []
    space = 10 ** (ANONYMAT_DIGITS - 1)
    while len(numbers) < count:
        body = f"{rng.randrange(space // 10, space):0{ANONYMAT_DIGITS - 1}d}"
        number = body + check_digit(body)
        if number not in used:
            used.add(number)
            numbers.append(number)
    return numbers
