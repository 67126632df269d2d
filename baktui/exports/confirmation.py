"""Registration confirmations (« confirmation d'inscription »), A4, in French.

One page per candidate, all in ONE document (the fonts are embedded once): identity, contact
details, établissement and centre, series and choices, the épreuves registered, the dossier
checklist of candidates without contrôle continu, what the candidate must check, and the boxes to
date and sign. The office sends it; the candidate checks it, corrects it in ink and returns it
signed. A pure renderer of :class:`~baktui.rules.candidate.CandidateProfile` (the card's
profile too), read by :func:`baktui.services.confirmations.confirmation_data`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Sized
from pathlib import Path

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, new_document, save
from baktui.rules.candidate import CandidateProfile, EpreuveLine, sex_label
from baktui.rules.french import agree

TITLE = "Confirmation d'inscription"

CHECK_TEXT = (
    "Vérifiez chaque ligne : identité (orthographe des nom et prénoms, date de naissance), "
    "coordonnées, série, enseignement spécifique, langues et options. Elles figureront sur votre "
    "convocation, votre relevé de notes et votre diplôme."
)
CORRECT_TEXT = (
    "En cas d'erreur, corrigez à l'encre rouge sans rien effacer, datez, signez (le représentant "
    "légal signe aussi si vous êtes mineur) et renvoyez ce document à la division des examens "
    "du rectorat. Sans retour de votre part, l'inscription est considérée comme exacte."
)
DOSSIER_TEXT = (
    "Pièces du dossier : une case cochée est une pièce reçue par le rectorat. Joignez au "
    "retour de ce document les pièces dont la case est vide."
)
Pairs = Sequence[tuple[str, str]]


def render_confirmations(
    items: Iterable[CandidateProfile],
    *,
    session_year: int | None = None,
    academie: str | Letterhead,
    progress: Callable[[int, int], None] | None = None,
) -> BaktuiPDF:
    """The PDF document, one page (group) per candidate; ``progress(done, total)`` after each
    (a list of items only: the total is its length)."""
    pdf = new_document(TITLE, session_year=session_year, academie=academie)
    total = len(items) if isinstance(items, Sized) else 0
    count = 0
    for item in items:
        _page(pdf, item, session_year)
        count += 1
        if progress is not None:
            progress(count, max(total, count))
    if count == 0:
        pdf.add_page()
        pdf.paragraph("Aucun candidat.")
    return pdf


def write_confirmations(
    path: str | Path,
    items: Iterable[CandidateProfile],
    *,
    session_year: int | None = None,
    academie: str | Letterhead,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Render and write the file atomically; returns its path."""
    pdf = render_confirmations(
        items, session_year=session_year, academie=academie, progress=progress
    )
    return save(pdf, path)


LINE = 4.4  # mm per text line
FONT_SIZE = 8.8


class _Wrapper:
    """Word wrapping by measured word widths, cached per document.

    fpdf2's ``multi_cell`` re-measures the whole line at every character (about 150 ms for a
    paragraph): on a batch of a thousand confirmations that is minutes. The fixed texts are
    wrapped once per document here and drawn with ``cell``.
    """

    def __init__(self, pdf: BaktuiPDF) -> None:
        self.pdf = pdf
        self.widths: dict[tuple[str, str, float], float] = {}
        self.cache: dict[tuple[str, float, str, float], list[str]] = {}

    def width(self, word: str) -> float:
        key = (word, self.pdf.font_style, self.pdf.font_size_pt)
        found = self.widths.get(key)
        if found is None:
            found = self.widths[key] = self.pdf.get_string_width(word)
        return found

    def lines(self, text: str, width: float) -> list[str]:
        key = (text, width, self.pdf.font_style, self.pdf.font_size_pt)
        found = self.cache.get(key)
        if found is not None:
            return found
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        space = self.width(" ")
        for word in text.split():
            w = self.width(word)
            if current and used + space + w > width:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used += (space if current else 0) + w
                current.append(word)
        lines.append(" ".join(current))
        self.cache[key] = lines
        return lines

    def text(self, x: float, y: float, width: float, text: str, height: float = LINE) -> float:
        """Draw wrapped text from (x, y); returns the y below it."""
        for line in self.lines(text, width):
            self.pdf.set_xy(x, y)
            self.pdf.cell(width, height, line)
            y += height
        return y


def _wrapper(pdf: BaktuiPDF) -> _Wrapper:
    wrapper = getattr(pdf, "_baktui_wrapper", None)
    if wrapper is None:
        wrapper = _Wrapper(pdf)
        pdf._baktui_wrapper = wrapper  # type: ignore[attr-defined]
    return wrapper


def _pairs(pdf: BaktuiPDF, x: float, y: float, width: float, label_w: float, pairs: Pairs) -> float:
    """Label/value lines in a column starting at (x, y); values wrap, left-aligned. Returns the
    y below the column."""
    wrap = _wrapper(pdf)
    for label, value in pairs:
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "B", FONT_SIZE)
        pdf.cell(label_w, LINE, label)
        if pdf.get_string_width(label) > label_w - 1:
            y += LINE  # a long label ("Enseignement spécifique"): the value goes below it
        pdf.set_font(FONT, "", FONT_SIZE)
        y = wrap.text(x + label_w, y, width - label_w, value or "—")
    return y


def _paragraph(pdf: BaktuiPDF, text: str, size: float = 8) -> None:
    pdf.set_font(FONT, "", size)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    y = _wrapper(pdf).text(pdf.l_margin, pdf.get_y(), width, text, height=size * 0.45)
    pdf.set_xy(pdf.l_margin, y + 1)


def _checklist(pdf: BaktuiPDF, items: Sequence[tuple[str, bool]]) -> None:
    """One line per item, with a box ticked when received (to tick by hand otherwise)."""
    width = pdf.w - pdf.l_margin - pdf.r_margin - 7
    for text, ticked in items:
        x, y = pdf.l_margin, pdf.get_y()
        pdf.rect(x + 1, y + 0.7, 3.2, 3.2)
        if ticked:
            pdf.set_font(FONT, "B", 8.5)
            pdf.text(x + 1.4, y + 3.5, "✓")
        pdf.set_font(FONT, "", FONT_SIZE)
        y = _wrapper(pdf).text(x + 7, y, width, text)
        pdf.set_xy(pdf.l_margin, y + 0.4)


def _columns(pdf: BaktuiPDF, left: Pairs, right: Pairs, label_w: float = 27) -> None:
    """Two columns of label/value lines side by side."""
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    bottom_left = _pairs(pdf, pdf.l_margin, top, half - 3, label_w, left)
    bottom_right = _pairs(pdf, pdf.l_margin + half + 3, top, half - 3, label_w, right)
    pdf.set_xy(pdf.l_margin, max(bottom_left, bottom_right))


def _full(pdf: BaktuiPDF, pairs: Pairs, label_w: float = 32) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    y = _pairs(pdf, pdf.l_margin, pdf.get_y(), width, label_w, pairs)
    pdf.set_xy(pdf.l_margin, y)


def epreuve_note(line: EpreuveLine) -> str:
    """What the confirmation says beside an épreuve: its option, a grade kept from a session."""
    note = line.option_label if line.option else ""
    if line.kept_session:
        note = (note + " — " if note else "") + f"note conservée de {line.kept_session}"
    return note


def _epreuves(pdf: BaktuiPDF, epreuves: Sequence[EpreuveLine]) -> None:
    """The épreuves in two ruled columns (code, label and precision)."""
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    rows = []
    for line in epreuves:
        note = epreuve_note(line)
        rows.append((line.code, f"{line.label} — {note}" if note else line.label))
    per_column = (len(rows) + 1) // 2
    top = pdf.get_y()
    pdf.set_font(FONT, "", 7.8)
    bottom = top
    for column in range(2):
        x = pdf.l_margin + column * half
        y = top
        for code, text in rows[column * per_column : (column + 1) * per_column]:
            pdf.set_xy(x, y)
            pdf.cell(12, 4.2, code, border=1)
            while pdf.get_string_width(text) > half - 16 and len(text) > 4:
                text = text[:-2].rstrip() + "…"
            pdf.cell(half - 13, 4.2, text, border=1)
            y += 4.2
        bottom = max(bottom, y)
    pdf.set_xy(pdf.l_margin, bottom + 1)


def _named(code: str, name: str) -> str:
    """ "0690001A — Lycée Ampère", or "" without a code."""
    return f"{code} — {name}" if code else ""


def _page(pdf: BaktuiPDF, c: CandidateProfile, session_year: int | None) -> None:
    pdf.begin_letter()
    session = f"Session {session_year}" if session_year else ""
    pdf.title_block(
        "Confirmation d'inscription au baccalauréat technologique",
        f"{session} — candidat n° {c.number} — inscription {c.state_label}".strip(" —"),
    )
    born = c.birth_date.strftime("%d/%m/%Y") if c.birth_date else ""
    pdf.section("Identité et coordonnées")
    _columns(
        pdf,
        [
            ("Nom", c.last_name.upper()),
            ("Prénom", c.first_name),
            (f"{agree(c.sex, 'Né')} le", born),
            ("Sexe", sex_label(c.sex)),
            ("INE", c.ine),
        ],
        [
            ("Adresse", c.address),
            ("Commune", f"{c.postcode} {c.city}".strip()),
            ("Courriel", c.email),
            ("Téléphone", c.phone_display),
            ("Statut", c.status_label),
        ],
        label_w=22,
    )
    pdf.section("Établissement et centre d'examen")
    _full(
        pdf,
        [
            (
                "Établissement",
                _named(c.etablissement_uai, c.etablissement_name)
                or "aucun (candidat non scolarisé)",
            ),
            (
                "Centre d'examen",
                _named(c.centre_code, c.centre_name) or "indiqué sur la convocation",
            ),
        ],
    )
    pdf.section("Série et choix")
    main = [("Série", f"{c.series} — {c.series_label}")]
    if c.sub_choice_label or c.sub_choice:
        main.append((c.sub_choice_label or "Sous-choix", c.sub_choice or "—"))
    _full(pdf, main)
    _columns(
        pdf,
        [("Langue vivante A", c.lva_label), ("Langue vivante B", c.lvb_label)],
        [
            ("Options", " ; ".join(c.options) if c.options else "aucune"),
            ("EPS", "inaptitude (certificat médical)" if c.eps_inapte else "—"),
        ],
        label_w=32,
    )
    if c.amenagements:
        _full(pdf, [("Aménagements", c.amenagements)])
    if c.epreuves:
        pdf.section(f"Épreuves auxquelles vous êtes {agree(c.sex, 'inscrit')}")
        _epreuves(pdf, c.epreuves)
    if c.dossier:
        pdf.section("Dossier d'inscription")
        _paragraph(pdf, DOSSIER_TEXT)
        _checklist(pdf, [(piece.label, piece.received) for piece in c.dossier])
    pdf.section("À vérifier et à signer")
    _paragraph(pdf, CHECK_TEXT + " " + CORRECT_TEXT)
    _checklist(
        pdf,
        [
            ("J'ai vérifié ces informations et corrigé les erreurs à l'encre rouge.", False),
            ("Je confirme mon inscription au baccalauréat technologique.", False),
        ],
    )
    pdf.signature_block(
        ["Date", "Signature du candidat", "Signature du représentant légal (mineur)"], height=16
    )
