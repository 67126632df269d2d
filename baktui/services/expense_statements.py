"""États de frais: each examiner's identity and claims of the session, and their PDF."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from baktui.data.models import Commune, Etablissement, Examiner, ExpenseClaim
from baktui.errors import NotFoundError
from baktui.rules.claim_views import ExaminerStatement
from baktui.rules.lifecycles import CLAIM_LIVE, ClaimState
from baktui.services import documents
from baktui.services.claim_facts import load
from baktui.services.claims import ServiceError, claim_view
from baktui.services.payments import ExportResult
from baktui.services.rates import rate_table
from baktui.services.sessions import SessionInfo
from baktui.services.settings import letterhead


def examiner_statements(
    examiner_ids: Sequence[int], session_id: int, *, states: Sequence[str] = CLAIM_LIVE
) -> list[ExaminerStatement]:
    """États de frais: each examiner's identity and claims of the session in ``states``.

    Read in bulk (a fixed number of queries for the whole batch), in the order given.
    """
    examiners = {e.id: e for e in Examiner.select().where(Examiner.id.in_(list(examiner_ids)))}
    missing = [i for i in examiner_ids if i not in examiners]
    if missing:
        raise NotFoundError(f"Examinateur n° {missing[0]} introuvable.")
    claim_ids: dict[int, list[int]] = defaultdict(list)
    for claim in (
        ExpenseClaim.select(ExpenseClaim.id, ExpenseClaim.examiner)
        .where(
            ExpenseClaim.examiner.in_(list(examiner_ids))
            & (ExpenseClaim.session == session_id)
            & ExpenseClaim.state.in_(list(states))
        )
        .order_by(ExpenseClaim.declared_at, ExpenseClaim.id)
    ):
        claim_ids[claim.examiner_id].append(claim.id)
    bundle = load([i for ids in claim_ids.values() for i in ids])
    rates = rate_table()
    today = dt.date.today()
    commune_ids = {
        c for e in examiners.values() for c in (e.home_commune_id, e.admin_commune_id) if c
    }
    communes = {c.id: c.name for c in Commune.select().where(Commune.id.in_(list(commune_ids)))}
    etab_ids = {e.etablissement_id for e in examiners.values() if e.etablissement_id}
    etabs = {
        e.id: e.name for e in Etablissement.select().where(Etablissement.id.in_(list(etab_ids)))
    }
    statements: list[ExaminerStatement] = []
    for examiner_id in examiner_ids:
        examiner = examiners[examiner_id]
        statements.append(
            ExaminerStatement(
                examiner_id=examiner.id,
                civility=examiner.civility or "",
                last_name=examiner.last_name,
                first_name=examiner.first_name,
                corps=examiner.corps or "",
                etablissement=etabs.get(examiner.etablissement_id, ""),
                home_commune=communes.get(examiner.home_commune_id, ""),
                admin_commune=communes.get(examiner.admin_commune_id, ""),
                fiscal_hp=examiner.fiscal_hp,
                vehicle_authorised=bool(examiner.vehicle_authorised),
                claims=tuple(
                    claim_view(bundle, i, rates, today) for i in claim_ids.get(examiner_id, [])
                ),
            )
        )
    return statements


def examiner_statement(
    examiner_id: int, session_id: int, *, states: Sequence[str] = CLAIM_LIVE
) -> ExaminerStatement:
    """One examiner's état de frais (see :func:`examiner_statements`)."""
    return examiner_statements([examiner_id], session_id, states=states)[0]


def examiners_with_claims(
    session_id: int, states: Sequence[str] = (ClaimState.VALIDEE,)
) -> list[int]:
    """Examiners having claims in ``states``, by name (for a batch of états de frais)."""
    query = (
        Examiner.select(Examiner.id)
        .join(ExpenseClaim)
        .where((ExpenseClaim.session == session_id) & ExpenseClaim.state.in_(list(states)))
        .group_by(Examiner.id)
        .order_by(Examiner.last_name, Examiner.first_name)
    )
    return [e.id for e in query]


# "Validated" claims: validated, and still so once put into payment (the payment file does not
# unvalidate them; before, the batch after « mis en paiement » found no examiner at all).
VALIDATED_STATES = (ClaimState.VALIDEE, ClaimState.MISE_EN_PAIEMENT)


def export_validated_statements(
    session: SessionInfo, path: str | Path | None = None
) -> ExportResult:
    """The états de frais of every examiner with validated claims (put into payment or not),
    one PDF."""
    ids = examiners_with_claims(session.id, VALIDATED_STATES)
    if not ids:
        raise ServiceError("Aucune demande validée dans la session : pas d'état de frais à éditer.")
    return export_statements(session, ids, states=VALIDATED_STATES, path=path)


def export_statements(
    session: SessionInfo,
    examiner_ids: Sequence[int],
    *,
    states: Sequence[str] = CLAIM_LIVE,
    path: str | Path | None = None,
) -> ExportResult:
    """The états de frais of these examiners (their claims in ``states``), ONE PDF, recorded on
    each examiner."""
    from baktui.exports.expenses import write_statements

    if not examiner_ids:
        raise ServiceError("Aucun examinateur pour l'état de frais.")
    statements = [
        s for s in examiner_statements(list(examiner_ids), session.id, states=states) if s.claims
    ]
    if not statements:
        raise ServiceError("Aucune demande à faire figurer sur l'état de frais.")
    if len(statements) == 1:
        parts = ("etat-de-frais", f"{statements[0].last_name}-{statements[0].first_name}")
    else:
        parts = ("etats-de-frais", f"{len(statements)}-examinateurs")
    academie = letterhead()
    issued = documents.issue(
        documents.ETAT_DE_FRAIS,
        documents.file_name(*parts, str(session.year), suffix=".pdf", stamped=False),
        lambda target: write_statements(
            target, statements, session_year=session.year, academie=academie
        ),
        examiners=[s.examiner_id for s in statements],
        path=Path(path) if path else None,
    )
    total = sum(
        sum(line.amount_centi if claim.frozen else line.computed_centi for line in claim.lines)
        for statement in statements
        for claim in statement.claims
        if claim.state != ClaimState.REJETEE
    )
    return ExportResult(issued.path, len(statements), total)
