"""The office keys a claim in F6: the examiner found from what was typed, the claim declared, and
where it stands in the queue (so that the screen can show it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from baktui.data.models import Examiner, ExpenseClaim
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.claim_views import ClaimDetail
from baktui.services import claim_workflow
from baktui.services.examiners import search_examiners

SHOWN_NAMES = 3


def find_examiner(text: str) -> int:
    """The examiner whose identifier is ``text`` (EX0001), or the one examiner whose name starts
    with it; a French refusal when none or several match."""
    typed = " ".join(text.split())
    if not typed:
        raise ServiceError("Examinateur : obligatoire (identifiant ou nom).")
    identifier = typed.replace(" ", "").upper()
    found = Examiner.get_or_none(Examiner.identifier == identifier)
    if found is not None:
        return found.id
    matches = search_examiners(typed, limit=SHOWN_NAMES + 1)
    if not matches:
        raise NotFoundError(f"Examinateur : aucun identifiant ni nom « {typed} ».")
    if len(matches) > 1:
        names = ", ".join(m.last_name + " " + m.first_name for m in matches[:SHOWN_NAMES])
        more = "…" if len(matches) > SHOWN_NAMES else ""
        raise ServiceError(
            f"Examinateur : « {typed} » désigne plusieurs personnes ({names}{more}) : "
            "précisez ou tapez l'identifiant."
        )
    return matches[0].id


def declare_claim(
    examiner_text: str, *, origin: str, meals_per_day: int, nights: Iterable[dt.date]
) -> ClaimDetail:
    """Declare the claim of the examiner typed, for the convocations no live claim covers yet."""
    examiner_id = find_examiner(examiner_text)
    return claim_workflow.create_claim_from_assignments(
        examiner_id, origin=origin, meals_per_day=meals_per_day, nights=tuple(nights)
    )


def queue_offset(session_id: int, states: tuple[str, ...], claim_id: int) -> int:
    """How many claims of these states the queue shows before this one (its order)."""
    claim = ExpenseClaim.get_or_none(ExpenseClaim.id == claim_id)
    if claim is None:
        return 0
    before = (ExpenseClaim.declared_at < claim.declared_at) | (
        (ExpenseClaim.declared_at == claim.declared_at) & (ExpenseClaim.id < claim_id)
    )
    return (
        ExpenseClaim.select()
        .where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(states) & before)
        .count()
    )
