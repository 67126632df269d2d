"""Issue 15: on the sample académie, every candidate has one place per written épreuve, no room
is over capacity, and a re-run keeps what was fixed by hand."""

from __future__ import annotations

from pathlib import Path

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
