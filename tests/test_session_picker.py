"""Switching sessions in the application (issue 16): « s » on the home screen (or the palette)
lists the base's sessions; every screen then shows the chosen one, the status line says which;
``baktui --session 2026 --kind remplacement`` opens the application on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import burst, drained, new_base, pin_login

from baktui.app import BaktuiApp
from baktui.cli import main
from baktui.data import db as dbmod
from baktui.screens.home import HomeScreen
from baktui.screens.registrations import RegistrationsScreen
from baktui.services.sessions import list_sessions, require_session
from baktui.widgets.dialogs import ChoiceModal

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def two_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """June's session with the sample candidates, then an empty September session."""
    pin_login(monkeypatch, "gestionnaire")
    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    for kind in ("etablissements", "candidats"):
        assert main(["--db", str(db), "import", kind, str(SAMPLES / f"{kind}.csv")]) == 0
    assert main(["--db", str(db), "init", "--session", "2026", "--kind", "remplacement"]) == 0
    dbmod.close_database()
    return db


def text_of(app: BaktuiApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_picker_moves_every_screen_to_the_chosen_session(two_sessions: Path) -> None:
    dbmod.open_database(str(two_sessions))
    june = require_session(2026, "normale")
    september = require_session(2026, "remplacement")
    assert len(list_sessions()) == 2
    dbmod.close_database()
    app = BaktuiApp(str(two_sessions), session_id=september.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await drained(pilot)
        assert app.session is not None and app.session.id == september.id
        assert "session 2026 (remplacement)" in text_of(app)
        burst(app, ["f3"])  # a screen shown on September's session…
        await drained(pilot)
        f3_before = app.screen
        assert isinstance(f3_before, RegistrationsScreen)
        burst(app, ["f10", "s"])
        await drained(pilot)
        picker = app.screen
        assert isinstance(picker, ChoiceModal)
        assert [key for key, _ in picker.choices] == [str(june.id), str(september.id)]
        burst(app, ["up", "enter"])  # June's (the list opens on the session shown)
        await drained(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is not None and app.session.id == june.id
        text = text_of(app)
        assert "session 2026 ·" in text and "(remplacement)" not in text
        assert "Total" in text and " 12" in text  # June's twelve candidates counted
        burst(app, ["f3"])  # …is rebuilt on June's
        await drained(pilot)
        assert isinstance(app.screen, RegistrationsScreen) and app.screen is not f3_before


async def test_one_session_only_says_so(tmp_path: Path) -> None:
    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    dbmod.close_database()
    app = BaktuiApp(str(db))
    async with app.run_test(size=(80, 24)) as pilot:
        await drained(pilot)
        burst(app, ["s"])
        await drained(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any("qu'une session" in n.message for n in app._notifications)


def test_the_cli_refuses_an_unknown_session(two_sessions: Path, capsys) -> None:
    assert main(["--db", str(two_sessions), "--session", "2019"]) == 1
    assert "2019" in capsys.readouterr().err
