"""F3 « Contrôler les inscriptions » benchmark: the checks of a whole session against raw SQL.

Usage (work on a copy: the benchmark writes nothing, but opening migrates an old base):

    python benchmarks/bench_checks.py --db /tmp/copy-of-700k.sqlite

Times, in the same run and alternately (``--repeat`` rounds):

1. :func:`baktui.services.registration_checks.run_checks`: every candidate of the session read
   once and checked (identifiers, choices, dossier, centre, contact details), the probable
   duplicates (same folded name and birth date, same INE), the names of those concerned;
2. the raw baseline: the same columns of the same candidates fetched with the driver's cursor
   (nothing checked), then the probable duplicates by one window-function query (``COUNT(*)
   OVER (PARTITION BY …)``), every row fetched.

Prints the seconds of each, the ratio, and the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from baktui.data import db as dbmod
from baktui.data.models import Candidate
from baktui.services.registration_checks import _COLUMNS, checked_candidates, run_checks
from baktui.services.sessions import current_session

WINDOW = {
    "name": (
        "SELECT id, number, name_key, birth_date FROM (SELECT id, number, name_key, birth_date, "
        "COUNT(*) OVER (PARTITION BY name_key, birth_date) AS n FROM candidate WHERE "
        "session_id = {p} AND state <> 'annulee' AND transferred_to = '' "
        "AND birth_date IS NOT NULL) t WHERE n > 1"
    ),
    "ine": (
        "SELECT id, number, ine FROM (SELECT id, number, ine, COUNT(*) OVER (PARTITION BY ine) "
        "AS n FROM candidate WHERE session_id = {p} AND state <> 'annulee' "
        "AND transferred_to = '' AND ine <> '') t WHERE n > 1"
    ),
}


def raw(session_id: int) -> tuple[float, int, int]:
    """Seconds, candidates read, duplicate rows: the floor of the same work."""
    db = dbmod.current_database()
    started = time.perf_counter()
    sql, params = (
        Candidate.select(*_COLUMNS)
        .where(checked_candidates(session_id, scan=True))
        .order_by(Candidate.id)
        .sql()
    )
    cursor = db.cursor()
    cursor.execute(sql, params)
    read = 0
    while rows := cursor.fetchmany(5000):
        read += len(rows)
    duplicates = 0
    for template in WINDOW.values():
        duplicates += len(db.execute_sql(template.format(p=db.param), (session_id,)).fetchall())
    return time.perf_counter() - started, read, duplicates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    dbmod.open_database(args.db)
    try:
        session = current_session()
        if session is None:
            print("aucune session dans cette base")
            return 1
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = run_checks(session.id)
            ours.append(time.perf_counter() - started)
            seconds, read, duplicates = raw(session.id)
            floor.append(seconds)
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        best, base = min(ours), min(floor)
        print(
            f"run_checks: {report.checked} candidates, {len(report.anomalies)} anomalies, "
            f"best {best:.1f} s (all: {' '.join(f'{s:.1f}' for s in ours)})\n"
            f"raw: {read} candidates read, {duplicates} duplicate rows (window function), "
            f"best {base:.1f} s (all: {' '.join(f'{s:.1f}' for s in floor)})\n"
            f"ratio {best / base:.2f}× (load {load})"
        )
    finally:
        dbmod.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
