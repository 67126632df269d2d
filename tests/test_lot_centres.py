"""New lots get a centre de correction of the session (lot_building.correction_centre)."""

from __future__ import annotations

from collections import Counter

from test_lots_service import World, build_world

from baktui.data.models import Anonymat, AuditLog, Candidate, Centre, Commune, Lot
from baktui.services.anonymity import number_copies
from baktui.services.lot_building import constitute_lots, correction_centre
from baktui.services.lots import list_lots
from baktui.services.sessions import SessionInfo


def _constitute(world: World) -> list[Lot]:
    number_copies(world.session.id)
    constitute_lots(world.session.id)
    return list(Lot.select().order_by(Lot.number))


def test_no_correction_centre_leaves_lots_without_one(session: SessionInfo) -> None:
    lots = _constitute(build_world(session))
    assert lots and all(lot.centre_id is None for lot in lots)
    assert all(info.centre == "" for info in list_lots(session.id))


def test_the_only_correction_centre_gets_every_lot(session: SessionInfo) -> None:
    world = build_world(session)
    only = Centre.create(session=session.id, code="K9", name="Correction", is_correction=True)
    Centre.create(session=session.id, code="K8", name="Ailleurs", is_exam=True)  # not correction
    lots = _constitute(world)
    assert len(lots) == 4 and {lot.centre_id for lot in lots} == {only.id}
    assert {info.centre for info in list_lots(session.id)} == {"K9 Correction"}
    # audited with the lot's creation
    created = AuditLog.select().where((AuditLog.entity == "lot") & (AuditLog.action == "create"))
    assert all("centre" in (entry.after or "") for entry in created)


def test_several_centres_follow_the_copies_commune(session: SessionInfo) -> None:
    world = build_world(session)
    east = Commune.create(name="Est").id
    west = Commune.create(name="Ouest").id
    exam = list(Centre.select().where(Centre.session == session.id).order_by(Centre.code))
    Centre.update(commune=east).where(Centre.id == exam[0].id).execute()
    Centre.update(commune=west).where(Centre.id == exam[1].id).execute()
    # codes put the west centre first: the first by code is not the answer for east copies
    k_west = Centre.create(
        session=session.id, code="K1", name="Corr Ouest", commune=west, is_correction=True
    ).id
    k_east = Centre.create(
        session=session.id, code="K2", name="Corr Est", commune=east, is_correction=True
    ).id
    route = {exam[0].id: k_east, exam[1].id: k_west}
    lots = _constitute(world)
    used = set()
    for lot in lots:
        sat = Counter(
            Candidate.get_by_id(a.candidate_id).centre_id
            for a in Anonymat.select().where(Anonymat.lot == lot.id)
        )
        majority = max(sat, key=lambda c: (sat[c], route[c] == k_west))
        assert lot.centre_id == route[majority], lot.number
        used.add(lot.centre_id)
    assert used == {k_east, k_west}


def test_correction_centre_rule() -> None:
    assert correction_centre((), {}, [1, 2]) is None
    assert correction_centre((7,), {}, [None]) == 7
    # majority of the copies' routes; a tie goes to the first by code; nothing routed: first
    assert correction_centre((7, 8), {1: 8, 2: 7}, [1, 1, 2]) == 8
    assert correction_centre((7, 8), {1: 8, 2: 7}, [1, 2]) == 7
    assert correction_centre((7, 8), {1: 8}, [3, None]) == 7
