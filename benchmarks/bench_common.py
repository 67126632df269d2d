"""What the read benchmarks share: percentiles, the statements a call runs and their raw
replay on the driver's cursor, the demo built when the base is absent, the schema guard of a
benchmark that only reads (opening an older base would migrate it: a write)."""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from baktui.data import db as dbmod

Executed = list[tuple[str, object]]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max) of the samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


def statements(run: Callable[[], object]) -> Executed:
    """The SQL statements (and parameters) ``run()`` sends to the open database."""
    db = dbmod.current_database()
    original = db.execute_sql
    executed: Executed = []

    def counting(sql: str, params: object = None, *args: object, **kwargs: object) -> object:
        executed.append((sql, params))
        return original(sql, params, *args, **kwargs)

    db.execute_sql = counting  # type: ignore[method-assign]
    try:
        run()
    finally:
        db.execute_sql = original  # type: ignore[method-assign]
    return executed


def raw_read(executed: Executed) -> float:
    """The raw baseline: the same statements run on the driver's cursor and every row fetched
    (reading the same rows, with nothing checked, sorted or worded), in milliseconds."""
    cursor = dbmod.current_database().cursor()
    started = time.perf_counter()
    for sql, params in executed:
        cursor.execute(sql, params or ()).fetchall()
    return (time.perf_counter() - started) * 1000


def against_raw(calls: list[Callable[[], object]], repeat: int, what: str, unit: str) -> str:
    """Run each call ``repeat`` times, each time followed by the raw replay of its statements
    (captured once: alternately, so that both see the same load); the figures: p50 / p95 / max
    of the calls (and their CPU time), the statements per call, the raw replay's p50 / p95 and
    the ratios, with the load average."""
    replayed = [statements(call) for call in calls]
    samples: list[float] = []
    cpu: list[float] = []
    raw: list[float] = []
    for _ in range(repeat):
        for call, executed in zip(calls, replayed, strict=True):
            started, started_cpu = time.perf_counter(), time.thread_time()
            call()
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            raw.append(raw_read(executed))
    p50, p95, worst = percentiles(samples)
    raw50, raw95, _ = percentiles(raw)
    queries = sorted({len(executed) for executed in replayed})
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return (
        f"{what} (load {load}): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms "
        f"(CPU p50 {statistics.median(cpu):.1f} ms); "
        f"queries per {unit}: {', '.join(map(str, queries))}\n"
        f"raw baseline (the same statements, every row fetched): p50 {raw50:.1f} ms, "
        f"p95 {raw95:.1f} ms; ratio p50 {p50 / raw50:.2f}×, p95 {p95 / raw95:.2f}×"
    )


def demo_if_absent(path: Path, size: int) -> None:
    """Build the demo of ``size`` candidates at ``path`` when there is no base there."""
    if path.exists():
        return
    from baktui.demo import build_demo

    print(f"building the demo ({size} candidates) in {path}…", flush=True)
    build_demo(str(path), candidates=size)
    dbmod.close_database()


def older_schema(path: Path) -> bool:
    """Whether opening the SQLite base would migrate it (read without writing)."""
    from baktui.data.migrations import LATEST_VERSION

    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        (version,) = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(version or 0) < LATEST_VERSION


OLDER_SCHEMA = (
    "{path} has an older schema than this baktui: opening it would migrate it (a write). "
    "Copy it first."
)
