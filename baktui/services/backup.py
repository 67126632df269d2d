"""Backing up a SQLite base while colleagues keep working on it (``baktui sauvegarde FICHIER``).

A plain copy of the file misses what is still in its -wal (committed, not yet checkpointed) and
may catch a page half-written. SQLite's online backup API copies the base page by page, in steps,
from ONE read snapshot held for the whole copy: in WAL mode a reader never blocks the writers, so
colleagues keep entering grades, and the copy is the base as it was when the backup began, WAL
included. Without the held snapshot, each colleague's commit between two steps would restart the
copy from its first page (a busy base might never be copied).

The copy is written to a temporary file next to the destination (unpredictable name, the rights
of ``[fichiers]``: :func:`baktui.data.files.write_file`), checked by ``PRAGMA integrity_check``,
made a standalone file (rollback journal: no -wal or -shm needed to read it), then renamed. An
existing file is overwritten only when asked (``--remplacer``). A PostgreSQL base is dumped by
PostgreSQL's own ``pg_dump`` (custom format, one consistent snapshot, colleagues never blocked),
into the same kind of temporary file, checked by ``pg_restore --list``; the password of the URL
goes to pg_dump through its environment, never on its command line.

``progress`` (:mod:`baktui.rules.progress`) counts the pages twice: copied, then checked (the
integrity check is one step, told when it ends); a PostgreSQL dump tells nothing counted.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from baktui.data import db as dbmod
from baktui.data import files
from baktui.errors import ServiceError
from baktui.logs import get_logger
from baktui.rules.progress import Progress, silent

_log = get_logger(__name__)

STEP_PAGES = 1024  # pages copied per step (4 Mo with SQLite's 4 KiB pages)
PHASES = ("copie", "contrôle d'intégrité")  # what ``progress`` counts, in this order


@dataclass(frozen=True)
class Backup:
    """A backup written and checked."""

    path: Path
    size: int  # bytes
    pages: int
    elapsed_s: float

    def render(self) -> str:
        checked = "intégrité vérifiée" if self.pages else "pg_dump, relue par pg_restore"
        return f"Sauvegarde écrite : {self.path} ({megabytes(self.size)} Mo, {checked})"


def megabytes(size: int) -> str:
    """Bytes in Mo (10⁶ bytes) with a decimal comma: 2 decimals under 1 Mo, 1 under 100."""
    value = size / 1_000_000
    digits = 2 if value < 1 else 1 if value < 100 else 0
    return f"{value:.{digits}f}".replace(".", ",")


def back_up(
    target: str,
    out: str | Path,
    *,
    replace: bool = False,
    step_pages: int = STEP_PAGES,
    progress: Progress | None = None,
) -> Backup:
    """Copy the base ``target`` (path or URL) to the file ``out``; ServiceError, nothing
    written, when it cannot be (``out`` already there without ``replace``,
    a full disk, a copy that fails its integrity check). ``progress``: the :data:`PHASES`."""
    tell = progress or silent
    tell(0, None)
    source = dbmod.sqlite_path(target)
    if source is None:
        return _dump_postgres(target, Path(out).expanduser(), replace)
    if not dbmod.exists(target):
        raise ServiceError(f"Aucune base baktui à « {source} » : rien à sauvegarder.")
    out = Path(out).expanduser()
    _check_destination(source, out, replace)
    started = time.perf_counter()
    try:
        pages = files.write_file(
            out, lambda temporary: _copy(source, temporary, step_pages, tell), replace=replace
        )
    except ServiceError as exc:
        if not replace and out.exists():  # made meanwhile: never overwritten
            raise ServiceError(f"{out} existe déjà : ajoutez --remplacer pour l'écraser.") from exc
        raise
    return Backup(out, out.stat().st_size, pages, time.perf_counter() - started)


def _check_destination(source: Path | None, out: Path, replace: bool) -> None:
    """``out`` can take the backup: a file in an existing folder, never the base itself, not
    already there unless ``replace`` (``source``: the SQLite file, None for a server)."""
    if out.is_dir():
        raise ServiceError(f"{out} est un dossier : donnez le nom du fichier de la sauvegarde.")
    if not out.parent.is_dir():
        raise ServiceError(f"{out.parent} : dossier introuvable.")
    if not (out.exists() or out.is_symlink()):
        return
    for suffix in dbmod.SQLITE_FILES if source is not None else ():
        twin = Path(f"{source}{suffix}")
        if twin.exists() and out.exists() and out.samefile(twin):
            raise ServiceError(f"{out} est la base elle-même : choisissez un autre fichier.")
    if not replace:
        raise ServiceError(
            f"{out} existe déjà : choisissez un autre nom, ou ajoutez --remplacer pour l'écraser."
        )


def _copy(source: Path, temporary: Path, step_pages: int, tell: Progress) -> int:
    """Copy ``source`` into the (empty) file ``temporary`` and check the copy; its page count.
    ``tell``: the pages copied after each step, then checked."""
    try:
        reader = sqlite3.connect(
            source.resolve().as_uri() + "?mode=ro",  # the backup never writes the base
            uri=True,
            timeout=dbmod.BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise ServiceError(f"Impossible d'ouvrir « {source} » : {exc}") from exc
    copy = sqlite3.connect(temporary, isolation_level=None)
    try:
        for note in dbmod.secure_files(source):  # a -wal or -shm this reader may have made
            _log.warning(note)
        copy.execute("PRAGMA journal_mode = OFF")  # the temporary file is thrown away if it fails
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot begins
        reader.backup(
            copy,
            pages=step_pages,
            progress=lambda _status, left, total: tell(total - left, len(PHASES) * total),
        )
        reader.execute("COMMIT")
        copy.execute("PRAGMA journal_mode = DELETE")  # a standalone file: no -wal to carry
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        tell(len(PHASES) * pages, len(PHASES) * pages)
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise OSError(errno.ENOSPC, "database or disk is full") from exc  # « Disque plein : … »
        raise ServiceError(f"Sauvegarde de « {source} » impossible : {exc}") from exc
    finally:
        copy.close()
        reader.close()
    if problems != ["ok"]:
        raise ServiceError(
            f"La copie de « {source} » ne passe pas le contrôle d'intégrité ({problems[0]}) : "
            "elle n'est pas gardée. La base elle-même est peut-être abîmée : prévenez "
            "l'administrateur du serveur."
        )
    return pages


def _dump_postgres(target: str, out: Path, replace: bool) -> Backup:
    """``pg_dump -Fc`` of the server base into ``out`` (through a temporary file), checked."""
    shown = dbmod.describe_target(target)
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if pg_dump is None or pg_restore is None:
        raise ServiceError(
            f"La base « {shown} » est sur un serveur PostgreSQL : sa sauvegarde demande "
            "pg_dump et pg_restore (paquet Debian postgresql-client), introuvables ici."
        )
    _check_destination(None, out, replace)
    url, password = _without_password(target)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    started = time.perf_counter()

    def dump(temporary: Path) -> None:
        for command in (
            [pg_dump, "-Fc", "--no-password", "-f", str(temporary), "-d", url],
            [pg_restore, "--list", str(temporary)],
        ):
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tool = Path(command[0]).name
                detail = (done.stderr.strip().splitlines() or ["sans message"])[-1]
                raise ServiceError(f"Sauvegarde de « {shown} » impossible ({tool}) : {detail}")

    files.write_file(out, dump, replace=replace)
    return Backup(out, out.stat().st_size, 0, time.perf_counter() - started)


def _without_password(url: str) -> tuple[str, str]:
    """The URL pg_dump is given (no password in it: /proc shows command lines) and the password."""
    parts = urlsplit(url)
    password = parts.password or ""
    if not password:
        return url, ""
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}@{host}" if user else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), password
