"""Exam sessions and their regulation ("ouvrir le registre")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from baktui.data import audit, closing
from baktui.data.db import write_transaction
from baktui.data.models import Epreuve, ExamSession, Series
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.lifecycles import PHASE
from baktui.rules.regulation import Regulation, load_regulation

KINDS = {"normale": "session normale", "remplacement": "session de remplacement"}


@dataclass(frozen=True)
class SessionInfo:
    id: int
    year: int
    kind: str
    phase: str
    label: str
    closed: bool = False  # « baktui clore »: read-only

    @property
    def title(self) -> str:
        return (
            f"Baccalauréat technologique — session {self.year} ({KINDS.get(self.kind, self.kind)})"
        )

    @property
    def phase_label(self) -> str:
        return PHASE.label(self.phase)


def _info(row: ExamSession) -> SessionInfo:
    return SessionInfo(row.id, row.year, row.kind, row.phase, row.label, bool(row.closed_at))


def open_registre(
    year: int, kind: str = "normale", regulation: Regulation | None = None
) -> SessionInfo:
    """Create the session and load its regulation (épreuves, coefficients, series) into it.

    The regulation is copied into the database, so a session keeps the rules it was opened with.
    """
    if kind not in KINDS:
        raise ServiceError(f"Type de session « {kind} » inconnu (normale ou remplacement).")
    try:
        reg = regulation or load_regulation(year)
    except KeyError:
        raise ServiceError(
            f"Aucune réglementation pour la session {year} : baktui connaît "
            + ", ".join(str(y) for y in _years())
        ) from None
    with write_transaction():
        if ExamSession.get_or_none((ExamSession.year == year) & (ExamSession.kind == kind)):
            raise ServiceError(f"Le registre de la session {year} ({kind}) est déjà ouvert.")
        for previous in list(ExamSession.select(ExamSession.id).where(ExamSession.is_current)):
            # which session is the current one is the office's pointer, not the content of
            # the previous session: it moves even when that session is closed
            with closing.closing():
                audit.update(
                    ExamSession, previous.id, {"is_current": False}, reason="ouverture du registre"
                )
        session = audit.create(
            ExamSession,
            year=year,
            kind=kind,
            phase="inscriptions",
            label=f"Session {year}",
            regulation_json=json.dumps(reg.to_dict(), ensure_ascii=False),
            opened_at=audit.now_iso(),
            opened_by=audit.current_user(),
            is_current=True,
            reason="ouverture du registre",
        )
        Series.insert_many(
            [
                {
                    "session": session.id,
                    "code": s.code,
                    "label": s.label,
                    "sp1_label": s.sp1_label,
                    "sp2_label": s.sp2_label,
                    "spa_label": s.spa_label,
                    "sub_choice_label": s.sub_choice_label,
                    "sub_choices": ",".join(s.sub_choices),
                }
                for s in reg.series
            ]
        ).execute()
        Epreuve.insert_many(
            [
                {
                    "session": session.id,
                    "code": e.code,
                    "label": e.label,
                    "coef": str(e.coef),
                    "kind": e.kind,
                    "terminal": e.terminal,
                    "precision": e.precision,
                    "second_group": e.second_group,
                    "is_option": e.option,
                    "keepable": e.keepable,
                }
                for e in reg.epreuves
            ]
        ).execute()
    return _info(session)


def _years() -> list[int]:
    from baktui.rules.regulation import available_years

    return available_years()


def current_session() -> SessionInfo | None:
    """The session the office works on (the latest opened), or None before any registre."""
    row = (
        ExamSession.select()
        .order_by(ExamSession.is_current.desc(), ExamSession.year.desc(), ExamSession.id.desc())
        .first()
    )
    return _info(row) if row else None


def list_sessions() -> list[SessionInfo]:
    """Every session of the base, the latest first (the session picker)."""
    rows = ExamSession.select().order_by(ExamSession.year.desc(), ExamSession.kind, ExamSession.id)
    return [_info(row) for row in rows]


def session_info(session_id: int) -> SessionInfo | None:
    """The session as it is now in the base (its phase may have been changed by a colleague)."""
    row = ExamSession.get_or_none(ExamSession.id == session_id)
    return _info(row) if row else None


def require_session(year: int | None = None, kind: str | None = None) -> SessionInfo:
    """The session of that year (normale first, or of that kind), or the current one; a French
    error otherwise."""
    if kind is not None and kind not in KINDS:
        raise ServiceError(f"Type de session « {kind} » inconnu (normale ou remplacement).")
    if year is None and kind is not None:
        current = current_session()
        year = current.year if current else None
    if year is None:
        info = current_session()
        if info is None:
            raise ServiceError(
                "Aucune session ouverte : créez-la avec « baktui --db FICHIER init --session 2026 »."
            )
        return info
    row = (
        ExamSession.select()
        .where((ExamSession.year == year) & ((ExamSession.kind == kind) if kind else True))
        .order_by(ExamSession.kind.asc())
        .first()
    )
    if row is None:
        raise ServiceError(
            f"Aucune session {year} {kind or ''} dans cette base.".replace("  ", " ")
        )
    return _info(row)


def regulation_of(session_id: int) -> Regulation:
    """The regulation stored with the session (not the shipped file: it may have changed since)."""
    row = ExamSession.get_by_id(session_id)
    return _parse_regulation(row.regulation_json)


@lru_cache(maxsize=8)
def _parse_regulation(text: str) -> Regulation:
    return Regulation.from_dict(json.loads(text))


def set_phase(session_id: int, phase: str) -> SessionInfo:
    """Move the session to another phase (audited)."""
    with write_transaction():
        current = ExamSession.get_or_none(ExamSession.id == session_id)
        if current is None:
            raise NotFoundError(f"Session n° {session_id} introuvable.")
        error = PHASE.move_error(current.phase, phase)
        if error:
            raise ServiceError(f"Session : {error}.")
        row = audit.update(ExamSession, session_id, {"phase": phase}, reason="changement de phase")
    return _info(row)


def is_closed(session_id: int) -> bool:
    """Whether the session was closed (read-only)."""
    row = ExamSession.get_or_none(ExamSession.id == session_id)
    return bool(row and row.closed_at)


def close_session(session_id: int) -> SessionInfo:
    """Close the session: from now on every write about it is refused (audited once)."""
    with write_transaction():
        row = ExamSession.get_or_none(ExamSession.id == session_id)
        if row is None:
            raise NotFoundError(f"Session n° {session_id} introuvable.")
        if row.closed_at:
            raise ServiceError(closing.message(row))
        with closing.closing():
            row = audit.update(
                ExamSession,
                session_id,
                {"closed_at": audit.now_iso(), "closed_by": audit.current_user()},
                reason="clôture de la session",
            )
    return _info(row)
