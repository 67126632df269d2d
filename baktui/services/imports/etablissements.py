"""Importing the établissements (create or update, keyed by UAI) from a CSV/XLSX file.

The commune is found by name (without case or accents) and postcode, or created (audited).
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

from baktui.data.db import write_transaction
from baktui.data.models import Etablissement
from baktui.rules.identifiers import email_error, fold, phone_error, phone_normalise
from baktui.services.imports.reference import (
    Communes,
    LineCheck,
    check_all,
    duplicate,
    save_records,
)
from baktui.services.imports.report import ImportReport, chunks, open_table

REQUIRED = ("uai", "nom", "commune")
OPTIONAL = ("secteur", "code_postal", "adresse", "telephone", "email", "chef")
ALIASES = {"chef_etablissement": "chef", "chef_d_etablissement": "chef", "cp": "code_postal"}
# the words of the secteur column, folded -> stored value
SECTORS = {
    "": "public",
    "public": "public",
    "prive": "prive_sous_contrat",
    "prive sous contrat": "prive_sous_contrat",
    "sous contrat": "prive_sous_contrat",
    "prive_sous_contrat": "prive_sous_contrat",
    "hors contrat": "prive_hors_contrat",
    "prive hors contrat": "prive_hors_contrat",
    "prive_hors_contrat": "prive_hors_contrat",
}
SECTOR_WORDS = "public, privé sous contrat, hors contrat"
# the optional columns and the field each one fills
_OPTIONAL_FIELDS = {"adresse": "address", "chef": "head_name"}


def parse_line(check: LineCheck, seen: dict[Hashable, int]) -> tuple[Hashable, dict[str, Any]]:
    """The UAI and values of one line (its commune as ``_commune``: name, postcode)."""
    uai = check.uai()
    if uai:
        duplicate(check, uai, seen, "uai", "UAI déjà présent")
    name = check.text("nom", "nom de l'établissement")
    values: dict[str, Any] = {"uai": uai, "name": name, "name_key": fold(name)}
    values["_commune"] = (check.text("commune", "commune"), check.postcode())
    if check.present("secteur"):
        sector = SECTORS.get(fold(check.row.get("secteur")))
        if sector is None:
            check.refuse("secteur", f"secteur inconnu ({SECTOR_WORDS})")
        values["sector"] = sector or "public"
    for column, field in _OPTIONAL_FIELDS.items():
        if check.present(column):
            values[field] = check.text(column)
    if check.present("email"):
        values["email"] = check.text("email", check=email_error)
    if check.present("telephone"):
        phone = check.text("telephone", check=phone_error)
        values["phone"] = (phone_normalise(phone) or "") if phone else ""
    return uai, values


def _existing(uais: list[str]) -> dict[Hashable, Etablissement]:
    found: dict[Hashable, Etablissement] = {}
    for chunk in chunks(uais):
        for etab in Etablissement.select().where(Etablissement.uai.in_(list(chunk))):
            found[etab.uai] = etab
    return found


def import_etablissements(path: Path | str) -> ImportReport:
    """Import (create or update) the établissements of a CSV/XLSX file. All or nothing."""
    path = Path(path)
    report = ImportReport("établissements", path.name)
    table = open_table(report, path, REQUIRED, OPTIONAL, ALIASES)
    if table is None:
        return report
    seen: dict[Hashable, int] = {}
    parsed = check_all(report, table, lambda check: parse_line(check, seen))
    if report.errors:
        return report
    reason = f"import des établissements ({path.name})"
    with write_transaction():
        lines = Communes().resolve_lines(report, parsed, reason)
        save_records(report, Etablissement, lines, _existing([str(k) for k in seen]), reason)
    return report
