"""Replace an absent examiner: what is uncovered, who can step in (ranked), one key to assign.

Pushed by the juries screen (F5) with the missions to cover. The top table lists them; the bottom
table ranks the examiners who may take the highlighted one (nearest first). **Entrée** assigns the
highlighted examiner: the lot or slots move, the convocation PDF is written, the old mission is
closed. **e** shows instead the examiners of the right discipline who are refused, with why; trying
one of them with Entrée shows the refusal and its reason. The assignment runs in a thread worker:
leaving with Échap meanwhile loses nothing (the result is still said, and the screen shown then
is told, so that the F5 board reads itself again).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from baktui.errors import ConflictError, ServiceError
from baktui.rules.examiners import corps_short
from baktui.rules.french import agree, plural
from baktui.rules.missions import LOADED_KINDS, short_place
from baktui.rules.numbers import thousands
from baktui.screens.base import BaktuiScreen
from baktui.services import needs, replacements
from baktui.services.eligibility import AssignmentRefused
from baktui.services.needs import Need
from baktui.services.replacements import Option, Ranking, ReplacementResult
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.feedback import error_text, worker_connection


def need_text(need: Need) -> str:
    """The highlighted need in three lines (plain text)."""
    lines = [f"{need.label} · {need.when}"]
    where = need.centre
    if need.examiner:
        where += (
            f" · {agree(need.examiner_civility, 'absent')} : {need.examiner} "
            f"({need.absence_reason or 'motif non saisi'})"
        )
    lines.append(where)
    if need.etablissements:
        lines.append(f"Candidats de : {need.etablissements}")
    return "\n".join(line if len(line) <= 78 else line[:77] + "…" for line in lines)


def load_cell(option: Option, kind: str) -> str:
    """The load that matters for the mission: copies for a correction, hours for an oral."""
    if kind == "correction":
        return f"{option.copies}/{option.max_copies} cop."
    if kind in LOADED_KINDS:
        return f"{option.oral_hours_centi // 100}/{option.max_oral_hours} h"
    return "—"


REFUSED_PREFIXES = ("Affectation refusée : ", "Affectation refusée. ", "Refusé : ")


def refusal_text(reasons: Sequence[str]) -> str:
    """« Refusé : » once, then the reasons, whatever prefix each sentence brought
    (never « Refusé : Affectation refusée : … »)."""
    parts = []
    for reason in reasons:
        for prefix in REFUSED_PREFIXES:
            if reason.startswith(prefix):
                reason = reason[len(prefix) :]
                reason = reason[:1].upper() + reason[1:]
                break
        parts.append(reason)
    return "Refusé : " + " ".join(parts)


def confirmation_text(need: Need, option: Option) -> str:
    """The question asked before a replacement: who replaces whom, which épreuve, which day."""
    day = f"le {need.day:%d/%m/%Y}" if need.day else "jour non fixé"
    if need.hours:
        day += f", {need.hours}"
    whom = f"en remplacement de {need.examiner}" if need.examiner else "sur cette mission"
    epreuve = f"épreuve {need.epreuve_code}" if need.epreuve_code else "sans épreuve"
    return (
        f"{option.name} ({corps_short(option.corps, option.civility)}) {whom}\N{NARROW NO-BREAK SPACE}?\n"
        f"{need.label} — {epreuve} — {day}" + (f" — {need.centre}" if need.centre else "")
        + ".\nLa mission passe au remplaçant, sa convocation est éditée ; tout est journalisé."
    )  # fmt: skip


def option_text(option: Option) -> str:
    """The highlighted examiner: who, where from, how loaded, or why refused."""
    where = option.etablissement or "sans établissement"
    commune = f" ({option.commune})" if option.commune else ""
    head = f"{option.name} — {option.corps_label}, {where}{commune}"
    if option.reasons:
        return head + "\n" + refusal_text(option.reasons)
    return (
        f"{head}\n{option.distance_label} ({option.km_source or 'distance inconnue'}) · "
        f"{option.copies}/{option.max_copies} copies · "
        f"{option.oral_hours_centi // 100} h/{option.max_oral_hours} h d'oral"
    )


class ReplacementScreen(BaktuiScreen):
    """The missions of an absence (or one need of the day board) and their replacements."""

    # keys typed while the lists are read wait for them, in order; not for the assignment's
    # write: the user may leave (Échap) at once, and « busy » refuses a second Entrée meanwhile
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"replace-needs", "replace-rank"})

    SUB_TITLE = "Remplacement"
    HELP = """\
En haut, les **missions à couvrir** (lot de copies, commission d'oral, siège de jury) ; en bas,
les **remplaçants possibles** pour la mission en surbrillance, **du plus proche au plus
lointain** : même discipline, libres à cet horaire, pas d'un établissement des candidats
concernés, sous leur charge maximale (copies, heures d'oral). « ≈ » : distance à vol d'oiseau
estimée d'après les coordonnées des communes (sinon, distance du tableau de référence).

**Entrée** sur un remplaçant demande confirmation (qui remplace qui, quelle épreuve, quel jour),
puis **O** l'affecte : le lot ou les créneaux passent à lui, sa
convocation PDF est éditée, la mission de l'absent est close (« remplacée ») ; tout est écrit
dans le journal. **e** montre à la place les examinateurs de la discipline qui sont **refusés**,
avec le motif (ses propres élèves, déjà pris, absent, charge dépassée…). **Tab** passe d'un
tableau à l'autre.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "assign", "Affecter", id="replacement.assign", priority=True),
        Binding("e", "toggle_excluded", "Refusés", id="replacement.excluded"),
        Binding("r", "reload", "Actualiser", id="replacement.reload"),
    ]
    DEFAULT_CSS = """
    ReplacementScreen #replace-body { padding: 0 1; }
    ReplacementScreen #replace-needs { height: auto; max-height: 4; scrollbar-size-horizontal: 0; }
    ReplacementScreen #replace-need { height: 3; color: $text; }
    ReplacementScreen #replace-title { height: 1; text-style: bold; }
    ReplacementScreen #replace-options { height: 1fr; }
    ReplacementScreen #replace-detail { height: 3; color: $text-muted; }
    """

    show_excluded: reactive[bool] = reactive(False, bindings=True)

    class Replaced(Message):
        """A replacement was written after the user left this screen: sent to the screen shown
        then (the F5 board refreshes on it)."""

        def __init__(self, result: ReplacementResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, assignment_ids: list[int], title: str = "") -> None:
        super().__init__()
        self.assignment_ids = list(assignment_ids)
        self.heading = title
        self.needs: dict[str, Need] = {}
        self.ranking: Ranking | None = None
        self.options: dict[str, Option] = {}
        self.busy = False

    def compose_content(self) -> ComposeResult:
        with Vertical(id="replace-body"):
            missions: DataTable[str] = DataTable(id="replace-needs", cursor_type="row")
            missions.add_columns("Quand", "Mission", "Centre", "Absence")
            yield missions
            yield Static("", id="replace-need", markup=False)
            yield Static("Remplaçants…", id="replace-title", markup=False)
            yield DataTable(id="replace-options", cursor_type="row", zebra_stripes=True)
            yield Static("", id="replace-detail", markup=False)

    def on_mount(self) -> None:
        if self.heading:
            self.sub_title = self.heading
        self.load_needs()

    # --- Needs ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="replace-needs")
    def load_needs(self) -> None:
        with worker_connection():
            found = [needs.get_need(assignment_id) for assignment_id in self.assignment_ids]
            still = needs.still_open(self.assignment_ids)
        self.app.call_from_thread(self._show_needs, [n for n in found if n.assignment_id in still])

    def _show_needs(self, found: list[Need]) -> None:
        table = self.query_one("#replace-needs", DataTable)
        table.clear()
        self.needs = {str(n.assignment_id): n for n in found}
        for need in found:
            table.add_row(
                need.when,
                need.label[:30],
                short_place(need.centre)[:16],
                need.examiner[:16],
                key=str(need.assignment_id),
            )
        if not found:
            self.query_one("#replace-need", Static).update(
                "Plus rien à couvrir : toutes ces missions ont un remplaçant."
            )
            self.query_one("#replace-title", Static).update("")
            self.query_one("#replace-options", DataTable).clear(columns=True)
            self.query_one("#replace-detail", Static).update("Échap : retour au tableau du jour.")
            return
        options = self.query_one("#replace-options", DataTable)
        options.focus()
        self._rank_current()

    @on(DataTable.RowHighlighted, "#replace-needs")
    def _need_moved(self, event: DataTable.RowHighlighted) -> None:
        self._rank_current()

    def _current_need(self) -> Need | None:
        table = self.query_one("#replace-needs", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.needs.get(key or "")

    def _rank_current(self) -> None:
        need = self._current_need()
        if need is None or need.assignment_id is None:
            return
        self.query_one("#replace-need", Static).update(need_text(need))
        self.query_one("#replace-title", Static).update("Classement des remplaçants…")
        self.rank(need.assignment_id)

    # --- Ranking --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="replace-rank")
    def rank(self, assignment_id: int) -> None:
        try:
            with worker_connection():
                ranking = replacements.rank_replacements(assignment_id)
        except ServiceError as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show_ranking, ranking)

    def _show_ranking(self, ranking: Ranking) -> None:
        current = self._current_need()
        if current is None or current.assignment_id != ranking.need.assignment_id:
            return  # the user moved on meanwhile
        self.ranking = ranking
        self.refresh_bindings()  # Entrée and e work once there is a ranking
        self._fill_options()

    def watch_show_excluded(self) -> None:
        if self.ranking is not None:
            self._fill_options()

    def _fill_options(self) -> None:
        ranking = self.ranking
        if ranking is None:
            return
        table = self.query_one("#replace-options", DataTable)
        table.clear(columns=True)
        if self.show_excluded:
            rows = ranking.excluded
            table.add_columns("Nom", "Établissement", "Motif du refus")
            for option in rows:
                table.add_row(
                    option.name[:18],
                    short_place(option.etablissement)[:16],
                    option.short_reasons[:40],
                    key=str(option.examiner_id),
                )
            title = (
                f"{plural(ranking.refused, 'refusé')} de la discipline, motif en bas · e : retour"
            )
        else:
            rows = ranking.options
            table.add_columns("#", "Nom", "Corps", "Établissement", "Dist.", "Charge")
            for rank, option in enumerate(rows, start=1):
                table.add_row(
                    str(rank),
                    option.name[:20],
                    corps_short(option.corps, option.civility),
                    short_place(option.etablissement)[:20],
                    option.distance_label,
                    load_cell(option, ranking.need.kind),
                    key=str(option.examiner_id),
                )
            shown = f"{len(rows)}/{thousands(ranking.eligible_total)}"
            if ranking.eligible_total == len(rows):
                shown = str(len(rows))
            title = (  # fits 80 columns with national figures (the list is by distance)
                f"Remplaçants {shown} · {thousands(ranking.refused)} refusés (e : voir) · "
                f"{thousands(ranking.examined)} examinés en {ranking.elapsed_ms:.0f} ms"
            )
        self.options = {str(o.examiner_id): o for o in rows}
        self.query_one("#replace-title", Static).update(title)
        if not rows:
            self.query_one("#replace-detail", Static).update(
                "Aucun examinateur ne convient : élargissez (autre jour, autre discipline) ou "
                "voyez les refusés (touche e)."
                if not self.show_excluded
                else "Aucun refusé dans la discipline."
            )
        else:
            self._show_option()

    @on(DataTable.RowHighlighted, "#replace-options")
    def _option_moved(self, event: DataTable.RowHighlighted) -> None:
        self._show_option()

    def _current_option(self) -> Option | None:
        table = self.query_one("#replace-options", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.options.get(key or "")

    def _show_option(self) -> None:
        option = self._current_option()
        self.query_one("#replace-detail", Static).update(option_text(option) if option else "")

    # --- Keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("assign", "toggle_excluded"):
            return self.ranking is not None and not self.busy
        return super().check_action(action, parameters)

    def action_toggle_excluded(self) -> None:
        self.show_excluded = not self.show_excluded

    def action_reload(self) -> None:
        self.load_needs()

    def action_assign(self) -> None:
        """Entrée: on the needs table, go down to the replacements; there, assign."""
        if self.focused is self.query_one("#replace-needs", DataTable):
            self.query_one("#replace-options", DataTable).focus()
            return
        need = self._current_need()
        option = self._current_option()
        if need is None or option is None or need.assignment_id is None:
            return
        if option.reasons:  # the refused list: said, never asked
            self.query_one("#replace-detail", Static).update(refusal_text(option.reasons))
            return
        assignment_id = need.assignment_id
        self.busy = True  # no second Entrée while the question is asked
        self.refresh_bindings()

        def answered(ok: bool | None) -> None:
            if not ok:
                self.busy = False
                if self.is_attached:
                    self.refresh_bindings()
                    self.query_one("#replace-detail", Static).update(
                        f"Remplacement par {option.name} annulé : rien n'est écrit."
                    )
                return
            self.query_one("#replace-detail", Static).update(
                f"Affectation de {option.name} et édition de sa convocation…"
            )
            self.assign(assignment_id, option.examiner_id, need.version)

        self.app.push_screen(
            ConfirmModal(confirmation_text(need, option), title="Remplacement", yes="Affecter"),
            answered,
        )

    @on(DataTable.RowSelected, "#replace-options")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_assign()

    @work(thread=True, exclusive=True, exit_on_error=False, group="replace-assign")
    def assign(self, assignment_id: int, examiner_id: int, version: int) -> None:
        app = self.app  # kept: the user may leave (Échap) before the write ends
        try:
            with worker_connection():
                result = replacements.assign_replacement(
                    assignment_id, examiner_id, expected_version=version, confirmed=True
                )
        except AssignmentRefused as exc:
            app.call_from_thread(self._refused, refusal_text(exc.reasons))
            return
        except ConflictError as exc:
            app.call_from_thread(self._conflict, str(exc))
            return
        except Exception as exc:  # any other error: said, never a crash
            app.call_from_thread(self._refused, refusal_text([error_text(exc)]))
            return
        app.call_from_thread(self._assigned, result)

    def _refused(self, message: str) -> None:
        self.busy = False
        self.fail(message, title="Remplacement")
        if self.is_attached:
            self.refresh_bindings()
            self.query_one("#replace-detail", Static).update(message)

    def _conflict(self, message: str) -> None:
        self.busy = False
        self.warn(message, title="Déjà traité")
        if self.is_attached:
            self.refresh_bindings()
            self.load_needs()

    def _assigned(self, result: ReplacementResult) -> None:
        self.busy = False
        self.ranking = None
        if result.document_error:
            self.warn(result.render(), title="Remplacement fait, convocation à rééditer")
        else:
            self.say(result.render(), title="Remplacement fait")
        if self.is_attached:
            self.refresh_bindings()
            self.load_needs()
        else:  # left meanwhile: the screen shown now may list the need as still open
            self.app.screen.post_message(self.Replaced(result))
