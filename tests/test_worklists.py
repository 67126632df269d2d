"""The lists behind the home counts (issues 17 and 20): each home line opens the list it counts,
and the figure equals the list's length. Services on both engines; the screens with Pilot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, burst, copy_base, drained, engine_database, pin_login, settle
from readiness_data import build_juries

from baktui.app import BaktuiApp
from baktui.data import counters
from baktui.data import db as dbmod
from baktui.data.models import Candidate, Centre, Lot
from baktui.demo import DemoSummary
from baktui.screens.grade_entry import GradeEntryScreen
from baktui.screens.home import HomeScreen
from baktui.screens.lot_list import LotListScreen
from baktui.screens.registration_form import RegistrationFormScreen
from baktui.screens.registrations import RegistrationsScreen
from baktui.services import lot_worklists, registration_worklists
from baktui.services.sessions import open_registre
from baktui.services.stats import home_counts


@pytest.fixture(params=ENGINES)
def base(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """The twelve readiness candidates and three lots; some states, LVB and centres changed."""
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        session_id = open_registre(2026).id
        build_juries(session_id)
        centre = Centre.create(session=session_id, code="C1", name="Centre 1")

        def set_(name: str, **values: object) -> None:
            Candidate.update(**values).where(Candidate.last_name == name).execute()

        set_("Martin", state="validee", centre=centre.id)
        set_("Nguyen", state="validee", centre=centre.id, lvb="")
        set_("Benali", state="confirmee", lvb="")
        set_("Dupont", state="annulee", lvb="")  # cancelled: in no other list
        set_("Lefèvre", centre=centre.id)
        counters.recount(session_id)  # rows changed with the models: count them again
        yield session_id


def test_each_list_holds_what_it_says_and_the_home_counts_equal_them(base: int) -> None:
    counts = registration_worklists.counts(base)
    # 12 candidates: 2 validées, 1 confirmée, 1 annulée, 8 brouillons
    assert counts == {
        "to_check": 9,
        "missing_lvb": 2,  # Nguyen, Benali (Dupont is cancelled)
        "missing_centre": 8,  # 11 live candidates, 3 with a centre
        "brouillon": 8,
        "confirmee": 1,
        "validee": 2,
        "annulee": 1,
    }
    home = home_counts(base)
    assert (home.to_check, home.missing_lvb, home.missing_centre) == (9, 2, 8)
    for key, expected in counts.items():
        page = registration_worklists.page(base, key, limit=100)
        assert page.total == expected == len(page.rows)
    lvb = registration_worklists.page(base, "missing_lvb")
    assert [r.name for r in lvb.rows] == ["BENALI Yasmine", "NGUYEN Thomas"]  # by name
    assert [r.state_label for r in lvb.rows] == ["confirmée", "validée"]

    lots = lot_worklists.counts(base)
    assert (lots["open"], lots["en_saisie"], lots["saisi"], lots["all"]) == (2, 2, 1, 3)
    assert (home.lots_open, home.lots_total) == (2, 3)
    assert [lot.number for lot in lot_worklists.page(base, "open").rows] == [5, 6]


def test_a_page_of_a_worklist_and_a_page_past_the_end(base: int) -> None:
    first = registration_worklists.page(base, "to_check", limit=4)
    second = registration_worklists.page(base, "to_check", offset=4, limit=4)
    past = registration_worklists.page(base, "to_check", offset=40, limit=4)
    assert (first.total, len(first.rows), len(second.rows)) == (9, 4, 4)
    assert not {r.candidate_id for r in first.rows} & {r.candidate_id for r in second.rows}
    assert past.offset == 8 and len(past.rows) == 1  # the last page, not an empty one
    with pytest.raises(KeyError):
        registration_worklists.page(base, "nothing")


# --- screens -----------------------------------------------------------------------------------


@pytest.fixture
def demo(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, "gestionnaire")
    yield path
    dbmod.close_database()


def screen_text(app: BaktuiApp) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def test_home_enter_opens_the_registrations_it_counts(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        to_check = home_counts(app.session.id).to_check
        assert to_check > 0
        await pilot.press("enter")  # the cursor starts on « Inscriptions à vérifier »
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, RegistrationsScreen)
        assert screen.worklist_page is not None and screen.worklist_page.total == to_check
        text = screen_text(app)
        assert f"1–{min(to_check, 100)} sur {to_check}" in text
        assert screen.worklist_page.rows[0].name in text
        # Entrée on the first registration opens its form
        await pilot.press("enter")
        await drained(pilot)
        assert isinstance(app.screen, RegistrationFormScreen)


async def test_home_keys_in_one_burst_reach_the_lot_list_and_open_the_slip(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        open_lots = lot_worklists.page(app.session.id, "open").rows
        assert len(open_lots) > 1
        # « Lots non saisis » is the fifth line: ↓ ×4, Entrée, then ↓ Entrée in the list
        burst(app, ["down"] * 4 + ["enter", "down", "enter"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, GradeEntryScreen)
        assert screen.editor is not None and screen.editor.lot_number == open_lots[1].number
        assert f"Lot n° {open_lots[1].number}" in screen_text(app)


async def test_the_lot_list_from_f4_changes_state_with_the_arrows(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f4", "ctrl+t"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, LotListScreen) and screen.page is not None
        saisis = Lot.select().where(Lot.state == "saisi").count()
        # to the list of states, down to « Saisis » (fifth)
        burst(app, ["shift+tab", *["down"] * 4])
        await drained(pilot)
        assert screen.page.key == "saisi" and screen.page.total == saisis
        assert f"sur {saisis}" in screen_text(app)
        burst(app, ["escape"])
        await drained(pilot)
        assert isinstance(app.screen, GradeEntryScreen)


async def test_f3_e_lists_by_state_and_a_burst_opens_the_form(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f3", "e", "shift+tab", "down", "down", "tab", "enter"])
        await drained(pilot)
        form = app.screen
        assert isinstance(form, RegistrationFormScreen)
        first = registration_worklists.page(app.session.id, "missing_centre").rows[0]
        assert form.candidate_id == first.candidate_id
