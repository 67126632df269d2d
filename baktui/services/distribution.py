"""Put the session's candidates into juries: read, plan (pure), write, in one transaction.

The plan is :func:`baktui.rules.distribution.plan_distribution` (by series, near the exam
centre, an établissement's block in one jury, away from its teachers, balanced). Here the base
is read (juries, their members' établissements, the live candidates), and the moves written:
one prepared UPDATE run for all the moved candidates (:func:`baktui.data.sql.executemany`) and
one audit entry per candidate moved (:func:`baktui.data.audit.log_many`), plus a session event. Read and write happen in one write
transaction, so that a colleague's change in between cannot be overwritten.

``progress`` (see :mod:`baktui.rules.progress`) is told nothing counted while the base is read
and the plan made, then each moved candidate three times: their new jury written, their audit
entry written, the counters of the home screen brought up to date (a whole session's recount
at once, past 20,000 candidates). A :class:`~baktui.errors.Cancelled` it raises (Échap in F5)
rolls the whole run back: nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from baktui.data import audit, counters, sql
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Examiner, Jury, JuryMember
from baktui.errors import ServiceError
from baktui.rules.distribution import CandidateRow, JuryTarget, Plan, plan_distribution
from baktui.rules.numbers import thousands
from baktui.rules.progress import Progress, silent
from baktui.services.missions import LIVE_CANDIDATES

REASON = "répartition dans les jurys"
PHASES = ("jurys", "journal", "compteurs")  # what ``progress`` counts, in this order
BATCH = 10_000  # moved candidates between two calls of ``progress``


@dataclass(frozen=True)
class DistributionSummary:
    placed: int  # candidates placed by this run (all of them with --tout)
    unplaced: int
    blocks: int
    per_jury: tuple[tuple[int, str, int], ...]  # (number, series codes, candidates after)
    missing: tuple[tuple[str, int], ...] = ()  # (series no jury takes, candidates left)
    kept: int = 0  # candidates who already had a jury and kept it
    moved: int = 0  # of those placed, the ones whose jury changed (written and audited)

    def render(self) -> str:
        """« 1 234 candidats répartis : jury 1 (STMG) 412, jury 2 (STI2D, STL) 398 ; 3 candidats
        sans jury possible (série STHR : aucun jury) »."""
        text = f"{_count(self.placed, 'candidat')} réparti{'s' if self.placed > 1 else ''}"
        if self.blocks:
            text += f" ({_count(self.blocks, 'groupe')} d'établissement)"
        if self.moved != self.placed:
            text += f", {thousands(self.moved)} changent de jury"
        if self.kept:
            text += f", {thousands(self.kept)} déjà placés gardent leur jury"
        shown = [
            f"jury {number} ({codes.replace(',', ', ') or 'toutes séries'}) {thousands(n)}"
            for number, codes, n in self.per_jury
        ]
        text += " : " + ", ".join(shown)
        if self.unplaced:
            why = " ; ".join(
                f"série {series} : aucun jury"
                + (f", {thousands(n)}" if len(self.missing) > 1 else "")
                for series, n in self.missing
            )
            text += f" ; {_count(self.unplaced, 'candidat')} sans jury possible ({why})"
        return text + "."


def _count(n: int, word: str) -> str:
    return f"{thousands(n)} {word}{'s' if n > 1 else ''}"


def distribute_candidates(
    session_id: int, *, reassign: bool = False, progress: Progress | None = None
) -> DistributionSummary:
    """Put candidates into juries: by series, near their centre, balanced, établissements together.

    Without ``reassign`` only candidates with no jury are placed (the others stay and count in
    the loads); with it (``baktui jurys repartir --tout``) everyone is placed again.
    ``progress(done, total)``: the :data:`PHASES` over the moved candidates.
    """
    tell = progress or silent
    tell(0, None)
    with write_transaction():
        juries = _juries(session_id)
        candidates = _candidates(session_id)
        plan = plan_distribution(
            juries,
            candidates,
            _member_etablissements([j.id for j in juries]),
            reassign=reassign,
        )
        moved = _write(session_id, plan, tell)
    kept = 0 if reassign else sum(1 for row in candidates if row[4] is not None)
    return DistributionSummary(
        placed=sum(len(items) for items in plan.moves.values()),
        unplaced=plan.unplaced,
        blocks=plan.blocks,
        per_jury=tuple((j.number, j.series_codes, plan.load.get(j.id, 0)) for j in juries),
        missing=plan.missing,
        kept=kept,
        moved=moved,
    )


def _juries(session_id: int) -> list[JuryTarget]:
    juries = [
        JuryTarget(jid, number, centre, codes)
        for jid, number, centre, codes in Jury.select(
            Jury.id, Jury.number, Jury.centre, Jury.series_codes
        )
        .where((Jury.session == session_id) & Jury.active)
        .order_by(Jury.number)
        .tuples()
    ]
    if not juries:
        raise ServiceError(
            "Aucun jury dans la session : importez d'abord les jurys (baktui import jurys)."
        )
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


def _write(session_id: int, plan: Plan, tell: Progress) -> int:
    """Move the candidates the plan moves (in the caller's transaction): one prepared UPDATE run
    and one audit entry each, in bulk by batches, the counters after; returns how many moved."""
    moved = [
        (cid, old, jury_id)
        for jury_id, items in plan.moves.items()
        for cid, old in items
        if old != jury_id
    ]
    count, total = len(moved), len(PHASES) * len(moved)
    update = sql.update_sql(Candidate, ["jury"], bump_version=True)
    with counters.tracking((cid for cid, _, _ in moved), session_id=session_id):
        for start in range(0, count, BATCH):
            part = moved[start : start + BATCH]
            sql.executemany(update, [(jury_id, cid) for cid, _, jury_id in part])
            tell(start + len(part), total)
        for start in range(0, count, BATCH):
            part = moved[start : start + BATCH]
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
                for cid, old, jury_id in part
            )
            tell(count + start + len(part), total)
    audit.log(
        "event",
        "session",
        session_id,
        "jurys",
        after=f"{count} candidats changent de jury",
        reason=REASON,
    )
    tell(total, total)  # in the transaction: a stop here still writes nothing
    return count
