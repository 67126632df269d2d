"""Textual's DataTable, with every text cell shown as typed: never read as markup.

Textual renders a ``str`` cell through ``Text.from_markup``: a candidate named ``Paul [/]``
crashed F2 (``MarkupError``) and ``[link=…]Jean[/link]`` showed "Jean" over a hidden link. Every
table of baktui is this one; a text that markup could read is given as a rich ``Text``, shown
exactly as it is.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import DataTable as _TextualDataTable
from textual.widgets.data_table import CellType, RowKey


def plain(value: Any) -> Any:
    """A cell value that renders as the text it holds: a str that markup could read (a ``[`` or
    a backslash) becomes a rich ``Text`` (``str()`` of it is the text); others as given."""
    if isinstance(value, str) and ("[" in value or "\\" in value):
        return Text(value)
    return value


class DataTable(_TextualDataTable[CellType]):
    """A DataTable whose text cells are text, never markup; with :meth:`stretch`, one column
    takes the width the terminal gives beyond the others (120 columns show more of a name)."""

    _stretch: tuple[tuple[str, int], ...] = ()
    _refit_pending = False

    def stretch(self, column_key: str, minimum: int, *others: tuple[str, int]) -> None:
        """Let the column ``column_key`` (and ``others``: (key, minimum) pairs, sharing it
        equally) take the width left by the other columns, at least ``minimum``, now and on
        every resize."""
        self._stretch = ((column_key, minimum), *others)
        self._fit_width()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_width()

    def _fit_width(self) -> None:
        if not self._stretch or not self.is_mounted:
            return
        by_key = {k.value: c for k, c in self.columns.items()}
        wide = [(by_key[key], minimum) for key, minimum in self._stretch if key in by_key]
        if not wide:
            return
        stretched = {id(column) for column, _ in wide}
        others = sum(
            c.get_render_width(self) for c in self.columns.values() if id(c) not in stretched
        )
        # room for the vertical scrollbar, which appears once the rows are there
        room = self.content_region.width - self.styles.scrollbar_size_vertical
        available = room - others - 2 * self.cell_padding * len(wide)
        extra = max(0, available - sum(minimum for _, minimum in wide))
        changed = False
        for index, (column, minimum) in enumerate(wide):
            width = minimum + extra // len(wide) + (1 if index < extra % len(wide) else 0)
            if column.width != width or column.auto_width:
                column.width, column.auto_width = width, False
                changed = True
        if changed:
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()

    def _refit(self) -> None:
        self._refit_pending = False
        self._fit_width()

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        row = super().add_row(
            *(plain(cell) for cell in cells),
            height=height,
            key=key,
            label=plain(label),
        )
        if self._stretch and not self._refit_pending:  # columns sized by their content: the
            self._refit_pending = True  # stretched one takes what is left once the rows are in
            self.call_after_refresh(self._refit)
        return row

    def update_cell(self, row_key: Any, column_key: Any, value: CellType, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, plain(value), **kwargs)

    def update_cell_at(self, coordinate: Any, value: CellType, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, plain(value), **kwargs)
