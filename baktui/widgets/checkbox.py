"""A checkbox that reads ticked or not at a glance, whatever the theme: « [X] » or « [ ] ».

Textual's compact checkbox draws « ▐X▌ » in both states and tells them apart by a colour that
some themes and terminals lose; the office must see at once whether a certificate was received.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox as _TextualCheckbox


class Checkbox(_TextualCheckbox):
    """« [X] label » when ticked, « [ ] label » when not."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("X" if self.value else " ", style), "]")
