"""One line of a grade file, checked against the regulation and the candidate it names.

Pure once the candidates are read: :func:`parse_grade_row` turns a file line into a
:class:`GradeLine` or into refusals (each naming the file line, the column and the value), and the
checks across lines (second-group subjects, kept grades against part-grades) add theirs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from baktui.rules.deliberation import kept_grade_error
from baktui.rules.grades import Grade, GradeError, format_grade, from_centi, parse_grade_centi
from baktui.rules.identifiers import ine_error
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.regulation import PRECISION_HALF, PRECISION_TENTH_UP, Regulation
from baktui.rules.words import code_upper
from baktui.services.imports.report import ImportReport, LineIssue, tidy_reason
from baktui.services.imports.tabular import Row, Table, TableStream

GRADE_REQUIRED = ("ine", "epreuve", "note")
GRADE_OPTIONAL = ("groupe", "session")
GRADE_ALIASES = {
    "code_epreuve": "epreuve",
    "matiere": "epreuve",
    "valeur": "note",
    "groupe_d_epreuves": "groupe",
    "session_d_origine": "session",
    "annee": "session",
}


@dataclass(slots=True)
class GradeLine:
    """A grade line accepted for writing: the stored value in hundredths or a code."""

    line: int
    candidate_id: int
    code: str  # épreuve code (group 1) or second-group subject (group 2)
    group: int
    part: str  # part code of a composite spécialité, or ""
    value_centi: int | None
    grade_code: str | None
    kept_session: int | None

    @property
    def key(self) -> tuple[int, str, int, str]:
        return (self.candidate_id, self.code, self.group, self.part)


@dataclass(frozen=True, slots=True)
class CandidateRef:
    """What a grade line needs to know of the candidate it names (read in bulk)."""

    id: int
    series: str
    state: str
    registered: frozenset[str]  # the épreuve codes the candidate is registered to


def split_code(text: str) -> tuple[str, str]:
    code, _, part = code_upper(text.strip()).replace(" ", "").partition(".")
    return code, part


class GradeMemo:
    """What :func:`parse_grade_row` found for the accepted lines of an import, to accept the
    next line of the same shape without the checks again: a file of 2.4 million grades holds
    a few thousand shapes. A line is of a shape when its candidate has the same series,
    épreuves and state, and it has the same groupe, session and épreuve cells; its note is
    looked up by (cell, precision). Lines with a kept grade, a warning or an information
    (CC rounded up) always take the full path."""

    def __init__(self) -> None:
        self.shapes: dict[tuple[object, ...], tuple[str, int, str, str]] = {}
        self.notes: dict[tuple[str, str], tuple[int | None, str | None]] = {}

    @staticmethod
    def _shape(cand: CandidateRef, cells: Mapping[str, str]) -> tuple[object, ...]:
        return (
            cand.series,
            cand.registered,
            cand.state,
            cells.get("groupe", "").strip(),
            cells.get("session", "").strip(),
            cells.get("epreuve", "").strip(),
        )

    def find(
        self, cand: CandidateRef, cells: Mapping[str, str]
    ) -> tuple[str, int, str, int | None, str | None, str] | None:
        """(épreuve, groupe, part, value, code, note cell) of a line of this candidate, when
        one of the same shape and note was accepted before; else None."""
        shape = self.shapes.get(self._shape(cand, cells))
        if shape is None:
            return None
        code, group, part, precision = shape
        cell = cells.get("note", "").strip()
        note = self.notes.get((cell, precision))
        if note is None:
            return None
        return code, group, part, note[0], note[1], cell

    def line(self, row: Row, candidates: Mapping[str, CandidateRef | None]) -> GradeLine | None:
        """The line, when one of the same shape and note was accepted before; else None."""
        cand = candidates.get(row.cells.get("ine", "").strip().upper().replace(" ", ""))
        if cand is None:
            return None
        known = self.find(cand, row.cells)
        if known is None:
            return None
        code, group, part, value, grade_code, _ = known
        return GradeLine(row.line, cand.id, code, group, part, value, grade_code, None)

    def learn(self, row: Row, cand: CandidateRef, line: GradeLine, precision: str) -> None:
        self.shapes[self._shape(cand, row.cells)] = (line.code, line.group, line.part, precision)
        self.notes[(row.get("note"), precision)] = (line.value_centi, line.grade_code)


def parse_grade_row(
    reg: Regulation,
    year: int,
    table: Table | TableStream,
    row: Row,
    candidates: Mapping[str, CandidateRef | None],
    memo: GradeMemo | None = None,
) -> tuple[GradeLine | None, list[LineIssue], list[LineIssue], list[LineIssue]]:
    """(line, refusals, warnings, infos) of one grade line; line None when refused or ignored.

    ``memo`` (an import's :class:`GradeMemo`): a line of a shape already accepted is accepted
    again without the checks."""
    if memo is not None:
        known = memo.line(row, candidates)
        if known is not None:
            return known, [], [], []
    line, errors, warnings, infos, precision = _parse_grade_row(reg, year, table, row, candidates)
    if memo is not None and line is not None and not (errors or warnings or infos):
        if line.kept_session is None and precision is not None:
            cand = candidates.get(row.get("ine").upper().replace(" ", ""))
            if cand is not None:
                memo.learn(row, cand, line, precision)
    return line, errors, warnings, infos


def _parse_grade_row(
    reg: Regulation,
    year: int,
    table: Table | TableStream,
    row: Row,
    candidates: Mapping[str, CandidateRef | None],
) -> tuple[GradeLine | None, list[LineIssue], list[LineIssue], list[LineIssue], str | None]:
    errors: list[LineIssue] = []
    warnings: list[LineIssue] = []
    infos: list[LineIssue] = []

    def issue(column: str, reason: str) -> LineIssue:
        value = row.get(column)
        return LineIssue(
            row.line, table.headers.get(column, column), value, tidy_reason(reason, value)
        )

    ine = row.get("ine").upper().replace(" ", "")
    cand = candidates.get(ine)
    if cand is None:
        message = ine_error(ine)
        errors.append(issue("ine", message or "candidat inconnu : INE absent de la session"))
    elif cand.state == RegistrationState.ANNULEE:
        errors.append(issue("ine", "inscription du candidat annulée"))
    group_text = row.get("groupe") or "1"
    group = {"1": 1, "2": 2}.get(group_text)
    if group is None:
        errors.append(issue("groupe", "groupe 1 ou 2 attendu"))
    kept: int | None = None
    session_text = row.get("session")
    if session_text and session_text != str(year):
        if not session_text.isdigit() or len(session_text) != 4:
            errors.append(issue("session", "année sur 4 chiffres attendue (ex. 2025)"))
        else:
            kept = int(session_text)
            if kept > year:
                errors.append(issue("session", f"session postérieure à la session {year}"))
            elif kept < year - reg.keep_sessions:
                errors.append(
                    issue(
                        "session",
                        f"note trop ancienne : seules les notes des {reg.keep_sessions} sessions "
                        f"précédentes ({year - reg.keep_sessions} à {year - 1}) se conservent",
                    )
                )
            elif group == 2:
                errors.append(issue("session", "une note du second groupe ne se conserve pas"))
    code, part = split_code(row.get("epreuve"))
    precision: str | None = None
    if group == 1:
        if not reg.has_epreuve(code):
            hint = (
                f" (en groupe 2 : {', '.join(reg.second_group_subjects)})"
                if code in reg.second_group_subjects
                else ""
            )
            errors.append(
                issue(
                    "epreuve",
                    f"épreuve inconnue{hint} ; codes : {', '.join(e.code for e in reg.epreuves)}",
                )
            )
        elif cand is not None and code not in cand.registered:
            errors.append(issue("epreuve", f"le candidat n'est pas inscrit à l'épreuve {code}"))
        elif cand is not None:
            parts = (
                reg.series_rule(cand.series).parts(code) if cand.series in reg.series_codes else ()
            )
            names = [p.code for p in parts]
            if part:
                if not parts:
                    errors.append(
                        issue("epreuve", f"{code} n'a pas de parties en série {cand.series}")
                    )
                elif part not in names:
                    errors.append(
                        issue(
                            "epreuve",
                            f"partie « {part} » inconnue pour {code} en série {cand.series} "
                            f"(parties : {', '.join(f'{code}.{n}' for n in names)})",
                        )
                    )
                elif kept is not None:
                    errors.append(
                        issue(
                            "session",
                            "une note conservée se donne pour l'épreuve entière, pas par partie",
                        )
                    )
                else:
                    precision = PRECISION_HALF
            elif parts and kept is None:
                errors.append(
                    issue(
                        "epreuve",
                        f"{code} se compose de parties en série {cand.series} : donnez "
                        + " et ".join(f"{code}.{n}" for n in names),
                    )
                )
            else:
                precision = reg.epreuve(code).precision
    elif group == 2:
        targets = reg.second_group_subjects.get(code)
        if part or targets is None:
            errors.append(
                issue(
                    "epreuve",
                    f"matière du second groupe attendue : {', '.join(reg.second_group_subjects)}",
                )
            )
        elif cand is not None and not all(t in cand.registered for t in targets):
            errors.append(
                issue("epreuve", f"le candidat n'est pas inscrit à {' et '.join(targets)}")
            )
        else:
            precision = reg.epreuve(targets[0]).precision
    try:
        # épreuve refused: the note is still checked (range, number) with the loosest precision
        value, grade_code, rounded = parse_grade_centi(
            row.get("note"), precision or PRECISION_TENTH_UP, reg.max_grade
        )
    except GradeError as exc:
        errors.append(issue("note", str(exc)))
        return None, errors, warnings, infos, precision
    if value is None and grade_code is None:
        if not errors:
            warnings.append(issue("note", "note vide : ligne ignorée (aucune note enregistrée)"))
        return None, errors, warnings, infos, precision
    if kept is not None and group == 1 and reg.has_epreuve(code):
        message = kept_grade_error(reg, code, _grade(value, grade_code))
        if message:
            errors.append(issue("note", f"note conservée refusée : {message}"))
    if errors or cand is None or group is None or precision is None:
        return None, errors, warnings, infos, precision
    if rounded:
        infos.append(
            LineIssue(
                row.line,
                table.headers["note"],
                row.get("note"),
                f"{code} arrondie au dixième supérieur : {format_grade(from_centi(value or 0))}",
            )
        )
    return (
        GradeLine(row.line, cand.id, code, group, part, value, grade_code, kept),
        errors,
        warnings,
        infos,
        precision,
    )


def _grade(value: int | None, code: str | None) -> Grade:
    return Grade(code=code) if code is not None else Grade.of(from_centi(value or 0))


def check_second_group(
    reg: Regulation,
    table: Table | TableStream,
    lines: Sequence[GradeLine],
    grades: dict[tuple[int, str, int], Any],
    report: ImportReport,
    in_file: dict[int, set[str]] | None = None,
) -> None:
    """At most reg.second_group_max second-group subjects per candidate (stored + file).

    ``in_file``: the second-group subjects each candidate has in the whole file, when
    ``lines`` are one batch of it (default: those of ``lines``)."""
    stored: dict[int, set[str]] = defaultdict(set)
    for cid, code, group in grades:
        if group == 2:
            stored[cid].add(code)
    wanted: dict[int, list[GradeLine]] = defaultdict(list)
    for line in lines:
        if line.group == 2:
            wanted[line.candidate_id].append(line)
    for cid, group_lines in wanted.items():
        given = in_file[cid] if in_file is not None else {line.code for line in group_lines}
        subjects = stored[cid] | given
        if len(subjects) <= reg.second_group_max:
            continue
        ordered = [s for s in reg.second_group_subjects if s in subjects]
        for line in group_lines:
            if line.code in stored[cid]:
                continue
            report.errors.append(
                LineIssue(
                    line.line,
                    table.headers["epreuve"],
                    line.code,
                    f"au plus {reg.second_group_max} matières au second groupe ; ce candidat "
                    f"en aurait {len(ordered)} : {', '.join(ordered)}",
                )
            )


def check_carried(
    table: Table | TableStream,
    lines: Sequence[GradeLine],
    carried: set[tuple[int, str]],
    report: ImportReport,
) -> None:
    """September: a first-group grade carried from June is not imported again (it is June's
    grade as it stands; a correction is made in the June session)."""
    for line in lines:
        if line.group == 1 and (line.candidate_id, line.code) in carried:
            report.errors.append(
                LineIssue(
                    line.line,
                    table.headers["epreuve"],
                    line.code,
                    f"note de juin reportée dans la session de remplacement : {line.code} "
                    "n'est pas à repasser en septembre (corriger dans la session de juin)",
                )
            )


def check_kept_conflicts(
    table: Table | TableStream,
    lines: Sequence[GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    parts: dict[tuple[int, str, str], Any],
    report: ImportReport,
    in_file: tuple[set[tuple[int, str]], set[tuple[int, str]]] | None = None,
) -> None:
    """Part-grades cannot be given for a spécialité whose grade is kept, nor the reverse.

    ``in_file``: the (candidate, épreuve) given kept, and given by parts, in the whole file,
    when ``lines`` are one batch of it (default: those of ``lines``)."""
    if in_file is not None:
        in_file_kept, in_file_parts = in_file
    else:
        in_file_kept = {(line.candidate_id, line.code) for line in lines if line.kept_session}
        in_file_parts = {(line.candidate_id, line.code) for line in lines if line.part}
    stored_parts = {(cid, code) for cid, code, _ in parts}
    for line in lines:
        key = (line.candidate_id, line.code)
        if line.part:
            stored = grades.get((line.candidate_id, line.code, 1))
            if (stored is not None and stored[3] is not None) or key in in_file_kept:
                report.errors.append(
                    LineIssue(
                        line.line,
                        table.headers["epreuve"],
                        f"{line.code}.{line.part}",
                        f"{line.code} a une note conservée : pas de note par partie",
                    )
                )
        elif line.kept_session and line.group == 1:
            if key in stored_parts or key in in_file_parts:
                report.errors.append(
                    LineIssue(
                        line.line,
                        table.headers["session"],
                        str(line.kept_session),
                        f"{line.code} a déjà des notes par partie pour cette session",
                    )
                )
