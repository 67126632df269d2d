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


def test_postgresql_points_at_pg_dump(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--db", "postgresql://dec:secret@serveur/bac2026", "sauvegarde", "s.sqlite"])
    assert code == 1
    err = capsys.readouterr().err
    assert "pg_dump" in err and "secret" not in err
    assert not (tmp_path / "s.sqlite").exists()


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
