"""The placement's pure rules: aménagements read, extra time, rooms within capacity, clashes."""

from __future__ import annotations

import datetime as dt

from baktui.rules.placement import (
    Needs,
    RoomSpace,
    Sitting,
    clash,
    end_time,
    extra_minutes,
    fill_rooms,
    parse_needs,
)


def test_amenagements_are_read_from_the_free_text() -> None:
    needs = parse_needs("Tiers temps ; salle à part")
    assert needs.extra_time and needs.separate_room and needs.special_room
    assert not parse_needs("Agrandissement des sujets (A3)").special_room
    assert parse_needs("Ordinateur sans correcteur orthographique").computer
    assert parse_needs("") == Needs()


def test_tiers_temps_shows_in_the_end_time() -> None:
    assert extra_minutes(240, parse_needs("Tiers temps")) == 80
    assert extra_minutes(200, parse_needs("tiers-temps")) == 67  # rounded up
    assert extra_minutes(240, Needs()) == 0
    assert end_time("08:00", 240 + 80) == "13:20"
    assert end_time("14:00", 180) == "17:00"


def test_rooms_are_filled_within_capacity_aménagements_in_a_fit_room() -> None:
    rooms = [RoomSpace(1, 2, False, False), RoomSpace(2, 2, True, True, frozenset({1}))]
    people = [(10, Needs()), (11, Needs(extra_time=True)), (12, Needs()), (13, Needs()),
              (14, Needs(accessible=True))]  # fmt: skip
    placed, left = fill_rooms(people, rooms)
    assert placed[11] == (2, 2)  # seat 1 of room 2 is held by hand
    assert placed[10] == (1, 1) and placed[12] == (1, 2)
    assert left == [13, 14]  # no seat left; never over capacity
    assert len({v for v in placed.values()}) == len(placed)


def test_overlapping_sittings_are_refused_in_french() -> None:
    day = dt.date(2026, 6, 22)
    busy = [Sitting("GO commission 3", day, "08:00", "08:40")]
    message = clash(Sitting("FRO commission 1", day, "08:20", "08:50"), busy, "LÉA Martin")
    assert message is not None and "chevauche" in message and "22/06/2026" in message
    assert clash(Sitting("FRO commission 1", day, "08:40", "09:10"), busy, "x") is None
