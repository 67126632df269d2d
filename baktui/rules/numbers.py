"""Numbers written the French way on screens, reports and documents.

Thousands separated by a narrow no-break space (U+202F, « 12 000 »), percentages with one
decimal and a decimal comma, computed in integers (no float rounding surprise).
"""

from __future__ import annotations

NARROW_NBSP = "\u202f"


def thousands(count: int, separator: str = NARROW_NBSP) -> str:
    """12000 → "12 000" (with ``separator`` between the groups of three digits)."""
    return f"{count:,}".replace(",", separator)


def percent(part: int, total: int) -> str:
    """Share of ``part`` in ``total`` with one decimal, rounded half up: 1/3 → "33,3 %"."""
    if not total:
        return "0,0 %"
    tenths = (part * 2000 + total) // (2 * total)
    return f"{tenths // 10},{tenths % 10} %"
