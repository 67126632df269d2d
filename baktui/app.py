"""The baktui application: one mode per F-key screen, global keys, title and command palette.

The modes come from :data:`baktui.screens.registry.SCREENS`: a screen and its F-key exist as soon
as its entry is there, and not before. Each mode keeps its own screen stack, so leaving a grade
slip with F2 and coming back finds it as it was. Nothing here touches the disk at import time:
the database is opened when the app mounts.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingsMap, BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.signal import Signal

from baktui.config import Config, get_config
from baktui.data import db as dbmod
from baktui.errors import DatabaseError
from baktui.rules.lifecycles import PHASE
from baktui.screens import registry
from baktui.screens.base import BaktuiScreen, focused_help
from baktui.screens.help import HelpScreen, help_markdown, keys_of
from baktui.screens.keys import binding_ids
from baktui.services import documents
from baktui.services.sessions import (
    KINDS,
    SessionInfo,
    current_session,
    list_sessions,
    session_info,
    set_phase,
)
from baktui.services.settings import current_login
from baktui.widgets.dialogs import ChoiceModal, ConfirmModal
from baktui.widgets.feedback import ERROR_TIMEOUT, error_text, worker_connection
from baktui.widgets.key_order import KeyOrder
from baktui.widgets.palette import AppCommands, Palette, ScreenKeys, Themes

APP_NAME = "baktui"
HOME_MODE = "home"

KEY_NAMES = {
    "escape": "Échap",
    "enter": "Entrée",
    "tab": "Tab",
    "space": "Espace",
    "backspace": "Retour arr.",
    "delete": "Suppr",
    "insert": "Inser",
    "home": "Début",
    "end": "Fin",
    "pageup": "Pg↑",
    "pagedown": "Pg↓",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}
MODIFIER_NAMES = {"ctrl": "Ctrl", "shift": "Maj", "alt": "Alt"}

# Shown by F1 under every screen's own help.
GLOBAL_HELP = """\
**Touches de partout** : F1 cette aide · {modes} · Ctrl+P commandes · Ctrl+Q quitter.
Chaque touche F garde son écran tel que vous l'avez laissé (une saisie en cours reste là).
**Échap** revient en arrière, puis à l'accueil. **Tab** passe d'un champ à l'autre.

Base ouverte : `{base}` · utilisateur inscrit au journal : {login}.
"""


class BaktuiApp(App[None], inherit_bindings=False):
    """The exam office's terminal: ``BaktuiApp(db_target).run()``."""

    CSS_PATH = "app.tcss"
    TITLE = APP_NAME
    COMMAND_PALETTE_BINDING = "ctrl+p"
    COMMANDS: ClassVar = {AppCommands, ScreenKeys}  # French, accents ignored (widgets/palette)
    NOTIFICATION_TIMEOUT = 6
    BINDINGS: ClassVar[list[BindingType]] = []  # see registry.app_bindings(): built per instance

    def __init__(
        self,
        db_target: str,
        config: Config | None = None,
        warnings: Iterable[str] = (),
        *,
        session_id: int | None = None,
    ) -> None:
        """``warnings``: what opening the base said before the app started (the CLI opens it
        first), shown once the home screen is up. ``session_id``: the session to work on (the
        CLI's --session/--kind), else the current one; the picker (s on the home screen, or the
        palette) changes it."""
        super().__init__()
        self._opening_warnings = list(warnings)
        self.config = config or get_config()
        self._bindings = BindingsMap(registry.app_bindings())
        self.db_target = db_target
        self._checkpointer: dbmod.BackgroundCheckpointer | None = None
        self._web = ExitStack()  # under baktui serve: documents sent to the browser
        self.db_label = dbmod.describe_target(db_target)
        self.login = current_login()
        self.session: SessionInfo | None = None
        self.chosen_session_id = session_id  # None: the base's current session
        self.session_changed: Signal[SessionInfo | None] = Signal(self, "session-changed")
        # Keyboard data entry over SSH: no animation, no smooth scrolling.
        self.animation_level = "none"
        for item in registry.SCREENS:
            self.add_mode(item.mode, self._screen_factory(item))
        if self.config.keymap:
            self.set_keymap(dict(self.config.keymap))
        self.key_order = KeyOrder(self, super().on_event)

    # --- Keys typed in a burst land, in order (widgets/key_order.py) --------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.key_order.key(event)
        else:
            await super().on_event(event)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        result = super().push_screen(*args, **kwargs)
        self.key_order.hold_until_ready()
        return result

    def pop_screen(self) -> Any:
        result = super().pop_screen()
        self.key_order.hold_until_ready()
        return result

    def switch_screen(self, screen: Any) -> Any:
        result = super().switch_screen(screen)
        self.key_order.hold_until_ready()
        return result

    def switch_mode(self, mode: str) -> Any:
        result = super().switch_mode(mode)
        self.key_order.hold_until_ready()
        return result

    @staticmethod
    def _screen_factory(item: registry.ScreenEntry) -> Callable[[], Screen]:
        """The mode's base screen class, imported only when the mode is first shown."""

        def build() -> Screen:
            return item.load()()

        return build

    # --- Start and stop ----------------------------------------------------------------------

    def on_mount(self) -> None:
        """Open the database (fast: a file and its schema version), then show the home screen."""
        try:
            dbmod.open_database(self.db_target, warn=self._opening_warnings.append)
            dbmod.make_interactive()
            self._checkpointer = dbmod.start_background_checkpoints()
            session = self.read_session()
        except DatabaseError as exc:
            self.exit(return_code=1, message=str(exc))
            return
        if self.is_web:
            self._web.enter_context(documents.delivering_to(self.deliver_document))
        self._apply_theme()
        self.set_session(session)
        self.switch_mode(HOME_MODE)
        for warning in self._opening_warnings:  # the audit log's protections had been removed
            self.notify(warning, severity="error", timeout=3 * ERROR_TIMEOUT, markup=False)
        if self.config.keymap:
            self.call_after_refresh(self._check_keymap)

    def _apply_theme(self) -> None:
        """The configuration's theme, unless $TEXTUAL_THEME chose one for this terminal."""
        wanted = self.config.theme
        if not wanted or os.environ.get("TEXTUAL_THEME"):
            return
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(
                f"Thème « {wanted} » inconnu ([affichage] theme) : thème par défaut.",
                severity="warning",
                timeout=ERROR_TIMEOUT,
                markup=False,
            )

    def _check_keymap(self) -> None:
        """Say which [touches] entries name no key of baktui (a typo would silently do nothing)."""
        unknown = sorted(set(self.config.keymap) - set(binding_ids()))
        if unknown:
            what = "identifiant inconnu" if len(unknown) == 1 else "identifiants inconnus"
            self.notify(
                f"[touches] de la configuration : {what} : {', '.join(unknown)} "
                "(« baktui config --touches » les liste tous).",
                severity="warning",
                timeout=ERROR_TIMEOUT,
                markup=False,
            )

    def on_unmount(self) -> None:
        self._web.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()
        dbmod.close_database()

    # --- Documents in a browser ---------------------------------------------------------------

    def deliver_document(self, path: Path) -> None:
        """Send a document just issued to the browser (``baktui serve``): on the server, the file
        is out of the user's reach. Every document goes through here, from any screen, as
        :func:`documents.issue` writes it (usually in a worker thread)."""
        if threading.current_thread() is not threading.main_thread():
            self.call_from_thread(self.deliver_document, path)
            return
        self.deliver_binary(path, save_filename=path.name)
        self.notify(
            f"{path.name} : envoyé au navigateur (dossier des téléchargements).",
            title="Téléchargement",
            markup=False,
        )

    # --- Session -----------------------------------------------------------------------------

    def set_session(self, session: SessionInfo | None) -> None:
        """Record the current session; the title and status bars follow."""
        self.session = session
        if session is None:
            self.title = f"{APP_NAME} — aucune session"
        else:
            # the phase is on the status bar: the header keeps room for the screen's name at 80
            kind = "" if session.kind == "normale" else " de remplacement"
            closed = " · close (lecture seule)" if session.closed else ""
            self.title = f"{APP_NAME} — Session {session.year}{kind}{closed}"
        self.session_changed.publish(session)
        self.refresh_bindings()

    def read_session(self) -> SessionInfo | None:
        """The session worked on, as it is in the base now: the one chosen, else the current."""
        if self.chosen_session_id is not None:
            chosen = session_info(self.chosen_session_id)
            if chosen is not None:
                return chosen
        return current_session()

    def action_choose_session(self) -> None:
        """Work on another session of the base (June's, September's, last year's)."""
        sessions = list_sessions()
        if len(sessions) < 2:
            self.notify("Cette base n'a qu'une session : rien à choisir.", markup=False, timeout=4)
            return

        def label(info: SessionInfo) -> str:
            closed = ", close" if info.closed else ""
            return f"{info.year} — {KINDS.get(info.kind, info.kind)} ({info.phase_label}{closed})"

        def chosen(key: str | None) -> None:
            if key is None or (self.session is not None and int(key) == self.session.id):
                return
            self.call_later(self.switch_session, int(key))

        self.push_screen(
            ChoiceModal(
                "Session",
                [(str(info.id), label(info)) for info in sessions],
                current=str(self.session.id) if self.session else None,
                prompt="Choisissez la session sur laquelle travailler.",
            ),
            chosen,
        )

    async def switch_session(self, session_id: int) -> None:
        """Every screen rebuilt on the chosen session (nothing of the other one stays shown),
        then the home screen; a typing left unsaved in a screen is lost, so the picker says so."""
        info = session_info(session_id)
        if info is None:
            return
        self.chosen_session_id = session_id
        if self.current_mode != HOME_MODE:
            await self.switch_mode(HOME_MODE)
        for item in registry.SCREENS:
            if item.mode != HOME_MODE and item.mode in self._screen_stacks:  # shown once: rebuilt
                await self.remove_mode(item.mode)
                self.add_mode(item.mode, self._screen_factory(item))
        self.set_session(info)
        self.notify(
            f"Session {info.year} ({KINDS.get(info.kind, info.kind)}) : tous les écrans la "
            "montrent désormais.",
            markup=False,
            timeout=5,
        )

    def action_change_phase(self) -> None:
        """Choose the session's phase, confirm, write it (audited) in a worker."""
        session = self.session
        if session is None:
            return

        def chosen(phase: str | None) -> None:
            if phase is None or phase == session.phase:
                return
            label = PHASE.label(phase)
            self.push_screen(
                ConfirmModal(
                    f"Passer la session {session.year} en phase « {label} » ?\n"
                    "Le changement est enregistré dans le journal, à votre nom.",
                    title="Changer de phase",
                ),
                lambda ok: self._write_phase(session.id, phase) if ok else None,
            )

        self.push_screen(
            ChoiceModal(
                "Phase de la session",
                [(str(p), label) for p, label in PHASE.choices()],
                current=session.phase,
                prompt=f"Session {session.year} : choisissez la nouvelle phase.",
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="session-phase")
    def _write_phase(self, session_id: int, phase: str) -> None:
        try:
            with worker_connection():
                info = set_phase(session_id, phase)
        except Exception as exc:  # shown to the user, the app keeps running
            self.call_from_thread(
                self.notify, error_text(exc), severity="error", timeout=ERROR_TIMEOUT
            )
            return
        self.call_from_thread(self._phase_written, info)

    def _phase_written(self, info: SessionInfo) -> None:
        self.set_session(info)
        self.notify(f"Session {info.year} : phase « {info.phase_label} ».", markup=False)

    # --- Keys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog in front must be answered first: no mode switch behind its back.
        if action in {"goto", "change_phase"} and self.screen.is_modal:
            return False
        if action == "goto" and parameters:
            if parameters[0] == self.current_mode:
                return False  # the footer does not offer the screen you are on
            return self.mode_available(str(parameters[0]))
        if action == "change_phase":
            return self.session is not None
        return True

    def get_key_display(self, binding: Binding) -> str:
        """Keys as printed on a French keyboard: F1, Ctrl+Q, Échap, Entrée."""
        if binding.key_display:
            return binding.key_display
        modifiers, key = binding.parse_key()
        name = KEY_NAMES.get(key) or (key.upper() if re.fullmatch(r"f\d+", key) else None)
        if name is None:
            name = super().get_key_display(Binding(key, binding.action))
        if len(name) == 1:
            name = name.upper() if modifiers else name
        prefix = "".join(MODIFIER_NAMES.get(m, m.capitalize()) + "+" for m in modifiers)
        return prefix + name

    def mode_available(self, mode: str) -> bool:
        """Every screen but home works on a session: they appear once there is one."""
        return mode == HOME_MODE or self.session is not None

    def action_goto(self, mode: str) -> None:
        """Show a mode's screen (its stack as it was left)."""
        if mode != self.current_mode and self.mode_available(mode):
            self.switch_mode(mode)

    def action_help(self) -> None:
        """F1: help of the screen in front, or close the help if it is the one in front."""
        screen = self.screen
        if isinstance(screen, HelpScreen):
            screen.dismiss(None)
            return
        if isinstance(screen, CommandPalette):
            return
        title = "Aide"
        sub_title = getattr(screen, "SUB_TITLE", None) or getattr(screen, "dialog_title", None)
        if sub_title:
            title = f"Aide — {sub_title}"
        text = screen.HELP
        if isinstance(screen, BaktuiScreen):
            modes = " · ".join(f"{e.key.upper()} {e.title}" for e in registry.SCREENS)
            text = (
                (text or "").rstrip()
                + "\n\n"
                + GLOBAL_HELP.format(modes=modes, base=self.db_label, login=self.login)
            )
        markdown = help_markdown(text, keys_of(screen), focused_help(screen))
        self.push_screen(HelpScreen(markdown, title=title))

    def action_quit_hint(self) -> None:
        """Ctrl+C out of habit: say how to quit instead of quitting mid-entry."""
        self.notify("Pour quitter baktui : Ctrl+Q.", title="Quitter ?")

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                Palette(
                    placeholder="Rechercher une commande ou une touche…", id="--command-palette"
                )  # fmt: skip
            )

    def action_change_theme(self) -> None:
        self.push_screen(Palette(providers=[Themes], placeholder="Rechercher un thème…"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (Ctrl+P): the registered screens and the app's actions, in French."""
        for item in registry.SCREENS:
            if not self.mode_available(item.mode):
                continue
            yield SystemCommand(
                f"{item.title} ({item.key.upper()})",
                item.help,
                lambda mode=item.mode: self.action_goto(mode),
            )
        yield SystemCommand(
            "Aide (F1)", "L'aide de l'écran affiché et ses touches", self.action_help
        )
        yield SystemCommand(
            "Changer de session",
            "Travailler sur une autre session de la base (juin, septembre, année passée)",
            self.action_choose_session,
        )
        if self.session is not None:
            yield SystemCommand(
                "Changer de phase",
                f"Phase actuelle : {self.session.phase_label}",
                self.action_change_phase,
            )
        if hasattr(screen, "action_refresh_counts"):
            yield SystemCommand(
                "Actualiser les compteurs (r)",
                "Relire les chiffres de l'accueil",
                screen.action_refresh_counts,
            )
        yield SystemCommand(
            "Changer de thème", "Couleurs de l'application", self.action_change_theme
        )
        yield SystemCommand("Quitter (Ctrl+Q)", "Fermer baktui", self.action_quit)
