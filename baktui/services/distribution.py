"""Put the session's candidates into juries: read, plan (pure), write, in one transaction.

The plan is :func:`baktui.rules.distribution.plan_distribution` (by series, near the exam
centre, an établissement's block in one jury, away from its teachers, balanced). Here the base
is read (juries, their members' établissements, the live candidates), and the moves written:
one UPDATE per chunk of 500 candidates and one audit entry per candidate moved
(:func:`baktui.data.audit.log_many`), plus a session event. Read and write happen in one write
transaction, so that a colleague's change in between cannot be overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Examiner, Jury, JuryMember
from baktui.errors import ServiceError
from baktui.rules.distribution import CandidateRow, JuryTarget, Plan, plan_distribution
from baktui.services.missions import LIVE_CANDIDATES

REASON = "répartition dans les jurys"
_CHUNK = 500  # ids per UPDATE: well under SQLite's limit of bound parameters


@dataclass(frozen=True)
class DistributionSummary:
    placed: int
    unplaced: int
    blocks: int
    per_jury: tuple[tuple[int, int], ...]  # (jury number, candidates after distribution)
    problems: tuple[str, ...] = ()

    def render(self) -> str:
        text = f"{self.placed} candidats répartis ({self.blocks} groupes d'établissement)."
        if self.unplaced:
            text += f" {self.unplaced} sans jury : " + " ; ".join(self.problems)
        return text


def distribute_candidates(session_id: int, *, reassign: bool = False) -> DistributionSummary:
    """Put candidates into juries: by series, near their centre, balanced, établissements together.

    Without ``reassign`` only candidates with no jury are placed (the others stay and count in
    the loads).
    """
    with write_transaction():
        juries = _juries(session_id)
        plan = plan_distribution(
            juries,
            _candidates(session_id),
            _member_etablissements([j.id for j in juries]),
            reassign=reassign,
        )
        placed = _write(session_id, plan)
    numbers = {j.id: j.number for j in juries}
    return DistributionSummary(
        placed=placed,
        unplaced=plan.unplaced,
        blocks=plan.blocks,
        per_jury=tuple(sorted((numbers[j], n) for j, n in plan.load.items())),
        problems=plan.problems,
    )


def _juries(session_id: int) -> list[JuryTarget]:
    juries = [
        JuryTarget(jid, number, centre, codes)
        for jid, number, centre, codes in Jury.select(
            Jury.id, Jury.number, Jury.centre, Jury.series_codes
        )
        .where(Jury.session == session_id)
        .order_by(Jury.number)
        .tuples()
    ]
    if not juries:
        raise ServiceError("Aucun jury dans cette session : créez d'abord les jurys.")
    return juries


def _member_etablissements(jury_ids: list[int]) -> dict[int, set[int]]:
    """The établissements the members of each jury teach in."""
    found: dict[int, set[int]] = defaultdict(set)
    for jury_id, etab in (
        JuryMember.select(JuryMember.jury, Examiner.etablissement)
        .join(Examiner, on=JuryMember.examiner == Examiner.id)
        .where(JuryMember.jury.in_(jury_ids) & Examiner.etablissement.is_null(False))
        .tuples()
    ):
        found[jury_id].add(etab)
    return found


def _candidates(session_id: int) -> list[CandidateRow]:
    return list(
        Candidate.select(
            Candidate.id,
            Candidate.series,
            Candidate.etablissement,
            Candidate.centre,
            Candidate.jury,
        )
        .where((Candidate.session == session_id) & LIVE_CANDIDATES)
        .tuples()
    )


def _write(session_id: int, plan: Plan) -> int:
    """Move the candidates the plan moves (in the caller's transaction); how many moved."""
    placed = 0
    for jury_id, items in plan.moves.items():
        moved = [(cid, old) for cid, old in items if old != jury_id]
        ids = [cid for cid, _ in moved]
        for start in range(0, len(ids), _CHUNK):
            Candidate.update(jury=jury_id, version=Candidate.version + 1).where(
                Candidate.id.in_(ids[start : start + _CHUNK])
            ).execute()
        audit.log_many(
            {
                "action": "update",
                "entity": "candidate",
                "entity_id": cid,
                "field": "jury",
                "before": old,
                "after": jury_id,
                "reason": REASON,
                "candidate_id": cid,
            }
            for cid, old in moved
        )
        placed += len(ids)
    audit.log(
        "event", "session", session_id, "jurys", after=f"{placed} candidats répartis", reason=REASON
    )
    return placed
