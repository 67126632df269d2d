"""Établissements, centres and their salles as the organisation screen edits them.

Each form is checked by the line parser of its import (:mod:`baktui.services.imports`), then
against the base (a UAI or a room name already taken by another record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import peewee as pw

from baktui.data import audit
from baktui.data.models import Candidate, Centre, Commune, Etablissement, Room
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.french import plural
from baktui.rules.identifiers import fold
from baktui.rules.missions import short_place
from baktui.services.imports import centres as centre_import
from baktui.services.imports import etablissements as etab_import
from baktui.services.imports.common import LineCheck
from baktui.services.imports.reference import Communes
from baktui.services.imports.report import ImportReport
from baktui.services.organisation import (
    Field,
    Kind,
    Parsed,
    RecordForm,
    RecordPage,
    RecordRow,
    existing,
    folded_search,
    one_row,
    page_of,
    prefix_range,
    update_record,
    yes_no,
)

SECTOR_LABELS = {
    "public": "public",
    "prive_sous_contrat": "privé sous contrat",
    "prive_hors_contrat": "hors contrat",
}
SECTOR_SHORT = {
    "public": "public",
    "prive_sous_contrat": "privé",
    "prive_hors_contrat": "privé h.c.",
}
ROLE_FIELDS = (("is_exam", "examen"), ("is_deliberation", "délibération"),
               ("is_correction", "correction"))  # fmt: skip


def _commune_text(commune_id: int | None) -> tuple[str, str]:
    if commune_id is None:
        return "", ""
    row = Commune.get_or_none(Commune.id == commune_id)
    return (row.name, row.postcode or "") if row else ("", "")


def _resolve_commune(parsed: Parsed, reason: str) -> None:
    """The ``_commune`` (name, postcode) of the values as a commune id (created if new)."""
    name, postcode = parsed.values.pop("_commune")
    report = ImportReport("fiche", "formulaire")
    parsed.values["commune"] = Communes().resolve(report, 1, name, postcode, reason)
    parsed.extra.setdefault("warnings", []).extend(w.reason for w in report.warnings)


def _search_uai_or_name(query: pw.ModelSelect, model: Any, code: pw.Field, text: str) -> Any:
    if not text:
        return query
    compact = text.upper().replace(" ", "")
    if compact[:1].isdigit():
        return query.where(prefix_range(code, compact))
    return query.where(model.name_key.contains(folded_search(text)))


class Etablissements(Kind):
    new_title = "Nouvel établissement"
    key = "etablissements"
    title = "Établissements"
    one = "établissement"
    import_kind = "etablissements"
    search_hint = "UAI ou nom"
    fields = (
        Field("uai", "UAI", "ex. 0690026D", max_length=8, required=True),
        Field("nom", "Nom", required=True),
        Field("commune", "Commune", required=True),
        Field("code_postal", "Code postal", "5 chiffres", max_length=5),
        Field(
            "secteur",
            "Secteur",
            "public, privé sous contrat, hors contrat",
            suggestions=tuple(SECTOR_LABELS.values()),
        ),  # fmt: skip
        Field("adresse", "Adresse"),
        Field("telephone", "Téléphone", "04 72 00 00 00"),
        Field("email", "Courriel"),
        Field("chef", "Chef d'étab.", "ex. Mme Claire Martin"),
    )
    columns = (("UAI", 9), ("Nom", 28), ("Commune", 14), ("Secteur", 10), ("Actif", 5))
    wide_columns = (1, 2)

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = (
            Etablissement.select(Etablissement, Commune.name.alias("commune_name"))
            .join(Commune, pw.JOIN.LEFT_OUTER)
            .order_by(Etablissement.uai)
        )
        query = _search_uai_or_name(query, Etablissement, Etablissement.uai, search)
        rows, total = page_of(query.objects(), offset, limit)
        cells = (
            RecordRow(
                e.id,
                (
                    e.uai,
                    e.name,
                    e.commune_name or "",
                    SECTOR_SHORT.get(e.sector, e.sector),
                    yes_no(e.active),
                ),  # fmt: skip
                e.active,
            )
            for e in rows
        )
        return RecordPage(tuple(cells), total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        etab = Etablissement.get_or_none(Etablissement.id == record_id)
        if etab is None:
            raise NotFoundError(f"Établissement n° {record_id} introuvable.")
        commune, postcode = _commune_text(etab.commune_id)
        values = {
            "uai": etab.uai, "nom": etab.name, "commune": commune, "code_postal": postcode,
            "secteur": SECTOR_LABELS.get(etab.sector, etab.sector), "adresse": etab.address,
            "telephone": etab.phone, "email": etab.email, "chef": etab.head_name,
        }  # fmt: skip
        title = f"Établissement {etab.uai} {etab.name}"
        return RecordForm(self.key, etab.id, etab.version, values, title, etab.active)

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        table = one_row(values)
        check = LineCheck(table, table.rows[0])
        uai, parsed_values = etab_import.parse_line(check, {})
        parsed = Parsed(parsed_values)
        parsed.take(check.errors)
        taken = Etablissement.get_or_none(Etablissement.uai == uai) if uai else None
        if taken is not None and taken.id != record_id:
            parsed.refuse("uai", f"UAI déjà enregistré : {taken.name}")
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "fiche établissement (organisation)"
        _resolve_commune(parsed, reason)
        if record_id is None:
            row = audit.create(Etablissement, reason=reason, **parsed.values)
            return row.id, True, len(parsed.values)
        return (
            record_id,
            False,
            update_record(Etablissement, record_id, version, parsed.values, reason),
        )

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        etab = existing(Etablissement, record_id, "Établissement")
        audit.update(Etablissement, record_id, {"active": not etab.active},
                     expected_version=version, reason="organisation")  # fmt: skip
        return f"Établissement {etab.uai} {'désactivé' if etab.active else 'réactivé'}."


class Centres(Kind):
    new_title = "Nouveau centre"
    key = "centres"
    title = "Centres"
    one = "centre"
    import_kind = "centres"
    search_hint = "UAI ou nom"
    fields = (
        Field("uai", "UAI", "UAI de l'établissement d'accueil", max_length=8, required=True),
        Field("nom", "Nom", required=True),
        Field("commune", "Commune", required=True),
        Field("code_postal", "Code postal", "5 chiffres", max_length=5),
        Field("roles", "Rôles", "examen, délibération, correction", required=True),
        Field("adresse", "Adresse"),
    )
    columns = (("Code", 9), ("Nom", 22), ("Commune", 14), ("Rôles", 5), ("Salles", 6), ("Actif", 5))
    wide_columns = (1, 2)

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = (
            Centre.select(Centre, Commune.name.alias("commune_name"))
            .join(Commune, pw.JOIN.LEFT_OUTER)
            .where(Centre.session == session_id)
            .order_by(Centre.code)
        )
        if search:
            compact = search.upper().replace(" ", "")
            if compact[:1].isdigit():
                query = query.where(prefix_range(Centre.code, compact))
            else:
                query = query.where(pw.fn.LOWER(Centre.name).contains(search.lower()))
        rows, total = page_of(query.objects(), offset, limit)
        rooms = dict(
            Room.select(Room.centre, pw.fn.COUNT(Room.id))
            .where(Room.centre.in_([c.id for c in rows]))
            .group_by(Room.centre)
            .tuples()
        ) if rows else {}  # fmt: skip
        out = tuple(
            RecordRow(
                c.id,
                (
                    c.code,
                    short_place(c.name),
                    c.commune_name or "",
                    _roles_short(c),
                    str(rooms.get(c.id, 0)),
                    yes_no(c.active),
                ),  # fmt: skip
                c.active,
            )
            for c in rows
        )
        return RecordPage(out, total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        centre = Centre.get_or_none((Centre.id == record_id) & (Centre.session == session_id))
        if centre is None:
            raise NotFoundError(f"Centre n° {record_id} introuvable dans la session.")
        commune, postcode = _commune_text(centre.commune_id)
        roles = ", ".join(word for name, word in ROLE_FIELDS if getattr(centre, name))
        values = {"uai": centre.code, "nom": centre.name, "commune": commune,
                  "code_postal": postcode, "roles": roles, "adresse": centre.address}  # fmt: skip
        title = f"Centre {centre.code} {centre.name}"
        return RecordForm(self.key, centre.id, centre.version, values, title, centre.active)

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        table = one_row(values)
        check = LineCheck(table, table.rows[0])
        uai = values.get("uai", "").upper().replace(" ", "")
        etabs = centre_import.etablissement_ids([uai] if uai else [])
        code, parsed_values = centre_import.parse_centre(check, session_id, etabs, {})
        parsed = Parsed(parsed_values)
        parsed.take(check.errors)
        taken = (
            Centre.get_or_none((Centre.session == session_id) & (Centre.code == code))
            if code else None
        )  # fmt: skip
        if taken is not None and taken.id != record_id:
            parsed.refuse("uai", f"centre déjà enregistré pour ce UAI : {taken.name}")
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "fiche centre (organisation)"
        _resolve_commune(parsed, reason)
        if record_id is None:
            row = audit.create(Centre, reason=reason, **parsed.values)
            return row.id, True, len(parsed.values)
        return record_id, False, update_record(Centre, record_id, version, parsed.values, reason)

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        centre = existing(Centre, record_id, "Centre", session_id)
        audit.update(Centre, record_id, {"active": not centre.active},
                     expected_version=version, reason="organisation")  # fmt: skip
        if not centre.active:
            return f"Centre {centre.code} réactivé."
        placed = Candidate.select().where(Candidate.centre == record_id).count()
        still = (
            f" ; {plural(placed, 'candidat y reste affecté', 'candidats y restent affectés')}"
            if placed
            else ""
        )
        return f"Centre {centre.code} désactivé : il n'est plus proposé{still}."


def _roles_short(centre: Centre) -> str:
    letters = (("is_exam", "E"), ("is_deliberation", "D"), ("is_correction", "C"))
    return " ".join(letter for name, letter in letters if getattr(centre, name)) or "—"


class Salles(Kind):
    new_title = "Nouvelle salle"
    key = "salles"
    title = "Salles"
    one = "salle"
    import_kind = "salles"
    search_hint = "UAI du centre ou salle"
    fields = (
        Field("centre", "Centre", "UAI du centre", max_length=8, required=True),
        Field("salle", "Salle", "ex. B12", required=True),
        Field("capacite", "Capacité", "places", max_length=5, required=True),
        Field("accessible", "Accessible", boolean=True),
        Field("tiers_temps", "Tiers-temps", boolean=True),
    )
    columns = (("Centre", 9), ("Salle", 22), ("Places", 6), ("Accès", 5), ("1/3 t.", 6),
               ("Actif", 5))  # fmt: skip

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = (
            Room.select(Room, Centre.code.alias("centre_code"))
            .join(Centre)
            .where(Centre.session == session_id)
            .order_by(Centre.code, Room.name)
        )
        if search:
            compact = search.upper().replace(" ", "")
            if compact[:1].isdigit():
                query = query.where(prefix_range(Centre.code, compact))
            else:
                query = query.where(pw.fn.LOWER(Room.name).contains(search.lower()))
        rows, total = page_of(query.objects(), offset, limit)
        out = tuple(
            RecordRow(
                r.id,
                (
                    r.centre_code,
                    r.name,
                    str(r.capacity),
                    yes_no(r.accessible),
                    yes_no(r.extra_time),
                    yes_no(r.active),
                ),  # fmt: skip
                r.active,
            )
            for r in rows
        )
        return RecordPage(out, total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        room = (
            Room.select(Room, Centre).join(Centre)
            .where((Room.id == record_id) & (Centre.session == session_id)).first()
        )  # fmt: skip
        if room is None:
            raise NotFoundError(f"Salle n° {record_id} introuvable dans la session.")
        values = {"centre": room.centre.code, "salle": room.name, "capacite": str(room.capacity),
                  "accessible": yes_no(room.accessible), "tiers_temps": yes_no(room.extra_time)}  # fmt: skip
        title = f"Salle {room.name} — centre {room.centre.code}"
        return RecordForm(self.key, room.id, room.version, values, title, room.active)

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        table = one_row(values)
        check = LineCheck(table, table.rows[0])
        code = values.get("centre", "").upper().replace(" ", "")
        centres = centre_import.session_centre_ids(session_id, [code] if code else [])
        key, parsed_values = centre_import.parse_room(check, centres, {})
        parsed = Parsed(parsed_values)
        parsed.take(check.errors)
        centre_id, folded = key
        if centre_id and folded:
            for other_id, name in (
                Room.select(Room.id, Room.name).where(Room.centre == centre_id).tuples()
            ):
                if fold(name) == folded and other_id != record_id:
                    parsed.refuse("salle", f"salle déjà enregistrée dans ce centre ({name})")
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "fiche salle (organisation)"
        if record_id is None:
            row = audit.create(Room, reason=reason, **parsed.values)
            return row.id, True, len(parsed.values)
        return record_id, False, update_record(Room, record_id, version, parsed.values, reason)

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        room = Room.get_or_none(Room.id == record_id)
        if room is None:
            raise ServiceError("Salle introuvable.")
        audit.update(Room, record_id, {"active": not room.active},
                     expected_version=version, reason="organisation")  # fmt: skip
        return f"Salle {room.name} {'désactivée' if room.active else 'réactivée'}."


KINDS: tuple[Kind, ...] = (Etablissements(), Centres(), Salles())
