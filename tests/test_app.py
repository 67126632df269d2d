"""The app shell, driven headless at 80x24: home counts, F1 help, modes, Escape, phase, quit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import pin_login
from home_data import EXPECTED, populate
from textual.command import CommandPalette
from textual.pilot import Pilot

from baktui.app import BaktuiApp
from baktui.data import counters
from baktui.data.db import write_transaction
from baktui.data.models import AuditLog, Candidate, SchemaVersion
from baktui.screens import registry
from baktui.screens.base import BaktuiScreen
from baktui.screens.help import HelpScreen
from baktui.screens.home import HomeScreen
from baktui.services.sessions import SessionInfo
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal

HOME_ONLY = (registry.entry("home"),)
# A second mode for the tests: the bare base screen is a valid, empty screen.
TEST_MODE = registry.ScreenEntry(
    "essai", "f9", "Essai", "baktui.screens.base:BaktuiScreen", "Écran d'essai"
)
REGISTRATIONS = registry.ScreenEntry(
    "registrations", "f3", "Inscr.", "baktui.screens.base:BaktuiScreen", "Inscriptions"
)


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the screens a test registers exist; the login shown is fixed."""
    monkeypatch.setattr(registry, "SCREENS", HOME_ONLY)
    pin_login(monkeypatch, "gestionnaire")


async def settle(pilot: Pilot[None]) -> None:
    """Let the workers finish and their results reach the screen."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(pilot: Pilot[None]) -> str:
    """The terminal as the user sees it, as plain text."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def numbers(text: str, label: str) -> list[int]:
    """The integers on the line that starts with ``label`` (thousands separated by a thin space)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(label):
            cells = re.findall(r"\d+(?:\u202f\d{3})*", stripped[len(label) :])
            return [int(c.replace("\u202f", "")) for c in cells]
    raise AssertionError(f"{label!r} not on screen:\n{text}")


async def test_home_shows_the_counts_of_the_database(db_path: Path, session: SessionInfo) -> None:
    populate(session.id)
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.title == "baktui — Session 2026"
        assert "session 2026 · Inscriptions" in screen_text(pilot)
        text = screen_text(pilot)
        series = EXPECTED["series"]
        assert numbers(text, "Scolaires") == [s for s, _ in series.values()] + [6]
        assert numbers(text, "Individuels") == [i for _, i in series.values()] + [3]
        assert numbers(text, "Total")[-1] == EXPECTED["candidates"]
        assert numbers(text, "Inscriptions à vérifier")[0] == EXPECTED["to_check"]
        assert numbers(text, "dont LVB manquante")[0] == EXPECTED["missing_lvb"]
        assert numbers(text, "sans centre d'examen")[0] == EXPECTED["missing_centre"]
        assert numbers(text, "Notes manquantes (1er groupe)")[0] == EXPECTED["grades_missing"]
        assert numbers(text, "Lots non saisis")[0] == EXPECTED["lots_open"]
        assert numbers(text, "Absences sans remplaçant")[0] == EXPECTED["absences_open"]
        assert numbers(text, "États de frais en attente")[0] == 3
        # the status line: who, which session, which base
        assert "gestionnaire │ session 2026 · Inscriptions │ base" in text
        # the footer: F1, the palette and quit; no key for the screen you are on
        assert "F1 Aide" in text and "Ctrl+P Commandes" in text and "Ctrl+Q Quitter" in text
        assert "F10 Accueil" not in text


async def test_results_block_after_deliberation(db_path: Path, session: SessionInfo) -> None:
    populate(session.id)
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        admis_line = next(line for line in text.splitlines() if "Admis" in line)
        assert admis_line.rstrip().endswith("2")
        ajournes = next(line for line in text.splitlines() if "Ajournés" in line)
        assert ajournes.rstrip().endswith("1")
        bien = next(line for line in text.splitlines() if "dont bien" in line)
        assert bien.rstrip().endswith("1")


async def test_refresh_key_reads_the_database_again(db_path: Path, session: SessionInfo) -> None:
    ids = populate(session.id)
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert numbers(screen_text(pilot), "Inscriptions à vérifier")[0] == 3
        # a colleague's baktui validates a registration in the shared base
        with write_transaction(), counters.tracking([ids[2]]):
            Candidate.update(state="validee").where(Candidate.id == ids[2]).execute()
        await pilot.press("r")
        await settle(pilot)
        assert numbers(screen_text(pilot), "Inscriptions à vérifier")[0] == 2


async def test_todo_rows_show_the_key_of_an_existing_screen(
    db_path: Path, session: SessionInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "SCREENS", (*HOME_ONLY, REGISTRATIONS))
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        inscriptions = next(line for line in text.splitlines() if "Inscriptions à vérifier" in line)
        assert re.search(r"\s0\s+F3\s", inscriptions), inscriptions
        notes = next(line for line in text.splitlines() if "Notes manquantes" in line)
        assert "F4" not in notes  # no grade screen registered
        assert "F3 Inscr." in text  # and its key is in the footer


async def test_f1_opens_the_help_and_escape_closes_it(db_path: Path, session: SessionInfo) -> None:
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        markdown = pilot.app.screen.markdown
        assert "tableau de bord" in markdown
        assert "**r** : Actualiser" in markdown
        assert "**F1** : Aide" in markdown
        assert "Ctrl+Q" in markdown
        text = screen_text(pilot)
        assert "Aide — Accueil" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        # F1 again opens it, F1 closes it too
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_modes_keep_their_screen_and_escape_goes_home(
    db_path: Path, session: SessionInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "SCREENS", (*HOME_ONLY, TEST_MODE))
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        assert app.current_mode == "home"
        await pilot.press("f9")
        await pilot.pause()
        assert app.current_mode == "essai"
        first = app.screen
        assert isinstance(first, BaktuiScreen) and not isinstance(first, HomeScreen)
        assert "F10 Accueil" in screen_text(pilot)
        await pilot.press("f10")
        await pilot.pause()
        assert app.current_mode == "home"
        await pilot.press("f9")
        await pilot.pause()
        assert app.screen is first  # the mode's stack is kept
        # a dialog must be answered first: F-keys do nothing behind it
        answers: list[bool | None] = []
        app.push_screen(ConfirmModal("Vraiment ?"), answers.append)
        await pilot.pause()
        await pilot.press("f10")
        await pilot.pause()
        assert app.current_mode == "essai" and isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await pilot.pause()
        assert answers == [False]
        # Escape on the root screen of a mode goes back home
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "home"
        assert isinstance(app.screen, HomeScreen)


async def test_phase_change_is_chosen_confirmed_and_written(
    db_path: Path, session: SessionInfo
) -> None:
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("down", "down", "down", "down", "enter")  # Délibérations
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Délibérations" in app.screen.question
        await pilot.press("o")
        await settle(pilot)
        assert app.session is not None and app.session.phase == "deliberation"
        assert app.title == "baktui — Session 2026"
        assert "session 2026 · Délibérations" in screen_text(pilot)
    entry = AuditLog.select().where(AuditLog.field == "phase").get()
    assert (entry.before, entry.after, entry.who) == (
        "inscriptions",
        "deliberation",
        "gestionnaire",
    )


async def test_command_palette_lists_screens_and_actions(
    db_path: Path, session: SessionInfo
) -> None:
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles[0] == "Accueil (F10)"
        for title in ("Aide (F1)", "Changer de phase", "Actualiser les compteurs (r)"):
            assert title in titles
        assert titles[-1] == "Quitter (Ctrl+Q)"
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_ctrl_q_quits(db_path: Path, session: SessionInfo) -> None:
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")  # out of habit: a hint, not a quit
        await pilot.pause()
        assert app.return_code is None
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


async def test_no_session_explains_how_to_create_one(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "SCREENS", (*HOME_ONLY, TEST_MODE))
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "Aucune session n'est ouverte dans cette base." in text
        assert "init --session 2026" in text
        assert pilot.app.title == "baktui — aucune session"
        assert "aucune session" in text
        assert "Phase" not in text  # nothing to change without a session
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        # the other screens work on a session: not offered until there is one
        assert "F9" not in text
        await pilot.press("f9")
        await pilot.pause()
        assert pilot.app.current_mode == "home"


async def test_newer_database_is_refused_in_french(
    db_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    SchemaVersion.create(version=99, applied_at="2030-01-01T00:00:00+00:00")
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert app.return_code == 1
    assert "plus récent que ce baktui" in capfd.readouterr().err


def test_keys_are_shown_as_on_a_french_keyboard(tmp_path: Path) -> None:
    from textual.binding import Binding

    app = BaktuiApp(str(tmp_path / "jamais-ouverte.sqlite"))
    shown = {
        key: app.get_key_display(Binding(key, "x"))
        for key in ("f1", "f10", "ctrl+q", "escape", "enter", "shift+tab", "r", "question_mark")
    }
    assert shown == {
        "f1": "F1",
        "f10": "F10",
        "ctrl+q": "Ctrl+Q",
        "escape": "Échap",
        "enter": "Entrée",
        "shift+tab": "Maj+Tab",
        "r": "r",
        "question_mark": "?",
    }
    assert not (tmp_path / "jamais-ouverte.sqlite").exists()  # opened on mount only


def test_status_line_names_the_base_by_its_file() -> None:
    from baktui.widgets.status_bar import database_name, status_text

    session = SessionInfo(1, 2026, "remplacement", "epreuves", "Session 2026")
    text = status_text("m.durand", session, "/srv/dec/bac2026.sqlite").plain
    assert text == "m.durand │ session 2026 (remplacement) · Épreuves │ base bac2026.sqlite"
    assert database_name("sqlite:///srv/dec/bac.sqlite") == "bac.sqlite"
    assert database_name("postgresql://dec@serveur/bac") == "postgresql://dec@serveur/bac"


def test_palette_words_match_without_accents_or_capitals() -> None:
    from baktui.widgets.palette import score

    assert score("theme", "Changer de thème") == 1.0
    assert score("DELIB", "Délibération (F7)") == 1.0
    assert score("notes manq", "Notes (F4)", "notes manquantes par lot") == 0.75
    assert score("xyz", "Changer de thème") == 0.0
    assert score("", "Changer de thème") == 0.0


async def _palette_texts(pilot: Pilot[None], query: str) -> list[str]:
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    for key in query:
        await pilot.press("space" if key == " " else key)
    await pilot.pause(0.6)  # the palette's search, then its "no match" countdown
    options = pilot.app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_the_palette_finds_commands_and_the_screen_s_keys_in_french(
    db_path: Path, session: SessionInfo
) -> None:
    async with BaktuiApp(str(db_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        texts = await _palette_texts(pilot, "theme")
        assert any("Changer de thème" in t for t in texts)
        await pilot.press("escape")
        texts = await _palette_texts(pilot, "actualiser")  # a key of the home screen
        assert any(t.startswith("Actualiser") and "(r)" in t for t in texts)
        await pilot.press("escape")
        texts = await _palette_texts(pilot, "zzzz")
        assert len(texts) == 1 and "'Aucune commande ne correspond'" in texts[0]
        await pilot.press("escape")
        await pilot.pause()
        pilot.app.action_change_theme()
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommandPalette)
        text = screen_text(pilot)
        assert "Rechercher un thème" in text and "Search" not in text
