"""The users file of the web access (``baktui serve``): logins and argon2id password hashes.

One line per person, ``login:hash`` (``# …`` lines are comments), in ``utilisateurs`` next to
the configuration unless ``[web] utilisateurs`` names another file (:meth:`Config.users_path`).
The file is private to the server's account (0600, its folder 0700 when baktui creates it): a
file that other accounts may read is refused by the server and by ``utilisateurs liste``, with
the ``chmod`` to type; adding or removing a person rewrites it 0600 anyway. Every rewrite goes
through a temporary file renamed into place (:func:`baktui.data.files.write_file`), under a lock,
so two administrators adding people at once lose nobody.

Passwords are hashed by argon2-cffi (argon2id, its default cost) and never stored or logged. An
unknown login costs the same time to check as a wrong password (a hash is checked anyway), so the
sign-in page does not tell which logins exist.
"""

from __future__ import annotations

import fcntl
import functools
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from baktui.config import get_config
from baktui.data import files
from baktui.errors import ServiceError
from baktui.logs import get_logger
from baktui.rules.french import plural
from baktui.rules.logins import login_error, normal_login, password_error

_log = get_logger(__name__)
PRIVATE = files.Rights(file=0o600, folder=0o700)
HEADER = (
    "# baktui serve : les comptes du navigateur, un par ligne « identifiant:empreinte argon2id ».\n"
    "# Écrit par « baktui utilisateurs ajouter|supprimer » ; ne jamais y écrire un mot de passe.\n"
)


@dataclass(frozen=True)
class UsersReport:
    """What a change of the users file did, in French."""

    message: str
    path: Path

    def render(self) -> str:
        return f"{self.message} ({self.path})"


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@functools.cache
def _decoy() -> str:
    """A hash checked when the login is unknown: the answer takes as long as for a known one."""
    return _hasher().hash(secrets.token_urlsafe(16))


def users_path(path: Path | None = None) -> Path:
    return path if path is not None else get_config().users_path()


def _parse(path: Path, text: str) -> dict[str, str]:
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        login, sep, hashed = line.partition(":")
        error = login_error(login) if sep else "attendu « identifiant:empreinte »"
        if error is None and not hashed.startswith("$argon2"):
            error = "l'empreinte n'est pas une empreinte argon2 (« baktui utilisateurs ajouter »)"
        if error is None and normal_login(login) in users:
            error = f"« {normal_login(login)} » figure deux fois"
        if error is not None:
            raise ServiceError(f"{path}, ligne {number} : {error}.")
        users[normal_login(login)] = hashed
    return users


def check_private(path: Path) -> None:
    """Refuse a users file that another account of the server may read or write."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ServiceError(
            f"{path} est lisible par d'autres comptes du serveur ({mode:04o}) : il contient les "
            f"empreintes des mots de passe. Tapez « chmod 600 {path} », puis recommencez."
        )


def read_users(path: Path | None = None, *, strict: bool = True) -> dict[str, str]:
    """Login -> hash. An absent file holds nobody; ``strict``: a file others may read is refused."""
    path = users_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceError(f"{path} : fichier des utilisateurs illisible ({exc}).") from exc
    if strict:
        check_private(path)
    return _parse(path, text)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of the users file at a time (a lock file beside it, 0600)."""
    files.make_folder(path.parent, PRIVATE)
    lock = path.with_name(f".{path.name}.verrou")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise files.refusal(exc, lock) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(path: Path, users: dict[str, str]) -> None:
    body = HEADER + "".join(f"{login}:{hashed}\n" for login, hashed in sorted(users.items()))
    files.write_file(path, lambda temporary: temporary.write_text(body, encoding="utf-8"),
                     given=PRIVATE)  # fmt: skip


def _checked_login(login: str) -> str:
    error = login_error(login)
    if error is not None:
        raise ServiceError(f"Identifiant : {error}.")
    return normal_login(login)


def _known(login: str) -> ServiceError:
    return ServiceError(
        f"« {login} » a déjà un compte : « --remplacer » pour changer son mot de passe ; "
        "rien n'est changé."
    )


def check_new(login: str, path: Path | None = None) -> None:
    """Refuse at once a login that has an account (before its password is asked)."""
    login = _checked_login(login)
    if login in read_users(path, strict=False):
        raise _known(login)


def add_user(
    login: str, password: str, *, replace: bool = False, path: Path | None = None
) -> UsersReport:
    """Add a person (or, with ``replace``, give a known one a new password)."""
    login = _checked_login(login)
    error = password_error(password)
    if error is not None:
        raise ServiceError(f"Mot de passe de {login} : {error} ; rien n'est changé.")
    path = users_path(path)
    hashed = _hasher().hash(password)
    with _locked(path):
        users = read_users(path, strict=False)
        known = login in users
        if known and not replace:
            raise _known(login)
        users[login] = hashed
        _write(path, users)
    _log.info(
        "utilisateurs : %s %s (%s)", login, "mot de passe changé" if known else "ajouté", path
    )
    said = "mot de passe changé" if known else "compte ajouté"
    return UsersReport(f"{login} : {said}", path)


def remove_user(login: str, *, path: Path | None = None) -> UsersReport:
    """Remove a person: he or she can no longer sign in (a page already open stays until closed)."""
    login = _checked_login(login)
    path = users_path(path)
    with _locked(path):
        users = read_users(path, strict=False)
        if login not in users:
            raise ServiceError(f"« {login} » n'a pas de compte ({path}) : rien n'est changé.")
        del users[login]
        _write(path, users)
    _log.info("utilisateurs : %s supprimé (%s)", login, path)
    return UsersReport(f"{login} : compte supprimé", path)


def list_users(path: Path | None = None) -> list[str]:
    return sorted(read_users(path))


def render_list(path: Path | None = None) -> str:
    path = users_path(path)
    logins = list_users(path)
    lines = [f"{plural(len(logins), 'utilisateur')} dans {path}"]
    lines += [f"  {login}" for login in logins]
    return "\n".join(lines)


def check_password(login: str, password: str, path: Path | None = None) -> str | None:
    """The login stored for these credentials, or None (wrong password, unknown login). Slow on
    purpose (argon2): the server calls it in a thread."""
    wanted = normal_login(login)
    hashed = read_users(path).get(wanted) if login_error(wanted) is None else None
    try:
        _hasher().verify(hashed or _decoy(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return wanted if hashed is not None else None


def has_account(login: str, path: Path | None = None) -> bool:
    """Still in the users file (a person removed cannot open a new page)."""
    return normal_login(login) in read_users(path)
