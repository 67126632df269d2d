"""Building the demo académie: a fresh SQLite file, filled step by step, renamed when complete.

:func:`build_demo` owns the file (temporary name, pragmas, rename) and :func:`fill` the order of
the steps: each step is a function of its own module that takes the shared
:class:`~baktui.demo.context.DemoContext` and the plans of the steps before it, so what flows
from one step to the next reads here. Reference rows are written in one transaction, the
candidates in chunks (:mod:`baktui.demo.cohort`), the rest in a last transaction that also moves
the session to the correction phase.
"""

from __future__ import annotations

import json
from pathlib import Path

from baktui.data import counters
from baktui.data import db as dbmod
from baktui.data.models import Setting
from baktui.demo.assignments import plan_assignments, write_absences, write_assignments
from baktui.demo.bulk import Table
from baktui.demo.calendar import write_calendar
from baktui.demo.claims import write_claims, write_rates
from baktui.demo.cohort import write_candidates
from baktui.demo.context import YEAR, DemoContext, DemoSummary, Progress, fr_int
from baktui.demo.examiners import plan_examiners, write_examiners
from baktui.demo.juries import plan_juries, write_juries
from baktui.demo.places import plan_places, write_places, write_rooms
from baktui.demo.population import plan_population
from baktui.errors import ServiceError
from baktui.rules.lifecycles import Phase
from baktui.services import sessions
from baktui.services.settings import ACADEMIE

DEFAULT_CANDIDATES = 12_000
SMALL_CANDIDATES = 600  # the fast size for tests: build_demo(path, candidates=SMALL_CANDIDATES)
MIN_CANDIDATES = 100
ACADEMIE_NAME = "Académie de Lyon"
ORAL_TIMETABLES = {
    "GO": "22/06/2026-01/07/2026 ; 08:00-12:00 13:00-15:00 ; créneau 24 ; préparation 20",
    "2G": "07/07/2026-08/07/2026 ; 08:00-12:00 13:30-17:30 ; créneau 20 ; préparation 20",
}


def default_demo_path(candidates: int = DEFAULT_CANDIDATES) -> Path:
    """Where ``baktui demo`` keeps its database: one file per size in the user data directory."""
    from platformdirs import user_data_path

    name = "demo.sqlite" if candidates == DEFAULT_CANDIDATES else f"demo-{candidates}.sqlite"
    return user_data_path("baktui", appauthor=False) / name


def build_demo(
    target: str,
    *,
    seed: int = 2026,
    candidates: int = DEFAULT_CANDIDATES,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo académie in a new SQLite file at ``target`` (an existing file is replaced).

    The file is built under a temporary name and renamed when complete, so that an interrupted
    build never leaves a half demo behind. The database stays open and bound to the models
    afterwards, like ``open_database``.
    """
    if candidates < MIN_CANDIDATES:
        raise ServiceError(f"La démonstration demande au moins {MIN_CANDIDATES} candidats.")
    path = dbmod.sqlite_path(dbmod.resolve_target(target))
    if path is None:
        raise ServiceError(
            "La démonstration se construit dans un fichier SQLite, pas sur un serveur."
        )
    building = path.with_name(path.name + ".construction")
    dbmod.close_database()
    _remove_database_files(path)
    _remove_database_files(building)
    db = dbmod.open_database(str(building), create=True)
    try:
        info = sessions.open_registre(YEAR)
        ctx = DemoContext(
            info.id,
            sessions.regulation_of(info.id),
            seed,
            candidates,
            progress or (lambda _message: None),
        )
        db.execute_sql("PRAGMA foreign_keys = OFF")
        db.execute_sql("PRAGMA synchronous = OFF")
        try:
            fill(ctx)
        finally:
            db.execute_sql("PRAGMA synchronous = NORMAL")
            db.execute_sql("PRAGMA foreign_keys = ON")
        db.execute_sql("PRAGMA analysis_limit = 1000")
        db.execute_sql("ANALYZE")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        dbmod.close_database()
        _remove_database_files(building)
        raise
    dbmod.close_database()
    building.replace(path)
    _remove_database_files(building)
    dbmod.open_database(str(path))
    ctx.summary.path = str(path)
    return ctx.summary


def build_small_demo(target: str, seed: int = 7) -> DemoSummary:
    """The fast fixture for other tests: the demo académie at 600 candidates."""
    return build_demo(target, seed=seed, candidates=SMALL_CANDIDATES)


def fill(ctx: DemoContext) -> None:
    """Every step of the build, in order, in the open (empty but for the registre) database."""
    say = ctx.progress
    say("Communes, établissements et centres…")
    places = plan_places(ctx)
    population = plan_population(ctx, places)
    say("Examinateurs et jurys…")
    staff = plan_examiners(ctx, places, population.series_totals)
    juries = plan_juries(ctx, places, population.blocks, staff)
    with dbmod.write_transaction():
        write_places(ctx, places)
        write_examiners(ctx, places, staff)
        write_juries(ctx, places, juries)
        lot_sizes = write_calendar(ctx)
        write_rates(ctx)
    say(f"Candidats, inscriptions, anonymat et notes ({fr_int(ctx.n)})…")
    lots = write_candidates(ctx, places, population, staff, lot_sizes)
    say("Salles, convocations des examinateurs, absences et frais…")
    with dbmod.write_transaction():
        write_rooms(ctx, places)
        book = plan_assignments(ctx, places, staff, juries, lots)
        write_absences(ctx, staff, book)
        write_assignments(ctx, places, book)
        write_claims(ctx, places, staff, book, lots)
        _write_settings(ctx)
        sessions.set_phase(ctx.session_id, Phase.CORRECTION)
        counters.recount(ctx.session_id)  # the rows above were written in bulk, uncounted


def _write_settings(ctx: DemoContext) -> None:
    """The académie's name and the ``demo`` setting (JSON: seed, size, anomalies)."""
    anomalies = {k: v for k, v in ctx.summary.anomalies.items() if v}
    demo = {"seed": ctx.seed, "candidates": ctx.n, "anomalies": anomalies}
    settings = Table(Setting, ("key", "value"))
    settings.rows.append((ACADEMIE, ACADEMIE_NAME))
    settings.rows.append(("demo", json.dumps(demo, ensure_ascii=False)))
    # the orals' timetables (baktui oraux): the Grand oral on the days the examiners were
    # convened for it, the second group after the deliberations; the français oral was sat
    # in première (anticipated): not planned
    settings.rows.append(("oraux_GO", ORAL_TIMETABLES["GO"]))
    settings.rows.append(("oraux_2G", ORAL_TIMETABLES["2G"]))
    settings.flush()
    ctx.event("setting", "paramètres de l'académie de démonstration")


def _remove_database_files(path: Path) -> None:
    """Delete a SQLite file and its journals, if present."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
