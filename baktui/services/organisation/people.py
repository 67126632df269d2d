"""Examiners and juries as the organisation screen edits them.

An examiner's form is checked by the examiners' import line parser; a jury's by the juries'
one, and its bureau and members are seated through :mod:`baktui.services.juries` (corps of the
président, the own-students rule), so that the screen refuses what F5 and the import refuse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import peewee as pw

from baktui.data import audit
from baktui.data.models import Candidate, Centre, Commune, Etablissement, Examiner, Jury, JuryMember
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import missions
from baktui.rules.examiners import SHORT_CORPS, display_name, short_corps
from baktui.rules.french import agree, plural
from baktui.services import juries as jury_service
from baktui.services.eligibility import AssignmentRefused
from baktui.services.imports import examiners as examiner_import
from baktui.services.imports import juries as jury_import
from baktui.services.imports.common import FirstLines, split_codes
from baktui.services.organisation import (
    Field,
    FormRefused,
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
from baktui.services.sessions import regulation_of


class Examinateurs(Kind):
    new_title = "Nouvel examinateur"
    key = "examinateurs"
    title = "Examinateurs"
    one = "examinateur"
    import_kind = "examinateurs"
    search_hint = "nom ou identifiant"
    fields = (
        Field("identifiant", "Identifiant", "NUMEN, matricule…", max_length=40),
        Field("civilite", "Civilité", "M. ou Mme", suggestions=("M.", "Mme")),
        Field("nom", "Nom", required=True),
        Field("prenom", "Prénom", required=True),
        Field(
            "corps",
            "Corps",
            "agrégé, certifié, PLP…",
            required=True,
            suggestions=tuple(SHORT_CORPS.values()),
        ),  # fmt: skip
        Field("discipline", "Disciplines", "codes d'épreuve : PHI, SP1…", required=True),
        Field("uai", "UAI établ.", "où il enseigne", max_length=8, required=True),
        Field("commune", "Commune", "de résidence", required=True),
        Field("code_postal", "Code postal", "5 chiffres", max_length=5),
        Field("email", "Courriel"),
        Field("telephone", "Téléphone"),
        Field("cv", "Puiss. fiscale", "CV du véhicule (vide : pas de véhicule)", max_length=2),
        Field("reference_bancaire", "Réf. bancaire", "IBAN, pour la paie"),
    )
    columns = (
        ("Identifiant", 11),
        ("Nom", 21),
        ("Corps", 8),
        ("Disciplines", 10),
        ("UAI", 9),
        ("Actif", 5),
    )
    wide_columns = (1, 3)

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = (
            Examiner.select(Examiner, Etablissement.uai.alias("etab_uai"))
            .join(Etablissement, pw.JOIN.LEFT_OUTER)
            .order_by(Examiner.name_key, Examiner.id)
        )
        if search:
            compact = search.upper().replace(" ", "")
            by_name = prefix_range(Examiner.name_key, folded_search(search))
            query = query.where(by_name | prefix_range(Examiner.identifier, compact))
        rows, total = page_of(query.objects(), offset, limit)
        out = tuple(
            RecordRow(
                e.id,
                (
                    e.identifier or "",
                    display_name(e.last_name, e.first_name),
                    short_corps(e.corps),
                    e.disciplines.replace(",", ", "),
                    e.etab_uai or "",
                    yes_no(e.active),
                ),  # fmt: skip
                e.active,
            )
            for e in rows
        )
        return RecordPage(out, total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        e = Examiner.get_or_none(Examiner.id == record_id)
        if e is None:
            raise NotFoundError(f"Examinateur n° {record_id} introuvable.")
        commune = (
            Commune.get_or_none(Commune.id == e.home_commune_id) if e.home_commune_id else None
        )
        uai = Etablissement.select(Etablissement.uai).where(
            Etablissement.id == e.etablissement_id
        ).scalar() if e.etablissement_id else ""  # fmt: skip
        values = {
            "identifiant": e.identifier or "", "civilite": e.civility, "nom": e.last_name,
            "prenom": e.first_name, "corps": short_corps(e.corps) if e.corps else "",
            "discipline": e.disciplines.replace(",", ", "), "uai": uai or "",
            "commune": commune.name if commune else "",
            "code_postal": (commune.postcode or "") if commune else "",
            "email": e.email, "telephone": e.phone,
            "cv": str(e.fiscal_hp) if e.fiscal_hp else "",
            "reference_bancaire": e.bank_reference or "",
        }  # fmt: skip
        title = f"Examinateur {display_name(e.last_name, e.first_name)}"
        return RecordForm(self.key, e.id, e.version, values, title, e.active)

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        table = one_row(values)
        uai = values.get("uai", "").upper().replace(" ", "")
        etabs = examiner_import.etablissement_ids({uai} if uai else set())
        line, issues = examiner_import.parse_line(
            regulation_of(session_id), table, table.rows[0], etabs, FirstLines()
        )
        parsed = Parsed(dict(line.values), extra={"line": line})
        parsed.take(issues)
        identifier = parsed.values.get("identifier")
        taken = Examiner.get_or_none(Examiner.identifier == identifier) if identifier else None
        if taken is not None and taken.id != record_id:
            name = display_name(taken.last_name, taken.first_name)
            parsed.refuse("identifiant", f"identifiant déjà enregistré : {name}")
        if not identifier:
            parsed.values["identifier"] = None
        if not values.get("cv"):
            parsed.values.update(fiscal_hp=None, vehicle_authorised=False)
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "fiche examinateur (organisation)"
        line = parsed.extra["line"]
        communes = examiner_import.commune_ids([line], reason)
        parsed.values["home_commune"] = communes[line.commune]
        if record_id is None:
            row = audit.create(Examiner, reason=reason, **parsed.values)
            return row.id, True, len(parsed.values)
        return record_id, False, update_record(Examiner, record_id, version, parsed.values, reason)

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        e = existing(Examiner, record_id, "Examinateur")
        audit.update(Examiner, record_id, {"active": not e.active},
                     expected_version=version, reason="organisation")  # fmt: skip
        name = display_name(e.last_name, e.first_name)
        if e.active:
            return (f"{name} {agree(e.civility, 'désactivé')} : plus "
                    f"{agree(e.civility, 'proposé')} pour une mission.")  # fmt: skip
        return f"{name} {agree(e.civility, 'réactivé')}."


_OFFICERS = (("president", missions.PRESIDENT), ("vice_president", missions.VICE_PRESIDENT))


class Jurys(Kind):
    new_title = "Nouveau jury"
    key = "jurys"
    title = "Jurys"
    one = "jury"
    import_kind = "jurys"
    search_hint = "numéro ou série"
    fields = (
        Field("numero", "Numéro", max_length=5, required=True),
        Field("series", "Séries", "STI2D, STMG… (vide : toutes)"),
        Field("centre", "Centre", "UAI du centre de délibération", max_length=8, required=True),
        Field("president", "Président", "identifiant de l'examinateur"),
        Field("vice_president", "Vice-prés.", "identifiant de l'examinateur"),
        Field("membres", "Membres", "identifiants, séparés par des virgules"),
    )
    columns = (
        ("N°", 4),
        ("Séries", 12),
        ("Centre", 15),
        ("Président", 16),
        ("Memb.", 5),
        ("Cand.", 6),
        ("Actif", 5),
    )
    wide_columns = (2, 3)

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = jury_service.juries_with_president(session_id)
        if search.isdigit():
            query = query.where(Jury.number == int(search))
        elif search:
            query = query.where(Jury.series_codes.contains(search.upper()))
        rows, total = page_of(query.objects(), offset, limit)
        ids = [j.id for j in rows]
        members = _count(JuryMember.select(JuryMember.jury, pw.fn.COUNT(JuryMember.id)), ids,
                         JuryMember.jury)  # fmt: skip
        candidates = _count(Candidate.select(Candidate.jury, pw.fn.COUNT(Candidate.id)), ids,
                            Candidate.jury)  # fmt: skip
        out = tuple(
            RecordRow(
                j.id,
                (
                    str(j.number),
                    j.series_codes.replace(",", " "),
                    missions.short_place(j.centre_name or ""),
                    display_name(j.last_name, j.first_name) if j.last_name else "—",
                    str(members.get(j.id, 0)),
                    str(candidates.get(j.id, 0)),
                    yes_no(j.active),
                ),
                j.active,
            )  # fmt: skip
            for j in rows
        )
        return RecordPage(out, total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        jury = Jury.get_or_none((Jury.id == record_id) & (Jury.session == session_id))
        if jury is None:
            raise NotFoundError(f"Jury n° {record_id} introuvable dans la session.")
        seats = {
            pk: identifier or f"n° {pk}"
            for pk, identifier in Examiner.select(Examiner.id, Examiner.identifier)
            .join(JuryMember, on=JuryMember.examiner == Examiner.id)
            .where(JuryMember.jury == jury.id)
            .order_by(Examiner.name_key)
            .tuples()
        }
        officers = {jury.president_id, jury.vice_president_id}
        code = Centre.select(Centre.code).where(Centre.id == jury.centre_id).scalar()
        values = {
            "numero": str(jury.number),
            "series": jury.series_codes.replace(",", ", "),
            "centre": code or "",
            "president": seats.get(jury.president_id, "") if jury.president_id else "",
            "vice_president": seats.get(jury.vice_president_id, "") if jury.vice_president_id
            else "",
            "membres": ", ".join(v for pk, v in seats.items() if pk not in officers),
        }  # fmt: skip
        return RecordForm(self.key, jury.id, jury.version, values, f"Jury n° {jury.number}",
                          jury.active)  # fmt: skip

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        table = one_row({k: v for k, v in values.items() if k != "membres"})
        reg = regulation_of(session_id)
        line, issues = jury_import.parse_line(
            reg.series_codes, table, table.rows[0], jury_import.deliberation_centres(session_id),
            _officers(table, values), FirstLines(),
        )  # fmt: skip
        parsed = Parsed(dict(line.values, number=line.number))
        parsed.take(issues)
        taken = Jury.get_or_none((Jury.session == session_id) & (Jury.number == line.number))
        if line.number and taken is not None and taken.id != record_id:
            parsed.refuse("numero", f"le jury n° {line.number} existe déjà dans cette session")
        typed = _NUMBERED.sub(r"n°\1", values.get("membres", ""))  # « n° 12 » is one token
        parsed.extra["members"] = _member_ids(parsed, split_codes(typed))
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "fiche jury (organisation)"
        values = dict(parsed.values)
        officers = {role: values.pop(role, None) for _, role in _OFFICERS}
        if record_id is None:
            jury = audit.create(Jury, reason=reason, session=session_id, **values)
            jury_id, created, changed = jury.id, True, len(values)
        else:
            jury_id, created = record_id, False
            changed = update_record(Jury, record_id, version, values, reason)
        jury = Jury.get_by_id(jury_id)
        # a demoted officer stays a member (as the import does), unless typed off later
        former = {jury.president_id, jury.vice_president_id} - {None}
        changed += _seat_officers(jury, officers)
        changed += _seat_members(jury_id, parsed.extra["members"], officers, former)
        return jury_id, created, changed

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        jury = existing(Jury, record_id, "Jury", session_id)
        placed = Candidate.select().where(Candidate.jury == record_id).count()
        if jury.active and placed:
            raise ServiceError(
                f"Le jury n° {jury.number} a {plural(placed, 'candidat')} : répartissez-les dans les "
                "autres jurys avant de le désactiver (baktui jurys repartir --tout)."
            )
        audit.update(Jury, record_id, {"active": not jury.active},
                     expected_version=version, reason="organisation")  # fmt: skip
        return f"Jury n° {jury.number} {'désactivé' if jury.active else 'réactivé'}."


def _count(query: pw.ModelSelect, ids: list[int], column: pw.Field) -> dict[int, int]:
    if not ids:
        return {}
    return dict(query.where(column.in_(ids)).group_by(column).tuples())


def _seat_officers(jury: Jury, officers: Mapping[str, int | None]) -> int:
    """Seat the président and vice-président typed (refusals named by their field)."""
    changed = 0
    for column, role in _OFFICERS:
        wanted, current = officers.get(role), getattr(jury, role + "_id")
        if wanted == current:
            continue
        try:
            if wanted is None:
                audit.update(Jury, jury.id, {role: None}, reason="fiche jury (organisation)")
                jury_service.ensure_member(jury.id, current, missions.MEMBER)
            elif role == missions.PRESIDENT:
                jury_service.set_president(jury.id, wanted)
            else:
                jury_service.set_vice_president(jury.id, wanted)
        except AssignmentRefused as exc:
            raise _refused(column, exc) from None
        changed += 1
    return changed


def _member_ids(parsed: Parsed, codes: list[str]) -> list[int]:
    """The examiners typed as members: by identifier, or « n° 12 » for one without (as the form
    shows them); unknown ones refused, named."""
    by_number = {c: int(m.group(1)) for c in codes if (m := _NUMBERED.fullmatch(c))}
    wanted = [c for c in codes if c not in by_number]
    found = dict(
        Examiner.select(Examiner.identifier, Examiner.id)
        .where(Examiner.identifier.in_(wanted)).tuples()
    ) if wanted else {}  # fmt: skip
    if by_number:
        known = {pk for (pk,) in Examiner.select(Examiner.id)
                 .where(Examiner.id.in_(list(by_number.values()))).tuples()}  # fmt: skip
        found.update({c: pk for c, pk in by_number.items() if pk in known})
    unknown = [code for code in codes if code not in found]
    if unknown:
        parsed.refuse("membres", f"identifiant(s) inconnu(s) : {', '.join(unknown)}")
    return [found[code] for code in codes if code in found]


# How the form shows an examiner without an identifier.
_NUMBERED = re.compile(r"n°\s*(\d+)", re.IGNORECASE)


def _officers(table: Any, values: Mapping[str, str]) -> dict[str, Examiner]:
    """The officers typed, by identifier (as the import) or « n° 12 »."""
    found = jury_import.officers(table)
    for column, _ in _OFFICERS:
        if m := _NUMBERED.fullmatch(values.get(column, "").strip()):
            examiner = Examiner.get_or_none(Examiner.id == int(m.group(1)))
            if examiner is not None:
                found[f"N°{examiner.id}"] = examiner
    return found


def _seat_members(
    jury_id: int, wanted: list[int], officers: Mapping[str, int | None], former: set[int]
) -> int:
    """Add the members typed, take off those no longer typed (the bureau stays, and so does an
    officer just replaced: he or she was not in the members' field)."""
    bureau = {pk for pk in officers.values() if pk} | former
    seated = {
        pk for (pk,) in JuryMember.select(JuryMember.examiner)
        .where(JuryMember.jury == jury_id).tuples()
    }  # fmt: skip
    changed = 0
    for examiner_id in wanted:
        if examiner_id not in seated and examiner_id not in bureau:
            try:
                jury_service.add_member(jury_id, examiner_id)
            except ServiceError as exc:
                raise _refused("membres", exc) from None
            changed += 1
    for examiner_id in seated - set(wanted) - bureau:
        jury_service.remove_member(jury_id, examiner_id)
        changed += 1
    return changed


def _refused(column: str, exc: ServiceError) -> ServiceError:
    return FormRefused({column: str(exc).removeprefix("Refusé : ")})


KINDS: tuple[Kind, ...] = (Examinateurs(), Jurys())
