"""F6's keying of claims: Ctrl+N declares a claim from an examiner's convocations, L adds a line
to the open claim shown (a paper claim keyed by the office), I imports a file of declared claims
(the same import as ``baktui import frais``).

A mixin of :class:`baktui.screens.expenses.ExpensesScreen`: the dialogs of
:mod:`baktui.widgets.claim_forms` check what was typed, the writes run in thread workers through
:mod:`baktui.services.claim_entry` and :func:`~baktui.services.claim_workflow.add_line`.
"""

from __future__ import annotations

from textual import work

from baktui.errors import ServiceError
from baktui.rules import claim_views
from baktui.rules.expenses import euros_text
from baktui.rules.french import plural
from baktui.rules.lifecycles import CLAIM_OPEN, ClaimState
from baktui.services import claim_entry, claim_workflow
from baktui.services.imports import run_import
from baktui.services.imports.report import ImportReport
from baktui.widgets.claim_forms import NewClaim, NewClaimModal, NewLine, NewLineModal
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ReportModal, TextDialog
from baktui.widgets.feedback import error_text, worker_connection

DECLARED_FILTER = "declaree"


class ClaimEntry:
    """Declaring a claim and adding a line, for the expenses screen."""

    # detail, filter_key, page_offset, session, states, reload, _write, say, fail: the screen's

    def action_new_claim(self) -> None:
        session = self.session
        if session is None:
            self.fail("Aucune session ouverte : pas de demande à déclarer.")
            return
        # the new claim is déclarée: shown in the list if it holds those, else in « Déclarées »
        key, states = self.filter_key, self.states
        if ClaimState.DECLAREE not in states:
            key, states = DECLARED_FILTER, (ClaimState.DECLAREE,)

        def chosen(form: NewClaim | None) -> None:
            if form is not None:
                self._declare(session.id, key, states, form)

        self.app.push_screen(NewClaimModal(), chosen)

    @work(thread=True, exit_on_error=False, group="expenses-write")
    def _declare(self, session_id: int, key: str, states: tuple[str, ...], form: NewClaim) -> None:
        try:
            with worker_connection():
                detail = claim_entry.declare_claim(
                    form.examiner,
                    origin=form.origin,
                    meals_per_day=form.meals_per_day,
                    nights=form.nights,
                )
                offset = claim_entry.queue_offset(session_id, states, detail.id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, str(exc))
            return
        except Exception as exc:  # shown, the app keeps running
            self.app.call_from_thread(self.fail, error_text(exc), "Erreur")
            return
        self.app.call_from_thread(self._show_declared, detail, key, offset)

    def _show_declared(self, detail: claim_views.ClaimDetail, key: str, offset: int) -> None:
        from baktui.screens.expenses import PAGE_SIZE

        self.filter_key = key
        self.page_offset = offset // PAGE_SIZE * PAGE_SIZE
        self.say(
            f"Demande n° {detail.id} déclarée pour {detail.row.examiner_name} : "
            f"{plural(len(detail.lines), 'ligne')}, {euros_text(detail.row.total_centi)}."
        )
        self.reload(keep_id=detail.id)

    def action_add_line(self) -> None:
        detail = self.detail
        if detail is None or detail.state not in CLAIM_OPEN:
            return
        table = self.query_one("#exp-lines", DataTable)
        day = (
            detail.lines[min(table.cursor_row, len(detail.lines) - 1)].day if detail.lines else None
        )

        def chosen(line: NewLine | None) -> None:
            if line is None:
                return
            self._write(
                lambda: claim_workflow.add_line(
                    detail.id, detail.version, day=line.day, kind=line.kind, **line.values
                ),
                f"Ligne ajoutée à la demande n° {detail.id} : {{total}}.",
                keep_same=True,
            )

        self.app.push_screen(NewLineModal(detail.row, day), chosen)

    def action_import_claims(self) -> None:
        session = self.session
        if session is None:
            self.fail("Aucune session ouverte : pas de frais à importer.")
            return

        def chosen(path: str | None) -> None:
            if path:
                self.say("Import des frais en cours…")
                self._import_claims(session.id, path)

        self.app.push_screen(
            TextDialog(
                "Importer des frais déclarés",
                "Chemin du fichier CSV ou XLSX (colonnes du README, § import frais) :",
            ),
            chosen,
        )

    @work(thread=True, exit_on_error=False, group="expenses-write")
    def _import_claims(self, session_id: int, path: str) -> None:
        try:
            with worker_connection():
                report = run_import("frais", session_id, path)
        except Exception as exc:  # shown, the app keeps running
            self.app.call_from_thread(self.fail, error_text(exc), "Erreur")
            return
        self.app.call_from_thread(self._claims_imported, report)

    def _claims_imported(self, report: ImportReport) -> None:
        title = "Import réussi" if report.ok else "Import refusé : rien n'a été enregistré"
        self.app.push_screen(ReportModal(title, report.render()))
        if report.ok:
            self.filter_key = DECLARED_FILTER
            self.page_offset = 0
            self.reload()
