"""What the three tabs of F5 (day board, juries, examiners) share: one base class.

A tab is a :class:`JuriesPane`: it reads the open session from the app, tells the user with the
same messages and durations as the screens (:mod:`baktui.widgets.feedback`), finds the
highlighted row of its tables, shows a failed worker's French message (a worker's state change
does not bubble up to the screen), and issues convocations in a thread worker. The keys stay on
:class:`~baktui.screens.juries.JuriesScreen`, which calls the active tab's methods: the footer
and F1 list them in one place, as before the tabs were split out.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.containers import Vertical

from baktui.errors import ServiceError
from baktui.rules.french import plural
from baktui.services.convocations import IssuedConvocations, issue_convocations
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import Messages, error_text, worker_connection
from baktui.widgets.key_order import WaitsForWorkers


class JuriesPane(WaitsForWorkers, Messages, Vertical):
    """Base of an F5 tab: session, messages, highlighted rows, worker failures, convocations;
    the keys typed while a worker of the tab's ``KEYS_WAIT_FOR`` runs wait for it."""

    DEFAULT_CSS = """
    JuriesPane .bar { height: 1; }
    JuriesPane .bar Label { width: auto; margin-right: 1; }
    JuriesPane DataTable { height: 1fr; }
    JuriesPane .detail { height: 2; color: $text-muted; }
    """

    @property
    def session_id(self) -> int | None:
        session: Any = getattr(self.app, "session", None)
        return session.id if session is not None else None

    def row_key(self, table_id: str) -> str | None:
        """The key of the highlighted row of a table of this tab (None when it is empty)."""
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-documents")
    def issue(
        self,
        session_id: int,
        *,
        jury_id: int | None = None,
        examiner_id: int | None = None,
        centre_id: int | None = None,
    ) -> None:
        """Write the convocations (one PDF) and say where."""
        try:
            with worker_connection():
                issued = issue_convocations(
                    session_id, jury_id=jury_id, examiner_id=examiner_id, centre_id=centre_id
                )
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._issued, issued)

    def _issued(self, issued: IssuedConvocations) -> None:
        self.say(
            f"{plural(issued.examiners, 'convocation')}, {plural(issued.assignments, 'mission')} → "
            f"{issued.document.path}",
            title="Convocations éditées",
        )
