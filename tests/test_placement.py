"""Issue 15: on the sample académie, every candidate has one place per written épreuve, no room
is over capacity, and a re-run keeps what was fixed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    AuditLog,
    Candidate,
    Convocation,
    ExamSession,
    Registration,
    Room,
)
from baktui.services.placement import place_candidates
from baktui.services.stats import home_counts

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")


def test_sample_academie_every_candidate_one_place_per_written_epreuve(tmp_path: Path) -> None:
    base = new_base(tmp_path / "b.sqlite")
    assert main(["--db", str(base), "init"]) == 0
    for kind in LISTS:
        assert main(["--db", str(base), "import", kind, str(SAMPLES / f"{kind}.csv")]) == 0
    dbmod.open_database(str(base))
    session = ExamSession.get(ExamSession.is_current).id
    assert home_counts(session, with_grades=False).missing_centre == 12  # the files name none
    summary = place_candidates(session)
    # each candidate now has the centre the placement chose, audited (home, F3, card see it)
    assert home_counts(session, with_grades=False).missing_centre == 0
    for c in Candidate.select():
        assert {v.centre_id for v in Convocation.select().where(Convocation.candidate == c.id)
                } == {c.centre_id} and c.version == 2  # fmt: skip
    assert AuditLog.select().where(
        (AuditLog.field == "centre")
        & (AuditLog.reason == "centre d'examen attribué par le placement")
    ).count() == 12  # fmt: skip
    written = {"FRE", "PHI", "SP1", "SP2"}
    wanted = {(r.candidate_id, r.epreuve_code) for r in Registration.select()
              if r.epreuve_code in written}  # fmt: skip
    got = [(c.candidate_id, c.epreuve_code) for c in Convocation.select()]
    assert sorted(got) == sorted(wanted) and summary.unplaced == 0
    assert all(c.room_id is not None and c.seat for c in Convocation.select())
    # no room over capacity at any sitting, no seat given twice
    for room in Room.select():
        for day, start in {(c.day, c.start_time) for c in Convocation.select()}:
            seats = [c.seat for c in Convocation.select().where(
                (Convocation.room == room.id) & (Convocation.day == day)
                & (Convocation.start_time == start))]  # fmt: skip
            assert len(seats) <= room.capacity and len(seats) == len(set(seats))
    # ST2S sits SP1 at 14:00 for 180 minutes (its own calendar line)
    st2s = Candidate.get(Candidate.series == "ST2S")
    sp1 = Convocation.get((Convocation.candidate == st2s.id) & (Convocation.epreuve_code == "SP1"))
    assert (sp1.start_time, sp1.end_time) == ("14:00", "17:00")
    # a place fixed by hand survives a new run
    moved = Convocation.get(
        (Convocation.candidate == st2s.id) & (Convocation.epreuve_code == "PHI")
    )
    Convocation.update(seat=99, fixed_by_hand=True).where(Convocation.id == moved.id).execute()
    again = place_candidates(session)
    assert again.kept == 1 and Convocation.get_by_id(moved.id).seat == 99
    assert Convocation.select().count() == len(wanted)
    dbmod.close_database()


# --- progress: what ``baktui placer`` shows while it runs ------------------------------------


def _sample_academie(tmp_path: Path) -> tuple[str, int]:
    """The sample académie imported (its base's target, kept open, and its session)."""
    base = new_base(tmp_path / "b.sqlite")
    assert main(["--db", str(base), "init"]) == 0
    for kind in LISTS:
        assert main(["--db", str(base), "import", kind, str(SAMPLES / f"{kind}.csv")]) == 0
    dbmod.open_database(str(base))
    return base, ExamSession.get(ExamSession.is_current).id


def _rows() -> list[tuple[object, ...]]:
    return sorted(
        Convocation.select(Convocation.candidate, Convocation.epreuve_code, Convocation.room,
                           Convocation.seat, Convocation.end_time).tuples()
    )  # fmt: skip


def test_placement_progress_counts_every_candidate_epreuve_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing counted while reading, then each candidate-épreuve sorted into its sitting,
    then placed and written (batches of 7 here), never going back, done == total at the end;
    the places are those of a run without progress."""
    from baktui.services import placement

    _, session = _sample_academie(tmp_path)
    place_candidates(session)
    quiet = _rows()
    monkeypatch.setattr(placement, "BATCH", 7)
    told: list[tuple[int, int | None]] = []
    place_candidates(session, progress=lambda d, t: told.append((d, t)))
    assert _rows() == quiet
    count = len(quiet)  # every registered candidate-épreuve has a place here
    assert told[0] == (0, None) and told[-1] == (2 * count, 2 * count)
    assert {t for _, t in told[1:]} == {2 * count}
    dones = [d for d, _ in told[1:]]
    assert dones == sorted(dones) and len(set(dones)) > 4
    # sorted into sittings: every 7, then all of them (each had a sitting)
    assert [d for d in dones if d <= count] == [*range(7, count + 1, 7), count]
    dbmod.close_database()


def test_a_placement_stopped_from_its_progress_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Cancelled raised by ``progress`` (while writing, or on its last call, before the
    commit) rolls the run back: the previous placement stands, no audit entry."""
    from baktui.errors import Cancelled
    from baktui.services import placement

    _, session = _sample_academie(tmp_path)
    place_candidates(session)
    # what stands differs from what a new run writes, so that a write left behind would show
    Convocation.delete().where(Convocation.epreuve_code == "PHI").execute()
    before, audited = _rows(), AuditLog.select().count()
    monkeypatch.setattr(placement, "BATCH", 7)
    for last in (False, True):

        def progress(done: int, total: int | None, last: bool = last) -> None:
            if total is not None and done > total // 2 and (done == total or not last):
                raise Cancelled("arrêté")

        with pytest.raises(Cancelled):
            place_candidates(session, progress=progress)
        assert _rows() == before and AuditLog.select().count() == audited
    dbmod.close_database()


def test_placement_checks_progress_after_each_check(tmp_path: Path) -> None:
    from baktui.services.placement_checks import STEPS, placement_checks

    _, session = _sample_academie(tmp_path)
    place_candidates(session)
    told: list[tuple[int, int | None]] = []
    checks = placement_checks(session, progress=lambda d, t: told.append((d, t)))
    assert told == [(n, STEPS) for n in range(STEPS + 1)]
    assert checks == placement_checks(session)
    dbmod.close_database()


def test_cli_placer_same_output_with_its_bars_on_a_terminal(tmp_path: Path) -> None:
    from helpers import run_baktui, run_with_terminal_stderr

    base, _ = _sample_academie(tmp_path)
    dbmod.close_database()
    shown, out, code = run_with_terminal_stderr(["--db", base, "placer"])
    assert code == 0 and "Placement" in shown
    plain = run_baktui(["--db", base, "placer"])  # a re-run places them the same
    assert plain.returncode == 0 and plain.stderr == "" and plain.stdout == out
    assert out.startswith("Placement : ") and "Contrôles du placement" in out
