"""F4 Ctrl+E: give the lot shown to a correcteur, through the examiner picker (Pilot, demo)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, settle, small_demo
from test_grade_entry_screen import _open_lot, _screen_text
from textual.widgets import Input

from baktui.app import BaktuiApp
from baktui.data.models import Anonymat, AuditLog, Candidate, Examiner, Lot
from baktui.rules.examiners import teaches
from baktui.screens.grade_entry import GradeEntryScreen
from baktui.services.lots import examiner_name
from baktui.widgets.data_table import DataTable
from baktui.widgets.entry_line import EntryLine
from baktui.widgets.examiner_picker import ExaminerPicker


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield small_demo(tmp_path_factory.mktemp("demo"))[0]


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    target = copy_base(demo_template, tmp_path / "demo.sqlite")
    return target


def _candidates_for(lot: Lot) -> tuple[Examiner, Examiner]:
    """A correcteur of the lot's épreuve teaching in a copy's lycée, and one who does not."""
    etabs = {
        etab
        for (etab,) in Candidate.select(Candidate.etablissement)
        .join(Anonymat, on=(Anonymat.candidate == Candidate.id))
        .where(Anonymat.lot == lot.id)
        .tuples()
        if etab is not None
    }
    markers = [
        e
        for e in Examiner.select().where(Examiner.active == True).order_by(Examiner.id)  # noqa: E712
        if teaches(e.disciplines, lot.epreuve_code, ()) and e.id != lot.correcteur_id
    ]
    clash = next(e for e in markers if e.etablissement_id in etabs)
    free = next(e for e in markers if e.etablissement_id not in etabs)
    return clash, free


async def _pick(pilot, examiner: Examiner) -> None:  # noqa: ANN001
    picker = pilot.app.screen
    assert isinstance(picker, ExaminerPicker)
    picker.query_one("#picker-query", Input).value = examiner.name_key
    await settle(pilot)
    table = picker.query_one("#picker-table", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(examiner.id)))
    await pilot.press("enter")
    await settle(pilot)


async def test_ctrl_e_refuses_own_lycee_then_assigns(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        lot = _open_lot()
        clash, free = _candidates_for(lot)
        before = lot.correcteur_id
        await settle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GradeEntryScreen)
        # one burst: the lot number, Entrée and Ctrl+E typed before the slip is read
        await pilot.press(*str(lot.number), "enter", "ctrl+e")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ExaminerPicker)
        assert picker.query_one("#picker-query", Input).value == lot.epreuve_code
        assert f"lot {lot.number}" in picker.dialog_title

        # a teacher of a copy's lycée: refused with the French reason, nothing written
        await _pick(pilot, clash)
        assert app.screen is screen
        message = str(screen.query_one("#entry-message", EntryLine).text)
        assert "enseigne dans l'établissement" in message and str(lot.number) in message
        assert Lot.get_by_id(lot.id).correcteur_id == before

        await pilot.press("ctrl+e")
        await settle(pilot)
        await _pick(pilot, free)
        assert Lot.get_by_id(lot.id).correcteur_id == free.id
        entry = (
            AuditLog.select()
            .where(
                (AuditLog.entity == "lot")
                & (AuditLog.entity_id == str(lot.id))
                & (AuditLog.field == "correcteur")
            )
            .order_by(AuditLog.id.desc())
            .first()
        )
        assert entry.after == str(free.id) and entry.before == str(before)
        name = examiner_name(free)
        assert name in str(screen.query_one("#lot-detail", EntryLine).text)
        assert f"confié à {name}" in str(screen.query_one("#entry-message", EntryLine).text)
        assert name[:20] in _screen_text(app)
        # the grid still takes the grades of the slip
        assert app.focused is screen.grid
