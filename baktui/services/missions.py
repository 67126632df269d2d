"""What a mission asks of an examiner: its :class:`MissionSpec`, read from the base.

A spec holds what the eligibility engine (:mod:`baktui.services.eligibility`) checks: the
épreuve, the day and hours, where it takes place, the copies or oral hours it adds to a load, the
jury seat, and the établissements and series of the candidates it concerns. It is built from the
fields of a mission about to be created (:func:`mission_spec`) or from an existing assignment
(:func:`mission_of_assignment`, the absent examiner and the assignment itself left out of the
checks), with a few grouped queries whatever the number of candidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import peewee as pw

from baktui.data.models import (
    Anonymat,
    Assignment,
    Candidate,
    Centre,
    Etablissement,
    Jury,
    OralSlot,
)
from baktui.errors import NotFoundError
from baktui.rules import missions
from baktui.rules.lifecycles import RegistrationState
from baktui.services.examiners import copies_of_lots

# A candidate whose registration is cancelled concerns no mission, no jury and no list.
LIVE_CANDIDATES = Candidate.state != RegistrationState.ANNULEE


@dataclass(frozen=True)
class MissionSpec:
    """What a mission asks of an examiner (built from an assignment or from a form)."""

    session_id: int
    kind: str
    epreuve_code: str
    day: dt.date
    start_time: str
    end_time: str
    centre_id: int | None = None
    commune_id: int | None = None  # where the mission takes place
    lot_id: int | None = None
    copies: int = 0
    slot_ids: tuple[int, ...] = ()
    jury_id: int | None = None
    seat_role: str = ""  # jury seat: membre | president | vice_president
    hours_centi: int = 0
    series: frozenset[str] = frozenset()
    concerned: Mapping[int, tuple[str, int]] = field(default_factory=dict)
    ignore_assignment_ids: frozenset[int] = frozenset()  # the mission being replaced
    ignore_examiner_ids: frozenset[int] = frozenset()  # the absent examiner


# --- What a mission concerns --------------------------------------------------------------------


def concerned_of(
    *,
    lot_id: int | None = None,
    slot_ids: Sequence[int] = (),
    jury_id: int | None = None,
    centre_id: int | None = None,
) -> tuple[dict[int, tuple[str, int]], frozenset[str]]:
    """Établissements (id -> (name, candidates)) and series of the candidates a mission concerns.

    A lot: its copies; oral slots: their candidates; a jury: its candidates; ``centre_id`` (an oral
    commission whose slots are not planned individually): every candidate of the exam centre.
    """
    base = Candidate.select(
        Candidate.etablissement, Etablissement.name, Candidate.series, pw.fn.COUNT(Candidate.id)
    )
    queries: list[pw.ModelSelect] = []
    if lot_id is not None:
        queries.append(
            base.join(Anonymat, on=Anonymat.candidate == Candidate.id)
            .switch(Candidate)
            .where(Anonymat.lot == lot_id)
        )
    if slot_ids:
        queries.append(
            base.join(OralSlot, on=OralSlot.candidate == Candidate.id)
            .switch(Candidate)
            .where(OralSlot.id.in_(list(slot_ids)))
        )
    if jury_id is not None:
        queries.append(base.where((Candidate.jury == jury_id) & LIVE_CANDIDATES))
    if centre_id is not None:
        queries.append(base.where((Candidate.centre == centre_id) & LIVE_CANDIDATES))
    concerned: dict[int, tuple[str, int]] = {}
    series: set[str] = set()
    for query in queries:
        grouped = (
            query.join(
                Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id
            )
            # the name too: PostgreSQL wants every selected column grouped
            .group_by(Candidate.etablissement, Etablissement.name, Candidate.series)
            .tuples()
        )
        for etab, name, code, count in grouped:
            series.add(code.upper())
            if etab is None:
                continue
            old = concerned.get(etab, (name or "", 0))
            concerned[etab] = (old[0], old[1] + count)
    return concerned, frozenset(series)


def mission_spec(
    session_id: int,
    *,
    kind: str,
    epreuve_code: str,
    day: dt.date,
    start_time: str,
    end_time: str,
    centre_id: int | None = None,
    lot_id: int | None = None,
    slot_ids: Sequence[int] = (),
    jury_id: int | None = None,
    seat_role: str = "",
    hours_centi: int | None = None,
    ignore_assignment_ids: frozenset[int] = frozenset(),
    ignore_examiner_ids: frozenset[int] = frozenset(),
) -> MissionSpec:
    """The spec of a mission from its fields: what it concerns, its copies, its hours.

    A correction concerns its lot's copies; oral slots their candidates; a jury its candidates;
    an oral or practical commission without planned slots every candidate of its centre. The
    oral hours (None: the length of the range) count for oral and practical missions only.
    """
    loaded = kind in missions.LOADED_KINDS
    concerned, series = concerned_of(
        lot_id=lot_id if kind == "correction" else None,
        slot_ids=slot_ids,
        jury_id=jury_id if kind == "jury" else None,
        centre_id=centre_id if loaded and not slot_ids else None,
    )
    if hours_centi is None:
        hours_centi = missions.duration_centi(start_time, end_time) if loaded else 0
    return MissionSpec(
        session_id=session_id,
        kind=kind,
        epreuve_code=epreuve_code,
        day=day,
        start_time=start_time,
        end_time=end_time,
        centre_id=centre_id,
        commune_id=centre_commune(centre_id),
        lot_id=lot_id,
        copies=copies_of_lots([lot_id]).get(lot_id, 0) if lot_id else 0,
        slot_ids=tuple(slot_ids),
        jury_id=jury_id if kind == "jury" else None,
        seat_role=seat_role,
        hours_centi=hours_centi if loaded else 0,
        series=series,
        concerned=concerned,
        ignore_assignment_ids=ignore_assignment_ids,
        ignore_examiner_ids=ignore_examiner_ids,
    )


def mission_of_assignment(assignment_id: int) -> MissionSpec:
    """The mission an existing assignment stands for (its lot, slots or jury seat), the absent
    examiner and the assignment itself left out of the checks."""
    row = Assignment.get_or_none(Assignment.id == assignment_id)
    if row is None:
        raise NotFoundError(f"Mission n° {assignment_id} introuvable.")
    slot_ids = tuple(
        s for (s,) in OralSlot.select(OralSlot.id).where(OralSlot.assignment == row.id).tuples()
    )
    seat = ""
    if row.kind == "jury" and row.jury_id is not None:
        jury = Jury.get_by_id(row.jury_id)
        seat = missions.seat_role(row.examiner_id, jury.president_id, jury.vice_president_id)
    return mission_spec(
        row.session_id,
        kind=row.kind,
        epreuve_code=row.epreuve_code or "",
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        centre_id=row.centre_id,
        lot_id=row.lot_id,
        slot_ids=slot_ids,
        jury_id=row.jury_id,
        seat_role=seat,
        hours_centi=row.hours_centi or None,  # not recorded: the length of the range
        ignore_assignment_ids=frozenset({row.id}),
        ignore_examiner_ids=frozenset({row.examiner_id}),
    )


def centre_commune(centre_id: int | None) -> int | None:
    """The commune of an exam centre: its own, else its établissement's."""
    if centre_id is None:
        return None
    row = (
        Centre.select(Centre.commune, Etablissement.commune)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Centre.etablissement == Etablissement.id)
        .where(Centre.id == centre_id)
        .tuples()
        .first()
    )
    if row is None:
        return None
    return row[0] or row[1]
