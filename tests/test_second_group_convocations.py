"""Second-group convocations and the examiners' sheet (issue 13, « Second group »)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from helpers import copy_base
from pypdf import PdfReader

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import CalendarEntry, Candidate, ExamSession, Jury, Result
from baktui.exports.second_group import SecondGroupConvocation
from baktui.rules.jury_aids import second_group_whatif
from baktui.services.candidate_files import candidate_file
from baktui.services.deliberation import deliberate_session
from baktui.services.jury_deliberation import set_second_group
from baktui.services.second_group_convocations import (
    IMPOSSIBLE,
    build_second_group,
    issue_second_group,
    sheet_path,
)
from baktui.services.sessions import regulation_of


@pytest.fixture
def demo(demo_file, tmp_path: Path, monkeypatch):
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    dbmod.open_database(str(path))
    session_id = int(ExamSession.select().first().id)
    deliberate_session(session_id)
    yield path, session_id
    dbmod.close_database()


def second_group_candidates(limit: int) -> list[Candidate]:
    """SECOND_GROUPE candidates of the jury that has the most of them."""
    rows = list(
        Candidate.select()
        .join(Result, on=Result.candidate == Candidate.id)
        .where((Result.decision == "SECOND_GROUPE") & Candidate.jury.is_null(False))
        .order_by(Candidate.number)
    )
    by_jury: dict[int, list[Candidate]] = {}
    for c in rows:
        by_jury.setdefault(c.jury_id, []).append(c)
    return max(by_jury.values(), key=len)[:limit]


def pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def needed_of(session_id: int, candidate: Candidate, chosen: tuple[str, ...]) -> str:
    reg = regulation_of(session_id)
    file = dataclasses.replace(candidate_file(reg, candidate.id), second_group={})
    (w,) = [w for w in second_group_whatif(reg, file) if w.subjects == chosen]
    return IMPOSSIBLE if w.min_grade is None else str(w.min_grade)


def test_convocation_lists_the_subjects_and_never_the_needed_grade(demo, tmp_path) -> None:
    _, session_id = demo
    (candidate,) = second_group_candidates(1)
    set_second_group(session_id, candidate.id, "PHI SP1")
    jury = Jury.get_by_id(candidate.jury_id)
    out = tmp_path / "sg.pdf"
    conv, sheet, batch = issue_second_group(session_id, jury.number, path=out)
    assert conv.path == out and sheet.path == sheet_path(out) == tmp_path / "sg-examinateurs.pdf"
    assert [c.candidate_id for c in batch.convocations] == [candidate.id]
    assert "needed" not in {f.name for f in dataclasses.fields(SecondGroupConvocation)}
    (text,) = pages(out)
    assert candidate.number in text and "CONVOCATION AU SECOND GROUPE" in text
    assert "PHI — Philosophie" in text and "SP1 — Spécialité 1" in text
    assert f"n° {jury.number}" in text and "pièce d’identité" in text
    assert "date communiquée par le centre" in text  # the demo's PHI/SP1 dates are 1st group's
    needed = needed_of(session_id, candidate, ("PHI", "SP1"))
    for word in ("minimum", "minimale", "pour être admis", "impossible", "examinateurs"):
        assert word not in text.casefold()
    sheet_text = "\n".join(pages(sheet.path))
    assert needed in sheet_text and "Minimum pour être admis" in sheet_text
    assert not re.search(rf"(?<![\d,]){re.escape(needed)}(?![\d,])", text.split("Épreuves")[1])


def test_examiners_sheet_gives_second_group_whatif_grade(demo, tmp_path) -> None:
    _, session_id = demo
    chosen = {}
    choices = ("PHI SP1", "FR", "SP2", "FR PHI")
    for candidate, choice in zip(second_group_candidates(4), choices, strict=True):
        set_second_group(session_id, candidate.id, choice)
        chosen[candidate] = tuple(s for s in ("FR", "PHI", "SP1", "SP2") if s in choice.split())
    number = Jury.get_by_id(next(iter(chosen)).jury_id).number
    batch = build_second_group(session_id, number)
    assert len(batch.convocations) == 4
    lines = {(s.subject, line.number): line for s in batch.sheets for line in s.lines}
    for candidate, subjects in chosen.items():
        needed = needed_of(session_id, candidate, subjects)
        for subject in subjects:
            assert lines[(subject, candidate.number)].needed == needed
    conv, sheet, _ = issue_second_group(session_id, number, path=tmp_path / "c.pdf")
    sheet_pages = pages(sheet.path)
    assert len(sheet_pages) == len(batch.sheets)  # one page per subject and centre here
    for candidate, subjects in chosen.items():
        needed = needed_of(session_id, candidate, subjects)
        for subject in subjects:
            (page,) = [p for p in sheet_pages if f"SECOND GROUPE — {subject} —" in p]
            (row,) = [r for r in page.splitlines() if r.startswith(candidate.number)]
            assert row.rstrip().endswith(needed)
    conv_pages = pages(conv.path)
    assert len(conv_pages) == 4
    assert not any(IMPOSSIBLE in p for p in conv_pages)


def test_dates_from_the_calendar_after_the_deliberation(demo) -> None:
    _, session_id = demo
    (candidate,) = second_group_candidates(1)
    set_second_group(session_id, candidate.id, "FR PHI")
    jury = Jury.get_by_id(candidate.jury_id)
    after = (jury.deliberation_date or dt.date(2026, 7, 3)) + dt.timedelta(days=3)
    CalendarEntry.create(session=session_id, epreuve_code="FR", day=after, start_time="09:30",
                         duration_min=50)  # fmt: skip
    CalendarEntry.create(session=session_id, epreuve_code="PHI", series=candidate.series,
                         day=dt.date(2026, 6, 1), start_time="08:00", duration_min=240)  # fmt: skip
    (conv,) = build_second_group(session_id, jury.number).convocations
    fr, phi = conv.slots
    assert (fr.subject, fr.day, fr.start_time, fr.duration_min) == ("FR", after, "09:30", 50)
    assert phi.day is None or phi.day > (jury.deliberation_date or dt.date.min)


def test_cli_second_groupe_exit_codes(demo, tmp_path, capsys) -> None:
    path, session_id = demo
    (candidate,) = second_group_candidates(1)
    set_second_group(session_id, candidate.id, "SP1")
    number = Jury.get_by_id(candidate.jury_id).number
    dbmod.close_database()
    db = ["--db", str(path)]
    out = tmp_path / "sg.pdf"
    assert main([*db, "documents", "second-groupe", "--jury", str(number), str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 convocations" in said and "examinateurs" in said
    assert out.exists() and (tmp_path / "sg-examinateurs.pdf").exists()
    assert main([*db, "documents", "second-groupe", "--jury", "99", str(out)]) == 1
    assert "Aucun jury n° 99" in capsys.readouterr().err
    assert main([*db, "documents", "second-groupe", str(tmp_path / "all.pdf")]) == 0
    assert (tmp_path / "all-examinateurs.pdf").exists()
    capsys.readouterr()
    assert main([*db, "documents", "pv", str(tmp_path / "pv.pdf")]) == 1
    assert "--jury" in capsys.readouterr().err
    dbmod.open_database(str(path))
