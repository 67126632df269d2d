"""F7 at 80x24 on the small demo, deliberated: the readiness board, a jury opened, a candidate's
what-if typed in one burst, jury points (reason required, refused above 20) changing the
decision, the second-group choice, the jury closed (an import then refused) and reopened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, pin_login, settle
from test_jury_deliberation import _raisable
from textual import events
from textual.widgets import Input, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Candidate, Grade, Jury, JuryPoint, Result
from baktui.demo import DemoSummary
from baktui.screens.deliberation import DeliberationScreen
from baktui.screens.jury_deliberation import CandidateScreen, JuryScreen
from baktui.services.deliberation import deliberate_session
from baktui.services.imports.grades import import_grades
from baktui.services.jury_locks import LockedError
from baktui.services.sessions import current_session
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ConfirmModal, TextDialog
from baktui.widgets.readiness_board import ReadinessBoard


@pytest.fixture
def base(demo_file: tuple[Path, DemoSummary], tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, int, str, str]]:  # fmt: skip
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, "president")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    dbmod.open_database(str(path))
    deliberate_session(current_session().id)
    cid, code, grade = _raisable(current_session().id, "SECOND_GROUPE")
    dbmod.close_database()
    yield path, cid, code, grade
    dbmod.close_database()


def text_of(app: BaktuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def burst(app: BaktuiApp, keys: list[str]) -> None:
    for key in keys:
        character = " " if key == "space" else (key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


async def test_a_jury_deliberated_from_the_screen(base: tuple[Path, int, str, str],
                                                  tmp_path: Path) -> None:  # fmt: skip
    path, cid, code, grade = base
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeliberationScreen)
        assert screen.query_one(ReadinessBoard).display
        # the jury's list, the candidate's jury opened, sorted by number, the candidate opened
        await pilot.press("2")
        await settle(pilot)
        jury_id = Candidate.get_by_id(cid).jury_id
        juries = screen.query_one("#delib-juries", DataTable)
        juries.move_cursor(row=juries.get_row_index(str(jury_id)))
        await pilot.press("enter")
        await settle(pilot)
        jury_screen = app.screen
        assert isinstance(jury_screen, JuryScreen)
        number = Jury.get_by_id(jury_id).number
        assert text_of(app, "#jury-title").startswith(f"Jury n° {number}")
        table = jury_screen.query_one("#jury-table", DataTable)
        while str(cid) not in [str(k.value) for k in table.rows]:
            await pilot.press("plus")
            await settle(pilot)
        table.move_cursor(row=table.get_row_index(str(cid)))
        await pilot.press("enter")
        await settle(pilot)
        candidate = app.screen
        assert isinstance(candidate, CandidateScreen)
        assert "Second groupe" in text_of(app, "#cand-result")
        # the what-if, typed in one burst right after « s »: nothing saved
        burst(app, ["s", *code, "space", *grade])
        await settle(pilot)
        assert "Simulation : moyenne" in text_of(app, "#cand-whatif-result")
        assert "Admis" in text_of(app, "#cand-whatif-result")
        assert Result.get(Result.candidate == cid).decision == "SECOND_GROUPE"
        await pilot.press("enter")  # back to the épreuves
        # the second-group choice
        await pilot.press("g")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = "phi sp1"
        await pilot.press("enter")
        await settle(pilot)
        chosen = Grade.select().where((Grade.candidate == cid) & (Grade.group == 2))
        assert sorted(g.epreuve_code for g in chosen) == ["PHI", "SP1"]
        assert "second groupe : PHI, SP1" in text_of(app, "#cand-result")
        # jury points: above 20 refused, then the grade raised with its reason
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text-value", Input).value = f"{code} 21 harmonisation"
        await pilot.press("enter")
        await settle(pilot)
        assert JuryPoint.select().count() == 0
        await pilot.press("j")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = f"{code} {grade} harmonisation"
        await pilot.press("enter")
        await settle(pilot)
        assert Result.get(Result.candidate == cid).decision == "ADMIS"
        assert "Admis" in text_of(app, "#cand-result") and "jury" in str(
            candidate.query_one("#cand-lines", DataTable).get_row(code)[5]
        )
        # the jury closed from its list: the candidates are locked, an import is refused
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        assert Jury.get_by_id(jury_id).closed_group == 1
        assert "1er groupe clos" in text_of(app, "#jury-title")
        ine = Candidate.get_by_id(cid).ine
        notes = tmp_path / "notes.csv"
        notes.write_text(f"ine;epreuve;note\n{ine};{code};3\n", encoding="utf-8")
        with pytest.raises(LockedError, match="1 candidat verrouillé"):
            import_grades(current_session().id, notes)
        assert Grade.get((Grade.candidate == cid) & (Grade.epreuve_code == code)).value_centi != 300
        # reopened by the président, with a reason
        await pilot.press("o")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = "erreur signalée par le centre"
        await pilot.press("enter")
        await settle(pilot)
        assert Jury.get_by_id(jury_id).closed_group == 0
        assert "ouvert" in text_of(app, "#jury-title")


async def test_close_then_publish_typed_in_one_burst(
    base: tuple[Path, int, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """« c o p o » at once: the publication waits for the closing written and the jury re-read
    (the closing made slow, as on a busy server)."""
    import time

    from helpers import drained

    from baktui.services import jury_deliberation as jd

    close = jd.close_jury

    def slow_close(*args: object) -> str:
        time.sleep(0.5)
        return close(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(jd, "close_jury", slow_close)
    path, cid, _, _ = base
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        jury_id = Candidate.get_by_id(cid).jury_id
        burst(app, ["f7", "2"])
        await drained(pilot)
        juries = app.screen.query_one("#delib-juries", DataTable)
        juries.move_cursor(row=juries.get_row_index(str(jury_id)))
        burst(app, ["enter", "c", "o", "p", "o"])
        await drained(pilot)
        jury = Jury.get_by_id(jury_id)
        assert (jury.closed_group, jury.published_group) == (1, 1)
        assert isinstance(app.screen, JuryScreen)
