"""F3: a probable duplicate, the two records side by side, and the merge that keeps one."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from baktui.rules.french import plural
from baktui.screens.base import BaktuiScreen
from baktui.services.duplicates import (
    COMPARED,
    DuplicatePair,
    MergeOutcome,
    compare,
    field_label,
    merge,
)
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ConfirmModal, TextDialog
from baktui.widgets.feedback import error_text, worker_connection


class DuplicateScreen(BaktuiScreen):
    """Two records of one person, side by side; « 1 » or « 2 » keeps one and merges the other."""

    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"duplicates-load"})
    SUB_TITLE = "Doublon probable"
    HELP = """\
Les deux dossiers côte à côte : identité, coordonnées, épreuves, nombre de notes, de documents,
de numéros d'anonymat et de convocations ; **≠** marque ce qui diffère.

**1** garde le dossier de gauche et y fusionne celui de droite, **2** l'inverse : baktui demande
le motif puis une confirmation. Les inscriptions aux épreuves que le dossier gardé n'a pas, les
notes et les documents passent au dossier gardé (chaque déplacement est journalisé) ; l'autre
dossier reste, annulé, dans le journal avec toutes ses valeurs. La fusion est refusée si les deux
dossiers ont une note à la même épreuve, ou si le dossier fusionné a déjà des numéros d'anonymat,
des convocations ou un résultat. **Échap** revient sans rien changer.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="duplicates.back"),
        Binding("1", "keep(0)", "Garder gauche", id="duplicates.keep_left"),
        Binding("2", "keep(1)", "Garder droite", id="duplicates.keep_right"),
    ]

    def __init__(
        self, left_id: int, right_id: int, *, on_merged: Callable[[int], None] | None = None
    ) -> None:
        super().__init__()
        self.ids = (left_id, right_id)
        self.pair: DuplicatePair | None = None
        self.on_merged = on_merged
        self.outcome: MergeOutcome | None = None

    def compose_content(self) -> ComposeResult:
        yield Static("Lecture des deux dossiers…", id="dup-info", markup=False)
        yield DataTable(id="dup-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#dup-table", DataTable)
        table.add_column("", width=14)
        table.add_column("1 (gauche)", width=30)
        table.add_column("2 (droite)", width=30)
        self.set_focus(table)
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="duplicates-load")
    def load(self) -> None:
        try:
            with worker_connection():
                pair = compare(*self.ids)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show, pair)

    def _show(self, pair: DuplicatePair) -> None:
        self.pair = pair
        table = self.query_one("#dup-table", DataTable)
        table.clear()
        left, right = pair.left, pair.right
        rows: list[tuple[str, str, str, bool]] = [("n° candidat", left.number, right.number, False)]
        for name in COMPARED:
            differs = name in pair.differences
            rows.append((field_label(name), left.fields[name], right.fields[name], differs))
        rows += [
            ("épreuves", " ".join(left.registrations), " ".join(right.registrations),
             left.registrations != right.registrations),
            ("notes", str(left.grades), str(right.grades), False),
            ("documents", str(left.documents), str(right.documents), False),
            ("anonymats", str(left.anonymats), str(right.anonymats), False),
            ("convocations", str(left.convocations), str(right.convocations), False),
        ]  # fmt: skip
        for label, a, b, differs in rows:
            mark = "≠ " if differs else "  "
            style = "bold" if differs else ""
            table.add_row(Text(mark + label), Text(a, style=style), Text(b, style=style))
        count = len(pair.differences)
        self.query_one("#dup-info", Static).update(
            f"{plural(count, 'champ différent', 'champs différents')} · 1 garde le dossier "
            f"n° {left.number}, 2 garde le n° {right.number}"
        )

    # --- merge: reason, confirmation, then the service in a worker ----------------------------

    def action_keep(self, side: int) -> None:
        if self.pair is None:
            return
        sides = (self.pair.left, self.pair.right)
        keep, drop = sides[side], sides[1 - side]

        def confirmed(answer: bool | None, reason: str) -> None:
            if not answer:
                self.warn("Fusion abandonnée : rien n'a été modifié.")
                return
            self.run_merge(keep.candidate_id, drop.candidate_id, reason, keep.version, drop.version)

        def reasoned(reason: str | None) -> None:
            if not reason:
                self.warn("Fusion abandonnée : un motif est obligatoire.")
                return
            question = (
                f"Garder le dossier n° {keep.number} et y fusionner le n° {drop.number} ? "
                f"Le n° {drop.number} sera annulé (il reste dans le journal)."
            )
            self.app.push_screen(
                ConfirmModal(question, title="Fusionner les doublons"),
                lambda answer: confirmed(answer, reason),
            )

        self.app.push_screen(
            TextDialog("Fusionner les doublons", f"Motif de la fusion dans le n° {keep.number} :"),
            reasoned,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="duplicates-merge")
    def run_merge(
        self, keep_id: int, drop_id: int, reason: str, keep_version: int, drop_version: int
    ) -> None:
        try:
            with worker_connection():
                outcome = merge(
                    keep_id, drop_id, reason=reason, confirmed=True,
                    keep_version=keep_version, drop_version=drop_version,
                )  # fmt: skip
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._merged, outcome)

    def _merged(self, outcome: MergeOutcome) -> None:
        self.outcome = outcome
        self.say(outcome.message)
        if self.on_merged is not None:
            self.on_merged(outcome.kept_id)
        self.load()

    @on(DataTable.RowSelected, "#dup-table")
    def _row(self, event: DataTable.RowSelected) -> None:
        event.stop()
