"""The statistics' PDF summary: the key tables, with simple bars drawn as rectangles.

A4 landscape with the letterhead; a long table is cut after MAX_ROWS lines (the workbook has
them all, and says so); the first chart of a table is drawn under it as horizontal bars.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf.enums import XPos, YPos

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, new_document, save
from baktui.rules.numbers import thousands
from baktui.rules.statistics import FORMAT_2, FORMAT_PERCENT, StatisticsDocument, StatTable

MAX_ROWS = 40
ROW = 5.0


def _text(value: Any, fmt: str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        if fmt == FORMAT_PERCENT:
            tenths = (Decimal(value) * 1000).quantize(Decimal(1))
            sign = "-" if tenths < 0 else ""
            whole, part = divmod(abs(int(tenths)), 10)
            return f"{sign}{whole},{part} %"
        if fmt == FORMAT_2 or isinstance(value, Decimal):
            return f"{Decimal(value):.2f}".replace(".", ",")
        return thousands(int(value), " ")
    return str(value)


def _table(pdf: BaktuiPDF, table: StatTable) -> None:
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    weights = table.pdf_widths or (1.0,) * len(table.headers)
    if len(weights) != len(table.headers):
        weights = (1.0,) * len(table.headers)
    size = 7 if len(table.headers) > 10 else 8
    pdf.set_font(FONT, "B", size)
    # no header word cut in the middle: each column at least as wide as its longest word
    least = [max(pdf.get_string_width(w) for w in h.split() or [""]) + 2.5 for h in table.headers]
    widths = [max(usable * w / sum(weights), m) for w, m in zip(weights, least, strict=True)]
    free = [i for i, (w, m) in enumerate(zip(widths, least, strict=True)) if w > m]
    excess = sum(widths) - usable
    if excess > 0 and free:
        room = sum(widths[i] - least[i] for i in free)
        for i in free:
            widths[i] -= excess * (widths[i] - least[i]) / room

    def header() -> None:
        pdf.set_font(FONT, "B", size)
        pdf.set_fill_color(235, 235, 235)
        lines = max(
            len(pdf.multi_cell(w, 3.6, h, dry_run=True, output="LINES"))
            for h, w in zip(table.headers, widths, strict=True)
        )
        y = pdf.get_y()
        x = pdf.l_margin
        for head, width in zip(table.headers, widths, strict=True):
            pdf.set_xy(x, y)
            pdf.rect(x, y, width, lines * 3.6 + 1, style="DF")
            pdf.multi_cell(width, 3.6, head, align="C")
            x += width
        pdf.set_xy(pdf.l_margin, y + lines * 3.6 + 1)
        pdf.set_font(FONT, "", size)

    header()
    rows = table.rows[:MAX_ROWS]
    for row in rows:
        bold = isinstance(row[0], str) and row[0] == "Ensemble"
        pdf.set_font(FONT, "B" if bold else "", size)
        texts = [_text(value, table.formats.get(i)) for i, value in enumerate(row)]
        aligns = ["L" if isinstance(value, str) else "R" for value in row]
        # a long établissement name wraps onto more lines of the row, never cut
        pdf.wrapped_row(texts, widths, aligns, ROW if _short(pdf, texts, widths) else 4.0,
                        on_new_page=header)  # fmt: skip
    if len(table.rows) > MAX_ROWS:
        pdf.set_font(FONT, "I", 8)
        pdf.cell(
            0, 5, f"… {len(table.rows) - MAX_ROWS} lignes de plus dans le classeur.",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
    if table.note:
        pdf.set_font(FONT, "I", 7.5)
        pdf.multi_cell(0, 3.8, table.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _short(pdf: BaktuiPDF, texts: list[str], widths: list[float]) -> bool:
    """Whether every text of the row fits on one line of its column."""
    return all(
        pdf.get_string_width(t) <= w - 2 * pdf.c_margin for t, w in zip(texts, widths, strict=True)
    )


def _bars(pdf: BaktuiPDF, table: StatTable) -> None:
    """The table's first chart, one horizontal bar per row (first value column)."""
    if not table.charts:
        return
    chart = table.charts[0]
    column = chart.values[0]
    items = [
        (str(r[chart.categories]), r[column])
        for r in table.rows[:MAX_ROWS]
        if isinstance(r[column], Decimal | int) and r[chart.categories] != "Ensemble"
    ]
    if not items:
        return
    top = max(abs(Decimal(v)) for _, v in items) or Decimal(1)
    height = 4.2
    if pdf.get_y() + 8 + height * len(items) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "B", 8.5)
    pdf.cell(0, 5, f"{chart.title} ({table.headers[column]})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 7.5)
    label_w, value_w = 45.0, 20.0
    span = pdf.w - pdf.l_margin - pdf.r_margin - label_w - value_w
    for name, value in items:
        # a long name wraps in the label column (the bar keeps its height, at the top)
        lines = len(pdf.multi_cell(label_w, 3.4, name, dry_run=True, output="LINES"))
        row = height if lines == 1 else 3.4 * lines + 0.8
        if pdf.get_y() + row > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        if lines == 1:
            pdf.cell(label_w, height, name)
        else:
            pdf.multi_cell(label_w, 3.4, name, new_x=XPos.RIGHT, new_y=YPos.TOP)
        length = float(abs(Decimal(value)) / top) * span
        pdf.set_fill_color(90, 120, 170)
        pdf.rect(pdf.l_margin + label_w, y + 0.6, max(length, 0.3), height - 1.2, style="F")
        pdf.set_xy(pdf.l_margin + label_w + span, y)
        pdf.cell(value_w, height, _text(value, table.formats.get(column)), align="R")
        pdf.set_xy(pdf.l_margin, y + row)


def write_statistics_pdf(
    path: str | Path, document: StatisticsDocument, *, academie: str | Letterhead
) -> Path:
    """Write the summary to ``path``."""
    pdf = new_document(
        document.title, session_year=document.session_year, academie=academie, orientation="L"
    )
    pdf.add_page()
    pdf.title_block(document.title, f"Session {document.session_year} — {document.scope}")
    for table in document.tables:
        if not table.summary:
            continue
        if pdf.get_y() + 30 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.section(table.title)
        if not table.rows:
            pdf.paragraph("Aucune ligne.")
            if table.note:
                pdf.paragraph(table.note, size=8)
            continue
        _table(pdf, table)
        _bars(pdf, table)
    return save(pdf, path)
