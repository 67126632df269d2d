"""F8 Documents: relevés de notes, diplômes, attestations, CFES and dispatch lists.

Pick a document (the catalogue of :mod:`baktui.services.document_catalog`) and a scope, see how
many documents and pages it will make (counted in a thread worker), generate it in a thread
worker with a progress bar (Échap or « x » cancels: no file written, nothing recorded), then
the list of what was issued (kind, file, count, who, when), newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from baktui.errors import ServiceError
from baktui.rules.french import plural
from baktui.screens.base import BaktuiScreen
from baktui.services.document_catalog import CATALOG, IssuedBatch, issued_batches
from baktui.services.transcripts import SCOPES, DocumentRun, Scope
from baktui.widgets.data_table import DataTable
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.job_progress import JobProgress

SCOPE_LABELS = {
    "academie": "Académie",
    "serie": "Série",
    "jury": "Jury",
    "etablissement": "Établissement (UAI)",
    "centre": "Centre (code)",
    "candidat": "Candidat (n° ou INE)",
}
PAGE = 100


class DocumentsScreen(BaktuiScreen):
    """Final documents of the session, generated without blocking the screen."""

    SUB_TITLE = "Documents"
    AUTO_FOCUS = "#docs-kinds"
    HELP = """\
Les **documents après délibération** : relevés de notes (deux exemplaires par candidat),
diplômes (admis), attestations de réussite, certificats de fin d'études secondaires, listes
d'envoi par établissement. Seuls les candidats d'un jury **publié** reçoivent un document
définitif ; le compte rendu dit combien ont été écartés.

Choisissez le document (flèches), la **portée** et sa clé (numéro de jury, UAI, code du centre,
numéro ou INE du candidat, code de série) : le nombre de documents et de pages s'affiche.
**g** génère (barre de progression), **Échap** ou **x** annule, **r** relit la liste des
éditions. Une seconde édition pour un même candidat porte la mention **DUPLICATA** ; un diplôme
n'est jamais réédité en original.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "generate", "Générer", id="documents.generate"),
        Binding("x", "cancel", "Annuler", id="documents.cancel"),
        Binding("r", "reload", "Actualiser", id="documents.refresh"),
    ]
    CSS = """
    #docs-body { height: 1fr; padding: 0 1; }
    #docs-kinds { height: auto; max-height: 10; }
    #docs-scope { height: 3; }
    #docs-scope Select { width: 28; }
    #docs-key { width: 24; }
    #docs-count { height: 1; }
    #docs-issued { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.last_run: DocumentRun | None = None

    def compose_content(self) -> ComposeResult:
        with Vertical(id="docs-body"):
            kinds: DataTable[str] = DataTable(id="docs-kinds", cursor_type="row")
            kinds.add_columns("Document")
            for item in CATALOG:
                kinds.add_row(item.label, key=item.key)
            yield kinds
            with Horizontal(id="docs-scope"):
                yield Select(
                    [(SCOPE_LABELS[s], s) for s in SCOPES],
                    value="jury",
                    allow_blank=False,
                    id="docs-scope-kind",
                )
                yield Input(placeholder="clé", id="docs-key")
            yield Static("", id="docs-count", markup=False)
            yield JobProgress()
            yield Label("Éditions :")
            issued: DataTable[str] = DataTable(id="docs-issued", cursor_type="row")
            issued.add_column("Document")
            issued.add_column("Fichier", key="file")
            issued.add_columns("Candidats", "Par", "Le")
            yield issued

    def on_mount(self) -> None:
        # the file names take what the other columns leave (« Le » always shown at 80)
        self.query_one("#docs-issued", DataTable).stretch("file", 12)
        self.action_reload()

    def preselect(self, key: str, scope_kind: str = "academie", scope_key: str = "") -> None:
        """Another screen hands over a document to print (F11's « p »): its line chosen, the
        scope filled in, the count shown; « g » generates it."""
        keys = [item.key for item in CATALOG]
        if key not in keys:
            return
        self.query_one("#docs-kinds", DataTable).move_cursor(row=keys.index(key))
        self.query_one("#docs-scope-kind", Select).value = scope_kind
        self.query_one("#docs-key", Input).value = scope_key
        self.query_one("#docs-kinds", DataTable).focus()
        self._changed()

    # --- state --------------------------------------------------------------------------------

    def _entry_key(self) -> str:
        table = self.query_one("#docs-kinds", DataTable)
        row = table.cursor_row if table.row_count else 0
        return CATALOG[min(max(row, 0), len(CATALOG) - 1)].key

    def _scope(self) -> Scope:
        kind = str(self.query_one("#docs-scope-kind", Select).value)
        return Scope(kind, self.query_one("#docs-key", Input).value.strip())

    def _scope_refusal(self, scope: Scope) -> str:
        """Why this document cannot be made for this scope ("" when it can)."""
        entry = next(e for e in CATALOG if e.key == self._entry_key())
        if scope.kind in entry.scopes:
            return ""
        allowed = [SCOPE_LABELS[k].split(" (")[0].lower() for k in entry.scopes]
        listed = ", ".join(allowed[:-1]) + f" ou {allowed[-1]}" if len(allowed) > 1 else allowed[0]
        return f"Portée « {SCOPE_LABELS[scope.kind].split(' (')[0]} » impossible ici : {listed}."

    def _say(self, text: str) -> None:
        self.query_one("#docs-count", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    # --- counting -----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#docs-kinds")
    @on(Select.Changed, "#docs-scope-kind")
    @on(Input.Changed, "#docs-key")
    def _changed(self) -> None:
        session = self.baktui.session
        if session is None:
            self._say("Aucune session ouverte.")
            return
        scope = self._scope()
        if refusal := self._scope_refusal(scope):
            self._say(refusal)
            return
        if scope.kind != "academie" and not scope.key:
            self._say(f"{SCOPE_LABELS[scope.kind]} : tapez la clé, puis Entrée et g pour générer.")
            return
        self._say("Comptage…")
        self.count(session.id, self._entry_key(), scope)

    @on(Input.Submitted, "#docs-key")
    def _key_typed(self) -> None:
        """Entrée after the key: back to the list of documents, where « g » generates (typed in
        the field, « g » would be part of the key)."""
        self.query_one("#docs-kinds", DataTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="documents-count")
    def count(self, session_id: int, key: str, scope: Scope) -> None:
        entry = next(e for e in CATALOG if e.key == key)
        try:
            with worker_connection():
                docs, pages = entry.count(session_id, scope)
            text = f"{entry.label} — {scope.label()} : {plural(docs, 'document')}" + (
                f", {plural(pages, 'page')}" if pages else ""
            )
        except ServiceError as exc:
            text = str(exc)
        self.app.call_from_thread(self._say, text)

    # --- generation ---------------------------------------------------------------------------

    def action_generate(self) -> None:
        session = self.baktui.session
        if session is None or self.running:
            return
        if refusal := self._scope_refusal(self._scope()):
            self.fail(refusal)
            return
        self.running = True
        key = self._entry_key()
        job = self.query_one(JobProgress)
        job.start(next(e.label for e in CATALOG if e.key == key))
        self._say("Génération…")
        self.generate(
            session.id,
            key,
            self._scope(),
            job.reporter("Édition annulée : aucun fichier écrit, rien d'enregistré."),
        )

    def action_cancel(self) -> None:
        self.query_one(JobProgress).cancel()

    @work(thread=True, exclusive=True, exit_on_error=False, group="documents-generate")
    def generate(
        self, session_id: int, key: str, scope: Scope, progress: Callable[[int, int], None]
    ) -> None:
        entry = next(e for e in CATALOG if e.key == key)
        try:
            with worker_connection():
                run = entry.generate(session_id, scope, None, progress)
            text = run.render()
        except ServiceError as exc:
            run, text = None, str(exc)
        except Exception as exc:  # noqa: BLE001 - shown in French, logged by error_text
            run, text = None, error_text(exc)
        self.app.call_from_thread(self._done, run, text)

    def _done(self, run: DocumentRun | None, text: str) -> None:
        self.running = False
        self.query_one(JobProgress).stop()
        self.last_run = run
        self._say(text)
        self.action_reload()

    # --- issued list --------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load_issued()

    @work(thread=True, exclusive=True, exit_on_error=False, group="documents-issued")
    def load_issued(self) -> None:
        with worker_connection():
            batches = issued_batches(tuple(e.key for e in CATALOG), limit=PAGE)
        self.app.call_from_thread(self._show_issued, batches)

    def _show_issued(self, batches: list[IssuedBatch]) -> None:
        table = self.query_one("#docs-issued", DataTable)
        table.clear()
        for b in batches:
            day, _, time = b.issued_at.partition("T")
            table.add_row(
                b.label,
                Text(b.reference, overflow="ellipsis"),
                Text(str(b.count), justify="right"),
                Text(b.issued_by),
                f"{'/'.join(reversed(day.split('-')))} {time[:5]}",
            )
