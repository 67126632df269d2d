"""F4's list of lots by state (Ctrl+T), the list behind the home screen's « Lots non saisis ».

``push_screen(LotListScreen("open"), callback)``: the callback receives the number of the lot
chosen with Entrée (F4 opens its slip), or None on Échap. The figures at the top are the home
screen's (same conditions, :mod:`baktui.services.lot_worklists`); the list is read a page at a
time in a worker, and keys typed meanwhile wait for it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from baktui.screens.base import BaktuiScreen
from baktui.services import lot_worklists
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import error_text, worker_connection

PAGE_SIZE = 100


class LotListScreen(BaktuiScreen):
    """The session's lots of one state, by number; Entrée opens the slip in F4."""

    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"lot-list"})
    SUB_TITLE = "Lots par état"
    HELP = """\
Les **lots** de la session par état : *non saisis* (tous sauf « saisi » : le chiffre de
l'accueil), constitués, distribués, en saisie, saisis, ou tous.

**↑** / **↓** sur la liste du haut choisissent l'état ; **Tab** passe aux lots ; **Entrée** sur
un lot ouvre son bordereau dans la saisie des notes (F4). **+** / **-** changent de page (100
lots par page). **Échap** revient à la saisie sans changer de lot.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="lots.back"),
        Binding("plus", "page(1)", "Page +", id="lots.next_page", key_display="+"),
        Binding("minus", "page(-1)", "Page -", id="lots.prev_page", key_display="-"),
    ]
    DEFAULT_CSS = """
    LotListScreen #lots-states { height: 8; margin: 0 1; }
    LotListScreen #lots-info { height: 1; margin: 0 1; color: $text-muted; }
    LotListScreen #lots-table { height: 1fr; margin: 0 1; }
    """

    def __init__(self, key: str = "open") -> None:
        super().__init__()
        self.key = key if key in lot_worklists.WORKLISTS else "open"
        self.page: lot_worklists.LotPage | None = None

    def compose_content(self) -> ComposeResult:
        states: DataTable[str] = DataTable(id="lots-states", cursor_type="row")
        states.add_column("Lots", width=32)
        states.add_column("Nombre", width=8)
        yield states
        yield Static("Lecture des lots…", id="lots-info", markup=False)
        table: DataTable[str] = DataTable(id="lots-table", cursor_type="row", zebra_stripes=True)
        table.add_column("Lot", width=4)
        table.add_column("Épreuve", width=27, key="epreuve")
        table.add_column("Correcteur", width=20)
        table.add_column("Saisies", width=7)
        table.add_column("État", width=9)
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#lots-table", DataTable)
        table.stretch("epreuve", 20)
        table.focus()
        self.load(self.key, 0)

    def load(self, key: str, offset: int) -> None:
        session = self.baktui.session
        if session is None:
            self.query_one("#lots-info", Static).update("Aucune session ouverte.")
            return
        self.key = key
        self._read(session.id, key, offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lot-list")
    def _read(self, session_id: int, key: str, offset: int) -> None:
        try:
            with worker_connection():
                counts = lot_worklists.counts(session_id)
                page = lot_worklists.page(session_id, key, offset=offset, limit=PAGE_SIZE)
        except Exception as exc:  # shown, the app keeps running
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show, counts, page)

    def _show(self, counts: dict[str, int], page: lot_worklists.LotPage) -> None:
        self.page = page
        states = self.query_one("#lots-states", DataTable)
        with self.prevent(DataTable.RowHighlighted):
            states.clear()
            for key, label in lot_worklists.WORKLISTS.items():
                states.add_row(label, f"{counts.get(key, 0):,}".replace(",", " "), key=key)
            states.move_cursor(row=list(lot_worklists.WORKLISTS).index(page.key))
        table = self.query_one("#lots-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for lot in page.rows:
            table.add_row(
                Text(str(lot.number), justify="right"),
                Text(f"{lot.epreuve_code} {lot.subject or lot.epreuve_label}", overflow="ellipsis"),
                Text(lot.correcteur or "—", overflow="ellipsis"),
                Text(f"{lot.entered}/{lot.copies}", justify="right"),
                lot.state_label,
                key=str(lot.number),
            )
        if page.rows:
            table.move_cursor(row=min(max(cursor, 0), len(page.rows) - 1))
        shown = (
            f"{page.offset + 1}–{page.offset + len(page.rows)} sur {page.total}"
            if page.total
            else "aucun"
        )
        self.query_one("#lots-info", Static).update(
            f"{page.label.lower()} : {shown} · Entrée : ouvrir le bordereau"
        )

    @on(DataTable.RowHighlighted, "#lots-states")
    def _state_moved(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and key != self.key:
            self.load(key, 0)

    @on(DataTable.RowSelected, "#lots-states")
    def _state_chosen(self) -> None:
        self.query_one("#lots-table", DataTable).focus()

    @on(DataTable.RowSelected, "#lots-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.dismiss(int(event.row_key.value))

    def action_page(self, step: int) -> None:
        page = self.page
        if page is None:
            return
        offset = page.offset + step * PAGE_SIZE
        if 0 <= offset < page.total:
            self.load(page.key, offset)

    def action_back(self) -> None:
        self.dismiss(None)
