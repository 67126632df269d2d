"""The one writer of the audit log: every change is appended here, and edits are optimistic-locked.

Services call :func:`create`, :func:`update` and :func:`delete` (or :func:`log` for events, and
:func:`log_many` for batches, with :func:`record_text` for created rows) inside
:func:`baktui.data.db.write_transaction`, so the change and its audit entries commit together.
No other module inserts into the audit log (a test checks it). Who is recorded is the real OS
account of the process (``pwd.getpwuid(os.getuid())``), never an environment variable that
anyone can set; in a browser, the person signed in to ``baktui serve`` (``web:alice``), given once
to the app process by the server that checked the password (:func:`sign_in_process`).

Each entry is sealed to the one before (:mod:`baktui.data.audit_chain`): the writer reads the last
entry's id and seal inside the write transaction, gives the new entries the next ids and computes
their seals before inserting them. A batch reads the last entry once, whatever its size.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import os
import pwd
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

import peewee as pw

from baktui.data import audit_chain, closing, counters, sql
from baktui.data.db import current_database, write_transaction
from baktui.data.models import (
    AuditLog,
    BaseModel,
    Candidate,
    Grade,
    GradePart,
    Registration,
    Result,
)
from baktui.errors import ConflictError, NotFoundError

M = TypeVar("M", bound=BaseModel)

_user_override: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "baktui_user", default=None
)
_process_user: str | None = None  # the signed-in web login of this process (sign_in_process)


@functools.cache
def os_login() -> str:
    """The login of the OS account running baktui (read once: the uid does not change)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no passwd entry (some containers)
        return f"uid{uid}"


def current_user() -> str:
    """Who is recorded in the audit log: the login of :func:`acting_as`, else the web login of
    :func:`sign_in_process`, else the OS account."""
    return _user_override.get() or _process_user or os_login()


def sign_in_process(author: str) -> None:
    """Record every write of this process (every thread) under ``author`` (``web:alice``): the
    app process that ``baktui serve`` starts for a signed-in person. Set once: a second, other
    name is refused (nothing may change who a running process writes as)."""
    global _process_user
    if _process_user is not None and _process_user != author:
        raise RuntimeError(f"process already signed in as {_process_user!r}")
    _process_user = author


@contextmanager
def acting_as(login: str) -> Iterator[None]:
    """Record writes under another login (tests, and the web server acting for a signed-in user)."""
    token = _user_override.set(login)
    try:
        yield
    finally:
        _user_override.reset(token)


def now_iso() -> str:
    """Local time, to the second, as the audit log and documents show it."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def to_text(value: Any) -> str | None:
    """How a field value is written in the audit log."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Fraction | Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return str(value.get_id())
    return str(value)


def _candidate_of(instance: BaseModel) -> int | None:
    if isinstance(instance, Candidate):
        return int(instance.get_id())
    candidate_id = getattr(instance, "candidate_id", None)
    return int(candidate_id) if candidate_id is not None else None


_COLUMNS = audit_chain.HASHED[1:]  # at, who, action, …: what a writer gives
_SEALED = ("id", *_COLUMNS, "chain")  # what is inserted


def _insert_entry(marks: Mapping[str, pw.Value]) -> pw.Query:
    return AuditLog.insert({getattr(AuditLog, name): marks[name] for name in _SEALED})


@contextmanager
def _appending() -> Iterator[pw.Database]:
    """The write transaction the entries go in: the caller's, or one of their own (so that the
    last entry read and the new ones inserted are never split by another writer)."""
    db = current_database()
    if db.in_transaction():
        yield db
        return
    with write_transaction():
        yield db


def _session_ids(entity: Any, entity_id: Any) -> list[int]:
    """The session an entry is about when it is about the session record itself."""
    text = str(entity_id)
    return [int(text)] if str(entity) == "exam_session" and text.isdigit() else []


def _number(value: Any) -> int | None:
    return None if value is None else int(value)


def log(
    action: str,
    entity: str,
    entity_id: Any,
    field: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    candidate_id: int | None = None,
    *,
    at: str | None = None,
) -> None:
    """Append one entry to the audit log (call inside the write transaction).

    Runs a statement prepared once (see :class:`baktui.data.sql.Prepared`): the grade commit on
    Enter writes one entry per keystroke. ``at`` lets a caller stamp the entry with the time it
    also wrote into the record itself.
    """
    values = (
        at or now_iso(),
        current_user(),
        str(action),
        str(entity),
        str(entity_id),
        str(field),
        to_text(before),
        to_text(after),
        str(reason),
        _number(candidate_id),
    )
    if str(entity) not in closing.ALWAYS_ALLOWED:
        closing.refuse_closed([candidate_id], _session_ids(entity, entity_id))
    with _appending() as db:
        last_id, last_chain = audit_chain.tail(db)
        sealed = (last_id + 1, *values)
        row = dict(zip(_SEALED, (*sealed, audit_chain.link(last_chain, sealed)), strict=True))
        sql.Prepared.get("audit-log", _insert_entry, _SEALED).run(**row)


def log_many(entries: Iterable[Mapping[str, Any]]) -> int:
    """Append many entries with one prepared statement (call inside the write transaction).

    For bulk writers (imports, deliberation of a whole session) where one INSERT per entry
    would cost more than the work itself. Each entry holds :func:`log`'s arguments by name;
    all share the same who and when. Returns the number of entries written.
    """
    rows = [
        (
            str(e["action"]),
            str(e["entity"]),
            str(e["entity_id"]),
            str(e.get("field", "")),
            to_text(e.get("before")),
            to_text(e.get("after")),
            str(e.get("reason", "")),
            _number(e.get("candidate_id")),
        )
        for e in entries
    ]
    return append_rows(rows)


def append_rows(rows: Sequence[tuple[Any, ...]], *, at: str | None = None) -> int:
    """:func:`log_many` for entries already in their stored form, the cheapest way in for the
    imports that write millions of them batch by batch: each row is (action, entity,
    entity_id, field, before, after, reason, candidate_id), texts (``before`` and ``after``
    may be None) and the candidate id an int or None. All share the same who and ``at``
    (default: now). Call inside the write transaction. Returns the number written."""
    if not rows:
        return 0
    at, who = at or now_iso(), current_user()
    closing.refuse_closed(
        (row[7] for row in rows if row[1] not in closing.ALWAYS_ALLOWED),
        {int(row[2]) for row in rows if row[1] == "exam_session" and row[2].isdigit()},
    )
    with _appending() as db:
        last_id, chain = audit_chain.tail(db)
        sealed = audit_chain.seal_rows(chain, last_id + 1, at, who, rows)
        sql.executemany(sql.insert_sql(AuditLog, _SEALED), sealed)
    return len(rows)


def record_text(model: type[BaseModel], values: Mapping[str, Any]) -> str:
    """How a new record is written in the audit log: "field=value; …" in the model's field order,
    leaving out the id, the version, JSON blobs and empty values."""
    parts = []
    for name in model._meta.fields:
        if name in ("id", "version") or name.endswith("_json") or name not in values:
            continue
        text = to_text(values[name])
        if text not in (None, ""):
            parts.append(f"{name}={text}")
    return "; ".join(parts)


# Writes of these change what the maintained counters count (:mod:`baktui.data.counters`).
_COUNTED = (Registration, Grade, GradePart, Result)
_COUNTED_CANDIDATE_FIELDS = frozenset(
    {"session", "series", "status", "state", "lvb", "centre", "jury"}
)


def _counted_candidates(
    model: type[BaseModel], instance: BaseModel | None, changes: Mapping[str, Any]
) -> list[int]:
    """The candidates whose counts a write of ``model`` may change (none: not counted)."""
    if model is Candidate:
        if instance is None or not _COUNTED_CANDIDATE_FIELDS.intersection(changes):
            return []
        return [int(instance.get_id())]
    if model not in _COUNTED:
        return []
    ids = [_candidate_of(instance)] if instance is not None else []
    new = changes.get("candidate")
    if new is not None:
        ids.append(int(new.get_id() if isinstance(new, BaseModel) else new))
    return [i for i in ids if i is not None]


def record_texter(model: type[BaseModel], names: Sequence[str]) -> Callable[[Sequence[Any]], str]:
    """:func:`record_text` of records given as values in the order of ``names``, made once for
    a bulk writer: the same text, without a dict per record nor a walk of the model's fields."""
    wanted = set(names)
    order = [
        (names.index(name), f"{name}=")
        for name in model._meta.fields
        if name in wanted and name not in ("id", "version") and not name.endswith("_json")
    ]

    def text(values: Sequence[Any]) -> str:
        parts = []
        for index, label in order:
            value = values[index]
            kind = type(value)
            if kind is str:
                if value:
                    parts.append(label + value)
            elif kind is int:
                parts.append(label + str(value))
            elif value is not None:
                shown = to_text(value)
                if shown:
                    parts.append(label + shown)
        return "; ".join(parts)

    return text


def _field_values(instance: BaseModel) -> dict[str, Any]:
    return {name: getattr(instance, f.column_name) for name, f in instance._meta.fields.items()}


def create(
    model: type[M], *, reason: str = "", values: Mapping[str, Any] | None = None, **fields: Any
) -> M:
    """Insert a record and log it (one 'create' entry holding its fields). ``values`` holds
    fields whose name clashes with this function's own (a model's ``reason`` column)."""
    fields = {**(values or {}), **fields}
    with write_transaction():
        with counters.tracking(_counted_candidates(model, None, fields)):
            instance = model.create(**fields)
        if model is Candidate:
            counters.added([int(instance.get_id())])
        log(
            "create",
            model._meta.table_name,
            instance.get_id(),
            after=record_text(model, _field_values(instance)),
            reason=reason,
            candidate_id=_candidate_of(instance),
        )
    return instance


def update(
    model: type[M],
    pk: Any,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> M:
    """Change fields of a record, logging each field's before and after.

    With ``expected_version`` (records people edit), the write happens only if nobody changed the
    record since it was read; otherwise :class:`ConflictError` and nothing is written.
    """
    with write_transaction():
        instance = model.get_or_none(model._meta.primary_key == pk)
        if instance is None:
            raise NotFoundError(f"{model._meta.table_name} n° {pk} introuvable.")
        versioned = "version" in model._meta.fields
        if expected_version is not None and versioned and instance.version != expected_version:
            raise ConflictError(_conflict_message(model, pk, instance))
        diff = {
            name: (getattr(instance, name + "_id" if _is_fk(model, name) else name), value)
            for name, value in changes.items()
        }
        diff = {
            name: (old, new)
            for name, (old, new) in diff.items()
            if to_text(old) != to_text(new.get_id() if isinstance(new, BaseModel) else new)
        }
        if not diff:
            return instance
        query_values: dict[Any, Any] = {
            getattr(model, name): new for name, (_, new) in diff.items()
        }
        where = model._meta.primary_key == pk
        if versioned:
            query_values[model.version] = model.version + 1
            if expected_version is not None:
                where &= model.version == expected_version
        with counters.tracking(_counted_candidates(model, instance, changes)):
            if model.update(query_values).where(where).execute() != 1:
                raise ConflictError(_conflict_message(model, pk, instance))
        candidate_id = _candidate_of(instance)
        for name, (old, new) in diff.items():
            log(
                "update",
                model._meta.table_name,
                pk,
                name,
                old,
                new,
                reason=reason,
                candidate_id=candidate_id,
            )
        return model.get(model._meta.primary_key == pk)


def delete(model: type[M], pk: Any, *, reason: str = "") -> None:
    """Delete a record, keeping its last values in the audit log."""
    with write_transaction():
        instance = model.get_or_none(model._meta.primary_key == pk)
        if instance is None:
            return
        values = {k: to_text(v) for k, v in _field_values(instance).items() if v not in (None, "")}
        candidate_id = _candidate_of(instance)
        tracked = [candidate_id] if model is Candidate or model in _COUNTED else []
        with counters.tracking(i for i in tracked if i is not None):
            instance.delete_instance()
        log(
            "delete",
            model._meta.table_name,
            pk,
            before="; ".join(f"{k}={v}" for k, v in values.items()),
            reason=reason,
            candidate_id=candidate_id,
        )


def _is_fk(model: type[BaseModel], name: str) -> bool:
    return isinstance(model._meta.fields.get(name), pw.ForeignKeyField)


def _conflict_message(model: type[BaseModel], pk: Any, instance: BaseModel) -> str:
    last = (
        AuditLog.select()
        .where((AuditLog.entity == model._meta.table_name) & (AuditLog.entity_id == str(pk)))
        .order_by(AuditLog.id.desc())
        .first()
    )
    by = f" par {last.who} à {last.at[11:16]}" if last is not None else ""
    return (
        f"Modification refusée : cette fiche a été modifiée{by} depuis son ouverture. "
        "Elle a été rechargée ; refaites votre changement sur la version à jour."
    )
