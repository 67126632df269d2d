"""The baktui command speaks French, from its help to its usage errors, and takes the global
options after the sub-command too."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import new_base

from baktui import __version__, cli

ENGLISH = ("usage:", "options:", "show this help", "error:", "invalid choice", "required:",
           "unrecognized", "expected one argument", "positional arguments")  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        cli.main(list(argv))
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out + out.err


def test_every_help_is_french(capsys: pytest.CaptureFixture[str]) -> None:
    commands = [None, *(c for c in cli.COMMANDS if c is not None)]
    for command in commands:
        code, text = _run(capsys, *([command] if command else []), "--help")
        assert code == 0
        assert text.startswith("utilisation : baktui")
        assert "affiche cette aide et s’arrête" in text
        assert [w for w in ENGLISH if w in text] == [], command


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import"], "baktui import : erreur : à indiquer : NATURE, FICHIER"),
        (["import", "eleves", "x.csv"], "NATURE : choix « eleves » inconnu (au choix : candidats"),
        (["demo", "--candidates", "mille"], "valeur « mille » invalide (nombre entier attendu)"),
        (["--frob"], "baktui : erreur : arguments inconnus : --frob"),
    ],
)
def test_usage_errors_are_french(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, text = _run(capsys, *argv)
    assert code == 2
    assert message in text
    assert [w for w in ENGLISH if w in text] == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "--version") == (0, f"baktui {__version__}\n")


def test_the_base_may_be_given_after_the_sub_command(tmp_path: Path) -> None:
    parser = cli.build_parser()
    target = new_base(tmp_path / "x.sqlite")
    assert parser.parse_args(["demo", "--db", target, "--no-open"]).db == target
    assert parser.parse_args(["--db", target, "demo"]).db == target  # before still works
    assert parser.parse_args(["demo"]).db is None


@pytest.mark.parametrize("argv", [["deliberer"], ["init"], ["demo", "--no-open"], ["config"]])
def test_the_password_of_a_server_url_is_never_printed(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    cli.main(["--db", "postgresql://office:s3cret@127.0.0.1:1/baktui", *argv])
    out = capsys.readouterr()
    assert "s3cret" not in out.out + out.err
    assert "postgresql://…@127.0.0.1:1/baktui" in out.out + out.err
