"""The demo's juries: per series, one per 300 candidates, with a president from the university.

A lycée's candidates of one series all go to the same jury (blocks are given to juries in
generation order, so neighbouring lycées share one); a jury deliberates at the deliberation centre
nearest its first block. Each gets a president (PU or MCF), a vice-president (agrégé if one is
free), sometimes a professional, a teacher of the private sector, and four to six members in all;
nobody sits in two juries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from baktui.data.models import Jury, JuryMember
from baktui.demo.bulk import Table
from baktui.demo.calendar import DELIBERATION_DAYS
from baktui.demo.context import DemoContext, fr_int
from baktui.demo.examiners import ExaminerPlan, Staff
from baktui.demo.places import Places
from baktui.demo.population import Block, juries_for


@dataclass
class JuryPlan:
    id: int
    series: str
    centre: int | None = None  # index of its deliberation centre
    date: dt.date = DELIBERATION_DAYS[0]
    president: int = 0  # examiner ids
    vice: int | None = None
    members: list[tuple[int, str]] = field(default_factory=list)  # (examiner id, role)


def plan_juries(
    ctx: DemoContext, places: Places, blocks: list[Block], staff: Staff
) -> list[JuryPlan]:
    """The juries of every series, their blocks of candidates (``Block.jury``) and members."""
    rng = ctx.rng("juries")
    centres, etabs, km = places.centres, places.etabs, places.km
    juries: list[JuryPlan] = []
    deliberation = [k for k, c in enumerate(centres) if c.deliberation]
    used: set[int] = set()
    academics = iter(staff.academics)

    def take(
        candidates: list[ExaminerPlan], want: Callable[[ExaminerPlan], bool]
    ) -> ExaminerPlan | None:
        for ex in candidates:
            if ex.id not in used and want(ex):
                used.add(ex.id)
                return ex
        return None

    def private(ex: ExaminerPlan) -> bool:
        return ex.etab is not None and etabs[ex.etab].sector != "public"

    for s in ctx.reg.series_codes:
        series_blocks = [b for b in blocks if b.series == s]
        total = sum(b.count for b in series_blocks)
        if not total:
            continue
        nj = juries_for(total)
        first_id = len(juries) + 1
        members_pool = [
            ex for ex in staff.pools[("SP1", s)] + staff.pools[("SP2", s)] if ex.id not in used
        ]
        members_pool = list({ex.id: ex for ex in members_pool}.values())
        rng.shuffle(members_pool)
        others = [ex for ex in staff.others if ex.id not in used]
        for j in range(nj):
            juries.append(JuryPlan(first_id + j, s))
        cumulative = 0
        for b in series_blocks:
            j = min(nj - 1, int((cumulative + b.count / 2) * nj / total))
            cumulative += b.count
            b.jury = first_id + j
            jury = juries[b.jury - 1]
            if jury.centre is None:
                commune = centres[b.centre].commune
                jury.centre = min(
                    deliberation,
                    key=lambda k, commune=commune: (km[commune][centres[k].commune], k),
                )
        for j in range(nj):
            jury = juries[first_id + j - 1]
            if jury.centre is None:
                jury.centre = deliberation[0]
            jury.date = DELIBERATION_DAYS[j % len(DELIBERATION_DAYS)]
            president = next(academics)
            used.add(president.id)
            vice = take(members_pool, lambda e: e.corps == "AGREGE") or take(
                members_pool + others, lambda e: e.corps in ("AGREGE", "CERTIFIE")
            )
            members: list[tuple[ExaminerPlan, str]] = [(president, "president")]
            if vice is not None:
                members.append((vice, "vice_president"))
            wanted = rng.randint(4, 6) - len(members)
            if rng.random() < 0.4 and staff.professionals:
                pro = take(staff.professionals, lambda e: True)
                if pro is not None:
                    members.append((pro, "membre"))
                    wanted -= 1
            if not any(private(ex) for ex, _ in members) and wanted > 0:
                ex = take(members_pool + others, private)
                if ex is not None:
                    members.append((ex, "membre"))
                    wanted -= 1
            for _ in range(max(0, wanted)):
                ex = take(members_pool, lambda e: True) or take(others, lambda e: True)
                if ex is not None:
                    members.append((ex, "membre"))
            jury.president = president.id
            jury.vice = vice.id if vice is not None else None
            jury.members = [(ex.id, role) for ex, role in members]
    return juries


def write_juries(ctx: DemoContext, places: Places, juries: list[JuryPlan]) -> None:
    rows = Table(
        Jury,
        (
            "id",
            "session",
            "number",
            "series_codes",
            "centre",
            "president",
            "vice_president",
            "deliberation_date",
        ),
    )
    members = Table(JuryMember, ("jury", "examiner", "role"))
    for j in juries:
        assert j.centre is not None
        rows.rows.append(
            (
                j.id,
                ctx.session_id,
                j.id,
                j.series,
                places.centres[j.centre].id,
                j.president,
                j.vice,
                j.date.isoformat(),
            )
        )
        for ex_id, role in j.members:
            members.rows.append((j.id, ex_id, role))
    rows.flush()
    members.flush()
    ctx.summary.juries = rows.count
    ctx.event("jury", f"{fr_int(rows.count)} jurys et {fr_int(members.count)} membres créés")
