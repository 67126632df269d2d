"""Examiners' assignments (convocations): corrections, oral commissions, juries; absences.

One correction per lot, the day after its épreuve, at the correction centre; oral commissions
per centre and day (GO by two examiners, FRO by one), never an examiner of the centre's own
lycées, never two orals the same day, within the hours the examiner accepts; every jury member
on the deliberation day. Assignments before :data:`~baktui.demo.calendar.DEMO_TODAY` are done
(``realisee``), later ones convened. Some examiners are absent from an oral: half are replaced
(a new assignment ``replaces`` the old one, now ``remplacee``), the others are the
``absence_non_remplacee`` anomaly. Assignments are written last, after the absences changed them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from baktui.data.models import Absence, Assignment
from baktui.demo.bulk import Table
from baktui.demo.calendar import (
    DEMO_TODAY,
    ORAL_CANDIDATES_PER_DAY,
    ORAL_DAYS,
    ORAL_FIRST_DAY,
    ORAL_HOURS_CENTI,
    weekdays,
    written_day,
)
from baktui.demo.context import OPERATORS, DemoContext, fr_int
from baktui.demo.examiners import ExaminerPlan, Staff
from baktui.demo.juries import JuryPlan
from baktui.demo.lots import LotRecord
from baktui.demo.places import Places
from baktui.rules.examiners import teaches
from baktui.rules.lifecycles import AssignmentState

CONVOKED_AT = "2026-05-20T10:00:00+02:00"
ABSENCE_REASONS = (
    "Arrêt maladie",
    "Enfant malade",
    "Convocation à un autre examen",
    "Accident de trajet",
    "Décès dans la famille",
)
ASSIGNMENT_COLUMNS = (
    "id",
    "session",
    "examiner",
    "kind",
    "epreuve_code",
    "day",
    "start_time",
    "end_time",
    "centre",
    "room",
    "lot",
    "jury",
    "hours_centi",
    "state",
    "replaces",
    "convoked_at",
)


@dataclass
class AssignmentPlan:
    id: int
    examiner: int  # examiner id
    kind: str
    code: str | None  # épreuve
    day: dt.date
    start: str
    end: str
    centre: int  # index in centres
    state: AssignmentState
    room: int | None = None
    lot: int | None = None
    jury: int | None = None
    hours_centi: int = 0
    replaces: int | None = None

    @property
    def done(self) -> bool:
        return self.state == AssignmentState.REALISEE


class Book:
    """Every assignment planned so far, by id and by examiner, and who is busy which day."""

    def __init__(self, places: Places) -> None:
        self.places = places
        self.plans: list[AssignmentPlan] = []  # id = index + 1
        self.by_examiner: dict[int, list[int]] = {}
        self.busy: set[tuple[int, dt.date]] = set()  # (examiner id, day) of an oral
        self.orals: list[int] = []
        self.absent: set[int] = set()  # assignments whose examiner was absent

    def get(self, a_id: int) -> AssignmentPlan:
        return self.plans[a_id - 1]

    def add(
        self,
        ex_id: int,
        kind: str,
        code: str | None,
        day: dt.date,
        start: str,
        end: str,
        centre: int,
        **details: int | None,
    ) -> int:
        """A new assignment (done if dated before the demo's today); its id."""
        a_id = len(self.plans) + 1
        state = AssignmentState.REALISEE if day < DEMO_TODAY else AssignmentState.CONVOQUEE
        self.plans.append(
            AssignmentPlan(a_id, ex_id, kind, code, day, start, end, centre, state, **details)
        )
        self.by_examiner.setdefault(ex_id, []).append(a_id)
        return a_id

    def done_by(self, ex_id: int) -> list[AssignmentPlan]:
        """The examiner's missions carried out (not missed through an absence)."""
        return [
            self.get(a)
            for a in self.by_examiner.get(ex_id, [])
            if self.get(a).done and a not in self.absent
        ]

    def free_examiner(
        self,
        pool: list[ExaminerPlan],
        everyone: list[ExaminerPlan],
        pointers: dict[tuple[str, str], int],
        key: tuple[str, str],
        day: dt.date,
        centre: int,
    ) -> ExaminerPlan | None:
        """Next examiner of the pool free that day and not examining his own lycée's candidates."""
        etabs = self.places.etabs
        for candidates, pkey in ((pool, key), (everyone, (key[0], "*"))):
            start = pointers.get(pkey, 0)
            size = len(candidates)
            for step in range(size):
                ex = candidates[(start + step) % size]
                if (ex.id, day) in self.busy:
                    continue
                if ex.oral_centi + ORAL_HOURS_CENTI > ex.max_oral_hours * 100:
                    continue
                if ex.etab is not None and etabs[ex.etab].centre == centre:
                    continue
                pointers[pkey] = (start + step + 1) % size
                self.busy.add((ex.id, day))
                ex.oral_centi += ORAL_HOURS_CENTI
                return ex
        return None


def plan_assignments(
    ctx: DemoContext,
    places: Places,
    staff: Staff,
    juries: list[JuryPlan],
    lots: list[LotRecord],
) -> Book:
    """Corrections, oral commissions and jury days of every examiner."""
    book = Book(places)
    # correction: one per lot, the day after the written épreuve, at the centre de correction
    for lot in lots:
        day = written_day(lot.code) + dt.timedelta(days=1 if lot.code != "FRE" else 3)
        book.add(
            lot.correcteur, "correction", lot.code, day, "14:00", "16:00", lot.centre, lot=lot.id
        )
    # orals: commissions per centre and day
    oral_pools: dict[str, dict[str, list[ExaminerPlan]]] = {"GO": {}, "FRO": {}}
    for ex in staff.examiners:
        if ex.corps in ("PU", "MCF", "PROFESSIONNEL") or ex.etab is None:
            continue
        dept = places.communes[ex.admin].dept
        for code in ("GO", "FRO"):
            if teaches(ex.disciplines, code):
                oral_pools[code].setdefault(dept, []).append(ex)
    pointers: dict[tuple[str, str], int] = {}
    for code, per_day in ORAL_CANDIDATES_PER_DAY.items():
        if not ctx.reg.has_epreuve(code):
            continue
        days = weekdays(ORAL_FIRST_DAY, ORAL_DAYS[code])
        examiners_per_commission = 2 if code == "GO" else 1
        everyone = [ex for pool in oral_pools[code].values() for ex in pool]
        for k, c in enumerate(places.centres):
            commissions = math.ceil(c.candidates / per_day)
            dept = places.communes[c.commune].dept
            pool = oral_pools[code].get(dept) or everyone
            for m in range(commissions):
                day = days[m % len(days)]
                room = c.rooms[m % len(c.rooms)]
                for _ in range(examiners_per_commission):
                    ex = book.free_examiner(pool, everyone, pointers, (code, dept), day, k)
                    if ex is None:
                        continue
                    a_id = book.add(
                        ex.id,
                        "oral",
                        code,
                        day,
                        "08:00",
                        "15:00",
                        k,
                        room=room,
                        hours_centi=ORAL_HOURS_CENTI,
                    )
                    book.orals.append(a_id)
    # juries: every member on the deliberation day
    for j in juries:
        assert j.centre is not None
        for ex_id, _role in j.members:
            book.add(ex_id, "jury", None, j.date, "08:30", "17:00", j.centre, jury=j.id)
    return book


def write_absences(ctx: DemoContext, staff: Staff, book: Book) -> None:
    """Absences at orals (past and future), half of them with a replacement."""
    rng = ctx.rng("absences")
    table = Table(Absence, ("examiner", "day", "reason", "recorded_by", "recorded_at", "resolved"))
    n_absences = max(3, round(len(staff.examiners) / 75))
    orals = list(book.orals)
    rng.shuffle(orals)
    future = [a for a in orals if book.get(a).day >= DEMO_TODAY]
    past = [a for a in orals if book.get(a).day < DEMO_TODAY]
    replacements = {
        code: [e for e in staff.examiners if e.etab is not None and teaches(e.disciplines, code)]
        for code in ORAL_CANDIDATES_PER_DAY
    }
    pointers: dict[tuple[str, str], int] = {}
    for k in range(n_absences):
        unresolved = k % 2 == 0
        source = future if unresolved and future else past or future
        if not source:
            break
        a_id = source.pop()
        plan = book.get(a_id)
        book.absent.add(a_id)
        recorded = plan.day - dt.timedelta(days=rng.randint(0, 2))
        resolved = not unresolved
        if resolved:
            plan.state = AssignmentState.REMPLACEE
            # the absent examiner is busy that day: never picked again
            code = plan.code or ""
            pool = replacements.get(code, [])
            replacement = book.free_examiner(
                pool, pool, pointers, (code, "r"), plan.day, plan.centre
            )
            if replacement is not None:
                book.add(
                    replacement.id,
                    "oral",
                    plan.code,
                    plan.day,
                    plan.start,
                    plan.end,
                    plan.centre,
                    room=plan.room,
                    hours_centi=plan.hours_centi,
                    replaces=a_id,
                )
            else:
                resolved = False
        if not resolved:
            plan.state = AssignmentState.CONVOQUEE
            ctx.flag(
                "absence_non_remplacee",
                f"examinateur n° {plan.examiner} le {plan.day.strftime('%d/%m/%Y')}",
            )
        table.rows.append(
            (
                plan.examiner,
                plan.day.isoformat(),
                rng.choice(ABSENCE_REASONS),
                rng.choice(OPERATORS),
                f"{recorded.isoformat()}T07:{rng.randint(30, 59):02d}:00+02:00",
                resolved,
            )
        )
    table.flush()
    ctx.event("absence", f"{fr_int(table.count)} absences d'examinateurs")


def write_assignments(ctx: DemoContext, places: Places, book: Book) -> None:
    """Write the assignments (after the absences, which change some of them)."""
    table = Table(Assignment, ASSIGNMENT_COLUMNS)
    for a in book.plans:
        table.rows.append(
            (
                a.id,
                ctx.session_id,
                a.examiner,
                a.kind,
                a.code,
                a.day.isoformat(),
                a.start,
                a.end,
                places.centres[a.centre].id,
                a.room,
                a.lot,
                a.jury,
                a.hours_centi,
                a.state,
                a.replaces,
                CONVOKED_AT,
            )
        )
    table.flush()
    ctx.summary.assignments = table.count
    ctx.event("assignment", f"{fr_int(table.count)} convocations d'examinateurs")
