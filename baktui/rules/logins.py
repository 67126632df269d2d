"""The logins and passwords of the web access (``baktui serve``): what is accepted, in French.

A login is what the audit log records for a signed-in person (``web:alice``), so it is kept
plain: lower-case ASCII letters, digits, ``.``, ``_`` and ``-``, starting with a letter or a
digit, 32 characters at most (``Alice`` is read as ``alice``). Never a colon, a space or a
control character: the users file is one ``login:hash`` per line.
"""

from __future__ import annotations

import re

LOGIN_MAX = 32
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
WEB_PREFIX = "web:"  # what the audit log records: web:alice
_LOGIN_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")


def normal_login(text: str) -> str:
    """The login as it is stored: stripped, lower-case."""
    return text.strip().lower()


def login_error(text: str) -> str | None:
    """Why ``text`` is not an acceptable login (French), or None."""
    login = normal_login(text)
    if not login:
        return "identifiant vide"
    if len(login) > LOGIN_MAX:
        return f"identifiant de plus de {LOGIN_MAX} caractères"
    if not _LOGIN_RE.fullmatch(login):
        return (
            f"identifiant « {login} » refusé : lettres sans accents, chiffres, « . », « _ » "
            "ou « - », en commençant par une lettre ou un chiffre"
        )
    return None


def password_error(password: str) -> str | None:
    """Why ``password`` cannot be used (French), or None."""
    if len(password) < PASSWORD_MIN:
        return f"mot de passe trop court (au moins {PASSWORD_MIN} caractères)"
    if len(password) > PASSWORD_MAX:
        return f"mot de passe de plus de {PASSWORD_MAX} caractères"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        return "le mot de passe contient un caractère de contrôle"
    if password.strip() != password:
        return "le mot de passe commence ou finit par une espace"
    return None


def web_author(login: str) -> str:
    """How the audit log names a person signed in through the browser: ``web:alice``."""
    return WEB_PREFIX + normal_login(login)
