"""Dialogs of the expenses screen (F6): reject reason, line correction, ageing of unpaid claims.

Each is a small ``ModalScreen[T]`` that always ends with ``dismiss``: Escape dismisses ``None``.
They receive the claim views of :mod:`baktui.rules.claim_views` and do no I/O: the
correction dialog checks the typed values with the service's pure parser before closing, so a
wrong value is shown under the form (naming the field) and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from baktui.rules.claim_views import AGEING_BUCKETS, AgeingRow, ClaimRow, LineView
from baktui.rules.expenses import (
    CORRECTABLE,
    NIGHT_CATEGORIES,
    euros_text,
    parse_correction,
    quantity_text,
)
from baktui.services.claim_workflow import MIN_REASON_LENGTH

# Fields the correction form shows, per line kind (keys of CORRECTABLE).
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "car": ("km", "fiscal_hp", "note"),
    "public_transport": ("declared", "receipt", "note"),
    "toll": ("declared", "receipt", "note"),
    "parking": ("declared", "receipt", "note"),
    "meal": ("quantity", "note"),
    "night": ("quantity", "declared", "receipt", "night_category", "note"),
    "copies": ("quantity", "note"),
    "oral_hours": ("quantity", "note"),
}
FIELD_HINTS = {
    "km": "kilomètres, entier",
    "fiscal_hp": "CV ; vide = celle de l'examinateur",
    "quantity": "nombre (heures : 2,5)",
    "declared": "euros, ex. 18,60",
    "receipt": "o / n",
    "night_category": " / ".join(NIGHT_CATEGORIES),
    "note": "",
}


def current_text(line: LineView, key: str) -> str:
    """The value of a field as the form shows it."""
    if key == "km":
        return str(line.km)
    if key == "fiscal_hp":
        return "" if line.fiscal_hp is None else str(line.fiscal_hp)
    if key == "quantity":
        return quantity_text(line.quantity_centi)
    if key == "declared":
        return euros_text(line.declared_centi).replace(" €", "").replace(" ", "")
    if key == "receipt":
        return "o" if line.receipt else "n"
    if key == "night_category":
        return line.night_category
    return line.note


@dataclass(frozen=True)
class Correction:
    """What the correction dialog returns: changed fields (typed text) and the reason."""

    changes: dict[str, str]
    reason: str


class RejectModal(ModalScreen[str | None]):
    """Ask the reason of a rejection (required); dismisses the reason, or None on Escape."""

    DEFAULT_CSS = """
    .dialog-error { color: $error; height: auto; }
    .dialog-keys { color: $text-muted; height: 1; margin-bottom: 1; }
    """

    HELP: ClassVar[str | None] = (
        "Tapez le **motif du rejet** (obligatoire : il est conservé sur la demande et dans le "
        "journal, et l'examinateur le lira). **Entrée** rejette, **Échap** annule."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="reject.cancel"),
    ]

    def __init__(self, claim: ClaimRow) -> None:
        super().__init__(classes="dialog-screen")
        self.claim = claim

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Rejeter la demande"
            yield Static(
                f"Demande n° {self.claim.id} de {self.claim.examiner_name} "
                f"({euros_text(self.claim.total_centi)}).",
                classes="dialog-text",
                markup=False,
            )
            yield Label("Motif du rejet :")
            yield Input(placeholder="ex. convocation annulée par le centre", id="reject-reason")
            yield Static("", id="reject-error", classes="dialog-error", markup=False)
            yield Static("Entrée : rejeter · Échap : annuler", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        reason = " ".join(event.value.split())
        if len(reason) < MIN_REASON_LENGTH:
            self.query_one("#reject-error", Static).update(
                "Motif du rejet : obligatoire (quelques mots)."
            )
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LineCorrectionModal(ModalScreen[Correction | None]):
    """Correct one line: the fields of its kind, pre-filled, and a reason; Enter saves."""

    DEFAULT_CSS = """
    .dialog-error { color: $error; height: auto; }
    .dialog-keys { color: $text-muted; height: 1; margin-bottom: 1; }
    .expense-form-what { margin: 1 0; }
    .expense-field { height: 1; margin-bottom: 1; }
    .expense-field-label { width: 26; }
    .expense-field Input { width: 1fr; }
    """

    HELP: ClassVar[str | None] = (
        "Corrigez les champs utiles (**Tab** passe au suivant), puis **Entrée** : la ligne est "
        "recalculée aussitôt et chaque changement est inscrit au journal avec le motif. "
        "**Échap** annule sans rien changer.\n\n"
        "Quantités et montants : virgule ou point (2,5 ; 18.60). Justificatif : o ou n. "
        "Catégorie de nuitée : base, grande_ville ou paris (vide : celle de la commune)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="correction.cancel"),
    ]

    def __init__(self, line: LineView) -> None:
        super().__init__(classes="dialog-screen")
        self.line = line
        self.keys = FIELDS_BY_KIND.get(line.kind, ("note",))

    def compose(self) -> ComposeResult:
        line = self.line
        with Vertical(classes="dialog expense-form") as dialog:
            dialog.border_title = Content(
                f"Corriger : {line.kind_label.lower()} du {line.day:%d/%m/%Y}"
            )  # text, never markup
            yield Static(line.description, classes="expense-form-what", markup=False)
            for key in self.keys:
                with Horizontal(classes="expense-field"):
                    yield Label(CORRECTABLE[key], classes="expense-field-label")
                    yield Input(
                        current_text(line, key),
                        placeholder=FIELD_HINTS.get(key, ""),
                        id=f"field-{key}",
                        compact=True,
                    )
            with Horizontal(classes="expense-field"):
                yield Label("Motif", classes="expense-field-label")
                yield Input(placeholder="facultatif", id="field-reason", compact=True)
            yield Static("", id="correct-error", classes="dialog-error", markup=False)
            yield Static("Entrée : enregistrer · Tab : champ suivant · Échap : annuler",
                         classes="dialog-keys")  # fmt: skip

    def on_mount(self) -> None:
        self.query_one(f"#field-{self.keys[0]}", Input).focus()

    def changes(self) -> dict[str, str]:
        """Fields whose text differs from the line's current value."""
        typed = {key: self.query_one(f"#field-{key}", Input).value for key in self.keys}
        return {
            key: value
            for key, value in typed.items()
            if value.strip() != current_text(self.line, key).strip()
        }

    @on(Input.Submitted)
    def _submitted(self) -> None:
        changes = self.changes()
        if not changes:
            self.dismiss(None)
            return
        try:
            parse_correction(changes)
        except ValueError as exc:
            self.query_one("#correct-error", Static).update(str(exc))
            return
        reason = self.query_one("#field-reason", Input).value.strip()
        self.dismiss(Correction(changes, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ageing_table(rows: Sequence[AgeingRow]) -> Table:
    """Claims not yet paid by stage: count, amount, days since declared."""
    table = Table(
        box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True, show_edge=False
    )
    table.add_column("Étape", no_wrap=True)
    table.add_column("Nb", justify="right", no_wrap=True)
    table.add_column("Montant", justify="right", no_wrap=True)
    for _limit, label in AGEING_BUCKETS:
        table.add_column(label, justify="right", no_wrap=True)
    table.add_column("Max", justify="right", no_wrap=True)
    table.add_column("Moy.", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            row.state_label,
            str(row.count) if row.count else "·",
            euros_text(row.total_centi),
            *(str(n) if n else "·" for n in row.buckets),
            f"{row.oldest_days} j" if row.count else "",
            f"{row.average_days} j" if row.count else "",
        )
    return table


def oldest_table(rows: Sequence[ClaimRow]) -> Table:
    """The claims waiting longest."""
    table = Table(
        box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True, show_edge=False
    )
    table.add_column("N°", justify="right")
    table.add_column("Examinateur", no_wrap=True, max_width=26)
    table.add_column("Étape", no_wrap=True)
    table.add_column("Attente", justify="right", no_wrap=True)
    table.add_column("Montant", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row.id),
            Text(row.examiner_name),  # a name is text, never markup
            row.state_label,
            f"{row.days_waiting} j",
            euros_text(row.total_centi),
        )
    return table


class AgeingModal(ModalScreen[None]):
    """The ageing view: unpaid claims by stage and the oldest ones."""

    DEFAULT_CSS = """
    .expense-ageing-title { margin-top: 1; text-style: bold; }
    .dialog-keys { color: $text-muted; height: 1; margin-bottom: 1; }
    """

    HELP: ClassVar[str | None] = (
        "Les demandes **pas encore mises en paiement**, par étape : combien, pour quel montant, "
        "et depuis combien de jours elles attendent (comptés depuis la déclaration). En dessous, "
        "celles qui attendent le plus. **Échap** ou **Entrée** ferme."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Fermer", id="ageing.close"),
    ]

    def __init__(self, rows: Sequence[AgeingRow], oldest: Sequence[ClaimRow]) -> None:
        super().__init__(classes="dialog-screen")
        self.rows = list(rows)
        self.oldest = list(oldest)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog expense-ageing") as dialog:
            dialog.border_title = "Demandes non payées : ancienneté"
            dialog.styles.width = 78  # wider than the shared .dialog (64): nine columns
            yield Static(ageing_table(self.rows), id="ageing-stages")
            yield Label("Les plus anciennes :", classes="expense-ageing-title")
            yield Static(
                oldest_table(self.oldest) if self.oldest else "Aucune demande en attente.",
                id="ageing-oldest",
            )
            yield Static("Échap : fermer", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
