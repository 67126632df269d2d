"""The results file (CSV for Excel, or XLSX) written from rows: a pure renderer.

The rows come from :func:`baktui.services.results_export.result_rows` (already sorted, the
average already truncated as text). The file is written to the path given: the service gives a
temporary file that it then renames, with the configured rights
(:func:`baktui.data.files.write_file`): never half a file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from baktui.rules.cells import csv_row
from baktui.rules.decision import DECISION_LABELS

COLUMNS = (
    "ine",
    "nom",
    "prenom",
    "serie",
    "moyenne",
    "decision",
    "mention",
    "numero_candidat",
    "jury",
)
SUFFIXES = (".csv", ".xlsx")


def write_results(out: Path, rows: Iterable[tuple[str, ...]]) -> int:
    """Write ``rows`` under the header to ``out`` (.csv ``;`` UTF-8 with BOM, or .xlsx);
    returns the number of rows written. OSError when the file cannot be written."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"extension {suffix!r} : .csv ou .xlsx")
    return _write_csv(out, rows) if suffix == ".csv" else _write_xlsx(out, rows)


def _write_csv(path: Path, rows: Iterable[tuple[str, ...]]) -> int:
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(csv_row(row))  # a name never runs as a formula
            written += 1
    return written


# The workbook speaks to people: French headers, the average a number (Excel sorts and sums it,
# shown « 12,17 » with the French number format), widths fitted to what the columns hold.
XLSX_HEADERS = ("INE", "Nom", "Prénom", "Série", "Moyenne", "Décision", "Mention",
                "N° candidat", "Jury")  # fmt: skip
XLSX_WIDTHS = (14, 24, 20, 8, 10, 15, 9, 13, 7)
AVERAGE, DECISION, JURY = 4, 5, 8


def _xlsx_row(row: tuple[str, ...]) -> list[object]:
    """The average (« 12,17 », already truncated) as an exact Decimal, the jury as a number;
    every other value (INE, candidate number: leading zeros) stays text."""
    values: list[object] = list(row)
    values[DECISION] = DECISION_LABELS.get(row[DECISION], row[DECISION])  # « Second groupe »
    if row[AVERAGE]:
        values[AVERAGE] = Decimal(row[AVERAGE].replace(",", "."))
    if row[JURY].isdigit():
        values[JURY] = int(row[JURY])
    return values


def _write_xlsx(path: Path, rows: Iterable[tuple[str, ...]]) -> int:
    from baktui.exports.excel import write_streamed_sheet

    return write_streamed_sheet(
        path,
        "Résultats",
        XLSX_HEADERS,
        XLSX_WIDTHS,
        (_xlsx_row(row) for row in rows),
        formats={AVERAGE: "0.00", JURY: "0"},
    )
