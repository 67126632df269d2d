"""Dialogs of F6 that key a claim: a new claim from the convocations, a line added to a claim.

Both are ``ModalScreen[T]`` ending with ``dismiss`` (Escape: ``None``) and do no I/O: the typed
values are checked with the pure parsers of :mod:`baktui.rules.claim_entry` before closing, so a
wrong value is shown under the form, naming the field, and nothing is sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from baktui.rules.claim_entry import (
    DEFAULTS,
    ENTRY_FIELDS,
    KIND_CHOICES,
    ORIGIN_CHOICES,
    FieldError,
    field_label,
    parse_day,
    parse_days,
    parse_line_entry,
    parse_meals,
)
from baktui.rules.claim_views import ClaimRow
from baktui.rules.expenses import euros_text

FORM_CSS = """
.dialog-error { color: $error; height: auto; }
.dialog-keys { color: $text-muted; height: 1; margin-bottom: 1; }
.claim-form-what { margin: 1 0; }
.claim-field { height: 1; margin-bottom: 1; }
.claim-field-label { width: 22; }
.claim-field Input { width: 1fr; }
.claim-field Select { width: 1fr; }
"""
LINE_KEYS = ("km", "fiscal_hp", "quantity", "declared", "receipt", "note")
HINTS = {
    "km": "aller-retour, entier",
    "fiscal_hp": "vide : celle de l'examinateur",
    "quantity": "ex. 1 (heures : 2,5)",
    "declared": "euros, ex. 18,60",
    "receipt": "o / n",
    "note": "facultatif",
}
KEYS_TEXT = "Entrée : enregistrer · Tab : champ suivant · Échap : annuler"


@dataclass(frozen=True)
class NewClaim:
    """What the new-claim dialog returns (checked)."""

    examiner: str
    origin: str
    meals_per_day: int
    nights: tuple[dt.date, ...]


@dataclass(frozen=True)
class NewLine:
    """What the new-line dialog returns: the day, the nature and the model values."""

    day: dt.date
    kind: str
    values: dict[str, object] = field(default_factory=dict)


def _row(label: str, widget: Input | Select[str], row_id: str = "") -> Horizontal:
    return Horizontal(
        Label(label, classes="claim-field-label"), widget, classes="claim-field", id=row_id or None
    )


class NewClaimModal(ModalScreen[NewClaim | None]):
    """Declare a claim for an examiner's convocations not yet claimed."""

    DEFAULT_CSS = FORM_CSS
    HELP: ClassVar[str | None] = (
        "Déclare la demande d'un examinateur pour ses **convocations pas encore couvertes** par "
        "une demande : un aller-retour en voiture par jour de mission (si son véhicule est "
        "autorisé), les repas, les nuitées des dates indiquées, les copies et les heures d'oral.\n\n"
        "**Examinateur** : son identifiant (EX0001) ou le début de son nom. **Origine** : "
        "résidence administrative ou familiale. **Nuits** : dates JJ/MM/AAAA séparées par des "
        "virgules. **Entrée** déclare, **Échap** annule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="new_claim.cancel"),
    ]

    def __init__(self, examiner: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.examiner = examiner

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog claim-form") as dialog:
            dialog.border_title = "Nouvelle demande"
            yield _row(
                "Examinateur",
                Input(self.examiner, placeholder="identifiant ou nom", id="claim-examiner",
                      compact=True),
            )  # fmt: skip
            yield _row(
                "Origine du trajet",
                Select[str](ORIGIN_CHOICES, value="administrative", allow_blank=False,
                            id="claim-origin", compact=True),
            )  # fmt: skip
            yield _row("Repas par jour", Input("1", placeholder="0, 1 ou 2", id="claim-meals",
                                               compact=True))  # fmt: skip
            yield _row(
                "Nuits",
                Input(placeholder="JJ/MM/AAAA, JJ/MM/AAAA", id="claim-nights", compact=True),
            )
            yield Static("", id="claim-error", classes="dialog-error", markup=False)
            yield Static(KEYS_TEXT, classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#claim-examiner", Input).focus()

    def _error(self, message: str) -> None:
        self.query_one("#claim-error", Static).update(message)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        examiner = " ".join(self.query_one("#claim-examiner", Input).value.split())
        if not examiner:
            self._error("Examinateur : obligatoire (identifiant ou nom).")
            return
        origin = self.query_one("#claim-origin", Select).value
        try:
            meals = parse_meals(self.query_one("#claim-meals", Input).value)
            nights = parse_days(self.query_one("#claim-nights", Input).value)
        except FieldError as exc:
            self._error(str(exc))
            return
        self.dismiss(NewClaim(examiner, str(origin), meals, tuple(nights)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class NewLineModal(ModalScreen[NewLine | None]):
    """Add a line to an open claim: the day, the nature, then the fields that nature takes."""

    DEFAULT_CSS = FORM_CSS
    HELP: ClassVar[str | None] = (
        "Ajoute une ligne à la demande (une demande papier saisie par le bureau) : la **date** "
        "(JJ/MM/AAAA), la **nature**, puis ce qu'elle demande — km pour le véhicule, montant "
        "et justificatif pour un billet, un péage, un stationnement ou une nuitée (vide : le "
        "forfait), le nombre de repas, de nuits, de copies ou d'heures. **Entrée** ajoute (les "
        "montants sont recalculés), **Échap** annule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="new_line.cancel"),
    ]

    def __init__(self, claim: ClaimRow, day: dt.date | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.claim = claim
        self.day = day

    def compose(self) -> ComposeResult:
        claim = self.claim
        with Vertical(classes="dialog claim-form") as dialog:
            dialog.border_title = Content(f"Ajouter une ligne : demande n° {claim.id}")
            yield Static(
                f"{claim.examiner_name} ({euros_text(claim.total_centi)})",
                classes="claim-form-what",
                markup=False,
            )
            day = f"{self.day:%d/%m/%Y}" if self.day else ""
            yield _row("Date", Input(day, placeholder="JJ/MM/AAAA", id="line-day", compact=True))
            yield _row(
                "Nature",
                Select[str](KIND_CHOICES, value="car", allow_blank=False, id="line-kind",
                            compact=True),
            )  # fmt: skip
            for key in LINE_KEYS:
                yield _row(
                    field_label("car", key),
                    Input(DEFAULTS.get(key, ""), placeholder=HINTS[key], id=f"line-{key}",
                          compact=True),
                    row_id=f"row-{key}",
                )  # fmt: skip
            yield Static("", id="line-error", classes="dialog-error", markup=False)
            yield Static(KEYS_TEXT, classes="dialog-keys")

    def on_mount(self) -> None:
        self._show_fields("car")
        self.query_one("#line-day", Input).focus()

    @property
    def kind(self) -> str:
        return str(self.query_one("#line-kind", Select).value)

    @on(Select.Changed, "#line-kind")
    def _kind_changed(self) -> None:
        self._show_fields(self.kind)

    def _show_fields(self, kind: str) -> None:
        wanted = ENTRY_FIELDS.get(kind, ())
        for key in LINE_KEYS:
            row = self.query_one(f"#row-{key}", Horizontal)
            row.display = key in wanted
            row.query_one(Label).update(field_label(kind, key))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        error = self.query_one("#line-error", Static)
        kind = self.kind
        try:
            day = parse_day(self.query_one("#line-day", Input).value)
            texts = {key: self.query_one(f"#line-{key}", Input).value for key in LINE_KEYS}
            values = parse_line_entry(kind, texts)
        except FieldError as exc:
            error.update(str(exc))
            return
        self.dismiss(NewLine(day, kind, values))

    def action_cancel(self) -> None:
        self.dismiss(None)
