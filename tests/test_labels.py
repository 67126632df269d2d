"""Label sheets (issue 15): the layout is a setting that must fit on A4; table labels name the
candidate, épreuve, room and seat; anonymity labels carry the number, never a name."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from baktui.exports.labels import AnonymityLabel, TableLabel, write_labels
from baktui.rules.labels import DEFAULT_LAYOUT, parse_layout


def test_the_default_sheet_is_three_by_eight_on_a4() -> None:
    layout = parse_layout(DEFAULT_LAYOUT)
    assert (layout.columns, layout.rows, layout.per_sheet) == (3, 8, 24)
    assert layout.position(0) == (Decimal(0), Decimal("0.5"))
    assert layout.position(4) == (Decimal(70), Decimal("37.5"))  # row 2, column 2
    assert layout.position(23) == (Decimal(140), Decimal("259.5"))  # the last label of a sheet
    assert layout.position(24) == layout.position(0)  # the next sheet


@pytest.mark.parametrize(
    ("text", "message"),
    [("3x9 70x37", "ne tiennent pas"), ("trois", "attendu COLONNESxLIGNES"),
     ("0x8 70x37", "non nulles"), ("4x8 70x37", "ne tiennent pas")],
)  # fmt: skip
def test_a_layout_that_does_not_fit_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_layout(text)


def test_label_sheets_hold_what_they_say(tmp_path: Path) -> None:
    layout = parse_layout("2x4 105x74,25 0 0")
    tables = [TableLabel(f"NOM{i} Prénom", f"2600000{i:02d}", "PHI Philosophie", "A101", i)
              for i in range(1, 10)]  # fmt: skip
    out = write_labels(tmp_path / "t.pdf", tables, layout, title="Étiquettes de table",
                       session_year=2026, academie="Académie de Lyon")  # fmt: skip
    pages = [p.extract_text() for p in PdfReader(str(out)).pages]
    assert len(pages) == 2  # 9 labels, 8 per sheet
    assert "NOM1 Prénom" in pages[0] and "Salle A101 — place 8" in pages[0]
    assert "NOM9 Prénom" in pages[1] and "Académie" not in pages[0]  # no letterhead on labels
    anonymous = [AnonymityLabel(f"{i:08d}", "PHI", 12) for i in range(30)]
    out = write_labels(tmp_path / "a.pdf", anonymous, parse_layout(DEFAULT_LAYOUT),
                       title="Étiquettes d'anonymat", session_year=2026,
                       academie="Académie de Lyon")  # fmt: skip
    pages = [p.extract_text() for p in PdfReader(str(out)).pages]
    assert len(pages) == 2 and "00000000" in pages[0] and "PHI — lot 12" in pages[0]
    assert "00000029" in pages[1]


def test_label_sheets_tell_their_progress_sheet_by_sheet(tmp_path: Path) -> None:
    """``baktui documents etiquettes-…``'s bar: the labels drawn, before each sheet, then all."""
    labels = [AnonymityLabel(f"{i:08d}", "PHI", 12) for i in range(20)]
    told: list[tuple[int, int]] = []
    write_labels(tmp_path / "a.pdf", labels, parse_layout("2x4 105x74,25 0 0"), title="É",
                 session_year=2026, academie="A", progress=lambda d, t: told.append((d, t)))  # fmt: skip
    assert told == [(0, 20), (8, 20), (16, 20), (20, 20)]
