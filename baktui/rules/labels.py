"""The layout of a sheet of labels (étiquettes de table, d'anonymat): a setting of the office.

The office buys A4 sheets of self-adhesive labels; the layout says how they are cut:
« 3x8 70x37 0,5 0 » = 3 columns × 8 rows of 70 × 37 mm labels, the first one 0,5 mm from the
top and 0 mm from the left edge (the default: the common A4 3 × 8 sheet). Labels touch each
other: the gaps are the sheet's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

A4_WIDTH, A4_HEIGHT = Decimal(210), Decimal(297)
DEFAULT_LAYOUT = "3x8 70x37 0,5 0"
_LAYOUT = re.compile(
    r"\s*(\d+)\s*[x×]\s*(\d+)\s+([\d.,]+)\s*[x×]\s*([\d.,]+)(?:\s+([\d.,]+)\s+([\d.,]+))?\s*"
)


@dataclass(frozen=True)
class LabelLayout:
    columns: int
    rows: int
    width: Decimal  # mm
    height: Decimal
    top: Decimal = Decimal(0)
    left: Decimal = Decimal(0)

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[Decimal, Decimal]:
        """(x, y) in mm of the label ``index`` of a sheet (row by row)."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return self.left + column * self.width, self.top + row * self.height


def _mm(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def parse_layout(text: str) -> LabelLayout:
    """« 3x8 70x37 0,5 0 » → a layout; ValueError (French) when it does not fit on A4."""
    match = _LAYOUT.fullmatch(text or "")
    if match is None:
        raise ValueError(
            f"Étiquettes « {text} » : attendu COLONNESxLIGNES LARGEURxHAUTEUR [HAUT GAUCHE] en "
            f"mm, par exemple « {DEFAULT_LAYOUT} »"
        )
    try:
        columns, rows = int(match[1]), int(match[2])
        width, height = _mm(match[3]), _mm(match[4])
        top = _mm(match[5]) if match[5] else Decimal(0)
        left = _mm(match[6]) if match[6] else Decimal(0)
    except InvalidOperation:
        raise ValueError(f"Étiquettes « {text} » : nombre illisible") from None
    if not (columns and rows and width > 0 and height > 0):
        raise ValueError(f"Étiquettes « {text} » : colonnes, lignes et tailles non nulles")
    if left + columns * width > A4_WIDTH or top + rows * height > A4_HEIGHT:
        raise ValueError(
            f"Étiquettes « {text} » : {columns} × {width} mm de large et {rows} × {height} mm "
            "de haut ne tiennent pas sur une feuille A4 (210 × 297 mm)"
        )
    return LabelLayout(columns, rows, width, height, top, left)
