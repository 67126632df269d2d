"""F2 and the candidate card, driven headless at 80x24 on the small demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import HELENE_INE, copy_base, held, office_screens, register_helene, settle, type_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Candidate
from baktui.demo import DemoSummary
from baktui.screens import candidate_card as candidate_card_screen
from baktui.screens.candidate_card import CandidateCardScreen
from baktui.screens.home import HomeScreen
from baktui.screens.lookup import LookupScreen, short_etablissement
from baktui.services.sessions import current_session
from baktui.widgets.candidate_dialogs import ContactDialog
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal

INE = HELENE_INE


@pytest.fixture(scope="module")
def helene_demo_file(
    demo_file: tuple[Path, DemoSummary], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The small demo with Hélène Lefèvre registered (closed)."""
    path = copy_base(demo_file[0], tmp_path_factory.mktemp("helene") / "demo.sqlite")
    dbmod.open_database(str(path))
    info = current_session()
    assert info is not None
    register_helene(info.id)
    dbmod.close_database()
    return path


@pytest.fixture
def demo(helene_demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    office_screens(monkeypatch, tmp_path)
    path = copy_base(helene_demo_file, tmp_path / "demo.sqlite")
    yield path
    dbmod.close_database()


def screen_text(pilot: Pilot[None]) -> str:
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


def notices(app: BaktuiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def row_texts(table: DataTable[str]) -> list[str]:
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def open_helene(pilot: Pilot[None]) -> None:
    await pilot.press("f2")
    await settle(pilot)
    await type_text(pilot, "helene lefev")  # no accents, first name first, surname cut
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_f2_finds_a_partial_name_typed_without_accents_and_opens_the_card(
    demo: Path,
) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.focused is not None and app.focused.id == "lookup-query"  # at once
        await type_text(pilot, "helene lefev")
        await settle(pilot)
        table = app.screen.query_one("#lookup-results", DataTable)
        assert "LEFÈVRE Hélène" in row_texts(table)[0]
        info = str(app.screen.query_one("#lookup-info", Static).content)
        assert info.startswith("1 candidat") or "candidats" in info
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        text = screen_text(pilot)
        assert "LEFÈVRE Hélène" in text and f"INE {INE}" in text and "06 12 34 56 78" in text
        for line in text.splitlines():
            assert len(line.rstrip()) <= 80
        for key, tab in (("2", "choices"), ("3", "centre"), ("4", "grades"), ("6", "history")):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.query_one("#card-tabs").active == tab


async def test_a_phone_changed_on_the_card_shows_in_the_timeline(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_helene(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ContactDialog)
        assert app.focused is not None and app.focused.id == "contact-phone"
        await pilot.press("ctrl+u")
        await type_text(pilot, "07 98 76")
        await pilot.press("tab")  # leaving the field checks it
        await pilot.pause()
        error = str(app.screen.query_one("#contact-error-phone", Static).content)
        assert "téléphone « 07 98 76 » invalide" in error
        await pilot.press("shift+tab", "ctrl+u")
        await type_text(pilot, "07 98 76 54 32")
        await pilot.press("ctrl+s")  # right after typing: the field's keys come first
        await settle(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        assert Candidate.get(Candidate.ine == INE).phone == "0798765432"
        assert "07 98 76 54 32" in screen_text(pilot)
        await pilot.press("6")
        await settle(pilot)
        history = row_texts(app.screen.query_one("#card-history", DataTable))
        assert "téléphone" in history[0]
        assert "06 12 34 56 78 → 07 98 76 54 32" in history[0]
        assert "gestionnaire" in history[0]
        # undo it from the timeline: a recorded change too
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        assert Candidate.get(Candidate.ine == INE).phone == "0612345678"
        history = row_texts(app.screen.query_one("#card-history", DataTable))
        assert "07 98 76 54 32 → 06 12 34 56 78" in history[0]


async def test_card_keys_copy_the_ine_change_the_state_and_print(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_helene(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert app.clipboard == INE
        assert f"INE {INE} copié dans le presse-papiers." in notices(app)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)  # brouillon -> confirmée or annulée
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        assert Candidate.get(Candidate.ine == INE).state == "confirmee"
        assert "confirmée" in screen_text(pilot)
        await pilot.press("p")
        await settle(pilot)
        printed = [n for n in notices(app) if n.startswith("Confirmation écrite")]
        assert printed and Path(printed[0].split(" : ", 1)[1]).exists()
        await pilot.press("5")
        await settle(pilot)
        docs = row_texts(app.screen.query_one("#card-documents", DataTable))
        assert "confirmation d'inscription" in docs[0]


async def test_f2_always_brings_the_cursor_back_to_the_search_field(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_helene(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        await pilot.press("f2")  # on the card itself
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.focused is not None and app.focused.id == "lookup-query"
        query = app.screen.query_one("#lookup-query", Input)
        assert query.value == "helene lefev" and query.selected_text == "helene lefev"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        await pilot.press("f10")  # elsewhere, then F2: the search, not the old card
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.focused is not None and app.focused.id == "lookup-query"
        await type_text(pilot, "0612")  # typing replaces the selected query
        await settle(pilot)
        assert query.value == "0612"
        assert "tél." in row_texts(app.screen.query_one("#lookup-results", DataTable))[0]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


def test_short_etablissement_names() -> None:
    assert short_etablissement("Lycée polyvalent Jean-Jaurès") == "Jean-Jaurès"
    assert short_etablissement("Lycée général et technologique Hector-Guimard") == "Hector-Guimard"
    assert short_etablissement("Lycée") == "Lycée"
    assert short_etablissement("") == ""


async def test_keys_typed_after_saving_the_contact_reach_the_card(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = held(monkeypatch, candidate_card_screen, "update_contact")
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_helene(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ContactDialog)
        await pilot.press("ctrl+u")
        await type_text(pilot, "07 98 76 54 32")
        # Ctrl+S, then at once the history tab: the keys wait for the save (the next one may
        # act on what it wrote: « a » undoes the last change), then reach the card
        await pilot.press("ctrl+s", "6")
        card = app.screen
        assert isinstance(card, CandidateCardScreen)
        assert card.query_one("#card-tabs").active != "history"  # waiting for the save
        assert Candidate.get(Candidate.ine == INE).phone == "0612345678"  # still saving
        gate.set()
        await settle(pilot)
        assert Candidate.get(Candidate.ine == INE).phone == "0798765432"
        assert "Coordonnées enregistrées." in notices(app)
        history = row_texts(card.query_one("#card-history", DataTable))
        assert "06 12 34 56 78 → 07 98 76 54 32" in history[0]
        assert card.query_one("#card-tabs").active == "history"
