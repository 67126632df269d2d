"""Progress benchmark (issue 19): ``baktui placer`` and ``baktui jurys repartir --tout`` on a
national base, without and with a ``progress`` callback, beside raw baselines of the same run.

Usage (on a COPY: both rewrite the base)::

    python benchmarks/bench_progress.py /tmp/copie-demo-700000.sqlite

Each job runs twice on the same state: without ``progress``, then with a callback that notes
when it is called (the CLI's bar does no more per call). The placement runs on a base already
placed (each run deletes and rewrites its rows); before each répartition every candidate is
put back to no jury (one raw UPDATE), so each run moves them all. Printed: the wall-clock of
each run, the callback's calls, the longest wait between two of them (what a bar shows as a
stall) and the phases' durations; the baselines are a raw ``executemany`` writing as many
convocation rows, and a raw UPDATE of as many jury ids. With the code of another tree
(``PYTHONPATH=/work/main``) whose services take no ``progress``, only the first runs are made.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sqlite3
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(__file__))
from bench_placement import peak_mb, raw_inserts  # noqa: E402


class Calls:
    """A ``progress`` that notes its calls: (seconds since the start, done, total)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.calls: list[tuple[float, int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((time.perf_counter() - self.started, done, total))

    def report(self, phases: tuple[str, ...], end: float) -> str:
        times = [0.0] + [t for t, _, _ in self.calls] + [end]
        stall = max(b - a for a, b in zip(times, times[1:], strict=False))
        counted = [(t, d, n) for t, d, n in self.calls if n is not None]
        first = counted[0][0] if counted else end
        parts = [f"lecture {first:.1f} s"]
        if counted and phases:
            per = (counted[-1][2] or 0) // len(phases) or 1
            for index, name in enumerate(phases):
                inside = [t for t, d, _ in counted if index * per <= d <= (index + 1) * per]
                if inside:
                    parts.append(f"{name} {inside[-1] - inside[0]:.1f} s")
        return (f"{len(self.calls)} appels, attente la plus longue entre deux {stall:.1f} s ; "
                + ", ".join(parts))  # fmt: skip


def timed(run: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def load() -> str:
    return "charge " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def no_jury(path: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("UPDATE candidate SET jury_id = NULL")
    connection.close()


def raw_update(path: str) -> tuple[float, int]:
    """Seconds for a raw executemany giving every candidate a jury (then put back to none)."""
    connection = sqlite3.connect(path, isolation_level=None)
    ids = [cid for (cid,) in connection.execute("SELECT id FROM candidate")]
    juries = [jid for (jid,) in connection.execute("SELECT id FROM jury")]
    rows = [(juries[n % len(juries)], cid) for n, cid in enumerate(ids)]
    started = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany("UPDATE candidate SET jury_id = ?, version = version + 1 WHERE id = ?",
                           rows)  # fmt: skip
    connection.execute("ROLLBACK")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--skip", choices=["placer", "jurys"], default=None)
    args = parser.parse_args()
    from baktui.data import db as dbmod
    from baktui.data.closing import working_on
    from baktui.data.models import Convocation
    from baktui.services import distribution, placement
    from baktui.services.sessions import current_session

    with_progress = "progress" in inspect.signature(placement.place_candidates).parameters
    print(f"{load()} au départ, {os.cpu_count()} cœurs ; progress : "
          f"{'oui' if with_progress else 'non (code sans progress)'}")  # fmt: skip
    dbmod.open_database(args.db)
    session = current_session()
    assert session is not None
    sid = session.id
    if args.skip != "placer":
        with working_on(sid):
            if not Convocation.select().exists():
                placement.place_candidates(sid)  # the runs below are re-runs
            seconds, summary = timed(lambda: placement.place_candidates(sid))
            print(f"placer, sans progress : {seconds:.1f} s ({summary.render()}) ; "
                  f"{load()}, mémoire max {peak_mb():.0f} Mo")  # fmt: skip
            if with_progress:
                calls = Calls()
                seconds, _ = timed(lambda: placement.place_candidates(sid, progress=calls))
                print(f"placer, avec progress : {seconds:.1f} s ; {load()}")
                print("  " + calls.report(("séances", "salles et places"), seconds))
        rows = Convocation.select().count()
        dbmod.close_database()
        raw = raw_inserts(args.db, rows)
        print(f"référence : executemany brut de {rows:,} convocations en {raw:.1f} s")
        dbmod.open_database(args.db)
    if args.skip != "jurys":
        for label, calls in (("sans", None), ("avec", Calls() if with_progress else None)):
            if label == "avec" and calls is None:
                break
            dbmod.close_database()
            no_jury(args.db)
            dbmod.open_database(args.db)
            with working_on(sid):
                if calls is None:
                    run = lambda: distribution.distribute_candidates(sid, reassign=True)  # noqa: E731
                else:
                    calls.started = time.perf_counter()
                    run = lambda told=calls: distribution.distribute_candidates(  # noqa: E731
                        sid, reassign=True, progress=told
                    )
                seconds, summary = timed(run)
            print(f"jurys repartir --tout, {label} progress : {seconds:.1f} s "
                  f"({summary.moved:,} changent de jury) ; {load()}")  # fmt: skip
            if calls is not None:
                print("  " + calls.report(distribution.PHASES, seconds))
        dbmod.close_database()
        raw, count = raw_update(args.db)
        print(f"référence : UPDATE brut de {count:,} jurys en {raw:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
