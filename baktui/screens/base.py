"""What every baktui screen shares: the frame, F1 help text, Escape, dialogs and messages.

A top-level screen (one per F-key, see :mod:`baktui.screens.registry`) subclasses
:class:`BaktuiScreen`, sets ``HELP`` (markdown, in French) and ``SUB_TITLE``, and yields its own
widgets from :meth:`BaktuiScreen.compose_content`; the header, status bar and footer come from the
base class. Escape pops a pushed screen, and on the root screen of a mode goes back home.

Messages to the user follow one convention (:meth:`BaktuiScreen.say`, :meth:`BaktuiScreen.warn`,
:meth:`BaktuiScreen.fail`), and a thread worker that raises shows its French message instead of
crashing the app (:meth:`BaktuiScreen.on_worker_state_changed`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from baktui.data.db import current_database
from baktui.errors import DatabaseError, ServiceError
from baktui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from baktui.app import BaktuiApp

# How long messages stay on screen (seconds): errors stay until read.
NOTIFY_TIMEOUT = 4.0
WARN_TIMEOUT = 8.0
ERROR_TIMEOUT = 15.0


@contextmanager
def worker_connection() -> Iterator[None]:
    """Give a thread worker its own database connection, closed when the work is done.

    peewee connections are per thread; closing ours keeps a pooled thread from holding a file
    handle on the shared database between refreshes.
    """
    db = current_database()
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield
    finally:
        if opened and not db.is_closed():
            db.close()


def error_text(error: BaseException | None) -> str:
    """The French message shown for an error raised by a service or the database."""
    if isinstance(error, ServiceError | DatabaseError):
        return str(error)
    if error is None:
        return "Erreur inconnue."
    return f"Erreur inattendue ({type(error).__name__}) : {error}"


class BaktuiScreen(Screen[None]):
    """Base of every baktui screen: header, status bar, footer, F1 help text and Escape."""

    HELP: ClassVar[str | None] = "Pas d'aide particulière pour cet écran."
    """Markdown (French) shown by F1, above the list of keys of the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="back"),
    ]

    @property
    def baktui(self) -> BaktuiApp:
        """The app, typed (screens read the session and the database target from it)."""
        return cast("BaktuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield from self.compose_content()
        yield StatusBar()
        yield Footer(compact=True, show_command_palette=False)

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

    def action_back(self) -> None:
        """Escape: close a pushed screen, or go home from a mode's root screen."""
        if not self.is_mode_root:
            self.dismiss()
        elif self.app.current_mode != "home":
            self.baktui.action_goto("home")

    # --- Messages ----------------------------------------------------------------------------

    def say(self, message: str, title: str = "") -> None:
        """A short confirmation ("Note enregistrée.")."""
        self.notify(message, title=title, timeout=NOTIFY_TIMEOUT)

    def warn(self, message: str, title: str = "") -> None:
        """Something the user should look at, nothing was refused."""
        self.notify(message, title=title, severity="warning", timeout=WARN_TIMEOUT)

    def fail(self, message: str, title: str = "Refusé") -> None:
        """A refused operation or an error: stays long enough to be read aloud on the phone."""
        self.notify(message, title=title, severity="error", timeout=ERROR_TIMEOUT)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed (``exit_on_error=False``) shows its message instead of crashing."""
        if event.state == WorkerState.ERROR:
            self.fail(error_text(event.worker.error), title="Erreur")


class ConfirmModal(ModalScreen[bool]):
    """Ask a yes/no question; dismisses True (O, or Entrée on « Oui ») or False (N, Échap).

    Usage: ``self.app.push_screen(ConfirmModal("Supprimer ?"), callback)`` or, inside a worker,
    ``await self.app.push_screen_wait(ConfirmModal(...))``.
    """

    HELP: ClassVar[str | None] = (
        "Répondez **O** (oui) ou **N** (non). **Échap** annule, **Entrée** valide le bouton "
        "sélectionné, **Tab** passe d'un bouton à l'autre."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o,y", "answer(True)", "Oui", id="confirm-yes"),
        Binding("n", "answer(False)", "Non", id="confirm-no"),
        Binding("escape", "answer(False)", "Annuler", id="confirm-cancel"),
        Binding("left,right", "app.focus_next", "Changer de bouton", show=False, id="confirm-move"),
    ]

    def __init__(
        self,
        question: str,
        *,
        title: str = "Confirmation",
        yes: str = "Oui",
        no: str = "Non",
        default: bool = False,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.dialog_title = title
        self.yes_label = yes
        self.no_label = no
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = self.dialog_title
            yield Static(self.question, classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (O)", id="yes", variant="primary", compact=True)
                yield Button(f"{self.no_label} (N)", id="no", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#yes" if self.default else "#no").focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one value in a short list (arrows + Entrée); dismisses its key, or None on Échap."""

    HELP: ClassVar[str | None] = (
        "Choisissez avec **↑** / **↓** puis **Entrée**. **Échap** annule sans rien changer."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="choice-cancel"),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        *,
        current: str | None = None,
        prompt: str = "",
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.dialog_title = title
        self.choices = list(choices)
        self.current = current
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = self.dialog_title
            if self.prompt:
                yield Static(self.prompt, classes="dialog-text", markup=False)
            yield OptionList(
                *(
                    Option(label + ("  (actuelle)" if key == self.current else ""), id=key)
                    for key, label in self.choices
                ),
                compact=True,
            )
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [key for key, _ in self.choices]
        if self.current in keys:
            options.highlighted = keys.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
