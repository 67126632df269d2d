"""Test helpers shared by several modules: a known candidate in the demo, headless-app steps."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual import events
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from baktui.data import audit
from baktui.data import db as dbmod
from baktui.data.models import ALL_MODELS, Etablissement, SchemaVersion
from baktui.demo import SMALL_CANDIDATES, DemoSummary, build_demo
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
#
# The suite runs on SQLite (default) or PostgreSQL (``pytest --engine postgresql`` or
# ``BAKTUI_TEST_DB=postgresql``, see conftest.py). A test never names a SQLite file for its base:
# it asks ``new_base`` for a fresh one and ``copy_base`` for a copy of another (the demo), and gets
# the target to give baktui (``open_database``, ``--db``, the app): a file on SQLite, a database of
# its own on the server on PostgreSQL, created from a template and dropped after the test.

POSTGRES_SERVER = os.environ.get("BAKTUI_TEST_POSTGRES", "")
ENGINES = ["sqlite", "postgresql"]  # pytest params of the fixtures that run on both
_ENGINE = {"name": "sqlite"}
CREATED_DATABASES: list[
    str
] = []  # PostgreSQL databases made by these helpers (conftest drops them)


def set_engine(name: str) -> None:
    """The engine of this run (conftest, from --engine); on PostgreSQL the fixtures
    parametrised over both engines run only there (the SQLite run has covered the other)."""
    _ENGINE["name"] = name
    if name == "postgresql":
        ENGINES[:] = ["postgresql"]


def on_postgresql() -> bool:
    """True when this run's bases are PostgreSQL databases."""
    return _ENGINE["name"] == "postgresql"


def postgres_admin(sql: str) -> None:
    """Run one statement on the test server (CREATE or DROP DATABASE), autocommit."""
    import psycopg2

    connection = psycopg2.connect(POSTGRES_SERVER)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


def server_target(name: str) -> str:
    """The URL of database ``name`` on the test server."""
    return f"{POSTGRES_SERVER.rsplit('/', 1)[0]}/{name}"


def database_name(target: str) -> str:
    """The database a PostgreSQL target names."""
    return target.rsplit("/", 1)[1]


def create_postgres_database(template: str | None = None) -> str:
    """A new database on the test server (empty, or a copy of the ``template`` target); its
    target. Dropped by conftest after the test (or the module) that made it."""
    if not POSTGRES_SERVER:
        pytest.skip("BAKTUI_TEST_POSTGRES non défini")
    name = f"bt_{uuid.uuid4().hex[:12]}"  # short: a screen shows the URL
    if template is None:
        postgres_admin(f"CREATE DATABASE {name}")
    else:
        source = database_name(template)
        # a template must have no connection: the test that used it may have left some
        postgres_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{source}' AND pid <> pg_backend_pid()"
        )
        postgres_admin(f"CREATE DATABASE {name} TEMPLATE {source}")
    CREATED_DATABASES.append(name)
    return server_target(name)


def drop_postgres_databases(names: Sequence[str]) -> None:
    """Drop those test databases (their connections are closed by force)."""
    for name in names:
        postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if name in CREATED_DATABASES:
            CREATED_DATABASES.remove(name)


_EMPTY_MASTER: list[str] = []  # PostgreSQL: a base with baktui's schema and nothing else


def new_base(path: Path) -> str:
    """The target of a fresh base for a test: the SQLite file ``path`` (not created: baktui
    ``init``, ``demo`` or ``open_database(create=True)`` do it), or on PostgreSQL a new database
    holding baktui's schema and no row (``path`` only says where the test would have put its
    file): a copy of one made once per process by ``open_database``, which takes 0.3 s on the
    server against 0.05 s for the copy."""
    if not on_postgresql():
        return str(path)
    if not _EMPTY_MASTER:
        master = create_postgres_database()
        CREATED_DATABASES.remove(database_name(master))  # kept for the whole run
        from baktui.data.migrations import migrate

        db = dbmod.make_database(master)  # beside the base the test may have open
        with db.bind_ctx(ALL_MODELS):
            db.connect()
            migrate(db)
            db.close()
        _EMPTY_MASTER.append(master)
    return create_postgres_database(template=_EMPTY_MASTER[0])


def copy_base(source: str | Path, path: Path) -> str:
    """A copy of the (closed) base ``source`` for one test, at ``path`` on SQLite (a file copy),
    from ``source`` as template on PostgreSQL; its target."""
    if on_postgresql():
        return create_postgres_database(template=str(source))
    shutil.copy(source, path)
    return str(path)


def base_exists(target: str) -> bool:
    """True when the base ``target`` names exists (a file, or a database on the server)."""
    if not dbmod.sqlite_path(target):
        import psycopg2

        connection = psycopg2.connect(POSTGRES_SERVER)
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database_name(target),))
            return cursor.fetchone() is not None
        finally:
            connection.close()
    return Path(target).exists()


def raw_rows(target: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query read by a connection of the driver itself (sqlite3 or psycopg2),
    beside baktui's: what a colleague's process, or someone with the base, sees."""
    path = dbmod.sqlite_path(target)
    if path is not None:
        import sqlite3

        with sqlite3.connect(path) as sqlite_connection:
            return sqlite_connection.execute(sql).fetchall()
    import psycopg2

    connection = psycopg2.connect(target)
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        connection.close()


def raw_connection(target: str) -> Any:
    """A connection of the driver itself (sqlite3 or psycopg2) to the base: a colleague's."""
    path = dbmod.sqlite_path(target)
    if path is not None:
        import sqlite3

        return sqlite3.connect(path, isolation_level=None, timeout=0)
    import psycopg2

    return psycopg2.connect(target)


def begin_write(connection: Any, statement: str) -> None:
    """Open a write transaction on a raw connection and leave it open (SQLite: its write lock)."""
    cursor = connection.cursor()
    if isinstance(connection, __import__("sqlite3").Connection):
        cursor.execute("BEGIN IMMEDIATE")
    cursor.execute(statement)


def lock_wait_ms(db: peewee.Database) -> int:
    """How long this thread's connection waits for a colleague's lock, in ms (SQLite's busy
    timeout, PostgreSQL's lock_timeout)."""
    if dbmod.is_sqlite(db):
        return int(db.execute_sql("PRAGMA busy_timeout").fetchone()[0])
    text = str(db.execute_sql("SHOW lock_timeout").fetchone()[0])
    number = int(re.match(r"\d+", text).group())  # type: ignore[union-attr]
    return number * {"ms": 1, "s": 1000, "min": 60_000}.get(text.lstrip("0123456789"), 1)


def sqlite_to_postgres(path: Path) -> str:
    """A new PostgreSQL database holding every row of the SQLite base ``path`` (the demo is
    built on SQLite, then copied): baktui's own schema, the rows read and written through the
    models (each engine's types), the sequences moved past the copied ids; its target. The
    models are bound to it afterwards, like ``open_database``."""
    target = create_postgres_database()
    dbmod.close_database()
    source = peewee.SqliteDatabase(str(path))
    models = [model for model in ALL_MODELS if model is not SchemaVersion]
    rows: dict[type[peewee.Model], list[tuple[object, ...]]] = {}
    with source.bind_ctx(models):
        for model in models:
            rows[model] = list(model.select(*model._meta.sorted_fields).tuples())
    source.close()
    db = dbmod.open_database(target)
    with db.atomic():
        db.execute_sql("SET LOCAL session_replication_role = replica")  # no trigger, no FK check
        for model in reversed(models):
            db.execute_sql(f'DELETE FROM "{model._meta.table_name}"')
        for model in models:
            fields = model._meta.sorted_fields
            for start in range(0, len(rows[model]), 2000):
                model.insert_many(rows[model][start : start + 2000], fields=fields).execute()
            key = model._meta.primary_key
            if isinstance(key, peewee.AutoField):
                table = model._meta.table_name
                db.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{key.column_name}'), "
                    f'COALESCE(MAX("{key.column_name}"), 0) + 1, false) FROM "{table}"'
                )
    db.execute_sql("ANALYZE")
    return target


_DEMO_MASTER: dict[str, tuple[str, DemoSummary]] = {}  # PostgreSQL: built once per process


def small_demo(folder: Path) -> tuple[str, DemoSummary]:
    """The small demo (600 candidates, seed 2026), closed: its target and summary. On SQLite a
    file built in ``folder``; on PostgreSQL a new database copied (as template) from one built
    once per process: the SQLite build copied into the server (see sqlite_to_postgres)."""
    if not on_postgresql():
        path = folder / "demo.sqlite"
        summary = build_demo(str(path), candidates=SMALL_CANDIDATES)
        dbmod.close_database()
        return str(path), summary
    if "demo" not in _DEMO_MASTER:
        path = folder / "demo-master.sqlite"
        summary = build_demo(str(path), candidates=SMALL_CANDIDATES)
        master = sqlite_to_postgres(path)
        dbmod.close_database()
        CREATED_DATABASES.remove(database_name(master))  # kept for the whole run
        _DEMO_MASTER["demo"] = (master, summary)
    master, summary = _DEMO_MASTER["demo"]
    target = create_postgres_database(template=master)
    return target, dataclasses.replace(summary, path=target)


def drop_demo_master() -> None:
    """At the end of the run: the PostgreSQL bases every copy came from."""
    if "demo" in _DEMO_MASTER:
        drop_postgres_databases([database_name(_DEMO_MASTER.pop("demo")[0])])
    if _EMPTY_MASTER:
        drop_postgres_databases([database_name(_EMPTY_MASTER.pop())])


@contextmanager
def engine_database(engine: str, tmp_path: Path) -> Iterator[str]:
    """Open a fresh empty base on that engine (a SQLite file, or a throw-away PostgreSQL
    database on ``BAKTUI_TEST_POSTGRES``, skipped without one); its target; dropped after."""
    name = ""
    if engine == "sqlite":
        target = str(tmp_path / "bac.sqlite")
        dbmod.open_database(target, create=True)
    else:
        target = create_postgres_database()
        name = database_name(target)
        dbmod.open_database(target)
    try:
        yield target
    finally:
        dbmod.close_database()
        if name:
            drop_postgres_databases([name])


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


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_baktui(args: Sequence[str], timeout: float = 300) -> Any:
    """``python -m baktui ARGS`` in a child process, stdout and stderr captured (not terminals)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "baktui", *args], capture_output=True, text=True, timeout=timeout
    )


def run_with_terminal_stderr(args: Sequence[str], timeout: float = 300) -> tuple[str, str, int]:
    """``python -m baktui ARGS`` with stderr on a pseudo-terminal of 120 columns (where the
    progress bars are drawn) and stdout captured: (what the terminal showed, without its
    escape codes; stdout; the exit code)."""
    import fcntl
    import pty
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TTY_INTERACTIVE", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "baktui", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=env, text=True,
    )  # fmt: skip
    os.close(slave)
    shown: list[bytes] = []

    def drain() -> None:  # the terminal must be read, or a long bar would block the child
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, _ = child.communicate(timeout=timeout)
    finally:
        reader.join(10)
        os.close(master)
    return ANSI.sub("", b"".join(shown).decode("utf-8", "replace")), out, child.returncode
