"""What every screen and widget shares to talk to the user and to the base from a worker.

- :func:`worker_connection`: a thread worker's own database connection;
- :func:`error_text`: the French message shown for an error (never a traceback: that goes to
  the log);
- how long messages stay on screen, and :class:`Messages`, the say/warn/fail convention of every
  screen and widget that talks to the user.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from textual.worker import NoActiveWorker, Worker, WorkerState, get_current_worker

from baktui.data.closing import working_on
from baktui.data.db import current_database, failure_text, is_database_failure
from baktui.errors import BaktuiError
from baktui.logs import get_logger

_log = get_logger(__name__)

# How long messages stay on screen (seconds): errors stay until read.
NOTIFY_TIMEOUT = 4.0
WARN_TIMEOUT = 8.0
ERROR_TIMEOUT = 15.0


@contextmanager
def worker_connection() -> Iterator[None]:
    """Give a thread worker its own database connection, closed when the work is done; its
    writes are about the application's session (refused if it is closed, :mod:`closing`).

    peewee connections are per thread; closing ours keeps a pooled thread from holding a file
    handle on the shared database between refreshes.
    """
    db = current_database()
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        with working_on(_session_of_worker()):  # a closed session refuses every write
            yield
    finally:
        if opened and not db.is_closed():
            db.close()


def _session_of_worker() -> int | None:
    """The id of the session the application works on, seen from one of its thread workers."""
    try:
        node = get_current_worker().node
    except NoActiveWorker:
        return None
    session = getattr(getattr(node, "app", None), "session", None)
    return getattr(session, "id", None)


def error_text(error: BaseException | None) -> str:
    """The French message shown for an error raised by a service or the database.

    An unexpected error (a bug, not a refusal) is also written to the log with its traceback,
    so that whoever maintains the server can see what the user only saw summarised.
    """
    if isinstance(error, BaktuiError):
        _log.debug("refus montré : %s", error)
        return str(error)
    if error is None:
        return "Erreur inconnue."
    if is_database_failure(error):  # busy, disk full, server gone: not a bug
        _log.warning("base inutilisable : %s", error)
        return f"Rien n'est enregistré : {failure_text(error)}. Réessayez dans un instant."
    _log.error("erreur inattendue montrée à l'utilisateur", exc_info=error)
    return f"Erreur inattendue ({type(error).__name__}) : {error}"


class Messages:
    """Mixin for a screen or a widget: one way to tell the user, and failed workers shown.

    ``say`` confirms ("Note enregistrée."), ``warn`` points at something to look at, ``fail``
    refuses and stays long enough to be read aloud on the phone. A thread worker of this node
    that raises (``exit_on_error=False``) shows its French message instead of crashing the app
    (a worker's state change does not bubble: each node that starts workers needs this).
    """

    notify: Any  # provided by Textual's DOM node

    def say(self, message: str, title: str = "") -> None:
        self.notify(message, title=title, timeout=NOTIFY_TIMEOUT, markup=False)

    def warn(self, message: str, title: str = "") -> None:
        self.notify(message, title=title, severity="warning", timeout=WARN_TIMEOUT, markup=False)

    def fail(self, message: str, title: str = "Refusé") -> None:
        self.notify(message, title=title, severity="error", timeout=ERROR_TIMEOUT, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.fail(error_text(event.worker.error), title="Erreur")
