"""Database guarantees the rest of baktui relies on: constraints, pragmas, write locks, no
file touched at import time."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import peewee as pw
import pytest

from baktui.data import db as dbmod
from baktui.data.models import Candidate, Grade
from baktui.services.sessions import SessionInfo


@pytest.fixture
def candidate(session: SessionInfo) -> Candidate:
    return Candidate.create(
        session=session.id, number="026000001", last_name="MARTIN", first_name="Yanis", series="STL"
    )


# --- Grade constraints ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 1250, 2000])
def test_grade_values_in_range_are_stored(candidate: Candidate, value: int) -> None:
    Grade.create(candidate=candidate, epreuve_code="PHI", value_centi=value)


@pytest.mark.parametrize("value", [-1, 2001, 10_000])
def test_grade_values_out_of_range_are_refused(candidate: Candidate, value: int) -> None:
    with pytest.raises(pw.IntegrityError):
        Grade.create(candidate=candidate, epreuve_code="PHI", value_centi=value)


@pytest.mark.parametrize("code", ["ABS", "AJ", "DI"])
def test_grade_codes_are_stored(candidate: Candidate, code: str) -> None:
    Grade.create(candidate=candidate, epreuve_code="EPS", code=code)


@pytest.mark.parametrize("code", ["AB", "abs", "NN", ""])
def test_unknown_grade_codes_are_refused(candidate: Candidate, code: str) -> None:
    with pytest.raises(pw.IntegrityError):
        Grade.create(candidate=candidate, epreuve_code="EPS", code=code)


def test_one_grade_per_candidate_epreuve_and_group(candidate: Candidate) -> None:
    Grade.create(candidate=candidate, epreuve_code="PHI", group=1, value_centi=800)
    Grade.create(candidate=candidate, epreuve_code="PHI", group=2, value_centi=1100)
    with pytest.raises(pw.IntegrityError):
        Grade.create(candidate=candidate, epreuve_code="PHI", group=1, value_centi=900)
    with pytest.raises(pw.IntegrityError):
        Grade.create(candidate=candidate, epreuve_code="PHI", group=3, value_centi=900)


# --- Foreign keys -----------------------------------------------------------------------------


def test_deleting_a_candidate_deletes_its_grades(candidate: Candidate) -> None:
    Grade.create(candidate=candidate, epreuve_code="PHI", value_centi=1200)
    Grade.create(candidate=candidate, epreuve_code="HG", value_centi=1300)
    Candidate.delete().where(Candidate.id == candidate.id).execute()
    assert Grade.select().count() == 0


def test_a_grade_for_a_missing_candidate_is_refused(session: SessionInfo) -> None:
    with pytest.raises(pw.IntegrityError):
        Grade.create(candidate=999_999, epreuve_code="PHI", value_centi=1200)


# --- Connection settings ----------------------------------------------------------------------


def _pragmas(db: pw.Database) -> dict[str, object]:
    return {
        name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
    }


EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": dbmod.BUSY_TIMEOUT_MS,
    "foreign_keys": 1,
    "synchronous": 1,  # NORMAL: safe with WAL, fast enough for typing grades
}


@pytest.mark.sqlite_only("les PRAGMA et le verrou d'écriture de SQLite")
def test_connection_pragmas(db_path: Path) -> None:
    assert _pragmas(dbmod.current_database()) == EXPECTED_PRAGMAS
    assert dbmod.BUSY_TIMEOUT_MS >= 5_000  # colleagues writing at the same time must wait, not fail


@pytest.mark.sqlite_only("les PRAGMA et le verrou d'écriture de SQLite")
def test_worker_threads_get_the_same_pragmas(db_path: Path) -> None:
    """Screens query from thread workers: each thread has its own connection, same settings."""
    db = dbmod.current_database()
    seen: dict[str, object] = {}

    def work() -> None:
        try:
            seen.update(_pragmas(db))
        finally:
            db.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == EXPECTED_PRAGMAS
    assert not db.is_closed()  # the main thread's connection is untouched


def _other_staff(path: Path) -> sqlite3.Connection:
    """Another process's connection on the same file, which gives up at once when locked."""
    return sqlite3.connect(path, timeout=0, isolation_level=None)


@pytest.mark.sqlite_only("les PRAGMA et le verrou d'écriture de SQLite")
def test_write_transaction_takes_the_write_lock_at_once(db_path: Path) -> None:
    other = _other_staff(db_path)
    try:
        with dbmod.write_transaction():
            # nothing written yet, but the lock is ours: the colleague must wait
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            # and reading is never blocked (WAL)
            assert other.execute("SELECT COUNT(*) FROM candidate").fetchone() == (0,)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.sqlite_only("les PRAGMA et le verrou d'écriture de SQLite")
def test_a_deferred_transaction_would_not(db_path: Path) -> None:
    """Why IMMEDIATE matters: a plain transaction takes no lock until its first write."""
    other = _other_staff(db_path)
    try:
        with dbmod.current_database().atomic():
            dbmod.current_database().execute_sql("SELECT COUNT(*) FROM candidate").fetchone()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_nested_write_transactions_are_savepoints(db_path: Path, session: SessionInfo) -> None:
    with dbmod.write_transaction():
        Candidate.create(
            session=session.id, number="1", last_name="A", first_name="B", series="STL"
        )
        with pytest.raises(pw.IntegrityError), dbmod.write_transaction():
            Candidate.create(
                session=session.id, number="1", last_name="A", first_name="B", series="STL"
            )
    assert Candidate.select().count() == 1


# --- Nothing on disk at import ----------------------------------------------------------------

IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import baktui
names = sorted(m.name for m in pkgutil.walk_packages(baktui.__path__, "baktui."))
for name in names:
    importlib.import_module(name)
from baktui.app import BaktuiApp
BaktuiApp("jamais-cree.sqlite")  # built, not run: the base is opened on mount
from baktui.cli import build_parser
build_parser().format_help()
print(len(names))
"""


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_importing_baktui_touches_no_file(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 10  # the modules were really imported
    assert _files_under(home) == []
    assert _files_under(cwd) == []
