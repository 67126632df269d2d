"""Placement of the candidates at the written épreuves (issue 15): centre, room, seat, times.

Each candidate not cancelled gets one Convocation row per written épreuve registered for (a kept
grade excepted). The centre: the candidate's own (``Candidate.centre``), else their
établissement's grouping (CentreGroup), else the exam centre of that établissement, else an
exam centre of their postcode, else the first active exam centre. Rooms are filled by
:func:`baktui.rules.placement.fill_rooms`, per centre and sitting (day and start time), in the
order of the candidates' names. Rows fixed by hand are kept and their seats held. A run is one
audit event with its counts (the automatic rows are rebuilt; hand moves are audited one by one).

A run is one write transaction (two minutes for a whole country): ``progress`` is told (see
:mod:`baktui.rules.progress`) nothing counted while the base is read, then each
candidate-épreuve twice: sorted into its sitting, then placed in a room and written, by batches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from baktui.data import audit, counters, sql
from baktui.data.db import write_transaction
from baktui.data.models import (
    CalendarEntry,
    Candidate,
    Centre,
    CentreGroup,
    Commune,
    Convocation,
    Epreuve,
    Registration,
    Room,
)
from baktui.rules.french import plural
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.placement import RoomSpace, end_time, extra_minutes, fill_rooms, parse_needs
from baktui.rules.progress import Progress, silent
from baktui.services.replacement_session import to_sit

FIELDS = ["candidate", "epreuve_code", "centre", "room", "day", "start_time", "seat",
          "duration_min", "extra_min", "end_time", "fixed_by_hand"]  # fmt: skip
BATCH = 20_000  # candidate-épreuves between two calls of ``progress`` (and rows per INSERT run)


@dataclass(frozen=True)
class PlacementSummary:
    placed: int
    kept: int  # fixed by hand
    unplaced: int

    def render(self) -> str:
        kept = "fixée à la main conservée" if self.kept < 2 else "fixées à la main conservées"
        return (
            f"Placement : {plural(self.placed, 'place attribuée', 'places attribuées')}, "
            f"{self.kept} {kept}, "
            f"{plural(self.unplaced, 'candidat-épreuve', 'candidats-épreuves')} sans place."
        )


def written_times(session_id: int) -> dict[tuple[str, str], tuple[object, str, int]]:
    """(code, série or "") -> (day, start, duration) of the written épreuves: the épreuve's own
    date, or the calendar's (by série when it has one). What the placement places, and so what
    its checks look for."""
    found: dict[tuple[str, str], tuple[object, str, int]] = {}
    for e in Epreuve.select().where((Epreuve.session == session_id) & (Epreuve.kind == "ecrit")):
        if e.exam_date and e.start_time and e.duration_min:
            found[(e.code, "")] = (e.exam_date, e.start_time, e.duration_min)
    for c in CalendarEntry.select().where(CalendarEntry.session == session_id):
        if (c.epreuve_code, "") in found or c.series == "":
            found[(c.epreuve_code, c.series)] = (c.day, c.start_time, c.duration_min)
    return found


def _record_centres(chosen: dict[int, int]) -> None:
    """Give the candidates who had none the centre they were placed in (audited, version
    bumped): the card, F3's checks and the home count then see it; a re-run keeps it."""
    if not chosen:
        return
    codes = dict(Centre.select(Centre.id, Centre.code).where(
        Centre.id.in_(set(chosen.values()))).tuples())  # fmt: skip
    with counters.tracking(chosen):  # the home and F4 counts (few candidates)
        sql.executemany(
            sql.update_sql(Candidate, ["centre"], bump_version=True),
            [(centre, cid) for cid, centre in chosen.items()],
        )
    audit.log_many(
        {"action": "update", "entity": "candidate", "entity_id": cid, "field": "centre",
         "before": "", "after": codes.get(centre, str(centre)), "candidate_id": cid,
         "reason": "centre d'examen attribué par le placement"}
        for cid, centre in chosen.items()
    )  # fmt: skip


def centre_finder(session_id: int):  # noqa: ANN202
    centres = list(
        Centre.select().where((Centre.session == session_id) & Centre.is_exam & Centre.active)
    )
    ids = {c.id for c in centres}
    groups = {
        e: c
        for e, c in CentreGroup.select(CentreGroup.etablissement, CentreGroup.centre)
        .where(CentreGroup.session == session_id)
        .tuples()
    }
    by_etab = {c.etablissement_id: c.id for c in centres if c.etablissement_id}
    postcodes = {}
    for c in centres:
        commune = Commune.get_or_none(Commune.id == c.commune_id) if c.commune_id else None
        if commune is not None and commune.postcode:
            postcodes.setdefault(commune.postcode, c.id)
    first = centres[0].id if centres else None

    def find(own: int | None, etab: int | None, postcode: str) -> int | None:
        if own in ids:
            return own
        for hit in (groups.get(etab), by_etab.get(etab), postcodes.get(postcode)):
            if hit in ids:
                return hit
        return first

    return find


def place_candidates(session_id: int, *, progress: Progress | None = None) -> PlacementSummary:
    """Place every candidate at every written épreuve; hand-fixed places are kept.

    ``progress(done, total)``: two phases over the candidate-épreuves (sorted into sittings,
    then placed and written); a :class:`~baktui.errors.Cancelled` it raises rolls it all back."""
    tell = progress or silent
    tell(0, None)
    times = written_times(session_id)
    codes = sorted({code for code, _ in times})
    find = centre_finder(session_id)
    rooms: dict[int, list[Room]] = defaultdict(list)
    for r in Room.select().join(Centre).where((Centre.session == session_id) & Room.active):
        rooms[r.centre_id].append(r)
    with write_transaction():
        kept_rows = list(
            Convocation.select(Convocation, Candidate.id)
            .join(Candidate)
            .where((Candidate.session == session_id) & Convocation.fixed_by_hand)
        )
        kept = {(k.candidate_id, k.epreuve_code) for k in kept_rows}
        held: dict[tuple[int, object, str], set[int]] = defaultdict(set)
        for k in kept_rows:
            if k.room_id and k.seat:
                held[(k.room_id, k.day, k.start_time)].add(k.seat)
        Convocation.delete().where(
            Convocation.candidate.in_(Candidate.select(Candidate.id).where(
                Candidate.session == session_id)) & ~Convocation.fixed_by_hand
        ).execute()  # fmt: skip
        people = {
            cid: (own, etab, postcode or "", series, parse_needs(amen), key)
            for cid, own, etab, postcode, series, amen, key in sql.fetch(
                Candidate.select(Candidate.id, Candidate.centre, Candidate.etablissement,
                                 Candidate.postcode, Candidate.series, Candidate.amenagements,
                                 Candidate.name_key)
                .where((Candidate.session == session_id)
                       & (Candidate.state != RegistrationState.ANNULEE))
            )
        }  # fmt: skip
        sittings: dict[tuple[int, object, str], list[tuple[str, int, str, int]]] = defaultdict(list)
        unplaced = 0
        registered = sql.fetch(
            Registration.select(Registration.candidate, Registration.epreuve_code)
            .join(Candidate, on=Registration.candidate == Candidate.id)
            .where(
                (Candidate.session == session_id)
                & (Candidate.state != RegistrationState.ANNULEE)
                & Registration.epreuve_code.in_(codes)
                & Registration.kept_session.is_null()
                & to_sit(session_id)  # September: sat in June, nothing to sit
            )
        )
        count = len(registered)  # each counted twice: sorted into its sitting, then placed
        chosen: dict[int, int] = {}  # candidates without a centre: the one placement found
        for done, (cid, code) in enumerate(registered, 1):
            if done % BATCH == 0:
                tell(done, 2 * count)
            if (cid, code) in kept:
                continue
            own, etab, postcode, series, _needs, key = people[cid]
            when = times.get((code, series)) or times.get((code, ""))
            centre = find(own, etab, postcode)
            if own is None and centre is not None:
                chosen[cid] = centre
            if when is None or centre is None:
                unplaced += 1
                continue
            day, start, duration = when
            sittings[(centre, day, start)].append((key, cid, code, duration))
        del registered
        # the candidate-épreuves kept or left without a sitting are done with
        done = 2 * count - sum(len(group) for group in sittings.values())
        tell(done, 2 * count)
        rows: list[tuple[object, ...]] = []
        placed_count = 0
        insert = sql.insert_sql(Convocation, FIELDS)
        for (centre, day, start), group in sittings.items():
            group.sort()
            spaces = [
                RoomSpace(r.id, r.capacity, r.extra_time, r.accessible,
                          frozenset(held[(r.id, day, start)]))
                for r in rooms.get(centre, [])
            ]  # fmt: skip
            placed, left = fill_rooms([(cid, people[cid][4]) for _, cid, _, _ in group], spaces)
            unplaced += len(left)
            for _, cid, code, duration in group:
                extra = extra_minutes(duration, people[cid][4])
                room, seat = placed.get(cid, (None, None))
                if room is not None:
                    placed_count += 1
                rows.append((cid, code, centre, room, day, start, seat, duration + extra, extra,
                             end_time(start, duration + extra), False))  # fmt: skip
            done += len(group)
            if len(rows) >= BATCH:
                sql.executemany(insert, rows)
                rows = []
                tell(done, 2 * count)
        sql.executemany(insert, rows)
        _record_centres(chosen)
        audit.log(
            "event", "session", session_id, "placement",
            after=f"{placed_count} places, {len(kept)} fixées à la main, {unplaced} sans place",
            reason="placement des candidats aux épreuves écrites",
        )  # fmt: skip
        tell(2 * count, 2 * count)  # in the transaction: a stop here still writes nothing
    return PlacementSummary(placed_count, len(kept), unplaced)
