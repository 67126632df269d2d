"""The users file of baktui serve (argon2id hashes, private file) and who the audit log records
for a signed-in person (web:LOGIN, given by the server, never by the environment alone)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from baktui import cli_serve
from baktui.cli import main
from baktui.config import load_config
from baktui.data import audit
from baktui.errors import ServiceError
from baktui.rules.logins import login_error, password_error, web_author
from baktui.services import users
from baktui.web import LOGIN_ENV, WEB_DRIVER

PASSWORD = "correct horse battery"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "utilisateurs"


@pytest.fixture(autouse=True)
def _no_signed_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "_process_user", None)
    monkeypatch.delenv(LOGIN_ENV, raising=False)
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_password_is_checked_against_its_argon2id_hash_never_stored(users_file: Path) -> None:
    report = users.add_user("Alice", PASSWORD, path=users_file)
    assert report.message == "alice : compte ajouté"
    text = users_file.read_text(encoding="utf-8")
    assert PASSWORD not in text
    line = next(line for line in text.splitlines() if line.startswith("alice:"))
    assert line.startswith("alice:$argon2id$")
    assert users.check_password("alice", PASSWORD, users_file) == "alice"
    assert users.check_password(" ALICE ", PASSWORD, users_file) == "alice"  # as typed


def test_a_wrong_password_or_an_unknown_login_is_refused(users_file: Path) -> None:
    users.add_user("alice", PASSWORD, path=users_file)
    assert users.check_password("alice", PASSWORD + "!", users_file) is None
    assert users.check_password("alice", "", users_file) is None
    assert users.check_password("bob", PASSWORD, users_file) is None  # the decoy hash answers
    assert users.check_password("alice:x", PASSWORD, users_file) is None


def test_the_file_is_private_to_the_server_account(users_file: Path) -> None:
    users.add_user("alice", PASSWORD, path=users_file)
    assert mode(users_file) == 0o600
    assert mode(users_file.parent) == 0o700  # created by baktui
    os.chmod(users_file, 0o644)
    with pytest.raises(ServiceError, match=r"lisible par d'autres comptes.*\(0644\).*chmod 600"):
        users.check_password("alice", PASSWORD, users_file)
    with pytest.raises(ServiceError, match="chmod 600"):
        users.list_users(users_file)
    users.add_user("bob", PASSWORD, path=users_file)  # a rewrite is private again
    assert mode(users_file) == 0o600
    assert users.list_users(users_file) == ["alice", "bob"]


def test_replace_remove_and_refusals(users_file: Path) -> None:
    users.add_user("alice", PASSWORD, path=users_file)
    before = users_file.read_text()
    with pytest.raises(ServiceError, match="« alice » a déjà un compte : « --remplacer »"):
        users.add_user("alice", "un autre mot de passe", path=users_file)
    with pytest.raises(ServiceError, match="trop court"):
        users.add_user("bob", "court", path=users_file)
    with pytest.raises(ServiceError, match="refusé"):
        users.add_user("é x", PASSWORD, path=users_file)
    assert users_file.read_text() == before  # nothing half-written
    assert users.add_user(
        "alice", "nouveau mot de passe", replace=True, path=users_file
    ).message == ("alice : mot de passe changé")
    assert users.check_password("alice", PASSWORD, users_file) is None
    assert users.check_password("alice", "nouveau mot de passe", users_file) == "alice"
    users.remove_user("alice", path=users_file)
    assert users.list_users(users_file) == []
    assert users.check_password("alice", "nouveau mot de passe", users_file) is None
    with pytest.raises(ServiceError, match="« alice » n'a pas de compte"):
        users.remove_user("alice", path=users_file)


def test_a_damaged_line_is_named(users_file: Path) -> None:
    users.add_user("alice", PASSWORD, path=users_file)
    with users_file.open("a") as out:
        out.write("bob:motdepasse-en-clair\n")
    with pytest.raises(ServiceError, match=r"utilisateurs, ligne 4 : l'empreinte n'est pas"):
        users.list_users(users_file)


def test_login_and_password_rules() -> None:
    assert login_error("marie.dupont") is None and login_error("Jean-Luc_2") is None
    assert "vide" in (login_error("  ") or "")
    for bad in ("a:b", "marie dupont", "élodie", ".cache", "x" * 33):
        assert login_error(bad) is not None, bad
    assert password_error("dix caract") is None
    assert "trop court" in (password_error("neuf cara") or "")
    assert "contrôle" in (password_error("mot de\tpasse long") or "")
    assert web_author("Alice") == "web:alice"


def test_the_file_is_next_to_the_configuration_unless_named(tmp_path: Path) -> None:
    assert load_config([]).users_path() == tmp_path / "utilisateurs"  # $BAKTUI_CONFIG's folder
    config = tmp_path / "config.toml"
    config.write_text('[web]\nutilisateurs = "/srv/dec/utilisateurs"\n', encoding="utf-8")
    assert load_config([config]).users_path() == Path("/srv/dec/utilisateurs")


def test_the_command_adds_lists_and_removes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["utilisateurs", "ajouter", "alice", "--mot-de-passe-stdin"]) == 0
    assert f"alice : compte ajouté ({tmp_path / 'utilisateurs'})" in capsys.readouterr().out
    assert users.check_password("alice", PASSWORD, tmp_path / "utilisateurs") == "alice"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["utilisateurs", "ajouter", "alice", "--mot-de-passe-stdin"]) == 1
    assert "déjà un compte" in capsys.readouterr().err
    assert main(["utilisateurs", "liste"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["  alice"]
    assert main(["utilisateurs", "supprimer", "alice"]) == 0
    assert "alice : compte supprimé" in capsys.readouterr().out
    assert main(["utilisateurs", "supprimer"]) == 1
    assert "IDENTIFIANT est à indiquer" in capsys.readouterr().err


def test_the_command_asks_the_password_twice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(cli_serve.getpass, "getpass", lambda prompt: next(answers))
    assert main(["utilisateurs", "ajouter", "bob"]) == 1
    assert "Les deux mots de passe diffèrent : rien n'est changé." in capsys.readouterr().err
    assert not (tmp_path / "utilisateurs").exists()
    answers = iter([PASSWORD, PASSWORD])
    assert main(["utilisateurs", "ajouter", "bob"]) == 0
    assert users.list_users(tmp_path / "utilisateurs") == ["bob"]


def test_the_web_login_is_taken_only_under_the_web_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    os_account = audit.current_user()
    monkeypatch.setenv(LOGIN_ENV, "alice")  # a terminal that sets it writes as its OS account
    cli_serve.web_identity()
    assert audit.current_user() == os_account
    assert LOGIN_ENV not in os.environ
    monkeypatch.setenv("TEXTUAL_DRIVER", WEB_DRIVER)  # textual-serve without baktui serve
    with pytest.raises(ServiceError, match="s'ouvre par « baktui serve »"):
        cli_serve.web_identity()
    monkeypatch.setenv(LOGIN_ENV, "alice")
    cli_serve.web_identity()
    assert audit.current_user() == "web:alice"
    assert LOGIN_ENV not in os.environ  # nothing the app starts inherits it
    with audit.acting_as("test"):
        assert audit.current_user() == "test"
    with pytest.raises(RuntimeError):
        audit.sign_in_process("web:bob")  # once per process
    assert audit.current_user() == "web:alice"


def test_textual_serve_by_hand_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEXTUAL_DRIVER", WEB_DRIVER)
    assert main(["--db", "/nonexistent/base.sqlite"]) == 1
    assert "s'ouvre par « baktui serve »" in capsys.readouterr().err
