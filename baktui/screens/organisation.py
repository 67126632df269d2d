"""F9 Organisation: the académie's lists, record by record — établissements, centres, salles,
examinateurs, jurys, calendrier des épreuves, taux de frais, paramètres.

A bar of the eight lists (keys 1 to 8), a search box, the list (a page of 100), and the keys:
Entrée opens the highlighted record, n a new one, x deactivates it (or deletes a calendar line),
i imports a file of that list (the same import as ``baktui import``). Every read and write runs
in a thread worker through :mod:`baktui.services.organisation`.

The forms (:class:`~baktui.widgets.record_pane.RecordPane`, one per kind) live in the screen and
open with the values the list read: « n », Entrée and Tab are handled as the key arrives
(priority bindings), so that keys typed in one burst after them land where the user meant, never
in the field or the list being left; Ctrl+S and Échap follow the keys typed before them.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from baktui.screens.base import BaktuiScreen
from baktui.services.imports.report import ImportReport
from baktui.services.organisation import (
    PAGE_SIZE,
    RecordForm,
    RecordPage,
    Saved,
    import_records,
    kind,
    kinds,
    list_records,
    open_record,
    toggle_record,
)
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import ConfirmModal, ReportModal, TextDialog
from baktui.widgets.feedback import error_text, worker_connection
from baktui.widgets.record_pane import RecordPane

FORM_ACTIONS = {"field", "save", "leave_form"}
SHORT_TITLES = {
    "etablissements": "Étab.",
    "centres": "Centres",
    "salles": "Salles",
    "examinateurs": "Examin.",
    "jurys": "Jurys",
    "calendrier": "Calendrier",
    "taux": "Taux",
    "parametres": "Param.",
}


class OrganisationScreen(BaktuiScreen):
    """F9: see, search, add, edit and deactivate the académie's records; import their files."""

    # keys typed while the list is read (or a write lands) wait for it, in order; an import
    # ends in its report, which gets the keys typed meanwhile (« Échap » closes it)
    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"org-page", "org-toggle", "org-import"})

    SUB_TITLE = "Organisation"
    HELP = """\
Les listes de l'académie : **1** établissements, **2** centres, **3** salles, **4** examinateurs,
**5** jurys, **6** calendrier des épreuves, **7** taux de frais, **8** paramètres (nom de
l'académie, adresse du rectorat, signataire des documents).

**/** cherche dans la liste (UAI, nom, identifiant, numéro de jury, code d'épreuve : accents et
majuscules indifférents) ; **↓** ou **Entrée** revient à la liste. **+** / **-** changent de page
(100 par page).

**Entrée** ouvre la fiche surlignée, **n** en crée une, **x** la désactive (ou la réactive ; une
ligne du calendrier est supprimée). **i** importe un fichier de la liste affichée (CSV ou XLSX,
les colonnes du README : les mêmes contrôles que `baktui import`, tout ou rien).

Dans une fiche : **Tab**, **Maj+Tab** ou **Entrée** passent d'un champ à l'autre ; chaque champ
est vérifié quand on le quitte (les contrôles de l'import du fichier correspondant), le message à
sa droite. Une suggestion en gris (secteur, corps, nature de taux…) s'accepte avec **→**.
**Espace** coche une case. **Ctrl+S** enregistre (chaque changement entre dans le journal, à
votre nom, avec l'ancienne et la nouvelle valeur) ; si un collègue a enregistré la fiche
entre-temps, l'enregistrement est refusé, la fiche relue, rien n'est écrasé. **Échap** revient
à la liste (une confirmation est demandée si vous avez modifié).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="organisation.back"),
        *(
            Binding(
                str(n),
                f"show_kind('{key}')",
                SHORT_TITLES[key],
                show=False,
                id=f"organisation.kind_{n}",
            )  # fmt: skip
            for n, key in enumerate(SHORT_TITLES, start=1)
        ),
        Binding("n", "new", "Nouveau", id="organisation.new", priority=True),
        Binding("enter", "open", "Ouvrir", show=False, id="organisation.open", priority=True),
        Binding(
            "tab",
            "field(1)",
            "Champ suivant",
            show=False,
            id="organisation.next_field",
            priority=True,
        ),
        Binding(
            "shift+tab",
            "field(-1)",
            "Champ précédent",
            show=False,
            id="organisation.previous_field",
            priority=True,
        ),
        # not priority: they follow the keys typed before them through the field's queue, so
        # that the values saved (or the question « modified? ») include the last ones typed
        Binding("ctrl+s", "save", "Enregistrer", id="organisation.save", key_display="Ctrl+S"),
        Binding("escape", "leave_form", "Liste", id="organisation.leave"),
        Binding("x", "toggle", "Désactiver", id="organisation.toggle"),
        Binding("i", "import_file", "Importer", id="organisation.import"),
        Binding("slash", "focus_search", "Chercher", id="organisation.search", key_display="/"),
        Binding(
            "plus", "page(1)", "Page +", id="organisation.next_page", key_display="+", show=False
        ),
        Binding(
            "minus", "page(-1)", "Page -", id="organisation.prev_page", key_display="-", show=False
        ),
    ]
    DEFAULT_CSS = """
    OrganisationScreen #org-list-view { height: 1fr; }
    OrganisationScreen #org-kinds { height: 1; margin: 0 1; text-wrap: nowrap; }
    OrganisationScreen #org-search { margin: 0 1; }
    OrganisationScreen #org-list { height: 1fr; margin: 0 1; }
    OrganisationScreen #org-info { height: 1; margin: 0 1; color: $text-muted; text-wrap: nowrap; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.kind_key = "etablissements"
        self.page_offset = 0
        self.page_data: RecordPage | None = None
        self._busy = False  # a record being opened, toggled or imported

    def compose_content(self) -> ComposeResult:
        with Vertical(id="org-list-view"):
            yield Static(id="org-kinds")
            yield Input(id="org-search", compact=True)
            yield DataTable(id="org-list", cursor_type="row", zebra_stripes=True)
            yield Static("", id="org-info", markup=False)
        for spec in kinds().values():
            yield RecordPane(spec, self._form_closed)

    def on_mount(self) -> None:
        self._show_kind_bar()
        self.query_one("#org-list", DataTable).focus()
        self.refresh_list()

    @property
    def session_id(self) -> int | None:
        session = self.baktui.session
        return session.id if session is not None else None

    # --- the kind shown -------------------------------------------------------------------------

    def _show_kind_bar(self) -> None:
        bar = Text(no_wrap=True)
        for n, (key, short) in enumerate(SHORT_TITLES.items(), start=1):
            style = "reverse bold" if key == self.kind_key else ""
            bar.append(f"{n} {short}", style=style)
            bar.append(" ")
        self.query_one("#org-kinds", Static).update(bar)
        spec = kind(self.kind_key)
        search = self.query_one("#org-search", Input)
        search.placeholder = f"/ chercher : {spec.search_hint}"
        self.query_one("#org-list", DataTable).border_title = spec.title

    def action_show_kind(self, key: str) -> None:
        if key == self.kind_key:
            return
        self.kind_key = key
        self.page_offset = 0
        self.query_one("#org-search", Input).value = ""
        self._show_kind_bar()
        self.refresh_list()

    @property
    def pane(self) -> RecordPane | None:
        """The form open, if any."""
        for pane in self.query(RecordPane):
            if pane.display:
                return pane
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        pane = self.pane
        focused = self.focused
        if action == "open":
            return pane is not None or isinstance(focused, DataTable)
        if action in FORM_ACTIONS:
            return pane is not None
        if pane is not None:
            return False  # the list's keys sleep while a form is open
        if action == "new":
            return self.kind_key != "parametres" and not isinstance(focused, Input)
        if action == "toggle":
            return bool(kind(self.kind_key).removal)
        if action == "import_file":
            return kind(self.kind_key).import_kind is not None
        return super().check_action(action, parameters)

    # --- the list -------------------------------------------------------------------------------

    def refresh_list(self) -> None:
        if self.session_id is None:
            self.fail("Aucune session ouverte : baktui init.")
            return
        search = self.query_one("#org-search", Input).value
        self.load_page(self.kind_key, self.session_id, search, self.page_offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="org-page")
    def load_page(self, key: str, session_id: int, search: str, offset: int) -> None:
        try:
            with worker_connection():
                page = list_records(key, session_id, search, offset)
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._show_page, key, page)

    def _show_page(self, key: str, page: RecordPage) -> None:
        if key != self.kind_key:
            return  # another list was chosen meanwhile
        self.page_data = page
        table = self.query_one("#org-list", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        spec = kind(key)
        for index, (header, width) in enumerate(spec.columns):
            table.add_column(header, width=width, key=f"c{index}")
        wide = spec.wide_columns
        if wide:  # a wider terminal shows more of the names
            (first, minimum), *others = ((f"c{i}", spec.columns[i][1]) for i in wide)
            table.stretch(first, minimum, *others)
        for row in page.rows:
            style = "" if row.active else "dim"
            cells = [
                Text(c, style=style, overflow="ellipsis" if i in wide else None)
                for i, c in enumerate(row.cells)
            ]
            table.add_row(*cells, key=str(row.id))
        if page.rows:
            table.move_cursor(row=min(cursor, len(page.rows) - 1))
        self._show_info()

    def _show_info(self) -> None:
        page = self.page_data
        info = self.query_one("#org-info", Static)
        spec = kind(self.kind_key)
        if page is None:
            info.update("Chargement…")
            return
        if not page.total:
            what = "rien ne correspond" if self.query_one("#org-search", Input).value else "vide"
            info.update(f"{spec.title} : {what}. n crée une fiche, i importe un fichier.")
            return
        last = page.offset + len(page.rows)
        info.update(
            f"{spec.title} : {page.offset + 1}–{last} sur {page.total} · Entrée ouvrir la fiche"
        )

    def action_page(self, step: int) -> None:
        page = self.page_data
        if page is None:
            return
        offset = self.page_offset + step * PAGE_SIZE
        if offset < 0 or offset >= page.total:
            return
        self.page_offset = offset
        self.refresh_list()

    def action_focus_search(self) -> None:
        self.query_one("#org-search", Input).focus()

    @on(Input.Changed, "#org-search")
    def _search_changed(self) -> None:
        self.page_offset = 0
        self.refresh_list()

    @on(Input.Submitted, "#org-search")
    def _search_done(self) -> None:
        self.query_one("#org-list", DataTable).focus()

    def on_key(self, event: object) -> None:
        search = self.query_one("#org-search", Input)
        if getattr(event, "key", "") == "down" and search.has_focus:
            self.query_one("#org-list", DataTable).focus()

    # --- one record -----------------------------------------------------------------------------

    def _current_id(self) -> int | str | None:
        table = self.query_one("#org-list", DataTable)
        page = self.page_data
        if page is None or not page.rows or not 0 <= table.cursor_row < len(page.rows):
            return None
        return page.rows[table.cursor_row].id

    def action_open(self) -> None:
        """Entrée on the list: the highlighted record's form, with the values the list read;
        Entrée in a form: the next field."""
        if self.pane is not None:
            self.focus_next()
            return
        page = self.page_data
        table = self.query_one("#org-list", DataTable)
        if page is None or self.session_id is None or not page.forms:
            return
        row = table.cursor_row
        if 0 <= row < len(page.forms):
            self._open_pane(page.forms[row], reread=True)

    def action_new(self) -> None:
        if self.session_id is None:
            return
        # a blank form needs nothing from the base: shown at once, so that typing lands in it
        self._open_pane(open_record(self.kind_key, self.session_id, None), reread=False)

    def _open_pane(self, form: RecordForm, *, reread: bool) -> None:
        session_id = self.session_id
        if session_id is None:
            return
        self.query_one("#org-list-view").display = False
        self.query_one(f"#pane-{self.kind_key}", RecordPane).show(session_id, form, reread=reread)
        self.refresh_bindings()

    def _not_busy(self, message: str = "") -> None:
        self._busy = False
        if message:
            self.fail(message)

    def _form_closed(self, saved: Saved | None) -> None:
        self.query_one("#org-list-view").display = True
        self.set_focus(self.query_one("#org-list", DataTable))
        self.refresh_bindings()
        if saved is not None:
            self.refresh_list()

    # --- in a form ------------------------------------------------------------------------------

    def action_field(self, step: int) -> None:
        """Tab / Maj+Tab (and Entrée in a field): the next or previous field of the form."""
        if step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def action_save(self) -> None:
        pane = self.pane
        if pane is not None:
            pane.save()

    def action_leave_form(self) -> None:
        pane = self.pane
        if pane is None:
            return
        if not pane.modified:
            pane.close()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                pane.close()

        self.app.push_screen(
            ConfirmModal("Abandonner les modifications de cette fiche ?", yes="Abandonner"),
            answered,
        )

    def action_toggle(self) -> None:
        record_id = self._current_id()
        page = self.page_data
        if record_id is None or page is None or self.session_id is None or self._busy:
            return
        spec = kind(self.kind_key)
        row = next(r for r in page.rows if r.id == record_id)
        shown_version = next((f.version for f in page.forms if f.id == record_id), None)
        verb = spec.removal if row.active else "réactiver"
        question = f"{verb[0].upper()}{verb[1:]} : {' '.join(row.cells[:2])} ?"
        session_id, key = self.session_id, self.kind_key

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy = True
                self.toggle(key, session_id, record_id, shown_version)

        self.app.push_screen(ConfirmModal(question, yes=verb.capitalize()), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="org-toggle")
    def toggle(self, key: str, session_id: int, record_id: int | str, version: int | None) -> None:
        """Deactivate or reactivate with the version the list showed: a record a colleague
        changed since is refused (ConflictError), never flipped back."""
        try:
            with worker_connection():
                message = toggle_record(key, session_id, record_id, version)
        except Exception as exc:
            self.app.call_from_thread(self._not_busy, error_text(exc))
            return
        self.app.call_from_thread(self._toggled, message)

    def _toggled(self, message: str) -> None:
        self._busy = False
        self.say(message)
        self.refresh_list()

    # --- import ---------------------------------------------------------------------------------

    def action_import_file(self) -> None:
        spec = kind(self.kind_key)
        session_id = self.session_id
        if spec.import_kind is None or session_id is None or self._busy:
            return

        def chosen(path: str | None) -> None:
            if path:
                self._busy = True
                self.say(f"Import de {Path(path).name} en cours…")
                self.import_file(self.kind_key, session_id, path)

        self.app.push_screen(
            TextDialog(
                f"Importer des {spec.title.lower()}",
                "Chemin du fichier CSV ou XLSX (les colonnes du README, § Formats de fichiers) :",
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="org-import")
    def import_file(self, key: str, session_id: int, path: str) -> None:
        try:
            with worker_connection():
                report = import_records(key, session_id, path)
        except Exception as exc:
            self.app.call_from_thread(self._not_busy, error_text(exc))
            return
        self.app.call_from_thread(self._imported, report)

    def _imported(self, report: ImportReport) -> None:
        self._busy = False
        title = "Import réussi" if report.ok else "Import refusé : rien n'a été enregistré"
        self.app.push_screen(ReportModal(title, report.render()))
        self.refresh_list()
