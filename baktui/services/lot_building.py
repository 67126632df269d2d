"""Constituting the lots of written copies: who corrects what, and which copies go together.

Per subject (the épreuve; for SP1/SP2 the spécialité of one series), lots hold at most the
épreuve's ``lot_size`` copies, sizes balanced, each given to the least-loaded correcteur who marks
the subject and has room, never with a copy from the correcteur's own établissement. Each new lot
goes to a centre de correction of the session (see :func:`correction_centre`).
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Candidate,
    Centre,
    DoubleEntry,
    Epreuve,
    Examiner,
    Grade,
    Lot,
)
from baktui.errors import ServiceError
from baktui.rules.examiners import teaches
from baktui.rules.french import plural
from baktui.rules.lifecycles import LotState, RegistrationState
from baktui.rules.lots import (
    LOT_SIZE_MAX,
    LOT_SIZE_MIN,
    balanced_sizes,
    format_lot_numbers,
    per_series,
)
from baktui.rules.regulation import EpreuveRule
from baktui.services.lots import COPY_GRADE, written_rules


@dataclass
class LotReport:
    created: list[int] = field(default_factory=list)  # lot numbers
    copies: int = 0
    without_correcteur: list[int] = field(default_factory=list)
    dissolved: list[int] = field(default_factory=list)

    def render(self) -> str:
        if not self.created:
            return "Lots : toutes les copies sont déjà en lot."
        text = (
            f"{plural(len(self.created), 'lot constitué', 'lots constitués')} : "
            f"{format_lot_numbers(self.created)} ; {plural(self.copies, 'copie')}"
        )
        if self.dissolved:
            text += f" ; {plural(len(self.dissolved), 'lot sans note défait', 'lots sans note défaits')}"
        if self.without_correcteur:
            word = "lots" if len(self.without_correcteur) > 1 else "lot"
            text += f" ; sans correcteur possible : {word} " + ", ".join(
                str(n) for n in self.without_correcteur
            )
        return text + "."


def constitute_lots(
    session_id: int,
    epreuve_code: str | None = None,
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], object] | None = None,
) -> LotReport:
    """Bundle the numbered copies that are in no lot into lots, one correcteur each (audited).

    Per subject (the épreuve; for SP1/SP2 the spécialité of one series, never mixed), lots hold at
    most the épreuve's ``lot_size`` copies, sizes balanced. The correcteur is chosen first: the
    least-loaded active examiner who marks the subject (:func:`marks`) and has room under
    ``max_copies`` (if none has room for a whole lot, the one with the most room gets a smaller
    lot, never under 50 copies unless they are the last). The lot is then filled with copies
    from other établissements than the correcteur's (those of the other correcteurs' lycées
    first), following the exam centres' packets; on the slip they go in anonymity-number order.
    A lot for which no correcteur qualifies is created without one and reported. Each new lot is
    sent to a centre de correction (:func:`correction_centre`), none if the session has none.
    Running it again only lots new copies.

    ``rebuild`` first undoes the épreuve's lots (their numbers are given again), and is refused if
    any of them was distributed or already has a grade (or a double-entry value): graded copies are
    never re-lotted.

    One transaction per épreuve; ``progress(done, total)`` is told before each (in épreuves),
    and may raise to stop there: the épreuves done keep their lots, a new run does the others.
    """
    report = LotReport()
    rules = written_rules(session_id, epreuve_code)
    for done, rule in enumerate(rules):
        if progress is not None:
            progress(done, len(rules))
        with write_transaction():
            if rebuild:
                report.dissolved.extend(_dissolve_lots(session_id, rule.code))
            part = _constitute_epreuve(session_id, rule)
        report.created.extend(part.created)
        report.copies += part.copies
        report.without_correcteur.extend(part.without_correcteur)
    return report


def _dissolve_lots(session_id: int, code: str) -> list[int]:
    lots = list(Lot.select().where((Lot.session == session_id) & (Lot.epreuve_code == code)))
    if not lots:
        return []
    lot_ids = [lot.id for lot in lots]
    graded = (
        Lot.select(Lot.number)
        .join(Anonymat, on=(Anonymat.lot == Lot.id))
        .join(Grade, on=COPY_GRADE)
        .where(Lot.id.in_(lot_ids))
        .distinct()
    )
    keyed = Lot.select(Lot.number).join(DoubleEntry).where(Lot.id.in_(lot_ids)).distinct()
    refused = sorted(
        {n for (n,) in graded.tuples()}
        | {n for (n,) in keyed.tuples()}
        | {lot.number for lot in lots if lot.state != LotState.CONSTITUE}
    )
    if refused:
        raise ServiceError(
            f"Impossible de refaire les lots de {code} : lots déjà distribués ou notes déjà "
            "saisies dans les lots "
            + ", ".join(str(n) for n in refused[:20])
            + ("…" if len(refused) > 20 else "")
            + ". Les copies notées ne changent jamais de lot."
        )
    copies = list(
        Anonymat.select(Anonymat.id, Anonymat.candidate, Anonymat.lot).where(
            Anonymat.lot.in_(lot_ids)
        )
    )
    Anonymat.update(lot=None, position=None).where(Anonymat.lot.in_(lot_ids)).execute()
    audit.log_many(
        {
            "action": "update",
            "entity": "anonymat",
            "entity_id": str(c.id),
            "field": "lot",
            "before": str(c.lot_id),
            "after": None,
            "reason": "lots refaits",
            "candidate_id": c.candidate_id,
        }
        for c in copies
    )
    for lot in lots:
        audit.delete(Lot, lot.id, reason="lots refaits")
    return [lot.number for lot in lots]


def _constitute_epreuve(session_id: int, rule: EpreuveRule) -> LotReport:
    epreuve = Epreuve.get_or_none((Epreuve.session == session_id) & (Epreuve.code == rule.code))
    lot_size = epreuve.lot_size if epreuve is not None else 100
    if not LOT_SIZE_MIN <= lot_size <= LOT_SIZE_MAX:
        raise ServiceError(
            f"Taille de lot de {rule.code} : {lot_size} (attendu de {LOT_SIZE_MIN} à {LOT_SIZE_MAX})."
        )
    rows = list(
        Anonymat.select(
            Anonymat.id,
            Anonymat.candidate,
            Anonymat.number,
            Candidate.centre,
            Candidate.etablissement,
            Candidate.series,
        )
        .join(Candidate, on=(Anonymat.candidate == Candidate.id))
        .where(
            (Candidate.session == session_id)
            & (Candidate.state != RegistrationState.ANNULEE)
            & (Anonymat.epreuve_code == rule.code)
            & Anonymat.lot.is_null()
        )
        .tuples()
    )
    if not rows:
        return LotReport()
    subjects: dict[str, list[_Copy]] = defaultdict(list)
    for aid, cid, number, centre, etab, series in rows:
        subjects[series if per_series(rule.code) else ""].append((aid, cid, number, centre, etab))

    load: dict[int, int] = defaultdict(int)
    for examiner_id, n in (
        Lot.select(Lot.correcteur, pw.fn.COUNT(Anonymat.id))
        .join(Anonymat, on=(Anonymat.lot == Lot.id))
        .where((Lot.session == session_id) & Lot.correcteur.is_null(False))
        .group_by(Lot.correcteur)
        .tuples()
    ):
        load[examiner_id] = n
    examiners = list(Examiner.select().where(Examiner.active == True))  # noqa: E712
    next_number = (
        Lot.select(pw.fn.MAX(Lot.number)).where(Lot.session == session_id).scalar() or 0
    ) + 1
    report = LotReport()
    centres = CorrectionCentres.of_session(session_id)
    for series in sorted(subjects):
        copies = subjects[series]
        correcteurs = [ex for ex in examiners if teaches(ex.disciplines, rule.code, (series,))]
        next_number = _lot_subject(
            session_id, rule, copies, correcteurs, load, lot_size, next_number, report, centres
        )
    return report


@dataclass(frozen=True)
class CorrectionCentres:
    """The session's centres de correction, and where each exam centre's copies go."""

    ordered: tuple[int, ...]  # the correction centres' ids, by code
    route: dict[int, int]  # exam centre id -> the correction centre its copies go to

    @classmethod
    def of_session(cls, session_id: int) -> CorrectionCentres:
        rows = list(
            Centre.select(Centre.id, Centre.code, Centre.commune, Centre.is_correction)
            .where(Centre.session == session_id)
            .order_by(Centre.code)
            .tuples()
        )
        ordered = tuple(cid for cid, _code, _commune, corr in rows if corr)
        by_commune: dict[int, int] = {}
        for cid, _code, commune, corr in rows:
            if corr and commune is not None:
                by_commune.setdefault(commune, cid)  # the first by code of the commune
        route: dict[int, int] = {}
        for cid, _code, commune, corr in rows:
            if corr:
                route[cid] = cid
            elif commune in by_commune:
                route[cid] = by_commune[commune]
        return cls(ordered, route)

    def for_copies(self, copies: Sequence[_Copy]) -> int | None:
        """The centre de correction of a new lot (see :func:`correction_centre`)."""
        return correction_centre(self.ordered, self.route, [c[3] for c in copies])


def correction_centre(
    ordered: Sequence[int], route: dict[int, int], exam_centres: Sequence[int | None]
) -> int | None:
    """Where a lot is corrected: among the session's centres de correction (``ordered`` by code).

    - none: None (the slip then shows « — »);
    - only one: that one;
    - several: the one most of the lot's copies are routed to — a copy sat in a centre that is
      itself a centre de correction goes there, else to the first centre de correction (by code)
      of its exam centre's commune —, ties broken by code; when no copy is routed, the first
      centre de correction by code.
    """
    if not ordered:
        return None
    if len(ordered) == 1:
        return ordered[0]
    votes: dict[int, int] = defaultdict(int)
    for centre in exam_centres:
        if centre is not None and centre in route:
            votes[route[centre]] += 1
    if not votes:
        return ordered[0]
    rank = {cid: i for i, cid in enumerate(ordered)}
    return min(votes, key=lambda cid: (-votes[cid], rank[cid]))


def _lot_subject(
    session_id: int,
    rule: EpreuveRule,
    copies: list[_Copy],
    correcteurs: list[Examiner],
    load: dict[int, int],
    lot_size: int,
    next_number: int,
    report: LotReport,
    centres: CorrectionCentres,
) -> int:
    """Lots of one subject (an épreuve, or a spécialité of one series); returns the next number."""
    pool = _CopyPool(copies)
    while pool.remaining:
        size = balanced_sizes(pool.remaining, lot_size)[0]

        def room(ex: Examiner) -> int:
            return min(ex.max_copies - load[ex.id], pool.available(ex.etablissement_id))

        # the least-loaded correcteur with room for the lot; failing that, the one with the most
        # room left, for a smaller lot (not under the minimum size unless it ends the subject)
        eligible = [ex for ex in correcteurs if room(ex) >= size]
        if eligible:
            chosen: Examiner | None = min(eligible, key=lambda ex: (load[ex.id], ex.id))
        else:
            floor = min(LOT_SIZE_MIN, pool.remaining)
            roomy = [ex for ex in correcteurs if room(ex) >= floor]
            chosen = max(roomy, key=lambda ex: (room(ex), -ex.id)) if roomy else None
            if chosen is not None:
                size = room(chosen)
        # copies the other correcteurs could not take (their own lycée's) go first
        blocked: dict[int | None, int] = defaultdict(int)
        for ex in correcteurs:
            if ex is not chosen and ex.etablissement_id is not None:
                blocked[ex.etablissement_id] += 1
        taken = pool.take(size, exclude=chosen.etablissement_id if chosen else None, first=blocked)
        # on the slip (and in the packet) the copies go in anonymity-number order
        chunk = sorted(taken, key=lambda c: c[2])
        size = len(chunk)
        lot = audit.create(
            Lot,
            session=session_id,
            number=next_number,
            epreuve_code=rule.code,
            correcteur=chosen.id if chosen else None,
            centre=centres.for_copies(chunk),
            state=LotState.CONSTITUE,
            reason=f"constitution des lots de {rule.code}",
        )
        if chosen is not None:
            load[chosen.id] += size
        else:
            report.without_correcteur.append(next_number)
        ranks = [(anonymat_id, position) for position, (anonymat_id, *_r) in enumerate(chunk, 1)]
        Anonymat.update(lot=lot.id, position=pw.Case(Anonymat.id, ranks)).where(
            Anonymat.id.in_([anonymat_id for anonymat_id, _ in ranks])
        ).execute()
        audit.log_many(
            {
                "action": "update",
                "entity": "anonymat",
                "entity_id": str(anonymat_id),
                "field": "lot",
                "after": f"lot {next_number}, rang {position}",
                "reason": f"constitution des lots de {rule.code}",
                "candidate_id": candidate_id,
            }
            for position, (anonymat_id, candidate_id, *_rest) in enumerate(chunk, start=1)
        )
        report.created.append(next_number)
        report.copies += size
        next_number += 1
    return next_number


_Copy = tuple[int, int, str, int | None, int | None]  # anonymat id, candidate, number, centre, etab


class _CopyPool:
    """Copies not yet in a lot, one queue per établissement, each in (centre, number) order.

    A lot never holds a copy from its correcteur's établissement. It takes first the copies of the
    établissements the other correcteurs belong to (they could not take them), then follows the
    exam centres' packets: (centre, établissement, number) order.
    """

    def __init__(self, copies: Sequence[_Copy]) -> None:
        queues: dict[int | None, list[_Copy]] = defaultdict(list)
        for copy in copies:
            queues[copy[4]].append(copy)
        self.queues = {
            etab: deque(sorted(q, key=lambda c: (c[3] or 0, c[2]))) for etab, q in queues.items()
        }
        self.remaining = len(copies)

    def available(self, exclude: int | None) -> int:
        if exclude is None:
            return self.remaining
        return self.remaining - len(self.queues.get(exclude, ()))

    def take(
        self, size: int, exclude: int | None, first: dict[int | None, int] | None = None
    ) -> list[_Copy]:
        first = first or {}

        def key(etab: int | None, queue: deque[_Copy]) -> tuple[int, int, int, str]:
            return (-first.get(etab, 0), queue[0][3] or 0, etab if etab is not None else -1,
                    queue[0][2])  # fmt: skip

        heads = [
            (key(etab, q), etab)
            for etab, q in self.queues.items()
            if q and (exclude is None or etab != exclude)
        ]
        heapq.heapify(heads)
        out: list[_Copy] = []
        while heads and len(out) < size:
            _, etab = heapq.heappop(heads)
            queue = self.queues[etab]
            out.append(queue.popleft())
            if queue:
                heapq.heappush(heads, (key(etab, queue), etab))
        self.remaining -= len(out)
        return out
