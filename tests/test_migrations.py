"""Schema versions: a fresh base, an older base brought forward, a newer base refused."""

from __future__ import annotations

from pathlib import Path

import peewee as pw
import pytest
from helpers import copy_base

from baktui.data import audit_chain, migrations
from baktui.data import db as dbmod
from baktui.data.models import ALL_MODELS, AuditLog, Centre, Room, SchemaVersion
from baktui.errors import DatabaseError
from baktui.services.sessions import open_registre

pytestmark = pytest.mark.sqlite_only(
    "les anciens schémas y sont refaits en SQL de SQLite (FTS5, déclencheurs)"
)

AUDIT_TRIGGERS = {"audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"}


def _triggers(db: pw.Database) -> set[str]:
    rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    return {name for (name,) in rows}


def _columns(db: pw.Database, table: str) -> set[str]:
    return {column.name for column in db.get_columns(table)}


def _make_version_1(db: pw.Database) -> None:
    """What a base written by baktui schema 1 looks like: no timeline column, no triggers."""
    # schema 4: the audit log's hash chain and its INSERT OR REPLACE guard
    db.execute_sql("DROP TRIGGER audit_log_no_replace")
    db.execute_sql("ALTER TABLE audit_log DROP COLUMN chain")
    # schema 3: the lookup's FTS5 name index, its triggers and the établissement index
    for trigger in ("candidate_fts_insert", "candidate_fts_delete", "candidate_fts_update"):
        db.execute_sql(f"DROP TRIGGER {trigger}")
    db.execute_sql("DROP TABLE candidate_fts")
    db.execute_sql("DROP INDEX candidate_session_id_etablissement_id_name_key")
    db.execute_sql("DROP TRIGGER audit_log_no_update")
    db.execute_sql("DROP TRIGGER audit_log_no_delete")
    db.execute_sql("DROP INDEX audit_log_candidate_id")
    db.execute_sql("ALTER TABLE audit_log DROP COLUMN candidate_id")
    db.execute_sql("DELETE FROM schema_version")
    db.execute_sql(
        "INSERT INTO schema_version (version, applied_at) VALUES (1, '2025-09-01T08:00:00+00:00')"
    )


def _insert_v1_audit(db: pw.Database, entity: str, entity_id: str) -> None:
    db.execute_sql(
        "INSERT INTO audit_log (at, who, action, entity, entity_id, field, before, after, reason) "
        "VALUES ('2025-09-02T10:00:00+02:00', 'agent', 'update', ?, ?, 'lvb', 'ESP', 'ALL', '')",
        (entity, entity_id),
    )


def test_fresh_base_gets_the_latest_version(db_path: Path) -> None:
    db = dbmod.current_database()
    assert migrations.schema_version(db) == migrations.LATEST_VERSION
    for model in ALL_MODELS:
        assert db.table_exists(model._meta.table_name), model
    assert AUDIT_TRIGGERS <= _triggers(db)
    assert "candidate_id" in _columns(db, "audit_log")


def test_version_1_base_is_brought_forward(db_path: Path) -> None:
    db = dbmod.current_database()
    _make_version_1(db)
    assert not {"candidate_id", "chain"} & _columns(db, "audit_log")
    assert not AUDIT_TRIGGERS & _triggers(db)
    _insert_v1_audit(db, "candidate", "12")
    _insert_v1_audit(db, "candidate", "13")
    _insert_v1_audit(db, "grade", "5")

    assert migrations.migrate(db) == migrations.LATEST_VERSION

    assert "candidate_id" in _columns(db, "audit_log")
    indexes = {index.name for index in db.get_indexes("audit_log")}
    assert "audit_log_candidate_id" in indexes
    backfilled = {
        (row.entity, row.entity_id): row.candidate_id
        for row in AuditLog.select().order_by(AuditLog.id)
    }
    assert backfilled == {("candidate", "12"): 12, ("candidate", "13"): 13, ("grade", "5"): None}
    # every entry sealed (schema 4), the chain intact
    assert audit_chain.walk(db).broken is None
    assert AuditLog.select().where(AuditLog.chain.is_null()).count() == 0
    # the log is append-only again
    assert AUDIT_TRIGGERS <= _triggers(db)
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        db.execute_sql("UPDATE audit_log SET who = 'intrus'")
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        db.execute_sql("DELETE FROM audit_log")
    assert AuditLog.select().count() == 3
    assert migrations.schema_version(db) == migrations.LATEST_VERSION
    assert "bank_reference" in _columns(db, "examiner")
    versions = [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()]
    assert versions == [1, *sorted(migrations.MIGRATIONS)]  # each step recorded once
    # running it again changes nothing
    assert migrations.migrate(db) == migrations.LATEST_VERSION
    assert SchemaVersion.select().count() == len(versions)


def test_opening_an_old_base_migrates_it(db_path: Path) -> None:
    """The app and the CLI open bases through open_database: the upgrade happens there."""
    db = dbmod.current_database()
    _make_version_1(db)
    dbmod.close_database()
    reopened = dbmod.open_database(str(db_path))
    assert migrations.schema_version(reopened) == migrations.LATEST_VERSION
    assert "candidate_id" in _columns(reopened, "audit_log")


def test_newer_base_is_refused_in_french(db_path: Path) -> None:
    db = dbmod.current_database()
    newer = migrations.LATEST_VERSION + 1
    SchemaVersion.create(version=newer, applied_at="2030-01-01T00:00:00+00:00")
    with pytest.raises(DatabaseError) as refused:
        migrations.migrate(db)
    message = str(refused.value)
    assert f"schéma {newer}" in message
    assert "plus récent que ce baktui" in message
    assert "mettez baktui à jour" in message
    # nothing was changed
    assert migrations.schema_version(db) == newer


def test_a_schema_4_base_gets_the_reference_data_columns(db_path: Path) -> None:
    db = dbmod.current_database()
    db.execute_sql("DROP INDEX IF EXISTS examiner_identifier")
    for table, column in (
        ("etablissement", "head_name"),
        ("etablissement", "active"),
        ("room", "accessible"),
        ("room", "extra_time"),
        ("examiner", "identifier"),
    ):
        db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute_sql("DROP TABLE calendar_entry")
    SchemaVersion.update(version=4).execute()
    dbmod.close_database()
    dbmod.open_database(str(db_path))
    db = dbmod.current_database()
    assert {"head_name", "active"} <= {c.name for c in db.get_columns("etablissement")}
    assert {"accessible", "extra_time"} <= {c.name for c in db.get_columns("room")}
    assert "identifier" in {c.name for c in db.get_columns("examiner")}
    assert db.table_exists("calendar_entry")
    assert migrations.schema_version(db) == migrations.LATEST_VERSION


def test_a_schema_5_base_gets_the_organisation_columns(db_path: Path) -> None:
    """v6: centres, rooms and juries can be deactivated; rooms, calendar lines and rates are
    versioned (the organisation screen's optimistic lock); existing rows get the defaults."""
    db = dbmod.current_database()
    db.execute_sql(
        "INSERT INTO expense_rate (kind, key, amount, valid_from, version) "
        "VALUES ('meal', 'repas', '20.00', '2026-01-01', 1)"
    )
    dropped = (
        ("centre", "active"), ("room", "active"), ("room", "version"), ("jury", "active"),
        ("calendar_entry", "version"), ("expense_rate", "version"),
    )  # fmt: skip
    for table, column in dropped:
        db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    SchemaVersion.update(version=5).execute()
    dbmod.close_database()
    dbmod.open_database(str(db_path))
    db = dbmod.current_database()
    for table, column in dropped:
        assert column in {c.name for c in db.get_columns(table)}, (table, column)
    assert db.execute_sql("SELECT version FROM expense_rate").fetchall() == [(1,)]
    assert migrations.schema_version(db) == migrations.LATEST_VERSION


def test_a_schema_6_base_gets_the_deliberation_columns(db_path: Path) -> None:
    """v7: a jury's closed and published groups; a jury point's jury, grade before and after."""
    from playhouse.migrate import SqliteMigrator, migrate

    db = dbmod.current_database()
    migrator = SqliteMigrator(db)
    migrate(
        migrator.drop_column("jury", "closed_group"),
        migrator.drop_column("jury", "published_group"),
        migrator.drop_column("jury_point", "jury_id", legacy=True),
        migrator.drop_column("jury_point", "before_centi"),
        migrator.drop_column("jury_point", "after_centi"),
    )
    SchemaVersion.update(version=6).execute()
    dbmod.close_database()
    dbmod.open_database(str(db_path))
    db = dbmod.current_database()
    assert {"closed_group", "published_group"} <= {c.name for c in db.get_columns("jury")}
    assert {"jury_id", "before_centi", "after_centi"} <= {
        c.name for c in db.get_columns("jury_point")
    }
    assert [fk.dest_table for fk in db.get_foreign_keys("jury_point")].count("jury") == 1
    assert migrations.schema_version(db) == migrations.LATEST_VERSION


def test_a_schema_7_base_gets_the_logistics_columns(db_path: Path) -> None:
    """v8: the placement's seat, end time and hand-fixed mark; the commissions and groupings."""
    db = dbmod.current_database()
    db.execute_sql("DROP INDEX IF EXISTS convocation_centre_id_epreuve_code_room_id_seat")
    for table, column in (
        ("convocation", "seat"),
        ("convocation", "fixed_by_hand"),
        ("convocation", "end_time"),
        ("centre", "closing_time"),
    ):
        db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    # SQLite drops no foreign-key column: the schema-7 oral_slot table, rebuilt
    db.execute_sql("DROP TABLE oral_slot")
    db.execute_sql(
        "CREATE TABLE oral_slot (id INTEGER PRIMARY KEY, assignment_id INTEGER, "
        "candidate_id INTEGER NOT NULL, epreuve_code VARCHAR(255) NOT NULL, day DATE NOT NULL, "
        "start_time VARCHAR(255) NOT NULL, room_id INTEGER)"
    )
    db.execute_sql("DROP TABLE centre_group")
    SchemaVersion.update(version=7).execute()
    dbmod.close_database()
    dbmod.open_database(str(db_path))
    db = dbmod.current_database()
    assert {"seat", "fixed_by_hand", "end_time"} <= {c.name for c in db.get_columns("convocation")}
    assert "commission_id" in {c.name for c in db.get_columns("oral_slot")}
    assert "closing_time" in {c.name for c in db.get_columns("centre")}
    assert db.table_exists("centre_group") and db.table_exists("oral_commission")
    assert migrations.schema_version(db) == migrations.LATEST_VERSION


def test_migration_8_keeps_the_centres_rooms(db_path: Path) -> None:
    """Adding the closing time never rebuilds ``centre`` (which would delete its rooms)."""
    db = dbmod.current_database()
    session = open_registre(2026)
    centre = Centre.create(session=session.id, code="C1", name="Centre")
    Room.create(centre=centre.id, name="A1", capacity=10)
    db.execute_sql("ALTER TABLE centre DROP COLUMN closing_time")
    SchemaVersion.update(version=7).execute()
    dbmod.close_database()
    dbmod.open_database(str(db_path))
    assert Room.select().count() == 1 and Centre.get_by_id(centre.id).closing_time == "19:00"


def test_an_upgrade_from_schema_4_loses_no_member_room_or_placement(
    demo_file: tuple[Path, object], tmp_path: Path
) -> None:
    """A real base of schema 4 (the columns of v5–v7 taken off a demo) upgraded: every jury
    member, room and candidate's jury, centre and établissement is still there (peewee's SQLite
    rebuild of a table, used once for NOT NULL columns, cascaded deletes through them)."""
    import sqlite3

    path = copy_base(demo_file[0], tmp_path / "old.sqlite")
    counts = (
        "SELECT (SELECT COUNT(*) FROM jury_member), (SELECT COUNT(*) FROM room), "
        "(SELECT COUNT(*) FROM candidate WHERE jury_id IS NOT NULL), "
        "(SELECT COUNT(*) FROM candidate WHERE centre_id IS NOT NULL), "
        "(SELECT COUNT(*) FROM candidate WHERE etablissement_id IS NOT NULL)"
    )
    raw = sqlite3.connect(path)
    before = raw.execute(counts).fetchone()
    assert min(before) > 0
    for table, column in (("jury", "active"), ("jury", "closed_group"), ("jury", "published_group"),
                          ("centre", "active"), ("centre", "closing_time"), ("room", "active"),
                          ("room", "version"), ("room", "accessible"), ("room", "extra_time"),
                          ("etablissement", "head_name"), ("etablissement", "active")):  # fmt: skip
        raw.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    raw.execute("UPDATE schema_version SET version = 4")
    raw.commit()
    raw.close()
    dbmod.open_database(str(path))
    try:
        db = dbmod.current_database()
        assert migrations.schema_version(db) == migrations.LATEST_VERSION
        assert tuple(db.execute_sql(counts).fetchone()) == before
        assert Room.select().where(Room.active & (Room.version == 1)).count() == before[1]
    finally:
        dbmod.close_database()


def test_a_schema_9_base_gets_the_birth_place_and_indications(db_path: Path) -> None:
    """v10: plain ALTER TABLE on ``candidate``: its registrations stay (no rebuild)."""
    from baktui.data.models import Candidate, Registration

    session = open_registre(2026)
    cand = Candidate.create(
        session=session.id, number="1", ine="X", last_name="A", first_name="B", series="STMG"
    )
    Registration.create(candidate=cand.id, epreuve_code="PHI")
    db = dbmod.current_database()
    for column in ("birth_place", "indications"):
        db.execute_sql(f"ALTER TABLE candidate DROP COLUMN {column}")
    SchemaVersion.update(version=9).execute()
    dbmod.close_database()
    dbmod.open_database(str(db_path))
    db = dbmod.current_database()
    assert {"birth_place", "indications"} <= {c.name for c in db.get_columns("candidate")}
    row = Candidate.get_by_id(cand.id)
    assert (row.birth_place, row.indications) == ("", "")
    assert Registration.select().where(Registration.candidate == cand.id).count() == 1
    assert migrations.schema_version(db) == migrations.LATEST_VERSION


def test_a_schema_9_base_gets_the_phonetic_keys_of_its_candidates(db_path: Path) -> None:
    """Schema 11: Candidate.sound_key added and filled for the existing candidates (by batches),
    birth dates indexed; the lookup then finds a name as heard."""
    from helpers import register_helene

    from baktui.data.models import Candidate
    from baktui.services.imports import run_import
    from baktui.services.search import lookup
    from baktui.services.sessions import open_registre

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    session_id = open_registre(2026).id
    assert run_import("etablissements", session_id, samples / "etablissements.csv").ok
    register_helene(session_id)
    db = dbmod.current_database()
    for index in (
        "candidate_session_id_sound_key_birth_date",
        "candidate_session_id_name_key_birth_date",
        "candidate_session_id_birth_date_name_key",
    ):
        db.execute_sql(f"DROP INDEX {index}")
    db.execute_sql("ALTER TABLE candidate DROP COLUMN sound_key")
    SchemaVersion.update(version=9).execute()
    dbmod.close_database()
    db = dbmod.open_database(str(db_path))
    assert migrations.schema_version(db) == migrations.LATEST_VERSION
    assert [c.sound_key for c in Candidate.select()] == ["lefevr elene"]
    indexes = {index.name for index in db.get_indexes("candidate")}
    assert {
        "candidate_session_id_sound_key_birth_date",
        "candidate_session_id_name_key_birth_date",
        "candidate_session_id_birth_date_name_key",
    } <= indexes
    assert [h.last_name for h in lookup(session_id, "lefebvre helene").hits] == ["Lefèvre"]


def test_the_migrations_have_no_gap() -> None:
    """Every version from 2 to the latest has its step: a base is never stamped past one."""
    assert sorted(migrations.MIGRATIONS) == list(range(2, migrations.LATEST_VERSION + 1))


def back_to_schema_12() -> None:
    """The open base as schema 12 left it: oral commissions without their day and times."""
    db = dbmod.current_database()
    db.execute_sql("DROP INDEX IF EXISTS oral_commission_session_id_day")
    db.execute_sql("DROP INDEX IF EXISTS oral_slot_commission_id")
    for column in ("series", "day", "start_time", "end_time"):
        db.execute_sql(f"ALTER TABLE oral_commission DROP COLUMN {column}")
    SchemaVersion.update(version=12).execute()


def test_a_schema_12_base_gets_the_commissions_day_hours_and_series(db_path: Path) -> None:
    """v13: an oral commission's série, day and hours, by plain ALTER TABLE (its slots stay);
    the slots are indexed by commission."""
    from baktui.data.models import Candidate, OralCommission, OralSlot

    session = open_registre(2026)
    cand = Candidate.create(
        session=session.id, number="1", ine="X", last_name="A", first_name="B", series="STMG"
    )
    com = OralCommission.create(session=session.id, epreuve_code="GO", number=1)
    OralSlot.create(candidate=cand.id, epreuve_code="GO", day="2026-06-22", start_time="08:00",
                    commission=com.id)  # fmt: skip
    back_to_schema_12()
    dbmod.close_database()
    db = dbmod.open_database(str(db_path))
    assert migrations.schema_version(db) == migrations.LATEST_VERSION
    assert {"series", "day", "start_time", "end_time"} <= {
        c.name for c in db.get_columns("oral_commission")
    }
    row = OralCommission.get_by_id(com.id)
    assert (row.series, row.day, row.start_time) == ("", None, "")
    assert OralSlot.get().commission_id == com.id
    assert "oral_slot_commission_id" in {i.name for i in db.get_indexes("oral_slot")}


def _slow_step() -> None:
    """In each colleague's process: step 13 takes 0.3 s, so that the four overlap."""
    import time

    step = migrations.MIGRATIONS[13]

    def slow(db: pw.Database) -> None:
        time.sleep(0.3)
        step(db)

    migrations.MIGRATIONS[13] = slow


def _open_old_base(path: str, start: object) -> str:
    """A process of a colleague opening the base (the app's first step): migrated or refused."""
    start.wait(30)  # type: ignore[attr-defined]
    try:
        dbmod.open_database(path)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return f"{type(exc).__name__}: {exc}"
    finally:
        dbmod.close_database()


def test_four_colleagues_opening_an_old_base_at_once_migrate_it_once(db_path: Path) -> None:
    """Monday 8:00 after an upgrade, four people open the schema-12 base together: each step
    runs once (under a write lock, the version read again), nobody gets an error."""
    import multiprocessing

    open_registre(2026)
    back_to_schema_12()
    dbmod.close_database()
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    with context.Pool(4, initializer=_slow_step) as pool:
        pending = [pool.apply_async(_open_old_base, (str(db_path), start)) for _ in range(4)]
        start.set()
        outcomes = [p.get(120) for p in pending]
    assert outcomes == ["ok"] * 4
    db = dbmod.open_database(str(db_path))
    versions = [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()]
    assert sorted(versions) == list(range(12, migrations.LATEST_VERSION + 1))  # each step once
    assert {"series", "day"} <= {c.name for c in db.get_columns("oral_commission")}
