"""Every document the app issues reaches the browser under baktui serve (deliver_binary), from
whichever screen, through the one helper BaktuiApp.deliver_document; in a terminal, none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, office_screens, settle, type_text
from textual.pilot import Pilot

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.demo import DemoSummary
from baktui.screens.candidate_card import CandidateCardScreen
from baktui.services import documents
from baktui.widgets.dialogs import ConfirmModal


@pytest.fixture
def demo(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    office_screens(monkeypatch, tmp_path)
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    yield path
    dbmod.close_database()


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str | None]]:
    """What the app handed to Textual's deliver_binary, the app made to run in a browser."""
    sent: list[tuple[Path, str | None]] = []
    monkeypatch.setattr(BaktuiApp, "is_web", property(lambda self: True))

    def deliver_binary(self: BaktuiApp, path: Path, *, save_filename: str | None = None,
                       **kwargs: object) -> str:  # fmt: skip
        sent.append((Path(path), save_filename))
        return "cle"

    monkeypatch.setattr(BaktuiApp, "deliver_binary", deliver_binary)
    return sent


def notices(app: BaktuiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_first_candidate(pilot: Pilot[None]) -> None:
    await pilot.press("f2")
    await settle(pilot)
    await type_text(pilot, "a")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CandidateCardScreen)


async def test_documents_of_two_screens_go_to_the_browser(
    demo: Path, tmp_path: Path, delivered: list[tuple[Path, str | None]]
) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_first_candidate(pilot)
        await pilot.press("p")  # the card's confirmation
        await settle(pilot)
        assert len(delivered) == 1
        path, name = delivered[0]
        assert path.parent == tmp_path / "documents" and path.exists()
        assert name == path.name and name.startswith("confirmation-inscription-")
        assert f"{name} : envoyé au navigateur (dossier des téléchargements)." in notices(app)
        await pilot.press("f3", "p")  # every individual candidate's, from F3
        await settle(pilot)
        if isinstance(app.screen, ConfirmModal):
            await pilot.press("o")
            await settle(pilot)
        assert len(delivered) == 2
        assert "individuels" in delivered[1][0].name and delivered[1][0].exists()
    assert documents._receivers == []  # the app gone, nothing is sent any more


async def test_a_terminal_app_sends_nothing(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[object] = []
    monkeypatch.setattr(BaktuiApp, "deliver_binary", lambda self, *a, **k: sent.append(a))
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_first_candidate(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert any(n.startswith("Confirmation écrite") for n in notices(app))
    assert sent == []
