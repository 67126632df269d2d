"""Declare an examiner absent: the day and the reason, in a small modal.

``push_screen(AbsenceForm("MARTIN Anne", default_day), callback)``: the callback receives
``(day, reason)`` or None on Échap. Bad input is refused in the dialog with a French message.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from baktui.rules.examiners import check_absence

REASONS_HINT = "maladie, accident de trajet, enfant malade, convocation à un autre examen…"


class AbsenceForm(ModalScreen[tuple[dt.date, str] | None]):
    """Day (JJ/MM/AAAA) and reason; Entrée on the reason validates."""

    HELP: ClassVar[str | None] = (
        "Date de l'absence au format **JJ/MM/AAAA**, puis le **motif** (obligatoire). "
        "**Entrée** passe au champ suivant puis valide ; **Échap** annule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="absence.cancel"),
    ]
    DEFAULT_CSS = """
    AbsenceForm .dialog { width: 70; }
    AbsenceForm .field-row { height: 1; margin-bottom: 1; }
    AbsenceForm .field-row Label { width: 10; }
    AbsenceForm .field-row Input { width: 1fr; }
    AbsenceForm #absence-error { color: $error; height: auto; }
    """

    def __init__(self, examiner: str, day: dt.date) -> None:
        super().__init__(classes="dialog-screen")
        self.examiner = examiner
        self.day = day
        self.dialog_title = "Déclarer une absence"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            yield Static(f"Examinateur : {self.examiner}", classes="dialog-text", markup=False)
            with Horizontal(classes="field-row"):
                yield Label("Date")
                yield Input(
                    value=self.day.strftime("%d/%m/%Y"),
                    id="absence-day",
                    max_length=10,
                    restrict=r"[0-9/\-]*",
                    compact=True,
                )
            with Horizontal(classes="field-row"):
                yield Label("Motif")
                yield Input(
                    placeholder=REASONS_HINT, id="absence-reason", max_length=120, compact=True
                )
            yield Static("", id="absence-error", markup=False)
            yield Static("Entrée : enregistrer · Échap : annuler", classes="dialog-text")

    def on_mount(self) -> None:
        self.query_one("#absence-reason", Input).focus()

    @on(Input.Submitted, "#absence-day")
    def _day_done(self) -> None:
        self.query_one("#absence-reason", Input).focus()

    @on(Input.Submitted, "#absence-reason")
    def _submit(self) -> None:
        checked = check_absence(
            self.query_one("#absence-day", Input).value,
            self.query_one("#absence-reason", Input).value,
        )
        if isinstance(checked, str):
            self.query_one("#absence-error", Static).update(checked)
            return
        self.dismiss(checked)

    def action_cancel(self) -> None:
        self.dismiss(None)
