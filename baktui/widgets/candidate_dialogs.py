"""The candidate card's contact dialog: address, postcode, city, e-mail and phone.

``ContactDialog`` checks each field as the cursor leaves it (the same messages as the
registration form's, :func:`~baktui.rules.registration_form.contact_errors`) and, on Ctrl+S with
valid values, dismisses them at once: the card saves them in its worker with the version the
dialog was opened from. So the keys typed right after Ctrl+S go to the card, as they would after
an instantaneous save, and a change made meanwhile by a colleague is refused by the save, with
his name and the time, without overwriting it. It dismisses None when abandoned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from baktui.rules.candidate import CONTACT_FIELDS
from baktui.rules.registration_form import contact_errors
from baktui.services.candidate_card import CandidateCard
from baktui.widgets.footer import FittedFooter

CONTACT_LABELS = {
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Commune",
    "email": "Courriel",
    "phone": "Téléphone",
}


class ContactDialog(ModalScreen["dict[str, str] | None"]):
    """Edit address, postcode, city, e-mail and phone; Ctrl+S (or Entrée on the last) saves."""

    HELP: ClassVar[str | None] = (
        "**Tab** passe au champ suivant ; chaque champ est vérifié quand on le quitte. "
        "**Ctrl+S** (ou **Entrée** sur le dernier champ) enregistre, **Échap** abandonne. "
        "Le changement est inscrit dans l'historique du candidat, à votre nom."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", id="contact.save"),
        Binding("escape", "cancel", "Abandonner", id="contact.cancel"),
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

    def __init__(
        self, card: CandidateCard, *, values: Mapping[str, str] | None = None, message: str = ""
    ) -> None:
        """``values``: what to show instead of the card's (a refused save's), with ``message``."""
        super().__init__(classes="dialog-screen")
        profile = card.profile
        self.dialog_title = f"Coordonnées — {profile.display_name} (n° {profile.number})"
        self.initial = (
            dict(values)
            if values is not None
            else {
                "address": profile.address,
                "postcode": profile.postcode,
                "city": profile.city,
                "email": profile.email,
                "phone": profile.phone_display,
            }
        )
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content(self.dialog_title)  # text, never markup
            for name in CONTACT_FIELDS:
                with Horizontal(classes="contact-row"):
                    yield Label(CONTACT_LABELS[name])
                    yield Input(self.initial.get(name, ""), id=f"contact-{name}", compact=True)
                yield Static("", id=f"contact-error-{name}", classes="contact-error", markup=False)
            yield Static(self.message, id="contact-message", markup=False)
        yield FittedFooter(compact=True, show_command_palette=False)

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
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)
