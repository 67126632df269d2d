"""A one-line text that changes on every keystroke without re-laying out the screen.

``Static.update`` asks for a layout pass of the whole screen (its size may change); on the grade
entry screen that pass cost more than the grade commit itself. An EntryLine has a fixed height of
one line and only repaints itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class EntryLine(Widget):
    """One line of text (status, message, control totals); ``show`` repaints only this line."""

    DEFAULT_CSS = """
    EntryLine {
        height: 1;
        width: 1fr;
    }
    """

    def __init__(self, text: str | Text = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._text = (
            Text(text, no_wrap=True, overflow="ellipsis") if isinstance(text, str) else text
        )

    def show(self, text: str | Text) -> None:
        """Replace the text (a plain string is not read as markup)."""
        if isinstance(text, str):
            text = Text(text, no_wrap=True, overflow="ellipsis")
        if text == self._text:
            return
        self._text = text
        self.refresh()

    @property
    def text(self) -> Text:
        return self._text

    def render(self) -> Text:
        return self._text
