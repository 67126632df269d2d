"""F5's convocation form as a service: the typed fields turned into a mission, or refused."""

from __future__ import annotations

import pytest
from test_juries_service import World, build_world

from baktui.data.models import Assignment, AuditLog, JuryMember, Lot
from baktui.errors import NotFoundError, ServiceError
from baktui.services.convening import ConveneRequest, centre_choices, convene
from baktui.services.eligibility import AssignmentRefused
from baktui.services.sessions import SessionInfo


@pytest.fixture
def world(session: SessionInfo) -> World:
    return build_world(session)


def _request(**kw: str | int | None) -> ConveneRequest:
    fields = {"kind": "correction", "day": "16/06/2026", "start_time": "09:00", "end_time": "12:00"}
    fields.update(kw)
    return ConveneRequest(**fields)  # type: ignore[arg-type]


def test_centre_choices_by_code(world: World) -> None:
    choices = centre_choices(world.session_id)
    assert [c.label for c in choices] == ["C01 Centre Lyon", "C02 Centre Vienne"]
    assert [c.id for c in choices] == [world.centre, world.centre_vienne]


def test_correction_of_a_free_lot_moves_it(world: World) -> None:
    lot = Lot.create(session=world.session_id, number=3, epreuve_code="PHI")
    near = world.examiners["near"]
    created = convene(world.session_id, near, _request(lot="3", centre_id=world.centre))
    assert (created.kind, created.epreuve_code, created.lot_number) == ("correction", "PHI", 3)
    assert Lot.get_by_id(lot.id).correcteur_id == near
    assert AuditLog.select().where(AuditLog.entity == "assignment").count() == 1


def test_fields_refused_in_french_nothing_written(world: World) -> None:
    Lot.create(session=world.session_id, number=3, epreuve_code="PHI")
    near = world.examiners["near"]
    before = Assignment.select().count()
    with pytest.raises(ServiceError, match="JJ/MM/AAAA"):
        convene(world.session_id, near, _request(day="31/02", lot="3"))
    with pytest.raises(NotFoundError, match="Aucun lot n° 99"):
        convene(world.session_id, near, _request(lot="99"))
    with pytest.raises(ServiceError, match="lot de PHI, pas de GO"):
        convene(world.session_id, near, _request(lot="3", epreuve_code="go"))
    with pytest.raises(ServiceError, match="indiquez le lot"):
        convene(world.session_id, near, _request())
    with pytest.raises(AssignmentRefused, match="déjà confié"):
        convene(world.session_id, near, _request(lot="1"))
    with pytest.raises(NotFoundError, match="Aucun jury n° 7"):
        convene(world.session_id, near, _request(kind="jury", jury="7"))
    assert Assignment.select().count() == before


def test_jury_seat_adds_the_member(world: World) -> None:
    mcf = world.examiners["mcf"]
    created = convene(
        world.session_id,
        mcf,
        _request(kind="jury", jury="1", start_time="14:00", end_time="18:00"),
    )
    assert created.kind == "jury" and created.jury_number == 1
    assert JuryMember.get_or_none((JuryMember.jury == world.jury) & (JuryMember.examiner == mcf))
