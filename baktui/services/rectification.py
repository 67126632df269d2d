"""Rectifying a grade after publication (issue 13).

Once a jury's results are published its grades are locked (:mod:`.jury_locks`); a mistake found
afterwards (a transcription error, a recount) is corrected by a **rectification**: a mandatory
reason, the grade written with its before and after in the audit log, the candidate deliberated
again at once (the rules directly, on his or her file), and the jury's procès-verbal printed from
then on as « PV rectificatif » listing the change (:func:`baktui.services.pv.rectifications`).
"""

from __future__ import annotations

from dataclasses import dataclass

from baktui.data import audit, counters
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Grade, Jury, Result
from baktui.errors import ServiceError
from baktui.rules.deliberation import deliberate
from baktui.rules.grades import GradeError, parse_grade, truncate_2
from baktui.rules.slips import canonical, to_centi
from baktui.services.candidate_files import candidate_file, outcome_of
from baktui.services.jury_locks import GROUP_WORDS
from baktui.services.pv import RECTIFICATION
from baktui.services.sessions import regulation_of

MIN_REASON = 3


@dataclass(frozen=True)
class Rectification:
    candidate: str  # "260000123 DUPONT Jean"
    epreuve: str
    group: int
    before: str
    after: str
    result_before: str
    result_after: str
    jury: int

    def render(self) -> str:
        changed = (
            f"résultat : {self.result_before} → {self.result_after}"
            if self.result_before != self.result_after
            else f"résultat inchangé ({self.result_after})"
        )
        return (
            f"Rectification — {self.candidate}, {self.epreuve} ({GROUP_WORDS[self.group]}) : "
            f"{self.before or '—'} → {self.after} ; {changed}. Le procès-verbal du jury "
            f"n° {self.jury} s'imprime désormais en PV rectificatif."
        )


def find_candidate(session_id: int, key: str) -> Candidate:
    """A candidate by numéro de candidat or INE."""
    text = key.strip().upper().replace(" ", "")
    found = Candidate.get_or_none(
        (Candidate.session == session_id) & ((Candidate.number == text) | (Candidate.ine == text))
    )
    if found is None:
        raise ServiceError(f"Aucun candidat « {key} » (numéro de candidat ou INE) dans la session.")
    return found


def _shown(result: Result | None) -> str:
    if result is None:
        return "sans résultat"
    text = result.decision
    if result.average is not None:
        from fractions import Fraction

        text += " " + truncate_2(Fraction(result.average))
    return text + (" " + result.mention if result.mention else "")


def rectify_grade(
    session_id: int,
    candidate_id: int,
    epreuve_code: str,
    group: int,
    value_text: str,
    reason: str,
) -> Rectification:
    """Change a published grade (the lock bypassed), audited, and deliberate the candidate again."""
    motif = " ".join(reason.split())
    if len(motif) < MIN_REASON:
        raise ServiceError(
            f"Rectification refusée : le motif est obligatoire ({MIN_REASON} caractères au moins)."
        )
    reg = regulation_of(session_id)
    candidate = Candidate.get_or_none(
        (Candidate.id == candidate_id) & (Candidate.session == session_id)
    )
    if candidate is None:
        raise ServiceError("Rectification refusée : candidat introuvable dans la session.")
    jury = Jury.get_or_none(Jury.id == candidate.jury_id) if candidate.jury_id else None
    if jury is None or jury.published_group < group:
        raise ServiceError(
            "Rectification refusée : les résultats de ce candidat ne sont pas publiés pour le "
            f"{GROUP_WORDS.get(group, '?')} ; corrigez la note par la saisie ou l'import "
            "(le président rouvre d'abord une délibération close)."
        )
    code = epreuve_code.strip().upper()
    if group == 1:
        if not reg.has_epreuve(code):
            raise ServiceError(f"Rectification refusée : épreuve « {code} » inconnue.")
        if candidate.series in reg.series_codes and reg.series_rule(candidate.series).parts(code):
            raise ServiceError(
                f"Rectification refusée : {code} de la série {candidate.series} se note par "
                "parties (bordereau du lot, F4)."
            )
        precision = reg.epreuve(code).precision
    else:
        targets = reg.second_group_subjects.get(code)
        if targets is None:
            raise ServiceError(
                "Rectification refusée : matière du second groupe attendue "
                f"({', '.join(reg.second_group_subjects)})."
            )
        precision = reg.epreuve(targets[0]).precision
    try:
        parsed = parse_grade(value_text, precision, reg.max_grade)
    except GradeError as exc:
        raise ServiceError(f"Rectification refusée : {exc}") from None
    if parsed.grade is None:
        raise ServiceError("Rectification refusée : tapez une note, ABS, AJ ou DI.")
    value = to_centi(parsed.grade.value) if parsed.grade.value is not None else None
    grade_code = parsed.grade.code
    why = f"{RECTIFICATION} ({code}, {GROUP_WORDS[group]}) : {motif}"
    who, now = audit.current_user(), audit.now_iso()
    with write_transaction():
        grade = Grade.get_or_none(
            (Grade.candidate == candidate.id)
            & (Grade.epreuve_code == code)
            & (Grade.group == group)
        )
        before = canonical(grade.value_centi, grade.code) if grade is not None else ""
        after = canonical(value, grade_code)
        if grade is not None and before == after:
            raise ServiceError(f"Rectification sans objet : la note de {code} est déjà {after}.")
        fields = {"value_centi": value, "code": grade_code, "source": "saisie",
                  "entered_by": who, "entered_at": now}  # fmt: skip
        with counters.tracking((candidate.id,)):  # the home and F4 counts
            if grade is None:
                grade_id = Grade.insert(
                    candidate=candidate.id, epreuve_code=code, group=group, **fields
                ).execute()
                action = "create"
            else:
                grade_id, action = grade.id, "update"
                Grade.update(version=Grade.version + 1, **fields).where(
                    Grade.id == grade.id
                ).execute()
        audit.log(
            action, "grade", grade_id, "note", before or None, after,
            reason=why, candidate_id=candidate.id, at=now,
        )  # fmt: skip
        stored = Result.get_or_none(Result.candidate == candidate.id)
        shown_before = _shown(stored)
        outcome = outcome_of(deliberate(reg, candidate_file(reg, candidate.id)))
        values = dict(zip(("decision", "mention", "average", "first_group_average",
                           "second_group_done"), outcome, strict=True))  # fmt: skip
        values.update(deliberated_at=now, deliberated_by=who)
        with counters.tracking((candidate.id,)):  # the home screen's results
            if stored is None:
                result_id = Result.insert(candidate=candidate.id, **values).execute()
            else:
                result_id = stored.id
                Result.update(**values).where(Result.id == stored.id).execute()
        fresh = Result.get_by_id(result_id)
        audit.log(
            "update" if stored else "create", "result", result_id, "decision",
            shown_before if stored else None, _shown(fresh),
            reason=why, candidate_id=candidate.id, at=now,
        )  # fmt: skip
    return Rectification(
        candidate=f"{candidate.number} {candidate.last_name.upper()} {candidate.first_name}",
        epreuve=code,
        group=group,
        before=before,
        after=after,
        result_before=shown_before,
        result_after=_shown(fresh),
        jury=jury.number,
    )
