"""Files baktui writes: the rights of [fichiers] whatever the umask, temporary files nobody can
plant, a full disk said as such, names from the base that never make a file name too long."""

from __future__ import annotations

import errno
import grp
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from baktui.config import load_config
from baktui.data import db as dbmod
from baktui.data import files
from baktui.data.models import Candidate
from baktui.errors import ConfigError, ServiceError
from baktui.services import documents
from baktui.services.sessions import SessionInfo


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    """The usual umask, under which everything used to come out 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("BAKTUI_CONFIG", str(path))  # a new file: read afresh


def _other_group() -> tuple[str, int] | None:
    """A group this process may give to its files, other than its own."""
    allowed = None if os.geteuid() == 0 else set(os.getgroups())
    for group in grp.getgrall():
        if group.gr_gid != os.getegid() and (allowed is None or group.gr_gid in allowed):
            return group.gr_name, group.gr_gid
    return None


def _pdf(path: Path) -> Path:
    from baktui.exports.pdf import new_document, save

    pdf = new_document("Essai", academie="Académie de Lyon")
    pdf.add_page()
    pdf.paragraph("Hélène Lefèvre, 12 rue des Lilas, 06 12 34 56 78")
    return save(pdf, path)


def _xlsx(path: Path) -> Path:
    from baktui.exports.excel import write_workbook

    return write_workbook(path, [("Feuille", ["nom"], [("Lefèvre",)])])


# --- configuration --------------------------------------------------------------------------


def test_file_modes_default_and_private(tmp_path: Path) -> None:
    default = load_config([tmp_path / "absent.toml"])
    assert (default.files_mode, default.file_mode, default.folder_mode) == ("groupe", 0o640, 0o750)
    path = tmp_path / "c.toml"
    path.write_text('[fichiers]\nmode = "privé"\n', encoding="utf-8")
    private = load_config([path])
    assert (private.files_mode, private.file_mode, private.folder_mode) == ("prive", 0o600, 0o700)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[fichiers]\nmode = "public"\n', "« fichiers.mode » vaut « public » ; possibles : groupe"),
        ("[fichiers]\nmode = 640\n", "« fichiers.mode » doit être un texte"),
        ('[fichiers]\ngroupe = "pas-de-tel-groupe-dec"\n', "n'existe pas sur ce serveur"),
        ('[fichiers]\ndroits = "0640"\n', "clé « droits » inconnue dans [fichiers]"),
    ],
)
def test_bad_file_settings_are_refused_in_french(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="config.toml") as refused:
        load_config([path])
    assert message in str(refused.value)


def test_a_bad_setting_stops_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from baktui.cli import main

    _configure(monkeypatch, tmp_path, '[fichiers]\nmode = "tous"\n')
    assert main(["--db", str(tmp_path / "b.sqlite"), "init"]) == 1
    assert "fichiers.mode" in capsys.readouterr().err
    assert not (tmp_path / "b.sqlite").exists()


# --- the base and its -wal and -shm ---------------------------------------------------------


def _open_new_base(path: Path) -> None:
    dbmod.open_database(str(path), create=True)
    dbmod.current_database().execute_sql("CREATE TABLE IF NOT EXISTS t (x)")
    dbmod.current_database().execute_sql("INSERT INTO t VALUES (1)")


@pytest.mark.sqlite_only("les droits des fichiers d'une base SQLite (-wal, -shm)")
def test_a_new_base_and_its_wal_and_shm_are_0640(tmp_path: Path) -> None:
    path = tmp_path / "dec" / "bac.sqlite"
    try:
        _open_new_base(path)
        for name in ("bac.sqlite", "bac.sqlite-wal", "bac.sqlite-shm"):
            assert _mode(tmp_path / "dec" / name) == 0o640, name
        assert _mode(tmp_path / "dec") == 0o750
    finally:
        dbmod.close_database()


@pytest.mark.sqlite_only("les droits des fichiers d'une base SQLite (-wal, -shm)")
def test_private_mode_makes_the_base_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _configure(monkeypatch, tmp_path, '[fichiers]\nmode = "prive"\n')
    path = tmp_path / "bac.sqlite"
    try:
        _open_new_base(path)
        for suffix in ("", "-wal", "-shm"):
            assert _mode(Path(f"{path}{suffix}")) == 0o600, suffix
    finally:
        dbmod.close_database()


@pytest.mark.sqlite_only("les droits des fichiers d'une base SQLite (-wal, -shm)")
def test_the_office_group_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group = _other_group()
    if group is None:
        pytest.skip("no other group this account may give")
    name, gid = group
    _configure(monkeypatch, tmp_path, f'[fichiers]\ngroupe = "{name}"\n')
    path = tmp_path / "bac.sqlite"
    try:
        _open_new_base(path)
        for suffix in ("", "-wal", "-shm"):
            assert os.stat(f"{path}{suffix}").st_gid == gid, suffix
        issued = documents.issue("essai", "essai.pdf", _pdf, out_dir=tmp_path / "docs")
        assert os.stat(issued.path).st_gid == gid
        assert os.stat(tmp_path / "docs").st_gid == gid
    finally:
        dbmod.close_database()


@pytest.mark.sqlite_only("les droits des fichiers d'une base SQLite (-wal, -shm)")
def test_an_existing_loose_base_is_tightened_and_said(tmp_path: Path) -> None:
    path = tmp_path / "bac.sqlite"
    _open_new_base(path)
    other = sqlite3.connect(path)  # a colleague's connection: the -wal stays when we close
    other.execute("SELECT count(*) FROM t").fetchone()
    dbmod.close_database()
    os.chmod(path, 0o664)  # the office gave its group the right to write: kept
    for suffix in ("-wal", "-shm"):
        os.chmod(f"{path}{suffix}", 0o644)
    said: list[str] = []
    try:
        dbmod.open_database(str(path), progress=said.append)
        assert _mode(path) == 0o660
        assert _mode(Path(f"{path}-wal")) == 0o640
        assert _mode(Path(f"{path}-shm")) == 0o640
        assert any("Droits resserrés" in line and "0664 → 0660" in line for line in said), said
        assert any(f"{path}-wal (0644 → 0640)" in line for line in said), said
    finally:
        other.close()
        dbmod.close_database()


@pytest.mark.sqlite_only("les droits des fichiers d'une base SQLite (-wal, -shm)")
def test_sqlite_disk_full_is_said_as_such(db_path: Path) -> None:
    import peewee

    db = dbmod.current_database()
    db.execute_sql("CREATE TABLE big (x)")
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(peewee.OperationalError) as full:
        db.execute_sql("INSERT INTO big VALUES (randomblob(100000))")
    assert dbmod.is_disk_full(full.value)
    assert not dbmod.is_disk_full(peewee.OperationalError("database is locked"))


# --- documents: PDF, workbooks, CSV ---------------------------------------------------------


def test_documents_and_their_folder_get_the_configured_modes(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    seen: list[tuple[str, int]] = []

    def write(path: Path) -> Path:
        # the temporary file already has its mode, in the documents folder, under a random name
        seen.append((path.name, _mode(path)))
        assert path.parent == out
        return _pdf(path)

    pdf = documents.issue("essai", "essai.pdf", write, out_dir=out)
    xlsx = documents.issue("essai", "essai.xlsx", _xlsx, out_dir=out)
    assert _mode(out) == 0o750
    assert _mode(pdf.path) == 0o640 and pdf.path.read_bytes().startswith(b"%PDF")
    assert _mode(xlsx.path) == 0o640
    ((name, mode),) = seen
    assert name.startswith(".baktui-") and name.endswith(".pdf") and mode == 0o640
    assert sorted(p.name for p in out.iterdir()) == ["essai.pdf", "essai.xlsx"]


def test_an_existing_documents_folder_is_tightened(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir(mode=0o777)
    os.chmod(out, 0o775)
    documents.issue("essai", "essai.xlsx", _xlsx, out_dir=out)
    assert _mode(out) == 0o770  # the office's group keeps its rights; the others lose theirs


def test_a_shared_sticky_folder_is_left_as_it_is(db_path: Path, tmp_path: Path) -> None:
    shared = tmp_path / "partage"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: everyone writes, nobody removes another's file
    issued = documents.issue("essai", "essai.xlsx", _xlsx, out_dir=shared)
    assert _mode(shared) == 0o1777 and _mode(issued.path) == 0o640


def test_private_mode_documents(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, tmp_path, '[fichiers]\nmode = "prive"\n')
    issued = documents.issue("essai", "essai.pdf", _pdf, out_dir=tmp_path / "docs")
    assert _mode(issued.path) == 0o600 and _mode(tmp_path / "docs") == 0o700


def test_results_csv_and_xlsx_are_0640(session: SessionInfo, tmp_path: Path) -> None:
    from baktui.services.results_export import export_results

    for name in ("resultats.csv", "resultats.xlsx"):
        export_results(session.id, tmp_path / name)
        assert _mode(tmp_path / name) == 0o640, name
    assert (tmp_path / "resultats.csv").read_text(encoding="utf-8-sig").startswith("ine;nom")


def test_a_symlink_planted_at_the_old_temporary_name_is_not_followed(
    session: SessionInfo, tmp_path: Path
) -> None:
    """The export used to write .resultats.<pid>.tmp.csv with a plain open(): a colleague's
    symbolic link there made it write the results into any file the user may write."""
    from baktui.services.results_export import export_results

    victim = tmp_path / "victim.txt"
    victim.write_text("intact")
    out = tmp_path / "resultats.csv"
    for name in (f".resultats.{os.getpid()}.tmp.csv", ".resultats.tmp.csv"):
        (tmp_path / name).symlink_to(victim)
    export_results(session.id, out)
    assert victim.read_text() == "intact"
    assert not out.is_symlink() and out.read_text(encoding="utf-8-sig").startswith("ine;nom")
    assert _mode(out) == 0o640


def test_write_file_never_reuses_an_existing_name(tmp_path: Path) -> None:
    names = set()
    for _ in range(20):
        files.write_file(tmp_path / "x.csv", lambda p: names.add(p.name) or p.write_text("a"))
    assert len(names) == 20  # unpredictable, a new file (O_EXCL) each time
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_a_full_disk_is_said_and_leaves_nothing(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    documents.issue("essai", "essai.pdf", _pdf, out_dir=out)
    before = (out / "essai.pdf").read_bytes()

    def fill_the_disk(path: Path) -> None:
        with path.open("wb") as handle:
            handle.write(b"%PDF-1.4 half a document")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(ServiceError, match=r"^Disque plein : .*essai\.pdf n'a pas été écrit"):
        documents.issue("essai", "essai.pdf", fill_the_disk, out_dir=out)
    assert [p.name for p in out.iterdir()] == ["essai.pdf"]
    assert (out / "essai.pdf").read_bytes() == before


def test_a_full_disk_at_sync_time_for_the_results(
    session: SessionInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baktui.services.results_export import export_results

    def no_space(fd: int) -> None:  # a network share or a delayed allocation says it at fsync
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", no_space)
    with pytest.raises(ServiceError, match="^Disque plein : "):
        export_results(session.id, tmp_path / "resultats.csv")
    assert list(tmp_path.glob("*resultats*")) == [] and list(tmp_path.glob(".baktui-*")) == []


# --- names from the base --------------------------------------------------------------------


def test_file_names_are_bounded() -> None:
    name = documents.file_name("confirmation-inscription", "260000001", "É" * 3000, suffix=".pdf")
    assert len(name.encode()) <= documents.MAX_NAME_BYTES
    assert name.startswith("confirmation-inscription-260000001-EEE") and name.endswith(".pdf")
    assert name[-20:-4].count("-") == 2  # the time stamp is kept whole: -YYYYMMDD-HHMMSS


def test_a_3000_character_surname_still_gets_its_confirmation(
    session: SessionInfo, tmp_path: Path
) -> None:
    from baktui.services.confirmations import issue_confirmations
    from baktui.services.registration import CandidateData, register_candidate

    register_candidate(
        session.id,
        CandidateData("123456789AB", "Lefèvre", "Hélène", None, "STMG", "GF", "ANG", "ESP"),
    )
    # a name already in the base, however it came there (an old import, a pasted text)
    Candidate.update(last_name="Lefèvre-" * 375).execute()
    candidate = Candidate.get()
    issued = issue_confirmations(session.id, [candidate.id], out_dir=tmp_path)
    assert issued.path.exists() and len(issued.path.name.encode()) <= 120
    assert issued.path.read_bytes().startswith(b"%PDF")


# --- the log --------------------------------------------------------------------------------


def test_every_log_file_is_private(tmp_path: Path) -> None:
    from baktui.logs import LOGGER, setup_logging

    logger = logging.getLogger(LOGGER)
    propagate = logger.propagate
    path = setup_logging("INFO", tmp_path / "log")
    assert path is not None and _mode(path) == 0o600
    handler = next(h for h in logger.handlers if getattr(h, "baktui", False))
    try:
        handler.doRollover()  # type: ignore[attr-defined]
        assert _mode(path) == 0o600 and _mode(Path(f"{path}.1")) == 0o600
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.propagate = propagate


@pytest.mark.parametrize(
    ("driver_words", "french"),
    [
        ("database is locked", "tenue en écriture par un autre poste depuis plus de 10 s"),
        ("canceling statement due to lock timeout", "tenue en écriture par un autre poste"),
        ("attempt to write a readonly database", "n'est ouverte qu'en lecture"),
        ("server closed the connection unexpectedly", "connexion au serveur de la base est perdue"),
        ("database disk image is malformed", "endommagé"),
        ("no such savepoint: s1", "erreur de la base (OperationalError)"),
    ],
)
def test_a_database_failure_is_told_in_french(driver_words: str, french: str) -> None:
    """The drivers' English never reaches a French sentence: it is named in French."""
    import peewee

    text = dbmod.failure_text(peewee.OperationalError(driver_words))
    assert french in text
    assert driver_words not in text


def test_a_busy_base_is_not_shown_as_an_unexpected_error() -> None:
    import peewee

    from baktui.widgets.feedback import error_text

    shown = error_text(peewee.OperationalError("database is locked"))
    assert shown.startswith("Rien n'est enregistré : la base est tenue en écriture")
    assert "inattendue" not in shown


def test_a_device_or_a_pipe_keeps_its_rights(tmp_path: Path) -> None:
    """Output sent to /dev/null or a pipe: tightening concerns the office's files and folders,
    never a special file (run as root, it once left /dev/null 0640 for the whole machine)."""
    pipe = tmp_path / "sortie"
    os.mkfifo(pipe, 0o666)
    os.chmod(pipe, 0o666)
    assert files.tighten(pipe) is None
    assert stat.S_IMODE(os.stat(pipe).st_mode) == 0o666
    loose = tmp_path / "notes.csv"
    loose.write_text("x")
    os.chmod(loose, 0o666)
    assert files.tighten(loose) is not None  # a regular file is tightened
    assert stat.S_IMODE(os.stat(loose).st_mode) & 0o007 == 0
