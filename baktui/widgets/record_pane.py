"""The form of one record of the organisation screen (F9): établissement, centre, salle,
examinateur, jury, horaire, taux or paramètre.

Its fields are the columns of the kind's import file, and it is checked by the same line parser
(:mod:`baktui.services.organisation`): each field is checked as the cursor leaves it, the
message at its right. The pane lives inside the screen (one per kind, composed once): opening a
record shows it and focuses its first field at once, with the values the list read, so that keys
typed right after « n » or Entrée, in the same burst, land in the form. A background re-read then
says if a colleague changed the record meanwhile; saving checks the version that was read, so a
record saved by someone else is refused with his name and reloaded, never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from baktui.errors import ConflictError
from baktui.services.organisation import (
    Field,
    FormRefused,
    Kind,
    RecordForm,
    Saved,
    check_record,
    open_record,
    save_record,
)
from baktui.widgets.checkbox import Checkbox
from baktui.widgets.feedback import Messages, error_text, worker_connection
from baktui.widgets.registration_fields import FormScroll

HELP_LINE = "Ctrl+S enregistrer · Échap revenir à la liste · F1 aide"


class RecordPane(Messages, Vertical):
    """The form of one kind of record; :meth:`show` opens a record in it."""

    DEFAULT_CSS = """
    RecordPane { display: none; height: 1fr; }
    RecordPane .record-title { height: 1; margin: 0 1; text-style: bold; }
    RecordPane FormScroll { height: 1fr; padding: 0 1; }
    RecordPane .form-row { height: 1; }
    RecordPane .form-row > Label { width: 15; }
    RecordPane .form-row > Input { width: 32; }
    RecordPane .form-row > Checkbox { width: 32; }
    RecordPane .form-msg { width: 1fr; height: 1; padding-left: 1; text-wrap: nowrap;
                           text-overflow: ellipsis; }
    RecordPane .form-msg.-error { color: $error; text-style: bold; }
    RecordPane .form-msg.-info { color: $text-muted; }
    RecordPane .record-help { height: 1; margin: 0 1; color: $text-muted; }
    RecordPane .record-error { height: auto; max-height: 3; margin: 0 1; color: $error; }
    """

    def __init__(self, spec: Kind, on_closed: Callable[[Saved | None], None]) -> None:
        super().__init__(id=f"pane-{spec.key}")
        self.spec = spec
        self.closed_callback = on_closed
        self.session_id = 0
        self.form: RecordForm | None = None
        self._visited: set[str] = set()
        self._sent: dict[str, str] | None = None  # the values of the save running

    def compose(self) -> ComposeResult:
        yield Static("", classes="record-title", markup=False)
        with FormScroll():
            for item in self.spec.fields:
                with Horizontal(classes="form-row"):
                    yield Label(item.label)
                    yield self._widget(item)
                    yield Static(item.hint, id=f"m-{item.column}", classes="form-msg -info",
                                 markup=False)  # fmt: skip
        yield Static("", classes="record-error", markup=False)
        yield Static(HELP_LINE, classes="record-help", markup=False)

    def _widget(self, item: Field) -> Input | Checkbox:
        if item.boolean:
            return Checkbox("oui", id=f"f-{item.column}", classes="record-field", compact=True)
        suggester = (
            SuggestFromList(item.suggestions, case_sensitive=False) if item.suggestions else None
        )
        return Input(id=f"f-{item.column}", classes="record-field", compact=True,
                     max_length=item.max_length, suggester=suggester)  # fmt: skip

    # --- open -----------------------------------------------------------------------------------

    @property
    def editing(self) -> bool:
        return self.display and self.form is not None

    def show(self, session_id: int, form: RecordForm, *, reread: bool) -> None:
        """Open the record: values filled and the first field focused now (no wait); with
        ``reread``, the record is read again in the background (the list's values may be old)."""
        self.session_id = session_id
        self._visited = set()
        self._sent = None
        self._fill(form)
        self.display = True
        # at once (Widget.focus waits for the next idle): the keys that follow go to the field
        self.screen.set_focus(self.query(".record-field").first())
        if reread and form.id is not None:
            self.reread(form.id)

    def _fill(self, form: RecordForm) -> None:
        self.form = form
        for item in self.spec.fields:
            self._set(item.column, form.values.get(item.column, ""))
        self.query_one(".record-title", Static).update(self._title())
        self._show({})

    def _set(self, column: str, value: str) -> None:
        widget = self.query_one(f"#f-{column}")
        if isinstance(widget, Checkbox):
            widget.value = value == "oui"
        elif isinstance(widget, Input):
            widget.value = value
            widget.cursor_position = len(value)

    def _title(self) -> str:
        form = self.form
        if form is None:
            return ""
        state = "" if form.active else " (inactif)"
        return f"{self.spec.title} — {form.title}{state}"

    def close(self, saved: Saved | None = None) -> None:
        self.display = False
        self.form = None
        self.closed_callback(saved)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record-reread")
    def reread(self, record_id: int | str) -> None:
        with worker_connection():
            fresh = open_record(self.spec.key, self.session_id, record_id)
        self.app.call_from_thread(self._reread, fresh)

    def _reread(self, fresh: RecordForm) -> None:
        form = self.form
        if form is None or fresh.id != form.id or fresh.version == form.version:
            return
        if self.modified:
            self.warn("Cette fiche a été modifiée par un collègue depuis l'affichage de la liste : "
                      "votre enregistrement sera refusé et la fiche relue.")  # fmt: skip
            return
        self._fill(fresh)
        self.say("Fiche mise à jour : un collègue l'a modifiée entre-temps.")

    # --- values ---------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        """What the form holds, by column (checkboxes as « oui » / « non »)."""
        out: dict[str, str] = {}
        for item in self.spec.fields:
            widget = self.query_one(f"#f-{item.column}")
            if isinstance(widget, Checkbox):
                out[item.column] = "oui" if widget.value else "non"
            elif isinstance(widget, Input):
                out[item.column] = widget.value
        return out

    @property
    def modified(self) -> bool:
        form = self.form
        current = self.values()
        return form is not None and any(current[k] != v for k, v in form.values.items())

    def _show(self, errors: dict[str, str], columns: set[str] | None = None) -> None:
        """The messages of the fields (only ``columns`` when given; the hint where no error)."""
        for item in self.spec.fields:
            if columns is not None and item.column not in columns:
                continue
            message = self.query_one(f"#m-{item.column}", Static)
            error = errors.get(item.column)
            message.update(error[0].upper() + error[1:] if error else item.hint)
            message.set_class(bool(error), "-error")
            message.set_class(not error, "-info")
        # the first refusal in full (the column beside the field cuts long messages)
        shown = [i for i in self.spec.fields if i.column in errors]
        first = f"{shown[0].label} : {errors[shown[0].column]}" if shown else ""
        if len(shown) > 1:
            first += f" (et {len(shown) - 1} autre{'s' if len(shown) > 2 else ''} champ" + (
                "s)" if len(shown) > 2 else ")"
            )
        self.query_one(".record-error", Static).update(first)

    # --- field checks ---------------------------------------------------------------------------

    def on_descendant_blur(self, event: object) -> None:
        widget = getattr(event, "widget", None)
        column = (getattr(widget, "id", "") or "").removeprefix("f-")
        if self.editing and any(item.column == column for item in self.spec.fields):
            self._visited.add(column)
            self.check(self.values(), set(self._visited))

    @work(thread=True, exclusive=True, exit_on_error=False, group="record-check")
    def check(self, values: dict[str, str], columns: set[str]) -> None:
        form = self.form
        if form is None:
            return
        with worker_connection():
            errors = check_record(self.spec.key, self.session_id, values, form.id)
        self.app.call_from_thread(self._checked, form, errors, columns)

    def _checked(self, form: RecordForm, errors: dict[str, str], columns: set[str]) -> None:
        if self.form is form:
            self._show(errors, columns)

    # --- save -----------------------------------------------------------------------------------

    def save(self) -> None:
        form = self.form
        if form is None or self._sent is not None:
            return
        self._sent = self.values()
        self.saving(form, self._sent)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record-save")
    def saving(self, form: RecordForm, values: dict[str, str]) -> None:
        try:
            with worker_connection():
                saved = save_record(self.spec.key, self.session_id, form.id, form.version, values)
                fresh = open_record(self.spec.key, self.session_id, saved.id)
        except FormRefused as exc:
            self.app.call_from_thread(self._refused, exc.errors)
            return
        except ConflictError as exc:
            self.app.call_from_thread(self._conflict, form, str(exc))
            return
        except Exception as exc:
            self.app.call_from_thread(self._failed, error_text(exc))
            return
        self.app.call_from_thread(self._saved, saved, fresh)

    def _refused(self, errors: dict[str, str]) -> None:
        self._sent = None
        self._show(errors)
        first = next((i.column for i in self.spec.fields if i.column in errors), None)
        if first is not None:
            self.query_one(f"#f-{first}").focus()
        count = len(errors)
        self.fail(f"{count} champ{'s' if count > 1 else ''} à corriger : rien n'a été enregistré.")

    def _failed(self, message: str) -> None:
        self._sent = None
        self.fail(message)

    def _conflict(self, form: RecordForm, message: str) -> None:
        self._sent = None
        self.fail(message)
        if form.id is not None:
            self.reread_after_conflict(form.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record-reread")
    def reread_after_conflict(self, record_id: int | str) -> None:
        with worker_connection():
            fresh = open_record(self.spec.key, self.session_id, record_id)
        self.app.call_from_thread(self._fill, fresh)

    def _saved(self, saved: Saved, fresh: RecordForm) -> None:
        sent, self._sent = self._sent, None
        for warning in saved.warnings:
            self.warn(warning[0].upper() + warning[1:] + ".")
        typed = self.values()
        if sent is not None and typed != sent:
            # typed while the save ran: the form stays open on the saved version, typing kept
            self.form = fresh
            self.query_one(".record-title", Static).update(self._title())
            self.warn("Enregistré ; vous avez modifié la fiche depuis : Ctrl+S pour enregistrer.")
            return
        if saved.created:
            self.say(f"Créé : {saved.title}.")
        elif saved.changed:
            self.say(f"Enregistré : {saved.title}.")
        else:
            self.say(f"Rien à enregistrer : {saved.title} est inchangé.")
        self.close(saved)
