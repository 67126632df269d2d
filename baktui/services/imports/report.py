"""What every import shares: the French report, the refused lines, and the file's columns.

Both imports follow the same contract:

- the whole file is read and every line validated first; one refused line and nothing is
  written (the report lists every refused line: file line, column, value, French reason);
- the writes then happen in one write transaction, each change audited (who = OS login);
- re-importing the same file changes nothing (no audit entry, lines counted "inchangées");
  a changed value is updated through ``audit.update`` (the audit log keeps before and after).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baktui.rules.text import CELL_MAX, text_error, visible
from baktui.services.imports.tabular import (
    SEPARATOR_NAMES,
    Row,
    Table,
    TableError,
    TableStream,
    column_errors,
    open_stream,
    read_table,
)

SOURCE = "import"  # Grade.source of imported grades
CHUNK = 500  # values per "IN (...)" query
LISTED_MAX = 200  # refusals or warnings a report lists
FEMININE = frozenset(
    {"notes", "salles", "dates d'épreuves", "lignes de frais"}
)  # the kinds whose past participles agree in -e


@dataclass(frozen=True)
class LineIssue:
    """A remark on one line of the file: refused value, warning or information."""

    line: int
    column: str
    value: str
    reason: str

    def render(self) -> str:
        if self.line <= 0:  # about the whole file
            return self.reason
        where = f"ligne {self.line}"
        if self.column:
            where += f", colonne {visible(self.column)}"
            where += f", valeur « {visible(self.value)} »" if self.value else ", valeur vide"
        return f"{where} : {self.reason}"


@dataclass
class ImportReport:
    """What an import did (or refused), rendered in French for the CLI and the screens."""

    kind: str  # "candidats", "notes", "établissements", "examinateurs", "dates d'épreuves"…
    file: str
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0
    errors: list[LineIssue] = field(default_factory=list)
    warnings: list[LineIssue] = field(default_factory=list)
    infos: list[LineIssue] = field(default_factory=list)  # CC grades rounded up
    fatal: str | None = None  # the file itself was refused
    detail: str = ""  # how the file was read (separator, encoding)

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.errors

    def render(self) -> str:
        e = "e" if self.kind in FEMININE else ""  # agreement: candidats créés, notes créées
        title = f"Import des {self.kind} — {self.file}"
        if self.fatal is not None:
            return f"{title}\nImport refusé : {self.fatal}\nRien n'a été enregistré."
        out = [title + (f" ({self.detail})" if self.detail else "")]
        if self.errors:
            refused = len({issue.line for issue in self.errors})
            out.append(
                f"Import refusé : {refused} ligne{'s' if refused > 1 else ''} refusée"
                f"{'s' if refused > 1 else ''} sur {self.lines}. Rien n'a été enregistré ; "
                "corrigez le fichier et relancez l'import."
            )
            out.extend(_listed(self.errors))
            return "\n".join(out)
        out.append(
            f"{self.lines} ligne{'s' if self.lines > 1 else ''} lue{'s' if self.lines > 1 else ''}"
            f" : {self.created} créé{e}{'s' if self.created > 1 else ''}, "
            f"{self.updated} mis{e}{'s' if self.updated > 1 and e else ''} à jour, "
            f"{self.unchanged} inchangé{e}{'s' if self.unchanged > 1 else ''}"
            + (f", {self.ignored} ignorée{'s' if self.ignored > 1 else ''}" if self.ignored else "")
            + "."
        )
        if self.infos:
            out.append("Notes de contrôle continu arrondies au dixième supérieur :")
            out.extend("  " + issue.render() for issue in self.infos)
        if self.warnings:
            out.append(
                f"{len(self.warnings)} avertissement{'s' if len(self.warnings) > 1 else ''} "
                "(lignes importées, à vérifier) :"
            )
            out.extend(_listed(self.warnings))
        return "\n".join(out)


def _by_line(issue: LineIssue) -> int:
    return issue.line


def _listed(issues: Sequence[LineIssue]) -> list[str]:
    """The issues by line, at most :data:`LISTED_MAX` of them (a hostile file may hold millions)."""
    # one line, one column, one reason: said once (the cell check and a column's check may agree)
    ordered = sorted(dict.fromkeys(issues), key=_by_line)
    out = ["  " + issue.render() for issue in ordered[:LISTED_MAX]]
    if len(ordered) > LISTED_MAX:
        out.append(
            f"  … et {len(ordered) - LISTED_MAX} autres (les {LISTED_MAX} premières ci-dessus)"
        )
    return out


def tidy_reason(reason: str, value: str) -> str:
    """A rule's message without the value it quotes: the report shows the value already.

    "note « 21 » hors de l'intervalle 0 à 20" -> "note hors de l'intervalle 0 à 20";
    "UAI « X » : lettre de contrôle incorrecte" -> "lettre de contrôle incorrecte".
    """
    for shown in dict.fromkeys((value.strip(), value.strip().upper())):
        if not shown:
            continue
        for prefix in (f"« {shown} » : ", f"{shown} : "):
            if reason.startswith(prefix):
                return reason[len(prefix) :]
        head, sep, tail = reason.partition(f" « {shown} » : ")
        if sep and len(head.split()) <= 3:  # "INE « X » : …", "code postal « X » : …"
            return tail
        reason = reason.replace(f" « {shown} »", "")
        if reason.startswith(f"« {shown} » "):
            reason = reason[len(f"« {shown} » ") :]
    return reason


class Refused(Exception):
    """Internal: leave the write transaction without writing anything."""


def open_table(
    report: ImportReport,
    path: Path,
    required: Sequence[str],
    optional: Sequence[str],
    aliases: Mapping[str, str],
) -> Table | None:
    """Read and check the file's columns; None (and report.fatal set) when it is refused."""
    try:
        table = read_table(path, aliases)
    except TableError as exc:
        report.fatal = str(exc)
        return None
    message = column_errors(table, required, optional)
    if message:
        report.fatal = message
        return None
    report.lines = len(table.rows)
    if table.separator:
        report.detail = f"séparateur {SEPARATOR_NAMES[table.separator]}, {table.encoding}"
        if table.encoding != "utf-8":
            report.warnings.append(
                LineIssue(0, "", "", f"fichier lu en {table.encoding} (pas en UTF-8)")
            )
    for line in table.extra_cells:
        report.errors.append(
            LineIssue(line, "", "", "valeurs au-delà des colonnes de l'en-tête (séparateur ?)")
        )
    report.errors.extend(cell_issues(table))
    return table


def open_file(
    report: ImportReport,
    path: Path,
    required: Sequence[str],
    optional: Sequence[str],
    aliases: Mapping[str, str],
) -> TableStream | None:
    """:func:`open_table` for the imports that stream their file: the header and columns
    checked; each row then goes through :func:`row_issues` (and is counted in report.lines)."""
    try:
        stream = open_stream(path, aliases)
    except TableError as exc:
        report.fatal = str(exc)
        return None
    message = column_errors(stream, required, optional)
    if message:
        report.fatal = message
        return None
    if stream.separator:
        report.detail = f"séparateur {SEPARATOR_NAMES[stream.separator]}, {stream.encoding}"
        if stream.encoding != "utf-8":
            report.warnings.append(
                LineIssue(0, "", "", f"fichier lu en {stream.encoding} (pas en UTF-8)")
            )
    return stream


def row_issues(table: Table | TableStream, row: Row) -> list[LineIssue]:
    """What :func:`open_table` refuses in one row: cells beyond the header, cells no column
    may hold (:func:`cell_issues`)."""
    issues: list[LineIssue] = []
    if row.extra:
        issues.append(
            LineIssue(row.line, "", "", "valeurs au-delà des colonnes de l'en-tête (séparateur ?)")
        )
    if _plain_cells(row):
        return issues
    for key, value in row.cells.items():
        if message := text_error(value.strip(), CELL_MAX):
            issues.append(LineIssue(row.line, table.headers[key], value, message))
    return issues


def _plain_cells(row: Row) -> bool:
    joined = "".join(row.cells.values())
    return joined.isprintable() and len(joined) <= CELL_MAX  # the common case, in C


def plain_row(row: Row) -> bool:
    """True when :func:`row_issues` finds nothing in the row (checked in C, the common case)."""
    return not row.extra and _plain_cells(row)


def cell_issues(table: Table) -> list[LineIssue]:
    """Every cell no column may hold, in any import: control or invisible formatting
    characters (they would act on the terminal of whoever looks at the value), or more than
    :data:`CELL_MAX` characters."""
    issues: list[LineIssue] = []
    for row in table.rows:
        for key, value in row.cells.items():
            message = text_error(value.strip(), CELL_MAX)  # spaces around are dropped anyway
            if message:
                issues.append(LineIssue(row.line, table.headers[key], value, message))
    return issues


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
