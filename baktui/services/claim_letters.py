"""The letter that tells an examiner a claim was rejected, with the reason (issue 20)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee as pw

from baktui.data.models import AuditLog, Commune, Etablissement, Examiner, ExpenseClaim, ExpenseLine
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.claim_views import RejectionLetter, parse_day
from baktui.rules.examiners import corps_title
from baktui.rules.lifecycles import ClaimState
from baktui.services import documents
from baktui.services.rates import as_date
from baktui.services.sessions import session_info
from baktui.services.settings import letterhead


def rejection_letter(claim_id: int) -> RejectionLetter:
    """What the letter says about a rejected claim: the examiner, the claim and the reason."""
    claim = ExpenseClaim.get_or_none(ExpenseClaim.id == claim_id)
    if claim is None:
        raise NotFoundError(f"Demande n° {claim_id} introuvable.")
    if claim.state != ClaimState.REJETEE:
        raise ServiceError(
            f"Demande n° {claim_id} : elle n'est pas rejetée, pas de lettre de rejet."
        )
    examiner = Examiner.get_by_id(claim.examiner_id)
    etablissement = (
        Etablissement.get_or_none(Etablissement.id == examiner.etablissement_id)
        if examiner.etablissement_id
        else None
    )
    first, last = (
        ExpenseLine.select(pw.fn.MIN(ExpenseLine.day), pw.fn.MAX(ExpenseLine.day))
        .where(ExpenseLine.claim == claim_id)
        .tuples()
        .get()
    )
    entry = (
        AuditLog.select(AuditLog.at, AuditLog.who)
        .where(
            (AuditLog.entity == "expense_claim")
            & (AuditLog.entity_id == str(claim_id))
            & (AuditLog.field == "state")
            & (AuditLog.after == ClaimState.REJETEE)
        )
        .order_by(AuditLog.id.desc())
        .first()
    )
    when = parse_day(entry.at) if entry else None
    who = entry.who if entry else ""
    return RejectionLetter(
        examiner_id=examiner.id,
        civility=examiner.civility or "",
        last_name=examiner.last_name,
        first_name=examiner.first_name,
        corps=corps_title(examiner.corps or "", examiner.civility) if examiner.corps else "",
        etablissement=etablissement.name if etablissement else "",
        claim_id=claim.id,
        declared_on=parse_day(claim.declared_at or ""),
        first_day=as_date(first) if first else None,
        last_day=as_date(last) if last else None,
        total_centi=claim.total_centi or 0,
        reason=claim.reject_reason or "",
        rejected_on=when or dt.date.today(),
        rejected_by=who,
        address=_address(etablissement),
    )


def _address(etablissement: Etablissement | None) -> tuple[str, ...]:
    if etablissement is None:
        return ()
    commune = (
        Commune.get_or_none(Commune.id == etablissement.commune_id)
        if etablissement.commune_id
        else None
    )
    town = f"{commune.postcode} {commune.name}".strip() if commune is not None else ""
    lines = ("s/c du chef d’établissement", etablissement.address, town)
    return tuple(line for line in lines if line)


def issue_rejection_letter(
    claim_id: int, path: str | Path | None = None
) -> documents.IssuedDocument:
    """Write the rejection letter (PDF, letterhead of the settings) and record it on the
    examiner."""
    from baktui.exports.expenses import write_rejection_letters

    letter = rejection_letter(claim_id)
    claim = ExpenseClaim.get_by_id(claim_id)
    session = session_info(claim.session_id)
    year = session.year if session is not None else dt.date.today().year
    academie = letterhead()
    return documents.issue(
        documents.REJET_FRAIS,
        documents.file_name("rejet-frais", f"{letter.last_name}-{claim_id}", suffix=".pdf"),
        lambda target: write_rejection_letters(
            target, [letter], session_year=year, academie=academie
        ),
        examiners=[letter.examiner_id],
        path=Path(path) if path else None,
        reason=f"lettre de rejet de la demande n° {claim_id}",
    )
