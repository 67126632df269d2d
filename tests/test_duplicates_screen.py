"""F3 probable duplicate at 80x24: both records side by side; the merge asks a reason and a
confirmation, is refused without them, and is audited with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, office_screens, settle, type_text
from textual.widgets import DataTable, Input

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Candidate, Etablissement
from baktui.demo import DemoSummary
from baktui.screens.duplicates import DuplicateScreen
from baktui.services.registration import CandidateData, register_candidate
from baktui.services.sessions import current_session
from baktui.widgets.dialogs import ConfirmModal, TextDialog


@pytest.fixture
def twins(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, int, int]]:
    """A copy of the demo with Hélène Lefèvre registered twice (two INEs)."""
    office_screens(monkeypatch, tmp_path)
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    session = current_session()
    assert session is not None
    etab = Etablissement.select().first().id
    ids = [
        register_candidate(
            session.id,
            CandidateData(
                ine=ine,
                last_name="Lefèvre",
                first_name="Hélène",
                sex="F",
                birth_date=dt.date(2008, 6, 12),
                series="STMG",
                sub_choice="GF",
                lva="ANG",
                lvb="ESP",
                etablissement_id=etab,
                phone=phone,
            ),
        )  # fmt: skip
        for ine, phone in (("123456789AB", "0612345678"), ("123456789AC", ""))
    ]
    dbmod.close_database()
    yield path, ids[0], ids[1]
    dbmod.close_database()


def _merges() -> int:
    return AuditLog.select().where(AuditLog.action == "merge").count()


async def test_merge_needs_a_reason_and_a_confirmation_then_is_audited(
    twins: tuple[Path, int, int],
) -> None:
    path, first, second = twins
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        app.push_screen(DuplicateScreen(first, second))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DuplicateScreen)
        table = screen.query_one("#dup-table", DataTable)
        cells = {str(table.get_row_at(i)[0]).strip(): i for i in range(table.row_count)}
        ine_row = [str(c) for c in table.get_row_at(cells["≠ INE"])]
        assert ine_row[1:] == ["123456789AB", "123456789AC"]
        assert "Lefèvre" in str(table.get_row_at(cells["nom"])[1])
        # 1: keep the left one; no reason -> refused, nothing written
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press("enter")  # empty: the dialog says the field is required
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and _merges() == 0
        # a reason, then « Non » at the confirmation: nothing written
        await pilot.press("1")
        await settle(pilot)
        await type_text(pilot, "INE saisi deux fois")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert _merges() == 0 and Candidate.get_by_id(second).state != "annulee"
        # again, « Oui »: merged, audited with the reason
        await pilot.press("1")
        await settle(pilot)
        app.screen.query_one(Input).value = "INE saisi deux fois"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert Candidate.get_by_id(second).state == "annulee"
        assert Candidate.get_by_id(first).state != "annulee"
        entry = AuditLog.get((AuditLog.action == "merge") & (AuditLog.entity_id == str(second)))
        assert "INE saisi deux fois" in entry.reason and "123456789AC" in entry.before
        assert screen.outcome is not None and "fusionné" in screen.outcome.message
        # merging again is refused with a French message naming why
        await pilot.press("1")
        await settle(pilot)
        app.screen.query_one(Input).value = "encore"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert any("déjà annulé" in str(n.message) for n in app._notifications)
        assert _merges() == 2  # the first merge's two entries, nothing more
