"""Replace an absent examiner: who can step in (ranked), then one call to hand the mission over.

- :func:`rank_replacements` ranks the examiners who may take one uncovered mission: same
  discipline, free at that time, not from an établissement of the candidates concerned, under
  their load limit, nearest first. It runs the eligibility engine's bulk path
  (:mod:`baktui.services.eligibility_tally`: a fixed number of bulk queries for the examiners
  of the discipline, the refused counted by reason as sets), and builds and words only the
  examiners it shows (:func:`baktui.services.eligibility.refusals`);
- :func:`assign_replacement` moves the mission in one write transaction (new assignment that
  ``replaces`` the old one, lot and oral slots moved, jury seat handed over, old assignment
  ``remplacee``, absence resolved once nothing is left), then writes the new convocation PDF.

What is uncovered is listed by :mod:`baktui.services.needs`, absences recorded by
:mod:`baktui.services.absences`.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Absence, Assignment, AuditLog, Examiner, Lot, OralSlot
from baktui.errors import ConflictError, NotFoundError
from baktui.rules import examiners as rules
from baktui.rules.french import plural
from baktui.rules.lifecycles import ASSIGNMENT, ASSIGNMENT_ACTIVE, AssignmentState
from baktui.services import eligibility as engine
from baktui.services import eligibility_tally as bulk
from baktui.services.absences import open_assignments
from baktui.services.assignments import check_assignment
from baktui.services.convocations import issue_convocations
from baktui.services.documents import IssuedDocument
from baktui.services.eligibility_tally import FIRST, LAST
from baktui.services.examiners import AssignmentInfo, assignment_infos
from baktui.services.juries import hand_over_seat
from baktui.services.missions import mission_of_assignment
from baktui.services.needs import Need, get_need
from baktui.services.rates import as_date

DEFAULT_LIMIT = 50
# Examiners refused for these reasons are not listed among the "excluded" (they never could).
HIDDEN_REASONS = frozenset({engine.R_SELF, engine.R_DISCIPLINE, engine.R_INACTIVE, engine.R_CORPS})


@dataclass(frozen=True)
class Option:
    """An examiner who may (or, in the excluded list, may not) take the mission."""

    examiner_id: int
    name: str
    corps: str
    corps_label: str
    etablissement: str
    commune: str
    km: int | None
    km_source: str
    copies: int
    max_copies: int
    oral_hours_centi: int
    max_oral_hours: int
    version: int
    reasons: tuple[str, ...] = ()
    reason_codes: tuple[str, ...] = ()
    civility: str = ""  # « Mme », « M. »: the corps is shown agreed with it

    @property
    def short_reasons(self) -> str:
        """ "ses propres élèves, déjà prise" for a narrow column."""
        return ", ".join(engine.reason_short(code, self.name) for code in self.reason_codes)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def distance_label(self) -> str:
        if self.km is None:
            return "?"
        if self.km_source == rules.KM_ESTIMATE:
            return f"≈{self.km} km"
        return f"{self.km} km"

    @property
    def load_label(self) -> str:
        hours = rules.format_hours(self.oral_hours_centi)
        return f"{self.copies}/{self.max_copies} cop. · {hours}/{self.max_oral_hours} h"


@dataclass(frozen=True)
class Ranking:
    need: Need
    options: tuple[Option, ...]  # eligible, best first
    excluded: tuple[Option, ...]  # right discipline but refused, with the reasons
    excluded_counts: dict[str, int] = field(default_factory=dict)  # reason code -> examiners
    examined: int = 0
    refused: int = 0  # examiners of the right discipline refused for another reason
    eligible_total: int = 0  # eligible examiners before the list was cut to ``limit``
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class ReplacementResult:
    old_assignment_id: int
    new_assignment: AssignmentInfo
    replaced: str
    replacement: str
    moved_lot: int | None
    moved_slots: int
    jury_seat: str
    absence_resolved: bool
    document: IssuedDocument | None
    document_error: str = ""

    def render(self) -> str:
        what = []
        if self.moved_lot is not None:
            what.append(f"lot n° {self.moved_lot} transféré")
        if self.moved_slots:
            what.append(f"{plural(self.moved_slots, 'créneau transféré', 'créneaux transférés')}")
        if self.jury_seat:
            what.append(f"siège de {self.jury_seat} transmis")
        text = f"{self.replacement} remplace {self.replaced}"
        if what:
            text += " : " + ", ".join(what)
        text += "."
        if self.document is not None:
            text += f" Convocation : {self.document.path.name}."
        if self.document_error:
            text += f" Convocation NON éditée : {self.document_error}"
        return text


# --- Ranking ------------------------------------------------------------------------------------


def _option(ev: engine.Evaluation) -> Option:
    e = ev.examiner
    return Option(
        examiner_id=e.id,
        name=e.name,
        corps=e.corps,
        corps_label=e.corps_label,
        civility=e.civility or "",
        etablissement=e.etablissement,
        commune=e.commune,
        km=ev.km,
        km_source=ev.km_source,
        copies=ev.load.copies,
        max_copies=ev.load.max_copies,
        oral_hours_centi=ev.load.oral_hours_centi,
        max_oral_hours=ev.load.max_oral_hours,
        version=e.version,
        reasons=tuple(text for _, text in ev.reasons),
        reason_codes=tuple(code for code, _ in ev.reasons),
    )


def _nearest(
    candidates: list[int],
    limit: int,
    near: Callable[[int], tuple],
    key: Callable[[int], tuple],
) -> list[int]:
    """The first ``limit`` examiners by ``key``, whose first terms are ``near`` (the distance):
    the full key (an exact load fraction, the names) is computed only for those within the
    ``limit``-th distance. ``candidates`` are by id: ties stay in that order."""
    if len(candidates) > limit:
        bound = heapq.nsmallest(limit, map(near, candidates))[-1]
        candidates = [eid for eid in candidates if near(eid) <= bound]
    return sorted(candidates, key=key)[:limit]


def rank_replacements(assignment_id: int, limit: int = DEFAULT_LIMIT) -> Ranking:
    """Examiners who may take the mission, nearest first, and those of the right discipline who
    may not (with why). A fixed number of queries whatever the number of examiners."""
    started = time.perf_counter()
    need = get_need(assignment_id)
    spec = mission_of_assignment(assignment_id)
    # every examiner of the discipline checked as sets of ids; the hundred shown are read
    # with their établissement and their refusals worded (23,000 checked for a Grand oral)
    tally = bulk.tally(spec)
    rows = tally.rows

    def near(eid: int) -> tuple[bool, int]:
        km = tally.distance(eid)[0]
        return (km is None, km or 0)

    def best(eid: int) -> tuple:
        row = rows[eid]
        return rules.ranking_key(tally.distance(eid)[0], tally.load(eid), row[LAST], row[FIRST])

    eligible = tally.eligible()
    hidden = tally.refused_for(HIDDEN_REASONS)
    own = tally.refused.get(engine.R_OWN, frozenset())
    excluded = [eid for eid in rows if eid in tally.flagged and eid not in hidden]

    def refused_first(eid: int) -> tuple:
        # own-students refusals first (the rule people ask about), then the nearest
        return (eid not in own, *near(eid))

    shown_excluded = _nearest(
        excluded, limit, refused_first, lambda e: (*refused_first(e), rows[e][LAST])
    )
    options, refused = tally.evaluations(_nearest(eligible, limit, near, best), shown_excluded)
    return Ranking(
        need=need,
        options=tuple(_option(ev) for ev in options),
        excluded=tuple(_option(ev) for ev in refused),
        excluded_counts=tally.counts(),
        examined=tally.examined,
        refused=len(excluded),
        eligible_total=len(eligible),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


# --- Assigning the replacement ------------------------------------------------------------------


def assign_replacement(
    assignment_id: int,
    examiner_id: int,
    *,
    expected_version: int | None = None,
    out_dir: Path | None = None,
    convocation: bool = True,
    confirmed: bool = False,
) -> ReplacementResult:
    """Give the absent examiner's mission to another examiner, in one transaction.

    Every rule is checked again inside the transaction (someone else may have just convened the
    same person). Refused: :class:`~baktui.services.eligibility.AssignmentRefused` with the
    reasons; already handled by someone else: :class:`~baktui.errors.ConflictError`.
    The convocation PDF is written after the commit: if that fails, the replacement stands and
    the result says the convocation is still to be printed.
    """
    with write_transaction():
        old = Assignment.get_or_none(Assignment.id == assignment_id)
        if old is None:
            raise NotFoundError(f"Mission n° {assignment_id} introuvable.")
        if old.state not in ASSIGNMENT_ACTIVE or (
            expected_version is not None and old.version != expected_version
        ):
            raise ConflictError(_already_handled(old))
        if examiner_id == old.examiner_id:
            raise engine.AssignmentRefused(["Choisissez un autre examinateur que l'absent."])
        reasons = check_assignment(mission_of_assignment(assignment_id), examiner_id)
        if reasons:
            raise engine.AssignmentRefused(reasons)
        absent_name = _formal_name(old.examiner_id)
        new_name = _formal_name(examiner_id)
        absence = Absence.get_or_none(
            (Absence.examiner == old.examiner_id) & (Absence.day == old.day)
        )
        why = f"remplacement de {absent_name}" + (f" ({absence.reason})" if absence else "")
        new = _replace(old, examiner_id, why)
        moved_lot = _move_lot(old, examiner_id, why)
        slot_ids = [
            s for (s,) in OralSlot.select(OralSlot.id).where(OralSlot.assignment == old.id).tuples()
        ]
        for slot_id in slot_ids:
            audit.update(OralSlot, slot_id, {"assignment": new.id}, reason=why)
        seat = ""
        if old.kind == "jury" and old.jury_id is not None:
            seat = hand_over_seat(old.jury_id, old.examiner_id, examiner_id, why)
        what = f"{new_name} remplace {absent_name}"
        what += f", épreuve {old.epreuve_code}" if old.epreuve_code else ""
        what += f", le {as_date(old.day):%d/%m/%Y}" if old.day else ""
        audit.log(
            "event",
            "assignment",
            new.id,
            "remplacement",
            before=absent_name,
            after=new_name,
            reason=f"{why} ; {what}" + (" (confirmé à l'écran)" if confirmed else ""),
        )
        resolved = False
        if absence is not None and not absence.resolved:
            if not open_assignments(old.examiner_id, old.day).exists():
                audit.update(Absence, absence.id, {"resolved": True}, reason="missions couvertes")
                resolved = True
    document, error = None, ""
    if convocation:
        try:
            document = issue_convocations(
                old.session_id, assignment_ids=[new.id], out_dir=out_dir
            ).document
        except Exception as exc:  # the replacement stands; say the PDF is still to print
            error = str(exc) or type(exc).__name__
    return ReplacementResult(
        old_assignment_id=old.id,
        new_assignment=assignment_infos(Assignment.id == new.id, 1)[0],
        replaced=absent_name,
        replacement=new_name,
        moved_lot=moved_lot,
        moved_slots=len(slot_ids),
        jury_seat=seat,
        absence_resolved=resolved,
        document=document,
        document_error=error,
    )


def _formal_name(examiner_id: int) -> str:
    e = Examiner.get_by_id(examiner_id)
    return rules.formal_name(e.civility, e.last_name, e.first_name)


def _replace(old: Assignment, examiner_id: int, why: str) -> Assignment:
    """The new assignment, a copy of the old one for the replacement; the old one closed."""
    new = audit.create(
        Assignment,
        session=old.session_id,
        examiner=examiner_id,
        kind=old.kind,
        epreuve_code=old.epreuve_code,
        day=old.day,
        start_time=old.start_time,
        end_time=old.end_time,
        centre=old.centre_id,
        room=old.room_id,
        lot=old.lot_id,
        jury=old.jury_id,
        hours_centi=old.hours_centi,
        state=AssignmentState.PREVUE,
        replaces=old.id,
        reason=why,
    )
    audit.update(
        Assignment,
        old.id,
        {"state": AssignmentState.REMPLACEE},
        expected_version=old.version,
        reason=why,
    )
    return new


def _move_lot(old: Assignment, examiner_id: int, why: str) -> int | None:
    """A correction's lot goes to the replacement (unless someone else already took it);
    returns the lot's number."""
    if old.lot_id is None or old.kind != "correction":
        return None
    lot = Lot.get_by_id(old.lot_id)
    if lot.correcteur_id in (old.examiner_id, None):
        audit.update(Lot, lot.id, {"correcteur": examiner_id}, reason=why)
    return lot.number


def _already_handled(row: Assignment) -> str:
    last = (
        AuditLog.select()
        .where((AuditLog.entity == "assignment") & (AuditLog.entity_id == str(row.id)))
        .order_by(AuditLog.id.desc())
        .first()
    )
    by = f" par {last.who} à {last.at[11:16]}" if last is not None else ""
    state = ASSIGNMENT.label(row.state)
    return f"Cette mission a déjà été traitée{by} (état : {state}). La liste a été rechargée."
