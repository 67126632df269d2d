"""Listes de déroulement of the oral commissions (PDF): a pure renderer.

:mod:`baktui.services.oral_lists` reads each commission (one day, one centre, two examiners)
and its slots into :class:`RunningList`; this module draws them, ONE PDF per batch, each list
begun on a new page and numbered on its own (« n° 3 — page 2 »): the commission (oral, centre,
room, day, hours, its examiners), then the candidates in the order they are heard, each with
the time he or she starts preparing, the slot, and boxes for « absent » and remarks; the
examiners sign at the bottom. Cells wrap (a long name is never cut).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, french_date, new_document, save
from baktui.rules.french import plural


@dataclass(frozen=True)
class RunningLine:
    prep: str  # « 08:10 », "" without preparation
    start: str
    end: str
    number: str
    name: str
    series: str
    etablissement: str


@dataclass(frozen=True)
class RunningList:
    """One commission's day: who hears whom, when."""

    oral: str  # « GO Grand oral »
    number: int
    centre: str  # « C007 Lycée Ampère »
    centre_address: str
    room: str
    day: dt.date | None
    hours: str  # « 08:00-15:00 »
    series: str
    examiners: tuple[str, ...]  # « Mme Claire BERNARD (professeure certifiée, SP1) »
    lines: tuple[RunningLine, ...]
    slot_min: int
    prep_min: int


HEADERS = ("Préparation", "Passage", "N° candidat", "Nom prénom", "Série", "Établissement",
           "Absent", "Observations")  # fmt: skip
WIDTHS = (19.0, 21.0, 21.0, 40.0, 13.0, 31.0, 13.0, 22.0)


def write_running_lists(
    path: str | Path,
    lists: Sequence[RunningList],
    *,
    session_year: int,
    academie: str | Letterhead,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """One PDF, one list per commission (pages numbered per list, the font embedded once);
    ``progress(done, total)`` after each list."""
    pdf = new_document("Liste de déroulement", session_year=session_year, academie=academie)
    for done, item in enumerate(lists, 1):
        _list(pdf, item, session_year)
        if progress is not None:
            progress(done, len(lists))
    if not lists:
        pdf.add_page()
        pdf.paragraph("Aucune commission d'oral : lancez d'abord baktui oraux constituer.")
    return save(pdf, path)


def _list(pdf: BaktuiPDF, item: RunningList, year: int) -> None:
    pdf.begin_letter()
    pdf.title_block(
        f"LISTE DE DÉROULEMENT — {item.oral}",
        f"Baccalauréat technologique — session {year} — commission n° {item.number}",
    )
    when = french_date(item.day) if item.day else "—"
    timing = f"créneaux de {item.slot_min} min"
    if item.prep_min:
        timing += f", précédés de {item.prep_min} min de préparation"
    pdf.fields(
        [
            ("Centre", item.centre),
            ("Adresse", item.centre_address or "—"),
            ("Salle", item.room or "communiquée par le centre"),
            ("Date et horaires", f"{when}, {item.hours} ({timing})"),
            *([("Série", item.series)] if item.series else []),
            ("Examinateurs", "\n".join(item.examiners) or "à désigner"),
            ("Candidats", plural(len(item.lines), "candidat")),
        ],
        label_width=38,
    )
    pdf.ln(1)

    def header() -> None:
        pdf.set_font(FONT, "B", 8)
        pdf.set_fill_color(235, 235, 235)
        for head, width in zip(HEADERS, WIDTHS, strict=True):
            pdf.cell(width, 6, head, border=1, fill=True, align="C")
        pdf.ln(6)
        pdf.set_font(FONT, "", 8.5)

    header()
    for line in item.lines:
        pdf.wrapped_row(
            [line.prep or "—", f"{line.start}-{line.end}", line.number, line.name, line.series,
             line.etablissement, "☐", ""],
            WIDTHS, ["C", "C", "C", "L", "C", "L", "C", "L"], 6, on_new_page=header,
        )  # fmt: skip
    if not item.lines:
        pdf.paragraph("Aucun candidat n'est encore convoqué devant cette commission.")
    pdf.ln(4)
    labels = tuple(f"Examinateur : {name.split(' (')[0]}" for name in item.examiners) or (
        "Examinateur",
        "Examinateur",
    )
    pdf.signature_block(labels, height=18)
