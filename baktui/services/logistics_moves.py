"""What a person fixes by hand in the placement (issue 15): a seat, an oral slot, a member.

Each move is checked first and refused with a French sentence, nothing written: a room over its
capacity or a seat already taken, a room unfit for the candidate's aménagement, a candidate
twice at once (a written épreuve and an oral, two orals), an examiner twice at once, a slot or
an épreuve ending after the centre's closing, a commission member who teaches the candidate
(the F5 own-students rule) or of the wrong discipline. A move is audited (before and after) and
marks the row « fixé à la main »: ``baktui placer`` and ``baktui oraux planifier`` keep it.
"""

from __future__ import annotations

from dataclasses import dataclass

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Absence,
    Assignment,
    Candidate,
    Centre,
    Convocation,
    Examiner,
    Grade,
    OralCommission,
    OralSlot,
    Registration,
    Room,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import orals
from baktui.rules.examiners import formal_name, own_students_error
from baktui.rules.french import agree_with
from baktui.rules.lifecycles import ASSIGNMENT_BUSY
from baktui.rules.missions import kind_label, minutes
from baktui.rules.placement import Sitting, clash, parse_needs
from baktui.services.oral_commissions import _concerned, oral_candidates, plan_of
from baktui.services.oral_slots import commission_times, oral_sitting, with_prep

FIXED = "fixé à la main"


@dataclass(frozen=True)
class Moved:
    """What a move did, in French (shown on the screen)."""

    text: str


def candidate_name(c: Candidate) -> str:
    """« Mme DUPONT Marie » (agreement of the refusals)."""
    civility = {"F": "Mme", "M": "M."}.get(c.sex, "")
    return f"{civility} {c.last_name.upper()} {c.first_name}".strip()


def _candidate(session_id: int, candidate_id: int) -> Candidate:
    c = Candidate.get_or_none((Candidate.id == candidate_id) & (Candidate.session == session_id))
    if c is None:
        raise NotFoundError(f"Candidat n° {candidate_id} introuvable dans la session.")
    return c


def find_candidate(session_id: int, number: str) -> Candidate:
    """A candidate by number or INE."""
    key = number.strip().upper()
    c = Candidate.get_or_none(
        (Candidate.session == session_id) & ((Candidate.number == key) | (Candidate.ine == key))
    )
    if c is None:
        raise NotFoundError(f"Aucun candidat « {number.strip()} » dans la session.")
    return c


# --- A seat at a written épreuve ----------------------------------------------------------------


def move_place(session_id: int, convocation_id: int, room_id: int, seat: int) -> Moved:
    """Put a candidate's written épreuve in another room and seat (same day and time)."""
    with write_transaction():
        conv = Convocation.get_or_none(Convocation.id == convocation_id)
        if conv is None:
            raise NotFoundError(f"Place n° {convocation_id} introuvable.")
        c = _candidate(session_id, conv.candidate_id)
        room = Room.get_or_none(Room.id == room_id)
        centre = Centre.get_or_none(Centre.id == room.centre_id) if room else None
        if room is None or centre is None or centre.session_id != session_id or not room.active:
            raise NotFoundError("Salle introuvable (ou désactivée) dans les centres de la session.")
        who = candidate_name(c)
        if not 1 <= seat <= room.capacity:
            raise ServiceError(
                f"Place {seat} refusée : la salle {room.name} a {room.capacity} places (1 à "
                f"{room.capacity})."
            )
        sitting = (
            (Convocation.room == room.id) & (Convocation.day == conv.day)
            & (Convocation.start_time == conv.start_time) & (Convocation.id != conv.id)
        )  # fmt: skip
        holder = (
            Convocation.select(Candidate.last_name, Candidate.first_name)
            .join(Candidate).where(sitting & (Convocation.seat == seat)).tuples().first()
        )  # fmt: skip
        if holder is not None:
            raise ServiceError(
                f"Place {seat} de la salle {room.name} déjà prise le {conv.day:%d/%m/%Y} à "
                f"{conv.start_time} par {holder[0].upper()} {holder[1]}."
            )
        if Convocation.select().where(sitting).count() >= room.capacity:
            raise ServiceError(
                f"La salle {room.name} est pleine le {conv.day:%d/%m/%Y} à {conv.start_time} "
                f"({room.capacity} places)."
            )
        needs = parse_needs(c.amenagements)
        if needs.special_room and not room.extra_time:
            raise ServiceError(
                f"{who} a un aménagement ({c.amenagements.strip()}) : la salle {room.name} "
                "n'est pas équipée pour les aménagements."
            )
        if needs.accessible and not room.accessible:
            raise ServiceError(f"{who} a besoin d'une salle accessible : {room.name} ne l'est pas.")
        late = orals.closing_error(
            f"{conv.epreuve_code} du {conv.day:%d/%m/%Y}", conv.end_time, centre.closing_time,
            centre.code,
        ) if conv.end_time else None  # fmt: skip
        if late:
            raise ServiceError(late)
        audit.update(
            Convocation,
            conv.id,
            {"centre": centre.id, "room": room.id, "seat": seat, "fixed_by_hand": True},
            reason=f"placement {FIXED}",
        )
    return Moved(
        f"{who} : {conv.epreuve_code} en salle {room.name}, place {seat} ({centre.code}), {FIXED}."
    )


# --- An oral slot ---------------------------------------------------------------------------------


def _commission(session_id: int, commission_id: int) -> OralCommission:
    c = OralCommission.get_or_none(
        (OralCommission.id == commission_id) & (OralCommission.session == session_id)
    )
    if c is None:
        raise NotFoundError(f"Commission d'oral n° {commission_id} introuvable.")
    return c


def _member_etablissements(commission: OralCommission) -> dict[int, str]:
    ids = [e for e in (commission.examiner_a_id, commission.examiner_b_id) if e]
    return {
        etab: formal_name(civ, last, first)
        for etab, civ, last, first in Examiner.select(
            Examiner.etablissement, Examiner.civility, Examiner.last_name, Examiner.first_name
        ).where(Examiner.id.in_(ids) & Examiner.etablissement.is_null(False)).tuples()
    } if ids else {}  # fmt: skip


def _sits_oral(c: Candidate, code: str) -> bool:
    if code.startswith(orals.SECOND_GROUP):
        subject = code.removeprefix(orals.SECOND_GROUP)
        return (
            Grade.select()
            .where((Grade.candidate == c.id) & (Grade.group == 2) & (Grade.epreuve_code == subject))
            .exists()
        )
    return Registration.select().where(
        (Registration.candidate == c.id) & (Registration.epreuve_code == code)
        & Registration.kept_session.is_null()
    ).exists()  # fmt: skip


def assign_slot(session_id: int, candidate_id: int, commission_id: int, start: str) -> Moved:
    """Give the candidate the slot starting at ``start`` in that commission (his or her slot of
    that oral moves there, or is created)."""
    with write_transaction():
        c = _candidate(session_id, candidate_id)
        com = _commission(session_id, commission_id)
        code, who = com.epreuve_code, candidate_name(c)
        if not _sits_oral(c, code):
            raise ServiceError(f"{who} n'est pas {_registered(c)} à l'oral {orals.label(code)}.")
        if com.series and com.series != c.series:
            raise ServiceError(
                f"La commission n° {com.number} entend la série {com.series} : {who} est en "
                f"{c.series}."
            )
        plan = plan_of(session_id, code)
        centre = Centre.get_by_id(com.centre_id) if com.centre_id else None
        start = orals.hhmm(_minutes(start))
        end = orals.hhmm(_minutes(start) + plan.slot_min)
        if centre is not None and (late := orals.closing_error(
                f"Le créneau de {start}", end, centre.closing_time, centre.code)):  # fmt: skip
            raise ServiceError(late)
        times = commission_times(com, plan, centre.closing_time if centre else "23:59")
        if (start, end) not in times:
            shown = ", ".join(a for a, _ in times[:6]) + (" …" if len(times) > 6 else "")
            raise ServiceError(
                f"{start} n'est pas un créneau de la commission n° {com.number} "
                f"({com.start_time}-{com.end_time}, créneaux de {plan.slot_min} min : {shown})."
            )
        mine = OralSlot.get_or_none((OralSlot.candidate == c.id) & (OralSlot.epreuve_code == code))
        holder = (
            OralSlot.select(Candidate.last_name, Candidate.first_name).join(Candidate)
            .where((OralSlot.commission == com.id) & (OralSlot.start_time == start)
                   & (OralSlot.candidate != c.id))
            .tuples().first()
        )  # fmt: skip
        if holder is not None:
            raise ServiceError(
                f"Le créneau de {start} de la commission n° {com.number} est déjà celui de "
                f"{holder[0].upper()} {holder[1]}."
            )
        teachers = _member_etablissements(com)
        if c.etablissement_id in teachers:
            raise ServiceError(
                own_students_error(teachers[c.etablissement_id], c.etablissement_id,
                                   {c.etablissement_id: (c.etablissement.name, 1)}) or ""
            )  # fmt: skip
        what = orals.label(code) + (" (préparation comprise)" if plan.prep_min else "")
        new = Sitting(f"le {what}", com.day, with_prep(start, plan.prep_min), end)
        if error := clash(new, _busy(session_id, c.id, mine.id if mine else None), who):
            raise ServiceError(error)
        values = {"day": com.day, "start_time": start, "end_time": end, "room": com.room_id,
                  "commission": com.id, "fixed_by_hand": True}  # fmt: skip
        if mine is None:
            audit.create(OralSlot, candidate=c.id, epreuve_code=code, reason=f"créneau {FIXED}",
                         **values)  # fmt: skip
        else:
            audit.update(OralSlot, mine.id, values, reason=f"créneau {FIXED}")
    return Moved(
        f"{who} : {orals.label(code)} le {com.day:%d/%m/%Y} à {start}, commission n° "
        f"{com.number}, {FIXED}."
    )


def _registered(c: Candidate) -> str:
    return "inscrite" if c.sex == "F" else "inscrit" if c.sex == "M" else "inscrit(e)"


def _minutes(text: str) -> int:
    try:
        return minutes(text)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None


def _busy(session_id: int, candidate_id: int, except_slot: int | None) -> list[Sitting]:
    """The candidate's written épreuves and other orals (with their preparation)."""
    found = [
        Sitting(f"épreuve écrite {code}", day, start, end)
        for code, day, start, end in Convocation.select(
            Convocation.epreuve_code, Convocation.day, Convocation.start_time, Convocation.end_time
        ).where((Convocation.candidate == candidate_id) & Convocation.day.is_null(False)
                & (Convocation.end_time != "")).tuples()
    ]  # fmt: skip
    for sid, code, day, start, end in (
        OralSlot.select(
            OralSlot.id, OralSlot.epreuve_code, OralSlot.day, OralSlot.start_time, OralSlot.end_time
        )
        .where(OralSlot.candidate == candidate_id)
        .tuples()
    ):
        if sid == except_slot:
            continue
        try:
            prep = plan_of(session_id, code).prep_min
        except ServiceError:
            prep = 0
        found.append(oral_sitting(code, day, start, end, prep))
    return found


# --- A commission's member ------------------------------------------------------------------------


def set_member(session_id: int, commission_id: int, which: str, examiner_id: int | None) -> Moved:
    """Put an examiner on a commission (``which`` « a » or « b »), or take one off (None)."""
    if which not in ("a", "b"):
        raise ServiceError("Membre « a » ou « b » de la commission.")
    with write_transaction():
        com = _commission(session_id, commission_id)
        field = f"examiner_{which}"
        what = f"{orals.label(com.epreuve_code)} commission n° {com.number}"
        if examiner_id is None:
            audit.update(OralCommission, com.id, {field: None, "fixed_by_hand": True},
                         reason=f"membre retiré, {FIXED}")  # fmt: skip
            return Moved(f"{what} : membre {which} retiré, {FIXED}.")
        e = Examiner.get_or_none(Examiner.id == examiner_id)
        if e is None or not e.active:
            raise NotFoundError(f"Examinateur n° {examiner_id} introuvable ou inactif.")
        member = orals.Member(e.id, formal_name(e.civility, e.last_name, e.first_name),
                              e.disciplines, e.corps, e.etablissement_id)  # fmt: skip
        if error := orals.member_error(member, com.epreuve_code, com.series):
            raise ServiceError(error)
        other_id = com.examiner_b_id if which == "a" else com.examiner_a_id
        if other_id is not None:
            o = Examiner.get_by_id(other_id)
            other = orals.Member(o.id, formal_name(o.civility, o.last_name, o.first_name),
                                 o.disciplines, o.corps, o.etablissement_id)  # fmt: skip
            if error := orals.pair_error(com.epreuve_code, com.series, member, other):
                raise ServiceError(error)
        heard = [
            c for c in oral_candidates(session_id, com.epreuve_code)
            if c.centre_id == com.centre_id and (not com.series or c.series == com.series)
        ]  # fmt: skip
        if error := own_students_error(
            member.name, e.etablissement_id, _concerned(session_id, heard)
        ):
            raise ServiceError(error)
        if com.day is not None:
            if (
                Absence.select()
                .where((Absence.examiner == e.id) & (Absence.day == com.day))
                .exists()
            ):
                raise ServiceError(
                    f"{member.name} est {agree_with(member.name, 'absent')} le {com.day:%d/%m/%Y}."
                )
            if error := orals.busy_error(member.name, com.day, com.start_time, com.end_time,
                                         _examiner_day(session_id, e.id, com)):  # fmt: skip
                raise ServiceError(error)
        audit.update(OralCommission, com.id, {field: e.id, "fixed_by_hand": True},
                     reason=f"membre de la commission, {FIXED}")  # fmt: skip
    return Moved(f"{what} : {member.name} membre {which}, {FIXED}.")


def _examiner_day(
    session_id: int, examiner_id: int, commission: OralCommission
) -> list[tuple[str, str, str]]:
    """The examiner's other commissions and F5 missions that day (his or her F5 convocation for
    this very oral, centre and day excepted: the commission stands for it)."""
    day = commission.day
    taken = [
        (c.start_time, c.end_time, f"{orals.label(c.epreuve_code)} commission n° {c.number}")
        for c in OralCommission.select().where(
            (OralCommission.session == session_id) & (OralCommission.day == day)
            & (OralCommission.id != commission.id)
            & ((OralCommission.examiner_a == examiner_id) | (OralCommission.examiner_b == examiner_id))
        )
    ]  # fmt: skip
    own = commission.epreuve_code.removeprefix(orals.SECOND_GROUP)
    for kind, code, start, end, centre in Assignment.select(
        Assignment.kind, Assignment.epreuve_code, Assignment.start_time, Assignment.end_time,
        Assignment.centre,
    ).where((Assignment.session == session_id) & (Assignment.examiner == examiner_id)
            & (Assignment.day == day) & Assignment.state.in_(ASSIGNMENT_BUSY)).tuples():  # fmt: skip
        if kind == "oral" and code == own and centre == commission.centre_id:
            continue
        taken.append((start, end, kind_label(kind).lower() + (f" {code}" if code else "")))
    return taken


def examiner_by_identifier(text: str) -> Examiner:
    """An examiner by his or her identifier (« EX0012 ») or number."""
    key = text.strip().upper()
    e = Examiner.get_or_none(Examiner.identifier == key)
    if e is None and key.isdigit():
        e = Examiner.get_or_none(Examiner.id == int(key))
    if e is None:
        raise NotFoundError(f"Aucun examinateur « {text.strip()} » (identifiant ou numéro).")
    return e
