"""An examiner's available days: the list, and a day to add or change (disponible o/n).

``push_screen(AvailabilityForm(examiner_id, "MARTIN Anne", day), callback)``: the days are read
and written in thread workers (:mod:`baktui.services.availabilities`, audited); the form stays
open to record several days; the callback receives the number of days recorded (0 on Échap
without any).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from baktui.rules.examiners import check_availability
from baktui.services.availabilities import AvailabilityInfo, availabilities, set_availability
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.key_order import WaitsForWorkers


@dataclass
class _Entry:
    """A day being typed: its date and its answer, as read from the fields."""

    day: str | None = None
    answer: str | None = None
    answered: bool = False  # Entrée pressed on its answer (the value is read just after)

    @property
    def complete(self) -> bool:
        return self.day is not None and self.answer is not None


class AvailabilityForm(WaitsForWorkers, ModalScreen[int]):
    """The declared days above; the date, then o/n and Entrée, record one."""

    # the days declared are read as the form opens (Entrée on the list takes one up); the
    # writes run behind the typing, in order, without holding it
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"availability-read"})

    HELP: ClassVar[str | None] = (
        "Les jours déclarés par l'examinateur. Tapez la **date** (JJ/MM/AAAA), **Entrée**, puis "
        "**o** (disponible) ou **n** (indisponible) et **Entrée** : le jour est enregistré (un "
        "jour déjà déclaré est modifié). **Entrée** sur un jour de la liste le reprend pour le "
        "changer. Le classement des remplaçants en tient compte. **Échap** ferme."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Fermer", id="availability.close"),
        # priority: Entrée moves on before the next key of a burst is dispatched (an Input's own
        # Submitted message would come too late, the following keys already sent to it)
        Binding("enter", "enter", "Suivant", show=False, priority=True, id="availability.enter"),
    ]
    DEFAULT_CSS = """
    AvailabilityForm #avail-table { height: 9; }
    AvailabilityForm .field-row { height: 1; }
    AvailabilityForm .field-row Label { width: 14; }
    AvailabilityForm .field-row Input { width: 1fr; }
    AvailabilityForm #avail-message { height: auto; }
    """

    def __init__(self, examiner_id: int, examiner: str, day: dt.date) -> None:
        super().__init__(classes="dialog-screen")
        self.examiner_id = examiner_id
        self.examiner = examiner
        self.day = day
        self.dialog_title = "Disponibilités"
        self.recorded = 0
        self.days: list[AvailabilityInfo] = []
        self._entries: deque[_Entry] = deque()  # typed, not yet checked (UI thread only)
        self._queue: deque[tuple[dt.date, bool]] = deque()
        self._lock = threading.Lock()
        self._writing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            yield Static(f"Examinateur : {self.examiner}", classes="dialog-text", markup=False)
            table: DataTable[str] = DataTable(id="avail-table", cursor_type="row")
            table.add_columns("Jour", "Réponse")
            yield table
            with Horizontal(classes="field-row"):
                yield Label("Date")
                yield Input(
                    value=self.day.strftime("%d/%m/%Y"),
                    id="avail-day",
                    max_length=10,
                    restrict=r"[0-9/\-]*",
                    compact=True,
                )
            with Horizontal(classes="field-row"):
                yield Label("Disponible o/n")
                yield Input(id="avail-answer", max_length=3, restrict=r"[oOnNuiUI]*", compact=True)
            yield Static("", id="avail-message", markup=False)
            yield Static("Entrée : enregistrer · Échap : fermer")

    def on_mount(self) -> None:
        self.query_one("#avail-day", Input).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="availability-read")
    def load(self) -> None:
        try:
            with worker_connection():
                days = availabilities(self.examiner_id)
        except Exception as exc:  # shown in the form, never a crash
            self.app.call_from_thread(self._say, error_text(exc), True)
            return
        self.app.call_from_thread(self._show, days)

    def _show(self, days: list[AvailabilityInfo]) -> None:
        self.days = days
        table = self.query_one("#avail-table", DataTable)
        table.clear()
        for info in days:
            table.add_row(info.day_label, info.label, key=info.day.isoformat())
        if not days:
            self._say("Aucun jour déclaré : l'examinateur est réputé disponible.")

    def _say(self, message: str, error: bool = False) -> None:
        style = "bold red" if error else ""
        self.query_one("#avail-message", Static).update(Text(message, style=style))

    def action_enter(self) -> None:
        """Entrée on the date goes to the answer, on the answer records the day.

        The focus moves at once, so that the keys typed next go to the next field; the values
        are read once the field has taken the keys typed before Entrée (``call_later`` runs
        after the messages already in that field's queue), and the days are recorded in the
        order they were typed.
        """
        day = self.query_one("#avail-day", Input)
        answer = self.query_one("#avail-answer", Input)
        focused = self.focused
        if focused is day:
            if self._entries and not self._entries[-1].answered:
                entry = self._entries[-1]  # a date typed again before its answer: this one
            else:
                entry = _Entry()
                self._entries.append(entry)
            day.call_later(self._took, entry, "day", day)
            self.set_focus(answer)  # now: Widget.focus() would wait
        elif focused is answer:
            if not self._entries or self._entries[-1].answered:
                self._entries.append(_Entry(day=day.value))  # the date set by the list
            self._entries[-1].answered = True
            answer.call_later(self._took, self._entries[-1], "answer", answer)
            self.set_focus(day)
        else:
            raise SkipAction()  # the list: Entrée takes the day up

    @on(DataTable.RowSelected, "#avail-table")
    def _day_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            day = dt.date.fromisoformat(event.row_key.value)
            self.query_one("#avail-day", Input).value = day.strftime("%d/%m/%Y")
            self.query_one("#avail-answer", Input).focus()

    def _took(self, entry: _Entry, part: str, field: Input) -> None:
        setattr(entry, part, field.value)
        if part == "answer":
            field.value = ""
        self._flush()

    def _flush(self) -> None:
        """Check the days whose date and answer are both read, in order; queue their writes."""
        while self._entries and self._entries[0].complete:
            entry = self._entries.popleft()
            checked = check_availability(entry.day or "", entry.answer or "")
            if isinstance(checked, str):
                self._say(checked, True)
                continue
            with self._lock:
                self._queue.append(checked)
                start, self._writing = not self._writing, True
            if start:
                self.write()

    @work(thread=True, exit_on_error=False, group="availability-write")
    def write(self) -> None:
        """Record the days answered, in the order they were typed (one writer at a time)."""
        while True:
            with self._lock:
                if not self._queue:
                    self._writing = False
                    return
                day, available = self._queue.popleft()
            try:
                with worker_connection():
                    info = set_availability(self.examiner_id, day, available)
                    days = availabilities(self.examiner_id)
            except Exception as exc:  # shown in the form, never a crash
                self.app.call_from_thread(self._say, error_text(exc), True)
                continue
            self.app.call_from_thread(self._written, info, days)

    def _written(self, info: AvailabilityInfo, days: list[AvailabilityInfo]) -> None:
        self.recorded += 1
        self._show(days)
        self._say(f"{info.day_label} : {info.label}, enregistré.")

    def action_close(self) -> None:
        self.dismiss(self.recorded)
