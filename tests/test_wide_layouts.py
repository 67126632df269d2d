"""Issue 17: the lists use the terminal's width. At 80×24 every column fits; at 120×40 (the same
screen, the terminal resized) the column of names, centres or descriptions takes the width
the other columns leave (``DataTable.stretch``), instead of staying 80 columns wide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, pin_login, settle

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.demo import DemoSummary
from baktui.services.deliberation import deliberate_session
from baktui.services.sessions import current_session
from baktui.widgets.data_table import DataTable

# (screen, the keys that show the list, the list, its stretched columns)
LISTS = [
    ("F2 résultats", ["f2", "m", "a", "r"], "#lookup-results", ["name"]),
    ("F3 inscriptions par état", ["f3", "e"], "#reg-worklist", ["name"]),
    ("F3 anomalies", ["f3", "c"], "#reg-anomalies", ["message"]),
    ("F4 lots par état", ["f4", "ctrl+t"], "#lots-table", ["epreuve"]),
    ("F5 besoins du jour", ["f5"], "#board-table", ["need"]),
    ("F5 jurys", ["f5", "j"], "#juries-table", ["centre", "president"]),
    (
        "F5 examinateurs",
        ["f5", "e"],
        "#examiners-table",
        ["name", "disciplines", "etab", "commune"],
    ),  # fmt: skip
    ("F6 demandes", ["f6"], "#exp-queue", ["examiner"]),
    ("F6 lignes", ["f6"], "#exp-lines", ["what"]),
    ("F7 préparation", ["f7"], "#readiness-juries", ["Centre"]),
    ("F7 blocages", ["f7"], "#readiness-blockers", ["Candidat", "Ce qui bloque"]),
    ("F7 jurys", ["f7", "2"], "#delib-juries", ["Centre", "Président"]),
    ("F7 candidats du jury", ["f7", "2", "enter"], "#jury-table", ["Nom"]),
    (
        "F7 épreuves du candidat",
        ["f7", "2", "enter", "enter"],
        "#cand-lines",
        ["Libellé", "Remarque"],
    ),  # fmt: skip
    ("F9 établissements", ["f9"], "#org-list", ["c1", "c2"]),
    ("F9 examinateurs", ["f9", "4"], "#org-list", ["c1", "c3"]),
]


@pytest.fixture
def base(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, "gestionnaire")
    dbmod.open_database(str(path))
    deliberate_session(current_session().id)
    dbmod.close_database()
    yield path
    dbmod.close_database()


def _widths(table: DataTable, keys: list[str]) -> tuple[list[int], int]:
    """The stretched columns' widths, and the width every column takes with its margins."""
    by_key = {k.value: c for k, c in table.columns.items()}
    total = sum(c.get_render_width(table) for c in table.columns.values())
    return [by_key[key].width for key in keys], total


@pytest.mark.parametrize(("name", "keys", "selector", "columns"), LISTS, ids=[n for n, *_ in LISTS])
async def test_a_wider_terminal_widens_the_list(
    name: str, keys: list[str], selector: str, columns: list[str], base: Path
) -> None:
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        table = app.screen.query_one(selector, DataTable)
        assert table.row_count, f"{name}: empty list"
        narrow, total = _widths(table, columns)
        room = table.content_region.width - table.styles.scrollbar_size_vertical
        assert total <= room, f"{name}: {total} columns in {room} at 80×24"
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        wide, total = _widths(table, columns)
        room = table.content_region.width - table.styles.scrollbar_size_vertical
        assert all(w > n for w, n in zip(wide, narrow, strict=True)), (name, narrow, wide)
        assert room - 2 <= total <= room, f"{name}: {total} columns in {room} at 120×40"
