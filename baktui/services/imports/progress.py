"""How a long import says how far it is, and how it is stopped: one mechanism for the CLI's rich
bar and the application's ProgressBar.

An import takes ``progress``, a callable ``progress(done, total)``: ``done`` and ``total`` count
line visits (each line of the file is read once to be checked, then once more to be written, so
``total`` is about twice the number of lines; None while unknown). It is called every
:data:`BATCH` lines. To stop the import, the callable raises :class:`ImportCancelled` (see
:func:`cancellable`): raised during the checks, nothing was begun; during the write, the
transaction rolls back. Either way nothing is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from baktui.errors import ServiceError

BATCH = 5_000  # lines checked, or written, between two calls (and per write batch)
CANCELLED = "Import annulé : rien n’a été écrit."

ProgressFn = Callable[[int, int | None], None]


class ImportCancelled(ServiceError):
    """The import was stopped (Échap in the application): nothing was written."""

    def __init__(self, message: str = CANCELLED) -> None:
        super().__init__(message)


def cancellable(progress: ProgressFn | None, stop: threading.Event) -> ProgressFn:
    """``progress`` that raises :class:`ImportCancelled` once ``stop`` is set."""

    def report(done: int, total: int | None) -> None:
        if stop.is_set():
            raise ImportCancelled
        if progress is not None:
            progress(done, total)

    return report


class Ticker:
    """Counts the line visits of an import and calls its ``progress`` every :data:`BATCH`."""

    def __init__(self, progress: ProgressFn | None, estimated_lines: int | None) -> None:
        self.progress = progress
        self.total = 2 * estimated_lines if estimated_lines else None
        self.done = 0
        self._next = BATCH

    def start(self) -> None:
        self.call()

    def add(self, count: int = 1) -> None:
        self.done += count
        if self.done >= self._next:
            self._next = self.done + BATCH
            self.call()

    def checked(self, lines: int) -> None:
        """The check pass is over: ``lines`` were read; the total is now known."""
        self.done, self.total = lines, 2 * lines
        self._next = self.done + BATCH
        self.call()

    def finished(self) -> None:
        """Every line written."""
        if self.total is not None:
            self.done = self.total
        self.call()

    def call(self) -> None:
        if self.progress is not None:
            total = self.total
            if total is not None and self.done > total:
                total = None if self.done < 2 else self.done
            self.progress(self.done, total)
