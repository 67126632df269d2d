"""Every screen at 80×24: a footer that fits, no English word left from a library, and the
palette and help in French."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, pin_login, settle
from textual.pilot import Pilot

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.demo import DemoSummary
from baktui.screens import registry

ENGLISH = re.compile(
    r"\b(No matches|Dismiss|Search for|usage:|options:|Loading|Cancel|Quit|Help|Press|Select)\b"
)


@pytest.fixture
def demo(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    yield path
    dbmod.close_database()


def lines(pilot: Pilot[None]) -> list[str]:
    return [strip.text for strip in pilot.app.screen._compositor.render_strips()]


async def test_every_screen_fits_80_columns_in_french(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for entry in registry.SCREENS:
            await pilot.press(entry.key)
            await settle(pilot)
            shown = lines(pilot)
            footer = shown[-1].rstrip()
            assert footer.startswith("F1 Aide"), (entry.mode, footer)
            assert len(footer) <= 80
            # every key shown whole: the footer ends with a complete description
            last_key = app.screen.query("FooterKey").last()
            assert footer.endswith(str(last_key.description)), (entry.mode, footer)
            text = "\n".join(shown)
            assert ENGLISH.findall(text) == [], entry.mode
            await pilot.press("f1")
            await settle(pilot)
            help_text = "\n".join(lines(pilot))
            assert ENGLISH.findall(help_text) == [], f"F1 on {entry.mode}"
            await pilot.press("f1")
            await settle(pilot)


async def test_the_home_footer_shows_the_palette_and_quit_at_80_columns(demo: Path) -> None:
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = lines(pilot)[-1]
        assert "Ctrl+P Commandes" in footer and "Ctrl+Q Quitter" in footer
    async with BaktuiApp(str(demo)).run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        footer = lines(pilot)[-1]
        for entry in registry.SCREENS[1:]:
            assert f"{entry.key.upper()} {entry.title}" in footer
