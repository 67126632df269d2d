"""F5 « n » Convoquer and « i » Disponibilités, driven headless at 80x24 on a small académie."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import pin_login, settle, type_text
from test_juries_service import DAY, World, build_world
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Assignment, AuditLog, Availability
from baktui.screens import registry
from baktui.screens.juries import JuriesScreen
from baktui.services import absences, replacements
from baktui.services.sessions import SessionInfo
from baktui.widgets.availability_form import AvailabilityForm
from baktui.widgets.convene_form import ConveneForm
from baktui.widgets.data_table import DataTable
from baktui.widgets.examiner_list import ExaminerList


@pytest.fixture
def world(
    session: SessionInfo, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, World]]:
    monkeypatch.setattr(registry, "SCREENS", (registry.entry("home"), registry.entry("juries")))
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    pin_login(monkeypatch, "gestionnaire")
    w = build_world(session)
    dbmod.close_database()
    yield db_path, w


async def _examiner(pilot: Pilot[None], search: str, examiner_id: int) -> JuriesScreen:
    """F5, the examiners tab, the examiner found and highlighted (the table focused)."""
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, JuriesScreen)
    await pilot.press("e")
    await settle(pilot)
    await type_text(pilot, search)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert screen.query_one(ExaminerList).current_examiner().id == examiner_id
    return screen


def _error(form: ConveneForm) -> str:
    return str(form.query_one("#conv-error", Static).content)


async def test_convene_refused_then_written(world: tuple[Path, World]) -> None:
    path, w = world
    near = w.examiners["near"]
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _examiner(pilot, "near", near)
        before = Assignment.select().count()
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConveneForm)
        assert form.examiner == "NEAR Test"
        centres = form.query_one("#conv-centre", Select)
        assert [label for label, _ in centres._options][1:] == [
            "C01 Centre Lyon",
            "C02 Centre Vienne",
        ]

        # lot 1 is corrected by someone else: refused with the reason, nothing written
        await pilot.press(*"16/06/2026", "tab", *"09:00", "tab", *"12:00", "tab", "tab")
        assert app.focused is centres  # Tab went through every field in order
        await pilot.press("tab", "1", "enter")
        await settle(pilot)
        assert app.screen is form
        assert "Convocation refusée" in _error(form) and "lot n° 1" in _error(form)
        assert Assignment.select().count() == before

        # a surveillance at the Lyon centre, in the afternoon: written and shown
        form.query_one("#conv-kind", Select).value = "surveillance"
        centres.value = w.centre
        form.query_one("#conv-start", Input).focus()
        await pilot.press(*"14:00", "tab", *"16:00", "enter")
        await settle(pilot)
        assert app.screen is screen
        row = Assignment.get((Assignment.examiner == near) & (Assignment.kind == "surveillance"))
        assert (row.day, row.start_time, row.end_time, row.centre_id, row.state) == (
            DAY,
            "14:00",
            "16:00",
            w.centre,
            "prevue",
        )
        assert (
            AuditLog.select()
            .where((AuditLog.entity == "assignment") & (AuditLog.entity_id == str(row.id)))
            .count()
            == 1
        )
        detail = str(screen.query_one("#examiner-detail", Static).content)
        assert "surveillance" in detail.lower() and "1 mission" in detail


async def test_convene_bad_hours_and_unavailable_day(world: tuple[Path, World]) -> None:
    path, w = world
    away = w.examiners["away"]  # unavailable on DAY
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await _examiner(pilot, "away", away)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConveneForm)
        form.query_one("#conv-kind", Select).value = "surveillance"
        await pilot.press(*"16/06/2026", "tab", *"12:00", "tab", *"10:00", "enter")
        await settle(pilot)
        assert "fin doit suivre" in _error(form)
        form.query_one("#conv-end", Input).value = "13:00"
        await pilot.press("enter")
        await settle(pilot)
        assert "indisponible le 16/06/2026" in _error(form)
        assert not Assignment.select().where(Assignment.examiner == away).exists()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, JuriesScreen)


async def test_availabilities_in_one_burst_then_ranking(world: tuple[Path, World]) -> None:
    path, w = world
    near = w.examiners["near"]
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _examiner(pilot, "near", near)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AvailabilityForm)
        assert "Aucun jour déclaré" in str(form.query_one("#avail-message", Static).content)
        # three days typed in one burst: 16 unavailable, 17 available, 16 changed back… then n
        keys = [*"16/06/2026", "enter", "n", "enter", *"17/06/2026", "enter", "o", "enter"]
        keys += [*"16/06/2026", "enter", "o", "enter", *"16/06/2026", "enter", "n", "enter"]
        await pilot.press(*keys)
        await settle(pilot)
        rows = {
            a.day: a.available for a in Availability.select().where(Availability.examiner == near)
        }
        assert rows == {DAY: False, DAY + dt.timedelta(days=1): True}
        assert AuditLog.select().where(AuditLog.entity == "availability").count() == 4
        table = form.query_one("#avail-table", DataTable)
        assert [table.get_row_at(i) for i in range(table.row_count)] == [
            ["mar. 16/06/2026", "indisponible"],
            ["mer. 17/06/2026", "disponible"],
        ]
        # a wrong answer is refused in the form
        await pilot.press(*"18/06/2026", "enter", "u", "enter")
        assert "o (oui) ou n (non)" in str(form.query_one("#avail-message", Static).content)
        # Entrée on a listed day takes it up again
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter", "o", "enter")
        await settle(pilot)
        assert Availability.get(
            (Availability.examiner == near) & (Availability.day == DAY)
        ).available
        # the date stays, the cursor back on it: Entrée, n, Entrée makes the 16th unavailable
        await pilot.press("enter", "n", "enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        # the ranking of the absent correcteur's replacement now refuses NEAR
        absences.mark_absent(w.examiners["absent"], DAY, "malade")
        ranking = replacements.rank_replacements(w.correction)
        assert "NEAR Test" not in [o.name for o in ranking.options]
        assert any(
            o.name == "NEAR Test" and "indisponible" in " ".join(o.reasons)
            for o in ranking.excluded
        )


def _burst(app: BaktuiApp, keys: list[str]) -> None:
    """Post every key at once, no pause in between: what an SSH packet does."""
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        app.post_message(events.Key(name, key if len(key) == 1 else None))


async def test_forms_take_a_true_burst_in_order(world: tuple[Path, World]) -> None:
    """Keys posted at once (nothing runs between them): Tab and Entrée move on in time."""
    path, w = world
    near = w.examiners["near"]
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _examiner(pilot, "near", near)
        await pilot.press("i")
        await settle(pilot)
        _burst(app, [*"16/06/2026", "enter", "n", "enter", *"17/06/2026", "enter", "o"])
        _burst(app, ["enter", *"16/06/2026", "enter", "o", "enter"])
        await settle(pilot)
        assert isinstance(app.screen, AvailabilityForm)
        rows = {
            a.day: a.available for a in Availability.select().where(Availability.examiner == near)
        }
        assert rows == {DAY: True, DAY + dt.timedelta(days=1): True}
        _burst(app, ["escape"])
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("n")
        await settle(pilot)
        keys = [*"17/06/2026", "tab", *"14:00", "tab", *"16:30", "tab", *"phi", "tab"]
        _burst(app, keys)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConveneForm)
        assert isinstance(app.focused, Select)  # the centre: every Tab landed
        form.query_one("#conv-kind", Select).value = "surveillance"
        form.query_one("#conv-lot", Input).focus()
        _burst(app, ["enter"])
        await settle(pilot)
        assert app.screen is screen
        row = Assignment.get((Assignment.examiner == near) & (Assignment.kind == "surveillance"))
        assert (row.day, row.start_time, row.end_time, row.epreuve_code) == (
            DAY + dt.timedelta(days=1),
            "14:00",
            "16:30",
            "PHI",
        )
