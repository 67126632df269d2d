"""The command palette (Ctrl+P) in French: the app's commands and the keys of the screen in
front, found without accents or capitals ("theme" finds « Changer de thème »).

Textual's own palette says "No matches found" and searches for themes in English; this one says
everything in French and searches the folded text (:func:`baktui.rules.identifiers.fold`), so
an office user who types "delib" or "notes manq" finds what the screen offers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from baktui.rules.identifiers import fold

NO_MATCH = "Aucune commande ne correspond"


class Palette(CommandPalette):
    """Ctrl+P, in French."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own, with its English sentence replaced (its timer and option id kept)
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(NO_MATCH, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


Command = tuple[str, str, Callable[[], Any]]


def score(query: str, title: str, help_text: str = "") -> float:
    """How well a query matches a command: every word of the folded query must start a word of
    the folded title (or its help); earlier and title matches score higher; 0: no match."""
    words = fold(query).split()
    if not words:
        return 0.0
    in_title = fold(title).split()
    in_help = fold(help_text).split()
    total = 0.0
    for word in words:
        if any(w.startswith(word) for w in in_title):
            total += 1.0
        elif any(w.startswith(word) for w in in_help):
            total += 0.5
        else:
            return 0.0
    return total / len(words)


class FoldedProvider(Provider):
    """A provider whose commands are matched on folded words (accents and case ignored)."""

    def commands(self) -> Iterable[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(Text(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        for title, help_text, callback in self.commands():
            if (value := score(query, title, help_text)) > 0:
                yield Hit(value, Text(title), callback, text=title, help=help_text)


class AppCommands(FoldedProvider):
    """The app's commands (screens, help, phase, theme…): ``App.get_system_commands``."""

    def commands(self) -> Iterable[Command]:
        for command in self.app.get_system_commands(self.screen):
            yield command.title, command.help, command.callback


class ScreenKeys(FoldedProvider):
    """What the keys of the screen in front do, so that a key forgotten is found by its name."""

    def commands(self) -> Iterable[Command]:
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
            if key.startswith("f") and key[1:].isdigit() and active.node is self.app:
                continue  # the screens themselves come from AppCommands
            seen.add(binding.action)
            shown = binding.key_display or self.app.get_key_display(binding)
            yield (
                f"{binding.description} ({shown})",
                binding.tooltip or "Touche de l'écran affiché",
                partial(self.app.run_action, binding.action, active.node),
            )


class Themes(FoldedProvider):
    """The colour themes, for « Changer de thème »."""

    def commands(self) -> Iterable[Command]:
        for name in sorted(self.app.available_themes):
            yield name, "Thème de couleurs", partial(setattr, self.app, "theme", name)
