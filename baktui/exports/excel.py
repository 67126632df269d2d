"""A small shared openpyxl helper: one workbook, several sheets, written atomically.

Each sheet is (title, headers, rows), optionally with a fourth item mapping column indexes to
number formats: a bold frozen header row, column widths fitted to the content (bounded), an
auto-filter. Values are written as given (int, Decimal…; a text always as a text, never a
formula); dates are shown JJ/MM/AAAA. The workbook is written to the path given: the service
writing it gives a temporary file that it then renames, with the configured rights
(:func:`baktui.data.files.write_file`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from baktui.rules.cells import xlsx_text

# (title, headers, rows) or (title, headers, rows, formats): formats maps a 0-based column to
# an Excel number format ("# ##0,00 €", "DD/MM/YYYY") applied to its data cells.
Sheet = (
    tuple[str, Sequence[str], Sequence[Sequence[Any]]]
    | tuple[str, Sequence[str], Sequence[Sequence[Any]], Mapping[int, str]]
)
MIN_WIDTH = 6
DATE_FORMAT = "DD/MM/YYYY"
MAX_WIDTH = 60
_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})


def sheet_title(text: str) -> str:
    """An Excel-safe sheet title (31 characters, no []:*?/\\)."""
    return (text.translate(_FORBIDDEN).strip() or "Feuille")[:31]


def value_cells(ws: Any, values: Sequence[Any]) -> list[Any]:
    """The row to append: every text as a text cell (never a formula, even "=…"), with the
    characters XLSX cannot hold replaced; other values as given."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, xlsx_text(value))
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def write_workbook(path: str | Path, sheets: Sequence[Sheet]) -> Path:
    """Write the sheets to ``path`` (.xlsx)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for sheet in sheets:
        title, headers, rows = sheet[0], sheet[1], sheet[2]
        formats: Mapping[int, str] = sheet[3] if len(sheet) > 3 else {}  # type: ignore[misc]
        name = sheet_title(title)
        base, n = name, 2
        while name in used:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name)
        ws = workbook.create_sheet(name)
        ws.append(value_cells(ws, list(headers)))
        for cell in ws[1]:
            cell.font = bold
        widths = [len(str(h)) for h in headers]
        for row in rows:
            values = list(row)
            ws.append(value_cells(ws, values))
            for index, fmt in formats.items():
                if index < len(values):
                    ws.cell(row=ws.max_row, column=index + 1).number_format = fmt
            for index, value in enumerate(values[: len(widths)]):
                if index in formats:
                    widths[index] = max(widths[index], len(str(value)) + 2)
                    continue
                if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                    # shown as a French date, not as an ISO date-time
                    ws.cell(row=ws.max_row, column=index + 1).number_format = DATE_FORMAT
                    widths[index] = max(widths[index], 10)
                    continue
                widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = min(
                MAX_WIDTH, max(MIN_WIDTH, width + 2)
            )
        ws.freeze_panes = "A2"
        if headers:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, ws.max_row)}"
    if not workbook.sheetnames:
        workbook.create_sheet("Feuille")
    return save_workbook(workbook, path)


def save_workbook(workbook: Workbook, path: str | Path) -> Path:
    """Save the workbook to ``path``."""
    workbook.save(path)
    return Path(path)
