"""F3 duplicates: the two records side by side, the merge (refusals, moves, tombstone, audit),
on both engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, engine_database, pin_login

from baktui.data import audit
from baktui.data.models import AuditLog, Candidate, Document, Etablissement, Grade, Registration
from baktui.errors import ServiceError
from baktui.services import duplicates
from baktui.services.imports import run_import
from baktui.services.registration import CandidateData, register_candidate
from baktui.services.sessions import open_registre

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _register(session_id: int, ine: str, phone: str, options: str = "") -> int:
    etab = Etablissement.get(Etablissement.uai == "0690026D").id
    return register_candidate(
        session_id,
        CandidateData(
            ine=ine, last_name="Lefèvre", first_name="Hélène", sex="F",
            birth_date=dt.date(2008, 6, 12), series="STMG", sub_choice="GF", lva="ANG",
            lvb="ESP", etablissement_id=etab, phone=phone, options=options,
        ),
    )  # fmt: skip


@pytest.fixture(params=ENGINES)
def pair(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, int]]:
    """Two registrations of the same person (INE typed twice differently)."""
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        sid = open_registre(2026).id
        assert run_import("etablissements", sid, SAMPLES / "etablissements.csv").ok
        yield _register(sid, "123456789AB", "0612345678"), _register(sid, "123456789AC", "")


def _grade(candidate_id: int, code: str) -> None:
    audit.create(Grade, candidate=candidate_id, epreuve_code=code, value_centi=1250)


def test_side_by_side_shows_both_records_and_their_differences(pair: tuple[int, int]) -> None:
    keep, drop = pair
    _grade(drop, "PHI")
    shown = duplicates.compare(keep, drop)
    assert shown.left.fields["last_name"] == shown.right.fields["last_name"] == "Lefèvre"
    assert shown.left.fields["birth_date"] == "12/06/2008"
    assert shown.differences == ("ine", "phone")
    assert (
        shown.left.registrations == shown.right.registrations and "PHI" in shown.left.registrations
    )
    assert (shown.left.grades, shown.right.grades) == (0, 1)


def test_merge_is_refused_without_confirmation_or_reason(pair: tuple[int, int]) -> None:
    keep, drop = pair
    entries = AuditLog.select().count()
    with pytest.raises(ServiceError, match="non confirmée"):
        duplicates.merge(keep, drop, reason="même élève", confirmed=False)
    with pytest.raises(ServiceError, match="Motif de la fusion obligatoire"):
        duplicates.merge(keep, drop, reason="  ", confirmed=True)
    assert AuditLog.select().count() == entries
    assert Candidate.get_by_id(drop).state != "annulee"


def test_merge_moves_the_history_and_keeps_a_tombstone(pair: tuple[int, int]) -> None:
    keep, drop = pair
    _grade(drop, "PHI")
    Registration.create(candidate=drop, epreuve_code="OPT1", option_name="LATIN")
    audit.create(Document, kind="confirmation", candidate=drop, issued_at="2026-01-05",
                 issued_by="gestionnaire")  # fmt: skip
    shared = Registration.select().where(Registration.candidate == keep).count()
    outcome = duplicates.merge(keep, drop, reason="INE saisi deux fois", confirmed=True)
    assert (outcome.moved_registrations, outcome.moved_grades, outcome.moved_documents) == (1, 1, 1)
    assert "fusionné dans" in outcome.message and "1 note" in outcome.message
    assert Grade.get(Grade.epreuve_code == "PHI").candidate_id == keep
    assert Registration.select().where(Registration.candidate == keep).count() == shared + 1
    assert Document.get().candidate_id == keep
    tomb = Candidate.get_by_id(drop)
    assert tomb.state == "annulee" and tomb.ine == "123456789AC"  # kept, never deleted
    merged = AuditLog.get((AuditLog.action == "merge") & (AuditLog.entity_id == str(drop)))
    assert "123456789AC" in merged.before and "INE saisi deux fois" in merged.reason
    assert AuditLog.select().where(
        (AuditLog.entity == "grade") & (AuditLog.field == "candidate")
        & AuditLog.reason.contains("INE saisi deux fois")
    ).count() == 1  # fmt: skip
    # the kept record's timeline says what it received
    assert AuditLog.select().where(
        (AuditLog.candidate_id == keep) & (AuditLog.action == "merge")
    ).count() == 1  # fmt: skip
    with pytest.raises(ServiceError, match="déjà annulé"):
        duplicates.merge(keep, drop, reason="encore", confirmed=True)


def test_merge_is_refused_when_both_records_hold_a_grade_for_one_epreuve(
    pair: tuple[int, int],
) -> None:
    keep, drop = pair
    _grade(keep, "PHI")
    _grade(drop, "PHI")
    entries = AuditLog.select().count()
    with pytest.raises(ServiceError, match=r"une note de PHI \(premier groupe\) sur les deux"):
        duplicates.merge(keep, drop, reason="doublon", confirmed=True)
    assert AuditLog.select().count() == entries
    assert Grade.select().where(Grade.candidate == drop).count() == 1
