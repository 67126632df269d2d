"""The jury's deliberation services (issue 13) on the small demo, deliberated: the jury's list
and its points manquants, the what-if, jury points, the second-group choice, close and reopen."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from helpers import copy_base, pin_login

from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Candidate, Grade, Jury, JuryPoint, Result
from baktui.demo import DemoSummary
from baktui.errors import ServiceError
from baktui.rules.deliberation import deliberate
from baktui.rules.grades import truncate_2
from baktui.rules.jury_aids import missing_points
from baktui.services import jury_deliberation as jd
from baktui.services.candidate_files import candidate_file
from baktui.services.deliberation import deliberate_session
from baktui.services.jury_locks import LockedError
from baktui.services.sessions import current_session, regulation_of


@pytest.fixture
def session_id(demo_file: tuple[Path, DemoSummary], tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:  # fmt: skip
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, "president")
    dbmod.open_database(str(path))
    sid = current_session().id
    deliberate_session(sid)
    yield sid
    dbmod.close_database()


def _jury(session_id: int) -> Jury:
    return Jury.select().where(Jury.session == session_id).order_by(Jury.number).first()


def _raisable(session_id: int, decision: str) -> tuple[int, str, str]:
    """A candidate of that decision whom raising one épreuve (under 20) lets pass: (id, code,
    the grade to type)."""
    reg = regulation_of(session_id)
    for (cid,) in Candidate.select(Candidate.id).join(Result, on=Result.candidate == Candidate.id) \
            .where(Result.decision == decision).order_by(Candidate.id).tuples():  # fmt: skip
        f = candidate_file(reg, cid)
        aid = missing_points(reg, f, deliberate(reg, f))
        for code, points in aid.to_pass.per_epreuve if aid.to_pass else ():
            grade = f.grades[code]
            if grade is not None and grade.value is not None and code not in f.kept:
                target = math.ceil(grade.value + points)
                if target <= 20:
                    return cid, code, str(target)
    raise AssertionError(f"no {decision} candidate to raise in the demo")


def test_the_jury_list_sorts_and_shows_the_gaps(session_id: int) -> None:
    jury = _jury(session_id)
    page = jd.jury_page(session_id, jury.id)
    count = Candidate.select().where(Candidate.jury == jury.id).count()
    assert page.total == count and len(page.lines) == min(count, jd.PAGE_SIZE)
    averages = [
        Fraction(line.average.replace(",", ".")) for line in page.lines if line.average != "—"
    ]
    assert averages == sorted(averages, reverse=True)
    stored = Result.get(Result.candidate == page.lines[0].candidate_id)
    assert page.lines[0].average == truncate_2(Fraction(stored.average))
    names = [line.name for line in jd.jury_page(session_id, jury.id, "name").lines]
    assert names == sorted(names, key=str.casefold)
    gaps = [line for line in page.lines if line.decision == "2nd groupe"]
    assert gaps and all(line.gap.endswith(" pour 10") for line in gaps)  # « 12,5 pour 10 »
    assert {line.decision for line in page.lines} <= {"Admis", "2nd groupe", "Ajourné",
                                                      "Incomplet", "Non délib."}  # fmt: skip
    with pytest.raises(ServiceError):
        jd.jury_page(session_id, jury.id, "hasard")


def test_what_if_changes_nothing_in_the_base(session_id: int) -> None:
    cid, code, grade = _raisable(session_id, "SECOND_GROUPE")
    before = (AuditLog.select().count(), Result.get(Result.candidate == cid).average)
    outcome = jd.what_if(session_id, cid, {code: grade})
    assert outcome.decision == "Admis" and not outcome.errors
    refused = jd.what_if(session_id, cid, {code: "25", "XYZ": "12"})
    assert set(refused.errors) == {code, "XYZ"}
    assert (AuditLog.select().count(), Result.get(Result.candidate == cid).average) == before


def test_jury_points_raise_a_grade_with_a_reason_and_can_be_taken_back(session_id: int) -> None:
    cid, code, grade = _raisable(session_id, "SECOND_GROUPE")
    with pytest.raises(ServiceError, match="motif est obligatoire"):
        jd.give_points(session_id, cid, code, grade, "  ")
    with pytest.raises(ServiceError, match="Points de jury refusés"):
        jd.give_points(session_id, cid, code, "21", "au-dessus du maximum")
    with pytest.raises(ServiceError, match="plus haute"):
        jd.give_points(session_id, cid, code, "0", "plus bas")
    assert JuryPoint.select().count() == 0
    detail = jd.give_points(session_id, cid, code, grade, "harmonisation du jury")
    assert detail.decision == "Admis"
    point = JuryPoint.get(JuryPoint.candidate == cid)
    candidate = Candidate.get_by_id(cid)
    assert (point.epreuve_code, point.after_centi, point.reason, point.given_by, point.jury_id) == (
        code, int(grade) * 100, "harmonisation du jury", "president", candidate.jury_id
    )  # fmt: skip
    assert point.points_centi == point.after_centi - point.before_centi > 0
    assert Result.get(Result.candidate == cid).decision == "ADMIS"
    line = next(x for x in detail.lines if x.code == code)
    assert line.point_id == point.id and "jury" in line.note
    with pytest.raises(ServiceError, match="déjà"):
        jd.give_points(session_id, cid, code, "20", "encore")
    back = jd.undo_points(session_id, cid, point.id, "erreur de ligne")
    assert back.decision == "Second groupe" and JuryPoint.select().count() == 0
    assert Result.get(Result.candidate == cid).decision == "SECOND_GROUPE"


def test_second_group_choice(session_id: int) -> None:
    cid, _, _ = _raisable(session_id, "SECOND_GROUPE")
    with pytest.raises(ServiceError, match="Choix refusé"):
        jd.set_second_group(session_id, cid, "PHI SP1 SP2")
    with pytest.raises(ServiceError, match="inconnue : MAT"):
        jd.set_second_group(session_id, cid, "MAT")
    detail = jd.set_second_group(session_id, cid, "phi, sp1")
    assert detail.second_group == ("PHI", "SP1")
    rows = Grade.select().where((Grade.candidate == cid) & (Grade.group == 2))
    assert {(g.epreuve_code, g.value_centi) for g in rows} == {("PHI", None), ("SP1", None)}
    assert jd.set_second_group(session_id, cid, "FR").second_group == ("FR",)
    admitted = Candidate.select(Candidate.id).join(Result, on=Result.candidate == Candidate.id) \
        .where(Result.decision == "ADMIS").first()  # fmt: skip
    with pytest.raises(ServiceError, match="pas admis au second groupe"):
        jd.set_second_group(session_id, admitted.id, "PHI")


def test_a_closed_jury_is_locked_until_reopened_with_a_reason(session_id: int) -> None:
    cid, code, grade = _raisable(session_id, "SECOND_GROUPE")
    jury_id = Candidate.get_by_id(cid).jury_id
    message = jd.close_jury(session_id, jury_id)
    assert "premier groupe" in message and Jury.get_by_id(jury_id).closed_group == 1
    with pytest.raises(LockedError, match="délibération du premier groupe close"):
        jd.give_points(session_id, cid, code, grade, "trop tard")
    with pytest.raises(ServiceError, match="motif"):
        jd.reopen_jury(session_id, jury_id, "")
    assert jd.reopen_jury(session_id, jury_id, "erreur de saisie signalée").endswith("rouverte.")
    entry = AuditLog.select().where((AuditLog.entity == "jury") & (AuditLog.field == "closed_group")) \
        .order_by(AuditLog.id.desc()).get()  # fmt: skip
    assert (entry.before, entry.after, entry.who) == ("1", "0", "president")
    assert "erreur de saisie signalée" in entry.reason
    assert jd.give_points(session_id, cid, code, grade, "après réouverture").decision == "Admis"
    # the second group closes only once every second-group candidate has chosen and been graded
    jd.close_jury(session_id, jury_id)
    with pytest.raises(ServiceError, match="second groupe refusée"):
        jd.close_jury(session_id, jury_id)


def test_second_group_grades_then_the_jury_deliberated_again(session_id: int) -> None:
    cid, _, _ = _raisable(session_id, "SECOND_GROUPE")
    jd.set_second_group(session_id, cid, "PHI")
    with pytest.raises(ServiceError, match="pas une matière choisie"):
        jd.enter_second_group_grade(session_id, cid, "SP1", "12")
    with pytest.raises(ServiceError, match="Note refusée"):
        jd.enter_second_group_grade(session_id, cid, "PHI", "vingt")
    detail = jd.enter_second_group_grade(session_id, cid, "PHI", "20")
    grade = Grade.get((Grade.candidate == cid) & (Grade.group == 2))
    assert (grade.epreuve_code, grade.value_centi, grade.entered_by) == ("PHI", 2000, "president")
    stored = Result.get(Result.candidate == cid)
    assert stored.second_group_done and detail.decision in ("Admis", "Ajourné")
    assert "second groupe" in " ".join(line.label for line in detail.lines)
    jury_id = Candidate.get_by_id(cid).jury_id
    said = jd.deliberate_jury(session_id, jury_id)
    assert f"jury {Jury.get_by_id(jury_id).number}" in said
    assert Result.get(Result.candidate == cid).decision == stored.decision
