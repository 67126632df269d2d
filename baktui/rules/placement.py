"""Pure rules of the candidates' placement (issue 15): aménagements, extra time, rooms, clashes.

The aménagements are free text on the candidate's file (« Tiers temps ; salle à part »); what the
placement needs of them is read here: extra time (a third of the duration, rounded up to the
minute), a room fit for aménagements (``Room.extra_time``), an accessible room. Rooms are filled
in order within their capacity; a clash is two sittings of one person that overlap in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from baktui.rules.french import agree_with
from baktui.rules.identifiers import fold


@dataclass(frozen=True)
class Needs:
    """What a candidate's aménagements ask of the placement."""

    extra_time: bool = False
    separate_room: bool = False
    computer: bool = False
    accessible: bool = False

    @property
    def special_room(self) -> bool:
        """A room fit for aménagements (tiers-temps, own room, computer)."""
        return self.extra_time or self.separate_room or self.computer


def parse_needs(text: str) -> Needs:
    """« Tiers temps ; salle à part » -> Needs(extra_time=True, separate_room=True)."""
    words = fold(text or "").lower()
    return Needs(
        extra_time="tiers" in words,
        separate_room="salle a part" in words or "salle isolee" in words,
        computer="ordinateur" in words,
        accessible=any(w in words for w in ("fauteuil", "pmr", "mobilite", "accessible")),
    )


def extra_minutes(duration_min: int, needs: Needs) -> int:
    """The tiers-temps: a third of the duration, rounded up (240 -> 80)."""
    return -(-duration_min // 3) if needs.extra_time else 0


def end_time(start: str, minutes: int) -> str:
    """ "08:00" + 320 -> "13:20" (an épreuve never runs past midnight)."""
    hours, mins = (int(p) for p in start.split(":"))
    total = hours * 60 + mins + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class Sitting:
    """One person busy in an interval: a written épreuve or an oral slot."""

    what: str  # « PHI » or « GO commission 3 »
    day: dt.date
    start: str
    end: str


def overlaps(a: Sitting, b: Sitting) -> bool:
    return a.day == b.day and a.start < b.end and b.start < a.end


def clash(new: Sitting, busy: Sequence[Sitting], who: str) -> str | None:
    """The French refusal when ``new`` overlaps one of ``busy`` for ``who``, else None."""
    for other in busy:
        if overlaps(new, other):
            return (
                f"{who} est déjà {agree_with(who, 'pris')} le {other.day:%d/%m/%Y} de {other.start} "
                f"à {other.end} "
                f"({other.what}) : {new.what} de {new.start} à {new.end} se chevauche."
            )
    return None


@dataclass(frozen=True)
class RoomSpace:
    """A room's free seats for one sitting."""

    room_id: int
    capacity: int
    special: bool  # fit for aménagements
    accessible: bool
    taken: frozenset[int] = frozenset()  # seats held (hand-fixed places)


def fill_rooms(
    candidates: Sequence[tuple[int, Needs]], rooms: Sequence[RoomSpace]
) -> tuple[dict[int, tuple[int, int]], list[int]]:
    """Seat candidates (in the given order) in rooms: candidate -> (room, seat), and those left
    without a place. Candidates with aménagements go to special rooms first, the others to the
    ordinary rooms, then to the special rooms' free seats; an accessible need only to an
    accessible room. Capacity is never exceeded."""
    free = {r.room_id: [s for s in range(1, r.capacity + 1) if s not in r.taken] for r in rooms}
    for seats in free.values():
        seats.reverse()  # pop() gives the smallest seat
    placed: dict[int, tuple[int, int]] = {}
    left: list[int] = []
    special = [c for c in candidates if c[1].special_room]
    ordinary = [c for c in candidates if not c[1].special_room]
    orders = (
        (special, [r for r in rooms if r.special]),
        (ordinary, [r for r in rooms if not r.special] + [r for r in rooms if r.special]),
    )
    for group, order in orders:
        for candidate, needs in group:
            room = next(
                (r for r in order if free[r.room_id] and (r.accessible or not needs.accessible)),
                None,
            )
            if room is None:
                left.append(candidate)
                continue
            placed[candidate] = (room.room_id, free[room.room_id].pop())
    return placed, left
