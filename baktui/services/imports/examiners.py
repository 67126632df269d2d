"""Importing examiners (create or update) from a CSV/XLSX file.

Key: the ``identifiant`` column when the line has one, otherwise the folded name and first name
with the établissement's UAI. The home commune is found by its folded name (and postcode when
given), or created (audited). Same contract as the other imports (see :mod:`.report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baktui.data.db import write_transaction
from baktui.data.models import Commune, Etablissement, Examiner
from baktui.rules.examiners import CORPS_LABELS
from baktui.rules.identifiers import (
    email_error,
    fold,
    phone_error,
    phone_normalise,
    postcode_error,
    uai_error,
)
from baktui.rules.regulation import Regulation
from baktui.rules.text import name_error, text_error
from baktui.rules.words import clean_spaces
from baktui.services.imports.common import (
    FirstLines,
    LineCheck,
    apply_changes,
    bulk_create,
    count,
    read_lines,
    split_codes,
    start,
)
from baktui.services.imports.report import ImportReport, LineIssue, chunks
from baktui.services.imports.tabular import Row, Table
from baktui.services.sessions import regulation_of

REQUIRED = ("nom", "prenom", "discipline", "uai", "commune")
OPTIONAL = ("identifiant", "corps", "civilite", "email", "telephone", "cv", "code_postal",
            "reference_bancaire")  # fmt: skip
ALIASES = {"disciplines": "discipline", "puissance_fiscale": "cv", "cp": "code_postal",
           "iban": "reference_bancaire", "rib": "reference_bancaire"}  # fmt: skip
DEFAULT_CORPS = "CERTIFIE"  # a new examiner without a corps column
HP_MAX = 50
_CIVILITIES = {"m": "M.", "m.": "M.", "monsieur": "M.", "mme": "Mme", "madame": "Mme"}

CommuneKey = tuple[str, str]  # (folded name, postcode or "")


@dataclass
class ExaminerLine:
    row: Row
    key: tuple[str, ...]
    values: dict[str, Any]
    commune: CommuneKey


def corps_code(text: str) -> str | None:
    """ "agrégé" -> "AGREGE", "IA-IPR" -> "IA_IPR"; None when not a corps of the rules."""
    code = "_".join(fold(text).upper().split())
    return code if code in CORPS_LABELS else None


def parse_line(
    reg: Regulation, table: Table, row: Row, etabs: dict[str, int], seen: FirstLines
) -> tuple[ExaminerLine, list[LineIssue]]:
    check = LineCheck(table, row)
    values: dict[str, Any] = {}
    for column, field, what in (("nom", "last_name", "nom"), ("prenom", "first_name", "prénom")):
        text = clean_spaces(row.get(column))
        if not text:
            check.refuse(column, f"{what} obligatoire")
        elif message := name_error(text):
            check.refuse(column, message)
        values[field] = text
    values["name_key"] = fold(f"{values['last_name']} {values['first_name']}")
    codes = split_codes(row.get("discipline"))
    unknown = [c for c in codes if not reg.has_epreuve(c)]
    if not codes:
        check.refuse("discipline", "discipline obligatoire (code d'épreuve : PHI, SP1, FRE…)")
    elif unknown:
        known = ", ".join(rule.code for rule in reg.epreuves)
        check.refuse("discipline", f"épreuve {', '.join(unknown)} inconnue (épreuves : {known})")
    values["disciplines"] = ",".join(codes)
    uai = row.get("uai").upper().replace(" ", "")
    if message := uai_error(uai):
        check.refuse("uai", message)
    elif uai not in etabs:
        check.refuse("uai", "établissement inconnu (UAI absent de la liste des établissements)")
    values["etablissement"] = etabs.get(uai)
    commune = clean_spaces(row.get("commune"))
    if not commune:
        check.refuse("commune", "commune obligatoire")
    elif message := text_error(commune):
        check.refuse("commune", message)
    postcode = row.get("code_postal").replace(" ", "")
    if postcode and (message := postcode_error(postcode)):
        check.refuse("code_postal", message)
    if check.present("corps") and row.get("corps"):
        values["corps"] = corps_code(row.get("corps")) or ""
        if not values["corps"]:
            check.refuse("corps", f"corps inconnu (corps : {', '.join(CORPS_LABELS)})")
    if check.present("civilite"):
        civility = row.get("civilite")
        values["civility"] = _CIVILITIES.get(civility.casefold(), "") if civility else ""
        if civility and not values["civility"]:
            check.refuse("civilite", "civilité inconnue (M. ou Mme)")
    if check.present("email"):
        values["email"] = row.get("email")
        if values["email"] and (message := email_error(values["email"])):
            check.refuse("email", message)
    if check.present("telephone"):
        phone = row.get("telephone")
        values["phone"] = (phone_normalise(phone) or "") if phone else ""
        if phone and (message := phone_error(phone)):
            check.refuse("telephone", message)
    if check.present("cv"):
        hp = check.positive_int("cv", "puissance fiscale", HP_MAX) if row.get("cv") else None
        values["fiscal_hp"] = hp
        values["vehicle_authorised"] = hp is not None
    if check.present("reference_bancaire"):
        bank = row.get("reference_bancaire").replace(" ", "").upper()
        if bank and (message := text_error(bank, 40)):
            check.refuse("reference_bancaire", message)
        values["bank_reference"] = bank
    identifier = row.get("identifiant").replace(" ", "").upper()
    if identifier and (message := text_error(identifier, 40)):
        check.refuse("identifiant", message)
    if identifier:
        values["identifier"] = identifier
    if identifier:
        key: tuple[str, ...] = ("id", identifier)
        seen.check(check, key, "identifiant", "identifiant")
    else:
        key = ("nom", values["name_key"], uai)
        seen.check(check, key, "nom", "examinateur (nom, prénom, UAI)")
    line = ExaminerLine(row, key, values, (fold(commune), postcode))
    return line, check.errors


def etablissement_ids(uais: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(uais)):
        query = Etablissement.select(Etablissement.uai, Etablissement.id)
        found.update(query.where(Etablissement.uai.in_(list(chunk))).tuples())
    return found


def _communes() -> dict[CommuneKey, int]:
    """Communes by (folded name, postcode) and by (folded name, "") (the first of that name)."""
    found: dict[CommuneKey, int] = {}
    query = Commune.select(Commune.id, Commune.name, Commune.postcode).order_by(Commune.id)
    for pk, name, postcode in query.tuples():
        found.setdefault((fold(name), postcode), pk)
        found.setdefault((fold(name), ""), pk)
    return found


def _existing() -> tuple[dict[str, Examiner], dict[tuple[str, int | None], Examiner]]:
    by_identifier: dict[str, Examiner] = {}
    by_name: dict[tuple[str, int | None], Examiner] = {}
    for examiner in Examiner.select():
        if examiner.identifier:
            by_identifier[examiner.identifier] = examiner
        by_name.setdefault((examiner.name_key, examiner.etablissement_id), examiner)
    return by_identifier, by_name


def commune_ids(lines: list[ExaminerLine], reason: str) -> dict[CommuneKey, int]:
    """Every line's commune id; the communes not found are created (audited)."""
    known = _communes()
    missing: dict[CommuneKey, str] = {}
    for line in lines:
        if line.commune not in known:
            missing.setdefault(line.commune, clean_spaces(line.row.get("commune")))
    records = [{"name": name, "postcode": key[1]} for key, name in missing.items()]
    for key, pk in zip(missing, bulk_create(Commune, records, reason), strict=True):
        known[key] = pk
        known.setdefault((key[0], ""), pk)
    return known


def import_examiners(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the examiners of a CSV/XLSX file; all or nothing."""
    report, table = start("examinateurs", path, REQUIRED, OPTIONAL, ALIASES)
    if table is None:
        return report
    reg = regulation_of(session_id)
    etabs = etablissement_ids({r.get("uai").upper().replace(" ", "") for r in table.rows})
    seen = FirstLines()
    lines = read_lines(report, table, lambda row: parse_line(reg, table, row, etabs, seen))
    if lines is None:
        return report
    reason = f"import des examinateurs ({report.file})"
    with write_transaction():
        communes = commune_ids(lines, reason)
        by_identifier, by_name = _existing()
        new: list[dict[str, Any]] = []
        for line in lines:
            values = dict(line.values, home_commune=communes[line.commune])
            ident = values.get("identifier")
            current = by_identifier.get(ident) if ident else None
            if current is None:
                current = by_name.get((values["name_key"], values["etablissement"]))
                if current is not None and ident and current.identifier not in (None, ident):
                    current = None  # same name, another identifier: another person
            if current is None:
                values.setdefault("corps", DEFAULT_CORPS)
                new.append(values)
            else:
                count(report, apply_changes(current, values, reason))
        report.created = len(bulk_create(Examiner, new, reason))
    return report
