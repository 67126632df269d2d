"""Schema version and migrations.

A new database gets every table of the current models and the latest version number. An older
database is brought forward one migration at a time, each in its own transaction, so that a
database written by an earlier baktui keeps working after an upgrade.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator
from playhouse.migrate import migrate as run_operations

from baktui.data.models import ALL_MODELS, AuditLog, SchemaVersion
from baktui.errors import DatabaseError

AUDIT_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
)


def _migrator(db: pw.Database) -> SchemaMigrator:
    if isinstance(db, pw.SqliteDatabase):
        return SqliteMigrator(db)
    return PostgresqlMigrator(db)


def _protect_audit_log(db: pw.Database) -> None:
    if isinstance(db, pw.SqliteDatabase):
        for statement in AUDIT_TRIGGERS:
            db.execute_sql(statement)


def _v2_audit_timeline(db: pw.Database) -> None:
    """v2: audit entries carry the candidate they concern (the timeline), and the log is append-only."""
    migrator = _migrator(db)
    columns = {c.name for c in db.get_columns("audit_log")}
    if "candidate_id" not in columns:
        run_operations(
            migrator.add_column("audit_log", "candidate_id", pw.IntegerField(null=True)),
            migrator.add_index("audit_log", ("candidate_id",), False),
        )
    db.execute_sql(
        "UPDATE audit_log SET candidate_id = CAST(entity_id AS INTEGER) "
        "WHERE entity = 'candidate' AND candidate_id IS NULL"
    )
    _protect_audit_log(db)


# Candidate name search (F2) on SQLite: an FTS5 index of the folded name key, kept in step with
# the candidate table by triggers, so that every writer (forms, imports, the demo's bulk) feeds it
# without knowing it. Word prefixes in any order: "helene lef" finds "lefevre helene" in about a
# millisecond at 700 000 candidates (see benchmarks/bench_lookup.py): prefix indexes of 1 to 6
# characters (every keystroke of a name is one of those) cost 30 MB at that scale, and cut the
# p95 of the query from 8 to 2.5 ms. PostgreSQL has no FTS5: it uses index ranges on name_key.
SEARCH_INDEX = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS candidate_fts USING fts5(name_key, content='candidate', "
    "content_rowid='id', tokenize='unicode61', prefix='1 2 3 4 5 6')",
    "CREATE TRIGGER IF NOT EXISTS candidate_fts_insert AFTER INSERT ON candidate BEGIN "
    "INSERT INTO candidate_fts(rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER IF NOT EXISTS candidate_fts_delete AFTER DELETE ON candidate BEGIN "
    "INSERT INTO candidate_fts(candidate_fts, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER IF NOT EXISTS candidate_fts_update AFTER UPDATE OF name_key ON candidate "
    "BEGIN INSERT INTO candidate_fts(candidate_fts, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO candidate_fts(rowid, name_key) VALUES (new.id, new.name_key); END",
)


def _search_index(db: pw.Database, *, rebuild: bool = False) -> None:
    """Create the name search index (SQLite only); ``rebuild`` indexes the existing candidates."""
    if not isinstance(db, pw.SqliteDatabase):
        return
    for statement in SEARCH_INDEX:
        db.execute_sql(statement)
    if rebuild:
        db.execute_sql("INSERT INTO candidate_fts(candidate_fts) VALUES ('rebuild')")


def _v3_search_index(db: pw.Database) -> None:
    """v3: the lookup's indexes: FTS5 on names (filled from the existing candidates) and
    (session, établissement, name key) for the candidates of an établissement."""
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS candidate_session_id_etablissement_id_name_key "
        "ON candidate (session_id, etablissement_id, name_key)"
    )
    _search_index(db, rebuild=True)
    if isinstance(db, pw.SqliteDatabase) and db.table_exists("sqlite_stat1"):
        # a base analysed before (the demo is) gets statistics for the new index too, or the
        # planner may prefer it blindly for whole-session queries
        db.execute_sql("PRAGMA analysis_limit = 1000")
        db.execute_sql("ANALYZE candidate")
        db.execute_sql("PRAGMA analysis_limit = 0")


# version -> step that brings a database from version-1 to version
MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {
    2: _v2_audit_timeline,
    3: _v3_search_index,
}
LATEST_VERSION = max(MIGRATIONS, default=1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def schema_version(db: pw.Database) -> int | None:
    """The database's schema version, or None for an empty database."""
    if not db.table_exists("schema_version"):
        return None
    row = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return int(row) if row is not None else None


def migrate(db: pw.Database, progress: Callable[[str], object] | None = None) -> int:
    """Create or upgrade the schema; returns the version reached. ``progress`` is told, in
    French, when an existing base is upgraded (it can take a while on a large base)."""
    version = schema_version(db)
    if version is None:
        with db.atomic():
            db.create_tables(ALL_MODELS, safe=True)
            _protect_audit_log(db)
            _search_index(db)
            SchemaVersion.create(version=LATEST_VERSION, applied_at=_now())
        return LATEST_VERSION
    if version > LATEST_VERSION:
        raise DatabaseError(
            f"Cette base est au schéma {version}, plus récent que ce baktui ({LATEST_VERSION}) : "
            "mettez baktui à jour."
        )
    if version < LATEST_VERSION and progress is not None:
        progress(f"Mise à jour de la base : schéma {version} → {LATEST_VERSION}…")
    for target in range(version + 1, LATEST_VERSION + 1):
        with db.atomic():
            MIGRATIONS[target](db)
            SchemaVersion.create(version=target, applied_at=_now())
    # Tables added to the models since (new tables need no data migration).
    db.create_tables(ALL_MODELS, safe=True)
    return LATEST_VERSION


__all__ = ["LATEST_VERSION", "MIGRATIONS", "migrate", "schema_version", "AuditLog"]
