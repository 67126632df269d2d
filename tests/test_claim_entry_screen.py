"""F6 keys claims at 80x24 on the small demo: Ctrl+N declares a claim, L adds a line."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, keys_waiting, pin_login
from textual.pilot import Pilot
from textual.widgets import Input

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Assignment, ClaimMission, Examiner, ExpenseClaim, ExpenseLine
from baktui.demo import DemoSummary
from baktui.rules.lifecycles import ASSIGNMENT_CLOSED, CLAIM_LIVE
from baktui.screens.expenses import ExpensesScreen
from baktui.widgets.claim_forms import NewClaimModal, NewLineModal
from baktui.widgets.dialogs import ReportModal

LOGIN = "gestionnaire"
IDENTIFIER = "EX9001"


@pytest.fixture
def demo_db(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A copy of the small demo; one examiner with unclaimed convocations gets an identifier."""
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, LOGIN)
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "out"))
    dbmod.open_database(str(path))
    Examiner.update(identifier=IDENTIFIER).where(Examiner.id == unclaimed_examiner()).execute()
    dbmod.close_database()
    yield path
    dbmod.close_database()


def unclaimed_examiner() -> int:
    covered = (
        ClaimMission.select(ClaimMission.assignment)
        .join(ExpenseClaim)
        .where(ExpenseClaim.state.in_(CLAIM_LIVE))
    )
    query = Assignment.select(Assignment.examiner).where(
        Assignment.state.not_in(ASSIGNMENT_CLOSED) & Assignment.id.not_in(covered)
    )
    return query.order_by(Assignment.examiner).first().examiner_id


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(400):
        await pilot.pause()
        if not [w for w in pilot.app.workers if w.is_running] and not keys_waiting(pilot):
            await pilot.pause()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("des tâches de fond ne finissent pas")


def screen_text(pilot: Pilot[None]) -> str:
    return "\n".join(s.text for s in pilot.app.screen._compositor.render_strips())


def notices(pilot: Pilot[None]) -> str:
    return "\n".join(n.message for n in pilot.app._notifications)


async def open_expenses(pilot: Pilot[None]) -> ExpensesScreen:
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ExpensesScreen)
    return screen


def claims_of(examiner_identifier: str) -> list[ExpenseClaim]:
    examiner = Examiner.get(Examiner.identifier == examiner_identifier)
    return list(ExpenseClaim.select().where(ExpenseClaim.examiner == examiner.id))


NEW_CLAIM_KEYS = ("ctrl+n", *IDENTIFIER.lower(), "tab", "enter", "down", "enter", "tab", "2",
                  "enter")  # fmt: skip


async def test_declare_claim_then_add_line(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        for key in NEW_CLAIM_KEYS[:-1]:
            await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, NewClaimModal)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        (claim,) = claims_of(IDENTIFIER)
        assert claim.state == "declaree"
        lines = list(claim.lines)
        assert lines and all(line.origin == "family" for line in lines if line.kind == "car")
        assert all(line.quantity_centi == 200 for line in lines if line.kind == "meal")
        assert screen.filter_key == "declaree"
        assert screen.detail is not None and screen.detail.id == claim.id
        text = screen_text(pilot)
        assert screen.detail.row.examiner_name in text
        assert f"Demande n° {claim.id} déclarée pour" in notices(pilot)
        before = len(lines)

        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, NewLineModal)
        # date, nature → Péage (third kind), amount, receipt
        await pilot.press("ctrl+u", *"16/06/2026", "tab", "enter", "down", "down", "enter")
        await pilot.press("tab", *"7,40", "tab", "o", "enter")
        await settle(pilot)
        assert app.screen is screen
        toll = ExpenseLine.get((ExpenseLine.claim == claim.id) & (ExpenseLine.kind == "toll"))
        assert (toll.declared_centi, toll.amount_centi, toll.receipt) == (740, 740, True)
        assert ExpenseLine.select().where(ExpenseLine.claim == claim.id).count() == before + 1
        assert ExpenseClaim.get_by_id(claim.id).version > claim.version
        assert "Péage" in screen_text(pilot)
        assert screen.detail is not None and any(v.kind == "toll" for v in screen.detail.lines)


async def test_keys_in_one_burst_all_land(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        await pilot.press(*NEW_CLAIM_KEYS)
        await settle(pilot)
        (claim,) = claims_of(IDENTIFIER)
        assert {line.quantity_centi for line in claim.lines if line.kind == "meal"} <= {200}
        assert {line.origin for line in claim.lines if line.kind == "car"} <= {"family"}
        assert screen.detail is not None and screen.detail.id == claim.id
        last = max(line.id for line in claim.lines)
        await pilot.press("l", "ctrl+u", *"17/06/2026", "tab", "enter", *["down"] * 6, "enter",
                          "tab", "3", "enter")  # fmt: skip
        await settle(pilot)
        added = ExpenseLine.select().where(
            (ExpenseLine.claim == claim.id) & (ExpenseLine.id > last)
        )
        assert [(line.kind, str(line.day), line.quantity_centi) for line in added] == [
            ("copies", "2026-06-17", 300)
        ]
        assert added[0].amount_centi == 1500  # 3 × 5 €


async def test_refusals_write_nothing(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        count = ExpenseClaim.select().count()
        await pilot.press("ctrl+n", *"zzzz", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert "Examinateur : aucun identifiant ni nom « zzzz »." in notices(pilot)
        await pilot.press("ctrl+n", *IDENTIFIER, "tab", "tab", "ctrl+u", "5", "enter")
        await settle(pilot)
        assert isinstance(app.screen, NewClaimModal)
        assert "Repas par jour : un entier de 0 à 2" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(*NEW_CLAIM_KEYS)
        await settle(pilot)
        assert ExpenseClaim.select().count() == count + 1
        await pilot.press(*NEW_CLAIM_KEYS)  # nothing left to declare
        await settle(pilot)
        assert ExpenseClaim.select().count() == count + 1
        assert "Aucune convocation à déclarer pour" in notices(pilot)


async def test_line_refused_or_in_conflict_writes_nothing(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        detail = screen.detail
        assert detail is not None and detail.state == "service_fait"
        lines = ExpenseLine.select().where(ExpenseLine.claim == detail.id).count()
        await pilot.press("l", "tab", "tab", *"12,5", "enter")  # car: km not whole
        await settle(pilot)
        assert isinstance(app.screen, NewLineModal)
        assert "Distance (km) : un nombre entier de kilomètres (« 12,5 »)." in screen_text(pilot)
        await pilot.press("ctrl+u", "enter")  # no km at all
        await settle(pilot)
        assert "Distance (km) : obligatoire, plus que 0." in screen_text(pilot)
        # a colleague changes the claim while the dialog is open
        ExpenseClaim.update(version=ExpenseClaim.version + 1).where(
            ExpenseClaim.id == detail.id
        ).execute()
        await pilot.press(*"40", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert ExpenseLine.select().where(ExpenseLine.claim == detail.id).count() == lines
        assert "Modifiée entre-temps" in [n.title for n in app._notifications]
        assert screen.detail is not None and screen.detail.version == detail.version + 1
        await pilot.press("l", "tab", "tab", *"40", "enter")  # read again: accepted
        await settle(pilot)
        assert ExpenseLine.select().where(ExpenseLine.claim == detail.id).count() == lines + 1


async def test_help_lists_the_new_keys(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 40)) as pilot:
        await open_expenses(pilot)
        assert "Ctrl+N" in ExpensesScreen.HELP and "**L**" in ExpensesScreen.HELP
        await pilot.press("f1")
        await settle(pilot)
        seen = screen_text(pilot)
        for _ in range(4):  # the help scrolls (PgSuiv) when it is longer than its window
            await pilot.press("pagedown")
            await settle(pilot)
            seen += screen_text(pilot)
        assert "nouvelle demande" in seen and "ajoute une ligne" in seen


async def test_import_of_declared_claims_from_the_screen(demo_db: Path, tmp_path: Path) -> None:
    """I on F6: the file of declared claims (as `baktui import frais`), its report, the claim."""
    path = tmp_path / "frais.csv"
    path.write_text(
        f"examinateur;date;nature;montant;justificatif\n{IDENTIFIER};16/06/2026;Péage;7,40;oui\n",
        encoding="utf-8",
    )
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_expenses(pilot)
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportModal)
        assert "1 créée" in app.screen.text
        (claim,) = claims_of(IDENTIFIER)
        assert [(line.kind, line.declared_centi) for line in claim.lines] == [("toll", 740)]
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExpensesScreen) and screen.filter_key == "declaree"
        assert claim.id in [row.id for row in screen.queue_rows]
