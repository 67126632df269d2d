"""The shared PDF base: A4 documents in French with an embedded Unicode font.

fpdf2's core fonts lack œ and ’, so every document embeds DejaVu Sans (shipped in
``exports/fonts`` with its licence). Embedding costs about 250 ms a file: a batch (all the
convocations of a centre, all the slips of an épreuve) is ONE document with one page group per
person, never one file per person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from baktui.exports.letterhead import Letterhead
from baktui.rules.french import typographic

FONT = "DejaVu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


def _font_path(name: str) -> str:
    return str(resources.files("baktui.exports") / "fonts" / name)


def french_date(day: dt.date | None) -> str:
    """ "lundi 15 juin 2026" (documents spell dates out)."""
    if day is None:
        return ""
    days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    months = [
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]  # fmt: skip
    return f"{days[day.weekday()]} {day.day} {months[day.month - 1]} {day.year}"


def euros(centi: int) -> str:
    """1234567 -> "12 345,67 €" (non-breaking thin spaces are avoided for fpdf2 width maths)."""
    sign = "-" if centi < 0 else ""
    units, cents = divmod(abs(centi), 100)
    grouped = f"{units:,}".replace(",", " ")
    return f"{sign}{grouped},{cents:02d} €"


# the window of a DL / C5 envelope, in mm from the page's top-left corner
WINDOW_X, WINDOW_Y, WINDOW_W, WINDOW_H = 210 - 20 - 100, 45.0, 100.0, 45.0


class BaktuiPDF(FPDF):
    """An A4 document with the rectorat header, page numbers and small layout helpers."""

    def __init__(
        self,
        title: str,
        *,
        session_year: int | None = None,
        academie: str | Letterhead,
        orientation: str = "P",
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.doc_title = title
        self.session_year = session_year
        self.letterhead = academie if isinstance(academie, Letterhead) else Letterhead(academie)
        academie = self.letterhead.academie
        self.academie = academie
        self.issued_on = dt.date.today()
        for style, file_name in _FONT_FILES.items():
            self.add_font(FONT, style, _font_path(file_name))
        self.set_title(title)
        self.set_author(academie)
        self.set_creator("baktui")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self.set_font(FONT, size=10)
        self._normalized: dict[str, str] = {}
        self.letters = 0  # letters begun with begin_letter (0: one document, pages n/N)
        self.letter_first_page = 1
        self.plain_pages = False  # a sheet of labels: no letterhead, no footer

    def normalize_text(self, text: str) -> str:
        """Every text drawn (and measured) in French typography: ’ and the no-break spaces
        (remembered: a batch draws the same labels on every page)."""
        done = self._normalized.get(text)
        if done is None:
            if len(self._normalized) > 20_000:
                self._normalized.clear()
            done = self._normalized[text] = super().normalize_text(typographic(text))
        return done

    def _line(self, height: float, text: str, align: str = "L") -> None:
        """One line across the page, placed as ``cell(0, height, text)`` places it, then the
        next line; drawn with ``text()``, which costs a fifth of a cell (every page's furniture)."""
        if text:
            width = self.w - self.r_margin - self.l_margin
            left = self.l_margin + self.c_margin
            if align == "R":
                left = self.l_margin + width - self.c_margin - self.get_string_width(text)
            self.text(left, self.y + height / 2 + 0.3 * self.font_size, text)
        self.set_xy(self.l_margin, self.y + height)

    # --- page furniture -------------------------------------------------------------------------

    def header(self) -> None:
        if self.plain_pages:
            return
        self.set_font(FONT, "B", 8)
        self._line(4, "RÉPUBLIQUE FRANÇAISE")
        self.set_font(FONT, "B", 9)
        self._line(4.5, self.academie)
        self.set_font(FONT, "", 8)
        line = "Division des examens et concours — Baccalauréat technologique"
        if self.session_year:
            line += f" — session {self.session_year}"
        self._line(4, line)
        if self.letterhead.address:
            self._line(4, self.letterhead.address)
        self.set_draw_color(120, 120, 120)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_font(FONT, "", 10)

    def begin_letter(self) -> None:
        """A new letter of a batch starts on a new page: its pages are numbered from 1, with
        its rank in the batch (« n° 12 — page 1 »), not « page 1/917 » of the whole file."""
        self.add_page()  # closes the previous page first, its footer still the previous letter's
        self.letters += 1
        self.letter_first_page = self.page_no()

    def footer(self) -> None:
        if self.plain_pages:
            return
        self.set_y(-12)
        self.set_font(FONT, "I", 7.5)
        y = self.y
        self._line(4, f"{self.doc_title} — édité le {self.issued_on:%d/%m/%Y}")
        self.set_xy(self.l_margin, y)
        if self.letters:
            page = self.page_no() - self.letter_first_page + 1
            self._line(4, f"n° {self.letters} — page {page}", "R")
        else:
            self.cell(0, 4, f"page {self.page_no()}/{{nb}}", align="R")

    # --- content helpers ------------------------------------------------------------------------

    def title_block(self, text: str, subtitle: str = "") -> None:
        self.set_font(FONT, "B", 14)
        self.multi_cell(0, 7, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 5, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
        self.set_font(FONT, "", 10)

    def section(self, text: str) -> None:
        self.ln(1.5)
        self.set_font(FONT, "B", 10.5)
        self.set_fill_color(230, 230, 230)
        self.cell(0, 6, " " + text, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, "", 10)

    def fields(self, pairs: Sequence[tuple[str, str]], label_width: float = 48) -> None:
        """Label: value lines (labels in bold)."""
        for label, value in pairs:
            self.set_font(FONT, "B", 9.5)
            self.cell(label_width, 5.5, label)
            self.set_font(FONT, "", 9.5)
            # a value is a name or an address: wrapped flush left, never justified; one that
            # fits is a plain cell (fpdf2's line breaking costs milliseconds per call)
            text = value or "—"
            if self._fits(text, self.w - self.r_margin - self.get_x()):
                self.cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                self.multi_cell(0, 5.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _fits(self, text: str, width: float) -> bool:
        """Whether ``text`` holds on one line of ``width`` in the current font."""
        room = width - 2 * self.c_margin
        return "\n" not in text and (
            len(text) * self._widest_char() <= room or self.get_string_width(text) <= room
        )

    def paragraph(self, text: str, size: float = 9.5) -> None:
        """Justified text (its last line flush left). The line breaks of a text are computed
        once per document: the same paragraph on 900 letters is broken once, then drawn."""
        self.set_font(FONT, "", size)
        width = self.w - self.r_margin - self.get_x()
        cache = self.__dict__.setdefault("_paragraphs", {})
        for part in text.split("\n"):
            key = (part, self.font_style, size, round(width, 3))
            lines = cache.get(key)
            if lines is None:
                lines = self.multi_cell(width, 5, part, dry_run=True, output="LINES") or [""]
                cache[key] = lines
            x = self.get_x()
            for index, line in enumerate(lines):
                if self.get_y() + 5 > self.page_break_trigger:
                    self.add_page()
                self.set_x(x)
                if index == len(lines) - 1 or " " not in line.strip():
                    self.cell(width, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                else:
                    self._justified(line.strip(), x, width, 5)
        self.ln(1)

    def _justified(self, line: str, x: float, width: float, height: float) -> None:
        """One line stretched to ``width``: its words drawn at computed places (``cell`` cannot
        justify one line, and ``multi_cell`` would break the text again)."""
        words = line.split(" ")
        sizes = [self.get_string_width(w) for w in words]
        room = width - 2 * self.c_margin
        gap = (room - sum(sizes)) / (len(words) - 1)
        y = self.get_y()
        baseline = y + 0.5 * height + 0.3 * self.font_size
        left = x + self.c_margin
        for word, size in zip(words, sizes, strict=True):
            self.text(left, baseline, word)
            left += size + gap
        self.set_xy(self.l_margin, y + height)

    def checklist(self, items: Sequence[tuple[str, bool | None]]) -> None:
        """Lines with a box: ticked (True), empty to tick by hand (None), crossed out (False)."""
        for text, state in items:
            x, y = self.get_x(), self.get_y()
            self.rect(x + 1, y + 1, 3.5, 3.5)
            if state:
                self.set_font(FONT, "B", 9)
                self.text(x + 1.5, y + 4, "✓")
            self.set_x(x + 7)
            self.set_font(FONT, "", 9.5)
            self.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        align: Sequence[str] | None = None,
        row_height: float = 6,
        font_size: float = 9,
    ) -> None:
        """A ruled table whose header is repeated on every page it spans."""
        align = align or ["L"] * len(headers)

        def draw_header() -> None:
            self.set_font(FONT, "B", font_size)
            self.set_fill_color(235, 235, 235)
            for head, width in zip(headers, widths, strict=True):
                self.cell(width, row_height, head, border=1, fill=True, align="C")
            self.ln(row_height)
            self.set_font(FONT, "", font_size)

        draw_header()
        for row in rows:
            self.wrapped_row(row, widths, align, row_height, on_new_page=draw_header)

    def _widest_char(self) -> float:
        """The width of the widest character in the current font (a bound for short texts)."""
        key = (self.font_family, self.font_style, self.font_size_pt)
        cache = self.__dict__.setdefault("_widest", {})
        if key not in cache:
            cache[key] = max(self.get_string_width(c) for c in "WMÆŒ@%—")
        return cache[key]

    def wrapped_row(
        self,
        values: Sequence[str],
        widths: Sequence[float],
        align: Sequence[str],
        line_height: float,
        *,
        border: int | str = 1,
        fill: bool = False,
        on_new_page: Callable[[], None] | None = None,
    ) -> float:
        """One ruled table row whose cells wrap onto more lines instead of being cut; a new
        page first (then ``on_new_page``, to repeat the header) when it would not fit. Its
        height. A row that fits on one line is drawn with plain cells (the common, fast case)."""
        texts = [str(v) for v in values]
        # short values (grades, codes) need no measuring: most cells of a PV
        fits = [self._fits(text, w) for text, w in zip(texts, widths, strict=True)]
        lines = max(
            (len(self.multi_cell(w, line_height, text, dry_run=True, output="LINES"))
             for text, w, fit in zip(texts, widths, fits, strict=True) if not fit),
            default=1,
        )  # fmt: skip
        height = lines * line_height
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
            if on_new_page is not None:
                on_new_page()
        x, y = self.l_margin, self.get_y()
        for text, width, how, fit in zip(texts, widths, align, fits, strict=True):
            self.set_xy(x, y)
            if lines == 1:
                self.cell(width, height, text, border=border, align=how, fill=fill)
            else:
                if border or fill:
                    self.rect(x, y, width, height, style="DF" if fill else "D")
                if fit:  # a short cell of a tall row: its one line, at the top
                    self.cell(width, line_height, text, align=how)
                else:
                    self.multi_cell(width, line_height, text, align=how, new_x="RIGHT",
                                    new_y="TOP")  # fmt: skip
            x += width
        self.set_xy(self.l_margin, y + height)
        return height

    def window_address(self, lines: Sequence[str]) -> None:
        """The postal address where the window of a DL / C5 envelope shows it (100 × 45 mm,
        20 mm from the right edge, 45 mm from the top); the text goes on under the window."""
        self.set_font(FONT, "", 10)
        self.set_xy(WINDOW_X + 4, WINDOW_Y + 6)
        for line in lines:
            self.set_x(WINDOW_X + 4)
            self.multi_cell(WINDOW_W - 8, 5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(self.l_margin, WINDOW_Y + WINDOW_H + 2)

    def signature_block(self, labels: Sequence[str], height: float = 22) -> None:
        """Boxes side by side for dates and signatures."""
        if self.get_y() + height + 8 > self.page_break_trigger:
            self.add_page()
        width = (self.w - self.l_margin - self.r_margin) / len(labels)
        y = self.get_y() + 2
        for index, label in enumerate(labels):
            x = self.l_margin + index * width
            self.set_xy(x, y)
            self.set_font(FONT, "", 8.5)
            self.cell(width - 3, 5, label)
            self.rect(x, y + 5, width - 3, height)
        self.set_xy(self.l_margin, y + height + 8)
        self.set_font(FONT, "", 10)


def new_document(
    title: str,
    *,
    session_year: int | None = None,
    academie: str | Letterhead,
    orientation: str = "P",
) -> BaktuiPDF:
    """A document with the fonts embedded once; add one page (group) per person in a batch."""
    return BaktuiPDF(title, session_year=session_year, academie=academie, orientation=orientation)


def save(pdf: FPDF, path: str | Path) -> Path:
    """Write the PDF to ``path``: the service gives the temporary file it then renames, with the
    configured rights (:func:`baktui.data.files.write_file`)."""
    target = Path(path)
    target.write_bytes(bytes(pdf.output()))
    return target


def fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten ``text`` with an ellipsis so that it fits in a cell of ``width`` mm."""
    limit = width - 2
    if pdf.get_string_width(text) <= limit:
        return text
    while text and pdf.get_string_width(text + "…") > limit:
        text = text[:-1]
    return text.rstrip() + "…"
