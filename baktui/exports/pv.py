"""The procès-verbal de délibération of a jury (PDF, A4 landscape): a pure renderer.

:mod:`baktui.services.pv` reads the base into a :class:`PvDocument`; this module draws it: the
jury (session, séries, centre, président, vice-président, members), one line per candidate
(number, name, every épreuve grade, average truncated to 2 decimals, decision, mention; the jury
points under it, épreuve before → after), the counts per decision and mention, and the signature
blocks. A rectified PV is titled « PV rectificatif » and lists what changed. Every cell fits: the
columns share the page width, names are shortened with an ellipsis (:func:`fit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf.enums import XPos, YPos

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, fit, french_date, new_document, save


@dataclass(frozen=True)
class PvPoint:
    """Points the jury gave: the épreuve, the grade before and after (shown texts)."""

    epreuve: str
    before: str
    after: str

    def render(self) -> str:
        return f"{self.epreuve} {self.before} → {self.after}"


@dataclass(frozen=True)
class PvLine:
    """One candidate on the PV; ``grades`` follow :attr:`PvDocument.columns`."""

    candidate_id: int
    number: str
    name: str
    series: str
    grades: tuple[str, ...]
    average: str  # truncated to 2 decimals, "" when there is none (INCOMPLET)
    decision: str  # ADMIS | SECOND_GROUPE | AJOURNE | INCOMPLET
    decision_label: str
    mention: str  # the mention's code (TB…), "" without one
    points: tuple[PvPoint, ...] = ()
    first_average: str = ""  # second-group PV: the first-group average


@dataclass(frozen=True)
class PvDocument:
    """A jury's procès-verbal for one group (1: first group, 2: second group)."""

    session_year: int
    group: int
    jury_number: int
    series: tuple[str, ...]
    centre: str
    deliberation_date: dt.date | None
    president: str
    vice_president: str
    members: tuple[str, ...]
    columns: tuple[str, ...]  # épreuve codes (group 2: FR, PHI, SP1, SP2)
    lines: tuple[PvLine, ...]
    decision_counts: tuple[tuple[str, int], ...]  # (label, count)
    mention_counts: tuple[tuple[str, int], ...]  # (label, count)
    rectifications: tuple[str, ...] = ()  # a rectified PV: what changed, one text each

    @property
    def title(self) -> str:
        which = "premier groupe" if self.group == 1 else "second groupe"
        head = "PV rectificatif" if self.rectifications else "Procès-verbal de délibération"
        return f"{head} — jury n° {self.jury_number} — {which}"


SIGNATURES = ("Le président du jury", "Le vice-président", "Les membres du jury")
LEGEND = (
    "* : note relevée par des points de jury (détail sous la ligne) ; c : note conservée d'une "
    "session antérieure ; — : note manquante ; moyennes tronquées à deux décimales."
)
FONT_SIZE = 7.0
ROW = 4.6


def write_pv(
    path: str | Path,
    document: PvDocument,
    *,
    academie: str | Letterhead,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """Write the PV of one jury and one group to ``path`` (one PDF); ``progress(done,
    total)`` every 100 candidates' lines and at the end."""
    pdf = new_document(
        document.title, session_year=document.session_year, academie=academie, orientation="L"
    )
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    _body(pdf, document, progress)
    return save(pdf, path)


def write_pvs(
    path: str | Path,
    documents: Iterable[PvDocument],
    *,
    title: str,
    academie: str | Letterhead,
    session_year: int | None = None,
) -> Path:
    """Several PVs in one PDF (the font embedded once), each from a new page and numbered
    from its page 1 (« n° 3 — page 2 »): the archive of a session. ``documents`` may be a
    generator: each PV is drawn as it comes (a whole académie is never held at once)."""
    pdf = new_document(title, session_year=session_year, academie=academie, orientation="L")
    pdf.set_auto_page_break(True, margin=16)
    drawn = 0
    for document in documents:
        pdf.begin_letter()
        _body(pdf, document)
        drawn += 1
    if not drawn:
        pdf.add_page()
        pdf.paragraph("Aucun procès-verbal.")
    return save(pdf, path)


def _body(
    pdf: BaktuiPDF, document: PvDocument, progress: Callable[[int, int], object] | None = None
) -> None:
    _heading(pdf, document)
    _table(pdf, document, progress)
    if document.lines:
        pdf.set_font(FONT, "I", 7)
        pdf.cell(0, 4, LEGEND, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _counts(pdf, document)
    if document.rectifications:
        pdf.section("Rectifications après publication")
        for text in document.rectifications:
            pdf.paragraph("• " + text, size=8.5)
    pdf.ln(2)
    pdf.signature_block(SIGNATURES, height=20)


def _heading(pdf: BaktuiPDF, doc: PvDocument) -> None:
    title = "PV RECTIFICATIF" if doc.rectifications else "PROCÈS-VERBAL DE DÉLIBÉRATION"
    which = "Premier groupe d'épreuves" if doc.group == 1 else "Second groupe d'épreuves"
    pdf.title_block(
        title,
        f"Baccalauréat technologique — session {doc.session_year} — jury n° {doc.jury_number}"
        f" — {which}",
    )
    pdf.fields(
        [
            ("Série(s)", ", ".join(doc.series)),
            ("Centre de délibération", doc.centre),
            ("Date de délibération", french_date(doc.deliberation_date)),
            ("Président", doc.president),
            ("Vice-président", doc.vice_president),
            ("Membres", ", ".join(doc.members)),
        ],
        label_width=48,
    )
    pdf.ln(1)


def _layout(pdf: BaktuiPDF, doc: PvDocument) -> tuple[list[str], list[float], list[str]]:
    """Headers, widths (mm, filling the page) and alignments of the candidates' table."""
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    fixed_head = ["N°", "Nom prénom", "Série"]
    fixed_width = [17.0, 0.0, 12.0]  # the name takes what is left
    tail_head = ["Moy. 1er gr."] if doc.group == 2 else []
    tail_head += ["Moyenne", "Décision", "Mention"]
    tail_width = [18.0] if doc.group == 2 else []
    tail_width += [15.0, 22.0, 14.0]
    column = 9.5 if doc.group == 1 else 14.0
    names = usable - sum(fixed_width) - sum(tail_width) - column * len(doc.columns)
    if names < 40:  # many épreuves: they share what the name leaves
        column = (usable - sum(fixed_width) - sum(tail_width) - 40) / max(len(doc.columns), 1)
        names = 40.0
    fixed_width[1] = names
    headers = fixed_head + list(doc.columns) + tail_head
    widths = fixed_width + [column] * len(doc.columns) + tail_width
    align = ["L", "L", "L"] + ["C"] * len(doc.columns) + ["C"] * len(tail_head)
    return headers, widths, align


def _table(
    pdf: BaktuiPDF, doc: PvDocument, progress: Callable[[int, int], object] | None = None
) -> None:
    headers, widths, align = _layout(pdf, doc)

    def header() -> None:
        pdf.set_font(FONT, "B", FONT_SIZE - 0.5)
        pdf.set_fill_color(235, 235, 235)
        for head, width in zip(headers, widths, strict=True):
            pdf.cell(width, ROW + 0.6, fit(pdf, head, width), border=1, fill=True, align="C")
        pdf.ln(ROW + 0.6)
        pdf.set_font(FONT, "", FONT_SIZE)

    if not doc.lines:
        pdf.paragraph("Aucun candidat pour ce groupe.")
        return
    header()
    for done, line in enumerate(doc.lines):
        if progress is not None and done % 100 == 0:
            progress(done, len(doc.lines))
        if line.points and pdf.get_y() + 2 * ROW > pdf.page_break_trigger:
            pdf.add_page()  # a candidate and his or her jury points stay on one page
            header()
        values = [line.number, line.name, line.series, *line.grades]
        if doc.group == 2:
            values.append(line.first_average)
        values += [line.average, line.decision_label, line.mention]
        pdf.wrapped_row(values, widths, align, ROW, on_new_page=header)  # a long name wraps
        if line.points:
            pdf.set_font(FONT, "I", FONT_SIZE)
            text = "Points de jury : " + " ; ".join(p.render() for p in line.points)
            pdf.wrapped_row(["", text], [widths[0], sum(widths[1:])], ["L", "L"], ROW,
                            on_new_page=header)  # fmt: skip
            pdf.set_font(FONT, "", FONT_SIZE)
    if progress is not None:
        progress(len(doc.lines), len(doc.lines))


def _counts(pdf: BaktuiPDF, doc: PvDocument) -> None:
    if pdf.get_y() + 24 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "B", 9)
    total = sum(count for _, count in doc.decision_counts)
    pdf.cell(0, 5, f"Récapitulatif : {total} candidat{'s' if total > 1 else ''}")
    pdf.ln(5)
    _count_row(pdf, "Décisions", doc.decision_counts)
    if doc.mention_counts:
        _count_row(pdf, "Mentions", doc.mention_counts)


def _count_row(pdf: BaktuiPDF, label: str, counts: Sequence[tuple[str, int]]) -> None:
    pdf.set_font(FONT, "B", 8.5)
    pdf.cell(24, 5, label)
    pdf.set_font(FONT, "", 8.5)
    text = " · ".join(f"{name} : {count}" for name, count in counts)
    pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
