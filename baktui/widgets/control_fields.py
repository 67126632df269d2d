"""The slip's three control figures, typed in one go: "45⇥2⇥312,5⏎".

This widget only draws the three fields and edits them; it never takes the focus. The grade grid
(:mod:`baktui.widgets.grade_grid`), which keeps the focus for the whole F4 flow, hands it the keys
typed while the totals are active (Ctrl+K or Tab), in the order they arrive. Three ``Input``
widgets would lose keystrokes typed ahead: Tab moves the focus through a binding run after the key
has bubbled up to the app, so the next digits (often in the same SSH packet) land in the previous
field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from rich.text import Text
from textual.widget import Widget

LABELS = ("copies", "absents", "somme")
WIDTHS = (4, 4, 9)
ALLOWED = ("0123456789", "0123456789", "0123456789,.")


class ControlsDelegate(Protocol):
    def controls_submitted(self, copies: str, absents: str, total: str) -> bool:
        """Record the figures; True when they were accepted (French message otherwise)."""
        ...


class ControlFields(Widget):
    """Copies (absents included), absents, sum of the grades."""

    DEFAULT_CSS = """
    ControlFields { height: 1; width: auto; }
    ControlFields > .control-fields--field { background: $boost; }
    ControlFields > .control-fields--current { background: $accent; color: $text; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"control-fields--field", "control-fields--current"}

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.values = ["", "", ""]
        self.current = 0
        self.active = False
        self.fresh = True  # the next character typed replaces the field (as in a spreadsheet)
        self.delegate: ControlsDelegate | None = None

    def set_values(self, values: Sequence[str]) -> None:
        self.values = [str(v) for v in values]
        self.current, self.fresh = 0, True
        self.refresh()

    def set_active(self, active: bool) -> None:
        """Shown with its cursor while the grid routes keys here (from the first field)."""
        self.active = active
        self.current, self.fresh = 0, True
        self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True)
        field = self.get_component_rich_style("control-fields--field")
        current = self.get_component_rich_style("control-fields--current")
        for index, (label, width) in enumerate(zip(LABELS, WIDTHS, strict=True)):
            text.append(f"{label} " if index == 0 else f" {label} ")
            here = self.active and index == self.current
            shown = self.values[index] + ("▏" if here else "")
            text.append(f"{shown:>{width + 1}}", style=current if here else field)
        return text

    def get_content_width(self, container: object, viewport: object) -> int:
        return sum(len(label) + 1 for label in LABELS) + 2 + sum(w + 1 for w in WIDTHS)

    # --- editing, called by the grid -----------------------------------------------------------

    def type(self, character: str) -> bool:
        """A typed character; False if it is not one this field takes (left to the grid)."""
        if character not in ALLOWED[self.current]:
            return False
        if self.fresh:
            self.values[self.current], self.fresh = "", False
        if len(self.values[self.current]) < WIDTHS[self.current]:
            self.values[self.current] += character
        self.refresh()
        return True

    def erase(self) -> None:
        self.values[self.current] = self.values[self.current][:-1]
        self.fresh = False
        self.refresh()

    def move(self, step: int) -> bool:
        """Next or previous field; False when that leaves the totals (back to the grades)."""
        target = self.current + step
        if not 0 <= target < len(LABELS):
            return False
        self.current, self.fresh = target, True
        self.refresh()
        return True

    def next_or_submit(self) -> bool:
        """Enter: the next field; on the sum, record the three figures. True once recorded."""
        if self.current < len(LABELS) - 1:
            self.move(1)
            return False
        empty = next((i for i, v in enumerate(self.values) if not v.strip()), None)
        if empty is not None:
            self.current, self.fresh = empty, True
            self.refresh()
            return False
        return self.delegate is not None and self.delegate.controls_submitted(*self.values)
