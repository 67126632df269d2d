"""Convene an examiner for a mission: nature, day, hours, épreuve, centre, lot or jury.

``push_screen(ConveneForm(session_id, examiner_id, "MARTIN Anne", day), callback)``: the form
calls :func:`~baktui.services.convening.convene` in a thread worker when Entrée is pressed on a
field; a refusal (the rules' reasons, in French) stays in the form, nothing written, and the
callback receives the mission created, or None on Échap.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from textual import work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from baktui.rules.missions import KIND_LABELS, KINDS
from baktui.services.convening import CentreChoice, ConveneRequest, centre_choices, convene
from baktui.services.eligibility import AssignmentRefused
from baktui.services.examiners import AssignmentInfo
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.key_order import WaitsForWorkers

INPUTS = ("conv-day", "conv-start", "conv-end", "conv-epreuve", "conv-lot", "conv-jury")


class ConveneForm(WaitsForWorkers, ModalScreen[AssignmentInfo | None]):
    """The mission's fields; Entrée on any text field convenes, Échap cancels."""

    # the centres' list is read as the form opens; the keys after Entrée wait for the write
    # (refused: they go on in the form; written: to the screen under it)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"convene-centres", "convene-write"})

    HELP: ClassVar[str | None] = (
        "**Nature** de la mission (correction, oral, pratique, jury, surveillance), **date** "
        "JJ/MM/AAAA, heures de **début** et de **fin** (HH:MM), **épreuve** (PHI, GO…), "
        "**centre**, le **lot** d'une correction, le **jury** d'une mission de jury. **Tab** "
        "passe au champ suivant, **Entrée** convoque ; un refus dit pourquoi et rien n'est "
        "enregistré. **Échap** annule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="convene.cancel"),
        # priority: Tab and Entrée act before the next key of a burst is dispatched (the focus
        # moves at once, not after the keys that follow were already sent to the old field)
        Binding("tab", "app.focus_next", "Suivant", show=False, priority=True, id="convene.next"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Précédent",
            show=False,
            priority=True,
            id="convene.prev",
        ),
        Binding("enter", "submit", "Convoquer", show=False, priority=True, id="convene.submit"),
    ]
    DEFAULT_CSS = """
    ConveneForm .field-row { height: 1; }
    ConveneForm .field-row Label { width: 10; }
    ConveneForm .field-row Input { width: 1fr; }
    ConveneForm .field-row Select { width: 1fr; }
    ConveneForm #conv-error { color: $error; height: auto; }
    """

    def __init__(self, session_id: int, examiner_id: int, examiner: str, day: dt.date) -> None:
        super().__init__(classes="dialog-screen")
        self.session_id = session_id
        self.examiner_id = examiner_id
        self.examiner = examiner
        self.day = day
        self.dialog_title = "Convoquer"
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            yield Static(f"Examinateur : {self.examiner}", classes="dialog-text", markup=False)
            with Horizontal(classes="field-row"):
                yield Label("Nature")
                yield Select(
                    [(KIND_LABELS[k], k) for k in KINDS],
                    value="correction",
                    allow_blank=False,
                    id="conv-kind",
                    compact=True,
                )
            yield self._row("Date", "conv-day", self.day.strftime("%d/%m/%Y"), r"[0-9/\-]*", 10)
            yield self._row("Début", "conv-start", "08:00", r"[0-9:hH]*", 5)
            yield self._row("Fin", "conv-end", "12:00", r"[0-9:hH]*", 5)
            yield self._row("Épreuve", "conv-epreuve", "", r"[A-Za-z0-9]*", 8)
            with Horizontal(classes="field-row"):
                yield Label("Centre")
                yield Select[int]([], prompt="(aucun)", id="conv-centre", compact=True)
            yield self._row("Lot n°", "conv-lot", "", r"[0-9]*", 6)
            yield self._row("Jury n°", "conv-jury", "", r"[0-9]*", 4)
            yield Static("", id="conv-error", markup=False)
            yield Static("Entrée : convoquer · Tab : champ suivant · Échap : annuler")

    @staticmethod
    def _row(label: str, field_id: str, value: str, restrict: str, length: int) -> Horizontal:
        return Horizontal(
            Label(label),
            Input(value=value, id=field_id, max_length=length, restrict=restrict, compact=True),
            classes="field-row",
        )

    def on_mount(self) -> None:
        self.query_one("#conv-day", Input).focus()
        self.load_centres()

    @work(thread=True, exclusive=True, exit_on_error=False, group="convene-centres")
    def load_centres(self) -> None:
        try:
            with worker_connection():
                choices = centre_choices(self.session_id)
        except Exception as exc:  # shown in the form, never a crash
            self.app.call_from_thread(self._error, error_text(exc))
            return
        self.app.call_from_thread(self._show_centres, choices)

    def _show_centres(self, choices: list[CentreChoice]) -> None:
        self.query_one("#conv-centre", Select).set_options((c.label, c.id) for c in choices)

    def _error(self, message: str) -> None:
        self.query_one("#conv-error", Static).update(message)

    def request(self) -> ConveneRequest:
        def text(field_id: str) -> str:
            return self.query_one(f"#{field_id}", Input).value

        centre = self.query_one("#conv-centre", Select).value
        return ConveneRequest(
            kind=str(self.query_one("#conv-kind", Select).value),
            day=text("conv-day"),
            start_time=text("conv-start"),
            end_time=text("conv-end"),
            epreuve_code=text("conv-epreuve"),
            centre_id=centre if isinstance(centre, int) else None,
            lot=text("conv-lot"),
            jury=text("conv-jury"),
        )

    def action_submit(self) -> None:
        if not isinstance(self.focused, Input):
            raise SkipAction()  # a list: Entrée opens it or chooses in it
        if self.busy:
            return
        self.busy = True
        # read the fields once each has taken the keys typed before Entrée (a burst)
        fields = list(self.query(Input))
        left = [len(fields)]

        def taken() -> None:
            left[0] -= 1
            if not left[0]:
                self._error("Vérification des règles…")
                self.write(self.request())

        for field in fields:
            field.call_later(taken)

    @work(thread=True, exclusive=True, exit_on_error=False, group="convene-write")
    def write(self, request: ConveneRequest) -> None:
        try:
            with worker_connection():
                created = convene(self.session_id, self.examiner_id, request)
        except AssignmentRefused as exc:  # every reason, one a line
            reasons = "\n".join(f"• {r}" for r in exc.reasons)
            self.app.call_from_thread(self._refused, f"Convocation refusée :\n{reasons}")
            return
        except Exception as exc:  # the rules' refusal (or a bad field) stays in the form
            self.app.call_from_thread(self._refused, error_text(exc))
            return
        self.app.call_from_thread(self.dismiss, created)

    def _refused(self, message: str) -> None:
        self.busy = False
        self._error(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
