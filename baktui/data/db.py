"""Opening the database: where it is, how SQLite is tuned, and write transactions.

Nothing here touches the disk at import time: the models bind to ``database_proxy`` and the real
database is chosen by :func:`open_database` when the app or a command starts.

The base's files get the rights of ``[fichiers]`` (:mod:`baktui.data.files`): a new base is
created with them before SQLite opens it (SQLite then makes its -wal and -shm with the same mode);
an existing base whose files are looser is tightened at opening, and the command says so; every
new connection gives -wal and -shm the office's group.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee
from playhouse.db_url import connect as connect_url

from baktui.config import get_config
from baktui.data import files
from baktui.errors import BaktuiError, DatabaseError, ServiceError
from baktui.logs import get_logger

_log = get_logger(__name__)

database_proxy = peewee.DatabaseProxy()

BUSY_TIMEOUT_MS = 10_000  # batch commands and workers wait this long for a colleague's write
INTERACTIVE_BUSY_TIMEOUT_MS = 200  # the app's key-handling connection (see make_interactive)
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": BUSY_TIMEOUT_MS,
    "foreign_keys": 1,
    # WAL + NORMAL: a committed transaction survives a killed process (SIGKILL, SIGHUP).
    "synchronous": "normal",
    "cache_size": -64_000,
}


def default_db_path() -> Path:
    """The database file used when neither --db nor BAKTUI_DB is given."""
    from platformdirs import user_data_path

    return user_data_path("baktui", appauthor=False) / "baktui.sqlite"


def resolve_target(target: str | None) -> str:
    """--db wins, then $BAKTUI_DB, then the configuration file, then the user data directory."""
    if target:
        return target
    return get_config().database or str(default_db_path())


def describe_target(target: str) -> str:
    """A short text naming the database (never shows a password)."""
    if "://" in target and "@" in target:
        scheme, rest = target.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return target


def sqlite_path(target: str) -> Path | None:
    """The file behind a SQLite target, or None for a server URL."""
    if target.startswith("sqlite:///"):
        return Path(target[len("sqlite:///") :])
    if "://" in target:
        return None
    return Path(target)


SQLITE_FILES = ("", "-wal", "-shm")


def secure_files(path: Path) -> list[str]:
    """Tighten the base's file and its -wal and -shm to the configured rights; French lines
    saying what was done (or what the owner of a colleague's file should do)."""
    given = files.rights()
    notes = [files.tighten(Path(f"{path}{suffix}"), given) for suffix in SQLITE_FILES]
    return [note for note in notes if note]


def is_disk_full(exc: BaseException) -> bool:
    """True for SQLite's "database or disk is full" (peewee wraps the sqlite3 error)."""
    error = getattr(exc, "orig", None) or exc
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def is_database_failure(exc: BaseException | None) -> bool:
    """True for the base failing (busy, locked, disk full, server gone), not a bug: the user
    is told :func:`failure_text` (screens and widgets do not import peewee)."""
    return isinstance(exc, peewee.OperationalError)


def failure_text(exc: BaseException) -> str:
    """What went wrong with the base, in French (the drivers' own words are English: « database
    is locked », « canceling statement due to lock timeout »); the original goes to the log."""
    if is_disk_full(exc):
        return "disque plein sur le serveur"
    words = str(getattr(exc, "orig", None) or exc).lower()
    if any(w in words for w in ("locked", "busy", "lock timeout", "deadlock", "could not obtain")):
        return (
            f"la base est tenue en écriture par un autre poste depuis plus de "
            f"{BUSY_TIMEOUT_MS // 1000} s"
        )
    if "read-only" in words or "readonly" in words:
        return "la base n'est ouverte qu'en lecture (droits du fichier ou du compte)"
    if any(w in words for w in ("connection", "connect", "server closed", "terminating")):
        return "la connexion au serveur de la base est perdue"
    if "malformed" in words or "not a database" in words:
        return "le fichier de la base est endommagé (lancez baktui verifier)"
    return f"erreur de la base ({type(exc).__name__})"


class _SqliteDatabase(peewee.SqliteDatabase):
    """peewee's SQLite database; each new connection checks the rights of the base's files
    (SQLite makes a new -wal or -shm with the base's mode, but the process's group)."""

    def _connect(self) -> sqlite3.Connection:
        connection = super()._connect()
        try:
            notes = secure_files(Path(self.database))
        except (OSError, BaktuiError) as exc:  # the rights are checked, never in the way
            notes = [f"droits de {self.database} non vérifiés : {exc}"]
        for note in notes:
            _log.warning(note)
        return connection


def make_database(target: str) -> peewee.Database:
    """Build (without connecting) the peewee database for a path or URL."""
    path = sqlite_path(target)
    if path is not None:
        return _SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT_MS / 1000)
    if target.startswith(("postgres://", "postgresql://")):
        try:
            # the same wait for a colleague's lock as SQLite's busy timeout (the server's
            # default is to wait for ever); the keys' connection shortens it (make_interactive)
            return connect_url(target, options=f"-c lock_timeout={BUSY_TIMEOUT_MS}")
        except ImportError as exc:  # psycopg2 absent
            raise DatabaseError(
                "PostgreSQL demande le paquet psycopg2 : pip install 'baktui[postgres]'"
            ) from exc
    raise DatabaseError(
        f"Base de données « {target} » non reconnue : donnez un chemin de fichier, "
        "sqlite:///chemin ou postgresql://utilisateur@hôte/base"
    )


def exists(target: str) -> bool:
    """True when the target already holds a baktui database (a server URL is assumed to)."""
    path = sqlite_path(target)
    return path is None or (path.exists() and path.stat().st_size > 0)


_opened: dict[str, str] = {}  # "target": the target the models are bound to


def open_database(
    target: str | None = None,
    *,
    create: bool = False,
    progress: Callable[[str], object] | None = None,
    warn: Callable[[str], object] | None = None,
) -> peewee.Database:
    """Open the database, bind the models to it and bring its schema up to date.

    With ``create=False`` a missing SQLite file is an error (so that a typo in --db does not
    silently create an empty database). Opening again the target the models are bound to reuses
    that database object (the CLI migrates before the app starts; the app opens it again).
    ``progress`` receives a French line when the schema is upgraded, and when the rights of the
    base's files are tightened; ``warn`` one when the audit log's protections had been removed
    (they are put back: see :func:`baktui.data.migrations.restore_audit_protections`), at every
    opening.
    """
    from baktui.data.migrations import migrate

    resolved = resolve_target(target)
    db = database_proxy.obj
    if db is None or _opened.get("target") != resolved:
        path = sqlite_path(resolved)
        if path is not None:
            if not create and not exists(resolved):
                raise DatabaseError(f"Aucune base baktui à « {path} ».")
            _prepare_files(path, create, progress)
        db = make_database(resolved)
        database_proxy.initialize(db)
        _opened["target"] = resolved
    try:
        db.connect(reuse_if_open=True)
        migrate(db, progress=progress, warn=warn)
    except peewee.DatabaseError as exc:  # unreachable server, locked or not a database file
        db.close()
        _opened.clear()
        raise DatabaseError(f"Impossible d'ouvrir « {describe_target(resolved)} » : {exc}") from exc
    return db


def _prepare_files(path: Path, create: bool, progress: Callable[[str], object] | None) -> None:
    """A new base is created with its rights before SQLite opens it; an existing one is
    tightened, and the command says so."""
    try:
        given = files.rights()
        if create:
            files.make_folder(path.parent, given)
            files.create_file(path, given)
        notes = secure_files(path)
    except (ServiceError, OSError) as exc:
        raise DatabaseError(f"Impossible de préparer « {path} » : {exc}") from exc
    for note in notes:
        _log.warning(note)
        if progress is not None:
            progress(note)


def make_interactive(timeout_ms: int = INTERACTIVE_BUSY_TIMEOUT_MS) -> None:
    """Give this thread's connection (the app's, which handles the keys) a short wait for locks.

    A colleague's batch holding the write lock must not freeze every Enter for 10 s: after
    ``timeout_ms`` the write fails, nothing is half-written, and the screen says to type again.
    Worker threads open their own connections with the normal wait.
    """
    db = current_database()
    db.connect(reuse_if_open=True)
    if is_sqlite(db):
        db.execute_sql(f"PRAGMA busy_timeout = {int(timeout_ms)}")
    else:
        db.execute_sql(f"SET lock_timeout = {int(timeout_ms)}")


class BackgroundCheckpointer:
    """Moves SQLite's WAL checkpoints off the interactive commit path.

    A checkpoint that lands inside a grade commit adds milliseconds to that keystroke. The app's
    main connection stops checkpointing (``wal_autocheckpoint = 0``) and this thread, with its own
    connection, runs PASSIVE checkpoints (they never block writers or readers) every
    ``interval`` seconds. Batch commands keep SQLite's automatic checkpoints.
    """

    def __init__(self, path: Path, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="baktui-checkpoint", daemon=True)

    def start(self) -> BackgroundCheckpointer:
        current_database().execute_sql("PRAGMA wal_autocheckpoint = 0")
        self._thread.start()
        return self

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            while not self._stop.wait(self.interval):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
                except sqlite3.Error:
                    continue  # busy or locked: the next round will do it
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def start_background_checkpoints(interval: float = 1.0) -> BackgroundCheckpointer | None:
    """For the interactive app on SQLite: checkpoints in a thread (None on PostgreSQL)."""
    db = current_database()
    if not is_sqlite(db):
        return None
    return BackgroundCheckpointer(Path(db.database), interval).start()


def close_database() -> None:
    """Close this thread's connection; the next open_database binds afresh."""
    db = database_proxy.obj
    _opened.clear()
    if db is not None and not db.is_closed():
        db.close()


def current_database() -> peewee.Database:
    db = database_proxy.obj
    if db is None:
        raise DatabaseError("Aucune base de données ouverte.")
    return db


def is_sqlite(db: peewee.Database | None = None) -> bool:
    db = db or current_database()
    return isinstance(db, peewee.SqliteDatabase)


@contextmanager
def write_transaction() -> Iterator[None]:
    """A write transaction; on SQLite it begins IMMEDIATE.

    A deferred read-then-write transaction next to another writer fails with "database is locked"
    despite the busy timeout; taking the write lock first makes the busy timeout apply.
    """
    db = current_database()
    if is_sqlite(db):
        if db.in_transaction():
            with db.atomic():
                yield
            return
        with db.atomic("IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield
