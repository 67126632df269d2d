"""F4 — Saisie des notes: open a grade slip by its lot number and key it at full speed.

The slip (a :class:`~baktui.services.SlipEditor`, one lot: a few hundred rows at most)
is read in a thread worker. Grades are committed synchronously on Enter, in the grid's own key
handler: one BEGIN IMMEDIATE transaction (the grade and its audit entry) of 0.3-0.4 ms at the
median on the demo, its tail the same as a raw sqlite3 transaction's (see
``benchmarks/bench_grade_entry.py``). So a grade is on disk before the cursor moves, and keys
typed ahead apply in order. A worker would let the cursor run ahead of the disk and could reorder
"12⏎8⏎" against a slow commit, to save a fraction of a millisecond.

The grid keeps the focus for the whole flow (lot number, grades, control totals) and routes every
key itself, so that a burst of keys from an SSH packet lands where it was typed (see
:mod:`baktui.widgets.grade_grid`). No candidate appears here: the rows carry ranks, anonymity
numbers and grades only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from baktui.errors import ServiceError
from baktui.rules.french import plural
from baktui.rules.lots import parse_lot_numbers
from baktui.rules.slips import CommitResult, ControlCheck, SlipMode, SlipRow, format_centi
from baktui.screens.base import BaktuiScreen
from baktui.services.anonymity import number_copies
from baktui.services.grade_slip.editor import SlipEditor, open_slip
from baktui.services.lot_building import constitute_lots
from baktui.services.lots import assign_correcteur, set_double_entry
from baktui.widgets.control_fields import ControlFields
from baktui.widgets.dialogs import ConfirmModal, TextDialog
from baktui.widgets.entry_line import EntryLine
from baktui.widgets.examiner_picker import ExaminerPicker
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.grade_grid import GradeGrid
from baktui.widgets.job_progress import JobProgress


def _mark(ok: bool | None) -> str:
    return "?" if ok is None else ("✓" if ok else "✗")


def progress_text(check: ControlCheck, correcteur: str, state: str) -> Text:
    """Copies keyed, absents, sum so far, then who marks the lot and its state (one line)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"Saisies {check.filled}/{check.rows}", style="bold")
    text.append(f" · absents {check.absents} · somme {check.sum_text}")
    text.append(f"  │ {correcteur or 'sans correcteur'} · {state}", style="dim")
    return text


def controls_text(check: ControlCheck) -> Text:
    """Whether the slip's control figures agree with what is keyed (short, after the fields)."""
    if not check.typed:
        return Text("à recopier", style="dim", no_wrap=True)
    if check.agrees and check.complete:
        return Text("✓ concordants", style="bold green", no_wrap=True)
    marks = f"{_mark(check.copies_ok)}copies {_mark(check.absents_ok)}abs {_mark(check.sum_ok)}Σ"
    return Text(marks, style="bold" if check.agrees else "bold red", no_wrap=True)


CONSTITUTE_STOPPED = (
    "Arrêté : les épreuves faites gardent numéros et lots ; Ctrl+L fait les autres."
)


class GradeEntryScreen(BaktuiScreen):
    """Grade slips: open a lot, key its grades, check the control totals, close it."""

    SUB_TITLE = "Saisie des notes"
    AUTO_FOCUS = "#grid"
    # the lots constituted end in their report: the keys typed meanwhile go to it (the grid
    # holds its own keys while a slip is read or written, see GradeGrid.hold)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"constitute"})
    CSS = """
    #entry-body { height: 1fr; padding: 0 1; }
    #entry-top { height: 1; }
    #lot-prompt { width: 14; }
    #lot-title { width: 1fr; padding-left: 2; }
    #lot-detail { height: 1; color: $text-muted; }
    #grid-header { height: 1; background: $panel; }
    #entry-message { height: 1; }
    #entry-controls { height: 1; }
    #entry-controls Label { width: auto; }
    #ctl-state { width: 1fr; padding-left: 1; }
    """
    HELP = """\
Saisie des **bordereaux de notation**, lot par lot. Tapez le **numéro du lot** puis **Entrée**
(**Ctrl+O** pour un autre lot) : la grille affiche les numéros d'anonymat du bordereau (jamais de
nom) et le curseur se place sur la première note vide. Les touches tapées d'avance attendent
l'affichage du bordereau, dans l'ordre.

Tapez la note puis **Entrée** : « 12⏎ », « 8⏎ », « ABS⏎ » (AJ, DI aussi). Elle est contrôlée
(0 à 20, précision de l'épreuve), **enregistrée aussitôt** à votre nom, et le curseur descend.
Une valeur refusée reste dans la case avec la raison : rien n'est enregistré.

**Totaux de contrôle** (Ctrl+K ou Tab) : recopiez les trois chiffres du correcteur (copies, absents
compris ; absents ; somme des notes). La ligne du bas dit s'ils concordent avec la saisie ; le
bordereau ne se **clôt** (Ctrl+S, puis **O** pour confirmer) que complet et concordant, et en double
saisie que les deux passes faites et les désaccords arbitrés. **Ctrl+R** rouvre un bordereau clos :
le motif est demandé et journalisé.

**Double saisie à l'aveugle** (Ctrl+D, avant toute note) : un premier opérateur saisit le
bordereau, un second le ressaisit sans voir la première saisie ; seules les différences
s'affichent ensuite pour arbitrage. Ctrl+Z annule votre dernière saisie ; tout est journalisé.

**Ctrl+E** confie le lot affiché à un **correcteur** : la liste s'ouvre sur les examinateurs de
l'épreuve (tapez un autre nom au besoin), **Entrée** choisit ; refusé, avec le motif, si le
correcteur enseigne dans l'établissement d'une copie du lot.

**Ctrl+T** liste les **lots par état** (non saisis, constitués, distribués, en saisie, saisis) :
**Entrée** sur un lot ouvre son bordereau ici.

**Ctrl+B** imprime des bordereaux (un seul PDF pour plusieurs lots), **Ctrl+G** ouvre les notes
manquantes de la session, **Ctrl+L** numérote les copies et constitue les lots d'une session
(sans toucher aux lots existants ; jamais une copie de son propre établissement au correcteur ;
chaque lot va au centre de correction de la plupart de ses copies).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "close_slip", "Clore", id="grades.close"),
        Binding("ctrl+r", "reopen", "Rouvrir", id="grades.reopen"),
        Binding("ctrl+e", "correcteur", "Correcteur", show=False, id="grades.correcteur"),
        Binding("ctrl+d", "double_entry", "Double saisie", show=False, id="grades.double"),
        Binding("ctrl+b", "print_slips", "Bordereaux PDF", show=False, id="grades.pdf"),
        Binding("ctrl+g", "missing", "Manquantes", id="grades.missing"),
        Binding("ctrl+t", "lot_list", "Lots", id="grades.lot_list"),
        Binding("ctrl+l", "constitute", "Constituer les lots", show=False, id="grades.constitute"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.editor: SlipEditor | None = None

    def compose_content(self) -> ComposeResult:
        with Vertical(id="entry-body"):
            with Horizontal(id="entry-top"):
                yield EntryLine(id="lot-prompt")
                yield Static("Tapez un numéro de lot puis Entrée.", id="lot-title", markup=False)
            yield EntryLine(id="lot-detail")
            yield Static("", id="grid-header", markup=False)
            yield GradeGrid(id="grid")
            yield EntryLine(id="entry-message")
            with Horizontal(id="entry-controls"):
                yield Label("Totaux : ")
                yield ControlFields(id="controls")
                yield EntryLine(id="ctl-state")
            yield JobProgress()  # Ctrl+L: numbering and lots, épreuve by épreuve

    def on_mount(self) -> None:
        grid = self.grid
        grid.delegate = self
        grid.controls = self.query_one(ControlFields)
        grid.controls.delegate = self
        self._show_lot_prompt("", typing=True)

    @property
    def grid(self) -> GradeGrid:
        return self.query_one("#grid", GradeGrid)

    # --- messages on the screen -------------------------------------------------------------

    def _message(self, text: str, *, error: bool = False) -> None:
        # styled in the text, not by a CSS class: a class change restyles the screen
        style = "bold red" if error else ""
        self.query_one("#entry-message", EntryLine).show(
            Text(text, style=style, no_wrap=True, overflow="ellipsis")
        )

    def _refresh_status(self, *, bindings: bool = False) -> None:
        """Progress and control lines; ``bindings`` also re-checks the keys (the footer is
        rebuilt then: only when the slip changes state, never on each grade)."""
        editor = self.editor
        if editor is None:
            return
        check = editor.controls()
        info = editor.info
        self.query_one("#lot-detail", EntryLine).show(
            progress_text(check, info.correcteur, info.state_label)
        )
        self.query_one("#ctl-state", EntryLine).show(controls_text(check))
        if bindings:
            self.refresh_bindings()

    # --- opening a slip ---------------------------------------------------------------------

    def _show_lot_prompt(self, text: str, *, typing: bool) -> None:
        prompt = Text(no_wrap=True)
        prompt.append("Lot n° ")
        prompt.append(text + ("▏" if typing else ""), style="bold reverse" if typing else "bold")
        self.query_one("#lot-prompt", EntryLine).show(prompt)

    @on(GradeGrid.LotTyped)
    def _lot_typed(self, event: GradeGrid.LotTyped) -> None:
        shown = event.text or (
            "" if event.typing or self.editor is None else str(self.editor.lot_number)
        )
        self._show_lot_prompt(shown, typing=event.typing)

    def grid_open_lot(self, number: int) -> None:
        """The grid asks for a slip (the keys typed meanwhile wait in the grid)."""
        session = self.baktui.session
        if session is None:
            self._message("Aucune session ouverte dans cette base.", error=True)
            self.grid.load_failed()
            return
        self._message(f"Lecture du lot {number}…")
        self.load_slip(session.id, number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="slip")
    def load_slip(self, session_id: int, lot_number: int) -> None:
        """Read the slip (one lot) in a thread; the grid gets it on the UI thread."""
        try:
            with worker_connection():
                editor = open_slip(session_id, lot_number)
        except Exception as exc:  # any failure must release the grid (it holds typed keys)
            self.app.call_from_thread(self._slip_refused, error_text(exc))
            return
        self.app.call_from_thread(self.show_slip, editor)

    def _slip_refused(self, message: str) -> None:
        self._message(message, error=True)
        self.grid.load_failed()

    def show_slip(self, editor: SlipEditor, *, cursor: int | None = None) -> None:
        """Put a loaded slip in the grid, the cursor on its first empty grade.

        The grid is loaded last: it then replays the keys typed while the slip was read, and
        their effects (a grade, the totals, a message) must not be overwritten here.
        """
        self.editor = editor
        info = editor.info
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"{info.epreuve_code} ", style="bold")
        title.append(info.subject or info.epreuve_label)
        self.query_one("#lot-title", Static).update(title)
        self._show_lot_prompt(str(info.number), typing=False)
        arbitrage = editor.mode == SlipMode.ARBITRAGE
        header = Text(
            GradeGrid.header_for(editor.columns, arbitrage=arbitrage),
            style="bold",
            no_wrap=True,
            overflow="ellipsis",
        )
        header.append(
            f"  [{editor.mode_label()}]", style="bold reverse" if info.double_entry else ""
        )
        self.query_one("#grid-header", Static).update(header)
        self.query_one(ControlFields).set_values(
            [
                "" if info.control_copies is None else str(info.control_copies),
                "" if info.control_absents is None else str(info.control_absents),
                format_centi(info.control_sum_centi),
            ]
        )
        self._refresh_status(bindings=True)
        if editor.mode == SlipMode.WAIT:
            self._message(editor.wait_reason(), error=True)
        elif editor.mode == SlipMode.CLOSED:
            self._message(f"Bordereau clos par {info.closed_by} : Ctrl+R pour le rouvrir.")
        elif editor.mode == SlipMode.ARBITRAGE:
            self._message(
                f"{plural(len(editor), 'désaccord')} entre les deux saisies : tapez la note du bordereau."
            )
        else:
            self._message(f"Lot {info.number} : tapez chaque note puis Entrée (F1 : aide).")
        grid = self.grid
        grid.focus()
        grid.load(
            editor.rows,
            editor.columns,
            arbitrage=arbitrage,
            read_only=editor.read_only,
            cursor=editor.first_empty() if cursor is None else cursor,
        )

    # --- the grid's delegate ------------------------------------------------------------------

    def grid_commit(self, index: int, cell: int, text: str) -> CommitResult:
        assert self.editor is not None
        return self.editor.commit(index, text, cell)

    def grid_clear(self, index: int) -> SlipRow:
        assert self.editor is not None
        return self.editor.clear(index)

    def grid_undo(self) -> int | None:
        if self.editor is None:
            return None
        index = self.editor.undo()
        self.grid.replace_rows(self.editor.rows)
        return index

    @on(GradeGrid.Committed)
    def _committed(self, event: GradeGrid.Committed) -> None:
        editor = self.editor
        if editor is None:
            return
        if event.result.mode_changed:
            self.show_slip(editor)
            if editor.mode == SlipMode.WAIT:
                self._message(
                    "1re saisie terminée : la 2e doit être faite par un autre opérateur.",
                )
            return
        self._refresh_status()
        grid = self.grid
        if grid.cursor_row == len(grid.rows) - 1 and all(r.filled for r in grid.rows):
            self._message("Bordereau complet : Tab pour les totaux, puis Ctrl+S pour le clore.")
        else:
            row = event.result.row
            self._message(f"Copie {row.anonymat} : {row.text} enregistrée.")

    @on(GradeGrid.Refused)
    def _refused(self, event: GradeGrid.Refused) -> None:
        self._message(event.message, error=True)
        if self.editor is not None:
            self.grid.replace_rows(self.editor.rows)  # a conflict re-read the slip
            self._refresh_status()

    @on(GradeGrid.Moved)
    def _moved(self, event: GradeGrid.Moved) -> None:
        self._refresh_status()
        self._message("")

    # --- control totals, closing ------------------------------------------------------------

    def controls_submitted(self, copies: str, absents: str, total: str) -> bool:
        """The three figures of the slip, typed in the control fields (audited)."""
        editor = self.editor
        if editor is None:
            return False
        try:
            check = editor.set_controls(copies, absents, total)
        except ServiceError as exc:
            self._message(error_text(exc), error=True)
            return False
        self._refresh_status()
        if check.agrees and check.complete:
            self._message("Totaux concordants : Ctrl+S pour clore le bordereau.")
        else:
            self._message("Totaux enregistrés : " + " ; ".join(check.problems()) + ".", error=True)
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        editor = self.editor
        if action in ("close_slip", "double_entry"):
            return editor is not None and editor.mode != SlipMode.CLOSED
        if action == "reopen":
            return editor is not None and editor.mode == SlipMode.CLOSED
        if action == "correcteur":
            return editor is not None
        return super().check_action(action, parameters)

    def action_close_slip(self) -> None:
        """Close the slip after a confirmation; refused at once, saying what is missing
        (control totals, the second pass of a double entry, disagreements to arbitrate)."""
        editor = self.editor
        if editor is None:
            return
        if refusal := editor.close_refusal():
            self._message(refusal, error=True)
            return
        check = editor.controls()

        def answered(ok: bool | None) -> None:
            if ok:
                self._write_slip(editor, _close)
            else:
                self._message(f"Bordereau {editor.lot_number} : clôture annulée.")

        self.app.push_screen(
            ConfirmModal(
                f"Clore le bordereau {editor.lot_number} ({plural(check.rows, 'copie')}, "
                f"{plural(check.absents, 'absent')}, somme {check.sum_text}) ?\n"
                "Ses notes ne pourront plus être changées sans une réouverture motivée.",
                title="Clore le bordereau",
            ),
            answered,
        )

    def action_reopen(self) -> None:
        """Reopen a closed slip: the reason is asked (required) and audited."""
        editor = self.editor
        if editor is None:
            return

        def answered(reason: str | None) -> None:
            if reason:
                self._write_slip(editor, partial(_reopen, reason))
            else:
                self._message(f"Bordereau {editor.lot_number} : réouverture annulée.")

        self.app.push_screen(
            TextDialog(
                f"Rouvrir le bordereau {editor.lot_number}",
                "Motif de la réouverture (obligatoire, journalisé) ; il faudra clore à nouveau "
                "le bordereau, totaux concordants. Échap annule.",
            ),
            answered,
        )

    def action_double_entry(self) -> None:
        editor = self.editor
        session = self.baktui.session
        if editor is not None and session is not None:
            self._write_slip(editor, partial(_toggle_double_entry, session.id))

    def action_correcteur(self) -> None:
        """Give the lot shown to a correcteur, picked among the examiners of its épreuve."""
        editor = self.editor
        session = self.baktui.session
        if editor is None or session is None:
            return
        info = editor.info
        now = f"Correcteur actuel : {info.correcteur}." if info.correcteur else "Sans correcteur."

        def picked(examiner_id: int | None) -> None:
            if examiner_id is not None:
                self._message(f"Affectation du lot {info.number}…")
                self._write_slip(editor, partial(_assign, session.id, examiner_id))

        self.app.push_screen(
            ExaminerPicker(
                f"Correcteur du lot {info.number} ({info.epreuve_code})",
                f"{now} Examinateurs de l'épreuve {info.epreuve_code}, ou tapez un nom :",
                initial=info.epreuve_code,
            ),
            picked,
        )

    def _write_slip(
        self, editor: SlipEditor, write: Callable[[SlipEditor], tuple[SlipEditor, str]]
    ) -> None:
        """Run a write on the slip in a worker; the grid keeps the keys typed meanwhile."""
        self.grid.hold()
        self._slip_write(editor, write)

    @work(thread=True, exclusive=True, exit_on_error=False, group="slip-write")
    def _slip_write(
        self, editor: SlipEditor, write: Callable[[SlipEditor], tuple[SlipEditor, str]]
    ) -> None:
        try:
            with worker_connection():
                shown, message = write(editor)
        except Exception as exc:  # any failure must release the grid (it holds typed keys)
            self.app.call_from_thread(self._slip_write_refused, error_text(exc))
            return
        self.app.call_from_thread(self._slip_written, shown, message)

    def _slip_written(self, editor: SlipEditor, message: str) -> None:
        self.show_slip(editor, cursor=self.grid.cursor_row)
        if message:
            self._message(message)

    def _slip_write_refused(self, message: str) -> None:
        self._message(message, error=True)
        self.grid.release()

    def action_print_slips(self) -> None:
        session = self.baktui.session
        if session is None:
            return
        default = str(self.editor.lot_number) if self.editor is not None else ""

        def chosen(text: str | None) -> None:
            if text:
                try:
                    numbers = parse_lot_numbers(text)
                except ValueError as exc:
                    self._message(str(exc), error=True)
                    return
                self._message(f"Préparation de {plural(len(numbers), 'bordereau', 'bordereaux')}…")
                self.print_slips(session.id, numbers)

        self.app.push_screen(
            TextDialog(
                "Bordereaux de notation (PDF)",
                "Lots à imprimer (ex. 12 ou 3-8,15), en un seul document PDF :",
                value=default,
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="slip-pdf")
    def print_slips(self, session_id: int, numbers: list[int]) -> None:
        """Build the PDF in a thread (fonts and layout take a few hundred ms)."""
        from baktui.services.slip_documents import issue_slips

        try:
            with worker_connection():
                issued = issue_slips(session_id, numbers)
        except (ServiceError, OSError) as exc:
            self.app.call_from_thread(self._message, error_text(exc), error=True)
            return
        self.app.call_from_thread(
            self._message,
            f"{plural(len(numbers), 'bordereau', 'bordereaux')} de notation : {issued.path}",
        )

    def action_constitute(self) -> None:
        """Number the copies that have no anonymity number and lot the copies in no lot."""
        session = self.baktui.session
        if session is None:
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self._message("Numérotation des copies et constitution des lots…")
                job = self.query_one(JobProgress)
                job.start("Anonymat et lots (épreuves)")
                self.constitute(session.id, job.reporter(CONSTITUTE_STOPPED))

        self.app.push_screen(
            ConfirmModal(
                "Donner un numéro d'anonymat aux copies écrites qui n'en ont pas, puis constituer "
                "les lots des copies qui ne sont dans aucun lot ?\nLes lots existants ne changent "
                "pas ; tout est journalisé à votre nom.",
                title="Anonymat et lots",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="constitute")
    def constitute(self, session_id: int, progress: Callable[[int, int], None]) -> None:
        """Batch work (a minute at national scale): in a thread, a bar over the épreuves (the
        numbering, then the lots), the report shown after; Échap stops between two épreuves."""

        def lots_progress(done: int, total: int) -> None:
            progress(total + done, 2 * total)

        try:
            with worker_connection():
                numbering = number_copies(
                    session_id, progress=lambda done, total: progress(done, 2 * total)
                )
                constitution = constitute_lots(session_id, progress=lots_progress)
        except ServiceError as exc:  # Cancelled (Échap) too: the message says what stands
            self.app.call_from_thread(self._constituted, None, str(exc))
            return
        text = numbering.render() + "\n\n" + constitution.render()
        self.app.call_from_thread(self._constituted, text, constitution.render())

    def _constituted(self, text: str | None, lots: str) -> None:
        """The report (``text`` None: refused or stopped, ``lots`` says why)."""
        from baktui.widgets.dialogs import ReportModal

        self.query_one(JobProgress).stop()
        self._message(lots, error=text is None)
        if text is not None:
            self.app.push_screen(ReportModal("Anonymat et lots", text))

    def action_missing(self) -> None:
        from baktui.screens.missing_grades import MissingGradesScreen

        self.app.push_screen(MissingGradesScreen())

    def action_lot_list(self) -> None:
        self.open_worklist("open")

    def open_worklist(self, key: str) -> None:
        """The lots of one state (``open``: not yet entered), Entrée opening the slip chosen;
        ``missing``: the missing grades."""
        from baktui.screens.lot_list import LotListScreen

        if key == "missing":
            self.action_missing()
            return

        def chosen(number: int | None) -> None:
            if number is not None:
                self.grid.request_lot(number)

        self.app.push_screen(LotListScreen(key), chosen)


# --- writes on the slip, run in the screen's worker (see GradeEntryScreen._write_slip) ---------


def _close(editor: SlipEditor) -> tuple[SlipEditor, str]:
    info = editor.close()
    return (
        editor,
        f"Bordereau {info.number} clos : totaux concordants, {plural(info.copies, 'copie')}.",
    )


def _reopen(reason: str, editor: SlipEditor) -> tuple[SlipEditor, str]:
    editor.reopen(reason)
    return editor, f"Bordereau {editor.lot_number} rouvert : {reason}."


def _assign(session_id: int, examiner_id: int, editor: SlipEditor) -> tuple[SlipEditor, str]:
    info = assign_correcteur(editor.info.id, examiner_id)
    return open_slip(session_id, info.number), f"Lot {info.number} confié à {info.correcteur}."


def _toggle_double_entry(session_id: int, editor: SlipEditor) -> tuple[SlipEditor, str]:
    info = set_double_entry(session_id, editor.lot_number, not editor.info.double_entry)
    return open_slip(session_id, info.number), ""
