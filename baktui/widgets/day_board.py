"""F5 « Besoins du jour »: everything uncovered on one day, so that nothing is forgotten.

The missions of absent examiners (Entrée asks the screen to open their replacement: this tab
posts :class:`DayBoard.ReplaceRequested`, since a widget never pushes a screen it would have to
import), the oral slots without examiner, the lots without correcteur and the juries without
président. The day is typed (JJ/MM/AAAA) or moved with + / -; the line at the top recalls the
other days with something left to cover. The board is read in a thread worker.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Static

from baktui.rules.french import agree, plural
from baktui.rules.identifiers import parse_date_fr
from baktui.rules.missions import short_place
from baktui.services import needs
from baktui.services.needs import Board, Need
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import worker_connection
from baktui.widgets.juries_pane import JuriesPane

SOURCE_HINTS = {
    needs.SOURCE_SLOTS: "Créneaux sans examinateur : affectez une commission d'oral.",
    needs.SOURCE_LOT: "Lots sans correcteur : à attribuer depuis l'écran des lots.",
    needs.SOURCE_PRESIDENT: "Jury sans président : onglet Jurys (j), puis p.",
}


class DayBoard(JuriesPane):
    """The day's uncovered needs, absent examiners' missions first."""

    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"juries-board"})  # « F5 Entrée »

    DEFAULT_CSS = """
    DayBoard #board-day { width: 12; }
    DayBoard #board-summary { width: 1fr; margin-left: 1; color: $text-muted; }
    """

    class ReplaceRequested(Message):
        """Open the replacement of these missions (the highlighted one first)."""

        def __init__(self, assignment_ids: list[int], title: str) -> None:
            super().__init__()
            self.assignment_ids = assignment_ids
            self.title = title

    def __init__(self) -> None:
        super().__init__()
        self.day: dt.date | None = None
        self.board: Board | None = None
        self.needs: dict[str, Need] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="bar"):
            yield Label("Jour")
            yield Input(
                id="board-day",
                max_length=10,
                restrict=r"[0-9/\-]*",
                compact=True,
                placeholder="JJ/MM/AAAA",
            )
            yield Static("", id="board-summary", markup=False)
        board: DataTable[str] = DataTable(id="board-table", cursor_type="row")
        board.add_column("Heure", width=11)
        board.add_column("Besoin", width=30, key="need")
        board.add_column("Centre", width=13, key="centre")
        board.add_column("Absence", width=14)
        yield board
        yield Static("", id="board-detail", classes="detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#board-table", DataTable).stretch("need", 30)  # wider terminals: more text

    @property
    def table_focused(self) -> bool:
        """Entrée replaces only from the table (in the day field it validates the date)."""
        return self.screen.focused is self.query_one("#board-table", DataTable)

    def current_need(self) -> Need | None:
        return self.needs.get(self.row_key("#board-table") or "")

    def no_session(self) -> None:
        self.query_one("#board-summary", Static).update("Aucune session ouverte.")

    def load(self) -> None:
        """Read the board of the day shown (the default day the first time)."""
        if self.session_id is not None:
            self.load_board(self.session_id, self.day)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-board")
    def load_board(self, session_id: int, day: dt.date | None) -> None:
        with worker_connection():
            if day is None:
                day = needs.default_day(session_id)
            board = needs.day_board(session_id, day)
            days = needs.open_days(session_id)
        self.app.call_from_thread(self._show_board, board, days)

    def _show_board(self, board: Board, days: list[tuple[dt.date, int]]) -> None:
        self.board = board
        self.day = board.day
        day_input = self.query_one("#board-day", Input)
        if self.screen.focused is not day_input:
            day_input.value = board.day.strftime("%d/%m/%Y")
        others = [f"{d:%d/%m} ({n})" for d, n in days if d != board.day]
        summary = f"{board.replaceable} à remplacer, {plural(len(board.needs), 'besoin')}"
        if others:
            summary += " · autres jours : " + ", ".join(others[:4])
            if len(others) > 4:
                summary += "…"
        self.query_one("#board-summary", Static).update(summary)
        table = self.query_one("#board-table", DataTable)
        previous = self.row_key("#board-table")
        table.clear()
        self.needs = {}
        for index, need in enumerate(board.needs):
            key = f"a{need.assignment_id}" if need.assignment_id else f"n{index}"
            self.needs[key] = need
            table.add_row(
                need.hours or "—",
                Text(need.label, overflow="ellipsis"),
                Text(short_place(need.centre), overflow="ellipsis"),
                Text(need.examiner or "—", overflow="ellipsis"),
                key=key,
            )
        if previous in self.needs:
            table.move_cursor(row=table.get_row_index(previous))
        if not board.needs:
            self.query_one("#board-detail", Static).update(
                f"Rien à couvrir le {board.day:%d/%m/%Y}. + / - : autre jour."
            )
        else:
            self._show_need()
        self.screen.refresh_bindings()

    @on(DataTable.RowHighlighted, "#board-table")
    def _need_moved(self) -> None:
        self._show_need()

    def _show_need(self) -> None:
        need = self.current_need()
        detail = self.query_one("#board-detail", Static)
        if need is None:
            detail.update("")
        elif need.replaceable:
            detail.update(
                f"{need.examiner} {agree(need.examiner_civility, 'absent')} : {need.absence_reason} "
                f"· {need.centre}\n"
                "Entrée : chercher et affecter un remplaçant."
            )
        else:
            detail.update(SOURCE_HINTS.get(need.source, ""))

    @on(Input.Submitted, "#board-day")
    def _day_typed(self, event: Input.Submitted) -> None:
        try:
            day = parse_date_fr(event.value)
        except ValueError as exc:
            self.fail(str(exc), title="Date")
            return
        self.day = day
        self.query_one("#board-table", DataTable).focus()
        self.load()

    def focus_day(self) -> None:
        self.query_one("#board-day", Input).focus()

    def shift_day(self, delta: int) -> None:
        """Show the day before or after."""
        if self.session_id is None:
            return
        self.day = (self.day or dt.date.today()) + dt.timedelta(days=delta)
        self.load()

    def open_need(self) -> None:
        """Ask for the replacement of the highlighted mission, with the absence's others."""
        need = self.current_need()
        if need is None:
            return
        if not need.replaceable or need.assignment_id is None:
            self.warn(SOURCE_HINTS.get(need.source, "Rien à remplacer sur cette ligne."))
            return
        same_absence = [
            n.assignment_id
            for n in self.needs.values()
            if n.replaceable
            and n.examiner_id == need.examiner_id
            and n.day == need.day
            and n.assignment_id is not None
        ]
        ordered = [need.assignment_id] + [a for a in same_absence if a != need.assignment_id]
        self.post_message(
            self.ReplaceRequested(ordered, f"Remplacement — {need.examiner} {need.when}")
        )
