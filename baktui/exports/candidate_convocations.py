"""Candidates' convocations to the épreuves and the émargement lists (PDF): pure renderers.

:mod:`baktui.services.candidate_convocations` reads the placement (``baktui placer``) and the
oral slots (``baktui oraux planifier``) into the dataclasses below. Convocations are ONE PDF per
batch, one letter per candidate, numbered per letter, in the order the centre hands them out:
identity, centre and its address, then every written épreuve with its date, start, end and
duration (the extra time of an aménagement included and said), room and seat, then every oral
with its day, the time to come for the preparation, the slot, centre and room. With the
candidate's ``address`` (individual candidates, sent by post), it is printed where the window
of a DL / C5 envelope shows it. An émargement list is one page (or more) per room and sitting:
the candidates by seat, a signature column and an « absent » box to tick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, french_date, new_document, save
from baktui.rules.french import agree, plural


def duration_text(minutes: int | None) -> str:
    """« 4 h », « 1 h 20 », « 50 min »."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest:02d}" if rest else "")


@dataclass(frozen=True)
class SittingLine:
    """One written épreuve of a candidate: when and where (``day`` None: not placed)."""

    code: str
    label: str
    day: dt.date | None
    start: str
    end: str
    duration_min: int | None  # extra time included
    extra_min: int
    room: str
    seat: int | None

    def when(self) -> str:
        if self.day is None:
            return "place non attribuée : la division des examens vous écrira"
        text = f"{french_date(self.day)}, de {self.start} à {self.end}"
        duration = duration_text(self.duration_min)
        if duration:
            text += f" ({duration}"
            if self.extra_min:
                text += f", dont {duration_text(self.extra_min)} de temps majoré"
            text += ")"
        return text

    def place(self) -> str:
        if self.day is None:
            return "—"
        return room_text(self.room) + (
            f", place n°\N{NO-BREAK SPACE}{self.seat}" if self.seat else ""
        )


@dataclass(frozen=True)
class OralLine:
    """One oral of a candidate: the slot in a commission."""

    code: str
    label: str
    day: dt.date | None
    start: str
    end: str
    prep_min: int
    centre: str  # « C007 Lycée Ampère »
    room: str

    def when(self) -> str:
        if self.day is None:
            return "date communiquée par la division des examens"
        text = f"{french_date(self.day)}, passage de {self.start} à {self.end}"
        if self.prep_min:
            text += f" ; présentez-vous à {_before(self.start, self.prep_min)} pour la préparation"
        return text

    def place(self) -> str:
        return ", ".join(p for p in (self.centre, room_text(self.room) if self.room else "") if p)


def room_text(name: str) -> str:
    """« salle A101 », but « Salle 103 » and « Gymnase » as they are named."""
    return name if name.lower().startswith("salle") else f"salle {name}"


def _before(start: str, minutes: int) -> str:
    hours, mins = (int(p) for p in start.split(":"))
    total = max(0, hours * 60 + mins - minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class CandidateConvocation:
    candidate_id: int
    number: str
    name: str
    sex: str
    birth_date: dt.date | None
    series: str
    centre: str  # « C007 Lycée Ampère »
    centre_address: str
    sittings: tuple[SittingLine, ...]
    birth_place: str = ""
    orals: tuple[OralLine, ...] = ()
    address: tuple[str, ...] = ()  # name and postal address: the window envelope's


@dataclass(frozen=True)
class SigningLine:
    seat: int | None
    number: str
    name: str
    extra_min: int


@dataclass(frozen=True)
class SigningSheet:
    """The candidates of one room at one sitting (an épreuve, a day, a start)."""

    centre: str
    room: str
    code: str
    label: str
    day: dt.date | None
    start: str
    lines: tuple[SigningLine, ...]


CONVOCATION_TEXT = (
    "Vous êtes {convoque} aux épreuves {which} ci-dessous du baccalauréat technologique. "
    "Présentez-vous au centre d'examen au moins trente minutes avant le début de chaque épreuve, "
    "muni{e} de cette convocation et d'une pièce d'identité officielle avec photographie. "
    "Aucun candidat n'est admis dans la salle après la première heure ; toute absence doit être "
    "justifiée auprès de la division des examens."
)


def write_candidate_convocations(
    path: str | Path,
    convocations: Sequence[CandidateConvocation],
    *,
    session_year: int,
    academie: str | Letterhead,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """One PDF, one letter per candidate (the font embedded once, pages numbered per letter);
    ``progress(done, total)`` after each letter."""
    title = (
        "Convocation aux épreuves"
        if any(c.orals for c in convocations)
        else "Convocation aux épreuves écrites"
    )
    pdf = new_document(title, session_year=session_year, academie=academie)
    for done, conv in enumerate(convocations, 1):
        _letter(pdf, conv, session_year)
        if progress is not None:
            progress(done, len(convocations))
    if not convocations:
        pdf.add_page()
        pdf.paragraph("Aucun candidat placé : lancez d'abord le placement (baktui placer).")
    return save(pdf, path)


def _which(conv: CandidateConvocation) -> str:
    if conv.orals and conv.sittings:
        return "écrites et orales"
    return "orales" if conv.orals else "écrites"


def _letter(pdf: BaktuiPDF, conv: CandidateConvocation, year: int) -> None:
    pdf.begin_letter()
    if conv.address:
        pdf.window_address(conv.address)
    pdf.title_block(
        f"CONVOCATION AUX ÉPREUVES {_which(conv).upper()}",
        f"Baccalauréat technologique — session {year}",
    )
    pdf.fields(
        [
            (agree(conv.sex, "Candidat"), conv.name),
            (
                f"{agree(conv.sex, 'Né')} le",
                (conv.birth_date.strftime("%d/%m/%Y") if conv.birth_date else "—")
                + (f" à {conv.birth_place}" if conv.birth_place else ""),
            ),
            ("N° de candidat", conv.number),
            ("Série", conv.series),
            ("Centre d'examen", conv.centre),
            ("Adresse du centre", conv.centre_address or "—"),
        ],
        label_width=45,
    )
    pdf.ln(1)
    pdf.paragraph(
        CONVOCATION_TEXT.format(
            convoque=agree(conv.sex, "convoqué"), e="e" if conv.sex == "F" else "",
            which=_which(conv),
        )
    )  # fmt: skip
    widths = (16.0, 50.0, 74.0, 40.0)

    def header() -> None:
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_fill_color(235, 235, 235)
        for head, width in zip(("Épreuve", "Intitulé", "Date et horaire", "Lieu"), widths,
                               strict=True):  # fmt: skip
            pdf.cell(width, 6, head, border=1, fill=True, align="C")
        pdf.ln(6)
        pdf.set_font(FONT, "", 8.5)

    if conv.sittings:
        pdf.section("Épreuves écrites")
        header()
        for line in conv.sittings:
            pdf.wrapped_row([line.code, line.label, line.when(), line.place()], widths,
                            ["C", "L", "L", "L"], 5, on_new_page=header)  # fmt: skip
    if conv.orals:
        pdf.section("Épreuves orales")
        header()
        for oral in conv.orals:
            pdf.wrapped_row([oral.code, oral.label, oral.when(), oral.place()], widths,
                            ["C", "L", "L", "L"], 5, on_new_page=header)  # fmt: skip
    pdf.ln(4)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(
        0, 5, f"Fait le {french_date(pdf.issued_on)}\n{pdf.letterhead.delegation()}",
        align="R", new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip


SIGNING_HEADERS = ("Place", "N° candidat", "Nom prénom", "Temps majoré", "Signature", "Absent")
SIGNING_WIDTHS = (12.0, 24.0, 58.0, 26.0, 46.0, 14.0)


def write_signing_sheets(
    path: str | Path,
    sheets: Sequence[SigningSheet],
    *,
    session_year: int,
    academie: str | Letterhead,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """One PDF, one list per room and sitting, the candidates by seat (font embedded once);
    ``progress(done, total)`` after each list."""
    pdf = new_document("Liste d'émargement", session_year=session_year, academie=academie)
    for done, sheet in enumerate(sheets, 1):
        _signing(pdf, sheet, session_year)
        if progress is not None:
            progress(done, len(sheets))
    if not sheets:
        pdf.add_page()
        pdf.paragraph("Aucun candidat placé : lancez d'abord le placement (baktui placer).")
    return save(pdf, path)


def _signing(pdf: BaktuiPDF, sheet: SigningSheet, year: int) -> None:
    pdf.begin_letter()
    when = french_date(sheet.day) if sheet.day else "—"
    pdf.title_block(
        f"LISTE D'ÉMARGEMENT — {sheet.code} {sheet.label}",
        f"Baccalauréat technologique — session {year}",
    )
    pdf.fields(
        [
            ("Centre", sheet.centre),
            ("Salle", sheet.room),
            ("Date et heure", f"{when} à {sheet.start}" if sheet.start else when),
            ("Candidats", plural(len(sheet.lines), "candidat")),
        ],
        label_width=35,
    )

    def header() -> None:
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_fill_color(235, 235, 235)
        for head, width in zip(SIGNING_HEADERS, SIGNING_WIDTHS, strict=True):
            pdf.cell(width, 6, head, border=1, fill=True, align="C")
        pdf.ln(6)
        pdf.set_font(FONT, "", 9)

    header()
    for line in sheet.lines:
        extra = f"+{duration_text(line.extra_min)}" if line.extra_min else ""
        pdf.wrapped_row(
            [str(line.seat or ""), line.number, line.name, extra, "", "☐"],
            SIGNING_WIDTHS, ["C", "C", "L", "C", "L", "C"], 9, on_new_page=header,
        )  # fmt: skip
    pdf.ln(4)
    pdf.signature_block(("Le surveillant (nom, signature)", "Le chef de centre (visa)"), height=18)
