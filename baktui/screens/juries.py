"""F5 Jurys: the day's uncovered needs, the juries and their bureau, the examiners.

Three tabs (b, j, e). « Besoins du jour » lists, for one day, the missions of absent examiners
(Entrée opens the replacement screen), the oral slots without examiner, the lots without
correcteur and the juries without président, so that nothing is forgotten. « Jurys » sets the
président (PU or MCF, refused otherwise with the reason), the vice-président and the members,
distributes the candidates and prints the convocations and the assignment lists (PDF + Excel).
« Examinateurs » finds a teacher, declares an absence and prints his or her convocation.

Everything that reads or writes runs in thread workers; the tables hold bounded lists.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static, TabbedContent, TabPane

from baktui.errors import ServiceError
from baktui.rules.identifiers import parse_date_fr
from baktui.screens.base import BaktuiScreen
from baktui.screens.replacements import ReplacementScreen, need_when, short_place
from baktui.services import juries, replacements
from baktui.services.juries import (
    AssignmentInfo,
    AssignmentRefused,
    ExaminerInfo,
    IssuedDocument,
    JuryInfo,
)
from baktui.services.replacements import Board, Need
from baktui.widgets.absence_form import AbsenceForm
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal
from baktui.widgets.examiner_picker import ExaminerPicker, short_corps
from baktui.widgets.feedback import error_text, worker_connection

TAB_BOARD = "board"
TAB_JURIES = "juries"
TAB_EXAMINERS = "examiners"
SOURCE_HINTS = {
    replacements.SOURCE_SLOTS: "Créneaux sans examinateur : affectez une commission d'oral.",
    replacements.SOURCE_LOT: "Lots sans correcteur : à attribuer depuis l'écran des lots.",
    replacements.SOURCE_PRESIDENT: "Jury sans président : onglet Jurys (j), puis p.",
}


def jury_line(jury: JuryInfo) -> str:
    """The highlighted jury in two lines."""
    date = jury.deliberation_date.strftime("%d/%m/%Y") if jury.deliberation_date else "à fixer"
    return (
        f"Jury n° {jury.number} ({jury.series_codes}) · {short_place(jury.centre) or 'sans centre'}"
        f" · délibération {date}\n"
        f"Prés. {jury.president or 'À DÉSIGNER'} · vice-prés. {jury.vice_president or '—'} · "
        f"{jury.members} membres · {jury.candidates} candidats"
    )


def missions_line(examiner: ExaminerInfo, missions: list[AssignmentInfo]) -> str:
    """The highlighted examiner: disciplines, load and next missions."""
    active = [m for m in missions if m.state in juries.ACTIVE_STATES]
    head = (
        f"{examiner.name} — {examiner.corps_label}, {examiner.etablissement or 'sans établissement'}"
        f" · disciplines : {examiner.disciplines or '—'}"
    )
    if not active:
        return head + "\nAucune mission en cours."
    shown = " ; ".join(
        f"{m.day:%d/%m} {m.kind_label.lower()} {m.epreuve_code} {m.what}".replace("  ", " ")
        for m in active[:3]
    )
    more = f" (+{len(active) - 3})" if len(active) > 3 else ""
    return f"{head}\n{len(active)} mission(s) : {shown}{more}"


class JuriesScreen(BaktuiScreen):
    """Juries, examiners and the replacement of absent examiners (F5)."""

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

Les documents sont écrits dans le dossier $BAKTUI_OUT, sinon « baktui-documents » du
dossier courant, et enregistrés dans la liste des documents émis.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        # the tab titles show these keys: kept out of the footer, which is short at 80 columns
        Binding("b", "show_tab('board')", "Besoins du jour", id="juries-tab-board", show=False),
        Binding("j", "show_tab('juries')", "Jurys", id="juries-tab-juries", show=False),
        Binding(
            "e", "show_tab('examiners')", "Examinateurs", id="juries-tab-examiners", show=False
        ),
        Binding("enter", "open_need", "Remplacer", id="juries-replace", priority=True),
        Binding("plus", "shift_day(1)", "Jour +", id="juries-next-day", key_display="+"),
        Binding("minus", "shift_day(-1)", "Jour -", id="juries-prev-day", key_display="-"),
        Binding("d", "focus_day", "Date", id="juries-day", show=False),
        Binding("a", "absence", "Absent", id="juries-absence"),
        Binding("p", "officer('president')", "Président", id="juries-president"),
        Binding("v", "officer('vice_president')", "Vice-prés.", id="juries-vice"),
        Binding("m", "add_member", "Membre", id="juries-member"),
        Binding("t", "distribute", "Répartir", id="juries-distribute", show=False),
        Binding("c", "convocations", "Convocations", id="juries-convocations"),
        Binding("l", "lists", "Listes", id="juries-lists"),
        Binding("slash", "focus_search", "Chercher", id="juries-search", key_display="/"),
        Binding("r", "refresh", "Actualiser", id="juries-refresh", show=False),
    ]
    DEFAULT_CSS = """
    JuriesScreen TabPane { padding: 0 1; }
    JuriesScreen .bar { height: 1; }
    JuriesScreen .bar Label { width: auto; margin-right: 1; }
    JuriesScreen #board-day { width: 12; }
    JuriesScreen #board-summary { width: 1fr; margin-left: 1; color: $text-muted; }
    JuriesScreen DataTable { height: 1fr; }
    JuriesScreen .detail { height: 2; color: $text-muted; }
    JuriesScreen #examiner-query { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.day: dt.date | None = None
        self.board: Board | None = None
        self.needs: dict[str, Need] = {}
        self.jury_rows: dict[str, JuryInfo] = {}
        self.examiner_rows: dict[str, ExaminerInfo] = {}
        self.loaded: set[str] = set()

    def compose_content(self) -> ComposeResult:
        with TabbedContent(initial=TAB_BOARD, id="juries-tabs"):
            with TabPane("Besoins du jour (b)", id=TAB_BOARD):
                with Vertical():
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
                    board.add_columns("Heure", "Besoin", "Centre", "Absent(e)")
                    yield board
                    yield Static("", id="board-detail", classes="detail", markup=False)
            with TabPane("Jurys (j)", id=TAB_JURIES):
                with Vertical():
                    table: DataTable[str] = DataTable(
                        id="juries-table", cursor_type="row", zebra_stripes=True
                    )
                    table.add_columns("N°", "Séries", "Centre", "Président", "Memb.", "Cand.")
                    yield table
                    yield Static("", id="jury-detail", classes="detail", markup=False)
            with TabPane("Examinateurs (e)", id=TAB_EXAMINERS):
                with Vertical():
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
                    people.add_columns("Nom", "Corps", "Disciplines", "Établissement", "Commune")
                    yield people
                    yield Static("", id="examiner-detail", classes="detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#board-table", DataTable).focus()

    def on_screen_resume(self) -> None:
        """Back from a replacement or another F-key: the others may have changed things."""
        self.action_refresh()

    # --- Helpers --------------------------------------------------------------------------

    @property
    def session_id(self) -> int | None:
        session = self.baktui.session
        return session.id if session is not None else None

    @property
    def active_tab(self) -> str:
        return self.query_one("#juries-tabs", TabbedContent).active

    def _row_key(self, table_id: str) -> str | None:
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _current_jury(self) -> JuryInfo | None:
        return self.jury_rows.get(self._row_key("#juries-table") or "")

    def _current_examiner(self) -> ExaminerInfo | None:
        return self.examiner_rows.get(self._row_key("#examiners-table") or "")

    def _current_need(self) -> Need | None:
        return self.needs.get(self._row_key("#board-table") or "")

    def _no_session(self) -> bool:
        if self.session_id is None:
            self.fail("Aucune session ouverte dans cette base.")
            return True
        return False

    # --- Tabs and keys --------------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        tab = self.active_tab
        if tab not in self.loaded:
            self._load(tab)
        focus = {
            TAB_BOARD: "#board-table",
            TAB_JURIES: "#juries-table",
            TAB_EXAMINERS: "#examiner-query",
        }[tab]
        self.query_one(focus).focus()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#juries-tabs", TabbedContent).active = tab

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.active_tab if self.is_mounted else TAB_BOARD
        per_tab = {
            "open_need": TAB_BOARD,
            "shift_day": TAB_BOARD,
            "focus_day": TAB_BOARD,
            "officer": TAB_JURIES,
            "add_member": TAB_JURIES,
            "distribute": TAB_JURIES,
            "lists": TAB_JURIES,
            "focus_search": TAB_EXAMINERS,
        }
        if action == "absence" and tab == TAB_JURIES:
            return False
        if action in per_tab and per_tab[action] != tab:
            return False
        if action == "open_need":
            # Entrée belongs to the day field while typing a date
            return self.focused is self.query_one("#board-table", DataTable)
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
            self.query_one("#board-summary", Static).update("Aucune session ouverte.")
            return
        self.loaded.add(tab)
        if tab == TAB_BOARD:
            self.load_board(self.session_id, self.day)
        elif tab == TAB_JURIES:
            self.load_juries(self.session_id)
        else:
            self.search(self.query_one("#examiner-query", Input).value)

    # --- Board ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-board")
    def load_board(self, session_id: int, day: dt.date | None) -> None:
        with worker_connection():
            if day is None:
                day = replacements.default_day(session_id)
            board = replacements.day_board(session_id, day)
            days = replacements.open_days(session_id)
        self.app.call_from_thread(self._show_board, board, days)

    def _show_board(self, board: Board, days: list[tuple[dt.date, int]]) -> None:
        self.board = board
        self.day = board.day
        day_input = self.query_one("#board-day", Input)
        if self.focused is not day_input:
            day_input.value = board.day.strftime("%d/%m/%Y")
        others = [f"{d:%d/%m} ({n})" for d, n in days if d != board.day]
        summary = f"{board.replaceable} à remplacer, {len(board.needs)} besoin(s)"
        if others:
            summary += " · autres jours : " + ", ".join(others[:4])
            if len(others) > 4:
                summary += "…"
        self.query_one("#board-summary", Static).update(summary)
        table = self.query_one("#board-table", DataTable)
        previous = self._row_key("#board-table")
        table.clear()
        self.needs = {}
        for index, need in enumerate(board.needs):
            key = f"a{need.assignment_id}" if need.assignment_id else f"n{index}"
            self.needs[key] = need
            table.add_row(
                need.hours or "—",
                need.label[:30],
                short_place(need.centre)[:13],
                need.examiner[:14] or "—",
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
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#board-table")
    def _need_moved(self) -> None:
        self._show_need()

    def _show_need(self) -> None:
        need = self._current_need()
        detail = self.query_one("#board-detail", Static)
        if need is None:
            detail.update("")
        elif need.replaceable:
            detail.update(
                f"{need.examiner} absent(e) : {need.absence_reason} · {need.centre}\n"
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
        if self.session_id is not None:
            self.load_board(self.session_id, day)

    def action_focus_day(self) -> None:
        self.query_one("#board-day", Input).focus()

    def action_shift_day(self, delta: int) -> None:
        if self.session_id is None:
            return
        self.day = (self.day or dt.date.today()) + dt.timedelta(days=delta)
        self.load_board(self.session_id, self.day)

    def action_open_need(self) -> None:
        need = self._current_need()
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
        self.app.push_screen(
            ReplacementScreen(ordered, title=f"Remplacement — {need.examiner} {need_when(need)}")
        )

    # --- Absence --------------------------------------------------------------------------

    def action_absence(self) -> None:
        if self._no_session():
            return
        examiner = self._current_examiner() if self.active_tab == TAB_EXAMINERS else None
        if examiner is not None:
            self._ask_absence(examiner.id, examiner.name)
            return

        def picked(examiner_id: int | None) -> None:
            if examiner_id is not None:
                self._ask_absence_for(examiner_id)

        self.app.push_screen(ExaminerPicker("Examinateur absent"), picked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-absent-name")
    def _ask_absence_for(self, examiner_id: int) -> None:
        with worker_connection():
            info = juries.get_examiner(examiner_id)
        self.app.call_from_thread(self._ask_absence, info.id, info.name)

    def _ask_absence(self, examiner_id: int, name: str) -> None:
        day = self.day or dt.date.today()

        def answered(result: tuple[dt.date, str] | None) -> None:
            if result is not None:
                self.mark_absent(examiner_id, result[0], result[1])

        self.app.push_screen(AbsenceForm(name, day), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-absent")
    def mark_absent(self, examiner_id: int, day: dt.date, reason: str) -> None:
        try:
            with worker_connection():
                absence = replacements.mark_absent(examiner_id, day, reason)
                needs = replacements.needs_of_absence(absence.id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._absence_marked, absence, needs)

    def _absence_marked(self, absence: replacements.AbsenceInfo, needs: list[Need]) -> None:
        self.day = absence.day
        if not needs:
            self.say(
                f"Absence de {absence.examiner} le {absence.day:%d/%m/%Y} enregistrée : "
                "aucune mission à couvrir ce jour-là."
            )
            self.action_refresh()
            return
        self.say(f"Absence de {absence.examiner} enregistrée : {len(needs)} mission(s) à couvrir.")
        ids = [n.assignment_id for n in needs if n.assignment_id is not None]
        self.app.push_screen(
            ReplacementScreen(ids, title=f"Remplacement — {absence.examiner} {absence.day:%d/%m}")
        )

    # --- Juries ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-list")
    def load_juries(self, session_id: int) -> None:
        with worker_connection():
            rows = juries.list_juries(session_id)
        self.app.call_from_thread(self._show_juries, rows)

    def _show_juries(self, rows: list[JuryInfo]) -> None:
        table = self.query_one("#juries-table", DataTable)
        previous = self._row_key("#juries-table")
        table.clear()
        self.jury_rows = {str(j.id): j for j in rows}
        for j in rows:
            table.add_row(
                str(j.number),
                j.series_codes.replace(",", " ")[:12],
                short_place(j.centre)[:22],
                j.president[:20] or "À DÉSIGNER",
                str(j.members),
                str(j.candidates),
                key=str(j.id),
            )
        if previous in self.jury_rows:
            table.move_cursor(row=table.get_row_index(previous))
        if not rows:
            self.query_one("#jury-detail", Static).update("Aucun jury dans cette session.")
        else:
            self._show_jury()

    @on(DataTable.RowHighlighted, "#juries-table")
    def _jury_moved(self) -> None:
        self._show_jury()

    def _show_jury(self) -> None:
        jury = self._current_jury()
        self.query_one("#jury-detail", Static).update(jury_line(jury) if jury else "")

    def action_officer(self, role: str) -> None:
        jury = self._current_jury()
        if jury is None:
            return
        label = "Président" if role == "president" else "Vice-président"
        hint = (
            "Professeur des universités ou maître de conférences (D.336-20)."
            if role == "president"
            else "Professeur agrégé ou certifié."
        )

        def picked(examiner_id: int | None) -> None:
            if examiner_id is not None:
                self.set_officer(jury.id, examiner_id, role, jury.version)

        prefer = ("PU", "MCF") if role == "president" else ("AGREGE", "CERTIFIE")
        self.app.push_screen(
            ExaminerPicker(f"{label} du jury n° {jury.number}", hint, prefer_corps=prefer), picked
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-write")
    def set_officer(self, jury_id: int, examiner_id: int, role: str, version: int) -> None:
        try:
            with worker_connection():
                if role == "president":
                    info = juries.set_president(jury_id, examiner_id, expected_version=version)
                else:
                    info = juries.set_vice_president(jury_id, examiner_id, expected_version=version)
        except AssignmentRefused as exc:
            self.app.call_from_thread(self._refused, "#jury-detail", " ".join(exc.reasons))
            return
        except ServiceError as exc:
            self.app.call_from_thread(self._refused, "#jury-detail", error_text(exc))
            self.app.call_from_thread(self._reload_juries)
            return
        self.app.call_from_thread(self._jury_written, info)

    def action_add_member(self) -> None:
        jury = self._current_jury()
        if jury is None:
            return

        def picked(examiner_id: int | None) -> None:
            if examiner_id is not None:
                self.add_member(jury.id, examiner_id)

        self.app.push_screen(
            ExaminerPicker(
                f"Membre du jury n° {jury.number}",
                "Jamais un enseignant d'un établissement des candidats du jury.",
            ),
            picked,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-write")
    def add_member(self, jury_id: int, examiner_id: int) -> None:
        try:
            with worker_connection():
                info = juries.add_member(jury_id, examiner_id)
        except AssignmentRefused as exc:
            self.app.call_from_thread(self._refused, "#jury-detail", " ".join(exc.reasons))
            return
        except ServiceError as exc:
            self.app.call_from_thread(self._refused, "#jury-detail", error_text(exc))
            return
        self.app.call_from_thread(self._jury_written, info)

    def _refused(self, detail_id: str, message: str) -> None:
        self.query_one(detail_id, Static).update("Refusé : " + message)
        self.fail(message, title="Refusé")

    def _reload_juries(self) -> None:
        if self.session_id is not None:
            self.load_juries(self.session_id)

    def _jury_written(self, info: JuryInfo) -> None:
        self.say(
            f"Jury n° {info.number} : président {info.president or '—'}, {info.members} membres."
        )
        self._reload_juries()

    def action_distribute(self) -> None:
        if self._no_session():
            return
        session_id = self.session_id
        assert session_id is not None

        def answered(ok: bool | None) -> None:
            if ok:
                self.distribute(session_id)

        self.app.push_screen(
            ConfirmModal(
                "Répartir dans les jurys les candidats qui n'en ont pas ?\n"
                "Par série, près de leur centre, les candidats d'un établissement ensemble.",
                title="Répartition des candidats",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-write")
    def distribute(self, session_id: int) -> None:
        try:
            with worker_connection():
                summary = juries.distribute_candidates(session_id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self.say, summary.render(), "Répartition")
        self.app.call_from_thread(self._reload_juries)

    # --- Documents ------------------------------------------------------------------------

    def action_convocations(self) -> None:
        if self._no_session():
            return
        session_id = self.session_id
        assert session_id is not None
        if self.active_tab == TAB_JURIES:
            jury = self._current_jury()
            if jury is None:
                return
            choices = [("jury", f"Les membres du jury n° {jury.number}")]
            if jury.centre_id is not None:
                choices.append(
                    ("centre", f"Toutes les missions du centre {short_place(jury.centre)}")
                )

            def chosen(key: str | None) -> None:
                if key == "jury":
                    self.say(f"Édition des convocations du jury n° {jury.number}…")
                    self.issue(session_id, jury_id=jury.id)
                elif key == "centre":
                    self.say(f"Édition des convocations du centre {short_place(jury.centre)}…")
                    self.issue(session_id, centre_id=jury.centre_id)

            self.app.push_screen(
                ChoiceModal(
                    "Convocations (un seul PDF)",
                    choices,
                    prompt="Une page par examinateur, dans un seul fichier.",
                ),
                chosen,
            )
        elif self.active_tab == TAB_EXAMINERS:
            examiner = self._current_examiner()
            if examiner is not None:
                self.say(f"Édition de la convocation de {examiner.name}…")
                self.issue(session_id, examiner_id=examiner.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-documents")
    def issue(
        self, session_id: int, *, jury_id: int | None = None, examiner_id: int | None = None
    ) -> None:
        try:
            with worker_connection():
                doc = juries.issue_convocations(
                    session_id, jury_id=jury_id, examiner_id=examiner_id
                )
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._issued, doc)

    def _issued(self, doc: IssuedDocument) -> None:
        self.say(
            f"{doc.examiners} convocation(s), {doc.assignments} mission(s) → {doc.path}",
            title="Convocations éditées",
        )

    def action_lists(self) -> None:
        if self._no_session():
            return
        session_id = self.session_id
        assert session_id is not None
        centres: dict[int, str] = {}
        for jury in self.jury_rows.values():
            if jury.centre_id is not None:
                centres.setdefault(jury.centre_id, short_place(jury.centre))
        choices = [("*", "Tous les centres (une partie par centre)")] + [
            (str(cid), name) for cid, name in sorted(centres.items(), key=lambda c: c[1])
        ]

        def chosen(key: str | None) -> None:
            if key is None:
                return
            self.say("Édition des listes d'affectation des jurys (PDF et Excel)…")
            self.export_lists(session_id, None if key == "*" else int(key))

        self.app.push_screen(
            ChoiceModal("Listes d'affectation des jurys", choices, prompt="PDF et Excel."),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-documents")
    def export_lists(self, session_id: int, centre_id: int | None) -> None:
        try:
            with worker_connection():
                pdf, xlsx = juries.export_jury_lists(session_id, centre_id=centre_id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(
            self.say, f"{pdf.path}\n{xlsx.path}", "Listes d'affectation éditées"
        )

    # --- Examiners ------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#examiner-query", Input).focus()

    @on(Input.Changed, "#examiner-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#examiner-query")
    def _query_done(self) -> None:
        table = self.query_one("#examiners-table", DataTable)
        if table.row_count:
            table.focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-search")
    def search(self, query: str) -> None:
        with worker_connection():
            found = juries.search_examiners(query, limit=100)
        self.app.call_from_thread(self._show_examiners, found)

    def _show_examiners(self, found: list[ExaminerInfo]) -> None:
        table = self.query_one("#examiners-table", DataTable)
        previous = self._row_key("#examiners-table")
        table.clear()
        self.examiner_rows = {str(e.id): e for e in found}
        for e in found:
            table.add_row(
                e.name[:20],
                short_corps(e.corps),
                e.disciplines[:12],
                short_place(e.etablissement)[:16],
                e.commune[:10],
                key=str(e.id),
            )
        if previous in self.examiner_rows:
            table.move_cursor(row=table.get_row_index(previous))
        if not found:
            self.query_one("#examiner-detail", Static).update("Aucun examinateur trouvé.")
        else:
            self._examiner_moved()

    @on(DataTable.RowHighlighted, "#examiners-table")
    def _examiner_moved(self) -> None:
        examiner = self._current_examiner()
        if examiner is not None and self.session_id is not None:
            self.load_missions(self.session_id, examiner)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-missions")
    def load_missions(self, session_id: int, examiner: ExaminerInfo) -> None:
        with worker_connection():
            missions = juries.examiner_assignments(session_id, examiner.id, limit=50)
        self.app.call_from_thread(
            self.query_one("#examiner-detail", Static).update, missions_line(examiner, missions)
        )
