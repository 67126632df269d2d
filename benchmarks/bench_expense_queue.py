"""F6 queue benchmark: time and queries of one page of the expense claims' queue, on the demo.

Usage (the demo is built first when the file does not exist)::

    python benchmarks/bench_expense_queue.py --db /tmp/q/q.sqlite        # the 700 000 demo
    python benchmarks/bench_expense_queue.py --db /tmp/bench-f6.sqlite --size 12000

For each filter of the queue (« service fait », « déclarée », both) and pages spread over it,
:func:`baktui.services.claims.queue` runs ``--repeat`` times — what the F6 screen's worker runs
to show a page of up to 100 claims with their computed amounts and anomalies. Prints p50 / p95
/ max in milliseconds (and the thread's CPU time), and the number of SQL statements of a page.
The raw baseline, measured in the same run (alternately), runs the very statements of each page
on the driver's cursor and fetches every row: reading the same rows, nothing computed or checked.
Target (issue 18): a page in 0.2 s at 700 000 candidates.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from bench_common import (
    OLDER_SCHEMA,
    against_raw,
    demo_if_absent,
    older_schema,
)

from baktui.data import db as dbmod
from baktui.data.models import ExamSession, ExpenseClaim
from baktui.services.claims import queue

FILTERS = (("service_fait",), ("declaree",), ("declaree", "service_fait"))
PAGE = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/bench-f6.sqlite")
    parser.add_argument("--size", type=int, default=12000, help="candidates of a new demo")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pages", type=int, default=5, help="pages per filter, spread over it")
    args = parser.parse_args()
    path = Path(args.db)
    demo_if_absent(path, args.size)
    if older_schema(path):
        print(OLDER_SCHEMA.format(path=path))
        return 2
    dbmod.open_database(str(path))
    try:
        session_id = ExamSession.select(ExamSession.id).order_by(ExamSession.id).scalar()
        pages: list[tuple[tuple[str, ...], int]] = []
        for states in FILTERS:
            total = (
                ExpenseClaim.select()
                .where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(states))
                .count()
            )
            step = max(PAGE, (total // max(1, args.pages)) // PAGE * PAGE)
            pages += [(states, offset) for offset in range(0, max(total, 1), step)][: args.pages]
        queue(session_id, states=FILTERS[0], limit=PAGE)  # warm the caches
        claims = ExpenseClaim.select().where(ExpenseClaim.session == session_id).count()
        calls = [partial(queue, session_id, states=states, offset=offset, limit=PAGE)
                 for states, offset in pages]  # fmt: skip
        what = f"{len(pages)} pages of {PAGE} × {args.repeat}, {claims} claims"
        print(against_raw(calls, args.repeat, what, "page"))
    finally:
        dbmod.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
