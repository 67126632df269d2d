"""A footer that fits the terminal: the essential keys first, never a key cut in half.

Textual's footer lays every key out in order and cuts the line at the terminal's edge: at 80
columns F1's neighbours pushed Ctrl+P and Ctrl+Q out and left « F6 F ». This one keeps, in this
order, F1, the keys of the screen in front (what the user is doing), Ctrl+P and Ctrl+Q, each
that fits whole, then (when all of those fit) the other screens' function keys in order as
far as they fit; the others stay
in F1's help and in the palette.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ESSENTIAL = ("help", "command_palette", "quit")  # app actions shown before the screens' keys


def key_width(key_display: str, description: str) -> int:
    """Columns a compact footer key takes: « key description » and the space after it."""
    return len(key_display) + (len(description) + 1 if description else 0) + 1


class FittedFooter(Footer):
    """Footer(compact=True) that shows what fits, essential keys first."""

    def ordered(self) -> tuple[list[tuple[Binding, bool, str]], list[tuple[Binding, bool, str]]]:
        """The keys that must show (F1, the screen's own, Ctrl+P, Ctrl+Q), then the screens'."""
        own: list[tuple[Binding, bool, str]] = []
        essential: list[tuple[Binding, bool, str]] = []
        screens: list[tuple[Binding, bool, str]] = []
        seen: set[str] = set()
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            if node is not self.app:
                own.append((binding, enabled, tooltip))
            elif binding.action in ESSENTIAL:
                essential.append((binding, enabled, tooltip))
            else:
                screens.append((binding, enabled, tooltip))
        essential.sort(key=lambda item: ESSENTIAL.index(item[0].action))
        return essential[:1] + own + essential[1:], screens

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        room = self.app.size.width
        shown: list[tuple[Binding, bool, str]] = []
        first, screens = self.ordered()
        for binding, enabled, tooltip in first:  # each that fits
            width = key_width(self.app.get_key_display(binding), binding.description)
            if width <= room:
                shown.append((binding, enabled, tooltip))
                room -= width
        if len(shown) < len(first):
            screens = []  # a key of the screen left out: no room for the other screens'
        for binding, enabled, tooltip in screens:  # in F-key order, as far as they fit
            width = key_width(self.app.get_key_display(binding), binding.description)
            if width > room:
                break
            shown.append((binding, enabled, tooltip))
            room -= width
        self.styles.grid_size_columns = len(shown)
        for binding, enabled, tooltip in shown:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip or binding.description,
            ).data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.recompose)
