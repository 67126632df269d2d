"""Importing grades (first group, second group, kept grades, part-grades) from a CSV/XLSX file.

Grades are keyed by (candidate, épreuve, groupe), part-grades of composite spécialités by
(candidate, épreuve, partie). The file is streamed twice over, memory flat whatever its size:

1. the check, outside any write transaction (colleagues keep writing): each line is checked by
   :mod:`baktui.services.imports.grade_lines` against its candidate (read in bulk, a batch of
   lines at a time, and kept as a small :class:`CandidateRef`); only the keys are kept (one
   integer per grade, to refuse a grade given twice) and the accepted lines go to a
   :class:`~baktui.services.imports.spool.Spool` on disk;
2. the write, in ONE write transaction, batch by batch from the spool: what depends on the
   stored grades is checked against the batch's candidates, then the batch is written by
   :class:`~baktui.services.imports.grade_writer.GradeWriter` (new grades in bulk, one audit
   entry each; corrections through ``audit.update``) and counted in the maintained counters
   (the new grades from their own delta, the other candidates tracked). One refused line
   anywhere, or the import cancelled (:mod:`baktui.services.imports.progress`), and the
   transaction rolls back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from baktui.data import audit_chain, counters, sql
from baktui.data.db import current_database, write_transaction
from baktui.data.models import (
    Anonymat,
    ExamSession,
    Grade,
    Lot,
    Result,
)
from baktui.rules.decision import SECOND_GROUPE
from baktui.rules.lifecycles import LotState
from baktui.services.imports import progress as batches
from baktui.services.imports.grade_lines import (
    GRADE_ALIASES,
    GRADE_OPTIONAL,
    GRADE_REQUIRED,
    CandidateRef,
    GradeLine,
    GradeMemo,
    check_carried,
    check_kept_conflicts,
    check_second_group,
    parse_grade_row,
)
from baktui.services.imports.grade_writer import GradeWriter
from baktui.services.imports.progress import ProgressFn, Ticker
from baktui.services.imports.report import (
    ImportReport,
    LineIssue,
    Refused,
    chunks,
    open_file,
    plain_row,
    row_issues,
)
from baktui.services.imports.spool import Spool
from baktui.services.imports.tabular import Row, TableError, TableStream
from baktui.services.jury_locks import FIRST_GROUP, SECOND_GROUP, refuse_locked
from baktui.services.replacement_session import JUNE_SOURCE
from baktui.services.sessions import regulation_of

_REGISTERED: dict[frozenset[str], frozenset[str]] = {}  # one object per set of épreuves


def _load_candidates(session_id: int, ines: Iterable[str]) -> dict[str, CandidateRef]:
    """The candidates of the session with those INEs (absent ones left out)."""
    rows: dict[str, tuple[int, str, str]] = {}
    for ine, pk, series, state in sql.fetch_in(
        'SELECT ine, id, series, state FROM "candidate" WHERE session_id = {p} AND ine IN {in}',
        sorted(ines),
        session_id,
    ):
        rows[ine] = (pk, series, state)
    registered: dict[int, list[str]] = defaultdict(list)
    for cid, code in sql.fetch_in(
        'SELECT candidate_id, epreuve_code FROM "registration" WHERE candidate_id IN {in}',
        [pk for pk, _, _ in rows.values()],
    ):
        registered[cid].append(code)
    out = {}
    for ine, (pk, series, state) in rows.items():
        codes = frozenset(registered.get(pk, ()))
        out[ine] = CandidateRef(pk, series, state, _REGISTERED.setdefault(codes, codes))
    return out


def _registrations(
    ids: Sequence[int], kept_ids: Iterable[int]
) -> dict[tuple[int, str], tuple[int, int | None]]:
    """(candidate, épreuve) -> (registration id, kept session) of the registrations a grade
    line may change: those with a kept session, and every one of ``kept_ids``."""
    found: dict[tuple[int, str], tuple[int, int | None]] = {}
    select = 'SELECT candidate_id, epreuve_code, id, kept_session FROM "registration" WHERE '
    for text, chunk_ids in (
        (select + "candidate_id IN {in} AND kept_session IS NOT NULL", ids),
        (select + "candidate_id IN {in}", sorted(set(kept_ids))),
    ):
        for cid, code, pk, kept in sql.fetch_in(text, chunk_ids):
            found[(cid, code)] = (pk, kept)
    return found


def _existing_grades(
    ids: Sequence[int],
) -> tuple[
    dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    dict[tuple[int, str, str], tuple[int, int | None, str | None]],
]:
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]] = {}
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]] = {}
    for cid, code, group, pk, value, gcode, kept in sql.fetch_in(
        'SELECT candidate_id, epreuve_code, "group", id, value_centi, code, kept_session '
        'FROM "grade" WHERE candidate_id IN {in}',
        ids,
    ):
        grades[(cid, code, group)] = (pk, value, gcode, kept)
    for cid, code, part, pk, value, gcode in sql.fetch_in(
        "SELECT candidate_id, epreuve_code, part_code, id, value_centi, code "
        'FROM "grade_part" WHERE candidate_id IN {in}',
        ids,
    ):
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


class _Checked:
    """What the check pass keeps of the whole file: keys, not rows."""

    def __init__(self) -> None:
        self.first_group: set[int] = set()  # candidates with a first-group line
        self.second_group: set[int] = set()
        self.subjects: dict[int, set[str]] = defaultdict(set)  # second-group subjects, by cid
        self.kept: set[tuple[int, str]] = set()  # (cid, épreuve) given kept
        self.parts: set[tuple[int, str]] = set()  # (cid, épreuve) given by parts


# a spooled line: GradeLine's fields, then the cells a refusal quotes (ine, note)
Spooled = tuple[int, int, str, int, str, int | None, str | None, int | None, str, str]


def import_grades(
    session_id: int, path: Path | str, progress: ProgressFn | None = None
) -> ImportReport:
    """Import the grades of a CSV/XLSX file (first group, second group, kept grades, parts).

    All or nothing: one refused line and nothing is written. A corrected grade replaces the
    stored one through an audited update; grades are recorded as entered by the OS login with
    source "import". ``progress`` (see :mod:`baktui.services.imports.progress`) is told how
    far it is, and may stop it (nothing written).
    """
    path = Path(path)
    report = ImportReport("notes", path.name)
    table = open_file(report, path, GRADE_REQUIRED, GRADE_OPTIONAL, GRADE_ALIASES)
    if table is None:
        return report
    tick = Ticker(progress, table.estimated_rows)
    tick.start()
    with Spool() as spool:
        try:
            checked = _check_file(session_id, table, report, spool, tick)
        except TableError as exc:  # found further down the file (malformed CSV line…)
            report.fatal = str(exc)
            report.errors.clear()
            report.warnings.clear()
            checked = None
        if checked is None or report.errors:
            report.infos.clear()
            return report
        tick.checked(report.lines)
        try:
            with write_transaction():
                _write_file(session_id, path, table, checked, spool, report, tick)
        except Refused:
            report.infos.clear()
            report.created = report.updated = report.unchanged = 0
    return report


def _check_file(
    session_id: int, table: TableStream, report: ImportReport, spool: Spool, tick: Ticker
) -> _Checked:
    """The check pass: every line parsed and checked, the accepted ones spooled."""
    reg = regulation_of(session_id)
    year = int(ExamSession.get_by_id(session_id).year)
    candidates: dict[str, CandidateRef | None] = {}
    keeper = _Keeper(spool)
    batch: list[tuple[Row, str]] = []  # a row and its INE cell
    memo = GradeMemo()

    def flush() -> None:
        # (not ``set - candidates.keys()``: that walks every candidate read so far)
        wanted = {ine.upper().replace(" ", "") for _, ine in batch}
        wanted = {ine for ine in wanted if ine not in candidates}
        if wanted:
            found = _load_candidates(session_id, wanted)
            for ine in wanted:
                candidates[ine] = found.get(ine)
        find, keep = memo.find, keeper.keep
        for row, ine in batch:
            # a line of a shape and note already accepted, no cell to refuse: kept as it is
            cand = candidates.get(ine.upper().replace(" ", ""))
            if cand is not None and plain_row(row):
                known = find(cand, row.cells)
                if known is not None:
                    code, group, part, value, grade_code, note = known
                    keep(row, cand.id, code, group, part, value, grade_code, None, ine, note)
                    continue
            _check_row(reg, year, table, row, candidates, report, keeper, memo)
        tick.add(len(batch))
        batch.clear()

    for row in table.rows():
        report.lines += 1
        batch.append((row, row.cells.get("ine", "").strip()))
        if len(batch) >= batches.BATCH:
            flush()
    flush()
    if keeper.twice:
        _refuse_twice(table, keeper.twice, keeper.codes, spool, report)
    return keeper.checked


def _key(codes: dict[tuple[str, str], int], cid: int, code: str, group: int, part: str) -> int:
    number = codes.setdefault((code, part), len(codes))
    return (cid * 4096 + number) * 4 + group


class _Keeper:
    """What the check pass keeps of each accepted line: its key (to refuse a grade given
    twice), what the write pass checks across the file (:class:`_Checked`), the line spooled."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.checked = _Checked()
        self.codes: dict[tuple[str, str], int] = {}  # (épreuve, part) -> small number
        # candidate -> bits of the (épreuve, part, groupe) given: a few bytes per candidate
        # where a set of 2.4 million keys took 150 MB
        self.seen: dict[int, int] = {}
        self.twice: list[tuple[Row, int]] = []  # lines giving a grade already given, its key

    def keep(
        self,
        row: Row,
        cid: int,
        code: str,
        group: int,
        part: str,
        value: int | None,
        grade_code: str | None,
        kept: int | None,
        ine: str,
        note: str,
        errors: Sequence[LineIssue] = (),
        report: ImportReport | None = None,
    ) -> None:
        """Keep an accepted line; one giving a grade given before goes to ``twice``, and one
        with ``errors`` (its cells) is refused in ``report``."""
        number = self.codes.get((code, part))
        if number is None:
            number = self.codes[(code, part)] = len(self.codes)
        bit = 1 << (number * 4 + group)
        given = self.seen.get(cid, 0)
        if given & bit:
            self.twice.append((row, _key(self.codes, cid, code, group, part)))
            return
        if errors:
            report.errors.extend(errors)  # type: ignore[union-attr]
            return
        self.seen[cid] = given | bit
        checked = self.checked
        if group == 2:
            checked.second_group.add(cid)
            checked.subjects[cid].add(code)
        else:
            checked.first_group.add(cid)
        if kept:
            checked.kept.add((cid, code))
        if part:
            checked.parts.add((cid, code))
        self.spool.add((row.line, cid, code, group, part, value, grade_code, kept, ine, note))


def _check_row(
    reg: Any,
    year: int,
    table: TableStream,
    row: Row,
    candidates: dict[str, CandidateRef | None],
    report: ImportReport,
    keeper: _Keeper,
    memo: GradeMemo,
) -> None:
    cell_errors = row_issues(table, row)
    line, errors, warnings, infos = parse_grade_row(reg, year, table, row, candidates, memo)
    errors = cell_errors + errors
    report.warnings.extend(warnings)
    report.infos.extend(infos)
    if line is not None:
        keeper.keep(
            row, line.candidate_id, line.code, line.group, line.part, line.value_centi,
            line.grade_code, line.kept_session, row.get("ine"), row.get("note"), errors, report,
        )  # fmt: skip
        return
    report.errors.extend(errors)
    if not errors:
        report.ignored += 1


def _refuse_twice(
    table: TableStream,
    twice: list[tuple[Row, int]],
    codes: dict[tuple[str, str], int],
    spool: Spool,
    report: ImportReport,
) -> None:
    """A grade given twice is refused at its second line, naming the first (read back from the
    spool: the check pass keeps keys, not lines)."""
    wanted = {key for _, key in twice}
    first: dict[int, int] = {}
    for batch in spool.batches():
        for item in batch:
            key = _key(codes, item[1], item[2], item[3], item[4])
            if key in wanted:
                first.setdefault(key, item[0])
    for row, key in twice:
        report.errors.append(
            LineIssue(
                row.line,
                table.headers["epreuve"],
                row.get("epreuve"),
                f"note déjà donnée ligne {first[key]} du fichier",
            )
        )


class _Cells:
    """The cells a refusal quotes (ine, note) of a batch's lines, by file line: looked up
    only when a line is refused or warned about."""

    def __init__(self, batch: Sequence[Spooled]) -> None:
        self._batch = batch
        self._by_line: dict[int, tuple[str, str]] | None = None

    def of(self, line: int) -> tuple[str, str]:
        if self._by_line is None:
            self._by_line = {item[0]: (item[8], item[9]) for item in self._batch}
        return self._by_line[line]


def _write_file(
    session_id: int,
    path: Path,
    table: TableStream,
    checked: _Checked,
    spool: Spool,
    report: ImportReport,
    tick: Ticker,
) -> None:
    """The write pass, inside the write transaction: raises Refused when a line is refused
    (checked against the stored grades, batch by batch; every batch is checked)."""
    reg = regulation_of(session_id)
    september = ExamSession.get_by_id(session_id).kind == "remplacement"
    reason = f"import des notes ({path.name})"
    # a closed or published jury's grades: the whole file is refused (LockedError)
    refuse_locked(checked.first_group, FIRST_GROUP, f"Import refusé ({path.name})")
    refuse_locked(checked.second_group, SECOND_GROUP, f"Import refusé ({path.name})")
    # no other writer appends to the journal (nor commits audited rows) until the commit: the
    # ids of the rows inserted by batch are read back in order (see _create_rows)
    audit_chain.lock(current_database())
    writer = GradeWriter(reason)
    in_file = (checked.kept, checked.parts)
    warned = len(report.warnings)
    refused = False
    for batch in spool.batches():
        lines = [GradeLine(*item[:8]) for item in batch]
        cells = _Cells(batch)
        ids = sorted({line.candidate_id for line in lines})
        grades, parts = _existing_grades(ids)
        errors = len(report.errors)
        check_second_group(reg, table, lines, grades, report, checked.subjects)
        check_kept_conflicts(table, lines, grades, parts, report, in_file)
        if september:
            check_carried(table, lines, _carried(ids), report)
        _check_closed_slips(table, lines, grades, parts, report, cells)
        refused = refused or len(report.errors) > errors
        if not refused:
            _warn_decided(table, lines, report, cells)
            registrations = _registrations(
                ids, (line.candidate_id for line in lines if line.kept_session)
            )
            # the maintained counters, in the same transaction: the new grades of the
            # candidates given nothing else counted by their delta, the others tracked
            simple = _new_grades_only(lines, grades, registrations)
            with counters.tracking(set(ids) - simple), counters.counted_by_caller(simple):
                created = writer.write(lines, grades, parts, registrations, report)
                counters.new_grades(
                    [(ln.candidate_id, ln.code, ln.grade_code) for ln in created
                     if ln.group == 1 and ln.candidate_id in simple]
                )  # fmt: skip
        tick.add(len(batch))
    if refused:
        del report.warnings[warned:]
        raise Refused
    tick.finished()


def _new_grades_only(
    lines: Sequence[GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    registrations: dict[tuple[int, str], tuple[int, int | None]],
) -> set[int]:
    """The candidates of a batch whose lines change, of what the counters count, only new
    first-group grades (see :func:`baktui.data.counters.new_grades`): no part-grade, no kept
    grade, no first-group grade replaced, no registration's kept session cleared. Second-group
    grades count for nothing."""
    simple = {line.candidate_id for line in lines}
    for line in lines:
        if line.group != 1:
            continue
        cid = line.candidate_id
        if (
            line.part
            or line.kept_session is not None
            or (cid, line.code, 1) in grades
            or (cid, line.code) in registrations
        ):
            simple.discard(cid)
    return simple


def _warn_decided(
    table: TableStream,
    lines: Sequence[GradeLine],
    report: ImportReport,
    cells: _Cells,
) -> None:
    """A second-group grade of a candidate deliberated otherwise is written, with a warning."""
    ids = sorted({line.candidate_id for line in lines if line.group == 2})
    if not ids:
        return
    decisions = _decisions(ids)
    for line in lines:
        if line.group == 2 and line.candidate_id in decisions:
            decision, done = decisions[line.candidate_id]
            if decision != SECOND_GROUPE and not done:
                report.warnings.append(
                    LineIssue(
                        line.line,
                        table.headers["ine"],
                        cells.of(line.line)[0],
                        f"candidat délibéré {decision}, pas au second groupe : note "
                        "enregistrée mais sans effet sur la délibération",
                    )
                )


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
    table: TableStream,
    lines: Sequence[GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]],
    report: ImportReport,
    cells: _Cells,
) -> None:
    """A grade of a closed slip is not changed behind it: its control totals would no longer
    hold. The line is refused until the slip is reopened (F4, Ctrl+R, audited)."""
    closed = _closed_lots(sorted({line.candidate_id for line in lines if line.group == 1}))
    if not closed:
        return
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
                    cells.of(line.line)[1],
                    f"copie du lot {number}, bordereau clos : rouvrez-le (F4, Ctrl+R) avant "
                    "d'importer une note qui le change",
                )
            )
