"""Missing grades (F4, Ctrl+G): what is still to enter, by jury, épreuve and centre, and entering it.

A written copy is listed by its anonymity number and lot, never by candidate; an oral or a
contrôle-continu grade by candidate. ABS, AJ and DI count as entered: only an empty grade is
missing. Also the condition the home screen counts with.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import peewee as pw

from baktui.data import audit, counters
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Candidate,
    Centre,
    Grade,
    Jury,
    Lot,
    Registration,
)
from baktui.errors import ConflictError, NotFoundError, ServiceError
from baktui.rules.grades import GradeError, format_grade, parse_grade, to_centi
from baktui.rules.lifecycles import LotState, RegistrationState
from baktui.rules.slips import canonical
from baktui.services.counters import missing_by_group
from baktui.services.grade_slip.rows import GradeEntryError
from baktui.services.jury_locks import FIRST_GROUP, refuse_locked
from baktui.services.sessions import regulation_of

PAGE = 100  # lines of a group shown at once


@dataclass(frozen=True)
class MissingGroup:
    """Missing grades of one jury × épreuve × centre."""

    jury_id: int | None
    jury: str  # "Jury 12" or "sans jury"
    epreuve_code: str
    epreuve_label: str
    centre_id: int | None
    centre: str  # "C001 Lycée …" or "sans centre"
    count: int
    written: bool


@dataclass(frozen=True)
class MissingGroupsPage:
    groups: tuple[MissingGroup, ...]
    total_groups: int
    total_missing: int
    offset: int


@dataclass(frozen=True)
class MissingLine:
    """A grade still to enter: by anonymity number (written copies) or by candidate (others).

    For a written copy ``label`` holds the anonymity number and the lot, never the candidate.
    """

    key: str  # "a:<anonymat id>" or "c:<candidate id>:<épreuve>"
    epreuve_code: str
    label: str
    lot_number: int | None = None
    grade: str = ""  # filled once entered in the view


def composite_parts(session_id: int) -> list[tuple[str, str, int]]:
    """(series, épreuve code, number of parts) of the session's composite spécialités."""
    reg = regulation_of(session_id)
    return [
        (rule.code, code, len(rule.parts(code)))
        for rule in reg.series
        for code in ("SP1", "SP2")
        if rule.parts(code)
    ]


def missing_where(session_id: int, *, single_session: bool = False) -> pw.Expression:
    """Registrations without a first-group grade (kept grades and cancelled candidates aside).

    ABS, AJ and DI count as entered: only an empty grade is missing. A composite spécialité
    (ST2S, STHR) is stored as part-grades: it counts as entered with a Grade row or once every
    part is. ``single_session`` (the database holds this session only) drops the session filter.
    The query joins Registration to Candidate.
    """
    R, C = Registration, Candidate
    # the same test as the maintained counters' (the part count runs only for composites)
    is_entered = counters.entered_condition(
        [(session_id, *part) for part in composite_parts(session_id)]
    )
    where = R.kept_session.is_null() & ~is_entered & (C.state != RegistrationState.ANNULEE)
    if not single_session:
        where = (C.session == session_id) & where
    return where


def missing_groups(
    session_id: int, *, offset: int = 0, limit: int = 200, raw: bool = False
) -> MissingGroupsPage:
    """The missing grades counted per jury, épreuve and centre, paged: from the maintained
    counters (:mod:`baktui.services.counters`), or with ``raw`` from one GROUP BY over the
    registrations (as before the counters; the benchmark and tests compare both)."""
    reg = regulation_of(session_id)
    if raw:
        R, C = Registration, Candidate
        all_groups = list(
            R.select(C.jury, R.epreuve_code, C.centre, pw.fn.COUNT(R.id).alias("n"))
            .join(C, on=(R.candidate == C.id))
            .where(missing_where(session_id))
            .group_by(C.jury, R.epreuve_code, C.centre)
            .tuples()
        )
    else:
        all_groups = missing_by_group(session_id)
    juries = dict(Jury.select(Jury.id, Jury.number).where(Jury.session == session_id).tuples())
    centres = {
        cid: f"{code} {name}"
        for cid, code, name in Centre.select(Centre.id, Centre.code, Centre.name)
        .where(Centre.session == session_id)
        .tuples()
    }
    order = {rule.code: i for i, rule in enumerate(reg.epreuves)}
    all_groups.sort(
        key=lambda g: (
            juries.get(g[0], 10**9) if g[0] is not None else 10**9,
            order.get(g[1], 999),
            centres.get(g[2], "~") if g[2] is not None else "~",
        )
    )
    page = all_groups[offset : offset + limit]
    groups = []
    for jury_id, code, centre_id, count in page:
        rule = reg.epreuve(code) if reg.has_epreuve(code) else None
        groups.append(
            MissingGroup(
                jury_id=jury_id,
                jury=f"Jury {juries[jury_id]}" if jury_id in juries else "sans jury",
                epreuve_code=code,
                epreuve_label=rule.label if rule else code,
                centre_id=centre_id,
                centre=centres.get(centre_id, "sans centre") if centre_id else "sans centre",
                count=count,
                written=bool(rule and rule.written),
            )
        )
    return MissingGroupsPage(tuple(groups), len(all_groups), sum(g[3] for g in all_groups), offset)


def missing_lines(
    session_id: int, group: MissingGroup, *, offset: int = 0, limit: int = PAGE
) -> tuple[list[MissingLine], int]:
    """One page of a group's missing grades, and the group's total count.

    Written copies are listed by anonymity number (no name); oral and CC grades by candidate.
    """
    R, C = Registration, Candidate
    where = missing_where(session_id) & (R.epreuve_code == group.epreuve_code)
    where &= C.jury.is_null() if group.jury_id is None else (C.jury == group.jury_id)
    where &= C.centre.is_null() if group.centre_id is None else (C.centre == group.centre_id)
    base = R.select().join(C, on=(R.candidate == C.id)).where(where)
    total = base.count()
    if group.written:
        rows = (
            R.select(Anonymat.id, Anonymat.number, Lot.number, C.id)
            .join(C, on=(R.candidate == C.id))
            .join(
                Anonymat,
                pw.JOIN.LEFT_OUTER,
                on=(
                    (Anonymat.candidate == R.candidate) & (Anonymat.epreuve_code == R.epreuve_code)
                ),
            )
            .join(Lot, pw.JOIN.LEFT_OUTER, on=(Anonymat.lot == Lot.id))
            .where(where)
            .order_by(pw.fn.COALESCE(Anonymat.number, "~"), C.id)
            .offset(offset)
            .limit(limit)
            .tuples()
        )
        lines = []
        for anonymat_id, number, lot_number, candidate_id in rows:
            if anonymat_id is None:
                # not numbered yet: there is no anonymity to keep, enter it by candidate
                lines.append(
                    MissingLine(
                        f"c:{candidate_id}:{group.epreuve_code}",
                        group.epreuve_code,
                        "copie non anonymée",
                    )
                )
            else:
                lines.append(
                    MissingLine(
                        f"a:{anonymat_id}",
                        group.epreuve_code,
                        f"anonymat {number}" + (f" — lot {lot_number}" if lot_number else ""),
                        lot_number,
                    )
                )
        return lines, total
    rows = (
        R.select(C.id, C.number, C.last_name, C.first_name)
        .join(C, on=(R.candidate == C.id))
        .where(where)
        .order_by(C.number)
        .offset(offset)
        .limit(limit)
        .tuples()
    )
    return [
        MissingLine(
            f"c:{cid}:{group.epreuve_code}",
            group.epreuve_code,
            f"{number} {last.upper()} {first}",
        )
        for cid, number, last, first in rows
    ], total


def enter_missing_grade(session_id: int, line: MissingLine, text: str) -> MissingLine:
    """Type a missing grade from the missing-grades view (audited, version-checked)."""
    kind, _, rest = line.key.partition(":")
    reg = regulation_of(session_id)
    if kind == "a":
        anonymat = Anonymat.get_or_none(Anonymat.id == int(rest))
        if anonymat is None:
            raise NotFoundError("Copie introuvable.")
        candidate_id, code = anonymat.candidate_id, anonymat.epreuve_code
        lot = Lot.get_or_none(Lot.id == anonymat.lot_id) if anonymat.lot_id else None
        if lot is not None and lot.double_entry and lot.state != LotState.SAISI:
            raise ServiceError(
                f"Copie du lot {lot.number}, en double saisie : saisissez-la par son bordereau (F4)."
            )
        reason = f"notes manquantes (anonymat {anonymat.number})"
    else:
        cid_text, _, code = rest.partition(":")
        candidate_id = int(cid_text)
        reason = "notes manquantes"
    if not reg.has_epreuve(code):
        raise ServiceError(f"Épreuve « {code} » inconnue.")
    series = Candidate.get_by_id(candidate_id).series
    if series in reg.series_codes and reg.series_rule(series).parts(code):
        raise ServiceError(
            f"{code} de la série {series} se note par parties : saisissez-les par le bordereau "
            "de son lot (F4)."
        )
    try:
        parsed = parse_grade(text, reg.epreuve(code).precision, reg.max_grade)
    except GradeError as exc:
        raise GradeEntryError(str(exc)) from None
    if parsed.grade is None:
        raise GradeEntryError(f"Tapez une note (0 à {format_grade(reg.max_grade)}), ABS, AJ ou DI.")
    value = to_centi(parsed.grade.value) if parsed.grade.value is not None else None
    grade_code = parsed.grade.code
    who, now = audit.current_user(), audit.now_iso()
    shown = canonical(value, grade_code)
    with write_transaction():
        refuse_locked((candidate_id,), FIRST_GROUP, "Note refusée")
        existing = Grade.get_or_none(
            (Grade.candidate == candidate_id) & (Grade.epreuve_code == code) & (Grade.group == 1)
        )
        if existing is not None and (existing.value_centi is not None or existing.code is not None):
            raise ConflictError(
                f"Cette note a été saisie entre-temps par {existing.entered_by or '?'} "
                f"({canonical(existing.value_centi, existing.code)}) : rien n'a été enregistré."
            )
        with counters.tracking((candidate_id,)):  # the home and F4 counts
            if existing is None:
                grade_id = Grade.insert(
                    candidate=candidate_id, epreuve_code=code, group=1, value_centi=value,
                    code=grade_code, source="saisie", entered_by=who, entered_at=now,
                ).execute()  # fmt: skip
                action = "create"
            else:
                grade_id, action = existing.id, "update"
                Grade.update(
                    value_centi=value, code=grade_code, source="saisie", entered_by=who,
                    entered_at=now, version=Grade.version + 1,
                ).where(Grade.id == existing.id).execute()  # fmt: skip
        audit.log(
            action, "grade", grade_id, "note", None, shown, reason=reason, candidate_id=candidate_id
        )
    return replace(line, grade=shown + (" (arrondie)" if parsed.rounded else ""))
