"""Examiners' available days: audited writes, one row per day, read by the replacement ranking."""

from __future__ import annotations

import datetime as dt

import pytest
from test_juries_service import DAY, World, build_world

from baktui.data.models import AuditLog, Availability
from baktui.errors import NotFoundError
from baktui.services import absences, assignments, eligibility, replacements
from baktui.services.availabilities import availabilities, set_availability
from baktui.services.eligibility import AssignmentRefused
from baktui.services.sessions import SessionInfo


@pytest.fixture
def world(session: SessionInfo) -> World:
    return build_world(session)


def _entries() -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.entity == "availability").order_by(AuditLog.id))


def _ranked(world: World) -> tuple[list[str], dict[str, str]]:
    ranking = replacements.rank_replacements(world.correction)
    excluded = {o.name: " ".join(o.reasons) for o in ranking.excluded}
    return [o.name for o in ranking.options], excluded


def test_set_availability_audited_once_per_day(world: World) -> None:
    near = world.examiners["near"]
    info = set_availability(near, DAY, False, "  courriel du 2 juin ")
    assert (info.examiner_id, info.day, info.available, info.label) == (
        near,
        DAY,
        False,
        "indisponible",
    )
    assert info.day_label == "mar. 16/06/2026"
    entries = _entries()
    assert len(entries) == 1 and entries[0].action == "create"
    assert entries[0].reason == "courriel du 2 juin"
    # the same answer again writes nothing; the other answer changes the row
    set_availability(near, DAY, False)
    assert len(_entries()) == 1
    changed = set_availability(near, DAY, True)
    assert changed.id == info.id and changed.available
    last = _entries()[-1]
    assert (last.action, last.field, last.before, last.after) == (
        "update",
        "available",
        "non",
        "oui",
    )
    assert Availability.select().where(Availability.examiner == near).count() == 1
    set_availability(near, DAY - dt.timedelta(days=1), True)
    assert [a.day for a in availabilities(near)] == [DAY - dt.timedelta(days=1), DAY]
    with pytest.raises(NotFoundError):
        set_availability(999_999, DAY, True)


def test_ranking_reads_the_days_recorded(world: World) -> None:
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    options, _ = _ranked(world)
    assert options[0] == "NEAR Test"
    set_availability(world.examiners["near"], DAY, False)
    options, excluded = _ranked(world)
    assert "NEAR Test" not in options
    assert "indisponible le 16/06/2026" in excluded["NEAR Test"]
    # available again: back in first place
    set_availability(world.examiners["near"], DAY, True)
    options, _ = _ranked(world)
    assert options[0] == "NEAR Test"
    # declaring only another day refuses this one
    set_availability(world.examiners["far"], DAY + dt.timedelta(days=1), True)
    options, excluded = _ranked(world)
    assert "FAR Test" not in options
    assert "n'a pas déclaré le 16/06/2026" in excluded["FAR Test"]


def test_create_assignment_refused_on_an_unavailable_day(world: World) -> None:
    set_availability(world.examiners["near"], DAY, False)
    with pytest.raises(AssignmentRefused, match="indisponible") as refused:
        assignments.create_assignment(
            world.session_id,
            world.examiners["near"],
            kind="surveillance",
            day=DAY,
            start_time="14:00",
            end_time="16:00",
            centre_id=world.centre,
        )
    assert any("indisponible" in r for r in refused.value.reasons)
    assert not eligibility.evaluate(
        assignments.mission_spec(
            world.session_id,
            kind="surveillance",
            epreuve_code="",
            day=DAY,
            start_time="14:00",
            end_time="16:00",
            centre_id=world.centre,
            lot_id=None,
            slot_ids=(),
            jury_id=None,
            seat_role="",
            hours_centi=0,
        ),
        [world.examiners["near"]],
    )[0].eligible
