"""F5 Jurys driven headless at 80x24 on the demo: absence, ranking, refusal, one-key replacement."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import burst, drained, keys_of, pin_login, settle, small_demo, type_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Absence, Assignment, AuditLog, Document, Examiner, Jury, Lot
from baktui.rules.identifiers import fold
from baktui.screens import registry
from baktui.screens.juries import JuriesScreen
from baktui.screens.replacements import ReplacementScreen
from baktui.services import eligibility, replacements
from baktui.services.missions import mission_of_assignment
from baktui.widgets.absence_form import AbsenceForm
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.examiner_list import ExaminerList
from baktui.widgets.examiner_picker import ExaminerPicker
from baktui.widgets.jury_list import JuryList


@dataclass(frozen=True)
class Demo:
    path: Path
    correction: int  # a correction mission put back to "convoquée" (the morning of the day)
    examiner: int  # its correcteur, who will be declared absent
    lot: int
    search: str  # what to type to find the correcteur


def _pick_correction() -> tuple[int, int, int]:
    """A correction with at least one possible replacement and one own-students refusal."""
    for row in Assignment.select().where(Assignment.kind == "correction").order_by(Assignment.id):
        spec = mission_of_assignment(row.id)
        found = eligibility.evaluate(spec)
        eligible = [e for e in found if e.eligible]
        own = [
            e
            for e in found
            if any(code == eligibility.R_OWN for code, _ in e.reasons)
            and not any(code in replacements.HIDDEN_REASONS for code, _ in e.reasons)
        ]
        if eligible and own:
            return row.id, row.examiner_id, row.lot_id
    raise AssertionError("no suitable correction in the demo")


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setattr(registry, "SCREENS", (registry.entry("home"), registry.entry("juries")))
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    pin_login(monkeypatch, "gestionnaire")
    path = small_demo(tmp_path)[0]
    dbmod.open_database(path)
    correction, examiner_id, lot = _pick_correction()
    Assignment.update(state="convoquee").where(Assignment.id == correction).execute()
    examiner = Examiner.get_by_id(examiner_id)
    dbmod.close_database()
    yield Demo(path, correction, examiner_id, lot, examiner.name_key)


def static_text(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).content)


async def test_absence_ranking_refusal_and_one_key_replacement(demo: Demo) -> None:
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, JuriesScreen)
        # find the correcteur and declare the absence
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, demo.search)
        await settle(pilot)
        await pilot.press("enter")
        assert app.screen.query_one(ExaminerList).current_examiner().id == demo.examiner
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AbsenceForm)
        day = Assignment.get_by_id(demo.correction).day
        form.query_one("#absence-day", Input).value = day.strftime("%d/%m/%Y")
        await type_text(pilot, "arret maladie")
        await pilot.press("enter")
        await settle(pilot)
        absence = Absence.get((Absence.examiner == demo.examiner) & (Absence.day == day))
        assert absence.reason == "arret maladie" and not absence.resolved

        # the replacement screen: what is uncovered and the ranked list
        screen = app.screen
        assert isinstance(screen, ReplacementScreen)
        ranking = screen.ranking
        assert ranking is not None and ranking.options
        assert ranking.need.assignment_id == demo.correction
        title = static_text(pilot, "#replace-title")
        assert title.startswith("Remplaçants ") and " examinés en " in title
        kms = [o.km for o in ranking.options if o.km is not None]
        assert kms == sorted(kms)

        # a teacher of the candidates' établissement: refused, with the reason
        await pilot.press("e")
        await settle(pilot)
        table = screen.query_one("#replace-options", DataTable)
        refused = screen._current_option()
        assert refused is not None and eligibility.R_OWN in refused.reason_codes
        assert table.row_count == len(ranking.excluded)
        await pilot.press("enter")
        await settle(pilot)
        detail = static_text(pilot, "#replace-detail")
        assert detail.startswith("Refusé : ") and "propres élèves" in detail
        assert "Affectation refusée" not in detail  # one prefix, one sentence
        assert Lot.get_by_id(demo.lot).correcteur_id == demo.examiner
        assert Assignment.get_by_id(demo.correction).state == "convoquee"

        # back to the ranked list: Entrée assigns the first
        await pilot.press("e")
        await settle(pilot)
        first = screen._current_option()
        assert first is not None and first.examiner_id == ranking.options[0].examiner_id
        await pilot.press("enter")  # asks first: who replaces whom, which épreuve, which day
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmModal)
        need = ranking.need
        assert f"{first.name} (" in dialog.question
        assert f"en remplacement de {need.examiner}" in dialog.question
        assert f"épreuve {need.epreuve_code}" in dialog.question
        assert f"le {need.day:%d/%m/%Y}" in dialog.question
        await pilot.press("n")  # « non »: nothing written
        await settle(pilot)
        assert Assignment.get_by_id(demo.correction).state == "convoquee"
        assert "annulé" in static_text(pilot, "#replace-detail")
        burst(app, ["enter", "o"])  # Entrée and « o » in one burst
        await drained(pilot)
        await settle(pilot)
        lot = Lot.get_by_id(demo.lot)
        assert lot.correcteur_id == first.examiner_id
        old = Assignment.get_by_id(demo.correction)
        assert old.state == "remplacee"
        new = Assignment.get(Assignment.replaces == old.id)
        assert (new.examiner_id, new.lot_id, new.state) == (first.examiner_id, lot.id, "convoquee")
        spec = mission_of_assignment(new.id)
        assert Examiner.get_by_id(first.examiner_id).etablissement_id not in spec.concerned
        assert Absence.get_by_id(absence.id).resolved
        event = AuditLog.get(
            (AuditLog.entity == "assignment") & (AuditLog.field == "remplacement")
            & (AuditLog.entity_id == str(new.id))
        )  # fmt: skip
        assert f"remplace {event.before}, épreuve {need.epreuve_code}, le " in event.reason
        assert event.reason.endswith(f"{need.day:%d/%m/%Y} (confirmé à l'écran)")
        document = Document.get(Document.examiner == first.examiner_id)
        pdf = Path(os.environ["BAKTUI_OUT"]) / document.reference
        assert pdf.read_bytes().startswith(b"%PDF")
        assert "Plus rien à couvrir" in static_text(pilot, "#replace-need")

        # back on the board, nothing is left for that absence
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, JuriesScreen)


async def test_board_opens_on_a_day_with_needs_and_president_is_checked(demo: Demo) -> None:
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JuriesScreen)
        board = screen.day_board.board
        assert board is not None and board.replaceable >= 1  # the demo's unreplaced absences
        assert "à remplacer" in static_text(pilot, "#board-summary")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplacementScreen)
        assert app.screen.ranking is not None
        await pilot.press("escape")
        await settle(pilot)

        # juries: a certifié as président is refused with the article
        await pilot.press("j")
        await settle(pilot)
        jury = screen.query_one(JuryList).current_jury()
        assert jury is not None
        certifie = Examiner.select().where(Examiner.corps == "CERTIFIE").first()
        await pilot.press("p")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ExaminerPicker)
        await type_text(pilot, fold(f"{certifie.last_name} {certifie.first_name}"))
        await settle(pilot)
        await pilot.press("down")
        picker_table = picker.query_one("#picker-table", DataTable)
        picker_table.move_cursor(row=picker_table.get_row_index(str(certifie.id)))
        await pilot.press("enter")
        await settle(pilot)
        assert Jury.get_by_id(jury.id).president_id == jury.president_id
        messages = [n.message for n in app._notifications]
        assert any("D.336-20" in m for m in messages)


async def test_the_absence_typed_in_one_burst_keeps_its_date_and_reason(demo: Demo) -> None:
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, demo.search)
        await settle(pilot)
        await pilot.press("enter")
        day = Assignment.get_by_id(demo.correction).day
        # the dialog opens on the reason: back to the date, retype it, Tab, the reason, Entrée
        burst(app, ["a", "shift+tab", "ctrl+u", *day.strftime("%d/%m/%Y"), "tab",
                    *keys_of("arret maladie"), "enter"])  # fmt: skip
        await drained(pilot)
        absence = Absence.get((Absence.examiner == demo.examiner) & (Absence.day == day))
        assert absence.reason == "arret maladie"


async def test_down_from_the_examiner_search_reaches_the_list(demo: Demo) -> None:
    """Issue 17: ↓ in the search field goes down to the list, typed in one burst."""
    app = BaktuiApp(str(demo.path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # one burst: the ↓ wait for the results of « ber », not the list shown before them
        burst(app, ["f5", "e", *keys_of("ber"), "down", "down"])
        await drained(pilot)
        pane = app.screen.query_one(ExaminerList)
        rows = list(pane.rows.values())
        assert len(rows) > 2 and all(r.name.lower().startswith("ber") for r in rows)
        assert app.focused is pane.query_one("#examiners-table")
        current = pane.current_examiner()
        assert current is not None and current.id == rows[1].id
        assert rows[1].name in static_text(pilot, "#examiner-detail")
