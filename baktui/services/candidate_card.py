"""The candidate card: everything the office may be asked about a candidate, and the timeline.

What a caller asks while on the phone: identity and choices (the :class:`CandidateProfile`
shared with the confirmation), établissement, centre and convocations, grades and result,
documents issued, what the checks find, and the timeline of every change from the audit log.
Read-only: about a dozen small indexed queries, run by the card's worker. Screens receive these
plain dataclasses, never peewee rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import peewee as pw

from baktui.data.models import (
    AuditLog,
    Candidate,
    Centre,
    Commune,
    Convocation,
    Document,
    Epreuve,
    Etablissement,
    ExamSession,
    Grade,
    GradePart,
    Jury,
    OralSlot,
    Registration,
    Result,
    Room,
)
from baktui.rules import candidate as shape
from baktui.rules.candidate import CandidateProfile, build_profile, epreuve_lines, format_phone
from baktui.rules.decision import DECISION_LABELS, SECOND_GROUPE
from baktui.rules.deliberation import CandidateFile, deliberate, mention_label
from baktui.rules.deliberation import Result as RuleResult
from baktui.rules.grades import Grade as RuleGrade
from baktui.rules.grades import combine_parts, format_grade, from_centi, truncate_2
from baktui.rules.jury_aids import second_group_whatif
from baktui.rules.lifecycles import REGISTRATION
from baktui.rules.regulation import Regulation
from baktui.services import documents
from baktui.services.candidate_files import candidate_file
from baktui.services.jury_deliberation import missing_points_lines
from baktui.services.registration import get_candidate, session_epreuve_labels, stored_row
from baktui.services.registration_checks import Anomaly, check_candidate
from baktui.services.sessions import regulation_of

TIMELINE_PAGE = 200
ENTITY_LABELS = {
    "candidate": "inscription",
    "registration": "épreuves",
    "grade": "note",
    "grade_part": "note partielle",
    "jury_point": "points de jury",
    "result": "résultat",
    "document": "document",
    "convocation": "convocation",
    "anonymat": "anonymat",
    "oral_slot": "oral",
}


def when_text(iso: str) -> str:
    """ "2026-06-30T14:05:12+02:00" -> "30/06/2026 14:05"."""
    if len(iso) < 16:
        return iso
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]} {iso[11:16]}"


@dataclass(frozen=True)
class ConvocationLine:
    epreuve_code: str
    epreuve_label: str
    centre: str
    day: dt.date | None
    start_time: str
    room: str
    source: str  # "convocation" (issued), "oral" (slot), "calendrier" (session calendar)


@dataclass(frozen=True)
class GradeLine:
    epreuve_code: str
    label: str
    group: int
    value: str  # "12", "12,5", "ABS", "" when missing
    state: str  # "saisie", "manquante", "conservée (2025)", "importée"…
    by: str  # who entered it and when, or ""
    coef: str = ""  # "4", "" for a second-group line
    points: str = ""  # counted value × coef ("48"), "" when it does not count
    counted: str = ""  # the value counted when it is not the grade (second group, jury, CC)


@dataclass(frozen=True)
class Standing:
    """How the grades as they stand add up (computed now by the rules, not read from a result):
    what the office reads to a parent on the phone to explain a decision or a second group."""

    points: str  # "184,8"
    coefs: str  # "20"
    average: str  # "9,24", "" when incomplete
    decision: str  # "Second groupe"
    aids: tuple[str, ...]  # « Il manque 15,2 points pour être admis (moyenne 10)… »


@dataclass(frozen=True)
class ResultLine:
    decision: str
    mention: str
    average: str
    first_group_average: str
    deliberated: str  # "30/06/2026 17:02 par durand"


@dataclass(frozen=True)
class DocumentLine:
    kind: str
    issued_at: str
    issued_by: str
    reference: str


@dataclass(frozen=True)
class TimelineEntry:
    audit_id: int
    at: str  # "30/06/2026 14:05"
    who: str
    action: str  # create | update | delete | event
    what: str  # French: "téléphone", "note PHI", "épreuves"…
    before: str
    after: str
    reason: str
    revertible: bool


@dataclass(frozen=True)
class CandidateCard:
    """The profile, the version the card was read at, and the card's own sections."""

    profile: CandidateProfile
    version: int
    session_id: int
    session_year: int
    transitions: tuple[tuple[str, str], ...]  # (state, label) the registration may move to
    jury_number: int | None
    convocations: tuple[ConvocationLine, ...]
    grades: tuple[GradeLine, ...]
    result: ResultLine | None
    documents: tuple[DocumentLine, ...]
    anomalies: tuple[Anomaly, ...]
    created_at: str
    updated_at: str
    # June's card: the September outcome, and back (« Session de remplacement 2026 : Admis… »)
    other_session: str = ""
    standing: Standing | None = None


def candidate_card(candidate_id: int) -> CandidateCard:
    """The card of one candidate (a dozen small indexed queries)."""
    c = get_candidate(candidate_id)
    reg = regulation_of(c.session_id)
    year = ExamSession.select(ExamSession.year).where(ExamSession.id == c.session_id).scalar()
    etablissement = ("", "", "")
    if c.etablissement_id is not None:
        row = (
            Etablissement.select(Etablissement.uai, Etablissement.name, Commune.name)
            .join(Commune, pw.JOIN.LEFT_OUTER, on=Etablissement.commune == Commune.id)
            .where(Etablissement.id == c.etablissement_id)
            .tuples()
            .first()
        )
        if row:
            etablissement = (row[0], row[1], row[2] or "")
    centre = ("", "")
    if c.centre_id is not None:
        first = Centre.select(Centre.code, Centre.name).where(Centre.id == c.centre_id).tuples()
        centre = first.first() or centre
    jury_number = None
    if c.jury_id is not None:
        jury_number = Jury.select(Jury.number).where(Jury.id == c.jury_id).scalar()
    labels = shape.epreuve_labels(reg, c.series, session_epreuve_labels(c.session_id))
    rules = _deliberated_now(reg, c.id)
    registered = tuple(
        Registration.select(
            Registration.epreuve_code, Registration.option_name, Registration.kept_session
        )
        .where(Registration.candidate == c.id)
        .order_by(Registration.id)
        .tuples()
    )
    profile = build_profile(
        reg,
        stored_row(c),
        etablissement=etablissement,
        centre=centre,
        epreuves=epreuve_lines(reg, labels, registered),
    )
    return CandidateCard(
        profile=profile,
        version=c.version,
        session_id=c.session_id,
        session_year=int(year or 0),
        transitions=tuple(
            (s.value, REGISTRATION.label(s)) for s in REGISTRATION.next_states(c.state)
        ),
        jury_number=jury_number,
        convocations=_convocations(c, labels, centre[1]),
        grades=_with_points(
            _grades(c, reg, labels, [code for code, _, _ in registered]), reg, rules
        ),
        result=_result(c.id, reg),
        documents=_documents(c.id),
        anomalies=tuple(check_candidate(c.id)),
        created_at=when_text(c.created_at),
        updated_at=when_text(c.updated_at),
        other_session=_other_session(c.id, reg),
        standing=_standing(reg, rules),
    )


def _other_session(candidate_id: int, reg: Regulation) -> str:
    """The same candidate in the year's other session (June ↔ September), with its result."""
    from baktui.services.replacement_session import counterpart

    found = counterpart(candidate_id)
    if found is None:
        return ""
    session, twin = found
    name = "Session de remplacement" if session.kind == "remplacement" else "Session de juin"
    result = _result(twin, reg)
    if result is None:
        return f"{name} {session.year} : inscrit, pas encore délibéré."
    text = f"{name} {session.year} : {result.decision}"
    if result.mention:
        text += f", mention {result.mention}"
    if result.average:
        text += f" · moyenne {result.average}"
    return text + "."


def _convocations(
    c: Candidate, labels: Mapping[str, str], centre_name: str
) -> tuple[ConvocationLine, ...]:
    """Convocations issued, oral slots, and for the other written épreuves the session calendar
    (date and time of the épreuve at the candidate's centre: what a caller asks first)."""
    lines: dict[str, ConvocationLine] = {}
    rows = (
        Convocation.select(
            Convocation.epreuve_code,
            Convocation.day,
            Convocation.start_time,
            Centre.name,
            Room.name,
        )
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Convocation.centre == Centre.id)
        .switch(Convocation)
        .join(Room, pw.JOIN.LEFT_OUTER, on=Convocation.room == Room.id)
        .where(Convocation.candidate == c.id)
        .tuples()
    )
    for code, day, start, centre, room in rows:
        lines[code] = ConvocationLine(
            code, labels.get(code, code), centre or "", day, start or "", room or "", "convocation"
        )
    slots = (
        OralSlot.select(OralSlot.epreuve_code, OralSlot.day, OralSlot.start_time, Room.name)
        .join(Room, pw.JOIN.LEFT_OUTER, on=OralSlot.room == Room.id)
        .where(OralSlot.candidate == c.id)
        .tuples()
    )
    for code, day, start, room in slots:
        lines.setdefault(
            code,
            ConvocationLine(
                code, labels.get(code, code), centre_name, day, start or "", room or "", "oral"
            ),
        )
    calendar = (
        Epreuve.select(Epreuve.code, Epreuve.exam_date, Epreuve.start_time)
        .join(Registration, on=(Registration.epreuve_code == Epreuve.code))
        .where(
            (Epreuve.session == c.session_id)
            & (Registration.candidate == c.id)
            & Epreuve.exam_date.is_null(False)
        )
        .tuples()
    )
    for code, day, start in calendar:
        lines.setdefault(
            code,
            ConvocationLine(
                code, labels.get(code, code), centre_name, day, start or "", "", "calendrier"
            ),
        )
    return tuple(
        sorted(lines.values(), key=lambda x: (x.day or dt.date.max, x.start_time, x.epreuve_code))
    )


_SOURCES = {"saisie": "saisie", "import": "importée", "demo": "saisie", "jury": "modifiée en jury"}


def _grades(
    c: Candidate, reg: Regulation, labels: Mapping[str, str], registered: list[str]
) -> tuple[GradeLine, ...]:
    grades = {(g.epreuve_code, g.group): g for g in Grade.select().where(Grade.candidate == c.id)}
    parts: dict[str, list[GradePart]] = defaultdict(list)
    for part in GradePart.select().where(GradePart.candidate == c.id):
        parts[part.epreuve_code].append(part)
    lines: list[GradeLine] = []
    for code in registered:
        label = labels.get(code, code)
        grade = grades.get((code, 1))
        if grade is not None:
            lines.append(_grade_line(code, label, grade))
        elif parts.get(code):
            lines.append(_parts_line(c, reg, code, label, parts[code]))
        else:
            lines.append(GradeLine(code, label, 1, "", "manquante", ""))
    for (code, group), grade in sorted(grades.items()):
        if group == 2 or code not in registered:
            lines.append(_grade_line(code, labels.get(code, code), grade))
    return tuple(lines)


def _deliberated_now(reg: Regulation, candidate_id: int) -> tuple[CandidateFile, RuleResult] | None:
    """The rules' deliberation of the grades as they stand (None: a file the rules cannot read,
    such as a série the regulation does not know)."""
    try:
        f = candidate_file(reg, candidate_id)
        return f, deliberate(reg, f)
    except (KeyError, ValueError):
        return None


def _with_points(
    lines: tuple[GradeLine, ...],
    reg: Regulation,
    rules: tuple[CandidateFile, RuleResult] | None,
) -> tuple[GradeLine, ...]:
    """Each first-group line with its coefficient and the points it brings (value × coef)."""
    values = rules[1].values if rules is not None else {}
    out = []
    for line in lines:
        if line.group != 1:
            out.append(line)
            continue
        try:
            coef = reg.epreuve(line.epreuve_code).coef
        except KeyError:
            out.append(line)
            continue
        value = values.get(line.epreuve_code)
        points = format_grade(value * coef) if value is not None else ""
        counted = format_grade(value) if value is not None else ""
        out.append(replace(line, coef=format_grade(coef), points=points,
                           counted=counted if counted != line.value else ""))  # fmt: skip
    return tuple(out)


def _standing(reg: Regulation, rules: tuple[CandidateFile, RuleResult] | None) -> Standing | None:
    if rules is None:
        return None
    f, result = rules
    return Standing(
        points=format_grade(result.points),
        coefs=format_grade(result.coef_total),
        average=truncate_2(result.average) if result.average is not None else "",
        decision=DECISION_LABELS.get(result.decision, result.decision),
        aids=tuple(missing_points_lines(reg, f, result)) + _one_subject_enough(reg, f, result),
    )


def _one_subject_enough(reg: Regulation, f: CandidateFile, result: RuleResult) -> tuple[str, ...]:
    """At the second group, one line: the smallest grade that passes in each single subject."""
    if result.decision != SECOND_GROUPE or result.second_group_done:
        return ()
    enough = [
        f"{w.min_grade} en {w.subjects[0]}"
        for w in second_group_whatif(reg, f)
        if len(w.subjects) == 1 and w.min_grade is not None
    ]
    if not enough:
        return ()
    return (f"Au second groupe, une seule épreuve suffit avec au moins : {', '.join(enough)}",)


def _grade_line(code: str, label: str, g: Grade) -> GradeLine:
    if g.code:
        value = g.code
    elif g.value_centi is not None:
        value = format_grade(from_centi(g.value_centi))
    else:
        value = ""
    if g.kept_session:
        state = f"conservée ({g.kept_session})"
    elif not value:
        state = "manquante"
    else:
        state = _SOURCES.get(g.source, g.source)
    if g.group == 2:
        label = f"{label} — second groupe"
    by = f"{g.entered_by} {when_text(g.entered_at)[:5]}".strip() if g.entered_by else ""
    return GradeLine(code, label, g.group, value, state, by)


def _parts_line(
    c: Candidate, reg: Regulation, code: str, label: str, parts: list[GradePart]
) -> GradeLine:
    shown = []
    for part in parts:
        text = part.code or (
            format_grade(from_centi(part.value_centi)) if part.value_centi is not None else "—"
        )
        shown.append(f"{part.part_code} {text}")
    value = ""
    try:
        rule_parts = reg.series_rule(c.series).parts(code)
        pairs: list[tuple[Fraction, Any]] = []
        for rp in rule_parts:
            part = next((p for p in parts if p.part_code == rp.code), None)
            if part is None:
                pairs.append((rp.coef, None))
            elif part.code:
                pairs.append((rp.coef, RuleGrade(code=part.code)))
            elif part.value_centi is not None:
                pairs.append((rp.coef, from_centi(part.value_centi)))
            else:
                pairs.append((rp.coef, None))
        combined = combine_parts(pairs) if pairs else None
        if combined is not None:
            value = combined.code or format_grade(combined.value)
    except (KeyError, ValueError):
        value = ""
    state = "saisie (parties)" if value else "partielle"
    return GradeLine(code, f"{label} ({', '.join(shown)})", 1, value, state, "")


def _result(candidate_id: int, reg: Regulation) -> ResultLine | None:
    r = Result.get_or_none(Result.candidate == candidate_id)
    if r is None:
        return None

    def avg(text: str | None) -> str:
        return truncate_2(Fraction(text)) if text else ""

    return ResultLine(
        decision=DECISION_LABELS.get(r.decision, r.decision),
        mention=mention_label(reg, r.mention) if r.mention else "",
        average=avg(r.average),
        first_group_average=avg(r.first_group_average),
        deliberated=f"{when_text(r.deliberated_at)} par {r.deliberated_by}",
    )


def _documents(candidate_id: int) -> tuple[DocumentLine, ...]:
    rows = (
        Document.select(Document.kind, Document.issued_at, Document.issued_by, Document.reference)
        .where(Document.candidate == candidate_id)
        .order_by(Document.id.desc())
        .limit(100)
        .tuples()
    )
    return tuple(
        DocumentLine(documents.kind_label(k), when_text(at), by, ref) for k, at, by, ref in rows
    )


# --- Timeline -------------------------------------------------------------------------------


def timeline(
    candidate_id: int, *, offset: int = 0, limit: int = TIMELINE_PAGE
) -> list[TimelineEntry]:
    """The candidate's changes from the audit log, newest first (one page)."""
    rows = (
        AuditLog.select()
        .where((AuditLog.candidate_id == candidate_id) & (AuditLog.field != "updated_at"))
        .order_by(AuditLog.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_timeline_entry(row) for row in rows]


def _timeline_entry(row: AuditLog) -> TimelineEntry:
    entity = ENTITY_LABELS.get(row.entity, row.entity)
    if row.entity == "candidate" and row.field:
        what = shape.label(row.field)
    elif row.field and row.field not in ("epreuves", "value_centi"):
        what = f"{entity} : {shape.LABELS.get(row.field, row.field.replace('_', ' '))}"
    else:
        what = entity
    before, after = row.before or "", row.after or ""
    if row.field.endswith("_centi"):
        before, after = _centi_text(before), _centi_text(after)
    elif row.field == "phone":
        before, after = format_phone(before), format_phone(after)
    elif row.field == "state":
        before, after = REGISTRATION.label(before), REGISTRATION.label(after)
    revertible = (
        row.entity == "candidate"
        and row.action == "update"
        and row.field in shape.REVERTIBLE_FIELDS
    )
    return TimelineEntry(
        audit_id=row.id,
        at=when_text(row.at),
        who=row.who,
        action=row.action,
        what=what,
        before=before,
        after=after,
        reason=row.reason,
        revertible=revertible,
    )


def _centi_text(text: str) -> str:
    try:
        return format_grade(from_centi(int(text)))
    except (TypeError, ValueError):
        return text
