"""Archiving a closed session (issue 16): ``baktui archiver`` writes the base, the PVs, the
results and a manifest of checksums; ``--verifier`` finds a changed, missing or added file;
the archive's base opens read-only (the session is closed)."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest
from helpers import new_base
from pypdf import PdfReader

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import Candidate, ExamSession, Jury
from baktui.errors import ServiceError
from baktui.services import archive

pytestmark = pytest.mark.sqlite_only(
    "l'archive d'une session contient le fichier SQLite de la base (base.sqlite)"
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """The académie of the sample files, its juries filled, deliberated (not closed yet)."""
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    for kind in LISTS:
        assert run("--db", db, "import", kind, SAMPLES / f"{kind}.csv") == 0, kind
    assert run("--db", db, "jurys", "repartir") == 0
    assert run("--db", db, "import", "notes", SAMPLES / "notes.csv") == 0
    assert run("--db", db, "deliberer") == 0
    return db


def test_an_open_session_is_not_archived(base: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "archive.zip"
    assert run("--db", base, "archiver", out) == 1
    assert "n'est pas close" in capsys.readouterr().err
    assert not out.exists()


def test_the_archive_holds_the_base_pvs_results_and_their_checksums(
    base: Path, tmp_path: Path, capsys
) -> None:
    assert run("--db", base, "clore") == 0
    out = tmp_path / "archive.zip"
    assert run("--db", base, "archiver", out) == 0
    out_text = capsys.readouterr().out
    assert "Archive de la session 2026 (session normale) écrite" in out_text
    juries = re.search(r"PV du premier groupe : (\d+) / (\d+) jurys\n(?!.*premier groupe)",
                       out_text, re.S)  # fmt: skip
    assert juries is not None and juries.group(1) == juries.group(2)  # progress, to the end
    assert out_text.index("Copie de la base") < out_text.index("PV du second groupe")
    assert run("--db", base, "archiver", out) == 1  # never overwritten
    assert "existe déjà" in capsys.readouterr().err

    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifeste.json"))
        results = list(csv.reader(z.read("resultats.csv").decode("utf-8-sig").splitlines(),
                                  delimiter=";"))  # fmt: skip
        pv = z.extract("pv/pv-groupe1.pdf", tmp_path)
    assert names == {"base.sqlite", "pv/pv-groupe1.pdf", "pv/pv-groupe2.pdf", "resultats.csv",
                     "manifeste.json"}  # fmt: skip
    assert manifest["session"]["year"] == 2026 and manifest["session"]["kind"] == "normale"
    assert {f["name"] for f in manifest["files"]} == names - {"manifeste.json"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    dbmod.open_database(str(base))
    candidates = Candidate.select().count()
    juries = [j.number for j in Jury.select().order_by(Jury.number)]
    dbmod.close_database()
    assert len(results) - 1 == candidates  # a header, then one row per candidate
    text = "\n".join(page.extract_text() for page in PdfReader(str(pv)).pages)
    for number in juries:
        assert f"jury n° {number}" in text

    assert run("archiver", "--verifier", out) == 0
    assert "intègre" in capsys.readouterr().out


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    """A copy of the archive with files replaced (bytes), removed (None) or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name in change:
                if change[name] is not None:
                    new.writestr(name, change.pop(name))
                else:
                    change.pop(name)
                continue
            new.writestr(name, old.read(name))
        for name, data in change.items():
            new.writestr(name, data or b"")


def test_verification_finds_a_changed_a_missing_and_an_added_file(
    base: Path, tmp_path: Path, capsys
) -> None:
    assert run("--db", base, "clore") == 0
    out = tmp_path / "archive.zip"
    assert run("--db", base, "archiver", out) == 0
    capsys.readouterr()
    tampered = tmp_path / "modifiee.zip"
    _rewrite(out, tampered, {"resultats.csv": b"faux", "pv/pv-groupe2.pdf": None,
                             "note.txt": b"ajout"})  # fmt: skip
    assert run("archiver", "--verifier", tampered) == 1
    err = capsys.readouterr().err
    assert "NON intègre" in err
    assert "resultats.csv : contenu modifié" in err
    assert "pv/pv-groupe2.pdf : fichier du manifeste absent" in err
    assert "note.txt : fichier ajouté" in err
    (tmp_path / "pas-une-archive.zip").write_text("bonjour")
    assert run("archiver", "--verifier", tmp_path / "pas-une-archive.zip") == 1
    assert "illisible" in capsys.readouterr().err


def test_the_archived_base_opens_read_only(base: Path, tmp_path: Path) -> None:
    from baktui.services.registration import update_candidate

    assert run("--db", base, "clore") == 0
    out = tmp_path / "archive.zip"
    assert run("--db", base, "archiver", out) == 0
    with archive.opened(out) as target:
        assert target != str(base)
        dbmod.open_database(target)
        assert ExamSession.get().closed_at is not None
        candidate = Candidate.select().first()
        with pytest.raises(ServiceError, match="est close"):
            update_candidate(candidate.id, {"first_name": "Autre"})
    with zipfile.ZipFile(out) as z:  # the archive itself is untouched
        assert z.testzip() is None
    assert run("archiver", "--verifier", out) == 0
