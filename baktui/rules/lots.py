"""Lots of written copies as plain data: their view, how many copies each holds, their numbers.

A lot bundles at most the épreuve's ``lot_size`` copies (``LOT_SIZE_MIN`` to ``LOT_SIZE_MAX``) of
one subject for one correcteur; SP1 and SP2 lots never mix séries (their subject differs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from baktui.rules.lifecycles import LOT

LOT_SIZE_MIN = 50
LOT_SIZE_MAX = 120


@dataclass(frozen=True)
class LotInfo:
    """A lot as the screens and the slip PDF show it (no candidate anywhere)."""

    id: int
    number: int
    epreuve_code: str
    epreuve_label: str
    correcteur: str  # "Mme DUPONT Anne" or ""
    centre: str  # centre de correction, or ""
    state: str
    double_entry: bool
    copies: int
    entered: int
    control_copies: int | None
    control_absents: int | None
    control_sum_centi: int | None
    closed_at: str | None
    closed_by: str | None
    version: int
    series: str = ""  # SP1/SP2: the series whose spécialité it is
    subject: str = ""  # what the correcteur marks ("Philosophie", "SP1 STMG — Management…")

    @property
    def state_label(self) -> str:
        return LOT.label(self.state)


def per_series(code: str) -> bool:
    """SP1 and SP2 are different subjects in each series: their lots never mix series."""
    return code in ("SP1", "SP2")


def balanced_sizes(total: int, lot_size: int) -> list[int]:
    """Cut ``total`` copies into the fewest lots of at most ``lot_size``, sizes differing by ≤ 1."""
    if total <= 0:
        return []
    count = math.ceil(total / lot_size)
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]


def parse_lot_numbers(text: str) -> list[int]:
    """ "12", "3-8, 15" -> lot numbers in that order (French message if unreadable)."""
    numbers: list[int] = []
    for chunk in text.replace(";", ",").replace(" ", ",").split(","):
        if not chunk:
            continue
        first, dash, last = chunk.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"« {chunk} » : numéros de lots attendus, ex. 12 ou 3-8,15.")
        low, high = int(first), int(last) if dash else int(first)
        if high < low or high - low > 2000:
            raise ValueError(f"« {chunk} » : intervalle de lots invalide.")
        numbers.extend(n for n in range(low, high + 1) if n not in numbers)
    if not numbers:
        raise ValueError("Aucun numéro de lot.")
    return numbers


def format_lot_numbers(numbers: list[int]) -> str:
    """« n° 71, 72, 73, 74 »; runs of more than three consecutive numbers written « 71 à 180 »
    (a national run makes thousands of lots)."""
    values = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 4:
            parts.append(f"{values[i]} à {values[j]}")
        else:
            parts.extend(str(v) for v in values[i : j + 1])
        i = j + 1
    return ("n° " + ", ".join(parts)) if parts else ""
