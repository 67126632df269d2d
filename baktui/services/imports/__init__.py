"""Importing candidates and grades from the files offices send (CSV or XLSX).

Both imports follow the same contract:

- the whole file is read and every line validated first; one refused line and nothing is
  written (the report lists every refused line: file line, column, value, French reason);
- the writes then happen in one write transaction, each change audited (who = OS login);
- re-importing the same file changes nothing (no audit entry, lines counted "inchangées");
  a changed value is updated through ``audit.update`` (the audit log keeps before and after).

Candidates are keyed by INE within the session; grades by (candidate, épreuve, groupe) and
part-grades of composite spécialités by (candidate, épreuve, partie). See the README section
"Formats des fichiers" for the columns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baktui.data import audit, sql
from baktui.data.db import write_transaction
from baktui.data.models import (
    Candidate,
    Etablissement,
    ExamSession,
    Grade,
    GradePart,
    Registration,
    Result,
)
from baktui.errors import ServiceError
from baktui.rules.deliberation import SECOND_GROUPE, kept_grade_error
from baktui.rules.grades import GradeError, format_grade, parse_grade, to_centi
from baktui.rules.identifiers import (
    email_error,
    fold,
    ine_error,
    parse_date_fr,
    phone_error,
    phone_normalise,
    postcode_error,
    uai_error,
)
from baktui.rules.registration import (
    STATUSES,
    choice_errors,
    format_options,
    parse_options,
)
from baktui.rules.regulation import PRECISION_HALF, PRECISION_TENTH_UP, Regulation
from baktui.services import registration as regsvc
from baktui.services.imports.tabular import (
    SEPARATOR_NAMES,
    Row,
    Table,
    TableError,
    column_errors,
    read_table,
)
from baktui.services.sessions import regulation_of

SOURCE = "import"
_CHUNK = 500  # values per "IN (...)" query

# --- Report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineIssue:
    """A remark on one line of the file: refused value, warning or information."""

    line: int
    column: str
    value: str
    reason: str

    def render(self) -> str:
        if self.line <= 0:  # about the whole file
            return self.reason
        where = f"ligne {self.line}"
        if self.column:
            where += f", colonne {self.column}"
            where += f", valeur « {self.value} »" if self.value else ", valeur vide"
        return f"{where} : {self.reason}"


@dataclass
class ImportReport:
    """What an import did (or refused), rendered in French for the CLI and the screens."""

    kind: str  # "candidats" | "notes"
    file: str
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0
    errors: list[LineIssue] = field(default_factory=list)
    warnings: list[LineIssue] = field(default_factory=list)
    infos: list[LineIssue] = field(default_factory=list)  # CC grades rounded up
    fatal: str | None = None  # the file itself was refused
    detail: str = ""  # how the file was read (separator, encoding)

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.errors

    def render(self) -> str:
        e = "" if self.kind == "candidats" else "e"  # agreement: candidats créés, notes créées
        title = f"Import des {self.kind} — {self.file}"
        if self.fatal is not None:
            return f"{title}\nImport refusé : {self.fatal}\nRien n'a été enregistré."
        out = [title + (f" ({self.detail})" if self.detail else "")]
        if self.errors:
            refused = len({issue.line for issue in self.errors})
            out.append(
                f"Import refusé : {refused} ligne{'s' if refused > 1 else ''} refusée"
                f"{'s' if refused > 1 else ''} sur {self.lines}. Rien n'a été enregistré ; "
                "corrigez le fichier et relancez l'import."
            )
            out.extend("  " + issue.render() for issue in sorted(self.errors, key=_by_line))
            return "\n".join(out)
        out.append(
            f"{self.lines} ligne{'s' if self.lines > 1 else ''} lue{'s' if self.lines > 1 else ''}"
            f" : {self.created} créé{e}{'s' if self.created > 1 else ''}, "
            f"{self.updated} mis{e}{'s' if self.updated > 1 and e else ''} à jour, "
            f"{self.unchanged} inchangé{e}{'s' if self.unchanged > 1 else ''}"
            + (f", {self.ignored} ignorée{'s' if self.ignored > 1 else ''}" if self.ignored else "")
            + "."
        )
        if self.infos:
            out.append("Notes de contrôle continu arrondies au dixième supérieur :")
            out.extend("  " + issue.render() for issue in self.infos)
        if self.warnings:
            out.append(
                f"{len(self.warnings)} avertissement{'s' if len(self.warnings) > 1 else ''} "
                "(lignes importées, à vérifier) :"
            )
            out.extend("  " + issue.render() for issue in sorted(self.warnings, key=_by_line))
        return "\n".join(out)


def _by_line(issue: LineIssue) -> int:
    return issue.line


def tidy_reason(reason: str, value: str) -> str:
    """A rule's message without the value it quotes: the report shows the value already.

    "note « 21 » hors de l'intervalle 0 à 20" -> "note hors de l'intervalle 0 à 20";
    "UAI « X » : lettre de contrôle incorrecte" -> "lettre de contrôle incorrecte".
    """
    for shown in dict.fromkeys((value.strip(), value.strip().upper())):
        if not shown:
            continue
        for prefix in (f"« {shown} » : ", f"{shown} : "):
            if reason.startswith(prefix):
                return reason[len(prefix) :]
        head, sep, tail = reason.partition(f" « {shown} » : ")
        if sep and len(head.split()) <= 3:  # "INE « X » : …", "code postal « X » : …"
            return tail
        reason = reason.replace(f" « {shown} »", "")
        if reason.startswith(f"« {shown} » "):
            reason = reason[len(f"« {shown} » ") :]
    return reason


class _Refused(Exception):
    """Internal: leave the write transaction without writing anything."""


def _open_table(
    report: ImportReport,
    path: Path,
    required: Sequence[str],
    optional: Sequence[str],
    aliases: Mapping[str, str],
) -> Table | None:
    """Read and check the file's columns; None (and report.fatal set) when it is refused."""
    try:
        table = read_table(path, aliases)
    except TableError as exc:
        report.fatal = str(exc)
        return None
    message = column_errors(table, required, optional)
    if message:
        report.fatal = message
        return None
    report.lines = len(table.rows)
    if table.separator:
        report.detail = f"séparateur {SEPARATOR_NAMES[table.separator]}, {table.encoding}"
        if table.encoding != "utf-8":
            report.warnings.append(
                LineIssue(0, "", "", f"fichier lu en {table.encoding} (pas en UTF-8)")
            )
    for line in table.extra_cells:
        report.errors.append(
            LineIssue(line, "", "", "valeurs au-delà des colonnes de l'en-tête (séparateur ?)")
        )
    return table


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _session_year(session_id: int) -> int:
    return int(ExamSession.get_by_id(session_id).year)


# --- Candidates -----------------------------------------------------------------------------

CANDIDATE_REQUIRED = ("ine", "nom", "prenom", "date_naissance", "serie")
CANDIDATE_OPTIONAL = (
    "statut",
    "uai",
    "sous_choix",
    "lva",
    "lvb",
    "options",
    "eps_inapte",
    "sexe",
    "adresse",
    "code_postal",
    "commune",
    "email",
    "telephone",
)
CANDIDATE_ALIASES = {
    "date_de_naissance": "date_naissance",
    "naissance": "date_naissance",
    "enseignement_specifique": "sous_choix",
    "e_mail": "email",
    "courriel": "email",
    "mel": "email",
    "tel": "telephone",
    "cp": "code_postal",
    "ville": "commune",
}
# file column -> CandidateData field
CANDIDATE_FIELDS = {
    "ine": "ine",
    "nom": "last_name",
    "prenom": "first_name",
    "date_naissance": "birth_date",
    "serie": "series",
    "statut": "status",
    "uai": "etablissement_id",
    "sous_choix": "sub_choice",
    "lva": "lva",
    "lvb": "lvb",
    "options": "options",
    "eps_inapte": "eps_inapte",
    "sexe": "sex",
    "adresse": "address",
    "code_postal": "postcode",
    "commune": "city",
    "email": "email",
    "telephone": "phone",
}
_YES = {"oui", "o", "yes", "y", "1", "vrai", "x", "inapte"}
_NO = {"non", "n", "no", "0", "faux", ""}
_SEX = {
    "f": "F",
    "fem": "F",
    "feminin": "F",
    "femme": "F",
    "m": "M",
    "masc": "M",
    "masculin": "M",
    "homme": "M",
    "": "",
}
_STATUS_WORDS = {"_".join(fold(label).split()): key for key, label in STATUSES.items()} | {
    key: key for key in STATUSES
}


def _clean_name(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _CandidateLine:
    row: Row
    values: dict[str, Any]  # CandidateData field -> value, for the columns present


def _parse_candidate(
    reg: Regulation,
    table: Table,
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
        text = _clean_name(row.get(column))
        if not text:
            refuse(column, f"{'nom' if column == 'nom' else 'prénom'} obligatoire")
        values[CANDIDATE_FIELDS[column]] = text
    try:
        birth = parse_date_fr(row.get("date_naissance"))
        if birth > today:
            refuse("date_naissance", "date de naissance dans le futur")
        values["birth_date"] = birth
    except ValueError as exc:
        refuse(
            "date_naissance",
            str(exc).lstrip() if row.get("date_naissance") else "date obligatoire (JJ/MM/AAAA)",
        )
    series = row.get("serie").upper()
    if series not in reg.series_codes:
        refuse("serie", f"série inconnue (séries : {', '.join(reg.series_codes)})")
    values["series"] = series
    if "statut" in present:
        word = "_".join(fold(row.get("statut")).split()) or "scolaire"
        status = _STATUS_WORDS.get(word)
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
            values[CANDIDATE_FIELDS[column]] = row.get(column).upper()
    if "options" in present:
        values["options"] = format_options(parse_options(row.get("options")))
    if "eps_inapte" in present:
        word = fold(row.get("eps_inapte"))
        if word not in _YES | _NO:
            refuse("eps_inapte", "oui ou non attendu")
        values["eps_inapte"] = word in _YES
    if "sexe" in present:
        sex = _SEX.get(fold(row.get("sexe")))
        if sex is None:
            refuse("sexe", "F ou M attendu (ou vide)")
        values["sex"] = sex or ""
    for column in ("adresse", "commune"):
        if column in present:
            values[CANDIDATE_FIELDS[column]] = _clean_name(row.get(column))
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
    reg: Regulation, table: Table, row: Row, merged: dict[str, Any]
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
    for chunk in _chunks(list(ines)):
        for candidate in Candidate.select().where(
            (Candidate.session == session_id) & (Candidate.ine.in_(list(chunk)))
        ):
            found[candidate.ine] = candidate
    return found


def _etablissements(uais: Iterable[str]) -> dict[str, int]:
    wanted = sorted({u for u in uais if u})
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        for uai, pk in (
            Etablissement.select(Etablissement.uai, Etablissement.id)
            .where(Etablissement.uai.in_(list(chunk)))
            .tuples()
        ):
            found[uai] = pk
    return found


def import_candidates(session_id: int, path: Path | str) -> ImportReport:
    """Import (create or update) the candidates of a CSV/XLSX file into the session.

    All or nothing: one refused line and nothing is written. Choice inconsistencies (sub-choice,
    languages, options) are imported and listed as warnings.
    """
    path = Path(path)
    report = ImportReport("candidats", path.name)
    table = _open_table(report, path, CANDIDATE_REQUIRED, CANDIDATE_OPTIONAL, CANDIDATE_ALIASES)
    if table is None:
        return report
    reg = regulation_of(session_id)
    today = dt.date.today()
    reason = f"import des candidats ({path.name})"
    try:
        with write_transaction():
            etablissements = _etablissements(
                row.get("uai").upper().replace(" ", "") for row in table.rows
            )
            lines: list[_CandidateLine] = []
            first_line: dict[str, int] = {}
            for row in table.rows:
                values, errors = _parse_candidate(reg, table, row, etablissements, today)
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
                lines.append(_CandidateLine(row, values))
            existing = _existing_candidates(session_id, list(first_line))
            for line in lines:
                current = existing.get(line.values["ine"])
                merged = dict(line.values)
                if current is not None:
                    for name in regsvc.EDITABLE_FIELDS:
                        merged.setdefault(name, getattr(current, name))
                    if current.state == "annulee":
                        report.warnings.append(
                            LineIssue(
                                line.row.line,
                                "",
                                "",
                                "inscription annulée : mise à jour quand même",
                            )
                        )
                report.warnings.extend(_choice_warnings(reg, table, line.row, merged))
            if report.errors:
                raise _Refused
            new = [
                regsvc.CandidateData(**line.values)
                for line in lines
                if line.values["ine"] not in existing
            ]
            report.created = len(regsvc.register_candidates(session_id, new, reason=reason))
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
    except _Refused:
        pass
    except ServiceError as exc:  # a rule of the service that the checks above missed
        report.fatal = str(exc)
        report.created = report.updated = report.unchanged = 0
    return report


# --- Grades ---------------------------------------------------------------------------------

GRADE_REQUIRED = ("ine", "epreuve", "note")
GRADE_OPTIONAL = ("groupe", "session")
GRADE_ALIASES = {
    "code_epreuve": "epreuve",
    "matiere": "epreuve",
    "valeur": "note",
    "groupe_d_epreuves": "groupe",
    "session_d_origine": "session",
    "annee": "session",
}


@dataclass
class _GradeLine:
    line: int
    candidate_id: int
    code: str  # épreuve code (group 1) or second-group subject (group 2)
    group: int
    part: str  # part code of a composite spécialité, or ""
    value_centi: int | None
    grade_code: str | None
    kept_session: int | None

    @property
    def key(self) -> tuple[int, str, int, str]:
        return (self.candidate_id, self.code, self.group, self.part)


@dataclass(frozen=True)
class _Cand:
    id: int
    series: str
    state: str
    registered: dict[str, tuple[int, int | None]]  # code -> (registration id, kept_session)


def _load_candidates(session_id: int, ines: Sequence[str]) -> dict[str, _Cand]:
    rows: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks(list(ines)):
        query = Candidate.select(
            Candidate.ine, Candidate.id, Candidate.series, Candidate.state
        ).where((Candidate.session == session_id) & (Candidate.ine.in_(list(chunk))))
        for ine, pk, series, state in sql.fetch(query):
            rows[ine] = (pk, series, state)
    registered: dict[int, dict[str, tuple[int, int | None]]] = defaultdict(dict)
    ids = [pk for pk, _, _ in rows.values()]
    for chunk in _chunks(ids):
        query = Registration.select(
            Registration.candidate,
            Registration.epreuve_code,
            Registration.id,
            Registration.kept_session,
        ).where(Registration.candidate.in_(list(chunk)))
        for cid, code, pk, kept in sql.fetch(query):
            registered[cid][code] = (pk, kept)
    return {
        ine: _Cand(pk, series, state, registered.get(pk, {}))
        for ine, (pk, series, state) in rows.items()
    }


def _split_code(text: str) -> tuple[str, str]:
    code, _, part = text.strip().upper().replace(" ", "").partition(".")
    return code, part


def _parse_grade_row(
    reg: Regulation,
    year: int,
    table: Table,
    row: Row,
    candidates: dict[str, _Cand],
) -> tuple[_GradeLine | None, list[LineIssue], list[LineIssue], list[LineIssue]]:
    """(line, refusals, warnings, infos) of one grade line; line None when refused or ignored."""
    errors: list[LineIssue] = []
    warnings: list[LineIssue] = []
    infos: list[LineIssue] = []

    def issue(column: str, reason: str) -> LineIssue:
        value = row.get(column)
        return LineIssue(
            row.line, table.headers.get(column, column), value, tidy_reason(reason, value)
        )

    ine = row.get("ine").upper().replace(" ", "")
    cand = candidates.get(ine)
    if cand is None:
        message = ine_error(ine)
        errors.append(issue("ine", message or "candidat inconnu : INE absent de la session"))
    elif cand.state == "annulee":
        errors.append(issue("ine", "inscription du candidat annulée"))
    group_text = row.get("groupe") or "1"
    group = {"1": 1, "2": 2}.get(group_text)
    if group is None:
        errors.append(issue("groupe", "groupe 1 ou 2 attendu"))
    kept: int | None = None
    session_text = row.get("session")
    if session_text and session_text != str(year):
        if not session_text.isdigit() or len(session_text) != 4:
            errors.append(issue("session", "année sur 4 chiffres attendue (ex. 2025)"))
        else:
            kept = int(session_text)
            if kept > year:
                errors.append(issue("session", f"session postérieure à la session {year}"))
            elif kept < year - reg.keep_sessions:
                errors.append(
                    issue(
                        "session",
                        f"note trop ancienne : seules les notes des {reg.keep_sessions} sessions "
                        f"précédentes ({year - reg.keep_sessions} à {year - 1}) se conservent",
                    )
                )
            elif group == 2:
                errors.append(issue("session", "une note du second groupe ne se conserve pas"))
    code, part = _split_code(row.get("epreuve"))
    precision: str | None = None
    if group == 1:
        if not reg.has_epreuve(code):
            hint = (
                f" (en groupe 2 : {', '.join(reg.second_group_subjects)})"
                if code in reg.second_group_subjects
                else ""
            )
            errors.append(
                issue(
                    "epreuve",
                    f"épreuve inconnue{hint} ; codes : {', '.join(e.code for e in reg.epreuves)}",
                )
            )
        elif cand is not None and code not in cand.registered:
            errors.append(issue("epreuve", f"le candidat n'est pas inscrit à l'épreuve {code}"))
        elif cand is not None:
            parts = (
                reg.series_rule(cand.series).parts(code) if cand.series in reg.series_codes else ()
            )
            names = [p.code for p in parts]
            if part:
                if not parts:
                    errors.append(
                        issue("epreuve", f"{code} n'a pas de parties en série {cand.series}")
                    )
                elif part not in names:
                    errors.append(
                        issue(
                            "epreuve",
                            f"partie « {part} » inconnue pour {code} en série {cand.series} "
                            f"(parties : {', '.join(f'{code}.{n}' for n in names)})",
                        )
                    )
                elif kept is not None:
                    errors.append(
                        issue(
                            "session",
                            "une note conservée se donne pour l'épreuve entière, pas par partie",
                        )
                    )
                else:
                    precision = PRECISION_HALF
            elif parts and kept is None:
                errors.append(
                    issue(
                        "epreuve",
                        f"{code} se compose de parties en série {cand.series} : donnez "
                        + " et ".join(f"{code}.{n}" for n in names),
                    )
                )
            else:
                precision = reg.epreuve(code).precision
    elif group == 2:
        targets = reg.second_group_subjects.get(code)
        if part or targets is None:
            errors.append(
                issue(
                    "epreuve",
                    f"matière du second groupe attendue : {', '.join(reg.second_group_subjects)}",
                )
            )
        elif cand is not None and not all(t in cand.registered for t in targets):
            errors.append(
                issue("epreuve", f"le candidat n'est pas inscrit à {' et '.join(targets)}")
            )
        else:
            precision = reg.epreuve(targets[0]).precision
    try:
        # épreuve refused: the note is still checked (range, number) with the loosest precision
        parsed = parse_grade(row.get("note"), precision or PRECISION_TENTH_UP, reg.max_grade)
    except GradeError as exc:
        errors.append(issue("note", str(exc)))
        return None, errors, warnings, infos
    if parsed.grade is None:
        if not errors:
            warnings.append(issue("note", "note vide : ligne ignorée (aucune note enregistrée)"))
        return None, errors, warnings, infos
    grade = parsed.grade
    if kept is not None and group == 1 and reg.has_epreuve(code):
        message = kept_grade_error(reg, code, grade)
        if message:
            errors.append(issue("note", f"note conservée refusée : {message}"))
    if errors or cand is None or group is None or precision is None:
        return None, errors, warnings, infos
    if parsed.rounded:
        infos.append(
            LineIssue(
                row.line,
                table.headers["note"],
                row.get("note"),
                f"{code} arrondie au dixième supérieur : {format_grade(grade.value)}",
            )
        )
    value = to_centi(grade.value) if grade.value is not None else None
    return (
        _GradeLine(row.line, cand.id, code, group, part, value, grade.code, kept),
        errors,
        warnings,
        infos,
    )


def _existing_grades(
    ids: Sequence[int],
) -> tuple[
    dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    dict[tuple[int, str, str], tuple[int, int | None, str | None]],
]:
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]] = {}
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]] = {}
    for chunk in _chunks(list(ids)):
        query = Grade.select(
            Grade.candidate,
            Grade.epreuve_code,
            Grade.group,
            Grade.id,
            Grade.value_centi,
            Grade.code,
            Grade.kept_session,
        ).where(Grade.candidate.in_(list(chunk)))
        for cid, code, group, pk, value, gcode, kept in sql.fetch(query):
            grades[(cid, code, group)] = (pk, value, gcode, kept)
        query = GradePart.select(
            GradePart.candidate,
            GradePart.epreuve_code,
            GradePart.part_code,
            GradePart.id,
            GradePart.value_centi,
            GradePart.code,
        ).where(GradePart.candidate.in_(list(chunk)))
        for cid, code, part, pk, value, gcode in sql.fetch(query):
            parts[(cid, code, part)] = (pk, value, gcode)
    return grades, parts


def _decisions(ids: Sequence[int]) -> dict[int, tuple[str, bool]]:
    found: dict[int, tuple[str, bool]] = {}
    for chunk in _chunks(list(ids)):
        query = Result.select(Result.candidate, Result.decision, Result.second_group_done).where(
            Result.candidate.in_(list(chunk))
        )
        for cid, decision, done in query.tuples():
            found[cid] = (decision, bool(done))
    return found


def import_grades(session_id: int, path: Path | str) -> ImportReport:
    """Import the grades of a CSV/XLSX file (first group, second group, kept grades, parts).

    All or nothing: one refused line and nothing is written. A corrected grade replaces the
    stored one through an audited update; grades are recorded as entered by the OS login with
    source "import".
    """
    path = Path(path)
    report = ImportReport("notes", path.name)
    table = _open_table(report, path, GRADE_REQUIRED, GRADE_OPTIONAL, GRADE_ALIASES)
    if table is None:
        return report
    reg = regulation_of(session_id)
    year = _session_year(session_id)
    reason = f"import des notes ({path.name})"
    try:
        with write_transaction():
            ines = sorted({row.get("ine").upper().replace(" ", "") for row in table.rows})
            candidates = _load_candidates(session_id, ines)
            lines: list[_GradeLine] = []
            seen: dict[tuple[int, str, int, str], int] = {}
            for row in table.rows:
                line, errors, warnings, infos = _parse_grade_row(reg, year, table, row, candidates)
                report.warnings.extend(warnings)
                report.infos.extend(infos)
                if line is not None and line.key in seen:
                    errors.append(
                        LineIssue(
                            row.line,
                            table.headers["epreuve"],
                            row.get("epreuve"),
                            f"note déjà donnée ligne {seen[line.key]} du fichier",
                        )
                    )
                    line = None
                report.errors.extend(errors)
                if line is None:
                    if not errors:
                        report.ignored += 1
                    continue
                seen[line.key] = line.line
                lines.append(line)
            ids = sorted({line.candidate_id for line in lines})
            grades, parts = _existing_grades(ids)
            _check_second_group(reg, table, lines, grades, report)
            _check_kept_conflicts(table, lines, grades, parts, report)
            if report.errors:
                raise _Refused
            decisions = _decisions(ids)
            by_line = {row.line: row for row in table.rows}
            for line in lines:
                if line.group == 2 and line.candidate_id in decisions:
                    decision, done = decisions[line.candidate_id]
                    if decision != SECOND_GROUPE and not done:
                        row = by_line[line.line]
                        report.warnings.append(
                            LineIssue(
                                line.line,
                                table.headers["ine"],
                                row.get("ine"),
                                f"candidat délibéré {decision}, pas au second groupe : note "
                                "enregistrée mais sans effet sur la délibération",
                            )
                        )
            registrations = {
                (cand.id, code): state
                for cand in candidates.values()
                for code, state in cand.registered.items()
            }
            _write_grades(lines, grades, parts, registrations, reason, report)
    except _Refused:
        report.infos.clear()
    return report


def _check_second_group(
    reg: Regulation,
    table: Table,
    lines: Sequence[_GradeLine],
    grades: dict[tuple[int, str, int], Any],
    report: ImportReport,
) -> None:
    """At most reg.second_group_max second-group subjects per candidate (stored + file)."""
    stored: dict[int, set[str]] = defaultdict(set)
    for cid, code, group in grades:
        if group == 2:
            stored[cid].add(code)
    wanted: dict[int, list[_GradeLine]] = defaultdict(list)
    for line in lines:
        if line.group == 2:
            wanted[line.candidate_id].append(line)
    for cid, group_lines in wanted.items():
        subjects = stored[cid] | {line.code for line in group_lines}
        if len(subjects) <= reg.second_group_max:
            continue
        ordered = [s for s in reg.second_group_subjects if s in subjects]
        for line in group_lines:
            if line.code in stored[cid]:
                continue
            report.errors.append(
                LineIssue(
                    line.line,
                    table.headers["epreuve"],
                    line.code,
                    f"au plus {reg.second_group_max} matières au second groupe ; ce candidat "
                    f"en aurait {len(ordered)} : {', '.join(ordered)}",
                )
            )


def _check_kept_conflicts(
    table: Table,
    lines: Sequence[_GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    parts: dict[tuple[int, str, str], Any],
    report: ImportReport,
) -> None:
    """Part-grades cannot be given for a spécialité whose grade is kept, nor the reverse."""
    in_file_kept = {(line.candidate_id, line.code) for line in lines if line.kept_session}
    in_file_parts = {(line.candidate_id, line.code) for line in lines if line.part}
    stored_parts = {(cid, code) for cid, code, _ in parts}
    for line in lines:
        key = (line.candidate_id, line.code)
        if line.part:
            stored = grades.get((line.candidate_id, line.code, 1))
            if (stored is not None and stored[3] is not None) or key in in_file_kept:
                report.errors.append(
                    LineIssue(
                        line.line,
                        table.headers["epreuve"],
                        f"{line.code}.{line.part}",
                        f"{line.code} a une note conservée : pas de note par partie",
                    )
                )
        elif line.kept_session and line.group == 1:
            if key in stored_parts or key in in_file_parts:
                report.errors.append(
                    LineIssue(
                        line.line,
                        table.headers["session"],
                        str(line.kept_session),
                        f"{line.code} a déjà des notes par partie pour cette session",
                    )
                )


def _write_grades(
    lines: Sequence[_GradeLine],
    grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
    parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]],
    registrations: dict[tuple[int, str], tuple[int, int | None]],
    reason: str,
    report: ImportReport,
) -> None:
    """Create, update or leave each grade (inside the import's transaction), all audited.

    New grades are inserted in bulk with one audit "create" entry each (``audit.log_many``);
    corrections go through ``audit.update`` (before and after kept), as do the kept-session
    marks of the registrations.
    """
    who, now = audit.current_user(), audit.now_iso()
    new_grades: list[_GradeLine] = []
    new_parts: list[_GradeLine] = []
    for line in lines:
        line_reason = f"{reason}, ligne {line.line}"
        if line.part:
            stored_part = parts.get((line.candidate_id, line.code, line.part))
            if stored_part is None:
                new_parts.append(line)
                report.created += 1
            elif (stored_part[1], stored_part[2]) == (line.value_centi, line.grade_code):
                report.unchanged += 1
            else:
                audit.update(
                    GradePart,
                    stored_part[0],
                    {"value_centi": line.value_centi, "code": line.grade_code,
                     "entered_by": who, "entered_at": now},
                    reason=line_reason,
                )  # fmt: skip
                report.updated += 1
            continue
        stored = grades.get((line.candidate_id, line.code, line.group))
        values = (line.value_centi, line.grade_code, line.kept_session)
        if stored is None:
            new_grades.append(line)
            report.created += 1
        elif (stored[1], stored[2], stored[3]) == values:
            report.unchanged += 1
            continue
        else:
            audit.update(
                Grade,
                stored[0],
                {"value_centi": line.value_centi, "code": line.grade_code,
                 "kept_session": line.kept_session, "source": SOURCE, "entered_by": who,
                 "entered_at": now},
                reason=line_reason,
            )  # fmt: skip
            report.updated += 1
        registration = registrations.get((line.candidate_id, line.code))
        if line.group == 1 and registration and registration[1] != line.kept_session:
            audit.update(
                Registration,
                registration[0],
                {"kept_session": line.kept_session},
                reason=line_reason,
            )
    _create_rows(Grade, new_grades, who, now, reason)
    _create_rows(GradePart, new_parts, who, now, reason)


def _create_rows(
    model: type[Grade] | type[GradePart],
    lines: Sequence[_GradeLine],
    who: str,
    now: str,
    reason: str,
) -> None:
    """Insert new grades (or part-grades) in bulk, then one audit "create" entry per row."""
    if not lines:
        return
    records: list[dict[str, Any]] = []
    for line in lines:
        record: dict[str, Any] = {
            "candidate": line.candidate_id,
            "epreuve_code": line.code,
            "value_centi": line.value_centi,
            "code": line.grade_code,
            "entered_by": who,
            "entered_at": now,
        }
        if model is Grade:
            record.update(
                version=1, group=line.group, kept_session=line.kept_session, source=SOURCE
            )
        else:
            record["part_code"] = line.part
        records.append(record)
    fields = list(records[0])
    sql.executemany(sql.insert_sql(model, fields), [[r[f] for f in fields] for r in records])
    ids: dict[tuple[Any, ...], int] = {}
    second = model.group if model is Grade else model.part_code  # type: ignore[union-attr]
    candidate_ids = sorted({line.candidate_id for line in lines})
    for chunk in _chunks(candidate_ids):
        query = model.select(model.candidate, model.epreuve_code, second, model.id).where(
            model.candidate.in_(list(chunk))
        )
        for cid, code, other, pk in sql.fetch(query):
            ids[(cid, code, other)] = pk
    entries = []
    for line, record in zip(lines, records, strict=True):
        key = (line.candidate_id, line.code, line.group if model is Grade else line.part)
        entries.append(
            {"action": "create", "entity": model._meta.table_name, "entity_id": ids[key],
             "after": audit.record_text(model, record), "reason": f"{reason}, ligne {line.line}",
             "candidate_id": line.candidate_id}
        )  # fmt: skip
    audit.log_many(entries)
