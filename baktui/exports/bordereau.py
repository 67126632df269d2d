"""The grade slip (bordereau de notation) as PDF: one or many lots in ONE document.

Each slip gives the lot number, the épreuve (the series' spécialité for SP1/SP2), the correcteur,
the anonymity numbers in packet order with an empty grade column (one column per part for a
composite spécialité), and the three control boxes the correcteur fills in: number of copies
(absents included), number of absents, sum of the grades. No candidate name or number appears:
the data comes from :func:`baktui.services.slip_documents.slip_documents`, which carries none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf.enums import XPos, YPos

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, new_document, save
from baktui.rules.lots import LotInfo
from baktui.rules.regulation import PRECISION_HALF, PRECISION_WHOLE

TITLE = "Bordereau de notation"
ROW_HEIGHT = 6.2
ROWS_PER_BLOCK = 38  # copies per column block on a page; two blocks side by side
_STEP = {PRECISION_WHOLE: "points entiers", PRECISION_HALF: "points ou demi-points"}


@dataclass(frozen=True)
class SlipDocument:
    """What the printed grade slip carries: the lot and its anonymity numbers, no name."""

    lot: LotInfo
    session_year: int
    numbers: tuple[str, ...]  # in slip order
    parts: tuple[tuple[str, str, str], ...] = ()  # composite: (code, label, coefficient)
    max_grade: str = "20"  # the regulation's maximum grade, as printed
    precision: str = PRECISION_WHOLE  # the épreuve's precision (parts: half points)


def render_slips(docs: Sequence[SlipDocument], *, academie: str | Letterhead) -> BaktuiPDF:
    """Lay the slips out, each starting on a new page, numbered from its page 1."""
    year = docs[0].session_year if docs else None
    pdf = new_document(TITLE, session_year=year, academie=academie)
    for doc in docs:
        _slip(pdf, doc)
    if not docs:
        pdf.add_page()
        pdf.paragraph("Aucun lot.")
    return pdf


def write_slips(path: Path, docs: Sequence[SlipDocument], *, academie: str | Letterhead) -> Path:
    """Write those slips to ``path`` (one PDF document); returns the path."""
    return save(render_slips(docs, academie=academie), path)


def _slip(pdf: BaktuiPDF, doc: SlipDocument) -> None:
    lot = doc.lot
    parts = doc.parts
    columns = [p[0] for p in parts] or [f"Note /{doc.max_grade}"]
    pdf.begin_letter()
    pdf.title_block(f"{TITLE} — lot n° {lot.number}", lot.subject or lot.epreuve_label)
    pdf.fields(
        [
            ("Lot", f"n° {lot.number} — {len(doc.numbers)} copies"),
            ("Épreuve", f"{lot.epreuve_code} — {lot.subject or lot.epreuve_label}"),
            ("Correcteur", lot.correcteur or "(à désigner)"),
            ("Centre de correction", lot.centre),
        ],
        label_width=42,
    )
    if parts:
        pdf.paragraph(
            f"Notez chaque partie sur {doc.max_grade}, en points ou demi-points : "
            + " ; ".join(f"{code} = {label} (coefficient {coef})" for code, label, coef in parts)
            + ". Copie absente : ABS dans la première colonne."
        )
    else:
        pdf.paragraph(
            f"Notez chaque copie sur {doc.max_grade}, en {_STEP.get(doc.precision, 'points')}. "
            "Copie absente : ABS. "
            "Reportez ensuite les trois totaux de contrôle en bas du bordereau."
        )
    subject = f"{lot.epreuve_code} {lot.series}".strip()
    _grade_table(pdf, doc.numbers, columns, lot.number, subject)
    _control_boxes(pdf, lot.number, subject, has_parts=bool(parts))


def _continued(pdf: BaktuiPDF, lot_number: int, subject: str) -> None:
    """A new page of the same slip: say which lot it belongs to (sheets get separated)."""
    pdf.add_page()
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, f"{TITLE} — lot n° {lot_number} (suite) — {subject}")
    pdf.ln(8)


def _grade_table(
    pdf: BaktuiPDF, numbers: Sequence[str], columns: Sequence[str], lot_number: int, subject: str
) -> None:
    """Rank, anonymity number, empty grade cell(s): two blocks side by side per page."""
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    gap = 6.0
    block = (usable - gap) / 2
    rank_w, number_w = 10.0, 26.0
    cell_w = (block - rank_w - number_w) / len(columns)
    headers = ["N°", "Anonymat", *columns]
    widths = [rank_w, number_w, *([cell_w] * len(columns))]

    def header(x: float, y: float) -> None:
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_fill_color(235, 235, 235)
        for text, width in zip(headers, widths, strict=True):
            pdf.cell(width, ROW_HEIGHT, text, border=1, fill=True, align="C")

    rank = 0
    while rank < len(numbers):
        top = pdf.get_y()
        room = int((pdf.page_break_trigger - top - 4) // ROW_HEIGHT) - 1
        per_block = max(1, min(ROWS_PER_BLOCK, room))
        if room < 4:
            _continued(pdf, lot_number, subject)
            continue
        bottom = top
        for side in range(2):
            chunk = numbers[rank : rank + per_block]
            if not chunk:
                break
            x = pdf.l_margin + side * (block + gap)
            header(x, top)
            pdf.set_font(FONT, "", 9)
            for offset, number in enumerate(chunk):
                y = top + ROW_HEIGHT * (offset + 1)
                pdf.set_xy(x, y)
                pdf.cell(rank_w, ROW_HEIGHT, str(rank + offset + 1), border=1, align="R")
                pdf.set_font(FONT, "B", 9.5)
                pdf.cell(number_w, ROW_HEIGHT, number, border=1, align="C")
                pdf.set_font(FONT, "", 9)
                for _ in columns:
                    pdf.cell(cell_w, ROW_HEIGHT, "", border=1)
            rank += len(chunk)
            bottom = max(bottom, top + ROW_HEIGHT * (len(chunk) + 1))
        pdf.set_xy(pdf.l_margin, bottom + 3)
        if rank < len(numbers):
            _continued(pdf, lot_number, subject)


def _control_boxes(pdf: BaktuiPDF, lot_number: int, subject: str, *, has_parts: bool) -> None:
    """The three figures the correcteur writes, then date and signature."""
    height = 30.0
    if pdf.get_y() + height + 30 > pdf.page_break_trigger:
        _continued(pdf, lot_number, subject)
    pdf.section(f"Totaux de contrôle du lot n° {lot_number} (à remplir par le correcteur)")
    labels = [
        "Nombre de copies (absents compris)",
        "Nombre d'absents (ABS)",
        "Somme des notes" + (" (toutes parties)" if has_parts else ""),
    ]
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    width = usable / len(labels)
    y = pdf.get_y() + 1
    for index, label in enumerate(labels):
        x = pdf.l_margin + index * width
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "", 8.5)
        pdf.cell(width - 3, 5, label)
        pdf.rect(x, y + 5, width - 3, 12)
    pdf.set_xy(pdf.l_margin, y + 20)
    pdf.set_font(FONT, "I", 8)
    pdf.multi_cell(
        0,
        4,
        "Ces totaux sont ressaisis par la division des examens : le bordereau n'est clos "
        "que s'ils concordent avec les notes saisies.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.signature_block(["Date", "Signature du correcteur"], height=18)


__all__ = ["SlipDocument", "render_slips", "write_slips"]
