"""F9 Organisation at 80x24 on a base built from the sample files: lists, forms typed in one
burst of keys (as tmux send-keys or a fast typist sends them), refusals, conflicts, imports."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from helpers import new_base, pin_login, settle
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Etablissement, Examiner, Room
from baktui.screens.organisation import OrganisationScreen
from baktui.services import organisation as org
from baktui.services.imports import run_import
from baktui.services.sessions import open_registre
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ConfirmModal, ReportModal
from baktui.widgets.record_pane import RecordPane

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    pin_login(monkeypatch, "gestionnaire")
    path = new_base(tmp_path / "bac.sqlite")
    dbmod.open_database(str(path), create=True)
    session_id = open_registre(2026).id
    for kind in ("etablissements", "centres", "salles", "examinateurs"):
        assert run_import(kind, session_id, SAMPLES / f"{kind}.csv").ok
    dbmod.close_database()
    yield path
    dbmod.close_database()


def burst(app: BaktuiApp, keys: Sequence[str]) -> None:
    """Post every key at once, with no pause: the app sees them as one burst."""
    for key in keys:
        character = " " if key == "space" else (key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


def text_keys(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


def pane(app: BaktuiApp) -> RecordPane | None:
    screen = app.screen
    assert isinstance(screen, OrganisationScreen)
    return screen.pane


def shown(app: BaktuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_f9(pilot: Pilot[None]) -> OrganisationScreen:
    await pilot.press("f9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrganisationScreen)
    return screen


async def test_the_lists_show_the_academie(base: Path) -> None:
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        table = app.screen.query_one("#org-list", DataTable)
        assert table.row_count == 8
        assert "1–8 sur 8" in shown(app, "#org-info")
        await pilot.press("2")
        await settle(pilot)
        assert table.row_count == 4 and "Centres : 1–4 sur 4" in shown(app, "#org-info")
        await pilot.press("4", "slash", *"bern")
        await settle(pilot)
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert names and all(name.startswith("BERNARD") for name in names)
        await pilot.press("down")  # back to the list from the search box
        assert isinstance(app.focused, DataTable)


async def test_a_new_etablissement_typed_in_one_burst(base: Path) -> None:
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        keys = ["n", *"0690099H", "tab", *text_keys("Lycée Jacquard"), "enter", *"Oyonnax",
                "tab", *"01100", "tab", *text_keys("hors contrat"), "tab", "tab", *"0474000000",
                "ctrl+s"]  # fmt: skip
        burst(app, keys)
        await settle(pilot)
        etab = Etablissement.get_or_none(Etablissement.uai == "0690099H")
        assert etab is not None, shown(app, ".record-error")
        assert (etab.name, etab.sector, etab.phone) == (
            "Lycée Jacquard", "prive_hors_contrat", "0474000000"
        )  # fmt: skip
        assert etab.commune.postcode == "01100"
        assert pane(app) is None  # back on the list, which shows it
        table = app.screen.query_one("#org-list", DataTable)
        assert "0690099H" in [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_refusals_are_shown_beside_their_field_and_nothing_is_written(base: Path) -> None:
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        count = AuditLog.select().count()
        burst(app, ["n", *"0690099X", "tab", "tab", *"Lyon", "ctrl+s"])
        await settle(pilot)
        form = pane(app)
        assert form is not None and form.form is not None and form.form.id is None
        assert "Lettre de contrôle incorrecte (attendu H)" in shown(
            app, "#pane-etablissements #m-uai"
        )
        assert "Nom obligatoire" in shown(app, "#pane-etablissements #m-nom")
        assert shown(app, "#pane-etablissements .record-error").startswith("UAI : lettre")
        assert AuditLog.select().count() == count
        assert app.focused is form.query_one("#f-uai")
        # Échap on a modified form asks first; « n » keeps it
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert pane(app) is form


async def test_an_edit_opened_and_typed_in_one_burst(base: Path) -> None:
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        await pilot.press("3")  # salles
        await settle(pilot)
        room_id = int(app.screen.query_one("#org-list", DataTable).coordinate_to_cell_key(
            (0, 0)).row_key.value)  # fmt: skip
        # Entrée, then the capacity (third field) and the tiers-temps box, then save
        burst(app, ["enter", "tab", "tab", *"42", "tab", "tab", "space", "ctrl+s"])
        await settle(pilot)
        room = Room.get_by_id(room_id)
        assert (room.capacity, room.extra_time) == (42, True)
        entries = AuditLog.select().where(
            (AuditLog.entity == "room") & (AuditLog.entity_id == str(room_id))
            & (AuditLog.action == "update")
        )  # fmt: skip
        assert {(e.field, e.before, e.after) for e in entries} == {
            ("capacity", "30", "42"), ("extra_time", "non", "oui")
        }  # fmt: skip


async def test_a_record_saved_by_a_colleague_meanwhile_is_not_overwritten(base: Path) -> None:
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrganisationScreen) and screen.page_data is not None
        first = screen.page_data.forms[0]
        await pilot.press("enter")
        await settle(pilot)
        # a colleague changes the email after the form was read (and after the re-read)
        org.save_record("examinateurs", 1, first.id, first.version,
                        dict(first.values, email="collegue@ac-lyon.fr"))  # fmt: skip
        await pilot.press("tab", "tab", "ctrl+u", *"Martin", "ctrl+s")
        await settle(pilot)
        examiner = Examiner.get_by_id(first.id)
        assert examiner.email == "collegue@ac-lyon.fr"
        assert examiner.last_name == first.values["nom"]  # not overwritten
        form = pane(app)
        assert form is not None and form.values()["email"] == "collegue@ac-lyon.fr"  # reloaded


async def test_deactivate_then_import_from_the_screen(base: Path, tmp_path: Path) -> None:
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        assert Etablissement.select().where(~Etablissement.active).count() == 1
        assert "non" in [str(c) for c in app.screen.query_one("#org-list", DataTable).get_row_at(0)]
        # import the juries' file from the screen
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        field = app.screen.query_one("#text-value", Input)
        field.value = str(SAMPLES / "jurys.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportModal)
        assert "3 créés" in app.screen.text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#org-list", DataTable).row_count == 3
        # a refused file: the report says so, nothing written
        bad = tmp_path / "salles.csv"
        bad.write_text("centre;salle;capacite\n0690026D;Z1;beaucoup\n", encoding="utf-8")
        await pilot.press("3", "i")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = str(bad)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportModal) and "Rien n'a été enregistré" in app.screen.text
        assert Room.get_or_none(Room.name == "Z1") is None


async def test_a_closed_session_refuses_an_edit_from_the_screen(base: Path) -> None:
    """Issue 16: an edit that names no candidate (a room) is refused too once the session the
    application works on is closed; nothing is written."""
    from baktui.services.sessions import close_session, current_session

    dbmod.open_database(str(base))
    close_session(current_session().id)
    dbmod.close_database()
    app = BaktuiApp(db_target=str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f9(pilot)
        await pilot.press("3")  # salles
        await settle(pilot)
        room_id = int(app.screen.query_one("#org-list", DataTable).coordinate_to_cell_key(
            (0, 0)).row_key.value)  # fmt: skip
        before = AuditLog.select().count()
        burst(app, ["enter", "tab", "tab", *"42", "ctrl+s"])
        await settle(pilot)
        assert Room.get_by_id(room_id).capacity == 30
        assert AuditLog.select().count() == before
        messages = " ".join(n.message for n in app._notifications) + shown(app, "#org-info")
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "est close" in messages + text
