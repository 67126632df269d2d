"""The progress bars of the batch commands: a transient rich bar on stderr.

A command that takes more than a second hands :func:`progress_bar`'s callable to its service as
``progress(done, total)`` (:mod:`baktui.rules.progress`): the bar says what runs and its phase,
counts in French (« 120 000 / 700 000 »), with the rate when asked and the time spent, and a
spinner that turns even while one long query runs. Nothing is printed when stderr is not a
terminal (the callable is None), so that scripts and tests read the same output as ever; the
bar vanishes once done, leaving the command's report alone on the screen.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from baktui.rules.numbers import thousands
from baktui.rules.progress import Progress, phase_step


@contextmanager
def progress_bar(
    title: str,
    phases: Sequence[str] = (),
    *,
    waiting: str = "lecture",
    unit: str = "",
) -> Iterator[Progress | None]:
    """A bar for ``title`` (« Placement »), named by its ``phases`` (a job that counts its items
    once per phase), « ``waiting`` » while the total is unknown; ``unit`` (« lignes ») shows the
    rate. Yields None, and prints nothing, when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich import progress as rich
    from rich.console import Console

    with rich.Progress(
        rich.SpinnerColumn(),
        rich.TextColumn("{task.description}"),
        rich.BarColumn(),
        rich.TextColumn("{task.fields[count]}"),
        rich.TextColumn("{task.fields[rate]}"),
        rich.TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(f"{title} : {waiting}" if waiting else title, total=None, count="",
                            rate="")  # fmt: skip
        shown = [-1]  # the phase on the bar (-1: still waiting)

        def progress(done: int, total: int | None) -> None:
            step = phase_step(done, total, max(len(phases), 1))
            phase = -1 if step.total is None else step.phase
            if phase != shown[0]:
                shown[0] = phase
                name = waiting if phase < 0 else (phases[phase] if phases else "")
                description = f"{title} : {name}" if name else title
                bar.reset(task, total=step.total, description=description, count="", rate="")
            speed = bar.tasks[0].speed if unit else None
            rate = f"{thousands(round(speed))} {unit}/s" if speed else ""
            of = f" / {thousands(step.total)}" if step.total is not None else ""
            count = f"{thousands(step.done)}{of}" if step.total or step.done else ""
            bar.update(task, completed=step.done, total=step.total, count=count, rate=rate)

        yield progress
