"""Audited writes: every change is appended to the audit log, and edits are optimistic-locked.

Services call :func:`create`, :func:`update` and :func:`delete` (or :func:`log` for events) inside
:func:`baktui.data.db.write_transaction`, so the change and its audit entries commit together.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

import peewee as pw

from baktui.data.db import current_database, write_transaction
from baktui.data.models import AuditLog, BaseModel, Candidate

M = TypeVar("M", bound=BaseModel)

_user_override: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "baktui_user", default=None
)


class ServiceError(Exception):
    """A refused operation, with a French message meant for the user."""


class NotFoundError(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the record since it was read: nothing was written."""


def current_user() -> str:
    """The OS login of the person at the keyboard (who is recorded in the audit log)."""
    override = _user_override.get()
    if override:
        return override
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        return os.environ.get("USER") or os.environ.get("LOGNAME") or f"uid{os.getuid()}"


@contextmanager
def acting_as(login: str) -> Iterator[None]:
    """Record writes under another login (tests and batch tools that act for someone)."""
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


def log(
    action: str,
    entity: str,
    entity_id: Any,
    field: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    candidate_id: int | None = None,
) -> None:
    """Append one entry to the audit log (call inside the write transaction)."""
    AuditLog.insert(
        at=now_iso(),
        who=current_user(),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        field=field,
        before=to_text(before),
        after=to_text(after),
        reason=reason,
        candidate_id=candidate_id,
    ).execute()


_LOG_COLUMNS = ("at", "who", "action", "entity", "entity_id", "field", "before", "after", "reason")


def log_many(entries: Iterable[Mapping[str, Any]]) -> int:
    """Append many entries with one prepared statement (call inside the write transaction).

    For bulk writers (imports, deliberation of a whole session) where one INSERT per entry
    would cost more than the work itself. Each entry holds :func:`log`'s arguments by name;
    all share the same who and when. Returns the number of entries written.
    """
    at, who = now_iso(), current_user()
    rows = [
        (
            at,
            who,
            e["action"],
            e["entity"],
            str(e["entity_id"]),
            e.get("field", ""),
            to_text(e.get("before")),
            to_text(e.get("after")),
            e.get("reason", ""),
            e.get("candidate_id"),
        )
        for e in entries
    ]
    if rows:
        db = current_database()
        columns = ", ".join(f'"{c}"' for c in (*_LOG_COLUMNS, "candidate_id"))
        db.cursor().executemany(
            f'INSERT INTO "{AuditLog._meta.table_name}" ({columns}) '
            f"VALUES ({', '.join([db.param] * (len(_LOG_COLUMNS) + 1))})",
            rows,
        )
    return len(rows)


def _field_values(instance: BaseModel) -> dict[str, Any]:
    return {name: getattr(instance, f.column_name) for name, f in instance._meta.fields.items()}


def create(model: type[M], *, reason: str = "", **fields: Any) -> M:
    """Insert a record and log it (one 'create' entry holding its fields)."""
    with write_transaction():
        instance = model.create(**fields)
        values = {
            k: to_text(v)
            for k, v in _field_values(instance).items()
            if k not in ("id", "version") and v not in (None, "") and not k.endswith("_json")
        }
        log(
            "create",
            model._meta.table_name,
            instance.get_id(),
            after="; ".join(f"{k}={v}" for k, v in values.items()),
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
