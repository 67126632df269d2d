"""The status line above the footer: who is typing, on which session, in which database.

On a shared server several staff work at once, sometimes on a copy or a demo: the line says
which base is open so nobody types real grades into the demo.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from baktui.services.sessions import SessionInfo


def database_name(target: str) -> str:
    """The base as the status line names it: the file name (the full path is in F1)."""
    if "://" in target and not target.startswith("sqlite:///"):
        return target
    return target.rstrip("/").rsplit("/", 1)[-1] or target


def status_text(login: str, session: SessionInfo | None, database: str) -> Text:
    """The status line's content (a pure function, so that tests can check it)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(login or "?", style="bold")
    text.append(" │ ")
    if session is None:
        text.append("aucune session", style="bold")
    else:
        text.append(f"session {session.year}", style="bold")
        if session.kind != "normale":
            text.append(f" ({session.kind})")
        text.append(f" · {session.phase_label}")
    text.append(" │ base ")
    text.append(database_name(database), style="bold")
    return text


class StatusBar(Static):
    """One line: login │ session · phase │ database. Follows the app's session changes."""

    DEFAULT_CSS = """
    StatusBar {
        dock: bottom;
        margin-bottom: 1;  /* docked widgets overlap: stay just above the footer */
        height: 1;
        width: 100%;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        signal = getattr(self.app, "session_changed", None)
        if signal is not None:
            signal.subscribe(self, self._session_changed)
        self._render_status()

    def _session_changed(self, _session: Any) -> None:
        self._render_status()

    def _render_status(self) -> None:
        app = self.app
        self.update(
            status_text(
                getattr(app, "login", ""),
                getattr(app, "session", None),
                getattr(app, "db_label", ""),
            )
        )
