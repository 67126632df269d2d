"""Files that went through Excel or LibreOffice (issue 19): a date cell saved as CSV gains a
midnight time (accepted), a postcode or a phone read as a number loses its leading 0 (refused,
the message says a spreadsheet did it and what the value was)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import new_base

from baktui.data import db as dbmod
from baktui.data.models import Candidate
from baktui.rules.identifiers import parse_date_fr, phone_error, postcode_error
from baktui.services.imports import run_import
from baktui.services.sessions import open_registre

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.mark.parametrize(
    "text", ["2008-03-14 00:00:00", "2008-03-14 0:00:00", "2008-03-14T00:00:00",
             "14/03/2008 00:00", "14/03/2008"],
)  # fmt: skip
def test_a_date_with_a_midnight_time_is_the_date(text: str) -> None:
    assert parse_date_fr(text) == dt.date(2008, 3, 14)


def test_a_date_with_another_time_is_refused() -> None:
    with pytest.raises(ValueError, match="JJ/MM/AAAA"):
        parse_date_fr("2008-03-14 12:30:00")


def test_the_leading_zero_a_spreadsheet_removed_is_named() -> None:
    assert "retiré le 0 initial (01000)" in (postcode_error("1000") or "")
    assert "retiré le 0 initial (0612345678)" in (phone_error("612345678") or "")
    assert postcode_error("01000") is None and phone_error("06 12 34 56 78") is None
    assert postcode_error("123") == "code postal « 123 » : 5 chiffres attendus"


def test_a_candidates_file_saved_by_a_spreadsheet(tmp_path: Path) -> None:
    dbmod.open_database(new_base(tmp_path / "bac.sqlite"), create=True)
    session_id = open_registre(2026).id
    assert run_import("etablissements", session_id, SAMPLES / "etablissements.csv").ok
    lines = (SAMPLES / "candidats.csv").read_text(encoding="utf-8-sig").splitlines()
    header, first, *rest = lines
    cells = first.split(";")
    cells[3] = "2008-03-14 00:00:00"  # date_naissance as LibreOffice writes a date cell
    cells[13] = "1000"  # code_postal: 01000 read as a number
    damaged = tmp_path / "candidats-tableur.csv"
    damaged.write_text("\n".join([header, ";".join(cells), *rest]) + "\n", encoding="utf-8")
    report = run_import("candidats", session_id, damaged)
    assert not report.ok and Candidate.select().count() == 0  # all or nothing
    text = report.render()
    assert "ligne 2" in text and "code_postal" in text and "retiré le 0 initial (01000)" in text
    assert "date_naissance" not in text  # the midnight time was no error
    cells[13] = "01000"
    damaged.write_text("\n".join([header, ";".join(cells), *rest]) + "\n", encoding="utf-8")
    assert run_import("candidats", session_id, damaged).ok
    assert Candidate.get(Candidate.ine == cells[0]).birth_date == dt.date(2008, 3, 14)
    dbmod.close_database()
