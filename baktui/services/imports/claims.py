"""Importing declared expense claims (``baktui import frais``) from a CSV/XLSX file.

One line = one line of a claim: the examiner (``Examiner.identifier``), the day, the nature (the
French words of the screens: véhicule, péage, repas, nuitée, copies, oral…) and the values that
nature takes (km, montant, repas, nuits, copies, heures, justificatif…; a value another nature
takes is refused). Each examiner's new lines become one claim, déclarée as
:func:`~baktui.services.claim_workflow.create_claim_from_assignments` leaves it: it covers the
examiner's convocations of those days that no live claim covers yet, and its amounts are
computed by the rules (:func:`~baktui.services.claims.store_amounts`).

Re-import: a line that one of the examiner's live claims of the session already holds (same day,
nature, km, quantity and declared amount, counted as many times as it is there) is not
declared again ("inchangée"); importing the same file twice creates nothing the second time.
Same contract as the other imports otherwise (see :mod:`.report`): all or nothing, audited.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Assignment,
    Centre,
    ClaimMission,
    Examiner,
    ExamSession,
    ExpenseClaim,
    ExpenseLine,
)
from baktui.rules.claim_entry import (
    ENTRY_FIELDS,
    KIND_HINT,
    FieldError,
    kind_of,
    origin_of,
    parse_line_entry,
)
from baktui.rules.expenses import LINE_KIND_LABELS
from baktui.rules.identifiers import parse_date_fr
from baktui.rules.lifecycles import ASSIGNMENT_CLOSED, CLAIM_LIVE, ClaimState
from baktui.services.claims import store_amounts
from baktui.services.imports.common import LineCheck, bulk_create, read_lines, start
from baktui.services.imports.report import ImportReport, LineIssue, chunks
from baktui.services.imports.tabular import Row, Table
from baktui.services.rates import as_date

KIND = "lignes de frais"
REQUIRED = ("examinateur", "date", "nature")
QUANTITY_COLUMNS = {"meal": "repas", "night": "nuits", "copies": "copies", "oral_hours": "heures"}
FIELD_COLUMNS = {"km": "km", "fiscal_hp": "cv", "declared": "montant", "receipt": "justificatif",
                 "note": "note"}  # fmt: skip
OPTIONAL = ("km", "cv", "origine", "montant", "justificatif", "quantite",
            *QUANTITY_COLUMNS.values(), "note")  # fmt: skip
ALIASES = {
    "identifiant": "examinateur",
    "jour": "date",
    "type": "nature",
    "kilometres": "km",
    "distance": "km",
    "puissance_fiscale": "cv",
    "origine_du_trajet": "origine",
    "facture": "montant",
    "montant_declare": "montant",
    "recu": "justificatif",
    "nombre": "quantite",
    "nuitees": "nuits",
}
NO_DEFAULT = ("copies", "oral_hours")  # their quantity must be written

Signature = tuple[dt.date, str, int, int, int]


@dataclass
class _Line:
    row: Row
    examiner: int
    day: dt.date
    kind: str
    values: dict[str, Any]

    @property
    def signature(self) -> Signature:
        return _signature(self.day, self.kind, self.values)


def _signature(day: dt.date, kind: str, values: dict[str, Any]) -> Signature:
    """What makes a line "the same" for a re-import."""
    return (
        day,
        kind,
        int(values.get("km") or 0),
        int(values.get("quantity_centi", 100)),
        int(values.get("declared_centi") or 0),
    )


def _quantity_column(check: LineCheck, kind: str) -> str:
    """The nature's own column (repas, nuits…) unless only ``quantite`` is filled or present."""
    own = QUANTITY_COLUMNS.get(kind, "")
    if check.row.get(own) or (not check.row.get("quantite") and check.present(own)):
        return own
    return "quantite"


def _columns_of(check: LineCheck, kind: str) -> dict[str, str]:
    """The column each field of the nature is read from."""
    columns = {key: FIELD_COLUMNS.get(key, "") for key in ENTRY_FIELDS[kind]}
    if "quantity" in columns:
        columns["quantity"] = _quantity_column(check, kind)
    if kind == "car":
        columns["origin"] = "origine"
    return columns


def _parse(
    year: int, table: Table, row: Row, examiners: dict[str, int]
) -> tuple[_Line, list[LineIssue]]:
    check = LineCheck(table, row)
    identifier = row.get("examinateur").replace(" ", "").upper()
    examiner = examiners.get(identifier, 0)
    if not identifier:
        check.refuse("examinateur", "identifiant de l'examinateur obligatoire")
    elif not examiner:
        check.refuse("examinateur", "examinateur inconnu (identifiant absent des examinateurs)")
    day = dt.date(year, 1, 1)
    try:
        day = parse_date_fr(row.get("date"))
        if day.year != year:
            check.refuse("date", f"date hors de l'année de la session ({year})")
    except ValueError as exc:
        check.refuse("date", str(exc) if row.get("date") else "date obligatoire (JJ/MM/AAAA)")
    kind = kind_of(row.get("nature")) or ""
    values: dict[str, Any] = {}
    if not kind:
        what = "nature obligatoire" if not row.get("nature") else "nature inconnue"
        check.refuse("nature", f"{what} ({KIND_HINT})")
        return _Line(row, examiner, day, kind, values), check.errors
    columns = _columns_of(check, kind)
    label = LINE_KIND_LABELS[kind].lower()
    for column in OPTIONAL:
        if row.get(column) and column not in columns.values():
            check.refuse(column, f"sans objet pour une ligne « {label} »")
    texts = {key: row.get(column) for key, column in columns.items() if key != "origin"}
    if kind in NO_DEFAULT and not texts["quantity"]:
        check.refuse(columns["quantity"], f"obligatoire pour une ligne « {label} »")
    else:
        try:
            values = parse_line_entry(kind, texts)
        except FieldError as exc:
            check.refuse(columns.get(exc.field, "nature"), str(exc))
    if kind == "car":
        values["origin"] = origin_of(row.get("origine")) or ""
        if not values["origin"]:
            check.refuse("origine", "origine inconnue (administrative ou familiale)")
    return _Line(row, examiner, day, kind, values), check.errors


def _examiners(identifiers: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(identifiers - {""})):
        query = Examiner.select(Examiner.identifier, Examiner.id)
        found.update(query.where(Examiner.identifier.in_(list(chunk))).tuples())
    return found


def _declared(session_id: int, examiner_ids: set[int]) -> dict[int, Counter[Signature]]:
    """The lines the examiners' live claims of the session already hold."""
    held: dict[int, Counter[Signature]] = defaultdict(Counter)
    query = (
        ExpenseLine.select(
            ExpenseClaim.examiner,
            ExpenseLine.day,
            ExpenseLine.kind,
            ExpenseLine.km,
            ExpenseLine.quantity_centi,
            ExpenseLine.declared_centi,
        )  # fmt: skip
        .join(ExpenseClaim)
        .where(
            (ExpenseClaim.session == session_id)
            & ExpenseClaim.state.in_(CLAIM_LIVE)
            & ExpenseClaim.examiner.in_(sorted(examiner_ids))
        )
    )
    for examiner, day, kind, km, quantity, declared in query.tuples():
        values = {"km": km, "quantity_centi": quantity, "declared_centi": declared}
        held[examiner][_signature(as_date(day), kind, values)] += 1
    return held


def _missions(session_id: int, examiner_id: int, days: set[dt.date]) -> list[Assignment]:
    """The examiner's convocations of those days that no live claim covers yet."""
    covered = (
        ClaimMission.select(ClaimMission.assignment)
        .join(ExpenseClaim)
        .where(ExpenseClaim.state.in_(CLAIM_LIVE))
    )
    query = (
        Assignment.select(Assignment, Centre)
        .join(Centre, pw.JOIN.LEFT_OUTER)
        .where(
            (Assignment.session == session_id)
            & (Assignment.examiner == examiner_id)
            & Assignment.state.not_in(ASSIGNMENT_CLOSED)
            & Assignment.day.in_(sorted(days))
            & Assignment.id.not_in(covered)
        )
    )
    return list(query.order_by(Assignment.day, Assignment.id))


def _place_values(line: _Line, examiner: Examiner, places: dict[dt.date, int]) -> dict[str, Any]:
    """The communes of a line: the day's centre; for a car, the residence it leaves from."""
    values = dict(line.values)
    place = places.get(line.day)
    if place is not None and line.kind in ("car", "meal", "night"):
        values["to_commune"] = place
    if line.kind == "car":
        home = examiner.home_commune_id if values["origin"] == "family" else None
        values["from_commune"] = home or examiner.admin_commune_id or examiner.home_commune_id
    return values


def _declare(session_id: int, examiner_id: int, lines: list[_Line], reason: str, now: str) -> int:
    """One déclarée claim holding these lines (call inside the write transaction)."""
    examiner = Examiner.get_by_id(examiner_id)
    (claim_id,) = bulk_create(
        ExpenseClaim,
        [{"session": session_id, "examiner": examiner_id, "state": ClaimState.DECLAREE,
          "declared_at": now}],
        reason,
    )  # fmt: skip
    missions = _missions(session_id, examiner_id, {line.day for line in lines})
    records = [{"claim": claim_id, "assignment": a.id} for a in missions]
    bulk_create(ClaimMission, records, reason)
    places: dict[dt.date, int] = {}
    for mission in missions:
        if mission.centre_id and mission.centre.commune_id:
            places.setdefault(as_date(mission.day), mission.centre.commune_id)
    records = [
        {"claim": claim_id, "day": line.day, "kind": line.kind,
         **_place_values(line, examiner, places)}
        for line in lines
    ]  # fmt: skip
    bulk_create(ExpenseLine, records, reason)
    store_amounts(claim_id, f"calcul à la déclaration ({reason})")
    return claim_id


def import_claims(session_id: int, path: Path | str) -> ImportReport:
    """Import the declared claims of a CSV/XLSX file (one claim per examiner's new lines); all
    or nothing; the lines already declared are left alone."""
    report, table = start(KIND, path, REQUIRED, OPTIONAL, ALIASES)
    if table is None:
        return report
    year = ExamSession.get_by_id(session_id).year
    examiners = _examiners({r.get("examinateur").replace(" ", "").upper() for r in table.rows})
    lines = read_lines(report, table, lambda row: _parse(year, table, row, examiners))
    if lines is None:
        return report
    reason = f"import des frais ({report.file})"
    claims = 0
    with write_transaction():
        held = _declared(session_id, {line.examiner for line in lines})
        new: dict[int, list[_Line]] = defaultdict(list)
        for line in lines:
            if held[line.examiner][line.signature] > 0:
                held[line.examiner][line.signature] -= 1
                report.unchanged += 1
            else:
                new[line.examiner].append(line)
        now = audit.now_iso()
        for examiner_id, todo in new.items():
            _declare(session_id, examiner_id, todo, reason, now)
            report.created += len(todo)
            claims += 1
    if claims:
        said = f"{claims} demande{'s' if claims > 1 else ''} déclarée{'s' if claims > 1 else ''}"
        report.detail = f"{report.detail}, {said}" if report.detail else said
    return report
