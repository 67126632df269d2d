"""The jury's deliberation, as F7 shows it: a jury's candidates with their points manquants, one
candidate's grade detail and what-if, jury points, second-group choices, closing and reopening.

Everything is computed by the rules (:mod:`baktui.rules.deliberation`, :mod:`~baktui.rules.jury_aids`)
on the candidate's file read from the base; nothing here rounds or averages by itself. Jury points
raise one épreuve's grade (never above the maximum), with a mandatory reason, who, when, before
and after; the candidate is deliberated again at once. Closing a jury locks its candidates
(:mod:`baktui.services.jury_locks`) until the président reopens it, with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Grade, Jury, JuryPoint, Result
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.decision import SECOND_GROUPE, decision_label
from baktui.rules.deliberation import CandidateFile, deliberate, mention_label
from baktui.rules.deliberation import Result as RuleResult
from baktui.rules.examiners import display_name
from baktui.rules.french import plural
from baktui.rules.grades import Grade as RuleGrade
from baktui.rules.grades import GradeError, format_grade, parse_grade, to_centi, truncate_2
from baktui.rules.jury_aids import missing_points, second_group_whatif
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.missions import short_place
from baktui.rules.regulation import Regulation
from baktui.services.candidate_files import candidate_file, candidate_files, outcome_of
from baktui.services.juries import juries_with_president
from baktui.services.jury_locks import FIRST_GROUP, SECOND_GROUP, jury_lock, refuse_locked
from baktui.services.sessions import regulation_of

PAGE_SIZE = 100
MIN_REASON = 3
NEAR_ON_AVERAGE = Fraction(1, 4)  # a gap this small on the average stands out (screen aid)
SORTS = ("average", "name", "number")
SHORT_MENTIONS = {"TBF": "TB fél.", "TB": "TB", "B": "B", "AB": "AB"}  # a narrow column
STATE_WORDS = {0: "ouvert", 1: "1er groupe clos", 2: "clos"}


@dataclass(frozen=True)
class JuryHead:
    id: int
    number: int
    series: str
    centre: str
    president: str
    candidates: int
    closed_group: int
    published_group: int

    @property
    def state(self) -> str:
        if self.published_group:
            return "publié" if self.published_group == 2 else "1er groupe publié"
        return STATE_WORDS.get(self.closed_group, "?")


@dataclass(frozen=True)
class JuryLine:
    candidate_id: int
    number: str
    name: str
    series: str
    average: str  # truncated to 2 decimals, "—" without
    decision: str
    mention: str
    gap: str  # « +12 → 10 »: points of the total to the next threshold
    near: bool  # within a few points of that threshold


@dataclass(frozen=True)
class JuryPage:
    jury: JuryHead
    lines: tuple[JuryLine, ...]
    total: int
    offset: int
    sort: str


@dataclass(frozen=True)
class EpreuveLine:
    code: str
    label: str
    coef: str
    grade: str  # as entered: 12,5 · ABS · AJ · DI · « — » missing
    counted: str  # the value counted (jury points and second group applied)
    note: str  # « conservée (2024) », « neutralisée », « + 1 pt jury (12 → 13) »
    point_id: int | None = None  # the jury point on that épreuve, if any
    group: int = 1  # 2: a second-group subject (FR, PHI, SP1, SP2)

    @property
    def key(self) -> str:
        """Unique in the candidate's lines (PHI at the first group and PHI at the second)."""
        return self.code if self.group == 1 else f"2:{self.code}"


@dataclass(frozen=True)
class CandidateDeliberation:
    candidate_id: int
    jury_id: int | None
    number: str
    name: str
    series: str
    lines: tuple[EpreuveLine, ...]
    average: str
    decision: str
    mention: str
    aids: tuple[str, ...]  # points manquants, second-group what-ifs, in French
    second_group: tuple[str, ...]  # subjects chosen
    locked: str  # why it cannot change ("" when open)


def _juries_query(session_id: int) -> pw.ModelSelect:
    return juries_with_president(session_id).where(Jury.active)


def juries_of(session_id: int) -> list[JuryHead]:
    """Every active jury of the session, with its candidates' count and its state."""
    counts = dict(
        Candidate.select(Candidate.jury, pw.fn.COUNT(Candidate.id))
        .where((Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE))
        .group_by(Candidate.jury)
        .tuples()
    )
    return [_head(j, counts.get(j.id, 0)) for j in _juries_query(session_id).objects()]


def _head(j: Jury, candidates: int) -> JuryHead:
    president = display_name(j.last_name, j.first_name) if j.last_name else "—"
    return JuryHead(j.id, j.number, j.series_codes.replace(",", " "),
                    short_place(j.centre_name or ""), president, candidates,
                    j.closed_group, j.published_group)  # fmt: skip


def _jury(session_id: int, jury_id: int) -> JuryHead:
    j = _juries_query(session_id).where(Jury.id == jury_id).objects().first()
    if j is None:
        raise NotFoundError(f"Jury n° {jury_id} introuvable dans la session.")
    count = Candidate.select().where((Candidate.jury == jury_id)
                                     & (Candidate.state != RegistrationState.ANNULEE)).count()  # fmt: skip
    return _head(j, count)


def _gap(reg: Regulation, f: CandidateFile, result: RuleResult) -> tuple[str, bool]:
    aid = missing_points(reg, f, result)
    gap = aid.to_pass or aid.to_second_group or aid.to_next_mention
    if gap is None:
        return "", False
    # « il manque 91,2 pour 18 »: points of the total (Σ grade points × coefficient, as the
    # jury gives them) to reach that average
    points = format_grade(gap.points)
    return f"{points} pour {format_grade(gap.target)}", gap.on_average <= NEAR_ON_AVERAGE


def jury_page(
    session_id: int, jury_id: int, sort: str = "average", offset: int = 0, limit: int = PAGE_SIZE
) -> JuryPage:
    """A page of the jury's candidates (names shown: anonymity is lifted at deliberation), sorted
    by average (highest first), name or number, with their points manquants."""
    if sort not in SORTS:
        raise ServiceError(f"Tri « {sort} » inconnu ({', '.join(SORTS)}).")
    head = _jury(session_id, jury_id)
    rows = list(
        Candidate.select(
            Candidate.id,
            Candidate.number,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Result.decision,
            Result.mention,
            Result.average,
        )  # fmt: skip
        .join(Result, pw.JOIN.LEFT_OUTER, on=Result.candidate == Candidate.id)
        .where((Candidate.jury == jury_id) & (Candidate.state != RegistrationState.ANNULEE))
        .tuples()
    )
    if sort == "average":
        rows.sort(key=lambda r: (r[7] is None, -Fraction(r[7]) if r[7] else 0, r[2], r[3]))
    elif sort == "name":
        rows.sort(key=lambda r: (r[2].casefold(), r[3].casefold(), r[1]))
    else:
        rows.sort(key=lambda r: r[1])
    page = rows[offset : offset + limit]
    reg = regulation_of(session_id)
    files = candidate_files(reg, [r[0] for r in page])
    lines = []
    for cid, number, last, first, series, decision, mention, average in page:
        gap, near = "", False
        if cid in files:
            gap, near = _gap(reg, files[cid], deliberate(reg, files[cid]))
        lines.append(JuryLine(
            cid, number, display_name(last, first), series,
            truncate_2(Fraction(average)) if average else "—",
            decision_label(decision, short=True),
            SHORT_MENTIONS.get(mention or "", mention or ""), gap, near,
        ))  # fmt: skip
    return JuryPage(head, tuple(lines), len(rows), offset, sort)


def _grade_text(grade: RuleGrade | None) -> str:
    if grade is None:
        return "—"
    return grade.code if grade.code else format_grade(grade.value)


def _detail(reg: Regulation, candidate: Candidate, f: CandidateFile) -> CandidateDeliberation:
    result = deliberate(reg, f)
    points = {
        p.epreuve_code: p for p in JuryPoint.select().where(JuryPoint.candidate == candidate.id)
    }
    kept_sessions = dict(
        Grade.select(Grade.epreuve_code, Grade.kept_session)
        .where((Grade.candidate == candidate.id) & (Grade.group == 1)
               & Grade.kept_session.is_null(False)).tuples()
    )  # fmt: skip
    lines = []
    for code in f.registered:
        rule = reg.epreuve(code)
        grade = f.grades.get(code)
        notes = []
        if rule.kind == "cc":
            notes.append("contrôle continu (arrondi au dixième supérieur)")
        if code in kept_sessions:
            notes.append(f"conservée ({kept_sessions[code]})")
        if code in result.neutralised:
            notes.append("neutralisée")
        point = points.get(code)
        if point is not None:
            before = format_grade(Fraction(point.before_centi or 0, 100))
            after = format_grade(Fraction(point.after_centi or 0, 100))
            notes.append(f"jury {before} → {after}")
        counted = result.values.get(code)
        lines.append(EpreuveLine(code, rule.label, format_grade(rule.coef), _grade_text(grade),
                                 format_grade(counted) if counted is not None else "",
                                 " · ".join(notes), point.id if point else None))  # fmt: skip
    for subject, grade in f.second_group.items():
        lines.append(EpreuveLine(subject, f"second groupe : {subject}", "", _grade_text(grade), "",
                                 "remplace" if subject in result.replaced else "",
                                 group=2))  # fmt: skip
    aids = list(jury_aids(reg, f, result))
    lock = jury_lock(candidate.jury_id) if candidate.jury_id else None
    group = SECOND_GROUP if result.second_group_done or f.second_group else FIRST_GROUP
    locked = lock.reason(group) if lock is not None and lock.locks(group) else ""
    return CandidateDeliberation(
        candidate.id, candidate.jury_id, candidate.number,
        display_name(candidate.last_name, candidate.first_name), candidate.series, tuple(lines),
        truncate_2(result.average) if result.average is not None else "—",
        decision_label(result.decision),
        mention_label(reg, result.mention) if result.mention else "", tuple(aids),
        tuple(f.second_group), locked,
    )  # fmt: skip


def missing_points_lines(reg: Regulation, f: CandidateFile, result: RuleResult) -> list[str]:
    """« Il manque 0,2 point pour être admis (moyenne 10) : FRE +0,04… », to pass, to the second
    group, to the next mention (what applies)."""
    aid = missing_points(reg, f, result)
    out = []
    for what, gap in (("pour être admis", aid.to_pass), ("pour le second groupe",
                      aid.to_second_group), ("pour la mention suivante", aid.to_next_mention)):  # fmt: skip
        if gap is not None:
            where = ", ".join(f"{c} +{format_grade(p)}" for c, p in gap.per_epreuve[:4])
            unit = "point" if gap.points < 2 else "points"
            out.append(f"Il manque {format_grade(gap.points)} {unit} {what} (moyenne "
                       f"{format_grade(gap.target)})" + (f" : {where}" if where else ""))  # fmt: skip
    return out


def jury_aids(reg: Regulation, f: CandidateFile, result: RuleResult) -> list[str]:
    """The French lines that help a jury: points missing, second-group what-ifs, the rules'
    reasons."""
    out = missing_points_lines(reg, f, result)
    if result.decision == SECOND_GROUPE and not result.second_group_done:
        out.extend(w.reason for w in second_group_whatif(reg, f) if len(w.subjects) == 1)
    for reason in result.reasons[:2]:
        out.append(reason)
    return out


def _candidate(session_id: int, candidate_id: int) -> Candidate:
    candidate = Candidate.get_or_none(
        (Candidate.id == candidate_id) & (Candidate.session == session_id)
    )
    if candidate is None:
        raise NotFoundError(f"Candidat n° {candidate_id} introuvable dans la session.")
    return candidate


def candidate_deliberation(session_id: int, candidate_id: int) -> CandidateDeliberation:
    """One candidate's grade detail, result and the jury's aids."""
    reg = regulation_of(session_id)
    candidate = _candidate(session_id, candidate_id)
    return _detail(reg, candidate, candidate_file(reg, candidate_id))


@dataclass(frozen=True)
class WhatIfOutcome:
    average: str
    decision: str
    mention: str
    errors: Mapping[str, str]  # épreuve code -> why the typed grade is refused


def what_if(session_id: int, candidate_id: int, changes: Mapping[str, str]) -> WhatIfOutcome:
    """The average and decision with these grades instead (épreuve code -> typed grade), before
    anything is saved; nothing is written."""
    reg = regulation_of(session_id)
    f = candidate_file(reg, _candidate(session_id, candidate_id).id)
    grades = dict(f.grades)
    errors: dict[str, str] = {}
    for code, text in changes.items():
        code = code.strip().upper()
        if code not in f.registered:
            errors[code] = "épreuve que le candidat ne présente pas"
            continue
        try:
            parsed = parse_grade(text, reg.epreuve(code).precision, reg.max_grade)
        except GradeError as exc:
            errors[code] = str(exc)
            continue
        grades[code] = parsed.grade
    result = deliberate(reg, replace(f, grades=grades))
    return WhatIfOutcome(
        truncate_2(result.average) if result.average is not None else "—",
        decision_label(result.decision),
        mention_label(reg, result.mention) if result.mention else "", errors,
    )  # fmt: skip


def _store_result(reg: Regulation, candidate: Candidate, reason: str) -> None:
    """Deliberate the candidate again and store the result (audited)."""
    outcome = outcome_of(deliberate(reg, candidate_file(reg, candidate.id)))
    values = dict(zip(("decision", "mention", "average", "first_group_average",
                       "second_group_done"), outcome, strict=True))  # fmt: skip
    values.update(deliberated_at=audit.now_iso(), deliberated_by=audit.current_user())
    stored = Result.get_or_none(Result.candidate == candidate.id)
    if stored is None:
        audit.create(Result, reason=reason, candidate=candidate.id, **values)
    else:
        audit.update(Result, stored.id, values, reason=reason)


def _reason(reason: str, what: str) -> str:
    motif = " ".join(reason.split())
    if len(motif) < MIN_REASON:
        raise ServiceError(f"{what} refusés : le motif est obligatoire ({MIN_REASON} caractères "
                           "au moins).")  # fmt: skip
    return motif


def give_points(
    session_id: int, candidate_id: int, epreuve_code: str, new_grade: str, reason: str
) -> CandidateDeliberation:
    """Raise one épreuve's grade to ``new_grade`` by jury points (never above the maximum grade),
    the reason mandatory; saved with who, when, before and after, audited; deliberated again."""
    motif = _reason(reason, "Points de jury")
    reg = regulation_of(session_id)
    code = epreuve_code.strip().upper()
    with write_transaction():
        candidate = _candidate(session_id, candidate_id)
        refuse_locked([candidate.id], FIRST_GROUP, "Points de jury refusés")
        f = candidate_file(reg, candidate.id)
        if code not in f.registered:
            raise ServiceError(
                f"Points de jury refusés : {code} n'est pas une épreuve du candidat."
            )
        if JuryPoint.get_or_none((JuryPoint.candidate == candidate.id)
                                 & (JuryPoint.epreuve_code == code)):  # fmt: skip
            raise ServiceError(f"Points de jury refusés : {code} en a déjà ; annulez-les d'abord.")
        grade = f.grades.get(code)
        before = grade.value if grade is not None and grade.value is not None else None
        if before is None:
            raise ServiceError(f"Points de jury refusés : {code} n'a pas de note chiffrée.")
        try:
            parsed = parse_grade(new_grade, reg.epreuve(code).precision, reg.max_grade)
        except GradeError as exc:
            raise ServiceError(f"Points de jury refusés : {exc}") from None
        after = parsed.grade.value if parsed.grade is not None else None
        if after is None or after <= before:
            raise ServiceError(f"Points de jury refusés : la note de {code} est {format_grade(before)}"
                               " ; tapez la note relevée, plus haute.")  # fmt: skip
        audit.create(
            JuryPoint,
            reason=f"points de jury ({code})",
            values={"reason": motif},
            candidate=candidate.id,
            epreuve_code=code,
            points_centi=to_centi(after - before),
            given_by=audit.current_user(),
            given_at=audit.now_iso(),
            jury=candidate.jury_id,
            before_centi=to_centi(before),
            after_centi=to_centi(after),
        )
        _store_result(reg, candidate, f"points de jury ({code}) : {motif}")
    return candidate_deliberation(session_id, candidate_id)


def undo_points(
    session_id: int, candidate_id: int, point_id: int, reason: str
) -> CandidateDeliberation:
    """Take back jury points (before the jury is closed), the reason mandatory; audited."""
    motif = _reason(reason, "Annulation des points de jury")
    reg = regulation_of(session_id)
    with write_transaction():
        candidate = _candidate(session_id, candidate_id)
        refuse_locked([candidate.id], FIRST_GROUP, "Annulation refusée")
        point = JuryPoint.get_or_none((JuryPoint.id == point_id)
                                      & (JuryPoint.candidate == candidate.id))  # fmt: skip
        if point is None:
            raise NotFoundError("Points de jury introuvables : déjà annulés ?")
        audit.delete(JuryPoint, point.id, reason=f"annulation des points de jury : {motif}")
        _store_result(reg, candidate, f"annulation des points de jury ({point.epreuve_code})")
    return candidate_deliberation(session_id, candidate_id)


def set_second_group(session_id: int, candidate_id: int, text: str) -> CandidateDeliberation:
    """Record a SECOND_GROUPE candidate's choice of at most two subjects (FR, PHI, SP1, SP2): a
    second-group grade row without a value for each (its grade is entered later)."""
    reg = regulation_of(session_id)
    subjects = list(dict.fromkeys(w.upper() for w in text.replace(",", " ").split()))
    unknown = [s for s in subjects if s not in reg.second_group_subjects]
    if unknown or not subjects or len(subjects) > reg.second_group_max:
        raise ServiceError(
            f"Choix refusé : 1 à {reg.second_group_max} matières parmi "
            f"{', '.join(reg.second_group_subjects)}" + (f" (inconnue : {unknown[0]})" if unknown else "")
        )  # fmt: skip
    with write_transaction():
        candidate = _candidate(session_id, candidate_id)
        refuse_locked([candidate.id], SECOND_GROUP, "Choix refusé")
        result = deliberate(reg, candidate_file(reg, candidate.id))
        if result.decision != SECOND_GROUPE and not result.second_group_done:
            raise ServiceError("Choix refusé : le candidat n'est pas admis au second groupe.")
        existing = {g.epreuve_code: g for g in Grade.select().where(
            (Grade.candidate == candidate.id) & (Grade.group == 2))}  # fmt: skip
        for code, grade in existing.items():
            if code not in subjects:
                if grade.value_centi is not None or grade.code:
                    raise ServiceError(f"Choix refusé : {code} a déjà une note du second groupe.")
                audit.delete(Grade, grade.id, reason="choix du second groupe")
        for code in subjects:
            if code not in existing:
                audit.create(Grade, reason="choix du second groupe", candidate=candidate.id,
                             epreuve_code=code, group=2, source="saisie",
                             entered_by=audit.current_user(), entered_at=audit.now_iso())  # fmt: skip
    return candidate_deliberation(session_id, candidate_id)


def enter_second_group_grade(
    session_id: int, candidate_id: int, subject: str, text: str
) -> CandidateDeliberation:
    """The grade of a chosen second-group subject (« PHI 12 »), audited; deliberated again."""
    reg = regulation_of(session_id)
    code = subject.strip().upper()
    with write_transaction():
        candidate = _candidate(session_id, candidate_id)
        refuse_locked([candidate.id], SECOND_GROUP, "Note refusée")
        row = Grade.get_or_none((Grade.candidate == candidate.id) & (Grade.group == 2)
                                & (Grade.epreuve_code == code))  # fmt: skip
        if row is None:
            raise ServiceError(f"Note refusée : {code} n'est pas une matière choisie au second "
                               "groupe (g pour le choix).")  # fmt: skip
        targets = reg.second_group_subjects[code]
        try:
            parsed = parse_grade(text, reg.epreuve(targets[0]).precision, reg.max_grade)
        except GradeError as exc:
            raise ServiceError(f"Note refusée : {exc}") from None
        if parsed.grade is None:
            raise ServiceError("Note refusée : tapez une note, ABS ou AJ.")
        value = to_centi(parsed.grade.value) if parsed.grade.value is not None else None
        audit.update(Grade, row.id, {"value_centi": value, "code": parsed.grade.code,
                                     "entered_by": audit.current_user(),
                                     "entered_at": audit.now_iso()},
                     reason=f"note du second groupe ({code})")  # fmt: skip
        _store_result(reg, candidate, f"note du second groupe ({code})")
    return candidate_deliberation(session_id, candidate_id)


def deliberate_jury(session_id: int, jury_id: int) -> str:
    """Deliberate the jury's candidates again (after jury points or second-group grades)."""
    from baktui.services.deliberation import deliberate_session

    jury = Jury.get_or_none((Jury.id == jury_id) & (Jury.session == session_id))
    if jury is None:
        raise NotFoundError("Jury introuvable.")
    return deliberate_session(session_id, jury.number, workers=0).render()


def close_jury(session_id: int, jury_id: int) -> str:
    """Close the jury's deliberation (first group, then second group): its candidates locked."""
    reg = regulation_of(session_id)
    with write_transaction():
        jury = Jury.get_or_none((Jury.id == jury_id) & (Jury.session == session_id))
        if jury is None:
            raise NotFoundError("Jury introuvable.")
        if jury.closed_group >= SECOND_GROUP:
            raise ServiceError(f"Le jury n° {jury.number} est déjà clos.")
        ids = [c for (c,) in Candidate.select(Candidate.id).where(
            (Candidate.jury == jury.id) & (Candidate.state != RegistrationState.ANNULEE)).tuples()]  # fmt: skip
        results = dict(Result.select(Result.candidate, Result.decision)
                       .where(Result.candidate.in_(ids)).tuples()) if ids else {}  # fmt: skip
        if len(results) < len(ids):
            raise ServiceError(f"Clôture refusée : {plural(len(ids) - len(results), 'candidat')} du jury "
                               f"n° {jury.number} sans résultat : délibérez d'abord.")  # fmt: skip
        group = jury.closed_group + 1
        if group == SECOND_GROUP:
            files = candidate_files(reg, [c for c, d in results.items() if d == SECOND_GROUPE])
            waiting = [c for c, f in files.items() if any(g is None for g in f.second_group.values())
                       or not f.second_group]  # fmt: skip
            if waiting:
                raise ServiceError(f"Clôture du second groupe refusée : {plural(len(waiting), 'candidat')} "
                                   "sans choix ou sans note du second groupe.")  # fmt: skip
        audit.update(Jury, jury.id, {"closed_group": group}, expected_version=None,
                     reason=f"clôture de la délibération ({'second' if group == 2 else 'premier'} groupe)")  # fmt: skip
    word = "du second groupe" if group == SECOND_GROUP else "du premier groupe"
    return f"Délibération {word} du jury n° {jury.number} close : ses candidats sont verrouillés."


def reopen_jury(session_id: int, jury_id: int, reason: str) -> str:
    """The président reopens the jury's deliberation (one group back), the reason mandatory."""
    motif = _reason(reason, "Réouverture")
    with write_transaction():
        jury = Jury.get_or_none((Jury.id == jury_id) & (Jury.session == session_id))
        if jury is None:
            raise NotFoundError("Jury introuvable.")
        if jury.closed_group == 0:
            raise ServiceError(f"Le jury n° {jury.number} n'est pas clos.")
        if jury.published_group >= jury.closed_group:
            raise ServiceError(f"Réouverture refusée : les résultats du jury n° {jury.number} sont "
                               "publiés ; une correction passe par une rectification.")  # fmt: skip
        audit.update(Jury, jury.id, {"closed_group": jury.closed_group - 1},
                     reason=f"réouverture par le président : {motif}")  # fmt: skip
    return f"Délibération du jury n° {jury.number} rouverte."
