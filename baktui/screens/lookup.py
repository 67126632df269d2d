"""F2 Recherche: find a candidate while on the phone.

The cursor is in the search field as soon as the screen shows (F2 from anywhere). Every keystroke
starts a new search in an exclusive thread worker (the previous one is dropped): a name with or
without accents, surname first or second ("helene lefevre"), an INE, a numéro de candidat, a
numéro d'anonymat, "J12" for a jury, a UAI or an établissement name, a phone number. At most 50
candidates are listed; Entrée opens the card of the highlighted one.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from baktui.rules.lifecycles import RegistrationState
from baktui.screens.base import BaktuiScreen
from baktui.services.search import DEFAULT_LIMIT, KIND_EMPTY, SearchResult, lookup
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import error_text, worker_connection

_ETAB_WORDS = re.compile(
    r"^(lycée|lycee|lp|lpo|lgt|établissement|etablissement|centre|"
    r"général|general|et|technologique|polyvalent|professionnel|hôtelier|hotelier|"
    r"agricole|privé|prive|public|des|métiers|metiers|de|du|l')\b\s*",
    re.IGNORECASE,
)


def short_etablissement(name: str) -> str:
    """The distinctive part of an établissement name ("Lycée polyvalent Jean-Jaurès" ->
    "Jean-Jaurès"), for a narrow column."""
    short = name.strip()
    while True:
        cut = _ETAB_WORDS.sub("", short, count=1)
        if cut == short or not cut:
            return short
        short = cut


class ResultsTable(DataTable[str]):
    """The result list: a printable key sends the cursor back to the search field with it."""

    HELP: ClassVar[str | None] = (
        "**↑** / **↓** choisissent un candidat, **Entrée** ouvre sa fiche. Taper une lettre "
        "revient au champ de recherche."
    )

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            screen = self.screen
            if isinstance(screen, LookupScreen):
                screen.type_into_search(event.character)
        elif event.key == "up" and self.cursor_row == 0:
            event.stop()
            event.prevent_default()
            self.screen.query_one("#lookup-query", Input).focus()


class LookupScreen(BaktuiScreen):
    """Search by name, INE, numbers, jury, établissement or phone; Entrée opens the card."""

    SUB_TITLE = "Recherche d'un candidat"
    HELP = """\
Tapez, les résultats suivent à chaque touche (50 au plus : précisez si la liste est coupée).

- **nom et prénom** dans n'importe quel ordre, accents et majuscules indifférents, début des mots
  suffit : « helene lefevre », « lefèvre hél », « lef hel » ;
- **INE**, **numéro de candidat** (ou son début), **numéro d'anonymat** ;
- **J12** ou « jury 12 » : les candidats du jury ;
- **UAI** (0690026D) ou **nom d'établissement**, suivi éventuellement d'un nom : « ampere martin » ;
- **téléphone** : « 06 12 34 », « +33 6 12 … ».

**↓** descend dans la liste, **Entrée** ouvre la fiche du candidat, **Échap** revient à l'accueil.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="lookup.back"),
        Binding("down", "to_results", "Liste", show=False, id="lookup.to_results"),
        Binding("ctrl+u", "clear", "Effacer", id="lookup.clear", key_display="Ctrl+U"),
    ]
    DEFAULT_CSS = """
    LookupScreen #lookup-bar { height: 1; margin: 1 1 0 1; }
    LookupScreen #lookup-bar Label { width: auto; padding-right: 1; text-style: bold; }
    LookupScreen #lookup-query { width: 1fr; }
    LookupScreen #lookup-info { height: 1; margin: 0 1; color: $text-muted; }
    LookupScreen #lookup-results { height: 1fr; margin: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._hits: dict[str, int] = {}
        self._shown_query: str | None = None
        self._open_when_shown = False  # Entrée came before its search's result

    def compose_content(self) -> ComposeResult:
        with Horizontal(id="lookup-bar"):
            yield Label("Rechercher")
            yield Input(
                placeholder="nom prénom, INE, n° candidat, anonymat, J12, UAI, téléphone…",
                id="lookup-query",
                compact=True,
            )
        yield Static("", id="lookup-info", markup=False)
        table = ResultsTable(id="lookup-results", cursor_type="row", zebra_stripes=True)
        # 9+21+10+5+12+9 + 2 per column = 78 columns: fits 80 with the margins
        table.add_column("N° cand.", width=9)
        table.add_column("Nom Prénom", width=21, key="name")
        table.add_column("Naissance", width=10)
        table.add_column("Série", width=5)
        table.add_column("Établiss.", width=12)
        table.add_column("Trouvé", width=9)
        yield table

    # --- focus: the search field at once ------------------------------------------------------

    def on_mount(self) -> None:
        # the names take what the other columns leave (80 columns: about 20)
        self.query_one("#lookup-results", ResultsTable).stretch("name", 16)
        self.focus_search()
        self.app.mode_change_signal.subscribe(self, self._mode_changed)

    def _mode_changed(self, mode: str) -> None:
        """F2 from another screen: back to the search field, even if a card was left open.

        A card is closed (the query and the results stay: Entrée reopens it); a registration
        form with unsaved changes is kept, and said so.
        """
        if mode != self.app.current_mode or self.app.screen_stack[:1] != [self]:
            return
        self.call_later(self._back_to_search)

    def _back_to_search(self) -> None:
        from baktui.screens.candidate_card import CandidateCardScreen
        from baktui.screens.registration_form import RegistrationFormScreen

        stack = self.app.screen_stack
        while len(stack) > 1 and stack[-1] is not self:
            top = stack[-1]
            if isinstance(top, RegistrationFormScreen) and top.dirty:
                self.notify(
                    "Formulaire d'inscription non enregistré : Ctrl+S pour l'enregistrer, "
                    "Échap pour l'abandonner.",
                    severity="warning",
                )
                return
            if not isinstance(top, CandidateCardScreen | RegistrationFormScreen):
                return
            self.app.pop_screen()
            stack = self.app.screen_stack
        self.focus_search()

    def on_screen_resume(self) -> None:
        self.focus_search()

    def focus_search(self, select_all: bool = True) -> None:
        query = self.query_one("#lookup-query", Input)
        query.focus()
        if select_all and query.value:
            query.select_all()

    def type_into_search(self, text: str) -> None:
        query = self.query_one("#lookup-query", Input)
        query.focus()
        query.insert_text_at_cursor(text)

    # --- search ---------------------------------------------------------------------------------

    @on(Input.Changed, "#lookup-query")
    def _changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def search(self, query: str) -> None:
        """Run one lookup (a newer keystroke cancels this worker: its result is dropped)."""
        session = self.baktui.session
        if session is None:
            self.app.call_from_thread(self._say_info, "Aucune session ouverte.")
            return
        try:
            with worker_connection():
                result = lookup(session.id, query, limit=DEFAULT_LIMIT)
        except Exception as exc:  # shown on the info line, never a crash
            self.app.call_from_thread(self._search_failed, error_text(exc))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, result)

    def _say_info(self, text: str) -> None:
        self.query_one("#lookup-info", Static).update(text)

    def _search_failed(self, text: str) -> None:
        self._say_info(text)
        if self._open_when_shown:  # nothing to open: the keys waiting go on
            self._open_when_shown = False
            self.keys_ready()

    def _show(self, result: SearchResult) -> None:
        if result.query != self.query_one("#lookup-query", Input).value.strip():
            return  # typed further since: a newer search is on its way
        table = self.query_one("#lookup-results", ResultsTable)
        table.clear()
        self._hits = {}
        rows = []
        for hit in result.hits:
            key = str(hit.candidate_id)
            self._hits[key] = hit.candidate_id
            name = f"{hit.last_name.upper()} {hit.first_name}"
            if hit.state == RegistrationState.ANNULEE:
                name = f"{name} (annulé)"
            cells = (hit.number, Text(name, overflow="ellipsis"), hit.birth_date, hit.series)
            school = Text(short_etablissement(hit.etablissement), overflow="ellipsis")
            rows.append((*cells, school, hit.matched))
        for row, hit in zip(rows, result.hits, strict=True):
            table.add_row(*row, key=str(hit.candidate_id))
        self._shown_query = result.query
        if result.kind == KIND_EMPTY:
            info = "Tapez un nom, un INE, un numéro, J12, un UAI ou un téléphone."
        elif not result.hits:
            info = f"Aucun candidat pour « {result.query} »."
        else:
            count = f"{len(result.hits)} candidat{'s' if len(result.hits) > 1 else ''}"
            more = " — liste coupée : précisez" if result.truncated else ""
            info = (
                f"{count}{more} · Entrée ouvre la fiche · "
                + f"{result.elapsed_ms:.1f} ms".replace(".", ",")
            )
        self._say_info(info)
        self._opened_if_asked()

    # --- keys -----------------------------------------------------------------------------------

    def action_to_results(self) -> None:
        table = self.query_one("#lookup-results", ResultsTable)
        if table.row_count:
            table.focus()

    def action_clear(self) -> None:
        query = self.query_one("#lookup-query", Input)
        query.value = ""
        query.focus()

    @on(Input.Submitted, "#lookup-query")
    def _submitted(self) -> None:
        if self._shown_query != self.query_one("#lookup-query", Input).value.strip():
            # Entrée typed with the number, before its search came back: the keys wait, and
            # the first hit opens as soon as it is shown
            self._open_when_shown = True
            self.hold_keys()
            return
        table = self.query_one("#lookup-results", ResultsTable)
        if table.row_count:
            self._open_row(table.cursor_row)

    def _opened_if_asked(self) -> None:
        if self._open_when_shown:
            self._open_when_shown = False
            self._open_row(0)
            self.keys_ready()

    @on(DataTable.RowSelected, "#lookup-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_candidate(self._hits[event.row_key.value])

    def _open_row(self, row: int) -> None:
        table = self.query_one("#lookup-results", ResultsTable)
        if 0 <= row < table.row_count:
            key = table.coordinate_to_cell_key((row, 0)).row_key.value
            if key is not None:
                self.open_candidate(self._hits[key])

    def open_candidate(self, candidate_id: int) -> None:
        from baktui.screens.candidate_card import CandidateCardScreen

        self.app.push_screen(CandidateCardScreen(candidate_id))
