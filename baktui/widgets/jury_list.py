"""F5 « Jurys »: the session's juries, their bureau and members, and their documents.

The président is a PU or a MCF (D.336-20), the vice-président an agrégé or a certifié, and no
member teaches candidates of the jury: the service refuses otherwise, and the refusal is shown
with its reason. The candidates without jury are distributed on confirmation; the convocations
of a jury (or of its centre) and the assignment lists (PDF and Excel) are written on request.
Every write runs in a thread worker, so that keys typed meanwhile are never lost.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static

from baktui.errors import Cancelled, ServiceError
from baktui.rules.missions import short_place
from baktui.rules.progress import Progress
from baktui.services import distribution, juries, jury_lists
from baktui.services.distribution import PHASES
from baktui.services.eligibility import AssignmentRefused
from baktui.services.juries import JuryInfo
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal
from baktui.widgets.examiner_picker import ExaminerPicker
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.job_progress import JobProgress
from baktui.widgets.juries_pane import JuriesPane

DISTRIBUTION_STOPPED = "Répartition arrêtée : aucun candidat n'a changé de jury."

OFFICERS = {
    "president": (
        "Président",
        "Professeur des universités ou maître de conférences (D.336-20).",
        ("PU", "MCF"),
    ),
    "vice_president": ("Vice-président", "Professeur agrégé ou certifié.", ("AGREGE", "CERTIFIE")),
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


class JuryList(JuriesPane):
    """The juries table and what the keys p, v, m, t, c and l do on it."""

    # « j p » at once: « p » acts on the juries once read; « p … Entrée m »: on the jury written
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"juries-list", "juries-write"})

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, JuryInfo] = {}

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="juries-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("N°", "Séries")
        table.add_column("Centre", key="centre")
        table.add_column("Président", key="president")
        table.add_columns("Memb.", "Cand.")
        yield table
        yield Static("", id="jury-detail", classes="detail", markup=False)
        yield JobProgress()  # t: the répartition, Échap stops it (nothing written)

    def on_mount(self) -> None:
        # the centres and présidents take the width the other columns leave
        self.query_one("#juries-table", DataTable).stretch("centre", 22, ("president", 20))

    def current_jury(self) -> JuryInfo | None:
        return self.rows.get(self.row_key("#juries-table") or "")

    def load(self) -> None:
        if self.session_id is not None:
            self.load_juries(self.session_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-list")
    def load_juries(self, session_id: int) -> None:
        with worker_connection():
            rows = juries.list_juries(session_id)
        self.app.call_from_thread(self._show_juries, rows)

    def _show_juries(self, rows: list[JuryInfo]) -> None:
        table = self.query_one("#juries-table", DataTable)
        previous = self.row_key("#juries-table")
        table.clear()
        self.rows = {str(j.id): j for j in rows}
        for j in rows:
            table.add_row(
                str(j.number),
                j.series_codes.replace(",", " ")[:12],
                Text(short_place(j.centre), overflow="ellipsis"),
                Text(j.president or "À DÉSIGNER", overflow="ellipsis"),
                str(j.members),
                str(j.candidates),
                key=str(j.id),
            )
        if previous in self.rows:
            table.move_cursor(row=table.get_row_index(previous))
        if not rows:
            self.query_one("#jury-detail", Static).update("Aucun jury dans cette session.")
        else:
            self._show_jury()

    @on(DataTable.RowHighlighted, "#juries-table")
    def _jury_moved(self) -> None:
        self._show_jury()

    def _show_jury(self) -> None:
        jury = self.current_jury()
        self.query_one("#jury-detail", Static).update(jury_line(jury) if jury else "")

    # --- Bureau and members ---------------------------------------------------------------

    def choose_officer(self, role: str) -> None:
        """Pick the président or vice-président of the highlighted jury, then write it."""
        jury = self.current_jury()
        if jury is None:
            return
        label, hint, prefer = OFFICERS[role]

        def picked(examiner_id: int | None) -> None:
            if examiner_id is not None:
                self.set_officer(jury.id, examiner_id, role, jury.version)

        self.app.push_screen(
            ExaminerPicker(f"{label} du jury n° {jury.number}", hint, prefer_corps=prefer), picked
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-write")
    def set_officer(self, jury_id: int, examiner_id: int, role: str, version: int) -> None:
        write = juries.set_president if role == "president" else juries.set_vice_president
        try:
            with worker_connection():
                info = write(jury_id, examiner_id, expected_version=version)
        except AssignmentRefused as exc:
            self.app.call_from_thread(self._refused, " ".join(exc.reasons))
            return
        except ServiceError as exc:  # a colleague changed the jury meanwhile: reload it
            self.app.call_from_thread(self._refused, error_text(exc))
            self.app.call_from_thread(self.load)
            return
        self.app.call_from_thread(self._jury_written, info)

    def choose_member(self) -> None:
        """Pick a member for the highlighted jury, then add him or her."""
        jury = self.current_jury()
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
            self.app.call_from_thread(self._refused, " ".join(exc.reasons))
            return
        except ServiceError as exc:
            self.app.call_from_thread(self._refused, error_text(exc))
            return
        self.app.call_from_thread(self._jury_written, info)

    def _refused(self, message: str) -> None:
        self.query_one("#jury-detail", Static).update("Refusé : " + message)
        self.fail(message, title="Refusé")

    def _jury_written(self, info: JuryInfo) -> None:
        self.say(
            f"Jury n° {info.number} : président {info.president or '—'}, {info.members} membres."
        )
        self.load()

    # --- Distribution ---------------------------------------------------------------------

    def confirm_distribution(self, session_id: int) -> None:
        def answered(ok: bool | None) -> None:
            if ok:
                job = self.query_one(JobProgress)
                job.start("Répartition")
                self.distribute(session_id, job.reporter(DISTRIBUTION_STOPPED, PHASES))

        self.app.push_screen(
            ConfirmModal(
                "Répartir dans les jurys les candidats qui n'en ont pas ?\n"
                "Par série, près de leur centre, les candidats d'un établissement ensemble.",
                title="Répartition des candidats",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="juries-write")
    def distribute(self, session_id: int, progress: Progress) -> None:
        """In a thread, a bar over the moved candidates (jury, audit entry, counters: a minute
        for a whole country); Échap stops it at the next batch, the whole run rolled back."""
        try:
            with worker_connection():
                summary = distribution.distribute_candidates(session_id, progress=progress)
        except Cancelled as exc:  # Échap: the transaction rolled back
            self.app.call_from_thread(self._distributed, None, str(exc))
            return
        except ServiceError as exc:
            self.app.call_from_thread(self._distributed, None, error_text(exc), "Refusé")
            return
        finally:  # however it ended (an unexpected error is shown by the worker's failure)
            self.app.call_from_thread(self.query_one(JobProgress).stop)
        self.app.call_from_thread(self._distributed, summary.render())

    def _distributed(self, text: str | None, why: str = "", title: str = "Répartition") -> None:
        """The report, or why there is none (stopped, refused)."""
        self.query_one(JobProgress).stop()
        if text is None and title == "Refusé":
            self.fail(why)
        elif text is None:
            self.warn(why, title)  # stopped by Échap
        else:
            self.say(text, title)
            self.load()

    # --- Documents ------------------------------------------------------------------------

    def choose_convocations(self, session_id: int) -> None:
        """Convocations of the highlighted jury's members, or of every mission of its centre."""
        jury = self.current_jury()
        if jury is None:
            return
        choices = [("jury", f"Les membres du jury n° {jury.number}")]
        if jury.centre_id is not None:
            choices.append(("centre", f"Toutes les missions du centre {short_place(jury.centre)}"))

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

    def choose_lists(self, session_id: int) -> None:
        """The assignment lists of every centre, or of one."""
        centres: dict[int, str] = {}
        for jury in self.rows.values():
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
                pdf, xlsx = jury_lists.export_jury_lists(session_id, centre_id=centre_id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(
            self.say, f"{pdf.path}\n{xlsx.path}", "Listes d'affectation éditées"
        )
