"""F4 — the grade slip screen, driven with Pilot on the 600-candidate demo."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, small_demo
from textual.widgets import Input

from baktui.app import BaktuiApp
from baktui.data.audit import acting_as
from baktui.data.models import Anonymat, AuditLog, Candidate, Grade, Lot
from baktui.rules.slips import SlipMode, format_centi
from baktui.screens.grade_entry import GradeEntryScreen
from baktui.screens.missing_grades import MissingGradesScreen
from baktui.services.grade_slip.editor import open_slip
from baktui.widgets.dialogs import ConfirmModal, TextDialog
from baktui.widgets.entry_line import EntryLine
from baktui.widgets.grade_grid import GradeGrid


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield small_demo(tmp_path_factory.mktemp("demo"))[0]


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    target = copy_base(demo_template, tmp_path / "demo.sqlite")
    return target


def _open_lot(min_copies: int = 30) -> Lot:
    """A lot nobody has started, with enough copies, whose copies are not composite."""
    return (
        Lot.select()
        .where((Lot.state == "distribue") & (Lot.epreuve_code.in_(["PHI", "SP2"])))
        .join(Anonymat)
        .group_by(Lot.id)
        .having(pw_count() >= min_copies)
        .order_by(Lot.number)
        .first()
    )


def pw_count():  # noqa: ANN201 - tiny helper for the query above
    import peewee as pw

    return pw.fn.COUNT(Anonymat.id)


def _grades_of_lot(lot: Lot) -> list[Grade]:
    return list(
        Grade.select()
        .join(
            Anonymat,
            on=(
                (Anonymat.candidate == Grade.candidate)
                & (Anonymat.epreuve_code == Grade.epreuve_code)
            ),
        )
        .where((Anonymat.lot == lot.id) & (Grade.group == 1))
    )


def _screen_text(app: BaktuiApp) -> str:
    """The screen's text as the SVG screenshot holds it (non-breaking spaces made plain)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def _open_slip(app: BaktuiApp, pilot, number: int) -> GradeEntryScreen:  # noqa: ANN001
    await pilot.press("f4")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, GradeEntryScreen)
    await pilot.press(*str(number), "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_type_thirty_grades_with_enter(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        lot = _open_lot(40)
        session_id = lot.session_id
        # the first copies were keyed earlier: the slip opens on the first empty grade
        editor = open_slip(session_id, lot.number)
        start = len(editor) - 30
        for i in range(start):
            editor.commit(i, "10")
        screen = await _open_slip(app, pilot, lot.number)
        grid = screen.query_one(GradeGrid)
        assert app.focused is grid
        assert grid.cursor_row == start

        typed: list[str] = []
        for k in range(30):
            value = "ABS" if k == 7 else str((k * 7) % 21)
            if k == 3:  # a wrong value first: refused with its message, nothing saved
                await pilot.press("2", "5", "enter")
                message = str(screen.query_one("#entry-message", EntryLine).text)
                assert "hors de l'intervalle 0 à 20" in message
                assert grid.cursor_row == start + 3 and grid.typed == "25"
                await pilot.press("1", "2", ",", "5", "enter")
                assert "points entiers" in str(screen.query_one("#entry-message", EntryLine).text)
            await pilot.press(*value, "enter")
            typed.append(value)
        await pilot.pause()

        grades = {g.candidate_id: g for g in _grades_of_lot(lot)}
        assert len(grades) == len(editor)  # the 30 typed + the ones keyed before
        numbers = [r.anonymat for r in grid.rows]
        by_number = {
            a.number: a.candidate_id for a in Anonymat.select().where(Anonymat.lot == lot.id)
        }
        for k, value in enumerate(typed):
            grade = grades[by_number[numbers[start + k]]]
            shown = grade.code or str(grade.value_centi // 100)
            assert shown == value and grade.source == "saisie"
        assert grid.cursor_row == len(grid.rows) - 1  # the cursor ended on the last line
        refused = AuditLog.select().where(AuditLog.after.in_(["25", "12,5"])).count()
        assert refused == 0

        # control totals typed from the slip: they agree, then the slip can be closed
        total = sum(g.value_centi or 0 for g in grades.values())
        absents = sum(1 for g in grades.values() if g.code)
        await pilot.press("ctrl+k")
        await pilot.press(*str(len(grades)), "tab", *str(absents), "tab")
        await pilot.press(*format_centi(total), "enter")
        await pilot.pause()
        assert "concordants" in str(screen.query_one("#ctl-state", EntryLine).text)
        await pilot.press("ctrl+s")  # asks first: « non » leaves the slip open
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert f"Clore le bordereau {lot.number}" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert Lot.get_by_id(lot.id).state == "en_saisie"
        await pilot.press("ctrl+s", "o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert Lot.get_by_id(lot.id).state == "saisi"
        assert screen.editor is not None and screen.editor.mode == SlipMode.CLOSED

        # names (and candidate numbers) never appear on this screen
        people = list(
            Candidate.select()
            .join(Anonymat, on=(Anonymat.candidate == Candidate.id))
            .where(Anonymat.lot == lot.id)
        )
        shot = _screen_text(app).upper()
        for person in people:
            assert f"{person.last_name} {person.first_name}".upper() not in shot
            assert f"{person.first_name} {person.last_name}".upper() not in shot
            assert person.number not in shot


async def test_closing_refused_while_totals_disagree_and_undo(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        lot = _open_lot(30)
        screen = await _open_slip(app, pilot, lot.number)
        await pilot.press("1", "4", "enter", "9", "enter")
        assert len(_grades_of_lot(lot)) == 2
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert len(_grades_of_lot(lot)) == 1
        grid = screen.query_one(GradeGrid)
        assert grid.cursor_row == 1 and not grid.rows[1].filled
        await pilot.press("ctrl+k", "1", "tab", "0", "tab", "1", "5", "enter")
        await pilot.pause()
        state = str(screen.query_one("#ctl-state", EntryLine).text)
        assert "✗" in state
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Lot.get_by_id(lot.id).state == "en_saisie"
        assert "non clos" in str(screen.query_one("#entry-message", EntryLine).text)
        entries = AuditLog.select().where(AuditLog.entity == "grade").order_by(AuditLog.id)
        assert [e.action for e in entries][-3:] == ["create", "create", "delete"]


async def test_blind_double_entry_through_the_screen(demo: Path) -> None:
    lot_number = 0
    with acting_as("alice"):
        app = BaktuiApp(str(demo))
        async with app.run_test(size=(80, 24)) as pilot:
            lot = Lot.select().where(Lot.state == "distribue").order_by(Lot.number).first()
            lot_number = lot.number
            screen = await _open_slip(app, pilot, lot_number)
            await pilot.press("ctrl+d")
            await pilot.pause()
            assert screen.editor is not None and screen.editor.mode == SlipMode.PASS1
            for _ in range(len(screen.editor)):
                await pilot.press("1", "1", "enter")
            await pilot.pause()
            assert screen.editor.mode == SlipMode.WAIT
            assert len(_grades_of_lot(lot)) == 0
            # marked for double entry: it cannot be closed before its second pass
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmModal)
            n = len(screen.editor)
            message = str(screen.query_one("#entry-message", EntryLine).text)
            copies = f"{n} copie" if n == 1 else f"{n} copies"
            assert f"non clos : double saisie exigée : {copies} sur {n} sans 2e saisie" in message
            assert Lot.get_by_id(lot.id).state != "saisi"
    with acting_as("bob"):
        app = BaktuiApp(str(demo))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open_slip(app, pilot, lot_number)
            assert screen.editor is not None and screen.editor.mode == SlipMode.PASS2
            grid = screen.query_one(GradeGrid)
            assert not any(r.filled for r in grid.rows)  # blind
            n = len(screen.editor)
            for i in range(n):
                await pilot.press(*("12" if i == 0 else "11"), "enter")
            await pilot.pause()
            assert screen.editor.mode == SlipMode.ARBITRAGE
            assert [(r.first, r.second) for r in grid.rows] == [("11", "12")]
            await pilot.press("1", "1", "enter")
            await pilot.pause()
            assert screen.editor.mode == SlipMode.ENTRY
            lot = Lot.get(Lot.number == lot_number)
            assert len(_grades_of_lot(lot)) == n
            # each row keeps both operators, and the arbiter of the disagreement
            by = [r.entered_by for r in grid.rows]
            assert by[0] == "alice/bob arb. bob"
            assert by[1:] == ["alice/bob"] * (n - 1)
            assert "alice/bob arb. bob" in _screen_text(app)


async def test_missing_grades_view_entry(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4", "ctrl+g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MissingGradesScreen)
        assert screen.page is not None and screen.page.total_missing > 0
        before = screen.page.total_missing
        # a group of oral grades: entered by candidate
        oral = next(i for i, g in enumerate(screen.page.groups) if not g.written)
        for _ in range(oral):
            await pilot.press("down")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("1", "3", "enter")
        await pilot.pause()
        assert screen.lines[0].grade == "13"
        await pilot.press("escape", "escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.page.total_missing == before - 1
        text = _screen_text(app)
        assert "notes manquantes" in text


async def test_missing_grades_typed_in_one_burst_land(demo: Path) -> None:
    """F4, Ctrl+G, down to an oral group, Entrée, Entrée, a grade, Entrée: all at once."""
    from helpers import burst, drained, keys_of

    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await drained(pilot)
        burst(app, ["f4", "ctrl+g"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, MissingGradesScreen) and screen.page is not None
        oral = next(i for i, g in enumerate(screen.page.groups) if not g.written)
        burst(app, ["escape"])
        await drained(pilot)
        burst(app, ["ctrl+g", *["down"] * oral, "enter", "enter", *keys_of("15"), "enter"])
        await drained(pilot)
        assert isinstance(app.screen, MissingGradesScreen)
        line = app.screen.lines[0]
        assert line.grade == "15"  # an oral: whole points
        _, candidate_id, code = line.key.split(":")
        grade = Grade.get((Grade.candidate == int(candidate_id)) & (Grade.epreuve_code == code))
        assert grade.value_centi == 1500


async def test_keys_typed_ahead_in_one_burst_land_in_order(demo: Path) -> None:
    """Over SSH keys arrive in packets: lot number, grades, totals and Ctrl+S all at once."""
    from textual import events

    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        lot = _open_lot(12)
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GradeEntryScreen)
        editor = open_slip(lot.session_id, lot.number)
        values = ["ABS" if k == 2 else str(k % 16 + 5) for k in range(len(editor))]
        total = sum(int(v) for v in values if v != "ABS") * 100
        keys = [*str(lot.number), "enter"]
        for value in values:
            keys += [*value, "enter"]
        keys += ["tab", *str(len(values)), "tab", "1", "tab", *format_centi(total), "enter"]
        keys += ["ctrl+s", "o"]  # the confirmation dialog gets its « o » from the same burst
        for key in keys:  # posted at once, no pause: the app sees one burst
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        for _ in range(50):
            await pilot.pause(0.05)
            if Lot.get_by_id(lot.id).state == "saisi":
                break
        await app.workers.wait_for_complete()
        await pilot.pause()
        numbers = [r.anonymat for r in editor.rows]
        by_number = {
            a.number: a.candidate_id for a in Anonymat.select().where(Anonymat.lot == lot.id)
        }
        grades = {g.candidate_id: g for g in _grades_of_lot(lot)}
        typed = [
            grades[by_number[n]].code or str(grades[by_number[n]].value_centi // 100)
            for n in numbers
        ]
        assert typed == values
        assert Lot.get_by_id(lot.id).state == "saisi"


async def test_keys_typed_while_a_slip_write_runs_in_its_worker_all_land(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+D (double entry) is written in a worker: the grades typed right after it wait in the
    grid and land, in order, as the first pass once the slip is shown again."""
    import threading

    from baktui.screens import grade_entry

    started, go = threading.Event(), threading.Event()
    real = grade_entry._toggle_double_entry

    def held(session_id: int, editor):  # noqa: ANN001, ANN202
        started.set()
        assert go.wait(10)
        return real(session_id, editor)

    monkeypatch.setattr(grade_entry, "_toggle_double_entry", held)
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        lot = _open_lot(30)
        screen = await _open_slip(app, pilot, lot.number)
        await pilot.press("ctrl+d")
        assert started.wait(10)  # the write is running in its thread, not on the UI's
        await pilot.press("1", "2", "enter", "9", "enter")  # typed during the write
        go.set()
        for _ in range(40):
            await pilot.pause(0.05)
            if screen.editor is not None and screen.editor.mode == SlipMode.PASS1:
                if screen.query_one(GradeGrid).cursor_row == 2:
                    break
        assert screen.editor is not None and screen.editor.mode == SlipMode.PASS1
        rows = screen.query_one(GradeGrid).rows
        assert [rows[0].text, rows[1].text] == ["12", "9"]
        assert len(_grades_of_lot(lot)) == 0  # blind pass: nothing written as a grade yet
        passes = AuditLog.select().where(AuditLog.entity == "double_entry")
        assert [e.after for e in passes.order_by(AuditLog.id)] == ["12", "9"]


async def test_reopening_a_closed_slip_asks_a_reason_and_audits_it(demo: Path) -> None:
    """Ctrl+R: Échap or an empty reason leave the slip closed; the reason typed is audited."""
    from helpers import burst, drained, keys_of

    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        lot = _open_lot(12)
        editor = open_slip(lot.session_id, lot.number)
        values = [str(5 + k % 10) for k in range(len(editor))]
        for i, value in enumerate(values):
            editor.commit(i, value)
        total = sum(int(v) for v in values) * 100
        editor.set_controls(str(len(values)), "0", format_centi(total))
        editor.close()
        screen = await _open_slip(app, pilot, lot.number)
        assert screen.editor is not None and screen.editor.mode == SlipMode.CLOSED
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press("enter")  # no reason: refused, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert Lot.get_by_id(lot.id).state == "saisi"
        assert "réouverture annulée" in str(screen.query_one("#entry-message", EntryLine).text)
        # one burst: Ctrl+R, the reason, Entrée
        burst(app, ["ctrl+r", *keys_of("copie 3 mal reportée"), "enter"])
        await drained(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert Lot.get_by_id(lot.id).state == "en_saisie"
        entry = (
            AuditLog.select()
            .where((AuditLog.entity == "lot") & (AuditLog.field == "state"))
            .order_by(AuditLog.id.desc())
            .first()
        )
        assert entry.after == "en_saisie"
        assert entry.reason == f"réouverture du bordereau {lot.number} : copie 3 mal reportée"
