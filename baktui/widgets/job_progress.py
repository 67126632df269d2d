"""A long job's progress line: what it does, a ProgressBar, the count, and « Échap annule ».

A batch of 917 confirmations or a whole académie's documents takes a minute: the office must
see it move and be able to stop it. A screen yields one :class:`JobProgress` (hidden while
idle), calls :meth:`JobProgress.start` before its worker, hands :meth:`JobProgress.reporter`
to the service as its ``progress(done, total)`` callable (called from the worker thread), and
:meth:`JobProgress.stop` when the worker is done. Échap on the screen (``BaktuiScreen``'s
``back``) cancels a running job first: the next call of the reporter raises
:class:`~baktui.errors.Cancelled`, which the services let through so that nothing is written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from textual._time import get_time  # the clock of every event's ``time``
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from baktui.errors import Cancelled
from baktui.rules.numbers import thousands
from baktui.rules.progress import phase_step

REFRESH = 0.1  # seconds between two updates of the bar (a batch calls back at every page)


class JobProgress(Horizontal):
    """What runs, its bar and its count; shown only while a job runs."""

    DEFAULT_CSS = """
    JobProgress { height: 1; margin: 0 1; display: none; }
    JobProgress.-running { display: block; }
    JobProgress #job-label { width: auto; max-width: 40; text-wrap: nowrap; }
    JobProgress ProgressBar { width: auto; margin: 0 1; }
    JobProgress ProgressBar Bar { width: 16; }
    JobProgress #job-count { width: 1fr; color: $text-muted; text-wrap: nowrap; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._cancel = threading.Event()
        self._job_running = False  # not ``_running``: Textual's message pump has its own
        self._what = ""
        self._began = 0.0  # Textual's clock, that of the keys' ``time``
        self._phases: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="job-label", markup=False)
        yield ProgressBar(show_eta=False, id="job-bar")
        yield Static("", id="job-count", markup=False)

    @property
    def running(self) -> bool:
        return self._job_running

    def start(self, what: str, total: int | None = None) -> None:
        """Show the line for a new job (« Confirmations »), its total unknown until told."""
        self._cancel.clear()
        self._job_running, self._what = True, what
        self._began = get_time()
        self.add_class("-running")
        self.query_one("#job-label", Static).update(what)
        self.query_one(ProgressBar).update(total=total, progress=0)
        self.query_one("#job-count", Static).update("Échap annule")

    def stop(self) -> None:
        """Hide the line (the job ended, however it ended)."""
        self._job_running = False
        self.remove_class("-running")

    def cancel(self, typed_at: float | None = None) -> bool:
        """Ask the running job to stop (Échap); whether a job was running. A key typed before
        the job began (``typed_at``: the key's time) was meant for what follows it, not to stop
        it: « o » then Échap in one burst answers the confirmation, then closes the report."""
        if not self._job_running or (typed_at is not None and typed_at < self._began):
            return False
        self._cancel.set()
        self.query_one("#job-count", Static).update("annulation…")
        return True

    def reporter(
        self, message: str, phases: Sequence[str] = ()
    ) -> Callable[[int, int | None], None]:
        """The ``progress(done, total)`` callable for the worker thread: it moves the bar (at
        most every :data:`REFRESH` seconds, and at the end) and raises ``Cancelled(message)``
        once Échap was pressed. A job in ``phases`` (:mod:`baktui.rules.progress`) has its
        count shown phase by phase (« journal 1 200 / 4 000 »), the bar over the whole job;
        a total of None (still reading) leaves the bar pulsing."""
        last = 0.0
        self._phases = tuple(phases)

        def progress(done: int, total: int | None) -> None:
            nonlocal last
            if self._cancel.is_set():
                raise Cancelled(message)
            now = time.monotonic()
            if now - last >= REFRESH or (total is not None and done >= total):
                last = now
                self.app.call_from_thread(self._show, done, total)

        return progress

    def _show(self, done: int, total: int | None) -> None:
        if not self._job_running or self._cancel.is_set():
            return
        self.query_one(ProgressBar).update(total=total, progress=done)
        if total is None:
            return
        step = phase_step(done, total, max(len(self._phases), 1))
        count = f"{thousands(step.done)} / {thousands(step.total or 0)}"
        if self._phases:
            count = f"{self._phases[step.phase]} {count}"
        self.query_one("#job-count", Static).update(f"{count} · Échap annule")
