"""Schema version and migrations.

A new database gets every table of the current models and the latest version number. An older
database is brought forward one migration at a time, each in its own transaction, so that a
database written by an earlier baktui keeps working after an upgrade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator
from playhouse.migrate import migrate as run_operations

from baktui.data import audit, audit_chain, counters, sql
from baktui.data.db import is_sqlite, write_transaction
from baktui.data.models import (
    ALL_MODELS,
    AuditLog,
    CalendarEntry,
    CandidateCounter,
    CentreGroup,
    ExamSession,
    GradeCounter,
    OralCommission,
    ResultCounter,
    SchemaVersion,
)
from baktui.errors import DatabaseError
from baktui.logs import get_logger
from baktui.rules.phonetic import sound_key

log = get_logger(__name__)

_REFUSAL = "le journal d''audit ne se modifie pas"

# The audit log is append-only: these refuse UPDATE and DELETE of its entries (and, on SQLite,
# INSERT OR REPLACE, which deletes the old row without firing DELETE triggers; on PostgreSQL,
# TRUNCATE, which fires no row trigger). Checked, and put back, at every opening
# (:func:`restore_audit_protections`): someone with the file or the server could drop them.
SQLITE_AUDIT_TRIGGERS = {
    "audit_log_no_update": "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
    "audit_log_no_replace": "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
}
PG_FUNCTION = "audit_log_append_only"
PG_FUNCTION_BODY = f" BEGIN RAISE EXCEPTION '{_REFUSAL}'; END; "
# name -> (pg_trigger.tgtype: 1 row, 2 before, 8 delete, 16 update, 32 truncate; its timing)
PG_AUDIT_TRIGGERS = {
    "audit_log_no_update": (1 | 2 | 16, "BEFORE UPDATE ON audit_log FOR EACH ROW"),
    "audit_log_no_delete": (1 | 2 | 8, "BEFORE DELETE ON audit_log FOR EACH ROW"),
    "audit_log_no_truncate": (2 | 32, "BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT"),
}
RESTORED_WARNING = (
    "ATTENTION : les protections du journal d'audit avaient été supprimées ; "
    "elles sont rétablies. Lancez baktui verifier."
)
UNRESTORED_WARNING = (
    "ATTENTION : les protections du journal d'audit ont été supprimées et n'ont pas pu être "
    "rétablies ({error}) : prévenez l'administrateur de la base. Lancez baktui verifier."
)


def _migrator(db: pw.Database) -> SchemaMigrator:
    if isinstance(db, pw.SqliteDatabase):
        return SqliteMigrator(db)
    return PostgresqlMigrator(db)


def missing_audit_protections(db: pw.Database) -> list[str]:
    """The audit log's triggers that are absent, disabled or not the ones baktui wrote."""
    if isinstance(db, pw.SqliteDatabase):
        rows = db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ).fetchall()
        found = {name: " ".join(str(text).split()) for name, text in rows}
        return [name for name, text in SQLITE_AUDIT_TRIGGERS.items() if found.get(name) != text]
    rows = db.execute_sql(
        "SELECT t.tgname, t.tgtype, t.tgenabled, t.tgqual IS NULL AND t.tgattr::text = '', "
        "p.proname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = 'audit_log'::regclass AND NOT t.tgisinternal"
    ).fetchall()
    found = {
        name: (kind, enabled in ("O", "A") and every_row and proc == PG_FUNCTION, source)
        for name, kind, enabled, every_row, proc, source in rows
    }
    return [
        name
        for name, (kind, _) in PG_AUDIT_TRIGGERS.items()
        if found.get(name, (None, False, ""))[:2] != (kind, True)
        or found[name][2] != PG_FUNCTION_BODY
    ]


def _protect_audit_log(db: pw.Database, names: list[str] | None = None) -> None:
    """(Re)create the audit log's triggers, all or ``names``."""
    if isinstance(db, pw.SqliteDatabase):
        for name, statement in SQLITE_AUDIT_TRIGGERS.items():
            if names is None or name in names:
                db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
                db.execute_sql(statement)
        return
    db.execute_sql(
        f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $${PG_FUNCTION_BODY}$$"
    )
    for name, (_, timing) in PG_AUDIT_TRIGGERS.items():
        if names is None or name in names:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
            db.execute_sql(f"CREATE TRIGGER {name} {timing} EXECUTE FUNCTION {PG_FUNCTION}()")


def restore_audit_protections(db: pw.Database) -> list[str]:
    """Put back the audit log's triggers that someone removed or changed; returns their names.

    Called at every opening of an existing base. Checked first without a lock (the usual case:
    nothing missing), then again inside a write transaction, so that of two baktui opening the
    base at the same time only one puts them back. The restoration is itself an audit entry.
    """
    if not missing_audit_protections(db):
        return []
    with write_transaction():
        audit_chain.lock(db)
        missing = missing_audit_protections(db)
        if missing:
            _protect_audit_log(db, missing)
            audit.log(
                "event",
                "audit_log",
                "",
                "protections",
                after=f"rétablies : {', '.join(missing)}",
                reason="protections du journal d'audit supprimées ou modifiées hors de baktui",
            )
    return missing


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
# p95 of the query from 8 to 2.5 ms. PostgreSQL has no FTS5: see PG_NAME_WORDS.
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


# PostgreSQL's counterpart: a GIN index of the name key's words (built-in full-text search with
# the 'simple' configuration: no stemming, no extension to install), queried with word prefixes
# (« lefevre:* & hel:* »), so that a word inside a compound name is found as on SQLite.
PG_NAME_WORDS = (
    "CREATE INDEX IF NOT EXISTS candidate_name_words ON candidate "
    "USING gin (to_tsvector('simple', name_key))"
)


def _search_index(db: pw.Database, *, rebuild: bool = False) -> None:
    """Create the name search index; on SQLite ``rebuild`` indexes the existing candidates
    (PostgreSQL's index is built from the table as it is made)."""
    if not isinstance(db, pw.SqliteDatabase):
        db.execute_sql(PG_NAME_WORDS)
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


def _v4_audit_chain(db: pw.Database) -> None:
    """v4: each audit entry sealed to the one before (:mod:`baktui.data.audit_chain`): the
    existing entries get their seals here, in id order, by batches; and the log also refuses
    INSERT OR REPLACE (SQLite) and TRUNCATE (PostgreSQL)."""
    if "chain" not in {c.name for c in db.get_columns("audit_log")}:
        field = pw.CharField(max_length=64, null=True)
        run_operations(_migrator(db).add_column("audit_log", "chain", field))
    # the seals are written by UPDATE, which the triggers refuse: off during this transaction
    if isinstance(db, pw.SqliteDatabase):
        for name in SQLITE_AUDIT_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in PG_AUDIT_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
    update = sql.update_sql(AuditLog, ["chain"])
    previous, sealed = "", []
    for *values, _ in audit_chain.entries(db):
        previous = audit_chain.link(previous, values)
        sealed.append((previous, values[0]))
        if len(sealed) == audit_chain.WALK_BATCH:
            sql.executemany(update, sealed)
            sealed = []
    sql.executemany(update, sealed)
    _protect_audit_log(db)


def add_columns(db: pw.Database, wanted: dict[str, tuple[tuple[str, str], ...]]) -> None:
    """Add the missing columns with plain ``ALTER TABLE … ADD COLUMN`` (its SQL definition and
    default), on both engines. Never peewee's migrator for a NOT NULL column: on SQLite it
    rebuilds the table (copy, DROP, rename), and dropping ``jury`` or ``centre`` cascades to
    their members and rooms and unsets every candidate's jury and centre."""
    for table, columns in wanted.items():
        present = {c.name for c in db.get_columns(table)}
        for name, definition in columns:
            if name not in present:
                db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {definition}')


ACTIVE = ("active", "BOOLEAN NOT NULL DEFAULT TRUE")
VERSION = ("version", "INTEGER NOT NULL DEFAULT 1")


def _v5_reference_data(db: pw.Database) -> None:
    """v5: what the académie's own files bring: the chef d'établissement and an établissement's
    activity, a room's accessibility and tiers-temps, the examiners' own identifier, and the
    calendar of the épreuves by série."""
    add_columns(db, {
        "etablissement": (("head_name", "VARCHAR(255) NOT NULL DEFAULT ''"), ACTIVE),
        "room": (("accessible", "BOOLEAN NOT NULL DEFAULT FALSE"),
                 ("extra_time", "BOOLEAN NOT NULL DEFAULT FALSE")),
        "examiner": (("identifier", "VARCHAR(255)"),),
    })  # fmt: skip
    db.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS examiner_identifier ON examiner (identifier)")
    db.create_tables([CalendarEntry], safe=True)


def _v6_organisation(db: pw.Database) -> None:
    """v6: what the organisation screen edits: centres, rooms and juries can be deactivated;
    rooms, calendar lines and expense rates carry a version (optimistic lock)."""
    add_columns(db, {
        "centre": (ACTIVE,),
        "room": (ACTIVE, VERSION),
        "jury": (ACTIVE,),
        "calendar_entry": (VERSION,),
        "expense_rate": (VERSION,),
    })  # fmt: skip


def _v7_deliberation(db: pw.Database) -> None:
    """v7: the deliberation of a jury: closed and published groups (the locks), and the jury
    points' jury, grade before and after."""
    add_columns(db, {
        "jury": (("closed_group", "INTEGER NOT NULL DEFAULT 0"),
                 ("published_group", "INTEGER NOT NULL DEFAULT 0")),
        "jury_point": (("jury_id", "INTEGER REFERENCES jury (id) ON DELETE SET NULL"),
                       ("before_centi", "INTEGER"), ("after_centi", "INTEGER")),
    })  # fmt: skip
    db.execute_sql("CREATE INDEX IF NOT EXISTS jury_point_jury_id ON jury_point (jury_id)")


def _v8_logistics(db: pw.Database) -> None:
    """v8: the candidates' placement (issue 15): groupings of établissements per centre, oral
    commissions, a centre's closing time, the seat, end time and hand-fixed mark of a place
    (Convocation) and of an oral slot.

    Plain ALTER TABLE ADD COLUMN (with its default) on both engines: peewee's migrator rebuilds
    a SQLite table to add a NOT NULL column, and rebuilding ``centre`` would cascade-delete its
    rooms and unset the candidates' centre."""
    db.create_tables([CentreGroup, OralCommission], safe=True)
    wanted = {
        "centre": (("closing_time", "VARCHAR(255) NOT NULL DEFAULT '19:00'"),),
        "convocation": (
            ("seat", "INTEGER"),
            ("duration_min", "INTEGER"),
            ("extra_min", "INTEGER NOT NULL DEFAULT 0"),
            ("end_time", "VARCHAR(255) NOT NULL DEFAULT ''"),
            ("fixed_by_hand", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ),
        "oral_slot": (
            ("commission_id", "INTEGER REFERENCES oral_commission (id) ON DELETE SET NULL"),
            ("end_time", "VARCHAR(255) NOT NULL DEFAULT ''"),
            ("fixed_by_hand", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ),
    }
    add_columns(db, wanted)
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS convocation_centre_id_epreuve_code_room_id_seat "
        "ON convocation (centre_id, epreuve_code, room_id, seat)"
    )


def _v9_session_closing(db: pw.Database) -> None:
    """v9: a session can be closed (issue 16): who closed it and when; a closed session is
    read-only (:func:`baktui.data.audit` refuses every write about it)."""
    if not db.table_exists("exam_session"):  # created with its columns by create_tables
        return
    present = {c.name for c in db.get_columns("exam_session")}
    for column in ("closed_at", "closed_by"):
        if column not in present:
            db.execute_sql(f"ALTER TABLE exam_session ADD COLUMN {column} VARCHAR(255)")


def _v10_candidate_documents(db: pw.Database) -> None:
    """v10: what the relevé and the diploma print about a candidate (issue 14): the commune of
    birth (empty on older bases) and the diploma's indications (« section européenne »…).
    Plain ALTER TABLE: a rebuild of ``candidate`` would cascade to its registrations."""
    add_columns(db, {
        "candidate": (("birth_place", "VARCHAR(255) NOT NULL DEFAULT ''"),
                      ("indications", "VARCHAR(255) NOT NULL DEFAULT ''")),
    })  # fmt: skip


SOUND_BATCH = 5000  # candidates read and updated at a time by the v11 migration


def _v11_sound_key(db: pw.Database) -> None:
    """v11: the French phonetic key of each candidate's name beside its folded key (F2 finds
    "lefebvre" for Lefèvre), and an index on birth dates ("12/06/2008", "lefevre 2008").
    The existing candidates get their key by batches of ids (the 700 000-candidate base in
    about a minute), never the whole table in memory."""
    add_columns(db, {"candidate": (("sound_key", "VARCHAR(255) NOT NULL DEFAULT ''"),)})
    update = f"UPDATE candidate SET sound_key = {db.param} WHERE id = {db.param}"
    select = (
        f"SELECT id, last_name, first_name FROM candidate WHERE id > {db.param} "
        f"ORDER BY id LIMIT {SOUND_BATCH}"
    )
    last = 0
    while True:
        rows = db.execute_sql(select, (last,)).fetchall()
        if not rows:
            break
        sql.executemany(update, [(sound_key(ln or "", fn or ""), cid) for cid, ln, fn in rows])
        last = rows[-1][0]
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS candidate_session_id_sound_key_birth_date "
        "ON candidate (session_id, sound_key, birth_date)"
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS candidate_session_id_name_key_birth_date "
        "ON candidate (session_id, name_key, birth_date)"
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS candidate_session_id_birth_date_name_key "
        "ON candidate (session_id, birth_date, name_key)"
    )
    if isinstance(db, pw.SqliteDatabase) and db.table_exists("sqlite_stat1"):
        db.execute_sql("PRAGMA analysis_limit = 1000")
        db.execute_sql("ANALYZE candidate")
        db.execute_sql("PRAGMA analysis_limit = 0")


def _v12_bank_reference(db: pw.Database) -> None:
    """v12: an examiner's bank reference (IBAN or the paying office's own reference), carried
    by the payment file (issue 20)."""
    if db.table_exists("examiner"):  # created with its columns by create_tables
        add_columns(db, {"examiner": (("bank_reference", "VARCHAR(255) NOT NULL DEFAULT ''"),)})


def _v13_oral_commissions(db: pw.Database) -> None:
    """v13: an oral commission sits on one day, with its hours, and hears one série for the
    Grand oral (issue 15); the slots are read by commission and by candidate."""
    if db.table_exists("oral_commission"):  # created with its columns by create_tables
        add_columns(db, {
            "oral_commission": (("series", "VARCHAR(255) NOT NULL DEFAULT ''"),
                                ("day", "DATE"),
                                ("start_time", "VARCHAR(255) NOT NULL DEFAULT ''"),
                                ("end_time", "VARCHAR(255) NOT NULL DEFAULT ''")),
        })  # fmt: skip
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS oral_commission_session_id_day "
            "ON oral_commission (session_id, day)"
        )
    if db.table_exists("oral_slot"):
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS oral_slot_commission_id ON oral_slot (commission_id)"
        )


def _v14_counters(db: pw.Database) -> None:
    """v14: the maintained counters of the home screen and F4's missing grades (issue 18),
    built from a recount of every session (about a minute at 700 000 candidates); F5's index
    of examiners' loads; on PostgreSQL, F2's index of name words too."""
    db.create_tables([GradeCounter, CandidateCounter, ResultCounter], safe=True)
    if db.table_exists("assignment"):  # F5's loads (a covering index; created with the table)
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS assignment_session_id_examiner_id_kind_state_hours_centi "
            "ON assignment (session_id, examiner_id, kind, state, hours_centi)"
        )
    if not is_sqlite(db):
        _search_index(db)  # and, on PostgreSQL, F2's index of name words
    for (session_id,) in ExamSession.select(ExamSession.id).tuples():
        counters.recount(session_id)


def _v15_unbounded_text(db: pw.Database) -> None:
    """v15: on PostgreSQL, every ``varchar(255)`` column becomes ``text`` (issue 18). SQLite never
    bounded them, so a name, an address or a remark of 300 characters was kept there and refused
    on a server; now both engines keep the same texts (the input checks bound what is typed).
    A varchar to text change rewrites neither the table nor its indexes: instant at 700 000.
    SQLite has nothing to do (its column types are only names)."""
    if is_sqlite(db):
        return
    tables = [model._meta.table_name for model in ALL_MODELS]
    cursor = db.execute_sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type = 'character varying' "
        "AND character_maximum_length = 255 AND table_name = ANY(%s) "
        "ORDER BY table_name, column_name",
        (tables,),
    )
    for table, column in cursor.fetchall():
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE text')


# version -> step that brings a database from version-1 to version
MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {
    2: _v2_audit_timeline,
    3: _v3_search_index,
    4: _v4_audit_chain,
    5: _v5_reference_data,
    6: _v6_organisation,
    7: _v7_deliberation,
    8: _v8_logistics,
    9: _v9_session_closing,
    10: _v10_candidate_documents,
    11: _v11_sound_key,
    12: _v12_bank_reference,
    13: _v13_oral_commissions,
    14: _v14_counters,
    15: _v15_unbounded_text,
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


def migrate(
    db: pw.Database,
    progress: Callable[[str], object] | None = None,
    warn: Callable[[str], object] | None = None,
) -> int:
    """Create or upgrade the schema and check the audit log's protections; returns the version
    reached. ``progress`` is told, in French, when an existing base is upgraded (it can take a
    while on a large base); ``warn`` is told when the audit log's triggers had been removed (they
    are put back), and the warning goes to the technical log too."""
    version = schema_version(db)
    if version is None:
        with _migration_lock(db):
            if schema_version(db) is None:  # not made meanwhile by a colleague's baktui
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
        with _migration_lock(db):
            if (schema_version(db) or 0) >= target:
                continue  # a colleague's baktui, opening the base at the same time, did it
            MIGRATIONS[target](db)
            SchemaVersion.create(version=target, applied_at=_now())
    # Tables added to the models since (new tables need no data migration). Only the missing
    # ones: on PostgreSQL even CREATE INDEX IF NOT EXISTS locks its table, and would wait for
    # any colleague's open write transaction before the base could be opened.
    missing = [model for model in ALL_MODELS if not db.table_exists(model._meta.table_name)]
    if missing:
        db.create_tables(missing, safe=True)
    _check_audit_protections(db, warn)
    return LATEST_VERSION


MIGRATION_WAIT_MS = 600_000  # a colleague's upgrade of a national base takes minutes


@contextmanager
def _migration_lock(db: pw.Database) -> Iterator[None]:
    """One migration step at a time, whoever opens the base: on SQLite an IMMEDIATE
    transaction (waiting for a colleague's upgrade up to :data:`MIGRATION_WAIT_MS`, not the
    app's short busy timeout), on PostgreSQL a transaction-scoped advisory lock. The caller
    reads the version again inside: the step may have been done while it waited."""
    if is_sqlite(db):
        (previous,) = db.execute_sql("PRAGMA busy_timeout").fetchone()
        db.execute_sql(f"PRAGMA busy_timeout = {MIGRATION_WAIT_MS}")
        try:
            with db.atomic("IMMEDIATE"):
                yield
        finally:
            db.execute_sql(f"PRAGMA busy_timeout = {int(previous)}")
    else:
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            yield


MIGRATION_LOCK_KEY = 0x62616B74  # « bakt »: the advisory lock of baktui's migrations


def _check_audit_protections(db: pw.Database, warn: Callable[[str], object] | None) -> None:
    try:
        restored = restore_audit_protections(db)
    except pw.DatabaseError as exc:  # a base this account may only read (or not alter), busy
        log.warning("protections du journal d'audit absentes, non rétablies : %s", exc)
        if warn is not None:
            warn(UNRESTORED_WARNING.format(error=exc))
        return
    if restored:
        log.warning("protections du journal d'audit rétablies : %s", ", ".join(restored))
        if warn is not None:
            warn(RESTORED_WARNING)


__all__ = ["LATEST_VERSION", "MIGRATIONS", "migrate", "schema_version", "AuditLog"]
