"""Deliberation throughput: candidates/second of ``deliberate_session`` beside a raw SQL baseline.

Usage (from the repository root)::

    python benchmarks/bench_deliberation.py /tmp/d700k.sqlite          # an existing database
    python benchmarks/bench_deliberation.py /tmp/b.sqlite --candidates 700000   # built if absent

An absent database is built with the demo generator (``baktui.demo.build_demo``) when it
exists, otherwise with the synthetic generator below (same tables, realistic grades: whole
points for terminal épreuves, tenths for contrôle continu, a few ABS/AJ/missing grades,
ST2S/STHR part-grades, options, EPS inaptitudes, kept grades, second-group grades).

The baseline is what SQLite alone does: one GROUP BY computing Σ grade × coef per candidate
(no rules, no exact fractions, no writes). Then the real thing runs twice over everyone
(``--tout``): a first deliberation (every result new) and a re-run on unchanged grades (nothing
to write); then ``--changed`` % of the candidates get one grade changed through ``import notes``
(as after a day of entry) and the default, incremental run recomputes only them.

WARNING: it empties the ``result`` table of the database it is given (unless --keep-results):
point it at a demo or benchmark database, never at an office's.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time

from baktui.data import db as dbmod
from baktui.data.models import Candidate, ExamSession, Result

SERIES_WEIGHTS = {
    "STMG": 40,
    "STI2D": 20,
    "ST2S": 15,
    "STL": 8,
    "STHR": 5,
    "STD2A": 5,
    "S2TMD": 2,
}
BASE = ("FRE", "FRO", "PHI", "GO", "SP1", "SP2", "SPA", "HG", "LVA", "LVB", "MAT", "EPS", "EMC")
TERMINAL = {"FRE", "FRO", "PHI", "GO", "SP1", "SP2"}
PARTS = {"ST2S": ("CHI", "BPH"), "STHR": ("STC", "STS")}
SUB = {"STI2D": "AC EE ITEC SIN", "STMG": "GF MERC RHC SIG", "STL": "3B SPCL", "S2TMD": "THEATRE"}


def build_synthetic(target: str, candidates: int, seed: int = 2026) -> None:
    """A session with ``candidates`` candidates and their grades, written with executemany."""
    from baktui.services.sessions import open_registre

    dbmod.open_database(target, create=True)
    session = open_registre(2026)
    rng = random.Random(seed)
    db = dbmod.current_database()
    conn = db.connection()
    series_codes = list(SERIES_WEIGHTS)
    weights = list(SERIES_WEIGHTS.values())
    now = "2026-07-01T08:00:00+02:00"
    batch = 10_000
    started = time.perf_counter()
    for start in range(0, candidates, batch):
        count = min(batch, candidates - start)
        rows = []
        for i in range(start, start + count):
            series = rng.choices(series_codes, weights)[0]
            sub = rng.choice(SUB[series].split()) if series in SUB else ""
            rows.append(
                (
                    1, session.id, f"26{i + 1:07d}", f"{i + 1:010d}A", f"NOM{i % 5000}",
                    f"Prenom{i % 700}", f"nom{i % 5000} prenom{i % 700}", "2008-01-01", "", "",
                    "", "", "", "", series, sub, "ANG", "ESP",
                    "LATIN-T" if rng.random() < 0.1 else "", "scolaire",
                    rng.random() < 0.02, False, "", "", "validee", "", now, now,
                )
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO candidate (version, session_id, number, ine, last_name, first_name, "
            "name_key, birth_date, sex, address, postcode, city, email, phone, series, "
            "sub_choice, lva, lvb, options, status, eps_inapte, eps_certificate, amenagements, "
            "dossier, state, transferred_to, created_at, updated_at) "
            "VALUES (" + ",".join("?" * 28) + ")",
            rows,
        )
        first = conn.execute(
            "SELECT id, series, options, eps_inapte FROM candidate WHERE session_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (session.id, count),
        ).fetchall()
        registrations, grades, parts = [], [], []
        for cid, series, options, inapte in first:
            codes = list(BASE) + (["OPT1"] if options else [])
            level = rng.gauss(11, 2.5)
            kept_phi = rng.random() < 0.01
            for code in codes:
                kept = 2025 if (kept_phi and code == "PHI") else None
                registrations.append((cid, code, "LATIN-T" if code == "OPT1" else "", kept))
                if code == "EPS" and inapte:
                    continue
                roll = rng.random()
                if roll < 0.001:
                    continue  # missing grade: INCOMPLET
                if code == "SP1" and series in PARTS:
                    for part in PARTS[series]:
                        value = min(2000, max(0, round(rng.gauss(level, 3) * 2) * 50))
                        parts.append((cid, "SP1", part, value, None, "bench", now))
                    continue
                gcode = "ABS" if roll < 0.004 else ("AJ" if roll < 0.005 else None)
                value = None
                if gcode is None:
                    raw = min(20.0, max(0.0, rng.gauss(level, 3)))
                    value = round(raw) * 100 if code in TERMINAL else round(raw * 10) * 10
                    if kept is not None:
                        value = max(value, 1000)
                grades.append((1, cid, code, 1, value, gcode, kept, "demo", "bench", now))
        conn.executemany(
            "INSERT INTO registration (candidate_id, epreuve_code, option_name, kept_session) "
            "VALUES (?,?,?,?)",
            registrations,
        )
        conn.executemany(
            'INSERT INTO grade (version, candidate_id, epreuve_code, "group", value_centi, code, '
            "kept_session, source, entered_by, entered_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            grades,
        )
        conn.executemany(
            "INSERT INTO grade_part (candidate_id, epreuve_code, part_code, value_centi, code, "
            "entered_by, entered_at) VALUES (?,?,?,?,?,?,?)",
            parts,
        )
        conn.commit()
        done = start + count
        if done % 100_000 == 0 or done == candidates:
            print(f"  {done:>9,} candidats générés ({time.perf_counter() - started:.0f} s)")
    # second group for a few: run after a first deliberation would be the real order; the
    # benchmark only needs the rows to exist
    conn.execute(
        'INSERT INTO grade (version, candidate_id, epreuve_code, "group", value_centi, code, '
        "kept_session, source, entered_by, entered_at) "
        "SELECT 1, id, 'PHI', 2, 1200, NULL, NULL, 'demo', 'bench', ? FROM candidate "
        "WHERE id % 50 = 0",
        (now,),
    )
    conn.commit()
    dbmod.close_database()


def build(target: str, candidates: int, seed: int, synthetic: bool) -> None:
    build_demo = None
    if not synthetic:
        try:
            from baktui.demo import build_demo
        except ImportError:
            pass
    started = time.perf_counter()
    if build_demo is not None:
        print(f"Base de démonstration de {candidates:,} candidats → {target}")
        build_demo(target, seed=seed, candidates=candidates, progress=print)
    else:
        print(f"Base synthétique de {candidates:,} candidats → {target}")
        build_synthetic(target, candidates, seed)
    print(f"  construite en {time.perf_counter() - started:.0f} s")


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the deliberation workers).

    The machine is shared: wall time depends on the others' load, CPU time much less.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def baseline(session_id: int) -> tuple[int, float]:
    """Raw SQL: Σ value × coef and Σ coef per candidate, first group (no rules, no writes)."""
    db = dbmod.current_database()
    started = time.perf_counter()
    rows = db.execute_sql(
        "SELECT g.candidate_id, SUM(g.value_centi * CAST(e.coef AS INTEGER)), "
        "SUM(CAST(e.coef AS INTEGER)) "
        "FROM grade g JOIN candidate c ON c.id = g.candidate_id "
        "JOIN epreuve e ON e.session_id = c.session_id AND e.code = g.epreuve_code "
        'WHERE c.session_id = ? AND g."group" = 1 GROUP BY g.candidate_id',
        (session_id,),
    ).fetchall()
    return len(rows), time.perf_counter() - started


def python_stream(session_id: int) -> tuple[int, float]:
    """Raw Python stream: every candidate's registrations and first-group grades, in candidate
    order, on the driver's cursor, added up in plain integers per candidate (épreuves
    registered, Σ value × coef, Σ coef): what any full recomputation must at least read and add,
    with no rules, no exact fractions and no writes."""
    db = dbmod.current_database()
    coefs = {
        code: int(coef)
        for code, coef in db.execute_sql(
            "SELECT code, coef FROM epreuve WHERE session_id = ?", (session_id,)
        ).fetchall()
        if coef.isdigit()
    }
    started = time.perf_counter()
    registered: dict[int, int] = {}
    cursor = db.execute_sql(
        "SELECT r.candidate_id FROM registration r JOIN candidate c ON c.id = r.candidate_id "
        "WHERE c.session_id = ? ORDER BY r.candidate_id",
        (session_id,),
    )
    while rows := cursor.fetchmany(10_000):
        for (cid,) in rows:
            registered[cid] = registered.get(cid, 0) + 1
    complete, current, total, weight, seen = 0, None, 0, 0, 0
    cursor = db.execute_sql(
        "SELECT g.candidate_id, g.epreuve_code, g.value_centi FROM grade g "
        "JOIN candidate c ON c.id = g.candidate_id "
        'WHERE c.session_id = ? AND g."group" = 1 ORDER BY g.candidate_id',
        (session_id,),
    )
    while rows := cursor.fetchmany(10_000):
        for cid, code, value in rows:
            if cid != current:
                complete += current is not None and seen >= registered.get(current, 0)
                current, total, weight, seen = cid, 0, 0, 0
            coef = coefs.get(code, 1)
            seen += 1
            if value is not None:
                total += value * coef
                weight += coef
    return len(registered), time.perf_counter() - started


def change_grades(session_id: int, percent: float) -> int:
    """One contrôle-continu grade (EMC: on no slip) raised by a point or so for ``percent`` % of
    the candidates, through ``import notes`` (audited, as the office's entries are); how many."""
    import csv
    import tempfile

    from baktui.data.models import Grade
    from baktui.services.imports.grades import import_grades

    step = max(1, round(100 / percent))
    rows = (
        Grade.select(Candidate.ine, Grade.epreuve_code, Grade.value_centi)
        .join(Candidate, on=(Grade.candidate == Candidate.id))
        .where((Candidate.session == session_id) & (Grade.group == 1)
               & Grade.value_centi.between(500, 1500) & (Grade.epreuve_code == "EMC")
               & Grade.kept_session.is_null())
        .order_by(Candidate.id)
        .tuples()
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["ine", "epreuve", "note"])
        count = 0
        seen: set[str] = set()
        for index, (ine, code, value) in enumerate(rows):
            if index % step or not ine or ine in seen:  # one line per INE (demo duplicates)
                continue
            seen.add(ine)
            out.writerow([ine, code, str((value + 100) // 100)])
            count += 1
    report = import_grades(session_id, f.name)
    if not report.ok:
        raise SystemExit(report.render()[:2000])
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", help="base SQLite (construite si absente)")
    parser.add_argument("--candidates", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="processus de calcul")
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument(
        "--synthetic", action="store_true", help="générateur synthétique même si la démo existe"
    )
    parser.add_argument("--keep-results", action="store_true", help="ne vide pas la table result")
    parser.add_argument(
        "--changed", type=float, default=1.0, help="%% de candidats dont une note change ensuite"
    )
    args = parser.parse_args(argv)

    if not dbmod.exists(args.db):
        build(args.db, args.candidates, args.seed, args.synthetic)
    from baktui.services.deliberation import deliberate_session

    dbmod.open_database(args.db)
    session = ExamSession.select().order_by(ExamSession.id).first()
    total = Candidate.select().where(Candidate.session == session.id).count()
    print(f"{total:,} candidats, session {session.year}")
    if not args.keep_results:
        dbmod.current_database().execute_sql("DELETE FROM result")  # benchmark database only

    cores = os.cpu_count() or 1
    print(f"{cores} cœurs, charge moyenne {os.getloadavg()[0]:.1f} au départ")
    cpu = cpu_seconds()
    count, seconds = baseline(session.id)
    base_seconds = seconds
    cpu = cpu_seconds() - cpu
    print(f"SQL GROUP BY (référence) : {count:,} candidats en {seconds:.2f} s → "
          f"{count / seconds:,.0f} candidats/s (CPU {cpu:.1f} s)")  # fmt: skip
    cpu = cpu_seconds()
    count, stream_seconds = python_stream(session.id)
    cpu = cpu_seconds() - cpu
    print(f"Flux Python brut (référence de --tout) : {count:,} candidats en {stream_seconds:.2f} s "
          f"(CPU {cpu:.1f} s)")  # fmt: skip
    for label in ("première délibération", "relance sans changement"):
        cpu = cpu_seconds()
        started = time.perf_counter()
        summary = deliberate_session(
            session.id, workers=args.workers, chunk_size=args.chunk, everyone=True
        )
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
        print(
            f"deliberate_session, {label} : {summary.total:,} candidats en {seconds:.1f} s → "
            f"{summary.total / seconds:,.0f} candidats/s "
            f"(nouveaux {summary.created:,}, modifiés {summary.changed:,}) ; "
            f"CPU {cpu:.1f} s = {cpu / max(summary.total, 1) * 1e6:.0f} µs/candidat, "
            f"projection {cpu / cores:.1f} s sur {cores} cœurs libres en parallèle ; "
            f"{seconds / stream_seconds:.2f}× le flux Python brut"
        )
    print(summary.render())
    if args.changed > 0:
        changed = change_grades(session.id, args.changed)
        started = time.perf_counter()
        summary = deliberate_session(session.id, workers=args.workers, chunk_size=args.chunk)
        seconds = time.perf_counter() - started
        print(
            f"deliberate_session incrémentale après {changed:,} notes changées : "
            f"{summary.total:,} candidats recalculés en {seconds:.2f} s "
            f"(modifiés {summary.changed:,}), contre {base_seconds:.2f} s pour le GROUP BY SQL "
            "de toute la session"
        )
    print(f"résultats stockés : {Result.select().count():,}")
    dbmod.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
