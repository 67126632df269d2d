"""Sheets of labels (PDF): étiquettes de table and étiquettes d'anonymat, a pure renderer.

Each label is drawn inside its cell of the layout (:mod:`baktui.rules.labels`), with a 3 mm
inner margin so that a sheet slightly off in the printer still shows every line. An anonymity
label carries the number as a bar code (interleaved 2 of 5 for an even count of digits, else
Code 39) and as text under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, new_document, save
from baktui.rules.labels import LabelLayout

PAD = 3.0  # mm inside each label


@dataclass(frozen=True)
class TableLabel:
    name: str
    number: str
    epreuve: str  # « PHI Philosophie »
    room: str
    seat: int | None


@dataclass(frozen=True)
class AnonymityLabel:
    number: str
    epreuve: str
    lot: int | None


def write_labels(
    path: str | Path,
    labels: Sequence[TableLabel | AnonymityLabel],
    layout: LabelLayout,
    *,
    title: str,
    session_year: int,
    academie: str | Letterhead,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """One PDF of label sheets (no header nor footer: the whole A4 is labels);
    ``progress(done, total)`` in labels, before each sheet and at the end."""
    pdf = new_document(title, session_year=session_year, academie=academie)
    pdf.set_auto_page_break(False)
    pdf.plain_pages = True  # no letterhead, no footer on a sheet of labels
    for index, label in enumerate(labels):
        if index % layout.per_sheet == 0:
            if progress is not None:
                progress(index, len(labels))
            pdf.add_page()
        x, y = (float(v) for v in layout.position(index))
        width, height = float(layout.width), float(layout.height)
        if isinstance(label, TableLabel):
            _table_label(pdf, label, x, y, width)
        else:
            _anonymity_label(pdf, label, x, y, width, height)
    if progress is not None:
        progress(len(labels), len(labels))
    if not labels:
        pdf.add_page()
        pdf.set_xy(20, 20)
        pdf.cell(0, 8, "Aucune étiquette à imprimer.")
    return save(pdf, path)


def _line(pdf: BaktuiPDF, x: float, y: float, width: float, text: str, size: float,
          style: str = "") -> None:  # fmt: skip
    pdf.set_font(FONT, style, size)
    pdf.set_xy(x + PAD, y)
    pdf.cell(width - 2 * PAD, size * 0.45, text)


def _table_label(pdf: BaktuiPDF, label: TableLabel, x: float, y: float, width: float) -> None:
    _line(pdf, x, y + PAD, width, label.name, 10, "B")
    _line(pdf, x, y + PAD + 6, width, f"N° {label.number}", 10)
    _line(pdf, x, y + PAD + 12, width, label.epreuve, 8.5)
    seat = f"Salle {label.room}" + (f" — place {label.seat}" if label.seat else "")
    _line(pdf, x, y + PAD + 18, width, seat, 10, "B")


def _anonymity_label(
    pdf: BaktuiPDF, label: AnonymityLabel, x: float, y: float, width: float, height: float
) -> None:
    digits = label.number.isdigit() and len(label.number) % 2 == 0
    bar_height = min(12.0, height - 16)
    if digits:
        pdf.interleaved2of5(label.number, x=x + PAD, y=y + PAD, w=0.45, h=bar_height)
    else:
        pdf.code39(f"*{label.number.upper()}*", x=x + PAD, y=y + PAD, w=0.3, h=bar_height)
    _line(pdf, x, y + PAD + bar_height + 1.5, width, label.number, 11, "B")
    lot = f" — lot {label.lot}" if label.lot else ""
    _line(pdf, x, y + PAD + bar_height + 7, width, f"{label.epreuve}{lot}", 8.5)
