"""The configuration at work: the `config` command, the keymap and theme in the app, the log, the
short wait of the interactive connection, and the schema brought up to date before the UI."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from helpers import lock_wait_ms, pin_login
from test_migrations import _make_version_1

from baktui import cli
from baktui.app import BaktuiApp
from baktui.config import reload_config
from baktui.data import db as dbmod
from baktui.data import migrations
from baktui.screens.help import HelpScreen
from baktui.screens.keys import ID_RE, binding_ids, key_entries


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("BAKTUI_CONFIG", str(path))
    return path


def test_config_command_shows_what_is_in_force(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(
        '[documents]\ndossier = "/srv/dec/documents"\n[academie]\nnom = "Académie de Grenoble"\n'
        '[touches]\n"app.help" = "f12"\n',
        encoding="utf-8",
    )
    reload_config()
    assert cli.main(["--db", str(tmp_path / "b.sqlite"), "config", "--touches"]) == 0
    out = capsys.readouterr().out
    assert f"  {config_file}\n" in out  # read (no "(absent)")
    assert "documents    /srv/dec/documents" in out
    assert "académie     Académie de Grenoble" in out
    assert "app.help = f12" in out
    # the list of every key: id, keys in force, description
    assert any(
        line.split()[:2] == ["app.help", "f12"] and line.rstrip().endswith("Aide")
        for line in out.splitlines()
    )


def test_a_wrong_config_stops_every_command_in_french(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text('[documents]\nfolder = "/x"\n', encoding="utf-8")
    assert cli.main(["--db", str(tmp_path / "b.sqlite"), "init"]) == cli.EXIT_REFUSED
    err = capsys.readouterr().err
    assert f"{config_file} : clé « folder » inconnue dans [documents]" in err
    assert not (tmp_path / "b.sqlite").exists()


def test_unexpected_error_is_a_french_line_and_a_logged_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("disque plein ?")

    monkeypatch.setitem(cli.COMMANDS, "config", broken)
    assert cli.main(["config"]) == cli.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "Erreur inattendue (RuntimeError : disque plein ?)" in err
    assert "Traceback" not in err
    log = tmp_path / "xdg-state" / "baktui" / "log" / "baktui.log"
    assert f"Détails pour l'assistance : {log}." in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: disque plein ?" in text
    assert log.stat().st_mode & 0o077 == 0  # it may name candidates: private
    logging.getLogger("baktui").handlers.clear()


def test_binding_ids_are_area_dot_action() -> None:
    entries = key_entries()
    assert len(entries) > 50
    malformed = [f"{e.owner}: {e.id!r}" for e in entries if not ID_RE.fullmatch(e.id)]
    assert malformed == []
    assert {"app.help", "app.quit", "screen.back", "confirm.yes"} <= set(binding_ids())
    # one id, one key of the application: a keymap line moves exactly what it names
    owners: dict[str, list[str]] = {}
    for entry in entries:
        owners.setdefault(entry.id, []).append(entry.owner)
    assert {i: o for i, o in owners.items() if len(o) > 1} == {}


async def test_the_keymap_of_the_config_moves_a_key(
    config_file: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('[touches]\n"app.help" = "f12"\n"app.aide" = "f11"\n')
    reload_config()
    pin_login(monkeypatch, "gestionnaire")
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        # the misspelt id is reported rather than silently ignored
        messages = [n.message for n in app._notifications]
        assert any("identifiant inconnu : app.aide" in m for m in messages)


async def test_theme_of_the_config(
    config_file: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    config_file.write_text('[affichage]\ntheme = "textual-light"\n')
    reload_config()
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-light"


async def test_the_keys_connection_waits_briefly_workers_wait_long(db_path: Path) -> None:
    """A colleague's long write must not freeze every Enter: 200 ms on the app's connection."""
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        db = dbmod.current_database()
        assert lock_wait_ms(db) == 200

        def in_worker() -> int:
            from baktui.widgets.feedback import worker_connection

            with worker_connection():
                return lock_wait_ms(db)

        worker = app.run_worker(in_worker, thread=True)
        await worker.wait()
        assert worker.result == dbmod.BUSY_TIMEOUT_MS


@pytest.mark.sqlite_only("l'ancien schéma y est refait en SQL de SQLite")
def test_an_older_base_is_upgraded_before_the_screen_opens(tmp_path: Path) -> None:
    path = tmp_path / "ancienne.sqlite"
    dbmod.open_database(str(path), create=True)
    _make_version_1(dbmod.current_database())
    dbmod.close_database()
    said: list[str] = []
    dbmod.open_database(str(path), progress=said.append)
    assert said == [f"Mise à jour de la base : schéma 1 → {migrations.LATEST_VERSION}…"]
    dbmod.close_database()
    with sqlite3.connect(path) as raw:
        version = raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    assert version == migrations.LATEST_VERSION
