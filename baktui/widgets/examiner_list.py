"""F5 « Examinateurs »: find a teacher by name or épreuve code, see his or her missions.

The search runs at each key in a thread worker (bounded to 100 rows); the highlighted
examiner's missions are read likewise and summed up in the two lines below the table. The
screen declares the highlighted examiner absent (a), convenes him or her for a mission (n), records
the days available (i) or prints his or her convocation (c).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from baktui.rules.examiners import corps_short
from baktui.rules.french import plural
from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE
from baktui.rules.missions import short_place
from baktui.services import examiners
from baktui.services.examiners import AssignmentInfo, ExaminerInfo
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import worker_connection
from baktui.widgets.juries_pane import JuriesPane

SEARCH_LIMIT = 100


def missions_line(
    examiner: ExaminerInfo, missions: list[AssignmentInfo], disciplines: str = ""
) -> str:
    """The highlighted examiner: disciplines (named, when ``disciplines`` is given), load and
    next missions."""
    active = [m for m in missions if m.state in ASSIGNMENT_ACTIVE]
    head = (
        f"{examiner.name} — {examiner.corps_label}, {examiner.etablissement or 'sans établissement'}"
        f" · disciplines : {disciplines or examiner.disciplines or '—'}"
    )
    if not active:
        return head + "\nAucune mission en cours."
    shown = " ; ".join(
        f"{m.day:%d/%m} {m.kind_label.lower()} {m.epreuve_code} {m.what}".replace("  ", " ")
        for m in active[:3]
    )
    more = f" (+{len(active) - 3})" if len(active) > 3 else ""
    return f"{head}\n{plural(len(active), 'mission')} : {shown}{more}"


class ExaminerList(JuriesPane):
    """The search field, the examiners found and the highlighted one's missions."""

    # « ma ↓ ↓ » at once: the ↓ go down the results of « ma », not the list shown before them
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"juries-search"})

    # ↓ in the search field goes down to the list (in the list, the table's own ↓ moves)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_list", "Liste", show=False, id="examiners.to_list"),
    ]

    DEFAULT_CSS = """
    ExaminerList #examiner-query { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, ExaminerInfo] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="bar"):
            yield Label("Chercher")
            yield Input(
                id="examiner-query",
                placeholder="nom ou code d'épreuve (PHI, GO, SP1…)",
                compact=True,
            )
        people: DataTable[str] = DataTable(
            id="examiners-table", cursor_type="row", zebra_stripes=True
        )
        people.add_column("Nom", key="name")
        people.add_column("Corps")
        for label, key in (("Disciplines", "disciplines"), ("Établissement", "etab"),
                           ("Commune", "commune")):  # fmt: skip
            people.add_column(label, key=key)
        yield people
        yield Static("", id="examiner-detail", classes="detail", markup=False)

    def on_mount(self) -> None:
        # the names, disciplines, lycées and communes share the width the corps leaves
        self.query_one("#examiners-table", DataTable).stretch(
            "name", 18, ("disciplines", 11), ("etab", 14), ("commune", 10)
        )

    def current_examiner(self) -> ExaminerInfo | None:
        return self.rows.get(self.row_key("#examiners-table") or "")

    def load(self) -> None:
        self.search(self.query_one("#examiner-query", Input).value)

    def focus_search(self) -> None:
        self.query_one("#examiner-query", Input).focus()

    def issue_current(self, session_id: int) -> None:
        """The highlighted examiner's convocation."""
        examiner = self.current_examiner()
        if examiner is not None:
            self.say(f"Édition de la convocation de {examiner.name}…")
            self.issue(session_id, examiner_id=examiner.id)

    @on(Input.Changed, "#examiner-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)  # the keys typed next wait for its results (KEYS_WAIT_FOR)

    @on(Input.Submitted, "#examiner-query")
    def _query_done(self) -> None:
        self.action_to_list()

    def action_to_list(self) -> None:
        table = self.query_one("#examiners-table", DataTable)
        if table.row_count:
            table.focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-search")
    def search(self, query: str) -> None:
        with worker_connection():
            found = examiners.search_examiners(query, limit=SEARCH_LIMIT)
        if not get_current_worker().is_cancelled:  # typed further: a newer search is coming
            self.app.call_from_thread(self._show_examiners, found, query)

    def _show_examiners(self, found: list[ExaminerInfo], query: str | None = None) -> None:
        if query is not None and query != self.query_one("#examiner-query", Input).value:
            return  # the results of a shorter query, arriving after the field changed
        table = self.query_one("#examiners-table", DataTable)
        previous = self.row_key("#examiners-table")
        table.clear()
        self.rows = {str(e.id): e for e in found}
        for e in found:
            table.add_row(
                Text(e.name, overflow="ellipsis"),
                corps_short(e.corps, e.civility),
                Text(e.disciplines, overflow="ellipsis"),
                Text(short_place(e.etablissement), overflow="ellipsis"),
                Text(e.commune, overflow="ellipsis"),
                key=str(e.id),
            )
        if previous in self.rows:
            table.move_cursor(row=table.get_row_index(previous))
        if not found:
            self.query_one("#examiner-detail", Static).update("Aucun examinateur trouvé.")
        else:
            self._examiner_moved()

    @on(DataTable.RowHighlighted, "#examiners-table")
    def _examiner_moved(self) -> None:
        examiner = self.current_examiner()
        if examiner is not None and self.session_id is not None:
            self.load_missions(self.session_id, examiner)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-missions")
    def load_missions(self, session_id: int, examiner: ExaminerInfo) -> None:
        with worker_connection():
            missions = examiners.examiner_assignments(session_id, examiner.id, limit=50)
            names = examiners.discipline_names_of(session_id, examiner.disciplines)
        self.app.call_from_thread(
            self.query_one("#examiner-detail", Static).update,
            missions_line(examiner, missions, names),
        )
