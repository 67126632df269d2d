"""A batch of letters is numbered per letter, and every PDF is set in French typography."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from baktui.exports.pdf import new_document, save


def test_letters_of_a_batch_are_numbered_each_from_page_1(tmp_path: Path) -> None:
    pdf = new_document("Convocation", session_year=2026, academie="Académie de Lyon")
    for letter in range(3):
        pdf.begin_letter()
        for _ in range(60 if letter == 1 else 1):  # the second letter runs over two pages
            pdf.paragraph("Vous êtes convoquée : l'épreuve a lieu à 08:00.")
    path = save(pdf, tmp_path / "lettres.pdf")
    pages = [page.extract_text() for page in PdfReader(str(path)).pages]
    footers = [text.strip().splitlines()[-1] for text in pages]
    assert [f.split("—")[-2:] for f in footers] == [
        [f" édité le {pdf.issued_on:%d/%m/%Y} n° {n} ", f" page {p}"]
        for n, p in ((1, 1), (2, 1), (2, 2), (3, 1))
    ]
    assert "convoquée\u202f: l’épreuve a lieu à 08:00." in pages[0]
    assert "page 1/4" not in "".join(pages)


def test_the_lists_of_admitted_are_numbered_per_centre_under_the_letterhead(
    tmp_path: Path,
) -> None:
    from baktui.exports.admitted import AdmittedCentre, write_admitted_pdf

    centres = [
        AdmittedCentre("C001", "Lycée Ampère", (("STMG", "MARTIN", "Léa"),)),
        AdmittedCentre("C002", "Lycée du Parc", (("STL", "NGUYEN", "Thomas"),)),
    ]
    path = write_admitted_pdf(tmp_path / "admis.pdf", centres, title="Liste des admis",
                              session_year=2026, academie="Académie de Lyon")  # fmt: skip
    pages = [page.extract_text() for page in PdfReader(str(path)).pages]
    assert [text.strip().splitlines()[-1].split("—")[-1] for text in pages] == [
        " page 1", " page 1"
    ]  # fmt: skip
    assert "n° 1 — page 1" in pages[0] and "n° 2 — page 1" in pages[1]
    assert all(t.startswith("RÉPUBLIQUE FRANÇAISE\nAcadémie de Lyon") for t in pages)
    assert "page 1/2" not in "".join(pages)
