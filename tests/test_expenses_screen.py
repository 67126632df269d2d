"""F6 Frais, driven headless at 80x24 on the 600-candidate demo: validate, reject, anomalies."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, keys_waiting, pin_login, small_demo
from textual.pilot import Pilot

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import AuditLog, ExpenseClaim, ExpenseLine
from baktui.screens.expenses import ExpensesScreen
from baktui.services import claim_facts
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.expense_dialogs import LineCorrectionModal, RejectModal

LOGIN = "gestionnaire"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 600-candidate demo, built once for the module."""
    return small_demo(tmp_path_factory.mktemp("demo"))[0]


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh copy of the demo for one test; documents go to tmp_path."""
    path = copy_base(demo_template, tmp_path / "demo.sqlite")
    pin_login(monkeypatch, LOGIN)
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "out"))
    yield path
    dbmod.close_database()


async def settle(pilot: Pilot[None]) -> None:
    """Let the workers (and the workers they start) finish and reach the screen.

    The validation dialog flow is itself a worker waiting for keys: it is not waited for.
    """
    for _ in range(400):
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.is_running and w.group != "expenses-dialog"]
        if not busy and not keys_waiting(pilot):
            await pilot.pause()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("des tâches de fond ne finissent pas")


def screen_text(pilot: Pilot[None]) -> str:
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def open_expenses(pilot: Pilot[None]) -> ExpensesScreen:
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ExpensesScreen)
    return screen


async def go_to(pilot: Pilot[None], screen: ExpensesScreen, claim_id: int) -> None:
    """Press N until the claim is the one shown."""
    for _ in range(len(screen.queue_rows) + 1):
        if screen.detail is not None and screen.detail.id == claim_id:
            return
        await pilot.press("n")
        await settle(pilot)
    raise AssertionError(f"demande {claim_id} absente de la file")


def pick(screen: ExpensesScreen, *, anomalous: bool, skip: set[int] = frozenset()) -> int:  # type: ignore[assignment]
    """A claim of the queue with (or without) anomalies."""
    for row in screen.queue_rows:
        if row.id not in skip and bool(row.unconfirmed) == anomalous:
            return row.id
    raise AssertionError("aucune demande de ce genre dans la démo")


def claim_log(claim_id: int, field: str) -> list[AuditLog]:
    return list(
        AuditLog.select()
        .where(
            (AuditLog.entity == "expense_claim")
            & (AuditLog.entity_id == str(claim_id))
            & (AuditLog.field == field)
        )
        .order_by(AuditLog.id)
    )


async def test_queue_at_80x24(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        assert screen.queue_rows, "la démo a des demandes au service fait"
        assert all(row.state == "service_fait" for row in screen.queue_rows)
        declared = [row.declared_on for row in screen.queue_rows]
        assert declared == sorted(declared)  # oldest first (then by time of day)
        text = screen_text(pilot)
        assert "À valider (service fait)" in text
        assert screen.detail is not None and screen.detail.row.examiner_name in text
        assert all(len(line) <= 80 for line in text.splitlines())


async def test_validate_clean_claim_and_reject_one(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        clean = pick(screen, anomalous=False)
        await go_to(pilot, screen, clean)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        claim = ExpenseClaim.get_by_id(clean)
        assert claim.state == "validee"
        assert claim.validated_by == LOGIN
        assert [(e.before, e.after, e.who) for e in claim_log(clean, "state")][-1] == (
            "service_fait",
            "validee",
            LOGIN,
        )
        assert clean not in [row.id for row in screen.queue_rows]

        other = pick(screen, anomalous=False, skip={clean})
        await go_to(pilot, screen, other)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RejectModal)
        await pilot.press("enter")  # an empty reason is refused, the dialog stays
        await settle(pilot)
        assert isinstance(app.screen, RejectModal)
        await pilot.press(*"Hors délai")
        await pilot.press("enter")
        await settle(pilot)
        claim = ExpenseClaim.get_by_id(other)
        assert claim.state == "rejetee" and claim.reject_reason == "Hors délai"
        entry = claim_log(other, "state")[-1]
        assert (entry.after, entry.who) == ("rejetee", LOGIN)
        assert "Hors délai" in entry.reason
        # the rejection letter to the examiner, with the reason, recorded on the examiner
        from pypdf import PdfReader

        from baktui.data.models import Document

        document = Document.get(
            (Document.kind == "rejet_frais") & (Document.examiner == claim.examiner_id)
        )
        letter = Path(os.environ["BAKTUI_OUT"]) / document.reference
        text = " ".join(page.extract_text() for page in PdfReader(str(letter)).pages)
        text = " ".join(text.split())
        assert "Hors délai" in text and f"demande de frais n° {other}" in text


async def test_anomalous_claim_needs_each_anomaly_confirmed(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        claim_id = pick(screen, anomalous=True)
        await go_to(pilot, screen, claim_id)
        assert screen.detail is not None
        texts = [a.text for a in screen.detail.unconfirmed]
        assert texts
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # not confirmed: nothing is written
        await settle(pilot)
        assert ExpenseClaim.get_by_id(claim_id).state == "service_fait"
        assert claim_log(claim_id, claim_facts.ANOMALY_FIELD) == []

        await pilot.press("v")
        for _ in texts:
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("o")
        await settle(pilot)
        assert ExpenseClaim.get_by_id(claim_id).state == "validee"
        logged = [(e.after, e.who) for e in claim_log(claim_id, claim_facts.ANOMALY_FIELD)]
        assert logged == [(text, LOGIN) for text in texts]


async def test_correct_a_line_recomputes_and_logs(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        assert screen.detail is not None
        claim_id = screen.detail.id
        line = screen.detail.lines[0]
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, LineCorrectionModal)
        first = app.screen.keys[0]
        await pilot.press("ctrl+u", "0", "enter")  # strike the line out
        await settle(pilot)
        stored = ExpenseLine.get_by_id(line.id)
        assert stored.amount_centi == 0
        claim = ExpenseClaim.get_by_id(claim_id)
        assert claim.total_centi == sum(
            x.amount_centi for x in ExpenseLine.select().where(ExpenseLine.claim == claim_id)
        )
        field = {"km": "km", "quantity": "quantity_centi", "declared": "declared_centi"}[first]
        changes = list(
            AuditLog.select().where(
                (AuditLog.entity == "expense_line")
                & (AuditLog.entity_id == str(line.id))
                & (AuditLog.field == field)
            )
        )
        assert changes and changes[-1].after == "0" and changes[-1].who == LOGIN
        assert screen.detail is not None and screen.detail.lines[0].amount_centi == 0


async def test_bad_correction_is_refused_in_the_dialog(demo_db: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        assert screen.detail is not None
        before = ExpenseClaim.get_by_id(screen.detail.id).version
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("ctrl+u", *"douze", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LineCorrectionModal)
        assert "n'est pas un nombre" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert ExpenseClaim.get_by_id(screen.detail.id).version == before


async def test_statement_pdf_and_ageing(demo_db: Path, tmp_path: Path) -> None:
    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_expenses(pilot)
        await pilot.press("d")
        await settle(pilot)
        pdfs = list((tmp_path / "out").glob("etat-de-frais-*.pdf"))
        assert len(pdfs) == 1 and pdfs[0].stat().st_size > 10_000
        await pilot.press("a")
        await settle(pilot)
        text = screen_text(pilot)
        assert "ancienneté" in text and "service fait" in text
        await pilot.press("escape")


async def test_a_day_without_convocation_needs_a_confirmation_and_a_reason(
    demo_db: Path,
) -> None:
    """One « o » no longer pays a day without convocation: the reason is asked, then audited."""
    import datetime as dt

    from helpers import burst, keys_of

    from baktui.services import claim_workflow
    from baktui.widgets.dialogs import TextDialog

    app = BaktuiApp(str(demo_db))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_expenses(pilot)
        claim_id = pick(screen, anomalous=False)
        detail = screen.detail
        await go_to(pilot, screen, claim_id)
        detail = screen.detail
        assert detail is not None
        after = max(m.day for m in detail.missions) + dt.timedelta(days=3)
        claim_workflow.add_line(claim_id, detail.version, day=after, kind="meal")
        screen.reload(claim_id)
        await settle(pilot)
        assert screen.detail is not None
        free = [a for a in screen.detail.unconfirmed if a.code in claim_workflow.REASON_REQUIRED]
        assert len(free) == 1 and "aucune convocation ce jour-là" in free[0].text
        others = len(screen.detail.unconfirmed) - 1

        await pilot.press("v")
        for _ in range(others):
            await settle(pilot)
            await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal) and free[0].text in app.screen.question
        await pilot.press("o")  # confirmed: the reason is asked next
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press("escape")  # no reason: not validated, nothing logged
        await settle(pilot)
        assert ExpenseClaim.get_by_id(claim_id).state == "service_fait"
        assert claim_log(claim_id, claim_facts.ANOMALY_FIELD) == []

        # one burst: V, O on each anomaly, the reason, Entrée
        reason = "convocation orale du centre par téléphone"
        burst(app, ["v", *["o"] * (others + 1), *keys_of(reason), "enter"])
        for _ in range(200):
            await pilot.pause(0.02)
            if ExpenseClaim.get_by_id(claim_id).state == "validee":
                break
        await settle(pilot)
        assert ExpenseClaim.get_by_id(claim_id).state == "validee"
        entry = next(
            e for e in claim_log(claim_id, claim_facts.ANOMALY_FIELD) if e.after == free[0].text
        )
        assert entry.reason == f"anomalie confirmée avant validation : {reason}"
        assert entry.who == LOGIN
