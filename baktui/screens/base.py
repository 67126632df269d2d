"""What every baktui screen shares: the frame, F1 help text, Escape and messages.

A top-level screen (one per F-key, see :mod:`baktui.screens.registry`) subclasses
:class:`BaktuiScreen`, sets ``HELP`` (markdown, in French) and ``SUB_TITLE``, and yields its own
widgets from :meth:`BaktuiScreen.compose_content`; the header, status bar and footer come from the
base class. Escape pops a pushed screen, and on the root screen of a mode goes back home.

Messages to the user follow one convention (``say``, ``warn``, ``fail`` of
:class:`baktui.widgets.feedback.Messages`), and a thread worker that raises shows its French
message instead of crashing the app. The dialogs are in
:mod:`baktui.widgets.dialogs`, the worker plumbing in :mod:`baktui.widgets.feedback`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header

from baktui.widgets.feedback import Messages
from baktui.widgets.footer import FittedFooter
from baktui.widgets.key_order import WaitsForWorkers
from baktui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from baktui.app import BaktuiApp


class BaktuiScreen(WaitsForWorkers, Messages, Screen[None]):
    """Base of every baktui screen: header, status bar, footer, F1 help text and Escape; the keys
    typed while one of its workers of ``KEYS_WAIT_FOR`` runs wait for it
    (:class:`~baktui.widgets.key_order.WaitsForWorkers`)."""

    HELP: ClassVar[str | None] = "Pas d'aide particulière pour cet écran."
    """Markdown (French) shown by F1, above the list of keys of the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="screen.back"),
    ]

    @property
    def baktui(self) -> BaktuiApp:
        """The app, typed (screens read the session and the database target from it)."""
        return cast("BaktuiApp", self.app)

    def hold_keys(self) -> None:
        """Keys typed from now wait, in order, until :meth:`keys_ready` (an answer the screen
        waits for outside a worker of :attr:`KEYS_WAIT_FOR`)."""
        order = getattr(self.app, "key_order", None)
        if order is not None:
            order.hold(self)

    def keys_ready(self) -> None:
        order = getattr(self.app, "key_order", None)
        if order is not None:
            order.release(self)

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield from self.compose_content()
        yield StatusBar()
        yield FittedFooter(compact=True, show_command_palette=False)

    def compose_content(self) -> ComposeResult:
        """The screen's own widgets, between the header and the status bar."""
        yield from ()

    # --- Escape: back, or home from the root of a mode -------------------------------------

    @property
    def is_mode_root(self) -> bool:
        """True for the first screen of a mode's stack (the one its F-key shows)."""
        stack = self.app.screen_stack
        return bool(stack) and stack[0] is self

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            # Nothing to go back to from the home screen itself.
            return not (self.is_mode_root and self.app.current_mode == "home")
        return True

    def cancel_job(self, typed_at: float | None) -> bool:
        """Stop the screen's long job (its progress line) for an Échap typed at ``typed_at``;
        whether one was stopped. A key typed before the job began was meant for what follows
        it (« o » then Échap in one burst: the confirmation, then the report), not to stop it."""
        from baktui.widgets.job_progress import JobProgress

        return any(job.cancel(typed_at) for job in self.query(JobProgress))

    def action_back(self) -> None:
        """Escape: cancel the screen's running job (its progress line), else close a pushed
        screen, or go home from a mode's root screen."""
        order = getattr(self.app, "key_order", None)
        if self.cancel_job(order.key_time if order is not None else None):
            return
        if not self.is_mode_root:
            self.dismiss()
        elif self.app.current_mode != "home":
            self.baktui.action_goto("home")


def focused_help(screen: Screen[object]) -> str | None:
    """HELP of the focused widget or of its nearest container that has one (not the screen's)."""
    node: Widget | None = screen.focused
    while node is not None and node is not screen:
        text = getattr(node, "HELP", None)
        if text:
            return text
        parent = node.parent
        node = parent if isinstance(parent, Widget) else None
    return None
