"""A closed session is read-only (issue 16): grade import, jury points and registration changes
are refused with a French message and nothing is written; its documents still print."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data.db import open_database
from baktui.data.models import AuditLog, Candidate, ExamSession, Grade, JuryPoint
from baktui.errors import ServiceError

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def closed_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    assert run("--db", db, "import", "etablissements", SAMPLES / "etablissements.csv") == 0
    assert run("--db", db, "import", "candidats", SAMPLES / "candidats.csv") == 0
    assert run("--db", db, "import", "notes", SAMPLES / "notes.csv") == 0
    assert run("--db", db, "deliberer") == 0
    assert run("--db", db, "clore", "--session", "2026", "--kind", "normale") == 0
    assert "Session 2026 normale close" in capsys.readouterr().out
    return db


def _counts() -> tuple[int, int, int]:
    return AuditLog.select().count(), Grade.select().count(), JuryPoint.select().count()


def test_closed_session_refuses_grade_import_and_writes_nothing(closed_base: Path, capsys) -> None:
    open_database(str(closed_base))
    before = _counts()
    assert run("--db", closed_base, "import", "notes", SAMPLES / "notes_second_groupe.csv") == 1
    err = capsys.readouterr().err
    assert "La session 2026 normale est close : aucune modification n’est possible" in err
    open_database(str(closed_base))
    assert _counts() == before
    assert ExamSession.get().closed_at is not None
    from baktui.services.sessions import require_session

    assert require_session(2026, "normale").closed  # the app's title says « close »


def test_closed_session_refuses_jury_points_and_registration(closed_base: Path) -> None:
    from baktui.services import jury_deliberation as jd
    from baktui.services.registration import update_candidate
    from baktui.services.sessions import close_session

    open_database(str(closed_base))
    session_id = ExamSession.get().id
    before = _counts()
    candidate = Candidate.select().order_by(Candidate.id).first()
    with pytest.raises(ServiceError, match="est close : aucune modification"):
        jd.give_points(session_id, candidate.id, "PHI", "10", "points de jury")
    with pytest.raises(ServiceError, match="est close : aucune modification"):
        update_candidate(candidate.id, {"first_name": "Autre"})
    with pytest.raises(ServiceError, match="est close"):
        close_session(session_id)  # closing twice is refused too
    assert _counts() == before
    assert Candidate.get_by_id(candidate.id).first_name == candidate.first_name


def test_closed_session_documents_still_print(closed_base: Path, tmp_path: Path) -> None:
    out = tmp_path / "resultats.csv"
    assert run("--db", closed_base, "export", "resultats", out) == 0
    assert out.read_text(encoding="utf-8").count("\n") == 13  # header + 12 candidates
    stats = tmp_path / "stats.pdf"
    assert run("--db", closed_base, "documents", "statistiques", stats) == 0
    assert stats.read_bytes().startswith(b"%PDF")


def test_a_schema_8_base_gets_the_closing_columns(tmp_path: Path) -> None:
    from baktui.data import db as dbmod
    from baktui.data import migrations
    from baktui.data.models import SchemaVersion

    path = tmp_path / "old.sqlite"
    assert run("--db", path, "init", "--session", "2026") == 0
    dbmod.open_database(str(path))
    db = dbmod.current_database()
    for column in ("closed_at", "closed_by"):
        db.execute_sql(f"ALTER TABLE exam_session DROP COLUMN {column}")
    SchemaVersion.update(version=8).execute()
    dbmod.close_database()
    dbmod.open_database(str(path))
    db = dbmod.current_database()
    assert {"closed_at", "closed_by"} <= {c.name for c in db.get_columns("exam_session")}
    assert migrations.schema_version(db) == migrations.LATEST_VERSION
    assert ExamSession.get().closed_at is None


def test_kind_names_the_session(closed_base: Path, capsys) -> None:
    capsys.readouterr()
    assert run("--db", closed_base, "deliberer", "--session", "2026", "--kind", "remplacement") == 1
    assert "Aucune session 2026 remplacement dans cette base." in capsys.readouterr().err
    assert run("--db", closed_base, "deliberer", "--kind", "normale") == 1  # closed
    assert "est close" in capsys.readouterr().err
