"""Importing candidates (create or update, keyed by INE in the session) from a CSV/XLSX file.

The columns are those of the candidate's one declaration (:mod:`baktui.rules.candidate`). Identity
and format errors refuse the file; inconsistent choices (sub-choice, languages, options) are
imported and listed as warnings, to be fixed in F3's registration checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Etablissement
from baktui.errors import ServiceError
from baktui.rules import indications
from baktui.rules.candidate import IMPORT_ALIASES, IMPORT_FIELDS, IMPORT_OPTIONAL, IMPORT_REQUIRED
from baktui.rules.identifiers import (
    email_error,
    ine_error,
    parse_date_fr,
    phone_error,
    phone_normalise,
    postcode_error,
    uai_error,
)
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.registration import STATUSES, choice_errors, format_options, parse_options
from baktui.rules.registration_form import age_error
from baktui.rules.regulation import Regulation
from baktui.rules.text import name_error, text_error
from baktui.rules.words import clean_spaces, code_upper, sex_code, status_key, yes_no
from baktui.services import registration as regsvc
from baktui.services.imports import progress as batches
from baktui.services.imports.progress import ImportCancelled, ProgressFn, Ticker
from baktui.services.imports.report import (
    ImportReport,
    LineIssue,
    Refused,
    chunks,
    open_file,
    row_issues,
    tidy_reason,
)
from baktui.services.imports.spool import Spool
from baktui.services.imports.tabular import Row, Table, TableError, TableStream
from baktui.services.sessions import regulation_of

_EPS_YES = frozenset({"inapte"})  # "inapte" in the eps_inapte column means yes


@dataclass
class _CandidateLine:
    row: Row
    values: dict[str, Any]  # CandidateData field -> value, for the columns present


def _parse_candidate(
    reg: Regulation,
    table: Table | TableStream,
    row: Row,
    etablissements: dict[str, int],
    today: dt.date,
) -> tuple[dict[str, Any], list[LineIssue]]:
    """(CandidateData values of the present columns, refusals) for one line."""
    errors: list[LineIssue] = []
    values: dict[str, Any] = {}

    def refuse(column: str, reason: str) -> None:
        value = row.get(column)
        errors.append(
            LineIssue(
                row.line, table.headers.get(column, column), value, tidy_reason(reason, value)
            )
        )

    present = set(table.headers)
    ine = row.get("ine").upper().replace(" ", "")
    message = ine_error(ine)
    if message:
        refuse("ine", message)
    values["ine"] = ine
    for column in ("nom", "prenom"):
        text = clean_spaces(row.get(column))
        if not text:
            refuse(column, f"{'nom' if column == 'nom' else 'prénom'} obligatoire")
        elif message := name_error(text):
            refuse(column, message)
        values[IMPORT_FIELDS[column]] = text
    try:
        birth = parse_date_fr(row.get("date_naissance"))
        if birth > today:
            refuse("date_naissance", "date de naissance dans le futur")
        elif message := age_error(reg, birth):
            refuse("date_naissance", message)
        values["birth_date"] = birth
    except ValueError as exc:
        refuse(
            "date_naissance",
            str(exc).lstrip() if row.get("date_naissance") else "date obligatoire (JJ/MM/AAAA)",
        )
    series = code_upper(row.get("serie"))
    if series not in reg.series_codes:
        refuse("serie", f"série inconnue (séries : {', '.join(reg.series_codes)})")
    values["series"] = series
    if "statut" in present:
        status = status_key(row.get("statut"))
        if status is None:
            refuse("statut", f"statut inconnu (statuts : {', '.join(STATUSES)})")
        values["status"] = status or "scolaire"
    if "uai" in present:
        uai = row.get("uai").upper().replace(" ", "")
        values["etablissement_id"] = None
        if uai:
            message = uai_error(uai)
            if message:
                refuse("uai", message)
            elif uai not in etablissements:
                refuse("uai", "établissement inconnu (UAI absent de la liste des établissements)")
            else:
                values["etablissement_id"] = etablissements[uai]
    for column in ("sous_choix", "lva", "lvb"):
        if column in present:
            values[IMPORT_FIELDS[column]] = code_upper(row.get(column))
    if "options" in present:
        values["options"] = format_options(parse_options(row.get("options")))
    if "indications" in present:
        entries = indications.parse(row.get("indications"))
        for message in indications.errors(entries, reg.languages):
            refuse("indications", message)
        values["indications"] = indications.format_entries(entries)
    if "eps_inapte" in present:
        inapte = yes_no(row.get("eps_inapte"), also_yes=_EPS_YES)
        if inapte is None:
            refuse("eps_inapte", "oui ou non attendu")
        values["eps_inapte"] = bool(inapte)
    if "sexe" in present:
        sex = sex_code(row.get("sexe"))
        if sex is None:
            refuse("sexe", "F ou M attendu (ou vide)")
        values["sex"] = sex or ""
    for column in ("adresse", "commune", "lieu_naissance"):
        if column in present:
            text = clean_spaces(row.get(column))
            if message := text_error(text):
                refuse(column, message)
            values[IMPORT_FIELDS[column]] = text
    if "code_postal" in present:
        postcode = row.get("code_postal").replace(" ", "")
        if postcode:
            message = postcode_error(postcode)
            if message:
                refuse("code_postal", message)
        values["postcode"] = postcode
    if "email" in present:
        email = row.get("email")
        if email:
            message = email_error(email)
            if message:
                refuse("email", message)
        values["email"] = email
    if "telephone" in present:
        phone = row.get("telephone")
        values["phone"] = ""
        if phone:
            message = phone_error(phone)
            if message:
                refuse("telephone", message)
            values["phone"] = phone_normalise(phone) or ""
    return values, errors


def _choice_warnings(
    reg: Regulation, table: Table | TableStream, row: Row, merged: dict[str, Any]
) -> list[LineIssue]:
    """Registration choices that are inconsistent: imported, listed as warnings."""
    warnings: list[LineIssue] = []
    if merged["series"] not in reg.series_codes:
        return warnings
    problems = choice_errors(
        reg,
        merged["series"],
        merged.get("sub_choice", ""),
        merged.get("lva", ""),
        merged.get("lvb", ""),
        parse_options(merged.get("options", "")),
        eps_inapte=bool(merged.get("eps_inapte", False)),
    )
    for column, message in problems:
        shown = table.headers.get(column, column) if column in table.headers else column
        warnings.append(
            LineIssue(
                row.line,
                shown,
                row.get(column) if column in table.headers else "",
                f"{message} (importé ; à corriger dans les contrôles d'inscription)",
            )
        )
    return warnings


def _existing_candidates(session_id: int, ines: Sequence[str]) -> dict[str, Candidate]:
    found: dict[str, Candidate] = {}
    for chunk in chunks(list(ines)):
        for candidate in Candidate.select().where(
            (Candidate.session == session_id) & (Candidate.ine.in_(list(chunk)))
        ):
            found[candidate.ine] = candidate
    return found


def _etablissements(uais: Iterable[str]) -> dict[str, int]:
    wanted = sorted({u for u in uais if u})
    found: dict[str, int] = {}
    for chunk in chunks(wanted):
        for uai, pk in (
            Etablissement.select(Etablissement.uai, Etablissement.id)
            .where(Etablissement.uai.in_(list(chunk)))
            .tuples()
        ):
            found[uai] = pk
    return found


def import_candidates(
    session_id: int, path: Path | str, progress: ProgressFn | None = None
) -> ImportReport:
    """Import (create or update) the candidates of a CSV/XLSX file into the session.

    All or nothing: one refused line and nothing is written. Choice inconsistencies (sub-choice,
    languages, options) are imported and listed as warnings. The file is streamed: every line
    is checked first (only the INEs are kept, the accepted lines go to an on-disk spool), then
    written in one write transaction, batch by batch. ``progress``: see
    :mod:`baktui.services.imports.progress` (it may stop the import: nothing written).
    """
    path = Path(path)
    report = ImportReport("candidats", path.name)
    table = open_file(report, path, IMPORT_REQUIRED, IMPORT_OPTIONAL, IMPORT_ALIASES)
    if table is None:
        return report
    tick = Ticker(progress, table.estimated_rows)
    tick.start()
    with Spool() as spool:
        try:
            _check_file(session_id, table, report, spool, tick)
        except TableError as exc:  # found further down the file (malformed CSV line…)
            report.fatal = str(exc)
            report.errors.clear()
            report.warnings.clear()
            return report
        if report.errors:
            return report
        tick.checked(report.lines)
        try:
            with write_transaction():
                _write_file(session_id, path, table, spool, report, tick)
        except Refused:
            pass
        except ServiceError as exc:  # a rule of the service that the checks above missed
            if isinstance(exc, ImportCancelled):
                raise
            report.fatal = str(exc)
            report.created = report.updated = report.unchanged = 0
    return report


def _check_file(
    session_id: int, table: TableStream, report: ImportReport, spool: Spool, tick: Ticker
) -> None:
    """The check pass, before taking the write lock (colleagues keep writing meanwhile)."""
    reg = regulation_of(session_id)
    today = dt.date.today()
    etablissements: dict[str, int] = {}
    known: set[str] = set()
    first_line: dict[str, int] = {}
    batch: list[Row] = []

    def flush() -> None:
        uais = {r.get("uai").upper().replace(" ", "") for r in batch} - known
        etablissements.update(_etablissements(uais))
        known.update(uais)
        for row in batch:
            errors = row_issues(table, row)
            values, line_errors = _parse_candidate(reg, table, row, etablissements, today)
            errors.extend(line_errors)
            ine = values["ine"]
            if ine and ine in first_line and not ine_error(ine):
                errors.append(
                    LineIssue(
                        row.line,
                        table.headers["ine"],
                        row.get("ine"),
                        f"INE déjà présent ligne {first_line[ine]} du fichier",
                    )
                )
            first_line.setdefault(ine, row.line)
            report.errors.extend(errors)
            if not report.errors:
                spool.add((row, values))
        tick.add(len(batch))
        batch.clear()

    for row in table.rows():
        report.lines += 1
        batch.append(row)
        if len(batch) >= batches.BATCH:
            flush()
    flush()


def _write_file(
    session_id: int,
    path: Path,
    table: TableStream,
    spool: Spool,
    report: ImportReport,
    tick: Ticker,
) -> None:
    """The write pass, inside the write transaction, batch by batch from the spool."""
    reg = regulation_of(session_id)
    reason = f"import des candidats ({path.name})"
    for batch in spool.batches():
        lines = [_CandidateLine(row, values) for row, values in batch]
        existing = _existing_candidates(session_id, [line.values["ine"] for line in lines])
        for line in lines:
            current = existing.get(line.values["ine"])
            merged = dict(line.values)
            if current is not None:
                for name in regsvc.EDITABLE_FIELDS:
                    merged.setdefault(name, getattr(current, name))
                if current.state == RegistrationState.ANNULEE:
                    report.warnings.append(
                        LineIssue(
                            line.row.line, "", "", "inscription annulée : mise à jour quand même"
                        )
                    )
            report.warnings.extend(_choice_warnings(reg, table, line.row, merged))
        new = [
            regsvc.CandidateData(**line.values)
            for line in lines
            if line.values["ine"] not in existing
        ]
        report.created += len(regsvc.register_candidates(session_id, new, reason=reason))
        for line in lines:
            current = existing.get(line.values["ine"])
            if current is None:
                continue
            # compared on the rows already loaded: an unchanged line costs no query
            if not regsvc.candidate_changes(current, line.values):
                report.unchanged += 1
            elif regsvc.update_candidate(current.id, line.values, reason=reason):
                report.updated += 1
            else:
                report.unchanged += 1
        tick.add(len(batch))
    tick.finished()
