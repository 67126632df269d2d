"""F7 readiness board widget (issue 13, « before »), driven with Pilot in a tiny host app, and
``open_fix`` in the real app on the demo: keys, Entrée posts Fix with the line's target, paging,
reload, 80 × 24."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, new_base, pin_login, settle
from readiness_data import BENALI, GARCIA, MARTIN, ROUSSEAU, build_juries, cid
from textual.app import App, ComposeResult

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Anonymat, Candidate, Lot
from baktui.demo import DemoSummary
from baktui.screens.candidate_card import CandidateCardScreen
from baktui.screens.grade_entry import GradeEntryScreen
from baktui.screens.readiness_fix import open_fix
from baktui.services.sessions import open_registre
from baktui.widgets import readiness_board
from baktui.widgets.data_table import DataTable
from baktui.widgets.readiness_board import BLOCKER_COLUMNS, JURY_COLUMNS, ReadinessBoard


class Host(App[None]):
    """What the F7 screen will do: compose the board, load it, handle its Fix messages."""

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.fixes: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield ReadinessBoard(id="readiness")

    def on_mount(self) -> None:
        self.query_one(ReadinessBoard).load(self.session_id)

    def on_readiness_board_fix(self, event: ReadinessBoard.Fix) -> None:
        self.fixes.append(event.target)


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int, int]]:
    pin_login(monkeypatch, "gestionnaire")
    dbmod.open_database(new_base(tmp_path / "bac.sqlite"), create=True)
    try:
        yield build_juries(open_registre(2026).id)
    finally:
        dbmod.close_database()


def _text(app: App[None]) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def _column(table: DataTable[object], index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def test_columns_fit_80_columns() -> None:
    for columns in (JURY_COLUMNS, BLOCKER_COLUMNS):
        assert sum(width for _, width in columns) + 2 * len(columns) <= 78
        assert all(len(header) <= width for header, width in columns)


async def test_board_shows_juries_and_the_highlighted_jurys_lines(
    case: tuple[int, int, int],
) -> None:
    session_id, _, _ = case
    app = Host(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        board = app.query_one(ReadinessBoard)
        juries = board.query_one("#readiness-juries", DataTable)
        assert _column(juries, 0) == ["1", "2"]
        assert _column(juries, 8) == ["6 blocages", "prête"]
        assert (_column(juries, 2), _column(juries, 4)) == (["11", "1"], ["3", "0"])
        lines = board.query_one("#readiness-blockers", DataTable)
        assert lines.row_count == 7 and board.page is not None and board.page.jury_number == 1
        assert _column(lines, 1)[3] == "FRE manquante, lot 5, sans correcteur"
        assert _column(lines, 2)[3] == "F4 lot 5" and _column(lines, 2)[6] == "F2 fiche"
        text = _text(app)
        assert "1 jury prêt sur 2" in text and "Jury 1 : lignes 1 à 7 sur 7" in text
        assert "F4 lot 5" in text and "prête" in text
        await pilot.press("down")  # jury 2: nothing blocks
        await settle(pilot)
        assert board.jury_id == case[2] and lines.row_count == 0
        assert "Jury 2 : rien ne bloque." in _text(app)
        await pilot.press("up", "enter")  # back to jury 1, Entrée: its lines
        await settle(pilot)
        assert app.focused is lines and lines.row_count == 7


async def test_enter_on_a_line_posts_fix_with_its_target(case: tuple[int, int, int]) -> None:
    session_id, _, _ = case
    app = Host(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # into the lines: lot 5 first
        await pilot.press("enter")
        await pilot.pause()
        assert app.fixes == [("grades", 5)]
        board = app.query_one(ReadinessBoard)
        await pilot.press("down", "down", "down")  # Martin's missing FRE, in lot 5
        assert board.current_target() == ("grades", 5)
        assert "MARTIN Léa" in _text(app)  # the whole line, below the table
        await pilot.press("down", "down", "down", "enter")  # the AJ: Rousseau's card
        await pilot.pause()
        assert app.fixes == [("grades", 5), ("card", cid(ROUSSEAU))]
        await pilot.press("up", "enter")  # Benali changed after the run: the card too
        await pilot.pause()
        assert app.fixes[-1] == ("card", cid(BENALI))


async def test_pages_and_reload(
    case: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id, one, _ = case
    monkeypatch.setattr(readiness_board, "PAGE", 3)
    app = Host(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        board = app.query_one(ReadinessBoard)
        lines = board.query_one("#readiness-blockers", DataTable)
        assert lines.row_count == 3 and "page 1/3" in _text(app)
        await pilot.press("plus")
        await settle(pilot)
        assert board.page is not None and board.page.offset == 3 and lines.row_count == 3
        await pilot.press("plus", "plus")  # the last page, then nothing further
        await settle(pilot)
        assert board.page.offset == 6 and lines.row_count == 1
        await pilot.press("minus")
        await settle(pilot)
        assert board.page.offset == 3
        # the slips are closed elsewhere: r reads the board again
        Lot.update(state="saisi").execute()
        await pilot.press("r")
        await settle(pilot)
        juries = board.query_one("#readiness-juries", DataTable)
        assert _column(juries, 5) == ["0", "0"] and _column(juries, 8)[0] == "4 blocages"
        assert board.jury_id == one and board.page.total == 5
        await pilot.press("plus")  # page 2 of 2, then the lines shrink under it: page 1
        await settle(pilot)
        assert board.page.offset == 3
        Candidate.update(jury=None).where(Candidate.jury == one).execute()
        await pilot.press("r")
        await settle(pilot)
        assert board.page.offset == 0 and board.page.total == 0
        assert "Jury 1 : rien ne bloque." in _text(app)


async def test_open_fix_opens_the_lot_in_f4_or_the_card(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = demo_file
    copy = copy_base(path, tmp_path / "demo.sqlite")
    pin_login(monkeypatch, "gestionnaire")
    app = BaktuiApp(str(copy))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lot = Lot.select().join(Anonymat).order_by(Lot.number).first()
        open_fix(app, ("grades", lot.number))
        await settle(pilot)
        assert app.current_mode == "grades"
        screen = app.screen
        assert isinstance(screen, GradeEntryScreen)
        assert screen.editor is not None and screen.editor.lot_number == lot.number
        candidate = Candidate.select().order_by(Candidate.id).first()
        open_fix(app, ("card", candidate.id))
        await settle(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        assert candidate.last_name.upper() in _text(app)
    with pytest.raises(ValueError):
        open_fix(app, ("ailleurs", 1))


def test_case_candidates_are_where_the_tests_expect(case: tuple[int, int, int]) -> None:
    """The hand-built case itself: Garcia alone in jury 2, Martin in jury 1."""
    _, one, two = case
    assert Candidate.get_by_id(cid(GARCIA)).jury_id == two
    assert Candidate.get_by_id(cid(MARTIN)).jury_id == one
