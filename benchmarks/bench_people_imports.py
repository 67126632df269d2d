"""Examiner import benchmark: ``baktui import examinateurs`` of N examiners against raw SQL.

Usage:

    python benchmarks/bench_people_imports.py --size 35000

In a fresh base (session 2026 opened, 8 établissements), writes a CSV of ``--size`` examiners
(identifiers, 3 to 12 distinct communes, a few disciplines each) and times, in the same run:

1. the import (:func:`baktui.services.imports.examiners.import_examiners`): file read, every
   line checked, examiners, communes and audit entries written in one transaction;
2. its re-import (nothing changes: every line « inchangé »);
3. a floor: a raw ``executemany`` of the same examiner rows plus one audit row each (plain
   INSERTs into a copy of the tables, no check, no hash chain) in another fresh base.

Prints the seconds and the ratio import / floor.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Commune, Etablissement, Examiner
from baktui.services.imports.examiners import import_examiners
from baktui.services.sessions import open_registre

UAIS = ("0690026D", "0690030H", "0690038S", "0690042W", "0690074F", "0690104N", "0691626T",
        "0692866R")  # fmt: skip
COMMUNES = (("Lyon", "69003"), ("Villeurbanne", "69100"), ("Bron", "69500"), ("Écully", "69130"))
DISCIPLINES = ("PHI", "FRE", "SP1", "SP2", "HG", "FRE FRO", "SP1,SP2", "MAT")
HEADER = "identifiant;civilite;nom;prenom;corps;discipline;uai;commune;code_postal;email;cv"


def letters(n: int) -> str:
    """A name made of letters only (names refuse digits): 0 -> "Aaaa", 1 -> "Aaab"…"""
    out = ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        out = chr(ord("a") + digit) + out
    return "Examinateur" + out.capitalize()


def write_csv(path: Path, size: int) -> None:
    lines = [HEADER]
    for n in range(size):
        commune, postcode = COMMUNES[n % len(COMMUNES)]
        lines.append(
            f"EX{n:06d};{'Mme' if n % 2 else 'M.'};{letters(n)};Prénom;CERTIFIE;"
            f"{DISCIPLINES[n % len(DISCIPLINES)]};{UAIS[n % len(UAIS)]};{commune};{postcode};"
            f"ex{n}@ac-lyon.fr;{4 + n % 5}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_import(base: Path, csv: Path) -> tuple[float, float, int]:
    dbmod.open_database(str(base), create=True)
    session = open_registre(2026)
    for uai in UAIS:
        Etablissement.create(uai=uai, name=f"Lycée {uai}")
    first = AuditLog.select(AuditLog.id).order_by(AuditLog.id.desc()).scalar() or 0
    start = time.perf_counter()
    report = import_examiners(session.id, csv)
    first_run = time.perf_counter() - start
    assert report.ok and report.created == Examiner.select().count(), report.render()
    audit_rows = AuditLog.select().where(AuditLog.id > first).count()
    start = time.perf_counter()
    again = import_examiners(session.id, csv)
    second_run = time.perf_counter() - start
    assert again.ok and again.unchanged == report.created, again.render()
    assert Commune.select().count() == len(COMMUNES)
    dbmod.close_database()
    return first_run, second_run, audit_rows


def raw_floor(base: Path, size: int) -> float:
    """The same examiner rows and one audit row each, through plain sqlite3 executemany."""
    dbmod.open_database(str(base), create=True)
    dbmod.close_database()
    connection = sqlite3.connect(base)
    rows = [
        (f"EX{n:06d}", "M.", letters(n), "Prénom", f"{letters(n).lower()} prenom",
         f"ex{n}@ac-lyon.fr", "", "CERTIFIE", DISCIPLINES[n % len(DISCIPLINES)], 1 + n % 8,
         1 + n % 4, None, 150, 30, 4 + n % 5, 1, 0, 1, 1)
        for n in range(size)
    ]  # fmt: skip
    audit = [
        ("2026-06-01T08:00:00+02:00", "bench", "create", "examiner", str(n + 1), "", None,
         "last_name=…", "import", None, "x" * 64)
        for n in range(size)
    ]  # fmt: skip
    start = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO examiner (identifier, civility, last_name, first_name, name_key, email, "
            "phone, corps, disciplines, etablissement_id, home_commune_id, admin_commune_id, "
            "max_copies, max_oral_hours, fiscal_hp, vehicle_authorised, annual_km, active, "
            "version) VALUES (" + ",".join("?" * 19) + ")",
            rows,
        )
        connection.executemany(
            'INSERT INTO audit_log ("at", who, action, entity, entity_id, field, before, after, '
            "reason, candidate_id, chain) VALUES (" + ",".join("?" * 11) + ")",
            audit,
        )
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=35_000, help="examiners (35 000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        csv = tmp / "examinateurs.csv"
        write_csv(csv, args.size)
        first, again, audit_rows = timed_import(tmp / "import.sqlite", csv)
        floor = raw_floor(tmp / "raw.sqlite", args.size)
    print(f"{args.size} examinateurs ({audit_rows} entrées d'audit)")
    print(f"import examinateurs : {first:.2f} s ({args.size / first:,.0f} lignes/s)")
    print(f"ré-import (inchangé) : {again:.2f} s")
    print(f"executemany brut (examinateurs + audit) : {floor:.2f} s")
    print(f"rapport import / brut : {first / floor:.1f}")


if __name__ == "__main__":
    main()
