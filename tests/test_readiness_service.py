"""F7 readiness (issue 13, « before »): one line per jury, and each jury's blocking lines with the
screen that fixes them. Hand-built cases on the sample candidates, on SQLite and, when
``BAKTUI_TEST_POSTGRES`` names a server, on PostgreSQL; then the small demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, copy_base, engine_database, pin_login
from readiness_data import BENALI, MARTIN, NGUYEN, ROUSSEAU, build_juries, cid

from baktui.data import db as dbmod
from baktui.data.models import Candidate, Grade, Jury, Lot
from baktui.demo import DemoSummary
from baktui.errors import NotFoundError
from baktui.services.deliberation import deliberate_session
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


@pytest.fixture(params=ENGINES)
def base(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """A fresh base (SQLite, or a throw-away PostgreSQL database) with the 2026 session."""
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        yield open_registre(2026).id


@pytest.fixture
def juries(base: int) -> tuple[int, int, int]:
    """(session, jury 1 with every kind of line, jury 2 complete): see ``readiness_data``."""
    return build_juries(base)


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
    assert (martin.short, nguyen.short) == (
        "FRE manquante, lot 5, sans correcteur",
        "PHI manquante, lot 6, LAMBERT",
    )
    assert all(len(b.short) <= 40 and b.short for b in page.blockers)  # the board's column
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


def test_candidates_without_jury_and_inactive_juries(juries: tuple[int, int, int]) -> None:
    session_id, one, two = juries
    Candidate.update(jury=None).where(Candidate.id == cid(MARTIN)).execute()
    Jury.create(session=session_id, number=9, series_codes="", active=False)
    board = readiness(session_id)
    assert board.without_jury == 1 and [j.number for j in board.juries] == [1, 2]
    first = board.jury(one)
    assert first is not None and (first.candidates, first.incomplete) == (10, 2)
    assert first.blocking == 4  # Martin's missing FRE and lot 5 are no longer the jury's


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
    copy = copy_base(path, tmp_path / "demo.sqlite")
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
