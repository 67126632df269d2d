"""Keys sent in one burst, with no pause (as tmux send-keys and SSH deliver them), all land in
order: across a mode switch, a search still running, a card loading, a dialog opening, a
binding of a field (Ctrl+U) and the save."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    HELENE_INE,
    burst,
    copy_base,
    drained,
    keys_of,
    office_screens,
    register_helene,
    settle,
)
from textual.widgets import Input, Select

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Candidate
from baktui.demo import DemoSummary
from baktui.screens.candidate_card import CandidateCardScreen
from baktui.screens.registration_form import RegistrationFormScreen
from baktui.services.sessions import current_session


@pytest.fixture
def demo(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    office_screens(monkeypatch, tmp_path)
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    info = current_session()
    assert info is not None
    register_helene(info.id)
    dbmod.close_database()
    yield path
    dbmod.close_database()


async def test_f2_search_card_contact_and_save_in_one_burst(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f2", *keys_of("helene lefev"), "enter", "c", "ctrl+u",
                    *keys_of("0798765432"), "ctrl+s"])  # fmt: skip
        await drained(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        assert Candidate.get(Candidate.ine == HELENE_INE).phone == "0798765432"


async def test_a_candidate_number_and_enter_open_the_card_every_time(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        number = Candidate.get(Candidate.ine == HELENE_INE).number
        for _ in range(6):
            burst(app, ["f2", "ctrl+u", *keys_of(number), "enter"])
            await drained(pilot)
            assert isinstance(app.screen, CandidateCardScreen)
            assert app.screen.card is not None and app.screen.card.profile.number == number
            burst(app, ["escape"])
            await drained(pilot)


async def test_keys_typed_while_the_new_registration_form_opens_go_into_its_fields(
    demo: Path,
) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f3", "n", *keys_of("987654321AB"), "tab", *keys_of("Lefèvre")])
        await drained(pilot)
        form = app.screen
        assert isinstance(form, RegistrationFormScreen)
        assert form.query_one("#f-ine", Input).value == "987654321AB"
        assert form.query_one("#f-last_name", Input).value == "Lefèvre"
        assert form.query_one("#f-series", Select).is_blank()  # no série by default
