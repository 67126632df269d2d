"""F7, before the deliberation: the juries and what still keeps each from deliberating.

The F7 screen yields ``ReadinessBoard(id="readiness")``, calls :meth:`ReadinessBoard.load` with
the session, and handles ``on_readiness_board_fix``: Entrée on a blocking line posts
:class:`ReadinessBoard.Fix` with its target (``("grades", lot number)``: F4 opens that slip;
``("card", candidate id)``: F2's card), which ``baktui.screens.readiness_fix.open_fix`` carries
out (a widget never pushes a screen it would have to import).

Above, one line per jury (:func:`baktui.services.readiness.readiness`); below, the lines of the
highlighted jury, 100 at a time (``+`` / ``-``). Both are read in thread workers; a page that
arrives for a jury no longer highlighted is dropped. ``r`` reads everything again.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from baktui.rules.french import plural
from baktui.rules.missions import short_place
from baktui.services.readiness import (
    PAGE,
    BlockerPage,
    JuryReadiness,
    Target,
    jury_blockers,
    readiness,
)
from baktui.services.readiness import ReadinessBoard as Board
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import Messages, worker_connection

# (header, width): 3+11+5+6+5+5+6+6+12 = 59, + 2 per column = 77 columns: fits 80
JURY_COLUMNS = (
    ("N°", 3),
    ("Centre", 11),
    ("Cand.", 5),
    ("Compl.", 6),
    ("Inc.", 5),
    ("Bord.", 5),
    ("Désac.", 6),
    ("Modif.", 6),
    ("État", 12),
)
# 22+40+10 = 72, + 2 per column = 78; the highlighted line is shown whole below the table
BLOCKER_COLUMNS = (("Candidat", 22), ("Ce qui bloque", 40), ("Corriger", 10))


def state_cell(line: JuryReadiness, width: int = 12) -> Text:
    """« prête » in green, « n blocages » in bold (shortened to « n bloc. » when too long)."""
    if line.ready:
        return Text("prête", style="bold green")
    text = line.state if len(line.state) <= width else f"{line.blocking} bloc."
    return Text(text, style="bold" if line.blocking else "dim")


class ReadinessBoard(Messages, Vertical):
    """The juries' readiness and the highlighted jury's blocking lines."""

    DEFAULT_CSS = """
    ReadinessBoard { height: 1fr; }
    ReadinessBoard #readiness-summary { height: 1; color: $text-muted; }
    ReadinessBoard #readiness-juries { height: 1fr; min-height: 4; }
    ReadinessBoard #readiness-title { height: 1; background: $panel; }
    ReadinessBoard #readiness-blockers { height: 1fr; min-height: 4; }
    ReadinessBoard #readiness-detail { height: 2; color: $text-muted; }
    """
    HELP = """\
**Avant la délibération : les jurys prêts.** Une ligne par jury : **N°**, **centre** de
délibération, **candidats**, **complets** (toutes leurs notes), **incomplets** (une note manquante
ou une absence justifiée), **bordereaux** non clos qui contiennent des copies du jury,
**désaccords** de double saisie non arbitrés, candidats dont une note a été **modifiée** après la
dernière délibération, et l'**état** : « prête » quand rien ne bloque, sinon le nombre de blocages.

En dessous, les **blocages du jury surligné**, 100 par page (**+** / **-**) : chaque note manquante
(l'épreuve ; pour un écrit, son lot et son correcteur, ou « sans correcteur »), chaque bordereau
non clos, chaque désaccord, chaque candidat modifié depuis la délibération. Une absence justifiée
(« AJ : session de remplacement ») est montrée sans bloquer : le candidat sera délibéré à la
session de remplacement.

**Entrée** sur un jury passe à ses blocages ; **Entrée** sur un blocage ouvre l'écran qui le
corrige : le bordereau du lot (F4) ou la fiche du candidat (F2). **r** relit tout.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Actualiser", id="readiness.reload"),
        Binding("plus", "page(1)", "Page +", key_display="+", id="readiness.next_page"),
        Binding("minus", "page(-1)", "Page -", key_display="-", id="readiness.prev_page"),
    ]

    class Fix(Message):
        """Open the screen that fixes a blocking line: ``("grades", lot)`` or ``("card", id)``."""

        def __init__(self, target: Target) -> None:
            super().__init__()
            self.target = target

    class Loaded(Message):
        """The board (``page`` None) or a page of blocking lines is on screen (for tests)."""

        def __init__(self, page: BlockerPage | None = None) -> None:
            super().__init__()
            self.page = page

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.session_id: int | None = None
        self.board: Board | None = None
        self.page: BlockerPage | None = None
        self._offset = 0
        self._requested: int | None = None  # the jury whose lines were asked for last
        self._targets: dict[str, Target] = {}
        self._lines: dict[str, str] = {}

    def on_mount(self) -> None:
        # a wider terminal shows more of the centres, the candidates, what blocks them
        self.query_one("#readiness-juries", DataTable).stretch("Centre", 10)
        self.query_one("#readiness-blockers", DataTable).stretch(
            "Candidat", 22, ("Ce qui bloque", 38)
        )

    def compose(self) -> ComposeResult:
        yield Static("Lecture des jurys…", id="readiness-summary", markup=False)
        juries: DataTable[object] = DataTable(id="readiness-juries", cursor_type="row")
        for header, width in JURY_COLUMNS:
            juries.add_column(header, width=width, key=header)
        yield juries
        yield Static("", id="readiness-title", markup=False)
        blockers: DataTable[object] = DataTable(id="readiness-blockers", cursor_type="row")
        for header, width in BLOCKER_COLUMNS:
            blockers.add_column(header, width=width, key=header)
        yield blockers
        yield Static("", id="readiness-detail", markup=False)

    # --- reading ---------------------------------------------------------------------------

    def load(self, session_id: int) -> None:
        """Read the board of a session (and then the highlighted jury's lines)."""
        self.session_id = session_id
        self.load_board(session_id)

    def action_reload(self) -> None:
        if self.session_id is not None:
            self.load_board(self.session_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness-board")
    def load_board(self, session_id: int) -> None:
        with worker_connection():
            board = readiness(session_id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_board, board)

    def _show_board(self, board: Board) -> None:
        self.board = board
        table = self.query_one("#readiness-juries", DataTable)
        previous = self.jury_id
        table.clear()
        for line in board.juries:
            table.add_row(
                str(line.number),
                Text(short_place(line.centre) or "—", overflow="ellipsis"),
                str(line.candidates),
                str(line.complete),
                str(line.incomplete),
                str(line.open_slips),
                str(line.disagreements),
                str(line.changed),
                state_cell(line),
                key=str(line.jury_id),
            )
        keys = [str(line.jury_id) for line in board.juries]
        if previous is not None and str(previous) in keys:
            table.move_cursor(row=keys.index(str(previous)))
        summary = f"{plural(board.ready_count, 'jury prêt', 'jurys prêts')} sur {len(board.juries)}"
        summary += f" · délibération {board.last_run}" if board.last_run else " · jamais délibéré"
        if board.without_jury:
            summary += f" · {plural(board.without_jury, 'candidat')} sans jury"
        self.query_one("#readiness-summary", Static).update(summary)
        self._read_blockers(self._offset if self.jury_id == self._requested else 0)
        self.post_message(self.Loaded())

    @property
    def jury_id(self) -> int | None:
        """The highlighted jury (None before the board is read or without juries)."""
        table = self.query_one("#readiness-juries", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def _read_blockers(self, offset: int) -> None:
        jury_id = self.jury_id
        if self.session_id is None or jury_id is None:
            self._show_blockers(None)
            return
        self._offset, self._requested = offset, jury_id
        self.query_one("#readiness-title", Static).update("Lecture des blocages…")
        self.load_blockers(self.session_id, jury_id, offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness-blockers")
    def load_blockers(self, session_id: int, jury_id: int, offset: int) -> None:
        with worker_connection():
            page = jury_blockers(session_id, jury_id, offset, PAGE)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_blockers, page)

    def _show_blockers(self, page: BlockerPage | None) -> None:
        if page is not None and (page.jury_id != self.jury_id or page.offset != self._offset):
            return  # the user moved on meanwhile: a newer page is on its way
        if page is not None and page.offset and page.offset >= page.total:
            self._read_blockers((page.total - 1) // PAGE * PAGE if page.total else 0)
            return  # fewer lines since (reloaded after fixes): the last page there is
        self.page = page
        table = self.query_one("#readiness-blockers", DataTable)
        table.clear()
        self._targets, self._lines = {}, {}
        title = self.query_one("#readiness-title", Static)
        if page is None:
            title.update("Aucun jury dans la session." if self.board else "")
            self._show_detail()
            return
        for index, line in enumerate(page.blockers):
            key = str(page.offset + index)
            self._targets[key] = line.target
            who = f"{line.candidate} — " if line.candidate else ""
            why = "" if line.blocking else " (ne bloque pas)"
            self._lines[key] = f"{who}{line.label}{why} · Entrée : {line.where}"
            style = "" if line.blocking else "dim"
            table.add_row(
                Text(line.candidate or "—", style=style, overflow="ellipsis"),
                Text(line.short or line.label, style=style, overflow="ellipsis"),
                Text(line.where, style=style),
                key=key,
            )
        if not page.total:
            title.update(f"Jury {page.jury_number} : rien ne bloque.")
        else:
            last = page.offset + len(page.blockers)
            title.update(
                f"Jury {page.jury_number} : lignes {page.offset + 1} à {last} sur {page.total}"
                + (f" · page {page.page}/{page.pages} (+/-)" if page.pages > 1 else "")
            )
        self._show_detail()
        self.post_message(self.Loaded(page))

    def _show_detail(self) -> None:
        table = self.query_one("#readiness-blockers", DataTable)
        key = None
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.query_one("#readiness-detail", Static).update(self._lines.get(key or "", ""))

    # --- keys and moves ----------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#readiness-juries")
    def _jury_moved(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.jury_id != self._requested:
            self._read_blockers(0)

    @on(DataTable.RowHighlighted, "#readiness-blockers")
    def _blocker_moved(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    @on(DataTable.RowSelected, "#readiness-juries")
    def _jury_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.query_one("#readiness-blockers", DataTable).focus()

    @on(DataTable.RowSelected, "#readiness-blockers")
    def _blocker_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        target = self._targets.get(event.row_key.value or "")
        if target is not None:
            self.post_message(self.Fix(target))

    def action_page(self, step: int) -> None:
        page = self.page
        if page is None:
            return
        offset = page.offset + step * PAGE
        if offset < 0 or offset >= page.total:
            return
        self._read_blockers(offset)

    def current_target(self) -> Target | None:
        """The target of the highlighted blocking line (None when there is none)."""
        table = self.query_one("#readiness-blockers", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._targets.get(key or "")
