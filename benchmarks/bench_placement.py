"""Placement benchmark (issue 15): place the whole demo at its written épreuves, then print one
centre's convocations, beside raw baselines measured in the same run.

Usage (on a COPY: the placement rewrites the convocations of the base)::

    python benchmarks/bench_placement.py /tmp/copie-demo-700000.sqlite [--centre CODE]

Baselines: for the placement, a raw ``executemany`` inserting as many convocation rows as the
placement wrote (the least any placement must do); for the letters, a raw fpdf2 loop writing one
page per candidate of the centre with the same font (no data read).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_inserts(path: str, count: int) -> float:
    """Seconds for a raw executemany of ``count`` convocation-shaped rows into an empty table
    with the convocation table's two indexes (a temporary table: the base is not touched)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TEMP TABLE raw_conv AS SELECT * FROM convocation WHERE 0")
    connection.execute("CREATE UNIQUE INDEX temp.raw_ce ON raw_conv (candidate_id, epreuve_code)")
    connection.execute(
        "CREATE INDEX temp.raw_cr ON raw_conv (centre_id, epreuve_code, room_id, seat)"
    )
    codes = ("FRE", "PHI", "SP1", "SP2", "SPA")
    rows = [(n // 5, codes[n % 5], 1, 1, "2026-06-15", "08:00", n % 30 + 1, 240, 0, "12:00", 0)
            for n in range(count)]  # fmt: skip
    started = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO raw_conv (candidate_id, epreuve_code, centre_id, room_id, day, "
        "start_time, seat, duration_min, extra_min, end_time, fixed_by_hand) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def raw_letters(count: int, out: Path) -> float:
    from fpdf import FPDF

    from baktui.exports.pdf import _FONT_FILES, _font_path

    started = time.perf_counter()
    pdf = FPDF()
    pdf.add_font("DejaVu", "", _font_path(_FONT_FILES[""]))
    pdf.set_font("DejaVu", size=10)
    for n in range(count):
        pdf.add_page()
        for line in range(30):
            pdf.cell(0, 6, f"Convocation {n} — ligne {line} : épreuve, jour, heure, salle, place",
                     new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.output(str(out))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--centre", default=None, help="code du centre (le plus petit sinon)")
    args = parser.parse_args()
    from baktui.data import db as dbmod
    from baktui.data.models import Centre, Convocation
    from baktui.services.candidate_convocations import issue_convocations
    from baktui.services.placement import place_candidates
    from baktui.services.placement_checks import placement_checks
    from baktui.services.sessions import current_session

    print(f"charge moyenne {os.getloadavg()[0]:.1f} au départ, {os.cpu_count()} cœurs")
    dbmod.open_database(args.db)
    session = current_session()
    assert session is not None
    started = time.perf_counter()
    summary = place_candidates(session.id)
    placing = time.perf_counter() - started
    written = Convocation.select().count()
    print(f"placement : {summary.render()} en {placing:.1f} s ({written:,} lignes), "
          f"mémoire max {peak_mb():.0f} Mo")  # fmt: skip
    started = time.perf_counter()
    checks = placement_checks(session.id)
    print(f"contrôles : {len(checks)} anomalies en {time.perf_counter() - started:.1f} s")
    dbmod.close_database()
    raw = raw_inserts(args.db, written)
    print(f"référence : executemany brut de {written:,} lignes en {raw:.1f} s → "
          f"placement {placing / raw:.1f}×")  # fmt: skip

    dbmod.open_database(args.db)
    code = args.centre or min(
        (c.code for c in Centre.select().where(Centre.session == session.id)),
        key=lambda c: Convocation.select().join(Centre).where(Centre.code == c).count() or 10**9,
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        issued = issue_convocations(session, centre_code=code, path=Path(tmp) / "c.pdf")
        letters = time.perf_counter() - started
        raw = raw_letters(issued.count, Path(tmp) / "raw.pdf")
    print(f"convocations du centre {code} : {issued.count:,} lettres en {letters:.1f} s ; "
          f"référence fpdf2 brute {raw:.1f} s → {letters / raw:.1f}×")  # fmt: skip
    dbmod.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
