"""The registration form: create or edit one registration, field by field, at typing speed.

The form checks each field as the cursor leaves it (INE format, UAI check letter, date, postcode,
e-mail, phone), constrains the choices by the series (its enseignements spécifiques; LVA ≠ LVB;
at most two options a year; EPS inaptitude needs a certificate) and shows the dossier checklist of
candidates without contrôle continu. The checks are the pure ones of
:mod:`baktui.rules.registration_form`, so the screen's messages are the save's.

Ctrl+S saves in a thread worker with the version that was read: when a colleague saved the same
candidate meanwhile, the save is refused with his name, the form reloads, and nothing is
overwritten. The user keeps typing while the save runs: when it ends, the fields changed since
Ctrl+S keep what was typed (the form is then "modified" again), the others show the stored
values; a Ctrl+S pressed during the save saves again once it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static
from textual.worker import get_current_worker

from baktui.errors import ConflictError
from baktui.rules.candidate import label as field_label
from baktui.rules.lifecycles import REGISTRATION
from baktui.rules.registration_form import RegistrationForm, changed_fields, form_errors
from baktui.rules.regulation import Regulation
from baktui.screens.base import BaktuiScreen
from baktui.services.registration import ValidationError
from baktui.services.registration_form import (
    FormChoices,
    LoadedForm,
    SavedRegistration,
    find_etablissement,
    load_form,
    open_form,
    save_form,
)
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.registration_fields import (
    CHECKBOX,
    DEPENDENT,
    FIELD_KINDS,
    FORM_ROWS,
    INPUT,
    SELECT,
    SEX_CHOICES,
    TAB_ORDER,
    DossierChecklist,
    FormScroll,
    field_widget,
    fill_select,
    select_value,
)


class RegistrationFormScreen(BaktuiScreen):
    """Create or edit one registration; Ctrl+S saves, Échap leaves (asks if unsaved)."""

    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"form-load"})

    SUB_TITLE = "Inscription"
    HELP = """\
**Tab** / **Maj+Tab** passent d'un champ à l'autre ; chaque champ est vérifié quand on le quitte
et le message s'affiche à sa droite. **Entrée** sur une liste l'ouvre, on y choisit avec les
flèches ou en tapant le début. **Espace** coche une case.

Les listes suivent la série : enseignements spécifiques de la série, LVA différente de la LVB,
au plus deux options par année (« LATIN-1 » en première, « ARTS-T » en terminale), certificat
médical obligatoire pour une inaptitude à l'EPS. Les candidats non scolaires ont leur dossier :
cochez les pièces reçues ; une inscription ne se valide qu'avec un dossier complet.

**Ctrl+S** enregistre (chaque changement entre dans l'historique du candidat, à votre nom).
Si un collègue a enregistré ce candidat entre-temps, votre enregistrement est refusé, le
formulaire est relu et rien n'est écrasé : refaites votre changement.
**Échap** revient sans enregistrer (une confirmation est demandée si vous avez modifié).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", id="form.save", key_display="Ctrl+S"),
        Binding("escape", "back", "Retour", id="form.back"),
    ]
    DEFAULT_CSS = """
    RegistrationFormScreen #form-title { height: 1; margin: 0 1; text-style: bold; }
    RegistrationFormScreen #form-scroll { height: 1fr; padding: 0 1; }
    RegistrationFormScreen .form-row { height: auto; }
    RegistrationFormScreen .form-row > Label { width: 13; padding-top: 0; }
    RegistrationFormScreen .form-row > Input { width: 30; }
    RegistrationFormScreen .form-row > Select { width: 30; }
    RegistrationFormScreen .form-row > Checkbox { width: 30; }
    RegistrationFormScreen .form-msg { width: 1fr; height: auto; padding-left: 1; }
    RegistrationFormScreen .form-msg.-error { color: $error; text-style: bold; }
    RegistrationFormScreen .form-msg.-info { color: $text-muted; }
    RegistrationFormScreen #f-dossier { width: 1fr; height: auto; }
    RegistrationFormScreen #f-dossier Checkbox { width: 1fr; }
    """

    def __init__(
        self,
        candidate_id: int | None = None,
        *,
        focus: str | None = None,
        on_saved: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.candidate_id = candidate_id
        self.focus_field = focus
        self.on_saved = on_saved
        self.session_id: int | None = None
        self.reg: Regulation | None = None
        self.choices: FormChoices | None = None
        self.loaded: RegistrationForm | None = None
        self._populating = False
        self._saving = False
        self._save_again = False  # Ctrl+S pressed while a save was running
        self._sent: RegistrationForm | None = None  # what the running save writes
        self._shown_uai = ""  # the UAI whose établissement is shown beside it

    # --- layout -------------------------------------------------------------------------------------

    def compose_content(self) -> ComposeResult:
        yield Static("Chargement du formulaire…", id="form-title", markup=False)
        with FormScroll(id="form-scroll"):
            for name, label, kind in FORM_ROWS:
                with Horizontal(classes="form-row", id=f"row-{name}"):
                    yield Label(label)
                    yield from field_widget(name, kind)
                    yield Static("", id=f"m-{name}", classes="form-msg", markup=False)

    def on_mount(self) -> None:
        self.load(self.candidate_id)

    # --- loading ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-load")
    def load(self, candidate_id: int | None) -> None:
        session = self.baktui.session
        try:
            with worker_connection():
                loaded = open_form(candidate_id, session.id if session is not None else None)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._opened, loaded)

    def _opened(self, loaded: LoadedForm) -> None:
        self._populate(loaded.session_id, loaded.regulation, loaded.choices, loaded.form)

    def _populate(
        self,
        session_id: int,
        reg: Regulation,
        choices: FormChoices,
        form: RegistrationForm,
        shown: RegistrationForm | None = None,
    ) -> None:
        """Fill the form with ``form`` as loaded, showing ``shown`` (what is typed) if given."""
        # after a save, the établissement shown beside an unchanged UAI stays
        same_uai = shown is not None and self._shown_uai == (shown or form).etablissement
        self.session_id, self.reg, self.choices, self.loaded = session_id, reg, choices, form
        self.candidate_id = form.candidate_id
        view = shown or form
        self._populating = True
        try:
            self._set_select("state", self._state_options(form.state), view.state)
            self._set_select("sex", SEX_CHOICES, view.sex)
            self._set_select("status", list(choices.statuses), view.status)
            self._set_select(
                "centre", [(c, f"{c} {n}"[:26]) for c, n in choices.centres], view.centre
            )
            self._set_select(
                "series", [(c, f"{c} — {lbl}"[:26]) for c, lbl in choices.series], view.series
            )
            self._set_sub_choices(view.series, view.sub_choice)
            languages = [(c, f"{c} — {lbl}"[:26]) for c, lbl in choices.languages]
            self._set_select("lva", languages, view.lva)
            self._set_select("lvb", languages, view.lvb)
            for name, _, kind in FORM_ROWS:
                if kind == INPUT:
                    box = self.query_one(f"#f-{name}", Input)
                    if box.value != str(getattr(view, name)):  # the cursor stays where it is
                        box.value = str(getattr(view, name))
                elif kind == CHECKBOX:
                    self.query_one(f"#f-{name}", Checkbox).value = bool(getattr(view, name))
            self.query_one(DossierChecklist).show(
                view.status, view.eps_inapte, view.dossier, reset=True
            )
            for name, _, _ in FORM_ROWS:
                if not (same_uai and name == "etablissement"):
                    self._message(name, "")
        finally:
            self._populating = False
        self._title()
        self._show_specialites()
        # after a save the cursor stays where the user has gone since
        self.call_after_refresh(self._show_stored_errors if shown else self._place_cursor)
        if view.etablissement and not same_uai:
            self.lookup_uai(view.etablissement)

    def _title(self) -> None:
        form = self.loaded
        if form is None:
            return
        if form.candidate_id is None:
            title = "Nouvelle inscription (brouillon) — Ctrl+S enregistre"
        else:
            title = (
                f"{form.last_name.upper()} {form.first_name} — n° {form.number} — "
                f"{REGISTRATION.label(form.state)} — Ctrl+S enregistre"
            )
            if form.transferred_to:
                title += f" — transféré vers {form.transferred_to}"
        self.query_one("#form-title", Static).update(title)

    def _place_cursor(self) -> None:
        name = self.focus_field or "ine"
        self.focus_field = None
        self.focus_on(name)
        self._show_stored_errors()

    def _show_stored_errors(self) -> None:
        if self.candidate_id is not None and self.reg is not None:
            # an existing registration: show what is wrong at once
            self.show_errors(form_errors(self.reg, self.current_form()))

    def focus_on(self, name: str) -> None:
        """Put the cursor on a field (the dossier: its first piece not received)."""
        if name == "dossier":
            target: Widget | None = self.query_one(DossierChecklist).first_missing()
        else:
            target = self.query_one(f"#f-{name}") if FIELD_KINDS.get(name) else None
        if target is None:
            target = self.query_one("#f-ine")
        target.focus()
        self.query_one("#form-scroll", FormScroll).scroll_to_widget(target, animate=False)

    def _state_options(self, state: str) -> list[tuple[str, str]]:
        states = [state, *REGISTRATION.next_states(state)]
        return [(s, REGISTRATION.label(s)) for s in states]

    def _set_select(self, name: str, options: list[tuple[str, str]], value: str) -> None:
        fill_select(self.query_one(f"#f-{name}", Select), options, value)

    def _set_sub_choices(self, series: str, value: str) -> None:
        subs = list(self.choices.sub_choices.get(series, ())) if self.choices else []
        select = self.query_one("#f-sub_choice", Select)
        self._set_select("sub_choice", [(s, s) for s in subs], value if subs or value else "")
        select.disabled = not subs and not value
        label = self.choices.sub_choice_labels.get(series, "") if self.choices else ""
        self.query_one("#row-sub_choice Label", Label).update(
            (label[:12] or "Ens. spécif.") if subs else "Sous-choix"
        )

    # --- reading the form -----------------------------------------------------------------------------

    def current_form(self) -> RegistrationForm:
        base = self.loaded or RegistrationForm()
        values: dict[str, Any] = {}
        for name, _, kind in FORM_ROWS:
            if kind == INPUT:
                values[name] = self.query_one(f"#f-{name}", Input).value
            elif kind == SELECT:
                values[name] = select_value(self.query_one(f"#f-{name}", Select))
            elif kind == CHECKBOX:
                values[name] = self.query_one(f"#f-{name}", Checkbox).value
        values["dossier"] = self.query_one(DossierChecklist).received()
        return base.with_values(**values)

    @property
    def dirty(self) -> bool:
        if self.loaded is None:
            return False
        return bool(changed_fields(self.loaded, self.current_form()))

    # --- messages beside the fields ----------------------------------------------------------------

    def _message(self, name: str, text: str, *, error: bool = True) -> None:
        if name == "etablissement":
            self._shown_uai = ""
        widget = self.query(f"#m-{name}")
        if not widget:
            return
        static = widget.first(Static)
        static.update(text)
        static.set_class(bool(text) and error, "-error")
        static.set_class(bool(text) and not error, "-info")

    def show_errors(
        self, errors: list[tuple[str, str]], only: tuple[str, ...] | None = None
    ) -> None:
        messages: dict[str, str] = {}
        for name, message in errors:
            messages.setdefault(name, message)
        for name, _, _ in FORM_ROWS:
            if only is not None and name not in only:
                continue
            if name in ("etablissement", "series") and name not in messages:
                continue  # keeps the établissement's name, the series' spécialités
            self._message(name, messages.get(name, ""))

    def validate_fields(self, names: tuple[str, ...]) -> None:
        if self.reg is None or self._populating:
            return
        errors = form_errors(self.reg, self.current_form())
        self.show_errors(errors, only=names)
        if "series" in names and not any(f == "series" for f, _ in errors):
            self._show_specialites()
        if "etablissement" in names and not any(f == "etablissement" for f, _ in errors):
            uai = self.query_one("#f-etablissement", Input).value.strip()
            if uai:
                self.lookup_uai(uai)
            else:
                self._message("etablissement", "")

    @on(Input.Blurred)
    def _left_input(self, event: Input.Blurred) -> None:
        name = (event.input.id or "").removeprefix("f-")
        if name in FIELD_KINDS:
            self.validate_fields((name,))

    @on(Input.Submitted)
    def _enter_in_input(self) -> None:
        self.focus_next()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        name = (event.select.id or "").removeprefix("f-")
        if self._populating or name not in FIELD_KINDS:
            return
        if name == "series":
            # also reached after a programmatic fill (messages come later): keep a valid choice
            series = select_value(event.select)
            current = select_value(self.query_one("#f-sub_choice", Select))
            valid = self.choices.sub_choices.get(series, ()) if self.choices else ()
            self._set_sub_choices(series, current if current in valid else "")
        if name == "status":
            form = self.current_form()
            self.query_one(DossierChecklist).show(form.status, form.eps_inapte, form.dossier)
        self.validate_fields(DEPENDENT.get(name, (name,)))

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        name = (event.checkbox.id or "").removeprefix("f-")
        if self._populating:
            return
        if name == "eps_inapte":
            form = self.current_form()
            self.query_one(DossierChecklist).show(form.status, form.eps_inapte, form.dossier)
        if name in FIELD_KINDS:
            self.validate_fields(DEPENDENT.get(name, (name,)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-uai")
    def lookup_uai(self, uai: str) -> None:
        try:
            with worker_connection():
                etab = find_etablissement(uai)
        except Exception as exc:
            self.app.call_from_thread(self._message, "etablissement", error_text(exc))
            return
        if get_current_worker().is_cancelled:
            return
        if etab is None:
            self.app.call_from_thread(
                self._message, "etablissement", f"UAI « {uai.upper()} » : aucun établissement connu"
            )
        else:
            text = f"{etab.name}" + (f", {etab.city}" if etab.city else "")
            self.app.call_from_thread(self._uai_found, uai, text)

    def _uai_found(self, uai: str, text: str) -> None:
        self._info("etablissement", text)
        self._shown_uai = uai

    def _show_specialites(self) -> None:
        """Beside the series: its two spécialités (they come with the series)."""
        series = select_value(self.query_one("#f-series", Select))
        if self.reg is None or series not in self.reg.series_codes:
            return
        rule = self.reg.series_rule(series)
        self._info("series", f"{rule.sp1_label} ; {rule.sp2_label}")

    def _info(self, name: str, text: str) -> None:
        self._message(name, text, error=False)

    # --- saving ---------------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.reg is None or self.session_id is None:
            return
        if self._saving:
            self._save_again = True
            return
        form = self.current_form()
        errors = form_errors(self.reg, form)
        if errors:
            self._refused(errors)
            return
        self._saving = True
        self._sent = form
        self.save(self.session_id, form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-save")
    def save(self, session_id: int, form: RegistrationForm) -> None:
        try:
            with worker_connection():
                saved = save_form(session_id, form)
                fresh = load_form(saved.candidate_id)
        except ValidationError as exc:
            self.app.call_from_thread(self._refused, exc.errors)
        except ConflictError as exc:
            self.app.call_from_thread(self._conflict, str(exc))
        except Exception as exc:
            self.app.call_from_thread(self._failed, error_text(exc))
        else:
            self.app.call_from_thread(self._saved, saved, fresh)

    def _refused(self, errors: list[tuple[str, str]]) -> None:
        self._saving = self._save_again = False
        errors = sorted(errors, key=lambda e: TAB_ORDER.get(e[0], len(TAB_ORDER)))
        self.show_errors(errors)
        name, message = errors[0]
        self.fail(f"{field_label(name).capitalize()} : {message}", title="Inscription refusée")
        self.focus_on(name)

    def _conflict(self, message: str) -> None:
        self._saving = self._save_again = False
        self.fail(message, title="Enregistrement refusé")
        self.load(self.candidate_id)

    def _failed(self, message: str) -> None:
        self._saving = self._save_again = False
        self.fail(message)

    def _saved(self, saved: SavedRegistration, fresh: RegistrationForm) -> None:
        """Show the stored registration, keeping what was typed since Ctrl+S."""
        self._saving = False
        self.say(saved.message)
        self.candidate_id = saved.candidate_id
        if self.reg is not None and self.choices is not None and self.session_id is not None:
            typed = self.current_form()
            edited = changed_fields(self._sent or typed, typed)
            shown = fresh.with_values(**{name: getattr(typed, name) for name in edited})
            self._populate(self.session_id, self.reg, self.choices, fresh, shown)
        if self.on_saved is not None and saved.changed:
            self.on_saved(saved.candidate_id)
        again, self._save_again = self._save_again, False
        if again and self.dirty:
            self.action_save()

    def action_back(self) -> None:
        if self.dirty:
            self.app.push_screen(
                ConfirmModal(
                    "Abandonner les modifications non enregistrées ?", title="Quitter le formulaire"
                ),
                lambda ok: super(RegistrationFormScreen, self).action_back() if ok else None,
            )
            return
        super().action_back()
