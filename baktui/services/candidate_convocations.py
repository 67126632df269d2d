"""Candidates' convocations and émargement lists from the placement (issue 15).

``baktui placer`` writes each candidate's place (:class:`Convocation` rows: centre, room, seat,
day, times with the extra time). This module reads them, a centre (or a candidate, or the whole
session) at a time, into the dataclasses of :mod:`baktui.exports.candidate_convocations`, and
issues the PDFs: one letter per candidate, sorted by centre then name (as the centre hands
them out), each recorded on the candidate's card; émargement lists by centre, sitting and room,
candidates by seat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import peewee as pw

from baktui.data.models import (
    Anonymat,
    Candidate,
    Centre,
    Convocation,
    Lot,
    OralCommission,
    OralSlot,
    Registration,
    Room,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.exports.candidate_convocations import (
    CandidateConvocation,
    OralLine,
    SigningLine,
    SigningSheet,
    SittingLine,
)
from baktui.exports.labels import AnonymityLabel, TableLabel
from baktui.rules.french import plural
from baktui.rules.labels import DEFAULT_LAYOUT, LabelLayout, parse_layout
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.registration import STATUSES
from baktui.services import documents
from baktui.services.documents import IssuedDocument
from baktui.services.registration import session_epreuve_labels
from baktui.services.sessions import SessionInfo
from baktui.services.settings import letterhead, setting

CONVOCATION = "convocation"


def _centre(session_id: int, code: str | None) -> Centre | None:
    if code is None:
        return None
    centre = Centre.get_or_none((Centre.session == session_id) & (Centre.code == code.strip()))
    if centre is None:
        raise NotFoundError(f"Aucun centre « {code} » dans la session.")
    return centre


def _where(session_id: int, centre: Centre | None, candidate: str | None) -> pw.Expression:
    where = (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
    if centre is not None:
        where &= Convocation.centre == centre.id
    if candidate is not None:
        key = candidate.strip().upper()
        where &= (Candidate.number == key) | (Candidate.ine == key)
    return where


def convocations(
    session_id: int,
    *,
    centre_code: str | None = None,
    candidate: str | None = None,
    window: bool = False,
) -> list[CandidateConvocation]:
    """The letters of a centre, a candidate (number or INE) or the session, by centre and name:
    the written épreuves as placed, the orals as planned. ``window``: the individual candidates'
    only (not scolaires: sent to their home), their address where an envelope's window shows it."""
    centre = _centre(session_id, centre_code)
    labels = session_epreuve_labels(session_id)
    where = _where(session_id, centre, candidate)
    if window:
        where &= Candidate.status != "scolaire"
    rows = (
        Convocation.select(Convocation, Candidate, Centre, Room)
        .join(Candidate)
        .switch(Convocation)
        .join(Centre, pw.JOIN.LEFT_OUTER)
        .switch(Convocation)
        .join(Room, pw.JOIN.LEFT_OUTER)
        .where(where)
        .order_by(
            Centre.code, Candidate.name_key, Candidate.id, Convocation.day, Convocation.start_time
        )  # fmt: skip
    )
    letters: dict[int, tuple[Candidate, Centre | None, list[SittingLine]]] = {}
    for conv in rows:
        c = conv.candidate
        entry = letters.setdefault(c.id, (c, conv.centre if conv.centre_id else None, []))
        entry[2].append(
            SittingLine(
                code=conv.epreuve_code,
                label=labels.get(conv.epreuve_code, conv.epreuve_code),
                day=conv.day,
                start=conv.start_time,
                end=conv.end_time,
                duration_min=conv.duration_min,
                extra_min=conv.extra_min,
                room=conv.room.name if conv.room_id else "",
                seat=conv.seat,
            )
        )
    orals_of = _orals(session_id, centre, candidate, window, letters)
    if candidate is not None and not letters:
        raise NotFoundError(f"Aucune place attribuée au candidat « {candidate} ».")
    found = [
        CandidateConvocation(
            candidate_id=c.id,
            number=c.number,
            name=f"{c.last_name.upper()} {c.first_name}",
            sex=c.sex,
            birth_date=c.birth_date,
            series=c.series,
            centre=f"{where.code} {where.name}" if where is not None else "—",
            centre_address=where.address if where is not None else "",
            sittings=tuple(lines),
            birth_place=c.birth_place,
            orals=tuple(_here(o, where) for o in orals_of.get(c.id, ())),
            address=_postal(c) if window else (),
        )
        for c, where, lines in letters.values()
    ]
    found.sort(key=lambda letter: (letter.centre, _key(letters, letter.candidate_id)))
    return found


def _key(letters: dict[int, tuple[Candidate, Centre | None, list[SittingLine]]], cid: int) -> str:
    return f"{letters[cid][0].name_key}\x00{cid:012d}"


def _here(oral: OralLine, centre: Centre | None) -> OralLine:
    """An oral in the letter's own centre names only its room."""
    if centre is not None and oral.centre == f"{centre.code} {centre.name}":
        return replace(oral, centre="")
    return oral


def _postal(c: Candidate) -> tuple[str, ...]:
    """Name and address on the envelope (nothing when no address is recorded)."""
    lines = tuple(x for x in (c.address, f"{c.postcode} {c.city}".strip()) if x)
    return (f"{c.first_name} {c.last_name.upper()}", *lines) if lines else ()


def _orals(
    session_id: int,
    centre: Centre | None,
    candidate: str | None,
    window: bool,
    letters: dict[int, tuple[Candidate, Centre | None, list[SittingLine]]],
) -> dict[int, list[OralLine]]:
    """The candidates' oral slots, wherever they are heard (a candidate with orals only gets a
    letter too, from the centre of his or her commission)."""
    from baktui.rules import orals
    from baktui.services.oral_commissions import plan_of

    where = (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
    if window:
        where &= Candidate.status != "scolaire"
    if candidate is not None:
        key = candidate.strip().upper()
        where &= (Candidate.number == key) | (Candidate.ine == key)
    preps: dict[str, int] = {}
    found: dict[int, list[OralLine]] = defaultdict(list)
    rows = (
        OralSlot.select(OralSlot, Candidate, OralCommission, Centre, Room)
        .join(Candidate).switch(OralSlot)
        .join(OralCommission, pw.JOIN.LEFT_OUTER)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=OralCommission.centre == Centre.id)
        .switch(OralSlot).join(Room, pw.JOIN.LEFT_OUTER, on=OralSlot.room == Room.id)
        .where(where)
        .order_by(OralSlot.day, OralSlot.start_time)
    )  # fmt: skip
    for slot in rows:
        code = slot.epreuve_code
        if code not in preps:
            try:
                preps[code] = plan_of(session_id, code).prep_min
            except ServiceError:
                preps[code] = 0
        com = slot.commission if slot.commission_id else None
        place = com.centre if com is not None and com.centre_id else None
        if (
            slot.candidate_id not in letters
            and centre is not None
            and (place is None or place.id != centre.id)
        ):
            continue  # heard in another centre, placed in none: that centre's letter
        found[slot.candidate_id].append(OralLine(
            code=code.removeprefix(orals.SECOND_GROUP), label=orals.label(code), day=slot.day,
            start=slot.start_time, end=slot.end_time, prep_min=preps[code],
            centre=f"{place.code} {place.name}" if place is not None else "",
            room=slot.room.name if slot.room_id else "",
        ))  # fmt: skip
        letters.setdefault(slot.candidate_id, (slot.candidate, place, []))
    return found


def signing_sheets(session_id: int, *, centre_code: str | None = None) -> list[SigningSheet]:
    """The émargement lists of a centre (or the session): one per room and sitting, by seat."""
    centre = _centre(session_id, centre_code)
    labels = session_epreuve_labels(session_id)
    rows = (
        Convocation.select(Convocation, Candidate, Centre, Room)
        .join(Candidate)
        .switch(Convocation)
        .join(Centre)
        .switch(Convocation)
        .join(Room)
        .where(_where(session_id, centre, None))
        .order_by(
            Centre.code,
            Convocation.day,
            Convocation.start_time,
            Convocation.epreuve_code,
            Room.name,
            Convocation.seat,
            Candidate.name_key,
        )  # fmt: skip
    )
    sheets: dict[tuple[object, ...], tuple[Convocation, list[SigningLine]]] = {}
    grouped: dict[tuple[object, ...], list[SigningLine]] = defaultdict(list)
    for conv in rows:
        key = (conv.centre_id, conv.day, conv.start_time, conv.epreuve_code, conv.room_id)
        sheets.setdefault(key, (conv, grouped[key]))
        c = conv.candidate
        grouped[key].append(
            SigningLine(
                conv.seat, c.number, f"{c.last_name.upper()} {c.first_name}", conv.extra_min
            )  # fmt: skip
        )
    return [
        SigningSheet(
            centre=f"{first.centre.code} {first.centre.name}",
            room=first.room.name,
            code=first.epreuve_code,
            label=labels.get(first.epreuve_code, first.epreuve_code),
            day=first.day,
            start=first.start_time,
            lines=tuple(lines),
        )
        for first, lines in sheets.values()
    ]


def _name(what: str, centre_code: str | None, candidate: str | None) -> str:
    scope = f"centre-{centre_code}" if centre_code else (candidate or "session")
    return documents.file_name(what, scope, suffix=".pdf")


def issue_convocations(
    session: SessionInfo,
    *,
    centre_code: str | None = None,
    candidate: str | None = None,
    window: bool = False,
    path: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> IssuedDocument:
    """Write the letters as one PDF and record a convocation on each candidate's card
    (``window``: the individual candidates' letters, addressed for a window envelope);
    ``progress(done, total)`` after each letter."""
    from baktui.exports.candidate_convocations import write_candidate_convocations

    letters = convocations(session.id, centre_code=centre_code, candidate=candidate, window=window)
    if not letters:
        raise ServiceError(
            "Aucun candidat individuel placé dans cette portée (les scolaires reçoivent leur "
            "convocation par leur établissement)."
            if window
            else "Aucun candidat placé dans cette portée : lancez d'abord le placement "
            "(baktui placer)."
        )
    if window and (missing := [c.number for c in letters if not c.address]):
        raise ServiceError(
            f"Enveloppe à fenêtre : pas d'adresse pour {plural(len(missing), 'candidat')} "
            f"(n° {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}) ; complétez "
            f"{'ses' if len(missing) < 2 else 'leurs'} coordonnées (F2, c) ou éditez sans "
            "--fenetre."
        )
    academie = letterhead()
    return documents.issue(
        CONVOCATION,
        _name("convocations-fenetre" if window else "convocations", centre_code, candidate),
        lambda target: write_candidate_convocations(
            target, letters, session_year=session.year, academie=academie, progress=progress
        ),
        candidates=[letter.candidate_id for letter in letters],
        path=path,
        reason="convocation aux épreuves",
    )


def issue_signing_sheets(
    session: SessionInfo,
    *,
    centre_code: str | None = None,
    path: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> IssuedDocument:
    """Write the émargement lists as one PDF (an office document: no candidate's card);
    ``progress(done, total)`` after each list."""
    from baktui.exports.candidate_convocations import write_signing_sheets

    sheets = signing_sheets(session.id, centre_code=centre_code)
    if not sheets:
        raise ServiceError(
            "Aucun candidat placé dans cette portée : lancez d'abord le placement (baktui placer)."
        )
    academie = letterhead()
    return documents.issue(
        "liste_emargement",
        _name("emargement", centre_code, None),
        lambda target: write_signing_sheets(
            target, sheets, session_year=session.year, academie=academie, progress=progress
        ),
        examiners=[None],
        count=len(sheets),
        path=path,
        reason="listes d'émargement",
    )


LOGISTICS_STEPS = 7  # its six counts, then the workbook written


def logistics_sheets(
    session_id: int, progress: Callable[[int, int], object] | None = None
) -> list[tuple[str, list[str], list[list[object]]]]:
    """What the office orders subjects and copies with: candidates per épreuve (registered,
    placed), per centre, room and sitting, per série and option; ``progress(done,
    LOGISTICS_STEPS)`` after each count (a minute and more for a whole country)."""

    def tell(done: int) -> None:
        if progress is not None:
            progress(done, LOGISTICS_STEPS)

    tell(0)
    live = (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
    labels = session_epreuve_labels(session_id)
    registered = dict(
        Registration.select(Registration.epreuve_code, pw.fn.COUNT(Registration.id))
        .join(Candidate)
        .where(live & Registration.kept_session.is_null())
        .group_by(Registration.epreuve_code)
        .tuples()
    )
    tell(1)
    placed = dict(
        Convocation.select(Convocation.epreuve_code, pw.fn.COUNT(Convocation.id))
        .join(Candidate)
        .where(live & Convocation.room.is_null(False))
        .group_by(Convocation.epreuve_code)
        .tuples()
    )
    tell(2)
    extra = dict(
        Convocation.select(Convocation.epreuve_code, pw.fn.COUNT(Convocation.id))
        .join(Candidate)
        .where(live & (Convocation.extra_min > 0))
        .group_by(Convocation.epreuve_code)
        .tuples()
    )
    tell(3)
    by_epreuve = [
        [
            code,
            labels.get(code, code),
            registered.get(code, 0),
            placed.get(code, 0),
            extra.get(code, 0),
        ]  # fmt: skip
        for code in sorted(registered)
    ]
    rooms = (
        Convocation.select(Centre.code, Centre.name, Room.name, Convocation.epreuve_code,
                           Convocation.day, Convocation.start_time, pw.fn.COUNT(Convocation.id))
        .join(Candidate).switch(Convocation).join(Centre).switch(Convocation).join(Room)
        .where(live)
        .group_by(Centre.code, Centre.name, Room.name, Convocation.epreuve_code, Convocation.day,
                  Convocation.start_time)
        .order_by(Centre.code, Convocation.day, Convocation.start_time, Room.name)
        .tuples()
    )  # fmt: skip
    by_room = [[c, n, r, e, d, s, k] for c, n, r, e, d, s, k in rooms]
    tell(4)
    series = list(
        Candidate.select(Candidate.series, Candidate.status, pw.fn.COUNT(Candidate.id))
        .where(live)
        .group_by(Candidate.series, Candidate.status)
        .order_by(Candidate.series, Candidate.status)
        .tuples()
    )
    tell(5)
    options = list(
        Registration.select(Registration.option_name, pw.fn.COUNT(Registration.id))
        .join(Candidate)
        .where(live & (Registration.option_name != ""))
        .group_by(Registration.option_name)
        .order_by(Registration.option_name)
        .tuples()
    )
    tell(6)
    return [
        ("Par épreuve", ["Code", "Épreuve", "Inscrits", "Placés", "Dont temps majoré"],
         by_epreuve),
        ("Par centre et salle", ["Centre", "Nom du centre", "Salle", "Épreuve", "Date", "Début",
                                 "Candidats"], by_room),
        ("Par série et statut", ["Série", "Statut", "Candidats"],
         [[s, STATUSES.get(st, st), n] for s, st, n in series]),
        ("Par option", ["Option", "Inscriptions"], [list(r) for r in options]),
    ]  # fmt: skip


def issue_logistics_workbook(
    session: SessionInfo,
    *,
    path: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> IssuedDocument:
    """The logistics workbook (subjects and copies to order), an office file; ``progress``:
    its :data:`LOGISTICS_STEPS`."""
    from baktui.exports.excel import write_workbook

    sheets = logistics_sheets(session.id, progress)
    issued = documents.issue(
        "statistiques_logistique",
        documents.file_name("logistique", f"session-{session.year}", suffix=".xlsx"),
        lambda target: write_workbook(target, sheets),
        examiners=[None],
        count=sum(len(rows) for _, _, rows in sheets),
        path=path,
        reason="statistiques logistiques",
    )
    if progress is not None:
        progress(LOGISTICS_STEPS, LOGISTICS_STEPS)
    return issued


LABELS_SETTING = "etiquettes"  # the label sheet's layout (rules/labels.py), a setting


def label_layout() -> LabelLayout:
    """The office's label sheet (setting « etiquettes »), else the common A4 3 × 8."""
    text = setting(LABELS_SETTING) or DEFAULT_LAYOUT
    try:
        return parse_layout(text)
    except ValueError as exc:
        raise ServiceError(f"{exc} (paramètre « {LABELS_SETTING} », F9 Paramètres).") from None


def table_labels(session_id: int, *, centre_code: str | None = None) -> list[TableLabel]:
    """One label per candidate and written épreuve placed, by centre, sitting, room and seat."""
    centre = _centre(session_id, centre_code)
    labels = session_epreuve_labels(session_id)
    rows = (
        Convocation.select(Convocation, Candidate, Centre, Room)
        .join(Candidate).switch(Convocation).join(Centre).switch(Convocation).join(Room)
        .where(_where(session_id, centre, None))
        .order_by(Centre.code, Convocation.day, Convocation.start_time, Room.name,
                  Convocation.seat)
    )  # fmt: skip
    return [
        TableLabel(
            name=f"{r.candidate.last_name.upper()} {r.candidate.first_name}",
            number=r.candidate.number,
            epreuve=f"{r.epreuve_code} {labels.get(r.epreuve_code, r.epreuve_code)}",
            room=r.room.name,
            seat=r.seat,
        )
        for r in rows
    ]


def anonymity_labels(session_id: int, *, epreuve: str | None = None) -> list[AnonymityLabel]:
    """One label per copy's anonymity number (never the candidate's name), by épreuve and
    number: they are stuck on the copies, which leave anonymous."""
    where = Candidate.session == session_id
    if epreuve:
        where &= Anonymat.epreuve_code == epreuve.strip().upper()
    rows = (
        Anonymat.select(Anonymat.number, Anonymat.epreuve_code, Lot.number)
        .join(Candidate).switch(Anonymat).join(Lot, pw.JOIN.LEFT_OUTER)
        .where(where)
        .order_by(Anonymat.epreuve_code, Anonymat.number)
        .tuples()
    )  # fmt: skip
    return [AnonymityLabel(number, code, lot) for number, code, lot in rows]


def issue_labels(
    session: SessionInfo,
    kind: str,
    *,
    centre_code: str | None = None,
    epreuve: str | None = None,
    path: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> IssuedDocument:
    """Étiquettes de table (``kind`` « table ») or d'anonymat (« anonymat ») as one PDF;
    ``progress(done, total)`` in labels, sheet by sheet."""
    from baktui.exports.labels import write_labels

    layout = label_layout()
    if kind == "table":
        items: list[TableLabel | AnonymityLabel] = list(
            table_labels(session.id, centre_code=centre_code)
        )
        title = "Étiquettes de table"
    elif kind == "anonymat":
        items = list(anonymity_labels(session.id, epreuve=epreuve))
        title = "Étiquettes d'anonymat"
    else:
        raise ServiceError(f"Étiquettes « {kind} » : table ou anonymat.")
    if not items:
        raise ServiceError(
            f"{title} : rien à imprimer (placement ou numéros d'anonymat pas encore faits)."
        )
    academie = letterhead()
    return documents.issue(
        "etiquettes",
        documents.file_name("etiquettes", kind, centre_code or epreuve or "", suffix=".pdf"),
        lambda target: write_labels(target, items, layout, title=title, progress=progress,
                                    session_year=session.year, academie=academie),
        examiners=[None],
        count=len(items),
        path=path,
        reason=title.lower(),
    )  # fmt: skip
