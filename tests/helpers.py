"""Test helpers shared by several modules: a known candidate in the demo, headless-app steps."""

from __future__ import annotations

import asyncio
import os
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from baktui.data import audit
from baktui.data import db as dbmod
from baktui.data.models import Etablissement
from baktui.screens import registry
from baktui.services.registration import CandidateData, register_candidate

HELENE_INE = "123456789AB"


def register_helene(session_id: int) -> None:
    """Register Hélène Lefèvre (STMG, accents in both names) in the open database."""
    register_candidate(
        session_id,
        CandidateData(
            ine=HELENE_INE,
            last_name="Lefèvre",
            first_name="Hélène",
            birth_date=None,
            series="STMG",
            sub_choice="GF",
            lva="ANG",
            lvb="ESP",
            etablissement_id=Etablissement.select().first().id,
            phone="0612345678",
        ),
    )


def pin_login(monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    """Make the OS account recorded in the audit log (and shown on screen) ``login``."""
    monkeypatch.setattr(audit, "os_login", lambda: login)


def office_screens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The home, lookup and registrations screens only, the office's login, documents kept in
    ``tmp_path``."""
    monkeypatch.setattr(
        registry,
        "SCREENS",
        (registry.entry("home"), registry.entry("lookup"), registry.entry("registrations")),
    )
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))


async def _workers_done(pilot: Pilot[None]) -> None:
    """Wait for every running worker; an exclusive worker replaced by a newer one (cancelled,
    as typing fast does) is expected, not a failure."""
    for worker in list(pilot.app.workers):
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


async def settle(pilot: Pilot[None]) -> None:
    """Let the workers finish and their results reach the screen (three rounds: chained workers),
    and every key typed so far be handled (the app's key order may still hold some)."""
    for _ in range(3):
        await pilot.pause()
        await _workers_done(pilot)
    order = getattr(pilot.app, "key_order", None)
    for _ in range(200):  # at most a few seconds on a loaded machine
        if order is None or not order.busy:
            break
        await pilot.pause(0.01)
        await _workers_done(pilot)
    await pilot.pause()


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


def held(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> threading.Event:
    """Hold ``module.name`` (a service a screen calls in its worker) until the event is set: the
    keys the test presses meanwhile are typed while the write is running."""
    real = getattr(module, name)
    gate = threading.Event()

    def slow(*args: object, **kwargs: object) -> object:
        assert gate.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
    return gate


# --- Both engines ---------------------------------------------------------------------------

POSTGRES_SERVER = os.environ.get("BAKTUI_TEST_POSTGRES", "")
ENGINES = ["sqlite", "postgresql"]  # pytest params of the fixtures that run on both


def postgres_admin(sql: str) -> None:
    """Run one statement on the test server (CREATE or DROP DATABASE), autocommit."""
    import psycopg2

    connection = psycopg2.connect(POSTGRES_SERVER)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


@contextmanager
def engine_database(engine: str, tmp_path: Path) -> Iterator[str]:
    """Open a fresh empty base on that engine (a SQLite file, or a throw-away PostgreSQL
    database on ``BAKTUI_TEST_POSTGRES``, skipped without one); its target; dropped after."""
    name = ""
    if engine == "sqlite":
        target = str(tmp_path / "bac.sqlite")
        dbmod.open_database(target, create=True)
    else:
        if not POSTGRES_SERVER:
            pytest.skip("BAKTUI_TEST_POSTGRES non défini")
        name = f"baktui_test_{uuid.uuid4().hex[:12]}"
        postgres_admin(f"CREATE DATABASE {name}")
        target = f"{POSTGRES_SERVER.rsplit('/', 1)[0]}/{name}"
        dbmod.open_database(target)
    try:
        yield target
    finally:
        dbmod.close_database()
        if name:
            postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# the keys a terminal names, with the character they type
NAMED_CHARACTERS = {"space": " ", "comma": ",", "full_stop": ".", "slash": "/", "minus": "-",
                    "plus": "+", "apostrophe": "'"}  # fmt: skip


def burst(app: object, keys: Sequence[str]) -> None:
    """Post every key at once, with no pause, as ``tmux send-keys`` or an SSH read delivers
    them: the app sees one burst (``pilot.press`` waits for the app between keys)."""
    for key in keys:
        character = NAMED_CHARACTERS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))  # type: ignore[attr-defined]


def keys_waiting(pilot: Pilot[None]) -> bool:
    """Whether the app's key order still holds keys typed so far."""
    order = getattr(pilot.app, "key_order", None)
    return order is not None and order.busy


def keys_of(text: str) -> list[str]:
    names = {c: name for name, c in NAMED_CHARACTERS.items()}
    return [names.get(c, c) for c in text]


async def drained(pilot: Pilot[None], seconds: float = 10.0) -> None:
    """Wait until every key of a burst was handled and the workers it started are done."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        await settle(pilot)
        order = getattr(pilot.app, "key_order", None)
        if order is None or not order.busy:
            await settle(pilot)
            return
    raise AssertionError("keys still waiting after the burst")


# headers whose values are identifiers: text even when made of digits (INE, numbers, UAI…)
IDENTIFIER_HEADERS = re.compile(
    r"INE|n°|numéro|numero|UAI|code|postal|téléphone|telephone|identifiant|IBAN|RIB|banc|jury|lot",
    re.I,
)
_NUMBER_TEXT = re.compile(r"^-?\d[\d  ]*([,.]\d+)?( ?€)?$")


def assert_office_workbook(path: Path) -> dict[str, list[str]]:
    """Every sheet of a workbook the app wrote is as colleagues expect it: a bold frozen header,
    a filter, widths from the content, A4, numbers stored as numbers (no « '13,55 » text) and
    dates as dates. Returns each sheet's header, for the caller's own checks."""
    from openpyxl import load_workbook
    from openpyxl.utils.cell import coordinate_from_string

    workbook = load_workbook(path)
    headers: dict[str, list[str]] = {}
    for sheet in workbook.worksheets:
        if sheet.max_row < 2:
            continue
        assert sheet.freeze_panes, f"{sheet.title}: no frozen header"
        header_row = coordinate_from_string(sheet.freeze_panes)[1] - 1
        header = [str(c.value or "") for c in sheet[header_row]]
        headers[sheet.title] = header
        assert all(c.font.b for c in sheet[header_row] if c.value), f"{sheet.title}: header"
        assert sheet.auto_filter.ref, f"{sheet.title}: no filter"
        assert sheet.page_setup.paperSize in (9, "9"), f"{sheet.title}: not A4"
        for index, title in enumerate(header, 1):
            letter = sheet.cell(header_row, index).column_letter
            width = sheet.column_dimensions[letter].width
            assert width and width >= len(title) * 0.8, f"{sheet.title}.{title}: width {width}"
            for row in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                value = row[0].value
                if isinstance(value, str) and not IDENTIFIER_HEADERS.search(title):
                    assert not _NUMBER_TEXT.match(value), f"{sheet.title}.{title}: « {value} »"
                    assert not re.match(r"^\d\d/\d\d/\d{4}$", value), f"{title}: date as text"
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert row[0].number_format, f"{sheet.title}.{title}: no number format"
    return headers
