"""F7 benchmark: a jury opened, a candidate's file, a what-if, one jury deliberated again.

Usage (on a deliberated demo; ``baktui --db BASE deliberer`` first):

    python benchmarks/bench_jury_deliberation.py /tmp/demo-700000.sqlite [--repeat 5]

Targets of issue 13: a 300-candidate jury opened under 200 ms, a what-if under 5 ms, one jury
deliberated under 1 s. The raw baseline, in the same run: the SQL SELECT of the jury's
candidates with their results and first-group grades (sqlite3 alone). Deliberating the jury
rewrites its results (the same values): use a copy of the base, never the office's own.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        out.append((time.perf_counter() - started) * 1000)
    return out


def show(name: str, ms: list[float], base: float | None = None) -> None:
    p50 = statistics.median(ms)
    p95 = sorted(ms)[max(0, round(0.95 * len(ms)) - 1)]
    ratio = f"  ×{p50 / base:.1f} le brut" if base else ""
    print(f"{name:<34} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="base délibérée (une copie : la délibération du jury réécrit)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from baktui.data import db as dbmod
    from baktui.data.models import Candidate, Jury
    from baktui.services import jury_deliberation as jd
    from baktui.services.sessions import current_session

    dbmod.open_database(args.db)
    sid = current_session().id
    # the jury closest to 300 candidates (the figure), and its largest
    counts = {
        j.id: Candidate.select().where(Candidate.jury == j.id).count()
        for j in Jury.select().where(Jury.session == sid)
    }
    jury_id = min(counts, key=lambda j: abs(counts[j] - 300))
    number = Jury.get_by_id(jury_id).number
    print(f"jury n° {number} : {counts[jury_id]} candidats ({len(counts)} jurys)")

    raw = sqlite3.connect(args.db)
    sql = (
        "SELECT c.id, c.number, c.last_name, r.average, r.decision, g.epreuve_code, g.value_centi "
        "FROM candidate c LEFT JOIN result r ON r.candidate_id = c.id "
        'LEFT JOIN grade g ON g.candidate_id = c.id AND g."group" = 1 WHERE c.jury_id = ?'
    )
    base = timed(lambda: raw.execute(sql, (jury_id,)).fetchall(), args.repeat)
    show("SQL brut (candidats, résultats, notes)", base)
    floor = statistics.median(base)
    page = jd.jury_page(sid, jury_id)
    show("jury_page (ouvrir le jury)", timed(lambda: jd.jury_page(sid, jury_id), args.repeat),
         floor)  # fmt: skip
    cid = page.lines[len(page.lines) // 2].candidate_id
    show("candidate_deliberation (la fiche)",
         timed(lambda: jd.candidate_deliberation(sid, cid), args.repeat), floor)  # fmt: skip
    show("what_if (PHI 12)", timed(lambda: jd.what_if(sid, cid, {"PHI": "12"}), args.repeat * 4))
    show("deliberate_jury (le jury délibéré)",
         timed(lambda: jd.deliberate_jury(sid, jury_id), max(1, args.repeat // 2)), floor)  # fmt: skip


if __name__ == "__main__":
    main()
