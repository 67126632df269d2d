"""Snapshots of the home screen at 80x24 (pytest-textual-snapshot).

The data, the registry, the login, the clock and the database name are fixed, so the pictures
change only when the screen does. After a deliberate change: ``pytest tests/test_snapshots.py
--snapshot-update``, then look at the SVG files in ``tests/__snapshots__/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import pin_login
from home_data import populate
from textual.pilot import Pilot

from baktui.app import BaktuiApp
from baktui.screens import home, registry
from baktui.services.sessions import SessionInfo

pytestmark = pytest.mark.sqlite_only(
    "la capture d'écran montre le nom du fichier de la base dans la ligne d'état"
)

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    """Same picture on every machine: no clock, no real login, a relative database name."""
    monkeypatch.setattr(registry, "SCREENS", (registry.entry("home"),))
    monkeypatch.setattr(home, "clock", lambda: "10:30:00")
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.chdir(Path(db_path).parent)


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_home_with_counts(snap_compare: SnapCompare, db_path: Path, session: SessionInfo) -> None:
    populate(session.id)
    assert snap_compare(BaktuiApp(Path(db_path).name), terminal_size=(80, 24), run_before=settle)


def test_home_without_session(snap_compare: SnapCompare, db_path: Path) -> None:
    assert snap_compare(BaktuiApp(Path(db_path).name), terminal_size=(80, 24), run_before=settle)


def test_help_of_home(snap_compare: SnapCompare, db_path: Path, session: SessionInfo) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(BaktuiApp(Path(db_path).name), terminal_size=(80, 24), run_before=open_help)
