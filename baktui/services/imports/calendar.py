"""Importing the épreuves' calendar (create or update, keyed by épreuve and série).

Each line says when an épreuve is sat, for one série or (empty ``serie``) for all; a line for all
séries also dates the session's épreuve itself (``Epreuve.exam_date``, ``start_time``,
``duration_min``, audited) so that the screens reading those see it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baktui.data.db import write_transaction
from baktui.data.models import CalendarEntry, Epreuve, ExamSession
from baktui.rules.identifiers import parse_date_fr
from baktui.rules.regulation import Regulation
from baktui.rules.words import code_upper
from baktui.services.imports.common import (
    FirstLines,
    LineCheck,
    apply_changes,
    bulk_create,
    count,
    read_lines,
    start,
)
from baktui.services.imports.report import ImportReport, LineIssue
from baktui.services.imports.tabular import Row, Table
from baktui.services.sessions import regulation_of

REQUIRED = ("epreuve", "serie", "date", "heure", "duree")
ALIASES = {"code_epreuve": "epreuve", "series": "serie", "horaire": "heure", "duree_min": "duree"}
DURATION_MAX = 24 * 60
_TIME_RE = re.compile(r"([01]?[0-9]|2[0-3])[:hH]([0-5][0-9])")


@dataclass
class CalendarLine:
    row: Row
    code: str
    series: str
    values: dict[str, Any]  # day, start_time, duration_min


def parse_line(
    reg: Regulation, year: int, table: Table, row: Row, seen: FirstLines
) -> tuple[CalendarLine, list[LineIssue]]:
    check = LineCheck(table, row)
    code = code_upper(row.get("epreuve"))
    if not reg.has_epreuve(code):
        known = ", ".join(rule.code for rule in reg.epreuves)
        check.refuse("epreuve", f"épreuve inconnue (épreuves : {known})")
    series = code_upper(row.get("serie"))
    if series and series not in reg.series_codes:
        check.refuse("serie", f"série inconnue (séries : {', '.join(reg.series_codes)})")
    seen.check(check, (code, series), "epreuve", "épreuve (et série)")
    values: dict[str, Any] = {}
    try:
        values["day"] = parse_date_fr(row.get("date"))
        if values["day"].year != year:
            check.refuse("date", f"date hors de l'année de la session ({year})")
    except ValueError as exc:
        check.refuse("date", str(exc) if row.get("date") else "date obligatoire (JJ/MM/AAAA)")
    match = _TIME_RE.fullmatch(row.get("heure"))
    if match is None:
        check.refuse("heure", "heure attendue au format HH:MM (ex. 08:00)")
    else:
        values["start_time"] = f"{int(match.group(1)):02d}:{match.group(2)}"
    values["duration_min"] = check.positive_int("duree", "durée en minutes", DURATION_MAX)
    return CalendarLine(row, code, series, values), check.errors


def import_calendar(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the calendar of a CSV/XLSX file into the session; all or
    nothing. A line for all séries also dates the épreuve of the session."""
    report, table = start("dates d'épreuves", path, REQUIRED, (), ALIASES)
    if table is None:
        return report
    reg = regulation_of(session_id)
    year = ExamSession.get_by_id(session_id).year
    seen = FirstLines()
    lines = read_lines(report, table, lambda row: parse_line(reg, year, table, row, seen))
    if lines is None:
        return report
    reason = f"import du calendrier ({report.file})"
    with write_transaction():
        existing = {
            (e.epreuve_code, e.series): e
            for e in CalendarEntry.select().where(CalendarEntry.session == session_id)
        }
        epreuves = {e.code: e for e in Epreuve.select().where(Epreuve.session == session_id)}
        new = []
        for line in lines:
            current = existing.get((line.code, line.series))
            if current is None:
                new.append(
                    dict(
                        line.values, session=session_id, epreuve_code=line.code, series=line.series
                    )
                )
            else:
                count(report, apply_changes(current, line.values, reason))
            epreuve = epreuves.get(line.code)
            if not line.series and epreuve is not None:
                apply_changes(epreuve, _epreuve_values(line.values), reason)
        report.created = len(bulk_create(CalendarEntry, new, reason))
    return report


def _epreuve_values(values: dict[str, Any]) -> dict[str, Any]:
    day: dt.date = values["day"]
    return {
        "exam_date": day,
        "start_time": values["start_time"],
        "duration_min": values["duration_min"],
    }
