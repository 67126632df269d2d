"""F8 at 80x24 on the small demo, deliberated and published: the count of a jury's relevés, the
generation typed in one burst (key, g), the issued list, a cancelled edition writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, pin_login, settle
from textual import events
from textual.widgets import Input, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Document, Jury
from baktui.demo import DemoSummary
from baktui.screens.documents import DocumentsScreen
from baktui.services.deliberation import deliberate_session
from baktui.services.sessions import current_session
from baktui.services.transcripts import Scope, count
from baktui.widgets.data_table import DataTable
from baktui.widgets.job_progress import JobProgress


@pytest.fixture
def base(demo_file: tuple[Path, DemoSummary], tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, int]]:  # fmt: skip
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    dbmod.open_database(str(path))
    deliberate_session(current_session().id)
    Jury.update(closed_group=1, published_group=1).execute()
    expected = count(current_session().id, "releve", Scope("jury", "1"))[0]
    dbmod.close_database()
    yield path, expected
    dbmod.close_database()


def burst(app: BaktuiApp, keys: list[str]) -> None:
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_relevés_of_a_jury_from_f8(base: tuple[Path, int], tmp_path: Path) -> None:
    path, expected = base
    assert expected > 0
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        key = screen.query_one("#docs-key", Input)
        screen.set_focus(key)
        await pilot.pause()
        burst(app, ["1"])
        await settle(pilot)
        said = str(screen.query_one("#docs-count", Static).render())
        assert f"{expected} documents, {2 * expected} pages" in said
        # generate: Entrée leaves the key field, then « g » (typed in the same burst)
        burst(app, ["enter", "g"])
        for _ in range(100):
            await settle(pilot)
            if not screen.running:
                break
        said = str(screen.query_one("#docs-count", Static).render())
        assert "relevé de notes" in said and str(expected) in said
        issued = screen.query_one("#docs-issued", DataTable)
        assert issued.row_count == 1
        dbmod.open_database(str(path))
        assert Document.select().where(Document.kind == "releve").count() == expected
        written = list((tmp_path / "documents").glob("releve-*.pdf"))
        assert len(written) == 1
        # a cancelled edition: nothing written, nothing recorded
        job = screen.query_one(JobProgress)
        job.start("Relevés de notes")
        assert job.cancel()  # Échap as the edition starts
        screen.running = True
        cancelled = job.reporter("Édition annulée : aucun fichier écrit, rien d'enregistré.")
        screen.generate(current_session().id, "releve", Scope("jury", "1"), cancelled)
        screen.running = True
        for _ in range(100):
            await settle(pilot)
            if not screen.running:
                break
        assert "annulée" in str(screen.query_one("#docs-count", Static).render())
        assert Document.select().where(Document.kind == "releve").count() == expected
        assert len(list((tmp_path / "documents").glob("releve-*.pdf"))) == 1
