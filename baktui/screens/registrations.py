"""F3 Inscriptions: « Contrôler les inscriptions », and the way into the registration form.

The screen runs every check over every candidate of the session (in a thread worker, streamed)
and lists the anomalies grouped by kind with their counts; Entrée on an anomaly opens the
registration form (:mod:`baktui.screens.registration_form`) with the cursor on the faulty field,
and once the fix is saved the candidate is checked again and leaves the list. n opens a blank
form, p prints the confirmations of every individual candidate in one PDF (in a worker too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import get_current_worker

from baktui.errors import Cancelled
from baktui.rules.candidate import label as field_label
from baktui.rules.french import plural
from baktui.rules.registration import STATUSES
from baktui.rules.registration_checks import CHECK_KINDS
from baktui.screens.base import BaktuiScreen
from baktui.screens.duplicates import DuplicateScreen
from baktui.screens.registration_form import RegistrationFormScreen
from baktui.services import registration_worklists as worklists
from baktui.services.confirmations import drafts_left_out, issue_confirmations
from baktui.services.documents import IssuedDocument
from baktui.services.registration_checks import Anomaly, CheckReport, check_candidate, run_checks
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.job_progress import JobProgress

CANCELLED = "Édition annulée : aucun fichier écrit, rien d'enregistré."

PAGE_SIZE = 100
SHORT_FIELDS = {
    "state": "état",
    "birth_date": "naissance",
    "sub_choice": "ens. spé.",
    "postcode": "code post",
    "etablissement": "établ.",
    "eps_inapte": "EPS",
    "last_name": "nom",
    "first_name": "prénom",
}


class RegistrationsScreen(BaktuiScreen):
    """F3: check every registration, list the anomalies by kind, open the form at the fault."""

    # keys typed while a list is read, or the registrations checked, wait for it, in order
    # (« c ↓ ↓ Entrée »: the anomalies found, then the third one's form)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset(
        {"registrations-worklist", "registrations-checks"}
    )

    SUB_TITLE = "Inscriptions"
    HELP = """\
**c** contrôle toutes les inscriptions de la session (identifiants, doublons probables — même
nom et date de naissance, ou même INE —, choix manquants ou incohérents, dossiers incomplets
des candidats individuels, candidats sans centre ou sans établissement, coordonnées invalides).

Le tableau du haut compte les anomalies par nature : **↑** / **↓** y choisissent la nature
affichée en dessous. **Tab** passe à la liste ; **Entrée** sur une anomalie ouvre le formulaire
du candidat, le curseur sur le champ à corriger ; sur un doublon probable, les deux dossiers
côte à côte (**1** / **2** garde l'un et y fusionne l'autre, motif et confirmation demandés). Une fois la correction enregistrée, le candidat
est contrôlé de nouveau et quitte la liste. **+** / **-** changent de page (100 par page).

**e** liste les inscriptions **par état** (à vérifier, brouillons, confirmées, validées,
annulées, LVB manquante, sans centre d'examen) : les chiffres sont ceux de l'accueil, et la liste
en dessous donne les candidats (par nom, 100 par page) ; **Entrée** ouvre le formulaire.

**n** nouvelle inscription · **p** confirmations d'inscription de tous les candidats
individuels (un seul PDF, une page par candidat).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="registrations.back"),
        Binding("c", "run_checks", "Contrôler", id="registrations.run_checks"),
        Binding("e", "states", "États", id="registrations.states"),
        Binding("n", "new", "Nouvelle", id="registrations.new"),
        Binding("p", "print_all", "Confirmations", id="registrations.print_all"),
        Binding("plus", "page(1)", "Page +", id="registrations.next_page", key_display="+"),
        Binding("minus", "page(-1)", "Page -", id="registrations.prev_page", key_display="-"),
    ]
    DEFAULT_CSS = """
    RegistrationsScreen #reg-info { height: 1; margin: 0 1; text-wrap: nowrap; }
    RegistrationsScreen #reg-kinds { height: 9; margin: 0 1; }
    RegistrationsScreen #reg-list-info { height: 1; margin: 0 1; color: $text-muted; }
    RegistrationsScreen #reg-anomalies { height: 1fr; margin: 0 1; }
    RegistrationsScreen .reg-view { height: 1fr; }
    RegistrationsScreen #reg-states { height: 9; margin: 0 1; }
    RegistrationsScreen #reg-worklist-info {
        height: 1; margin: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    RegistrationsScreen #reg-worklist { height: 1fr; margin: 0 1; }
    RegistrationsScreen #reg-detail {
        height: 2; margin: 0 1; color: $text; text-style: bold;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.report: CheckReport | None = None
        self.kind: str | None = None
        self.page_offset = 0
        self._page: list[Anomaly] = []
        self._checking = False
        self._printing = False
        self.worklist = "to_check"  # the « États » view: which list is shown
        self.worklist_page: worklists.WorklistPage | None = None

    def compose_content(self) -> ComposeResult:
        yield Static(
            "c : contrôler toutes les inscriptions · e : les inscriptions par état",
            id="reg-info",
            markup=False,
        )
        yield JobProgress()
        with Vertical(id="reg-checks-view", classes="reg-view"):
            kinds: DataTable[str] = DataTable(id="reg-kinds", cursor_type="row")
            kinds.add_column("Anomalie", width=62)
            kinds.add_column("Nombre", width=8)
            yield kinds
            yield Static("", id="reg-list-info", markup=False)
            table: DataTable[str] = DataTable(
                id="reg-anomalies", cursor_type="row", zebra_stripes=True
            )
            table.add_column("N° cand.", width=9)
            table.add_column("Nom", width=18)
            table.add_column("Champ", width=9)
            table.add_column("Anomalie", width=120, key="message")
            yield table
        with Vertical(id="reg-states-view", classes="reg-view"):
            states: DataTable[str] = DataTable(id="reg-states", cursor_type="row")
            states.add_column("Inscriptions", width=62)
            states.add_column("Nombre", width=8)
            yield states
            yield Static("", id="reg-worklist-info", markup=False)
            listed: DataTable[str] = DataTable(
                id="reg-worklist", cursor_type="row", zebra_stripes=True
            )
            listed.add_column("N° cand.", width=9)
            listed.add_column("Nom", width=26, key="name")
            listed.add_column("Série", width=6)
            listed.add_column("Statut", width=12)
            listed.add_column("État", width=10)
            yield listed
        yield Static("", id="reg-detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#reg-worklist", DataTable).stretch("name", 20)
        # the message takes the width left (in full on the line under the list)
        self.query_one("#reg-anomalies", DataTable).stretch("message", 20)
        self.query_one("#reg-states-view").display = False
        self.query_one("#reg-kinds", DataTable).focus()

    def _show_view(self, name: str) -> None:
        """« checks » (the anomalies) or « states » (the registrations by state)."""
        self.query_one("#reg-checks-view").display = name == "checks"
        self.query_one("#reg-states-view").display = name == "states"
        self.query_one("#reg-detail", Static).update("")

    # --- checks ---------------------------------------------------------------------------------

    def action_run_checks(self) -> None:
        session = self.baktui.session
        if session is None:
            self.fail("Aucune session ouverte.")
            return
        if self._checking:
            return
        self._checking = True
        self._show_view("checks")
        self.query_one("#reg-info", Static).update("Contrôle des inscriptions en cours…")
        job = self.query_one(JobProgress)
        job.start("Contrôle des inscriptions")
        self.checks(session.id, job.reporter("Contrôle annulé : la liste n'a pas changé."))

    @work(thread=True, exclusive=True, exit_on_error=False, group="registrations-checks")
    def checks(self, session_id: int, progress: Callable[[int, int], None]) -> None:
        worker = get_current_worker()
        try:
            with worker_connection():
                report = run_checks(
                    session_id, progress=progress, cancelled=lambda: worker.is_cancelled
                )
        except Cancelled as exc:
            self.app.call_from_thread(self._checks_failed, str(exc))
            return
        except Exception as exc:
            self.app.call_from_thread(self._checks_failed, error_text(exc))
            return
        self.app.call_from_thread(self._checked, report)

    def _checks_failed(self, message: str) -> None:
        self._checking = False
        self.query_one(JobProgress).stop()
        self.query_one("#reg-info", Static).update(message)
        self.fail(message)

    def _checked(self, report: CheckReport) -> None:
        self._checking = False
        self.query_one(JobProgress).stop()
        self.report = report
        self.page_offset = 0
        self._show_info()
        self._show_kinds()
        self._show_page()
        self.query_one("#reg-anomalies", DataTable).focus()

    def _show_info(self) -> None:
        report = self.report
        if report is None:
            return
        count = len(report.anomalies)
        text = Text()
        text.append(f"{report.checked:,}".replace(",", " ") + " candidats contrôlés en ")
        text.append(f"{report.elapsed_s:.1f} s".replace(".", ","))
        text.append(" — ")
        text.append(f"{count} anomalie{'s' if count > 1 else ''}", style="bold")
        text.append(" · c recontrôle")
        self.query_one("#reg-info", Static).update(text)

    def _show_kinds(self) -> None:
        report = self.report
        if report is None:
            return
        table = self.query_one("#reg-kinds", DataTable)
        cursor = table.cursor_row
        table.clear()
        counts = report.counts
        table.add_row("Toutes les anomalies", str(len(report.anomalies)), key="*")
        for kind, label in CHECK_KINDS.items():
            table.add_row(label, str(counts.get(kind, 0)), key=kind)
        table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))

    def _show_page(self) -> None:
        table = self.query_one("#reg-anomalies", DataTable)
        cursor = table.cursor_row
        table.clear()
        if self.report is None:
            return
        rows = self.report.of_kind(self.kind)
        if self.page_offset >= len(rows) and self.page_offset:
            self.page_offset = max(0, (len(rows) - 1) // PAGE_SIZE * PAGE_SIZE)
        self._page = rows[self.page_offset : self.page_offset + PAGE_SIZE]
        for index, anomaly in enumerate(self._page):
            table.add_row(
                anomaly.number,
                anomaly.name[:18],
                SHORT_FIELDS.get(anomaly.field, field_label(anomaly.field))[:9],
                Text(anomaly.message, overflow="ellipsis"),
                key=f"{index}",
            )
        if self._page:
            table.move_cursor(row=min(max(cursor, 0), len(self._page) - 1))
        kind = CHECK_KINDS.get(self.kind or "", "toutes les anomalies").lower()
        shown = (
            f"{self.page_offset + 1}–{self.page_offset + len(self._page)} sur {len(rows)}"
            if rows
            else "aucune"
        )
        self.query_one("#reg-list-info", Static).update(
            f"{kind} : {shown} · Entrée : corriger dans le formulaire"
        )
        self._show_detail(table.cursor_row)

    def _show_detail(self, row: int) -> None:
        detail = self.query_one("#reg-detail", Static)
        if 0 <= row < len(self._page):
            anomaly = self._page[row]
            detail.update(f"{anomaly.name} (n° {anomaly.number}) — {anomaly.message}")
        else:
            detail.update("")

    @on(DataTable.RowHighlighted, "#reg-anomalies")
    def _anomaly_moved(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    @on(DataTable.RowHighlighted, "#reg-kinds")
    def _kind_moved(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        kind = None if key in (None, "*") else key
        if kind != self.kind:
            self.kind = kind
            self.page_offset = 0
            self._show_page()

    @on(DataTable.RowSelected, "#reg-kinds")
    def _kind_chosen(self) -> None:
        self.query_one("#reg-anomalies", DataTable).focus()

    def action_page(self, step: int) -> None:
        if self.query_one("#reg-states-view").display:
            self._worklist_step(step)
            return
        if self.report is None:
            return
        total = len(self.report.of_kind(self.kind))
        offset = self.page_offset + step * PAGE_SIZE
        if 0 <= offset < total:
            self.page_offset = offset
            self._show_page()

    # --- open the form at the faulty field ------------------------------------------------------

    @on(DataTable.RowSelected, "#reg-anomalies")
    def _anomaly_chosen(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if 0 <= index < len(self._page):
            anomaly = self._page[index]
            if anomaly.related:  # a probable duplicate: both records side by side
                self.app.push_screen(
                    DuplicateScreen(anomaly.candidate_id, anomaly.related[0], on_merged=self._fixed)
                )
                return
            self.app.push_screen(
                RegistrationFormScreen(
                    anomaly.candidate_id, focus=anomaly.field, on_saved=self._fixed
                )
            )

    def _fixed(self, candidate_id: int) -> None:
        """A registration was saved: check it (and its probable duplicates) again."""
        if self.report is None:
            return
        related = {candidate_id}
        for anomaly in self.report.anomalies:
            if anomaly.candidate_id == candidate_id:
                related.update(anomaly.related)
        self.recheck(tuple(sorted(related)))

    @work(thread=True, exclusive=False, exit_on_error=False, group="registrations-recheck")
    def recheck(self, ids: tuple[int, ...]) -> None:
        try:
            with worker_connection():
                fresh = [a for cid in ids for a in check_candidate(cid)]
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._rechecked, ids, fresh)

    def _rechecked(self, ids: tuple[int, ...], fresh: list[Anomaly]) -> None:
        if self.report is None:
            return
        gone = self.report.replace_candidates(ids, fresh)
        self._show_info()
        self._show_kinds()
        self._show_page()
        if gone > 0:
            self.say(f"{gone} anomalie{'s' if gone > 1 else ''} corrigée{'s' if gone > 1 else ''}.")

    # --- registrations by state (the lists behind the home counts) ------------------------------

    def action_states(self) -> None:
        self.open_worklist(self.worklist)

    def open_worklist(self, key: str, *, offset: int = 0) -> None:
        """Show the registrations of one worklist (``to_check``, ``missing_centre``…)."""
        session = self.baktui.session
        if session is None:
            self.fail("Aucune session ouverte.")
            return
        self.worklist = key if key in worklists.WORKLISTS else "to_check"
        self._show_view("states")
        self.query_one("#reg-worklist", DataTable).focus()
        self.query_one("#reg-worklist-info", Static).update("Lecture des inscriptions…")
        self._load_worklist(session.id, self.worklist, offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="registrations-worklist")
    def _load_worklist(self, session_id: int, key: str, offset: int) -> None:
        try:
            with worker_connection():
                counts = worklists.counts(session_id)
                page = worklists.page(session_id, key, offset=offset, limit=PAGE_SIZE)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show_worklist, counts, page)

    def _show_worklist(self, counts: dict[str, int], page: worklists.WorklistPage) -> None:
        self.worklist_page = page
        states = self.query_one("#reg-states", DataTable)
        with self.prevent(DataTable.RowHighlighted):
            states.clear()
            for key, label in worklists.WORKLISTS.items():
                states.add_row(label, f"{counts.get(key, 0):,}".replace(",", " "), key=key)
            states.move_cursor(row=list(worklists.WORKLISTS).index(page.key))
        table = self.query_one("#reg-worklist", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in page.rows:
            table.add_row(
                row.number,
                Text(row.name, overflow="ellipsis"),
                row.series,
                STATUSES.get(row.status, row.status),
                row.state_label,
                key=str(row.candidate_id),
            )
        if page.rows:
            table.move_cursor(row=min(max(cursor, 0), len(page.rows) - 1))
        shown = (
            f"{page.offset + 1}–{page.offset + len(page.rows)} sur {page.total}"
            if page.total
            else "aucune"
        )
        self.query_one("#reg-worklist-info", Static).update(
            f"{page.label.lower()} : {shown} · Entrée : formulaire"
        )

    def _worklist_step(self, step: int) -> None:
        page = self.worklist_page
        if page is None:
            return
        offset = page.offset + step * PAGE_SIZE
        if 0 <= offset < page.total:
            self.open_worklist(page.key, offset=offset)

    @on(DataTable.RowHighlighted, "#reg-states")
    def _state_moved(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and key != self.worklist:
            self.open_worklist(key)
            self.query_one("#reg-states", DataTable).focus()

    @on(DataTable.RowSelected, "#reg-states")
    def _state_chosen(self) -> None:
        self.query_one("#reg-worklist", DataTable).focus()

    @on(DataTable.RowSelected, "#reg-worklist")
    def _worklist_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(
                RegistrationFormScreen(int(event.row_key.value), on_saved=self._worklist_saved)
            )

    def _worklist_saved(self, candidate_id: int) -> None:
        """A registration was saved from the list: read the list again (it may leave it)."""
        page = self.worklist_page
        self.open_worklist(self.worklist, offset=page.offset if page else 0)
        self._fixed(candidate_id)

    # --- new registration, confirmations --------------------------------------------------------

    def action_new(self) -> None:
        self.app.push_screen(RegistrationFormScreen(None, on_saved=self._fixed))

    def action_print_all(self) -> None:
        session = self.baktui.session
        if session is None or self._printing:
            return
        self.app.push_screen(
            ConfirmModal(
                "Éditer les confirmations d'inscription de tous les candidats individuels de la "
                "session (un seul PDF, une page par candidat) ? Les brouillons ne sont pas "
                "édités : une inscription à compléter n'est pas encore confirmée.",
                title="Confirmations d'inscription",
                default=True,
            ),
            lambda ok: self._start_print(session.id) if ok else None,
        )

    def _start_print(self, session_id: int) -> None:
        self._printing = True
        job = self.query_one(JobProgress)
        job.start("Confirmations d’inscription")
        self.print_all(session_id, job.reporter(CANCELLED))

    @work(thread=True, exclusive=True, exit_on_error=False, group="registrations-print")
    def print_all(self, session_id: int, progress: Callable[[int, int], None]) -> None:
        try:
            with worker_connection():
                issued = issue_confirmations(session_id, progress=progress)
                drafts = drafts_left_out(session_id)
        except Cancelled as exc:
            self.app.call_from_thread(self._printed, None, str(exc))
            return
        except Exception as exc:
            self.app.call_from_thread(self._printed, None, error_text(exc))
            return
        self.app.call_from_thread(self._printed, issued, "", drafts)

    def _printed(self, issued: IssuedDocument | None, message: str, drafts: int = 0) -> None:
        self._printing = False
        self.query_one(JobProgress).stop()
        if issued is None:
            self.fail(message)
        else:
            left = (
                f" ; {plural(drafts, 'brouillon non édité', 'brouillons non édités')}"
                if drafts
                else ""
            )
            self.say(
                f"{plural(issued.count, 'confirmation')} en {issued.elapsed_ms / 1000:.0f} s"
                f"{left} : {issued.path}",
                title="Confirmations d'inscription",
            )
