"""The candidate card: everything a caller may ask about, on one 80x24 screen with tabs.

Two lines sum the candidate up (name, numbers, series, status, state, phone); six tabs hold the
rest: 1 identity and contact, 2 series and choices, 3 établissement, centre and convocations,
4 grades and result, 5 documents issued, 6 the timeline (every change from the audit log: who,
when, before → after). Keys do what a caller asks: c contact details, m the registration form,
p reprint the confirmation, i copy the INE (OSC 52: works over SSH), e change the state,
t transfer to another académie, a undo the highlighted change of the timeline.

Every write (contact details, state, transfer, undo, the confirmation PDF) runs in a thread
worker with the version of the card that was read, and the card is read again when it is done;
the keys typed meanwhile are handled by the card as usual. The texts of the tabs are in
:mod:`baktui.screens.candidate_card_text`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from baktui.errors import ConflictError
from baktui.rules.french import plural
from baktui.screens.base import BaktuiScreen
from baktui.screens.candidate_card_text import (
    centre_text,
    change_text,
    choices_text,
    identity_text,
    result_text,
    summary_text,
)
from baktui.services.candidate_card import CandidateCard, TimelineEntry, candidate_card, timeline
from baktui.services.candidate_contact import update_contact
from baktui.services.confirmations import issue_confirmations
from baktui.services.registration import ValidationError
from baktui.services.registration_states import revert_change, set_state, transfer
from baktui.widgets.candidate_dialogs import ContactDialog
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal, TextDialog
from baktui.widgets.feedback import error_text, worker_connection

TABS = ("identity", "choices", "centre", "grades", "documents", "history")
TAB_TITLES = {
    "identity": "1 Identité",
    "choices": "2 Choix",
    "centre": "3 Centre",
    "grades": "4 Notes",
    "documents": "5 Documents",
    "history": "6 Historique",
}


class CandidateCardScreen(BaktuiScreen):
    """One candidate, with the keys to answer a caller."""

    # keys typed while the card is read or a change written wait for the card as it is then
    # (« c … Ctrl+S 6 a o »: the change undone is the one just saved)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"card-load", "card-contact", "card-write"})

    SUB_TITLE = "Fiche candidat"
    HELP = """\
La fiche tient sur un écran ; **1** à **6** (ou **Tab** puis ←/→) changent d'onglet :
1 identité et coordonnées, 2 série et choix, 3 établissement, centre, jury et convocations,
4 notes et résultat, 5 documents émis, 6 historique (chaque changement : qui, quand, avant → après).

- **c** modifier les coordonnées (adresse, code postal, commune, courriel, téléphone) ;
- **m** ouvrir le formulaire d'inscription ;
- **p** rééditer la confirmation d'inscription (PDF) ;
- **i** copier l'INE dans le presse-papiers (fonctionne aussi par SSH) ;
- **e** changer l'état de l'inscription (brouillon, confirmée, validée, annulée) ;
- **t** transférer vers une autre académie (ou annuler le transfert) ;
- **a** dans l'historique : annuler la modification surlignée (l'annulation est elle-même
  enregistrée, et peut être annulée).

Si un collègue a modifié la fiche entre-temps, l'enregistrement est refusé avec son nom et
l'heure, et la fiche est relue : rien n'est écrasé. **F2** ou **Échap** revient à la recherche.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="card.back"),
        Binding("c", "contact", "Coordonnées", id="card.contact"),
        Binding("m", "edit", "Modifier", id="card.edit"),
        Binding("p", "confirmation", "Confirmation", id="card.confirmation"),
        Binding("i", "copy_ine", "Copier INE", id="card.copy_ine"),
        Binding("e", "state", "État", id="card.state"),
        Binding("t", "transfer", "Transfert", id="card.transfer", show=False),
        Binding("a", "revert", "Annuler modif.", id="card.revert"),
        Binding("r", "reload", "Relire", id="card.reload", show=False),
        Binding("f2", "back", "Recherche", id="card.search", show=False),
        *(
            Binding(str(index + 1), f"tab('{tab}')", TAB_TITLES[tab][2:], id=f"card.tab_{tab}",
                    show=False)
            for index, tab in enumerate(TABS)
        ),
    ]  # fmt: skip
    DEFAULT_CSS = """
    CandidateCardScreen #card-summary {
        height: auto; max-height: 3; margin: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    CandidateCardScreen TabbedContent { height: 1fr; }
    CandidateCardScreen TabPane { padding: 0 1; }
    CandidateCardScreen .card-text { height: auto; }
    CandidateCardScreen #card-convocations { height: 1fr; margin-top: 1; }
    CandidateCardScreen #card-grades { height: 1fr; }
    CandidateCardScreen #card-result { height: auto; }
    CandidateCardScreen #card-documents { height: 1fr; }
    CandidateCardScreen #card-history { height: 1fr; }
    CandidateCardScreen #card-history-line { height: 1; color: $text-muted; }
    """

    def __init__(self, candidate_id: int) -> None:
        super().__init__()
        self.candidate_id = candidate_id
        self.card: CandidateCard | None = None
        self.entries: list[TimelineEntry] = []
        self._busy = False

    def compose_content(self) -> ComposeResult:
        yield Static("Chargement…", id="card-summary", markup=False)
        with TabbedContent(id="card-tabs"):
            with TabPane(TAB_TITLES["identity"], id="identity"):
                with VerticalScroll():
                    yield Static("", id="card-identity", classes="card-text", markup=False)
            with TabPane(TAB_TITLES["choices"], id="choices"):
                with VerticalScroll():
                    yield Static("", id="card-choices", classes="card-text", markup=False)
            with TabPane(TAB_TITLES["centre"], id="centre"):
                yield Static("", id="card-centre", classes="card-text", markup=False)
                table: DataTable[str] = DataTable(id="card-convocations", cursor_type="row")
                table.add_columns("Épreuve", "Date", "Heure", "Centre", "Salle")
                yield table
            with TabPane(TAB_TITLES["grades"], id="grades"):
                yield Static("", id="card-result", classes="card-text", markup=False)
                grades: DataTable[str] = DataTable(id="card-grades", cursor_type="row")
                grades.add_columns("Épreuve", "Coef.", "Note", "Points", "État", "Saisie par")
                yield grades
            with TabPane(TAB_TITLES["documents"], id="documents"):
                docs: DataTable[str] = DataTable(id="card-documents", cursor_type="row")
                docs.add_columns("Émis le", "Document", "Par", "Fichier")
                yield docs
            with TabPane(TAB_TITLES["history"], id="history"):
                yield Static("", id="card-history-line", markup=False)
                history: DataTable[str] = DataTable(id="card-history", cursor_type="row")
                history.add_columns("Quand", "Qui", "Quoi", "Avant → après", "Motif")
                yield history

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        if self.card is not None:
            self.load()

    # --- loading --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="card-load")
    def load(self) -> None:
        try:
            with worker_connection():
                card = candidate_card(self.candidate_id)
                entries = timeline(self.candidate_id)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show, card, entries)

    def _show(self, card: CandidateCard, entries: list[TimelineEntry]) -> None:
        self.card = card
        self.entries = entries
        self.sub_title = f"{card.profile.display_name} — n° {card.profile.number}"
        self.query_one("#card-summary", Static).update(summary_text(card))
        self.query_one("#card-identity", Static).update(identity_text(card))
        self.query_one("#card-choices", Static).update(choices_text(card))
        self.query_one("#card-centre", Static).update(centre_text(card))
        self.query_one("#card-result", Static).update(result_text(card))
        conv = self.query_one("#card-convocations", DataTable)
        conv.clear()
        for c in card.convocations:
            conv.add_row(
                c.epreuve_code,
                c.day.strftime("%d/%m/%Y") if c.day else "—",
                c.start_time or "—",
                c.centre[:30],
                c.room or ("(calendrier)" if c.source == "calendrier" else "—"),
            )
        grades = self.query_one("#card-grades", DataTable)
        grades.clear()
        for g in card.grades:
            grades.add_row(
                f"{g.epreuve_code} {g.label}"[:30],
                g.coef,
                f"{g.value} → {g.counted}" if g.counted and g.value else (g.value or "—"),
                g.points,
                g.state,
                g.by[:22],
            )
        docs = self.query_one("#card-documents", DataTable)
        docs.clear()
        for d in card.documents:
            docs.add_row(d.issued_at, d.kind, d.issued_by, d.reference)
        if not card.documents:
            docs.add_row("—", "aucun document émis", "", "")
        history = self.query_one("#card-history", DataTable)
        cursor = history.cursor_row
        history.clear()
        for entry in entries:
            history.add_row(
                entry.at,
                entry.who[:12],
                entry.what[:18],
                change_text(entry)[:40],
                entry.reason[:40],
                key=str(entry.audit_id),
            )
        if entries:
            history.move_cursor(row=min(cursor, len(entries) - 1))
        more = " (les 200 dernières)" if len(entries) >= 200 else ""
        self.query_one("#card-history-line", Static).update(
            f"{plural(len(entries), 'changement')}{more} · a annule la modification surlignée"
        )
        self.refresh_bindings()

    # --- keys -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"contact", "edit", "confirmation", "copy_ine", "state", "transfer"}:
            return self.card is not None
        if action == "revert":
            return self._active_tab() == "history" and self._highlighted_entry() is not None
        return super().check_action(action, parameters)

    def _active_tab(self) -> str:
        return self.query_one("#card-tabs", TabbedContent).active

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#card-history")
    def _history_moved(self) -> None:
        self.refresh_bindings()

    def action_tab(self, tab: str) -> None:
        self.query_one("#card-tabs", TabbedContent).active = tab
        if tab == "history":
            self.query_one("#card-history", DataTable).focus()

    def action_reload(self) -> None:
        self.load()

    def action_copy_ine(self) -> None:
        if self.card is None:
            return
        ine = self.card.profile.ine
        if not ine:
            self.warn("Ce candidat n'a pas d'INE.")
            return
        self.app.copy_to_clipboard(ine)
        self.say(f"INE {ine} copié dans le presse-papiers.")

    def action_contact(self, values: dict[str, str] | None = None, message: str = "") -> None:
        """The contact dialog; its values are saved here, in a worker, once it is closed: the
        keys typed after Ctrl+S wait for the save and reach the card as it is after it."""
        card = self.card
        if card is None:
            return

        def done(changed: dict[str, str] | None) -> None:
            if changed is not None:
                self.save_contact(card.version, changed)

        self.app.push_screen(ContactDialog(card, values=values, message=message), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="card-contact")
    def save_contact(self, version: int, values: dict[str, str]) -> None:
        try:
            with worker_connection():
                update_contact(self.candidate_id, values, expected_version=version)
        except ValidationError as exc:  # checked by the dialog already: a rule it does not know
            self.app.call_from_thread(self.action_contact, values, str(exc))
        except Exception as exc:
            self.app.call_from_thread(self._written, error_text(exc), False)
        else:
            self.app.call_from_thread(self._written, "Coordonnées enregistrées.", True)

    def action_edit(self) -> None:
        if self.card is None:
            return
        from baktui.screens.registration_form import RegistrationFormScreen

        self.app.push_screen(RegistrationFormScreen(self.card.profile.candidate_id))

    def action_confirmation(self) -> None:
        if self.card is None or self._busy:
            return
        self._busy = True
        self.say("Édition de la confirmation d'inscription…")
        self.print_confirmation(self.card.session_id, self.card.profile.candidate_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="card-pdf")
    def print_confirmation(self, session_id: int, candidate_id: int) -> None:
        try:
            with worker_connection():
                issued = issue_confirmations(session_id, [candidate_id])
        except Exception as exc:
            self.app.call_from_thread(self._pdf_done, error_text(exc), False)
            return
        self.app.call_from_thread(self._pdf_done, f"Confirmation écrite : {issued.path}", True)

    def _pdf_done(self, message: str, ok: bool) -> None:
        self._busy = False
        if ok:
            self.say(message, title="Confirmation d'inscription")
            self.load()
        else:
            self.fail(message)

    def action_state(self) -> None:
        card = self.card
        if card is None:
            return
        profile = card.profile
        if not card.transitions:
            self.warn(f"Aucun changement d'état possible depuis « {profile.state_label} ».")
            return

        def chosen(state: str | None) -> None:
            if state is None:
                return
            label = dict(card.transitions)[state]
            self.app.push_screen(
                ConfirmModal(
                    f"Passer l'inscription de {profile.display_name} de « {profile.state_label} »"
                    f" à « {label} » ?",
                    title="Changer l'état",
                ),
                lambda ok: self._write("state", card.version, state) if ok else None,
            )

        self.app.push_screen(
            ChoiceModal(
                "État de l'inscription",
                list(card.transitions),
                prompt=f"Actuellement « {profile.state_label} ». Nouvel état :",
            ),
            chosen,
        )

    def action_transfer(self) -> None:
        card = self.card
        if card is None:
            return
        profile = card.profile
        if profile.transferred_to:
            self.app.push_screen(
                ConfirmModal(
                    f"Annuler le transfert vers {profile.transferred_to} ?", title="Transfert"
                ),
                lambda ok: self._write("transfer", card.version, "") if ok else None,
            )
            return
        self.app.push_screen(
            TextDialog(
                "Transfert vers une autre académie",
                f"{profile.display_name} : académie de destination (ex. « Grenoble ») :",
            ),
            lambda text: self._write("transfer", card.version, text) if text else None,
        )

    def _highlighted_entry(self) -> TimelineEntry | None:
        table = self.query_one("#card-history", DataTable)
        if not self.entries or not (0 <= table.cursor_row < len(self.entries)):
            return None
        entry = self.entries[table.cursor_row]
        return entry if entry.revertible else None

    def action_revert(self) -> None:
        card = self.card
        entry = self._highlighted_entry()
        if card is None or entry is None:
            self.warn("Choisissez dans l'historique une modification de l'inscription.")
            return
        self.app.push_screen(
            ConfirmModal(
                f"Annuler la modification du {entry.at} par {entry.who} ?\n"
                f"{entry.what} : {entry.after or '∅'} redevient {entry.before or '∅'}.",
                title="Annuler une modification",
            ),
            lambda ok: self._write("revert", card.version, str(entry.audit_id)) if ok else None,
        )

    def _write(self, what: str, version: int, value: str) -> None:
        self.write_change(what, version, value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="card-write")
    def write_change(self, what: str, version: int, value: str) -> None:
        try:
            with worker_connection():
                if what == "state":
                    set_state(self.candidate_id, value, expected_version=version)
                    message = "État de l'inscription changé."
                elif what == "transfer":
                    transfer(self.candidate_id, value, expected_version=version)
                    message = f"Transféré vers {value}." if value else "Transfert annulé."
                else:
                    revert_change(int(value), expected_version=version)
                    message = "Modification annulée (l'annulation figure dans l'historique)."
        except ConflictError as exc:
            self.app.call_from_thread(self._written, str(exc), False)
        except Exception as exc:
            self.app.call_from_thread(self._written, error_text(exc), False)
        else:
            self.app.call_from_thread(self._written, message, True)

    def _written(self, message: str, ok: bool) -> None:
        if ok:
            self.say(message)
        else:
            self.fail(message)
        self.load()
