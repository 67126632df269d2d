"""Importing the juries of a session (create or update, keyed by number) from a CSV/XLSX file.

The délibération centre is named by its code (the UAI of the établissement hosting it); the
président and vice-président by their examiner identifier, checked against the corps rules
(:mod:`baktui.rules.examiners`) and seated in the jury as members with that role.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baktui.data.db import write_transaction
from baktui.data.models import Centre, Examiner, Jury
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.services.imports.common import (
    FirstLines,
    LineCheck,
    apply_changes,
    bulk_create,
    count,
    read_lines,
    split_codes,
    start,
)
from baktui.services.imports.report import ImportReport, LineIssue
from baktui.services.imports.tabular import Row, Table
from baktui.services.juries import ensure_member
from baktui.services.sessions import regulation_of

REQUIRED = ("numero", "series", "centre")
OPTIONAL = ("president", "vice_president")
ALIASES = {
    "numero_jury": "numero",
    "jury": "numero",
    "serie": "series",
    "vice_pres": "vice_president",
}
_OFFICERS = (
    ("president", missions.PRESIDENT, rules.president_error),
    ("vice_president", missions.VICE_PRESIDENT, rules.vice_president_error),
)


@dataclass
class JuryLine:
    row: Row
    number: int
    values: dict[str, Any]


def parse_line(
    series_codes: tuple[str, ...],
    table: Table,
    row: Row,
    centres: dict[str, int],
    examiners: dict[str, Examiner],
    seen: FirstLines,
) -> tuple[JuryLine, list[LineIssue]]:
    check = LineCheck(table, row)
    number = check.positive_int("numero", "numéro de jury") or 0
    if number:
        seen.check(check, number, "numero", "jury")
    codes = split_codes(row.get("series"))
    unknown = [c for c in codes if c not in series_codes]
    if unknown:
        check.refuse("series", f"série inconnue (séries : {', '.join(series_codes)})")
    values: dict[str, Any] = {"series_codes": ",".join(codes or series_codes)}
    code = row.get("centre").upper().replace(" ", "")
    if not code:
        check.refuse("centre", "centre de délibération obligatoire (UAI)")
    elif code not in centres:
        check.refuse("centre", "centre de délibération inconnu dans la session")
    values["centre"] = centres.get(code)
    for column, role, error_of in _OFFICERS:
        if not check.present(column):
            continue
        identifier = row.get(column).replace(" ", "").upper()
        values[role] = None
        if not identifier:
            continue
        examiner = examiners.get(identifier)
        if examiner is None:
            check.refuse(column, "identifiant d'examinateur inconnu")
            continue
        name = rules.formal_name(examiner.civility, examiner.last_name, examiner.first_name)
        if message := error_of(examiner.corps, name):
            check.refuse(column, message)
        values[role] = examiner.id
    if values.get(missions.PRESIDENT) and values.get(missions.PRESIDENT) == values.get(
        missions.VICE_PRESIDENT
    ):
        check.refuse("vice_president", "déjà président de ce jury")
    return JuryLine(row, number, values), check.errors


def deliberation_centres(session_id: int) -> dict[str, int]:
    query = Centre.select(Centre.code, Centre.id).where(
        (Centre.session == session_id) & Centre.is_deliberation & Centre.active
    )
    return {code.upper(): pk for code, pk in query.tuples()}


def officers(table: Table) -> dict[str, Examiner]:
    wanted = {
        row.get(column).replace(" ", "").upper()
        for row in table.rows
        for column in ("president", "vice_president")
    } - {""}
    query = Examiner.select().where(Examiner.identifier.in_(sorted(wanted)))
    return {e.identifier: e for e in query} if wanted else {}


def import_juries(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the juries of a CSV/XLSX file into the session; all or nothing."""
    report, table = start("jurys", path, REQUIRED, OPTIONAL, ALIASES)
    if table is None:
        return report
    series_codes = regulation_of(session_id).series_codes
    centres, examiners, seen = deliberation_centres(session_id), officers(table), FirstLines()
    lines = read_lines(
        report, table, lambda row: parse_line(series_codes, table, row, centres, examiners, seen)
    )
    if lines is None:
        return report
    reason = f"import des jurys ({report.file})"
    with write_transaction():
        existing = {j.number: j for j in Jury.select().where(Jury.session == session_id)}
        new = [
            dict(line.values, session=session_id, number=line.number)
            for line in lines
            if line.number not in existing
        ]
        report.created = len(bulk_create(Jury, new, reason))
        stepping_down: list[tuple[int, int]] = []  # (jury id, former officer)
        for line in lines:
            jury = existing.get(line.number)
            if jury is None:
                continue
            for _, role, _ in _OFFICERS:
                former = getattr(jury, role + "_id")
                if role in line.values and former and former != line.values[role]:
                    stepping_down.append((jury.id, former))
            count(report, apply_changes(jury, line.values, reason))
        for jury_id, former in stepping_down:
            ensure_member(jury_id, former, missions.MEMBER)
        juries = dict(Jury.select(Jury.number, Jury.id).where(Jury.session == session_id).tuples())
        for line in lines:
            for _, role, _ in _OFFICERS:
                if line.values.get(role):
                    ensure_member(juries[line.number], line.values[role], role)
    return report
