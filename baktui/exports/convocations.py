"""Examiner convocations and jury assignment lists (PDF and Excel): pure renderers.

These functions take the plain dataclasses below (built by :mod:`baktui.services.convocations`
and :mod:`baktui.services.jury_lists`) and write a file at the path they are given (the
documents service chooses it and records the document); they never touch the database. A batch
(a jury, a centre) is ONE PDF with one page (or more) per examiner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.exports.excel import write_workbook
from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, french_date, new_document, save
from baktui.rules.french import agree_with


@dataclass(frozen=True)
class MissionLine:
    """One mission on a convocation."""

    day: dt.date
    start_time: str
    end_time: str
    kind_label: str
    epreuve: str = ""
    centre: str = ""
    address: str = ""
    room: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ExaminerConvocation:
    """The convocation of one examiner: identity and missions."""

    examiner_id: int
    name: str
    corps_label: str
    etablissement: str
    intervenant: str
    missions: tuple[MissionLine, ...]
    notes: tuple[str, ...] = ()  # "Convocation en remplacement de …"


@dataclass(frozen=True)
class JuryListEntry:
    """One jury in the assignment list."""

    number: int
    series: str
    deliberation_date: dt.date | None
    officers: tuple[tuple[str, str, str, str], ...]  # (function, name, corps, établissement)
    members: tuple[tuple[str, str, str], ...]  # (name, corps, établissement)
    # (établissement, UAI, series, candidates, first number, last number)
    blocks: tuple[tuple[str, str, str, int, str, str], ...]

    @property
    def candidates(self) -> int:
        return sum(b[3] for b in self.blocks)


@dataclass(frozen=True)
class JuryListCentre:
    name: str
    juries: tuple[JuryListEntry, ...]


# --- Convocations -------------------------------------------------------------------------------

CONVOCATION_TEXT = (
    "Par décision du recteur, vous êtes {convoque} pour la ou les missions ci-dessous au titre "
    "du baccalauréat technologique. La présente convocation vaut ordre de mission : présentez-la "
    "au chef de centre à votre arrivée."
)
OWN_STUDENTS_TEXT = (
    "Nul ne peut examiner ni corriger ses propres élèves. Si un candidat de votre établissement "
    "vous est attribué, signalez-le sans délai à la division des examens, qui le réaffectera."
)
EXPENSES_TEXT = (
    "Frais de déplacement et indemnités : déclarez cette mission dans IMAG'IN avec votre numéro "
    "d'intervenant. Le chef de centre certifie le service fait ; la division des examens valide "
    "ensuite votre état de frais."
)
ABSENCE_TEXT = (
    "En cas d'empêchement, prévenez immédiatement la division des examens afin qu'un remplaçant "
    "soit convoqué."
)


def write_examiner_convocations(
    path: str | Path,
    convocations: Sequence[ExaminerConvocation],
    *,
    session_year: int,
    academie: str | Letterhead,
    title: str = "Convocation des examinateurs",
) -> Path:
    """One PDF, one page (group) per examiner."""
    pdf = new_document(title, session_year=session_year, academie=academie)
    for conv in convocations:
        _convocation_page(pdf, conv, session_year)
    return save(pdf, path)


def _convocation_page(pdf: BaktuiPDF, conv: ExaminerConvocation, session_year: int) -> None:
    pdf.begin_letter()
    pdf.title_block("CONVOCATION", f"Baccalauréat technologique — session {session_year}")
    pdf.fields(
        [
            ("Destinataire", conv.name),
            ("Corps / grade", conv.corps_label),
            ("Établissement d'exercice", conv.etablissement or "—"),
            ("N° d'intervenant", conv.intervenant),
        ],
        label_width=50,
    )
    pdf.ln(2)
    pdf.paragraph(CONVOCATION_TEXT.format(convoque=agree_with(conv.name, "convoqué")))
    for note in conv.notes:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 5.5, note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    for index, mission in enumerate(conv.missions, start=1):
        heading = f"Mission {index} : {mission.kind_label}"
        if mission.epreuve:
            heading += f" — {mission.epreuve}"
        pdf.section(heading)
        pairs = [
            ("Date", french_date(mission.day)),
            ("Horaire", f"de {mission.start_time} à {mission.end_time}"),
            ("Lieu", mission.centre or "à préciser"),
        ]
        if mission.address:
            pairs.append(("Adresse", mission.address))
        if mission.room:
            pairs.append(("Salle", mission.room))
        if mission.detail:
            pairs.append(("Objet", mission.detail))
        pdf.fields(pairs, label_width=30)
    pdf.ln(2)
    pdf.paragraph(OWN_STUDENTS_TEXT, size=8.5)
    pdf.paragraph(EXPENSES_TEXT, size=8.5)
    pdf.paragraph(ABSENCE_TEXT, size=8.5)
    pdf.ln(2)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(
        0,
        5,
        f"Fait le {french_date(pdf.issued_on)}\n{pdf.letterhead.delegation()}",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.signature_block(["Arrivée au centre (visa du chef de centre)", "Service fait (date, visa)"])


# --- Jury assignment lists ----------------------------------------------------------------------

MEMBER_WIDTHS = (56, 62, 62)
BLOCK_WIDTHS = (76, 22, 20, 20, 21, 21)


def write_jury_lists_pdf(
    path: str | Path,
    centres: Sequence[JuryListCentre],
    *,
    session_year: int,
    academie: str | Letterhead,
) -> Path:
    """Per centre de délibération: each jury's bureau, members and candidates by établissement."""
    pdf = new_document("Affectation des jurys", session_year=session_year, academie=academie)
    for centre in centres:
        pdf.add_page()
        total = sum(j.candidates for j in centre.juries)
        pdf.title_block(
            "Affectation des jurys",
            f"Centre de délibération : {centre.name} — {len(centre.juries)} "
            f"jury{'s' if len(centre.juries) > 1 else ''}, {total} candidats",
        )
        for jury in centre.juries:
            _jury_block(pdf, jury)
    return save(pdf, path)


def _jury_block(pdf: BaktuiPDF, jury: JuryListEntry) -> None:
    needed = 40 + 6 * (len(jury.members) + len(jury.blocks))
    if pdf.get_y() + min(needed, 90) > pdf.page_break_trigger:
        pdf.add_page()
    heading = f"Jury n° {jury.number} — séries {jury.series} — {jury.candidates} candidats"
    pdf.section(heading)
    pairs = [
        (function.capitalize(), f"{name} ({corps})") for function, name, corps, _ in jury.officers
    ]
    if not any(f == "président" for f, *_ in jury.officers):
        pairs.insert(0, ("Président", "À DÉSIGNER"))
    if jury.deliberation_date:
        pairs.append(("Délibération", french_date(jury.deliberation_date)))
    pdf.fields(pairs, label_width=32)
    if jury.members:
        pdf.ln(1)
        pdf.table(
            ["Membre", "Corps", "Établissement"],
            [list(member) for member in jury.members],  # long names wrap
            MEMBER_WIDTHS,
            row_height=5.5,
            font_size=8.5,
        )
    if jury.blocks:
        pdf.ln(1.5)
        pdf.table(
            ["Établissement", "UAI", "Série", "Candidats", "Du n°", "Au n°"],
            [
                [etab, uai, series, str(count), first, last]
                for etab, uai, series, count, first, last in jury.blocks
            ],
            BLOCK_WIDTHS,
            align=["L", "C", "C", "R", "C", "C"],
            row_height=5.5,
            font_size=8.5,
        )
    pdf.ln(3)


def write_jury_lists_xlsx(
    path: str | Path,
    centres: Sequence[JuryListCentre],
    candidates: Sequence[Sequence[object]],
) -> Path:
    """Three sheets: composition of the juries, établissements per jury, candidates per jury.

    ``candidates`` rows: (jury number, centre, candidate number, last name, first name, series,
    UAI, établissement).
    """
    composition = []
    blocks = []
    for centre in centres:
        for jury in centre.juries:
            date = jury.deliberation_date
            for function, name, corps, etab in jury.officers:
                composition.append(
                    (centre.name, jury.number, jury.series, date, function, name, corps, etab)
                )
            for name, corps, etab in jury.members:
                composition.append(
                    (centre.name, jury.number, jury.series, date, "membre", name, corps, etab)
                )
            for etab, uai, series, count, first, last in jury.blocks:
                blocks.append((centre.name, jury.number, etab, uai, series, count, first, last))
    return write_workbook(
        path,
        [
            (
                "Composition",
                [
                    "Centre",
                    "Jury",
                    "Séries",
                    "Délibération",
                    "Fonction",
                    "Nom",
                    "Corps",
                    "Établissement",
                ],
                composition,
            ),
            (
                "Établissements",
                [
                    "Centre",
                    "Jury",
                    "Établissement",
                    "UAI",
                    "Série",
                    "Candidats",
                    "Premier n°",
                    "Dernier n°",
                ],
                blocks,
            ),
            (
                "Candidats",
                ["Jury", "Centre", "N° candidat", "Nom", "Prénom", "Série", "UAI", "Établissement"],
                candidates,
            ),
        ],
    )
