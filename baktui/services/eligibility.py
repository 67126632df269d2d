"""The eligibility engine: may this examiner take this mission, and if not, why (in French).

A :class:`~baktui.services.missions.MissionSpec` says what a mission asks (épreuve, day and
hours, the candidates it concerns, copies or oral hours, a jury seat); :func:`evaluate` checks every examiner (or those
given) against it with a fixed number of bulk queries (examiners, absences, availability, the
day's missions, loads, distances), never one query per examiner. Each refusal is a ``(code, sentence)`` pair; the code is for
filters, the sentence (from :mod:`baktui.rules.examiners`) is shown as it is. The replacement
ranking, which checks 23,000 examiners at national scale, takes the bulk path of
:mod:`baktui.services.eligibility_tally` (the same codes, as sets of examiners) and words with
:func:`refusals` those it shows.

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

from baktui.data import sql
from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Availability,
    Commune,
    CommuneDistance,
    Examiner,
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


def day_context(
    spec: MissionSpec,
    examiner_ids: Sequence[int] | None = None,
    *,
    within: pw.Query | None = None,
) -> DayContext:
    """Absences, availability, missions and loads of the mission's day (at most 7 queries), for
    every examiner, those given, or those of the subquery ``within`` (their ids)."""

    def given(query: pw.ModelSelect, column: pw.Field) -> pw.ModelSelect:
        return query if examiner_ids is None else query.where(column.in_(list(examiner_ids)))

    def scoped(query: pw.ModelSelect, column: pw.Field) -> pw.ModelSelect:
        # the session's loads are summed faster for all than for a subquery's examiners
        return given(query if within is None else query.where(column.in_(within)), column)

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
        busy=busy_missions(spec, scoped),
        copies=copy_loads(spec, given) if spec.copies else {},
        hours=hour_loads(spec, given) if spec.hours_centi else {},
        members=jury_members(spec.jury_id),
    )


def busy_missions(spec: MissionSpec, scoped: Scope) -> dict[int, list[tuple[str, str, str]]]:
    """The examiners' missions of the day that take their time (the one replaced left out),
    each examiner's by start and id: the refusal names the first that clashes, the same on
    either engine and whichever examiners are read."""
    busy: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    labels: dict[tuple[str, str], str] = {}
    for aid, examiner, start, end, kind, code in sql.fetch(  # tens of thousands at scale
        scoped(
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
        ).order_by(Assignment.start_time, Assignment.id)
    ):
        if aid in spec.ignore_assignment_ids:
            continue
        what = labels.get((kind, code or ""))
        if what is None:
            what = labels[kind, code or ""] = missions.kind_label(kind).lower() + (
                f" {code}" if code else ""
            )
        busy[examiner].append((start, end, what))
    return busy


def copy_loads(spec: MissionSpec, scoped: Scope) -> dict[int, int]:
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


def hour_loads(spec: MissionSpec, scoped: Scope) -> dict[int, int]:
    """Oral and practical hours (hundredths) each examiner already has in the session."""
    return dict(
        sql.fetch(
            scoped(
                Assignment.select(Assignment.examiner, pw.fn.SUM(Assignment.hours_centi)).where(
                    (Assignment.session == spec.session_id)
                    & Assignment.kind.in_(missions.LOADED_KINDS)
                    & Assignment.state.in_(ASSIGNMENT_BUSY)
                ),
                Assignment.examiner,
            ).group_by(Assignment.examiner)
        )
    )


def jury_members(jury_id: int | None) -> set[int]:
    if jury_id is None:
        return set()
    return {
        e
        for (e,) in JuryMember.select(JuryMember.examiner)
        .where(JuryMember.jury == jury_id)
        .tuples()
    }


def distances(
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
    screening = screen(spec, examiner_ids, same_discipline=same_discipline, named=True)
    return screening.evaluations


@dataclass
class Screening:
    """Every examiner checked against one mission: the refusal codes of each, and what it takes
    to write the sentences of those shown (:meth:`named`)."""

    spec: MissionSpec
    ctx: DayContext
    evaluations: list[Evaluation]

    def complete(self, *shown: Sequence[Evaluation]) -> list[list[Evaluation]]:
        """The evaluations shown (lists of them, read in one query), with their examiners'
        établissement and commune and their refusals worded with the examiner's name (a
        screening made with ``named=False`` has neither: the right codes, no sentences)."""
        ids = [ev.examiner.id for group in shown for ev in group]
        infos = {info.id: info for info in examiner_rows(ids)} if ids else {}
        done = []
        for group in shown:
            done.append([])
            for ev in group:
                info = infos.get(ev.examiner.id, ev.examiner)
                reasons = tuple(refusals(self.spec, info, ev.load, self.ctx))
                done[-1].append(Evaluation(info, reasons, ev.km, ev.km_source, ev.load))
        return done


def screen(
    spec: MissionSpec,
    examiner_ids: Sequence[int] | None = None,
    *,
    same_discipline: bool = False,
    named: bool = True,
) -> Screening:
    """:func:`evaluate`, keeping the day read; ``named=False`` reads no établissement or
    commune name and words no refusal with the examiner's name (:meth:`Screening.complete`
    does both for those shown)."""
    discipline = discipline_of(spec) if same_discipline else ""
    examiners = examiner_rows(examiner_ids, discipline=discipline, bare=not named)
    within = None
    if discipline:  # the day of the examiners read, not of the other 10,000
        within = Examiner.select(Examiner.id).where(Examiner.disciplines.contains(discipline))
    ctx = day_context(spec, examiner_ids, within=within)
    origins = {e.travel_origin for e in examiners if e.travel_origin}
    table, coordinates = distances(spec.commune_id, origins)
    results: list[Evaluation] = []
    for info in examiners:
        load = rules.Load(
            copies=ctx.copies.get(info.id, 0),
            max_copies=info.max_copies,
            oral_hours_centi=ctx.hours.get(info.id, 0),
            max_oral_hours=info.max_oral_hours,
        )
        km, source = rules.distance_km(info.travel_origin, spec.commune_id, table, coordinates)
        reasons = refusals(spec, info, load, ctx, worded=named)
        results.append(Evaluation(info, tuple(reasons), km, source, load))
    return Screening(spec, ctx, results)


def refusals(
    spec: MissionSpec,
    examiner: ExaminerInfo,
    load: rules.Load,
    ctx: DayContext,
    *,
    worded: bool = True,
) -> list[tuple[str, str]]:
    """Every rule the examiner breaks for this mission, as (code, French sentence), in the
    order the screens list them (no query: everything comes from ``ctx``). ``worded=False``:
    the codes only, each with an empty sentence (a screening of 20,000 examiners words
    the refusals of the fifty it shows). A new rule goes into the bulk path too
    (:func:`baktui.services.eligibility_tally.tally`: tests/test_replacement_tally.py compares
    both)."""
    eid, corps = examiner.id, examiner.corps
    replaced = eid in spec.ignore_examiner_ids
    broken: list[tuple[str, Callable[[str], str | None]]] = []
    if replaced:
        broken.append((R_SELF, rules.replaced_error))
    if not examiner.active:
        broken.append((R_INACTIVE, rules.inactive_error))
    code = spec.epreuve_code
    if spec.kind in missions.DISCIPLINE_KINDS and code:
        if not rules.teaches(examiner.disciplines, code, spec.series):
            disciplines = examiner.disciplines
            broken.append(
                (R_DISCIPLINE, lambda n: rules.discipline_error(n, disciplines, code, spec.series))
            )
    if not rules.may_examine(corps, spec.kind):
        broken.append((R_CORPS, lambda n: rules.examines_error(corps, spec.kind, n)))
    if spec.seat_role == missions.PRESIDENT and not rules.may_preside(corps):
        broken.append((R_PRESIDENT, lambda n: rules.president_error(corps, n)))
    elif spec.seat_role == missions.VICE_PRESIDENT and not rules.may_vice_preside(corps):
        broken.append((R_VICE, lambda n: rules.vice_president_error(corps, n)))
    if spec.jury_id is not None and eid in ctx.members and not replaced:
        broken.append((R_MEMBER, rules.member_error))
    etab = examiner.etablissement_id
    if etab is not None and etab in spec.concerned:
        broken.append((R_OWN, lambda n: rules.own_students_error(n, etab, spec.concerned)))
    if eid in ctx.absent and not replaced:
        broken.append((R_ABSENT, lambda n: rules.absent_error(n, spec.day)))
    elif eid in ctx.unavailable:
        broken.append((R_UNAVAILABLE, lambda n: rules.unavailable_error(n, spec.day)))
    elif eid in ctx.declared and eid not in ctx.available_today:
        broken.append((R_UNAVAILABLE, lambda n: rules.undeclared_error(n, spec.day)))
    # every mission has its hours (a correction: handing over the copies, the entente meeting)
    taken = ctx.busy.get(eid, ())
    if taken and rules.first_clash(taken, spec.start_time, spec.end_time) is not None:
        broken.append(
            (R_BUSY, lambda n: rules.busy_error(n, taken, spec.start_time, spec.end_time))
        )
    if load.exceeded(spec.copies, spec.hours_centi):
        broken.append((R_LOAD, lambda n: rules.load_error(n, load, spec.copies, spec.hours_centi)))
    if not worded:
        return [(code, "") for code, _ in broken]
    name = examiner.formal_name
    return [(code, text) for code, say in broken if (text := say(name))]
