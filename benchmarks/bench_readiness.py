"""Readiness board benchmark (F7, before the deliberation): the board and a jury's lines.

Usage (the demo is built first when the file does not exist; 700 000 candidates take ~2 min):

    python benchmarks/bench_readiness.py --db /tmp/bench-ready.sqlite --size 12000
    python benchmarks/bench_readiness.py --db /tmp/bench-ready700k.sqlite --size 700000 --repeat 3

Prints p50 / p95 / max in milliseconds (and the thread's CPU time: the shared machine is often
loaded) of:

- ``readiness``: :func:`baktui.services.readiness.readiness`, the whole board (what the widget's
  worker runs on F7 and on ``r``), and its number of SQL statements (fixed: grouped by jury);
- ``SQL brut``: the floor, in the same run, on the same base, with the ``sqlite3`` module alone:
  the two GROUP BY a board cannot do without (candidates per jury; registrations without a
  grade per jury, a LEFT JOIN of the grades), no CASE, no composite or EPS rule, no lots;
- ``jury_blockers``: one page (100 lines) of the jury with the most blocking lines, first and
  last page (bounded by the page, whatever the jury's size).

Read only: the base is not modified.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_common import demo_if_absent, percentiles, statements

from baktui.data import db as dbmod
from baktui.services.readiness import PAGE, jury_blockers, readiness
from baktui.services.sessions import current_session

BASELINE = (
    "SELECT c.jury_id, COUNT(*) FROM candidate c WHERE c.session_id = ? AND c.state != 'annulee' "
    "AND c.jury_id IS NOT NULL GROUP BY c.jury_id",
    "SELECT c.jury_id, COUNT(*) FROM registration r JOIN candidate c ON r.candidate_id = c.id "
    "LEFT JOIN grade g ON g.candidate_id = r.candidate_id AND g.epreuve_code = r.epreuve_code "
    'AND g."group" = 1 WHERE c.session_id = ? AND r.kept_session IS NULL '
    "AND g.value_centi IS NULL AND g.code IS NULL GROUP BY c.jury_id",
)


def timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.thread_time()
        run()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def show(name: str, wall: list[float], cpu: list[float], extra: str = "") -> float:
    p50, p95, worst = percentiles(wall)
    print(
        f"{name:<22} p50 {p50:9.1f} ms  p95 {p95:9.1f} ms  max {worst:9.1f} ms  "
        f"(CPU p50 {statistics.median(cpu):9.1f} ms){extra}",
        flush=True,
    )
    return p50


def count_queries(run: Callable[[], object]) -> int:
    return len(statements(run))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/bench-ready.sqlite")
    parser.add_argument("--size", type=int, default=12000, help="candidates of a new demo")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = Path(args.db)
    demo_if_absent(path, args.size)
    dbmod.open_database(str(path))
    try:
        session = current_session()
        if session is None:
            print("no session in this base")
            return 1
        board = readiness(session.id)  # warm the caches
        candidates = sum(j.candidates for j in board.juries)
        print(
            f"{candidates} candidates in {len(board.juries)} juries, {board.ready_count} ready, "
            f"{sum(j.blocking for j in board.juries)} blocking lines",
            flush=True,
        )
        raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        base_wall, base_cpu = timed(
            lambda: [raw.execute(sql, (session.id,)).fetchall() for sql in BASELINE], args.repeat
        )
        floor = show("SQL brut (2 GROUP BY)", base_wall, base_cpu)
        queries = count_queries(lambda: readiness(session.id))
        wall, cpu = timed(lambda: readiness(session.id), args.repeat)
        p50 = show("readiness", wall, cpu, f"  {queries} requêtes")
        print(f"{'':<22} ratio readiness / SQL brut : {p50 / floor:.2f}", flush=True)
        busiest = max(board.juries, key=lambda j: j.blocking + j.justified)
        last = max(0, (busiest.blocking + busiest.justified - 1) // PAGE * PAGE)
        for offset in (0, last):
            wall, cpu = timed(
                lambda offset=offset: jury_blockers(session.id, busiest.jury_id, offset, PAGE),
                args.repeat * 4,
            )
            show(
                f"jury_blockers @{offset}",
                wall,
                cpu,
                f"  jury {busiest.number}: {busiest.candidates} candidats, "
                f"{busiest.blocking + busiest.justified} lignes",
            )
        raw.close()
    finally:
        dbmod.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
