"""Notes manquantes: every grade still missing in the session, by jury, épreuve and centre.

Reached from F4 (Ctrl+G). Two paged levels, both read in thread workers: the groups (one GROUP BY,
200 a page) and, on Entrée, the group's missing grades (100 a page). Entrée on a line opens the
grade field: written copies are entered by anonymity number (no name), oral and contrôle-continu
grades by candidate. « i » imports a centre's grade file through the notes import and shows its
report; past a second, a progress bar counts the lines checked then written, and Échap cancels
the import (nothing written).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual._time import get_time  # the clock of every event's ``time``
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, ProgressBar, Static
from textual.worker import Worker

from baktui.errors import ServiceError
from baktui.rules.numbers import thousands
from baktui.screens.base import BaktuiScreen
from baktui.services.imports.progress import cancellable
from baktui.services.missing_grades import (
    PAGE,
    MissingGroup,
    MissingGroupsPage,
    MissingLine,
    enter_missing_grade,
    missing_groups,
    missing_lines,
)
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ReportModal, TextDialog
from baktui.widgets.feedback import error_text, worker_connection

GROUPS_PAGE = 200
LINES_PAGE = PAGE
PROGRESS_AFTER = 1.0  # seconds: an import still running then shows its progress bar


class MissingGradesScreen(BaktuiScreen):
    """Missing grades, grouped; type them where they are missing, or import a centre's file."""

    # keys typed while the list is read (or a write lands) wait for it, in order; an import
    # ends in its report, which gets the keys typed meanwhile; past PROGRESS_AFTER its bar
    # shows, and an Échap typed from then on cancels it (cancel_job)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset(
        {"missing-groups", "missing-lines", "missing-import"}
    )

    SUB_TITLE = "Notes manquantes"
    AUTO_FOCUS = "#missing-groups"
    HELP = """\
Toutes les notes encore **manquantes** de la session (inscrit à l'épreuve, sans note du premier
groupe ; ABS, AJ et DI comptent comme saisis ; une spécialité en parties est saisie quand toutes
ses parties le sont), regroupées par **jury**, **épreuve** et **centre**, avec leur nombre.

**Entrée** sur un groupe en liste les notes manquantes ; **Entrée** sur une ligne ouvre la case
de note : tapez la note puis **Entrée**, le curseur passe à la ligne suivante. Les copies écrites
se saisissent par **numéro d'anonymat** (jamais de nom), l'oral et le contrôle continu par
candidat. **Échap** revient aux groupes.

**i** importe le fichier de notes d'un centre (CSV ou XLSX, format des notes) et affiche le
compte rendu ; un import de plus d'une seconde montre sa barre de progression (lignes vérifiées,
puis écrites) : **Échap** l'annule, rien n'est écrit ; **r** relit les chiffres ; **n** / **p** : page suivante / précédente (200 groupes
ou 100 lignes par page).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "import_file", "Importer", id="missing.import"),
        Binding("r", "reload", "Actualiser", id="missing.refresh"),
        Binding("n", "page(1)", "Page suiv.", id="missing.next_page"),
        Binding("p", "page(-1)", "Page préc.", id="missing.previous_page"),
    ]
    CSS = """
    #missing-body { height: 1fr; padding: 0 1; }
    #missing-summary { height: 1; }
    #missing-groups, #missing-lines { height: 1fr; }
    #missing-lines { display: none; }
    MissingGradesScreen.-lines #missing-groups { display: none; }
    MissingGradesScreen.-lines #missing-lines { display: block; }
    #missing-entry { height: 1; }
    #missing-entry Label { width: auto; }
    #missing-grade { width: 10; }
    #missing-message { width: 1fr; padding-left: 1; }
    #missing-message.-error { color: $text-error; text-style: bold; }
    #missing-progress { height: 1; display: none; }
    MissingGradesScreen.-importing #missing-progress { display: block; }
    #missing-progress ProgressBar { width: auto; }
    #missing-bar Bar { width: 24; }
    #missing-progress-text { width: 1fr; padding-left: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.page: MissingGroupsPage | None = None
        self.group_offset = 0
        self.group: MissingGroup | None = None
        self.line_offset = 0
        self.line_total = 0
        self.lines: list[MissingLine] = []
        self.importing: Worker[None] | None = None  # the import running, if any
        self._stop = threading.Event()
        self._import_started = 0.0
        self._bar_shown = 0.0  # Textual's clock (that of the keys' time): when the bar showed

    def compose_content(self) -> ComposeResult:
        with Vertical(id="missing-body"):
            yield Static("Lecture des notes manquantes…", id="missing-summary", markup=False)
            groups: DataTable[str] = DataTable(id="missing-groups", cursor_type="row")
            groups.add_columns("Jury", "Épreuve", "Manquantes", "Centre")
            yield groups
            lines: DataTable[str] = DataTable(id="missing-lines", cursor_type="row")
            lines.add_columns("Copie ou candidat", "Note")
            yield lines
            with Horizontal(id="missing-progress"):
                yield ProgressBar(
                    id="missing-bar", total=None, show_eta=False, show_percentage=False
                )
                yield Static("", id="missing-progress-text", markup=False)
            with Horizontal(id="missing-entry"):
                yield Label("Note : ")
                yield Input(id="missing-grade", max_length=8, compact=True, disabled=True)
                yield Static("", id="missing-message", markup=False)

    def on_mount(self) -> None:
        self.action_reload()

    # --- messages ---------------------------------------------------------------------------

    def _message(self, text: str, *, error: bool = False) -> None:
        widget = self.query_one("#missing-message", Static)
        widget.set_class(error, "-error")
        widget.update(Text(text, no_wrap=True, overflow="ellipsis"))

    # --- groups -----------------------------------------------------------------------------

    def action_reload(self) -> None:
        session = self.baktui.session
        if session is None:
            self.query_one("#missing-summary", Static).update("Aucune session ouverte.")
            return
        self.load_groups(session.id, self.group_offset)
        if self.group is not None:
            self.load_lines(session.id, self.group, self.line_offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="missing-groups")
    def load_groups(self, session_id: int, offset: int) -> None:
        with worker_connection():
            page = missing_groups(session_id, offset=offset, limit=GROUPS_PAGE)
        self.app.call_from_thread(self._show_groups, page)

    def _show_groups(self, page: MissingGroupsPage) -> None:
        self.page = page
        table = self.query_one("#missing-groups", DataTable)
        row = table.cursor_row
        table.clear()
        for index, group in enumerate(page.groups):
            table.add_row(
                group.jury,
                f"{group.epreuve_code} {group.epreuve_label}"[:24],
                Text(thousands(group.count), justify="right"),
                group.centre,
                key=str(index),
            )
        if page.groups:
            table.move_cursor(row=min(row, len(page.groups) - 1))
        self._summary()

    def _summary(self) -> None:
        page = self.page
        if page is None:
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{thousands(page.total_missing)} notes manquantes", style="bold")
        text.append(f" · {thousands(page.total_groups)} groupes")
        pages = max(1, -(-page.total_groups // GROUPS_PAGE))
        if pages > 1:
            text.append(f" · page {page.offset // GROUPS_PAGE + 1}/{pages}")
        if self.group is not None:
            text.append(f"  ▸ {self.group.jury}, {self.group.epreuve_code}, ")
            text.append(f"{self.group.centre} : {thousands(self.line_total)}")
            line_pages = max(1, -(-self.line_total // LINES_PAGE))
            if line_pages > 1:
                text.append(f" (page {self.line_offset // LINES_PAGE + 1}/{line_pages})")
        self.query_one("#missing-summary", Static).update(text)

    @on(DataTable.RowSelected, "#missing-groups")
    def _group_chosen(self, event: DataTable.RowSelected) -> None:
        session = self.baktui.session
        if self.page is None or session is None or event.row_key.value is None:
            return
        self.group = self.page.groups[int(event.row_key.value)]
        self.line_offset = 0
        self.add_class("-lines")
        self.load_lines(session.id, self.group, 0)

    # --- lines ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="missing-lines")
    def load_lines(self, session_id: int, group: MissingGroup, offset: int) -> None:
        with worker_connection():
            lines, total = missing_lines(session_id, group, offset=offset, limit=LINES_PAGE)
        self.app.call_from_thread(self._show_lines, lines, total)

    def _show_lines(self, lines: list[MissingLine], total: int) -> None:
        self.lines = lines
        self.line_total = total
        table = self.query_one("#missing-lines", DataTable)
        table.clear()
        for index, line in enumerate(lines):
            table.add_row(line.label, line.grade, key=str(index))
        self._summary()
        if self.has_class("-lines"):
            table.focus()
            if not lines:
                self._message("Plus aucune note manquante dans ce groupe.")

    @on(DataTable.RowSelected, "#missing-lines")
    def _line_chosen(self, event: DataTable.RowSelected) -> None:
        field = self.query_one("#missing-grade", Input)
        field.disabled = False
        field.value = ""
        field.focus()
        index = event.cursor_row
        if 0 <= index < len(self.lines):
            self._message(f"Note de : {self.lines[index].label}")

    @on(Input.Submitted, "#missing-grade")
    def _grade_typed(self, event: Input.Submitted) -> None:
        session = self.baktui.session
        table = self.query_one("#missing-lines", DataTable)
        index = table.cursor_row
        if session is None or not 0 <= index < len(self.lines) or not event.value.strip():
            return
        line = self.lines[index]
        if line.grade:
            self._message(f"{line.label} : déjà saisie ({line.grade}).", error=True)
            return
        try:
            done = enter_missing_grade(session.id, line, event.value)
        except ServiceError as exc:
            self._message(error_text(exc), error=True)
            event.input.select_all()  # the value stays, shown; typing replaces it
            return
        self.lines[index] = done
        table.update_cell(str(index), table.ordered_columns[1].key, done.grade)
        event.input.value = ""
        self._message(f"{line.label} : {done.grade} enregistrée.")
        if index + 1 < len(self.lines):
            table.move_cursor(row=index + 1)
            self._message(f"Enregistrée ({done.grade}). Note de : {self.lines[index + 1].label}")
        else:
            self.query_one("#missing-grade", Input).disabled = True
            table.focus()

    # --- keys ---------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Escape: cancels the import running; else grade field -> lines -> groups -> the
        slip screen."""
        if self.importing is not None:  # an Échap typed before its bar showed waits for it
            order = getattr(self.app, "key_order", None)
            self.cancel_job(order.key_time if order is not None else None)
            return
        field = self.query_one("#missing-grade", Input)
        if self.focused is field:
            field.value = ""
            field.disabled = True
            self.query_one("#missing-lines", DataTable).focus()
            self._message("")
            return
        if self.has_class("-lines"):
            self.remove_class("-lines")
            self.group = None
            self.query_one("#missing-groups", DataTable).focus()
            self.action_reload()
            return
        super().action_back()

    def cancel_job(self, typed_at: float | None) -> bool:
        """Échap cancels the import once its bar shows (not before: keys typed meanwhile wait
        for its report, Échap among them)."""
        if self.importing is None or not self.has_class("-importing"):
            return False
        if typed_at is not None and typed_at < self._bar_shown:
            return False
        self._stop.set()
        self.query_one("#missing-progress-text", Static).update("Annulation de l’import…")
        self._message("Annulation de l’import…")
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return True
        return super().check_action(action, parameters)

    def action_page(self, direction: int) -> None:
        session = self.baktui.session
        if session is None:
            return
        if self.group is not None and self.has_class("-lines"):
            offset = self.line_offset + direction * LINES_PAGE
            if 0 <= offset < max(self.line_total, 1):
                self.line_offset = offset
                self.load_lines(session.id, self.group, offset)
            return
        total = self.page.total_groups if self.page else 0
        offset = self.group_offset + direction * GROUPS_PAGE
        if 0 <= offset < max(total, 1):
            self.group_offset = offset
            self.load_groups(session.id, offset)

    def action_import_file(self) -> None:
        session = self.baktui.session
        if session is None or self.importing is not None:
            return

        def chosen(path: str | None) -> None:
            if path:
                self._message(f"Import de « {path} »…")
                self._stop = threading.Event()
                self._import_started = time.monotonic()
                self.importing = self.import_file(session.id, path, self._stop)
                self.set_timer(PROGRESS_AFTER, lambda: self._show_progress(0, None))

        self.app.push_screen(
            TextDialog(
                "Importer des notes",
                "Fichier de notes d'un centre (CSV ou XLSX : INE, épreuve, note…) :",
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="missing-import")
    def import_file(self, session_id: int, path: str, stop: threading.Event) -> None:
        """The notes import (all or nothing), in a thread; its report is shown as it is. It tells
        the screen how far it is (the bar) and stops at its next batch once ``stop`` is set."""
        from baktui.services.imports.grades import import_grades

        def progress(done: int, total: int | None) -> None:
            self.app.call_from_thread(self._show_progress, done, total)

        try:
            with worker_connection():
                report = import_grades(
                    session_id, Path(path).expanduser(), cancellable(progress, stop)
                )
        except ServiceError as exc:  # ImportCancelled too: « Import annulé : rien n’a été écrit. »
            self.app.call_from_thread(self._import_ended, str(exc), True)
            return
        self.app.call_from_thread(self._imported, report.render(), report.ok)

    def _show_progress(self, done: int, total: int | None) -> None:
        """The bar, once the import has lasted PROGRESS_AFTER: lines checked, then written."""
        worker = self.importing
        if worker is None or time.monotonic() - self._import_started < PROGRESS_AFTER:
            return
        if not self.has_class("-importing"):
            self.add_class("-importing")  # from now on Échap cancels (the keys stay held)
            self._bar_shown = get_time()
        half = total // 2 if total else None
        writing = half is not None and done > half
        count = done - half if writing and half is not None else done
        bar = self.query_one("#missing-bar", ProgressBar)
        bar.update(total=half, progress=count)
        if self._stop.is_set():
            text = "Annulation de l’import…"
        else:
            step = "Écriture" if writing else "Vérification"
            of = f" / {thousands(half)}" if half else ""
            text = f"{step} : {thousands(count)}{of} lignes · Échap : annuler"
        self.query_one("#missing-progress-text", Static).update(
            Text(text, no_wrap=True, overflow="ellipsis")
        )

    def _import_ended(self, text: str, error: bool) -> None:
        self.importing = None
        self.remove_class("-importing")
        self._message(text, error=error)

    def _imported(self, text: str, ok: bool) -> None:
        self.importing = None
        self.remove_class("-importing")
        self.app.push_screen(ReportModal("Import des notes", text))
        self._message(
            "Import terminé." if ok else "Import refusé : voir le compte rendu.", error=not ok
        )
        self.action_reload()
