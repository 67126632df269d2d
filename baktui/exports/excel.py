"""A small shared openpyxl helper: one workbook, several sheets, written atomically.

Each sheet is (title, headers, rows), optionally with a fourth item mapping column indexes to
number formats, or a :class:`SheetSpec` that adds caption lines above the header (repeated at
the top of every printed page) and native bar charts: a bold frozen header row, column widths
fitted to the content (bounded), an auto-filter, printed on A4 fitted to the page width
(landscape when the sheet is wide). Values are written as given (int, Decimal…; a text always as a text, never a
formula); dates are shown JJ/MM/AAAA. The workbook is written to the path given: the service
writing it gives a temporary file that it then renames, with the configured rights
(:func:`baktui.data.files.write_file`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

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
# More columns than this: printed in landscape.
LANDSCAPE_COLUMNS = 8


@dataclass(frozen=True)
class ChartSpec:
    """A native bar chart of a sheet: a bar series per value column (0-based), the categories
    from another column, drawn beside the table."""

    title: str
    categories: int
    values: tuple[int, ...]
    y_title: str = ""
    horizontal: bool = False
    exclude_last: bool = False  # leave out the last row (a total)


@dataclass(frozen=True)
class SheetSpec:
    """A sheet with what the tuple form lacks: caption lines above the header, charts, and the
    print orientation (None: landscape when wider than LANDSCAPE_COLUMNS)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    formats: Mapping[int, str] = field(default_factory=dict)
    caption: Sequence[str] = ()
    charts: Sequence[ChartSpec] = ()
    landscape: bool | None = None


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


def _spec(sheet: Sheet | SheetSpec) -> SheetSpec:
    if isinstance(sheet, SheetSpec):
        return sheet
    formats: Mapping[int, str] = sheet[3] if len(sheet) > 3 else {}  # type: ignore[misc]
    return SheetSpec(sheet[0], sheet[1], sheet[2], formats)


def write_workbook(path: str | Path, sheets: Sequence[Sheet | SheetSpec]) -> Path:
    """Write the sheets to ``path`` (.xlsx)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for sheet in map(_spec, sheets):
        title, headers, rows, formats = sheet.title, sheet.headers, sheet.rows, sheet.formats
        name = sheet_title(title)
        base, n = name, 2
        while name in used:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name)
        ws = workbook.create_sheet(name)
        for index, line in enumerate(sheet.caption):
            ws.append(value_cells(ws, [line]))
            ws.cell(row=index + 1, column=1).font = Font(
                bold=index == 0, size=12 if index == 0 else 10
            )
        head = len(sheet.caption) + 1  # the header row
        ws.append(value_cells(ws, list(headers)))
        for cell in ws[head]:
            cell.font = bold
        widths = [len(str(h)) for h in headers]
        # the row being written (ws.max_row walks every cell: quadratic on a long sheet)
        current = head
        for row in rows:
            values = list(row)
            ws.append(value_cells(ws, values))
            current += 1
            for index, fmt in formats.items():
                if index < len(values):
                    ws.cell(row=current, column=index + 1).number_format = fmt
            for index, value in enumerate(values[: len(widths)]):
                if index in formats:
                    widths[index] = max(widths[index], len(str(value)) + 2)
                    continue
                if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                    # shown as a French date, not as an ISO date-time
                    ws.cell(row=current, column=index + 1).number_format = DATE_FORMAT
                    widths[index] = max(widths[index], 10)
                    continue
                widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = min(
                MAX_WIDTH, max(MIN_WIDTH, width + 2)
            )
        ws.freeze_panes = f"A{head + 1}"
        if headers:
            last = get_column_letter(len(headers))
            ws.auto_filter.ref = f"A{head}:{last}{current}"
        _print_setup(ws, sheet, head)
        for index, chart in enumerate(sheet.charts):
            _add_chart(ws, chart, head, len(rows), len(headers), index)
    if not workbook.sheetnames:
        workbook.create_sheet("Feuille")
    return save_workbook(workbook, path)


def write_streamed_sheet(
    path: str | Path,
    title: str,
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[Any]],
    formats: Mapping[int, str] | None = None,
) -> int:
    """One sheet of any length written row by row (never the whole sheet in memory), laid out
    as :func:`write_workbook` does: bold frozen header, ``widths`` given (a stream cannot be
    measured), auto-filter, A4 print set-up; ``formats`` maps a 0-based column to a number
    format. Returns the number of data rows written."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet_title(title))
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    spec = SheetSpec(title, headers, ())
    _print_setup(ws, spec, 1)
    header = value_cells(ws, headers)
    for cell in header:
        cell.font = Font(bold=True)
    ws.append(header)
    formats = formats or {}
    written = 0
    for row in rows:
        cells = value_cells(ws, row)
        for index, number_format in formats.items():
            value = row[index]
            if value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(ws, value)
                cell.number_format = number_format
                cells[index] = cell
        ws.append(cells)
        written += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{written + 1}"
    save_workbook(workbook, path)
    return written


def _print_setup(ws: Any, sheet: SheetSpec, head: int) -> None:
    """A4, fitted to the page width, the caption and header repeated on every page."""
    landscape = sheet.landscape
    if landscape is None:
        landscape = len(sheet.headers) > LANDSCAPE_COLUMNS
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4; write-only sheets lack it)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"1:{head}"


def _add_chart(ws: Any, spec: ChartSpec, head: int, count: int, width: int, index: int) -> None:
    """A bar chart of rows head+1 … head+count, anchored right of the table, one under another."""
    count -= int(spec.exclude_last)
    if count <= 0:
        return
    chart = BarChart()
    chart.type = "bar" if spec.horizontal else "col"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title or None
    chart.height, chart.width = 8.5, 17
    for column in spec.values:
        data = Reference(ws, min_col=column + 1, min_row=head, max_row=head + count)
        chart.add_data(data, titles_from_data=True)
    cats = Reference(ws, min_col=spec.categories + 1, min_row=head + 1, max_row=head + count)
    chart.set_categories(cats)
    if len(spec.values) == 1:
        chart.legend = None
    ws.add_chart(chart, f"{get_column_letter(width + 2)}{head + index * 18}")


def save_workbook(workbook: Workbook, path: str | Path) -> Path:
    """Save the workbook to ``path``."""
    workbook.save(path)
    return Path(path)
