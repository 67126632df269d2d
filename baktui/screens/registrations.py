"""F3 Inscriptions: the registration form, and « Contrôler les inscriptions ».

The F3 screen runs every check over every candidate of the session (in a thread worker, streamed)
and lists the anomalies grouped by kind with their counts; Entrée on an anomaly opens the
registration form with the cursor on the faulty field, and once the fix is saved the candidate is
checked again and leaves the list. n opens a blank form, p prints the confirmations of every
individual candidate in one PDF.

The form checks each field as the cursor leaves it (INE format, UAI check letter, date, postcode,
e-mail, phone), constrains the choices by the series (its enseignements spécifiques; LVA ≠ LVB;
at most two options a year; EPS inaptitude needs a certificate) and shows the dossier checklist of
candidates without contrôle continu. Ctrl+S saves with the version that was read: when a colleague
saved the same candidate meanwhile, the save is refused with his name, the form reloads, and
nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static
from textual.worker import get_current_worker

from baktui.errors import ConflictError
from baktui.rules.registration import STATES, TRANSITIONS, dossier_pieces
from baktui.rules.regulation import Regulation
from baktui.screens.base import BaktuiScreen
from baktui.services.candidates import (
    CHECK_KINDS,
    Anomaly,
    CheckReport,
    FormChoices,
    IssuedConfirmations,
    RegistrationForm,
    SavedRegistration,
    ValidationError,
    blank_form,
    check_candidate,
    field_label,
    find_etablissement,
    form_choices,
    form_errors,
    issue_confirmations,
    load_form,
    run_checks,
    save_form,
)
from baktui.services.sessions import regulation_of
from baktui.widgets.dialogs import ConfirmModal
from baktui.widgets.feedback import error_text, worker_connection

PAGE_SIZE = 100
SHORT_FIELDS = {
    "state": "état",
    "birth_date": "naissance",
    "sub_choice": "ens. spé.",
    "postcode": "code post",
    "etablissement": "établ.",
    "eps_inapte": "EPS",
    "last_name": "nom",
    "first_name": "prénom",
}

# (field, label, kind): the form's rows in Tab order.
FORM_ROWS: tuple[tuple[str, str, str], ...] = (
    ("state", "État", "select"),
    ("ine", "INE", "input"),
    ("last_name", "Nom", "input"),
    ("first_name", "Prénom", "input"),
    ("birth_date", "Né(e) le", "input"),
    ("sex", "Sexe", "select"),
    ("status", "Statut", "select"),
    ("etablissement", "UAI établ.", "input"),
    ("centre", "Centre", "select"),
    ("series", "Série", "select"),
    ("sub_choice", "Ens. spécif.", "select"),
    ("lva", "LVA", "select"),
    ("lvb", "LVB", "select"),
    ("options", "Options", "input"),
    ("eps_inapte", "EPS", "checkbox"),
    ("eps_certificate", "Certificat", "checkbox"),
    ("amenagements", "Aménagements", "input"),
    ("address", "Adresse", "input"),
    ("postcode", "Code postal", "input"),
    ("city", "Commune", "input"),
    ("email", "Courriel", "input"),
    ("phone", "Téléphone", "input"),
    ("dossier", "Dossier", "dossier"),
)
FIELD_KINDS = {name: kind for name, _, kind in FORM_ROWS}
CHECKBOX_LABELS = {
    "eps_inapte": "inapte (EPS adaptée ou neutralisée)",
    "eps_certificate": "certificat médical reçu",
}
INPUT_HINTS = {
    "ine": "11 caractères",
    "birth_date": "JJ/MM/AAAA",
    "etablissement": "ex. 0690001A",
    "options": "ex. LATIN-1, ARTS-T",
    "phone": "06 12 34 56 78",
}
INPUT_RESTRICT = {
    "ine": r"[0-9A-Za-z]*",
    "birth_date": r"[0-9/\-]*",
    "etablissement": r"[0-9A-Za-z]*",
    "postcode": r"[0-9]*",
    "phone": r"[0-9 +.\-/()]*",
}
INPUT_MAX = {"ine": 11, "etablissement": 8, "postcode": 5, "birth_date": 10}
SEX_CHOICES = [("F", "F — féminin"), ("M", "M — masculin")]
# After a change of these fields, the listed fields are checked again.
DEPENDENT = {
    "series": ("series", "sub_choice"),
    "sub_choice": ("sub_choice",),
    "lva": ("lva", "lvb"),
    "lvb": ("lva", "lvb"),
    "eps_inapte": ("eps_inapte",),
    "eps_certificate": ("eps_inapte",),
    "status": ("status", "etablissement", "address", "postcode", "city"),
}


class FormScroll(VerticalScroll, can_focus=False):
    """The form's scrolling area: follows the cursor, is not a Tab stop itself."""


def select_value(select: Select[str]) -> str:
    value = select.value
    return "" if value is Select.NULL else str(value)


class RegistrationFormScreen(BaktuiScreen):
    """Create or edit one registration; Ctrl+S saves, Échap leaves (asks if unsaved)."""

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
        Binding("ctrl+s", "save", "Enregistrer", id="form-save", key_display="Ctrl+S"),
        Binding("escape", "back", "Retour", id="back"),
    ]  # fmt: skip
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
        self._dossier_keys: tuple[str, ...] = ()

    # --- layout -------------------------------------------------------------------------------------

    def compose_content(self) -> ComposeResult:
        yield Static("Chargement du formulaire…", id="form-title", markup=False)
        with FormScroll(id="form-scroll"):
            for name, label, kind in FORM_ROWS:
                with Horizontal(classes="form-row", id=f"row-{name}"):
                    yield Label(label)
                    yield from self._field_widget(name, kind)
                    yield Static("", id=f"m-{name}", classes="form-msg", markup=False)

    def _field_widget(self, name: str, kind: str) -> ComposeResult:
        if kind == "input":
            yield Input(
                id=f"f-{name}",
                placeholder=INPUT_HINTS.get(name, ""),
                restrict=INPUT_RESTRICT.get(name),
                max_length=INPUT_MAX.get(name, 0),
                compact=True,
            )
        elif kind == "select":
            yield Select[str]([], id=f"f-{name}", prompt="—", compact=True)
        elif kind == "checkbox":
            yield Checkbox(CHECKBOX_LABELS[name], id=f"f-{name}", compact=True)
        else:
            yield Vertical(id="f-dossier")

    def on_mount(self) -> None:
        self.load(self.candidate_id)

    # --- loading ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-load")
    def load(self, candidate_id: int | None) -> None:
        try:
            with worker_connection():
                if candidate_id is not None:
                    form = load_form(candidate_id)
                    from baktui.data.models import Candidate

                    session_id = int(
                        Candidate.select(Candidate.session)
                        .where(Candidate.id == candidate_id)
                        .scalar()
                    )
                else:
                    session = self.baktui.session
                    if session is None:
                        raise ValueError("Aucune session ouverte : impossible d'inscrire.")
                    session_id = session.id
                    form = blank_form(session_id)
                reg = regulation_of(session_id)
                choices = form_choices(session_id)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._populate, session_id, reg, choices, form)

    def _populate(
        self, session_id: int, reg: Regulation, choices: FormChoices, form: RegistrationForm
    ) -> None:
        self.session_id, self.reg, self.choices, self.loaded = session_id, reg, choices, form
        self.candidate_id = form.candidate_id
        self._populating = True
        try:
            self._set_select("state", self._state_options(form.state), form.state, blank=False)
            self._set_select("sex", SEX_CHOICES, form.sex)
            self._set_select("status", list(choices.statuses), form.status, blank=False)
            self._set_select(
                "centre", [(c, f"{c} {n}"[:26]) for c, n in choices.centres], form.centre
            )
            self._set_select(
                "series", [(c, f"{c} — {lbl}"[:26]) for c, lbl in choices.series], form.series
            )
            self._set_sub_choices(form.series, form.sub_choice)
            languages = [(c, f"{c} — {lbl}"[:26]) for c, lbl in choices.languages]
            self._set_select("lva", languages, form.lva)
            self._set_select("lvb", languages, form.lvb)
            for name, _, kind in FORM_ROWS:
                if kind == "input":
                    self.query_one(f"#f-{name}", Input).value = str(getattr(form, name))
                elif kind == "checkbox":
                    self.query_one(f"#f-{name}", Checkbox).value = bool(getattr(form, name))
            self._build_dossier(form.status, form.eps_inapte, form.dossier)
            for name, _, _ in FORM_ROWS:
                self._message(name, "")
        finally:
            self._populating = False
        self._title()
        self._show_specialites()
        self.call_after_refresh(self._place_cursor)
        if form.etablissement:
            self.lookup_uai(form.etablissement)

    def _title(self) -> None:
        form = self.loaded
        if form is None:
            return
        if form.candidate_id is None:
            title = "Nouvelle inscription (brouillon) — Ctrl+S enregistre"
        else:
            title = (
                f"{form.last_name.upper()} {form.first_name} — n° {form.number} — "
                f"{STATES.get(form.state, form.state)} — Ctrl+S enregistre"
            )
            if form.transferred_to:
                title += f" — transféré vers {form.transferred_to}"
        self.query_one("#form-title", Static).update(title)

    def _place_cursor(self) -> None:
        name = self.focus_field or ("ine" if self.candidate_id is None else "ine")
        self.focus_field = None
        self.focus_on(name)
        if self.candidate_id is not None and self.reg is not None:
            # an existing registration: show what is wrong at once
            self.show_errors(form_errors(self.reg, self.current_form()))

    def focus_on(self, name: str) -> None:
        """Put the cursor on a field (the dossier: its first piece not received)."""
        if name == "dossier":
            boxes = list(self.query_one("#f-dossier").query(Checkbox))
            target: Widget | None = next(
                (b for b in boxes if not b.value), boxes[0] if boxes else None
            )
        else:
            target = self.query_one(f"#f-{name}") if FIELD_KINDS.get(name) else None
        if target is None:
            target = self.query_one("#f-ine")
        target.focus()
        self.query_one("#form-scroll", FormScroll).scroll_to_widget(target, animate=False)

    def _state_options(self, state: str) -> list[tuple[str, str]]:
        states = [state, *TRANSITIONS.get(state, ())]
        return [(s, STATES.get(s, s)) for s in states]

    def _set_select(
        self, name: str, options: list[tuple[str, str]], value: str, *, blank: bool = True
    ) -> None:
        select = self.query_one(f"#f-{name}", Select)
        known = [key for key, _ in options]
        shown = list(options)
        if value and value not in known:
            shown.append((value, f"{value} (inconnu)"))
        select.set_options([(label, key) for key, label in shown])
        if value:
            select.value = value
        else:
            select.clear()

    def _set_sub_choices(self, series: str, value: str) -> None:
        subs = list(self.choices.sub_choices.get(series, ())) if self.choices else []
        select = self.query_one("#f-sub_choice", Select)
        self._set_select("sub_choice", [(s, s) for s in subs], value if subs or value else "")
        select.disabled = not subs and not value
        label = self.choices.sub_choice_labels.get(series, "") if self.choices else ""
        self.query_one("#row-sub_choice Label", Label).update(
            (label[:12] or "Ens. spécif.") if subs else "Sous-choix"
        )

    def _build_dossier(self, status: str, eps: bool, received: dict[str, bool] | Any) -> None:
        pieces = dossier_pieces(status, eps)
        keys = tuple(key for key, _ in pieces)
        box = self.query_one("#f-dossier", Vertical)
        if keys == self._dossier_keys and box.children:
            return
        current = {
            (cb.id or "").removeprefix("d-"): cb.value for cb in box.query(Checkbox)
        } or dict(received)
        box.remove_children()
        self._dossier_keys = keys
        if not pieces:
            box.mount(Static("sans objet (scolaire)", classes="form-msg -info"))
            return
        box.mount_all(
            Checkbox(label, bool(current.get(key)), id=f"d-{key}", compact=True)
            for key, label in pieces
        )

    # --- reading the form -----------------------------------------------------------------------------

    def current_form(self) -> RegistrationForm:
        base = self.loaded or RegistrationForm()
        values: dict[str, Any] = {}
        for name, _, kind in FORM_ROWS:
            if kind == "input":
                values[name] = self.query_one(f"#f-{name}", Input).value
            elif kind == "select":
                values[name] = select_value(self.query_one(f"#f-{name}", Select))
            elif kind == "checkbox":
                values[name] = self.query_one(f"#f-{name}", Checkbox).value
        values["dossier"] = {
            (cb.id or "").removeprefix("d-"): cb.value
            for cb in self.query_one("#f-dossier").query(Checkbox)
        }
        return base.with_values(**values)

    @property
    def dirty(self) -> bool:
        if self.loaded is None:
            return False
        now = self.current_form()
        before = self.loaded
        for name, _, _kind in FORM_ROWS:
            if name == "dossier":
                wanted = {k: bool(before.dossier.get(k)) for k in now.dossier}
                if wanted != dict(now.dossier):
                    return True
            elif getattr(now, name) != getattr(before, name):
                return True
        return False

    # --- messages beside the fields ----------------------------------------------------------------

    def _message(self, name: str, text: str, *, error: bool = True) -> None:
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
            self._build_dossier(form.status, form.eps_inapte, form.dossier)
        self.validate_fields(DEPENDENT.get(name, (name,)))

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        name = (event.checkbox.id or "").removeprefix("f-")
        if self._populating:
            return
        if name == "eps_inapte":
            form = self.current_form()
            self._build_dossier(form.status, form.eps_inapte, form.dossier)
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
            self.app.call_from_thread(self._info, "etablissement", text)

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
        if self.reg is None or self.session_id is None or self._saving:
            return
        form = self.current_form()
        errors = form_errors(self.reg, form)
        if errors:
            self._refused(errors)
            return
        self._saving = True
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
        self._saving = False
        order = {name: index for index, (name, _, _) in enumerate(FORM_ROWS)}
        errors = sorted(errors, key=lambda e: order.get(e[0], len(order)))  # Tab order
        self.show_errors(errors)
        name, message = errors[0]
        self.fail(f"{field_label(name).capitalize()} : {message}", title="Inscription refusée")
        self.focus_on(name)

    def _conflict(self, message: str) -> None:
        self._saving = False
        self.fail(message, title="Enregistrement refusé")
        self.load(self.candidate_id)

    def _failed(self, message: str) -> None:
        self._saving = False
        self.fail(message)

    def _saved(self, saved: SavedRegistration, fresh: RegistrationForm) -> None:
        self._saving = False
        self.say(saved.message)
        self.candidate_id = saved.candidate_id
        if self.reg is not None and self.choices is not None and self.session_id is not None:
            field = self.focused.id.removeprefix("f-") if self.focused and self.focused.id else None
            self.focus_field = field if field in FIELD_KINDS else None
            self._populate(self.session_id, self.reg, self.choices, fresh)
        if self.on_saved is not None and saved.changed:
            self.on_saved(saved.candidate_id)

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


class RegistrationsScreen(BaktuiScreen):
    """F3: check every registration, list the anomalies by kind, open the form at the fault."""

    SUB_TITLE = "Inscriptions"
    HELP = """\
**c** contrôle toutes les inscriptions de la session (identifiants, doublons probables — même
nom et date de naissance, ou même INE —, choix manquants ou incohérents, dossiers incomplets
des candidats individuels, candidats sans centre ou sans établissement, coordonnées invalides).

Le tableau du haut compte les anomalies par nature : **↑** / **↓** y choisissent la nature
affichée en dessous. **Tab** passe à la liste ; **Entrée** sur une anomalie ouvre le formulaire
du candidat, le curseur sur le champ à corriger. Une fois la correction enregistrée, le candidat
est contrôlé de nouveau et quitte la liste. **+** / **-** changent de page (100 par page).

**n** nouvelle inscription · **p** confirmations d'inscription de tous les candidats
individuels (un seul PDF, une page par candidat).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="back"),
        Binding("c", "run_checks", "Contrôler", id="registrations-check"),
        Binding("n", "new", "Nouvelle", id="registrations-new"),
        Binding("p", "print_all", "Confirmations", id="registrations-print"),
        Binding("plus", "page(1)", "Page +", id="registrations-next-page", key_display="+"),
        Binding("minus", "page(-1)", "Page -", id="registrations-prev-page", key_display="-"),
    ]
    DEFAULT_CSS = """
    RegistrationsScreen #reg-info { height: 1; margin: 0 1; text-wrap: nowrap; }
    RegistrationsScreen #reg-kinds { height: 9; margin: 0 1; }
    RegistrationsScreen #reg-list-info { height: 1; margin: 0 1; color: $text-muted; }
    RegistrationsScreen #reg-anomalies { height: 1fr; margin: 0 1; }
    RegistrationsScreen #reg-detail {
        height: 2; margin: 0 1; color: $text; text-style: bold;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.report: CheckReport | None = None
        self.kind: str | None = None
        self.page_offset = 0
        self._page: list[Anomaly] = []
        self._checking = False
        self._printing = False

    def compose_content(self) -> ComposeResult:
        yield Static(
            "c : contrôler toutes les inscriptions de la session", id="reg-info", markup=False
        )
        kinds: DataTable[str] = DataTable(id="reg-kinds", cursor_type="row")
        kinds.add_column("Anomalie", width=62)
        kinds.add_column("Nombre", width=8)
        yield kinds
        yield Static("", id="reg-list-info", markup=False)
        table: DataTable[str] = DataTable(id="reg-anomalies", cursor_type="row", zebra_stripes=True)
        table.add_column("N° cand.", width=9)
        table.add_column("Nom", width=18)
        table.add_column("Champ", width=9)
        table.add_column("Anomalie", width=120)
        yield table
        yield Static("", id="reg-detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#reg-kinds", DataTable).focus()

    # --- checks ---------------------------------------------------------------------------------

    def action_run_checks(self) -> None:
        session = self.baktui.session
        if session is None:
            self.fail("Aucune session ouverte.")
            return
        if self._checking:
            return
        self._checking = True
        self.query_one("#reg-info", Static).update("Contrôle des inscriptions en cours…")
        self.checks(session.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="registrations-checks")
    def checks(self, session_id: int) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(
                self.query_one("#reg-info", Static).update,
                f"Contrôle des inscriptions : {done:,} / {total:,} candidats…".replace(",", " "),
            )

        try:
            with worker_connection():
                report = run_checks(
                    session_id, progress=progress, cancelled=lambda: worker.is_cancelled
                )
        except Exception as exc:
            self.app.call_from_thread(self._checks_failed, error_text(exc))
            return
        self.app.call_from_thread(self._checked, report)

    def _checks_failed(self, message: str) -> None:
        self._checking = False
        self.query_one("#reg-info", Static).update(message)
        self.fail(message)

    def _checked(self, report: CheckReport) -> None:
        self._checking = False
        self.report = report
        self.page_offset = 0
        self._show_info()
        self._show_kinds()
        self._show_page()
        self.query_one("#reg-anomalies", DataTable).focus()

    def _show_info(self) -> None:
        report = self.report
        if report is None:
            return
        count = len(report.anomalies)
        text = Text()
        text.append(f"{report.checked:,}".replace(",", " ") + " candidats contrôlés en ")
        text.append(f"{report.elapsed_s:.1f} s".replace(".", ","))
        text.append(" — ")
        text.append(f"{count} anomalie{'s' if count > 1 else ''}", style="bold")
        text.append(" · c recontrôle")
        self.query_one("#reg-info", Static).update(text)

    def _show_kinds(self) -> None:
        report = self.report
        if report is None:
            return
        table = self.query_one("#reg-kinds", DataTable)
        cursor = table.cursor_row
        table.clear()
        counts = report.counts
        table.add_row("Toutes les anomalies", str(len(report.anomalies)), key="*")
        for kind, label in CHECK_KINDS.items():
            table.add_row(label, str(counts.get(kind, 0)), key=kind)
        table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))

    def _show_page(self) -> None:
        table = self.query_one("#reg-anomalies", DataTable)
        cursor = table.cursor_row
        table.clear()
        if self.report is None:
            return
        rows = self.report.of_kind(self.kind)
        if self.page_offset >= len(rows) and self.page_offset:
            self.page_offset = max(0, (len(rows) - 1) // PAGE_SIZE * PAGE_SIZE)
        self._page = rows[self.page_offset : self.page_offset + PAGE_SIZE]
        for index, anomaly in enumerate(self._page):
            table.add_row(
                anomaly.number,
                anomaly.name[:18],
                SHORT_FIELDS.get(anomaly.field, field_label(anomaly.field))[:9],
                anomaly.message,
                key=f"{index}",
            )
        if self._page:
            table.move_cursor(row=min(max(cursor, 0), len(self._page) - 1))
        kind = CHECK_KINDS.get(self.kind or "", "toutes les anomalies").lower()
        shown = (
            f"{self.page_offset + 1}–{self.page_offset + len(self._page)} sur {len(rows)}"
            if rows
            else "aucune"
        )
        self.query_one("#reg-list-info", Static).update(
            f"{kind} : {shown} · Entrée : formulaire au champ à corriger"
        )
        self._show_detail(table.cursor_row)

    def _show_detail(self, row: int) -> None:
        detail = self.query_one("#reg-detail", Static)
        if 0 <= row < len(self._page):
            anomaly = self._page[row]
            detail.update(f"{anomaly.name} (n° {anomaly.number}) — {anomaly.message}")
        else:
            detail.update("")

    @on(DataTable.RowHighlighted, "#reg-anomalies")
    def _anomaly_moved(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    @on(DataTable.RowHighlighted, "#reg-kinds")
    def _kind_moved(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        kind = None if key in (None, "*") else key
        if kind != self.kind:
            self.kind = kind
            self.page_offset = 0
            self._show_page()

    @on(DataTable.RowSelected, "#reg-kinds")
    def _kind_chosen(self) -> None:
        self.query_one("#reg-anomalies", DataTable).focus()

    def action_page(self, step: int) -> None:
        if self.report is None:
            return
        total = len(self.report.of_kind(self.kind))
        offset = self.page_offset + step * PAGE_SIZE
        if 0 <= offset < total:
            self.page_offset = offset
            self._show_page()

    # --- open the form at the faulty field ------------------------------------------------------

    @on(DataTable.RowSelected, "#reg-anomalies")
    def _anomaly_chosen(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if 0 <= index < len(self._page):
            anomaly = self._page[index]
            self.app.push_screen(
                RegistrationFormScreen(
                    anomaly.candidate_id, focus=anomaly.field, on_saved=self._fixed
                )
            )

    def _fixed(self, candidate_id: int) -> None:
        """A registration was saved: check it (and its probable duplicates) again."""
        if self.report is None:
            return
        related = {candidate_id}
        for anomaly in self.report.anomalies:
            if anomaly.candidate_id == candidate_id:
                related.update(anomaly.related)
        self.recheck(tuple(sorted(related)))

    @work(thread=True, exclusive=False, exit_on_error=False, group="registrations-recheck")
    def recheck(self, ids: tuple[int, ...]) -> None:
        try:
            with worker_connection():
                fresh = [a for cid in ids for a in check_candidate(cid)]
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._rechecked, ids, fresh)

    def _rechecked(self, ids: tuple[int, ...], fresh: list[Anomaly]) -> None:
        if self.report is None:
            return
        gone = self.report.replace_candidates(ids, fresh)
        self._show_info()
        self._show_kinds()
        self._show_page()
        if gone > 0:
            self.say(f"{gone} anomalie{'s' if gone > 1 else ''} corrigée{'s' if gone > 1 else ''}.")

    # --- new registration, confirmations --------------------------------------------------------

    def action_new(self) -> None:
        self.app.push_screen(RegistrationFormScreen(None, on_saved=self._fixed))

    def action_print_all(self) -> None:
        session = self.baktui.session
        if session is None or self._printing:
            return
        self.app.push_screen(
            ConfirmModal(
                "Éditer les confirmations d'inscription de tous les candidats individuels de la "
                "session (un seul PDF, une page par candidat) ?",
                title="Confirmations d'inscription",
                default=True,
            ),
            lambda ok: self._start_print(session.id) if ok else None,
        )

    def _start_print(self, session_id: int) -> None:
        self._printing = True
        self.say("Édition des confirmations en cours…")
        self.print_all(session_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="registrations-print")
    def print_all(self, session_id: int) -> None:
        try:
            with worker_connection():
                issued = issue_confirmations(session_id)
        except Exception as exc:
            self.app.call_from_thread(self._printed, None, error_text(exc))
            return
        self.app.call_from_thread(self._printed, issued, "")

    def _printed(self, issued: IssuedConfirmations | None, message: str) -> None:
        self._printing = False
        if issued is None:
            self.fail(message)
        else:
            self.say(
                f"{issued.count} confirmation(s) en {issued.elapsed_ms / 1000:.0f} s : {issued.path}",
                title="Confirmations d'inscription",
            )
