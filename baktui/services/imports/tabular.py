"""Reading the tables offices send (CSV or XLSX) into plain text rows, with file line numbers.

Shared by every import. French offices produce CSV from Excel: UTF-8 with or without BOM (older
Excel: Windows-1252), ``;`` or ``,`` as separator, decimal commas inside the cells. XLSX files are
read from their first sheet, header on the first row (openpyxl, read-only). Every cell comes back
as text so that the importers parse numbers exactly themselves (never through floats).

Header names are compared through :func:`header_key`: case, accents, surrounding spaces, hyphens
and inner spaces do not matter ("Prénom " -> ``prenom``, "Code postal" -> ``code_postal``).
Problems with the file itself raise :class:`TableError` with a French message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from baktui.rules.identifiers import fold

EXTENSIONS = (".csv", ".xlsx")
SEPARATORS = (";", ",", "\t")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
# Limits of a file that an import reads at all (hostile or broken files are refused, not run)
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
MAX_XLSX_BYTES = 500_000_000  # unpacked size of the workbook's parts
MAX_CELLS = 30_000_000  # cells of all rows (rows x columns), CSV or XLSX


class TableError(ValueError):
    """A file that cannot be read as a table; the message is French and names the file."""


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file (Excel row for XLSX) and its cells by key."""

    line: int
    cells: Mapping[str, str]

    def get(self, key: str) -> str:
        """The cell of that column, stripped; "" when the column or the cell is absent."""
        return self.cells.get(key, "").strip()


@dataclass(frozen=True)
class Table:
    """A table read from a file: header keys (normalised), their original text, and the rows."""

    path: Path
    keys: tuple[str, ...]
    headers: Mapping[str, str]  # key -> header as written in the file
    rows: tuple[Row, ...]
    encoding: str = "utf-8"
    separator: str = ""  # CSV only
    extra_cells: tuple[int, ...] = ()  # lines with non-empty cells beyond the header

    @property
    def name(self) -> str:
        return self.path.name


def header_key(text: str) -> str:
    """Normalised column name: folded (no case, no accents), spaces and hyphens as "_"."""
    return "_".join(fold(text.replace("_", " ")).split())


def read_table(path: Path | str, aliases: Mapping[str, str] | None = None) -> Table:
    """Read a .csv or .xlsx file; ``aliases`` maps other header keys to the expected ones.

    Raises TableError for a missing, unreadable, empty or badly-headed file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise TableError(
            f"{path.name} : l'ancien format Excel .xls n'est pas lu ; enregistrez le fichier "
            "en .xlsx ou en CSV"
        )
    if suffix not in EXTENSIONS:
        shown = f"« {path.suffix} »" if path.suffix else "absente"
        raise TableError(f"{path.name} : extension {shown} non prise en charge (.csv ou .xlsx)")
    if not path.exists():
        raise TableError(f"{path} : fichier introuvable")
    if path.is_dir():
        raise TableError(f"{path} : c'est un dossier, pas un fichier")
    try:
        if suffix == ".csv":
            return _read_csv(path, aliases or {})
        return _read_xlsx(path, aliases or {})
    except PermissionError:
        raise TableError(f"{path} : lecture interdite (droits du fichier)") from None
    except OSError as exc:
        raise TableError(f"{path} : lecture impossible ({exc.strerror or exc})") from None


# --- CSV ------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), else Windows-1252 as older Excel writes."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise TableError(
            f"{path.name} : encodage illisible (enregistrez le fichier en CSV UTF-8)"
        ) from None


def detect_separator(header_line: str) -> str:
    """The separator of a CSV file, from its header line: ``;``, ``,`` or a tab."""
    counts = {sep: _count_outside_quotes(header_line, sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ";"


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            count += 1
    return count


def _read_csv(path: Path, aliases: Mapping[str, str]) -> Table:
    text, encoding = _decode(path, path.read_bytes())
    if "\x00" in text:
        raise TableError(f"{path.name} : ce n'est pas un fichier texte CSV")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise TableError(f"{path.name} : fichier vide")
    separator = detect_separator(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: list[str] | None = None
    header_line = 0
    raw_rows: list[tuple[int, list[str]]] = []
    try:
        cells = 0
        for record in reader:
            _check_row(path, reader.line_num, len(record))
            cells += len(record)
            if cells > MAX_CELLS:
                raise TableError(_too_many_cells(path))
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = record, reader.line_num
                continue
            # line_num is the last physical line read: the record's line for one-line records
            raw_rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise TableError(f"{path.name}, ligne {reader.line_num} : CSV mal formé ({exc})") from None
    assert header is not None
    return _build(path, header, header_line, raw_rows, aliases, encoding, separator)


# --- XLSX -----------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """Text of a spreadsheet cell: numbers without float noise, dates as JJ/MM/AAAA."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same double: 12.34 -> "12.34"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _read_xlsx(path: Path, aliases: Mapping[str, str]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise TableError(
            f"{path.name} : fichier XLSX illisible (pas un classeur Excel valide)"
        ) from None
    try:
        if not workbook.worksheets:
            raise TableError(f"{path.name} : le classeur n'a aucune feuille")
        sheet = workbook.worksheets[0]
        # the <dimension> a file declares may be false (A1:C3 over 100 rows): read every row
        sheet.reset_dimensions()
        cells = 0
        header: list[str] | None = None
        header_line = 0
        raw_rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            width = len(values)
            while width and values[width - 1] is None:  # styled but empty cells at the end
                width -= 1
            values = values[:width]
            _check_row(path, number, width)
            cells += width
            if cells > MAX_CELLS:
                raise TableError(_too_many_cells(path))
            record = [cell_text(v) for v in values]
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = record, number
                continue
            raw_rows.append((number, record))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise TableError(f"{path.name} : fichier XLSX illisible (contenu endommagé)") from None
    finally:
        workbook.close()
    if header is None:
        raise TableError(f"{path.name} : fichier vide (la première feuille n'a aucune ligne)")
    return _build(path, header, header_line, raw_rows, aliases, "xlsx", "")


def _check_row(path: Path, line: int, width: int) -> None:
    if line > MAX_ROWS:
        raise TableError(f"{path.name} : plus de {MAX_ROWS:_} lignes".replace("_", " "))
    if width > MAX_COLUMNS:
        raise TableError(f"{path.name}, ligne {line} : {width} colonnes ({MAX_COLUMNS} au plus)")


def _too_many_cells(path: Path) -> str:
    return f"{path.name} : plus de {MAX_CELLS:_} cellules".replace("_", " ") + " (fichier refusé)"


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook that would unpack to more than :data:`MAX_XLSX_BYTES` (a "zip bomb" of
    1.5 MB ran 8 minutes at 2.7 GB): the sizes are read from the archive's directory, unpacked
    nothing."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says the file is not a workbook
    if unpacked > MAX_XLSX_BYTES:
        raise TableError(
            f"{path.name} : classeur de {unpacked // 1_000_000} Mo une fois décompressé "
            f"({MAX_XLSX_BYTES // 1_000_000} Mo au plus) ; enregistrez-le en CSV"
        )


# --- Common ---------------------------------------------------------------------------------


def _build(
    path: Path,
    header: list[str],
    header_line: int,
    raw_rows: Iterable[tuple[int, list[str]]],
    aliases: Mapping[str, str],
    encoding: str,
    separator: str,
) -> Table:
    keys: list[str] = []
    headers: dict[str, str] = {}
    for text in header:
        key = header_key(text)
        if not key:
            keys.append("")  # unnamed column: its cells must stay empty
            continue
        key = aliases.get(key, key)
        if key in headers:
            raise TableError(
                f"{path.name}, ligne {header_line} : colonne « {text.strip()} » en double "
                f"(déjà « {headers[key]} »)"
            )
        headers[key] = text.strip()
        keys.append(key)
    rows: list[Row] = []
    extra: list[int] = []
    for line, record in raw_rows:
        cells = {key: record[i] for i, key in enumerate(keys) if key and i < len(record)}
        unnamed = [record[i] for i, k in enumerate(keys) if not k and i < len(record)]
        if any(cell.strip() for cell in record[len(keys) :] + unnamed):
            extra.append(line)
        rows.append(Row(line, cells))
    if not rows:
        raise TableError(f"{path.name} : aucune ligne de données sous l'en-tête")
    return Table(
        path=path,
        keys=tuple(k for k in keys if k),
        headers=headers,
        rows=tuple(rows),
        encoding=encoding,
        separator=separator,
        extra_cells=tuple(extra),
    )


def column_errors(
    table: Table, required: Iterable[str], optional: Iterable[str] = ()
) -> str | None:
    """One French message naming the missing required columns and the unknown ones, or None."""
    required = tuple(required)
    known = set(required) | set(optional)
    missing = [k for k in required if k not in table.headers]
    unknown = [table.headers[k] for k in table.keys if k not in known]
    if not missing and not unknown:
        return None
    parts = []
    if missing:
        parts.append(
            _plural(len(missing), "colonne obligatoire absente") + " : " + ", ".join(missing)
        )
    if unknown:
        parts.append(_plural(len(unknown), "colonne inconnue") + " : " + ", ".join(unknown))
    expected = ", ".join(required) + (
        f" ; facultatives : {', '.join(optional)}" if optional else ""
    )
    return f"{table.name} : {' ; '.join(parts)} (colonnes attendues : {expected})"


def _plural(count: int, words: str) -> str:
    """French plural of a short noun phrase (every word takes an s)."""
    return words if count == 1 else " ".join(w + "s" for w in words.split())
