"""The procès-verbal, the publications, the admitted lists and rectifications (issue 13)."""

from __future__ import annotations

import csv
import re
import stat
from pathlib import Path

import pytest
from helpers import copy_base
from pypdf import PdfReader

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    AuditLog,
    Candidate,
    ExamSession,
    Grade,
    Jury,
    JuryPoint,
    Result,
)
from baktui.errors import ServiceError
from baktui.rules.decision import DECISION_LABELS
from baktui.rules.deliberation import deliberate
from baktui.rules.french import typographic
from baktui.rules.lifecycles import Phase
from baktui.services.candidate_files import candidate_file, outcome_of
from baktui.services.deliberation import deliberate_session
from baktui.services.deliberation_runs import staleness
from baktui.services.publication import publish
from baktui.services.pv import build_pv, issue_pv
from baktui.services.rectification import rectify_grade
from baktui.services.results_export import result_rows
from baktui.services.sessions import regulation_of


@pytest.fixture
def demo(demo_file, tmp_path: Path, monkeypatch):
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    dbmod.open_database(str(path))
    session_id = int(ExamSession.select().first().id)
    deliberate_session(session_id)
    yield path, session_id, tmp_path / "documents"
    dbmod.close_database()


def close(number: int, group: int = 1) -> None:
    Jury.update(closed_group=group).where(Jury.number == number).execute()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_pv_figures_equal_the_results_export(demo, tmp_path: Path) -> None:
    _, session_id, _ = demo
    exported = {row[7]: row for row in result_rows(session_id) if row[8] == "3"}
    doc = build_pv(session_id, 3)
    assert len(doc.lines) == len(exported) > 50
    for line in doc.lines:
        _, last, first, series, average, decision, mention, number, _ = exported[line.number]
        assert (line.average if decision != "INCOMPLET" else "") == average
        assert (line.decision, line.mention, line.series) == (decision, mention, series)
        assert line.name == f"{last.upper()} {first}"
    assert sum(n for _, n in doc.decision_counts) == len(exported)
    # the PDF prints them: each candidate's line holds its number, average, decision, mention
    told: list[tuple[int, int]] = []  # baktui documents pv's bar: every 100 lines, then all
    issued = issue_pv(session_id, 3, path=tmp_path / "pv.pdf", progress=lambda *a: told.append(a))
    n = len(doc.lines)
    assert told == [*((d, n) for d in range(0, n, 100)), (n, n)]
    text = pdf_text(issued.path)
    lines = [t for t in text.splitlines() if re.match(r"^\d{9} ", t)]
    assert len(lines) == len(doc.lines)
    for printed, line in zip(lines, doc.lines, strict=True):
        assert printed.startswith(line.number + " " + typographic(line.name))  # N’DIAYE
        tail = " ".join(
            x for x in (line.average, DECISION_LABELS[line.decision], line.mention) if x
        )
        assert printed.endswith(tail), (printed, tail)
    assert "PROCÈS-VERBAL DE DÉLIBÉRATION" in text and "Le président du jury" in text
    assert stat.S_IMODE(issued.path.stat().st_mode) & 0o007 == 0


def test_pv_jury_points_and_second_group(demo, tmp_path: Path) -> None:
    _, session_id, _ = demo
    second = (
        Candidate.select()
        .join(Result, on=Result.candidate == Candidate.id)
        .where(
            (Candidate.jury == Jury.get(Jury.number == 2).id) & (Result.decision == "SECOND_GROUPE")
        )
        .first()
    )
    JuryPoint.create(
        candidate=second.id, epreuve_code="GO", points_centi=100, reason="livret", given_by="x",
        given_at="2026-07-03T10:00:00", jury=second.jury_id, before_centi=900, after_centi=1000,
    )  # fmt: skip
    Grade.create(candidate=second.id, epreuve_code="PHI", group=2, value_centi=1500)
    deliberate_session(session_id, jury=2)
    first = next(line for line in build_pv(session_id, 2).lines if line.number == second.number)
    assert [p.render() for p in first.points] == ["GO 9 → 10"]
    doc = build_pv(session_id, 2, group=2)
    assert doc.columns == ("FR", "PHI", "SP1", "SP2")
    assert second.number in {line.number for line in doc.lines}
    oral = next(line for line in doc.lines if line.number == second.number)
    assert oral.grades[1] == "15" and oral.first_average
    assert all(line.decision != "ADMIS" or line.first_average for line in doc.lines)
    stored = Result.get(Result.candidate == second.id)
    assert stored.second_group_done
    text = pdf_text(issue_pv(session_id, 2, path=tmp_path / "pv.pdf").path)
    assert "Points de jury\u202f: GO 9 → 10" in text
    text = pdf_text(issue_pv(session_id, 2, 2, path=tmp_path / "pv2.pdf").path)
    assert "Second groupe d’épreuves" in text and second.number in text


def test_first_publication_refusals_then_success(demo) -> None:
    _, session_id, folder = demo
    with pytest.raises(ServiceError, match="premier groupe n'est pas close"):
        publish(session_id, 6)
    close(6)
    jury = Jury.get(Jury.number == 6)
    grade = Grade.select().join(Candidate).where(Candidate.jury == jury.id).first()
    Result.delete().where(Result.candidate == grade.candidate_id).execute()
    with pytest.raises(ServiceError, match="1 candidat sans résultat"):
        publish(session_id, 6)
    Jury.update(closed_group=0).where(Jury.id == jury.id).execute()
    deliberate_session(session_id, jury=6)
    from baktui.data import audit

    audit.update(Grade, grade.id, {"value_centi": 1900}, reason="test")
    close(6)
    with pytest.raises(ServiceError, match="1 modification de notes"):
        publish(session_id, 6)
    assert Jury.get_by_id(jury.id).published_group == 0
    Jury.update(closed_group=0).where(Jury.id == jury.id).execute()
    deliberate_session(session_id, jury=6)
    close(6)
    report = publish(session_id, 6)
    assert Jury.get_by_id(jury.id).published_group == 1
    assert (
        AuditLog.select()
        .where((AuditLog.entity == "jury") & (AuditLog.field == "published_group"))
        .count()
        == 1
    )
    admitted = (
        Result.select()
        .join(Candidate, on=Result.candidate == Candidate.id)
        .where((Candidate.jury == jury.id) & (Result.decision == "ADMIS"))
        .count()
    )
    assert report.admitted == admitted > 0 and "jury n° 6" in report.render()
    pdf, csv_file = sorted(report.files, key=lambda p: p.suffix, reverse=True)
    assert pdf.suffix == ".pdf" and csv_file.suffix == ".csv" and pdf.parent == folder
    rows = list(csv.reader(csv_file.open(encoding="utf-8-sig"), delimiter=";"))
    assert rows[0] == ["centre", "nom_centre", "serie", "nom", "prenom"]
    assert len(rows) == admitted + 1
    body = csv_file.read_text(encoding="utf-8-sig") + pdf_text(pdf)
    assert not re.search(r"\d+,\d\d", body)  # no average, no grade
    assert "Admis" not in pdf_text(pdf).replace("admis", "")  # no decision column either
    for file in report.files:
        assert stat.S_IMODE(file.stat().st_mode) & 0o007 == 0
    with pytest.raises(ServiceError, match="déjà publiés"):
        publish(session_id, 6)


def test_final_publication_needs_the_second_group_closed_and_sets_the_phase(demo) -> None:
    _, session_id, _ = demo
    for jury in Jury.select():
        close(jury.number)
    publish(session_id)
    assert all(j.published_group == 1 for j in Jury.select())
    with pytest.raises(ServiceError, match="second groupe n'est pas close"):
        publish(session_id, final=True)
    for jury in Jury.select():
        close(jury.number, 2)
    deliberate_session(session_id)  # nothing rewritten (all locked), but a fresh run
    report = publish(session_id, final=True)
    assert report.phase_changed and ExamSession.get_by_id(session_id).phase == Phase.RESULTATS
    assert all(j.published_group == 2 for j in Jury.select())


def test_rectification_reason_audit_redeliberation_and_rectified_pv(demo, tmp_path) -> None:
    _, session_id, _ = demo
    close(6)
    deliberate_session(session_id, jury=6)
    candidate = (
        Candidate.select()
        .join(Result, on=Result.candidate == Candidate.id)
        .where((Candidate.jury == Jury.get(Jury.number == 6).id) & (Result.decision == "AJOURNE"))
        .first()
    )
    with pytest.raises(ServiceError, match="pas publiés"):
        rectify_grade(session_id, candidate.id, "GO", 1, "20", "erreur de report")
    publish(session_id, 6)
    with pytest.raises(ServiceError, match="motif est obligatoire"):
        rectify_grade(session_id, candidate.id, "GO", 1, "20", " a ")
    before = Grade.get((Grade.candidate == candidate.id) & (Grade.epreuve_code == "GO"))
    done = rectify_grade(session_id, candidate.id, "GO", 1, "20", "erreur de report")
    grade = Grade.get_by_id(before.id)
    assert grade.value_centi == 2000
    entry = (
        AuditLog.select()
        .where((AuditLog.entity == "grade") & (AuditLog.entity_id == str(grade.id)))
        .order_by(AuditLog.id.desc())
        .first()
    )
    assert (entry.before, entry.after) == (done.before, "20")
    assert "erreur de report" in entry.reason
    reg = regulation_of(session_id)
    expected = outcome_of(deliberate(reg, candidate_file(reg, candidate.id)))
    stored = Result.get(Result.candidate == candidate.id)
    assert (stored.decision, stored.average) == (expected[0], expected[2])
    assert stored.decision != "AJOURNE" or done.result_before == done.result_after
    assert staleness(session_id) is None  # a rectification does not make the results stale
    doc = build_pv(session_id, 6)
    assert doc.title.startswith("PV rectificatif") and len(doc.rectifications) == 2
    text = pdf_text(issue_pv(session_id, 6, path=tmp_path / "pv.pdf").path)
    assert "PV RECTIFICATIF" in text and "erreur de report" in text


def test_cli_documents_publier_rectifier_exit_codes(demo, tmp_path: Path, capsys) -> None:
    path, _, _ = demo
    candidate = Candidate.select().where(Candidate.jury == Jury.get(Jury.number == 6).id).first()
    close(6)
    dbmod.close_database()
    db = ["--db", str(path)]
    out = tmp_path / "pv6.pdf"
    assert main([*db, "documents", "pv", "--jury", "6", str(out)]) == 0
    assert out.exists() and "Procès-verbal du jury n° 6" in capsys.readouterr().out
    assert main([*db, "documents", "pv", "--jury", "99", str(out)]) == 1
    assert "Aucun jury n° 99" in capsys.readouterr().err
    assert main([*db, "publier", "--jury", "5"]) == 1
    assert "pas close" in capsys.readouterr().err
    assert main([*db, "publier", "--jury", "6"]) == 0
    assert "Publication des résultats du premier groupe" in capsys.readouterr().out
    assert main([*db, "rectifier", candidate.number, "GO", "20", "--motif", "x"]) == 1
    assert "motif" in capsys.readouterr().err
    assert main([*db, "rectifier", candidate.number, "GO", "20", "--motif", "recomptage"]) == 0
    assert "Rectification" in capsys.readouterr().out
    assert main([*db, "publier", "--jury", "6", "--final"]) == 1
    dbmod.open_database(str(path))


def test_juries_refused_for_one_reason_make_one_line() -> None:
    from baktui.services.publication import grouped

    refusals = [(n, "pas close (F7)") for n in (1, 2, 3, 5, 8, 9)]
    assert grouped([*refusals, (7, "aucun candidat")]) == [
        "jurys n° 1 à 3, 5, 8, 9 : pas close (F7)",
        "jury n° 7 : aucun candidat",
    ]


def test_a_long_name_wraps_on_the_pv_and_is_never_cut(demo, tmp_path: Path) -> None:
    """Issue 17: a cell that does not fit wraps onto more lines; no « … » where a value was."""
    _, session_id, _ = demo
    jury = Jury.get(Jury.number == 3)
    candidate = Candidate.select().where(Candidate.jury == jury.id).order_by(Candidate.id).first()
    long_last, long_first = "Olivier de la Tour d'Auvergne-Montmorency", "Anaïs-Marie-Clémentine"
    Candidate.update(last_name=long_last, first_name=long_first).where(
        Candidate.id == candidate.id
    ).execute()
    issued = issue_pv(session_id, 3, path=tmp_path / "pv.pdf")
    text = pdf_text(issued.path)
    assert "…" not in text
    flat = " ".join(text.split())  # the name spans three lines of its cell
    for word in ("OLIVIER DE LA TOUR", "D’AUVERGNE-MONTMORENCY", "Anaïs-Marie-Clémentine"):
        assert word in flat


def test_a_publication_of_every_jury_tells_its_phases(demo) -> None:
    """``baktui publier``'s bar: nothing counted at first, then each jury checked, then
    published, then the admitted lists (one step), done == total at the end."""
    from baktui.services.publication import PHASES

    _, session_id, _ = demo
    juries = [j.number for j in Jury.select().order_by(Jury.number) if
              Candidate.select().where(Candidate.jury == j.id).exists()]  # fmt: skip
    for number in juries:
        close(number)
    told: list[tuple[int, int | None]] = []
    report = publish(session_id, progress=lambda d, t: told.append((d, t)))
    n = len(report.juries)
    assert n == len(juries) > 1
    total = len(PHASES) * n
    assert told == [(0, None), *((d, total) for d in range(2 * n + 1)), (total, total)]
