"""Juries: the list, one jury's detail, and its composition (président, vice-président, members).

The bureau follows Code de l'éducation D.336-20 (président PU or MCF, vice-président agrégé or
certifié, see :mod:`baktui.rules.examiners`), and nobody sits in a jury that deliberates on
candidates of his or her établissement: a refusal raises
:class:`~baktui.services.eligibility.AssignmentRefused` with the French reasons. Every change
goes through :mod:`baktui.data.audit` in one write transaction; the bureau is optimistic-locked
on the jury's version. The jury's own ``president`` and ``vice_president`` fields decide the
bureau; a :class:`JuryMember` row per member (the officers included) says who sits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Centre, Etablissement, Examiner, Jury, JuryMember
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.rules.distribution import parse_series_codes
from baktui.services.eligibility import AssignmentRefused
from baktui.services.examiners import get_examiner
from baktui.services.missions import LIVE_CANDIDATES, concerned_of


@dataclass(frozen=True)
class MemberInfo:
    examiner_id: int
    name: str
    corps_label: str
    role: str
    etablissement: str

    @property
    def role_label(self) -> str:
        return missions.role_label(self.role)


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


# --- Reading ------------------------------------------------------------------------------------


def _name(last: str | None, first: str | None) -> str:
    return rules.display_name(last, first or "") if last else ""


def juries_with_president(session_id: int) -> pw.ModelSelect:
    """The session's juries by number, each with ``centre_name`` and its président's
    ``last_name`` / ``first_name`` (None without one): what the jury lists show."""
    return (
        Jury.select(
            Jury, Centre.name.alias("centre_name"), Examiner.last_name, Examiner.first_name
        )  # fmt: skip
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .switch(Jury)
        .join(Examiner, pw.JOIN.LEFT_OUTER, on=Jury.president == Examiner.id)
        .where(Jury.session == session_id)
        .order_by(Jury.number)
    )


def list_juries(session_id: int, limit: int = 500) -> list[JuryInfo]:
    """The session's juries by number, with their bureau and counts (three queries)."""
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
        Candidate.select(Candidate.jury, pw.fn.COUNT(Candidate.id)).where(LIVE_CANDIDATES),
        Candidate.jury,
        ids,
    )
    return [
        JuryInfo(
            id=r["id"],
            number=r["number"],
            series_codes=r["series_codes"],
            centre_id=r["centre"],
            centre=r["centre_name"] or "",
            president_id=r["president"],
            president=_name(r["p_last"], r["p_first"]),
            vice_president_id=r["vice_president"],
            vice_president=_name(r["v_last"], r["v_first"]),
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
    info = jury_info(jury)
    members = [
        MemberInfo(
            examiner_id=m.examiner_id,
            name=rules.display_name(m.examiner.last_name, m.examiner.first_name),
            corps_label=rules.corps_label(m.examiner.corps),
            role=missions.seat_role(m.examiner_id, jury.president_id, jury.vice_president_id),
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
        (missions.PRESIDENT, jury.president_id),
        (missions.VICE_PRESIDENT, jury.vice_president_id),
    ):
        if examiner_id and examiner_id not in present:
            e = get_examiner(examiner_id)
            members.append(MemberInfo(e.id, e.name, e.corps_label, role, e.etablissement))
    order = {missions.PRESIDENT: 0, missions.VICE_PRESIDENT: 1}
    members.sort(key=lambda m: (order.get(m.role, 2), m.name))
    return JuryDetail(info, tuple(members), tuple(jury_blocks([jury_id]).get(jury_id, ())))


def jury_info(jury: Jury) -> JuryInfo:
    """One jury with its bureau's names and its counts."""
    members = JuryMember.select().where(JuryMember.jury == jury.id).count()
    candidates = Candidate.select().where((Candidate.jury == jury.id) & LIVE_CANDIDATES).count()
    names = {
        e.id: rules.display_name(e.last_name, e.first_name)
        for e in Examiner.select(Examiner.id, Examiner.last_name, Examiner.first_name).where(
            Examiner.id.in_([i for i in (jury.president_id, jury.vice_president_id) if i] or [0])
        )
    }
    centre = Centre.get_or_none(Centre.id == jury.centre_id) if jury.centre_id else None
    return JuryInfo(
        id=jury.id,
        number=jury.number,
        series_codes=jury.series_codes,
        centre_id=jury.centre_id,
        centre=centre.name if centre else "",
        president_id=jury.president_id,
        president=names.get(jury.president_id, ""),
        vice_president_id=jury.vice_president_id,
        vice_president=names.get(jury.vice_president_id, ""),
        members=members,
        candidates=candidates,
        deliberation_date=jury.deliberation_date,
        state=jury.state,
        version=jury.version,
    )


def jury_blocks(jury_ids: Sequence[int]) -> dict[int, list[EtablissementBlock]]:
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
        .where(Candidate.jury.in_(list(jury_ids)) & LIVE_CANDIDATES)
        .group_by(
            Candidate.jury,
            Candidate.etablissement,
            Etablissement.name,
            Etablissement.uai,
            Candidate.series,
        )
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


# --- Composition --------------------------------------------------------------------------------


def create_jury(
    session_id: int,
    number: int,
    series_codes: str,
    centre_id: int | None = None,
    deliberation_date: dt.date | None = None,
) -> JuryInfo:
    """A new jury; its number is unique in the session."""
    codes = ",".join(parse_series_codes(series_codes))
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
    return jury_info(row)


def set_president(jury_id: int, examiner_id: int, expected_version: int | None = None) -> JuryInfo:
    """Make the examiner président of the jury; refused unless PU or MCF (D.336-20)."""
    return _set_officer(jury_id, examiner_id, missions.PRESIDENT, expected_version)


def set_vice_president(
    jury_id: int, examiner_id: int, expected_version: int | None = None
) -> JuryInfo:
    """Make the examiner vice-président of the jury (agrégé, certifié or university teacher)."""
    return _set_officer(jury_id, examiner_id, missions.VICE_PRESIDENT, expected_version)


def _set_officer(
    jury_id: int, examiner_id: int, role: str, expected_version: int | None
) -> JuryInfo:
    with write_transaction():
        jury, examiner = _jury_and_examiner(jury_id, examiner_id)
        name = rules.formal_name(examiner.civility, examiner.last_name, examiner.first_name)
        president = role == missions.PRESIDENT
        check = rules.president_error if president else rules.vice_president_error
        error = check(examiner.corps, name)
        if error:
            raise AssignmentRefused([error])
        other = jury.vice_president_id if president else jury.president_id
        if other == examiner_id:
            raise AssignmentRefused([missions.bureau_twice_error(name)])
        _check_seat(jury, examiner)
        previous = jury.president_id if president else jury.vice_president_id
        audit.update(
            Jury,
            jury_id,
            {role: examiner_id},
            expected_version=expected_version,
            reason=f"nomination {missions.role_label(role)}",
        )
        ensure_member(jury_id, examiner_id, role)
        if previous and previous != examiner_id:
            _set_member_role(_member(jury_id, previous), missions.MEMBER)
    return jury_info(Jury.get_by_id(jury_id))


def _jury_and_examiner(jury_id: int, examiner_id: int) -> tuple[Jury, Examiner]:
    jury = Jury.get_or_none(Jury.id == jury_id)
    examiner = Examiner.get_or_none(Examiner.id == examiner_id)
    if jury is None or examiner is None:
        raise NotFoundError("Jury ou examinateur introuvable.")
    return jury, examiner


def _check_seat(jury: Jury, examiner: Examiner) -> None:
    """Own students: a jury member never deliberates on candidates of his or her établissement."""
    if not examiner.etablissement_id:
        return
    concerned, _ = concerned_of(jury_id=jury.id)
    error = rules.own_students_error(
        rules.formal_name(examiner.civility, examiner.last_name, examiner.first_name),
        examiner.etablissement_id,
        concerned,
    )
    if error:
        raise AssignmentRefused([error])


def _member(jury_id: int, examiner_id: int) -> JuryMember | None:
    return JuryMember.get_or_none(
        (JuryMember.jury == jury_id) & (JuryMember.examiner == examiner_id)
    )


def _members_changed(jury_id: int) -> None:
    """A change of members is a change of the jury: its version moves on, so that a form read
    before (F9's jury form, F5's bureau) is refused instead of undoing a colleague's change.
    The change itself is audited on the :class:`JuryMember` row."""
    Jury.update(version=Jury.version + 1).where(Jury.id == jury_id).execute()


def ensure_member(jury_id: int, examiner_id: int, role: str) -> None:
    """Seat the examiner in the jury with this role (added, or the role changed), audited."""
    member = _member(jury_id, examiner_id)
    if member is None:
        audit.create(
            JuryMember, jury=jury_id, examiner=examiner_id, role=role, reason="membre du jury"
        )
        _members_changed(jury_id)
    else:
        _set_member_role(member, role)


def _set_member_role(member: JuryMember | None, role: str) -> None:
    if member is not None and member.role != role:
        audit.update(JuryMember, member.id, {"role": role}, reason="fonction dans le jury")
        _members_changed(member.jury_id)


def add_member(jury_id: int, examiner_id: int) -> JuryInfo:
    """Add an examiner to a jury (refused for a teacher of the jury's candidates)."""
    with write_transaction():
        jury, examiner = _jury_and_examiner(jury_id, examiner_id)
        if _member(jury_id, examiner_id):
            raise ServiceError(
                f"{rules.display_name(examiner.last_name, examiner.first_name)} est déjà membre "
                f"du jury n° {jury.number}."
            )
        _check_seat(jury, examiner)
        ensure_member(jury_id, examiner_id, missions.MEMBER)
    return jury_info(Jury.get_by_id(jury_id))


def remove_member(jury_id: int, examiner_id: int) -> JuryInfo:
    """Take an examiner off a jury (and off its bureau)."""
    with write_transaction():
        jury = Jury.get_or_none(Jury.id == jury_id)
        if jury is None:
            raise NotFoundError(f"Jury n° {jury_id} introuvable.")
        changes: dict[str, object] = {}
        if jury.president_id == examiner_id:
            changes[missions.PRESIDENT] = None
        if jury.vice_president_id == examiner_id:
            changes[missions.VICE_PRESIDENT] = None
        if changes:
            audit.update(Jury, jury_id, changes, reason="retrait du jury")
        member = _member(jury_id, examiner_id)
        if member is not None:
            audit.delete(JuryMember, member.id, reason="retrait du jury")
            _members_changed(jury_id)
    return jury_info(Jury.get_by_id(jury_id))


def hand_over_seat(jury_id: int, old_examiner: int, new_examiner: int, reason: str) -> str:
    """Move an examiner's seat (and bureau function) to another, in the caller's transaction;
    returns the seat's label ("président")."""
    jury = Jury.get_by_id(jury_id)
    role = missions.seat_role(old_examiner, jury.president_id, jury.vice_president_id)
    if role != missions.MEMBER:
        audit.update(Jury, jury_id, {role: new_examiner}, reason=reason)
    member = _member(jury_id, old_examiner)
    if member is not None:
        audit.delete(JuryMember, member.id, reason=reason)
    if _member(jury_id, new_examiner) is None:
        audit.create(JuryMember, jury=jury_id, examiner=new_examiner, role=role, reason=reason)
    _members_changed(jury_id)
    return missions.role_label(role)
