"""The results file (CSV for Excel, or XLSX) written from rows: a pure renderer.

The rows come from :func:`baktui.services.results_export.result_rows` (already sorted, the
average already truncated as text). The file is written to the path given: the service gives a
temporary file that it then renames, with the configured rights
(:func:`baktui.data.files.write_file`): never half a file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from baktui.rules.cells import csv_row

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


def _write_xlsx(path: Path, rows: Iterable[tuple[str, ...]]) -> int:
    from openpyxl import Workbook

    from baktui.exports.excel import value_cells

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Résultats")
    sheet.append(value_cells(sheet, COLUMNS))
    written = 0
    for row in rows:
        sheet.append(value_cells(sheet, row))  # text cells: the average exactly as shown
        written += 1
    workbook.save(path)
    return written
