"""The September replacement session, opened from June (``baktui remplacement ouvrir``).

A candidate with a justified absence (AJ) at an épreuve of June sits it again in September, in
the same session year and with the same rules. Opening the replacement session:

- creates it (same regulation as June's, copied) unless it is already open;
- carries every June candidate with an AJ: the same candidate number (so the June card finds
  the September file and back), the same registrations, and the June grades **as they stand**
  (source « juin »: neither re-typed nor « kept grades »; a composite spécialité's part-grades
  too); the AJ épreuves are left without a grade: they are the ones to sit, the only ones the
  missing-grade lists and the juries wait for;
- is idempotent: a candidate already carried is never carried twice.

A candidate added later (a medical certificate received after June's deliberation turns an ABS
into a justified absence) is carried by :func:`add_late` with a reason, audited. Every row
written goes through the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Candidate,
    Centre,
    ExamSession,
    Grade,
    GradePart,
    Jury,
    JuryMember,
    Registration,
    Room,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.french import plural
from baktui.rules.lifecycles import RegistrationState
from baktui.services.sessions import SessionInfo, open_registre, regulation_of, require_session

JUNE_SOURCE = "juin"  # Grade.source of a grade carried from June
# the candidate's fields copied to September (not its jury, centre or state: September's own)
COPIED = (
    "number", "ine", "last_name", "first_name", "name_key", "sound_key", "birth_date",
    "birth_place", "sex", "address", "postcode", "city", "email", "phone", "series",
    "sub_choice", "lva", "lvb", "options", "status", "etablissement", "eps_inapte",
    "eps_certificate", "amenagements", "dossier", "indications",
)  # fmt: skip


def carried_from_june() -> pw.Expression:
    """In a query over Registration: the épreuve's grade was carried from June (September
    session: nothing to number, place or sit). A composite spécialité is carried as its
    part-grades: before September's grading, any part-grade there is June's."""
    grade = Grade.select(Grade.id).where(
        (Grade.candidate == Registration.candidate)
        & (Grade.epreuve_code == Registration.epreuve_code)
        & (Grade.group == 1)
        & (Grade.source == JUNE_SOURCE)
    )
    part = GradePart.select(GradePart.id).where(
        (GradePart.candidate == Registration.candidate)
        & (GradePart.epreuve_code == Registration.epreuve_code)
    )
    return pw.fn.EXISTS(grade) | pw.fn.EXISTS(part)


def carried_grades(candidate_ids: list[int]) -> set[tuple[int, str]]:
    """(candidate, épreuve) of these September candidates whose grade is June's: a grade of
    source « juin », or part-grades entered before the candidate was carried (at the latest in
    the same second)."""
    grades = Grade.select(Grade.candidate, Grade.epreuve_code).where(
        Grade.candidate.in_(candidate_ids) & (Grade.group == 1) & (Grade.source == JUNE_SOURCE)
    )
    parts = (
        GradePart.select(GradePart.candidate, GradePart.epreuve_code)
        .join(Candidate, on=GradePart.candidate == Candidate.id)
        .where(
            GradePart.candidate.in_(candidate_ids) & (GradePart.entered_at <= Candidate.created_at)
        )
    )
    return {(int(cid), code) for q in (grades, parts) for cid, code in q.tuples()}


def to_sit(session_id: int) -> pw.Expression:
    """In a query over Registration: the épreuve is sat in this session (always, in June; in
    September, unless its grade was carried from June)."""
    kind = ExamSession.select(ExamSession.kind).where(ExamSession.id == session_id).scalar()
    return ~carried_from_june() if kind == "remplacement" else pw.SQL("1 = 1")


@dataclass(frozen=True)
class ReplacementOpened:
    """What opening (or completing) the replacement session did."""

    session: SessionInfo
    created: bool  # the session itself was opened now
    carried: int  # candidates carried now
    already: int  # carried before
    to_sit: int  # épreuves the carried candidates sit in September

    def render(self) -> str:
        opened = "ouverte" if self.created else "complétée"
        text = (
            f"Session de remplacement {self.session.year} {opened} : "
            f"{plural(self.carried, 'candidat reporté', 'candidats reportés')} de juin "
            f"({plural(self.to_sit, 'épreuve', 'épreuves')} à passer en septembre, les autres "
            "notes reprises telles quelles)"
        )
        if self.already:
            text += f" ; {plural(self.already, 'candidat déjà reporté', 'candidats déjà reportés')}"
        return text + "."


def _replacement_of(june: SessionInfo) -> tuple[SessionInfo, bool]:
    existing = ExamSession.get_or_none(
        (ExamSession.year == june.year) & (ExamSession.kind == "remplacement")
    )
    if existing is not None:
        return require_session(june.year, "remplacement"), False
    return open_registre(june.year, "remplacement", regulation=regulation_of(june.id)), True


def _justified(june_id: int) -> pw.ModelSelect:
    """The June candidates (not cancelled) with an AJ at the first group."""
    return (
        Candidate.select(Candidate.id)
        .join(Grade, on=(Grade.candidate == Candidate.id))
        .where(
            (Candidate.session == june_id)
            & (Candidate.state != RegistrationState.ANNULEE)
            & (Grade.group == 1)
            & (Grade.code == "AJ")
        )
        .distinct()
    )


def _carry(june_candidate: Candidate, september_id: int, reason: str, to_sit: set[str]) -> int:
    """Copy one candidate, his or her registrations and the June grades except ``to_sit``;
    the number of épreuves to sit."""
    values = {name: getattr(june_candidate, name) for name in COPIED}
    values["etablissement"] = june_candidate.etablissement_id
    copy = audit.create(
        Candidate,
        session=september_id,
        state=RegistrationState.VALIDEE,
        created_at=audit.now_iso(),
        updated_at=audit.now_iso(),
        reason=reason,
        **values,
    )
    for registration in Registration.select().where(Registration.candidate == june_candidate.id):
        audit.create(
            Registration,
            candidate=copy.id,
            epreuve_code=registration.epreuve_code,
            option_name=registration.option_name,
            kept_session=registration.kept_session,
            reason=reason,
        )
    grades = Grade.select().where((Grade.candidate == june_candidate.id) & (Grade.group == 1))
    for grade in grades:
        if grade.epreuve_code in to_sit:
            continue
        audit.create(
            Grade,
            candidate=copy.id,
            epreuve_code=grade.epreuve_code,
            group=1,
            value_centi=grade.value_centi,
            code=grade.code,
            kept_session=grade.kept_session,
            source=JUNE_SOURCE,
            entered_by=grade.entered_by,
            entered_at=grade.entered_at,
            reason=reason,
        )
    for part in GradePart.select().where(GradePart.candidate == june_candidate.id):
        if part.epreuve_code in to_sit:
            continue
        audit.create(
            GradePart,
            candidate=copy.id,
            epreuve_code=part.epreuve_code,
            part_code=part.part_code,
            value_centi=part.value_centi,
            code=part.code,
            entered_by=part.entered_by,
            entered_at=part.entered_at,
            reason=reason,
        )
    return len(to_sit)


def _carried_numbers(september_id: int) -> set[str]:
    return {n for (n,) in Candidate.select(Candidate.number).where(
        Candidate.session == september_id).tuples()}  # fmt: skip


def open_replacement(year: int | None = None) -> ReplacementOpened:
    """Open the replacement session of ``year`` (June's current session by default) and carry
    June's candidates with a justified absence; run again, it carries only the new ones."""
    june = require_session(year, "normale")
    with write_transaction():
        september, created = _replacement_of(june)
        done = _carried_numbers(september.id)
        carried = already = to_sit = 0
        for candidate in Candidate.select().where(Candidate.id.in_(_justified(june.id))):
            if candidate.number in done:
                already += 1
                continue
            codes = {
                code
                for (code,) in Grade.select(Grade.epreuve_code)
                .where(
                    (Grade.candidate == candidate.id) & (Grade.group == 1) & (Grade.code == "AJ")
                )
                .tuples()
            }
            to_sit += _carry(
                candidate, september.id, "report en session de remplacement (AJ)", codes
            )
            carried += 1
    return ReplacementOpened(september, created, carried, already, to_sit)


def add_late(year: int | None, number: str, reason: str) -> ReplacementOpened:
    """Carry one more June candidate (a certificate received late: an ABS now justified), with
    a reason; the épreuves to sit are those of June graded ABS or AJ, or not graded at all."""
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError("Motif obligatoire pour reporter un candidat en septembre (--motif).")
    june = require_session(year, "normale")
    with write_transaction():
        candidate = Candidate.get_or_none(
            (Candidate.session == june.id) & (Candidate.number == number.strip())
        )
        if candidate is None:
            raise NotFoundError(f"Aucun candidat n° {number} dans la session {june.year}.")
        september, created = _replacement_of(june)
        if candidate.number in _carried_numbers(september.id):
            raise ServiceError(
                f"Le candidat n° {candidate.number} est déjà inscrit à la session de remplacement."
            )
        graded = {
            g.epreuve_code: g.code
            for g in Grade.select().where((Grade.candidate == candidate.id) & (Grade.group == 1))
        }
        registered = {
            r.epreuve_code
            for r in Registration.select().where(Registration.candidate == candidate.id)
        }
        to_sit = {c for c in registered if c not in graded or graded[c] in ("ABS", "AJ")}
        if not to_sit:
            raise ServiceError(
                f"Le candidat n° {candidate.number} a une note à chaque épreuve : rien à passer "
                "en septembre."
            )
        count = _carry(candidate, september.id, f"report tardif en septembre : {reason}", to_sit)
    return ReplacementOpened(september, created, 1, 0, count)


@dataclass(frozen=True)
class OrganisationCopied:
    """What ``remplacement reprendre`` copied from June into September."""

    centres: int
    rooms: int
    juries: int
    members: int
    already: int  # centres and juries September had already (by code, by number)

    def render(self) -> str:
        text = (
            "Repris de juin : "
            f"{plural(self.centres, 'centre')} ({plural(self.rooms, 'salle')}), "
            f"{plural(self.juries, 'jury', 'jurys')} ({plural(self.members, 'membre')})"
        )
        if self.already:
            text += (
                f" ; {plural(self.already, 'déjà présent', 'déjà présents')}, laissés tels quels"
            )
        return (
            text + ". Le calendrier de septembre reste à importer (`import calendrier`), puis "
            "`jurys repartir` et `placer`."
        )


def copy_organisation(year: int | None = None) -> OrganisationCopied:
    """Copy June's active centres (with their rooms) and juries (with their members, not their
    deliberation) into the replacement session, for those it does not have yet: the office then
    adjusts them in F9. The calendar is not copied (September has its own dates)."""
    june = require_session(year, "normale")
    september = require_session(june.year, "remplacement")
    reason = "reprise de l'organisation de juin"
    centres = rooms = juries = members = already = 0
    with write_transaction():
        known = {c.code: c.id for c in Centre.select().where(Centre.session == september.id)}
        mapped: dict[int, int] = {}
        for centre in Centre.select().where((Centre.session == june.id) & Centre.active):
            if centre.code in known:
                mapped[centre.id] = known[centre.code]
                already += 1
                continue
            fields = {f: getattr(centre, f) for f in _CENTRE_FIELDS}
            copy = audit.create(Centre, session=september.id, reason=reason, **fields)
            mapped[centre.id] = copy.id
            centres += 1
            for room in Room.select().where((Room.centre == centre.id) & Room.active):
                audit.create(
                    Room, centre=copy.id, reason=reason,
                    **{f: getattr(room, f) for f in _ROOM_FIELDS},
                )  # fmt: skip
                rooms += 1
        numbers = {n for (n,) in Jury.select(Jury.number).where(
            Jury.session == september.id).tuples()}  # fmt: skip
        for jury in Jury.select().where((Jury.session == june.id) & Jury.active):
            if jury.number in numbers:
                already += 1
                continue
            copy = audit.create(
                Jury, session=september.id, number=jury.number, series_codes=jury.series_codes,
                centre=mapped.get(jury.centre_id) if jury.centre_id else None,
                president=jury.president_id, vice_president=jury.vice_president_id,
                reason=reason,
            )  # fmt: skip
            juries += 1
            for member in JuryMember.select().where(JuryMember.jury == jury.id):
                audit.create(
                    JuryMember, jury=copy.id, examiner=member.examiner_id, role=member.role,
                    reason=reason,
                )  # fmt: skip
                members += 1
    return OrganisationCopied(centres, rooms, juries, members, already)


_CENTRE_FIELDS = ("code", "name", "etablissement", "commune", "address", "is_exam",
                  "is_deliberation", "is_correction", "closing_time")  # fmt: skip
_ROOM_FIELDS = ("name", "capacity", "accessible", "extra_time")


def counterpart(candidate_id: int) -> tuple[SessionInfo, int] | None:
    """The same candidate in the other session of the year (June ↔ September): the session and
    the candidate's id there, or None."""
    row = Candidate.get_or_none(Candidate.id == candidate_id)
    if row is None:
        return None
    session = ExamSession.get_by_id(row.session_id)
    other_kind = "remplacement" if session.kind == "normale" else "normale"
    other = ExamSession.get_or_none(
        (ExamSession.year == session.year) & (ExamSession.kind == other_kind)
    )
    if other is None:
        return None
    twin = Candidate.get_or_none((Candidate.session == other.id) & (Candidate.number == row.number))
    if twin is None:
        return None
    return require_session(other.year, other.kind), twin.id
