"""A jury's deliberation (F7, Entrée on a jury): its candidates, then one candidate's file.

:class:`JuryScreen` lists the jury's candidates (names shown: anonymity is lifted), sorted by
average, name or number, with the points manquants to the next threshold; those within a few
points stand out. ``c`` closes the deliberation (first group, then second), ``o`` reopens it
(the président's reason). :class:`CandidateScreen` shows every épreuve, the result and the jury's
aids; the simulation line recomputes at each key, nothing saved; ``j`` gives jury points, ``x``
takes them back, ``g`` records the second-group choice. Every read and write runs in a worker
through :mod:`baktui.services.jury_deliberation`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from baktui.screens.base import BaktuiScreen
from baktui.services import jury_deliberation as jd
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal, TextDialog
from baktui.widgets.feedback import error_text, worker_connection

SORT_WORDS = {"average": "moyenne", "name": "nom", "number": "numéro"}


class JuryScreen(BaktuiScreen):
    """One jury's candidates, their averages, decisions and points manquants."""

    SUB_TITLE = "Délibération du jury"
    # « c o p o » typed at once: publishing waits for the closing and the page read after it
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"jury-page", "jury-write"})
    HELP = """\
Les candidats du jury (les noms sont levés à la délibération), 100 par page (**+** / **-**).
Tri : **m** moyenne (la plus haute d'abord), **n** nom, **u** numéro. La colonne *Il manque*
donne les points du total (notes × coefficients, comme les points de jury) qui manquent pour la
moyenne du seuil suivant : « 91,2 pour 18 » (10 pour être admis, 8 pour le second groupe, ou la
mention suivante) ; les candidats à quelques points d'un seuil sont en surbrillance.

**Entrée** ouvre le candidat : détail des notes, simulation, points de jury, second groupe.
**d** délibère de nouveau les candidats du jury (après des points de jury ou les notes du second
groupe). **c** clôt la délibération (premier groupe, puis second groupe) : plus aucune note,
point de jury ni import ne peut changer ses candidats. **o** la rouvre (le président, motif
obligatoire). **v** procès-verbal (PDF) du premier ou du second groupe. **p** publie les
résultats du jury (après la clôture ; listes des admis par centre, PDF et CSV).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="jury.back"),
        Binding("m", "sort('average')", "Moyenne", id="jury.sort_average"),
        Binding("o", "reopen", "Rouvrir", id="jury.reopen"),
        Binding("u", "sort('number')", "Numéro", show=False, id="jury.sort_number"),
        Binding("n", "sort('name')", "Nom", show=False, id="jury.sort_name"),
        Binding("c", "close", "Clore", id="jury.close"),
        Binding("d", "deliberate", "Délibérer", id="jury.deliberate"),
        Binding("v", "pv", "PV", id="jury.pv"),
        Binding("p", "publish", "Publier", show=False, id="jury.publish"),
        Binding("plus", "page(1)", "Page +", show=False, id="jury.next_page", key_display="+"),
        Binding("minus", "page(-1)", "Page -", show=False, id="jury.prev_page", key_display="-"),
    ]
    DEFAULT_CSS = """
    JuryScreen #jury-title { height: 1; margin: 0 1; text-style: bold; }
    JuryScreen #jury-table { height: 1fr; margin: 0 1; }
    JuryScreen #jury-info { height: 1; margin: 0 1; color: $text-muted; }
    """

    def __init__(self, session_id: int, jury_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.jury_id = jury_id
        self.sort = "average"
        self.page_offset = 0
        self.page: jd.JuryPage | None = None

    def compose_content(self) -> ComposeResult:
        yield Static("Lecture du jury…", id="jury-title", markup=False)
        table: DataTable[str] = DataTable(id="jury-table", cursor_type="row", zebra_stripes=True)
        # 80 columns: the name takes what is left (13); « il manque 186,8 pour 18 »
        for header, width in (("Numéro", 9), ("Nom", 16), ("Série", 5), ("Moy.", 5),
                              ("Décision", 10), ("Ment.", 7), ("Il manque", 13)):  # fmt: skip
            table.add_column(header, width=width, key=header)
        yield table
        yield Static("", id="jury-info", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#jury-table", DataTable)
        table.stretch("Nom", 12)  # the names take what the other columns leave
        table.focus()
        self.reload()

    def reload(self) -> None:
        self.load(self.sort, self.page_offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="jury-page")
    def load(self, sort: str, offset: int) -> None:
        try:
            with worker_connection():
                page = jd.jury_page(self.session_id, self.jury_id, sort, offset)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show, page)

    def _show(self, page: jd.JuryPage) -> None:
        self.page = page
        j = page.jury
        self.query_one("#jury-title", Static).update(
            f"Jury n° {j.number} · {j.series} · {j.centre} · {j.state}"
        )
        table = self.query_one("#jury-table", DataTable)
        row = table.cursor_row
        table.clear()
        for line in page.lines:
            style = "bold yellow" if line.near else ""
            table.add_row(line.number, Text(line.name, overflow="ellipsis"), line.series, line.average, line.decision,
                          line.mention, Text(line.gap, style=style), key=str(line.candidate_id))  # fmt: skip
        if page.lines:
            table.move_cursor(row=min(row, len(page.lines) - 1))
        last = page.offset + len(page.lines)
        self.query_one("#jury-info", Static).update(
            f"{page.offset + 1 if page.lines else 0}–{last} sur {page.total} · tri : "
            f"{SORT_WORDS[page.sort]} · Il manque : points du total · Entrée : fiche"
        )

    def action_sort(self, sort: str) -> None:
        self.sort, self.page_offset = sort, 0
        self.reload()

    def action_page(self, step: int) -> None:
        page = self.page
        offset = self.page_offset + step * jd.PAGE_SIZE
        if page is not None and 0 <= offset < page.total:
            self.page_offset = offset
            self.reload()

    @on(DataTable.RowSelected, "#jury-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        page = self.page
        if page is not None and 0 <= event.cursor_row < len(page.lines):
            line = page.lines[event.cursor_row]
            self.app.push_screen(CandidateScreen(self.session_id, line.candidate_id),
                                 lambda _: self.reload())  # fmt: skip

    def action_close(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._write(lambda: jd.close_jury(self.session_id, self.jury_id))

        self.app.push_screen(ConfirmModal("Clore la délibération de ce jury ? Ses candidats "
                                          "seront verrouillés.", yes="Clore"), answered)  # fmt: skip

    def action_reopen(self) -> None:
        def typed(reason: str | None) -> None:
            if reason:
                self._write(lambda: jd.reopen_jury(self.session_id, self.jury_id, reason))

        self.app.push_screen(TextDialog("Rouvrir la délibération", "Motif du président :"), typed)

    def action_deliberate(self) -> None:
        self.say("Délibération du jury en cours…")
        self._write(lambda: jd.deliberate_jury(self.session_id, self.jury_id))

    def action_pv(self) -> None:
        page = self.page
        if page is None:
            return
        number = page.jury.number

        def chosen(key: str | None) -> None:
            if key:
                self._write(lambda: _pv_text(self.session_id, number, int(key)))

        self.app.push_screen(ChoiceModal("Procès-verbal", [("1", "PV du premier groupe"),
                                                           ("2", "PV du second groupe")]), chosen)  # fmt: skip

    def action_publish(self) -> None:
        page = self.page
        if page is None:
            return
        number, final = page.jury.number, page.jury.closed_group >= 2
        what = "les résultats définitifs" if final else "les résultats du premier groupe"

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(lambda: _publish_text(self.session_id, number, final))

        self.app.push_screen(ConfirmModal(f"Publier {what} du jury n° {number} ? Après "
                                          "publication, une correction est une rectification.",
                                          yes="Publier"), answered)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="jury-write")
    def _write(self, what: Callable[[], str]) -> None:
        try:
            with worker_connection():
                message = what()
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self.say, message)
        self.app.call_from_thread(self.reload)


def _pv_text(session_id: int, number: int, group: int) -> str:
    from baktui.services.pv import issue_pv

    issued = issue_pv(session_id, number, group)
    return f"Procès-verbal du jury n° {number} écrit : {issued.path}"


def _publish_text(session_id: int, number: int, final: bool) -> str:
    from baktui.services.publication import publish

    return publish(session_id, number, final).render()


def _rectified(session_id: int, candidate_id: int, code: str, group: int, grade: str,
               reason: str) -> jd.CandidateDeliberation:  # fmt: skip
    from baktui.services.rectification import rectify_grade

    rectify_grade(session_id, candidate_id, code, group, grade, reason)
    return jd.candidate_deliberation(session_id, candidate_id)


class CandidateScreen(BaktuiScreen):
    """One candidate at deliberation: every épreuve, the result, the aids, the simulation."""

    SUB_TITLE = "Délibération du candidat"
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"candidate-delib", "candidate-write"})
    HELP = """\
Chaque épreuve : coefficient, note saisie, note comptée (points de jury et second groupe
appliqués), note conservée et sa session, épreuve neutralisée. En dessous : moyenne (tronquée à
deux décimales), décision, mention et les aides du jury (points manquants, note minimale au
second groupe).

**s** simulation : tapez « PHI 12, SP1 14 » — la moyenne et la décision changent à chaque
touche, rien n'est enregistré. **j** points de jury : « PHI 12 motif » relève la note de PHI à 12
(jamais au-dessus de 20, motif obligatoire, inscrit au journal). **x** annule les points de jury
de l'épreuve surlignée (motif). **g** choix du second groupe : « PHI SP1 » (deux matières au plus).
**t** note du second groupe : « PHI 12 » ; le candidat est délibéré de nouveau aussitôt.
**r** rectification, après publication : « PHI 12 motif » (premier groupe ; « 2 PHI 12 motif »
pour le second), motif obligatoire ; le PV du jury s'imprime alors « rectificatif ».
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="candidate_delib.back"),
        # priority: the line to type takes the keys that follow at once (a burst lands in it)
        Binding("s", "simulate", "Simulation", id="candidate_delib.simulate", priority=True),
        Binding("j", "points", "Points de jury", id="candidate_delib.points"),
        Binding("x", "undo_points", "Annuler points", id="candidate_delib.undo"),
        Binding("g", "second_group", "2nd groupe", id="candidate_delib.second_group"),
        Binding("t", "second_grade", "Note 2nd gr.", show=False, id="candidate_delib.second_grade"),
        Binding("r", "rectify", "Rectifier", show=False, id="candidate_delib.rectify"),
    ]
    DEFAULT_CSS = """
    CandidateScreen #cand-title { height: 1; margin: 0 1; text-style: bold; }
    CandidateScreen #cand-lines { height: 1fr; margin: 0 1; }
    CandidateScreen #cand-result { height: auto; max-height: 5; margin: 0 1; }
    CandidateScreen #cand-whatif { margin: 0 1; display: none; }
    CandidateScreen #cand-whatif-result { height: 1; margin: 0 1; color: $accent; }
    """

    def __init__(self, session_id: int, candidate_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.candidate_id = candidate_id
        self.detail: jd.CandidateDeliberation | None = None

    def compose_content(self) -> ComposeResult:
        yield Static("Lecture du candidat…", id="cand-title", markup=False)
        table: DataTable[str] = DataTable(id="cand-lines", cursor_type="row")
        for header, width in (("Épr.", 5), ("Libellé", 24), ("Coef", 4), ("Note", 5),
                              ("Comptée", 7), ("Remarque", 22)):  # fmt: skip
            table.add_column(header, width=width, key=header)
        yield table
        yield Static("", id="cand-result", markup=False)
        yield Input(placeholder="Simulation : PHI 12, SP1 14 (rien n'est enregistré)",
                    id="cand-whatif", compact=True)  # fmt: skip
        yield Static("", id="cand-whatif-result", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#cand-lines", DataTable)
        table.stretch("Libellé", 18, ("Remarque", 16))  # what the other columns leave
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="candidate-delib")
    def load(self) -> None:
        try:
            with worker_connection():
                detail = jd.candidate_deliberation(self.session_id, self.candidate_id)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show, detail)

    def _show(self, detail: jd.CandidateDeliberation) -> None:
        self.detail = detail
        lock = f" · verrouillé ({detail.locked})" if detail.locked else ""
        self.query_one("#cand-title", Static).update(
            f"{detail.number} {detail.name} · {detail.series}{lock}"
        )
        table = self.query_one("#cand-lines", DataTable)
        row = table.cursor_row
        table.clear()
        for line in detail.lines:
            table.add_row(line.code, Text(line.label, overflow="ellipsis"), line.coef, line.grade,
                          line.counted, Text(line.note, overflow="ellipsis"),
                          key=line.key)  # fmt: skip
        if detail.lines:
            table.move_cursor(row=min(row, len(detail.lines) - 1))
        head = f"Moyenne {detail.average} · {detail.decision}"
        if detail.mention:
            head += f" · {detail.mention}"
        if detail.second_group:
            head += f" · second groupe : {', '.join(detail.second_group)}"
        self.query_one("#cand-result", Static).update("\n".join([head, *detail.aids[:3]]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in (
            "simulate",
            "points",
            "undo_points",
            "second_group",
            "second_grade",
            "rectify",
        ):
            return not isinstance(self.focused, Input)  # typing in the simulation line
        return super().check_action(action, parameters)

    # --- simulation -----------------------------------------------------------------------------

    def action_simulate(self) -> None:
        box = self.query_one("#cand-whatif", Input)
        box.display = True
        self.set_focus(box)

    @on(Input.Changed, "#cand-whatif")
    def _typed(self, event: Input.Changed) -> None:
        changes: dict[str, str] = {}
        for part in event.value.split(","):
            words = part.split()
            if len(words) == 2:
                changes[words[0]] = words[1]
        if changes:
            self.simulate(changes)
        else:
            self.query_one("#cand-whatif-result", Static).update("")

    @on(Input.Submitted, "#cand-whatif")
    def _simulated(self) -> None:
        self.set_focus(self.query_one("#cand-lines", DataTable))

    @work(thread=True, exclusive=True, exit_on_error=False, group="candidate-whatif")
    def simulate(self, changes: dict[str, str]) -> None:
        try:
            with worker_connection():
                outcome = jd.what_if(self.session_id, self.candidate_id, changes)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        text = f"Simulation : moyenne {outcome.average} · {outcome.decision}"
        if outcome.mention:
            text += f" · {outcome.mention}"
        if outcome.errors:
            text += " · " + "; ".join(f"{c} : {m}" for c, m in outcome.errors.items())
        if not get_current_worker().is_cancelled:  # typed further: a newer simulation comes
            self.app.call_from_thread(self._simulated_text, text, worker=get_current_worker())

    def _simulated_text(self, text: str, worker: Worker[None]) -> None:
        if not worker.is_cancelled:  # « FRE 1 » never shown after « FRE 15 »
            self.query_one("#cand-whatif-result", Static).update(text)

    # --- writes ---------------------------------------------------------------------------------

    def action_points(self) -> None:
        def typed(text: str | None) -> None:
            words = (text or "").split(maxsplit=2)
            if len(words) < 3:
                if text:
                    self.fail("Tapez l'épreuve, la note relevée et le motif : « PHI 12 motif ».")
                return
            code, grade, reason = words
            self._write(lambda: jd.give_points(self.session_id, self.candidate_id, code, grade,
                                               reason), "Points de jury enregistrés.")  # fmt: skip

        self.app.push_screen(TextDialog("Points de jury", "Épreuve, note relevée et motif "
                                        "(ex. « PHI 12 harmonisation ») :"), typed)  # fmt: skip

    def action_undo_points(self) -> None:
        detail = self.detail
        row = self.query_one("#cand-lines", DataTable).cursor_row
        if detail is None or not 0 <= row < len(detail.lines):
            return
        line = detail.lines[row]
        if line.point_id is None:
            self.fail(f"{line.code} n'a pas de points de jury.")
            return
        point_id = line.point_id

        def typed(reason: str | None) -> None:
            if reason:
                self._write(lambda: jd.undo_points(self.session_id, self.candidate_id, point_id,
                                                   reason), "Points de jury annulés.")  # fmt: skip

        self.app.push_screen(TextDialog(f"Annuler les points de jury de {line.code}", "Motif :"),
                             typed)  # fmt: skip

    def action_second_group(self) -> None:
        def typed(text: str | None) -> None:
            if text:
                self._write(lambda: jd.set_second_group(self.session_id, self.candidate_id, text),
                            "Choix du second groupe enregistré.")  # fmt: skip

        self.app.push_screen(TextDialog("Choix du second groupe", "Une ou deux matières parmi FR, "
                                        "PHI, SP1, SP2 :"), typed)  # fmt: skip

    def action_second_grade(self) -> None:
        def typed(text: str | None) -> None:
            words = (text or "").split()
            if len(words) != 2:
                if text:
                    self.fail("Tapez la matière et la note : « PHI 12 ».")
                return
            self._write(lambda: jd.enter_second_group_grade(self.session_id, self.candidate_id,
                                                            words[0], words[1]),
                        "Note du second groupe enregistrée.")  # fmt: skip

        self.app.push_screen(TextDialog("Note du second groupe", "Matière et note (ex. « PHI 12 ») :"),
                             typed)  # fmt: skip

    def action_rectify(self) -> None:
        def typed(text: str | None) -> None:
            words = (text or "").split(maxsplit=3)
            group = 1
            if words and words[0] in ("1", "2"):
                group, words = int(words[0]), words[1:]
            else:
                words = (text or "").split(maxsplit=2)
            if len(words) < 3:
                if text:
                    self.fail("Tapez l'épreuve, la note et le motif : « PHI 12 motif ».")
                return
            code, grade, reason = words[0], words[1], " ".join(words[2:])
            self._write(lambda: _rectified(self.session_id, self.candidate_id, code, group,
                                           grade, reason), "Rectification enregistrée.")  # fmt: skip

        self.app.push_screen(TextDialog("Rectification (après publication)", "Épreuve, note et "
                                        "motif (ex. « PHI 12 erreur de report ») :"), typed)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="candidate-write")
    def _write(self, what: Callable[[], jd.CandidateDeliberation], said: str) -> None:
        try:
            with worker_connection():
                detail = what()
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self.say, said)
        self.app.call_from_thread(self._show, detail)
