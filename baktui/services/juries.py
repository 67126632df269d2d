"""Examiners, juries and assignments (F5): who sits where, who marks what, and their convocations.

Screens call these functions from thread workers and receive frozen dataclasses. Every write goes
through :mod:`baktui.data.audit` inside one write transaction.

The eligibility engine (:func:`evaluate`) is shared with the replacement service: it checks a
mission against examiners with a fixed number of bulk queries (examiners, absences, availability,
the day's assignments, loads, distances), never one query per examiner.

Conventions read from the models (and the demo):

- an :class:`Assignment` is active while its state is ``prevue`` or ``convoquee``; ``remplacee``
  and ``annulee`` ones are closed, ``realisee`` ones are done (they still count as busy time and
  load);
- the copies of a lot are its :class:`Anonymat` rows; an examiner's copy load is the copies of the
  lots whose ``correcteur`` he or she is; the oral load is the ``hours_centi`` of active or done
  oral/practical assignments;
- availability: a row ``available=False`` for the day excludes the examiner; an examiner who
  declared available days (rows ``available=True``) and none for that day is excluded too; an
  examiner with no row at all is taken as available;
- distance: from the examiner's home commune (else administrative commune) to the commune of the
  mission's centre: the office's reference table, else a straight-line estimate (see
  :mod:`baktui.rules.examiners`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Availability,
    Candidate,
    Centre,
    Commune,
    CommuneDistance,
    Document,
    Epreuve,
    Etablissement,
    Examiner,
    ExamSession,
    Jury,
    JuryMember,
    Lot,
    OralSlot,
    Room,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import examiners as rules
from baktui.rules.identifiers import fold
from baktui.services.settings import academie_name

if TYPE_CHECKING:  # the PDF and Excel libraries load only when a document is written
    from baktui.exports.convocations import ExaminerConvocation

ACTIVE_STATES = ("prevue", "convoquee")
BUSY_STATES = ("prevue", "convoquee", "realisee")
CLOSED_STATES = ("annulee", "remplacee")
KINDS = ("correction", "oral", "pratique", "jury", "surveillance")
KIND_LABELS = {
    "correction": "Correction de copies",
    "oral": "Interrogation orale",
    "pratique": "Évaluation pratique",
    "jury": "Jury de délibération",
    "surveillance": "Surveillance",
}
KIND_SHORT = {
    "correction": "Correction",
    "oral": "Oral",
    "pratique": "Pratique",
    "jury": "Jury",
    "surveillance": "Surveillance",
}
STATE_LABELS = {
    "prevue": "prévue",
    "convoquee": "convoquée",
    "realisee": "réalisée",
    "annulee": "annulée",
    "remplacee": "remplacée",
}
ROLE_LABELS = {"president": "président", "vice_president": "vice-président", "membre": "membre"}
LOADED_KINDS = ("oral", "pratique")
DISCIPLINE_KINDS = ("correction", "oral", "pratique")
DOC_CONVOCATION = "convocation_examinateur"
DOC_JURY_LIST = "liste_jurys"
_HIGH = "\uffff"

# Reason codes of the eligibility engine (the message is French, the code is for filters).
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
    R_SELF: "absent(e) à remplacer",
    R_INACTIVE: "inactif",
    R_DISCIPLINE: "autre discipline",
    R_PRESIDENT: "ni PU ni MCF",
    R_VICE: "corps",
    R_OWN: "ses propres élèves",
    R_ABSENT: "absent(e)",
    R_UNAVAILABLE: "indisponible",
    R_BUSY: "déjà pris(e)",
    R_LOAD: "charge maximale",
    R_MEMBER: "déjà au jury",
    R_CORPS: "non enseignant",
}


class AssignmentRefused(ServiceError):
    """An assignment refused by a rule; ``reasons`` are French sentences, the message joins them."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(" ".join(self.reasons) or "Affectation refusée.")


# --- Plain data handed to screens ---------------------------------------------------------------


def display_name(last_name: str, first_name: str) -> str:
    """ "DUPONT Marie" (lists)."""
    return f"{last_name.upper()} {first_name}".strip()


def formal_name(civility: str, last_name: str, first_name: str) -> str:
    """ "Mme Marie DUPONT" (documents)."""
    return " ".join(p for p in (civility, first_name, last_name.upper()) if p)


@dataclass(frozen=True)
class ExaminerInfo:
    id: int
    civility: str
    last_name: str
    first_name: str
    corps: str
    corps_label: str
    disciplines: str
    etablissement_id: int | None
    etablissement: str
    commune: str
    max_copies: int
    max_oral_hours: int
    active: bool
    version: int
    home_commune_id: int | None = None
    admin_commune_id: int | None = None

    @property
    def name(self) -> str:
        return display_name(self.last_name, self.first_name)

    @property
    def travel_origin(self) -> int | None:
        """The commune distances are measured from: home, else administrative residence."""
        return self.home_commune_id or self.admin_commune_id


@dataclass(frozen=True)
class MemberInfo:
    examiner_id: int
    name: str
    corps_label: str
    role: str
    etablissement: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class JuryInfo:
    id: int
    number: int
    series_codes: str
    centre_id: int | None
    centre: str
    president_id: int | None
    president: str
    vice_president_id: int | None
    vice_president: str
    members: int
    candidates: int
    deliberation_date: dt.date | None
    state: str
    version: int


@dataclass(frozen=True)
class EtablissementBlock:
    """The candidates of one établissement and series in a jury."""

    etablissement: str
    uai: str
    series: str
    count: int
    first_number: str
    last_number: str


@dataclass(frozen=True)
class JuryDetail:
    jury: JuryInfo
    members: tuple[MemberInfo, ...]
    blocks: tuple[EtablissementBlock, ...]


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    examiner_id: int
    examiner: str
    kind: str
    epreuve_code: str
    day: dt.date
    start_time: str
    end_time: str
    centre_id: int | None
    centre: str
    room: str
    lot_id: int | None
    lot_number: int | None
    copies: int
    slots: int
    jury_id: int | None
    jury_number: int | None
    hours_centi: int
    state: str
    replaces_id: int | None
    version: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def what(self) -> str:
        """ "lot 12 (87 copies)", "14 candidats", "jury 3"."""
        if self.lot_number is not None:
            return f"lot {self.lot_number} ({self.copies} copies)"
        if self.slots:
            return f"{self.slots} candidat{'s' if self.slots > 1 else ''}"
        if self.jury_number is not None:
            return f"jury {self.jury_number}"
        return ""


@dataclass(frozen=True)
class IssuedDocument:
    """A document written to disk and recorded in the Document table."""

    path: Path
    kind: str
    examiners: int = 0
    assignments: int = 0
    elapsed_ms: float = 0.0


# --- Examiners ---------------------------------------------------------------------------------


_EXAMINER_COLUMNS = (
    Examiner.id,
    Examiner.civility,
    Examiner.last_name,
    Examiner.first_name,
    Examiner.corps,
    Examiner.disciplines,
    Examiner.etablissement,
    Etablissement.name,
    Commune.name,
    Examiner.max_copies,
    Examiner.max_oral_hours,
    Examiner.active,
    Examiner.version,
    Examiner.home_commune,
    Examiner.admin_commune,
)


def _examiner_query() -> pw.ModelSelect:
    """Examiners with their établissement and home commune names, as plain tuples (fast: no
    model instances for 600 rows)."""
    return (
        Examiner.select(*_EXAMINER_COLUMNS)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .switch(Examiner)
        .join(Commune, pw.JOIN.LEFT_OUTER, on=Examiner.home_commune == Commune.id)
        .switch(Examiner)
        .tuples()
    )


def _examiner_info(row: tuple) -> ExaminerInfo:
    (eid, civ, last, first, corps, disc, etab_id, etab, commune, maxc, maxh, active, version,
     home, admin) = row  # fmt: skip
    return ExaminerInfo(
        id=eid,
        civility=civ,
        last_name=last,
        first_name=first,
        corps=corps,
        corps_label=rules.corps_label(corps),
        disciplines=disc,
        etablissement_id=etab_id,
        etablissement=etab or "",
        commune=commune or "",
        max_copies=maxc,
        max_oral_hours=maxh,
        active=bool(active),
        version=version,
        home_commune_id=home,
        admin_commune_id=admin,
    )


def search_examiners(
    query: str = "", limit: int = 100, prefer_corps: Sequence[str] = ()
) -> list[ExaminerInfo]:
    """Examiners whose name starts with the typed words (accents and case ignored), by name.

    A single token that is an épreuve code (PHI, SP1…) lists the examiners of that discipline.
    ``prefer_corps`` (e.g. PU, MCF when choosing a président) lists those corps first.
    """
    words = fold(query).split()
    select = _examiner_query()
    if words:
        first = words[0]
        expr = (Examiner.name_key >= first) & (Examiner.name_key < first + _HIGH)
        for word in words[1:]:
            expr &= (Examiner.name_key ** f"{word}%") | (Examiner.name_key ** f"% {word}%")
        code = query.strip().upper()
        if len(words) == 1 and code.isalnum() and len(code) <= 4:
            expr |= (Examiner.disciplines == code) | (Examiner.disciplines ** f"%{code}%")
        select = select.where(expr)
    order = [Examiner.last_name, Examiner.first_name]
    if prefer_corps:
        preferred = pw.Case(None, [(Examiner.corps.in_(list(prefer_corps)), 0)], 1)
        order.insert(0, preferred)
    rows = select.order_by(*order).limit(limit)
    infos = [_examiner_info(r) for r in rows]
    if words and len(words) == 1 and query.strip().upper().isalnum():
        code = query.strip().upper()
        infos = [
            i
            for i in infos
            if fold(i.last_name).startswith(words[0])
            or fold(f"{i.last_name} {i.first_name}").startswith(words[0])
            or any(c == code for c, _ in rules.parse_disciplines(i.disciplines))
        ]
    return infos


def get_examiner(examiner_id: int) -> ExaminerInfo:
    row = _examiner_query().where(Examiner.id == examiner_id).first()
    if row is None:
        raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
    return _examiner_info(row)


def examiner_assignments(
    session_id: int, examiner_id: int, limit: int = 200
) -> list[AssignmentInfo]:
    """The examiner's missions of the session, by day and time (closed ones included)."""
    return _assignment_infos(
        (Assignment.session == session_id) & (Assignment.examiner == examiner_id), limit
    )


def assignments_query(*columns: pw.ColumnBase) -> pw.ModelSelect:
    """Assignments with their examiner's name and their centre, room, lot and jury (when set),
    plus ``columns``; the query is left on Assignment, ready for another join or ``where``."""
    return (
        Assignment.select(
            Assignment,
            Examiner.id,
            Examiner.last_name,
            Examiner.first_name,
            Centre.id,
            Centre.name,
            Room.id,
            Room.name,
            Lot.id,
            Lot.number,
            Jury.id,
            Jury.number,
            *columns,
        )
        .join(Examiner, on=Assignment.examiner == Examiner.id)
        .switch(Assignment)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Assignment.centre == Centre.id)
        .switch(Assignment)
        .join(Room, pw.JOIN.LEFT_OUTER, on=Assignment.room == Room.id)
        .switch(Assignment)
        .join(Lot, pw.JOIN.LEFT_OUTER, on=Assignment.lot == Lot.id)
        .switch(Assignment)
        .join(Jury, pw.JOIN.LEFT_OUTER, on=Assignment.jury == Jury.id)
        .switch(Assignment)
    )


def _assignment_infos(where: pw.Expression, limit: int) -> list[AssignmentInfo]:
    rows = list(
        assignments_query()
        .where(where)
        .order_by(Assignment.day, Assignment.start_time, Assignment.id)
        .limit(limit)
    )
    lot_ids = {r.lot_id for r in rows if r.lot_id}
    copies = _copies_of_lots(lot_ids)
    slots = _slot_counts({r.id for r in rows})
    return [_assignment_info(r, copies, slots) for r in rows]


def _assignment_info(
    row: Assignment, copies: Mapping[int, int], slots: Mapping[int, int]
) -> AssignmentInfo:
    return AssignmentInfo(
        id=row.id,
        examiner_id=row.examiner_id,
        examiner=display_name(row.examiner.last_name, row.examiner.first_name),
        kind=row.kind,
        epreuve_code=row.epreuve_code or "",
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        centre_id=row.centre_id,
        centre=row.centre.name if row.centre_id else "",
        room=row.room.name if row.room_id else "",
        lot_id=row.lot_id,
        lot_number=row.lot.number if row.lot_id else None,
        copies=copies.get(row.lot_id, 0) if row.lot_id else 0,
        slots=slots.get(row.id, 0),
        jury_id=row.jury_id,
        jury_number=row.jury.number if row.jury_id else None,
        hours_centi=row.hours_centi,
        state=row.state,
        replaces_id=row.replaces_id,
        version=row.version,
    )


def _count_per(key: pw.Field, ids: Iterable[int]) -> dict[int, int]:
    """How many rows of ``key``'s table point to each of ``ids`` (absent: none)."""
    wanted = list(ids)
    if not wanted:
        return {}
    model = key.model
    query = model.select(key, pw.fn.COUNT(model.id)).where(key.in_(wanted)).group_by(key).tuples()
    return {k: n for k, n in query}


def _copies_of_lots(lot_ids: Iterable[int]) -> dict[int, int]:
    return _count_per(Anonymat.lot, lot_ids)


def _slot_counts(assignment_ids: Iterable[int]) -> dict[int, int]:
    return _count_per(OralSlot.assignment, assignment_ids)


# --- Juries -------------------------------------------------------------------------------------


def list_juries(session_id: int, limit: int = 500) -> list[JuryInfo]:
    """The session's juries by number, with their bureau and counts (four queries)."""
    president = Examiner.alias("president")
    vice = Examiner.alias("vice")
    rows = list(
        Jury.select(
            Jury.id,
            Jury.number,
            Jury.series_codes,
            Jury.centre,
            Centre.name.alias("centre_name"),
            Jury.president,
            president.last_name.alias("p_last"),
            president.first_name.alias("p_first"),
            Jury.vice_president,
            vice.last_name.alias("v_last"),
            vice.first_name.alias("v_first"),
            Jury.deliberation_date,
            Jury.state,
            Jury.version,
        )
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .switch(Jury)
        .join(president, pw.JOIN.LEFT_OUTER, on=Jury.president == president.id)
        .switch(Jury)
        .join(vice, pw.JOIN.LEFT_OUTER, on=Jury.vice_president == vice.id)
        .where(Jury.session == session_id)
        .order_by(Jury.number)
        .limit(limit)
        .dicts()
    )
    ids = [r["id"] for r in rows]
    members = _counts(
        JuryMember.select(JuryMember.jury, pw.fn.COUNT(JuryMember.id)), JuryMember.jury, ids
    )
    candidates = _counts(
        Candidate.select(Candidate.jury, pw.fn.COUNT(Candidate.id)).where(
            Candidate.state != "annulee"
        ),
        Candidate.jury,
        ids,
    )

    def name(last: str | None, first: str | None) -> str:
        return display_name(last, first or "") if last else ""

    return [
        JuryInfo(
            id=r["id"],
            number=r["number"],
            series_codes=r["series_codes"],
            centre_id=r["centre"],
            centre=r["centre_name"] or "",
            president_id=r["president"],
            president=name(r["p_last"], r["p_first"]),
            vice_president_id=r["vice_president"],
            vice_president=name(r["v_last"], r["v_first"]),
            members=members.get(r["id"], 0),
            candidates=candidates.get(r["id"], 0),
            deliberation_date=r["deliberation_date"],
            state=r["state"],
            version=r["version"],
        )
        for r in rows
    ]


def _counts(query: pw.ModelSelect, column: pw.Field, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(query.where(column.in_(ids)).group_by(column).tuples())


def jury_detail(jury_id: int) -> JuryDetail:
    """A jury with its members (président first) and its candidates by établissement."""
    jury = Jury.get_or_none(Jury.id == jury_id)
    if jury is None:
        raise NotFoundError(f"Jury n° {jury_id} introuvable.")
    info = _one_jury_info(jury)
    members = [
        MemberInfo(
            examiner_id=m.examiner_id,
            name=display_name(m.examiner.last_name, m.examiner.first_name),
            corps_label=rules.corps_label(m.examiner.corps),
            role=_role_of(jury, m.examiner_id),
            etablissement=m.examiner.etablissement.name if m.examiner.etablissement_id else "",
        )
        for m in JuryMember.select(JuryMember, Examiner, Etablissement)
        .join(Examiner)
        .join(Etablissement, pw.JOIN.LEFT_OUTER)
        .where(JuryMember.jury == jury_id)
    ]
    # president and vice-president may be set on the jury without a member row
    present = {m.examiner_id for m in members}
    for role, examiner_id in (
        ("president", jury.president_id),
        ("vice_president", jury.vice_president_id),
    ):
        if examiner_id and examiner_id not in present:
            e = get_examiner(examiner_id)
            members.append(MemberInfo(e.id, e.name, e.corps_label, role, e.etablissement))
    order = {"president": 0, "vice_president": 1}
    members.sort(key=lambda m: (order.get(m.role, 2), m.name))
    return JuryDetail(info, tuple(members), tuple(_jury_blocks([jury_id]).get(jury_id, ())))


def _role_of(jury: Jury, examiner_id: int) -> str:
    """The examiner's seat in the jury: the jury's own fields decide the bureau."""
    if examiner_id == jury.president_id:
        return "president"
    if examiner_id == jury.vice_president_id:
        return "vice_president"
    return "membre"


def _one_jury_info(jury: Jury) -> JuryInfo:
    members = JuryMember.select().where(JuryMember.jury == jury.id).count()
    candidates = (
        Candidate.select()
        .where((Candidate.jury == jury.id) & (Candidate.state != "annulee"))
        .count()
    )
    president = (
        Examiner.get_or_none(Examiner.id == jury.president_id) if jury.president_id else None
    )
    vice = (
        Examiner.get_or_none(Examiner.id == jury.vice_president_id)
        if jury.vice_president_id
        else None
    )
    centre = Centre.get_or_none(Centre.id == jury.centre_id) if jury.centre_id else None
    return JuryInfo(
        id=jury.id,
        number=jury.number,
        series_codes=jury.series_codes,
        centre_id=jury.centre_id,
        centre=centre.name if centre else "",
        president_id=jury.president_id,
        president=display_name(president.last_name, president.first_name) if president else "",
        vice_president_id=jury.vice_president_id,
        vice_president=display_name(vice.last_name, vice.first_name) if vice else "",
        members=members,
        candidates=candidates,
        deliberation_date=jury.deliberation_date,
        state=jury.state,
        version=jury.version,
    )


def _jury_blocks(jury_ids: Sequence[int]) -> dict[int, list[EtablissementBlock]]:
    """Candidates of the juries grouped by établissement and series (one GROUP BY)."""
    if not jury_ids:
        return {}
    query = (
        Candidate.select(
            Candidate.jury,
            Etablissement.name,
            Etablissement.uai,
            Candidate.series,
            pw.fn.COUNT(Candidate.id),
            pw.fn.MIN(Candidate.number),
            pw.fn.MAX(Candidate.number),
        )
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id)
        .where(Candidate.jury.in_(list(jury_ids)) & (Candidate.state != "annulee"))
        .group_by(Candidate.jury, Candidate.etablissement, Candidate.series)
        .order_by(Candidate.jury, Etablissement.name, Candidate.series)
        .tuples()
    )
    blocks: dict[int, list[EtablissementBlock]] = defaultdict(list)
    for jury, name, uai, series, count, first, last in query:
        blocks[jury].append(
            EtablissementBlock(
                name or "candidats individuels", uai or "", series, count, first, last
            )
        )
    return blocks


def create_jury(
    session_id: int,
    number: int,
    series_codes: str,
    centre_id: int | None = None,
    deliberation_date: dt.date | None = None,
) -> JuryInfo:
    """A new jury; its number is unique in the session."""
    codes = ",".join(c.strip().upper() for c in series_codes.split(",") if c.strip())
    if number <= 0:
        raise ServiceError("Le numéro de jury est un entier positif.")
    if not codes:
        raise ServiceError("Indiquez au moins une série pour le jury (STI2D, STMG…).")
    with write_transaction():
        if Jury.get_or_none((Jury.session == session_id) & (Jury.number == number)):
            raise ServiceError(f"Le jury n° {number} existe déjà dans cette session.")
        row = audit.create(
            Jury,
            session=session_id,
            number=number,
            series_codes=codes,
            centre=centre_id,
            deliberation_date=deliberation_date,
            reason="création du jury",
        )
    return _one_jury_info(row)


def set_president(jury_id: int, examiner_id: int, expected_version: int | None = None) -> JuryInfo:
    """Make the examiner président of the jury; refused unless PU or MCF (D.336-20)."""
    return _set_officer(jury_id, examiner_id, "president", expected_version)


def set_vice_president(
    jury_id: int, examiner_id: int, expected_version: int | None = None
) -> JuryInfo:
    """Make the examiner vice-président of the jury (agrégé, certifié or university teacher)."""
    return _set_officer(jury_id, examiner_id, "vice_president", expected_version)


def _set_officer(
    jury_id: int, examiner_id: int, role: str, expected_version: int | None
) -> JuryInfo:
    with write_transaction():
        jury = Jury.get_or_none(Jury.id == jury_id)
        examiner = Examiner.get_or_none(Examiner.id == examiner_id)
        if jury is None or examiner is None:
            raise NotFoundError("Jury ou examinateur introuvable.")
        name = formal_name(examiner.civility, examiner.last_name, examiner.first_name)
        check = rules.president_error if role == "president" else rules.vice_president_error
        error = check(examiner.corps, name)
        if error:
            raise AssignmentRefused([error])
        other = jury.vice_president_id if role == "president" else jury.president_id
        if other == examiner_id:
            raise AssignmentRefused([f"{name} occupe déjà l'autre fonction du bureau de ce jury."])
        reasons = _jury_seat_reasons(jury, examiner)
        if reasons:
            raise AssignmentRefused(reasons)
        previous = getattr(jury, f"{role}_id")
        audit.update(
            Jury,
            jury_id,
            {role: examiner_id},
            expected_version=expected_version,
            reason=f"nomination {ROLE_LABELS[role]}",
        )
        _ensure_member(jury_id, examiner_id, role)
        if previous and previous != examiner_id:
            _set_member_role(jury_id, previous, "membre")
    return _one_jury_info(Jury.get_by_id(jury_id))


def _jury_seat_reasons(jury: Jury, examiner: Examiner) -> list[str]:
    """Own students: a jury member never deliberates on candidates of his or her établissement."""
    if not examiner.etablissement_id:
        return []
    concerned, _ = concerned_of(jury_id=jury.id)
    error = rules.own_students_error(
        formal_name(examiner.civility, examiner.last_name, examiner.first_name),
        examiner.etablissement_id,
        concerned,
    )
    return [error] if error else []


def _ensure_member(jury_id: int, examiner_id: int, role: str) -> None:
    member = JuryMember.get_or_none(
        (JuryMember.jury == jury_id) & (JuryMember.examiner == examiner_id)
    )
    if member is None:
        audit.create(
            JuryMember, jury=jury_id, examiner=examiner_id, role=role, reason="membre du jury"
        )
    elif member.role != role:
        audit.update(JuryMember, member.id, {"role": role}, reason="fonction dans le jury")


def _set_member_role(jury_id: int, examiner_id: int, role: str) -> None:
    member = JuryMember.get_or_none(
        (JuryMember.jury == jury_id) & (JuryMember.examiner == examiner_id)
    )
    if member is not None and member.role != role:
        audit.update(JuryMember, member.id, {"role": role}, reason="fonction dans le jury")


def add_member(jury_id: int, examiner_id: int) -> JuryInfo:
    """Add an examiner to a jury (refused for a teacher of the jury's candidates)."""
    with write_transaction():
        jury = Jury.get_or_none(Jury.id == jury_id)
        examiner = Examiner.get_or_none(Examiner.id == examiner_id)
        if jury is None or examiner is None:
            raise NotFoundError("Jury ou examinateur introuvable.")
        if JuryMember.get_or_none(
            (JuryMember.jury == jury_id) & (JuryMember.examiner == examiner_id)
        ):
            raise ServiceError(
                f"{display_name(examiner.last_name, examiner.first_name)} est déjà membre du jury "
                f"n° {jury.number}."
            )
        reasons = _jury_seat_reasons(jury, examiner)
        if reasons:
            raise AssignmentRefused(reasons)
        audit.create(
            JuryMember, jury=jury_id, examiner=examiner_id, role="membre", reason="membre du jury"
        )
    return _one_jury_info(Jury.get_by_id(jury_id))


def remove_member(jury_id: int, examiner_id: int) -> JuryInfo:
    """Take an examiner off a jury (and off its bureau)."""
    with write_transaction():
        jury = Jury.get_or_none(Jury.id == jury_id)
        if jury is None:
            raise NotFoundError(f"Jury n° {jury_id} introuvable.")
        changes: dict[str, object] = {}
        if jury.president_id == examiner_id:
            changes["president"] = None
        if jury.vice_president_id == examiner_id:
            changes["vice_president"] = None
        if changes:
            audit.update(Jury, jury_id, changes, reason="retrait du jury")
        member = JuryMember.get_or_none(
            (JuryMember.jury == jury_id) & (JuryMember.examiner == examiner_id)
        )
        if member is not None:
            audit.delete(JuryMember, member.id, reason="retrait du jury")
    return _one_jury_info(Jury.get_by_id(jury_id))


# --- Candidates into juries ---------------------------------------------------------------------


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

    Candidates of one établissement and series form a block that goes to one jury. Blocks are
    placed largest first into the least-loaded jury of their series, preferring juries whose
    centre de délibération is the block's exam centre and, among those, juries where no member
    teaches in the block's établissement. Without ``reassign`` only candidates with no jury are
    placed (the others stay and count in the loads). Read and write happen in one write
    transaction, so that a colleague's change in between cannot be overwritten.
    """
    with write_transaction():
        return _distribute(session_id, reassign)


def _distribute(session_id: int, reassign: bool) -> DistributionSummary:
    juries = list(Jury.select().where(Jury.session == session_id).order_by(Jury.number))
    if not juries:
        raise ServiceError("Aucun jury dans cette session : créez d'abord les jurys.")
    by_series: dict[str, list[Jury]] = defaultdict(list)
    for jury in juries:
        for code in jury.series_codes.split(","):
            if code.strip():
                by_series[code.strip().upper()].append(jury)
    member_etabs: dict[int, set[int]] = defaultdict(set)
    for jury_id, etab in (
        JuryMember.select(JuryMember.jury, Examiner.etablissement)
        .join(Examiner, on=JuryMember.examiner == Examiner.id)
        .where(JuryMember.jury.in_([j.id for j in juries]) & Examiner.etablissement.is_null(False))
        .tuples()
    ):
        member_etabs[jury_id].add(etab)
    live = (Candidate.session == session_id) & (Candidate.state != "annulee")
    rows = list(
        Candidate.select(
            Candidate.id,
            Candidate.series,
            Candidate.etablissement,
            Candidate.centre,
            Candidate.jury,
        )
        .where(live)
        .tuples()
    )
    load: Counter[int] = Counter()
    blocks: dict[tuple[str, int | None], list[tuple[int, int | None, int | None]]] = defaultdict(
        list
    )
    for cid, series, etab, centre, jury in rows:
        if jury is not None and not reassign:
            load[jury] += 1
            continue
        blocks[(series.upper(), etab)].append((cid, centre, jury))
    ordered = sorted(blocks.items(), key=lambda item: (-len(item[1]), item[0][0], item[0][1] or 0))
    target: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    problems: Counter[str] = Counter()
    unplaced = 0
    for (series, etab), members in ordered:
        eligible = by_series.get(series, [])
        if not eligible:
            unplaced += len(members)
            problems[f"aucun jury pour la série {series}"] += len(members)
            continue
        centre = Counter(c for _, c, _ in members).most_common(1)[0][0]
        near = [j for j in eligible if centre is not None and j.centre_id == centre] or eligible
        clean = [j for j in near if etab not in member_etabs[j.id]] or [
            j for j in eligible if etab not in member_etabs[j.id]
        ]
        chosen = min(clean or near, key=lambda j: (load[j.id], j.number))
        load[chosen.id] += len(members)
        target[chosen.id].extend((cid, old) for cid, _, old in members)
    placed_blocks = sum(1 for (series, _etab), _members in ordered if series in by_series)
    placed = 0
    with write_transaction():
        for jury_id, items in target.items():
            ids = [cid for cid, old in items if old != jury_id]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                Candidate.update(jury=jury_id, version=Candidate.version + 1).where(
                    Candidate.id.in_(chunk)
                ).execute()
            audit.log_many(
                {
                    "action": "update",
                    "entity": "candidate",
                    "entity_id": cid,
                    "field": "jury",
                    "before": old,
                    "after": jury_id,
                    "reason": "répartition dans les jurys",
                    "candidate_id": cid,
                }
                for cid, old in items
                if old != jury_id
            )
            placed += len(ids)
        audit.log(
            "event",
            "session",
            session_id,
            "jurys",
            after=f"{placed} candidats répartis",
            reason="répartition dans les jurys",
        )
    numbers = {j.id: j.number for j in juries}
    return DistributionSummary(
        placed=placed,
        unplaced=unplaced,
        blocks=placed_blocks,
        per_jury=tuple(sorted((numbers[j], n) for j, n in load.items())),
        problems=tuple(f"{text} ({n})" for text, n in problems.items()),
    )


# --- Eligibility engine -------------------------------------------------------------------------


@dataclass(frozen=True)
class MissionSpec:
    """What a mission asks of an examiner (built from an assignment or from a form)."""

    session_id: int
    kind: str
    epreuve_code: str
    day: dt.date
    start_time: str
    end_time: str
    centre_id: int | None = None
    commune_id: int | None = None  # where the mission takes place
    lot_id: int | None = None
    copies: int = 0
    slot_ids: tuple[int, ...] = ()
    jury_id: int | None = None
    seat_role: str = ""  # jury seat: membre | president | vice_president
    hours_centi: int = 0
    series: frozenset[str] = frozenset()
    concerned: Mapping[int, tuple[str, int]] = field(default_factory=dict)
    ignore_assignment_ids: frozenset[int] = frozenset()  # the mission being replaced
    ignore_examiner_ids: frozenset[int] = frozenset()  # the absent examiner


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


def concerned_of(
    *,
    lot_id: int | None = None,
    slot_ids: Sequence[int] = (),
    jury_id: int | None = None,
    centre_id: int | None = None,
) -> tuple[dict[int, tuple[str, int]], frozenset[str]]:
    """Établissements (id -> (name, candidates)) and series of the candidates a mission concerns.

    A lot: its copies; oral slots: their candidates; a jury: its candidates; ``centre_id`` (an oral
    commission whose slots are not planned individually): every candidate of the exam centre.
    """
    base = Candidate.select(
        Candidate.etablissement, Etablissement.name, Candidate.series, pw.fn.COUNT(Candidate.id)
    )
    queries: list[pw.ModelSelect] = []
    if lot_id is not None:
        queries.append(
            base.join(Anonymat, on=Anonymat.candidate == Candidate.id)
            .switch(Candidate)
            .where(Anonymat.lot == lot_id)
        )
    if slot_ids:
        queries.append(
            base.join(OralSlot, on=OralSlot.candidate == Candidate.id)
            .switch(Candidate)
            .where(OralSlot.id.in_(list(slot_ids)))
        )
    if jury_id is not None:
        queries.append(base.where((Candidate.jury == jury_id) & (Candidate.state != "annulee")))
    if centre_id is not None:
        queries.append(base.where((Candidate.centre == centre_id) & (Candidate.state != "annulee")))
    concerned: dict[int, tuple[str, int]] = {}
    series: set[str] = set()
    for query in queries:
        grouped = (
            query.join(
                Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id
            )
            .group_by(Candidate.etablissement, Candidate.series)
            .tuples()
        )
        for etab, name, code, count in grouped:
            series.add(code.upper())
            if etab is None:
                continue
            old = concerned.get(etab, (name or "", 0))
            concerned[etab] = (old[0], old[1] + count)
    return concerned, frozenset(series)


def mission_of_assignment(assignment_id: int) -> MissionSpec:
    """The mission an existing assignment stands for (its lot, slots or jury seat)."""
    row = Assignment.get_or_none(Assignment.id == assignment_id)
    if row is None:
        raise NotFoundError(f"Mission n° {assignment_id} introuvable.")
    slot_ids = tuple(
        s for (s,) in OralSlot.select(OralSlot.id).where(OralSlot.assignment == row.id).tuples()
    )
    jury_id = row.jury_id if row.kind == "jury" else None
    concerned, series = concerned_of(
        lot_id=row.lot_id if row.kind == "correction" else None,
        slot_ids=slot_ids,
        jury_id=jury_id,
        centre_id=row.centre_id if row.kind in LOADED_KINDS and not slot_ids else None,
    )
    copies = _copies_of_lots([row.lot_id]).get(row.lot_id, 0) if row.lot_id else 0
    seat = ""
    if jury_id is not None:
        jury = Jury.get_by_id(jury_id)
        seat = _role_of(jury, row.examiner_id)
    hours = row.hours_centi
    if row.kind in LOADED_KINDS and not hours:
        hours = _duration_centi(row.start_time, row.end_time)
    return MissionSpec(
        session_id=row.session_id,
        kind=row.kind,
        epreuve_code=row.epreuve_code or "",
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        centre_id=row.centre_id,
        commune_id=_centre_commune(row.centre_id),
        lot_id=row.lot_id,
        copies=copies,
        slot_ids=slot_ids,
        jury_id=jury_id,
        seat_role=seat,
        hours_centi=hours if row.kind in LOADED_KINDS else 0,
        series=series,
        concerned=concerned,
        ignore_assignment_ids=frozenset({row.id}),
        ignore_examiner_ids=frozenset({row.examiner_id}),
    )


def _duration_centi(start: str, end: str) -> int:
    try:
        span = rules.minutes(end) - rules.minutes(start)
    except ValueError:
        return 0
    return max(0, span) * 100 // 60


def _centre_commune(centre_id: int | None) -> int | None:
    if centre_id is None:
        return None
    row = (
        Centre.select(Centre.commune, Etablissement.commune)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Centre.etablissement == Etablissement.id)
        .where(Centre.id == centre_id)
        .tuples()
        .first()
    )
    if row is None:
        return None
    return row[0] or row[1]


@dataclass
class _DayContext:
    """Everything the engine needs about a day, read in bulk."""

    absent: set[int]
    unavailable: set[int]
    declared: set[int]
    available_today: set[int]
    busy: dict[int, list[tuple[str, str, str, int]]]  # examiner -> (start, end, label, assignment)
    copies: dict[int, int]
    hours: dict[int, int]
    members: set[int]  # examiners already on the mission's jury


def _day_context(spec: MissionSpec, examiner_ids: Sequence[int] | None) -> _DayContext:
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
    busy: dict[int, list[tuple[str, str, str, int]]] = defaultdict(list)
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
            & Assignment.state.in_(BUSY_STATES)
            & (Assignment.session == spec.session_id)
        ),
        Assignment.examiner,
    ).tuples():
        if aid in spec.ignore_assignment_ids:
            continue
        label = KIND_LABELS.get(kind, kind).lower() + (f" {code}" if code else "")
        busy[examiner].append((start, end, label, aid))
    copies: dict[int, int] = {}
    if spec.copies:
        copies = dict(
            scoped(
                Lot.select(Lot.correcteur, pw.fn.COUNT(Anonymat.id))
                .join(Anonymat, on=Anonymat.lot == Lot.id)
                .where((Lot.session == spec.session_id) & Lot.correcteur.is_null(False)),
                Lot.correcteur,
            )
            .group_by(Lot.correcteur)
            .tuples()
        )
    hours: dict[int, int] = {}
    if spec.hours_centi:
        hours = dict(
            scoped(
                Assignment.select(Assignment.examiner, pw.fn.SUM(Assignment.hours_centi)).where(
                    (Assignment.session == spec.session_id)
                    & Assignment.kind.in_(LOADED_KINDS)
                    & Assignment.state.in_(BUSY_STATES)
                ),
                Assignment.examiner,
            )
            .group_by(Assignment.examiner)
            .tuples()
        )
    members: set[int] = set()
    if spec.jury_id is not None:
        members = {
            e
            for (e,) in JuryMember.select(JuryMember.examiner)
            .where(JuryMember.jury == spec.jury_id)
            .tuples()
        }
    return _DayContext(absent, unavailable, declared, available_today, busy, copies, hours, members)


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


def evaluate(spec: MissionSpec, examiner_ids: Sequence[int] | None = None) -> list[Evaluation]:
    """Check every examiner (or those given) against the mission; a fixed number of queries."""
    select = _examiner_query()
    if examiner_ids is not None:
        select = select.where(Examiner.id.in_(list(examiner_ids)))
    examiners = [_examiner_info(row) for row in select]
    ctx = _day_context(spec, examiner_ids)
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
        reasons = _reasons(spec, info, load, ctx)
        results.append(Evaluation(info, tuple(reasons), km, source, load))
    return results


def _reasons(
    spec: MissionSpec, row: ExaminerInfo, load: rules.Load, ctx: _DayContext
) -> list[tuple[str, str]]:
    name = formal_name(row.civility, row.last_name, row.first_name)
    reasons: list[tuple[str, str]] = []
    if row.id in spec.ignore_examiner_ids:
        reasons.append((R_SELF, f"{name} est l'examinateur à remplacer."))
    if not row.active:
        reasons.append((R_INACTIVE, f"{name} n'est plus actif (fiche désactivée)."))
    if spec.kind in DISCIPLINE_KINDS and spec.epreuve_code:
        if not rules.teaches(row.disciplines, spec.epreuve_code, spec.series):
            series = f" ({', '.join(sorted(spec.series))})" if spec.series else ""
            reasons.append(
                (
                    R_DISCIPLINE,
                    f"{name} n'est pas examinateur de {spec.epreuve_code}{series} "
                    f"(disciplines : {rules.discipline_label(row.disciplines) or 'aucune'}).",
                )
            )
    error = rules.examines_error(row.corps, spec.kind, name)
    if error:
        reasons.append((R_CORPS, error))
    if spec.seat_role == "president":
        error = rules.president_error(row.corps, name)
        if error:
            reasons.append((R_PRESIDENT, error))
    elif spec.seat_role == "vice_president":
        error = rules.vice_president_error(row.corps, name)
        if error:
            reasons.append((R_VICE, error))
    if (
        spec.jury_id is not None
        and row.id in ctx.members
        and row.id not in spec.ignore_examiner_ids
    ):
        reasons.append((R_MEMBER, f"{name} siège déjà dans ce jury."))
    own = rules.own_students_error(name, row.etablissement_id, spec.concerned)
    if own:
        reasons.append((R_OWN, own))
    day = spec.day.strftime("%d/%m/%Y")
    if row.id in ctx.absent and row.id not in spec.ignore_examiner_ids:
        reasons.append((R_ABSENT, f"{name} est déclaré(e) absent(e) le {day}."))
    elif row.id in ctx.unavailable:
        reasons.append((R_UNAVAILABLE, f"{name} s'est déclaré(e) indisponible le {day}."))
    elif row.id in ctx.declared and row.id not in ctx.available_today:
        reasons.append((R_UNAVAILABLE, f"{name} n'a pas déclaré le {day} dans ses disponibilités."))
    # every mission has its hours (a correction: handing over the copies, the entente meeting)
    for start, end, label, _aid in ctx.busy.get(row.id, ()):
        try:
            clash = rules.overlaps(start, end, spec.start_time, spec.end_time)
        except ValueError:
            clash = False
        if clash:
            reasons.append((R_BUSY, f"{name} est déjà pris(e) de {start} à {end} ({label})."))
            break
    error = rules.load_error(name, load, spec.copies, spec.hours_centi)
    if error:
        reasons.append((R_LOAD, error))
    return reasons


# --- Creating assignments -----------------------------------------------------------------------


def check_assignment(spec: MissionSpec, examiner_id: int) -> list[str]:
    """The reasons the examiner may not take the mission (empty: allowed)."""
    found = evaluate(spec, [examiner_id])
    if not found:
        raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
    return [text for _, text in found[0].reasons]


def create_assignment(
    session_id: int,
    examiner_id: int,
    *,
    kind: str,
    day: dt.date,
    start_time: str,
    end_time: str,
    epreuve_code: str = "",
    centre_id: int | None = None,
    room_id: int | None = None,
    lot_id: int | None = None,
    jury_id: int | None = None,
    slot_ids: Sequence[int] = (),
    hours_centi: int | None = None,
) -> AssignmentInfo:
    """Convene an examiner for a mission; refused with the reasons when a rule forbids it.

    A correction moves the lot to the examiner; an oral takes its slots; a jury seat adds the
    examiner to the jury.
    """
    if kind not in KINDS:
        raise ServiceError(f"Nature de mission « {kind} » inconnue.")
    for text in (start_time, end_time):
        try:
            rules.minutes(text)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
    if rules.minutes(end_time) <= rules.minutes(start_time):
        raise ServiceError("L'heure de fin doit suivre l'heure de début.")
    if kind == "correction" and lot_id is None:
        raise ServiceError("Une correction porte sur un lot : indiquez le lot.")
    if kind == "jury" and jury_id is None:
        raise ServiceError("Une mission de jury porte sur un jury : indiquez-le.")
    with write_transaction():
        concerned, series = concerned_of(
            lot_id=lot_id if kind == "correction" else None,
            slot_ids=slot_ids,
            jury_id=jury_id if kind == "jury" else None,
            centre_id=centre_id if kind in LOADED_KINDS and not slot_ids else None,
        )
        copies = _copies_of_lots([lot_id]).get(lot_id, 0) if lot_id else 0
        if hours_centi is None:
            hours_centi = _duration_centi(start_time, end_time) if kind in LOADED_KINDS else 0
        spec = MissionSpec(
            session_id=session_id,
            kind=kind,
            epreuve_code=epreuve_code.upper(),
            day=day,
            start_time=start_time,
            end_time=end_time,
            centre_id=centre_id,
            commune_id=_centre_commune(centre_id),
            lot_id=lot_id,
            copies=copies,
            slot_ids=tuple(slot_ids),
            jury_id=jury_id if kind == "jury" else None,
            seat_role="membre" if kind == "jury" else "",
            hours_centi=hours_centi if kind in LOADED_KINDS else 0,
            series=series,
            concerned=concerned,
        )
        reasons = _taken_reasons(lot_id if kind == "correction" else None, slot_ids)
        reasons += check_assignment(spec, examiner_id)
        if reasons:
            raise AssignmentRefused(reasons)
        row = audit.create(
            Assignment,
            session=session_id,
            examiner=examiner_id,
            kind=kind,
            epreuve_code=epreuve_code.upper() or None,
            day=day,
            start_time=start_time,
            end_time=end_time,
            centre=centre_id,
            room=room_id,
            lot=lot_id,
            jury=jury_id,
            hours_centi=hours_centi,
            state="prevue",
            reason="affectation",
        )
        if lot_id is not None:
            audit.update(Lot, lot_id, {"correcteur": examiner_id}, reason="affectation du lot")
        for slot_id in slot_ids:
            audit.update(OralSlot, slot_id, {"assignment": row.id}, reason="affectation du créneau")
        if kind == "jury" and jury_id is not None:
            _ensure_member(jury_id, examiner_id, "membre")
    return _assignment_infos(Assignment.id == row.id, 1)[0]


def _taken_reasons(lot_id: int | None, slot_ids: Sequence[int]) -> list[str]:
    """A lot or slots already covered by someone's active mission are not given twice."""
    reasons: list[str] = []
    if lot_id is not None:
        holder = (
            Assignment.select(Examiner.last_name, Examiner.first_name, Lot.number)
            .join(Examiner, on=Assignment.examiner == Examiner.id)
            .switch(Assignment)
            .join(Lot, on=Assignment.lot == Lot.id)
            .where(
                (Assignment.lot == lot_id)
                & (Assignment.kind == "correction")
                & Assignment.state.in_(ACTIVE_STATES)
            )
            .tuples()
            .first()
        )
        if holder is not None:
            reasons.append(
                f"Le lot n° {holder[2]} est déjà confié à {display_name(holder[0], holder[1])} : "
                "déclarez son absence pour le remplacer."
            )
    if slot_ids:
        taken = (
            OralSlot.select()
            .join(Assignment, on=OralSlot.assignment == Assignment.id)
            .where(OralSlot.id.in_(list(slot_ids)) & Assignment.state.in_(ACTIVE_STATES))
            .count()
        )
        if taken:
            reasons.append(f"{taken} de ces créneaux ont déjà un examinateur.")
    return reasons


# --- Convocations -------------------------------------------------------------------------------


def issue_convocations(
    session_id: int,
    *,
    examiner_id: int | None = None,
    jury_id: int | None = None,
    centre_id: int | None = None,
    assignment_ids: Sequence[int] | None = None,
    replaced_names: Mapping[int, str] | None = None,
    out_dir: Path | None = None,
) -> IssuedDocument:
    """Write the convocations of an examiner, a jury or a centre as ONE PDF and record them.

    Active missions only. Their state becomes ``convoquee`` (first convocation date kept), and one
    Document row per examiner records the file.
    """
    import time

    from baktui.exports import convocations as pdfs
    from baktui.exports.paths import output_dir, safe_name

    started = time.perf_counter()
    where = (Assignment.session == session_id) & Assignment.state.in_(ACTIVE_STATES)
    if assignment_ids is not None:
        where &= Assignment.id.in_(list(assignment_ids))
        label = "missions"
    elif examiner_id is not None:
        where &= Assignment.examiner == examiner_id
        label = "examinateur"
    elif jury_id is not None:
        where &= Assignment.jury == jury_id
        jury = Jury.get_or_none(Jury.id == jury_id)
        label = f"jury-{jury.number if jury else jury_id}"
    elif centre_id is not None:
        where &= Assignment.centre == centre_id
        centre = Centre.get_or_none(Centre.id == centre_id)
        label = f"centre-{safe_name(centre.code) if centre else centre_id}"
    else:
        raise ServiceError("Choisissez un examinateur, un jury ou un centre.")
    rows = list(
        Assignment.select(Assignment, Examiner, Etablissement)
        .join(Examiner, on=Assignment.examiner == Examiner.id)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .where(where)
        .order_by(Examiner.last_name, Examiner.first_name, Assignment.day, Assignment.start_time)
    )
    if not rows:
        raise ServiceError("Aucune mission en cours à convoquer pour cette sélection.")
    session = ExamSession.get_by_id(session_id)
    convocations = _convocation_data(session_id, rows, replaced_names or {})
    if len(convocations) == 1 and jury_id is None and centre_id is None:
        only = rows[0].examiner
        label = f"{safe_name(only.last_name)}-{only.id}"
    folder = out_dir or output_dir()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"convocations-{label}-{stamp}.pdf"
    pdfs.write_examiner_convocations(
        path, convocations, session_year=session.year, academie=academie_name()
    )
    when = audit.now_iso()
    with write_transaction():
        for row in rows:
            changes: dict[str, object] = {}
            if row.state == "prevue":
                changes["state"] = "convoquee"
            if not row.convoked_at:
                changes["convoked_at"] = when
            if changes:
                audit.update(Assignment, row.id, changes, reason="convocation éditée")
        for conv in convocations:
            audit.create(
                Document,
                kind=DOC_CONVOCATION,
                examiner=conv.examiner_id,
                issued_at=when,
                issued_by=audit.current_user(),
                reference=path.name,
                reason="convocation éditée",
            )
    return IssuedDocument(
        path=path,
        kind=DOC_CONVOCATION,
        examiners=len(convocations),
        assignments=len(rows),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def _convocation_data(
    session_id: int, rows: Sequence[Assignment], replaced_names: Mapping[int, str]
) -> list[ExaminerConvocation]:
    from baktui.exports.convocations import ExaminerConvocation, MissionLine

    labels = dict(
        Epreuve.select(Epreuve.code, Epreuve.label).where(Epreuve.session == session_id).tuples()
    )
    centre_ids = {r.centre_id for r in rows if r.centre_id}
    centres = {
        c.id: c
        for c in Centre.select(Centre, Commune)
        .join(Commune, pw.JOIN.LEFT_OUTER, on=Centre.commune == Commune.id)
        .where(Centre.id.in_(list(centre_ids) or [0]))
    }
    rooms = dict(
        Room.select(Room.id, Room.name)
        .where(Room.id.in_([r.room_id for r in rows if r.room_id] or [0]))
        .tuples()
    )
    lots = dict(
        Lot.select(Lot.id, Lot.number)
        .where(Lot.id.in_([r.lot_id for r in rows if r.lot_id] or [0]))
        .tuples()
    )
    juries = {
        jid: (number, president, vice)
        for jid, number, president, vice in Jury.select(
            Jury.id, Jury.number, Jury.president, Jury.vice_president
        )
        .where(Jury.id.in_([r.jury_id for r in rows if r.jury_id] or [0]))
        .tuples()
    }
    copies = _copies_of_lots(lots)
    slots = _slot_counts(r.id for r in rows)
    replaced = {r.replaces_id for r in rows if r.replaces_id}
    replaced_who: dict[int, str] = {}
    if replaced:
        for aid, civ, last, first in (
            Assignment.select(
                Assignment.id, Examiner.civility, Examiner.last_name, Examiner.first_name
            )
            .join(Examiner)
            .where(Assignment.id.in_(list(replaced)))
            .tuples()
        ):
            replaced_who[aid] = formal_name(civ, last, first)
    by_examiner: dict[int, list[Assignment]] = defaultdict(list)
    for row in rows:
        by_examiner[row.examiner_id].append(row)
    result = []
    for examiner_id, missions in by_examiner.items():
        e = missions[0].examiner
        lines = []
        notes = []
        for m in missions:
            centre = centres.get(m.centre_id) if m.centre_id else None
            detail = ""
            if m.lot_id:
                detail = f"lot n° {lots.get(m.lot_id, '?')} — {copies.get(m.lot_id, 0)} copies"
            elif slots.get(m.id):
                n = slots[m.id]
                detail = f"{n} candidat{'s' if n > 1 else ''}"
            elif m.jury_id:
                number, president, vice = juries.get(m.jury_id, ("?", None, None))
                role = (
                    "président"
                    if m.examiner_id == president
                    else "vice-président"
                    if m.examiner_id == vice
                    else "membre"
                )
                detail = f"jury n° {number}, en qualité de {role}"
            code = m.epreuve_code or ""
            epreuve = f"{code} — {labels.get(code, code)}" if code else ""
            address = ""
            if centre is not None:
                commune = centre.commune.name if centre.commune_id else ""
                address = centre.address
                if commune and commune.lower() not in address.lower():
                    address = ", ".join(p for p in (address, commune) if p)
            lines.append(
                MissionLine(
                    day=m.day,
                    start_time=m.start_time,
                    end_time=m.end_time,
                    kind_label=KIND_LABELS.get(m.kind, m.kind),
                    epreuve=epreuve,
                    centre=centre.name if centre is not None else "",
                    address=address,
                    room=rooms.get(m.room_id, "") if m.room_id else "",
                    detail=detail,
                )
            )
            if m.replaces_id:
                who = replaced_names.get(m.id) or replaced_who.get(m.replaces_id, "")
                notes.append(
                    f"Convocation en remplacement de {who} pour la mission du "
                    f"{m.day:%d/%m/%Y} ({KIND_LABELS.get(m.kind, m.kind).lower()})."
                )
        result.append(
            ExaminerConvocation(
                examiner_id=examiner_id,
                name=formal_name(e.civility, e.last_name, e.first_name),
                corps_label=rules.corps_label(e.corps),
                etablissement=e.etablissement.name if e.etablissement_id else "",
                intervenant=f"{examiner_id:06d}",
                missions=tuple(lines),
                notes=tuple(notes),
            )
        )
    return result


# --- Jury assignment lists ----------------------------------------------------------------------


def export_jury_lists(
    session_id: int, *, centre_id: int | None = None, out_dir: Path | None = None
) -> tuple[IssuedDocument, IssuedDocument]:
    """The jury assignment lists per centre de délibération, as one PDF and one Excel workbook."""
    import time

    from baktui.exports import convocations as docs
    from baktui.exports.paths import output_dir, safe_name

    started = time.perf_counter()
    where = Jury.session == session_id
    if centre_id is not None:
        where &= Jury.centre == centre_id
    juries = list(
        Jury.select(Jury, Centre)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .where(where)
        .order_by(Centre.name, Jury.number)
    )
    if not juries:
        raise ServiceError("Aucun jury pour cette sélection.")
    ids = [j.id for j in juries]
    blocks = _jury_blocks(ids)
    members: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for jury_id, role, civ, last, first, corps, etab in (
        JuryMember.select(
            JuryMember.jury,
            JuryMember.role,
            Examiner.civility,
            Examiner.last_name,
            Examiner.first_name,
            Examiner.corps,
            Etablissement.name,
        )
        .join(Examiner, on=JuryMember.examiner == Examiner.id)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .where(JuryMember.jury.in_(ids))
        .order_by(Examiner.last_name, Examiner.first_name)
        .tuples()
    ):
        members[jury_id].append(
            (role, formal_name(civ, last, first), rules.corps_label(corps), etab or "")
        )
    officers = {
        e.id: e
        for e in Examiner.select().where(
            Examiner.id.in_(
                [j.president_id for j in juries if j.president_id]
                + [j.vice_president_id for j in juries if j.vice_president_id]
                or [0]
            )
        )
    }
    etab_names = dict(
        Etablissement.select(Etablissement.id, Etablissement.name)
        .where(
            Etablissement.id.in_(
                [e.etablissement_id for e in officers.values() if e.etablissement_id] or [0]
            )
        )
        .tuples()
    )
    by_centre: dict[str, list] = defaultdict(list)
    for jury in juries:
        centre = jury.centre.name if jury.centre_id else "Sans centre de délibération"
        officer_rows = []
        for role, eid in (
            ("president", jury.president_id),
            ("vice_president", jury.vice_president_id),
        ):
            e = officers.get(eid) if eid else None
            if e is not None:
                officer_rows.append(
                    (
                        ROLE_LABELS[role],
                        formal_name(e.civility, e.last_name, e.first_name),
                        rules.corps_label(e.corps),
                        etab_names.get(e.etablissement_id, "") if e.etablissement_id else "",
                    )
                )
        others = [
            (ROLE_LABELS.get("membre"), name, corps, etab)
            for role, name, corps, etab in members.get(jury.id, [])
            if not any(name == o[1] for o in officer_rows)
        ]
        by_centre[centre].append(
            docs.JuryListEntry(
                number=jury.number,
                series=jury.series_codes.replace(",", ", "),
                deliberation_date=jury.deliberation_date,
                officers=tuple(officer_rows),
                members=tuple((name, corps, etab) for _, name, corps, etab in others),
                blocks=tuple(
                    (b.etablissement, b.uai, b.series, b.count, b.first_number, b.last_number)
                    for b in blocks.get(jury.id, [])
                ),
            )
        )
    centres = [docs.JuryListCentre(name, tuple(entries)) for name, entries in by_centre.items()]
    candidates = (
        Candidate.select(
            Jury.number,
            Centre.name,
            Candidate.number,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Etablissement.uai,
            Etablissement.name,
        )
        .join(Jury, on=Candidate.jury == Jury.id)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .switch(Candidate)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id)
        .where(Candidate.jury.in_(ids) & (Candidate.state != "annulee"))
        .order_by(Centre.name, Jury.number, Candidate.number)
        .tuples()
    )
    session = ExamSession.get_by_id(session_id)
    folder = out_dir or output_dir()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    scope = "toutes"
    if centre_id is not None:
        code = Centre.get_by_id(centre_id).code
        scope = f"centre-{safe_name(code)}"
    pdf_path = folder / f"jurys-{scope}-{stamp}.pdf"
    xlsx_path = folder / f"jurys-{scope}-{stamp}.xlsx"
    docs.write_jury_lists_pdf(
        pdf_path, centres, session_year=session.year, academie=academie_name()
    )
    docs.write_jury_lists_xlsx(xlsx_path, centres, [tuple(c) for c in candidates])
    when = audit.now_iso()
    with write_transaction():
        for path in (pdf_path, xlsx_path):
            audit.create(
                Document,
                kind=DOC_JURY_LIST,
                issued_at=when,
                issued_by=audit.current_user(),
                reference=path.name,
                reason="liste d'affectation des jurys",
            )
    elapsed = (time.perf_counter() - started) * 1000
    return (
        IssuedDocument(pdf_path, DOC_JURY_LIST, elapsed_ms=elapsed),
        IssuedDocument(xlsx_path, DOC_JURY_LIST, elapsed_ms=elapsed),
    )


def centres_of_session(session_id: int) -> list[tuple[int, str, str]]:
    """(id, code, name) of the session's centres (deliberation centres first)."""
    return list(
        Centre.select(Centre.id, Centre.code, Centre.name)
        .where(Centre.session == session_id)
        .order_by(Centre.is_deliberation.desc(), Centre.name)
        .limit(500)
        .tuples()
    )
