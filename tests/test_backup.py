"""``baktui sauvegarde``: SQLite's online backup, WAL included, while colleagues keep writing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.errors import ServiceError
from baktui.services.backup import back_up, megabytes

pytestmark = pytest.mark.sqlite_only(
    "la sauvegarde en ligne d'un fichier SQLite (ses tests PostgreSQL tournent avec BAKTUI_TEST_POSTGRES)"
)


@pytest.fixture
def base(tmp_path: Path) -> Iterator[Path]:
    """A base made by ``baktui init``, closed."""
    old = os.umask(0o022)
    path = tmp_path / "bac.sqlite"
    assert main(["--db", str(path), "init", "--session", "2026"]) == 0
    yield path
    os.umask(old)


@pytest.fixture
def colleague(base: Path) -> Iterator[sqlite3.Connection]:
    """A colleague's open connection that writes and never checkpoints: their commits stay in
    the -wal, where a plain copy of the file does not see them."""
    connection = sqlite3.connect(base, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute("CREATE TABLE saisie (n INTEGER)")
    connection.executemany("INSERT INTO saisie VALUES (?)", [(n,) for n in range(500)])
    yield connection
    connection.close()


def _rows(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM saisie").fetchone()[0]
    except sqlite3.OperationalError:  # no such table: the copy missed the -wal
        return 0
    finally:
        connection.close()


def test_the_backup_holds_what_is_still_in_the_wal(
    base: Path, colleague: sqlite3.Connection, tmp_path: Path
) -> None:
    assert Path(f"{base}-wal").stat().st_size > 0
    plain = tmp_path / "copie-simple.sqlite"
    shutil.copyfile(base, plain)
    assert _rows(plain) == 0  # the hole: a plain copy misses the committed rows

    backup = back_up(str(base), tmp_path / "sauvegarde.sqlite")
    assert _rows(backup.path) == 500
    copy = sqlite3.connect(backup.path)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # standalone
    copy.close()
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o640
    assert not list(tmp_path.glob(".baktui-*"))
    assert backup.render().startswith(f"Sauvegarde écrite : {backup.path} (")
    assert backup.render().endswith(" Mo, intégrité vérifiée)")


def test_colleagues_keep_writing_during_the_backup(
    base: Path, colleague: sqlite3.Connection, tmp_path: Path
) -> None:
    """One page per step, a colleague committing all along: the copy is never restarted (it
    reads one snapshot) and the colleague is never blocked."""
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        n = 1000
        while not stop.is_set():
            colleague.execute("INSERT INTO saisie VALUES (?)", (n,))
            written.append(n)
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backup = back_up(str(base), tmp_path / "s.sqlite", step_pages=1)
    finally:
        stop.set()
        writer.join()
    assert written  # the colleague wrote during the copy
    assert 500 <= _rows(backup.path) <= 500 + len(written)
    assert backup.pages > 1


def test_an_existing_file_is_replaced_only_when_asked(
    base: Path, colleague: sqlite3.Connection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sauvegarde.sqlite"
    out.write_text("la sauvegarde d'hier")
    assert main(["--db", str(base), "sauvegarde", str(out)]) == 1
    err = capsys.readouterr().err
    assert "existe déjà" in err and "--remplacer" in err
    assert out.read_text() == "la sauvegarde d'hier"

    assert main(["--db", str(base), "sauvegarde", str(out), "--remplacer"]) == 0
    said = capsys.readouterr().out.strip()
    assert said.startswith(f"Sauvegarde écrite : {out} (") and "intégrité vérifiée" in said
    assert _rows(out) == 500
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_the_base_itself_and_missing_bases_are_refused(base: Path, tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="la base elle-même"):
        back_up(str(base), base, replace=True)
    with pytest.raises(ServiceError, match="Aucune base baktui"):
        back_up(str(tmp_path / "absente.sqlite"), tmp_path / "s.sqlite")
    with pytest.raises(ServiceError, match="dossier introuvable"):
        back_up(str(base), tmp_path / "absent" / "s.sqlite")
    assert sqlite3.connect(base).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_not_a_database_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("ceci n'est pas une base " * 100)
    with pytest.raises(ServiceError, match="Sauvegarde de .* impossible"):
        back_up(str(text), tmp_path / "s.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_a_postgresql_server_out_of_reach_is_said_without_the_password(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump absent")
    out = tmp_path / "s.dump"
    url = "postgresql://dec:secret@serveur.invalid/bac2026"
    assert main(["--db", url, "sauvegarde", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Sauvegarde de « postgresql://…@serveur.invalid/bac2026 » impossible (pg_dump)" in err
    assert "secret" not in err
    assert not list(tmp_path.glob("*dump*")) and not list(tmp_path.glob(".*"))  # nothing left


def test_a_postgresql_base_is_dumped_by_pg_dump_and_checked(tmp_path: Path) -> None:
    import subprocess

    from helpers import engine_database

    from baktui.services.sessions import open_registre

    with engine_database("postgresql", tmp_path) as target:
        open_registre(2026)
        out = tmp_path / "bac2026.dump"
        backup = back_up(target, out)
        assert out.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
        assert stat.S_IMODE(out.stat().st_mode) & 0o007 == 0  # never world-readable
        assert "pg_dump, relue par pg_restore" in backup.render()
        listing = subprocess.run(["pg_restore", "--list", str(out)], capture_output=True,
                                 text=True, check=True).stdout  # fmt: skip
        assert "TABLE public candidate " in listing and "TABLE public audit_log " in listing
        with pytest.raises(ServiceError, match="existe déjà"):
            back_up(target, out)


def test_megabytes_in_french() -> None:
    assert megabytes(20_480) == "0,02"
    assert megabytes(12_345_678) == "12,3"
    assert megabytes(2_000_000_000) == "2000"


def test_the_copy_opens_in_baktui(base: Path, tmp_path: Path) -> None:
    backup = back_up(str(base), tmp_path / "s.sqlite")
    try:
        dbmod.open_database(str(backup.path))
        from baktui.services.sessions import require_session

        assert require_session(None).year == 2026
    finally:
        dbmod.close_database()


def test_the_backup_tells_its_pages_copied_then_checked(base: Path, tmp_path: Path) -> None:
    """``baktui sauvegarde``'s bar: nothing counted at first, then the pages copied step by
    step, then checked (one step: the integrity check), done == total at the end."""
    told: list[tuple[int, int | None]] = []
    done = back_up(str(base), tmp_path / "copie.sqlite", step_pages=8,
                   progress=lambda d, t: told.append((d, t)))  # fmt: skip
    total = 2 * done.pages
    assert told[0] == (0, None) and told[-1] == (total, total)
    copied = [d for d, t in told[1:-1]]
    assert {t for _, t in told[1:]} == {total} and copied == sorted(copied)
    assert len(copied) > 3 and copied[-1] == done.pages  # the last step copied every page
