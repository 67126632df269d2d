"""The replacement ranking's bulk path gives the ranking of the engine's full evaluation.

:func:`baktui.services.replacements.rank_replacements` screens the examiners as sets of ids
(:mod:`baktui.services.eligibility_tally`) and words only those shown. The reference is the
engine's own full evaluation, :func:`baktui.services.eligibility.evaluate` (every examiner of
the discipline, every refusal worded): on a world where every rule refuses someone, with ties of distance and
load, each mission's ranking (options, refused shown, their sentences, the counts by reason)
is the one the full evaluation orders.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from test_juries_service import DAY, World, build_world

from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Availability,
    Commune,
    CommuneDistance,
    Examiner,
    Jury,
    JuryMember,
    Lot,
)
from baktui.rules import examiners as rules
from baktui.rules.identifiers import fold
from baktui.services import absences, eligibility, replacements
from baktui.services.eligibility import Evaluation
from baktui.services.missions import mission_of_assignment
from baktui.services.replacements import Option, Ranking
from baktui.services.sessions import SessionInfo

# "PHIX" and "GOLF" match the SQL narrowing (a LIKE) without teaching PHI or GO
DISCIPLINES = ["PHI", "GO", "PHI,GO", "GO:STMG", "GO:STI2D", "PHIX", "GOLF", "FRO", "", "SP1"]
CORPS = ["CERTIFIE", "AGREGE", "PU", "MCF", "PLP", "PROFESSIONNEL", "RETRAITE", " agrege "]
TIMES = [("08:00", "10:00"), ("09:30", "11:00"), ("12:00", "14:00"), ("15:00", "17:00"),
         ("13:00", "19:00"), ("??", "10:00")]  # fmt: skip


def _varied(world: World, session: SessionInfo, count: int = 160) -> None:
    """``count`` more examiners drawn (seeded) over every rule: disciplines, corps, inactive,
    établissement of the candidates, absent, unavailable or not declared, busy at various
    hours (one unreadable), loaded with copies and oral hours, on the jury; from few communes
    (ties of distance), one without coordinates, some from nowhere."""
    draw = random.Random(18)
    lost = Commune.create(name="Sans-Coordonnées").id
    communes = [*world.communes.values(), lost, None]
    CommuneDistance.create(origin=world.communes["Lyon"], destination=lost, km=9)
    etabs = [*world.etabs.values(), None]
    jury = Jury.create(session=session.id, number=2, series_codes="STMG", centre=world.centre)
    for n in range(count):
        last = f"Var{n % 40:02d}"  # names shared too: the id breaks the last ties
        row = Examiner.create(
            civility=draw.choice(["M.", "Mme", ""]),
            last_name=last,
            first_name=draw.choice(["Anne", "Paul"]),
            name_key=fold(f"{last} x"),
            corps=draw.choice(CORPS),
            disciplines=draw.choice(DISCIPLINES),
            etablissement=draw.choice(etabs),
            home_commune=draw.choice(communes),
            admin_commune=draw.choice(communes),
            max_copies=draw.choice([5, 40, 200]),
            max_oral_hours=draw.choice([2, 6, 30]),
            active=draw.random() > 0.1,
        )
        eid = row.id
        if draw.random() < 0.12:
            Absence.create(examiner=eid, day=DAY, reason="x", recorded_by="t", recorded_at="x")
        fate = draw.random()  # drawn apart: an absent examiner may be unavailable too
        if fate < 0.1:
            Availability.create(examiner=eid, day=DAY, available=False)
        elif fate < 0.2:  # declared another day only
            Availability.create(examiner=eid, day=DAY + dt.timedelta(days=2), available=True)
        elif fate < 0.3:
            Availability.create(examiner=eid, day=DAY, available=True)
        for _ in range(draw.choice([0, 0, 1, 2])):
            start, end = draw.choice(TIMES)
            Assignment.create(
                session=session.id,
                examiner=eid,
                kind=draw.choice(["oral", "surveillance", "oral"]),
                epreuve_code="GO",
                day=draw.choice([DAY, DAY, DAY + dt.timedelta(days=1)]),
                start_time=start,
                end_time=end,
                hours_centi=draw.choice([100, 300, 500]),
                state=draw.choice(["convoquee", "realisee", "annulee"]),
            )
        if draw.random() < 0.2:
            lot = Lot.create(
                session=session.id, number=100 + n, epreuve_code="PHI", correcteur=eid
            ).id
            for k in range(draw.choice([3, 30])):
                cid = world.candidates["A"][k % len(world.candidates["A"])]
                Anonymat.create(
                    candidate=cid, epreuve_code=f"V{n}-{k}", number=f"V{n}-{k}", lot=lot
                )
        if draw.random() < 0.1:
            JuryMember.create(jury=world.jury, examiner=eid, role="membre")
        if draw.random() < 0.05:
            JuryMember.create(jury=jury, examiner=eid, role="membre")
    # seats of the second jury to cover: président, vice-président, member
    for role, start in (("president", "08:00"), ("vice_president", "09:30"), ("membre", "14:00")):
        holder = Examiner.create(
            civility="Mme",
            last_name=f"Siege{role}",
            first_name="T",
            name_key=fold(f"Siege{role} T"),
            corps="PU" if role == "president" else "CERTIFIE",
            disciplines="",
        ).id
        JuryMember.create(jury=jury, examiner=holder, role=role)
        if role != "membre":
            Jury.update({role: holder}).where(Jury.id == jury).execute()
        Assignment.create(
            session=session.id,
            examiner=holder,
            kind="jury",
            day=DAY,
            start_time=start,
            end_time="12:00",
            centre=world.centre,
            jury=jury,
            state="convoquee",
        )


def _shown(option: Option) -> tuple:
    return (
        option.examiner_id,
        option.name,
        option.etablissement,
        option.commune,
        option.km,
        option.km_source,
        option.copies,
        option.oral_hours_centi,
        option.reasons,
        option.reason_codes,
    )


def _expected(ev: Evaluation) -> tuple:
    e = ev.examiner
    reasons = tuple(text for _, text in ev.reasons)
    codes = tuple(code for code, _ in ev.reasons)
    return (e.id, e.name, e.etablissement, e.commune, ev.km, ev.km_source, ev.load.copies,
            ev.load.oral_hours_centi, reasons, codes)  # fmt: skip


def _reference(assignment_id: int, limit: int) -> tuple[list[tuple], list[tuple], dict, int, int]:
    """What the ranking must show, from the engine's full evaluation of every examiner."""
    # the examiners of the épreuve's discipline (narrowed in SQL: the others are refused for
    # it, counted and never read, as the ranking always did)
    evaluations = eligibility.evaluate(mission_of_assignment(assignment_id), same_discipline=True)
    others = Examiner.select().count() - len(evaluations)
    codes = {ev.examiner.id: {code for code, _ in ev.reasons} for ev in evaluations}
    eligible = [ev for ev in evaluations if ev.eligible]
    refused = [
        ev
        for ev in evaluations
        if ev.reasons and not codes[ev.examiner.id] & replacements.HIDDEN_REASONS
    ]
    # sorted() is stable and the evaluations come by id: equal keys stay by id
    options = sorted(
        eligible,
        key=lambda ev: rules.ranking_key(
            ev.km, ev.load, ev.examiner.last_name, ev.examiner.first_name
        ),
    )[:limit]
    shown_refused = sorted(
        refused,
        key=lambda ev: (
            eligibility.R_OWN not in codes[ev.examiner.id],
            ev.km is None,
            ev.km or 0,
            ev.examiner.last_name,
        ),
    )[:limit]
    counts = Counter(code for found in codes.values() for code in found)
    if others:
        counts[eligibility.R_DISCIPLINE] += others
    return (
        [_expected(ev) for ev in options],
        [_expected(ev) for ev in shown_refused],
        dict(counts),
        len(eligible),
        len(refused),
    )


@pytest.mark.parametrize("limit", [3, replacements.DEFAULT_LIMIT])
def test_the_bulk_ranking_is_the_full_evaluation_s(session: SessionInfo, limit: int) -> None:
    world = build_world(session)
    _varied(world, session)
    absences.mark_absent(world.examiners["absent"], DAY, "malade")
    missions = [a for (a,) in Assignment.select(Assignment.id).order_by(Assignment.id).tuples()]
    kinds: Counter[str] = Counter()
    for assignment_id in missions:
        ranking: Ranking = replacements.rank_replacements(assignment_id, limit=limit)
        options, refused, counts, eligible, refused_total = _reference(assignment_id, limit)
        where = f"mission {assignment_id} ({ranking.need.kind})"
        assert [_shown(o) for o in ranking.options] == options, where
        assert [_shown(o) for o in ranking.excluded] == refused, where
        assert ranking.excluded_counts == counts, where
        assert (ranking.eligible_total, ranking.refused) == (eligible, refused_total), where
        assert ranking.examined == Examiner.select().count()
        kinds.update(counts)
        kinds[ranking.need.kind] += 1
    # the world refused someone for every reason, and ranked every kind of mission
    for code in (*eligibility.REASON_SHORT, "correction", "oral", "jury", "surveillance"):
        assert kinds[code] > 0, code
