"""The guard of baktui serve, without a browser: aiohttp's test client against the server's app.

Nothing is reachable before signing in; the session is a random key to a login kept on the
server; forms and websockets from another site are refused; a download goes only to the
session whose app made it; the app process gets the login from the server, never from the
server's own environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from baktui.services import users
from baktui.web import LOGIN_ENV
from baktui.web.server import (
    COOKIE,
    MAX_FAILURES,
    BaktuiServer,
    Sessions,
    SignedInAppService,
    app_command,
    client_address,
    content_disposition,
)

PASSWORD = "alice-mot-de-passe"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "utilisateurs"
    users.add_user("alice", PASSWORD, path=path)
    users.add_user("bob", "bob-mot-de-passe", path=path)
    return path


@pytest.fixture
def server(users_file: Path, tmp_path: Path) -> BaktuiServer:
    return BaktuiServer(str(tmp_path / "base.sqlite"), users_file=users_file, failure_delay=0)


@pytest.fixture
async def client(server: BaktuiServer) -> AsyncIterator[TestClient]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep the cookies of 127.0.0.1
    async with TestClient(TestServer(await server._make_app()), cookie_jar=jar) as test_client:
        yield test_client


async def sign_in(client: TestClient, login: str = "alice", password: str = PASSWORD) -> int:
    answer = await client.post(
        "/connexion",
        data={"identifiant": login, "mot_de_passe": password},
        allow_redirects=False,
    )
    return answer.status


async def test_nothing_is_served_before_signing_in(client: TestClient) -> None:
    answer = await client.get("/", allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == "/connexion"
    for path in ("/ws", "/download/abc", "/static/js/textual.js", "/deconnexion"):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status in (401, 405), path
    page = await client.get("/connexion")
    assert page.status == 200
    html = await page.text()
    assert "Identifiant" in html and "Mot de passe" in html
    assert page.headers["X-Frame-Options"] == "DENY"


async def test_a_wrong_password_gives_no_session(client: TestClient) -> None:
    answer = await client.post(
        "/connexion", data={"identifiant": "alice", "mot_de_passe": "faux"}, allow_redirects=False
    )
    assert answer.status == 401
    assert "Identifiant ou mot de passe incorrect." in await answer.text()
    assert COOKIE not in answer.cookies
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_the_right_password_opens_a_session_kept_on_the_server(
    client: TestClient, server: BaktuiServer
) -> None:
    answer = await client.post(
        "/connexion", data={"identifiant": "Alice", "mot_de_passe": PASSWORD},
        allow_redirects=False,
    )  # fmt: skip
    assert answer.status == 303 and answer.headers["Location"] == "/"
    cookie = answer.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert server.sessions.login_of(cookie.value) == "alice"
    page = await client.get("/")
    assert page.status == 200
    assert "baktui — alice" in await page.text()
    assert (await client.get("/static/js/textual.js")).status == 200


async def test_a_forged_cookie_signs_nobody_in(client: TestClient) -> None:
    client.session.cookie_jar.update_cookies({COOKIE: "alice"})
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_a_form_from_another_site_is_refused(client: TestClient) -> None:
    answer = await client.post(
        "/connexion",
        data={"identifiant": "alice", "mot_de_passe": PASSWORD},
        headers={"Origin": "https://ailleurs.example"},
        allow_redirects=False,
    )
    assert answer.status == 403
    assert await sign_in(client) == 303
    answer = await client.get("/ws", headers={"Origin": "https://ailleurs.example"})
    assert answer.status == 403


async def test_signing_out_and_removal_end_the_session(
    client: TestClient, users_file: Path
) -> None:
    assert await sign_in(client) == 303
    assert (await client.post("/deconnexion", allow_redirects=False)).status == 303
    assert (await client.get("/", allow_redirects=False)).status == 303
    assert await sign_in(client) == 303
    users.remove_user("alice", path=users_file)
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_repeated_wrong_passwords_block_the_login_then_the_address(
    client: TestClient, server: BaktuiServer
) -> None:
    for _ in range(MAX_FAILURES):
        assert await sign_in(client, password="faux") == 401
    assert await sign_in(client) == 429  # even the right one, for a quarter of an hour
    assert await sign_in(client, "bob", "bob-mot-de-passe") == 303  # bob is not locked out
    server.limits = (MAX_FAILURES, MAX_FAILURES + 2)
    assert await sign_in(client, "carole", "faux") == 401
    assert await sign_in(client, "carole", "faux") == 401
    assert await sign_in(client, "bob", "bob-mot-de-passe") == 429  # this address, now


async def test_a_download_goes_only_to_the_session_that_made_it(
    client: TestClient, server: BaktuiServer
) -> None:
    service = SimpleNamespace(login="bob", app_service_id="x")
    await server.download_manager.create_download(
        app_service=service,  # type: ignore[arg-type]
        delivery_key="cle",
        file_name="releve.pdf",
        open_method="download",
        mime_type="application/pdf",
    )
    assert await sign_in(client) == 303  # alice
    answer = await client.get("/download/cle")
    assert answer.status == 404


def test_sessions_end_after_their_idle_time() -> None:
    now = [0.0]
    sessions = Sessions(idle=60, clock=lambda: now[0])
    token = sessions.open("alice")
    now[0] = 59
    assert sessions.login_of(token) == "alice"  # seen again: its idle time starts again
    now[0] = 118
    assert sessions.login_of(token) == "alice"
    now[0] = 179
    assert sessions.login_of(token) is None
    assert sessions.login_of(None) is None and sessions.login_of("") is None
    stale = sessions.open("bob")
    now[0] = 300
    sessions.open("carole")  # the sessions left idle are let go
    assert len(sessions) == 1 and sessions.login_of(stale) is None


def test_the_app_process_gets_the_login_from_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(LOGIN_ENV, "mallory")  # in the server's own environment
    service = SignedInAppService(
        app_command("/srv/dec/bac 2026.sqlite"),
        login="alice",
        write_bytes=None,  # type: ignore[arg-type]
        write_str=None,  # type: ignore[arg-type]
        close=None,  # type: ignore[arg-type]
        download_manager=None,  # type: ignore[arg-type]
    )
    environment = service._build_environment(80, 24)
    assert environment[LOGIN_ENV] == "alice"
    assert environment["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
    assert service.command.startswith("exec ")  # the shell gives way to baktui
    assert service.command.endswith("-m baktui --db '/srv/dec/bac 2026.sqlite'")


def test_a_file_name_is_given_whole_to_the_browser() -> None:
    assert content_disposition("relevé;1.pdf") == (
        "attachment; filename=\"relev__1.pdf\"; filename*=UTF-8''relev%C3%A9%3B1.pdf"
    )


def test_behind_the_proxy_the_address_is_the_one_it_adds() -> None:
    from unittest import mock

    from aiohttp.test_utils import make_mocked_request

    def request(peer: str, forwarded: str) -> web.Request:
        transport = mock.Mock()
        transport.get_extra_info.return_value = (peer, 40000)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return make_mocked_request("POST", "/connexion", headers=headers, transport=transport)

    assert client_address(request("127.0.0.1", "6.6.6.6, 10.1.2.3")) == "10.1.2.3"
    assert client_address(request("127.0.0.1", "")) == "127.0.0.1"
    assert client_address(request("10.9.9.9", "1.2.3.4")) == "10.9.9.9"  # not from the proxy
