"""The eligibility engine: may this examiner take this mission, and if not, why (in French).

A :class:`~baktui.services.missions.MissionSpec` says what a mission asks (épreuve, day and
hours, the candidates it concerns, copies or oral hours, a jury seat); :func:`evaluate` checks every examiner (or those
given) against it with a fixed number of bulk queries (examiners, absences, availability, the
day's missions, loads, distances), never one query per examiner: the replacement ranking runs
it for 600 examiners at each key. Each refusal is a ``(code, sentence)`` pair; the code is for
filters, the sentence (from :mod:`baktui.rules.examiners`) is shown as it is.

Conventions read from the models (and the demo):

- an assignment takes the examiner's time while it is active or done (``ASSIGNMENT_BUSY``);
- the copies of a lot are its :class:`Anonymat` rows; an examiner's copy load is the copies of
  the lots whose ``correcteur`` he or she is; the oral load is the ``hours_centi`` of busy oral or
  practical assignments;
- availability: a row ``available=False`` for the day excludes the examiner; an examiner who
  declared available days (rows ``available=True``) and none for that day is excluded too; an
  examiner with no row at all is taken as available;
- distance: from the examiner's home commune (else administrative commune) to the commune of the
  mission's centre: the office's reference table, else a straight-line estimate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import peewee as pw

from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Availability,
    Commune,
    CommuneDistance,
    JuryMember,
    Lot,
)
from baktui.errors import ServiceError
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.rules.french import agree_with
from baktui.rules.lifecycles import ASSIGNMENT_BUSY
from baktui.services.examiners import ExaminerInfo, examiner_rows
from baktui.services.missions import MissionSpec

# Reason codes of the engine (the message is French, the code is for filters).
R_SELF = "lui-meme"
R_INACTIVE = "inactif"
R_DISCIPLINE = "discipline"
R_PRESIDENT = "president"
R_VICE = "vice_president"
R_OWN = "propres_eleves"
R_ABSENT = "absent"
R_UNAVAILABLE = "indisponible"
R_BUSY = "occupe"
R_LOAD = "charge"
R_MEMBER = "deja_membre"
R_CORPS = "corps"
REASON_SHORT = {
    R_SELF: "absent à remplacer",  # agreed with the examiner by reason_short
    R_INACTIVE: "inactif",
    R_DISCIPLINE: "autre discipline",
    R_PRESIDENT: "ni PU ni MCF",
    R_VICE: "corps",
    R_OWN: "ses propres élèves",
    R_ABSENT: "absent",
    R_UNAVAILABLE: "indisponible",
    R_BUSY: "déjà pris",
    R_LOAD: "charge maximale",
    R_MEMBER: "déjà au jury",
    R_CORPS: "non enseignant",
}
_AGREED = {R_SELF: ("absent", " à remplacer"), R_ABSENT: ("absent", ""), R_BUSY: ("déjà pris", "")}


def reason_short(code: str, who: str) -> str:
    """The short label of a refusal, agreed with the examiner shown as « Mme DUPONT Anne »."""
    if code in _AGREED:
        word, rest = _AGREED[code]
        return agree_with(who, word) + rest
    return REASON_SHORT.get(code, code)


# Narrows a query to the examiners evaluated (all of them: the query as it is).
Scope = Callable[[pw.ModelSelect, pw.Field], pw.ModelSelect]


class AssignmentRefused(ServiceError):
    """A mission or a seat refused by a rule; ``reasons`` are French sentences, joined in the
    message."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(" ".join(self.reasons) or "Affectation refusée.")


@dataclass(frozen=True)
class Evaluation:
    """One examiner checked against a mission."""

    examiner: ExaminerInfo
    reasons: tuple[tuple[str, str], ...]  # (code, French sentence)
    km: int | None
    km_source: str
    load: rules.Load

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def reason_text(self) -> str:
        return " ".join(text for _, text in self.reasons)


# --- The day, read in bulk ----------------------------------------------------------------------


@dataclass
class DayContext:
    """Everything the engine needs about the mission's day, read in bulk."""

    absent: set[int]
    unavailable: set[int]
    declared: set[int]
    available_today: set[int]
    busy: dict[int, list[tuple[str, str, str]]]  # examiner -> (start, end, what)
    copies: dict[int, int]
    hours: dict[int, int]
    members: set[int]  # examiners already on the mission's jury


def day_context(spec: MissionSpec, examiner_ids: Sequence[int] | None = None) -> DayContext:
    """Absences, availability, missions and loads of the mission's day (at most 7 queries), for
    every examiner or those given."""

    def scoped(query: pw.ModelSelect, column: pw.Field) -> pw.ModelSelect:
        return query if examiner_ids is None else query.where(column.in_(list(examiner_ids)))

    absent = {
        e
        for (e,) in scoped(
            Absence.select(Absence.examiner).where(Absence.day == spec.day), Absence.examiner
        ).tuples()
    }
    unavailable: set[int] = set()
    available_today: set[int] = set()
    for examiner, available in scoped(
        Availability.select(Availability.examiner, Availability.available).where(
            Availability.day == spec.day
        ),
        Availability.examiner,
    ).tuples():
        (available_today if available else unavailable).add(examiner)
    declared = {
        e
        for (e,) in scoped(
            Availability.select(Availability.examiner).where(Availability.available).distinct(),
            Availability.examiner,
        ).tuples()
    }
    return DayContext(
        absent=absent,
        unavailable=unavailable,
        declared=declared,
        available_today=available_today,
        busy=_busy(spec, scoped),
        copies=_copy_loads(spec, scoped) if spec.copies else {},
        hours=_hour_loads(spec, scoped) if spec.hours_centi else {},
        members=_jury_members(spec.jury_id),
    )


def _busy(spec: MissionSpec, scoped: Scope) -> dict[int, list[tuple[str, str, str]]]:
    """The examiners' missions of the day that take their time (the one replaced left out)."""
    busy: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for aid, examiner, start, end, kind, code in scoped(
        Assignment.select(
            Assignment.id,
            Assignment.examiner,
            Assignment.start_time,
            Assignment.end_time,
            Assignment.kind,
            Assignment.epreuve_code,
        ).where(
            (Assignment.day == spec.day)
            & Assignment.state.in_(ASSIGNMENT_BUSY)
            & (Assignment.session == spec.session_id)
        ),
        Assignment.examiner,
    ).tuples():
        if aid in spec.ignore_assignment_ids:
            continue
        what = missions.kind_label(kind).lower() + (f" {code}" if code else "")
        busy[examiner].append((start, end, what))
    return busy


def _copy_loads(spec: MissionSpec, scoped: Scope) -> dict[int, int]:
    """Copies each examiner already marks in the session."""
    return dict(
        scoped(
            Lot.select(Lot.correcteur, pw.fn.COUNT(Anonymat.id))
            .join(Anonymat, on=Anonymat.lot == Lot.id)
            .where((Lot.session == spec.session_id) & Lot.correcteur.is_null(False)),
            Lot.correcteur,
        )
        .group_by(Lot.correcteur)
        .tuples()
    )


def _hour_loads(spec: MissionSpec, scoped: Scope) -> dict[int, int]:
    """Oral and practical hours (hundredths) each examiner already has in the session."""
    return dict(
        scoped(
            Assignment.select(Assignment.examiner, pw.fn.SUM(Assignment.hours_centi)).where(
                (Assignment.session == spec.session_id)
                & Assignment.kind.in_(missions.LOADED_KINDS)
                & Assignment.state.in_(ASSIGNMENT_BUSY)
            ),
            Assignment.examiner,
        )
        .group_by(Assignment.examiner)
        .tuples()
    )


def _jury_members(jury_id: int | None) -> set[int]:
    if jury_id is None:
        return set()
    return {
        e
        for (e,) in JuryMember.select(JuryMember.examiner)
        .where(JuryMember.jury == jury_id)
        .tuples()
    }


def _distances(
    destination: int | None, origins: set[int]
) -> tuple[dict[tuple[int, int], int], dict[int, tuple[Decimal, Decimal]]]:
    """Reference km touching the destination, and coordinates of the communes involved."""
    if destination is None or not origins:
        return {}, {}
    table = {
        (o, d): km
        for o, d, km in CommuneDistance.select(
            CommuneDistance.origin, CommuneDistance.destination, CommuneDistance.km
        )
        .where(
            (CommuneDistance.origin == destination) | (CommuneDistance.destination == destination)
        )
        .tuples()
    }
    wanted = list(origins | {destination})
    coordinates: dict[int, tuple[Decimal, Decimal]] = {}
    for cid, lat, lon in (
        Commune.select(Commune.id, Commune.latitude, Commune.longitude)
        .where(Commune.id.in_(wanted) if len(wanted) < 900 else Commune.latitude.is_null(False))
        .tuples()
    ):
        la, lo = rules.parse_coordinate(lat), rules.parse_coordinate(lon)
        if la is not None and lo is not None:
            coordinates[cid] = (la, lo)
    return table, coordinates


# --- The verdict --------------------------------------------------------------------------------


def discipline_of(spec: MissionSpec) -> str:
    """The épreuve code examiners must teach for this mission ("" when any may take it)."""
    return spec.epreuve_code if spec.kind in missions.DISCIPLINE_KINDS and spec.epreuve_code else ""


def evaluate(
    spec: MissionSpec,
    examiner_ids: Sequence[int] | None = None,
    *,
    same_discipline: bool = False,
) -> list[Evaluation]:
    """Check every examiner (or those given) against the mission; a fixed number of queries.

    ``same_discipline``: only the examiners whose disciplines name the mission's épreuve are
    read and checked (narrowed in SQL: at national scale most examiners teach something else,
    and the ranking never lists them)."""
    discipline = discipline_of(spec) if same_discipline else ""
    examiners = examiner_rows(examiner_ids, discipline=discipline)
    ctx = day_context(spec, examiner_ids)
    origins = {e.travel_origin for e in examiners if e.travel_origin}
    table, coordinates = _distances(spec.commune_id, origins)
    results: list[Evaluation] = []
    for info in examiners:
        load = rules.Load(
            copies=ctx.copies.get(info.id, 0),
            max_copies=info.max_copies,
            oral_hours_centi=ctx.hours.get(info.id, 0),
            max_oral_hours=info.max_oral_hours,
        )
        km, source = rules.distance_km(info.travel_origin, spec.commune_id, table, coordinates)
        reasons = refusals(spec, info, load, ctx)
        results.append(Evaluation(info, tuple(reasons), km, source, load))
    return results


def refusals(
    spec: MissionSpec, examiner: ExaminerInfo, load: rules.Load, ctx: DayContext
) -> list[tuple[str, str]]:
    """Every rule the examiner breaks for this mission, as (code, French sentence), in the
    order the screens list them (no query: everything comes from ``ctx``)."""
    name = examiner.formal_name
    eid = examiner.id
    replaced = eid in spec.ignore_examiner_ids
    reasons: list[tuple[str, str | None]] = []
    if replaced:
        reasons.append((R_SELF, rules.replaced_error(name)))
    if not examiner.active:
        reasons.append((R_INACTIVE, rules.inactive_error(name)))
    if spec.kind in missions.DISCIPLINE_KINDS and spec.epreuve_code:
        reasons.append(
            (
                R_DISCIPLINE,
                rules.discipline_error(name, examiner.disciplines, spec.epreuve_code, spec.series),
            )
        )
    reasons.append((R_CORPS, rules.examines_error(examiner.corps, spec.kind, name)))
    if spec.seat_role == missions.PRESIDENT:
        reasons.append((R_PRESIDENT, rules.president_error(examiner.corps, name)))
    elif spec.seat_role == missions.VICE_PRESIDENT:
        reasons.append((R_VICE, rules.vice_president_error(examiner.corps, name)))
    if spec.jury_id is not None and eid in ctx.members and not replaced:
        reasons.append((R_MEMBER, rules.member_error(name)))
    reasons.append(
        (R_OWN, rules.own_students_error(name, examiner.etablissement_id, spec.concerned))
    )
    if eid in ctx.absent and not replaced:
        reasons.append((R_ABSENT, rules.absent_error(name, spec.day)))
    elif eid in ctx.unavailable:
        reasons.append((R_UNAVAILABLE, rules.unavailable_error(name, spec.day)))
    elif eid in ctx.declared and eid not in ctx.available_today:
        reasons.append((R_UNAVAILABLE, rules.undeclared_error(name, spec.day)))
    # every mission has its hours (a correction: handing over the copies, the entente meeting)
    taken = ctx.busy.get(eid, ())
    reasons.append((R_BUSY, rules.busy_error(name, taken, spec.start_time, spec.end_time)))
    reasons.append((R_LOAD, rules.load_error(name, load, spec.copies, spec.hours_centi)))
    return [(code, text) for code, text in reasons if text]
