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

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from baktui.rules.identifiers import fold

EXTENSIONS = (".csv", ".xlsx")
SEPARATORS = (";", ",", "\t")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
# Limits of a file that an import reads at all (hostile or broken files are refused, not run)
MAX_ROWS = 5_000_000  # streamed imports hold keys, not rows
MAX_COLUMNS = 200
MAX_XLSX_BYTES = 500_000_000  # unpacked size of the workbook's parts
MAX_CELLS = 30_000_000  # cells of all rows (rows x columns), CSV or XLSX


class TableError(ValueError):
    """A file that cannot be read as a table; the message is French and names the file."""


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file (Excel row for XLSX) and its cells by key;
    ``extra`` when it has non-empty cells beyond the header (or under an unnamed column)."""

    line: int
    cells: Mapping[str, str]
    extra: bool = False

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


class TableStream:
    """A table whose rows are read as they are asked for, once (:meth:`rows`): the big imports
    check a file of millions of lines without holding it. Same header, same rows, same
    refusals as :func:`read_table`; a problem found further down the file (a malformed CSV
    line, too many cells) raises :class:`TableError` while iterating."""

    def __init__(
        self,
        path: Path,
        keys: tuple[str, ...],
        headers: Mapping[str, str],
        rows: Iterator[Row],
        encoding: str,
        separator: str,
        estimated_rows: int | None,
    ) -> None:
        self.path = path
        self.keys = keys
        self.headers = headers
        self.encoding = encoding
        self.separator = separator
        self.estimated_rows = estimated_rows  # for a progress bar: data lines, about
        self._rows = rows
        self._used = False

    @property
    def name(self) -> str:
        return self.path.name

    def rows(self) -> Iterator[Row]:
        """The data rows, in file order (once only)."""
        if self._used:
            raise RuntimeError("the rows of a TableStream are read once")
        self._used = True
        return self._rows


def header_key(text: str) -> str:
    """Normalised column name: folded (no case, no accents), spaces and hyphens as "_"."""
    return "_".join(fold(text.replace("_", " ")).split())


def read_table(path: Path | str, aliases: Mapping[str, str] | None = None) -> Table:
    """Read a .csv or .xlsx file; ``aliases`` maps other header keys to the expected ones.

    Raises TableError for a missing, unreadable, empty or badly-headed file.
    """
    stream = open_stream(path, aliases)
    rows = tuple(_guarded(stream.path, stream.rows()))
    return Table(
        path=stream.path,
        keys=stream.keys,
        headers=stream.headers,
        rows=rows,
        encoding=stream.encoding,
        separator=stream.separator,
        extra_cells=tuple(row.line for row in rows if row.extra),
    )


def open_stream(path: Path | str, aliases: Mapping[str, str] | None = None) -> TableStream:
    """Open a .csv or .xlsx file for streaming: its header is read and checked, and its first
    data row (a file without any is refused); the rows follow through :meth:`TableStream.rows`.

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
    with _os_errors(path):
        if suffix == ".csv":
            records, encoding, separator, estimate = _csv_records(path)
        else:
            records, estimate = _xlsx_records(path)
            encoding, separator = "xlsx", ""
        return _stream(path, records, aliases or {}, encoding, separator, estimate)


@contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except PermissionError:
        raise TableError(f"{path} : lecture interdite (droits du fichier)") from None
    except OSError as exc:
        raise TableError(f"{path} : lecture impossible ({exc.strerror or exc})") from None


def _guarded(path: Path, rows: Iterator[Row]) -> Iterator[Row]:
    with _os_errors(path):
        yield from rows


# --- CSV ------------------------------------------------------------------------------------


_CHUNK_BYTES = 1 << 20


def _encoding_of(path: Path) -> tuple[str, str, int, str]:
    """(codec, encoding name, newline count, first non-empty line) of a CSV file, read once
    by chunks: UTF-8 (BOM or not), else Windows-1252 as older Excel writes."""
    for codec, name in (("utf-8-sig", "utf-8"), ("cp1252", "windows-1252")):
        decoder = codecs.getincrementaldecoder(codec)()
        newlines = 0
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK_BYTES):
                    if "\x00" in decoder.decode(chunk):
                        raise TableError(f"{path.name} : ce n'est pas un fichier texte CSV")
                    newlines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        with path.open(encoding=codec) as handle:
            first = next((line.rstrip("\r\n") for line in handle if line.strip()), "")
        return codec, name, newlines, first
    raise TableError(f"{path.name} : encodage illisible (enregistrez le fichier en CSV UTF-8)")


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


def _csv_records(path: Path) -> tuple[Iterator[tuple[int, list[str]]], str, str, int]:
    """The non-empty records of a CSV file with their line numbers (read as they are asked
    for), its encoding name, separator and number of lines (about)."""
    codec, encoding, newlines, first = _encoding_of(path)
    if not first:
        raise TableError(f"{path.name} : fichier vide")
    separator = detect_separator(first)

    def records() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding=codec, newline="") as handle:
            reader = csv.reader(handle, delimiter=separator)
            cells = 0
            try:
                for record in reader:
                    width = len(record)
                    if reader.line_num > MAX_ROWS or width > MAX_COLUMNS:
                        _check_row(path, reader.line_num, width)
                    cells += width
                    if cells > MAX_CELLS:
                        raise TableError(_too_many_cells(path))
                    if not "".join(record).strip():  # no cell but spaces
                        continue
                    # line_num is the last physical line read: the record's line for one-line
                    # records
                    yield reader.line_num, record
            except csv.Error as exc:
                raise TableError(
                    f"{path.name}, ligne {reader.line_num} : CSV mal formé ({exc})"
                ) from None

    return records(), encoding, separator, newlines


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


def _xlsx_records(path: Path) -> tuple[Iterator[tuple[int, list[str]]], int | None]:
    """The non-empty rows of a workbook's first sheet as text, with their row numbers (read as
    they are asked for), and its declared number of rows (about)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise TableError(
            f"{path.name} : fichier XLSX illisible (pas un classeur Excel valide)"
        ) from None
    if not workbook.worksheets:
        workbook.close()
        raise TableError(f"{path.name} : le classeur n'a aucune feuille")
    sheet = workbook.worksheets[0]
    try:
        declared = sheet.max_row
    except (ValueError, TypeError, KeyError):
        declared = None

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            # the <dimension> a file declares may be false (A1:C3 over 100 rows): read every row
            sheet.reset_dimensions()
            cells = 0
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
                yield number, record
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
            raise TableError(f"{path.name} : fichier XLSX illisible (contenu endommagé)") from None
        finally:
            workbook.close()

    return records(), declared if isinstance(declared, int) else None


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


def _stream(
    path: Path,
    records: Iterator[tuple[int, list[str]]],
    aliases: Mapping[str, str],
    encoding: str,
    separator: str,
    estimate: int | None,
) -> TableStream:
    """The header (first non-empty record) checked, the first data row read ahead."""
    first = next(records, None)
    if first is None:
        if encoding == "xlsx":
            raise TableError(f"{path.name} : fichier vide (la première feuille n'a aucune ligne)")
        raise TableError(f"{path.name} : fichier vide")
    header_line, header = first
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
    named = [(i, key) for i, key in enumerate(keys) if key]
    unnamed = [i for i, key in enumerate(keys) if not key]
    width = len(keys)

    named_keys = [key for _, key in named]

    def rows(line: int, record: list[str]) -> Row:
        size = len(record)
        if not unnamed and size >= width:  # the common case: every column named, all there
            cells = dict(zip(named_keys, record, strict=False))  # the cells past: extra
            return Row(line, cells, size > width and any(c.strip() for c in record[width:]))
        cells = {key: record[i] for i, key in named if i < size}
        extra = (size > width and any(cell.strip() for cell in record[width:])) or any(
            record[i].strip() for i in unnamed if i < size
        )
        return Row(line, cells, extra)

    head = next(records, None)
    if head is None:
        raise TableError(f"{path.name} : aucune ligne de données sous l'en-tête")

    def all_rows() -> Iterator[Row]:
        yield rows(*head)
        for line, record in records:
            yield rows(line, record)

    if estimate is not None:
        estimate = max(estimate - header_line, 1)
    return TableStream(
        path=path,
        keys=tuple(k for k in keys if k),
        headers=headers,
        rows=all_rows(),
        encoding=encoding,
        separator=separator,
        estimated_rows=estimate,
    )


def column_errors(
    table: Table | TableStream, required: Iterable[str], optional: Iterable[str] = ()
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
