"""Benchmark of the demo académie generator beside a raw SQLite baseline, in the same run.

    python benchmarks/bench_demo.py --candidates 12000
    python benchmarks/bench_demo.py --candidates 700000 --dir /tmp

Prints the build time, candidates/s and rows/s (every table), then the baseline: a plain
``sqlite3`` executemany of the same candidate rows into an identical table (same DDL, indexes and
full-text triggers, same pragmas), so that a slow machine can be told from a slow generator.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from baktui.data import db as dbmod
from baktui.demo import build_demo
from baktui.demo.context import fr_int


def count_rows(path: Path) -> dict[str, int]:
    """Rows per table of a database file."""
    with sqlite3.connect(path) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def raw_baseline(demo_path: Path, folder: Path) -> tuple[int, float]:
    """Insert the demo's candidate rows with bare sqlite3 into the same table: (rows, seconds).

    Rows are read in chunks (bounded memory at 700 000) and only the inserts are timed.
    """
    src = sqlite3.connect(demo_path)
    con = sqlite3.connect(folder / "baseline.sqlite", isolation_level=None)
    try:
        ddl = [
            r[0]
            for r in src.execute(
                # the table and its full-text index (the lookup's), then indexes, then triggers
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND (tbl_name = 'candidate' OR name = 'candidate_fts') "
                "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name"
            )
        ]
        con.execute("PRAGMA journal_mode = wal")
        con.execute("PRAGMA synchronous = off")
        con.execute("PRAGMA cache_size = -64000")
        for statement in ddl:
            con.execute(statement)  # foreign keys are off: no referenced table needed
        cursor = src.execute("SELECT * FROM candidate ORDER BY id")
        marks = ", ".join("?" * len(cursor.description))
        sql = f"INSERT INTO candidate VALUES ({marks})"
        count, seconds = 0, 0.0
        con.execute("BEGIN IMMEDIATE")
        while rows := cursor.fetchmany(20_000):
            started = time.perf_counter()
            con.executemany(sql, rows)
            seconds += time.perf_counter() - started
            count += len(rows)
        started = time.perf_counter()
        con.execute("COMMIT")
        return count, seconds + time.perf_counter() - started
    finally:
        con.close()
        src.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", type=Path, default=None, help="dossier de travail (temporaire)")
    parser.add_argument("--keep", action="store_true", help="garder la base construite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        path = folder / "demo.sqlite"
        started = time.perf_counter()
        cpu = time.process_time()
        summary = build_demo(
            str(path),
            seed=args.seed,
            candidates=args.candidates,
            progress=lambda m: print(f"{time.perf_counter() - started:8.1f} s  {m}", flush=True),
        )
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        dbmod.close_database()
        rows = count_rows(path)
        total = sum(rows.values())
        size = path.stat().st_size
        print(f"\n{summary}")
        print(
            f"demo      : {seconds:7.1f} s (CPU {cpu:.1f} s), "
            f"{fr_int(round(args.candidates / seconds))} candidats/s, "
            f"{fr_int(total)} lignes, {fr_int(round(total / seconds))} lignes/s, "
            f"{size / 1e6:.0f} Mo"
        )
        for table, n in sorted(rows.items(), key=lambda kv: -kv[1])[:6]:
            print(f"            {table:<18} {fr_int(n):>12}")
        n, raw = raw_baseline(path, folder)
        print(
            f"référence : {raw:7.1f} s pour {fr_int(n)} lignes candidat en executemany brut, "
            f"{fr_int(round(n / raw))} lignes/s"
        )
        print(
            f"rapport   : la démo complète prend {seconds / raw:.1f} fois le temps de l'insertion "
            f"brute des seules lignes candidat ({total / max(1, n):.0f} lignes écrites par "
            "candidat, données générées comprises)"
        )
        if args.keep:
            kept = Path.cwd() / f"demo-{args.candidates}.sqlite"
            path.replace(kept)
            print(f"base gardée : {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
