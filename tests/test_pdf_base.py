"""The shared PDF base embeds a Unicode font (the file is written by the service: test_files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from baktui.exports.pdf import euros, french_date, new_document, save


def test_document_embeds_dejavu_and_prints_french_names(tmp_path: Path) -> None:
    pdf = new_document("Confirmation d’inscription", session_year=2026, academie="Académie de Lyon")
    pdf.add_page()
    pdf.title_block("Confirmation d’inscription", "Cœur Hélène")
    pdf.table(["N°", "Note"], [[str(i), ""] for i in range(50)], [30, 30])
    out = save(pdf, tmp_path / "doc.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"DejaVu" in data
    assert pdf.page_no() == 2  # the table spilled onto a second page, header repeated


def test_french_formats() -> None:
    assert french_date(dt.date(2026, 6, 15)) == "lundi 15 juin 2026"
    assert euros(1234567) == "12 345,67 €"
    assert euros(5) == "0,05 €"
    assert euros(-960) == "-9,60 €"
