"""Jury répartition benchmark: ``baktui jurys repartir`` on 200,000 candidates and 80 juries.

Usage:

    python benchmarks/bench_jury_assignment.py [--candidates 200000] [--juries 80]

Builds a throwaway base (a temporary SQLite file): the 2026 session, ``--juries`` juries over
the séries (most take one série, some two, one takes every série), 2,000 établissements and
``--candidates`` candidates in (établissement, série) groups, none placed yet. Then times, in
the same run:

- the répartition (:func:`baktui.services.distribution.distribute_candidates`): read, plan,
  one prepared UPDATE per moved candidate, one audit entry each, in one write transaction;
- the plan alone (:func:`baktui.rules.distribution.plan_distribution`, pure);
- a raw bulk UPDATE of the same jury ids (the candidates put back to no jury first), without
  reading, planning or auditing: the floor of the write.

Prints the figures and the ratio répartition / raw UPDATE.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from baktui.data import db as dbmod
from baktui.data import sql
from baktui.data.db import write_transaction
from baktui.data.models import AuditLog, Candidate, Etablissement, Jury
from baktui.demo.bulk import Table
from baktui.rules.distribution import plan_distribution
from baktui.services.distribution import _candidates, _juries, distribute_candidates
from baktui.services.sessions import open_registre

SERIES = ("STMG", "STI2D", "ST2S", "STL", "STD2A", "STHR", "S2TMD", "STAV")
WEIGHTS = (40, 20, 15, 8, 5, 5, 4, 3)  # share of each série in the candidates (percent)


def build(candidates: int, juries: int, seed: int = 2026) -> int:
    """The session, its juries, établissements and candidates; returns the session id."""
    rng = random.Random(seed)
    session_id = open_registre(2026).id
    etab_count = 2_000
    with write_transaction():
        etabs = Table(Etablissement, ["uai", "name", "name_key"])
        etabs.rows = [(f"{n:07d}X", f"Lycée {n}", f"lycee {n}") for n in range(etab_count)]
        etabs.flush()
        etab_ids = [e for (e,) in Etablissement.select(Etablissement.id).tuples()]
        jury_rows = Table(Jury, ["session", "number", "series_codes"])
        for n in range(juries):
            if n == juries - 1:
                codes = ""  # every série
            elif n % 10 == 9:
                codes = f"{SERIES[n % 8]},{SERIES[(n + 3) % 8]}"
            else:
                codes = rng.choices(SERIES, WEIGHTS)[0]
            jury_rows.rows.append((session_id, n + 1, codes))
        jury_rows.flush()
        table = Table(
            Candidate,
            ["session", "number", "last_name", "first_name", "name_key", "series", "etablissement"],
        )
        n = 0
        while n < candidates:
            etab = rng.choice(etab_ids)
            series = rng.choices(SERIES, WEIGHTS)[0]
            for _ in range(min(rng.randint(5, 60), candidates - n)):
                n += 1
                table.rows.append(
                    (session_id, f"26{n:07d}", f"Nom{n}", "Z", f"nom{n} z", series, etab)
                )
            if len(table.rows) >= 20_000:
                table.flush()
        table.flush()
    return session_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200_000)
    parser.add_argument("--juries", type=int, default=80)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        dbmod.open_database(str(Path(folder) / "bench.sqlite"), create=True)
        started = time.perf_counter()
        session_id = build(args.candidates, args.juries)
        print(
            f"base : {args.candidates} candidats, {args.juries} jurys "
            f"({time.perf_counter() - started:.1f} s)"
        )

        rows = _candidates(session_id)
        started = time.perf_counter()
        plan_distribution(_juries(session_id), rows, {})
        planned = time.perf_counter() - started

        audit_before = AuditLog.select().count()
        started = time.perf_counter()
        summary = distribute_candidates(session_id)
        full = time.perf_counter() - started
        entries = AuditLog.select().count() - audit_before

        placed = list(
            Candidate.select(Candidate.jury, Candidate.id)
            .where(Candidate.jury.is_null(False))
            .tuples()
        )
        Candidate.update(jury=None).execute()  # back to no jury, untimed
        started = time.perf_counter()
        with write_transaction():
            sql.executemany(sql.update_sql(Candidate, ["jury"]), placed)
        raw = time.perf_counter() - started
        dbmod.close_database()

    print(
        f"répartition : {summary.placed} placés, {summary.unplaced} sans jury, "
        f"{summary.blocks} groupes, {entries} entrées d'audit"
    )
    print(f"  répartition complète   {full * 1000:8.0f} ms")
    print(f"  dont le plan (pur)     {planned * 1000:8.0f} ms (mesuré à part)")
    print(f"  UPDATE brut, mêmes ids {raw * 1000:8.0f} ms")
    print(f"  rapport                {full / raw:8.1f} ×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
