"""Replacement ranking benchmark: time and queries of one ranking, on the demo.

Usage (the demo is built first when the file does not exist):

    python benchmarks/bench_replacements.py --db /tmp/bench-f5.sqlite --size 12000

For every mission of an absent examiner still to cover (the F5 board's « à remplacer » lines),
:func:`baktui.services.replacements.rank_replacements` runs ``--repeat`` times: what the
replacement screen's worker runs when a mission is highlighted. Prints p50 / p95 / max in
milliseconds (and the thread's CPU time: the shared machine is often loaded), and the number
of SQL statements of one ranking (a fixed number whatever the
number of examiners: the eligibility engine reads in bulk). The raw baseline, measured in the
same run (alternately with the rankings), runs the very statements of each ranking on the
driver's cursor and fetches every row: reading the same rows, nothing checked or worded.
``--missions N`` takes N missions spread over the list (all of them at 12 000). ``--extra N`` first adds N
examiners of the missions' disciplines (in a copy of the base) to show that the count stays.
Without ``--extra`` the base is only read: one of an older schema (which opening would migrate)
is refused.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from functools import partial
from pathlib import Path

from bench_common import (
    OLDER_SCHEMA,
    against_raw,
    demo_if_absent,
    older_schema,
)

from baktui.data import db as dbmod
from baktui.data.models import Absence, Assignment, Examiner
from baktui.rules.identifiers import fold
from baktui.services.replacements import rank_replacements

ACTIVE = ("prevue", "convoquee")


def uncovered() -> list[int]:
    """Active missions of absent examiners, by id."""
    return [
        a
        for (a,) in Assignment.select(Assignment.id)
        .join(
            Absence,
            on=(Absence.examiner == Assignment.examiner) & (Absence.day == Assignment.day),
        )
        .where(Assignment.state.in_(ACTIVE))
        .order_by(Assignment.id)
        .tuples()
    ]


def add_examiners(count: int) -> None:
    """``count`` more examiners teaching the disciplines of the missions to cover."""
    codes = sorted(
        {
            a.epreuve_code
            for a in Assignment.select().where(Assignment.id.in_(uncovered()))
            if a.epreuve_code
        }
    ) or ["PHI"]
    rows = [
        {
            "last_name": f"Bench{n:05d}",
            "first_name": "Z",
            "name_key": fold(f"Bench{n:05d} Z"),
            "corps": "CERTIFIE",
            "disciplines": codes[n % len(codes)],
        }
        for n in range(count)
    ]
    with dbmod.current_database().atomic():
        for start in range(0, len(rows), 200):
            Examiner.insert_many(rows[start : start + 200]).execute()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/bench-f5.sqlite")
    parser.add_argument("--size", type=int, default=12000, help="candidates of a new demo")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--missions", type=int, default=1000, help="at most this many missions")
    parser.add_argument("--extra", type=int, default=0, help="examiners added first (a copy)")
    args = parser.parse_args()
    path = Path(args.db)
    demo_if_absent(path, args.size)
    if not args.extra and older_schema(path):
        print(OLDER_SCHEMA.format(path=path), "(Or give --extra N, which works on a copy.)")
        return 2
    target = path
    if args.extra:
        target = Path(tempfile.mkdtemp()) / path.name
        shutil.copy(path, target)
    dbmod.open_database(str(target))
    try:
        if args.extra:
            add_examiners(args.extra)
        missions = uncovered()
        if not missions:
            print("no mission to cover in this base")
            return 1
        examiners = Examiner.select().count()
        rank_replacements(missions[0])  # warm the caches
        missions = missions[:: max(1, len(missions) // args.missions)]
        calls = [partial(rank_replacements, assignment_id) for assignment_id in missions]
        what = f"{len(missions)} missions × {args.repeat}, {examiners} examiners"
        print(against_raw(calls, args.repeat, what, "ranking"))
    finally:
        dbmod.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
