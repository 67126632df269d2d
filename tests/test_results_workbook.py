"""resultats.xlsx as colleagues expect it (issue 19): French headers, the average a number with
its format, frozen header, filter, widths, A4 landscape with the header repeated; streamed."""

from __future__ import annotations

from pathlib import Path

from helpers import assert_office_workbook
from openpyxl import load_workbook

from baktui.exports.results import write_results


def test_the_results_workbook_is_laid_out_for_people(tmp_path: Path) -> None:
    rows = [
        ("0701234561A", "Martin", "Léa", "STMG", "12,17", "ADMIS", "AB", "260000001", "3"),
        ("0701234562B", "Nguyen", "Thomas", "STI2D", "", "INCOMPLET", "", "260000002", ""),
    ]
    out = tmp_path / "resultats.xlsx"
    assert write_results(out, iter(rows)) == 2  # a generator: written as it comes
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == ["INE", "Nom", "Prénom", "Série", "Moyenne", "Décision",
                                        "Mention", "N° candidat", "Jury"]  # fmt: skip
    assert all(c.font.bold for c in ws[1])
    assert (ws.freeze_panes, ws.auto_filter.ref) == ("A2", "A1:I3")
    assert ws.column_dimensions["B"].width >= 20 and ws.column_dimensions["A"].width >= 12
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)  # 9: A4
    assert ws.print_title_rows == "$1:$1"
    average = ws["E2"]
    assert (average.value, average.data_type, average.number_format) == (12.17, "n", "0.00")
    assert ws["H2"].value == "260000001" and ws["H2"].data_type == "s"  # a number as typed
    assert_office_workbook(out)
    assert (ws["F3"].value, ws["E3"].value, ws["I3"].value) == ("Incomplet", None, None)
