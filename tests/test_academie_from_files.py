"""A whole académie from its own files, through the command line only (no demo code): init,
every reference list, the candidates and their grades, the juries' répartition, deliberation and
export; then every file again changes nothing (issue 12)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    AuditLog,
    CalendarEntry,
    Candidate,
    Centre,
    Etablissement,
    Examiner,
    Jury,
    Room,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ORDER = (
    "etablissements",
    "centres",
    "salles",
    "examinateurs",
    "jurys",
    "calendrier",
    "candidats",
    "notes",
)


def run(base: Path, *args: str) -> int:
    return main(["--db", str(base), *args])


def test_an_academie_built_from_the_sample_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = new_base(tmp_path / "bac2026.sqlite")
    assert run(base, "init") == 0
    for kind in ORDER:
        assert run(base, "import", kind, str(SAMPLES / f"{kind}.csv")) == 0, kind
    assert run(base, "jurys", "repartir") == 0
    assert "12 candidats répartis" in capsys.readouterr().out
    assert run(base, "deliberer") == 0
    out = tmp_path / "resultats.csv"
    assert run(base, "export", "resultats", str(out)) == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows) == 12 and all(row["jury"] for row in rows)

    dbmod.open_database(str(base))
    counts = [
        model.select().count()
        for model in (Etablissement, Centre, Room, Examiner, Jury, CalendarEntry, Candidate)
    ]
    assert counts == [8, 4, 10, 30, 3, 5, 12]
    assert Candidate.select().where(Candidate.jury.is_null()).count() == 0
    # every scolaire in the établissement of the file; the CNED and the individuel in none
    assert Candidate.select().where(Candidate.etablissement.is_null()).count() == 2
    audited = AuditLog.select().count()
    dbmod.close_database()

    capsys.readouterr()
    for kind in ORDER:
        assert run(base, "import", kind, str(SAMPLES / f"{kind}.csv")) == 0, kind
    summaries = [line for line in capsys.readouterr().out.splitlines() if "lignes lues" in line]
    assert len(summaries) == len(ORDER)
    assert all(re.search(r" : 0 créée?, 0 mise? à jour, \d+ inchangée?s?", s) for s in summaries)
    dbmod.open_database(str(base))
    assert AuditLog.select().count() == audited  # nothing changed, nothing written
    dbmod.close_database()
