"""Shared fixtures: a throwaway database per test, with the 2026 session opened; the small demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baktui.data import db as dbmod
from baktui.demo import SMALL_CANDIDATES, DemoSummary, build_demo
from baktui.services.sessions import SessionInfo, open_registre


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    """An empty baktui database file, opened and bound to the models."""
    path = tmp_path / "baktui.sqlite"
    dbmod.open_database(str(path), create=True)
    yield path
    dbmod.close_database()


@pytest.fixture
def session(db_path: Path) -> SessionInfo:
    """The 2026 session, its regulation loaded."""
    return open_registre(2026)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    """The small demo, built once per test module (closed): copy it before opening it."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    summary = build_demo(str(path), candidates=SMALL_CANDIDATES)
    dbmod.close_database()
    return path, summary


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's own database, configuration or data directory."""
    monkeypatch.delenv("BAKTUI_DB", raising=False)
    monkeypatch.delenv("BAKTUI_OUT", raising=False)
    monkeypatch.setenv("BAKTUI_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
