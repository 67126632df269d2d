"""Free-text columns hold the same texts on both engines (issue 18): peewee's CharField is
varchar(255) on PostgreSQL, unbounded on SQLite; baktui declares text, and schema 15 turns an
older server base's varchar(255) columns into text."""

from __future__ import annotations

from helpers import on_postgresql

from baktui.data import db as dbmod
from baktui.data import migrations
from baktui.data.models import ALL_MODELS, Candidate, Etablissement, SchemaVersion
from baktui.services.sessions import SessionInfo

LONG = "Lefèvre-" * 375  # 3 000 characters: an old import, a pasted text


def _bounded_columns() -> set[tuple[str, str]]:
    """(table, column) of every column of baktui's tables declared with a length of 255."""
    db = dbmod.current_database()
    tables = [model._meta.table_name for model in ALL_MODELS]
    if on_postgresql():
        rows = db.execute_sql(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND character_maximum_length = 255 "
            "AND table_name = ANY(%s)",
            (tables,),
        ).fetchall()
        return {(t, c) for t, c in rows}
    found = set()
    for table in tables:
        for _, column, kind, *_ in db.execute_sql(f'PRAGMA table_info("{table}")').fetchall():
            if "255" in kind:
                found.add((table, column))
    return found


def test_a_new_base_bounds_no_text_column(session: SessionInfo) -> None:
    assert _bounded_columns() == set()


def test_a_3000_character_text_is_kept_whole_on_both_engines(session: SessionInfo) -> None:
    etab = Etablissement.create(uai="0750001A", name=LONG, address=LONG)
    Candidate.create(session=session.id, number="1", ine="X", last_name=LONG, first_name=LONG,
                     series="STMG", address=LONG, city=LONG, etablissement=etab.id)  # fmt: skip
    stored = Candidate.get()
    assert (stored.last_name, stored.address, stored.city) == (LONG, LONG, LONG)
    assert Etablissement.get().name == LONG


def test_schema_15_unbounds_an_older_server_base(session: SessionInfo, db_path: str) -> None:
    """A server base made before schema 15: its varchar(255) columns become text, their data and
    indexes kept; on SQLite the step has nothing to do and the base is the same."""
    db = dbmod.current_database()
    Candidate.create(session=session.id, number="7", ine="Y", last_name="Dupré",
                     first_name="Aïssatou", series="STMG")  # fmt: skip
    if on_postgresql():
        for table, column in (("candidate", "last_name"), ("candidate", "name_key"),
                              ("audit_log", "who"), ("etablissement", "uai")):  # fmt: skip
            db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar(255)')
        assert len(_bounded_columns()) == 4
    SchemaVersion.update(version=14).execute()
    dbmod.close_database()
    db = dbmod.open_database(db_path)
    assert migrations.schema_version(db) == 15
    assert _bounded_columns() == set()
    assert Candidate.get(Candidate.number == "7").last_name == "Dupré"
    Candidate.update(last_name=LONG).where(Candidate.number == "7").execute()
    assert Candidate.get(Candidate.number == "7").last_name == LONG
