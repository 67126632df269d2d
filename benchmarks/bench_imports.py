"""Streaming imports: ``import notes`` and ``import candidats`` beside a raw executemany.

Usage (from the repository root)::

    python benchmarks/bench_imports.py --base /tmp/imports/bd700.sqlite --work /tmp/imports/w \\
        --grades 2400000 --new-candidates 200000      # a copy of the 700 000-candidate demo
    python benchmarks/bench_imports.py --candidates 20000 --work /tmp/imports/s   # quick run

``--base`` is never written: it is copied once to ``WORK/prepared.sqlite`` (migrated when
opened), where the bench reopens every slip and jury (so that no grade line is refused as
locked), writes ``--grades`` of its first-group grades and part-grades (by candidate) to
``WORK/notes.csv`` in the import format, and deletes them; ``--new-candidates`` new candidates
(fresh INEs, the base's établissements) go to ``WORK/candidats.csv``. Without ``--base``, a demo
base of ``--candidates`` candidates is built first (``baktui demo``).

Then, each in its own process (so that each peak of memory is its own) on its own copy of the
prepared base:

1. ``import_grades`` of notes.csv, then ``import_candidates`` of candidats.csv: seconds and peak
   RSS (``resource.getrusage``);
2. the raw baseline of each: the very rows the import wrote (grades, part-grades, candidates,
   registrations, audit entries, read back from the imported copy into memory first, untimed),
   inserted by plain ``executemany`` in one transaction into a fresh copy, timed to the commit.

Prints each figure (wall clock, and CPU time of the process: the machine may be shared)
beside its baseline and the ratio, and the load average.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
# the demo's deliberate anomalies (a grade for an épreuve the candidate left) stay out of the file
REGISTERED = (
    "EXISTS (SELECT 1 FROM registration r WHERE r.candidate_id = g.candidate_id "
    "AND r.epreuve_code = g.epreuve_code) AND g.candidate_id NOT IN (SELECT c.id FROM candidate c "
    "JOIN (SELECT ine FROM candidate GROUP BY ine HAVING COUNT(*) > 1) d ON d.ine = c.ine)"
)  # … nor the candidates whose INE the demo gave twice


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


# --- preparing ----------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, work: Path) -> None:
    prepared = work / "prepared.sqlite"
    if prepared.exists() and (work / "notes.csv").exists() and not args.again:
        print(f"base préparée : {prepared} (déjà là ; --again pour la refaire)")
    else:
        prepare_base(args, work, prepared)
    if not (work / "candidats.csv").exists() or args.again:
        write_candidates(work / "candidats.csv", prepared, args.new_candidates)


def prepare_base(args: argparse.Namespace, work: Path, prepared: Path) -> None:
    if args.base:
        print(f"copie de {args.base} …", flush=True)
        copy(Path(args.base), prepared)
    else:
        print(f"démo de {args.candidates} candidats …", flush=True)
        prepared.unlink(missing_ok=True)
        subprocess.run(
            ["baktui", "demo", "--db", str(prepared), "--candidates", str(args.candidates),
             "--no-open"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    from baktui.data import db as dbmod

    dbmod.open_database(str(prepared))  # migrates an older schema
    dbmod.close_database()
    con = sqlite3.connect(prepared)
    con.execute("UPDATE lot SET state = 'en_saisie' WHERE state = 'saisi'")
    con.execute("UPDATE jury SET closed_group = 0, published_group = 0")
    ine_of = dict(con.execute("SELECT id, ine FROM candidate"))
    wanted = args.grades
    taken_grades: list[int] = []
    taken_parts: list[int] = []
    with (work / "notes.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["ine", "epreuve", "note", "groupe", "session"])
        rows = con.execute(
            "SELECT id, candidate_id, epreuve_code, value_centi, code, kept_session, 0 FROM grade g "
            f'WHERE "group" = 1 AND {REGISTERED} UNION ALL SELECT id, candidate_id, epreuve_code '
            "|| '.' || part_code, value_centi, code, NULL, 1 FROM grade_part g "
            f"WHERE {REGISTERED} ORDER BY 2, 3"
        )
        for pk, cid, code, value, gcode, kept, part in rows:
            if len(taken_grades) + len(taken_parts) >= wanted:
                break
            if gcode:
                note = gcode
            elif value is None:
                continue
            else:
                note = f"{value // 100},{value % 100:02d}" if value % 100 else str(value // 100)
            out.writerow([ine_of[cid], code, note, "", kept or ""])
            (taken_parts if part else taken_grades).append(pk)
    print(f"notes.csv : {len(taken_grades)} notes, {len(taken_parts)} notes de parties", flush=True)
    for table, ids in (("grade", taken_grades), ("grade_part", taken_parts)):
        con.execute(f"CREATE TEMP TABLE gone_{table} (id INTEGER PRIMARY KEY)")
        con.executemany(f"INSERT INTO gone_{table} VALUES (?)", ((i,) for i in ids))
        con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM gone_{table})")
    con.commit()
    con.close()
    # rows deleted behind baktui's back: its maintained counters are counted again (as
    # ``baktui compteurs reconstruire`` does), or the import would count on stale ones
    dbmod.open_database(str(prepared))
    from baktui.services.counters import rebuild

    rebuild(None)
    dbmod.close_database()


def write_candidates(path: Path, prepared: Path, count: int) -> None:
    """``count`` new candidates (INEs 98…KC, absent from the demo), the sample's lines over and
    over with the base's établissements."""
    con = sqlite3.connect(prepared)
    uais = [u for (u,) in con.execute("SELECT uai FROM etablissement ORDER BY id LIMIT 50")]
    con.close()
    sample = (HERE.parent.parent / "data" / "samples" / "candidats.csv").read_text("utf-8-sig")
    header, *lines = [line for line in sample.splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for n in range(count):
            cells = lines[n % len(lines)].split(";")
            cells[0] = f"98{n:07d}KC"
            cells[17] = uais[n % len(uais)] if uais else ""
            handle.write(";".join(cells) + "\n")
    print(f"candidats.csv : {count} candidats", flush=True)


# --- children: one measure each -----------------------------------------------------------------


def child_import(what: str, base: str, path: str) -> dict[str, object]:
    from baktui.data import db as dbmod
    from baktui.services.imports import run_import

    dbmod.open_database(base)
    con = sqlite3.connect(base)
    marks = {t: con.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0]
             for t in ("grade", "grade_part", "candidate", "registration", "audit_log")}  # fmt: skip
    con.close()
    start, cpu = time.perf_counter(), time.process_time()
    report = run_import(what, 1, path)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    dbmod.close_database()
    return {"seconds": seconds, "cpu": cpu, "rss_mb": rss_mb(), "ok": report.ok, "marks": marks,
            "summary": report.render().splitlines()[:3], "created": report.created}  # fmt: skip


TABLES = {
    "notes": ("grade", "grade_part", "audit_log"),
    "candidats": ("candidate", "registration", "audit_log"),
}


def child_raw(what: str, imported: str, target: str, marks: dict[str, int]) -> dict[str, object]:
    source = sqlite3.connect(imported)
    loaded = []
    for table in TABLES[what]:
        columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
        rows = source.execute(f"SELECT * FROM {table} WHERE id > ?", (marks[table],)).fetchall()
        sql = f"INSERT INTO {table} ({', '.join(map(repr, columns))}) VALUES ({', '.join('?' * len(columns))})"  # noqa: E501
        loaded.append((sql, rows))
    source.close()
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA foreign_keys = ON")
    start, cpu = time.perf_counter(), time.process_time()
    con.execute("BEGIN IMMEDIATE")
    for sql, rows in loaded:
        con.executemany(sql, rows)
    con.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return {"seconds": seconds, "cpu": cpu, "rows": [len(r) for _, r in loaded]}


def run_child(*argv: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(HERE), "--child", *argv], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- main ---------------------------------------------------------------------------------------


def measure(work: Path, what: str, path: Path) -> tuple[dict[str, object], dict[str, object]]:
    prepared = work / "prepared.sqlite"
    imported, raw = work / "imported.sqlite", work / "raw.sqlite"
    copy(prepared, imported)
    result = run_child("import", what, str(imported), str(path))
    if not result["ok"]:
        raise SystemExit("\n".join(map(str, result["summary"])))
    copy(prepared, raw)
    baseline = run_child("raw", what, str(imported), str(raw), json.dumps(result["marks"]))
    for base in (imported, raw):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{base}{suffix}").unlink(missing_ok=True)
    return result, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--base", help="base to copy (never written)")
    parser.add_argument("--candidates", type=int, default=20000, help="demo size without --base")
    parser.add_argument("--work", default="/tmp/imports/bench", help="work folder")
    parser.add_argument("--grades", type=int, default=2_400_000)
    parser.add_argument("--new-candidates", type=int, default=200_000)
    parser.add_argument("--again", action="store_true", help="prepare the base again")
    parser.add_argument("--only", choices=("notes", "candidats"))
    parser.add_argument("--prepare-only", action="store_true", help="prepare, measure nothing")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "import":
            print(json.dumps(child_import(*rest)))
        else:
            what, imported, target, marks = rest
            print(json.dumps(child_raw(what, imported, target, json.loads(marks))))
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    prepare(args, work)
    if args.prepare_only:
        return
    for what, name in (("notes", "notes.csv"), ("candidats", "candidats.csv")):
        if args.only and args.only != what:
            continue
        result, baseline = measure(work, what, work / name)
        ratio = result["seconds"] / baseline["seconds"]
        cpu = result["cpu"] / baseline["cpu"]
        print(f"import {what} ({result['created']} créés) : {result['seconds']:.1f} s "
              f"(CPU {result['cpu']:.1f} s), pic {result['rss_mb']:.0f} Mo | brut executemany "
              f"{baseline['rows']} lignes : {baseline['seconds']:.1f} s (CPU "
              f"{baseline['cpu']:.1f} s) | rapport {ratio:.2f}× (CPU {cpu:.2f}×)", flush=True)  # fmt: skip
    print("charge (1, 5, 15 min) :", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
