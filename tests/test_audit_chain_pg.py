"""The audit log's seal on PostgreSQL: triggers (a plpgsql function), their restoration, the chain.

Runs only when ``BAKTUI_TEST_POSTGRES`` names a server where the role may create databases, e.g.
``BAKTUI_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres``: each test works in a
database of its own, created and dropped here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest
from helpers import POSTGRES_SERVER, engine_database

from baktui.data import audit, audit_chain
from baktui.data import db as dbmod
from baktui.data.db import write_transaction
from baktui.data.migrations import RESTORED_WARNING
from baktui.services.sessions import open_registre

pytestmark = pytest.mark.skipif(not POSTGRES_SERVER, reason="BAKTUI_TEST_POSTGRES non défini")


@pytest.fixture
def pg_target(tmp_path: Path) -> Iterator[str]:
    with engine_database("postgresql", tmp_path) as target:
        open_registre(2026)
        yield target


def test_update_delete_and_truncate_are_refused(pg_target: str) -> None:
    db = dbmod.current_database()
    for statement in (
        "UPDATE audit_log SET who = 'intrus'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(pw.DatabaseError, match="journal d'audit"), db.atomic():
            db.execute_sql(statement)


@pytest.mark.parametrize(
    "tampering",
    [
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$",
    ],
)
def test_tampered_protections_are_put_back_at_opening(pg_target: str, tampering: str) -> None:
    db = dbmod.current_database()
    with db.atomic():
        db.execute_sql(tampering)
        db.execute_sql("UPDATE audit_log SET after = 'falsifié' WHERE id = 1")
    dbmod.close_database()
    said: list[str] = []
    db = dbmod.open_database(pg_target, warn=said.append)
    assert said == [RESTORED_WARNING]
    with pytest.raises(pw.DatabaseError, match="journal d'audit"), db.atomic():
        db.execute_sql("UPDATE audit_log SET who = 'intrus'")
    broken = audit_chain.walk(db).broken
    assert broken is not None and broken.entry.id == 1


def test_concurrent_writers_keep_one_chain(pg_target: str) -> None:
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def writer(login: str) -> None:
        try:
            dbmod.current_database().connect(reuse_if_open=True)
            start.wait()
            with audit.acting_as(login):
                for i in range(30):
                    with write_transaction():
                        audit.log("event", "lot", i, after=login)
                        audit.log_many([{"action": "event", "entity": "grade", "entity_id": i}] * 3)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            dbmod.current_database().close()

    threads = [threading.Thread(target=writer, args=(f"agent.{n}",)) for n in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    walk = audit_chain.walk(dbmod.current_database(), batch=50)
    assert walk.broken is None
    assert walk.last is not None and walk.last.id == walk.entries  # ids without a gap
