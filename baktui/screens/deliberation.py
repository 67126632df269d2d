"""F7 Délibération: « 1 Préparation » (the readiness of every jury, Entrée on a blocking line
opens the screen that fixes it) and « 2 Jurys » (Entrée opens a jury's deliberation,
:mod:`baktui.screens.jury_deliberation`)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from baktui.screens.base import BaktuiScreen
from baktui.screens.jury_deliberation import JuryScreen
from baktui.screens.readiness_fix import open_fix
from baktui.services.jury_deliberation import JuryHead, juries_of
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.readiness_board import ReadinessBoard


class DeliberationScreen(BaktuiScreen):
    """F7: the juries' readiness, then each jury's deliberation."""

    # keys typed while the list is read (or a write lands) wait for it, in order
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"deliberation-juries"})

    SUB_TITLE = "Délibération"
    HELP = """\
**1** *Préparation* : pour chaque jury, les candidats complets et incomplets, ce qui manque à
chacun (épreuve, lot, correcteur, AJ), les bordereaux non clos, les doubles saisies en désaccord,
les notes saisies après la dernière délibération. **Entrée** sur une ligne bloquante ouvre l'écran
qui la corrige (F4 lot, fiche F2).

**2** *Jurys* : **Entrée** ouvre la délibération du jury surligné (candidats, points manquants,
détail des notes, simulation, points de jury, second groupe, clôture). **r** actualise.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="deliberation.back"),
        Binding("1", "view('ready')", "Préparation", id="deliberation.ready"),
        Binding("2", "view('juries')", "Jurys", id="deliberation.juries"),
        Binding("r", "reload", "Actualiser", id="deliberation.reload"),
    ]
    DEFAULT_CSS = """
    DeliberationScreen #delib-views { height: 1; margin: 0 1; }
    DeliberationScreen #delib-juries-view { height: 1fr; display: none; }
    DeliberationScreen #delib-juries { height: 1fr; margin: 0 1; }
    DeliberationScreen #readiness { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.view_name = "ready"
        self.juries: list[JuryHead] = []

    def compose_content(self) -> ComposeResult:
        yield Static("", id="delib-views")
        yield ReadinessBoard(id="readiness")
        with Vertical(id="delib-juries-view"):
            table: DataTable[str] = DataTable(id="delib-juries", cursor_type="row")
            # 80 columns: 4 + 10 + 20 + 16 + 5 + 9 and their margins
            for header, width in (("N°", 4), ("Séries", 10), ("Centre", 20), ("Président", 16),
                                  ("Cand.", 5), ("État", 9)):  # fmt: skip
                table.add_column(header, width=width, key=header)
            yield table

    def on_mount(self) -> None:
        # a wider terminal shows more of the centres
        self.query_one("#delib-juries", DataTable).stretch("Centre", 16, ("Président", 12))
        self._show_views()
        self.action_reload()

    def _show_views(self) -> None:
        bar = Text(no_wrap=True)
        for key, name, label in (("1", "ready", "Préparation"), ("2", "juries", "Jurys")):
            bar.append(f"{key} {label}", style="reverse bold" if name == self.view_name else "")
            bar.append("  ")
        self.query_one("#delib-views", Static).update(bar)
        self.query_one("#readiness").display = self.view_name == "ready"
        self.query_one("#delib-juries-view").display = self.view_name == "juries"

    def action_view(self, name: str) -> None:
        self.view_name = name
        self._show_views()
        target = "#readiness DataTable" if name == "ready" else "#delib-juries"
        self.set_focus(self.query(target).first())

    def action_reload(self) -> None:
        session = self.baktui.session
        if session is None:
            self.fail("Aucune session ouverte.")
            return
        self.query_one(ReadinessBoard).load(session.id)
        self.load_juries(session.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deliberation-juries")
    def load_juries(self, session_id: int) -> None:
        try:
            with worker_connection():
                juries = juries_of(session_id)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show_juries, juries)

    def _show_juries(self, juries: list[JuryHead]) -> None:
        self.juries = juries
        table = self.query_one("#delib-juries", DataTable)
        row = table.cursor_row
        table.clear()
        for j in juries:
            table.add_row(str(j.number), j.series, Text(j.centre, overflow="ellipsis"),
                          Text(j.president, overflow="ellipsis"), str(j.candidates), j.state,
                          key=str(j.id))  # fmt: skip
        if juries:
            table.move_cursor(row=min(row, len(juries) - 1))

    @on(DataTable.RowSelected, "#delib-juries")
    def _open_jury(self, event: DataTable.RowSelected) -> None:
        session = self.baktui.session
        if session is None or not self.juries:
            return
        jury = self.juries[event.cursor_row]
        self.app.push_screen(JuryScreen(session.id, jury.id), lambda _: self.action_reload())

    def on_readiness_board_fix(self, message: ReadinessBoard.Fix) -> None:
        open_fix(self.app, message.target)
