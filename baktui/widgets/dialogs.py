"""The small dialogs every screen uses: yes/no, pick one in a list, type one line, read a report.

Each is a ``ModalScreen[T]`` that always ends with ``dismiss(value)`` (Échap included), so the
caller's callback always runs: ``self.app.push_screen(ConfirmModal("Supprimer ?"), callback)`` or,
inside a worker, ``await self.app.push_screen_wait(...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from baktui.rules.text import text_error
from baktui.widgets.footer import FittedFooter


class ConfirmModal(ModalScreen[bool]):
    """Ask a yes/no question; dismisses True (O, or Entrée on « Oui ») or False (N, Échap).

    Usage: ``self.app.push_screen(ConfirmModal("Supprimer ?"), callback)`` or, inside a worker,
    ``await self.app.push_screen_wait(ConfirmModal(...))``.
    """

    HELP: ClassVar[str | None] = (
        "Répondez **O** (oui) ou **N** (non). **Échap** annule, **Entrée** valide le bouton "
        "sélectionné, **Tab** passe d'un bouton à l'autre."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o,y", "answer(True)", "Oui", id="confirm.yes"),
        Binding("n", "answer(False)", "Non", id="confirm.no"),
        Binding("escape", "answer(False)", "Annuler", id="confirm.cancel"),
        Binding(
            "left,right",
            "app.focus_next",
            "Changer de bouton",
            show=False,
            id="confirm.switch_button",
        ),
    ]

    def __init__(
        self,
        question: str,
        *,
        title: str = "Confirmation",
        yes: str = "Oui",
        no: str = "Non",
        default: bool = False,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.dialog_title = title
        self.yes_label = yes
        self.no_label = no
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            yield Static(self.question, classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (O)", id="yes", variant="primary", compact=True)
                yield Button(f"{self.no_label} (N)", id="no", compact=True)
        yield FittedFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#yes" if self.default else "#no").focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one value in a short list (arrows + Entrée); dismisses its key, or None on Échap."""

    HELP: ClassVar[str | None] = (
        "Choisissez avec **↑** / **↓** puis **Entrée**. **Échap** annule sans rien changer."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="choice.cancel"),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        *,
        current: str | None = None,
        prompt: str = "",
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.dialog_title = title
        self.choices = list(choices)
        self.current = current
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            if self.prompt:
                yield Static(self.prompt, classes="dialog-text", markup=False)
            yield OptionList(
                *(
                    Option(label + ("  (actuelle)" if key == self.current else ""), id=key)
                    for key, label in self.choices
                ),
                compact=True,
                markup=False,
            )
        yield FittedFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [key for key, _ in self.choices]
        if self.current in keys:
            options.highlighted = keys.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextDialog(ModalScreen[str | None]):
    """Ask for one line of text (académie of a transfer, a reason); None on Échap."""

    HELP: ClassVar[str | None] = "Tapez le texte puis **Entrée**. **Échap** annule."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="text.cancel"),
    ]

    def __init__(
        self, title: str, prompt: str, *, value: str = "", allow_empty: bool = False
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.dialog_title = title
        self.prompt = prompt
        self.value = value
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            yield Static(self.prompt, classes="dialog-text", markup=False)
            yield Input(self.value, id="text-value", compact=True)
            yield Static("", id="text-error", markup=False)
        yield FittedFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#text-value", Input).focus()

    @on(Input.Submitted, "#text-value")
    def _submitted(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        error = self.query_one("#text-error", Static)
        if not text and not self.allow_empty:
            error.update("Champ obligatoire (Échap pour annuler).")
            return
        if message := text_error(text):
            error.update(message[0].upper() + message[1:] + ".")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportModal(ModalScreen[None]):
    """A long text to read (an import report); Échap or Entrée closes it."""

    HELP: ClassVar[str | None] = "Lisez le compte rendu ; **Échap** ou **Entrée** le ferme."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Fermer", id="report.close"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(classes="dialog-screen")
        self.dialog_title = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            with VerticalScroll(id="report-scroll", can_focus=True):
                yield Static(self.text, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
