"""The statistics workbook: one sheet per table, numbers as numbers, native bar charts.

Each :class:`~baktui.rules.statistics.StatTable` becomes a sheet of :mod:`.excel` (caption lines
repeated on printed pages, bold frozen header, auto-filter, fitted widths, A4) with its charts.
"""

from __future__ import annotations

from pathlib import Path

from baktui.exports.excel import ChartSpec, SheetSpec, write_workbook
from baktui.rules.statistics import StatisticsDocument


def sheets_of(document: StatisticsDocument) -> list[SheetSpec]:
    """The workbook's sheets, in the document's order."""
    sheets = []
    for table in document.tables:
        caption = [
            table.title,
            f"{document.title} — session {document.session_year} — {document.scope}",
        ]
        if table.note:
            caption.append(table.note)
        total = bool(table.rows) and table.rows[-1][0] == "Ensemble"  # not drawn
        charts = [
            ChartSpec(c.title, c.categories, c.values, c.y_title, c.horizontal, total)
            for c in table.charts
        ]
        sheets.append(
            SheetSpec(table.sheet, table.headers, table.rows, table.formats, caption, charts)
        )
    return sheets


def write_statistics_xlsx(path: str | Path, document: StatisticsDocument) -> Path:
    """Write the workbook to ``path``."""
    return write_workbook(path, sheets_of(document))
