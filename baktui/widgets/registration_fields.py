"""The registration form's rows: which widget holds each field, in Tab order, and how it is read.

Also the two widgets the form fills from a session's lists: a list keeping a value it no longer
offers, and the dossier's checklist.

The fields themselves are declared once in :mod:`baktui.rules.candidate` (a test checks that the
rows below are exactly its form fields); this module only lays them out for 80 columns: the
short label, the kind of widget, the hints and the keys an input accepts, and which messages to
refresh when a field changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from baktui.rules.candidate import SEXES
from baktui.rules.registration import dossier_pieces
from baktui.widgets.checkbox import Checkbox

INPUT, SELECT, CHECKBOX, DOSSIER = "input", "select", "checkbox", "dossier"

# (field, label, kind): the form's rows in Tab order.
FORM_ROWS: tuple[tuple[str, str, str], ...] = (
    ("state", "État", SELECT),
    ("ine", "INE", INPUT),
    ("last_name", "Nom", INPUT),
    ("first_name", "Prénom", INPUT),
    ("birth_date", "Naissance", INPUT),
    ("birth_place", "Lieu naiss.", INPUT),
    ("sex", "Sexe", SELECT),
    ("status", "Statut", SELECT),
    ("etablissement", "UAI établ.", INPUT),
    ("centre", "Centre", SELECT),
    ("series", "Série", SELECT),
    ("sub_choice", "Ens. spécif.", SELECT),
    ("lva", "LVA", SELECT),
    ("lvb", "LVB", SELECT),
    ("options", "Options", INPUT),
    ("indications", "Indications", INPUT),
    ("eps_inapte", "EPS", CHECKBOX),
    ("eps_certificate", "Certificat", CHECKBOX),
    ("amenagements", "Aménagements", INPUT),
    ("address", "Adresse", INPUT),
    ("postcode", "Code postal", INPUT),
    ("city", "Commune", INPUT),
    ("email", "Courriel", INPUT),
    ("phone", "Téléphone", INPUT),
    ("dossier", "Dossier", DOSSIER),
)
FIELD_KINDS = {name: kind for name, _, kind in FORM_ROWS}
TAB_ORDER = {name: index for index, (name, _, _) in enumerate(FORM_ROWS)}
CHECKBOX_LABELS = {
    "eps_inapte": "inapte (EPS adaptée ou neutralisée)",
    "eps_certificate": "certificat médical reçu",
}
INPUT_HINTS = {
    "ine": "11 caractères",
    "birth_date": "JJ/MM/AAAA",
    "etablissement": "ex. 0690026D",
    "options": "ex. LATIN-1, ARTS-T",
    "birth_place": "commune de naissance",
    "indications": "ex. SE-ANG, MEI",
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
SEX_CHOICES = [(code, f"{code} — {text}") for code, text in SEXES.items()]
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


def field_widget(name: str, kind: str) -> Iterator[Widget]:
    """The widget of one row (id ``f-<field>``)."""
    if kind == INPUT:
        yield Input(
            id=f"f-{name}",
            placeholder=INPUT_HINTS.get(name, ""),
            restrict=INPUT_RESTRICT.get(name),
            max_length=INPUT_MAX.get(name, 0),
            compact=True,
        )
    elif kind == SELECT:
        yield Select[str]([], id=f"f-{name}", prompt="—", compact=True)
    elif kind == CHECKBOX:
        yield Checkbox(CHECKBOX_LABELS[name], id=f"f-{name}", compact=True)
    else:
        yield DossierChecklist(id="f-dossier")


def fill_select(select: Select[str], options: list[tuple[str, str]], value: str) -> None:
    """Offer (key, label) ``options`` and choose ``value`` (a stored value the lists no longer
    offer is kept, marked « inconnu »)."""
    shown = list(options)
    if value and value not in {key for key, _ in options}:
        shown.append((value, f"{value} (inconnu)"))
    select.set_options([(label, key) for key, label in shown])
    if value:
        select.value = value
    else:
        select.clear()


class DossierChecklist(Vertical):
    """The pieces an individual candidate's dossier must hold, one box each (id ``d-<piece>``)."""

    _keys: tuple[str, ...] = ()  # the pieces the boxes are for

    def show(
        self, status: str, eps: bool, received: Mapping[str, bool], *, reset: bool = False
    ) -> None:
        """The boxes for the status; the boxes already ticked stay, unless ``reset``."""
        pieces = dossier_pieces(status, eps)
        keys = tuple(key for key, _ in pieces)
        if keys == self._keys and self.children:
            if reset:
                for box in self.query(Checkbox):
                    box.value = bool(received.get((box.id or "").removeprefix("d-")))
            return
        current = ({} if reset else self.received()) or dict(received)
        self.remove_children()
        self._keys = keys
        if not pieces:
            self.mount(Static("sans objet (scolaire)", classes="form-msg -info"))
            return
        self.mount_all(
            Checkbox(label, bool(current.get(key)), id=f"d-{key}", compact=True)
            for key, label in pieces
        )

    def received(self) -> dict[str, bool]:
        return {(box.id or "").removeprefix("d-"): box.value for box in self.query(Checkbox)}

    def first_missing(self) -> Checkbox | None:
        """The first piece not received (else the first piece), for the cursor."""
        boxes = list(self.query(Checkbox))
        return next((b for b in boxes if not b.value), boxes[0] if boxes else None)
