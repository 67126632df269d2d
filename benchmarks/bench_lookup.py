"""Lookup benchmark: baktui's search beside raw SQLite queries of the same kind, same data.

Usage (the demo is built first when the file does not exist; 700 000 candidates take ~12 min):

    /work/venv/bin/python benchmarks/bench_lookup.py --db /tmp/demo.sqlite --size 12000 --ui
    /work/venv/bin/python benchmarks/bench_lookup.py --db /tmp/demo700k.sqlite --size 700000 --naive --checks

For each kind of query it prints p50 / p95 / max in milliseconds of:

- ``baktui``: :func:`baktui.services.search.lookup` (SQL, peewee, result dataclasses: what
  the F2 screen's worker runs at each keystroke);
- ``CPU``: the same, in CPU time of the thread (what an idle server would show: the shared test
  machine is often loaded);
- ``SQL brut``: the main statement of that kind run alone with the ``sqlite3`` module (the floor:
  no ORM, one statement): the FTS5 MATCH for names, the index range for the others;
- ``naive`` (``--naive``): what a quick implementation would do, ``LIKE '%…%'`` (a full scan).

``--ui`` also measures, at 80x24 headless, the time from a keystroke in the search field to the
result table on screen. ``--checks`` times « Contrôler les inscriptions » over the session.
The queries are drawn from the data with a fixed seed: same database, same queries.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_common import percentiles

from baktui.data import db as dbmod
from baktui.data.models import Anonymat, Candidate, Etablissement, Jury
from baktui.rules.identifiers import fold
from baktui.services.search import lookup
from baktui.services.sessions import current_session

HIGH = "\uffff"
LIMIT = 51


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        out.append((time.perf_counter() - started) * 1000)
    return out


def strip_accents_partial(last: str, first: str) -> str:
    """What a caller's name becomes when typed fast: no accents, first name first, surname cut."""
    last_f, first_f = fold(last), fold(first)
    return f"{first_f} {last_f[: max(3, len(last_f) - 2)]}"


def sample_queries(session_id: int, count: int, seed: int) -> dict[str, list[tuple[str, tuple]]]:
    """{kind: [(what baktui is given, parameters of the raw query)]} drawn from the data."""
    rng = random.Random(seed)
    total = Candidate.select().where(Candidate.session == session_id).count()
    ids = sorted(rng.sample(range(1, total + 1), min(count, total)))
    rows = list(
        Candidate.select(
            Candidate.id,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.name_key,
            Candidate.ine,
            Candidate.number,
            Candidate.phone,
            Candidate.jury,
            Candidate.etablissement,
            Candidate.birth_date,
            Candidate.sound_key,
        )
        .where((Candidate.session == session_id) & Candidate.id.in_(ids))
        .tuples()
    )
    q: dict[str, list[tuple[str, tuple]]] = {
        "nom partiel sans accents": [],
        "début du nom (3 lettres)": [],
        "INE exact": [],
        "n° candidat (7 chiffres)": [],
        "téléphone « 06 12 … »": [],
        "n° d'anonymat": [],
        "jury « J12 »": [],
        "UAI": [],
        "établissement + nom": [],
        "nom entendu (phonétique)": [],
        "date « 12/06/2008 »": [],
        "nom + année": [],
    }
    for cid, last, first, _key, ine, number, phone, jury, etab, born, sound in rows:
        q["nom entendu (phonétique)"].append((f"{heard(fold(last))} {fold(first)}", (sound,)))
        if born:
            day = dt.date.fromisoformat(str(born)[:10])
            q["date « 12/06/2008 »"].append((day.strftime("%d/%m/%Y"), (day.isoformat(),)))
            y = day.year
            q["nom + année"].append(
                (f"{fold(last)} {y}", (fold(last), f"{y}-01-01", f"{y + 1}-01-01"))
            )
        typed = strip_accents_partial(last, first)
        q["nom partiel sans accents"].append((typed, (fold(last)[: max(3, len(fold(last)) - 2)],)))
        q["début du nom (3 lettres)"].append((fold(last)[:3], (fold(last)[:3],)))
        if ine:
            q["INE exact"].append((ine, (ine,)))
        q["n° candidat (7 chiffres)"].append((number[:7], (number[:7],)))
        if phone:
            spaced = " ".join(phone[i : i + 2] for i in range(0, 10, 2))
            q["téléphone « 06 12 … »"].append((spaced, (phone,)))
        anon = Anonymat.select(Anonymat.number).where(Anonymat.candidate == cid).limit(1).scalar()
        if anon:
            q["n° d'anonymat"].append((anon, (anon,)))
        if jury:
            jnum = Jury.select(Jury.number).where(Jury.id == jury).scalar()
            q["jury « J12 »"].append((f"J{jnum}", (jury,)))
        if etab:
            uai, ename = (
                Etablissement.select(Etablissement.uai, Etablissement.name_key)
                .where(Etablissement.id == etab)
                .tuples()
                .first()
            )
            q["UAI"].append((uai, (etab,)))
            word = max(ename.split(), key=len)
            name = fold(last)[:4]
            q["établissement + nom"].append((f"{word} {name}", (etab, name)))
    return q


def heard(name: str) -> str:
    """The name spelt as heard: one written form swapped for another of the same sound."""
    for written, sound in (("ph", "f"), ("eau", "o"), ("au", "o"), ("ai", "e"), ("y", "i"),
                           ("c", "k"), ("f", "ph"), ("o", "au"), ("e", "ai")):  # fmt: skip
        if written in name:
            return name.replace(written, sound, 1)
    return name + "e"


RAW_SQL = {
    "nom entendu (phonétique)": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND sound_key >= ? AND sound_key < ? ORDER BY sound_key LIMIT 51"
    ),
    "date « 12/06/2008 »": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND birth_date = ? ORDER BY name_key LIMIT 51"
    ),
    "nom + année": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND name_key >= ? AND name_key < ? AND birth_date >= ? AND birth_date < ? "
        "ORDER BY name_key LIMIT 51"
    ),
    # same index ranges as baktui's search (one statement, no ORM)
    "nom partiel sans accents": (
        "SELECT c.id, c.number, c.last_name, c.first_name FROM candidate_fts "
        "CROSS JOIN candidate c ON c.id = candidate_fts.rowid "
        "WHERE candidate_fts MATCH ? AND c.session_id = ? LIMIT 51"
    ),
    "début du nom (3 lettres)": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND name_key >= ? AND name_key < ? ORDER BY name_key LIMIT 51"
    ),
    "INE exact": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? AND ine = ?"
    ),
    "n° candidat (7 chiffres)": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND number >= ? AND number < ? ORDER BY number LIMIT 51"
    ),
    "téléphone « 06 12 … »": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id + 0 = ? "
        "AND phone = ?"
    ),
    "n° d'anonymat": (
        "SELECT c.id, c.number, c.last_name, c.first_name FROM anonymat a "
        "JOIN candidate c ON c.id = a.candidate_id WHERE c.session_id + 0 = ? AND a.number = ?"
    ),
    "jury « J12 »": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id + 0 = ? "
        "AND jury_id = ? ORDER BY name_key || '' LIMIT 51"
    ),
    "UAI": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND etablissement_id = ? ORDER BY name_key LIMIT 51"
    ),
    "établissement + nom": (
        "SELECT id, number, last_name, first_name FROM candidate WHERE session_id = ? "
        "AND etablissement_id = ? AND name_key >= ? AND name_key < ? ORDER BY name_key LIMIT 51"
    ),
}
NAIVE_SQL = {
    "nom partiel sans accents": "SELECT id FROM candidate WHERE name_key LIKE ? LIMIT 51",
    "début du nom (3 lettres)": "SELECT id FROM candidate WHERE name_key LIKE ? LIMIT 51",
    "téléphone « 06 12 … »": "SELECT id FROM candidate WHERE phone LIKE ? LIMIT 51",
}


def raw_params(kind: str, session_id: int, typed: str, p: tuple) -> tuple:
    if kind == "nom partiel sans accents":
        return (" AND ".join(f'"{w}"*' for w in typed.split()), session_id)
    if kind in ("début du nom (3 lettres)", "n° candidat (7 chiffres)"):
        return (session_id, p[0], p[0] + HIGH)
    if kind == "nom entendu (phonétique)":
        return (session_id, p[0], p[0] + HIGH)
    if kind == "nom + année":
        return (session_id, p[0], p[0] + HIGH, p[1], p[2])
    if kind == "établissement + nom":
        etab, name = p
        return (session_id, etab, name, name + HIGH)
    return (session_id, *p)


def run(args: argparse.Namespace) -> None:
    path = Path(args.db)
    if not path.exists():
        from baktui.demo import build_demo

        print(f"Construction de la démo ({args.size} candidats) → {path}…", flush=True)
        started = time.perf_counter()
        build_demo(str(path), candidates=args.size)
        print(f"  construite en {time.perf_counter() - started:.0f} s", flush=True)
        dbmod.close_database()
    dbmod.open_database(str(path))
    session = current_session()
    assert session is not None
    n = Candidate.select().where(Candidate.session == session.id).count()
    print(f"\nBase {path} : {n:,} candidats, SQLite {sqlite3.sqlite_version}".replace(",", " "))
    queries = sample_queries(session.id, args.samples, args.seed)
    raw = sqlite3.connect(str(path))
    header = (
        f"{'requête':<26} {'baktui p50/p95/max':>21} {'CPU p95':>8} {'SQL brut p50/p95':>17}"
        f" {'LIKE %…%':>9}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    worst_p95 = worst_cpu = 0.0
    for kind, items in queries.items():
        if not items:
            continue
        ours: list[float] = []
        cpu: list[float] = []
        floor: list[float] = []
        naive: list[float] = []
        for typed, params in items:
            for _ in range(args.repeat):
                started, started_cpu = time.perf_counter(), time.thread_time()
                lookup(session.id, typed)
                ours.append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - started_cpu) * 1000)
            sql = RAW_SQL[kind]
            values = raw_params(kind, session.id, typed, params)
            floor += timed(lambda sql=sql, v=values: raw.execute(sql, v).fetchall(), args.repeat)
            if kind in NAIVE_SQL and args.naive and len(naive) < 5:
                pattern = f"%{params[0]}%"
                naive += timed(
                    lambda s=NAIVE_SQL[kind], p=pattern: raw.execute(s, (p,)).fetchall(), 1
                )
        p50, p95, worst = percentiles(ours)
        _, c95, _ = percentiles(cpu)
        r50, r95, _ = percentiles(floor)
        worst_p95, worst_cpu = max(worst_p95, p95), max(worst_cpu, c95)
        like = f"{statistics.median(naive):9.1f}" if naive else ""
        print(
            f"{kind:<26} {p50:6.2f}/{p95:6.2f}/{worst:7.2f} {c95:8.2f} {r50:8.2f}/{r95:7.2f} {like}"
        )
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(
        f"\npire p95 baktui : {worst_p95:.2f} ms (temps CPU : {worst_cpu:.2f} ms) — "
        f"{len(queries)} sortes, {args.samples} candidats tirés, {args.repeat} répétitions, "
        f"charge machine {' '.join(load)}"
    )
    if args.checks:
        from baktui.services.registration_checks import run_checks

        started = time.perf_counter()
        report = run_checks(session.id)
        print(
            f"\nContrôler les inscriptions : {report.checked:,} candidats, "
            f"{len(report.anomalies):,} anomalies en {time.perf_counter() - started:.1f} s".replace(
                ",", " "
            )
        )
        for kind, count in report.counts.items():
            print(f"  {kind:<20} {count:>8}")
    if args.ui:
        asyncio.run(ui_latency(str(path), [t for items in queries.values() for t, _ in items[:5]]))


async def ui_latency(path: str, typed: list[str]) -> None:
    """Keystroke (last character of the query) → result table updated, headless at 80x24."""
    from textual.widgets import Input

    from baktui.app import BaktuiApp
    from baktui.screens.lookup import LookupScreen

    shown: list[float] = []
    original = LookupScreen._show

    def spy(self: LookupScreen, result: object) -> None:
        original(self, result)  # type: ignore[arg-type]
        shown.append(time.perf_counter())

    LookupScreen._show = spy  # type: ignore[method-assign]
    app = BaktuiApp(path)
    samples: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        field = app.screen.query_one("#lookup-query", Input)
        for text in typed:
            field.value = text[:-1]
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            before = len(shown)
            started = time.perf_counter()
            await pilot.press(text[-1] if text[-1] != " " else "space")
            while len(shown) == before:
                await asyncio.sleep(0.0005)
            samples.append((shown[-1] - started) * 1000)
    p50, p95, worst = percentiles(samples)
    print(
        f"\nÉcran F2 (touche → tableau affiché, 80x24) : p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {worst:.1f} ms sur {len(samples)} requêtes"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", required=True, help="fichier SQLite de la démo (construit s'il manque)"
    )
    parser.add_argument("--size", type=int, default=12_000, help="taille de la démo à construire")
    parser.add_argument("--samples", type=int, default=60, help="candidats tirés par sorte")
    parser.add_argument("--repeat", type=int, default=5, help="répétitions de chaque requête")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--naive", action="store_true", help="mesure aussi LIKE '%%…%%'")
    parser.add_argument("--checks", action="store_true", help="chronomètre les contrôles")
    parser.add_argument("--ui", action="store_true", help="latence de l'écran F2")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
