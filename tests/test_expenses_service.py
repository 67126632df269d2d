"""Expense claims service: creation from convocations, amounts, corrections, states, audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import assert_office_workbook

from baktui.data import audit
from baktui.data.models import (
    Anonymat,
    Assignment,
    AuditLog,
    Candidate,
    Centre,
    Commune,
    CommuneDistance,
    Examiner,
    ExpenseClaim,
    ExpenseLine,
    ExpenseRate,
    Lot,
)
from baktui.errors import ConflictError, ServiceError
from baktui.rules import claim_views
from baktui.services import claim_facts, claim_workflow, claims, expense_statements, payments, rates
from baktui.services.sessions import SessionInfo

ORAL_DAY = dt.date(2026, 6, 16)
CORRECTION_DAY = dt.date(2026, 6, 18)
TODAY = dt.date(2026, 7, 16)


@dataclass
class World:
    session_id: int
    examiner_id: int
    bourg: int
    lyon: int
    oral: int  # assignment ids
    correction: int


@pytest.fixture
def world(session: SessionInfo) -> World:
    """Bourg-en-Bresse (residence) – 62 km – Lyon (centre); an oral (6 h) and a 3-copy lot."""
    rates.seed_default_rates()
    bourg = Commune.create(name="Bourg-en-Bresse", postcode="01000", night_category="base")
    lyon = Commune.create(
        name="Lyon", postcode="69001", night_category="grande_ville", latitude="45.7640",
        longitude="4.8357",
    )  # fmt: skip
    CommuneDistance.create(origin=bourg, destination=lyon, km=62)
    centre = Centre.create(session=session.id, code="C01", name="Lycée Ampère", commune=lyon)
    examiner = Examiner.create(
        last_name="Durand", first_name="Claire", corps="CERTIFIE", home_commune=bourg,
        admin_commune=bourg, fiscal_hp=6, vehicle_authorised=True, annual_km=0,
    )  # fmt: skip
    lot = Lot.create(session=session.id, number=1, epreuve_code="PHI", correcteur=examiner)
    for index in range(3):
        candidate = Candidate.create(
            session=session.id, number=f"N{index}", last_name="X", first_name="Y", series="STMG"
        )
        Anonymat.create(candidate=candidate, epreuve_code="PHI", number=f"A{index}", lot=lot)
    oral = Assignment.create(
        session=session.id, examiner=examiner, kind="oral", epreuve_code="GO", day=ORAL_DAY,
        centre=centre, hours_centi=600, state="convoquee",
    )  # fmt: skip
    correction = Assignment.create(
        session=session.id, examiner=examiner, kind="correction", epreuve_code="PHI",
        day=CORRECTION_DAY, centre=centre, lot=lot, state="convoquee",
    )  # fmt: skip
    return World(session.id, examiner.id, bourg.id, lyon.id, oral.id, correction.id)


def claim_ready(world: World, **kw: object) -> claim_views.ClaimDetail:
    """A claim for both convocations, service fait attested."""
    detail = claim_workflow.create_claim_from_assignments(world.examiner_id, **kw)  # type: ignore[arg-type]
    return claim_workflow.attest_service_fait(detail.id, detail.version)


def audit_entries(claim_id: int, field: str | None = None) -> list[AuditLog]:
    query = AuditLog.select().where(
        (AuditLog.entity == "expense_claim") & (AuditLog.entity_id == str(claim_id))
    )
    if field is not None:
        query = query.where(AuditLog.field == field)
    return list(query.order_by(AuditLog.id))


def test_seed_rates_once(world: World) -> None:
    assert ExpenseRate.select().count() == 31
    assert rates.seed_default_rates() == 0


def test_claim_from_assignments_hand_computed(world: World) -> None:
    detail = claim_workflow.create_claim_from_assignments(world.examiner_id)
    kinds = [(line.day, line.kind) for line in detail.lines]
    assert kinds == [
        (ORAL_DAY, "car"),
        (ORAL_DAY, "meal"),
        (ORAL_DAY, "oral_hours"),
        (CORRECTION_DAY, "car"),
        (CORRECTION_DAY, "meal"),
        (CORRECTION_DAY, "copies"),
    ]
    amounts = [line.amount_centi for line in detail.lines]
    # car 124 km × 0,41 = 50,84 (twice: 248 km stays in the first band, 6 CV)
    # meal 20 ; oral 6 h × 9,60 = 57,60 ; copies 3 × 5 = 15
    assert amounts == [5084, 2000, 5760, 5084, 2000, 1500]
    assert detail.row.total_centi == 21428
    assert detail.computed_total_centi == 21428
    assert detail.state == "declaree"
    assert detail.anomalies == ()
    assert [m.assignment_id for m in detail.missions] == [world.oral, world.correction]
    assert audit_entries(detail.id)  # creation and the total are in the log
    # nothing left to declare
    with pytest.raises(ServiceError, match="Aucune convocation à déclarer"):
        claim_workflow.create_claim_from_assignments(world.examiner_id)


def test_annual_km_moves_the_band(world: World) -> None:
    Examiner.update(annual_km=1950).where(Examiner.id == world.examiner_id).execute()
    detail = claim_workflow.create_claim_from_assignments(world.examiner_id)
    cars = [line for line in detail.lines if line.kind == "car"]
    # 1 950 done: 50 × 0,41 + 74 × 0,51 = 20,50 + 37,74 = 58,24 ; then 124 × 0,51 = 63,24
    assert [c.amount_centi for c in cars] == [5824, 6324]
    assert "50 km × 0,41 €" in cars[0].detail


def test_validate_clean_claim(world: World) -> None:
    detail = claim_ready(world)
    with audit.acting_as("agent.dec"):
        done = claim_workflow.validate_claim(detail.id, detail.version)
    assert done.state == "validee"
    row = ExpenseClaim.get_by_id(detail.id)
    assert row.validated_by == "agent.dec" and row.validated_at
    states = [(e.before, e.after, e.who) for e in audit_entries(detail.id, "state")]
    assert ("declaree", "service_fait", states[0][2]) == states[0]
    assert ("service_fait", "validee", "agent.dec") == states[1]


def test_declared_claim_cannot_be_validated(world: World) -> None:
    detail = claim_workflow.create_claim_from_assignments(world.examiner_id)
    with pytest.raises(ServiceError, match="service fait n'est pas attesté"):
        claim_workflow.validate_claim(detail.id, detail.version)


def test_anomaly_must_be_confirmed_and_is_logged(world: World) -> None:
    detail = claim_ready(world)
    detail = claim_workflow.add_line(
        detail.id, detail.version, day=ORAL_DAY, kind="night", to_commune=world.lyon
    )
    assert [a.code for a in detail.anomalies] == ["night_receipt"]
    text = detail.anomalies[0].text
    night = next(line for line in detail.lines if line.kind == "night")
    assert night.computed_centi == 12000  # Lyon: grande ville
    with pytest.raises(ServiceError, match="1 anomalie à confirmer"):
        claim_workflow.validate_claim(detail.id, detail.version)
    assert ExpenseClaim.get_by_id(detail.id).state == "service_fait"
    assert audit_entries(detail.id, claim_facts.ANOMALY_FIELD) == []
    done = claim_workflow.validate_claim(detail.id, detail.version, confirmed=[text])
    assert done.state == "validee"
    confirmations = audit_entries(detail.id, claim_facts.ANOMALY_FIELD)
    assert [e.after for e in confirmations] == [text]
    assert done.anomalies[0].confirmed


def test_reject_requires_a_reason(world: World) -> None:
    detail = claim_ready(world)
    with pytest.raises(ServiceError, match="Motif du rejet : obligatoire"):
        claim_workflow.reject_claim(detail.id, detail.version, "  ")
    done = claim_workflow.reject_claim(
        detail.id, detail.version, "Convocation  annulée par le centre"
    )
    assert done.state == "rejetee"
    assert ExpenseClaim.get_by_id(detail.id).reject_reason == "Convocation annulée par le centre"
    entry = audit_entries(detail.id, "state")[-1]
    assert entry.after == "rejetee" and "Convocation annulée" in entry.reason
    with pytest.raises(ServiceError, match="ne peut plus être rejetée"):
        claim_workflow.reject_claim(detail.id, done.version, "encore")


def test_correct_line_recomputes_and_logs(world: World) -> None:
    detail = claim_ready(world)
    car = detail.lines[0]
    done = claim_workflow.correct_line(
        detail.id, car.id, detail.version, {"km": "180"}, reason="trajet réel"
    )
    line = next(line for line in done.lines if line.id == car.id)
    assert line.km == 180 and line.amount_centi == 7380  # 180 × 0,41
    assert done.row.total_centi == 21428 - 5084 + 7380
    assert [a.code for a in done.anomalies] == ["distance"]
    log = (
        AuditLog.select()
        .where((AuditLog.entity == "expense_line") & (AuditLog.entity_id == str(car.id)))
        .order_by(AuditLog.id)
    )
    changes = [(e.field, e.before, e.after, e.reason) for e in log if e.field]
    assert ("km", "124", "180", "trajet réel") in changes
    assert any(f == "amount_centi" and a == "7380" for f, _, a, _ in changes)
    assert done.version > detail.version
    # someone else's stale copy is refused
    with pytest.raises(ConflictError):
        claim_workflow.correct_line(detail.id, car.id, detail.version, {"km": "124"})


def test_bad_correction_input_names_the_field(world: World) -> None:
    detail = claim_ready(world)
    line = detail.lines[0]
    with pytest.raises(ServiceError, match="Distance \\(km\\) : « douze »"):
        claim_workflow.correct_line(detail.id, line.id, detail.version, {"km": "douze"})
    with pytest.raises(ServiceError, match="Justificatif : répondez o"):
        claim_workflow.correct_line(detail.id, line.id, detail.version, {"receipt": "peut-être"})
    with pytest.raises(ServiceError, match="Montant déclaré"):
        claim_workflow.correct_line(detail.id, line.id, detail.version, {"declared": "12,345"})


def test_recompute_after_a_rate_change(world: World) -> None:
    detail = claim_workflow.create_claim_from_assignments(world.examiner_id)
    meal = ExpenseRate.get(
        (ExpenseRate.kind == "meal") & (ExpenseRate.key == "repas")
        & ExpenseRate.valid_to.is_null()
    )  # fmt: skip
    ExpenseRate.update(amount="21.00").where(ExpenseRate.id == meal.id).execute()
    stale = claims.claim_detail(detail.id)
    assert [line.stale for line in stale.lines if line.kind == "meal"] == [True, True]
    done = claims.recompute_claim(detail.id)
    assert [line.amount_centi for line in done.lines if line.kind == "meal"] == [2100, 2100]
    assert done.row.total_centi == 21428 + 200


def test_validated_claim_is_frozen(world: World) -> None:
    detail = claim_ready(world)
    done = claim_workflow.validate_claim(detail.id, detail.version)
    with pytest.raises(ServiceError, match="montants sont arrêtés"):
        claims.recompute_claim(detail.id)
    with pytest.raises(ServiceError, match="ne se corrige plus"):
        claim_workflow.correct_line(detail.id, done.lines[0].id, done.version, {"km": "1"})


def test_claimed_twice_and_too_many_copies(world: World) -> None:
    first = claim_workflow.create_claim_from_assignments(world.examiner_id)
    second = claim_workflow.create_claim_from_assignments(world.examiner_id, [world.correction])
    found = {a.code for a in second.anomalies}
    assert "duplicate" in found
    assert "copies_excess" in found  # 3 + 3 copies claimed, the lot holds 3
    again = claims.claim_detail(first.id)
    assert any(a.code == "duplicate" for a in again.anomalies)


def test_queue_oldest_first_with_anomaly_counts(world: World) -> None:
    old = claim_workflow.create_claim_from_assignments(
        world.examiner_id, [world.correction], declared_at="2026-06-20T10:00:00+02:00"
    )
    new = claim_workflow.create_claim_from_assignments(
        world.examiner_id, [world.oral], declared_at="2026-06-17T09:00:00+02:00"
    )
    for claim in (old, new):
        claim_workflow.attest_service_fait(claim.id, claim.version)
    page = claims.queue(world.session_id, today=TODAY)
    assert [row.id for row in page.rows] == [new.id, old.id]
    assert page.total == 2
    assert page.rows[0].days_waiting == 29
    assert page.rows[0].anomalies == 0
    assert claims.queue(world.session_id, states=("declaree",)).total == 0
    with pytest.raises(ServiceError, match="inconnu"):
        claims.queue(world.session_id, states=("payee",))


def test_ageing_by_stage(world: World) -> None:
    a = claim_workflow.create_claim_from_assignments(
        world.examiner_id, [world.oral], declared_at="2026-06-17T09:00:00+02:00"
    )
    b = claim_workflow.create_claim_from_assignments(
        world.examiner_id, [world.correction], declared_at="2026-03-01T09:00:00+01:00"
    )
    claim_workflow.attest_service_fait(b.id, b.version)
    rows = {row.state: row for row in claims.ageing(world.session_id, today=TODAY)}
    assert rows["declaree"].count == 1 and rows["declaree"].oldest_days == 29
    assert rows["declaree"].buckets == (1, 0, 0, 0)
    assert rows["service_fait"].oldest_days == 137
    assert rows["service_fait"].buckets == (0, 0, 0, 1)
    assert rows["validee"].count == 0
    assert rows["declaree"].total_centi == a.row.total_centi


def test_payment_rows_and_mark_paid(world: World) -> None:
    detail = claim_ready(world)
    claim_workflow.validate_claim(detail.id, detail.version)
    rows = payments.payment_rows(world.session_id)
    assert len(rows) == 1
    row = rows[0]
    assert row.by_kind["car"] == 10168 and row.by_kind["meal"] == 4000
    assert row.by_kind["oral_hours"] == 5760 and row.by_kind["copies"] == 1500
    assert row.travel_centi == 14168 and row.fees_centi == 7260 and row.total_centi == 21428
    assert (row.first_day, row.last_day) == (ORAL_DAY, CORRECTION_DAY)
    assert claim_workflow.mark_paid(world.session_id) == 1
    claim = ExpenseClaim.get_by_id(detail.id)
    assert claim.state == "mise_en_paiement" and claim.paid_at
    assert payments.payment_rows(world.session_id) == []


def test_statement_lists_the_examiners_claims(world: World) -> None:
    detail = claim_ready(world)
    statement = expense_statements.examiner_statement(world.examiner_id, world.session_id)
    assert statement.last_name == "Durand"
    assert statement.admin_commune == "Bourg-en-Bresse"
    assert [c.id for c in statement.claims] == [detail.id]


def test_lines_stay_consistent_in_db(world: World) -> None:
    detail = claim_workflow.create_claim_from_assignments(world.examiner_id)
    total = sum(
        line.amount_centi for line in ExpenseLine.select().where(ExpenseLine.claim == detail.id)
    )
    assert ExpenseClaim.get_by_id(detail.id).total_centi == total


def test_payment_workbook_and_statement_pdf(
    world: World, session: SessionInfo, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from baktui.services.expense_statements import export_statements
    from baktui.services.payments import export_payment

    Examiner.update(
        identifier="EX0042", civility="Mme", bank_reference="FR7630006000011234567890189"
    ).where(Examiner.id == world.examiner_id).execute()
    detail = claim_ready(world)
    claim_workflow.validate_claim(detail.id, detail.version)
    result = export_payment(session, tmp_path / "paiement.xlsx")
    assert (result.count, result.total_centi, result.claim_ids) == (1, 21428, (detail.id,))
    sheet = load_workbook(result.path)["Mise en paiement"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["Nom"] == "DURAND" and row["Indemnités km"] == 101.68
    assert row["Identifiant"] == "EX0042" and row["Corps"] == "professeure certifiée"
    assert row["Référence bancaire"] == "FR7630006000011234567890189"
    assert row["Repas"] == 40 and row["Copies"] == 15 and row["Heures d'oral"] == 57.6
    assert row["Total à payer"] == 214.28
    assert sheet.cell(2, header.index("Total à payer") + 1).number_format == '#,##0.00 "€"'
    assert [c.value for c in sheet[3]][:3] == ["TOTAL", None, "1 demande"]
    assert_office_workbook(result.path)

    pdf = export_statements(session, [world.examiner_id], path=tmp_path / "etat.pdf")
    assert pdf.count == 1 and pdf.total_centi == 21428
    assert pdf.path.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ServiceError, match="Aucune demande validée"):
        claim_workflow.mark_paid(session.id)
        export_payment(session, tmp_path / "vide.xlsx")


def test_validated_statements_after_payment_still_list_the_examiner(
    world: World, session: SessionInfo, tmp_path: Path
) -> None:
    """After the payment file and « mis en paiement », the états de frais of validated claims
    still hold them (they said "Aucun examinateur")."""
    from baktui.services.expense_statements import export_validated_statements
    from baktui.services.payments import export_payment

    with pytest.raises(ServiceError, match="Aucune demande validée dans la session"):
        export_validated_statements(session, tmp_path / "rien.pdf")
    detail = claim_ready(world)
    claim_workflow.validate_claim(detail.id, detail.version)
    result = export_payment(session, tmp_path / "paiement.xlsx")
    assert claim_workflow.mark_paid(session.id, result.claim_ids) == 1
    pdf = export_validated_statements(session, tmp_path / "etats.pdf")
    assert (pdf.count, pdf.total_centi) == (1, 21428)
    assert pdf.path.read_bytes()[:5] == b"%PDF-"


def test_a_day_without_convocation_is_confirmed_only_with_a_reason(world: World) -> None:
    detail = claim_ready(world)
    free_day = dt.date(2026, 6, 17)  # between the two convocations
    detail = claim_workflow.add_line(detail.id, detail.version, day=free_day, kind="meal")
    unconfirmed = [a for a in detail.anomalies if a.code == "no_convocation"]
    assert len(unconfirmed) == 1
    texts = [a.text for a in detail.anomalies]
    with pytest.raises(ServiceError, match="ne se confirme qu'avec un motif"):
        claim_workflow.validate_claim(detail.id, detail.version, confirmed=texts)
    with pytest.raises(ServiceError, match="ne se confirme qu'avec un motif"):
        claim_workflow.validate_claim(
            detail.id, detail.version, texts, {unconfirmed[0].text: " ok "}
        )
    assert ExpenseClaim.get_by_id(detail.id).state == "service_fait"
    assert audit_entries(detail.id, claim_facts.ANOMALY_FIELD) == []
    reason = "oral de rattrapage convoqué par téléphone"
    done = claim_workflow.validate_claim(
        detail.id, detail.version, texts, {unconfirmed[0].text: reason}
    )
    assert done.state == "validee"
    entry = next(
        e
        for e in audit_entries(detail.id, claim_facts.ANOMALY_FIELD)
        if e.after == unconfirmed[0].text
    )
    assert entry.reason == f"anomalie confirmée avant validation : {reason}"


def test_rejection_letter_with_the_reason_and_the_recorded_sex(
    world: World, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from baktui.data.models import Document, Etablissement
    from baktui.services.claim_letters import issue_rejection_letter

    lycee = Etablissement.create(
        uai="0010001W", name="Lycée Lalande", address="16 rue du Lycée", commune=world.bourg
    )
    Examiner.update(civility="M.", etablissement=lycee).where(
        Examiner.id == world.examiner_id
    ).execute()
    detail = claim_ready(world)
    with pytest.raises(ServiceError, match="pas de lettre de rejet"):
        issue_rejection_letter(detail.id, tmp_path / "non.pdf")
    claim_workflow.reject_claim(detail.id, detail.version, "convocation annulée par le centre")
    issued = issue_rejection_letter(detail.id, tmp_path / "rejet.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(issued.path)).pages).split())
    assert "« convocation annulée par le centre »" in text
    assert "M. Claire DURAND" in text and "professeur certifié" in text
    assert "Monsieur," in text and "Madame" not in text
    # sent to the examiner at his lycée, under cover of its head
    assert (
        "professeur certifié s/c du chef d’établissement Lycée Lalande 16 rue du Lycée "
        "01000 Bourg-en-Bresse" in text
    )
    assert f"demande de frais n° {detail.id}" in text and "16/06/2026 au 18/06/2026" in text
    assert Document.get(Document.examiner == world.examiner_id).kind == "rejet_frais"
