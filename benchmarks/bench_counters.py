"""Maintained counters benchmark (issue 18): the home counts and F4's missing-grades groups read
from the counters beside the raw recount (the queries they replace), and what keeping them costs
a slip of 30 grades and the grade import, all in the same run.

Usage (on a COPY of a large base: the slips and imports write grades)::

    python benchmarks/bench_counters.py /tmp/counters/copie-bd700.sqlite [--grades 20000]

Targets: every home count and the F4 groups < 1 s at 700 000 candidates. Costs are measured
with the counters kept and with them switched off (trackers replaced by no-ops), alternately on
similar lots and on two disjoint sets of missing grades of the same size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


@contextmanager
def counters_off() -> Iterator[None]:
    """The writers' trackers replaced by no-ops: the writes as before the counters."""
    from baktui.data import counters

    @contextmanager
    def nothing(*_args: Any, **_kwargs: Any) -> Iterator[None]:
        yield

    saved = counters.tracking, counters.results_changed, counters.added
    counters.tracking = nothing
    counters.results_changed = counters.added = lambda *_a, **_k: None
    try:
        yield
    finally:
        counters.tracking, counters.results_changed, counters.added = saved


def reads(session_id: int) -> None:
    from baktui.services import stats
    from baktui.services.missing_grades import missing_groups

    print("Lectures (compteurs | recomptage brut, même exécution)")
    rows = [
        ("accueil sans anomalies logistiques",
         lambda raw: stats.home_counts(session_id, with_grades=False, raw=raw)),
        ("notes manquantes (1er groupe)",
         lambda raw: stats.grades_missing_raw(session_id) if raw
         else stats.grades_missing(session_id)),
        ("F4 Ctrl+G : groupes", lambda raw: missing_groups(session_id, raw=raw)),
    ]  # fmt: skip
    for label, read in rows:
        fast, mine = timed(lambda read=read: read(False))
        slow, theirs = timed(lambda read=read: read(True))
        same = "identiques" if mine == theirs else "DIFFÉRENTS"
        print(f"  {label:<36} {fast:7.3f} s | {slow:7.3f} s  ×{slow / fast:6.1f}  {same}")
    spent, checks = timed(lambda: stats.logistics_checks(session_id))
    print(f"  {'anomalies logistiques (sans compteur)':<36} {spent:7.3f} s  ({checks})")
    spent, _ = timed(lambda: stats.home_counts(session_id))
    print(f"  {'accueil complet (home_counts)':<36} {spent:7.3f} s")


def _open_lots(session_id: int, size: int, wanted: int) -> list[int]:
    """Lots of single entry whose first ``size`` copies have no grade."""
    import peewee as pw

    from baktui.data.models import Anonymat, Grade, Lot
    from baktui.rules.lifecycles import LotState

    missing = (
        Anonymat.select(Anonymat.lot, pw.fn.COUNT(Anonymat.id))
        .join(Lot, on=(Anonymat.lot == Lot.id))
        .join(
            Grade,
            pw.JOIN.LEFT_OUTER,
            on=(
                (Grade.candidate == Anonymat.candidate)
                & (Grade.epreuve_code == Anonymat.epreuve_code)
                & (Grade.group == 1)
            ),
        )  # fmt: skip
        .where(
            (Lot.session == session_id)
            & (Lot.state == LotState.CONSTITUE)
            & (Lot.double_entry == False)  # noqa: E712 (peewee expression)
            & Grade.id.is_null()
        )
        .group_by(Anonymat.lot)
        .having(pw.fn.COUNT(Anonymat.id) >= size)
        .limit(wanted)
        .tuples()
    )
    lot_ids = [lot for lot, _ in missing]
    return [n for (n,) in Lot.select(Lot.number).where(Lot.id.in_(lot_ids)).tuples()]


def slips(session_id: int, size: int = 30, rounds: int = 6) -> None:
    from baktui.services.grade_slip.editor import open_slip

    numbers = _open_lots(session_id, size, 2 * rounds)
    if len(numbers) < 2:
        print("  (pas assez de lots constitués sans notes pour mesurer un bordereau)")
        return
    kept: list[float] = []
    off: list[float] = []
    for i, number in enumerate(numbers):
        editor = open_slip(session_id, number)
        rows = [r for r in range(len(editor.rows)) if not editor.rows[r].cells[0].text][:size]

        def enter(editor=editor, rows=rows) -> None:  # noqa: ANN001
            for n, index in enumerate(rows):
                editor.commit(index, "AJ" if n == 0 else str(8 + n % 10))

        if i % 2:
            with counters_off():
                off.append(timed(enter)[0])
        else:
            kept.append(timed(enter)[0])
    a, b = statistics.median(kept), statistics.median(off)
    print(f"Bordereau de {size} notes (médiane de {len(kept)} + {len(off)} lots, alternés)")
    print(f"  avec compteurs {a:.3f} s ({a / size * 1000:.1f} ms/note) · sans {b:.3f} s "
          f"({b / size * 1000:.1f} ms/note) · rapport {a / b:.2f}")  # fmt: skip


def _missing_lines(session_id: int, count: int) -> list[tuple[str, str]]:
    """(INE, épreuve) of ``count`` grades still missing (composite spécialités aside)."""
    from baktui.data.models import Candidate, Registration
    from baktui.services.missing_grades import missing_where

    R, C = Registration, Candidate
    query = (
        R.select(C.ine, R.epreuve_code)
        .join(C, on=(R.candidate == C.id))
        .where(
            missing_where(session_id)
            & ~((R.epreuve_code == "SP1") & C.series.in_(["ST2S", "STHR"]))
        )
        .limit(count)
        .tuples()
    )
    return list(query)


def imports(session_id: int, grades: int, folder: Path) -> None:
    from baktui.data import counters
    from baktui.data.db import write_transaction
    from baktui.services.imports import run_import

    lines = _missing_lines(session_id, 2 * grades)
    if len(lines) < 2:
        print("  (pas de notes manquantes à importer)")
        return
    half = len(lines) // 2
    spent = {}
    for name, part in (("avec", lines[:half]), ("sans", lines[half:])):
        path = folder / f"notes-{name}.csv"
        path.write_text(
            "ine;epreuve;note\n" + "".join(f"{ine};{code};12\n" for ine, code in part),
            encoding="utf-8",
        )
        if name == "avec":
            spent[name], report = timed(lambda path=path: run_import("notes", session_id, path))
        else:
            with counters_off():
                spent[name], report = timed(lambda path=path: run_import("notes", session_id, path))
        assert report.ok, report.render()[:500]
    print(f"Import de {half} notes (deux fichiers disjoints de même taille)")
    print(f"  avec compteurs {spent['avec']:.1f} s · sans {spent['sans']:.1f} s · rapport "
          f"{spent['avec'] / spent['sans']:.2f}")  # fmt: skip

    def recount() -> None:
        with write_transaction():
            counters.recount(session_id)

    again, _ = timed(recount)
    print(
        f"  recomptage de toute la session (compteurs reconstruire, jurys repartir de tous) : "
        f"{again:.1f} s ; l'import de notes, lui, compte chaque lot de lignes écrit"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="copie d'une base (elle est modifiée)")
    parser.add_argument("--grades", type=int, default=20000, help="notes par fichier importé")
    args = parser.parse_args()

    from baktui.data import db as dbmod
    from baktui.data.audit import acting_as
    from baktui.services import counters
    from baktui.services.sessions import current_session

    print(f"charge : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    spent, _ = timed(lambda: dbmod.open_database(args.db, progress=print))
    print(f"ouverture (et migration éventuelle) : {spent:.1f} s")
    session = current_session()
    assert session is not None
    with acting_as("bench"):
        reads(session.id)
        slips(session.id)
        with tempfile.TemporaryDirectory() as tmp:
            imports(session.id, args.grades, Path(tmp))
        spent, checks = timed(lambda: counters.verify(session.id))
        differing = sum(len(c.differences) for c in checks)
        print(f"compteurs verifier : {spent:.1f} s, {differing} différence(s)")
        reads(session.id)
    print(f"charge : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
