"""``baktui serve`` and ``baktui utilisateurs``: baktui in a browser, for the people signed in.

``serve`` runs the web server (:mod:`baktui.web.server`): a sign-in page in front of textual-serve,
which starts one baktui app process per browser page. The server gives that process the login it
checked, in its environment (:data:`baktui.web.LOGIN_ENV`); :func:`web_identity`, at the start of every
``baktui`` command, takes it out of the environment and records it as the author of every write
(``web:alice``) — only under textual-serve's web driver. A baktui run in a browser some other
way (textual-serve by hand) is refused: it would write in the server account's name.
``utilisateurs`` keeps the users file (:mod:`baktui.services.users`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from baktui.data import audit
from baktui.data import db as dbmod
from baktui.errors import ServiceError
from baktui.rules.logins import login_error, web_author
from baktui.web import LOGIN_ENV, WEB_DRIVER

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_parsers(sub: Any) -> None:
    srv = sub.add_parser(
        "serve",
        help="ouvre baktui dans un navigateur, pour les utilisateurs connectés",
        description="Sert baktui aux navigateurs : chaque personne se connecte (identifiant et "
        "mot de passe du fichier des utilisateurs) et travaille en son nom, inscrit au journal "
        "d'audit « web:IDENTIFIANT ». Écoute sur 127.0.0.1 par défaut : à placer derrière le "
        "proxy HTTPS de la division.",
    )
    srv.add_argument("--host", default=DEFAULT_HOST, metavar="ADRESSE",
                     help=f"adresse d'écoute ({DEFAULT_HOST} par défaut)")  # fmt: skip
    srv.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                     help=f"port d'écoute ({DEFAULT_PORT} par défaut)")  # fmt: skip

    users = sub.add_parser(
        "utilisateurs",
        help="les comptes de « baktui serve » : ajouter, supprimer, liste",
        description="Tient le fichier des utilisateurs de « baktui serve » (identifiants et "
        "empreintes argon2id des mots de passe, fichier privé 0600) ; « baktui config » dit où "
        "il est.",
    )
    users.add_argument("action", choices=["ajouter", "supprimer", "liste"],
                       help="ajouter (ou --remplacer un mot de passe) · supprimer · liste")  # fmt: skip
    users.add_argument("login", nargs="?", metavar="IDENTIFIANT",
                       help="ajouter, supprimer : l'identifiant (ex. marie.dupont)")  # fmt: skip
    users.add_argument("--mot-de-passe-stdin", dest="password_stdin", action="store_true",
                       help="ajouter : lit le mot de passe sur l'entrée standard (scripts) au "
                       "lieu de le demander deux fois")  # fmt: skip
    users.add_argument("--remplacer", action="store_true",
                       help="ajouter : change le mot de passe d'un compte qui existe")  # fmt: skip


def web_identity() -> None:
    """Take the signed-in login out of the environment and, in an app process that textual-serve
    drives, record it as the author of every write. Outside the web driver it is ignored (a
    terminal writes as its OS account); under it, it is required."""
    login = os.environ.pop(LOGIN_ENV, "").strip()
    if os.environ.get("TEXTUAL_DRIVER", "").strip() != WEB_DRIVER:
        return
    if not login or login_error(login) is not None:
        raise ServiceError(
            "baktui dans un navigateur s'ouvre par « baktui serve » : chacun s'y connecte, "
            "et le journal d'audit inscrit son identifiant."
        )
    audit.sign_in_process(web_author(login))


def _read_password(login: str, from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise ServiceError(
            "Pas de terminal pour demander le mot de passe : « --mot-de-passe-stdin » pour le "
            "lire sur l'entrée standard ; rien n'est changé."
        )
    first = getpass.getpass(f"Mot de passe de {login} : ")
    second = getpass.getpass("Le même, encore : ")
    if first != second:
        raise ServiceError("Les deux mots de passe diffèrent : rien n'est changé.")
    return first


def cmd_utilisateurs(args: argparse.Namespace) -> int:
    """``baktui utilisateurs``: prints its French report; ServiceError when refused."""
    print(_users_report(args))
    return 0


def _users_report(args: argparse.Namespace) -> str:
    from baktui.services import users

    if args.action == "liste":
        return users.render_list()
    if not args.login:
        raise ServiceError(f"utilisateurs {args.action} : l'IDENTIFIANT est à indiquer.")
    if args.action == "supprimer":
        return users.remove_user(args.login).render()
    error = login_error(args.login)
    if error is not None:  # said before the password is asked
        raise ServiceError(f"Identifiant : {error}.")
    if not args.remplacer:
        users.check_new(args.login)
    password = _read_password(args.login.strip().lower(), args.password_stdin)
    return users.add_user(args.login, password, replace=args.remplacer).render()


def check_users_file() -> str:
    """The users file the server will read, checked now (private, readable, someone in it)."""
    from baktui.services import users

    path = users.users_path()
    logins = users.list_users(path)
    if not logins:
        raise ServiceError(
            f"Aucun utilisateur dans {path} : personne ne pourrait se connecter. "
            "« baktui utilisateurs ajouter IDENTIFIANT » d'abord."
        )
    return f"{path} ({len(logins)} {'compte' if len(logins) < 2 else 'comptes'})"


def cmd_serve(args: argparse.Namespace, open_base: Callable[[str], bool]) -> int:
    """Run the web server until Ctrl+C or SIGTERM. The base is opened (and brought up to date)
    once here, then closed: each browser's app process opens its own."""
    if not 0 < args.port < 65536:
        raise ServiceError(f"--port {args.port} : un port entre 1 et 65535 est attendu.")
    described = check_users_file()
    target = dbmod.resolve_target(args.db)
    if not open_base(target):
        return 1
    dbmod.close_database()
    from baktui.web.server import BaktuiServer

    BaktuiServer(target, host=args.host, port=args.port).serve_until_stopped(described)
    return 0
