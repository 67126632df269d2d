"""Importing the centres of a session (keyed by the UAI of the établissement hosting them) and
their salles (keyed by centre and room name) from CSV/XLSX files."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from baktui.data.db import write_transaction
from baktui.data.models import Centre, Etablissement, Room
from baktui.rules.identifiers import fold
from baktui.services.imports.reference import (
    Communes,
    LineCheck,
    cells,
    check_all,
    duplicate,
    save_records,
)
from baktui.services.imports.report import ImportReport, chunks, open_table

CENTRE_REQUIRED = ("uai", "nom", "commune", "roles")
CENTRE_OPTIONAL = ("code_postal", "adresse")
CENTRE_ALIASES = {"role": "roles", "roles_du_centre": "roles"}
ROLES = {"examen": "is_exam", "deliberation": "is_deliberation", "correction": "is_correction"}
ROLE_WORDS = "examen, délibération, correction"

ROOM_REQUIRED = ("centre", "salle", "capacite")
ROOM_OPTIONAL = ("accessible", "tiers_temps")
ROOM_ALIASES = {"uai": "centre", "nom": "salle", "capacite_salle": "capacite", "places": "capacite"}
CAPACITY_MAX = 10_000

_ROLE_SEPARATORS = re.compile(r"[\s,;/+]+")
_DIGITS = re.compile(r"[0-9]+")


def _roles(check: LineCheck) -> dict[str, bool]:
    words = [w for w in _ROLE_SEPARATORS.split(fold(check.row.get("roles"))) if w]
    if not words:
        check.refuse("roles", f"au moins un rôle attendu ({ROLE_WORDS})")
    unknown = [w for w in words if w not in ROLES]
    if unknown:
        check.refuse("roles", f"rôle inconnu « {unknown[0]} » ({ROLE_WORDS})")
    return {field: key in words for key, field in ROLES.items()}


def parse_centre(
    check: LineCheck, session_id: int, etabs: dict[str, int], seen: dict[Hashable, int]
) -> tuple[Hashable, dict[str, Any]]:
    """The code (UAI) and values of one centre line (its commune as ``_commune``)."""
    uai = check.uai()
    if uai and uai not in etabs:
        check.refuse("uai", "établissement inconnu (UAI absent de la liste des établissements)")
    elif uai:
        duplicate(check, uai, seen, "uai", "UAI déjà présent")
    values: dict[str, Any] = {"session": session_id, "code": uai, "etablissement": etabs.get(uai)}
    values["name"] = check.text("nom", "nom du centre")
    values["_commune"] = (check.text("commune", "commune"), check.postcode())
    if check.present("adresse"):
        values["address"] = check.text("adresse")
    values.update(_roles(check))
    return uai, values


def parse_room(
    check: LineCheck, centres: dict[str, int], seen: dict[Hashable, int]
) -> tuple[Hashable, dict[str, Any]]:
    """The key (centre id, folded name) and values of one room line."""
    uai = check.uai("centre")
    if uai and uai not in centres:
        check.refuse("centre", "centre inconnu dans la session (importez d'abord les centres)")
    name = check.text("salle", "nom de salle")
    key = (centres.get(uai, 0), fold(name))
    if uai in centres and name:
        duplicate(check, key, seen, "salle", "salle déjà présente")
    values: dict[str, Any] = {"centre": key[0], "name": name, "capacity": _capacity(check)}
    if check.present("accessible"):
        values["accessible"] = check.yes_no("accessible")
    if check.present("tiers_temps"):
        values["extra_time"] = check.yes_no("tiers_temps")
    return key, values


def etablissement_ids(uais: Sequence[str]) -> dict[str, int]:
    """Ids of the établissements by UAI."""
    return _ids(Etablissement, Etablissement.uai, uais)


def session_centre_ids(session_id: int, codes: Sequence[str]) -> dict[str, int]:
    """Ids of the session's centres by code."""
    return _ids(Centre, Centre.code, codes, Centre.session == session_id)


def _ids(model: Any, column: Any, values: Sequence[str], *where: Any) -> dict[str, int]:
    """Ids by key value, for the values of a file (looked up before the write lock)."""
    found: dict[str, int] = {}
    for chunk in chunks(list(values)):
        query = model.select(column, model.id).where(column.in_(list(chunk)), *where)
        found.update(dict(query.tuples()))
    return found


def _by_key(query: Any, key: Any) -> dict[Hashable, Any]:
    return {key(record): record for record in query}


def import_centres(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the centres of the session from a CSV/XLSX file."""
    path = Path(path)
    report = ImportReport("centres", path.name)
    table = open_table(report, path, CENTRE_REQUIRED, CENTRE_OPTIONAL, CENTRE_ALIASES)
    if table is None:
        return report
    etabs = etablissement_ids(cells(table, "uai"))
    seen: dict[Hashable, int] = {}
    parsed = check_all(report, table, lambda check: parse_centre(check, session_id, etabs, seen))
    if report.errors:
        return report
    reason = f"import des centres ({path.name})"
    with write_transaction():
        lines = Communes().resolve_lines(report, parsed, reason)
        existing = _by_key(Centre.select().where(Centre.session == session_id), _centre_code)
        save_records(report, Centre, lines, existing, reason)
    return report


def _centre_code(centre: Centre) -> str:
    return centre.code


def _room_key(room: Room) -> tuple[int, str]:
    return room.centre_id, fold(room.name)


def _capacity(check: LineCheck) -> int:
    text = check.row.get("capacite").replace(" ", "")
    if not _DIGITS.fullmatch(text) or not 0 < int(text) <= CAPACITY_MAX:
        check.refuse("capacite", f"nombre entier de places attendu (1 à {CAPACITY_MAX})")
        return 0
    return int(text)


def import_rooms(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the salles of the session's centres from a CSV/XLSX file."""
    path = Path(path)
    report = ImportReport("salles", path.name)
    table = open_table(report, path, ROOM_REQUIRED, ROOM_OPTIONAL, ROOM_ALIASES)
    if table is None:
        return report
    centres = session_centre_ids(session_id, cells(table, "centre"))
    seen: dict[Hashable, int] = {}
    parsed = check_all(report, table, lambda check: parse_room(check, centres, seen))
    if report.errors:
        return report
    reason = f"import des salles ({path.name})"
    with write_transaction():
        query = Room.select().join(Centre).where(Centre.session == session_id)
        existing = _by_key(query, _room_key)
        save_records(report, Room, [(key, values) for _, key, values in parsed], existing, reason)
    return report
