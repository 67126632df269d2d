"""Snapshots of the key working screens at 80x24, on the small deterministic demo.

F4 (a grade slip) is the screen used most in June. (F5's board and F6's queue show days counted
from today, so they are checked by Pilot tests, not pictures.) After a deliberate change: ``pytest tests/test_snapshots_screens.py
--snapshot-update``, then look at the SVG files in ``tests/__snapshots__/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import pin_login
from textual.pilot import Pilot
from textual.widgets import Input

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.demo import build_demo

pytestmark = pytest.mark.sqlite_only(
    "la capture d'écran montre le nom du fichier de la base dans la ligne d'état"
)

SnapCompare = Callable[..., bool]


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The 600-candidate demo (seed 7), opened from its folder under a fixed login."""
    path = tmp_path / "demo.sqlite"
    build_demo(str(path), seed=7, candidates=600)
    dbmod.close_database()
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.chdir(tmp_path)
    return path.name


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_grade_slip_open(snap_compare: SnapCompare, demo_db: str) -> None:
    async def open_slip(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("3", "enter")
        await settle(pilot)

    assert snap_compare(BaktuiApp(demo_db), terminal_size=(80, 24), run_before=open_slip)


def test_organisation_jury_form(snap_compare: SnapCompare, demo_db: str) -> None:
    """F9, the juries' list, jury 1's form open (the bureau and members by identifier)."""

    async def open_jury(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for box in pilot.app.screen.query(Input):  # a blinking cursor is no difference
            box.cursor_blink = False
        await pilot.pause()

    assert snap_compare(BaktuiApp(demo_db), terminal_size=(80, 24), run_before=open_jury)


def test_jury_deliberation_candidate(snap_compare: SnapCompare, demo_db: str) -> None:
    """F7, jury 1 deliberated and opened, its first candidate's file (averages, aids)."""
    from baktui.services.deliberation import deliberate_session
    from baktui.services.sessions import current_session

    dbmod.open_database(demo_db)
    deliberate_session(current_session().id, workers=0)
    dbmod.close_database()

    async def open_candidate(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(BaktuiApp(demo_db), terminal_size=(80, 24), run_before=open_candidate)
