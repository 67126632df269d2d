"""F7 readiness (issue 13, « before »): one line per jury, and each jury's blocking lines with the
screen that fixes them. Hand-built cases on the sample candidates, on SQLite and, when
``BAKTUI_TEST_POSTGRES`` names a server, on PostgreSQL; then the small demo."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import pin_login

from baktui.data import audit
from baktui.data import db as dbmod
from baktui.data.db import write_transaction
from baktui.data.models import Anonymat, Candidate, DoubleEntry, Examiner, Grade, Jury, Lot
from baktui.demo import DemoSummary
from baktui.errors import NotFoundError
from baktui.services.deliberation import deliberate_session
from baktui.services.imports.candidates import import_candidates
from baktui.services.imports.etablissements import import_etablissements
from baktui.services.imports.grades import import_grades
from baktui.services.readiness import (
    KIND_AJ,
    KIND_CHANGED,
    KIND_DISAGREEMENT,
    KIND_MISSING,
    KIND_SLIP,
    jury_blockers,
    readiness,
)
from baktui.services.sessions import current_session, open_registre

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SERVER = os.environ.get("BAKTUI_TEST_POSTGRES", "")

MARTIN, NGUYEN, BENALI, ROUSSEAU, GARCIA = (
    "0701234561A",  # FRE missing, in lot 5 (no correcteur, open)
    "0701234562B",  # PHI missing, blind passes disagree in lot 6 (open, correcteur)
    "0701234563C",  # a grade changed after the deliberation run
    "0701234566F",  # AJ on PHI in the sample grades
    "0701234567G",  # alone in jury 2, complete
)


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(SERVER)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def base(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """A fresh base (SQLite, or a throw-away PostgreSQL database) with the 2026 session."""
    pin_login(monkeypatch, "gestionnaire")
    name = ""
    if request.param == "sqlite":
        dbmod.open_database(str(tmp_path / "bac.sqlite"), create=True)
    else:
        if not SERVER:
            pytest.skip("BAKTUI_TEST_POSTGRES non défini")
        name = f"baktui_test_{uuid.uuid4().hex[:12]}"
        _admin(f"CREATE DATABASE {name}")
        dbmod.open_database(f"{SERVER.rsplit('/', 1)[0]}/{name}")
    try:
        yield open_registre(2026).id
    finally:
        dbmod.close_database()
        if name:
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def cid(ine: str) -> int:
    return int(Candidate.get(Candidate.ine == ine).id)


def _copy(ine: str, code: str, lot: Lot, number: str) -> Anonymat:
    return Anonymat.create(candidate=cid(ine), epreuve_code=code, number=number, lot=lot)


@pytest.fixture
def juries(base: int) -> tuple[int, int, int]:
    """Sample candidates: jury 1 has every kind of blocker, jury 2 (Garcia) is complete.

    Returns (session id, jury 1 id, jury 2 id).
    """
    session_id = base
    assert import_etablissements(SAMPLES / "etablissements.csv").ok
    for run, name in ((import_candidates, "candidats.csv"), (import_grades, "notes.csv")):
        report = run(session_id, SAMPLES / name)
        assert report.ok, report.render()
    one = Jury.create(session=session_id, number=1, series_codes="")
    two = Jury.create(session=session_id, number=2, series_codes="")
    Candidate.update(jury=one.id).where(Candidate.session == session_id).execute()
    Candidate.update(jury=two.id).where(Candidate.ine == GARCIA).execute()
    examiner = Examiner.create(
        civility="Mme", last_name="Lambert", first_name="Anne", corps="CERTIFIE"
    )
    open_lot = Lot.create(session=session_id, number=5, epreuve_code="FRE", state="en_saisie")
    double = Lot.create(
        session=session_id, number=6, epreuve_code="PHI", state="en_saisie",
        correcteur=examiner.id, double_entry=True,
    )  # fmt: skip
    closed = Lot.create(session=session_id, number=7, epreuve_code="FRE", state="saisi")
    Grade.delete().where(
        ((Grade.candidate == cid(MARTIN)) & (Grade.epreuve_code == "FRE"))
        | ((Grade.candidate == cid(NGUYEN)) & (Grade.epreuve_code == "PHI"))
    ).execute()
    _copy(MARTIN, "FRE", open_lot, "A0001")
    _copy(GARCIA, "FRE", closed, "A0002")  # jury 2's copy: in a closed lot
    copy = _copy(NGUYEN, "PHI", double, "B0001")
    for entry_pass, raw in ((1, "12"), (2, "13")):
        DoubleEntry.create(
            lot=double.id, anonymat=copy.id, entry_pass=entry_pass, raw_value=raw,
            operator=f"op{entry_pass}", entered_at="2026-06-20T10:00:00",
        )  # fmt: skip
    deliberate_session(session_id)
    grade = Grade.get((Grade.candidate == cid(BENALI)) & (Grade.epreuve_code == "GO"))
    with write_transaction():
        audit.update(Grade, grade.id, {"value_centi": 1500}, reason="correction")
    return session_id, one.id, two.id


def test_board_has_one_line_per_jury_with_its_figures(juries: tuple[int, int, int]) -> None:
    session_id, one, two = juries
    board = readiness(session_id)
    assert [j.number for j in board.juries] == [1, 2]
    first, second = board.jury(one), board.jury(two)
    assert first is not None and second is not None
    assert (first.candidates, first.complete, first.incomplete) == (11, 8, 3)
    assert (first.open_slips, first.disagreements, first.changed) == (2, 1, 1)
    assert first.justified == 1
    # missing FRE + missing PHI + lots 5 and 6 + the disagreement + Benali's change
    assert first.blocking == 6 and not first.ready and first.state == "6 blocages"
    assert (second.candidates, second.complete, second.incomplete, second.blocking) == (1, 1, 0, 0)
    assert second.ready and second.state == "prête"
    assert board.ready_count == 1 and board.without_jury == 0 and board.last_run.startswith("le ")


def test_each_blocker_appears_with_the_screen_that_fixes_it(
    juries: tuple[int, int, int],
) -> None:
    session_id, one, _ = juries
    page = jury_blockers(session_id, one)
    by_kind = {}
    for line in page.blockers:
        by_kind.setdefault(line.kind, []).append(line)
    assert page.total == 7 == len(page.blockers) and page.jury_number == 1
    assert [b.kind for b in page.blockers] == [
        KIND_SLIP, KIND_SLIP, KIND_DISAGREEMENT, KIND_MISSING, KIND_MISSING, KIND_CHANGED, KIND_AJ,
    ]  # fmt: skip
    slip5, slip6 = by_kind[KIND_SLIP]
    assert slip5.target == ("grades", 5) and "sans correcteur" in slip5.label
    assert slip6.target == ("grades", 6) and "Mme LAMBERT Anne" in slip6.label
    (disagreement,) = by_kind[KIND_DISAGREEMENT]
    assert disagreement.target == ("grades", 6) and "NGUYEN Thomas" in disagreement.candidate
    martin, nguyen = by_kind[KIND_MISSING]
    assert martin.target == ("grades", 5) and martin.label.startswith("FRE ")
    assert "lot 5, sans correcteur" in martin.label and "MARTIN Léa" in martin.candidate
    assert nguyen.target == ("grades", 6) and "lot 6, correcteur Mme LAMBERT Anne" in nguyen.label
    (changed,) = by_kind[KIND_CHANGED]
    assert changed.target == ("card", cid(BENALI)) and "1 modification" in changed.label
    (aj,) = by_kind[KIND_AJ]
    assert aj.target == ("card", cid(ROUSSEAU)) and "AJ : session de remplacement" in aj.label
    assert not aj.blocking and all(b.blocking for b in page.blockers if b is not aj)
    assert "A0001" not in " ".join(b.label + b.candidate for b in page.blockers)  # no anonymat
    assert sum(b.blocking for b in page.blockers) == readiness(session_id).juries[0].blocking


def test_blockers_are_paged_across_kinds(juries: tuple[int, int, int]) -> None:
    session_id, one, _ = juries
    every = jury_blockers(session_id, one).blockers
    pages = [jury_blockers(session_id, one, offset, 3) for offset in (0, 3, 6)]
    assert [len(p.blockers) for p in pages] == [3, 3, 1]
    assert tuple(b for p in pages for b in p.blockers) == every
    assert [p.page for p in pages] == [1, 2, 3] and pages[0].pages == 3
    assert jury_blockers(session_id, one, 50, 10).blockers == ()


def test_fixing_clears_the_lines(juries: tuple[int, int, int]) -> None:
    session_id, one, _ = juries
    Lot.update(state="saisi").where(Lot.number.in_([5, 6])).execute()
    Grade.create(candidate=cid(MARTIN), epreuve_code="FRE", value_centi=1100)
    Grade.create(candidate=cid(NGUYEN), epreuve_code="PHI", value_centi=1300)  # arbitrated
    deliberate_session(session_id)
    line = readiness(session_id).jury(one)
    assert line is not None and line.ready and line.state == "prête"
    assert (line.incomplete, line.justified) == (1, 1)  # the AJ stays, shown, not blocking
    assert [b.kind for b in jury_blockers(session_id, one).blockers] == [KIND_AJ]


def test_unknown_jury_is_refused(juries: tuple[int, int, int]) -> None:
    session_id, *_ = juries
    with pytest.raises(NotFoundError):
        jury_blockers(session_id, 9999)


def test_never_deliberated_counts_no_change(base: int) -> None:
    Jury.create(session=base, number=3, series_codes="")
    board = readiness(base)
    (line,) = board.juries
    assert board.last_run == "" and line.state == "vide" and not line.ready


def test_small_demo_board_matches_its_pages(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    """On the demo: a blocking count equals the blocking lines listed, page after page."""
    path, _ = demo_file
    copy = tmp_path / "demo.sqlite"
    shutil.copy(path, copy)
    dbmod.open_database(str(copy))
    try:
        session = current_session()
        assert session is not None
        board = readiness(session.id)
        assert sum(j.candidates for j in board.juries) + board.without_jury == (
            Candidate.select().where(Candidate.state != "annulee").count()
        )
        busiest = max(board.juries, key=lambda j: j.blocking)
        assert busiest.blocking > 0
        seen, offset = [], 0
        while True:
            page = jury_blockers(session.id, busiest.jury_id, offset, 25)
            assert len(page.blockers) <= 25
            seen.extend(page.blockers)
            offset += 25
            if offset >= page.total:
                break
        assert sum(b.blocking for b in seen) == busiest.blocking
        assert len(seen) == busiest.blocking + busiest.justified
    finally:
        dbmod.close_database()
