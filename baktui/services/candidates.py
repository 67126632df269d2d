"""One candidate at a time: the card, contact changes, the registration form, states, checks.

What the office does while a candidate or a parent is on the phone (read the card, correct an
address, reprint the confirmation), and what it does to registrations (create, edit, confirm,
validate, cancel, change series or options, transfer to another académie, undo a change), plus
« Contrôler les inscriptions »: every check over every candidate of the session.

Screens receive the plain dataclasses below, never peewee rows. Every write goes through
:mod:`baktui.data.audit` in one write transaction, with the ``version`` of the record the user
read (``expected_version``): a save over somebody else's change is refused
(:class:`~baktui.data.ConflictError`) and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import peewee as pw

from baktui import errors
from baktui.data import audit
from baktui.data.db import current_database, write_transaction
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
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import identifiers
from baktui.rules.deliberation import DECISION_LABELS, mention_label
from baktui.rules.grades import Grade as RuleGrade
from baktui.rules.grades import combine_parts, format_grade, from_centi, truncate_2
from baktui.rules.registration import (
    STATES,
    STATUSES,
    TRANSITIONS,
    choice_errors,
    dossier_pieces,
    format_options,
    option_errors,
    parse_options,
)
from baktui.rules.regulation import Regulation
from baktui.services.registration import (
    CandidateData,
    name_key,
    register_candidate,
    sync_registrations,
)
from baktui.services.sessions import regulation_of

DOC_CONFIRMATION = "confirmation_inscription"

# Field names are the Candidate model's; the form uses the same names.
FIELD_LABELS = {
    "number": "numéro de candidat",
    "ine": "INE",
    "last_name": "nom",
    "first_name": "prénom",
    "name_key": "clé de recherche",
    "birth_date": "date de naissance",
    "sex": "sexe",
    "address": "adresse",
    "postcode": "code postal",
    "city": "commune",
    "email": "courriel",
    "phone": "téléphone",
    "series": "série",
    "sub_choice": "enseignement spécifique",
    "lva": "LVA",
    "lvb": "LVB",
    "options": "options",
    "status": "statut",
    "etablissement": "établissement",
    "eps_inapte": "inaptitude EPS",
    "eps_certificate": "certificat médical EPS",
    "amenagements": "aménagements",
    "dossier": "dossier",
    "state": "état de l'inscription",
    "transferred_to": "transfert",
    "jury": "jury",
    "centre": "centre d'examen",
    "updated_at": "date de modification",
    "created_at": "date de création",
}
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
SEXES = {"": "non renseigné", "F": "féminin", "M": "masculin"}
CONTACT_FIELDS = ("address", "postcode", "city", "email", "phone")
# Fields whose change can be undone from the timeline.
REVERTIBLE_FIELDS = frozenset(
    {
        "ine",
        "last_name",
        "first_name",
        "birth_date",
        "sex",
        "address",
        "postcode",
        "city",
        "email",
        "phone",
        "series",
        "sub_choice",
        "lva",
        "lvb",
        "options",
        "status",
        "etablissement",
        "eps_inapte",
        "eps_certificate",
        "amenagements",
        "dossier",
        "state",
        "transferred_to",
        "centre",
    }
)
TIMELINE_PAGE = 200


class ValidationError(errors.ValidationError):
    """Refused registration input, the message naming the candidate's field in French."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(problems, field_label)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def _date_fr(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _when(iso: str) -> str:
    """ "2026-06-30T14:05:12+02:00" -> "30/06/2026 14:05"."""
    if len(iso) < 16:
        return iso
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]} {iso[11:16]}"


def format_phone(digits: str) -> str:
    """ "0612345678" -> "06 12 34 56 78" (other texts unchanged)."""
    if len(digits) == 10 and digits.isdigit():
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return digits


def parse_dossier(text: str) -> dict[str, bool]:
    """The dossier column (JSON {piece: received}); unreadable text counts as nothing received."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): bool(v) for k, v in data.items()} if isinstance(data, dict) else {}


def missing_pieces(status: str, eps_adapted: bool, dossier: Mapping[str, bool]) -> list[str]:
    """Labels of the pieces an individual candidate's dossier still lacks."""
    return [label for key, label in dossier_pieces(status, eps_adapted) if not dossier.get(key)]


# --- The candidate card ----------------------------------------------------------------------


@dataclass(frozen=True)
class DossierPiece:
    key: str
    label: str
    received: bool


@dataclass(frozen=True)
class EpreuveLine:
    code: str
    label: str
    option: str  # option-year token for OPTn ("LATIN-T"), else ""
    kept_session: int | None


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
class Anomaly:
    """One problem found by the registration checks, and the form field that fixes it."""

    kind: str  # key of CHECK_KINDS
    candidate_id: int
    number: str
    name: str  # "LEFÈVRE Hélène"
    field: str  # form field to put the cursor on
    message: str
    related: tuple[int, ...] = ()  # the other candidates of a probable duplicate


@dataclass(frozen=True)
class CandidateCard:
    """Everything the office may be asked about a candidate, as plain data."""

    id: int
    version: int
    session_id: int
    session_year: int
    number: str
    ine: str
    last_name: str
    first_name: str
    birth_date: dt.date | None
    sex: str
    address: str
    postcode: str
    city: str
    email: str
    phone: str
    series: str
    series_label: str
    sp1_label: str
    sp2_label: str
    sub_choice: str
    sub_choice_label: str  # "enseignement spécifique" of the series, or ""
    lva: str
    lvb: str
    lva_label: str
    lvb_label: str
    options: tuple[str, ...]  # readable option entries: "Arts (terminale)"
    options_text: str  # stored form "ARTS-T"
    eps_inapte: bool
    eps_certificate: bool
    amenagements: str
    status: str
    status_label: str
    etablissement_uai: str
    etablissement_name: str
    etablissement_city: str
    state: str
    state_label: str
    transitions: tuple[tuple[str, str], ...]
    transferred_to: str
    dossier: tuple[DossierPiece, ...]
    centre_code: str
    centre_name: str
    jury_number: int | None
    epreuves: tuple[EpreuveLine, ...]
    convocations: tuple[ConvocationLine, ...]
    grades: tuple[GradeLine, ...]
    result: ResultLine | None
    documents: tuple[DocumentLine, ...]
    anomalies: tuple[Anomaly, ...]
    created_at: str
    updated_at: str

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def dossier_complete(self) -> bool:
        return all(p.received for p in self.dossier)


def _get_candidate(candidate_id: int) -> Candidate:
    candidate = Candidate.get_or_none(Candidate.id == candidate_id)
    if candidate is None:
        raise NotFoundError(f"Candidat n° {candidate_id} introuvable.")
    return candidate


def candidate_card(candidate_id: int) -> CandidateCard:
    """The card of one candidate (a dozen small indexed queries)."""
    c = _get_candidate(candidate_id)
    reg = regulation_of(c.session_id)
    year = ExamSession.select(ExamSession.year).where(ExamSession.id == c.session_id).scalar()
    etab_uai = etab_name = etab_city = ""
    if c.etablissement_id is not None:
        row = (
            Etablissement.select(Etablissement.uai, Etablissement.name, Commune.name)
            .join(Commune, pw.JOIN.LEFT_OUTER, on=Etablissement.commune == Commune.id)
            .where(Etablissement.id == c.etablissement_id)
            .tuples()
            .first()
        )
        if row:
            etab_uai, etab_name, etab_city = row[0], row[1], row[2] or ""
    centre_code = centre_name = ""
    if c.centre_id is not None:
        row = Centre.select(Centre.code, Centre.name).where(Centre.id == c.centre_id).tuples()
        first = row.first()
        if first:
            centre_code, centre_name = first
    jury_number = None
    if c.jury_id is not None:
        jury_number = Jury.select(Jury.number).where(Jury.id == c.jury_id).scalar()
    labels = _epreuve_labels(c.session_id, reg)
    series_label, sp1, sp2, sub_label = _series_labels(reg, c.series)
    labels.update(_specialite_labels(reg, c.series))
    dossier = parse_dossier(c.dossier)
    pieces = tuple(
        DossierPiece(key, label, bool(dossier.get(key)))
        for key, label in dossier_pieces(c.status, c.eps_inapte)
    )
    return CandidateCard(
        id=c.id,
        version=c.version,
        session_id=c.session_id,
        session_year=int(year or 0),
        number=c.number,
        ine=c.ine,
        last_name=c.last_name,
        first_name=c.first_name,
        birth_date=c.birth_date,
        sex=c.sex,
        address=c.address,
        postcode=c.postcode,
        city=c.city,
        email=c.email,
        phone=c.phone,
        series=c.series,
        series_label=series_label,
        sp1_label=sp1,
        sp2_label=sp2,
        sub_choice=c.sub_choice,
        sub_choice_label=sub_label,
        lva=c.lva,
        lvb=c.lvb,
        lva_label=reg.languages.get(c.lva, c.lva),
        lvb_label=reg.languages.get(c.lvb, c.lvb),
        options=tuple(_option_label(reg, e.name, e.year) for e in parse_options(c.options)),
        options_text=c.options,
        eps_inapte=c.eps_inapte,
        eps_certificate=c.eps_certificate,
        amenagements=c.amenagements,
        status=c.status,
        status_label=STATUSES.get(c.status, c.status),
        etablissement_uai=etab_uai,
        etablissement_name=etab_name,
        etablissement_city=etab_city,
        state=c.state,
        state_label=STATES.get(c.state, c.state),
        transitions=tuple((s, STATES[s]) for s in TRANSITIONS.get(c.state, ())),
        transferred_to=c.transferred_to,
        dossier=pieces,
        centre_code=centre_code,
        centre_name=centre_name,
        jury_number=jury_number,
        epreuves=_epreuves(c.id, labels),
        convocations=_convocations(c, labels, centre_name),
        grades=_grades(c, reg, labels),
        result=_result(c.id, reg),
        documents=_documents(c.id),
        anomalies=tuple(check_candidate(c.id)),
        created_at=_when(c.created_at),
        updated_at=_when(c.updated_at),
    )


def _series_labels(reg: Regulation, series: str) -> tuple[str, str, str, str]:
    """(series, spécialité 1, spécialité 2, enseignement spécifique) labels; an unknown series
    is shown as its code, without spécialités."""
    try:
        rule = reg.series_rule(series)
    except KeyError:
        return series, "", "", ""
    return rule.label, rule.sp1_label, rule.sp2_label, rule.sub_choice_label


def _specialite_labels(reg: Regulation, series: str) -> dict[str, str]:
    """The series' names of the SP1, SP2 and SPA épreuves ({} for an unknown series)."""
    try:
        rule = reg.series_rule(series)
    except KeyError:
        return {}
    return {"SP1": rule.sp1_label, "SP2": rule.sp2_label, "SPA": rule.spa_label}


def _option_label(reg: Regulation, name: str, year: str) -> str:
    when = "première" if year == "1" else "terminale"
    return f"{reg.options.get(name, name)} ({when})"


def _epreuve_labels(session_id: int, reg: Regulation) -> dict[str, str]:
    labels = {rule.code: rule.label for rule in reg.epreuves}
    labels.update(
        Epreuve.select(Epreuve.code, Epreuve.label).where(Epreuve.session == session_id).tuples()
    )
    return labels


def _epreuves(candidate_id: int, labels: Mapping[str, str]) -> tuple[EpreuveLine, ...]:
    rows = (
        Registration.select(
            Registration.epreuve_code, Registration.option_name, Registration.kept_session
        )
        .where(Registration.candidate == candidate_id)
        .order_by(Registration.id)
        .tuples()
    )
    return tuple(EpreuveLine(code, labels.get(code, code), opt, kept) for code, opt, kept in rows)


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


def _grades(c: Candidate, reg: Regulation, labels: Mapping[str, str]) -> tuple[GradeLine, ...]:
    registered = [code for code, in Registration.select(Registration.epreuve_code)
                  .where(Registration.candidate == c.id).order_by(Registration.id).tuples()]  # fmt: skip
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
    by = f"{g.entered_by} {_when(g.entered_at)[:5]}".strip() if g.entered_by else ""
    return GradeLine(code, label, g.group, value, state, by)


def _parts_line(
    c: Candidate, reg: Regulation, code: str, label: str, parts: list[GradePart]
) -> GradeLine:
    shown = []
    values: dict[str, str] = {}
    for part in parts:
        text = part.code or (
            format_grade(from_centi(part.value_centi)) if part.value_centi is not None else "—"
        )
        values[part.part_code] = text
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
        deliberated=f"{_when(r.deliberated_at)} par {r.deliberated_by}",
    )


def _documents(candidate_id: int) -> tuple[DocumentLine, ...]:
    rows = (
        Document.select(Document.kind, Document.issued_at, Document.issued_by, Document.reference)
        .where(Document.candidate == candidate_id)
        .order_by(Document.id.desc())
        .limit(100)
        .tuples()
    )
    return tuple(DocumentLine(_doc_kind(k), _when(at), by, ref) for k, at, by, ref in rows)


DOCUMENT_KINDS = {
    DOC_CONFIRMATION: "confirmation d'inscription",
    "convocation": "convocation",
    "convocation_candidat": "convocation",
    "releve": "relevé de notes",
    "releve_notes": "relevé de notes",
    "diplome": "diplôme",
    "attestation": "attestation de réussite",
}


def _doc_kind(kind: str) -> str:
    return DOCUMENT_KINDS.get(kind, kind.replace("_", " "))


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
        what = field_label(row.field)
    elif row.field and row.field not in ("epreuves", "value_centi"):
        what = f"{entity} : {FIELD_LABELS.get(row.field, row.field.replace('_', ' '))}"
    else:
        what = entity
    before, after = row.before or "", row.after or ""
    if row.field.endswith("_centi"):
        before, after = _centi_text(before), _centi_text(after)
    elif row.field == "phone":
        before, after = format_phone(before), format_phone(after)
    elif row.field == "state":
        before, after = STATES.get(before, before), STATES.get(after, after)
    revertible = (
        row.entity == "candidate" and row.action == "update" and row.field in REVERTIBLE_FIELDS
    )
    return TimelineEntry(
        audit_id=row.id,
        at=_when(row.at),
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


# --- Contact details ---------------------------------------------------------------------------


def contact_errors(values: Mapping[str, str], *, required: bool = False) -> list[tuple[str, str]]:
    """(field, message) for contact details; empty fields are allowed unless ``required``."""
    errors: list[tuple[str, str]] = []
    checks: dict[str, Callable[[str], str | None]] = {
        "postcode": identifiers.postcode_error,
        "email": identifiers.email_error,
        "phone": identifiers.phone_error,
    }
    for name in CONTACT_FIELDS:
        text = str(values.get(name, "") or "").strip()
        if not text:
            if required and name in ("address", "postcode", "city"):
                errors.append((name, f"{field_label(name)} obligatoire"))
            continue
        check = checks.get(name)
        message = check(text) if check else None
        if message:
            errors.append((name, message))
    return errors


def update_contact(
    candidate_id: int, values: Mapping[str, str], *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Change the contact details (address, postcode, city, e-mail, phone); returns the new card.

    Refused with a :class:`ValidationError` naming the field, or a ConflictError when somebody
    changed the candidate since ``expected_version`` was read.
    """
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ServiceError(f"Champs inconnus : {', '.join(sorted(unknown))}")
    errors = contact_errors(values)
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {}
    for name, raw in values.items():
        text = " ".join(str(raw or "").split())
        if name == "phone" and text:
            text = identifiers.phone_normalise(text) or text
        if name == "email":
            text = text.lower()
        if name == "city":
            text = text.upper() if text.islower() else text
        changes[name] = text
    with write_transaction():
        current = _get_candidate(candidate_id)
        diff = {k: v for k, v in changes.items() if getattr(current, k) != v}
        if diff:
            diff["updated_at"] = audit.now_iso()
            audit.update(
                Candidate,
                candidate_id,
                diff,
                expected_version=expected_version,
                reason=reason or "changement de coordonnées",
            )
    return candidate_card(candidate_id)


# --- The registration form -----------------------------------------------------------------------


FORM_FIELDS = (
    "ine",
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "address",
    "postcode",
    "city",
    "email",
    "phone",
    "status",
    "etablissement",
    "centre",
    "series",
    "sub_choice",
    "lva",
    "lvb",
    "options",
    "eps_inapte",
    "eps_certificate",
    "amenagements",
    "dossier",
    "state",
)


@dataclass(frozen=True)
class RegistrationForm:
    """The registration as the form shows it: texts as typed, booleans, the dossier checklist."""

    candidate_id: int | None = None
    version: int | None = None
    number: str = ""
    state: str = "brouillon"
    ine: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""  # JJ/MM/AAAA
    sex: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""
    status: str = "scolaire"
    etablissement: str = ""  # UAI
    centre: str = ""  # centre code
    series: str = ""
    sub_choice: str = ""
    lva: str = ""
    lvb: str = ""
    options: str = ""
    eps_inapte: bool = False
    eps_certificate: bool = False
    amenagements: str = ""
    dossier: Mapping[str, bool] = field(default_factory=dict)
    transferred_to: str = ""

    def with_values(self, **values: Any) -> RegistrationForm:
        return replace(self, **values)


@dataclass(frozen=True)
class FormChoices:
    """What the form's lists offer for a session."""

    series: tuple[tuple[str, str], ...]  # (code, label)
    sub_choices: Mapping[str, tuple[str, ...]]  # series -> sub-choices
    sub_choice_labels: Mapping[str, str]  # series -> "Enseignement spécifique"
    languages: tuple[tuple[str, str], ...]
    options: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]
    centres: tuple[tuple[str, str], ...]  # (code, name)
    max_options_per_year: int


def form_choices(session_id: int) -> FormChoices:
    reg = regulation_of(session_id)
    centres = tuple(
        Centre.select(Centre.code, Centre.name)
        .where((Centre.session == session_id) & (Centre.is_exam == True))  # noqa: E712
        .order_by(Centre.code)
        .limit(1000)
        .tuples()
    )
    return FormChoices(
        series=tuple((s.code, s.label) for s in reg.series),
        sub_choices={s.code: s.sub_choices for s in reg.series},
        sub_choice_labels={s.code: s.sub_choice_label for s in reg.series},
        languages=tuple(reg.languages.items()),
        options=tuple(reg.options.items()),
        statuses=tuple(STATUSES.items()),
        centres=centres,
        max_options_per_year=reg.max_options_per_year,
    )


def blank_form(session_id: int) -> RegistrationForm:
    """A new registration: brouillon, scolaire, first series of the regulation."""
    reg = regulation_of(session_id)
    return RegistrationForm(series=reg.series_codes[0] if reg.series_codes else "")


def load_form(candidate_id: int) -> RegistrationForm:
    """The stored registration as the form shows it (with its version, for the save)."""
    c = _get_candidate(candidate_id)
    uai = ""
    if c.etablissement_id is not None:
        uai = (
            Etablissement.select(Etablissement.uai)
            .where(Etablissement.id == c.etablissement_id)
            .scalar()
            or ""
        )
    centre = ""
    if c.centre_id is not None:
        centre = Centre.select(Centre.code).where(Centre.id == c.centre_id).scalar() or ""
    return RegistrationForm(
        candidate_id=c.id,
        version=c.version,
        number=c.number,
        state=c.state,
        ine=c.ine,
        last_name=c.last_name,
        first_name=c.first_name,
        birth_date=_date_fr(c.birth_date),
        sex=c.sex,
        address=c.address,
        postcode=c.postcode,
        city=c.city,
        email=c.email,
        phone=format_phone(c.phone),
        status=c.status,
        etablissement=uai,
        centre=centre,
        series=c.series,
        sub_choice=c.sub_choice,
        lva=c.lva,
        lvb=c.lvb,
        options=c.options.replace(",", ", "),
        eps_inapte=c.eps_inapte,
        eps_certificate=c.eps_certificate,
        amenagements=c.amenagements,
        dossier=parse_dossier(c.dossier),
        transferred_to=c.transferred_to,
    )


# (field as choice_errors names it) -> form field
_CHOICE_FIELDS = {"serie": "series", "sous_choix": "sub_choice"}


def form_errors(reg: Regulation, form: RegistrationForm) -> list[tuple[str, str]]:
    """Every (field, French message) of the form; no database access (the screen calls it on blur).

    UAI and centre are checked for their format here; whether they exist is checked at the save.
    """
    errors: list[tuple[str, str]] = []
    message = identifiers.ine_error(form.ine)
    if message:
        errors.append(("ine", message))
    for name in ("last_name", "first_name"):
        if not getattr(form, name).strip():
            errors.append((name, f"{field_label(name)} obligatoire"))
    if not form.birth_date.strip():
        errors.append(("birth_date", "date de naissance obligatoire (JJ/MM/AAAA)"))
    else:
        try:
            born = identifiers.parse_date_fr(form.birth_date)
        except ValueError as exc:
            errors.append(("birth_date", str(exc)))
        else:
            age = reg.year - born.year
            if not 13 <= age <= 100:
                errors.append(
                    ("birth_date", f"« {form.birth_date.strip()} » : {age} ans en {reg.year} ?")
                )
    if form.sex not in SEXES:
        errors.append(("sex", f"sexe « {form.sex} » : F, M ou vide"))
    individual = form.status != "scolaire"
    errors.extend(
        contact_errors(
            {
                "address": form.address,
                "postcode": form.postcode,
                "city": form.city,
                "email": form.email,
                "phone": form.phone,
            },
            required=individual,
        )
    )
    if form.status not in STATUSES:
        errors.append(("status", f"statut « {form.status} » inconnu"))
    uai = form.etablissement.strip()
    if uai:
        message = identifiers.uai_error(uai)
        if message:
            errors.append(("etablissement", message))
    elif form.status == "scolaire":
        errors.append(("etablissement", "UAI de l'établissement obligatoire pour un scolaire"))
    for name, message in choice_errors(
        reg,
        form.series,
        form.sub_choice,
        form.lva,
        form.lvb,
        parse_options(form.options),
        form.eps_inapte,
        form.eps_certificate,
    ):
        errors.append((_CHOICE_FIELDS.get(name, name), message))
    if form.state not in STATES:
        errors.append(("state", f"état « {form.state} » inconnu"))
    return errors


def field_error(reg: Regulation, form: RegistrationForm, name: str) -> str | None:
    """The message of one field (checked as the cursor leaves it), or None."""
    for field_name, message in form_errors(reg, form):
        if field_name == name:
            return message
    return None


@dataclass(frozen=True)
class EtablissementInfo:
    id: int
    uai: str
    name: str
    city: str


def find_etablissement(uai: str) -> EtablissementInfo | None:
    """The établissement of a UAI (the form shows its name as soon as the UAI is typed)."""
    row = (
        Etablissement.select(Etablissement.id, Etablissement.uai, Etablissement.name, Commune.name)
        .join(Commune, pw.JOIN.LEFT_OUTER, on=Etablissement.commune == Commune.id)
        .where(Etablissement.uai == uai.strip().upper())
        .tuples()
        .first()
    )
    return EtablissementInfo(row[0], row[1], row[2], row[3] or "") if row else None


@dataclass(frozen=True)
class SavedRegistration:
    candidate_id: int
    number: str
    version: int
    created: bool
    changed: bool
    message: str


def _state_errors(
    reg: Regulation, form: RegistrationForm, target: str, current: str
) -> list[tuple[str, str]]:
    """Why a registration may not move from ``current`` to ``target``."""
    if target == current:
        return []
    if target not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(STATES[s] for s in TRANSITIONS.get(current, ())) or "aucun"
        return [
            (
                "state",
                f"passage de « {STATES.get(current, current)} » à « {STATES.get(target, target)} »"
                f" impossible (possibles : {allowed})",
            )
        ]
    if target == "validee":
        problems = [m for _, m in form_errors(reg, form)]
        missing = missing_pieces(form.status, form.eps_inapte, form.dossier)
        if missing:
            problems.append("dossier incomplet : " + ", ".join(missing))
        if problems:
            return [("state", "validation impossible : " + " ; ".join(problems))]
    return []


def save_form(session_id: int, form: RegistrationForm, *, reason: str = "") -> SavedRegistration:
    """Create or update the registration of the form, audited, in one transaction.

    Refused with a :class:`ValidationError` (field, message) before anything is written, or with a
    ConflictError when the candidate changed since the form was loaded (``form.version``).
    """
    reg = regulation_of(session_id)
    errors = form_errors(reg, form)
    etab = find_etablissement(form.etablissement) if form.etablissement.strip() else None
    if (
        form.etablissement.strip()
        and etab is None
        and not any(f == "etablissement" for f, _ in errors)
    ):
        errors.append(
            ("etablissement", f"aucun établissement de l'UAI « {form.etablissement.strip()} »")
        )
    centre_id = None
    if form.centre.strip():
        centre_id = (
            Centre.select(Centre.id)
            .where((Centre.session == session_id) & (Centre.code == form.centre.strip()))
            .scalar()
        )
        if centre_id is None:
            errors.append(("centre", f"aucun centre de code « {form.centre.strip()} »"))
    if errors:
        raise ValidationError(errors)
    values = _model_values(form, etab.id if etab else None, centre_id)
    if form.candidate_id is None:
        return _create(session_id, reg, form, values, reason or "inscription (saisie)")
    return _update(reg, form, values, reason or "modification de l'inscription")


def _model_values(
    form: RegistrationForm, etab_id: int | None, centre_id: int | None
) -> dict[str, Any]:
    phone = identifiers.phone_normalise(form.phone) or "" if form.phone.strip() else ""
    pieces = dossier_pieces(form.status, form.eps_inapte)
    dossier = (
        json.dumps({k: bool(form.dossier.get(k)) for k, _ in pieces}, ensure_ascii=False)
        if pieces
        else ""
    )
    return {
        "ine": form.ine.strip().upper(),
        "last_name": " ".join(form.last_name.split()),
        "first_name": " ".join(form.first_name.split()),
        "birth_date": identifiers.parse_date_fr(form.birth_date),
        "sex": form.sex,
        "address": " ".join(form.address.split()),
        "postcode": form.postcode.strip(),
        "city": " ".join(form.city.split()),
        "email": form.email.strip().lower(),
        "phone": phone,
        "series": form.series,
        "sub_choice": form.sub_choice,
        "lva": form.lva,
        "lvb": form.lvb,
        "options": format_options(parse_options(form.options)),
        "status": form.status,
        "etablissement": etab_id,
        "centre": centre_id,
        "eps_inapte": bool(form.eps_inapte),
        "eps_certificate": bool(form.eps_certificate),
        "amenagements": " ".join(form.amenagements.split()),
        "dossier": dossier,
        "state": form.state,
    }


_REGISTER_FIELDS = set(CandidateData.__dataclass_fields__)


def _create(
    session_id: int,
    reg: Regulation,
    form: RegistrationForm,
    values: dict[str, Any],
    reason: str,
) -> SavedRegistration:
    if form.state != "brouillon":
        errors = _state_errors(reg, form, form.state, "brouillon")
        if errors:
            raise ValidationError(errors)
    data_fields = {k: v for k, v in values.items() if k in _REGISTER_FIELDS}
    data_fields["etablissement_id"] = values["etablissement"]
    data = CandidateData(**data_fields)
    with write_transaction():
        candidate_id = register_candidate(session_id, data, reason=reason)
        extra = {
            k: values[k]
            for k in ("centre", "eps_certificate", "amenagements", "dossier", "state")
            if values[k] not in (None, "", False, "brouillon")
        }
        if extra:
            audit.update(Candidate, candidate_id, extra, reason=reason)
        row = _get_candidate(candidate_id)
    return SavedRegistration(
        candidate_id, row.number, row.version, True, True, f"Inscription n° {row.number} créée."
    )


def _update(
    reg: Regulation, form: RegistrationForm, values: dict[str, Any], reason: str
) -> SavedRegistration:
    assert form.candidate_id is not None
    with write_transaction():
        current = _get_candidate(form.candidate_id)
        state_errors = _state_errors(reg, form, form.state, current.state)
        if state_errors:
            raise ValidationError(state_errors)
        if values["ine"] != current.ine and values["ine"]:
            other = (
                Candidate.select(Candidate.number)
                .where(
                    (Candidate.session == current.session_id)
                    & (Candidate.ine == values["ine"])
                    & (Candidate.id != current.id)
                    & (Candidate.state != "annulee")
                )
                .scalar()
            )
            if other:
                raise ValidationError([("ine", f"INE déjà porté par le candidat n° {other}")])
        changes = {
            k: v
            for k, v in values.items()
            if audit.to_text(_current_value(current, k)) != audit.to_text(v)
        }
        if not changes:
            return SavedRegistration(
                current.id, current.number, current.version, False, False, "Aucun changement."
            )
        if "last_name" in changes or "first_name" in changes:
            changes["name_key"] = name_key(values["last_name"], values["first_name"])
        changes["updated_at"] = audit.now_iso()
        row = audit.update(
            Candidate, current.id, changes, expected_version=form.version, reason=reason
        )
        if "options" in changes:
            sync_registrations(current.id, reg, values["options"], reason)
    named = ", ".join(field_label(k) for k in changes if k not in ("updated_at", "name_key"))
    return SavedRegistration(row.id, row.number, row.version, False, True, f"Enregistré ({named}).")


def _current_value(candidate: Candidate, name: str) -> Any:
    if name in ("etablissement", "centre", "jury"):
        return getattr(candidate, f"{name}_id")
    return getattr(candidate, name)


# --- States, series, options, transfer, undo ------------------------------------------------


def _form_of(candidate: Candidate) -> RegistrationForm:
    return load_form(candidate.id)


def set_state(
    candidate_id: int, state: str, *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Move the registration to another state (brouillon → confirmée → validée, or annulée)."""
    if state not in STATES:
        raise ServiceError(f"État « {state} » inconnu ({', '.join(STATES)}).")
    with write_transaction():
        current = _get_candidate(candidate_id)
        reg = regulation_of(current.session_id)
        errors = _state_errors(reg, _form_of(current), state, current.state)
        if errors:
            raise ValidationError(errors)
        audit.update(
            Candidate,
            candidate_id,
            {"state": state, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=reason or f"inscription {STATES[state]}",
        )
    return candidate_card(candidate_id)


def change_series(
    candidate_id: int,
    series: str,
    sub_choice: str = "",
    *,
    expected_version: int,
    reason: str = "",
) -> CandidateCard:
    """Change of series (and its sub-choice), recorded; undone from the timeline or by another change."""
    with write_transaction():
        current = _get_candidate(candidate_id)
        reg = regulation_of(current.session_id)
        errors = [
            (_CHOICE_FIELDS.get(f, f), m)
            for f, m in choice_errors(
                reg,
                series,
                sub_choice,
                current.lva,
                current.lvb,
                parse_options(current.options),
                current.eps_inapte,
                current.eps_certificate,
            )
            if f in ("serie", "sous_choix")
        ]
        if errors:
            raise ValidationError(errors)
        audit.update(
            Candidate,
            candidate_id,
            {"series": series, "sub_choice": sub_choice, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=reason or "changement de série",
        )
    return candidate_card(candidate_id)


def change_options(
    candidate_id: int, options: str, *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Change of options (option-year entries "LATIN-1, ARTS-T"); the OPTn épreuves follow."""
    with write_transaction():
        current = _get_candidate(candidate_id)
        reg = regulation_of(current.session_id)
        entries = parse_options(options)
        errors = option_errors(reg, entries)
        if errors:
            raise ValidationError([("options", m) for m in errors])
        text = format_options(entries)
        why = reason or "changement d'options"
        audit.update(
            Candidate,
            candidate_id,
            {"options": text, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=why,
        )
        sync_registrations(candidate_id, reg, text, why)
    return candidate_card(candidate_id)


def transfer(
    candidate_id: int, academie: str, *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Transfer the registration to another académie ("" cancels the transfer)."""
    target = " ".join(academie.split())
    with write_transaction():
        current = _get_candidate(candidate_id)
        if target and target == current.transferred_to:
            raise ServiceError(f"Candidat déjà transféré vers {target}.")
        if not target and not current.transferred_to:
            raise ServiceError("Ce candidat n'est pas transféré.")
        audit.update(
            Candidate,
            candidate_id,
            {"transferred_to": target, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=reason or (f"transfert vers {target}" if target else "transfert annulé"),
        )
    return candidate_card(candidate_id)


def revert_change(audit_id: int, *, expected_version: int) -> CandidateCard:
    """Undo one recorded change of a candidate: its field gets back the value it had before.

    The undo is itself a recorded change (reason « annulation de … »), so it can be undone too.
    """
    entry = AuditLog.get_or_none(AuditLog.id == audit_id)
    if entry is None or entry.entity != "candidate" or entry.action != "update":
        raise ServiceError("Seule une modification de l'inscription peut être annulée.")
    if entry.field not in REVERTIBLE_FIELDS:
        raise ServiceError(f"La modification « {field_label(entry.field)} » ne s'annule pas.")
    candidate_id = int(entry.entity_id)
    with write_transaction():
        current = _get_candidate(candidate_id)
        value = _from_text(entry.field, entry.before)
        if audit.to_text(_current_value(current, entry.field)) != entry.after:
            raise ServiceError(
                f"« {field_label(entry.field)} » a changé depuis ({entry.after or 'vide'} → "
                f"{audit.to_text(_current_value(current, entry.field)) or 'vide'}) : "
                "annulez d'abord les changements plus récents."
            )
        why = f"annulation de la modification du {_when(entry.at)} (journal n° {entry.id})"
        changes: dict[str, Any] = {entry.field: value, "updated_at": audit.now_iso()}
        if entry.field in ("last_name", "first_name"):
            last = value if entry.field == "last_name" else current.last_name
            first = value if entry.field == "first_name" else current.first_name
            changes["name_key"] = name_key(last, first)
        audit.update(
            Candidate, candidate_id, changes, expected_version=expected_version, reason=why
        )
        if entry.field == "options":
            sync_registrations(candidate_id, regulation_of(current.session_id), value or "", why)
    return candidate_card(candidate_id)


def _from_text(name: str, text: str | None) -> Any:
    """A field value back from its audit-log text."""
    model_field = Candidate._meta.fields[name]
    if text is None:
        return None if model_field.null else ""
    if isinstance(model_field, pw.BooleanField):
        return text == "oui"
    if isinstance(model_field, pw.DateField):
        return dt.date.fromisoformat(text) if text else None
    if isinstance(model_field, pw.ForeignKeyField):
        return int(text) if text else None
    return text


# --- Registration checks ---------------------------------------------------------------------

CHECK_KINDS = {
    "identifiant": "Identifiant invalide (INE)",
    "doublon": "Doublon probable (même nom et date de naissance, ou même INE)",
    "choix": "Choix manquants ou incohérents",
    "dossier": "Candidat individuel au dossier incomplet",
    "sans_centre": "Candidat sans centre d'examen",
    "sans_etablissement": "Candidat scolaire sans établissement",
    "coordonnees": "Coordonnées invalides (code postal, courriel, téléphone)",
}
_KIND_ORDER = {kind: index for index, kind in enumerate(CHECK_KINDS)}

# Columns streamed by the checks, in this order.
_CHECK_COLUMNS = (
    Candidate.id,
    Candidate.ine,
    Candidate.postcode,
    Candidate.email,
    Candidate.phone,
    Candidate.series,
    Candidate.sub_choice,
    Candidate.lva,
    Candidate.lvb,
    Candidate.options,
    Candidate.eps_inapte,
    Candidate.eps_certificate,
    Candidate.status,
    Candidate.etablissement,
    Candidate.centre,
    Candidate.dossier,
    Candidate.state,
)


def _checked(session_id: int, *, scan: bool = False) -> pw.Expression:
    """The candidates the checks look at: the session's, neither cancelled nor transferred.

    ``scan``: the whole session is read: ``session_id + 0`` keeps the planner from walking an
    index of the session and fetching each row at random (three times slower than a table scan
    at 700 000 candidates).
    """
    session = (Candidate.session + 0) if scan else Candidate.session
    return (
        (session == session_id) & (Candidate.state != "annulee") & (Candidate.transferred_to == "")
    )


class _RowChecker:
    """Row-level checks with memoised answers (choices repeat: a few hundred combinations)."""

    def __init__(self, reg: Regulation) -> None:
        self.reg = reg
        self.choices: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
        self.postcodes: dict[str, str | None] = {}

    def __call__(self, row: Sequence[Any]) -> list[tuple[str, str, str]]:
        """(kind, field, message) of one streamed row (see _CHECK_COLUMNS)."""
        (_, ine, postcode, email, phone, series, sub, lva, lvb, options, inapte, certificate,
         status, etab, centre, dossier, state) = row  # fmt: skip
        found: list[tuple[str, str, str]] = []
        if identifiers.ine_format(ine or "") is None:
            message = identifiers.ine_error(ine or "") or "INE invalide"
            found.append(("identifiant", "ine", message))
        key = (series, sub, lva, lvb, options, bool(inapte), bool(certificate))
        errors = self.choices.get(key)
        if errors is None:
            errors = [
                (_CHOICE_FIELDS.get(f, f), m)
                for f, m in choice_errors(
                    self.reg,
                    series,
                    sub,
                    lva,
                    lvb,
                    parse_options(options),
                    bool(inapte),
                    bool(certificate),
                )
            ]
            self.choices[key] = errors
        found.extend(("choix", f, m) for f, m in errors)
        if status != "scolaire":
            missing = missing_pieces(status, bool(inapte), parse_dossier(dossier))
            if missing:
                state_label = STATES.get(state, state)
                found.append(
                    (
                        "dossier",
                        "dossier",
                        f"manque : {', '.join(missing)} (inscription {state_label})",
                    )
                )
        elif etab is None:
            found.append(("sans_etablissement", "etablissement", "scolaire sans établissement"))
        if centre is None:
            found.append(("sans_centre", "centre", "aucun centre d'examen"))
        if postcode:
            if postcode not in self.postcodes:
                self.postcodes[postcode] = identifiers.postcode_error(postcode)
            message = self.postcodes[postcode]
            if message:
                found.append(("coordonnees", "postcode", message))
        elif status != "scolaire":
            found.append(("coordonnees", "postcode", "code postal manquant (candidat individuel)"))
        if email:
            message = identifiers.email_error(email)
            if message:
                found.append(("coordonnees", "email", message))
        if phone and not (len(phone) == 10 and phone.isdigit() and phone[0] == "0"):
            found.append(("coordonnees", "phone", f"téléphone « {phone} » invalide"))
        return found


@dataclass
class CheckReport:
    """The anomalies of a session, grouped by kind; the screen pages through them."""

    session_id: int
    anomalies: list[Anomaly]
    checked: int
    elapsed_s: float

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CHECK_KINDS, 0)
        for anomaly in self.anomalies:
            counts[anomaly.kind] = counts.get(anomaly.kind, 0) + 1
        return counts

    def of_kind(self, kind: str | None) -> list[Anomaly]:
        return [a for a in self.anomalies if kind is None or a.kind == kind]

    def page(self, kind: str | None, offset: int, limit: int) -> list[Anomaly]:
        return self.of_kind(kind)[offset : offset + limit]

    def replace_candidates(self, ids: Iterable[int], fresh: Iterable[Anomaly]) -> int:
        """Swap the anomalies of these candidates for a fresh check; returns how many went away."""
        ids = set(ids)
        before = len(self.anomalies)
        kept = [a for a in self.anomalies if a.candidate_id not in ids]
        fresh = list(fresh)
        self.anomalies = sorted(kept + fresh, key=_anomaly_order)
        return before - len(self.anomalies)


def _anomaly_order(a: Anomaly) -> tuple[int, str, str]:
    return (_KIND_ORDER.get(a.kind, 99), a.name, a.number)


def _stream(query: pw.Select, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Rows of a query read from the cursor in batches (no model instances: fast, bounded memory)."""
    sql, params = query.sql()
    yield from _fetch_all(current_database().execute_sql(sql, params), batch)


def run_checks(
    session_id: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CheckReport:
    """Every check over every candidate of the session (neither cancelled nor transferred).

    One streamed pass for the per-candidate checks (identifiers, choices, dossier, centre,
    contact details) and two grouped queries for the probable duplicates.
    """
    started = time.perf_counter()
    reg = regulation_of(session_id)
    total = Candidate.select().where(_checked(session_id)).count()
    checker = _RowChecker(reg)
    raw: list[tuple[int, str, str, str, tuple[int, ...]]] = []
    query = (
        Candidate.select(*_CHECK_COLUMNS)
        .where(_checked(session_id, scan=True))
        .order_by(Candidate.id)
    )
    done = 0
    for row in _stream(query):
        for kind, name, message in checker(row):
            raw.append((row[0], kind, name, message, ()))
        done += 1
        if done % 20000 == 0:
            if progress is not None:
                progress(done, total)
            if cancelled is not None and cancelled():
                break
    raw.extend(_duplicates(session_id))
    anomalies = _with_names(raw)
    anomalies.sort(key=_anomaly_order)
    if progress is not None:
        progress(total, total)
    return CheckReport(session_id, anomalies, total, time.perf_counter() - started)


_ACTIVE_SQL = "{session} = ? AND state <> 'annulee' AND transferred_to = ''"
_DUPLICATE_SQL = {
    # same folded name and birth date; same INE. The inner query groups with the
    # (session, name_key) index, the join brings back the members of each group.
    "name": (
        "SELECT c.id, c.number, c.name_key, c.birth_date FROM candidate c JOIN ("
        "SELECT name_key, birth_date FROM candidate WHERE {inner} AND birth_date IS NOT NULL "
        "{one} GROUP BY name_key, birth_date HAVING COUNT(*) > 1) d "
        "ON d.name_key = c.name_key AND d.birth_date = c.birth_date "
        "WHERE c.{outer} ORDER BY c.name_key, c.birth_date, c.id"
    ),
    "ine": (
        "SELECT c.id, c.number, c.ine, '' FROM candidate c JOIN ("
        "SELECT ine FROM candidate WHERE {inner} AND ine <> '' {one} "
        "GROUP BY ine HAVING COUNT(*) > 1) d ON d.ine = c.ine "
        "WHERE c.{outer} ORDER BY c.ine, c.id"
    ),
}


def _duplicates(
    session_id: int, candidate_id: int | None = None
) -> list[tuple[int, str, str, str, tuple[int, ...]]]:
    """Probable duplicates: same name key and birth date, or same INE (two grouped queries)."""
    found: list[tuple[int, str, str, str, tuple[int, ...]]] = []
    db = current_database()
    param = getattr(db, "param", "?")
    me = Candidate.get_by_id(candidate_id) if candidate_id is not None else None
    for how, template in _DUPLICATE_SQL.items():
        one = ""
        extra: tuple[Any, ...] = ()
        if me is not None:
            if how == "name":
                if me.birth_date is None:
                    continue
                one, extra = "AND name_key = ? AND birth_date = ?", (me.name_key, me.birth_date)
            else:
                if not me.ine:
                    continue
                one, extra = "AND ine = ?", (me.ine,)
        # the whole session: a table scan and a sort; one candidate: its index
        inner = _ACTIVE_SQL.format(session="session_id" if me else "session_id + 0")
        outer = _ACTIVE_SQL.format(session="session_id")
        sql = template.format(inner=inner, outer=outer, one=one).replace("?", param)
        cursor = db.execute_sql(sql, (session_id, *extra, session_id))
        group: list[tuple[int, str]] = []
        current: tuple[Any, Any] | None = None
        for cid, number, key, birth in _fetch_all(cursor):
            if (key, birth) != current:
                found.extend(_duplicate_group(how, group))
                group, current = [], (key, birth)
            group.append((int(cid), str(number)))
        found.extend(_duplicate_group(how, group))
    if candidate_id is not None:
        found = [f for f in found if f[0] == candidate_id]
    return found


def _fetch_all(cursor: Any, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    while rows := cursor.fetchmany(batch):
        yield from rows


def _duplicate_group(
    how: str, members: list[tuple[int, str]]
) -> Iterator[tuple[int, str, str, str, tuple[int, ...]]]:
    if len(members) < 2:
        return
    for cid, _number in members:
        others = [(i, n) for i, n in members if i != cid]
        numbers = ", ".join(n for _, n in others[:3]) + ("…" if len(others) > 3 else "")
        if how == "name":
            yield (
                cid,
                "doublon",
                "state",
                f"même nom et même date de naissance que n° {numbers}",
                tuple(i for i, _ in others),
            )
        else:
            yield cid, "doublon", "ine", f"même INE que n° {numbers}", tuple(i for i, _ in others)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _with_names(raw: list[tuple[int, str, str, str, tuple[int, ...]]]) -> list[Anomaly]:
    """Attach numbers and names to the anomalies (one query per 500 candidates)."""
    db = current_database()
    param = getattr(db, "param", "?")
    ids = sorted({r[0] for r in raw})
    names: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(ids, 500):
        marks = ", ".join(param for _ in chunk)
        cursor = db.execute_sql(
            f"SELECT id, number, last_name, first_name FROM candidate WHERE id IN ({marks})",
            tuple(chunk),
        )
        for cid, number, last, first in cursor.fetchall():
            names[int(cid)] = (str(number), f"{str(last).upper()} {first}")
    return [
        Anomaly(kind, cid, names.get(cid, ("", ""))[0], names.get(cid, ("", "?"))[1], f, m, rel)
        for cid, kind, f, m, rel in raw
    ]


def check_candidate(candidate_id: int) -> list[Anomaly]:
    """The checks of one candidate (the card shows them; the check list refreshes with them)."""
    c = Candidate.get_or_none(Candidate.id == candidate_id)
    if c is None or c.state == "annulee" or c.transferred_to:
        return []
    reg = regulation_of(c.session_id)
    row = Candidate.select(*_CHECK_COLUMNS).where(Candidate.id == candidate_id).tuples().first()
    raw = [(candidate_id, k, f, m, ()) for k, f, m in _RowChecker(reg)(row)] if row else []
    raw.extend(_duplicates(c.session_id, candidate_id))
    anomalies = _with_names(raw)
    anomalies.sort(key=_anomaly_order)
    return anomalies


# --- Registration confirmations ----------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationData:
    """What a registration confirmation prints (one candidate)."""

    candidate_id: int
    number: str
    ine: str
    last_name: str
    first_name: str
    birth_date: dt.date | None
    sex: str
    address: str
    postcode: str
    city: str
    email: str
    phone: str
    series: str
    series_label: str
    sp1_label: str
    sp2_label: str
    sub_choice_label: str
    sub_choice: str
    lva_label: str
    lvb_label: str
    options: tuple[str, ...]
    eps_inapte: bool
    amenagements: str
    status_label: str
    etablissement: str  # "0690001A — Lycée …, Lyon" or ""
    centre: str
    state_label: str
    epreuves: tuple[tuple[str, str, str], ...]  # (code, label, note: option or kept session)
    dossier: tuple[tuple[str, bool], ...]  # (piece label, received)


@dataclass(frozen=True)
class IssuedConfirmations:
    path: Path
    count: int
    elapsed_ms: float


def confirmation_data(
    session_id: int, candidate_ids: Sequence[int] | None = None
) -> Iterator[ConfirmationData]:
    """Confirmation contents, by 500 candidates; None = every individual candidate of the session.

    "Individual" means every status without contrôle continu (individuel, CNED, formation
    continue), not cancelled nor transferred, in name order.
    """
    reg = regulation_of(session_id)
    labels = _epreuve_labels(session_id, reg)
    if candidate_ids is None:
        where = _checked(session_id) & (Candidate.status != "scolaire")
        ids = [
            i
            for (i,) in _stream(
                Candidate.select(Candidate.id).where(where).order_by(Candidate.name_key)
            )
        ]
    else:
        ids = list(candidate_ids)
    for chunk in _chunks(ids, 500):
        rows = {
            c.id: c
            for c in Candidate.select(Candidate, Etablissement, Centre)
            .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id)
            .switch(Candidate)
            .join(Centre, pw.JOIN.LEFT_OUTER, on=Candidate.centre == Centre.id)
            .where(Candidate.id.in_(list(chunk)))
        }
        epreuves: dict[int, list[tuple[str, str, int | None]]] = defaultdict(list)
        for cid, code, option, kept in (
            Registration.select(
                Registration.candidate,
                Registration.epreuve_code,
                Registration.option_name,
                Registration.kept_session,
            )
            .where(Registration.candidate.in_(list(chunk)))
            .order_by(Registration.id)
            .tuples()
        ):
            epreuves[cid].append((code, option, kept))
        for cid in chunk:
            c = rows.get(cid)
            if c is None:
                continue
            lines = _epreuve_lines(reg, labels, c.series, epreuves.get(cid, []))
            yield _confirmation(reg, c, lines)


def _epreuve_lines(
    reg: Regulation,
    labels: Mapping[str, str],
    series: str,
    rows: Sequence[tuple[str, str, int | None]],
) -> tuple[tuple[str, str, str], ...]:
    """(code, label, note) with the spécialités named for the series and options spelled out."""
    named = _specialite_labels(reg, series)
    lines = []
    for code, option, kept in rows:
        label = named.get(code) or labels.get(code, code)
        note = ""
        if option:
            entry = parse_options(option)
            note = _option_label(reg, entry[0].name, entry[0].year) if entry else option
        if kept:
            note = (note + " — " if note else "") + f"note conservée de {kept}"
        lines.append((code, label, note))
    return tuple(lines)


def _confirmation(
    reg: Regulation, c: Candidate, epreuves: tuple[tuple[str, str, str], ...]
) -> ConfirmationData:
    series_label, sp1, sp2, sub_label = _series_labels(reg, c.series)
    etab = ""
    if c.etablissement_id is not None and getattr(c, "etablissement", None) is not None:
        etab = f"{c.etablissement.uai} — {c.etablissement.name}"
    centre = ""
    if c.centre_id is not None and getattr(c, "centre", None) is not None:
        centre = f"{c.centre.code} — {c.centre.name}"
    dossier = parse_dossier(c.dossier)
    return ConfirmationData(
        candidate_id=c.id,
        number=c.number,
        ine=c.ine,
        last_name=c.last_name,
        first_name=c.first_name,
        birth_date=c.birth_date,
        sex=c.sex,
        address=c.address,
        postcode=c.postcode,
        city=c.city,
        email=c.email,
        phone=format_phone(c.phone),
        series=c.series,
        series_label=series_label,
        sp1_label=sp1,
        sp2_label=sp2,
        sub_choice_label=sub_label,
        sub_choice=c.sub_choice,
        lva_label=reg.languages.get(c.lva, c.lva),
        lvb_label=reg.languages.get(c.lvb, c.lvb),
        options=tuple(_option_label(reg, e.name, e.year) for e in parse_options(c.options)),
        eps_inapte=c.eps_inapte,
        amenagements=c.amenagements,
        status_label=STATUSES.get(c.status, c.status),
        etablissement=etab,
        centre=centre,
        state_label=STATES.get(c.state, c.state),
        epreuves=epreuves,
        dossier=tuple(
            (label, bool(dossier.get(key))) for key, label in dossier_pieces(c.status, c.eps_inapte)
        ),
    )


def issue_confirmations(
    session_id: int,
    candidate_ids: Sequence[int] | None = None,
    *,
    out_dir: Path | None = None,
) -> IssuedConfirmations:
    """Write the confirmations (one candidate, a list, or every individual candidate) as ONE PDF
    and record one Document per candidate (audited: it shows in each timeline)."""
    from baktui.exports import confirmation as pdf
    from baktui.exports.paths import output_dir, safe_name, share
    from baktui.services.settings import academie_name

    started = time.perf_counter()
    items = list(confirmation_data(session_id, candidate_ids))
    if not items:
        raise ServiceError("Aucun candidat à qui éditer une confirmation d'inscription.")
    year = ExamSession.select(ExamSession.year).where(ExamSession.id == session_id).scalar()
    folder = out_dir or output_dir()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if len(items) == 1:
        label = f"{items[0].number}-{safe_name(items[0].last_name)}"
    else:
        label = f"individuels-{len(items)}"
    path = folder / f"confirmation-inscription-{label}-{stamp}.pdf"
    pdf.write_confirmations(path, items, session_year=int(year), academie=academie_name())
    share(path)
    when = audit.now_iso()
    who = audit.current_user()
    with write_transaction():
        for item in items:
            doc_id = Document.insert(
                kind=DOC_CONFIRMATION,
                candidate=item.candidate_id,
                issued_at=when,
                issued_by=who,
                reference=path.name,
            ).execute()
            audit.log(
                "create",
                "document",
                doc_id,
                after=f"confirmation d'inscription → {path.name}",
                reason="confirmation d'inscription éditée",
                candidate_id=item.candidate_id,
            )
    return IssuedConfirmations(path, len(items), (time.perf_counter() - started) * 1000)


__all__ = [
    "CHECK_KINDS",
    "Anomaly",
    "CandidateCard",
    "CheckReport",
    "ConfirmationData",
    "FormChoices",
    "RegistrationForm",
    "SavedRegistration",
    "TimelineEntry",
    "ValidationError",
    "blank_form",
    "candidate_card",
    "change_options",
    "change_series",
    "check_candidate",
    "confirmation_data",
    "field_error",
    "find_etablissement",
    "form_choices",
    "form_errors",
    "issue_confirmations",
    "load_form",
    "revert_change",
    "run_checks",
    "save_form",
    "set_state",
    "timeline",
    "transfer",
    "update_contact",
]
