"""Importing grades (first group, second group, kept grades, part-grades) from a CSV/XLSX file.

Grades are keyed by (candidate, épreuve, groupe), part-grades of composite spécialités by
(candidate, épreuve, partie). Each line is checked by :mod:`baktui.services.imports.grade_lines`
against the candidates of the session read in bulk; then new grades are inserted in bulk (one
audit "create" entry each) and corrections go through ``audit.update`` (before and after kept).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from baktui.data import audit, counters, sql
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Candidate,
    ExamSession,
    Grade,
    GradePart,
    Lot,
    Registration,
    Result,
)
from baktui.rules.decision import SECOND_GROUPE
from baktui.rules.lifecycles import LotState
from baktui.services.imports.grade_lines import (
    GRADE_ALIASES,
    GRADE_OPTIONAL,
    GRADE_REQUIRED,
    CandidateRef,
    GradeLine,
    check_carried,
    check_kept_conflicts,
    check_second_group,
    parse_grade_row,
)
from baktui.services.imports.report import (
    SOURCE,
    ImportReport,
    LineIssue,
    Refused,
    chunks,
    open_table,
)
from baktui.services.imports.tabular import Table
from baktui.services.jury_locks import FIRST_GROUP, SECOND_GROUP, refuse_locked
from baktui.services.replacement_session import JUNE_SOURCE
from baktui.services.sessions import regulation_of


def _load_candidates(session_id: int, ines: Sequence[str]) -> dict[str, CandidateRef]:
    rows: dict[str, tuple[int, str, str]] = {}
    for chunk in chunks(list(ines)):
        query = Candidate.select(
            Candidate.ine, Candidate.id, Candidate.series, Candidate.state
        ).where((Candidate.session == session_id) & (Candidate.ine.in_(list(chunk))))
        for ine, pk, series, state in sql.fetch(query):
            rows[ine] = (pk, series, state)
    registered: dict[int, dict[str, tuple[int, int | None]]] = defaultdict(dict)
    ids = [pk for pk, _, _ in rows.values()]
    for chunk in chunks(ids):
        query = Registration.select(
            Registration.candidate,
            Registration.epreuve_code,
            Registration.id,
            Registration.kept_session,
        ).where(Registration.candidate.in_(list(chunk)))
        for cid, code, pk, kept in sql.fetch(query):
            registered[cid][code] = (pk, kept)
    return {
        ine: CandidateRef(pk, series, state, registered.get(pk, {}))
        for ine, (pk, series, state) in rows.items()
    }


def _existing_grades(
    ids: Sequence[int],
) -> tuple[
    dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    dict[tuple[int, str, str], tuple[int, int | None, str | None]],
]:
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]] = {}
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]] = {}
    for chunk in chunks(list(ids)):
        query = Grade.select(
            Grade.candidate,
            Grade.epreuve_code,
            Grade.group,
            Grade.id,
            Grade.value_centi,
            Grade.code,
            Grade.kept_session,
        ).where(Grade.candidate.in_(list(chunk)))
        for cid, code, group, pk, value, gcode, kept in sql.fetch(query):
            grades[(cid, code, group)] = (pk, value, gcode, kept)
        query = GradePart.select(
            GradePart.candidate,
            GradePart.epreuve_code,
            GradePart.part_code,
            GradePart.id,
            GradePart.value_centi,
            GradePart.code,
        ).where(GradePart.candidate.in_(list(chunk)))
        for cid, code, part, pk, value, gcode in sql.fetch(query):
            parts[(cid, code, part)] = (pk, value, gcode)
    return grades, parts


def _carried(ids: Sequence[int]) -> set[tuple[int, str]]:
    """(candidate, épreuve) whose first-group grade was carried from June (September session)."""
    found: set[tuple[int, str]] = set()
    for chunk in chunks(list(ids)):
        query = Grade.select(Grade.candidate, Grade.epreuve_code).where(
            Grade.candidate.in_(list(chunk)) & (Grade.group == 1) & (Grade.source == JUNE_SOURCE)
        )
        found.update((int(cid), code) for cid, code in sql.fetch(query))
    return found


def _decisions(ids: Sequence[int]) -> dict[int, tuple[str, bool]]:
    found: dict[int, tuple[str, bool]] = {}
    for chunk in chunks(list(ids)):
        query = Result.select(Result.candidate, Result.decision, Result.second_group_done).where(
            Result.candidate.in_(list(chunk))
        )
        for cid, decision, done in query.tuples():
            found[cid] = (decision, bool(done))
    return found


def import_grades(session_id: int, path: Path | str) -> ImportReport:
    """Import the grades of a CSV/XLSX file (first group, second group, kept grades, parts).

    All or nothing: one refused line and nothing is written. A corrected grade replaces the
    stored one through an audited update; grades are recorded as entered by the OS login with
    source "import".
    """
    path = Path(path)
    report = ImportReport("notes", path.name)
    table = open_table(report, path, GRADE_REQUIRED, GRADE_OPTIONAL, GRADE_ALIASES)
    if table is None:
        return report
    reg = regulation_of(session_id)
    exam_session = ExamSession.get_by_id(session_id)
    year = int(exam_session.year)
    september = exam_session.kind == "remplacement"
    reason = f"import des notes ({path.name})"
    # parse and check every line before taking the write lock (colleagues keep writing); what
    # depends on the stored grades is checked again inside the write transaction
    ines = sorted({row.get("ine").upper().replace(" ", "") for row in table.rows})
    candidates = _load_candidates(session_id, ines)
    lines: list[GradeLine] = []
    seen: dict[tuple[int, str, int, str], int] = {}
    for row in table.rows:
        line, errors, warnings, infos = parse_grade_row(reg, year, table, row, candidates)
        report.warnings.extend(warnings)
        report.infos.extend(infos)
        if line is not None and line.key in seen:
            errors.append(
                LineIssue(
                    row.line,
                    table.headers["epreuve"],
                    row.get("epreuve"),
                    f"note déjà donnée ligne {seen[line.key]} du fichier",
                )
            )
            line = None
        report.errors.extend(errors)
        if line is None:
            if not errors:
                report.ignored += 1
            continue
        seen[line.key] = line.line
        lines.append(line)
    if report.errors:
        report.infos.clear()
        return report
    try:
        with write_transaction():
            ids = sorted({line.candidate_id for line in lines})
            # a closed or published jury's grades: the whole file is refused (LockedError)
            for group in (FIRST_GROUP, SECOND_GROUP):
                refuse_locked(
                    {line.candidate_id for line in lines if line.group == group},
                    group,
                    f"Import refusé ({path.name})",
                )
            grades, parts = _existing_grades(ids)
            check_second_group(reg, table, lines, grades, report)
            check_kept_conflicts(table, lines, grades, parts, report)
            if september:
                check_carried(table, lines, _carried(ids), report)
            _check_closed_slips(table, lines, grades, parts, report)
            if report.errors:
                raise Refused
            decisions = _decisions(ids)
            by_line = {row.line: row for row in table.rows}
            for line in lines:
                if line.group == 2 and line.candidate_id in decisions:
                    decision, done = decisions[line.candidate_id]
                    if decision != SECOND_GROUPE and not done:
                        row = by_line[line.line]
                        report.warnings.append(
                            LineIssue(
                                line.line,
                                table.headers["ine"],
                                row.get("ine"),
                                f"candidat délibéré {decision}, pas au second groupe : note "
                                "enregistrée mais sans effet sur la délibération",
                            )
                        )
            registrations = {
                (cand.id, code): state
                for cand in candidates.values()
                for code, state in cand.registered.items()
            }
            with counters.tracking(ids, session_id=session_id):  # maintained counters
                _write_grades(lines, grades, parts, registrations, reason, report)
    except Refused:
        report.infos.clear()
    return report


def _closed_lots(ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """(candidate, épreuve) -> number of the closed ("saisi") lot holding that copy."""
    found: dict[tuple[int, str], int] = {}
    for chunk in chunks(list(ids)):
        query = (
            Anonymat.select(Anonymat.candidate, Anonymat.epreuve_code, Lot.number)
            .join(Lot)
            .where(Anonymat.candidate.in_(list(chunk)) & (Lot.state == LotState.SAISI))
        )
        for cid, code, number in query.tuples():
            found[(cid, code)] = number
    return found


def _check_closed_slips(
    table: Table,
    lines: Sequence[GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]],
    report: ImportReport,
) -> None:
    """A grade of a closed slip is not changed behind it: its control totals would no longer
    hold. The line is refused until the slip is reopened (F4, Ctrl+R, audited)."""
    closed = _closed_lots(sorted({line.candidate_id for line in lines if line.group == 1}))
    if not closed:
        return
    rows = {row.line: row for row in table.rows}
    for line in lines:
        number = closed.get((line.candidate_id, line.code)) if line.group == 1 else None
        if number is None:
            continue
        if line.part:
            stored_part = parts.get((line.candidate_id, line.code, line.part))
            same = stored_part is not None and stored_part[1:] == (
                line.value_centi,
                line.grade_code,
            )
        else:
            stored = grades.get((line.candidate_id, line.code, 1))
            same = stored is not None and stored[1:] == (
                line.value_centi,
                line.grade_code,
                line.kept_session,
            )
        if not same:
            report.errors.append(
                LineIssue(
                    line.line,
                    table.headers["note"],
                    rows[line.line].get("note"),
                    f"copie du lot {number}, bordereau clos : rouvrez-le (F4, Ctrl+R) avant "
                    "d'importer une note qui le change",
                )
            )


def _write_grades(
    lines: Sequence[GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]],
    registrations: dict[tuple[int, str], tuple[int, int | None]],
    reason: str,
    report: ImportReport,
) -> None:
    """Create, update or leave each grade (inside the import's transaction), all audited.

    New grades are inserted in bulk with one audit "create" entry each (``audit.log_many``);
    corrections go through ``audit.update`` (before and after kept), as do the kept-session
    marks of the registrations.
    """
    who, now = audit.current_user(), audit.now_iso()
    new_grades: list[GradeLine] = []
    new_parts: list[GradeLine] = []
    for line in lines:
        line_reason = f"{reason}, ligne {line.line}"
        if line.part:
            stored_part = parts.get((line.candidate_id, line.code, line.part))
            if stored_part is None:
                new_parts.append(line)
                report.created += 1
            elif (stored_part[1], stored_part[2]) == (line.value_centi, line.grade_code):
                report.unchanged += 1
            else:
                audit.update(
                    GradePart,
                    stored_part[0],
                    {"value_centi": line.value_centi, "code": line.grade_code,
                     "entered_by": who, "entered_at": now},
                    reason=line_reason,
                )  # fmt: skip
                report.updated += 1
            continue
        stored = grades.get((line.candidate_id, line.code, line.group))
        values = (line.value_centi, line.grade_code, line.kept_session)
        if stored is None:
            new_grades.append(line)
            report.created += 1
        elif (stored[1], stored[2], stored[3]) == values:
            report.unchanged += 1
            continue
        else:
            audit.update(
                Grade,
                stored[0],
                {"value_centi": line.value_centi, "code": line.grade_code,
                 "kept_session": line.kept_session, "source": SOURCE, "entered_by": who,
                 "entered_at": now},
                reason=line_reason,
            )  # fmt: skip
            report.updated += 1
        registration = registrations.get((line.candidate_id, line.code))
        if line.group == 1 and registration and registration[1] != line.kept_session:
            audit.update(
                Registration,
                registration[0],
                {"kept_session": line.kept_session},
                reason=line_reason,
            )
    _create_rows(Grade, new_grades, who, now, reason)
    _create_rows(GradePart, new_parts, who, now, reason)


def _create_rows(
    model: type[Grade] | type[GradePart],
    lines: Sequence[GradeLine],
    who: str,
    now: str,
    reason: str,
) -> None:
    """Insert new grades (or part-grades) in bulk, then one audit "create" entry per row."""
    if not lines:
        return
    records: list[dict[str, Any]] = []
    for line in lines:
        record: dict[str, Any] = {
            "candidate": line.candidate_id,
            "epreuve_code": line.code,
            "value_centi": line.value_centi,
            "code": line.grade_code,
            "entered_by": who,
            "entered_at": now,
        }
        if model is Grade:
            record.update(
                version=1, group=line.group, kept_session=line.kept_session, source=SOURCE
            )
        else:
            record["part_code"] = line.part
        records.append(record)
    fields = list(records[0])
    sql.executemany(sql.insert_sql(model, fields), [[r[f] for f in fields] for r in records])
    ids: dict[tuple[Any, ...], int] = {}
    second = model.group if model is Grade else model.part_code  # type: ignore[union-attr]
    candidate_ids = sorted({line.candidate_id for line in lines})
    for chunk in chunks(candidate_ids):
        query = model.select(model.candidate, model.epreuve_code, second, model.id).where(
            model.candidate.in_(list(chunk))
        )
        for cid, code, other, pk in sql.fetch(query):
            ids[(cid, code, other)] = pk
    entries = []
    for line, record in zip(lines, records, strict=True):
        key = (line.candidate_id, line.code, line.group if model is Grade else line.part)
        entries.append(
            {"action": "create", "entity": model._meta.table_name, "entity_id": ids[key],
             "after": audit.record_text(model, record), "reason": f"{reason}, ligne {line.line}",
             "candidate_id": line.candidate_id}
        )  # fmt: skip
    audit.log_many(entries)
