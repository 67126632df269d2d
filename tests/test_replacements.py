"""Absence and replacement of examiners: uncovered needs, ranking, one-key assignment."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from test_juries_service import DAY, World, build_world

from baktui.data.db import current_database
from baktui.data.models import (
    Absence,
    Assignment,
    AuditLog,
    Document,
    Examiner,
    Jury,
    JuryMember,
    Lot,
    OralSlot,
)
from baktui.errors import ConflictError, ServiceError
from baktui.rules.identifiers import fold
from baktui.services import absences, eligibility, needs, replacements
from baktui.services.missions import mission_of_assignment
from baktui.services.sessions import SessionInfo


@pytest.fixture
def world(session: SessionInfo) -> World:
    return build_world(session)


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "docs"
    monkeypatch.setenv("BAKTUI_OUT", str(folder))
    return folder


def test_mark_absent_lists_what_is_uncovered(world: World) -> None:
    with pytest.raises(ServiceError, match="motif"):
        absences.mark_absent(world.examiners["absent"], DAY, "   ")
    info = absences.mark_absent(world.examiners["absent"], DAY, "  malade  ")
    assert info.reason == "malade" and not info.resolved and info.open_needs == 1
    with pytest.raises(ServiceError, match="déjà déclaré absent"):
        absences.mark_absent(world.examiners["absent"], DAY, "malade")
    assert AuditLog.select().where(AuditLog.entity == "absence").count() == 1
    uncovered = needs.needs_of_absence(info.id)
    assert len(uncovered) == 1
    need = uncovered[0]
    assert need.assignment_id == world.correction
    assert "lot n° 1 (10 copies)" in need.label
    assert need.etablissements == "Lycée B, Lycée C"
    assert need.absence_reason == "malade"
    # an absence on a day without missions is resolved at once
    free = absences.mark_absent(world.examiners["near"], DAY + dt.timedelta(days=3), "x")
    assert free.resolved and free.open_needs == 0


def test_ranking_nearest_first_with_refusals_explained(world: World) -> None:
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    ranking = replacements.rank_replacements(world.correction)
    names = [o.name for o in ranking.options]
    # NEAR 9 km (table), BUSY 0 km? no: busy 08-12 clashes with 09-12; FAR ≈58 km (estimate)
    assert names == ["NEAR Test", "FAR Test"]
    assert ranking.options[0].distance_label == "9 km"
    assert ranking.options[1].distance_label.startswith("≈")
    excluded = {o.name: " ".join(o.reasons) for o in ranking.excluded}
    assert set(excluded) == {"CONFLICT Test", "LOADED Test", "SICK Test", "AWAY Test", "BUSY Test"}
    assert "Lycée B" in excluded["CONFLICT Test"] and "propres élèves" in excluded["CONFLICT Test"]
    assert "maximum de 5" in excluded["LOADED Test"]
    assert "absent" in excluded["SICK Test"]
    assert "indisponible" in excluded["AWAY Test"]
    assert "09:00" not in excluded["BUSY Test"] and "08:00 à 12:00" in excluded["BUSY Test"]
    assert ranking.excluded[0].name == "CONFLICT Test"  # the own-students refusals come first
    assert ranking.excluded_counts[eligibility.R_DISCIPLINE] == 6
    assert ranking.examined == len(world.examiners)


def test_assign_first_moves_lot_and_convokes(world: World, out: Path) -> None:
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    ranking = replacements.rank_replacements(world.correction)
    first = ranking.options[0]
    result = replacements.assign_replacement(
        world.correction, first.examiner_id, expected_version=ranking.need.version
    )
    assert Lot.get_by_id(world.lot).correcteur_id == world.examiners["near"]
    old = Assignment.get_by_id(world.correction)
    assert old.state == "remplacee"
    new = Assignment.get_by_id(result.new_assignment.id)
    assert new.replaces_id == old.id and new.examiner_id == world.examiners["near"]
    assert new.state == "convoquee" and new.convoked_at
    assert (new.kind, new.lot_id, new.day, new.start_time) == (
        "correction",
        world.lot,
        DAY,
        "09:00",
    )
    assert result.absence_resolved
    assert Absence.get(Absence.examiner == world.examiners["absent"]).resolved
    assert result.document is not None and result.document.path.exists()
    assert result.document.path.parent == out
    assert (
        Document.select()
        .where(
            (Document.examiner == world.examiners["near"])
            & (Document.reference == result.document.path.name)
        )
        .exists()
    )
    assert "remplace" in result.render() and "lot n° 1" in result.render()
    # the conflict rule held: no copy of the replacement's own établissement in the lot
    spec = mission_of_assignment(new.id)
    assert Examiner.get_by_id(first.examiner_id).etablissement_id not in spec.concerned
    entities = {
        (a.entity, a.field)
        for a in AuditLog.select().where(AuditLog.reason.contains("remplacement de"))
    }
    assert {("assignment", ""), ("assignment", "state"), ("lot", "correcteur")} <= entities
    assert ("assignment", "remplacement") in entities
    # nothing left to cover that day for this absence
    assert needs.day_board(world.session_id, DAY).replaceable == 0
    # someone else trying the same need now gets a clear conflict
    with pytest.raises(ConflictError, match="déjà été traitée"):
        replacements.assign_replacement(world.correction, world.examiners["far"])


def test_teacher_of_the_candidates_is_refused_with_reason(world: World, out: Path) -> None:
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    with pytest.raises(eligibility.AssignmentRefused) as refused:
        replacements.assign_replacement(world.correction, world.examiners["conflict"])
    assert "enseigne à Lycée B" in str(refused.value)
    assert "propres élèves" in str(refused.value)
    assert Lot.get_by_id(world.lot).correcteur_id == world.examiners["absent"]
    assert Assignment.get_by_id(world.correction).state == "convoquee"
    assert not out.exists() or not list(out.glob("*.pdf"))


def test_oral_replacement_moves_slots(world: World, out: Path) -> None:
    absences.mark_absent(world.examiners["oral_absent"], DAY, "train supprimé")
    ranking = replacements.rank_replacements(world.oral)
    names = [o.name for o in ranking.options]
    assert names[0] == "BUSY Test"  # busy 08-12 only; the oral is 14-16, same commune
    assert "ORALB Test" in {o.name for o in ranking.excluded}  # teaches at lycée B
    result = replacements.assign_replacement(world.oral, world.examiners["oral_ok"])
    assert result.moved_slots == 2
    slots = OralSlot.select().where(OralSlot.assignment == result.new_assignment.id)
    assert slots.count() == 2
    assert result.new_assignment.hours_centi == 200


def test_president_seat_needs_pu_or_mcf(world: World, out: Path) -> None:
    absences.mark_absent(world.examiners["pres"], DAY, "jury de thèse")
    ranking = replacements.rank_replacements(world.jury_seat)
    assert [o.name for o in ranking.options] == ["MCF Test"]
    with pytest.raises(eligibility.AssignmentRefused, match="D.336-20"):
        replacements.assign_replacement(world.jury_seat, world.examiners["near"])
    result = replacements.assign_replacement(world.jury_seat, world.examiners["mcf"])
    assert result.jury_seat == "président"
    jury = Jury.get_by_id(world.jury)
    assert jury.president_id == world.examiners["mcf"]
    members = {m.examiner_id: m.role for m in JuryMember.select().where(JuryMember.jury == jury.id)}
    assert members == {world.examiners["mcf"]: "president"}


def test_day_board_lists_every_gap(world: World) -> None:
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    Lot.create(session=world.session_id, number=9, epreuve_code="SP1")
    OralSlot.update(assignment=None).execute()
    Jury.create(session=world.session_id, number=7, series_codes="STL")
    board = needs.day_board(world.session_id, DAY)
    sources = [n.source for n in board.needs]
    assert sources[0] == needs.SOURCE_ABSENCE
    assert set(sources) == {
        needs.SOURCE_ABSENCE,
        needs.SOURCE_SLOTS,
        needs.SOURCE_LOT,
        needs.SOURCE_PRESIDENT,
    }
    labels = " | ".join(n.label for n in board.needs)
    assert "2 créneaux sans examinateur" in labels
    assert "1 lot sans correcteur" in labels
    assert "Jury n° 7 — sans président" in labels
    assert board.replaceable == 1


def test_ranking_cost_does_not_grow_with_examiners(world: World) -> None:
    """A fixed number of queries: 600 more examiners change nothing but the Python work."""
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    db = current_database()
    executed: list[str] = []
    original = db.execute_sql

    def counting(sql: str, params: object = None, *args: object, **kwargs: object) -> object:
        executed.append(sql)
        return original(sql, params, *args, **kwargs)

    db.execute_sql = counting  # type: ignore[method-assign]
    try:
        replacements.rank_replacements(world.correction)
        small = len(executed)
        rows = [
            {
                "last_name": f"Extra{n:03d}",
                "first_name": "Z",
                "name_key": fold(f"Extra{n:03d} Z"),
                "corps": "CERTIFIE",
                "disciplines": "PHI",
                "etablissement": world.etabs["A"],
                "home_commune": world.communes["Vienne" if n % 2 else "Bourg-en-Bresse"],
            }
            for n in range(600)
        ]
        Examiner.insert_many(rows).execute()
        executed.clear()
        started = time.perf_counter()
        ranking = replacements.rank_replacements(world.correction)
        elapsed = time.perf_counter() - started
    finally:
        db.execute_sql = original  # type: ignore[method-assign]
    print(f"ranking: {small} queries, {elapsed * 1000:.0f} ms for {ranking.examined} examiners")
    assert len(executed) == small
    assert small <= 21  # the fifty shown are read again, with their établissement
    assert len(ranking.options) == replacements.DEFAULT_LIMIT
    assert ranking.options[0].name == "NEAR Test"
    assert elapsed < 1.0


def test_list_absences_counts_what_is_left(world: World) -> None:
    sick = absences.list_absences(DAY)
    assert [(a.examiner, a.reason, a.open_needs) for a in sick] == [("SICK Test", "maladie", 0)]
    info = absences.mark_absent(world.examiners["absent"], DAY, "malade")
    listed = {a.examiner: a for a in absences.list_absences(DAY)}
    assert listed["ABSENT Test"].open_needs == 1 and not listed["ABSENT Test"].resolved
    assert list(listed) == ["ABSENT Test", "SICK Test"]  # unresolved, latest first
    entry = AuditLog.get((AuditLog.entity == "absence") & (AuditLog.entity_id == str(info.id)))
    # the same "after" text as any created record
    assert entry.after.startswith(f"examiner={world.examiners['absent']}; day=2026-06-16; ")
    assert "reason=malade; recorded_by=" in entry.after and entry.after.endswith("resolved=non")
    assert absences.list_absences(DAY + dt.timedelta(days=1)) == []


def test_a_screening_without_words_gives_the_codes_of_the_worded_one(world: World) -> None:
    """The ranking checks every examiner without wording the refusals (only the fifty shown
    are worded): for every mission of the world, the codes are the same both ways, and the
    worded sentences name the examiner."""
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    checked = 0
    for (assignment_id,) in Assignment.select(Assignment.id).tuples():
        spec = mission_of_assignment(assignment_id)
        worded = eligibility.screen(spec, named=True).evaluations
        bare = eligibility.screen(spec, named=False).evaluations
        assert [[c for c, _ in ev.reasons] for ev in bare] == [
            [c for c, _ in ev.reasons] for ev in worded
        ]
        for ev in worded:
            assert all(text for _, text in ev.reasons)
            checked += len(ev.reasons)
        completed = eligibility.screen(spec, named=False)
        (done,) = completed.complete(completed.evaluations)
        assert [ev.reasons for ev in done] == [ev.reasons for ev in worded]
        assert [ev.examiner for ev in done] == [ev.examiner for ev in worded]
    assert checked > 20  # refusals of every kind were compared, not an empty world
