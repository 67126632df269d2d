"""Établissements import benchmark: ``import etablissements`` against raw inserts of the same rows.

Usage:

    python benchmarks/bench_reference_imports.py --count 3400

Generates ``--count`` établissements (valid UAIs, 300 communes) in a CSV file, then, each in a
fresh base: (1) :func:`baktui.services.imports.etablissements.import_etablissements` (parse,
check every line, find or create the communes, one audited create per record), (2) the same
file again (every line « inchangée », no write), (3) the floor: one ``executemany`` of the
communes and of the établissements plus :func:`baktui.data.audit.log_many` of one audit entry
per row, in one write transaction. Prints the seconds of each and the ratio import / floor.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from baktui.data import audit, sql
from baktui.data import db as dbmod
from baktui.data.db import write_transaction
from baktui.data.models import Commune, Etablissement
from baktui.rules.identifiers import fold, uai_check_letter
from baktui.services.imports.etablissements import import_etablissements

HEADER = "uai;nom;secteur;adresse;code_postal;commune;telephone;email;chef"
SECTORS = ("public", "privé sous contrat", "hors contrat")
FIELDS = ("uai", "name", "commune", "sector", "address", "email", "phone", "name_key", "head_name")
DEFAULTS = ("kind", "active", "version")  # the columns the import leaves to their defaults


def rows(count: int) -> list[dict[str, str]]:
    out = []
    for n in range(count):
        digits = f"{(n % 95) + 1:03d}{n:04d}"
        uai = digits + uai_check_letter(digits)
        out.append(
            {
                "uai": uai,
                "name": f"Lycée Bench {n:05d}",
                "sector": SECTORS[n % 3],
                "address": f"{n % 200 + 1} rue de l'École",
                "postcode": f"{(n % 300) + 10000:05d}",
                "commune": f"Commune {n % 300:03d}",
                "phone": f"04 78 {n % 100:02d} {n // 100 % 100:02d} 00",
                "email": f"ce.{uai.lower()}@ac-bench.fr",
                "chef": f"Mme Chef {n:05d}",
            }
        )
    return out


def write_csv(path: Path, data: list[dict[str, str]]) -> None:
    lines = [HEADER] + [
        f"{r['uai']};{r['name']};{r['sector']};{r['address']};{r['postcode']};{r['commune']};"
        f"{r['phone']};{r['email']};{r['chef']}"
        for r in data
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def fresh(folder: Path, name: str) -> None:
    dbmod.close_database()
    dbmod.open_database(str(folder / name), create=True)


def raw_floor(data: list[dict[str, str]]) -> None:
    stored = {"public": "public", "privé sous contrat": "prive_sous_contrat"}
    with write_transaction():
        communes = sorted({(r["commune"], r["postcode"], "base") for r in data})
        sql.executemany(sql.insert_sql(Commune, ("name", "postcode", "night_category")), communes)
        ids = {(c.name, c.postcode): c.id for c in Commune.select()}
        etabs = [
            (
                r["uai"],
                r["name"],
                ids[(r["commune"], r["postcode"])],
                stored.get(r["sector"], "prive_hors_contrat"),
                r["address"],
                r["email"],
                r["phone"].replace(" ", ""),
                fold(r["name"]),
                r["chef"],
            )
            for r in data
        ]
        sql.executemany(
            sql.insert_sql(Etablissement, FIELDS + DEFAULTS), [(*e, "lycee", 1, 1) for e in etabs]
        )
        entries = [
            {"action": "create", "entity": "commune", "entity_id": pk, "after": f"name={name}"}
            for (name, _postcode), pk in ids.items()
        ]
        entries += [
            {
                "action": "create",
                "entity": "etablissement",
                "entity_id": n,
                "after": "; ".join(f"{f}={v}" for f, v in zip(FIELDS, row, strict=True)),
            }
            for n, row in enumerate(etabs, 1)
        ]
        audit.log_many(entries)


def timed(run) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3400)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-ref-"))
    data = rows(args.count)
    path = folder / "etablissements.csv"
    write_csv(path, data)

    fresh(folder, "import.sqlite")
    start = time.perf_counter()
    report = import_etablissements(path)
    first = time.perf_counter() - start
    assert report.ok, report.render()
    audited = audit.AuditLog.select().count()
    again = timed(lambda: import_etablissements(path))
    unchanged = import_etablissements(path).unchanged

    fresh(folder, "raw.sqlite")
    floor = timed(lambda: raw_floor(data))
    raw_audited = audit.AuditLog.select().count()
    dbmod.close_database()

    print(f"{args.count} établissements, {len({r['commune'] for r in data})} communes")
    print(f"import etablissements (new base) : {first:7.3f} s  ({audited} audit entries)")
    print(f"same file again (all unchanged)  : {again:7.3f} s  ({unchanged} inchangés)")
    print(f"raw executemany + log_many       : {floor:7.3f} s  ({raw_audited} audit entries)")
    print(f"ratio import / raw               : {first / floor:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
