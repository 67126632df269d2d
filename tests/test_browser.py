"""baktui serve in a real headless browser: Debian's chromium driven by Playwright.

The server runs as the office would run it (``python -m baktui --db DEMO serve --port N``) on a
copy of the small demo, with a users file of two people; the browser signs in, works with the
keyboard only, and receives the documents. The screen is read from what the server sends down
the websocket (the terminal draws on a canvas): the text of the frames, escape codes removed.

Locally, without chromium, these tests are skipped; under CI (``.ci/run`` installs chromium) its
absence is a failure. Every request the page makes to another address than the server is
aborted: the tests never leave this machine.
"""

from __future__ import annotations

import codecs
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import copy_base, raw_rows

from baktui.demo import DemoSummary
from baktui.services import users

CHROMIUM = Path("/usr/bin/chromium")
PASSWORDS = {"alice": "alice-mot-de-passe", "bob": "bob-mot-de-passe"}
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78cM]")  # fmt: skip
WAIT = 20.0  # seconds for any screen to show (a loaded CI machine)


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright absent (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"chromium absent ({CHROMIUM}) : apt-get install chromium (.ci/run l'installe)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium() -> None:
    missing = _browser_missing()
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"les tests du navigateur doivent tourner en CI : {missing}")
    pytest.skip(missing)


@dataclass(frozen=True)
class Served:
    url: str
    db: Path
    documents: Path
    log: Path


@dataclass(frozen=True)
class Someone:
    last: str
    first: str
    ine: str
    candidate_id: int

    @property
    def shown(self) -> str:  # how F2 and the card print the name
        return f"{self.last.upper()} {self.first}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(
    demo_file: tuple[Path, DemoSummary], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``baktui serve`` on a copy of the small demo, alice and bob in its users file."""
    folder = tmp_path_factory.mktemp("serve")
    db = copy_base(demo_file[0], folder / "demo.sqlite")
    config = folder / "config.toml"  # absent: the users file is next to it
    for login, password in PASSWORDS.items():
        users.add_user(login, password, path=folder / "utilisateurs")
    port = _free_port()
    env = {
        **os.environ,
        "BAKTUI_CONFIG": str(config),
        "BAKTUI_OUT": str(folder / "documents"),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_STATE_HOME": str(folder / "state"),
    }
    env.pop("BAKTUI_DB", None)
    log = folder / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "baktui", "--db", str(db), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"{url}/connexion", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield Served(url, db, folder / "documents", log)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


def _people(db: Path, count: int) -> list[Someone]:
    """Validated candidates whose plain ASCII name no one else has."""
    rows = raw_rows(
        str(db),
        "SELECT c.last_name, c.first_name, c.ine, c.id FROM candidate c "
        "WHERE c.state = 'validee' AND (SELECT count(*) FROM candidate d "
        "WHERE d.last_name = c.last_name AND d.first_name = c.first_name) = 1 ORDER BY c.id",
    )
    plain = [Someone(*row) for row in rows if (row[0] + row[1]).isascii() and row[0].isalpha()]
    assert len(plain) >= count
    return plain[:count]


def _authors(db: Path, candidate_id: int) -> list[str]:
    """Who the audit log names for the documents recorded on a candidate."""
    sql = f"SELECT who FROM audit_log WHERE entity = 'document' AND candidate_id = {candidate_id:d}"
    return [who for (who,) in raw_rows(str(db), sql)]


@dataclass
class Page:
    """A browser page on baktui serve, and the text the server has drawn on it so far."""

    page: object
    login: str
    drawn: list[str] = field(default_factory=list)

    def text(self, since: int = 0) -> str:
        return ANSI.sub("", "".join(self.drawn[since:]))

    def mark(self) -> int:
        return len(self.drawn)

    def wait_for(self, what: str, since: int, log: Path) -> None:
        deadline = time.monotonic() + WAIT
        while what not in self.text(since):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.login} : « {what} » jamais affiché ; écran reçu : "
                    f"{self.text(since)[-800:]!r}\nserveur : {log.read_text(errors='replace')}"
                )
            self.page.wait_for_timeout(50)  # type: ignore[attr-defined]


def _open(browser: object, served: Served, login: str) -> Page:
    """A new browser (its own cookies), signed in as ``login``, on the home screen."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1000, "height": 600})  # type: ignore[attr-defined]
    here = re.escape(served.url.split("://", 1)[1])
    context.route(re.compile(rf"^(?!(?:http|ws)://{here}/).*"), lambda route: route.abort())
    page = context.new_page()
    shown = Page(page, login)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def frames(websocket: object) -> None:
        websocket.on(  # type: ignore[attr-defined]
            "framereceived",
            lambda data: shown.drawn.append(
                decoder.decode(data) if isinstance(data, bytes) else ""
            ),
        )

    page.on("websocket", frames)
    page.goto(f"{served.url}/")
    assert page.url.endswith("/connexion")  # nothing without signing in
    page.fill("#identifiant", login)
    page.fill("#mot_de_passe", PASSWORDS[login])
    page.click("#se-connecter")
    shown.wait_for("À traiter", 0, served.log)
    shown.wait_for(f"web:{login} │", 0, served.log)  # the status line: whom the audit records
    return shown


def _print_confirmation(shown: Page, someone: Someone, served: Served) -> object:
    """F2, the name, Enter on the card, p: the download the browser received."""
    mark = shown.mark()
    shown.page.keyboard.press("F2")  # type: ignore[attr-defined]
    shown.wait_for("Recherche d'un candidat", mark, served.log)
    mark = shown.mark()
    shown.page.keyboard.type(f"{someone.first.lower()} {someone.last.lower()}")  # type: ignore[attr-defined]
    shown.wait_for(someone.shown, mark, served.log)
    mark = shown.mark()
    shown.page.keyboard.press("Enter")  # type: ignore[attr-defined]
    shown.wait_for(f"INE {someone.ine}", mark, served.log)
    with shown.page.expect_download(timeout=WAIT * 1000) as download:  # type: ignore[attr-defined]
        shown.page.keyboard.press("p")  # type: ignore[attr-defined]
    return download.value


def test_a_signed_in_browser_finds_a_candidate_and_downloads_the_confirmation_pdf(
    served: Served, browser: object
) -> None:
    from pypdf import PdfReader

    someone = _people(served.db, 1)[0]
    shown = _open(browser, served, "alice")
    download = _print_confirmation(shown, someone, served)
    name = download.suggested_filename  # type: ignore[attr-defined]
    assert name.startswith("confirmation-inscription-") and name.endswith(".pdf")
    received = Path(download.path())  # type: ignore[attr-defined]
    assert received.read_bytes().startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(received).pages)
    assert someone.last.upper() in text.upper() and someone.ine in text
    assert received.read_bytes() == (served.documents / name).read_bytes()  # the same file
    assert _authors(served.db, someone.candidate_id) == ["web:alice"]
    shown.page.context.close()  # type: ignore[attr-defined]


def test_two_people_signed_in_at_once_each_write_under_their_own_login(
    served: Served, browser: object
) -> None:
    first, second = _people(served.db, 3)[1:]
    alice = _open(browser, served, "alice")
    bob = _open(browser, served, "bob")
    assert "web:alice" not in bob.text() and "web:bob" not in alice.text()
    _print_confirmation(bob, second, served)
    _print_confirmation(alice, first, served)
    assert _authors(served.db, first.candidate_id) == ["web:alice"]
    assert _authors(served.db, second.candidate_id) == ["web:bob"]
    for shown in (alice, bob):
        shown.page.context.close()  # type: ignore[attr-defined]
