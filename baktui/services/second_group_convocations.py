"""Second-group convocations and the examiners' sheets, read from the base (issue 13).

The candidates are the SECOND_GROUPE ones of a jury (or of the session) who chose their subjects
(:func:`baktui.services.jury_deliberation.set_second_group`: group-2 Grade rows without a
value). Each subject's date and time come from the session's calendar (a CalendarEntry of that
code, the candidate's série first), else from the Epreuve row of that code, a date on or before
the jury's deliberation being the first group's and skipped; else « date communiquée par le
centre ». A slot given by ``baktui oraux planifier`` wins over the calendar. The centre is the jury's
deliberation centre. The examiners' sheet gives, per subject
and centre, each candidate's minimal grade to pass (:func:`~baktui.rules.jury_aids.
second_group_whatif`, the combination equal to the candidate's choice), computed before any
second-group grade; the candidate's convocation never carries it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from baktui.data.models import (
    CalendarEntry,
    Candidate,
    Centre,
    Commune,
    Epreuve,
    ExamSession,
    Jury,
    OralSlot,
    Result,
)
from baktui.errors import ServiceError
from baktui.rules.decision import SECOND_GROUPE
from baktui.rules.grades import format_grade
from baktui.rules.jury_aids import second_group_whatif
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.regulation import Regulation
from baktui.services import documents
from baktui.services.candidate_files import candidate_files
from baktui.services.documents import IssuedDocument
from baktui.services.imports.report import chunks
from baktui.services.pv import find_jury
from baktui.services.sessions import regulation_of
from baktui.services.settings import letterhead

if TYPE_CHECKING:
    from baktui.exports.second_group import ExaminerSheet, SecondGroupConvocation, SecondGroupSlot

CONVOCATION = documents.CONVOCATION_SECOND_GROUPE
SHEET = documents.FICHE_SECOND_GROUPE
IMPOSSIBLE = "admission impossible par ce choix"
SHEET_SUFFIX = "-examinateurs.pdf"
FR_LABEL = "Français"


@dataclass(frozen=True)
class SecondGroupBatch:
    """What one run prints: the candidates' convocations and the examiners' sheets."""

    session_year: int
    convocations: tuple[SecondGroupConvocation, ...]
    sheets: tuple[ExaminerSheet, ...]
    without_choice: int  # SECOND_GROUPE candidates who have not chosen yet (not convened)


def _label(reg: Regulation, subject: str) -> str:
    targets = reg.second_group_subjects.get(subject, ())
    if subject == "FR" or len(targets) != 1:
        return FR_LABEL
    return reg.epreuve(targets[0]).label


def _calendar(session_id: int) -> dict[tuple[str, str], tuple[dt.date, str, int | None]]:
    """(code, série or "") -> (day, time, duration) for the second-group codes."""
    found: dict[tuple[str, str], tuple[dt.date, str, int | None]] = {}
    for e in CalendarEntry.select().where(
        (CalendarEntry.session == session_id) & CalendarEntry.epreuve_code.in_(list(SUBJECTS))
    ):
        found[(e.epreuve_code, e.series)] = (e.day, e.start_time, e.duration_min)
    for e in Epreuve.select().where(
        (Epreuve.session == session_id) & Epreuve.code.in_(list(SUBJECTS))
        & Epreuve.exam_date.is_null(False)
    ):  # fmt: skip
        found.setdefault((e.code, "*"), (e.exam_date, e.start_time or "", e.duration_min))
    return found


SUBJECTS = ("FR", "PHI", "SP1", "SP2")


def _slot_time(
    calendar: dict[tuple[str, str], tuple[dt.date, str, int | None]],
    subject: str,
    series: str,
    after: dt.date | None,
) -> tuple[dt.date, str, int | None] | None:
    for key in ((subject, series), (subject, ""), (subject, "*")):
        hit = calendar.get(key)
        if hit is not None and (after is None or hit[0] > after):
            return hit
    return None


def _planned(
    session_id: int, ids: list[int]
) -> dict[tuple[int, str], tuple[dt.date, str, int | None]]:
    """(candidate, subject) -> (day, time, length) of the slots ``baktui oraux planifier`` gave
    (they win over the calendar's one time per subject)."""
    from baktui.rules import orals
    from baktui.services.oral_commissions import plan_of

    found: dict[tuple[int, str], tuple[dt.date, str, int | None]] = {}
    lengths: dict[str, int | None] = {}
    for chunk in chunks(ids):
        for cid, code, day, start in OralSlot.select(
            OralSlot.candidate, OralSlot.epreuve_code, OralSlot.day, OralSlot.start_time
        ).where(OralSlot.candidate.in_(list(chunk)) & OralSlot.epreuve_code.startswith(
                orals.SECOND_GROUP)).tuples():  # fmt: skip
            if code not in lengths:
                try:
                    lengths[code] = plan_of(session_id, code).slot_min
                except ServiceError:
                    lengths[code] = None
            found[(cid, code.removeprefix(orals.SECOND_GROUP))] = (day, start, lengths[code])
    return found


def _centre(jury: Jury) -> tuple[str, str]:
    centre = Centre.get_or_none(Centre.id == jury.centre_id) if jury.centre_id else None
    if centre is None:
        return "centre communiqué par la division des examens", "—"
    commune = Commune.get_or_none(Commune.id == centre.commune_id) if centre.commune_id else None
    town = f"{commune.postcode} {commune.name}".strip() if commune else ""
    address = (
        centre.address
        if town and town in centre.address
        else ", ".join(p for p in (centre.address, town) if p)
    )
    return f"{centre.code} {centre.name}", address or "—"


def _needed(reg: Regulation, file: object, chosen: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The minimal grade for this choice (before any second-group grade) and the first-group
    grades the subjects compare with."""
    outcomes = second_group_whatif(reg, replace(file, second_group={}))  # type: ignore[type-var]
    for w in outcomes:
        if w.subjects == chosen:
            firsts = {
                s: format_grade(Fraction(c)) for s, c in zip(w.subjects, w.current, strict=True)
            }
            return (IMPOSSIBLE if w.min_grade is None else str(w.min_grade)), firsts
    return IMPOSSIBLE, {}


def build_second_group(session_id: int, jury_number: int | None = None) -> SecondGroupBatch:
    """The convocations and the sheets of a jury (or of every jury of the session)."""
    from baktui.exports.second_group import (
        NO_DATE,
        ExaminerSheet,
        SecondGroupConvocation,
        SecondGroupSlot,
        SheetLine,
    )

    reg = regulation_of(session_id)
    if jury_number is not None:
        juries = [find_jury(session_id, jury_number)]
    else:
        juries = list(Jury.select().where(Jury.session == session_id).order_by(Jury.number))
    calendar = _calendar(session_id)
    convocations: list[SecondGroupConvocation] = []
    by_sheet: dict[tuple[str, str], list[SheetLine]] = defaultdict(list)
    sheet_place: dict[tuple[str, str], tuple[str, str, SecondGroupSlot]] = {}
    without = 0
    for jury in juries:
        ids = [c for (c,) in Result.select(Result.candidate).join(Candidate).where(
            (Candidate.jury == jury.id) & (Candidate.state != RegistrationState.ANNULEE)
            & (Result.decision == SECOND_GROUPE)).tuples()]  # fmt: skip
        if not ids:
            continue
        centre, address = _centre(jury)
        files = candidate_files(reg, ids)
        planned = _planned(session_id, ids)
        heads = []
        for chunk in chunks(ids):
            heads += list(Candidate.select().where(Candidate.id.in_(list(chunk))))
        for c in sorted(heads, key=lambda c: c.number):
            file = files[c.id]
            chosen = tuple(s for s in reg.second_group_subjects if s in file.second_group)
            if not chosen:
                without += 1
                continue
            slots = []
            for subject in chosen:
                hit = planned.get((c.id, subject)) or _slot_time(
                    calendar, subject, c.series, jury.deliberation_date
                )
                day, start, duration = hit if hit else (None, "", None)
                slots.append(SecondGroupSlot(subject, _label(reg, subject), day, start, duration))
            name = f"{c.last_name.upper()} {c.first_name}"
            convocations.append(SecondGroupConvocation(
                c.id, c.number, name, c.birth_date, c.series, jury.number, centre, address,
                tuple(slots), c.sex))  # fmt: skip
            needed, firsts = _needed(reg, file, chosen)
            for slot in slots:
                key = (centre, slot.subject)
                sheet_place.setdefault(key, (centre, address, slot))
                by_sheet[key].append(SheetLine(
                    c.number, name, c.series, jury.number, firsts.get(slot.subject, "—"),
                    " ".join(chosen), needed))  # fmt: skip
    sheets = []
    for key in sorted(by_sheet, key=lambda k: (k[0], SUBJECTS.index(k[1]))):
        centre, address, slot = sheet_place[key]
        sheets.append(ExaminerSheet(slot.subject, slot.label, centre, address,
                                    slot.when() if slot.day else NO_DATE, tuple(by_sheet[key])))  # fmt: skip
    return SecondGroupBatch(
        int(ExamSession.get_by_id(session_id).year), tuple(convocations), tuple(sheets), without
    )


def sheet_path(path: Path) -> Path:
    """convocations.pdf -> convocations-examinateurs.pdf, next to it."""
    return path.with_name(path.stem + SHEET_SUFFIX)


def issue_second_group(
    session_id: int, jury_number: int | None = None, *, path: Path | None = None,
    out_dir: Path | None = None,
) -> tuple[IssuedDocument, IssuedDocument, SecondGroupBatch]:  # fmt: skip
    """Write the convocations (one PDF) and the examiners' sheet (another, ``-examinateurs``)."""
    from baktui.exports.second_group import write_examiner_sheets, write_second_group_convocations

    if path is not None and path.suffix.lower() != ".pdf":
        raise ServiceError(f"{path.name} : les convocations s'écrivent en PDF (.pdf).")
    batch = build_second_group(session_id, jury_number)
    academie = letterhead()
    scope = f"jury{jury_number}" if jury_number is not None else "session"
    what = f"du jury n° {jury_number}" if jury_number is not None else "de la session"
    convocations = documents.issue(
        CONVOCATION,
        documents.file_name("convocations-second-groupe", scope, suffix=".pdf"),
        lambda target: write_second_group_convocations(
            target, batch.convocations, session_year=batch.session_year, academie=academie),
        candidates=[c.candidate_id for c in batch.convocations],
        count=len(batch.convocations), path=path, out_dir=out_dir,
        reason=f"convocations au second groupe {what}",
    )  # fmt: skip
    sheet = documents.issue(
        SHEET,
        documents.file_name("convocations-second-groupe", scope, "examinateurs", suffix=".pdf"),
        lambda target: write_examiner_sheets(
            target, batch.sheets, session_year=batch.session_year, academie=academie),
        examiners=[None], count=len(batch.sheets),
        path=sheet_path(path) if path is not None else None, out_dir=out_dir,
        reason=f"fiche des examinateurs du second groupe {what}",
    )  # fmt: skip
    return convocations, sheet, batch
