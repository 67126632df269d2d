"""F5 Jurys: the day's uncovered needs, the juries and their bureau, the examiners.

Three tabs (b, j, e), each a widget: ``DayBoard`` lists what is uncovered on one day (Entrée
opens the replacement screen on an absent examiner's mission), ``JuryList`` sets the président
(PU or MCF, refused otherwise with the reason), the vice-président and the members, distributes
the candidates and prints the convocations and assignment lists, ``ExaminerList`` finds a
teacher. This screen holds the keys (one list for the footer and F1, each enabled on its tab)
and hands them to the active tab, declares absences (from the board or an examiner), convenes an
examiner for a mission (:class:`~baktui.widgets.convene_form.ConveneForm`) or records the days
he or she is available (:class:`~baktui.widgets.availability_form.AvailabilityForm`), and
pushes the replacement screen. Everything that reads or writes runs in thread workers; the tables hold
bounded lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import TabbedContent, TabPane

from baktui.errors import ServiceError
from baktui.rules.french import agree_with, plural
from baktui.screens.base import BaktuiScreen
from baktui.screens.replacements import ReplacementScreen
from baktui.services import absences, examiners, needs
from baktui.services.absences import AbsenceInfo
from baktui.services.examiners import AssignmentInfo
from baktui.services.needs import Need
from baktui.widgets.absence_form import AbsenceForm
from baktui.widgets.availability_form import AvailabilityForm
from baktui.widgets.convene_form import ConveneForm
from baktui.widgets.day_board import DayBoard
from baktui.widgets.examiner_list import ExaminerList
from baktui.widgets.examiner_picker import ExaminerPicker
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.jury_list import JuryList

TAB_BOARD = "board"
TAB_JURIES = "juries"
TAB_EXAMINERS = "examiners"
# the tab each key works on (the others: on every tab, or as check_action says)
ACTION_TABS = {
    "open_need": TAB_BOARD,
    "shift_day": TAB_BOARD,
    "focus_day": TAB_BOARD,
    "officer": TAB_JURIES,
    "add_member": TAB_JURIES,
    "distribute": TAB_JURIES,
    "lists": TAB_JURIES,
    "focus_search": TAB_EXAMINERS,
}
FIRST_FOCUS = {
    TAB_BOARD: "#board-table",
    TAB_JURIES: "#juries-table",
    TAB_EXAMINERS: "#examiner-query",
}


class JuriesScreen(BaktuiScreen):
    """Juries, examiners and the replacement of absent examiners (F5)."""

    # the name of an examiner picked (then his form opens) and an absence written (then the
    # replacement opens): the keys typed meanwhile go to what opens (the tabs hold their own)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"juries-examiner-name", "juries-absent"})

    SUB_TITLE = "Jurys et examinateurs"
    HELP = """\
Trois onglets : **b** besoins du jour, **j** jurys, **e** examinateurs.

**Besoins du jour** : tout ce qui n'est pas couvert ce jour-là. Les missions d'un examinateur
absent s'ouvrent avec **Entrée** : classement des remplaçants et affectation en une touche.
**+** / **-** changent de jour, **d** tape une date, **a** déclare une absence.
La ligne du haut rappelle les autres jours où il reste quelque chose à couvrir.

**Jurys** : **p** désigne le président (professeur des universités ou maître de conférences,
art. D.336-20 : tout autre corps est refusé avec le motif), **v** le vice-président, **m**
ajoute un membre (jamais un enseignant des candidats du jury). **t** répartit les candidats
sans jury (par série, près de leur centre, un établissement dans un seul jury). **c** édite
les convocations du jury, ou de toutes les missions de son centre (un seul PDF, une page par
examinateur) ; **l** les listes d'affectation, de tous les centres ou d'un seul (PDF et Excel).

**Examinateurs** : tapez un nom ou un code d'épreuve ; **a** déclare l'examinateur absent
(date, motif) puis ouvre son remplacement ; **c** édite sa convocation.
**n** le **convoque** pour une mission : nature (correction, oral, pratique, jury,
surveillance), date, heures, épreuve, centre, lot d'une correction, jury d'une mission de jury ;
toutes les règles sont vérifiées (discipline, propres élèves, absence, disponibilités, horaires,
charge) et un refus dit pourquoi, sans rien enregistrer. **i** ses **disponibilités** : les
jours déclarés, et un jour à ajouter ou changer (date, puis o ou n) ; le classement des
remplaçants en tient compte. Sur les besoins du jour, **n** et **i** demandent l'examinateur.

Les documents sont écrits dans le dossier des documents ($BAKTUI_OUT, sinon celui du fichier
de configuration, sinon « baktui-documents » du dossier courant) et enregistrés dans la liste
des documents émis.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        # the tab titles show these keys: kept out of the footer, which is short at 80 columns
        Binding("b", "show_tab('board')", "Besoins du jour", id="juries.tab_board", show=False),
        Binding("j", "show_tab('juries')", "Jurys", id="juries.tab_juries", show=False),
        Binding(
            "e", "show_tab('examiners')", "Examinateurs", id="juries.tab_examiners", show=False
        ),
        Binding("enter", "open_need", "Remplacer", id="juries.replace", priority=True),
        Binding("plus", "shift_day(1)", "Jour +", id="juries.next_day", key_display="+"),
        Binding("minus", "shift_day(-1)", "Jour -", id="juries.previous_day", key_display="-"),
        Binding("d", "focus_day", "Date", id="juries.day", show=False),
        Binding("a", "absence", "Absent", id="juries.absence"),
        Binding("p", "officer('president')", "Président", id="juries.president"),
        Binding("v", "officer('vice_president')", "Vice-prés.", id="juries.vice_president"),
        Binding("m", "add_member", "Membre", id="juries.member"),
        Binding("t", "distribute", "Répartir", id="juries.distribute", show=False),
        Binding("c", "convocations", "Convocations", id="juries.convocations"),
        Binding("l", "lists", "Listes", id="juries.lists"),
        Binding("n", "convene", "Convoquer", id="juries.convene", show=False),
        Binding("i", "availability", "Disponibilités", id="juries.availability", show=False),
        Binding("slash", "focus_search", "Chercher", id="juries.search", key_display="/"),
        Binding("r", "refresh", "Actualiser", id="juries.refresh", show=False),
    ]
    DEFAULT_CSS = """
    JuriesScreen TabPane { padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.loaded: set[str] = set()

    def compose_content(self) -> ComposeResult:
        with TabbedContent(initial=TAB_BOARD, id="juries-tabs"):
            with TabPane("b Besoins du jour", id=TAB_BOARD):
                yield DayBoard()
            with TabPane("j Jurys", id=TAB_JURIES):
                yield JuryList()
            with TabPane("e Examinateurs", id=TAB_EXAMINERS):
                yield ExaminerList()

    def on_mount(self) -> None:
        self.query_one(FIRST_FOCUS[TAB_BOARD]).focus()

    def on_screen_resume(self) -> None:
        """Back from a replacement or another F-key: the others may have changed things."""
        self.action_refresh()

    # --- The tabs -------------------------------------------------------------------------

    @property
    def day_board(self) -> DayBoard:
        return self.query_one(DayBoard)

    @property
    def jury_list(self) -> JuryList:
        return self.query_one(JuryList)

    @property
    def examiner_list(self) -> ExaminerList:
        return self.query_one(ExaminerList)

    @property
    def session_id(self) -> int | None:
        session = self.baktui.session
        return session.id if session is not None else None

    @property
    def active_tab(self) -> str:
        return self.query_one("#juries-tabs", TabbedContent).active

    def _open_session(self) -> int | None:
        """The session's id; None (and said) when the base has no open session."""
        session_id = self.session_id
        if session_id is None:
            self.fail("Aucune session ouverte dans cette base.")
        return session_id

    def _pane(self, tab: str) -> DayBoard | JuryList | ExaminerList:
        if tab == TAB_BOARD:
            return self.day_board
        return self.jury_list if tab == TAB_JURIES else self.examiner_list

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        tab = self.active_tab
        if tab not in self.loaded:
            self._load(tab)
        self.query_one(FIRST_FOCUS[tab]).focus()
        self.call_after_refresh(self.keys_ready)  # the keys typed after b, j or e: to the tab

    def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one("#juries-tabs", TabbedContent)
        if tabs.active != tab:
            self.hold_keys()  # « e b e r »: « ber » waits for the search field, not for « b »
            tabs.active = tab

    def open_worklist(self, key: str) -> None:
        """From the home screen (« Absences sans remplaçant »): the needs of the first day that
        has some; the board names the other days with their counts."""
        self.action_show_tab(TAB_BOARD)
        self.day_board.day = None  # the default day: the first with something to cover
        self.loaded.add(TAB_BOARD)
        self.day_board.load()
        self.query_one(FIRST_FOCUS[TAB_BOARD]).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.active_tab if self.is_mounted else TAB_BOARD
        if action in ("absence", "convene", "availability") and tab == TAB_JURIES:
            return False
        if action in ACTION_TABS and ACTION_TABS[action] != tab:
            return False
        if action == "open_need":
            return self.day_board.table_focused
        if action == "convocations":
            return tab in (TAB_JURIES, TAB_EXAMINERS)
        if action == "show_tab" and parameters and parameters[0] == tab:
            return False
        return super().check_action(action, parameters)

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_refresh(self) -> None:
        self.loaded.clear()
        self._load(self.active_tab)

    def _load(self, tab: str) -> None:
        if self.session_id is None:
            self.day_board.no_session()
            return
        self.loaded.add(tab)
        self._pane(tab).load()

    # --- Keys handed to the active tab ----------------------------------------------------

    def action_open_need(self) -> None:
        self.day_board.open_need()

    def action_shift_day(self, delta: int) -> None:
        self.day_board.shift_day(delta)

    def action_focus_day(self) -> None:
        self.day_board.focus_day()

    def action_officer(self, role: str) -> None:
        self.jury_list.choose_officer(role)

    def action_add_member(self) -> None:
        self.jury_list.choose_member()

    def action_distribute(self) -> None:
        if (session_id := self._open_session()) is not None:
            self.jury_list.confirm_distribution(session_id)

    def action_convocations(self) -> None:
        if (session_id := self._open_session()) is None:
            return
        if self.active_tab == TAB_JURIES:
            self.jury_list.choose_convocations(session_id)
        elif self.active_tab == TAB_EXAMINERS:
            self.examiner_list.issue_current(session_id)

    def action_lists(self) -> None:
        if (session_id := self._open_session()) is not None:
            self.jury_list.choose_lists(session_id)

    def action_focus_search(self) -> None:
        self.examiner_list.focus_search()

    # --- Replacement ----------------------------------------------------------------------

    @on(DayBoard.ReplaceRequested)
    def _replace(self, message: DayBoard.ReplaceRequested) -> None:
        self.app.push_screen(ReplacementScreen(message.assignment_ids, title=message.title))

    @on(ReplacementScreen.Replaced)
    def _replaced_after_leaving(self) -> None:
        """Back here before the replacement was written: show the board as it is now."""
        self.action_refresh()

    # --- Absence --------------------------------------------------------------------------

    def action_absence(self) -> None:
        """Declare the highlighted examiner absent (examiners tab), else one picked by name."""
        self._with_examiner("Examinateur absent", self._ask_absence)

    def _with_examiner(self, title: str, then: Callable[[int, str], None]) -> None:
        """``then(id, name)`` on the highlighted examiner (examiners tab), else one picked."""
        if self._open_session() is None:
            return
        examiner = (
            self.examiner_list.current_examiner() if self.active_tab == TAB_EXAMINERS else None
        )
        if examiner is not None:
            then(examiner.id, examiner.name)
            return

        def picked(examiner_id: int | None) -> None:
            if examiner_id is not None:
                self._name_then(examiner_id, then)

        self.app.push_screen(ExaminerPicker(title), picked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-examiner-name")
    def _name_then(self, examiner_id: int, then: Callable[[int, str], None]) -> None:
        with worker_connection():
            info = examiners.get_examiner(examiner_id)
        self.app.call_from_thread(then, info.id, info.name)

    # --- Convocation to a mission, availabilities -----------------------------------------

    def action_convene(self) -> None:
        self._with_examiner("Examinateur à convoquer", self._ask_convene)

    def _ask_convene(self, examiner_id: int, name: str) -> None:
        session_id = self._open_session()
        if session_id is None:
            return
        day = self.day_board.day or dt.date.today()

        def answered(created: AssignmentInfo | None) -> None:
            if created is not None:
                what = f"{created.kind_label.lower()} {created.epreuve_code}".strip()
                self.say(
                    f"{name} {agree_with(name, 'convoqué')} : {what}, le {created.day:%d/%m/%Y} "
                    f"de {created.start_time} à {created.end_time}."
                )
                self.action_refresh()

        self.app.push_screen(ConveneForm(session_id, examiner_id, name, day), answered)

    def action_availability(self) -> None:
        self._with_examiner("Disponibilités de l'examinateur", self._ask_availability)

    def _ask_availability(self, examiner_id: int, name: str) -> None:
        day = self.day_board.day or dt.date.today()

        def closed(recorded: int | None) -> None:
            if recorded:
                self.say(
                    f"Disponibilités de {name} : {plural(recorded, 'jour enregistré', 'jours enregistrés')}."
                )
                self.action_refresh()

        self.app.push_screen(AvailabilityForm(examiner_id, name, day), closed)

    def _ask_absence(self, examiner_id: int, name: str) -> None:
        day = self.day_board.day or dt.date.today()

        def answered(result: tuple[dt.date, str] | None) -> None:
            if result is not None:
                self.mark_absent(examiner_id, result[0], result[1])

        self.app.push_screen(AbsenceForm(name, day), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-absent")
    def mark_absent(self, examiner_id: int, day: dt.date, reason: str) -> None:
        try:
            with worker_connection():
                absence = absences.mark_absent(examiner_id, day, reason)
                uncovered = needs.needs_of_absence(absence.id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._absence_marked, absence, uncovered)

    def _absence_marked(self, absence: AbsenceInfo, uncovered: list[Need]) -> None:
        self.day_board.day = absence.day
        if not uncovered:
            self.say(
                f"Absence de {absence.examiner} le {absence.day:%d/%m/%Y} enregistrée : "
                "aucune mission à couvrir ce jour-là."
            )
            self.action_refresh()
            return
        self.say(
            f"Absence de {absence.examiner} enregistrée : {plural(len(uncovered), 'mission')} à couvrir."
        )
        ids = [n.assignment_id for n in uncovered if n.assignment_id is not None]
        self.app.push_screen(
            ReplacementScreen(ids, title=f"Remplacement — {absence.examiner} {absence.day:%d/%m}")
        )
