"""Each candidate of an oral given a slot in a commission (``baktui oraux planifier``).

The commissions (:mod:`baktui.services.oral_commissions`) sit one day each, from their start to
their end; their slots are the oral's timetable (its slot length, no slot after the centre's
closing). Candidates are taken by name, and each gets the first free slot of a commission of
his or her centre (and série, for the Grand oral) where nobody teaches in his or her
établissement and that overlaps nothing the candidate already has: a written épreuve (with its
extra time) or another oral, the preparation before the slot included. Slots fixed by hand are
kept and hold their time; the others are rebuilt. A run is one audit event with its counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from baktui.data import audit, sql
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Centre, Convocation, Examiner, OralCommission, OralSlot
from baktui.errors import ServiceError
from baktui.rules import orals
from baktui.rules.french import plural
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.missions import minutes
from baktui.rules.placement import Sitting, overlaps
from baktui.rules.progress import Progress, silent
from baktui.services.oral_commissions import oral_candidates, plan_of, wanted_codes

BATCH = 5_000  # candidates between two calls of ``progress``
FIELDS = ["candidate", "epreuve_code", "day", "start_time", "end_time", "room", "commission",
          "fixed_by_hand"]  # fmt: skip


@dataclass(frozen=True)
class SlotSummary:
    per_code: tuple[tuple[str, int, int, int], ...]  # (code, slots, kept, without slot)

    @property
    def unplaced(self) -> int:
        return sum(row[3] for row in self.per_code)

    def render(self) -> str:
        if not self.per_code:
            return "Créneaux d'oral : aucun candidat à placer."
        parts = []
        for code, slots, kept, left in self.per_code:
            text = f"{orals.label(code)} {plural(slots, 'créneau attribué', 'créneaux attribués')}"
            if kept:
                text += f" (dont {kept} {'fixé' if kept < 2 else 'fixés'} à la main)"
            if left:
                text += f", {plural(left, 'candidat')} sans créneau"
            parts.append(text)
        return "Créneaux d'oral : " + " ; ".join(parts) + "."


def with_prep(start: str, prep_min: int) -> str:
    """A slot's start moved back by the preparation (never before midnight)."""
    return orals.hhmm(max(0, minutes(start) - prep_min))


def oral_sitting(code: str, day: dt.date, start: str, end: str, prep_min: int) -> Sitting:
    """An oral as the candidate is busy with it: from the preparation to the slot's end."""
    what = f"{orals.label(code)} de {start}" + (", préparation comprise" if prep_min else "")
    return Sitting(what, day, with_prep(start, prep_min), end)


def candidate_sittings(session_id: int) -> dict[int, list[Sitting]]:
    """What each candidate already has: written épreuves (as placed, extra time included)."""
    busy: dict[int, list[Sitting]] = defaultdict(list)
    rows = (
        Convocation.select(Convocation.candidate, Convocation.epreuve_code, Convocation.day,
                           Convocation.start_time, Convocation.end_time)
        .join(Candidate)
        .where((Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
               & Convocation.day.is_null(False) & (Convocation.end_time != ""))
        .tuples()  # peewee's rows: the dates as dates on both engines
    )  # fmt: skip
    for cid, code, day, start, end in rows:
        busy[cid].append(Sitting(f"épreuve écrite {code}", day, start, end))
    return busy


def slot_sittings(
    session_id: int, *, fixed_only: bool = False
) -> dict[int, list[tuple[Sitting, str, int]]]:
    """Each candidate's oral slots: (sitting with its preparation, code, slot id)."""
    where = OralSlot.candidate.in_(Candidate.select(Candidate.id).where(
        Candidate.session == session_id))  # fmt: skip
    if fixed_only:
        where &= OralSlot.fixed_by_hand
    found: dict[int, list[tuple[Sitting, str, int]]] = defaultdict(list)
    preps: dict[str, int] = {}
    for sid, cid, code, day, start, end in (
        OralSlot.select(OralSlot.id, OralSlot.candidate, OralSlot.epreuve_code, OralSlot.day,
                        OralSlot.start_time, OralSlot.end_time).where(where).tuples()
    ):  # fmt: skip
        if code not in preps:
            try:
                preps[code] = plan_of(session_id, code).prep_min
            except ServiceError:
                preps[code] = 0
        sitting = oral_sitting(code, day, start, end, preps[code])
        found[cid].append((sitting, code, sid))
    return found


def commission_times(
    commission: OralCommission, plan: orals.OralPlan, closing: str
) -> list[tuple[str, str]]:
    """The slots of a commission: the oral's slots of the day within its hours."""
    return [
        (a, b)
        for a, b in plan.slots(closing)
        if commission.start_time <= a and b <= (commission.end_time or "23:59")
    ]


def member_etablissements(commissions: Iterable[OralCommission]) -> dict[int, set[int]]:
    """Commission -> the établissements its examiners teach in (the own-students rule)."""
    ids = {e for c in commissions for e in (c.examiner_a_id, c.examiner_b_id) if e}
    etab = dict(
        Examiner.select(Examiner.id, Examiner.etablissement).where(Examiner.id.in_(list(ids))).tuples()
    ) if ids else {}  # fmt: skip
    return {
        c.id: {etab[e] for e in (c.examiner_a_id, c.examiner_b_id) if e and etab.get(e)}
        for c in commissions
    }


def plan_slots(
    session_id: int, codes: Iterable[str] | None = None, *, progress: Progress | None = None
) -> SlotSummary:
    """Give each candidate of the orals (those whose timetable is set, or ``codes``) a slot.
    ``progress(done, total)``: nothing counted while reading, then the candidates given a
    slot (or none), every :data:`BATCH`; one transaction, rolled back if it raises."""
    tell = progress or silent
    tell(0, None)
    wanted = wanted_codes(session_id, codes)
    plans = {code: plan_of(session_id, code) for code in wanted}
    closing = dict(
        Centre.select(Centre.id, Centre.closing_time).where(Centre.session == session_id).tuples()
    )
    per_code: list[tuple[str, int, int, int]] = []
    constituted = OralCommission.select().where(
        (OralCommission.session == session_id) & OralCommission.epreuve_code.in_(wanted)
    )
    if wanted and not constituted.exists():
        raise ServiceError(
            "Aucune commission d'oral : constituez-les d'abord (baktui oraux constituer)."
        )
    with write_transaction():
        OralSlot.delete().where(
            OralSlot.candidate.in_(Candidate.select(Candidate.id).where(
                Candidate.session == session_id))
            & OralSlot.epreuve_code.in_(wanted) & ~OralSlot.fixed_by_hand
        ).execute()  # fmt: skip
        busy = candidate_sittings(session_id)
        for cid, held in slot_sittings(session_id).items():  # the fixed slots, all orals
            busy[cid].extend(sitting for sitting, _, _ in held)
        fixed = {(cid, code) for cid, held in slot_sittings(session_id).items()
                 for _, code, _ in held}  # fmt: skip
        taken = {
            (c, d, s)
            for c, d, s in OralSlot.select(OralSlot.commission, OralSlot.day, OralSlot.start_time)
            .where(OralSlot.fixed_by_hand & OralSlot.commission.is_null(False))
            .tuples()
        }
        rows: list[tuple[object, ...]] = []
        sitters = {code: oral_candidates(session_id, code) for code in wanted}
        count, done = sum(len(found) for found in sitters.values()), 0
        for code in wanted:
            plan = plans[code]
            commissions = list(
                OralCommission.select()
                .where((OralCommission.session == session_id)
                       & (OralCommission.epreuve_code == code) & OralCommission.day.is_null(False))
                .order_by(OralCommission.day, OralCommission.number)
            )  # fmt: skip
            etabs = member_etablissements(commissions)
            free: dict[tuple[int | None, str], list[tuple[dt.date, str, str, OralCommission]]]
            free = defaultdict(list)
            for c in commissions:
                for start, end in commission_times(c, plan, closing.get(c.centre_id, "23:59")):
                    if (c.id, c.day, start) not in taken:
                        free[(c.centre_id, c.series)].append((c.day, start, end, c))
            for queue in free.values():
                queue.sort(key=lambda s: (s[0], s[1], s[3].number))
            given = left = 0
            kept = sum(1 for cid, c in fixed if c == code)
            for cand in sitters.pop(code):
                done += 1
                if done % BATCH == 0:
                    tell(done, count)
                if (cand.id, code) in fixed:
                    continue
                queue = free.get((cand.centre_id, cand.series if code in orals.BY_SERIES else ""))
                mine = busy[cand.id]
                hit = None
                for index, (day, start, end, c) in enumerate(queue or ()):
                    if cand.etablissement_id in etabs.get(c.id, ()):
                        continue
                    sitting = oral_sitting(code, day, start, end, plan.prep_min)
                    if any(overlaps(sitting, other) for other in mine):
                        continue
                    hit = index
                    break
                if hit is None or queue is None:
                    left += 1
                    continue
                day, start, end, c = queue.pop(hit)
                mine.append(oral_sitting(code, day, start, end, plan.prep_min))
                rows.append((cand.id, code, day, start, end, c.room_id, c.id, False))
                given += 1
            if given or kept or left:
                per_code.append((code, given + kept, kept, left))
        sql.executemany(sql.insert_sql(OralSlot, FIELDS), rows)
        audit.log(
            "event", "session", session_id, "creneaux_oral",
            after=f"{len(rows)} créneaux, {sum(r[2] for r in per_code)} fixés à la main, "
                  f"{sum(r[3] for r in per_code)} sans créneau",
            reason="planification des oraux",
        )  # fmt: skip
        tell(count, count)  # in the transaction: a stop here still writes nothing
    return SlotSummary(tuple(per_code))
