"""Every F5 write runs in a thread worker: while it is held, the keys typed are not lost.

Each test starts one write from its key (bureau, member, distribution, convocations, lists,
absence, replacement) with the service held at a gate in its worker thread. While it is held the
test switches to the examiners tab and types a name: if the write ran on the UI thread, the
whole app (and this test, on the same event loop) would stand still until the gate timed out.
Then the gate opens: the write lands, the typed text is in the field, the focus where the user
left it. A document (convocations, lists) or a replacement does not hold the keys: they land
while it is written. A write the next keys depend on (the jury's bureau or members, whose new
version the next key works on; an absence, which opens its replacement) holds them: they land,
in order, once it is written.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import pin_login, settle, small_demo, type_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import (
    Absence,
    Assignment,
    AuditLog,
    Document,
    Examiner,
    Jury,
    JuryMember,
)
from baktui.rules.identifiers import fold
from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE
from baktui.screens import registry
from baktui.screens.juries import JuriesScreen
from baktui.screens.replacements import ReplacementScreen
from baktui.services import absences, distribution, juries, jury_lists, replacements
from baktui.services.missions import concerned_of
from baktui.widgets import juries_pane
from baktui.widgets.absence_form import AbsenceForm
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal
from baktui.widgets.examiner_picker import ExaminerPicker

TYPED = "ber"


class Gate:
    """Holds a service call in its worker thread until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.thread: threading.Thread | None = None
        self.released_by_test: bool | None = None

    def hold(self, service: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            self.thread = threading.current_thread()
            self.entered.set()
            self.released_by_test = self.opened.wait(timeout=10)
            return service(*args, **kwargs)

        return held


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(registry, "SCREENS", (registry.entry("home"), registry.entry("juries")))
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    pin_login(monkeypatch, "gestionnaire")
    path = small_demo(tmp_path)[0]
    dbmod.open_database(path)
    yield path
    dbmod.close_database()


def _gate(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> Gate:
    gate = Gate()
    monkeypatch.setattr(module, name, gate.hold(getattr(module, name)))
    return gate


async def _open_f5(pilot: Pilot[None]) -> JuriesScreen:
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, JuriesScreen)
    return screen


async def _to_juries_row(pilot: Pilot[None], jury_id: int) -> None:
    await pilot.press("j")
    await settle(pilot)
    table = pilot.app.screen.query_one("#juries-table", DataTable)
    table.move_cursor(row=table.get_row_index(str(jury_id)))
    await pilot.pause()


async def _pick(pilot: Pilot[None], examiner_id: int) -> None:
    picker = pilot.app.screen
    assert isinstance(picker, ExaminerPicker)
    examiner = Examiner.get_by_id(examiner_id)
    await type_text(pilot, fold(f"{examiner.last_name} {examiner.first_name}"))
    await settle(pilot)
    await pilot.press("down")
    table = picker.query_one("#picker-table", DataTable)
    table.move_cursor(row=table.get_row_index(str(examiner_id)))
    await pilot.press("enter")


async def _type_name(pilot: Pilot[None], screen: JuriesScreen) -> Input:
    """Back on F5 if needed, to the examiners' search field, emptied, and type a name."""
    if pilot.app.screen is not screen:
        await pilot.press("escape")
    if screen.active_tab != "examiners":
        await pilot.press("e")
    query = screen.query_one("#examiner-query", Input)
    if screen.focused is not query:
        await pilot.press("slash")
    assert screen.focused is query
    query.value = ""
    await type_text(pilot, TYPED)
    assert query.value == TYPED
    return query


def _told(app: BaktuiApp) -> list[tuple[str, str]]:
    """Every notification the app shows, as (message, severity), kept: a toast expires after
    its timeout, which a loaded machine can outlast before the test looks."""
    told: list[tuple[str, str]] = []
    real = app.notify

    def recording(message: object, *args: object, **kwargs: object) -> None:
        told.append((str(message), str(kwargs.get("severity", "information"))))
        real(message, *args, **kwargs)  # type: ignore[arg-type]

    app.notify = recording  # type: ignore[method-assign]
    return told


async def _type_while_held(pilot: Pilot[None], gate: Gate, screen: JuriesScreen) -> None:
    """The write is held in its thread: type a name meanwhile; then let the write go."""
    assert await asyncio.to_thread(gate.entered.wait, 5), "the write never started"
    assert gate.thread is not threading.main_thread()
    query = await _type_name(pilot, screen)
    gate.opened.set()
    await settle(pilot)
    assert gate.released_by_test is True
    assert query.value == TYPED
    assert pilot.app.screen is screen and screen.focused is query
    rows = screen.query_one("#examiners-table", DataTable)
    assert rows.row_count and all(
        str(rows.get_row_at(i)[0]).lower().startswith(TYPED) for i in range(rows.row_count)
    )


async def _typed_while_held_land_after(
    pilot: Pilot[None], gate: Gate, screen: JuriesScreen
) -> None:
    """The write is held in its thread: the keys typed meanwhile wait for it (the next key may
    act on what it writes), then land in order once it is written."""
    assert await asyncio.to_thread(gate.entered.wait, 5), "the write never started"
    assert gate.thread is not threading.main_thread()
    query = screen.query_one("#examiner-query", Input)
    await pilot.press("e", "slash", "ctrl+u", *TYPED)
    assert query.value != TYPED  # waiting for the write
    gate.opened.set()
    await settle(pilot)
    assert gate.released_by_test is True
    assert query.value == TYPED
    assert pilot.app.screen is screen and screen.focused is query


def _jury_with_missions() -> Jury:
    for jury in Jury.select().order_by(Jury.number):
        active = Assignment.select().where(
            (Assignment.jury == jury.id) & Assignment.state.in_(ASSIGNMENT_ACTIVE)
        )
        if jury.centre_id is not None and active.exists():
            return jury
    raise AssertionError("no jury with active missions in the demo")


def _free_examiner(jury: Jury, corps: tuple[str, ...]) -> int:
    """An examiner of these corps who may sit in the jury (no own students, not yet in it)."""
    concerned, _ = concerned_of(jury_id=jury.id)
    members = {m.examiner_id for m in JuryMember.select().where(JuryMember.jury == jury.id)}
    for e in Examiner.select().where(Examiner.corps.in_(corps)).order_by(Examiner.id):
        taken = {jury.president_id, jury.vice_president_id} | members
        if e.id not in taken and e.etablissement_id not in concerned:
            return e.id
    raise AssertionError(f"no free examiner of {corps}")


@pytest.mark.parametrize(
    ("key", "role", "corps"),
    [("p", "president", ("PU", "MCF")), ("v", "vice_president", ("AGREGE", "CERTIFIE"))],
)
async def test_bureau_written_off_the_ui_thread(
    demo: Path, monkeypatch: pytest.MonkeyPatch, key: str, role: str, corps: tuple[str, ...]
) -> None:
    name = "set_president" if role == "president" else "set_vice_president"
    gate = _gate(monkeypatch, juries, name)
    jury = _jury_with_missions()
    examiner = _free_examiner(jury, corps)
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await _to_juries_row(pilot, jury.id)
        await pilot.press(key)
        await settle(pilot)
        await _pick(pilot, examiner)
        await _typed_while_held_land_after(pilot, gate, screen)
        assert getattr(Jury.get_by_id(jury.id), f"{role}_id") == examiner


async def test_member_added_off_the_ui_thread(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _gate(monkeypatch, juries, "add_member")
    jury = _jury_with_missions()
    examiner = _free_examiner(jury, ("CERTIFIE",))
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await _to_juries_row(pilot, jury.id)
        await pilot.press("m")
        await settle(pilot)
        await _pick(pilot, examiner)
        await _typed_while_held_land_after(pilot, gate, screen)
        member = (JuryMember.jury == jury.id) & (JuryMember.examiner == examiner)
        assert JuryMember.select().where(member).exists()


async def test_distribution_off_the_ui_thread(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _gate(monkeypatch, distribution, "distribute_candidates")
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await _typed_while_held_land_after(pilot, gate, screen)
        event = AuditLog.select().where(
            (AuditLog.entity == "session") & (AuditLog.reason == "répartition dans les jurys")
        )
        assert event.exists()


@pytest.mark.parametrize("scope", ["jury", "centre"])
async def test_jury_convocations_off_the_ui_thread(
    demo: Path, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    gate = _gate(monkeypatch, juries_pane, "issue_convocations")
    jury = _jury_with_missions()
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await _to_juries_row(pilot, jury.id)
        await pilot.press("c")
        await settle(pilot)
        choice = app.screen
        assert isinstance(choice, ChoiceModal)
        if scope == "centre":
            await pilot.press("down")
        await pilot.press("enter")
        await _type_while_held(pilot, gate, screen)
        where = Assignment.jury == jury.id if scope == "jury" else Assignment.centre == jury.centre
        missions = Assignment.select().where(where & (Assignment.state != "remplacee"))
        assert missions.exists() and all(m.convoked_at for m in missions)
        assert Document.select().where(Document.kind == "convocation_examinateur").exists()
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_jury_lists_off_the_ui_thread(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _gate(monkeypatch, jury_lists, "export_jury_lists")
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("enter")  # every centre
        await _type_while_held(pilot, gate, screen)
        assert Document.select().where(Document.kind == "liste_jurys").count() == 2


async def test_examiner_convocation_off_the_ui_thread(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _gate(monkeypatch, juries_pane, "issue_convocations")
    mission = Assignment.select().where(Assignment.state.in_(ASSIGNMENT_ACTIVE)).first()
    examiner = Examiner.get_by_id(mission.examiner_id)
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, examiner.name_key)
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press("c")
        await _type_while_held(pilot, gate, screen)
        assert Document.select().where(Document.examiner == examiner.id).exists()


async def test_absence_and_replacement_off_the_ui_thread(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The absence is written while « Entrée o » are typed: they wait for the replacement it
    opens, and confirm its first choice; the replacement, held, is left with Échap."""
    absence_gate = _gate(monkeypatch, absences, "mark_absent")
    mission = (
        Assignment.select()
        .where(Assignment.state.in_(ASSIGNMENT_ACTIVE) & (Assignment.kind == "oral"))
        .first()
    )
    examiner = Examiner.get_by_id(mission.examiner_id)
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    told = _told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, examiner.name_key)
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AbsenceForm)
        form.query_one("#absence-day", Input).value = mission.day.strftime("%d/%m/%Y")
        await type_text(pilot, "malade")
        await pilot.press("enter")
        assert await asyncio.to_thread(absence_gate.entered.wait, 5)
        assert absence_gate.thread is not threading.main_thread()
        gate = _gate(monkeypatch, replacements, "assign_replacement")
        await pilot.press("enter", "o")  # for the replacement, once the absence is written
        assert app.screen is screen
        absence_gate.opened.set()
        # (no settle here: it would wait for the replacement, held)
        assert await asyncio.to_thread(gate.entered.wait, 5), "the replacement never started"
        assert absence_gate.released_by_test is True
        assert Absence.select().where(Absence.examiner == examiner.id).exists()
        replacing = app.screen
        assert isinstance(replacing, ReplacementScreen)  # pushed once the absence is written
        assert replacing.ranking is not None and replacing.ranking.options
        first = replacing.ranking.options[0]

        # the replacement is held: Échap, the examiners tab, a name typed, nothing lost
        await _type_while_held(pilot, gate, screen)
        new = Assignment.get(Assignment.replaces == mission.id)
        assert new.examiner_id == first.examiner_id
        assert Assignment.get_by_id(mission.id).state == "remplacee"
        assert [m for m, severity in told if severity == "error"] == []
        notes = [m for m, _ in told]
        assert any("remplace" in m and "Convocation :" in m for m in notes)
        board = screen.day_board.board  # refreshed once the replacement was written
        assert board is not None and mission.id not in {n.assignment_id for n in board.needs}


async def test_replacement_left_with_escape_refreshes_the_board(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Échap while the replacement is written: the board, read meanwhile, is read again once
    the write lands, and the date being typed in its field is kept."""
    gate = _gate(monkeypatch, replacements, "assign_replacement")
    dbmod.close_database()
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_f5(pilot)
        need = screen.day_board.current_need()
        assert need is not None and need.replaceable
        await pilot.press("enter")
        await settle(pilot)
        replacing = app.screen
        assert isinstance(replacing, ReplacementScreen) and replacing.ranking is not None
        await pilot.press("enter", "o")  # the first replacement, confirmed, held
        assert await asyncio.to_thread(gate.entered.wait, 5)
        await pilot.press("escape")
        for _ in range(100):  # the board is read again on the way back, the write still held
            await pilot.pause(0.02)
            reading = [w for w in app.workers if w.group == "juries-board" and not w.is_finished]
            if app.screen is screen and not reading:
                break
        board = screen.day_board.board
        assert board is not None and need.assignment_id in {n.assignment_id for n in board.needs}
        await pilot.press("d")
        day = screen.query_one("#board-day", Input)
        day.value = ""
        await type_text(pilot, "01/07")
        gate.opened.set()
        await settle(pilot)
        assert gate.released_by_test is True
        assert Assignment.get_by_id(need.assignment_id).state == "remplacee"
        board = screen.day_board.board
        assert board is not None
        assert need.assignment_id not in {n.assignment_id for n in board.needs}
        assert day.value == "01/07" and screen.focused is day
