"""Small dialogs of the candidate card: contact details, and a line of text (académie, reason).

``ContactDialog`` checks each field as the cursor leaves it and saves in a thread worker with the
version of the card it was opened from: a change made meanwhile by a colleague is refused with
his name and the time, and nothing is overwritten. It dismisses the new card, or None.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from baktui.errors import ConflictError
from baktui.services.candidates import (
    CONTACT_FIELDS,
    CandidateCard,
    ValidationError,
    contact_errors,
    field_label,
    update_contact,
)
from baktui.widgets.feedback import ERROR_TIMEOUT, NOTIFY_TIMEOUT, error_text, worker_connection

CONTACT_LABELS = {
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Commune",
    "email": "Courriel",
    "phone": "Téléphone",
}


class ContactDialog(ModalScreen["CandidateCard | None"]):
    """Edit address, postcode, city, e-mail and phone; Ctrl+S (or Entrée on the last) saves."""

    HELP: ClassVar[str | None] = (
        "**Tab** passe au champ suivant ; chaque champ est vérifié quand on le quitte. "
        "**Ctrl+S** (ou **Entrée** sur le dernier champ) enregistre, **Échap** abandonne. "
        "Le changement est inscrit dans l'historique du candidat, à votre nom."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", id="contact-save"),
        Binding("escape", "cancel", "Abandonner", id="contact-cancel"),
    ]
    DEFAULT_CSS = """
    ContactDialog .dialog { width: 76; }
    ContactDialog .contact-row { height: auto; }
    ContactDialog .contact-row Label { width: 13; }
    ContactDialog .contact-row Input { width: 1fr; }
    ContactDialog .contact-error { color: $error; height: auto; padding-left: 13; display: none; }
    ContactDialog .contact-error.-shown { display: block; }
    ContactDialog #contact-message { color: $error; height: auto; }
    """

    def __init__(self, card: CandidateCard) -> None:
        super().__init__(classes="dialog-screen")
        self.card = card
        self.dialog_title = f"Coordonnées — {card.display_name} (n° {card.number})"
        self._saving = False

    def compose(self) -> ComposeResult:
        values = {
            "address": self.card.address,
            "postcode": self.card.postcode,
            "city": self.card.city,
            "email": self.card.email,
            "phone": self.card.phone_display,
        }
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = self.dialog_title
            for name in CONTACT_FIELDS:
                with Horizontal(classes="contact-row"):
                    yield Label(CONTACT_LABELS[name])
                    yield Input(values[name], id=f"contact-{name}", compact=True)
                yield Static("", id=f"contact-error-{name}", classes="contact-error", markup=False)
            yield Static("", id="contact-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(".dialog").styles.width = 76  # wider than the shared dialog
        self.query_one("#contact-phone", Input).focus()

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#contact-{name}", Input).value for name in CONTACT_FIELDS}

    def show_errors(self, errors: list[tuple[str, str]], only: str | None = None) -> None:
        messages = dict(errors)
        for name in CONTACT_FIELDS:
            if only is not None and name != only:
                continue
            static = self.query_one(f"#contact-error-{name}", Static)
            static.update(messages.get(name, ""))
            static.set_class(bool(messages.get(name)), "-shown")

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        name = (event.input.id or "").removeprefix("contact-")
        if name in CONTACT_FIELDS:
            self.show_errors(contact_errors(self.values()), only=name)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"contact-{CONTACT_FIELDS[-1]}":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        errors = contact_errors(self.values())
        self.show_errors(errors)
        if errors:
            self.query_one(f"#contact-{errors[0][0]}", Input).focus()
            return
        if not self._saving:
            self._saving = True
            self.save(self.values())

    @work(thread=True, exclusive=True, exit_on_error=False, group="contact-save")
    def save(self, values: dict[str, str]) -> None:
        try:
            with worker_connection():
                card = update_contact(self.card.id, values, expected_version=self.card.version)
        except ValidationError as exc:
            self.app.call_from_thread(self._refused, exc.errors, "")
        except ConflictError as exc:
            self.app.call_from_thread(self._conflict, str(exc))
        except Exception as exc:  # a French message, never a crash
            self.app.call_from_thread(self._refused, [], error_text(exc))
        else:
            self.app.call_from_thread(self._saved, card)

    def _refused(self, errors: list[tuple[str, str]], message: str) -> None:
        self._saving = False
        self.show_errors(errors)
        if errors:
            message = f"{field_label(errors[0][0]).capitalize()} : {errors[0][1]}"
        self.query_one("#contact-message", Static).update(message)

    def _conflict(self, message: str) -> None:
        self.app.notify(message, title="Refusé", severity="error", timeout=ERROR_TIMEOUT)
        self.dismiss(None)

    def _saved(self, card: CandidateCard) -> None:
        self.app.notify("Coordonnées enregistrées.", timeout=NOTIFY_TIMEOUT)
        self.dismiss(card)

    def action_cancel(self) -> None:
        self.dismiss(None)
