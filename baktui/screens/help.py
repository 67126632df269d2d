"""F1: help for the screen in front (its ``HELP`` text) and the keys that work there now.

The keys are read from the screen's active bindings when F1 is pressed, so the list always
matches the footer (plus the keys the footer hides), and a new screen gets its help for free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

from baktui.widgets.footer import FittedFooter

# Listed by the app's own help text instead of per screen.
HIDDEN_ACTIONS = {"quit_hint"}


@dataclass(frozen=True)
class KeyHelp:
    """One line of the key list: the key as shown in the footer, and what it does."""

    key: str
    description: str


def keys_of(screen: Screen[object]) -> list[KeyHelp]:
    """The keys active on ``screen`` (focused widget, screen, app), one line per action.

    Only baktui's bindings are listed: they all have an ``id`` and a French description, while
    Textual's built-in ones (tab, scrolling, copy) have neither.
    """
    app = screen.app
    seen: set[str] = set()
    lines: list[KeyHelp] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.id or not binding.description or binding.action in HIDDEN_ACTIONS:
            continue
        if not active.enabled or binding.action in seen:
            continue
        seen.add(binding.action)
        lines.append(KeyHelp(app.get_key_display(binding), binding.description))
    return lines


def help_markdown(help_text: str | None, keys: list[KeyHelp], field: str | None) -> str:
    """The whole help page as markdown: the screen's text, the focused field's, the keys."""
    parts = [(help_text or "").strip()]
    if field:
        parts += ["", "## Champ actif", "", field.strip()]
    if keys:
        parts += ["", "## Touches de cet écran", ""]
        parts += [f"- **{_escape(k.key)}** : {k.description}" for k in keys]
    return "\n".join(parts).strip() + "\n"


def _escape(key: str) -> str:
    """Keys such as ^p or * must not be read as markdown."""
    return "".join("\\" + c if c in "\\`*_[]<>#|^" else c for c in key)


class HelpScreen(ModalScreen[None]):
    """The F1 page: markdown help and the key list of the screen below it."""

    HELP: ClassVar[str | None] = "Vous êtes dans l'aide. **Échap** ou **F1** la ferme."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1", "close", "Fermer l'aide", id="help.close"),
        Binding("up", "scroll('up')", "Monter", show=False, id="help.scroll_up", priority=True),
        Binding(
            "down", "scroll('down')", "Descendre", show=False, id="help.scroll_down", priority=True
        ),
        Binding(
            "pageup",
            "scroll('page_up')",
            "Page précédente",
            show=False,
            id="help.page_up",
            priority=True,
        ),
        Binding(
            "pagedown",
            "scroll('page_down')",
            "Page suivante",
            show=False,
            id="help.page_down",
            priority=True,
        ),
    ]

    def __init__(self, markdown: str, title: str = "Aide") -> None:
        super().__init__(classes="dialog-screen", id="help")
        self.markdown = markdown
        self.help_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog") as dialog:
            dialog.border_title = Content(self.help_title)  # text, never markup
            dialog.border_subtitle = "↑ ↓ Pg↑ Pg↓ : défiler · Échap : fermer"
            with VerticalScroll(id="help-scroll"):
                yield Markdown(self.markdown, id="help-text")
        yield FittedFooter(compact=True, show_command_palette=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        {
            "up": scroll.scroll_up,
            "down": scroll.scroll_down,
            "page_up": scroll.scroll_page_up,
            "page_down": scroll.scroll_page_down,
        }[where](animate=False)
