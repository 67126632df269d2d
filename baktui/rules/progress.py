"""A long job's progress, as its services tell it: ``progress(done, total)``.

A service that takes more than a second at national scale takes ``progress``, a callable told
``(done, total)`` as it goes (the CLI draws a rich bar on stderr, the app a
:class:`~baktui.widgets.job_progress.JobProgress` line). ``total`` is None while the job still
reads what it will count. A job in several phases counts each of its items once per phase:
``total`` is the items times the phases, and phase ``k`` runs while ``done`` is between ``k``
and ``k + 1`` times the items (:func:`phase_step` gives the phase and its own count). The last
call is ``progress(total, total)``, made before the job's transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[int, int | None], None]


def silent(done: int, total: int | None) -> None:
    """The ``progress`` of a caller that shows nothing."""


@dataclass(frozen=True)
class Step:
    """Where a job in phases stands: the phase running, its items done, its items in all."""

    phase: int  # 0-based
    done: int
    total: int | None  # None: not known yet


def phase_step(done: int, total: int | None, phases: int) -> Step:
    """The phase of ``done`` out of ``total`` for a job of ``phases`` phases of equal counts."""
    if total is None or phases <= 1:
        return Step(0, done, total)
    per = total // phases
    if per <= 0:
        return Step(phases - 1, 0, 0)
    phase = min(done // per, phases - 1)
    return Step(phase, done - phase * per, per)
