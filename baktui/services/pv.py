"""The procès-verbal de délibération of a jury, read from the base (issue 13).

:func:`build_pv` reads a jury (its centre, président, vice-président and members), its
candidates (their files through :mod:`.candidate_files`, their stored results, the jury points
with the grade before and after) into a :class:`~baktui.exports.pv.PvDocument`; the averages,
decisions and mentions are those of the Result table, as the results export gives them.
:func:`issue_pv` renders it (A4 landscape) and records it (:func:`.documents.issue`). A jury
whose grades were rectified after publication prints a « PV rectificatif » listing each change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from baktui.data.models import (
    AuditLog,
    Candidate,
    Centre,
    Examiner,
    ExamSession,
    Jury,
    JuryMember,
    JuryPoint,
    Result,
)
from baktui.errors import ServiceError
from baktui.rules.decision import DECISION_LABELS, DECISIONS, SECOND_GROUPE
from baktui.rules.examiners import formal_name
from baktui.rules.grades import Grade as GradeValue
from baktui.rules.grades import format_grade, truncate_2
from baktui.rules.lifecycles import RegistrationState
from baktui.services import documents
from baktui.services.candidate_files import candidate_files
from baktui.services.deliberation_runs import RECTIFIED
from baktui.services.documents import IssuedDocument
from baktui.services.imports.report import chunks
from baktui.services.sessions import regulation_of
from baktui.services.settings import letterhead

if TYPE_CHECKING:
    from baktui.exports.pv import PvDocument, PvLine, PvPoint

PV = documents.PROCES_VERBAL
# the reason of a rectification's audit entries starts with it (services/rectification.py)
RECTIFICATION = RECTIFIED


def find_jury(session_id: int, number: int) -> Jury:
    jury = Jury.get_or_none((Jury.session == session_id) & (Jury.number == number))
    if jury is None:
        raise ServiceError(f"Aucun jury n° {number} dans cette session.")
    return jury


def jury_candidates(jury_id: int) -> list[Candidate]:
    """The jury's candidates (registrations cancelled aside), by candidate number."""
    return list(
        Candidate.select(
            Candidate.id,
            Candidate.number,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Candidate.ine,
            Candidate.centre,
        )  # fmt: skip
        .where((Candidate.jury == jury_id) & (Candidate.state != RegistrationState.ANNULEE))
        .order_by(Candidate.number)
    )


def _person(examiner_id: int | None) -> str:
    if not examiner_id:
        return "—"
    e = Examiner.get_or_none(Examiner.id == examiner_id)
    return formal_name(e.civility, e.last_name, e.first_name) if e else "—"


def _cell(grade: GradeValue | None, raised: Fraction | None, kept: bool) -> str:
    """ "12", "ABS", "14c" (kept from an earlier session), "11*" (jury points: counted value)."""
    if grade is None:
        return "—"
    if grade.code:
        return grade.code
    assert grade.value is not None
    text = format_grade(grade.value + (raised or 0))
    return text + ("*" if raised else "") + ("c" if kept else "")


def _points(ids: list[int]) -> dict[int, list[PvPoint]]:
    from baktui.exports.pv import PvPoint

    found: dict[int, list[PvPoint]] = {}
    for chunk in chunks(ids):
        query = (
            JuryPoint.select(
                JuryPoint.candidate,
                JuryPoint.epreuve_code,
                JuryPoint.points_centi,
                JuryPoint.before_centi,
                JuryPoint.after_centi,
            )  # fmt: skip
            .where(JuryPoint.candidate.in_(list(chunk)))
            .order_by(JuryPoint.id)
            .tuples()
        )
        for cid, code, points, before, after in query:
            shown_before = "?" if before is None else format_grade(Fraction(before, 100))
            shown_after = (
                f"+{format_grade(Fraction(points, 100))}"
                if after is None
                else format_grade(Fraction(after, 100))
            )
            found.setdefault(cid, []).append(PvPoint(code, shown_before, shown_after))
    return found


def rectifications(ids: list[int]) -> list[str]:
    """What was rectified after publication for those candidates, oldest first."""
    names = {
        c.id: f"{c.number} {c.last_name.upper()} {c.first_name}"
        for c in Candidate.select(
            Candidate.id, Candidate.number, Candidate.last_name, Candidate.first_name
        ).where(Candidate.id.in_(ids or [0]))
    }
    out = []
    for chunk in chunks(ids):
        query = (
            AuditLog.select()
            .where(
                AuditLog.candidate_id.in_(list(chunk))
                & (AuditLog.entity.in_(("grade", "result")))
                & AuditLog.reason.startswith(RECTIFICATION)
            )
            .order_by(AuditLog.id)
        )
        for entry in query:
            head, _, motif = entry.reason.partition(" : ")
            what = (
                "résultat" if entry.entity == "result" else head[len(RECTIFICATION) :].strip(" ()")
            )
            day, _, time = entry.at.partition("T")
            out.append(
                f"{names.get(entry.candidate_id, entry.candidate_id)} — {what} : "
                f"{entry.before or '—'} → {entry.after or '—'} ; motif : {motif} "
                f"(le {'/'.join(reversed(day.split('-')))} à {time[:5]}, {entry.who})"
            )
    return out


def build_pv(session_id: int, jury_number: int, group: int = 1) -> PvDocument:
    """The PV of a jury for the first (1) or the second (2) group, read from the base."""
    from baktui.exports.pv import PvDocument, PvLine

    if group not in (1, 2):
        raise ServiceError("Groupe 1 ou 2.")
    reg = regulation_of(session_id)
    jury = find_jury(session_id, jury_number)
    heads = jury_candidates(jury.id)
    ids = [c.id for c in heads]
    results = {}
    for chunk in chunks(ids):
        results.update(
            {r.candidate_id: r for r in Result.select().where(Result.candidate.in_(list(chunk)))}
        )
    files = candidate_files(reg, ids)
    points = _points(ids)
    if group == 1:
        registered = {code for f in files.values() for code in f.registered}
        columns = tuple(e.code for e in reg.epreuves if e.code in registered)
    else:
        columns = tuple(reg.second_group_subjects)
    lines: list[PvLine] = []
    for c in heads:
        result, file = results.get(c.id), files[c.id]
        if group == 2 and (
            result is None or not (result.decision == SECOND_GROUPE or result.second_group_done)
        ):
            continue
        if group == 1:
            grades = tuple(
                _cell(file.grades.get(code), file.jury_points.get(code), code in file.kept)
                if code in file.registered
                else ""
                for code in columns
            )
        else:
            grades = tuple(
                _cell(file.second_group.get(code), None, False) if code in file.second_group else ""
                for code in columns
            )
        decision = result.decision if result else ""
        average = result.average if result else None
        first = result.first_group_average if result else None
        lines.append(
            PvLine(
                candidate_id=c.id,
                number=c.number,
                name=f"{c.last_name.upper()} {c.first_name}",
                series=c.series,
                grades=grades,
                average="" if average is None else truncate_2(Fraction(average)),
                decision=decision,
                decision_label=DECISION_LABELS.get(decision, "non délibéré"),
                mention=(result.mention or "") if result else "",
                points=tuple(points.get(c.id, ())) if group == 1 else (),
                first_average="" if first is None else truncate_2(Fraction(first)),
            )
        )
    decisions = Counter(line.decision for line in lines)
    mentions = Counter(line.mention for line in lines if line.mention)
    centre = Centre.get_or_none(Centre.id == jury.centre_id) if jury.centre_id else None
    members = [
        m.examiner_id
        for m in JuryMember.select().where(JuryMember.jury == jury.id).order_by(JuryMember.id)
        if m.examiner_id not in (jury.president_id, jury.vice_president_id)
    ]
    return PvDocument(
        session_year=int(ExamSession.get_by_id(session_id).year),
        group=group,
        jury_number=jury.number,
        series=tuple(s for s in jury.series_codes.split(",") if s)
        or tuple(sorted({c.series for c in heads})),
        centre=f"{centre.code} {centre.name}" if centre else "—",
        deliberation_date=jury.deliberation_date,
        president=_person(jury.president_id),
        vice_president=_person(jury.vice_president_id),
        members=tuple(_person(m) for m in members),
        columns=columns,
        lines=tuple(lines),
        decision_counts=tuple(
            (DECISION_LABELS[d], decisions[d])
            for d in DECISIONS
            if decisions[d] or (group == 1 or d != SECOND_GROUPE)
        ),
        mention_counts=tuple(
            (label, mentions[code]) for _, code, label in reg.mentions if mentions[code]
        ),
        rectifications=tuple(rectifications(ids)),
    )


def issue_pv(
    session_id: int,
    jury_number: int,
    group: int = 1,
    *,
    path: Path | None = None,
    out_dir: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> IssuedDocument:
    """Write the PV (to ``path``, else the documents folder) and record it (an office file);
    ``progress(done, total)`` over its candidates' lines as they are drawn."""
    from baktui.exports.pv import write_pv

    if path is not None and path.suffix.lower() != ".pdf":
        raise ServiceError(f"{path.name} : le procès-verbal s'écrit en PDF (.pdf).")
    document = build_pv(session_id, jury_number, group)
    academie = letterhead()
    which = "groupe1" if group == 1 else "groupe2"
    return documents.issue(
        PV,
        documents.file_name("pv", f"jury{jury_number}", which, suffix=".pdf"),
        lambda target: write_pv(target, document, academie=academie, progress=progress),
        examiners=[None],
        count=len(document.lines),
        path=path,
        out_dir=out_dir,
        reason=f"procès-verbal du jury n° {jury_number} ({which})"
        + (" rectificatif" if document.rectifications else ""),
    )
