"""The audit log: who changed what (before, after), optimistic locking, and no rewriting history."""

from __future__ import annotations

import os
import pwd

import peewee as pw
import pytest

from baktui.data import audit
from baktui.data.models import AuditLog, Candidate
from baktui.errors import ConflictError
from baktui.services.sessions import SessionInfo, set_phase


def _new_candidate(session: SessionInfo, login: str = "agent.a") -> Candidate:
    with audit.acting_as(login):
        return audit.create(
            Candidate,
            session=session.id,
            number="026000001",
            last_name="DUPONT",
            first_name="Léa",
            series="STMG",
            lvb="ESP",
            reason="saisie du dossier",
        )


def _entries(entity: str, entity_id: int) -> list[AuditLog]:
    return list(
        AuditLog.select()
        .where((AuditLog.entity == entity) & (AuditLog.entity_id == str(entity_id)))
        .order_by(AuditLog.id)
    )


def test_create_update_delete_are_logged_with_login_before_and_after(session: SessionInfo) -> None:
    candidate = _new_candidate(session)
    [created] = _entries("candidate", candidate.id)
    assert (created.action, created.who, created.reason) == (
        "create",
        "agent.a",
        "saisie du dossier",
    )
    assert created.before is None
    assert "last_name=DUPONT" in created.after and "series=STMG" in created.after
    assert created.candidate_id == candidate.id  # the candidate's timeline

    with audit.acting_as("agent.b"):
        updated = audit.update(
            Candidate, candidate.id, {"lvb": "ALL", "series": "STMG"}, expected_version=1
        )
    assert updated.lvb == "ALL" and updated.version == 2
    changes = [e for e in _entries("candidate", candidate.id) if e.action == "update"]
    # one entry per field really changed (series was unchanged)
    assert [(e.field, e.before, e.after, e.who) for e in changes] == [
        ("lvb", "ESP", "ALL", "agent.b")
    ]

    with audit.acting_as("agent.c"):
        audit.delete(Candidate, candidate.id, reason="doublon")
    assert Candidate.get_or_none(Candidate.id == candidate.id) is None
    deleted = _entries("candidate", candidate.id)[-1]
    assert (deleted.action, deleted.who, deleted.reason) == ("delete", "agent.c", "doublon")
    assert "lvb=ALL" in deleted.before and deleted.after is None


def test_a_service_write_is_audited(session: SessionInfo) -> None:
    with audit.acting_as("chef.bureau"):
        set_phase(session.id, "organisation")
    [entry] = _entries("exam_session", session.id)[-1:]
    assert (entry.field, entry.before, entry.after, entry.who) == (
        "phase",
        "inscriptions",
        "organisation",
        "chef.bureau",
    )


def test_two_staff_editing_the_same_record_second_gets_a_conflict(session: SessionInfo) -> None:
    candidate = _new_candidate(session)
    # both open the record: they read version 1
    first_read = Candidate.get_by_id(candidate.id)
    second_read = Candidate.get_by_id(candidate.id)
    assert first_read.version == second_read.version == 1

    with audit.acting_as("agent.a"):
        audit.update(Candidate, candidate.id, {"lvb": "ALL"}, expected_version=first_read.version)
    log_size = AuditLog.select().count()

    with audit.acting_as("agent.b"), pytest.raises(ConflictError) as conflict:
        audit.update(Candidate, candidate.id, {"lvb": "ITA"}, expected_version=second_read.version)
    message = str(conflict.value)
    assert message.startswith("Modification refusée")
    assert "par agent.a" in message  # who changed it since
    # nothing was written
    stored = Candidate.get_by_id(candidate.id)
    assert (stored.lvb, stored.version) == ("ALL", 2)
    assert AuditLog.select().count() == log_size


def test_audit_log_is_append_only(session: SessionInfo) -> None:
    _new_candidate(session)
    count = AuditLog.select().count()
    assert count >= 2  # the registre opening and the candidate
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        AuditLog.update(who="quelqu'un d'autre").execute()
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        AuditLog.delete().execute()
    assert AuditLog.select().count() == count
    assert AuditLog.select().where(AuditLog.who == "quelqu'un d'autre").count() == 0


def test_current_user_is_the_os_account_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LOGNAME and USER are anyone's to set: the audit records the account of the real uid."""
    account = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("LOGNAME", "m.durand")
    monkeypatch.setenv("USER", "m.durand")
    assert audit.current_user() == account
    with audit.acting_as("lot.import"):
        assert audit.current_user() == "lot.import"
    assert audit.current_user() == account
