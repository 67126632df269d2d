"""F8's catalogue offers the statistics beside the candidates' documents."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from helpers import copy_base, pin_login

from baktui.data import db as dbmod
from baktui.data.models import Document
from baktui.demo import DemoSummary
from baktui.services import document_catalog as catalog
from baktui.services.sessions import current_session
from baktui.services.transcripts import Scope


def test_the_statistics_entry_writes_the_workbook_and_records_it(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    try:
        session = current_session()
        assert session is not None
        entry = catalog.entry("statistiques")
        assert entry.count(session.id, Scope()) == (1, 0)
        seen: list[tuple[int, int]] = []
        run = entry.generate(
            session.id, Scope(), None, lambda done, total: seen.append((done, total))
        )
        (issued,) = run.issued
        assert issued.path.suffix == ".xlsx" and issued.path.parent == tmp_path / "documents"
        assert run.render() == f"Statistiques : {run.count} tableaux → {issued.path}"
        assert seen and seen[-1][0] == seen[-1][1]
        book = openpyxl.load_workbook(issued.path)
        assert len(book.sheetnames) >= 3
        assert Document.select().where(Document.kind == "statistiques").count() == 1
        assert [b.kind for b in catalog.issued_batches(("statistiques",))] == ["statistiques"]
    finally:
        dbmod.close_database()
