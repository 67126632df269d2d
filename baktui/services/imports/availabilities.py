"""Importing examiners' availabilities (``disponibilites.csv``): one line per examiner and day.

Columns: ``identifiant`` (the examiner's identifier), ``date`` (JJ/MM/AAAA) and ``disponible``
(oui/non, o/n, 1/0). A day already recorded is changed (audited), never doubled; all or nothing.
The replacement ranking reads them (:mod:`baktui.services.eligibility`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from baktui.data.db import write_transaction
from baktui.data.models import Availability, Examiner, ExamSession
from baktui.rules.identifiers import parse_date_fr
from baktui.services.imports.common import (
    FirstLines,
    LineCheck,
    apply_changes,
    bulk_create,
    count,
    read_lines,
    start,
)
from baktui.services.imports.report import ImportReport, LineIssue, chunks
from baktui.services.imports.tabular import Row, Table

REQUIRED = ("identifiant", "date", "disponible")
ALIASES = {"examinateur": "identifiant", "jour": "date", "disponibilite": "disponible"}
_ANSWERS = {"oui": True, "o": True, "1": True, "non": False, "n": False, "0": False}


@dataclass
class AvailabilityLine:
    row: Row
    examiner_id: int
    day: dt.date
    available: bool


def parse_line(
    examiners: dict[str, int], year: int, table: Table, row: Row, seen: FirstLines
) -> tuple[AvailabilityLine, list[LineIssue]]:
    check = LineCheck(table, row)
    identifier = row.get("identifiant").replace(" ", "").upper()
    examiner_id = examiners.get(identifier, 0)
    if not identifier:
        check.refuse("identifiant", "identifiant de l'examinateur obligatoire")
    elif not examiner_id:
        check.refuse("identifiant", "aucun examinateur n'a cet identifiant")
    day = dt.date(year, 1, 1)
    try:
        day = parse_date_fr(row.get("date"))
        if day.year != year:
            check.refuse("date", f"date hors de l'année de la session ({year})")
    except ValueError as exc:
        check.refuse("date", str(exc) if row.get("date") else "date obligatoire (JJ/MM/AAAA)")
    answer = _ANSWERS.get(row.get("disponible").casefold())
    if answer is None:
        check.refuse("disponible", "réponse attendue : oui ou non")
    seen.check(check, (identifier, day), "date", "jour de cet examinateur")
    return AvailabilityLine(row, examiner_id, day, bool(answer)), check.errors


def _examiners(identifiers: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(identifiers - {""})):
        query = Examiner.select(Examiner.identifier, Examiner.id)
        found.update(query.where(Examiner.identifier.in_(list(chunk))).tuples())
    return found


def import_availabilities(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the examiners' available and unavailable days; all or
    nothing, audited."""
    report, table = start("disponibilités", path, REQUIRED, (), ALIASES)
    if table is None:
        return report
    year = ExamSession.get_by_id(session_id).year
    wanted = {r.get("identifiant").replace(" ", "").upper() for r in table.rows}
    examiners = _examiners(wanted)
    seen = FirstLines()
    lines = read_lines(report, table, lambda row: parse_line(examiners, year, table, row, seen))
    if lines is None:
        return report
    reason = f"import des disponibilités ({report.file})"
    with write_transaction():
        ids = sorted({line.examiner_id for line in lines})
        existing: dict[tuple[int, dt.date], Availability] = {}
        for chunk in chunks(ids):
            for row in Availability.select().where(Availability.examiner.in_(list(chunk))):
                existing[(row.examiner_id, row.day)] = row
        new = []
        for line in lines:
            current = existing.get((line.examiner_id, line.day))
            if current is None:
                new.append({"examiner": line.examiner_id, "day": line.day,
                            "available": line.available})  # fmt: skip
            else:
                count(report, apply_changes(current, {"available": line.available}, reason))
        report.created = len(bulk_create(Availability, new, reason))
    return report
