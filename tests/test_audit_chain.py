"""The audit log's seal: its append-only triggers put back at every opening, and the hash chain
that ``baktui verifier`` walks to name the first entry changed or removed behind baktui's back."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import peewee as pw
import pytest
from helpers import pin_login, raw_rows, settle

from baktui.app import BaktuiApp
from baktui.cli import main
from baktui.data import audit, audit_chain, migrations
from baktui.data import db as dbmod
from baktui.data.db import write_transaction
from baktui.data.models import AuditLog, Candidate, SchemaVersion
from baktui.services.sessions import SessionInfo

PROTECTIONS = {"audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"}
RESTORED = (
    "ATTENTION : les protections du journal d'audit avaient été supprimées ; "
    "elles sont rétablies. Lancez baktui verifier."
)
HASHED = ("id", "at", "who", "action", "entity", "entity_id", "field", "before", "after",
          "reason", "candidate_id")  # fmt: skip


def _triggers(path: Path) -> set[str]:
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    return {name for (name,) in rows}


def _tamper(path: Path, *statements: str, restore: bool = True) -> None:
    """What someone with the file does behind baktui's back: drop the triggers, rewrite, and
    (``restore``) put the triggers back so that the next opening sees nothing missing."""
    dbmod.close_database()
    con = sqlite3.connect(path)
    kept = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    ).fetchall()
    for name in PROTECTIONS:
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in statements:
        con.execute(statement)
    if restore:
        for (sql,) in kept:
            con.execute(sql)
    con.commit()
    con.close()


def _expected_chain(rows: list[tuple[object, ...]]) -> list[str]:
    """The documented formula, written again here: sha256(previous hash + compact JSON array)."""
    chain, previous = [], ""
    for row in rows:
        text = json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
        previous = hashlib.sha256((previous + text).encode()).hexdigest()
        chain.append(previous)
    return chain


def _stored(path: Path | str) -> tuple[list[tuple[object, ...]], list[str]]:
    fetched = raw_rows(str(path), f"SELECT {', '.join(HASHED)}, chain FROM audit_log ORDER BY id")
    return [r[:-1] for r in fetched], [r[-1] for r in fetched]


def _candidate(session: SessionInfo, number: str = "026000001") -> Candidate:
    return audit.create(
        Candidate,
        session=session.id,
        number=number,
        last_name="DUPONT",
        first_name="Léa",
        series="STMG",
        lvb="ESP",
    )


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    dbmod.close_database()
    code = main(["--db", str(path), "verifier"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the triggers, put back at every opening --------------------------------------------------


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_dropped_triggers_are_put_back_at_the_next_opening_with_a_warning(
    session: SessionInfo, db_path: Path
) -> None:
    _tamper(db_path, restore=False)
    assert not PROTECTIONS & _triggers(db_path)

    said: list[str] = []
    db = dbmod.open_database(str(db_path), warn=said.append)

    assert said == [RESTORED]
    assert PROTECTIONS <= _triggers(db_path)
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        db.execute_sql("UPDATE audit_log SET who = 'intrus'")
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        db.execute_sql("DELETE FROM audit_log")
    # the restoration itself is in the log, sealed like every entry
    last = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert (last.action, last.entity, last.field) == ("event", "audit_log", "protections")
    assert audit_chain.walk(db).broken is None
    # put back once: the next opening has nothing to say
    dbmod.close_database()
    said.clear()
    dbmod.open_database(str(db_path), warn=said.append)
    assert said == []


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_a_trigger_replaced_by_a_harmless_one_is_put_back(
    session: SessionInfo, db_path: Path
) -> None:
    _tamper(
        db_path,
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END",
        restore=False,
    )
    said: list[str] = []
    db = dbmod.open_database(str(db_path), warn=said.append)
    assert said == [RESTORED]
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        db.execute_sql("UPDATE audit_log SET who = 'intrus'")


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_the_cli_prints_the_warning_on_stderr(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(db_path, restore=False)
    code, _, err = _verify(db_path, capsys)
    assert RESTORED in err
    assert code == 1  # the verifier also says the protections had been removed
    assert PROTECTIONS <= _triggers(db_path)


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
async def test_the_app_shows_the_warning_once_the_screen_is_up(
    session: SessionInfo, db_path: Path
) -> None:
    _tamper(db_path, restore=False)
    app = BaktuiApp(str(db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = [n for n in app._notifications if n.message == RESTORED]
        assert [n.severity for n in shown] == ["error"]
    assert PROTECTIONS <= _triggers(db_path)


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_an_entry_cannot_be_replaced_by_insert_or_replace(session: SessionInfo) -> None:
    """SQLite's REPLACE deletes the old row without firing the DELETE trigger."""
    db = dbmod.current_database()
    with pytest.raises(pw.DatabaseError, match="journal d'audit"):
        db.execute_sql(
            "INSERT OR REPLACE INTO audit_log (id, at, who, action, entity, entity_id) "
            "VALUES (1, 'x', 'intrus', 'event', 'x', '')"
        )
    assert AuditLog.get_by_id(1).who != "intrus"


# --- the chain --------------------------------------------------------------------------------


def test_every_writer_extends_the_chain(session: SessionInfo, db_path: Path) -> None:
    """log, log_many batches, create/update/delete, inside and outside a transaction."""
    candidate = _candidate(session)
    audit.update(Candidate, candidate.id, {"lvb": "ALL", "lva": "ANG"})
    with write_transaction():
        audit.log_many(
            {"action": "event", "entity": "lot", "entity_id": i, "after": f"lot {i}"}
            for i in range(5)
        )
        audit.log("event", "session", session.id, after="entre deux lots")
        audit.log_many([{"action": "event", "entity": "lot", "entity_id": 9, "candidate_id": 3}])
        audit.log_many([])
    audit.log("event", "session", session.id, after="hors transaction : «  é’ \x1f ; »")
    audit.delete(Candidate, candidate.id)

    rows, chain = _stored(db_path)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))  # no gap
    assert chain == _expected_chain(rows)
    assert audit_chain.walk(dbmod.current_database()).broken is None


def test_a_savepoint_rolled_back_leaves_no_hole_in_the_chain(
    session: SessionInfo, db_path: Path
) -> None:
    db = dbmod.current_database()
    with write_transaction():
        audit.log("event", "session", session.id, after="avant")
        with pytest.raises(RuntimeError), db.atomic():
            audit.log_many([{"action": "event", "entity": "lot", "entity_id": 1}] * 3)
            raise RuntimeError
        audit.log("event", "session", session.id, after="après")
    rows, chain = _stored(db_path)
    assert chain == _expected_chain(rows)
    assert [r[8] for r in rows[-2:]] == ["avant", "après"]


def test_two_connections_writing_at_once_keep_one_chain(
    session: SessionInfo, db_path: Path
) -> None:
    """Each thread has its own SQLite connection; BEGIN IMMEDIATE orders them."""
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(login: str) -> None:
        try:
            dbmod.current_database().connect(reuse_if_open=True)
            start.wait()
            with audit.acting_as(login):
                for i in range(40):
                    with write_transaction():
                        audit.log("event", "lot", i, after=login)
                        audit.log_many([{"action": "event", "entity": "grade", "entity_id": i}] * 3)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            dbmod.current_database().close()

    before = AuditLog.select().count()
    threads = [threading.Thread(target=writer, args=(f"agent.{n}",)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    rows, chain = _stored(db_path)
    assert len(rows) == before + 2 * 40 * 4
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert chain == _expected_chain(rows)
    assert {r[2] for r in rows[before:]} == {"agent.a", "agent.b"}


def test_the_walk_is_streamed_in_batches(session: SessionInfo) -> None:
    with write_transaction():
        audit.log_many([{"action": "event", "entity": "lot", "entity_id": i} for i in range(25)])
    db = dbmod.current_database()
    whole = audit_chain.walk(db)
    assert audit_chain.walk(db, batch=4) == whole
    assert whole.entries == AuditLog.select().count() and whole.broken is None


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_an_older_base_gets_its_chain_computed_by_the_migration(
    session: SessionInfo, db_path: Path
) -> None:
    _candidate(session)
    db = dbmod.current_database()
    # what schema 3 looked like: no chain column
    for name in PROTECTIONS:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    db.execute_sql("ALTER TABLE audit_log DROP COLUMN chain")
    migrations._protect_audit_log(db)  # a schema-3 base had its triggers
    db.execute_sql("DROP TRIGGER audit_log_no_replace")  # except this one, new in schema 4
    SchemaVersion.update(version=3).execute()
    dbmod.close_database()

    said: list[str] = []
    dbmod.open_database(str(db_path), warn=said.append, progress=said.append)

    assert said == [
        f"Mise à jour de la base : schéma 3 → {migrations.LATEST_VERSION}…"
    ]  # no warning
    rows, chain = _stored(db_path)
    assert chain == _expected_chain(rows)
    assert PROTECTIONS <= _triggers(db_path)
    assert migrations.schema_version(dbmod.current_database()) == migrations.LATEST_VERSION


# --- baktui verifier --------------------------------------------------------------------------


def test_verifier_on_a_clean_base(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _candidate(session)
    count = AuditLog.select().count()
    code, out, err = _verify(db_path, capsys)
    assert code == 0, out + err
    assert f"Journal d'audit intègre : {count} entrées vérifiées." in out
    _, chain = _stored(db_path)
    assert chain[-1] in out  # the fingerprint to note down elsewhere
    assert err == ""


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_verifier_names_the_entry_whose_text_was_changed(
    session: SessionInfo,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pin_login(monkeypatch, "jean.dupont")
    candidate = _candidate(session)
    audit.update(Candidate, candidate.id, {"lvb": "ALL"})
    audit.update(Candidate, candidate.id, {"lva": "ANG"})
    changed = (
        AuditLog.select().where((AuditLog.entity == "candidate") & (AuditLog.field == "lvb")).get()
    )
    at = changed.at
    _tamper(db_path, f"UPDATE audit_log SET after = 'ITA' WHERE id = {changed.id}")

    code, out, err = _verify(db_path, capsys)

    assert code == 1
    when = f"{at[8:10]}/{at[5:7]}/{at[:4]} {at[11:16]}"
    assert (
        f"Journal d'audit altéré à l'entrée n° {changed.id} "
        f"({when}, jean.dupont, candidate {candidate.id}) : "
    ) in out
    assert "modifiée" in out
    assert "intègre" not in out
    assert err == ""  # the triggers were put back by whoever did it: no warning at opening


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_verifier_names_the_entry_after_a_deleted_one(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    candidate = _candidate(session)
    audit.update(Candidate, candidate.id, {"lvb": "ALL"})
    audit.update(Candidate, candidate.id, {"lva": "ANG"})
    ids = [e.id for e in AuditLog.select(AuditLog.id).order_by(AuditLog.id)]
    gone = ids[-2]
    _tamper(db_path, f"DELETE FROM audit_log WHERE id = {gone}")

    code, out, _ = _verify(db_path, capsys)

    assert code == 1
    assert f"Journal d'audit altéré à l'entrée n° {ids[-1]} (" in out
    assert f"l'entrée n° {gone} a été supprimée" in out


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_verifier_counts_every_alteration_and_names_the_first(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with write_transaction():
        audit.log_many([{"action": "event", "entity": "lot", "entity_id": i} for i in range(9)])
    last = AuditLog.select(pw.fn.MAX(AuditLog.id)).scalar()
    _tamper(
        db_path,
        f"DELETE FROM audit_log WHERE id IN ({last - 6}, {last - 5})",
        f"UPDATE audit_log SET who = 'x' WHERE id = {last - 2}",
    )
    code, out, _ = _verify(db_path, capsys)
    assert code == 1
    assert f"l'entrée n° {last - 4} " in out
    assert f"les entrées n° {last - 6} à {last - 5} ont été supprimées" in out
    assert "1 autre altération plus loin" in out


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_an_entry_written_outside_baktui_has_no_seal(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The triggers let INSERT through: an entry added by hand has no (right) hash."""
    dbmod.close_database()
    with sqlite3.connect(db_path) as con:
        con.execute(
            "INSERT INTO audit_log (at, who, action, entity, entity_id, field, reason) "
            "VALUES ('2026-07-01T09:00:00+02:00', 'intrus', 'event', 'x', '', '', '')"
        )
    code, out, _ = _verify(db_path, capsys)
    assert code == 1
    assert "(01/07/2026 09:00, intrus, x) : " in out
    assert "écrite hors de baktui" in out


def _rewrite_whole_chain(path: Path, statement: str) -> None:
    """Someone who knows the formula: changes an entry, then recomputes every seal."""
    _tamper(path, statement)
    con = sqlite3.connect(path)
    rows, _ = _stored(path)
    for trigger in PROTECTIONS:
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    con.executemany(
        "UPDATE audit_log SET chain = ? WHERE id = ?",
        [(seal, row[0]) for row, seal in zip(rows, _expected_chain(rows), strict=True)],
    )
    con.commit()
    con.close()
    dbmod.open_database(str(path))  # the triggers come back (with their warning)
    dbmod.close_database()


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_a_noted_seal_shows_a_log_rewritten_from_start_to_end(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    candidate = _candidate(session)
    audit.update(Candidate, candidate.id, {"lvb": "ALL"})
    _, chain = _stored(db_path)
    noted = f"{len(chain)}:{chain[-1][:10]}"
    code, out, _ = _verify_noted(db_path, capsys, noted)
    assert code == 0
    assert f"L'entrée n° {len(chain)} porte toujours l'empreinte notée" in out

    _rewrite_whole_chain(db_path, "UPDATE audit_log SET after = 'ITA' WHERE field = 'lvb'")
    # the chain alone holds (that is its limit) ...
    _, out, _ = _verify(db_path, capsys)
    assert "Journal d'audit intègre" in out
    # ... the seal noted down elsewhere does not
    code, out, _ = _verify_noted(db_path, capsys, noted)
    assert code == 1
    assert f"L'entrée n° {len(chain)} ne porte plus l'empreinte notée" in out
    assert "réécrit" in out and "intègre" not in out


@pytest.mark.sqlite_only(
    "l'audit altéré par sqlite3 dans le fichier (sur PostgreSQL : test_audit_chain_pg.py)"
)
def test_a_noted_seal_shows_a_log_cut_short(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _candidate(session)
    _, chain = _stored(db_path)
    noted = f"{len(chain)}:{chain[-1]}"
    _tamper(db_path, f"DELETE FROM audit_log WHERE id = {len(chain)}")
    code, out, _ = _verify_noted(db_path, capsys, noted)
    assert code == 1
    assert "n'existe plus : le journal a été amputé" in out


def test_a_malformed_noted_seal_is_refused_in_french(
    session: SessionInfo, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        _verify_noted(db_path, capsys, "12:xyz")
    assert refused.value.code == 2
    assert "au moins 8 caractères" in capsys.readouterr().err


def _verify_noted(
    path: Path, capsys: pytest.CaptureFixture[str], noted: str
) -> tuple[int, str, str]:
    dbmod.close_database()
    code = main(["--db", str(path), "verifier", "--empreinte", noted])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_walk_tells_the_entry_ids_checked(session: SessionInfo) -> None:
    """``baktui verifier``'s bar: nothing counted while the last id is read, then the ids
    checked every batch, out of the last id, done == total at the end."""
    with write_transaction():
        audit.log_many([{"action": "event", "entity": "lot", "entity_id": i} for i in range(25)])
    db = dbmod.current_database()
    told: list[tuple[int, int | None]] = []
    walked = audit_chain.walk(db, batch=4, progress=lambda d, t: told.append((d, t)))
    assert walked == audit_chain.walk(db)
    top = AuditLog.select(pw.fn.MAX(AuditLog.id)).scalar()
    ids = [i for (i,) in AuditLog.select(AuditLog.id).order_by(AuditLog.id).tuples()]
    assert told == [(0, None), *((i, top) for i in ids[3::4]), (top, top)]


def test_bulk_seals_are_the_seals_of_link() -> None:
    """The bulk writers' quicker road to the seals (imports of millions of entries) gives
    the very seals :func:`audit_chain.link` gives, whatever the texts hold; values of other
    types than the log's take link's own road."""
    rows = [
        ("create", "grade", "12", "", None, 'a "quoted" \\ back\nslash\x01é\u2028', "r, l. 3", 5),
        ("update", "grade", "12", "value_centi", "1250", None, "", None),
        ("create", "grade", "13", "", None, "\ud800 lone surrogate", "motif", 7),
        ("create", "grade", 14, "", None, "x", "r", True),  # not the log's types
    ]
    sealed = audit_chain.seal_rows("f" * 64, 41, "2026-06-01T10:00:00+02:00", 'a "who"', rows)
    chain = "f" * 64
    for number, entry in enumerate(sealed, 41):
        assert entry[:-1] == (number, "2026-06-01T10:00:00+02:00", 'a "who"', *rows[number - 41])
        chain = audit_chain.link(chain, entry[:-1])
        assert entry[-1] == chain
    assert len({entry[-1] for entry in sealed}) == 4
