"""A closed or published jury's grades and results: every writer refuses, and writes nothing.

The import of grades, the F4 slip, the missing-grades entry and the deliberation call
``refuse_locked`` inside their write transaction (issue 13).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_base

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    Anonymat,
    AuditLog,
    Candidate,
    ExamSession,
    Grade,
    Jury,
    Lot,
    Result,
)
from baktui.rules.lifecycles import LotState
from baktui.services.deliberation import deliberate_session
from baktui.services.grade_slip.editor import open_slip
from baktui.services.imports.grades import import_grades
from baktui.services.jury_locks import LockedError
from baktui.services.missing_grades import MissingLine, enter_missing_grade


@pytest.fixture
def demo(demo_file, tmp_path: Path):
    """The small demo, deliberated, open (a copy of the module's demo)."""
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    session_id = int(ExamSession.select().first().id)
    deliberate_session(session_id)
    yield path, session_id
    dbmod.close_database()


def lock(number: int, closed: int = 0, published: int = 0) -> Jury:
    Jury.update(closed_group=closed, published_group=published).where(
        Jury.number == number
    ).execute()
    return Jury.get(Jury.number == number)


def audit_count() -> int:
    return AuditLog.select().count()


def graded(jury: Jury, code: str | None = None) -> Grade:
    query = (
        Grade.select()
        .join(Candidate)
        .where((Candidate.jury == jury.id) & (Grade.group == 1) & Grade.value_centi.is_null(False))
    )
    if code:
        query = query.where(Grade.epreuve_code == code)
    return query.order_by(Grade.id).first()


def grade_file(tmp_path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path = tmp_path / "notes.csv"
    rows = ["ine;epreuve;note;groupe"] + [";".join(line) for line in lines]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def other(value_centi: int) -> str:
    return "12" if value_centi != 1200 else "13"


def test_import_refused_for_a_closed_jury_and_nothing_written(demo, tmp_path: Path) -> None:
    path, session_id = demo
    jury = lock(6, closed=1)
    grade = graded(jury, "GO")
    free = graded(Jury.get(Jury.number == 1), "GO")
    file = grade_file(
        tmp_path,
        [
            (free.candidate.ine, "GO", other(free.value_centi), "1"),  # an open jury: fine alone
            (grade.candidate.ine, "GO", other(grade.value_centi), "1"),
        ],
    )
    before = audit_count()
    with pytest.raises(LockedError) as refused:
        import_grades(session_id, file)
    assert "jury n° 6 : délibération du premier groupe close" in str(refused.value)
    assert "Rien n'a été enregistré" in str(refused.value)
    assert Grade.get_by_id(grade.id).value_centi == grade.value_centi
    assert Grade.get_by_id(free.id).value_centi == free.value_centi  # the whole file refused
    assert audit_count() == before
    # once reopened, the same file goes through
    lock(6)
    assert import_grades(session_id, file).ok


def test_import_notes_cli_exits_1_with_the_message(demo, tmp_path: Path, capsys) -> None:
    path, _ = demo
    jury = lock(6, published=1)
    grade = graded(jury, "GO")
    file = grade_file(tmp_path, [(grade.candidate.ine, "GO", other(grade.value_centi), "1")])
    dbmod.close_database()
    assert main(["--db", str(path), "import", "notes", str(file)]) == 1
    err = capsys.readouterr().err
    assert "Import refusé" in err and "résultats du premier groupe publiés" in err
    dbmod.open_database(str(path))
    assert Grade.get_by_id(grade.id).value_centi == grade.value_centi


def test_second_group_grades_stay_open_after_the_first_group_closes(demo, tmp_path) -> None:
    _, session_id = demo
    jury = lock(2, closed=1)
    second = (
        Candidate.select()
        .join(Result, on=Result.candidate == Candidate.id)
        .where((Candidate.jury == jury.id) & (Result.decision == "SECOND_GROUPE"))
        .first()
    )
    file = grade_file(tmp_path, [(second.ine, "PHI", "14", "2")])
    report = import_grades(session_id, file)
    assert report.ok, report.render()
    lock(2, closed=2)
    file = grade_file(tmp_path, [(second.ine, "PHI", "15", "2")])
    with pytest.raises(LockedError, match="second groupe close"):
        import_grades(session_id, file)
    stored = Grade.get((Grade.candidate == second.id) & (Grade.group == 2))
    assert stored.value_centi == 1400


def _open_lot_row(jury: Jury):
    """(slip, index) of a copy of ``jury`` on a slip still open for entry."""
    copy = (
        Anonymat.select(Anonymat, Lot)
        .join(Lot)
        .switch(Anonymat)
        .join(Candidate)
        .where((Candidate.jury == jury.id) & (Lot.state != LotState.SAISI) & ~Lot.double_entry)
        .first()
    )
    slip = open_slip(int(ExamSession.select().first().id), copy.lot.number)
    index = next(i for i, k in enumerate(slip._visible) if slip._rows[k].anonymat_id == copy.id)
    return slip, index, copy


def test_slip_commit_refused_for_a_closed_jury(demo) -> None:
    jury = lock(1, closed=1)
    slip, index, copy = _open_lot_row(jury)
    stored = Grade.get_or_none(
        (Grade.candidate == copy.candidate_id) & (Grade.epreuve_code == copy.epreuve_code)
    )
    before = audit_count()
    with pytest.raises(LockedError, match="Note refusée"):
        slip.commit(index, "11")
    after = Grade.get_or_none(
        (Grade.candidate == copy.candidate_id) & (Grade.epreuve_code == copy.epreuve_code)
    )
    assert (after and after.value_centi) == (stored and stored.value_centi)
    assert audit_count() == before
    lock(1)
    slip, index, _ = _open_lot_row(jury)
    assert slip.commit(index, "11").changed


def test_missing_grade_entry_refused_for_a_published_jury(demo) -> None:
    _, session_id = demo
    jury = lock(1, published=2)
    candidate = Candidate.select().where(Candidate.jury == jury.id).first()
    Grade.delete().where((Grade.candidate == candidate.id) & (Grade.epreuve_code == "GO")).execute()
    line = MissingLine(f"c:{candidate.id}:GO", "GO", "GO")
    before = audit_count()
    with pytest.raises(LockedError, match="jury n° 1 : résultats publiés"):
        enter_missing_grade(session_id, line, "12")
    assert (
        not Grade.select()
        .where((Grade.candidate == candidate.id) & (Grade.epreuve_code == "GO"))
        .exists()
    )
    assert audit_count() == before


def test_deliberer_refuses_a_locked_jury(demo, capsys) -> None:
    path, session_id = demo
    lock(3, closed=2)
    with pytest.raises(LockedError, match="Délibération refusée : jury n° 3"):
        deliberate_session(session_id, jury=3)
    dbmod.close_database()
    assert main(["--db", str(path), "deliberer", "--jury", "3"]) == 1
    assert "Délibération refusée" in capsys.readouterr().err
    dbmod.open_database(str(path))


def test_deliberer_session_keeps_the_locked_juries_results(demo) -> None:
    _, session_id = demo
    jury = lock(6, closed=2)
    grade = graded(jury, "GO")
    result = Result.get(Result.candidate == grade.candidate_id)
    # a grade changed behind the lock (as a hostile script would): the result is not rewritten
    Grade.update(value_centi=0).where(Grade.id == grade.id).execute()
    summary = deliberate_session(session_id, everyone=True)  # --tout: every jury looked at
    assert Result.get(Result.candidate == grade.candidate_id).average == result.average
    in_jury = Candidate.select().where(Candidate.jury == jury.id).count()
    assert summary.locked == in_jury
    assert summary.total == Candidate.select().count() - in_jury
    assert "jury n° 6 : délibération du second groupe close" in summary.render()
    assert "non redélibérés" in summary.render()


def test_deliberer_after_first_group_closed_redeliberates_second_group_only(demo, tmp_path) -> None:
    _, session_id = demo
    jury = lock(2, closed=1)
    in_jury = Candidate.select().where(Candidate.jury == jury.id)
    second = (
        in_jury.join(Result, on=Result.candidate == Candidate.id)
        .where(Result.decision == "SECOND_GROUPE")
        .first()
    )
    assert import_grades(session_id, grade_file(tmp_path, [(second.ine, "PHI", "20", "2")])).ok
    summary = deliberate_session(session_id, jury=2)
    assert Result.get(Result.candidate == second.id).second_group_done
    seconds = (
        Result.select()
        .join(Candidate, on=Result.candidate == Candidate.id)
        .where(
            (Candidate.jury == jury.id)
            & (Result.second_group_done | (Result.decision == "SECOND_GROUPE"))
        )
        .count()
    )
    assert summary.total == seconds
    assert summary.locked == in_jury.count() - seconds


def test_slip_clear_and_undo_refused_once_the_jury_closes(demo) -> None:
    jury = Jury.get(Jury.number == 1)
    slip, index, copy = _open_lot_row(jury)
    assert slip.commit(index, "13").changed
    lock(1, closed=1)
    before = audit_count()
    with pytest.raises(LockedError):
        slip.undo()
    with pytest.raises(LockedError):
        slip.clear(index)
    grade = Grade.get(
        (Grade.candidate == copy.candidate_id) & (Grade.epreuve_code == copy.epreuve_code)
    )
    assert grade.value_centi == 1300 and audit_count() == before


def test_deliberer_session_cli_says_which_juries_are_kept(demo, capsys) -> None:
    path, _ = demo
    lock(7, closed=2)
    dbmod.close_database()
    assert main(["--db", str(path), "deliberer", "--tout"]) == 0
    out = capsys.readouterr().out
    assert "de jurys verrouillés non redélibérés" in out and "jury n° 7" in out
    dbmod.open_database(str(path))
