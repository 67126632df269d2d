"""The organisation of the académie, record by record: what the F9 screen lists, opens and saves.

Eight kinds of record (établissements, centres, salles, examinateurs, jurys, calendrier, taux,
paramètres), each a :class:`Kind`: its form fields, its list columns, how a page of it is read,
how a typed record is checked and written. A record typed on screen is checked by the same line
parser as its import (the form's fields are the file's columns), so the screen and
``baktui import`` refuse the same values with the same French messages.

Saving is one write transaction: the check again (a colleague may have taken the UAI meanwhile),
the optimistic lock (``version`` read with the record: a record changed since is refused with
who changed it, and nothing is overwritten), the write through the audit log (each changed field
with its before and after).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.identifiers import fold
from baktui.rules.text import control_error
from baktui.services.imports import run_import
from baktui.services.imports.common import changes_of, form_table
from baktui.services.imports.report import ImportReport, LineIssue
from baktui.services.imports.tabular import Table

PAGE_SIZE = 100
FIELD_MAX = 200  # characters of a typed value


@dataclass(frozen=True)
class Field:
    """One field of a record's form: the import's column, its label and how it is typed."""

    column: str
    label: str
    hint: str = ""
    boolean: bool = False  # a checkbox, stored as "oui" / "non"
    suggestions: tuple[str, ...] = ()  # completed as they are typed (→ accepts)
    max_length: int = 0
    required: bool = False


@dataclass(frozen=True)
class RecordRow:
    """One line of a list: the record's id and its cells, in the kind's column order."""

    id: int | str
    cells: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class RecordForm:
    """A record as its form shows it: the values by column, and the version it was read at."""

    kind: str
    id: int | str | None  # None: a new record
    version: int | None
    values: Mapping[str, str]
    title: str
    active: bool = True


@dataclass(frozen=True)
class RecordPage:
    """A page of a list, with each row's record as its form shows it (opened with no wait)."""

    rows: tuple[RecordRow, ...]
    total: int
    offset: int
    forms: tuple[RecordForm, ...] = ()


@dataclass(frozen=True)
class Saved:
    id: int | str
    title: str
    created: bool
    changed: int  # fields written (0: nothing to save)
    warnings: tuple[str, ...] = ()


class FormRefused(ServiceError):
    """A record refused: the French message of each faulty field, by column."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        first = next(iter(self.errors.items()), ("", "valeurs refusées"))
        super().__init__(f"{first[0]} : {first[1]}" if first[0] else first[1])


@dataclass
class Parsed:
    """What a form's values become: the model's values, the refusals by column, notes."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # what the kind writes besides

    def refuse(self, column: str, reason: str) -> None:
        self.errors.setdefault(column, reason)

    def take(self, issues: list[LineIssue]) -> None:
        for issue in issues:
            self.refuse(issue.column, issue.reason)


class Kind:
    """A kind of record of the organisation screen (subclasses: one per kind)."""

    key: ClassVar[str]  # "etablissements"
    title: ClassVar[str]  # "Établissements"
    one: ClassVar[str]  # "établissement": what « n » creates
    fields: ClassVar[tuple[Field, ...]]
    columns: ClassVar[tuple[tuple[str, int], ...]]  # list headers and widths (at 80 columns)
    wide_columns: ClassVar[tuple[int, ...]] = (1,)  # those a wider terminal widens (a name…)
    import_kind: ClassVar[str | None] = None  # the key of ``baktui import``
    removal: ClassVar[str] = "désactiver"  # what « x » does: désactiver, supprimer or ""
    search_hint: ClassVar[str] = "nom"
    new_title: ClassVar[str] = ""  # « Nouvelle salle » (the French agreement, per kind)

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        raise NotImplementedError

    def load(self, session_id: int, record_id: int | str) -> RecordForm:
        raise NotImplementedError

    def blank(self, session_id: int) -> dict[str, str]:
        return {f.column: ("non" if f.boolean else "") for f in self.fields}

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        raise NotImplementedError

    def write(
        self, session_id: int, record_id: Any, version: int | None, parsed: Parsed
    ) -> tuple[int | str, bool, int]:
        """Create or update (call inside the write transaction): (id, created, fields written)."""
        raise NotImplementedError

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        raise ServiceError(f"Les {self.title.lower()} ne se suppriment pas.")


def existing(model: Any, record_id: Any, what: str, session_id: int | None = None) -> Any:
    """The record a list showed, still there (and of this session when the model has one): a
    French refusal rather than a crash when a colleague removed it or the id is another
    session's."""
    where = model._meta.primary_key == record_id
    if session_id is not None:
        where &= model.session == session_id
    row = model.get_or_none(where)
    if row is None:
        raise NotFoundError(f"{what} introuvable : la liste est rechargée.")
    return row


def one_row(values: Mapping[str, str]) -> Table:
    return form_table({k: v for k, v in values.items()})


def yes_no(value: bool) -> str:
    return "oui" if value else "non"


def page_of(query: pw.ModelSelect, offset: int, limit: int) -> tuple[list[Any], int]:
    """The rows of a page and the count of the whole query."""
    total = query.count()
    return list(query.offset(offset).limit(limit)), total


def prefix_range(column: pw.Field, text: str) -> pw.Expression:
    """``column`` starts with ``text``, as an index range (``startswith`` ignores the index)."""
    return (column >= text) & (column < text + "\uffff")


def update_record(
    model: Any, record_id: Any, version: int | None, values: Mapping[str, Any], reason: str
) -> int:
    """Write the changed values through the audit log, the version checked even when nothing
    changed (a record changed since it was read is refused); how many fields were written."""
    current = model.get_or_none(model._meta.primary_key == record_id)
    if current is None:
        raise NotFoundError("Fiche introuvable : elle a été supprimée entre-temps.")
    changes = changes_of(current, values)
    audit.update(model, record_id, changes, expected_version=version, reason=reason)
    return len(changes)


def folded_search(text: str) -> str:
    return fold(" ".join(text.split()))


def _kinds() -> dict[str, Kind]:
    from baktui.services.organisation.dates import KINDS as DATE_KINDS
    from baktui.services.organisation.people import KINDS as PEOPLE_KINDS
    from baktui.services.organisation.places import KINDS as PLACE_KINDS

    return {kind.key: kind for kind in (*PLACE_KINDS, *PEOPLE_KINDS, *DATE_KINDS)}


_KINDS: dict[str, Kind] = {}


def kinds() -> dict[str, Kind]:
    """Every kind of record, in the screen's order."""
    if not _KINDS:
        _KINDS.update(_kinds())
    return _KINDS


def kind(key: str) -> Kind:
    try:
        return kinds()[key]
    except KeyError:
        raise NotFoundError(f"Nature de fiche « {key} » inconnue.") from None


def list_records(
    key: str, session_id: int, search: str = "", offset: int = 0, limit: int = PAGE_SIZE
) -> RecordPage:
    """A page of the records of that kind (those matching ``search``), their count, and each
    record as its form shows it."""
    spec = kind(key)
    page = spec.page(session_id, search.strip(), max(0, offset), limit)
    forms = tuple(spec.load(session_id, row.id) for row in page.rows)
    return replace(page, forms=forms)


def open_record(key: str, session_id: int, record_id: int | str | None) -> RecordForm:
    """A record as its form shows it; ``None``: a new record, blank."""
    spec = kind(key)
    if record_id is None:
        return RecordForm(key, None, None, spec.blank(session_id), spec.new_title)
    return spec.load(session_id, record_id)


def _typed(spec: Kind, values: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The form's values (unknown columns dropped), and the fields refused as typed text."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in spec.fields:
        text = str(values.get(item.column, "")).strip()
        if message := control_error(text):
            errors[item.column] = message
        elif len(text) > FIELD_MAX:
            errors[item.column] = f"au plus {FIELD_MAX} caractères"
        elif item.required and not text:
            errors[item.column] = f"{item.label.lower()} obligatoire"
        clean[item.column] = text
    return clean, errors


def check_record(
    key: str, session_id: int, values: Mapping[str, str], record_id: int | str | None = None
) -> dict[str, str]:
    """The refusals of the typed values by column (empty: the record can be saved)."""
    spec = kind(key)
    clean, errors = _typed(spec, values)
    parsed = spec.parse(session_id, clean, record_id)
    return {**parsed.errors, **errors}


def save_record(
    key: str,
    session_id: int,
    record_id: int | str | None,
    version: int | None,
    values: Mapping[str, str],
) -> Saved:
    """Check and write a record in one transaction; :class:`FormRefused` with every faulty
    field, or ConflictError when it was changed since ``version`` was read: nothing written."""
    spec = kind(key)
    clean, errors = _typed(spec, values)
    with write_transaction():
        parsed = spec.parse(session_id, clean, record_id)
        parsed.errors.update(errors)
        if parsed.errors:
            raise FormRefused(parsed.errors)
        new_id, created, changed = spec.write(session_id, record_id, version, parsed)
    title = spec.load(session_id, new_id).title
    return Saved(new_id, title, created, changed, tuple(parsed.extra.get("warnings", ())))


def toggle_record(key: str, session_id: int, record_id: int | str, version: int | None) -> str:
    """Deactivate (or reactivate) a record, or delete it for the kinds that delete; the French
    sentence saying what was done."""
    spec = kind(key)
    with write_transaction():
        return spec.toggle(session_id, record_id, version)


def import_records(key: str, session_id: int, path: Path | str) -> ImportReport:
    """Import a file of that kind into the session (as ``baktui import``)."""
    spec = kind(key)
    if spec.import_kind is None:
        raise ServiceError(f"Les {spec.title.lower()} ne s'importent pas d'un fichier.")
    path = Path(path).expanduser()
    return run_import(spec.import_kind, session_id, path)
