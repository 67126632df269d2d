"""``baktui serve``: textual-serve behind a sign-in page, one baktui process per browser page.

textual-serve's :class:`~textual_serve.server.Server` answers ``/`` (the page with the terminal),
``/ws`` (the websocket: each one starts the app command in a new process, an
:class:`~textual_serve.app_service.AppService`, and pipes the keys and the screen through it) and
``/download/{key}`` (the files the app delivers with ``deliver_binary``). This subclass puts a
guard in front of all of them:

- ``/connexion`` shows a French form; its POST checks the password against the users file
  (argon2id, in a thread) and, if right, opens a session on the server: a random token in a
  cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS) that maps to the login *on the server*.
  Nothing the browser sends can name another person: the cookie is only a key to that table.
- every other path needs a live session of a login still in the users file; a form or websocket
  coming from another site (its ``Origin``) is refused;
- each websocket starts ``python -m baktui --db BASE`` with the session's login in the process's
  environment (:data:`baktui.web.LOGIN_ENV`), set here, after the server's own environment
  is copied: the app records every write as ``web:LOGIN`` (:func:`baktui.cli_serve.web_identity`);
- a download is served only to the session whose app made it.

Wrong passwords wait a second before the answer; ten in a quarter of an hour for one login from
one address block that login there, fifty block the address (behind the office's proxy, the
address is the one the proxy names in ``X-Forwarded-For``), until the quarter is over. Sessions live in the server's memory: a
restart signs everybody out. A page already open keeps running when its person is removed from
the users file; a new page is refused.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import secrets
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from baktui.errors import ServiceError
from baktui.logs import get_logger
from baktui.rules.logins import login_error, normal_login
from baktui.services import users
from baktui.web import LOGIN_ENV

_log = get_logger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "baktui_session"
SESSION_IDLE = 12 * 3600  # seconds without opening a page before a session ends
FAILURE_DELAY = 1.0  # seconds a wrong password waits for its answer
MAX_FAILURES = 10  # wrong passwords for one login from one address in FAILURE_WINDOW
MAX_ADDRESS_FAILURES = 50  # wrong passwords from one address, whatever the login
LOOPBACK = {"127.0.0.1", "::1"}
FAILURE_WINDOW = 15 * 60
PUBLIC = {"/connexion"}
# where the guard leaves the login of the request for the handlers
LOGIN: Any = web.RequestKey("login", str) if hasattr(web, "RequestKey") else "login"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes forms send « Origin: null »
    "Cache-Control": "no-store",
}


@dataclass
class _Session:
    login: str
    seen: float


class Sessions:
    """Sign-in sessions kept on the server: random token -> login."""

    def __init__(self, idle: float = SESSION_IDLE, clock: Callable[[], float] = time.monotonic):
        self._idle = idle
        self._clock = clock
        self._by_token: dict[str, _Session] = {}

    def open(self, login: str) -> str:
        now = self._clock()
        for old in [t for t, s in self._by_token.items() if now - s.seen > self._idle]:
            del self._by_token[old]  # the sessions nobody came back to
        token = secrets.token_urlsafe(32)
        self._by_token[token] = _Session(login, now)
        return token

    def __len__(self) -> int:
        return len(self._by_token)

    def login_of(self, token: str | None) -> str | None:
        """The login of a live session (its idle time starts again), or None."""
        session = self._by_token.get(token or "")
        if session is None:
            return None
        now = self._clock()
        if now - session.seen > self._idle:
            del self._by_token[token or ""]
            return None
        session.seen = now
        return session.login

    def close(self, token: str | None) -> None:
        self._by_token.pop(token or "", None)


class Throttle:
    """Wrong passwords counted per key (a login and its address, an address) over a window."""

    def __init__(self, window: float = FAILURE_WINDOW, clock: Callable[[], float] = time.monotonic):
        self._window, self._clock = window, clock
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str) -> list[float]:
        since = self._clock() - self._window
        kept = [t for t in self._failures.get(key, []) if t > since]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def blocked(self, key: str, limit: int) -> bool:
        return len(self._recent(key)) >= limit

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._failures.setdefault(key, []).append(self._clock())

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)


class SignedInAppService(AppService):
    """textual-serve's app process, started for one signed-in login."""

    def __init__(self, command: str, *, login: str, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.login = login

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment[LOGIN_ENV] = self.login  # after the copy of the server's: never inherited
        return environment


def app_command(db_target: str) -> str:
    """The command each browser page runs: this Python, this baktui, this base (``exec``: no
    shell is left between textual-serve and the app)."""
    return "exec " + shlex.join([sys.executable, "-m", "baktui", "--db", db_target])


def _is_https(request: web.Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def client_address(request: web.Request) -> str:
    """Who is signing in: the peer, or behind the office's proxy on this machine the address
    the proxy added last to ``X-Forwarded-For`` (what a client writes there itself comes before)."""
    peer = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
    return forwarded if forwarded and peer in LOOPBACK else peer


def same_origin(request: web.Request) -> bool:
    """A browser's form or websocket from this site (a request without Origin is no browser's
    cross-site request: browsers always send it on those)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = urlsplit(origin).netloc.lower()
    allowed = {request.host.lower(), request.headers.get("X-Forwarded-Host", "").lower()}
    return bool(host) and host in allowed


def _see_other(location: str) -> web.Response:
    """A 303 to return (with a cookie set on it): aiohttp wants its HTTP exceptions raised."""
    return web.Response(status=303, headers={"Location": location})


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII name and the exact one (RFC 6266), whatever it holds."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in file_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


class BaktuiServer(Server):
    """The web server of ``baktui serve`` on one base."""

    def __init__(
        self,
        db_target: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        users_file: Path | None = None,
        failure_delay: float = FAILURE_DELAY,
    ) -> None:
        super().__init__(app_command(db_target), host=host, port=port, title="baktui")
        self.db_target = db_target
        self.users_file = users.users_path(users_file)
        self.sessions = Sessions()
        self.throttle = Throttle()
        self.limits = (MAX_FAILURES, MAX_ADDRESS_FAILURES)  # per login and address, per address
        self.failure_delay = failure_delay
        self.pages = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True
        )

    # --- The aiohttp application --------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/connexion", self.handle_sign_in_page, name="sign_in"),
                web.post("/connexion", self.handle_sign_in),
                web.post("/deconnexion", self.handle_sign_out, name="sign_out"),
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_response_prepare.append(self._headers)
        app.on_startup.append(self.on_startup)
        return app

    @staticmethod
    async def _headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path in PUBLIC:
            return await handler(request)
        login = self.signed_in(request)
        if login is None:
            if request.method == "GET" and request.path == "/":
                raise web.HTTPSeeOther("/connexion")
            raise web.HTTPUnauthorized(text="Connexion requise : /connexion")
        request[LOGIN] = login
        return await handler(request)

    def signed_in(self, request: web.Request) -> str | None:
        """The login of the request's session, if it is live and the login still has an account."""
        token = request.cookies.get(COOKIE)
        login = self.sessions.login_of(token)
        if login is None:
            return None
        try:
            still = users.has_account(login, self.users_file)
        except ServiceError as exc:
            _log.error("%s", exc)
            still = False
        if not still:
            self.sessions.close(token)
            return None
        return login

    def _page(self, name: str, status: int = 200, **context: Any) -> web.Response:
        html = self.pages.get_template(name).render(**context)
        return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)

    # --- Signing in and out -------------------------------------------------------------------

    async def handle_sign_in_page(self, request: web.Request) -> web.Response:
        if self.signed_in(request) is not None:
            raise web.HTTPSeeOther("/")
        return self._page("connexion.html", login="", error=None)

    async def handle_sign_in(self, request: web.Request) -> web.StreamResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="Formulaire venu d'un autre site : refusé.")
        form = await request.post()
        login = normal_login(str(form.get("identifiant", "")))[:64]
        password = str(form.get("mot_de_passe", ""))
        address = client_address(request)
        pair = f"{login} {address}"
        logged = login if login_error(login) is None else "(identifiant invalide)"  # never a \n
        if self.throttle.blocked(pair, self.limits[0]) or self.throttle.blocked(
            address, self.limits[1]
        ):
            _log.warning("connexion bloquée (trop d'essais) : %s depuis %s", logged, address)
            return self._page("connexion.html", 429, login=login,
                              error="Trop d’essais : réessayez dans un quart d’heure.")  # fmt: skip
        loop = asyncio.get_running_loop()
        try:
            checked = await loop.run_in_executor(
                None, users.check_password, login, password, self.users_file
            )
        except ServiceError as exc:
            _log.error("%s", exc)
            return self._page("connexion.html", 500, login=login,
                              error="Le fichier des utilisateurs du serveur est illisible : "
                              "prévenez son administrateur.")  # fmt: skip
        if checked is None:
            self.throttle.failed(pair, address)
            _log.warning("échec de connexion : %s depuis %s", logged, address)
            await asyncio.sleep(self.failure_delay)
            return self._page("connexion.html", 401, login=login,
                              error="Identifiant ou mot de passe incorrect.")  # fmt: skip
        self.throttle.forget(pair)
        self.sessions.close(request.cookies.get(COOKIE))
        response = _see_other("/")
        response.set_cookie(COOKIE, self.sessions.open(checked), httponly=True,
                            samesite="Strict", secure=_is_https(request), path="/")  # fmt: skip
        _log.info("connexion : %s depuis %s", checked, address)
        return response

    async def handle_sign_out(self, request: web.Request) -> web.StreamResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="Formulaire venu d'un autre site : refusé.")
        self.sessions.close(request.cookies.get(COOKIE))
        _log.info("déconnexion : %s", request[LOGIN])
        response = _see_other("/connexion")
        response.del_cookie(COOKIE, path="/")
        return response

    # --- The app ------------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        font_size = min(max(to_int(request.query.get("fontsize", "16"), 16), 8), 40)
        return self._page("app.html", login=request[LOGIN], font_size=font_size)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="Connexion venue d'un autre site : refusée.")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = min(max(to_int(request.query.get("width", "80"), 80), 20), 500)
        height = min(max(to_int(request.query.get("height", "24"), 24), 5), 300)
        login = request[LOGIN]
        service: SignedInAppService | None = None
        try:
            await websocket.prepare(request)
            service = SignedInAppService(
                self.command,
                login=login,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            _log.info("page ouverte : %s (%d×%d)", login, width, height)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            _log.exception("page de %s arrêtée", login)
        finally:
            if service is not None:
                await service.stop()
                _log.info("page fermée : %s", login)
        return websocket

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="Document inconnu ou déjà téléchargé.") from None
        if getattr(meta.app_service, "login", None) != request[LOGIN]:
            raise web.HTTPNotFound(text="Document inconnu ou déjà téléchargé.")
        response = web.StreamResponse()
        content_type = meta.mime_type or "application/octet-stream"
        if meta.encoding:
            content_type += f"; charset={meta.encoding}"
        response.headers["Content-Type"] = content_type
        response.headers["Content-Disposition"] = content_disposition(meta.file_name)
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        _log.info("document téléchargé : %s par %s", meta.file_name, request[LOGIN])
        return response

    # --- Running ------------------------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        """Said by :meth:`serve_until_stopped` (textual-serve would print its logo here)."""

    def serve_until_stopped(self, users_described: str = "") -> None:
        """Serve until Ctrl+C or SIGTERM (the pages open are closed, their apps told to quit)."""
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        for name in (_log.name, "textual-serve"):
            logging.getLogger(name).addHandler(console)
        _log.setLevel(logging.INFO)
        print(f"baktui serve : http://{self.host}:{self.port}/ — base {self.db_target}", flush=True)
        if users_described:
            print(f"Utilisateurs : {users_described}", flush=True)
        if self.host not in {"127.0.0.1", "localhost", "::1"}:
            print(
                f"ATTENTION : baktui écoute sur {self.host} en HTTP, sans chiffrement : les mots "
                "de passe passent en clair. Placez-le derrière le proxy HTTPS et laissez-le sur "
                "127.0.0.1.",
                file=sys.stderr,
                flush=True,
            )
        print("Ctrl+C pour arrêter.", flush=True)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, print=None,
                        access_log=None, shutdown_timeout=5)  # fmt: skip
        except OSError as exc:
            why = {
                errno.EADDRINUSE: "le port est déjà pris",
                errno.EACCES: "port réservé à l'administrateur",
                errno.EADDRNOTAVAIL: "adresse inconnue de cette machine",
            }.get(exc.errno or 0, str(exc))
            raise ServiceError(
                f"baktui serve ne peut pas écouter sur {self.host}:{self.port} ({why}) : "
                "« --port N » ou « --host ADRESSE » pour en choisir d'autres."
            ) from exc
