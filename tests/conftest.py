"""Shared fixtures: a throwaway database per test, with the 2026 session opened; the small demo.

The engine: SQLite files by default; ``pytest --engine postgresql`` (or ``BAKTUI_TEST_DB=postgresql``)
gives every test a database of its own on the server ``BAKTUI_TEST_POSTGRES`` instead (see the
« Both engines » helpers in helpers.py). Tests about SQLite files themselves are marked
``@pytest.mark.sqlite_only("why")`` and skipped there, with that reason.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    CREATED_DATABASES,
    POSTGRES_SERVER,
    drop_demo_master,
    drop_postgres_databases,
    new_base,
    on_postgresql,
    set_engine,
    small_demo,
)

from baktui.data import db as dbmod
from baktui.demo import DemoSummary
from baktui.services.sessions import SessionInfo, open_registre

ENGINE_CHOICES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=ENGINE_CHOICES,
        default=None,
        help="moteur des bases des tests : sqlite (défaut, ou BAKTUI_TEST_DB) ou postgresql "
        "(sur le serveur BAKTUI_TEST_POSTGRES)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): test about SQLite files themselves, skipped on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "pilot: drives the application (Textual Pilot, snapshots): given by conftest"
    )
    engine = config.getoption("engine") or os.environ.get("BAKTUI_TEST_DB") or "sqlite"
    if engine not in ENGINE_CHOICES:
        raise pytest.UsageError(f"BAKTUI_TEST_DB={engine} : sqlite ou postgresql")
    if engine == "postgresql" and not POSTGRES_SERVER:
        raise pytest.UsageError(
            "--engine postgresql demande BAKTUI_TEST_POSTGRES (un serveur où créer des bases, "
            "ex. postgresql://postgres@/postgres avec PGHOST)"
        )
    set_engine(engine)


def pytest_report_header(config: pytest.Config) -> str:
    return f"baktui : bases {'PostgreSQL' if on_postgresql() else 'SQLite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # the tests that drive the app (async: Textual's Pilot; or screenshots): `-m "not pilot"`
    # runs the rest, the services and commands the screens call
    for item in items:
        function = getattr(item, "function", None)
        fixtures = getattr(item, "fixturenames", ())
        if inspect.iscoroutinefunction(function) or "snap_compare" in fixtures:
            item.add_marker(pytest.mark.pilot)
    if not on_postgresql():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite seulement : {reason}"))


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """The PostgreSQL databases a test made are dropped after it (those of a module's or the
    session's fixtures, made before, at the end of the run)."""
    before = set(CREATED_DATABASES)
    yield
    made = [name for name in CREATED_DATABASES if name not in before]
    if made:
        dbmod.close_database()
        drop_postgres_databases(made)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if on_postgresql():
        dbmod.close_database()
        drop_postgres_databases(list(CREATED_DATABASES))
        drop_demo_master()


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[str]:
    """An empty baktui base, opened and bound to the models: its target (a SQLite file path,
    or a PostgreSQL URL)."""
    target = new_base(tmp_path / "baktui.sqlite")
    dbmod.open_database(target, create=True)
    yield target
    dbmod.close_database()


@pytest.fixture
def session(db_path: str) -> SessionInfo:
    """The 2026 session, its regulation loaded."""
    return open_registre(2026)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoSummary]:
    """The small demo, built once per test module (closed): copy it (copy_base) before opening
    it. On PostgreSQL, a template database per module."""
    return small_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's own database, configuration or data directory."""
    monkeypatch.delenv("BAKTUI_DB", raising=False)
    monkeypatch.delenv("BAKTUI_OUT", raising=False)
    monkeypatch.setenv("BAKTUI_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
