"""Checks before printing the convocations (issue 15), as a list like F3's anomalies.

Read from the placement as it stands (a run of ``baktui placer`` plus what was fixed by hand):
rooms holding more candidates than their capacity at one sitting, registered candidates with no
place at a written épreuve of the calendar, two candidates on one seat, sittings that end after
the centre's closing time; then the orals' (:mod:`baktui.services.oral_checks`). Each line
names what to fix and where to fix it (``target``, what the logistics screen opens on Entrée);
an empty list means the convocations can be printed.
"""

from __future__ import annotations

import peewee as pw

from baktui.data.models import Candidate, Centre, Convocation, Registration, Room
from baktui.rules.french import plural
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.progress import Progress, silent
from baktui.services.oral_checks import ORAL_KINDS, PlacementCheck, oral_checks
from baktui.services.placement import written_times
from baktui.services.replacement_session import to_sit

__all__ = ["KINDS", "PlacementCheck", "placement_checks", "render"]

KINDS = {
    "capacity": "Salle au-delà de sa capacité",
    "unplaced": "Candidat sans place à une épreuve écrite",
    "seat": "Place attribuée deux fois",
    "closing": "Épreuve finissant après la fermeture du centre",
    **ORAL_KINDS,
}


STEPS = 5  # the written épreuves' four checks, then the orals'


def placement_checks(
    session_id: int, *, limit: int = 500, progress: Progress | None = None
) -> list[PlacementCheck]:
    """Every problem of the placement (at most ``limit`` lines for the written épreuves, as
    many for the orals); ``progress(done, STEPS)`` after each check (a quarter of a minute for
    a whole country)."""
    tell = progress or silent
    tell(0, STEPS)
    live = (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
    found: list[PlacementCheck] = []
    count = pw.fn.COUNT(Convocation.id)
    over = (
        Convocation.select(Centre.code, Room.name, Room.capacity, Convocation.epreuve_code,
                           Convocation.day, Convocation.start_time, count, Room.id)
        .join(Candidate).switch(Convocation).join(Room).switch(Convocation).join(Centre)
        .where(live)
        .group_by(Centre.code, Room.name, Room.capacity, Convocation.epreuve_code,
                  Convocation.day, Convocation.start_time, Room.id)
        .having(count > Room.capacity)
        .tuples()
    )  # fmt: skip
    for centre, room, capacity, code, day, start, n, room_id in over:
        found.append(PlacementCheck("capacity", (
            f"{centre} salle {room} : {n} candidats pour {plural(capacity, 'place')} ({code}, "
            f"{day:%d/%m/%Y} {start})"), ("sitting", room_id, day.isoformat(), start, code)))  # fmt: skip
    tell(1, STEPS)
    seats = (
        Convocation.select(Centre.code, Room.name, Convocation.day, Convocation.start_time,
                           Convocation.seat, pw.fn.COUNT(Convocation.id), Room.id,
                           pw.fn.MIN(Convocation.epreuve_code))
        .join(Candidate).switch(Convocation).join(Room).switch(Convocation).join(Centre)
        .where(live & Convocation.seat.is_null(False))
        .group_by(Centre.code, Room.name, Convocation.day, Convocation.start_time,
                  Convocation.seat, Room.id)
        .having(pw.fn.COUNT(Convocation.id) > 1)
        .tuples()
    )  # fmt: skip
    for centre, room, day, start, seat, n, room_id, code in seats:
        found.append(
            PlacementCheck(
                "seat",
                f"{centre} salle {room}, place {seat} : {n} candidats le {day:%d/%m/%Y} à {start}",
                ("sitting", room_id, day.isoformat(), start, code),
            )
        )
    tell(2, STEPS)
    calendar = sorted({code for code, _ in written_times(session_id)})
    placed = Convocation.select(Convocation.id).where(
        (Convocation.candidate == Registration.candidate)
        & (Convocation.epreuve_code == Registration.epreuve_code)
        & Convocation.room.is_null(False)
    )
    unplaced = (
        Registration.select(Candidate.number, Candidate.last_name, Candidate.first_name,
                            Registration.epreuve_code, Candidate.id)
        .join(Candidate)
        .where(live & Registration.epreuve_code.in_(calendar)
               & Registration.kept_session.is_null()
               & ~pw.fn.EXISTS(placed) & to_sit(session_id))
        .order_by(Candidate.name_key, Registration.epreuve_code)
        .limit(limit)
        .tuples()
    )  # fmt: skip
    for number, last, first, code, cid in unplaced:
        found.append(
            PlacementCheck(
                "unplaced",
                f"{last.upper()} {first} (n° {number}) : aucune place en {code}",
                ("candidate", cid),
            )
        )
    tell(3, STEPS)
    late = (
        Convocation.select(Centre.code, Centre.closing_time, Convocation.epreuve_code,
                           Convocation.day, pw.fn.MAX(Convocation.end_time))
        .join(Candidate).switch(Convocation).join(Centre)
        .where(live & (Convocation.end_time > Centre.closing_time))
        .group_by(Centre.code, Centre.closing_time, Convocation.epreuve_code, Convocation.day)
        .tuples()
    )  # fmt: skip
    for centre, closing, code, day, end in late:
        found.append(
            PlacementCheck(
                "closing",
                (f"{centre} : {code} du {day:%d/%m/%Y} finit à {end}, le centre ferme à {closing}"),
            )
        )
    tell(4, STEPS)
    # the orals' own ``limit``: a written placement with many unplaced never hides them
    orals = oral_checks(session_id, limit=limit)
    tell(STEPS, STEPS)
    return found[:limit] + orals


def render(checks: list[PlacementCheck], title: str = "Contrôles du placement") -> str:
    """The checks in French, grouped by kind (« Aucune anomalie » when there is none)."""
    if not checks:
        return f"{title} : aucune anomalie, les convocations peuvent être éditées."
    lines = [f"{title} : {plural(len(checks), 'anomalie')}"]
    for kind, label in KINDS.items():
        mine = [c.text for c in checks if c.kind == kind]
        if mine:
            lines.append(f"{label} ({len(mine)}) :")
            lines += [f"  - {text}" for text in mine]
    return "\n".join(lines)
