"""Convening an examiner from F5's form: the typed fields turned into a mission.

:func:`convene` reads what the form holds as text (the day JJ/MM/AAAA, the lot and jury numbers),
finds the lot or jury of the session, and hands the mission to
:func:`~baktui.services.assignments.create_assignment`, which checks every rule and writes it
(audited) or raises :class:`~baktui.services.eligibility.AssignmentRefused` with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from baktui.data.models import Centre, Jury
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.identifiers import parse_date_fr
from baktui.services.assignments import create_assignment
from baktui.services.examiners import AssignmentInfo
from baktui.services.lots import find_lot


@dataclass(frozen=True)
class CentreChoice:
    id: int
    code: str
    name: str
    correction: bool

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class ConveneRequest:
    """The convocation form, as typed."""

    kind: str
    day: str  # JJ/MM/AAAA
    start_time: str
    end_time: str
    epreuve_code: str = ""
    centre_id: int | None = None
    lot: str = ""  # lot number, for a correction
    jury: str = ""  # jury number, for a jury seat


def centre_choices(session_id: int) -> list[CentreChoice]:
    """The session's centres, by code (the form's list)."""
    rows = Centre.select().where(Centre.session == session_id).order_by(Centre.code)
    return [CentreChoice(c.id, c.code, c.name, bool(c.is_correction)) for c in rows]


def _number(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ServiceError(f"Numéro de {what} « {text} » : tapez un nombre.")
    return int(text)


def convene(session_id: int, examiner_id: int, request: ConveneRequest) -> AssignmentInfo:
    """Create the mission the form describes (see the module docstring); nothing is written
    when a field is wrong or a rule refuses it."""
    try:
        day = parse_date_fr(request.day)
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc
    lot_id = jury_id = None
    epreuve_code = request.epreuve_code.strip().upper()
    if request.kind == "correction" and (number := _number(request.lot, "lot")) is not None:
        lot = find_lot(session_id, number)
        lot_id = lot.id
        if not epreuve_code:
            epreuve_code = lot.epreuve_code
        elif epreuve_code != lot.epreuve_code:
            raise ServiceError(
                f"Le lot n° {number} est un lot de {lot.epreuve_code}, pas de {epreuve_code}."
            )
    if request.kind == "jury" and (number := _number(request.jury, "jury")) is not None:
        jury = Jury.get_or_none((Jury.session == session_id) & (Jury.number == number))
        if jury is None:
            raise NotFoundError(f"Aucun jury n° {number} dans la session.")
        jury_id = jury.id
    return create_assignment(
        session_id,
        examiner_id,
        kind=request.kind,
        day=day,
        start_time=request.start_time.strip(),
        end_time=request.end_time.strip(),
        epreuve_code=epreuve_code,
        centre_id=request.centre_id,
        lot_id=lot_id,
        jury_id=jury_id,
    )
