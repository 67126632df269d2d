"""F7, before the deliberation: is each jury ready, and what still blocks it.

:func:`readiness` gives one line per jury of the session: its candidates, how many are complete
and incomplete, the slips (lots) not closed that hold copies of its candidates, the blind double
entries still in disagreement, the candidates whose grades changed after the last deliberation
run, and the number of blocking lines. It runs a fixed number of grouped queries (GROUP BY jury),
never one per candidate, so that it stays usable on a national session.

:func:`jury_blockers` lists one jury's lines, paged: each missing grade (the épreuve, and for a
written épreuve its lot and the lot's correcteur, or « sans correcteur »), each justified absence
(« AJ : session de remplacement »), each open slip, each copy whose two blind passes disagree,
each candidate changed since the last run. Each line carries its **target**, the screen that
fixes it: ``("grades", lot number)`` for F4's slip, ``("card", candidate id)`` for F2's card.

A justified absence is shown but does not block: the candidate is deliberated at the replacement
session (the rules leave the file INCOMPLET), the jury deliberates the others now. Everything else
blocks. A jury is « prête » when nothing blocks and it has candidates.

Copies are named by candidate and lot, never by anonymity number (a slip's row stays anonymous).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee as pw

from baktui.data.models import (
    Anonymat,
    AuditLog,
    Candidate,
    Centre,
    DoubleEntry,
    Examiner,
    Grade,
    GradePart,
    Jury,
    Lot,
    Registration,
)
from baktui.data.sql import fetch
from baktui.errors import NotFoundError
from baktui.rules.decision import EPS_CODE
from baktui.rules.grades import CODE_AJ
from baktui.rules.lifecycles import LOT, LotState, RegistrationState
from baktui.services.deliberation_runs import input_changes, last_run
from baktui.services.missing_grades import composite_parts
from baktui.services.sessions import regulation_of

PAGE = 100  # blocking lines shown at once

# what a line is about, in the order the lines of a jury are listed
KIND_SLIP = "slip"
KIND_DISAGREEMENT = "disagreement"
KIND_MISSING = "missing"
KIND_CHANGED = "changed"
KIND_AJ = "aj"
KINDS = (KIND_SLIP, KIND_DISAGREEMENT, KIND_MISSING, KIND_CHANGED, KIND_AJ)

TARGET_GRADES = "grades"  # F4: the slip of lot N
TARGET_CARD = "card"  # F2: the candidate's card

Target = tuple[str, int]


@dataclass(frozen=True)
class JuryReadiness:
    """One jury's line of the board."""

    jury_id: int
    number: int
    centre: str  # the centre de délibération's name, "" without one
    candidates: int
    complete: int
    incomplete: int  # a grade missing or AJ
    open_slips: int  # lots not closed holding copies of the jury's candidates
    disagreements: int  # copies whose two blind passes differ, not arbitrated
    changed: int  # candidates with a change after the last deliberation run
    blocking: int  # blocking lines (missing grades, slips, disagreements, changes)
    justified: int = 0  # AJ lines (shown, not blocking)

    @property
    def ready(self) -> bool:
        return self.candidates > 0 and self.blocking == 0

    @property
    def state(self) -> str:
        """« prête », « n blocages » or « vide » (a jury without candidates)."""
        if self.candidates == 0:
            return "vide"
        if self.blocking == 0:
            return "prête"
        return f"{self.blocking} blocage{'s' if self.blocking > 1 else ''}"


@dataclass(frozen=True)
class ReadinessBoard:
    session_id: int
    juries: tuple[JuryReadiness, ...]
    last_run: str  # "le 03/12/2026 à 10:15", "" when the session was never deliberated
    without_jury: int  # candidates of the session in no jury (not counted above)

    @property
    def ready_count(self) -> int:
        return sum(1 for j in self.juries if j.ready)

    def jury(self, jury_id: int) -> JuryReadiness | None:
        return next((j for j in self.juries if j.jury_id == jury_id), None)


@dataclass(frozen=True)
class Blocker:
    """One line of what keeps a jury from deliberating, and where it is fixed."""

    kind: str  # one of KINDS
    candidate: str  # "260000123 MARTIN Léa", "" for a slip
    label: str  # what is wrong, in French
    target: Target
    blocking: bool = True
    short: str = ""  # the same, short enough for the board's column (the label when "")

    @property
    def where(self) -> str:
        """The screen that fixes it, short: « F4 lot 12 », « F2 fiche »."""
        kind, value = self.target
        return f"F4 lot {value}" if kind == TARGET_GRADES else "F2 fiche"


@dataclass(frozen=True)
class BlockerPage:
    jury_id: int
    jury_number: int
    blockers: tuple[Blocker, ...]
    total: int  # lines of the jury, all pages
    offset: int
    limit: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


# --- conditions ---------------------------------------------------------------------------------


def _copy_grade(grade: Any, candidate: Any, code: Any) -> pw.Expression:
    """Join condition of a first-group grade (aliased model ``grade``) to a copy or registration."""
    return (grade.candidate == candidate) & (grade.epreuve_code == code) & (grade.group == 1)


def _not_entered(session_id: int, grade: Any, candidate: Any, code: Any) -> pw.Expression:
    """The grade LEFT JOINed as ``grade`` is empty (missing): ABS, AJ and DI count as entered,
    a composite spécialité counts as entered once every part is (as ``missing_where``), and the
    EPS of a candidate inapte is neutralised, never missing."""
    P = GradePart
    missing = grade.value_centi.is_null() & grade.code.is_null()
    missing &= ~((code == EPS_CODE) & (Candidate.eps_inapte == True))  # noqa: E712 neutralised
    for series, epreuve, needed in composite_parts(session_id):
        parts_entered = P.select(pw.fn.COUNT(P.id)).where(
            (P.candidate == candidate)
            & (P.epreuve_code == code)
            & (P.value_centi.is_null(False) | P.code.is_null(False))
        )
        missing &= ~((Candidate.series == series) & (code == epreuve) & (parts_entered >= needed))
    return missing


def _case(condition: pw.Expression) -> pw.Node:
    return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))


def _not_cancelled() -> pw.Expression:
    return Candidate.state != RegistrationState.ANNULEE


def _live(session_id: int) -> pw.Expression:
    """The session's candidates whose registration is not cancelled."""
    return (Candidate.session == session_id) & _not_cancelled()


def _disagreeing() -> tuple[Any, Any, pw.Expression]:
    """(pass 1, pass 2, join condition) of the two blind passes of a copy that differ."""
    first, second = DoubleEntry.alias("p1"), DoubleEntry.alias("p2")
    on = (second.lot == first.lot) & (second.anonymat == first.anonymat) & (first.entry_pass == 1)
    return first, second, on & (second.entry_pass == 2) & (first.raw_value != second.raw_value)


# --- the board ---------------------------------------------------------------------------------


def readiness(session_id: int) -> ReadinessBoard:
    """Every jury of the session and what blocks it (grouped queries, one line per jury)."""
    C, R, A, L = Candidate, Registration, Anonymat, Lot
    juries = fetch(
        Jury.select(Jury.id, Jury.number, Centre.name, Jury.active)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=(Jury.centre == Centre.id))
        .where(Jury.session == session_id)
        .order_by(Jury.number)
    )
    counts = dict(
        fetch(
            C.select(C.jury, pw.fn.COUNT(C.id))
            .where(_live(session_id) & C.jury.is_null(False))
            .group_by(C.jury)
        )
    )
    without_jury = C.select().where(_live(session_id) & C.jury.is_null()).count()
    G = Grade.alias("g")
    missing = _not_entered(session_id, G, R.candidate, R.epreuve_code)
    aj = G.code == CODE_AJ
    incomplete: dict[int, tuple[int, int, int]] = {}
    for jury_id, n_candidates, n_missing, n_aj in fetch(
        R.select(C.jury, pw.fn.COUNT(pw.fn.DISTINCT(R.candidate)), _case(missing), _case(aj))
        .join(C, on=(R.candidate == C.id))
        .join(G, pw.JOIN.LEFT_OUTER, on=_copy_grade(G, R.candidate, R.epreuve_code))
        .where(
            _live(session_id) & C.jury.is_null(False) & R.kept_session.is_null() & (missing | aj)
        )
        .group_by(C.jury)
    ):
        incomplete[jury_id] = (int(n_candidates), int(n_missing or 0), int(n_aj or 0))
    open_slips = dict(
        fetch(
            L.select(C.jury, pw.fn.COUNT(pw.fn.DISTINCT(L.id)))
            .join(A, on=(A.lot == L.id))
            .join(C, on=(A.candidate == C.id))
            # the lot gives the session: filtering candidates by session too would make SQLite
            # start from every candidate instead of the open lots' copies
            .where((L.session == session_id) & (L.state != LotState.SAISI) & _not_cancelled())
            .group_by(C.jury)
        )
    )
    first, second, on = _disagreeing()
    G2 = Grade.alias("g2")
    disagreements = dict(
        fetch(
            first.select(C.jury, pw.fn.COUNT(first.id))
            .join(second, on=on)
            .join(L, on=(first.lot == L.id))
            .join_from(first, A, on=(first.anonymat == A.id))
            .join(C, on=(A.candidate == C.id))
            .join(G2, pw.JOIN.LEFT_OUTER, on=_copy_grade(G2, A.candidate, A.epreuve_code))
            .where(
                (L.session == session_id)
                & _not_cancelled()
                & _not_entered(session_id, G2, A.candidate, A.epreuve_code)
            )
            .group_by(C.jury)
        )
    )
    run = last_run(session_id)
    changed: dict[int, int] = {}
    if run is not None:
        changed = dict(
            fetch(
                AuditLog.select(C.jury, pw.fn.COUNT(pw.fn.DISTINCT(AuditLog.candidate_id)))
                .join(C, on=(AuditLog.candidate_id == C.id))
                .where(
                    (AuditLog.id > run.audit_mark)
                    & input_changes()
                    & _live(session_id)
                    & C.jury.is_null(False)
                )
                .group_by(C.jury)
            )
        )
    lines = []
    for jury_id, number, centre, active in juries:
        n = int(counts.get(jury_id, 0))
        if not n and not active:
            continue  # a jury taken out of the session, with no candidate left
        n_incomplete, n_missing, n_aj = incomplete.get(jury_id, (0, 0, 0))
        slips, after = int(open_slips.get(jury_id, 0)), int(changed.get(jury_id, 0))
        disagreeing = int(disagreements.get(jury_id, 0))
        blocking = n_missing + slips + disagreeing + after
        lines.append(JuryReadiness(
            jury_id, number, centre or "", n, n - n_incomplete, n_incomplete, slips, disagreeing,
            after, blocking, n_aj,
        ))  # fmt: skip
    return ReadinessBoard(session_id, tuple(lines), run.when if run else "", without_jury)


# --- one jury's lines --------------------------------------------------------------------------


def _who(number: str, last: str, first: str) -> str:
    return f"{number} {last.upper()} {first}".strip()


# one kind of line: how many a jury has, and one slice of them (offset, limit)
_Kind = tuple[Callable[[], int], Callable[[int, int], list[Blocker]]]


def _kinds(session_id: int, jury_id: int) -> dict[str, _Kind]:
    C, R, A, L = Candidate, Registration, Anonymat, Lot
    reg = regulation_of(session_id)
    labels = {e.code: e.label for e in reg.epreuves}
    written = {e.code for e in reg.epreuves if e.written}
    in_jury = _live(session_id) & (C.jury == jury_id)

    def epreuve(code: str) -> str:
        return f"{code} {labels.get(code, code)}"

    def correcteur(civility: str | None, last: str | None, first: str | None) -> str:
        if last is None:
            return "sans correcteur"
        return "correcteur " + " ".join(p for p in (civility, (last or "").upper(), first) if p)

    # open slips
    slips = (
        L.select(L.id)
        .join(A, on=(A.lot == L.id))
        .join(C, on=(A.candidate == C.id))
        .where((L.session == session_id) & (L.state != LotState.SAISI) & in_jury)
    )

    def slip_rows(offset: int, limit: int) -> list[Blocker]:
        fn_count = pw.fn.COUNT(A.id)
        rows = fetch(
            L.select(L.number, L.epreuve_code, L.state, Examiner.civility, Examiner.last_name,
                     Examiner.first_name, fn_count)
            .join(A, on=(A.lot == L.id))
            .join(C, on=(A.candidate == C.id))
            .join_from(L, Examiner, pw.JOIN.LEFT_OUTER, on=(L.correcteur == Examiner.id))
            .where((L.session == session_id) & (L.state != LotState.SAISI) & in_jury)
            .group_by(L.number, L.epreuve_code, L.state, Examiner.civility, Examiner.last_name,
                      Examiner.first_name)
            .order_by(L.number)
            .offset(offset)
            .limit(limit)
        )  # fmt: skip
        return [
            Blocker(
                KIND_SLIP,
                "",
                f"Lot {number} ({epreuve(code)}) non clos : {LOT.label(state).lower()}, "
                f"{n} copie{'s' if n > 1 else ''} du jury, {correcteur(civ, last, first)}",
                (TARGET_GRADES, number),
                short=f"Lot {number} {code} non clos ({LOT.label(state).lower()})",
            )
            for number, code, state, civ, last, first, n in rows
        ]

    # blind double entries in disagreement
    first_pass, second_pass, on = _disagreeing()
    G2 = Grade.alias("g2")
    disagreeing = (
        first_pass.select(
            first_pass.id, L.number, A.epreuve_code, C.id, C.number, C.last_name, C.first_name
        )
        .join(second_pass, on=on)
        .join(A, on=(first_pass.anonymat == A.id))
        .join(C, on=(A.candidate == C.id))
        .join_from(first_pass, L, on=(first_pass.lot == L.id))
        .join_from(A, G2, pw.JOIN.LEFT_OUTER, on=_copy_grade(G2, A.candidate, A.epreuve_code))
        .where(in_jury & _not_entered(session_id, G2, A.candidate, A.epreuve_code))
    )

    def disagreement_rows(offset: int, limit: int) -> list[Blocker]:
        rows = fetch(disagreeing.order_by(L.number, C.number).offset(offset).limit(limit))
        return [
            Blocker(
                KIND_DISAGREEMENT,
                _who(number, last, first),
                f"{epreuve(code)} : double saisie en désaccord (lot {lot}), à arbitrer",
                (TARGET_GRADES, lot),
                short=f"{code} double saisie en désaccord, lot {lot}",
            )
            for _, lot, code, _cid, number, last, first in rows
        ]

    # missing grades
    G = Grade.alias("g")
    missing = (
        R.select(
            C.id, C.number, C.last_name, C.first_name, R.epreuve_code, L.number,
            Examiner.civility, Examiner.last_name, Examiner.first_name,
        )
        .join(C, on=(R.candidate == C.id))
        .join(G, pw.JOIN.LEFT_OUTER, on=_copy_grade(G, R.candidate, R.epreuve_code))
        .join_from(R, A, pw.JOIN.LEFT_OUTER, on=(
            (A.candidate == R.candidate) & (A.epreuve_code == R.epreuve_code)
        ))
        .join_from(A, L, pw.JOIN.LEFT_OUTER, on=(A.lot == L.id))
        .join_from(L, Examiner, pw.JOIN.LEFT_OUTER, on=(L.correcteur == Examiner.id))
        .where(
            in_jury
            & R.kept_session.is_null()
            & _not_entered(session_id, G, R.candidate, R.epreuve_code)
        )
    )  # fmt: skip

    def missing_rows(offset: int, limit: int) -> list[Blocker]:
        rows = fetch(missing.order_by(C.number, R.epreuve_code).offset(offset).limit(limit))
        out = []
        for cid, number, last, first, code, lot, civ, ex_last, ex_first in rows:
            what, target = f"{epreuve(code)} : note manquante", (TARGET_CARD, cid)
            short = f"{code} manquante"
            if code in written and lot is not None:
                what += f", lot {lot}, {correcteur(civ, ex_last, ex_first)}"
                short += f", lot {lot}, {(ex_last or '').upper() or 'sans correcteur'}"
                target = (TARGET_GRADES, lot)
            elif code in written:
                what += ", copie dans aucun lot"
                short += ", copie dans aucun lot"
            who = _who(number, last, first)
            out.append(Blocker(KIND_MISSING, who, what, target, short=short))
        return out

    # changed after the last deliberation run (without a run: nothing changed since)
    run = last_run(session_id)
    mark = run.audit_mark if run is not None else None
    changed = (
        AuditLog.select(C.id, C.number, C.last_name, C.first_name, pw.fn.COUNT(AuditLog.id))
        .join(C, on=(AuditLog.candidate_id == C.id))
        .where((AuditLog.id > (mark or 0)) & input_changes() & in_jury)
        .group_by(C.id, C.number, C.last_name, C.first_name)
    )

    def changed_count() -> int:
        return 0 if mark is None else changed.count()

    def changed_rows(offset: int, limit: int) -> list[Blocker]:
        if run is None:
            return []
        rows = fetch(changed.order_by(C.number).offset(offset).limit(limit))
        return [
            Blocker(
                KIND_CHANGED,
                _who(number, last, first),
                f"{n} modification{'s' if n > 1 else ''} de notes ou d'inscription après la "
                f"délibération du {run.when.removeprefix('le ')} : délibérer à nouveau",
                (TARGET_CARD, cid),
                short=f"modifié après la délibération ({n})",
            )
            for cid, number, last, first, n in rows
        ]

    # justified absences
    G3 = Grade.alias("g3")
    justified = (
        R.select(C.id, C.number, C.last_name, C.first_name, R.epreuve_code)
        .join(C, on=(R.candidate == C.id))
        .join(G3, on=_copy_grade(G3, R.candidate, R.epreuve_code))
        .where(in_jury & R.kept_session.is_null() & (G3.code == CODE_AJ))
    )

    def aj_rows(offset: int, limit: int) -> list[Blocker]:
        rows = fetch(justified.order_by(C.number, R.epreuve_code).offset(offset).limit(limit))
        return [
            Blocker(
                KIND_AJ,
                _who(number, last, first),
                f"{epreuve(code)} : AJ : session de remplacement",
                (TARGET_CARD, cid),
                blocking=False,
                short=f"{code} AJ : session de remplacement",
            )
            for cid, number, last, first, code in rows
        ]

    return {
        KIND_SLIP: (lambda: slips.group_by(L.id).count(), slip_rows),
        KIND_DISAGREEMENT: (disagreeing.count, disagreement_rows),
        KIND_MISSING: (missing.count, missing_rows),
        KIND_CHANGED: (changed_count, changed_rows),
        KIND_AJ: (justified.count, aj_rows),
    }


def jury_blockers(session_id: int, jury_id: int, offset: int = 0, limit: int = PAGE) -> BlockerPage:
    """One page of a jury's lines: open slips, disagreements, missing grades, changes since the
    last run, then the justified absences (not blocking). At most ``limit`` lines are read."""
    jury = Jury.get_or_none((Jury.id == jury_id) & (Jury.session == session_id))
    if jury is None:
        raise NotFoundError(f"Jury n° {jury_id} introuvable dans la session.")
    offset, limit = max(0, offset), max(1, limit)
    kinds = _kinds(session_id, jury_id)
    total = 0
    lines: list[Blocker] = []
    for name in KINDS:
        count, rows = kinds[name]
        n = count()
        start = total
        total += n
        # the part of [offset, offset + limit) that falls in this kind's [start, start + n)
        low = max(offset, start) - start
        high = min(offset + limit, start + n) - start
        if high > low:
            lines.extend(rows(low, high - low))
    return BlockerPage(jury.id, jury.number, tuple(lines), total, offset, limit)
