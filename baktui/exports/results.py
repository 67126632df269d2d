"""Exporting the results of a session (CSV for Excel, or XLSX) from the Result table.

Columns ``ine;nom;prenom;serie;moyenne;decision;mention``; the average is TRUNCATED to two
decimals with a decimal comma (9,999… -> 9,99), empty for INCOMPLET. Rows are sorted by série,
then nom and prénom (accent-insensitive). The export refuses to run while some candidate has no
result: run ``baktui deliberer`` first, so that the file never mixes fresh and missing results.
The file is written next to its destination and renamed at the end: never half a file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

from peewee import JOIN

from baktui.data.models import Candidate, Result
from baktui.errors import ServiceError
from baktui.rules.grades import truncate_2
from baktui.rules.identifiers import fold

COLUMNS = ("ine", "nom", "prenom", "serie", "moyenne", "decision", "mention")
_EXAMPLES = 5


def _missing_results(session_id: int) -> tuple[int, list[str]]:
    """(count, a few "numéro NOM Prénom") of the candidates without a result."""
    query = (
        Candidate.select(Candidate.number, Candidate.last_name, Candidate.first_name)
        .join(Result, join_type=JOIN.LEFT_OUTER, on=(Result.candidate == Candidate.id))
        .where(
            (Candidate.session == session_id)
            & (Candidate.state != "annulee")
            & (Result.id.is_null())
        )
        .order_by(Candidate.number)
    )
    count = query.count()
    examples = [f"{n} {last} {first}" for n, last, first in query.limit(_EXAMPLES).tuples()]
    return count, examples


def result_rows(session_id: int) -> Iterator[tuple[str, ...]]:
    """The export rows, sorted by série, nom, prénom (streamed from the database)."""
    query = (
        Candidate.select(
            Candidate.ine,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Result.average,
            Result.decision,
            Result.mention,
            Candidate.name_key,
        )
        .join(Result, on=(Result.candidate == Candidate.id))
        .where((Candidate.session == session_id) & (Candidate.state != "annulee"))
        .order_by(Candidate.series, Candidate.name_key, Candidate.ine)
    )
    batch: list[tuple[tuple[str, str, str], tuple[str, ...]]] = []
    current = None
    for ine, last, first, series, average, decision, mention, _key in query.tuples().iterator():
        shown = "" if average is None or decision == "INCOMPLET" else truncate_2(Fraction(average))
        row = (ine, last, first, series, shown, decision, mention or "")
        # name_key is "last first" folded; the exact order is nom then prénom, settled here
        # within a série (the query only brings rows grouped by série in nearly that order)
        if series != current and batch:
            yield from (r for _, r in sorted(batch, key=lambda item: item[0]))
            batch = []
        current = series
        batch.append(((fold(last), fold(first), ine), row))
    yield from (r for _, r in sorted(batch, key=lambda item: item[0]))


def export_results(session_id: int, out_path: Path | str) -> int:
    """Write the results file (.csv ``;`` UTF-8 with BOM, or .xlsx); returns the rows written."""
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ServiceError(
            f"{out.name} : extension « {out.suffix or 'absente'} » non prise en charge "
            "(.csv ou .xlsx)"
        )
    if out.is_dir():
        raise ServiceError(f"{out} est un dossier : donnez un nom de fichier .csv ou .xlsx")
    if not out.parent.exists():
        raise ServiceError(f"{out.parent} : dossier introuvable")
    count, examples = _missing_results(session_id)
    if count:
        raise ServiceError(
            f"Export refusé : {count} candidat{'s' if count > 1 else ''} sans résultat "
            f"(ex. {', '.join(examples)}). Lancez d'abord « baktui deliberer »."
        )
    # a temporary file next to the destination, created with the user's usual permissions
    # (mkstemp would make it private), renamed over the destination once complete
    temp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{suffix}")
    try:
        if suffix == ".csv":
            written = _write_csv(temp, session_id)
        else:
            written = _write_xlsx(temp, session_id)
        os.replace(temp, out)
    except OSError as exc:
        raise ServiceError(f"{out} : écriture impossible ({exc.strerror or exc})") from None
    finally:
        temp.unlink(missing_ok=True)
    return written


def _write_csv(path: Path, session_id: int) -> int:
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in result_rows(session_id):
            writer.writerow(row)
            written += 1
    return written


def _write_xlsx(path: Path, session_id: int) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Résultats")
    sheet.append(list(COLUMNS))
    written = 0
    for row in result_rows(session_id):
        sheet.append(list(row))  # text cells: the truncated average stays exactly as shown
        written += 1
    workbook.save(path)
    return written
