"""F6 Frais: the queue of examiners' expense claims, checked and validated one after the other.

Top: the queue (oldest declaration first, a page of at most 100 claims) with the number of
anomalies found; below, the highlighted claim: examiner, lines with their computed amounts, and
its anomalies. Keys: V validate (each anomaly confirmed first), R reject (reason required),
C correct the highlighted line, Ctrl+N declare a claim, L add a line (:mod:`.expenses_entry`),
N / P next and previous claim, S record the service fait, F the
list shown, A ageing of unpaid claims, D état de frais (PDF), E payment file (Excel).

Every read and write runs in a thread worker through the claim services (:mod:`baktui.services.claims`,
:mod:`~baktui.services.claim_workflow`, payments, états de frais); the
screen only holds the plain dataclasses it gets back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from baktui.errors import ConflictError, ServiceError
from baktui.rules import claim_views
from baktui.rules.expenses import euros_text
from baktui.rules.french import plural
from baktui.rules.lifecycles import CLAIM, CLAIM_LIVE, CLAIM_OPEN, CLAIM_UNPAID, ClaimState
from baktui.screens.base import BaktuiScreen
from baktui.screens.expenses_entry import ClaimEntry
from baktui.services import claim_workflow, claims, expense_statements
from baktui.services.sessions import SessionInfo
from baktui.widgets.claim_text import head_text, line_cells, notes_text, queue_cells
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal, TextDialog
from baktui.widgets.expense_dialogs import AgeingModal, Correction, LineCorrectionModal, RejectModal
from baktui.widgets.feedback import error_text, worker_connection

PAGE_SIZE = 100
OLDEST_IN_AGEING = 8

# (key, label, states)
FILTERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("service_fait", "À valider (service fait)", (ClaimState.SERVICE_FAIT,)),
    ("declaree", "Déclarées (service fait à attester)", (ClaimState.DECLAREE,)),
    ("attente", "En attente (déclarées et service fait)", CLAIM_OPEN),
    ("validee", "Validées (à mettre en paiement)", (ClaimState.VALIDEE,)),
    ("mise_en_paiement", "Mises en paiement", (ClaimState.MISE_EN_PAIEMENT,)),
    ("rejetee", "Rejetées", (ClaimState.REJETEE,)),
    ("toutes", "Toutes les demandes", CLAIM.states),
)
FILTER_BY_KEY = {key: (label, states) for key, label, states in FILTERS}
EXPORT_CHOICES = (
    ("paiement", "Fichier de mise en paiement (Excel) : demandes validées"),
    ("etats", "États de frais des demandes validées (un seul PDF)"),
)


class ExpensesScreen(ClaimEntry, BaktuiScreen):
    """Checking and validating examiners' expense claims."""

    # keys typed while the list is read (or a write lands) wait for it, in order; so do those
    # typed while the ageing or the payment file is read, which end in a dialog (« a Échap »)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset(
        {"expenses-queue", "expenses-detail", "expenses-write", "expenses-ageing",
         "expenses-export"}
    )  # fmt: skip

    SUB_TITLE = "Frais de mission"
    HELP = """\
Les **états de frais** des examinateurs : contrôle, validation, mise en paiement.

En haut, la file des demandes (la plus ancienne déclaration d'abord) ; en bas, la demande
sélectionnée : ses lignes, le montant calculé aux **taux en vigueur le jour de la mission**
(indemnités kilométriques selon la puissance fiscale et les km cumulés de l'année ; repas ;
nuitée plafonnée selon la commune ; 5 € la copie ; 9,60 € l'heure d'oral) et ses anomalies.

- **V** valide une demande au *service fait*. S'il y a des anomalies, baktui les présente
  une par une : chacune doit être **confirmée** (O) — la confirmation est inscrite au journal —,
  sinon rien n'est validé. Un **jour sans convocation** demande en plus un **motif** (inscrit au
  journal avec la confirmation). Les montants sont recalculés et arrêtés à la validation.
- **R** rejette la demande : le motif est obligatoire ; la **lettre de rejet** (PDF, avec le
  motif) est éditée pour l'examinateur.
- **C** corrige la ligne sélectionnée (Tab pour aller dans les lignes) : recalcul immédiat,
  chaque changement au journal avec son motif.
- **Ctrl+N** : *nouvelle demande* d'un examinateur (identifiant ou nom), pour ses convocations
  qu'aucune demande ne couvre encore : origine du trajet, repas par jour, dates des nuits.
  **L** : *ajoute une ligne* à la demande affichée (date, nature, km, montant, justificatif…).
  **I** : *importe* un fichier de frais déclarés (CSV ou XLSX, comme `baktui import frais`).
- **N** / **P** : demande suivante / précédente. **S** : enregistre le *service fait* attesté
  par le centre. **F** : choisir la liste (à valider, déclarées, validées, rejetées…).
- **A** : ancienneté des demandes non payées. **D** : état de frais (PDF) de l'examinateur.
  **E** : fichier de mise en paiement (Excel, une ligne par demande validée, avec l'identifiant
  et la référence bancaire de l'examinateur) ou les états de frais de toutes les demandes
  validées (mises en paiement comprises).

Dans la file, ⚠ n = anomalies à confirmer, ✓ = toutes confirmées. Dans les lignes, ⚠ = ligne
en anomalie, ≠ = montant enregistré différent du calcul (il sera recalculé), ✗ = sans justificatif.
Arrondi : chaque ligne au centime, le demi-centime au-dessus.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "validate", "Valider", id="expenses.validate"),
        Binding("r", "reject", "Rejeter", id="expenses.reject"),
        Binding("c", "correct", "Corriger", id="expenses.correct"),
        Binding("n", "next_claim", "Suiv.", id="expenses.next"),
        Binding("p", "previous_claim", "Préc.", id="expenses.previous"),
        Binding("s", "service_fait", "Service fait", show=False, id="expenses.service_fait"),
        Binding("f", "filter", "Liste", id="expenses.filter"),
        Binding("ctrl+n", "new_claim", "Nouvelle demande", show=False, id="expenses.new_claim"),
        Binding("l", "add_line", "Ajouter une ligne", show=False, id="expenses.add_line"),
        Binding("i", "import_claims", "Importer", show=False, id="expenses.import"),
        Binding("a", "ageing", "Ancienneté", show=False, id="expenses.ageing"),
        Binding("d", "statement", "État de frais (PDF)", show=False, id="expenses.statement"),
        Binding("e", "export", "Exports", show=False, id="expenses.export"),
    ]
    CSS = """
    ExpensesScreen #exp-filter { height: 1; padding: 0 1; background: $boost; }
    ExpensesScreen #exp-queue { height: 1fr; min-height: 4; }
    ExpensesScreen #exp-head { height: 2; padding: 0 1; background: $panel; }
    ExpensesScreen #exp-lines { height: 1fr; min-height: 3; }
    ExpensesScreen #exp-notes { height: 4; padding: 0 1; }
    ExpensesScreen DataTable:focus { background-tint: $foreground 3%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filter_key = "service_fait"
        self.queue_rows: list[claim_views.ClaimRow] = []
        self.page_total = 0
        self.page_offset = 0
        self.detail: claim_views.ClaimDetail | None = None

    # --- Layout ----------------------------------------------------------------------------

    def compose_content(self) -> ComposeResult:
        yield Static("Lecture des demandes…", id="exp-filter", markup=False)
        queue = DataTable(id="exp-queue", cursor_type="row", zebra_stripes=True)
        queue.add_columns("N°")
        queue.add_column("Examinateur", key="examiner")
        queue.add_columns("État", "Décl.", "Att.", "Total", "Anom.")
        yield queue
        yield Static("", id="exp-head", markup=False)
        lines = DataTable(id="exp-lines", cursor_type="row")
        lines.add_columns("Jour", "Nature")
        lines.add_column("Déclaré", key="what")
        lines.add_columns("J.", "Montant", "")
        yield lines
        with VerticalScroll(id="exp-notes", can_focus=True):
            yield Static("", id="exp-notes-text", markup=False)

    def on_mount(self) -> None:
        queue = self.query_one("#exp-queue", DataTable)
        queue.stretch("examiner", 24)  # a wider terminal: more of the names, of the lines
        self.query_one("#exp-lines", DataTable).stretch("what", 36)
        queue.focus()

    def on_screen_resume(self) -> None:
        """Shown (F6, or a dialog closed): re-read the page, a colleague may have worked."""
        if not self.app.screen.is_modal:
            self.reload(keep_id=self.detail.id if self.detail else None)

    @property
    def session(self) -> SessionInfo | None:
        return self.baktui.session

    @property
    def states(self) -> tuple[str, ...]:
        return FILTER_BY_KEY[self.filter_key][1]

    # --- Keys available now ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        detail = self.detail
        if action == "validate":
            return (
                None
                if detail is None or not CLAIM.can_move(detail.state, ClaimState.VALIDEE)
                else True
            )
        if action == "reject":
            return None if detail is None or detail.state not in CLAIM_OPEN else True
        if action == "correct":
            if detail is None or not detail.lines or detail.state not in CLAIM_OPEN:
                return None
            return True
        if action == "add_line":
            return None if detail is None or detail.state not in CLAIM_OPEN else True
        if action == "service_fait":
            return detail is not None and CLAIM.can_move(detail.state, ClaimState.SERVICE_FAIT)
        if action == "statement":
            return detail is not None
        return super().check_action(action, parameters)

    # --- Reading ---------------------------------------------------------------------------

    def reload(self, keep_id: int | None = None, keep_index: int | None = None) -> None:
        session = self.session
        if session is None:
            self.query_one("#exp-filter", Static).update("Aucune session ouverte.")
            return
        self._load_queue(session.id, self.states, self.page_offset, keep_id, keep_index)

    @work(thread=True, exclusive=True, exit_on_error=False, group="expenses-queue")
    def _load_queue(
        self,
        session_id: int,
        states: tuple[str, ...],
        offset: int,
        keep_id: int | None,
        keep_index: int | None,
    ) -> None:
        worker = get_current_worker()
        with worker_connection():
            page = claims.queue(session_id, states=states, offset=offset, limit=PAGE_SIZE)
            if page.total and offset >= page.total:  # the page emptied (claims validated)
                offset = max(0, (page.total - 1) // PAGE_SIZE * PAGE_SIZE)
                page = claims.queue(session_id, states=states, offset=offset, limit=PAGE_SIZE)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_queue, page, keep_id, keep_index)

    def _show_queue(
        self, page: claim_views.QueuePage, keep_id: int | None, keep_index: int | None
    ) -> None:
        self.queue_rows = list(page.rows)
        self.page_total = page.total
        self.page_offset = page.offset
        label = FILTER_BY_KEY[self.filter_key][0]
        if page.total:
            shown = f"{page.offset + 1}–{page.offset + len(page.rows)} sur {page.total}"
        else:
            shown = "aucune demande"
        self.query_one("#exp-filter", Static).update(
            Text.assemble((label, "bold"), f" · {shown} · F liste · F1 aide", no_wrap=True)
        )
        table = self.query_one("#exp-queue", DataTable)
        table.clear()
        for row in self.queue_rows:
            table.add_row(*queue_cells(row), key=str(row.id))
        if not self.queue_rows:
            self._show_detail(None)
            return
        index = 0
        ids = [row.id for row in self.queue_rows]
        if keep_id in ids:
            index = ids.index(keep_id)
        elif keep_index is not None:
            index = min(max(keep_index, 0), len(ids) - 1)
        table.move_cursor(row=index)
        self._load_detail(ids[index])

    def _cursor_claim_id(self) -> int | None:
        """The claim under the queue's cursor now (highlight messages may be stale)."""
        table = self.query_one("#exp-queue", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # cursor out of the table while it is rebuilt
            return None
        return int(key) if key is not None else None

    @on(DataTable.RowHighlighted, "#exp-queue")
    def _queue_moved(self, event: DataTable.RowHighlighted) -> None:
        claim_id = self._cursor_claim_id()
        if claim_id is None or event.row_key.value != str(claim_id):
            return  # a highlight from before the table was rebuilt
        if self.detail is None or self.detail.id != claim_id:
            self._load_detail(claim_id)

    @on(DataTable.RowSelected, "#exp-queue")
    def _queue_selected(self) -> None:
        """Entrée on a claim: go to its lines."""
        self.query_one("#exp-lines", DataTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="expenses-detail")
    def _load_detail(self, claim_id: int) -> None:
        worker = get_current_worker()
        with worker_connection():
            detail = claims.claim_detail(claim_id)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_detail, detail)

    def _show_detail(self, detail: claim_views.ClaimDetail | None) -> None:
        if detail is not None and detail.id != self._cursor_claim_id():
            return  # the cursor moved on while it was read
        previous = self.detail
        self.detail = detail
        head = self.query_one("#exp-head", Static)
        lines = self.query_one("#exp-lines", DataTable)
        notes = self.query_one("#exp-notes-text", Static)
        keep_line = lines.cursor_row if previous and detail and previous.id == detail.id else 0
        lines.clear()
        if detail is None:
            head.update("Aucune demande dans cette liste. F : choisir une autre liste.")
            notes.update("")
            self.refresh_bindings()
            return
        head.update(head_text(detail))
        for line in detail.lines:
            lines.add_row(*line_cells(line, detail.frozen), key=str(line.id))
        if detail.lines:
            lines.move_cursor(row=min(keep_line, len(detail.lines) - 1))
        notes.update(notes_text(detail))
        self.refresh_bindings()

    # --- Moving ----------------------------------------------------------------------------

    def action_next_claim(self) -> None:
        table = self.query_one("#exp-queue", DataTable)
        if not self.queue_rows:
            return
        if table.cursor_row < len(self.queue_rows) - 1:
            table.move_cursor(row=table.cursor_row + 1)
        elif self.page_offset + len(self.queue_rows) < self.page_total:
            self.page_offset += PAGE_SIZE
            self.reload(keep_index=0)
        else:
            self.say("Dernière demande de la liste.")

    def action_previous_claim(self) -> None:
        table = self.query_one("#exp-queue", DataTable)
        if not self.queue_rows:
            return
        if table.cursor_row > 0:
            table.move_cursor(row=table.cursor_row - 1)
        elif self.page_offset > 0:
            self.page_offset = max(0, self.page_offset - PAGE_SIZE)
            self.reload(keep_index=PAGE_SIZE - 1)
        else:
            self.say("Première demande de la liste.")

    def open_worklist(self, key: str) -> None:
        """From the home screen (« États de frais en attente »): the claims of that filter."""
        if key in FILTER_BY_KEY:
            self.filter_key = key
            self.page_offset = 0
            self.reload()
            self.query_one("#exp-queue", DataTable).focus()

    def action_filter(self) -> None:
        def chosen(key: str | None) -> None:
            if key is None or key not in FILTER_BY_KEY:
                return
            self.filter_key = key
            self.page_offset = 0
            self.reload()

        self.app.push_screen(
            ChoiceModal(
                "Demandes à afficher",
                [(key, label) for key, label, _ in FILTERS],
                current=self.filter_key,
            ),
            chosen,
        )

    # --- Writing ---------------------------------------------------------------------------

    def _current_index(self) -> int:
        return self.query_one("#exp-queue", DataTable).cursor_row

    @work(thread=True, exit_on_error=False, group="expenses-write")
    def _write(
        self,
        what: Callable[[], claim_views.ClaimDetail | None],
        done: str | Callable[[], str],
        keep_same: bool,
    ) -> None:
        """Run a service write; then say so and re-read the queue and the claim."""
        index = self.app.call_from_thread(self._current_index)
        claim_id = self.detail.id if self.detail else None
        try:
            with worker_connection():
                result = what()
        except ConflictError as exc:
            self.app.call_from_thread(self.fail, str(exc), "Modifiée entre-temps")
            self.app.call_from_thread(self.reload, claim_id)
            return
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, str(exc))
            return
        except Exception as exc:  # shown, the app keeps running
            self.app.call_from_thread(self.fail, error_text(exc), "Erreur")
            return
        message = done if isinstance(done, str) else done()
        if result is not None and "{total}" in message:
            message = message.format(total=euros_text(result.row.total_centi))
        self.app.call_from_thread(self.say, message)
        if keep_same:
            self.app.call_from_thread(self.reload, claim_id)
        else:
            self.app.call_from_thread(self.reload, None, index)

    def action_validate(self) -> None:
        detail = self.detail
        if detail is None:
            return
        if not CLAIM.can_move(detail.state, ClaimState.VALIDEE):
            self.fail(f"Demande n° {detail.id} {detail.row.state_label} : seule une demande au "
                      "service fait se valide.")  # fmt: skip
            return
        self._validate_flow(detail)

    @work(exclusive=True, group="expenses-dialog")
    async def _validate_flow(self, detail: claim_views.ClaimDetail) -> None:
        """Confirm each anomaly (or the clean claim), then validate in a thread."""
        pending = detail.unconfirmed
        confirmed: list[str] = []
        reasons: dict[str, str] = {}
        for number, anomaly in enumerate(pending, start=1):
            ok = await self.app.push_screen_wait(
                ConfirmModal(
                    f"{anomaly.text}\n\nVous avez vérifié ce point et l'acceptez ? "
                    "La confirmation est inscrite au journal, à votre nom.",
                    title=f"Anomalie {number}/{len(pending)} — {anomaly.label}",
                    yes="Confirmer",
                    no="Non",
                )
            )
            if not ok:
                self.warn(f"Demande n° {detail.id} non validée : anomalie non confirmée.")
                return
            if anomaly.code in claim_workflow.REASON_REQUIRED:
                reason = await self.app.push_screen_wait(
                    TextDialog(
                        f"Motif — {anomaly.label}",
                        f"{anomaly.text}\n\nPourquoi ce jour est-il payé ? Motif obligatoire "
                        "(ex. convocation orale donnée par le centre), inscrit au journal. "
                        "Échap annule.",
                    )
                )
                if not reason or len(reason) < claim_workflow.MIN_REASON_LENGTH:
                    self.warn(f"Demande n° {detail.id} non validée : motif non donné.")
                    return
                reasons[anomaly.text] = reason
            confirmed.append(anomaly.text)
        if not pending:
            total = detail.row.total_centi if detail.frozen else detail.computed_total_centi
            ok = await self.app.push_screen_wait(
                ConfirmModal(
                    f"Valider la demande n° {detail.id} de {detail.row.examiner_name} "
                    f"pour {euros_text(total)} ?",
                    title="Valider",
                    yes="Valider",
                    default=True,
                )
            )
            if not ok:
                return
        self._write(
            lambda: claim_workflow.validate_claim(detail.id, detail.version, confirmed, reasons),
            f"Demande n° {detail.id} validée ({{total}}).",
            keep_same=False,
        )

    def action_reject(self) -> None:
        detail = self.detail
        if detail is None or detail.state not in CLAIM_OPEN:
            return

        said: list[str] = []

        def reject(reason: str) -> claim_views.ClaimDetail:
            """Reject (audited with the reason), then write the letter to the examiner."""
            from baktui.services.claim_letters import issue_rejection_letter

            done = claim_workflow.reject_claim(detail.id, detail.version, reason)
            try:
                issued = issue_rejection_letter(detail.id)
            except (ServiceError, OSError) as exc:
                said.append(f"Demande n° {detail.id} rejetée ; lettre non écrite : {exc}")
            else:
                said.append(f"Demande n° {detail.id} rejetée ; lettre de rejet : {issued.path}")
            return done

        def reason_given(reason: str | None) -> None:
            if reason:
                self._write(lambda: reject(reason), lambda: said[-1], keep_same=False)

        self.app.push_screen(RejectModal(detail.row), reason_given)

    def action_correct(self) -> None:
        detail = self.detail
        if detail is None or not detail.lines or detail.state not in CLAIM_OPEN:
            return
        table = self.query_one("#exp-lines", DataTable)
        line = detail.lines[min(table.cursor_row, len(detail.lines) - 1)]

        def corrected(correction: Correction | None) -> None:
            if correction is None:
                return
            self._write(
                lambda: claim_workflow.correct_line(
                    detail.id,
                    line.id,
                    detail.version,
                    correction.changes,
                    reason=correction.reason,
                ),  # fmt: skip
                f"Ligne corrigée, demande n° {detail.id} recalculée : {{total}}.",
                keep_same=True,
            )

        self.app.push_screen(LineCorrectionModal(line), corrected)

    def action_service_fait(self) -> None:
        detail = self.detail
        if detail is None or not CLAIM.can_move(detail.state, ClaimState.SERVICE_FAIT):
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self._write(
                    lambda: claim_workflow.attest_service_fait(detail.id, detail.version),
                    f"Service fait enregistré pour la demande n° {detail.id}.",
                    keep_same=self.filter_key not in ("declaree",),
                )

        self.app.push_screen(
            ConfirmModal(
                f"Le centre a attesté le service fait de la demande n° {detail.id} "
                f"({detail.row.examiner_name}) ?",
                title="Service fait",
                default=True,
            ),
            answered,
        )

    # --- Ageing and documents --------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="expenses-ageing")
    def action_ageing(self) -> None:
        session = self.session
        if session is None:
            return
        with worker_connection():
            rows = claims.ageing(session.id)
            oldest = claims.queue(session.id, states=CLAIM_UNPAID, limit=OLDEST_IN_AGEING).rows
        self.app.call_from_thread(self.app.push_screen, AgeingModal(rows, oldest))

    def action_statement(self) -> None:
        detail, session = self.detail, self.session
        if detail is None or session is None:
            return
        self._statements(session, [detail.row.examiner_id], CLAIM_LIVE)

    @work(thread=True, exclusive=True, exit_on_error=False, group="expenses-export")
    def _statements(
        self, session: SessionInfo, examiner_ids: list[int] | None, states: tuple[str, ...]
    ) -> None:
        from baktui.services.expense_statements import export_statements

        try:
            with worker_connection():
                ids = examiner_ids or expense_statements.examiners_with_claims(session.id, states)
                result = export_statements(session, ids, states=states)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, str(exc))
            return
        self.app.call_from_thread(
            self.say, f"État de frais ({plural(result.count, 'examinateur')}) : {result.path}"
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="expenses-export")
    def _validated_statements(self, session: SessionInfo) -> None:
        try:
            with worker_connection():
                result = expense_statements.export_validated_statements(session)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, str(exc))
            return
        self.app.call_from_thread(
            self.say, f"États de frais ({plural(result.count, 'examinateur')}) : {result.path}"
        )

    def action_export(self) -> None:
        session = self.session
        if session is None:
            return

        def chosen(key: str | None) -> None:
            if key == "paiement":
                self.say("Écriture du fichier de mise en paiement…")
                self._payment(session)
            elif key == "etats":
                self.say("Édition des états de frais des demandes validées…")
                self._validated_statements(session)

        self.app.push_screen(ChoiceModal("Exports", list(EXPORT_CHOICES)), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="expenses-export")
    def _payment(self, session: SessionInfo) -> None:
        from baktui.services.payments import export_payment

        try:
            with worker_connection():
                result = export_payment(session)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, str(exc))
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self._write(
                    lambda: _mark(session.id, result.claim_ids),
                    f"{plural(len(result.claim_ids), 'demande mise', 'demandes mises')} en paiement.",
                    keep_same=False,
                )

        self.app.call_from_thread(
            self.app.push_screen,
            ConfirmModal(
                f"Fichier écrit : {result.path}\n{plural(result.count, 'demande')}, "
                f"{euros_text(result.total_centi)}.\n\nMarquer ces demandes « mises en "
                "paiement » ? (Non : le fichier reste, rien ne change.)",
                title="Mise en paiement",
            ),
            answered,
        )


def _mark(session_id: int, claim_ids: tuple[int, ...]) -> None:
    claim_workflow.mark_paid(session_id, claim_ids)


__all__ = ["ExpensesScreen", "line_cells", "queue_cells"]
