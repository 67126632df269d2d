"""Statistics benchmark (issue 14): the three statistics against raw SQL GROUP BY, same run.

Usage (a deliberated base; the 700 000 demo: copy it, ``baktui deliberer`` once):

    python benchmarks/bench_statistics.py --db /tmp/stats_bench/d700k.sqlite --repeat 1

Prints, in milliseconds (wall and the thread's CPU time: the machine is shared):

- ``commission`` / ``harmonisation`` / ``inspecteurs``: :func:`build_statistics` of that kind
  (every SQL aggregate, exact arithmetic, the document dataclasses);
- ``SQL brut …``: the floor, with the ``sqlite3`` module alone, of the GROUP BY each one cannot
  do without (count, sum, sum of squares of the grades by épreuve × série × établissement; the
  same by lot through the anonymity numbers; candidates × results by the five dimensions),
  without band counts, composite spécialités, presence or mentions;
- ``xlsx`` / ``pdf``: :func:`generate_statistics` of everything (written and recorded).

The base is modified only by the two document records of the last line.

Measured on the 700 000 demo (deliberated), shared 2-core machine, 03/12/2026: commission 26.1 s
(raw 11.9 s, ratio 2.19), harmonisation 12.3 s (raw 5.0 s, 2.46), inspecteurs 3.3 s (raw
1.3 s, 2.64); everything to .xlsx 55 s (3.7 MB), to .pdf 46 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from baktui.data import db as dbmod
from baktui.services.sessions import current_session
from baktui.services.statistics import build_statistics, generate_statistics

RAW = {
    "commission": (
        "SELECT g.epreuve_code, c.series, c.etablissement_id, COUNT(g.value_centi), "
        "SUM(g.value_centi), SUM(g.value_centi * g.value_centi) FROM grade g "
        "JOIN candidate c ON c.id = g.candidate_id WHERE c.session_id = ? AND c.state != 'annulee' "
        'AND g."group" = 1 AND g.kept_session IS NULL GROUP BY 1, 2, 3',
        "SELECT c.series, c.etablissement_id, COUNT(*), SUM(r.decision = 'ADMIS') FROM candidate c "
        "LEFT JOIN result r ON r.candidate_id = c.id WHERE c.session_id = ? "
        "AND c.state != 'annulee' GROUP BY 1, 2",
    ),
    "harmonisation": (
        "SELECT g.epreuve_code, a.lot_id, COUNT(g.value_centi), SUM(g.value_centi), "
        "SUM(g.value_centi * g.value_centi) FROM grade g JOIN candidate c ON c.id = g.candidate_id "
        "JOIN anonymat a ON a.candidate_id = g.candidate_id AND a.epreuve_code = g.epreuve_code "
        "WHERE c.session_id = ? AND c.state != 'annulee' AND g.\"group\" = 1 "
        "AND g.epreuve_code IN ('FRE', 'PHI', 'SP1', 'SP2') AND a.lot_id IS NOT NULL GROUP BY 1, 2",
    ),
    "inspecteurs": (
        "SELECT c.series, c.etablissement_id, c.centre_id, c.sex, c.status, COUNT(*), "
        "SUM(r.decision = 'ADMIS'), SUM(r.second_group_done) FROM candidate c "
        "LEFT JOIN result r ON r.candidate_id = c.id WHERE c.session_id = ? "
        "AND c.state != 'annulee' GROUP BY 1, 2, 3, 4, 5",
    ),
}


def timed(run: Callable[[], object]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.thread_time()
    run()
    return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000


def show(name: str, wall: float, cpu: float, extra: str = "") -> None:
    print(f"{name:<26} {wall:9.1f} ms  (CPU {cpu:9.1f} ms){extra}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    dbmod.open_database(args.db)
    session = current_session()
    assert session is not None
    raw = sqlite3.connect(args.db)
    for _ in range(args.repeat):
        for kind, statements in RAW.items():
            wall, cpu = timed(lambda k=kind: build_statistics(session.id, kind=k))
            show(kind, wall, cpu)

            def baseline(s: tuple[str, ...] = statements) -> None:
                for sql in s:
                    raw.execute(sql, (session.id,)).fetchall()

            raw_wall, raw_cpu = timed(baseline)
            show(f"SQL brut {kind}", raw_wall, raw_cpu, f"  ratio {wall / raw_wall:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".xlsx", ".pdf"):
            target = Path(folder) / f"statistiques{suffix}"
            wall, cpu = timed(lambda t=target: generate_statistics(session.id, t))
            show(f"tout → {suffix}", wall, cpu, f"  {target.stat().st_size // 1024} Kio")


if __name__ == "__main__":
    main()
