"""Listes de déroulement of the oral commissions (issue 15): one list per commission and day.

Read from the commissions and their slots (``baktui oraux``), a centre (or the whole session)
at a time, by centre, day, oral and commission number, into the dataclasses of
:mod:`baktui.exports.oral_lists`; issued as ONE PDF per batch, recorded on the examiners'
cards (the commission's members).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import peewee as pw

from baktui.data.models import (
    Candidate,
    Centre,
    Commune,
    Etablissement,
    Examiner,
    OralCommission,
    OralSlot,
    Room,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.exports.oral_lists import RunningLine, RunningList
from baktui.rules import orals
from baktui.rules.examiners import corps_title, discipline_label, formal_name
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.missions import address_text
from baktui.services import documents
from baktui.services.documents import IssuedDocument
from baktui.services.oral_commissions import plan_of
from baktui.services.oral_slots import with_prep
from baktui.services.registration import session_epreuve_labels
from baktui.services.sessions import SessionInfo
from baktui.services.settings import letterhead

DEROULEMENT = "liste_deroulement"


def _examiner(e: Examiner | None) -> str | None:
    if e is None:
        return None
    detail = ", ".join(
        p for p in (corps_title(e.corps, e.civility), discipline_label(e.disciplines)) if p
    )
    return f"{formal_name(e.civility, e.last_name, e.first_name)} ({detail})"


def _scope(session_id: int, centre_code: str | None, code: str | None) -> pw.Expression:
    where = OralCommission.session == session_id
    if centre_code is not None:
        centre = Centre.get_or_none(
            (Centre.session == session_id) & (Centre.code == centre_code.strip())
        )
        if centre is None:
            raise NotFoundError(f"Aucun centre « {centre_code} » dans la session.")
        where &= OralCommission.centre == centre.id
    if code is not None:
        where &= OralCommission.epreuve_code == code.strip().upper()
    return where


def _oral_title(code: str, labels: dict[str, str]) -> str:
    """« GO Grand oral », « 2d groupe — philosophie »."""
    if code.startswith(orals.SECOND_GROUP):
        return orals.label(code)
    return f"{code} {labels.get(code) or orals.label(code)}"


def running_lists(
    session_id: int, *, centre_code: str | None = None, code: str | None = None
) -> list[RunningList]:
    """The lists of a centre (or the session), by centre, day, oral and number."""
    where = _scope(session_id, centre_code, code)
    ExaminerA, ExaminerB = Examiner.alias(), Examiner.alias()  # noqa: N806
    commissions = list(
        OralCommission.select(OralCommission, Centre, Room, Commune, ExaminerA, ExaminerB)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=OralCommission.centre == Centre.id)
        .join(Commune, pw.JOIN.LEFT_OUTER, on=Centre.commune == Commune.id)
        .switch(OralCommission).join(Room, pw.JOIN.LEFT_OUTER, on=OralCommission.room == Room.id)
        .switch(OralCommission)
        .join(ExaminerA, pw.JOIN.LEFT_OUTER, on=OralCommission.examiner_a == ExaminerA.id)
        .switch(OralCommission)
        .join(ExaminerB, pw.JOIN.LEFT_OUTER, on=OralCommission.examiner_b == ExaminerB.id)
        .where(where)
        .order_by(Centre.code, OralCommission.day, OralCommission.epreuve_code, OralCommission.number)
    )  # fmt: skip
    lines: dict[int, list[RunningLine]] = {c.id: [] for c in commissions}
    preps: dict[str, int] = {}
    slot_min: dict[str, int] = {}
    for code_ in {c.epreuve_code for c in commissions}:
        try:
            plan = plan_of(session_id, code_)
            preps[code_], slot_min[code_] = plan.prep_min, plan.slot_min
        except ServiceError:
            preps[code_], slot_min[code_] = 0, 0
    if commissions:
        slots = (
            OralSlot.select(OralSlot.commission, OralSlot.epreuve_code, OralSlot.start_time,
                            OralSlot.end_time, Candidate.number, Candidate.last_name,
                            Candidate.first_name, Candidate.series, Etablissement.name)
            .join(Candidate)
            .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id)
            .where(OralSlot.commission.in_([c.id for c in commissions])
                   & (Candidate.state != RegistrationState.ANNULEE))
            .order_by(OralSlot.start_time, Candidate.name_key)
            .tuples()
        )  # fmt: skip
        for com, code_, start, end, number, last, first, series, etab in slots:
            prep = preps.get(code_, 0)
            lines[com].append(RunningLine(with_prep(start, prep) if prep else "", start, end,
                                          number, f"{last.upper()} {first}", series, etab or "individuel"))  # fmt: skip
    labels = session_epreuve_labels(session_id)
    found = []
    for c in commissions:
        centre = c.centre if c.centre_id else None
        town = (
            f"{centre.commune.postcode} {centre.commune.name}"
            if centre and centre.commune_id
            else ""
        )
        found.append(RunningList(
            oral=_oral_title(c.epreuve_code, labels),
            number=c.number,
            centre=f"{centre.code} {centre.name}" if centre else "—",
            centre_address=address_text(centre.address, town) if centre else "",
            room=c.room.name if c.room_id else "",
            day=c.day,
            hours=f"{c.start_time}-{c.end_time}" if c.start_time else "",
            series=c.series,
            examiners=tuple(x for x in (_examiner(c.examiner_a if c.examiner_a_id else None),
                                        _examiner(c.examiner_b if c.examiner_b_id else None)) if x),
            lines=tuple(lines[c.id]),
            slot_min=slot_min.get(c.epreuve_code, 0),
            prep_min=preps.get(c.epreuve_code, 0),
        ))  # fmt: skip
    return found


def issue_running_lists(
    session: SessionInfo,
    *,
    centre_code: str | None = None,
    code: str | None = None,
    path: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> IssuedDocument:
    """Write the lists as one PDF, recorded on the members' cards; ``progress(done, total)``
    after each list."""
    from baktui.exports.oral_lists import write_running_lists

    lists = running_lists(session.id, centre_code=centre_code, code=code)
    if not lists:
        raise ServiceError(
            "Aucune commission d'oral dans cette portée : lancez d'abord baktui oraux constituer."
        )
    members = sorted({
        e
        for pair in OralCommission.select(OralCommission.examiner_a, OralCommission.examiner_b)
        .where(_scope(session.id, centre_code, code)).tuples()
        for e in pair if e
    })  # fmt: skip
    academie = letterhead()
    scope = f"centre-{centre_code}" if centre_code else "session"
    return documents.issue(
        DEROULEMENT,
        documents.file_name("deroulement", scope, code or "", suffix=".pdf"),
        lambda target: write_running_lists(target, lists, session_year=session.year,
                                           academie=academie, progress=progress),
        examiners=members or [None],
        count=len(lists),
        path=path,
        reason="listes de déroulement des oraux",
    )  # fmt: skip
