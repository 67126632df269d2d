"""Second-group convocations and the examiners' sheets (PDF): pure renderers.

:mod:`baktui.services.second_group_convocations` reads the base into the dataclasses below; this
module draws them. The candidates' batch is ONE PDF, one page per candidate: identity, jury,
centre, each chosen subject with its date, time and room, what to bring. The examiners' sheet is
another PDF, one page per subject and centre, listing the candidates with the minimal grade
needed to pass: that grade is for the examiners only, and the candidate's dataclass has no field
that could carry it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, fit, french_date, new_document, save
from baktui.rules.french import agree

NO_DATE = "date communiquée par le centre"
NO_ROOM = "affichée à l'accueil du centre le jour de l'épreuve"


@dataclass(frozen=True)
class SecondGroupSlot:
    """One chosen subject: when and where it is examined (``day`` None: not yet known)."""

    subject: str  # FR | PHI | SP1 | SP2
    label: str
    day: dt.date | None = None
    start_time: str = ""
    duration_min: int | None = None
    room: str = ""

    def when(self) -> str:
        if self.day is None:
            return NO_DATE
        text = french_date(self.day)
        return text + (f" à {self.start_time.replace(':', ' h ')}" if self.start_time else "")


@dataclass(frozen=True)
class SecondGroupConvocation:
    """A candidate's convocation to the second group (never the grade needed to pass)."""

    candidate_id: int
    number: str
    name: str
    birth_date: dt.date | None
    series: str
    jury_number: int
    centre: str
    address: str
    slots: tuple[SecondGroupSlot, ...]
    sex: str = ""  # F | M | "": the letter agrees


@dataclass(frozen=True)
class SheetLine:
    """A candidate on an examiners' sheet."""

    number: str
    name: str
    series: str
    jury_number: int
    first_group: str  # the first-group grade the second-group grade replaces if higher
    choice: str  # the subjects chosen, "PHI SP1"
    needed: str  # "12" or « admission impossible par ce choix »


@dataclass(frozen=True)
class ExaminerSheet:
    """The candidates of one subject in one centre."""

    subject: str
    label: str
    centre: str
    address: str
    when: str  # the slot's text, or NO_DATE
    lines: tuple[SheetLine, ...]


CONVOCATION_TEXT = (
    "À l'issue du premier groupe d'épreuves, le jury vous a {autorise} à vous présenter aux "
    "épreuves orales du second groupe. Vous êtes {convoque} aux épreuves que vous avez choisies, "
    "aux dates, heures et lieu ci-dessous. Chaque note du second groupe remplace celle du premier "
    "groupe si elle est meilleure."
)
BRING = (
    "cette convocation",
    "une pièce d'identité officielle avec photographie, en cours de validité",
    "pour le français : votre descriptif des lectures et activités (récapitulatif des textes "
    "étudiés), visé par votre établissement",
    "de quoi écrire ; aucune calculatrice ni document personnel sauf mention contraire de "
    "l'examinateur",
)
LATE_TEXT = (
    "Présentez-vous au moins trente minutes avant l'heure indiquée. Tout candidat absent à une "
    "épreuve du second groupe est déclaré ajourné, sauf absence justifiée auprès de la division "
    "des examens. Les résultats définitifs sont proclamés par le jury à l'issue des épreuves."
)
SHEET_TEXT = (
    "Document réservé aux examinateurs et au jury : ne pas communiquer aux candidats. La note "
    "minimale est la plus petite note entière qui, obtenue dans chacune des matières choisies par "
    "le candidat, le rend admis (calcul exact, règle du remplacement si meilleure)."
)


def write_second_group_convocations(
    path: str | Path,
    convocations: Sequence[SecondGroupConvocation],
    *,
    session_year: int,
    academie: str | Letterhead,
) -> Path:
    """One PDF, one page per candidate (the font embedded once)."""
    pdf = new_document(
        "Convocation au second groupe d'épreuves", session_year=session_year, academie=academie
    )
    for conv in convocations:
        _convocation_page(pdf, conv, session_year)
    if not convocations:
        pdf.add_page()
        pdf.paragraph("Aucun candidat convoqué au second groupe.")
    return save(pdf, path)


def _convocation_page(pdf: BaktuiPDF, conv: SecondGroupConvocation, year: int) -> None:
    pdf.begin_letter()
    pdf.title_block(
        "CONVOCATION AU SECOND GROUPE D'ÉPREUVES",
        f"Baccalauréat technologique — session {year}",
    )
    pdf.fields(
        [
            (agree(conv.sex, "Candidat"), conv.name),
            (
                f"{agree(conv.sex, 'Né')} le",
                conv.birth_date.strftime("%d/%m/%Y") if conv.birth_date else "—",
            ),
            ("N° de candidat", conv.number),
            ("Série", conv.series),
            ("Jury", f"n° {conv.jury_number}"),
            ("Centre", conv.centre),
            ("Adresse du centre", conv.address),
        ],
        label_width=45,
    )
    pdf.ln(1)
    pdf.paragraph(
        CONVOCATION_TEXT.format(
            autorise=agree(conv.sex, "autorisé"), convoque=agree(conv.sex, "convoqué")
        )
    )
    pdf.section("Épreuves du second groupe")
    for slot in conv.slots:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 6, f"{slot.subject} — {slot.label}", new_x="LMARGIN", new_y="NEXT")
        pairs = [("Date et heure", slot.when())]
        if slot.duration_min:
            pairs.append(("Durée", f"{slot.duration_min} minutes (préparation comprise)"))
        pairs.append(("Salle", slot.room or NO_ROOM))
        pdf.fields(pairs, label_width=35)
        pdf.ln(1)
    pdf.section("À apporter")
    for item in BRING:
        pdf.paragraph("• " + item, size=9)
    pdf.paragraph(LATE_TEXT, size=8.5)
    pdf.ln(2)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(
        0, 5, "Pour le recteur et par délégation,\nla division des examens", align="R",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip


def write_examiner_sheets(
    path: str | Path,
    sheets: Sequence[ExaminerSheet],
    *,
    session_year: int,
    academie: str | Letterhead,
) -> Path:
    """One PDF, one page (or more) per subject and centre."""
    pdf = new_document(
        "Second groupe — fiche des examinateurs", session_year=session_year, academie=academie
    )
    for sheet in sheets:
        _sheet_page(pdf, sheet, session_year)
    if not sheets:
        pdf.add_page()
        pdf.paragraph("Aucun candidat au second groupe.")
    return save(pdf, path)


SHEET_HEADERS = ("N° candidat", "Nom prénom", "Série", "Jury", "1er gr.", "Choix",
                 "Minimum pour être admis", "Note")  # fmt: skip
SHEET_WIDTHS = (21.0, 0.0, 13.0, 9.0, 13.0, 16.0, 52.0, 12.0)


def _sheet_page(pdf: BaktuiPDF, sheet: ExaminerSheet, year: int) -> None:
    pdf.add_page()
    pdf.title_block(
        f"SECOND GROUPE — {sheet.subject} — {sheet.label}",
        f"Fiche des examinateurs — baccalauréat technologique — session {year}",
    )
    pdf.fields(
        [("Centre", sheet.centre), ("Adresse", sheet.address), ("Date et heure", sheet.when),
         ("Candidats", str(len(sheet.lines)))],
        label_width=35,
    )  # fmt: skip
    pdf.set_font(FONT, "I", 8)
    pdf.multi_cell(0, 4.2, SHEET_TEXT, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    widths = list(SHEET_WIDTHS)
    widths[1] = usable - sum(widths)
    row = 6.0

    def header() -> None:
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_fill_color(235, 235, 235)
        for head, width in zip(SHEET_HEADERS, widths, strict=True):
            pdf.cell(width, row, fit(pdf, head, width), border=1, fill=True, align="C")
        pdf.ln(row)
        pdf.set_font(FONT, "", 8)

    header()
    aligns = ["C", "L", *["C"] * (len(widths) - 2)]
    for line in sheet.lines:
        values = (line.number, line.name, line.series, str(line.jury_number), line.first_group,
                  line.choice, line.needed, "")  # fmt: skip
        pdf.wrapped_row(values, widths, aligns, row, on_new_page=header)
    pdf.ln(3)
    pdf.signature_block(("L'examinateur (nom, signature)", "Le président du jury"), height=18)
