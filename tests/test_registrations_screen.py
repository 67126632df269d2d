"""F3 Inscriptions driven headless at 80x24 on the small demo: the form, the checks, conflicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import copy_base, held, office_screens, settle, type_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.audit import acting_as
from baktui.data.models import Candidate, Etablissement
from baktui.demo import DemoSummary
from baktui.rules.candidate import FORM_FIELDS
from baktui.rules.registration_checks import CHECK_KINDS
from baktui.screens import registration_form as registration_form_screen
from baktui.screens.registration_form import RegistrationFormScreen
from baktui.screens.registrations import RegistrationsScreen
from baktui.services.candidate_card import candidate_card
from baktui.services.candidate_contact import update_contact
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.registration_fields import FORM_ROWS


@dataclass(frozen=True)
class Demo:
    path: Path
    summary: DemoSummary


@pytest.fixture
def demo(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Demo]:
    office_screens(monkeypatch, tmp_path)
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    yield Demo(path, demo_file[1])
    dbmod.close_database()


def message(pilot: Pilot[None], field: str) -> str:
    return str(pilot.app.screen.query_one(f"#m-{field}", Static).content)


def notices(app: BaktuiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def fill(pilot: Pilot[None], field: str, text: str) -> None:
    """Put the cursor on a field, type, and leave it with Tab (as the user does)."""
    screen = pilot.app.screen
    assert isinstance(screen, RegistrationFormScreen)
    screen.focus_on(field)
    await pilot.pause()
    await pilot.press("ctrl+u")
    await type_text(pilot, text)
    await pilot.press("tab")
    await pilot.pause()


async def choose(pilot: Pilot[None], field: str, value: str) -> None:
    """Open a list with Entrée, go down to the value, Entrée."""
    screen = pilot.app.screen
    assert isinstance(screen, RegistrationFormScreen)
    screen.focus_on(field)
    await pilot.pause()
    select = screen.query_one(f"#f-{field}", Select)
    options = [v for _, v in select._options]
    current = options.index(select.value)
    await pilot.press("enter")
    await pilot.pause()
    target = options.index(value)
    await pilot.press(
        *(["down"] * (target - current) if target >= current else ["up"] * (current - target))
    )
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value


async def test_a_new_registration_with_an_invalid_uai_shows_the_message_on_that_field(
    demo: Demo,
) -> None:
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = Candidate.select().count()
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegistrationFormScreen)
        assert app.focused is not None and app.focused.id == "f-ine"
        await type_text(pilot, "98765")
        await pilot.press("tab")
        await pilot.pause()
        assert "11 caractères attendus" in message(pilot, "ine")
        await fill(pilot, "ine", "987654321AB")
        assert message(pilot, "ine") == ""
        await fill(pilot, "last_name", "Lefèvre")
        await fill(pilot, "first_name", "Hélène")
        await fill(pilot, "birth_date", "31/02/2008")
        assert "cette date n'existe pas" in message(pilot, "birth_date")
        await fill(pilot, "birth_date", "14/03/2008")
        await fill(pilot, "etablissement", "0750655F")
        assert message(pilot, "etablissement") == (
            "UAI « 0750655F » : lettre de contrôle incorrecte (attendu E)"
        )
        await fill(pilot, "postcode", "6900")
        assert "5 chiffres attendus" in message(pilot, "postcode")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationFormScreen)  # refused, still there
        assert any(n.startswith("Établissement : UAI « 0750655F »") for n in notices(app))
        assert app.focused is not None and app.focused.id == "f-etablissement"
        assert Candidate.select().count() == before
        # fixed: a known UAI shows its établissement's name; then the save goes through
        etab = Etablissement.select().first()
        await fill(pilot, "etablissement", etab.uai)
        await settle(pilot)
        assert etab.name in message(pilot, "etablissement")
        await fill(pilot, "postcode", "69002")
        await choose(pilot, "series", "STMG")
        await choose(pilot, "sub_choice", "GF")
        await choose(pilot, "lva", "ANG")
        await choose(pilot, "lvb", "ANG")
        assert message(pilot, "lvb") == "LVA et LVB doivent être deux langues différentes"
        await choose(pilot, "lvb", "ESP")
        assert message(pilot, "lvb") == "" and message(pilot, "sub_choice") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Candidate.select().count() == before + 1
        created = Candidate.get(Candidate.ine == "987654321AB")
        assert created.name_key == "lefevre helene" and created.state == "brouillon"
        assert any(n.startswith(f"Inscription n° {created.number} créée") for n in notices(app))


async def test_checks_reach_a_seeded_anomaly_which_leaves_the_list_once_fixed(
    demo: Demo,
) -> None:
    number = demo.summary.anomalies["lvb_manquante"][0]
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegistrationsScreen) and screen.report is not None
        kinds = screen.query_one("#reg-kinds", DataTable)
        labels = [str(kinds.get_row_at(i)[0]) for i in range(kinds.row_count)]
        assert labels[0] == "Toutes les anomalies" and labels[1:] == list(CHECK_KINDS.values())
        total_before = len(screen.report.anomalies)
        choices_before = screen.report.counts["choix"]
        assert choices_before >= 1
        # the kinds table: down to « Choix manquants ou incohérents », Tab to the list
        kinds.focus()
        await pilot.press("home", "down", "down", "down")
        await settle(pilot)
        assert screen.kind == "choix"
        await pilot.press("tab")
        table = screen.query_one("#reg-anomalies", DataTable)
        assert app.focused is table
        rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert number in rows
        for _ in range(rows.index(number)):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegistrationFormScreen)
        assert app.focused is not None and app.focused.id == "f-lvb"  # the faulty field
        assert message(pilot, "lvb") == "LVB manquante"
        lva = form.current_form().lva
        lvb = form.query_one("#f-lvb", Select)
        await pilot.press("enter")  # opens the list
        await pilot.pause()
        wanted = "ESP" if lva != "ESP" else "ALL"
        options = [value for _, value in lvb._options]
        for _ in range(options.index(wanted) - options.index(Select.NULL)):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert lvb.value == wanted and message(pilot, "lvb") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Candidate.get(Candidate.number == number).lvb == wanted
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.report.counts["choix"] == choices_before - 1
        assert len(screen.report.anomalies) == total_before - 1
        rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert number not in rows
        assert "1 anomalie corrigée." in notices(app)


async def test_a_colleagues_save_wins_the_form_reloads_and_nothing_is_overwritten(
    demo: Demo,
) -> None:
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        candidate = Candidate.get((Candidate.status == "scolaire") & (Candidate.phone != ""))
        app.push_screen(RegistrationFormScreen(candidate.id, focus="phone"))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegistrationFormScreen)
        assert app.focused is not None and app.focused.id == "f-phone"
        await pilot.press("ctrl+u")
        await type_text(pilot, "06 22 22 22 22")
        # meanwhile, at another desk
        with acting_as("collegue"):
            card = candidate_card(candidate.id)
            update_contact(candidate.id, {"phone": "0611111111"}, expected_version=card.version)
        await pilot.press("ctrl+s")
        await settle(pilot)
        refused = [n for n in notices(app) if n.startswith("Modification refusée")]
        assert refused and "par collegue" in refused[0]
        assert Candidate.get_by_id(candidate.id).phone == "0611111111"
        assert form.query_one("#f-phone", Input).value == "06 11 11 11 11"  # reloaded
        assert not form.dirty
        # the change made again on the fresh version goes through
        form.focus_on("phone")
        await pilot.press("ctrl+u")
        await type_text(pilot, "06 22 22 22 22")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Candidate.get_by_id(candidate.id).phone == "0622222222"
        # leaving with unsaved changes asks first
        form.focus_on("city")
        await type_text(pilot, "X")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form


async def test_keys_typed_while_the_form_saves_are_kept(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = held(monkeypatch, registration_form_screen, "save_form")
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        candidate = Candidate.get((Candidate.status == "scolaire") & (Candidate.email != ""))
        app.push_screen(RegistrationFormScreen(candidate.id, focus="city"))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegistrationFormScreen)
        await pilot.press("ctrl+u")
        await type_text(pilot, "VILLEURBANNE")
        # Ctrl+S, and at once on to the next field, as fast as the user types
        await pilot.press("ctrl+s", "tab", "ctrl+u")
        await type_text(pilot, "lea.martin@example.fr")
        assert form._saving  # all of it was typed while the save was running
        gate.set()
        await settle(pilot)
        assert not form._saving
        assert Candidate.get_by_id(candidate.id).city == "VILLEURBANNE"
        assert Candidate.get_by_id(candidate.id).email == candidate.email
        assert form.query_one("#f-city", Input).value == "VILLEURBANNE"
        assert form.query_one("#f-email", Input).value == "lea.martin@example.fr"  # not lost
        assert app.focused is form.query_one("#f-email", Input)
        assert form.dirty  # the e-mail is still to save
        # a Ctrl+S pressed during a save saves again when it is done
        gate.clear()
        await pilot.press("ctrl+s", "tab", "ctrl+u")
        await type_text(pilot, "06 11 22 33 44")
        await pilot.press("ctrl+s")
        assert form._saving and form._save_again
        gate.set()
        await settle(pilot)
        saved = Candidate.get_by_id(candidate.id)
        assert (saved.email, saved.phone) == ("lea.martin@example.fr", "0611223344")
        assert not form.dirty


def test_the_form_rows_are_the_declared_form_fields() -> None:
    assert sorted(name for name, _, _ in FORM_ROWS) == sorted(FORM_FIELDS)
