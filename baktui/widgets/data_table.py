"""Textual's DataTable, with every text cell shown as typed: never read as markup.

Textual renders a ``str`` cell through ``Text.from_markup``: a candidate named ``Paul [/]``
crashed F2 (``MarkupError``) and ``[link=…]Jean[/link]`` showed "Jean" over a hidden link. Every
table of baktui is this one (a test checks that no screen uses Textual's directly); its cells
keep their plain text for ``get_row``/``get_cell`` (only a ``[`` is escaped, as rich does).
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.widgets import DataTable as _TextualDataTable
from textual.widgets.data_table import CellType, RowKey


def plain(value: Any) -> Any:
    """A cell value that renders as the text it holds (a str's ``[`` escaped); others as given."""
    if not isinstance(value, str) or "[" not in value:
        return value
    # rich's escape doubles a final backslash that from_markup then keeps: escape the text
    # before the trailing backslashes, which markup never reads anyway
    body = value.rstrip("\\")
    return escape(body) + value[len(body) :]


class DataTable(_TextualDataTable[CellType]):
    """A DataTable whose text cells are text, never markup."""

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        return super().add_row(
            *(plain(cell) for cell in cells),
            height=height,
            key=key,
            label=plain(label),
        )

    def update_cell(self, row_key: Any, column_key: Any, value: CellType, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, plain(value), **kwargs)

    def update_cell_at(self, coordinate: Any, value: CellType, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, plain(value), **kwargs)
