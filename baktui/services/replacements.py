"""Absent examiners and their replacement: what is uncovered, who can step in, one key to assign.

- :func:`mark_absent` records the absence (day, reason) and returns what it leaves uncovered;
- :func:`rank_replacements` ranks the examiners who may take one uncovered mission: same
  discipline, free at that time, not from an établissement of the candidates concerned, under
  their load limit, nearest first. It runs the eligibility engine of
  :mod:`baktui.services.juries` (a fixed number of bulk queries for all examiners);
- :func:`assign_replacement` moves the mission in one write transaction (new assignment that
  ``replaces`` the old one, lot and oral slots moved, jury seat handed over, old assignment
  ``remplacee``, absence resolved once nothing is left), then writes the new convocation PDF;
- :func:`day_board` lists every uncovered need of a day so that nothing is forgotten.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    AuditLog,
    Candidate,
    Centre,
    Etablissement,
    Examiner,
    Jury,
    JuryMember,
    Lot,
    OralSlot,
    Room,
)
from baktui.errors import ConflictError, NotFoundError, ServiceError
from baktui.rules import examiners as rules
from baktui.services import juries

DEFAULT_LIMIT = 50
# Examiners refused for these reasons are not listed among the "excluded" (they never could).
HIDDEN_REASONS = frozenset({juries.R_SELF, juries.R_DISCIPLINE, juries.R_INACTIVE, juries.R_CORPS})

SOURCE_ABSENCE = "absence"
SOURCE_SLOTS = "creneaux"
SOURCE_LOT = "lot"
SOURCE_PRESIDENT = "president"


@dataclass(frozen=True)
class AbsenceInfo:
    id: int
    examiner_id: int
    examiner: str
    day: dt.date
    reason: str
    recorded_by: str
    recorded_at: str
    resolved: bool
    open_needs: int = 0


@dataclass(frozen=True)
class Need:
    """Something uncovered: an absent examiner's mission (replaceable here) or a gap to fill."""

    source: str
    label: str  # what, in one line
    day: dt.date | None
    start_time: str = ""
    end_time: str = ""
    centre: str = ""
    assignment_id: int | None = None
    version: int = 0
    kind: str = ""
    epreuve_code: str = ""
    examiner_id: int | None = None
    examiner: str = ""  # the absent examiner
    absence_reason: str = ""
    etablissements: str = ""  # of the candidates concerned
    count: int = 0  # copies, candidates or slots

    @property
    def replaceable(self) -> bool:
        return self.assignment_id is not None

    @property
    def hours(self) -> str:
        return f"{self.start_time}-{self.end_time}" if self.start_time else ""


@dataclass(frozen=True)
class Option:
    """An examiner who may (or, in the excluded list, may not) take the mission."""

    examiner_id: int
    name: str
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

    @property
    def short_reasons(self) -> str:
        """ "ses propres élèves, déjà pris(e)" for a narrow column."""
        return ", ".join(juries.REASON_SHORT.get(code, code) for code in self.reason_codes)

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
    new_assignment: juries.AssignmentInfo
    replaced: str
    replacement: str
    moved_lot: int | None
    moved_slots: int
    jury_seat: str
    absence_resolved: bool
    document: juries.IssuedDocument | None
    document_error: str = ""

    def render(self) -> str:
        what = []
        if self.moved_lot is not None:
            what.append(f"lot n° {self.moved_lot} transféré")
        if self.moved_slots:
            what.append(f"{self.moved_slots} créneau(x) transféré(s)")
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


@dataclass(frozen=True)
class Board:
    day: dt.date
    needs: tuple[Need, ...]

    @property
    def replaceable(self) -> int:
        return sum(1 for n in self.needs if n.replaceable)


# --- Absences -----------------------------------------------------------------------------------


def mark_absent(examiner_id: int, day: dt.date, reason: str) -> AbsenceInfo:
    """Record that an examiner is absent on a day; refused without a reason or twice."""
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError("Indiquez le motif de l'absence (maladie, empêchement…).")
    with write_transaction():
        examiner = Examiner.get_or_none(Examiner.id == examiner_id)
        if examiner is None:
            raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
        existing = Absence.get_or_none((Absence.examiner == examiner_id) & (Absence.day == day))
        if existing is not None:
            raise ServiceError(
                f"{juries.display_name(examiner.last_name, examiner.first_name)} est déjà "
                f"déclaré absent le {day:%d/%m/%Y} ({existing.reason}, par "
                f"{existing.recorded_by})."
            )
        # Absence has its own "reason" column, which audit.create keeps for the audit reason:
        # insert, then log by hand in the same transaction.
        row = Absence.create(
            examiner=examiner_id,
            day=day,
            reason=reason,
            recorded_by=audit.current_user(),
            recorded_at=audit.now_iso(),
            resolved=False,
        )
        audit.log(
            "create",
            "absence",
            row.id,
            after=f"examiner={examiner_id}; day={day.isoformat()}; reason={reason}",
            reason="absence déclarée",
        )
        open_needs = _open_assignments(examiner_id, day).count()
        if open_needs == 0:
            audit.update(Absence, row.id, {"resolved": True}, reason="aucune mission ce jour")
    return _absence_info(Absence.get_by_id(row.id))


def _open_assignments(examiner_id: int, day: dt.date) -> pw.ModelSelect:
    return Assignment.select().where(
        (Assignment.examiner == examiner_id)
        & (Assignment.day == day)
        & Assignment.state.in_(juries.ACTIVE_STATES)
    )


def _absence_info(row: Absence) -> AbsenceInfo:
    examiner = Examiner.get_by_id(row.examiner_id)
    return AbsenceInfo(
        id=row.id,
        examiner_id=row.examiner_id,
        examiner=juries.display_name(examiner.last_name, examiner.first_name),
        day=row.day,
        reason=row.reason,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        resolved=row.resolved,
        open_needs=_open_assignments(row.examiner_id, row.day).count(),
    )


def list_absences(day: dt.date | None = None, *, limit: int = 200) -> list[AbsenceInfo]:
    """Absences of a day (or the latest), unresolved first."""
    query = Absence.select(Absence, Examiner).join(Examiner)
    if day is not None:
        query = query.where(Absence.day == day)
    rows = list(
        query.order_by(Absence.resolved, Absence.day.desc(), Absence.id.desc()).limit(limit)
    )
    if not rows:
        return []
    open_counts: Counter[tuple[int, dt.date]] = Counter()
    examiners = {r.examiner_id for r in rows}
    days = {r.day for r in rows}
    for examiner, day_ in (
        Assignment.select(Assignment.examiner, Assignment.day)
        .where(
            Assignment.examiner.in_(list(examiners))
            & Assignment.day.in_(list(days))
            & Assignment.state.in_(juries.ACTIVE_STATES)
        )
        .tuples()
    ):
        open_counts[(examiner, day_)] += 1
    return [
        AbsenceInfo(
            id=r.id,
            examiner_id=r.examiner_id,
            examiner=juries.display_name(r.examiner.last_name, r.examiner.first_name),
            day=r.day,
            reason=r.reason,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            resolved=r.resolved,
            open_needs=open_counts[(r.examiner_id, r.day)],
        )
        for r in rows
    ]


# --- What is uncovered --------------------------------------------------------------------------


def _absence_needs(session_id: int, where: pw.Expression) -> list[Need]:
    """Active missions of absent examiners (one query, plus the concerned établissements)."""
    rows = list(
        juries.assignments_query(Absence.id, Absence.reason)
        .join(
            Absence,
            on=(Absence.examiner == Assignment.examiner) & (Absence.day == Assignment.day),
        )
        .where(
            (Assignment.session == session_id) & Assignment.state.in_(juries.ACTIVE_STATES) & where
        )
        .order_by(Assignment.day, Assignment.start_time, Examiner.last_name)
        .limit(500)
    )
    lot_ids = [r.lot_id for r in rows if r.lot_id]
    copies = juries._copies_of_lots(lot_ids)
    slots = juries._slot_counts(r.id for r in rows)
    etabs = _etablissements_of(rows)
    needs = []
    for r in rows:
        if r.kind == "correction" and r.lot_id:
            count = copies.get(r.lot_id, 0)
            what = f"lot n° {r.lot.number} ({count} copies)"
        elif slots.get(r.id):
            count = slots[r.id]
            what = f"{count} créneau{'x' if count > 1 else ''} d'oral"
        elif r.jury_id:
            count = 0
            jury = Jury.get_by_id(r.jury_id)
            seat = juries.ROLE_LABELS[juries._role_of(jury, r.examiner_id)]
            what = f"n° {r.jury.number} ({seat})"
        elif r.kind in juries.LOADED_KINDS:
            count = 0
            what = "commission"
        else:
            count = 0
            what = juries.KIND_LABELS.get(r.kind, r.kind).lower()
        code = f" {r.epreuve_code}" if r.epreuve_code else ""
        needs.append(
            Need(
                source=SOURCE_ABSENCE,
                label=f"{juries.KIND_SHORT.get(r.kind, r.kind)}{code} · {what}",
                day=r.day,
                start_time=r.start_time,
                end_time=r.end_time,
                centre=r.centre.name if r.centre_id else "",
                assignment_id=r.id,
                version=r.version,
                kind=r.kind,
                epreuve_code=r.epreuve_code or "",
                examiner_id=r.examiner_id,
                examiner=juries.display_name(r.examiner.last_name, r.examiner.first_name),
                absence_reason=r.absence.reason,
                etablissements=", ".join(etabs.get(r.id, ())),
                count=count,
            )
        )
    return needs


def _etablissements_of(rows: Sequence[Assignment]) -> dict[int, list[str]]:
    """Names of the établissements of the candidates each assignment concerns (3 queries)."""
    result: dict[int, set[str]] = {}
    by_lot = {r.lot_id: r.id for r in rows if r.kind == "correction" and r.lot_id}
    by_jury = {r.jury_id: r.id for r in rows if r.kind == "jury" and r.jury_id}
    ids = [r.id for r in rows]
    if by_lot:
        for lot, name in (
            Anonymat.select(Anonymat.lot, Etablissement.name)
            .join(Candidate, on=Anonymat.candidate == Candidate.id)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(Anonymat.lot.in_(list(by_lot)))
            .distinct()
            .tuples()
        ):
            result.setdefault(by_lot[lot], set()).add(name)
    if ids:
        for aid, name in (
            OralSlot.select(OralSlot.assignment, Etablissement.name)
            .join(Candidate, on=OralSlot.candidate == Candidate.id)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(OralSlot.assignment.in_(ids))
            .distinct()
            .tuples()
        ):
            result.setdefault(aid, set()).add(name)
    by_centre: dict[int, list[int]] = {}
    for r in rows:
        if r.kind in juries.LOADED_KINDS and r.centre_id and not r.lot_id:
            by_centre.setdefault(r.centre_id, []).append(r.id)
    with_slots = set(result)
    if by_centre:
        for centre, name in (
            Candidate.select(Candidate.centre, Etablissement.name)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(Candidate.centre.in_(list(by_centre)))
            .distinct()
            .tuples()
        ):
            for aid in by_centre[centre]:
                if aid not in with_slots:
                    result.setdefault(aid, set()).add(name)
    if by_jury:
        for jury, name in (
            Candidate.select(Candidate.jury, Etablissement.name)
            .join(Etablissement, on=Candidate.etablissement == Etablissement.id)
            .where(Candidate.jury.in_(list(by_jury)))
            .distinct()
            .tuples()
        ):
            result.setdefault(by_jury[jury], set()).add(name)
    return {k: sorted(v) for k, v in result.items()}


def needs_of_absence(absence_id: int) -> list[Need]:
    """The missions an absence leaves uncovered (still active, same day)."""
    absence = Absence.get_or_none(Absence.id == absence_id)
    if absence is None:
        raise NotFoundError(f"Absence n° {absence_id} introuvable.")
    session_ids = {
        s
        for (s,) in Assignment.select(Assignment.session)
        .where((Assignment.examiner == absence.examiner_id) & (Assignment.day == absence.day))
        .distinct()
        .tuples()
    }
    needs: list[Need] = []
    for session_id in sorted(session_ids):
        needs += _absence_needs(
            session_id,
            (Assignment.examiner == absence.examiner_id) & (Assignment.day == absence.day),
        )
    return needs


def day_board(session_id: int, day: dt.date) -> Board:
    """Every uncovered need of the day: absent examiners' missions first, then the gaps."""
    needs = _absence_needs(session_id, Assignment.day == day)
    # oral slots of the day with nobody to examine them
    for code, centre, count, first, last in (
        OralSlot.select(
            OralSlot.epreuve_code,
            Centre.name,
            pw.fn.COUNT(OralSlot.id),
            pw.fn.MIN(OralSlot.start_time),
            pw.fn.MAX(OralSlot.start_time),
        )
        .join(Candidate, on=OralSlot.candidate == Candidate.id)
        .switch(OralSlot)
        .join(Room, pw.JOIN.LEFT_OUTER, on=OralSlot.room == Room.id)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Room.centre == Centre.id)
        .where(
            (OralSlot.day == day)
            & (Candidate.session == session_id)
            & (
                OralSlot.assignment.is_null(True)
                | OralSlot.assignment.in_(
                    Assignment.select(Assignment.id).where(
                        Assignment.state.in_(juries.CLOSED_STATES)
                    )
                )
            )
        )
        .group_by(OralSlot.epreuve_code, Centre.name)
        .tuples()
    ):
        needs.append(
            Need(
                source=SOURCE_SLOTS,
                label=f"Oral {code} — {count} créneau{'x' if count > 1 else ''} sans examinateur",
                day=day,
                start_time=first,
                end_time=last,
                centre=centre or "",
                epreuve_code=code,
                count=count,
            )
        )
    # lots nobody marks
    for code, count in (
        Lot.select(Lot.epreuve_code, pw.fn.COUNT(Lot.id))
        .where((Lot.session == session_id) & Lot.correcteur.is_null(True))
        .group_by(Lot.epreuve_code)
        .tuples()
    ):
        needs.append(
            Need(
                source=SOURCE_LOT,
                label=f"Correction {code} — {count} lot{'s' if count > 1 else ''} sans correcteur",
                day=None,
                epreuve_code=code,
                count=count,
            )
        )
    # juries without président (D.336-20): those deliberating that day, or with no date
    for number, centre in (
        Jury.select(Jury.number, Centre.name)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .where(
            (Jury.session == session_id)
            & Jury.president.is_null(True)
            & ((Jury.deliberation_date == day) | Jury.deliberation_date.is_null(True))
        )
        .order_by(Jury.number)
        .tuples()
    ):
        needs.append(
            Need(
                source=SOURCE_PRESIDENT,
                label=f"Jury n° {number} — sans président (PU ou MCF à désigner)",
                day=day,
                centre=centre or "",
            )
        )
    return Board(day, tuple(needs))


def still_open(assignment_ids: Sequence[int]) -> set[int]:
    """Which of these missions are still active (not replaced, cancelled or done)."""
    if not assignment_ids:
        return set()
    return {
        a
        for (a,) in Assignment.select(Assignment.id)
        .where(Assignment.id.in_(list(assignment_ids)) & Assignment.state.in_(juries.ACTIVE_STATES))
        .tuples()
    }


def open_days(session_id: int, limit: int = 60) -> list[tuple[dt.date, int]]:
    """Days with missions of absent examiners still to cover, and how many (one query)."""
    query = (
        Assignment.select(Assignment.day, pw.fn.COUNT(Assignment.id))
        .join(
            Absence,
            on=(Absence.examiner == Assignment.examiner) & (Absence.day == Assignment.day),
        )
        .where((Assignment.session == session_id) & Assignment.state.in_(juries.ACTIVE_STATES))
        .group_by(Assignment.day)
        .order_by(Assignment.day)
        .limit(limit)
        .tuples()
    )
    return [(day, count) for day, count in query]


def default_day(session_id: int, today: dt.date | None = None) -> dt.date:
    """The day the board opens on: today if something is uncovered today, else the next day
    with something to cover, else the last such day, else today."""
    today = today or dt.date.today()
    days = [day for day, _ in open_days(session_id)]
    if not days or today in days:
        return today
    later = [day for day in days if day > today]
    return later[0] if later else days[-1]


# --- Ranking ------------------------------------------------------------------------------------


def get_need(assignment_id: int) -> Need:
    """The need an assignment stands for (its absence, what it covers, its version)."""
    row = Assignment.get_or_none(Assignment.id == assignment_id)
    if row is None:
        raise NotFoundError(f"Mission n° {assignment_id} introuvable.")
    found = _absence_needs(row.session_id, Assignment.id == assignment_id)
    if found:
        return found[0]
    examiner = Examiner.get_by_id(row.examiner_id)
    return Need(
        source=SOURCE_ABSENCE,
        label=f"{juries.KIND_LABELS.get(row.kind, row.kind)} {row.epreuve_code or ''}".strip(),
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        assignment_id=row.id,
        version=row.version,
        kind=row.kind,
        epreuve_code=row.epreuve_code or "",
        examiner_id=row.examiner_id,
        examiner=juries.display_name(examiner.last_name, examiner.first_name),
    )


def _option(ev: juries.Evaluation) -> Option:
    e = ev.examiner
    return Option(
        examiner_id=e.id,
        name=e.name,
        corps_label=e.corps_label,
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


def rank_replacements(assignment_id: int, limit: int = DEFAULT_LIMIT) -> Ranking:
    """Examiners who may take the mission, nearest first, and those of the right discipline who
    may not (with why). A fixed number of queries whatever the number of examiners."""
    started = time.perf_counter()
    need = get_need(assignment_id)
    spec = juries.mission_of_assignment(assignment_id)
    evaluations = juries.evaluate(spec)
    eligible = [ev for ev in evaluations if ev.eligible]
    eligible.sort(
        key=lambda ev: rules.ranking_key(
            ev.km, ev.load, ev.examiner.last_name, ev.examiner.first_name
        )
    )
    counts: Counter[str] = Counter()
    excluded = []
    for ev in evaluations:
        codes = {code for code, _ in ev.reasons}
        for code in codes:
            counts[code] += 1
        if ev.reasons and not codes & HIDDEN_REASONS:
            excluded.append(ev)
    excluded.sort(
        key=lambda ev: (
            juries.R_OWN not in {c for c, _ in ev.reasons},
            ev.km is None,
            ev.km or 0,
            ev.examiner.last_name,
        )
    )
    return Ranking(
        need=need,
        options=tuple(_option(ev) for ev in eligible[:limit]),
        excluded=tuple(_option(ev) for ev in excluded[:limit]),
        excluded_counts=dict(counts),
        examined=len(evaluations),
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
) -> ReplacementResult:
    """Give the absent examiner's mission to another examiner, in one transaction.

    Every rule is checked again inside the transaction (someone else may have just convened the
    same person). Refused: :class:`~baktui.services.juries.AssignmentRefused` with the
    reasons; already handled by someone else: :class:`~baktui.data.ConflictError`.
    The convocation PDF is written after the commit: if that fails, the replacement stands and
    the result says the convocation is still to be printed.
    """
    with write_transaction():
        old = Assignment.get_or_none(Assignment.id == assignment_id)
        if old is None:
            raise NotFoundError(f"Mission n° {assignment_id} introuvable.")
        if old.state not in juries.ACTIVE_STATES:
            raise ConflictError(_already_handled(old))
        if expected_version is not None and old.version != expected_version:
            raise ConflictError(_already_handled(old))
        if examiner_id == old.examiner_id:
            raise juries.AssignmentRefused(["Choisissez un autre examinateur que l'absent."])
        spec = juries.mission_of_assignment(assignment_id)
        reasons = juries.check_assignment(spec, examiner_id)
        if reasons:
            raise juries.AssignmentRefused(reasons)
        absent = Examiner.get_by_id(old.examiner_id)
        new_examiner = Examiner.get_by_id(examiner_id)
        absent_name = juries.formal_name(absent.civility, absent.last_name, absent.first_name)
        new_name = juries.formal_name(
            new_examiner.civility, new_examiner.last_name, new_examiner.first_name
        )
        absence = Absence.get_or_none(
            (Absence.examiner == old.examiner_id) & (Absence.day == old.day)
        )
        why = f"remplacement de {absent_name}" + (f" ({absence.reason})" if absence else "")
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
            state="prevue",
            replaces=old.id,
            reason=why,
        )
        audit.update(
            Assignment, old.id, {"state": "remplacee"}, expected_version=old.version, reason=why
        )
        moved_lot = None
        if old.lot_id is not None and old.kind == "correction":
            lot = Lot.get_by_id(old.lot_id)
            if lot.correcteur_id in (old.examiner_id, None):
                audit.update(Lot, lot.id, {"correcteur": examiner_id}, reason=why)
            moved_lot = lot.number
        slot_ids = [
            s for (s,) in OralSlot.select(OralSlot.id).where(OralSlot.assignment == old.id).tuples()
        ]
        for slot_id in slot_ids:
            audit.update(OralSlot, slot_id, {"assignment": new.id}, reason=why)
        seat = ""
        if old.kind == "jury" and old.jury_id is not None:
            seat = _hand_over_seat(old.jury_id, old.examiner_id, examiner_id, why)
        audit.log(
            "event",
            "assignment",
            new.id,
            "remplacement",
            before=absent_name,
            after=new_name,
            reason=why,
        )
        resolved = False
        if absence is not None and not absence.resolved:
            if not _open_assignments(old.examiner_id, old.day).exists():
                audit.update(Absence, absence.id, {"resolved": True}, reason="missions couvertes")
                resolved = True
    document = None
    error = ""
    if convocation:
        try:
            document = juries.issue_convocations(
                old.session_id, assignment_ids=[new.id], out_dir=out_dir
            )
        except Exception as exc:  # the replacement stands; say the PDF is still to print
            error = str(exc) or type(exc).__name__
    info = juries._assignment_infos(Assignment.id == new.id, 1)[0]
    return ReplacementResult(
        old_assignment_id=old.id,
        new_assignment=info,
        replaced=absent_name,
        replacement=new_name,
        moved_lot=moved_lot,
        moved_slots=len(slot_ids),
        jury_seat=seat,
        absence_resolved=resolved,
        document=document,
        document_error=error,
    )


def _hand_over_seat(jury_id: int, old_examiner: int, new_examiner: int, why: str) -> str:
    """Move the absent examiner's jury seat (and bureau function) to the replacement."""
    jury = Jury.get_by_id(jury_id)
    role = juries._role_of(jury, old_examiner)
    if role in ("president", "vice_president"):
        audit.update(Jury, jury_id, {role: new_examiner}, reason=why)
    member = JuryMember.get_or_none(
        (JuryMember.jury == jury_id) & (JuryMember.examiner == old_examiner)
    )
    if member is not None:
        audit.delete(JuryMember, member.id, reason=why)
    existing = JuryMember.get_or_none(
        (JuryMember.jury == jury_id) & (JuryMember.examiner == new_examiner)
    )
    if existing is None:
        audit.create(JuryMember, jury=jury_id, examiner=new_examiner, role=role, reason=why)
    return juries.ROLE_LABELS.get(role, role)


def _already_handled(row: Assignment) -> str:
    last = (
        AuditLog.select()
        .where((AuditLog.entity == "assignment") & (AuditLog.entity_id == str(row.id)))
        .order_by(AuditLog.id.desc())
        .first()
    )
    by = f" par {last.who} à {last.at[11:16]}" if last is not None else ""
    state = juries.STATE_LABELS.get(row.state, row.state)
    return f"Cette mission a déjà été traitée{by} (état : {state}). La liste a été rechargée."
