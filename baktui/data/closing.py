"""The one guard of a closed session: every audited write passes here (issue 16).

:mod:`baktui.data.audit` calls :func:`refuse_closed` with the entries it is about to append,
inside the caller's write transaction; the refusal rolls the whole transaction back, so nothing
of the change is written. A write is about a session when its entry names a candidate of it, the
session record itself, or when the caller works on it (:func:`working_on`, set by the CLI and the
application for the session they operate on).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from baktui.data.models import Candidate, ExamSession
from baktui.errors import ServiceError

_session: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "baktui_session", default=None
)
_bypass: contextvars.ContextVar[bool] = contextvars.ContextVar("baktui_closing", default=False)
_CHUNK = 500
# a reprint of a closed session's documents records its issue: allowed
ALWAYS_ALLOWED = frozenset({"document"})


class ClosedSessionError(ServiceError):
    """A write about a closed session: nothing was written."""


@contextmanager
def working_on(session_id: int | None) -> Iterator[None]:
    """Writes made inside are about that session (refused when it is closed)."""
    token = _session.set(session_id)
    try:
        yield
    finally:
        _session.reset(token)


@contextmanager
def closing() -> Iterator[None]:
    """The closing (and reopening) of a session itself: its own audit entries pass."""
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


def message(row: ExamSession) -> str:
    shown = dt.date.fromisoformat(str(row.closed_at)[:10]).strftime("%d/%m/%Y")
    return (
        f"La session {row.year} {row.kind} est close : aucune modification n’est possible "
        f"(close le {shown} par {row.closed_by}). Rien n’a été enregistré."
    )


def refuse_closed(candidate_ids: Iterable[int | None], session_ids: Iterable[int] = ()) -> None:
    """Raise :class:`ClosedSessionError` when the write touches a closed session."""
    if _bypass.get():
        return
    closed = {
        row.id: row for row in ExamSession.select().where(ExamSession.closed_at.is_null(False))
    }
    if not closed:  # the usual case: one cheap query
        return
    touched = set(session_ids)
    if (active := _session.get()) is not None:
        touched.add(active)
    for sid in touched:
        if sid in closed:
            raise ClosedSessionError(message(closed[sid]))
    ids = sorted({int(c) for c in candidate_ids if c is not None})
    for start in range(0, len(ids), _CHUNK):
        hit = (
            Candidate.select(Candidate.session)
            .where(
                Candidate.id.in_(ids[start : start + _CHUNK]) & Candidate.session.in_(list(closed))
            )
            .first()
        )
        if hit is not None:
            raise ClosedSessionError(message(closed[hit.session_id]))
