"""The home screen: the session, its candidates, and what is left to do, with the key to do it.

Counts come from :func:`baktui.services.stats.home_counts` in a thread worker: on « r »,
when the screen comes to the front, and every 30 seconds while it is shown (other staff are
typing in the same database). The automatic reads are skipped while
:func:`~baktui.services.stats.data_fingerprint` says nothing changed, and the missing
grades (the slow count at national scale) are read after the others are on screen.
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import replace
from typing import ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from baktui.rules.numbers import thousands
from baktui.screens import registry
from baktui.screens.base import BaktuiScreen
from baktui.services.counters import STALE_WARNING
from baktui.services.home_lines import TODO_ROWS, TodoRow
from baktui.services.sessions import KINDS, SessionInfo
from baktui.services.stats import (
    HomeCounts,
    data_fingerprint,
    grades_missing,
    home_counts,
    logistics_checks,
)
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import worker_connection

REFRESH_SECONDS = 30.0

DECISION_LABELS = {
    "ADMIS": "Admis",
    "SECOND_GROUPE": "Second groupe",
    "AJOURNE": "Ajournés",
    "INCOMPLET": "Incomplets",
}
MENTION_LABELS = {
    "TBF": "dont félicitations",
    "TB": "dont très bien",
    "B": "dont bien",
    "AB": "dont assez bien",
}


def clock() -> str:
    """The time shown next to the counts (a function, so that snapshot tests can fix it)."""
    return dt.datetime.now().strftime("%H:%M:%S")


def entry_for(mode: str, key: str) -> registry.ScreenEntry | None:
    """The screen that handles a count, or None while that screen does not exist."""
    for item in registry.SCREENS:
        if item.mode == mode or item.key == key:
            return item
    return None


def key_for(mode: str, key: str) -> str:
    """The F-key of the screen that handles a count, or "" while that screen does not exist."""
    item = entry_for(mode, key)
    return item.key.upper() if item is not None else ""


def _table(*, rule: bool = True) -> Table:
    """A compact table: one rule under the header (unless ``rule`` is off, to line up with the
    list of « À traiter » beside it), one space between columns."""
    return Table(
        box=box.SIMPLE_HEAD if rule else None,
        pad_edge=False,
        padding=(0, 0) if rule else (0, 1),  # the box draws a space between columns
        collapse_padding=True,
        show_edge=False,
        header_style="bold",
    )


def candidates_table(counts: HomeCounts) -> Table:
    """Candidates per series: scolaires, individuels, total."""
    table = _table()
    table.add_column("Candidats", style="bold", no_wrap=True)
    for series in counts.series:
        table.add_column(series.code, justify="right", no_wrap=True)
    table.add_column("Total", justify="right", style="bold", no_wrap=True)
    table.add_row(
        "Scolaires", *(thousands(s.scolaires) for s in counts.series), thousands(counts.scolaires)
    )
    table.add_row(
        "Individuels",
        *(thousands(s.individuels) for s in counts.series),
        thousands(counts.individuels),
    )
    table.add_row(
        "Total", *(thousands(s.total) for s in counts.series), thousands(counts.candidates)
    )
    return table


def todo_cells(row: TodoRow, counts: HomeCounts) -> tuple[str, Text, Text]:
    """A line of « À traiter »: label, count (… while it is being counted), F-key."""
    value = row.value(counts)
    return (
        row.label,
        Text(
            "…" if value is None else thousands(value),
            style="bold" if value else "",
            justify="right",
        ),
        Text(key_for(row.mode, row.key), style="bold"),
    )


def results_table(counts: HomeCounts) -> Table:
    """Decisions and mentions of the last deliberation, or a line saying there was none."""
    key = key_for("deliberation", "f7")
    table = _table(rule=False)
    table.add_column("Résultats" + (f" ({key})" if key else ""), no_wrap=True)
    table.add_column("Nombre", justify="right", no_wrap=True)
    if not counts.deliberated:
        table.add_row("pas encore délibéré", "")
        return table
    for decision, count in counts.results.items():
        table.add_row(DECISION_LABELS.get(decision, decision), thousands(count))
    for mention, label in MENTION_LABELS.items():
        if counts.mentions.get(mention):
            table.add_row(label, thousands(counts.mentions[mention]))
    return table


def session_line(session: SessionInfo) -> Text:
    text = Text()
    text.append(f"Session {session.year}", style="bold")
    text.append(f" · {KINDS.get(session.kind, session.kind)} · phase : ")
    text.append(session.phase_label, style="bold")
    return text


def no_session_text(db_target: str) -> str:
    """What to do when the database has no session yet (French, plain text)."""
    return (
        "Aucune session n'est ouverte dans cette base.\n\n"
        "Pour ouvrir le registre de la session 2026, quittez baktui (Ctrl+Q) et tapez :\n\n"
        f"    baktui --db {shlex.quote(db_target)} init --session 2026\n\n"
        "puis rouvrez baktui sur la même base. Pour une session de remplacement, ajoutez "
        "« --kind remplacement ».\n\n"
        "Pour découvrir baktui sans toucher à une vraie base : « baktui demo »."
    )


class HomeScreen(BaktuiScreen):
    """Tableau de bord: the session's counts, refreshed while it is shown."""

    SUB_TITLE = "Accueil"
    HELP = """\
Le tableau de bord de la session : les candidats par série, ce qui reste à traiter et, après
les délibérations, les résultats.

Les chiffres sont **relus toutes les 30 secondes** tant que l'écran est affiché (vos collègues
saisissent dans la même base), à chaque retour sur l'accueil, et quand vous appuyez sur **r**.
L'heure de la dernière lecture est en bas.

- *Scolaires* : candidats d'un établissement ; *individuels* : tous les autres (candidats
  libres, CNED, formation continue). Les inscriptions annulées ne sont pas comptées.
- *Inscriptions à vérifier* : fiches à l'état brouillon ou confirmée (pas encore validées).
- *Notes manquantes* : épreuves où le candidat est inscrit, sans note du premier groupe
  (ABS, AJ et DI comptent comme saisis ; les notes conservées ne sont pas attendues).
- *Anomalies logistiques* : les contrôles avant impression du placement et des oraux (salle
  trop pleine, candidat sans place ou sans créneau, commission incomplète, chevauchement…).
- La colonne *Touche* donne la touche de l'écran qui traite la ligne ; **↑** / **↓** choisissent
  une ligne et **Entrée** ouvre la liste de ce qu'elle compte (les inscriptions à vérifier en F3,
  les lots non saisis en F4, les absences en F5, les états de frais en attente en F6…).

**p** change la phase de la session (inscriptions, organisation, épreuves…), après confirmation.
**s** choisit une autre session de la base (juin, septembre, année passée) : tous les écrans la
montrent ensuite ; la barre d'état dit toujours laquelle est ouverte.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh_counts", "Actualiser", id="home.refresh"),
        Binding("p", "app.change_phase", "Phase", id="home.change_phase"),
        Binding("s", "app.choose_session", "Session", id="home.choose_session", show=False),
    ]

    def compose_content(self) -> ComposeResult:
        with VerticalScroll(id="home-body", can_focus=True):
            yield Static("Lecture des compteurs…", id="home-session", markup=False)
            yield Static("", id="home-candidates")
            with Horizontal(id="home-blocks"):
                todo: DataTable[str] = DataTable(
                    id="home-todo", cursor_type="row", show_cursor=True
                )
                todo.add_column("À traiter", width=29)
                todo.add_column(Text("Nombre", justify="right"), width=9)  # 2 400 000 nationally
                todo.add_column("Touche", width=6)
                yield todo
                yield Static("", id="home-results")
            yield Static("", id="home-updated")

    def on_mount(self) -> None:
        self.query_one("#home-todo", DataTable).focus()
        self._fingerprint: tuple[int, ...] | None = None
        self._shown_session: int | None = None  # the session whose counts are on screen
        self._timer = self.set_interval(REFRESH_SECONDS, self._tick, pause=True)
        self.baktui.session_changed.subscribe(self, self._session_changed)

    def _session_changed(self, session: SessionInfo | None) -> None:
        """The phase was changed (here or seen in the base): show it at once; another session
        chosen: its counts."""
        if session is not None:
            self.query_one("#home-session", Static).update(session_line(session))
            if self._shown_session not in (None, session.id):
                self.refresh_counts(force=True)

    def _reading(self) -> bool:
        """A read is under way (the missing grades may take seconds at national scale)."""
        return any(
            worker.node is self and worker.group == "home-counts" and not worker.is_finished
            for worker in self.app.workers
        )

    def _tick(self) -> None:
        if not self._reading():  # never cancel a long read just to start it again
            self.refresh_counts(force=False)

    def on_screen_resume(self) -> None:
        """Shown again (start, F-key, modal closed): check the counts now, then every 30 s."""
        if not self._reading():
            self.refresh_counts(force=False)
        self._timer.resume()

    def on_screen_suspend(self) -> None:
        """Another screen is in front: stop reading the database for nothing."""
        self._timer.pause()

    def action_refresh_counts(self) -> None:
        self.refresh_counts(force=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-counts")
    def refresh_counts(self, force: bool = True) -> None:
        """Read the session and its counts (thread: the database may be large or busy).

        Without ``force``, nothing is re-read while the data fingerprint is unchanged.
        """
        worker = get_current_worker()
        with worker_connection():
            fingerprint = data_fingerprint()
            if not force and fingerprint == self._fingerprint:
                self.app.call_from_thread(self._checked, clock())
                return
            session = self.baktui.read_session()  # the chosen one, as it is now in the base
            if session is None:
                self.app.call_from_thread(self._show, None, None, clock(), fingerprint)
                return
            counts = home_counts(session.id, with_grades=False)
            self.app.call_from_thread(self._show, session, counts, clock(), None)
            if worker.is_cancelled:
                return
            counts = replace(
                counts,
                grades_missing=grades_missing(session.id),
                logistics_checks=logistics_checks(session.id),
            )
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, session, counts, clock(), fingerprint)

    def _checked(self, at: str) -> None:
        self.query_one("#home-updated", Static).update(
            f"Chiffres vérifiés à {at} : rien n'a changé · r : actualiser"
        )

    def _show(
        self,
        session: SessionInfo | None,
        counts: HomeCounts | None,
        at: str,
        fingerprint: tuple[int, ...] | None,
    ) -> None:
        """Put the counts on screen; ``fingerprint`` is set once every count is there."""
        self._fingerprint = fingerprint
        self._shown_session = session.id if session is not None else None
        if session != self.baktui.session:
            self.baktui.set_session(session)  # the phase may have been changed by a colleague
        updated = self.query_one("#home-updated", Static)
        if session is None or counts is None:
            self.query_one("#home-session", Static).update(
                Text(no_session_text(self.baktui.db_target))
            )
            for block in ("#home-candidates", "#home-results"):
                self.query_one(block, Static).update("")
            self.query_one("#home-todo", DataTable).clear()
            updated.update("")
            return
        self.query_one("#home-session", Static).update(session_line(session))
        self.query_one("#home-candidates", Static).update(candidates_table(counts))
        self._show_todo(counts)
        self.query_one("#home-results", Static).update(results_table(counts))
        if counts.counters_inconsistent:
            updated.update(Text(STALE_WARNING, style="bold red"))
        else:
            updated.update(f"Chiffres lus à {at} · relus toutes les 30 s · r : actualiser")

    def _show_todo(self, counts: HomeCounts) -> None:
        table = self.query_one("#home-todo", DataTable)
        cursor = table.cursor_row
        table.clear()
        for index, row in enumerate(TODO_ROWS):
            table.add_row(*todo_cells(row, counts), key=str(index))
        table.move_cursor(row=min(max(cursor, 0), len(TODO_ROWS) - 1))

    @on(DataTable.RowSelected, "#home-todo")
    async def _todo_chosen(self, event: DataTable.RowSelected) -> None:
        """Entrée on a line: the screen that handles it, on the list of what it counts."""
        row = TODO_ROWS[int(event.row_key.value or 0)]
        entry = entry_for(row.mode, row.key)
        if entry is None or not self.baktui.mode_available(entry.mode):
            self.fail("Aucune session ouverte : ouvrez-en une d'abord.")
            return
        order = self.baktui.key_order
        token = order.hold()  # the keys typed after Entrée go to that list, once it is open
        try:
            await self.app.switch_mode(entry.mode)
            screen = self.app.screen
            opener = getattr(screen, "open_worklist", None)
            if opener is None:
                self.app.notify(
                    "Un dialogue ou un formulaire est ouvert sur cet écran : fermez-le (Échap) "
                    "pour voir la liste.",
                    severity="warning",
                    markup=False,
                )
            else:
                opener(row.worklist)
        finally:
            order.release(token)
