"""CLI behaviour around the commands: help, missing database, output cut short by a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main


def test_help_lists_the_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "init", "import", "deliberer", "export"):
        assert command in out


def test_missing_database_is_explained_in_french(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["--db", str(tmp_path / "absent.sqlite"), "deliberer"])
    assert code != 0
    err = capsys.readouterr().err
    assert "Aucune base baktui" in err and "baktui demo" in err
    assert not (tmp_path / "absent.sqlite").exists()


def test_output_piped_into_a_closed_reader_is_not_a_traceback(tmp_path: Path) -> None:
    db = new_base(tmp_path / "b.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    # `baktui --help | head -1`: the reader closes the pipe before everything is written.
    proc = subprocess.Popen(
        [sys.executable, "-m", "baktui.cli", "--db", str(db), "deliberer"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err


@pytest.mark.sqlite_only("le verrou d'écriture de toute la base, propre à SQLite")
def test_locked_database_gives_a_french_message(
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    """A colleague holding the write lock past the busy timeout: a message, not a traceback."""
    import sqlite3

    from baktui.data import db as dbmod

    db = new_base(tmp_path / "b.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "busy_timeout", 100)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 100)
    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")
    try:
        code = main(
            ["--db", str(db), "import", "etablissements", str(samples / "etablissements.csv")]
        )
    finally:
        other.rollback()
        other.close()
    assert code != 0
    err = capsys.readouterr().err
    assert "relancez-la" in err and "Traceback" not in err


def test_etat_prints_the_home_figures_for_scripts(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`baktui etat --csv`: one « label;number » line per home figure, the home screen's own."""
    from baktui.data import db as dbmod
    from baktui.screens.home import TODO_ROWS
    from baktui.services.sessions import require_session
    from baktui.services.stats import home_counts

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", str(db), "init"]) == 0
    for kind in ("etablissements", "candidats", "notes"):
        assert main(["--db", str(db), "import", kind, str(samples / f"{kind}.csv")]) == 0
    assert main(["--db", str(db), "deliberer"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "etat", "--csv"]) == 0
    printed = dict(line.split(";") for line in capsys.readouterr().out.splitlines())
    dbmod.open_database(str(db))
    counts = home_counts(require_session(None).id)
    dbmod.close_database()
    assert printed["Candidats"] == "12" and printed["individuels"] == str(counts.individuels)
    for row in TODO_ROWS:
        assert printed[row.label.strip()] == str(row.value(counts)), row.label
    assert printed["Notes manquantes (1er groupe)"] == "1"  # notes.csv leaves one grade out
    assert printed["Résultats : Admis"] == str(counts.results["ADMIS"]) == "7"
