"""The registrations behind the home screen's counts, listed by state for F3.

« Inscriptions à vérifier 493 » on the home screen must lead to the 493 registrations, not to a
screen that counts other things: the home counts and these lists use the same conditions
(:func:`condition`), so a figure and the list behind it never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from baktui.data.models import Candidate
from baktui.rules.lifecycles import REGISTRATION, RegistrationState

# key → French label, in the order F3 shows them; the first three are the home screen's lines
WORKLISTS: dict[str, str] = {
    "to_check": "Inscriptions à vérifier (brouillon ou confirmée)",
    "missing_lvb": "LVB manquante",
    "missing_centre": "Sans centre d'examen",
    RegistrationState.BROUILLON.value: "Brouillons",
    RegistrationState.CONFIRMEE.value: "Confirmées (à valider)",
    RegistrationState.VALIDEE.value: "Validées",
    RegistrationState.ANNULEE.value: "Annulées",
}

LIVE = Candidate.state != RegistrationState.ANNULEE


def condition(key: str) -> pw.Expression:
    """The candidates a worklist holds (without the session)."""
    C = Candidate
    if key == "to_check":
        return C.state.in_([RegistrationState.BROUILLON, RegistrationState.CONFIRMEE])
    if key == "missing_lvb":
        return LIVE & (C.lvb == "")
    if key == "missing_centre":
        return LIVE & C.centre.is_null()
    if key in REGISTRATION.states:
        return C.state == key
    raise KeyError(key)


@dataclass(frozen=True)
class WorklistRow:
    """A candidate of a worklist, as F3 lists it (plain text, never markup)."""

    candidate_id: int
    number: str
    name: str  # « LEFÈVRE Hélène »
    series: str
    status: str
    state_label: str


@dataclass(frozen=True)
class WorklistPage:
    key: str
    label: str
    rows: tuple[WorklistRow, ...]
    total: int
    offset: int


def counts(session_id: int) -> dict[str, int]:
    """How many candidates each worklist holds, in one scan of the session."""
    C = Candidate
    columns = [pw.fn.SUM(pw.Case(None, [(condition(key), 1)], 0)) for key in WORKLISTS]
    row = C.select(*columns).where(C.session == session_id).tuples().first() or ()
    return {key: int(value or 0) for key, value in zip(WORKLISTS, row, strict=False)}


def page(session_id: int, key: str, *, offset: int = 0, limit: int = 100) -> WorklistPage:
    """One page of a worklist, by name (the (session, name_key) index gives the order)."""
    if key not in WORKLISTS:
        raise KeyError(key)
    C = Candidate
    where = (C.session == session_id) & condition(key)
    total = C.select().where(where).count()
    if total and offset >= total:
        offset = (total - 1) // limit * limit
    query = (
        C.select(C.id, C.number, C.last_name, C.first_name, C.series, C.status, C.state)
        .where(where)
        .order_by(C.name_key, C.id)
        .offset(max(offset, 0))
        .limit(limit)
        .tuples()
    )
    rows = tuple(
        WorklistRow(
            candidate_id=cid,
            number=number,
            name=f"{last.upper()} {first}".strip(),
            series=series,
            status=status,
            state_label=REGISTRATION.label(state),
        )
        for cid, number, last, first, series, status, state in query
    )
    return WorklistPage(key, WORKLISTS[key], rows, total, max(offset, 0))
