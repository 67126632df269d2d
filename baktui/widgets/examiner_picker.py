"""Pick an examiner by typing the start of the name (or a discipline code): a small modal.

``push_screen(ExaminerPicker("Président du jury 12"), callback)``: the callback receives the
examiner's id, or None on Échap. The search runs in a thread worker (bounded to 50 rows).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from baktui.rules.examiners import corps_short
from baktui.rules.french import plural
from baktui.services.examiners import ExaminerInfo, search_examiners
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.key_order import WaitsForWorkers

PICKER_LIMIT = 50


class ExaminerPicker(WaitsForWorkers, ModalScreen[int | None]):
    """Type a name (or PHI, GO…), ↓ to the list, Entrée to choose."""

    # « bon ↓ Entrée » at once: ↓ and Entrée act on the results of « bon » (the first search,
    # on the initial text, included)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"examiner-picker"})

    HELP: ClassVar[str | None] = (
        "Tapez le début du **nom** (accents et majuscules indifférents) ou un **code "
        "d'épreuve** (PHI, GO, SP1…). **↓** descend dans la liste, **Entrée** choisit, "
        "**Échap** annule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="picker.cancel"),
        Binding("down", "to_list", "Liste", show=False, id="picker.down"),
    ]
    DEFAULT_CSS = """
    ExaminerPicker DataTable { height: 1fr; }
    ExaminerPicker #picker-info { color: $text-muted; height: 1; }
    """

    def __init__(
        self,
        title: str,
        prompt: str = "",
        initial: str = "",
        *,
        prefer_corps: tuple[str, ...] = (),
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.dialog_title = title
        self.prompt = prompt
        self.initial = initial
        self.prefer_corps = prefer_corps
        self._rows: dict[str, ExaminerInfo] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            if self.prompt:
                yield Static(self.prompt, markup=False)
            yield Input(
                value=self.initial,
                placeholder="nom ou code d'épreuve…",
                id="picker-query",
                compact=True,
            )
            yield Static("", id="picker-info", markup=False)
            table: DataTable[str] = DataTable(
                id="picker-table", cursor_type="row", zebra_stripes=True
            )
            table.add_columns("Nom", "Corps", "Disciplines", "Établissement")
            yield table

    def on_mount(self) -> None:
        dialog = self.query_one("#picker-dialog")
        dialog.styles.width = 78  # wider than the shared dialog: four columns
        dialog.styles.height = 20
        self.query_one("#picker-query", Input).focus()
        self.search(self.initial)

    @on(Input.Changed, "#picker-query")
    def _changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#picker-query")
    def _submitted(self) -> None:
        self.action_to_list()

    def action_to_list(self) -> None:
        table = self.query_one("#picker-table", DataTable)
        if table.row_count:
            table.focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="examiner-picker")
    def search(self, query: str) -> None:
        try:
            with worker_connection():
                found = search_examiners(query, limit=PICKER_LIMIT, prefer_corps=self.prefer_corps)
        except Exception as exc:  # shown in the dialog, never a crash
            self.app.call_from_thread(self._show_error, error_text(exc))
            return
        self.app.call_from_thread(self._show, found, query)

    def _show_error(self, message: str) -> None:
        self.query_one("#picker-info", Static).update(message)

    def _show(self, found: list[ExaminerInfo], query: str | None = None) -> None:
        if query is not None and query != self.query_one("#picker-query", Input).value:
            return  # a shorter query's results, arriving after the field changed
        table = self.query_one("#picker-table", DataTable)
        table.clear()
        self._rows = {str(e.id): e for e in found}
        for e in found:
            table.add_row(
                e.name[:22],
                corps_short(e.corps, e.civility),
                e.disciplines[:16],
                e.etablissement[:24],
                key=str(e.id),
            )
        more = " (50 premiers : précisez)" if len(found) >= PICKER_LIMIT else ""
        self.query_one("#picker-info", Static).update(f"{plural(len(found), 'examinateur')}{more}")

    @on(DataTable.RowSelected, "#picker-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.dismiss(int(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
