"""Issue 12's acceptance: an académie built from the sample files through the command line only
(no demo code), then F4 (lots given to correcteurs and typed), F5 (a convocation, the absence,
the ranked replacement) and F6 (a claim entered, its service fait, validated) driven with Pilot
at 80x24, keys pressed as a user does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, new_base, pin_login, settle, type_text
from test_grade_entry_correcteur import _pick
from textual.widgets import Input, Select

from baktui.app import BaktuiApp
from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Candidate,
    Centre,
    Examiner,
    ExpenseClaim,
    Grade,
    Lot,
)
from baktui.rules.examiners import teaches
from baktui.rules.slips import format_centi
from baktui.screens.expenses import ExpensesScreen
from baktui.screens.grade_entry import GradeEntryScreen
from baktui.screens.juries import JuriesScreen
from baktui.screens.replacements import ReplacementScreen
from baktui.widgets.absence_form import AbsenceForm
from baktui.widgets.claim_forms import NewClaimModal
from baktui.widgets.convene_form import ConveneForm
from baktui.widgets.dialogs import ConfirmModal, ReportModal
from baktui.widgets.examiner_list import ExaminerList
from baktui.widgets.examiner_picker import ExaminerPicker

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")
LOGIN = "gestionnaire"


@pytest.fixture(scope="module")
def academie_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The académie of the sample files, built once with the CLI (init, imports, répartition)."""
    base = new_base(tmp_path_factory.mktemp("academie") / "bac2026.sqlite")
    assert main(["--db", str(base), "init"]) == 0
    for kind in LISTS:
        assert main(["--db", str(base), "import", kind, str(SAMPLES / f"{kind}.csv")]) == 0, kind
    assert main(["--db", str(base), "jurys", "repartir"]) == 0
    dbmod.close_database()
    return base


@pytest.fixture
def base(academie_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = copy_base(academie_file, tmp_path / "bac2026.sqlite")
    pin_login(monkeypatch, LOGIN)
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    yield path
    dbmod.close_database()


def _free_correcteur(lot: Lot) -> Examiner | None:
    """An examiner of the lot's épreuve who teaches in none of its copies' lycées."""
    etabs = {
        etab for (etab,) in Candidate.select(Candidate.etablissement)
        .join(Anonymat, on=Anonymat.candidate == Candidate.id)
        .where(Anonymat.lot == lot.id).tuples()
    }  # fmt: skip
    return next(
        (e for e in Examiner.select().order_by(Examiner.id)
         if teaches(e.disciplines, lot.epreuve_code, ()) and e.etablissement_id not in etabs),
        None,
    )  # fmt: skip


async def test_f4_lots_of_a_file_built_base_get_correcteurs_and_grades(base: Path) -> None:
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GradeEntryScreen)
        assert Lot.select().count() == 0
        # anonymity numbers and lots, from the screen
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ReportModal) and "lots constitués" in app.screen.text
        await pilot.press("escape")
        await settle(pilot)
        lots = list(Lot.select().order_by(Lot.number))
        assert lots and all(lot.centre_id is not None for lot in lots)  # a centre de correction
        correction = {c.id for c in Centre.select().where(Centre.is_correction)}
        assert {lot.centre_id for lot in lots} <= correction
        # the lot of most copies that one of the sample examiners may mark
        by_size = sorted(lots, key=lambda x: -Anonymat.select().where(Anonymat.lot == x.id).count())
        lot, correcteur = next((x, e) for x in by_size if (e := _free_correcteur(x)) is not None)
        copies = Anonymat.select().where(Anonymat.lot == lot.id).count()
        assert copies >= 2
        # the lot, its correcteur (F4 Ctrl+E), its grades and control totals, closed
        await pilot.press(*str(lot.number), "enter", "ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, ExaminerPicker)
        await _pick(pilot, correcteur)
        assert Lot.get_by_id(lot.id).correcteur_id == correcteur.id
        values = [str(6 + k % 13) for k in range(copies)]  # 6 to 18
        keys = [k for v in values for k in (*v, "enter")]
        total = sum(int(v) for v in values) * 100
        keys += ["tab", *str(copies), "tab", "0", "tab", *format_centi(total), "enter"]
        keys += ["ctrl+s", "o"]  # closing asks for a confirmation
        await pilot.press(*keys)
        await settle(pilot)
        stored = Lot.get_by_id(lot.id)
        assert stored.state == "saisi" and stored.closed_by == LOGIN, "\n".join(
            s.text for s in app.screen._compositor.render_strips()
        )
        grades = (
            Grade.select().join(Anonymat, on=(Anonymat.candidate == Grade.candidate)
                                & (Anonymat.epreuve_code == Grade.epreuve_code))
            .where(Anonymat.lot == lot.id)
        )  # fmt: skip
        assert sorted(g.value_centi for g in grades) == sorted(int(v) * 100 for v in values)


async def _question_or_idle(pilot) -> bool:  # noqa: ANN001
    """Wait until a question is asked (True) or no worker runs any more (False): the validation
    asks its questions from inside its worker, which waits for the answers."""
    for _ in range(200):
        await pilot.pause(0.02)
        if isinstance(pilot.app.screen, ConfirmModal):
            return True
        if not [w for w in pilot.app.workers if w.is_running]:
            return isinstance(pilot.app.screen, ConfirmModal)
    raise AssertionError("ni question ni fin du travail en cours")


async def _find_examiner(pilot, examiner: Examiner) -> None:  # noqa: ANN001
    await pilot.press("e")
    await settle(pilot)
    await type_text(pilot, examiner.name_key)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.screen.query_one(ExaminerList).current_examiner().id == examiner.id


async def test_f5_convocation_absence_replacement_then_f6_claim_validated(base: Path) -> None:
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dbmod.open_database(str(base))
        absent = Examiner.get(Examiner.identifier == "EX0005")
        centre = Centre.get(Centre.is_exam)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JuriesScreen)
        # F5 « n »: a surveillance on the day of philosophy
        await _find_examiner(pilot, absent)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConveneForm)
        form.query_one("#conv-kind", Select).value = "surveillance"
        form.query_one("#conv-centre", Select).value = centre.id
        form.query_one("#conv-day", Input).focus()
        await pilot.press(*"15/06/2026", "tab", *"08:00", "tab", *"12:00", "enter")
        await settle(pilot)
        assert app.screen is screen, getattr(app.screen, "id", app.screen)
        mission = Assignment.get((Assignment.examiner == absent.id)
                                 & (Assignment.kind == "surveillance"))  # fmt: skip
        # F5 « a »: the absence, then the ranked replacements, Entrée takes the first
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AbsenceForm)
        app.screen.query_one("#absence-day", Input).value = "15/06/2026"
        await type_text(pilot, "enfant malade")
        await pilot.press("enter")
        await settle(pilot)
        assert Absence.get(Absence.examiner == absent.id).reason == "enfant malade"
        replacing = app.screen
        assert isinstance(replacing, ReplacementScreen)
        ranking = replacing.ranking
        assert ranking is not None and ranking.options and ranking.need.assignment_id == mission.id
        kms = [o.km for o in ranking.options if o.km is not None]
        assert kms == sorted(kms)  # the nearest first
        first = ranking.options[0]
        await pilot.press("enter")
        await settle(pilot)
        if isinstance(app.screen, ConfirmModal):  # a confirmation, where the screen asks one
            await pilot.press("o")
            await settle(pilot)
        assert Assignment.get_by_id(mission.id).state == "remplacee"
        new = Assignment.get(Assignment.replaces == mission.id)
        assert new.examiner_id == first.examiner_id and new.examiner_id != absent.id
        substitute = Examiner.get_by_id(new.examiner_id)
        assert Absence.get(Absence.examiner == absent.id).resolved

        # F6: the substitute's claim keyed (Ctrl+N), its service fait (s), validated (v)
        if not substitute.identifier:
            pytest.fail("the sample examiners all have an identifier")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        expenses = app.screen
        assert isinstance(expenses, ExpensesScreen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NewClaimModal)
        await pilot.press(*substitute.identifier.lower(), "tab", "tab", "1", "enter")
        await settle(pilot)
        assert app.screen is expenses
        (claim,) = ExpenseClaim.select().where(ExpenseClaim.examiner == substitute.id)
        assert claim.state == "declaree" and claim.total_centi > 0
        assert expenses.detail is not None and expenses.detail.id == claim.id
        await pilot.press("s")
        await settle(pilot)
        if isinstance(app.screen, ConfirmModal):
            await pilot.press("o")
            await settle(pilot)
        assert ExpenseClaim.get_by_id(claim.id).state == "service_fait"
        await pilot.press("f", "up", "enter")  # the list « À valider (service fait) »
        await settle(pilot)
        assert expenses.detail is not None and expenses.detail.id == claim.id
        await pilot.press("v")
        for _ in range(10):  # each anomaly confirmed, then the validation itself
            if not await _question_or_idle(pilot):
                break
            await pilot.press("o")
        await settle(pilot)
        validated = ExpenseClaim.get_by_id(claim.id)
        assert (validated.state, validated.validated_by) == ("validee", LOGIN)
