"""Relevés de notes, diplômes, attestations de réussite and CFES (PDF, A4): pure renderers.

:mod:`baktui.services.transcripts` reads the deliberated results into :class:`Transcript`
dataclasses; this module draws them. A relevé is printed twice per candidate (« exemplaire du
candidat », « exemplaire de l’établissement » or « du centre »); the candidate's copy may carry
the postal address at the window of a DL/C5 envelope (100 × 45 mm, 20 mm from the right edge,
45 mm from the top). One file per batch: the font is embedded once, every line is a cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf.enums import XPos, YPos

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, new_document, save
from baktui.rules.french import agree, that

COPIES = ("candidat", "établissement")


@dataclass(frozen=True)
class TranscriptLine:
    """One épreuve of a relevé (shown texts: "12", "ABS", "DI", "—")."""

    code: str
    label: str
    coef: str
    grade: str  # first group, as counted (jury points included)
    second: str = ""  # second-group grade, "" when none
    note: str = ""  # "conservée (session 2024)", "neutralisée", "points de jury"…


@dataclass(frozen=True)
class Transcript:
    """A candidate's relevé de notes (or diploma, attestation, CFES: the same identity)."""

    candidate_id: int
    number: str
    ine: str
    last_name: str
    first_name: str
    sex: str
    birth_date: dt.date | None
    birth_place: str
    series: str
    series_label: str
    specialites: tuple[str, ...]
    lines: tuple[TranscriptLine, ...]
    average: str  # truncated to 2 decimals
    first_average: str
    decision: str
    decision_label: str
    mention: str  # label, "" without one
    holder: str  # établissement or centre (the second copy's name)
    address: tuple[str, ...] = ()  # postal address lines (window envelope)
    indications: tuple[str, ...] = ()  # « section européenne »…
    duplicata: bool = False


def _date(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "—"


def _born(t: Transcript, word: str = "Né") -> str:
    """« Née le 14/03/2008 à Lyon » (the place when recorded; agreement by the recorded sex);
    ``word="né"`` inside a sentence."""
    place = f" à {t.birth_place}" if t.birth_place else ""
    return f"{agree(t.sex, word)} le {_date(t.birth_date)}{place}"


_WIDTHS: dict[tuple[str, float, str], float] = {}


def _width(pdf: BaktuiPDF, text: str) -> float:
    """The string's width, cached: the labels of a batch repeat on every page."""
    key = (pdf.font_style, pdf.font_size_pt, text)
    found = _WIDTHS.get(key)
    if found is None:
        if len(_WIDTHS) > 50_000:
            _WIDTHS.clear()
        found = _WIDTHS[key] = pdf.get_string_width(text)
    return found


def _put(pdf: BaktuiPDF, x: float, y: float, width: float, height: float, text: str,
         align: str = "L") -> None:  # fmt: skip
    """One line of ``text`` placed as a borderless cell would place it, drawn with ``text()``
    (5× cheaper than ``cell()``: no line-breaking machinery, widths from the cache)."""
    if not text:
        return
    if align == "C":
        left = x + (width - _width(pdf, text)) / 2
    elif align == "R":
        left = x + width - pdf.c_margin - _width(pdf, text)
    else:
        left = x + pdf.c_margin
    pdf.text(left, y + height / 2 + 0.3 * pdf.font_size, text)


def _room(pdf: BaktuiPDF, height: float) -> None:
    """A new page when ``height`` more would go past the bottom margin (as a cell would)."""
    if pdf.auto_page_break and pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _text(pdf: BaktuiPDF, width: float, height: float, text: str, align: str = "L") -> None:
    """``text`` on lines of ``height``, wrapped at spaces (never cut); then the next line."""
    x = pdf.get_x()
    width = width or pdf.w - pdf.r_margin - x
    for part in _split(pdf, text, width - 2):
        _room(pdf, height)
        y = pdf.get_y()
        _put(pdf, x, y, width, height, part, align)
        pdf.set_xy(pdf.l_margin, y + height)


def _fields(pdf: BaktuiPDF, pairs: Sequence[tuple[str, str]], label_width: float) -> None:
    """Bold labels and their values (wrapped), each label before its value in the text's
    reading order (copy, search, screen readers)."""
    height = 5.5
    x = pdf.l_margin
    width = pdf.w - pdf.r_margin - x - label_width
    for label, value in pairs:
        pdf.set_font(FONT, "", 9.5)  # the value's font: its wrapping is measured in it
        parts = _split(pdf, value or "—", width - 2)
        _room(pdf, height)
        pdf.set_font(FONT, "B", 9.5)
        _put(pdf, x, pdf.get_y(), label_width, height, label)
        pdf.set_font(FONT, "", 9.5)
        for part in parts:
            _room(pdf, height)
            y = pdf.get_y()
            _put(pdf, x + label_width, y, width, height, part)
            pdf.set_xy(x, y + height)


def _title(pdf: BaktuiPDF, text: str, subtitle: str) -> None:
    pdf.set_font(FONT, "B", 14)
    _text(pdf, 0, 7, text, "C")
    pdf.set_font(FONT, "", 10)
    _text(pdf, 0, 5, subtitle, "C")
    pdf.ln(3)


def _identity(pdf: BaktuiPDF, t: Transcript) -> None:
    _fields(
        pdf,
        [
            ("Nom, prénom", f"{t.last_name.upper()} {t.first_name}"),
            ("Naissance", _born(t)),
            ("INE", t.ine or "—"),
            ("N° de candidat", t.number),
            ("Série", f"{t.series} — {t.series_label}"),
            ("Spécialités", " ; ".join(t.specialites) or "—"),
            *((("Indications", " ; ".join(t.indications)),) if t.indications else ()),
        ],
        label_width=34,
    )


def _stamp(pdf: BaktuiPDF, text: str) -> None:
    """« DUPLICATA » at the top right, in red, on its own line."""
    y = pdf.get_y()
    pdf.set_text_color(190, 0, 0)
    pdf.set_font(FONT, "B", 13)
    pdf.set_xy(pdf.w - pdf.r_margin - 45, y)  # under the letterhead, never across it
    pdf.cell(45, 7, text, border=1, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + 9)  # the title under it, never beside it


WIDTHS = (14.0, 0.0, 12.0, 21.0, 21.0, 42.0)
HEADS = ("Code", "Épreuve", "Coef.", "1er groupe", "2d groupe", "Observations")


def _grades(pdf: BaktuiPDF, t: Transcript) -> None:
    """The épreuves' table: rectangles and text drawn directly (4× faster than cells), a label
    or an observation too long for its column wrapped on a second line, never cut."""
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    widths = list(WIDTHS)
    widths[1] = usable - sum(widths)
    starts = [pdf.l_margin + sum(widths[:i]) for i in range(len(widths))]
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_fill_color(235, 235, 235)
    y = pdf.get_y()
    for head, x, width in zip(HEADS, starts, widths, strict=True):
        pdf.rect(x, y, width, 5.5, style="DF")
        pdf.text(x + (width - _width(pdf, head)) / 2, y + 3.9, head)
    y += 5.5
    top = y
    right = starts[-1] + widths[-1]
    pdf.set_font(FONT, "", 8.5)
    for line in t.lines:
        values = (line.code, line.label, line.coef, line.grade, line.second, line.note)
        split = [_split(pdf, v, w - 2) if i in (1, 5) else [v] for i, (v, w) in
                 enumerate(zip(values, widths, strict=True))]  # fmt: skip
        rows = max(len(parts) for parts in split)
        height = 5.0 if rows == 1 else 1.0 + 3.7 * rows
        for i, (parts, x, width) in enumerate(zip(split, starts, widths, strict=True)):
            for n, part in enumerate(parts):
                if not part:
                    continue
                base = y + (3.6 if rows == 1 else 3.3 + 3.7 * n)
                if i in (0, 1, 5):
                    pdf.text(x + 1, base, part)
                else:
                    pdf.text(x + (width - _width(pdf, part)) / 2, base, part)
        y += height
        pdf.line(pdf.l_margin, y, right, y)  # the row's bottom rule
    # the columns' rules, once for the whole table (the same drawing as a box per cell)
    for x in (*starts, right):
        pdf.line(x, top, x, y)
    pdf.set_xy(pdf.l_margin, y)


def _split(pdf: BaktuiPDF, text: str, width: float) -> list[str]:
    """``text`` in lines of at most ``width`` mm, cut at spaces (a word too long stays whole)."""
    if not text or _width(pdf, text) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and _width(pdf, trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    return lines


def _outcome(pdf: BaktuiPDF, t: Transcript) -> None:
    pdf.ln(3)
    pairs = []
    if t.first_average and t.first_average != t.average:
        pairs.append(("Moyenne du 1er groupe", t.first_average + " / 20"))
    pairs.append(("Moyenne générale", (t.average + " / 20") if t.average else "—"))
    pairs.append(("Décision du jury", t.decision_label))
    pairs.append(("Mention", t.mention or "—"))
    _fields(pdf, pairs, label_width=48)
    pdf.set_font(FONT, "I", 7.5)
    _text(
        pdf, 0, 4, "Moyennes exactes tronquées à deux décimales ; coefficients de la réglementation"
    )
    _text(pdf, 0, 4, "de la session ; une épreuve neutralisée ne compte ni au numérateur ni au "
          "dénominateur.")  # fmt: skip


def _signature(pdf: BaktuiPDF, letterhead: Letterhead, year: int | None) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    for line in (f"Fait le {dt.date.today():%d/%m/%Y}", *letterhead.delegation().splitlines()):
        pdf.set_x(pdf.w / 2)
        _text(pdf, pdf.w / 2 - pdf.r_margin, 4.5, line)


def write_transcripts(
    path: str | Path,
    transcripts: Sequence[Transcript],
    *,
    academie: Letterhead,
    year: int,
    window: bool = False,
    progress: Callable[[int], object] | None = None,
) -> Path:
    """Two pages per candidate: the candidate's copy, then the établissement's (or centre's)."""
    pdf = BaktuiPDF(f"Relevés de notes — session {year}", session_year=year, academie=academie)
    pdf.set_auto_page_break(True, margin=16)
    for index, t in enumerate(transcripts):
        for copy in COPIES:  # one letter per candidate: its two copies, pages 1 and 2
            if copy == COPIES[0]:
                pdf.begin_letter()
            else:
                pdf.add_page()
            if t.duplicata:
                _stamp(pdf, "DUPLICATA")
            if window and copy == "candidat" and t.address:
                pdf.window_address((f"{t.first_name} {t.last_name.upper()}", *t.address))
            _title(
                pdf,
                "RELEVÉ DE NOTES",
                f"Baccalauréat technologique — session {year} — exemplaire "
                + ("du candidat" if copy == "candidat" else f"de l’établissement : {t.holder}"),
            )
            _identity(pdf, t)
            pdf.ln(2)
            _grades(pdf, t)
            _outcome(pdf, t)
            _signature(pdf, academie, year)
        if progress is not None:
            progress(index + 1)
    return save(pdf, path)


@dataclass(frozen=True)
class Certificate:
    """A diploma, an attestation de réussite or a CFES for one candidate."""

    transcript: Transcript
    kind: str  # diplome | attestation | cfes


TITLES = {
    "diplome": "DIPLÔME DU BACCALAURÉAT TECHNOLOGIQUE",
    "attestation": "ATTESTATION DE RÉUSSITE",
    "cfes": "CERTIFICAT DE FIN D’ÉTUDES SECONDAIRES",
}


def _certificate_body(t: Transcript, kind: str, year: int) -> str:
    name = f"{t.first_name} {t.last_name.upper()}"
    born = _born(t, "né")
    if kind == "diplome":
        return (
            f"Le diplôme du baccalauréat technologique, série {t.series_label} ({t.series}), "
            f"est conféré à {name}, {born}, au titre de la session {year}."
        )
    if kind == "attestation":
        return (
            f"Le recteur atteste {that(name)}, {born}, {agree(t.sex, 'candidat')} "
            f"n°\N{NO-BREAK SPACE}{t.number}, a été {agree(t.sex, 'admis')} au baccalauréat "
            f"technologique, série {t.series_label} ({t.series}), à la session {year}. "
            "Cette attestation tient lieu de diplôme jusqu’à sa délivrance."
        )
    return (
        f"Le recteur certifie {that(name)}, {born}, {agree(t.sex, 'candidat')} "
        f"n°\N{NO-BREAK SPACE}{t.number} au baccalauréat technologique, série {t.series_label} ({t.series}), "
        f"session {year}, a terminé ses études secondaires (moyenne du premier groupe : "
        f"{t.first_average} / 20)."
    )


def write_certificates(
    path: str | Path,
    certificates: Sequence[Certificate],
    *,
    academie: Letterhead,
    year: int,
    progress: Callable[[int], object] | None = None,
) -> Path:
    """One page per certificate: diplomas in landscape, attestations and CFES in portrait."""
    kind = certificates[0].kind if certificates else "diplome"
    landscape = kind == "diplome"
    pdf = new_document(
        TITLES[kind].capitalize() + f" — session {year}",
        session_year=year,
        academie=academie,
        orientation="L" if landscape else "P",
    )
    for index, cert in enumerate(certificates):
        t = cert.transcript
        pdf.begin_letter()
        if t.duplicata:
            _stamp(pdf, "DUPLICATA")
        pdf.ln(12 if landscape else 20)
        pdf.set_font(FONT, "B", 20 if landscape else 15)
        pdf.multi_cell(0, 10, TITLES[cert.kind], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(8)
        pdf.set_font(FONT, "", 12)
        pdf.multi_cell(
            0, 7, _certificate_body(t, cert.kind, year), align="C",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        pdf.ln(4)
        details = []
        if cert.kind != "cfes":
            details.append(("Mention", t.mention or "sans mention"))
        details.append(("Spécialités", " ; ".join(t.specialites) or "—"))
        if t.indications:
            details.append(("Indications", " ; ".join(t.indications)))
        details.append(("INE", t.ine or "—"))
        details.append(("N° de candidat", t.number))
        for label, value in details:
            pdf.set_x(pdf.l_margin + (40 if landscape else 10))
            pdf.set_font(FONT, "B", 10.5)
            pdf.cell(40, 6, label)
            pdf.set_font(FONT, "", 10.5)
            pdf.multi_cell(0, 6, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _signature(pdf, academie, year)
        if progress is not None:
            progress(index + 1)
    return save(pdf, path)


@dataclass(frozen=True)
class Parcel:
    """What goes to one établissement: counts per document kind."""

    uai: str
    name: str
    address: str
    counts: tuple[tuple[str, int], ...]  # (document label, count)


def write_dispatch(
    path: str | Path, parcels: Sequence[Parcel], *, academie: Letterhead, year: int
) -> Path:
    """The liste d’envoi: one page per établissement, its counts and the signature boxes."""
    pdf = new_document(f"Listes d’envoi — session {year}", session_year=year, academie=academie)
    for parcel in parcels:
        pdf.begin_letter()
        pdf.title_block("LISTE D’ENVOI", f"Session {year} — colis de l’établissement")
        pdf.fields(
            [("Établissement", f"{parcel.uai} {parcel.name}"), ("Adresse", parcel.address)],
            label_width=34,
        )
        pdf.ln(2)
        pdf.table(
            ["Document", "Nombre", "Vérifié"],
            [(label, str(count), "") for label, count in parcel.counts],
            [110, 30, 40],
            align=["L", "C", "C"],
        )
        pdf.ln(4)
        pdf.signature_block(["Préparé par (date, signature)", "Reçu par l’établissement"])
    return save(pdf, path)
