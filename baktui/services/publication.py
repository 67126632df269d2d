"""Publishing a jury's results, twice, as offices do it (issue 13).

- The first publication (``published_group`` 1) makes ADMIS and AJOURNE final and locks the
  first-group grades (:mod:`.jury_locks`); SECOND_GROUPE candidates stay open for their
  second-group grades. Refused unless the jury's first group is closed (``closed_group`` ≥ 1)
  and every candidate of the jury has a result from a deliberation run started after the last
  change of what it reads (grades, part-grades, registrations, jury points).
- The final publication (``published_group`` 2) needs the second group closed, and fresh results
  as well; when every jury of the session is finally published, the session moves to the phase
  « Résultats publiés ».

Each publication writes the list of admitted candidates per centre (PDF and CSV, names only, no
grade) into the documents folder, covering every jury published so far. All of it is audited.
After publication a grade changes only by a rectification (:mod:`.rectification`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import AuditLog, Candidate, Centre, ExamSession, Jury, Result, Setting
from baktui.errors import ServiceError
from baktui.rules.decision import ADMIS
from baktui.rules.identifiers import fold
from baktui.rules.lifecycles import Phase, RegistrationState
from baktui.rules.progress import Progress, silent
from baktui.services import documents
from baktui.services.deliberation_runs import input_changes
from baktui.services.documents import IssuedDocument
from baktui.services.imports.report import chunks
from baktui.services.pv import RECTIFICATION, find_jury
from baktui.services.settings import letterhead

FIRST, FINAL = 1, 2
PHASES = ("contrôles", "publication", "listes des admis")  # what ``progress`` counts, by jury
WHAT = {FIRST: "résultats du premier groupe", FINAL: "résultats définitifs"}


@dataclass
class PublicationReport:
    """What a publication did, in French."""

    level: int
    juries: list[int] = field(default_factory=list)
    admitted: int = 0
    files: list[Path] = field(default_factory=list)
    phase_changed: bool = False

    def render(self) -> str:
        numbers = ", ".join(f"n° {n}" for n in self.juries)
        plural = "s" if len(self.juries) > 1 else ""
        lines = [
            f"Publication des {WHAT[self.level]} : jury{plural} {numbers} "
            f"({self.admitted} admis, listes par centre écrites)."
        ]
        lines.extend(f"  → {path}" for path in self.files)
        if self.phase_changed:
            lines.append("Tous les jurys sont publiés : session en phase « Résultats publiés ».")
        return "\n".join(lines)


def _ids(jury_id: int) -> list[int]:
    return [
        int(pk)
        for (pk,) in Candidate.select(Candidate.id)
        .where((Candidate.jury == jury_id) & (Candidate.state != RegistrationState.ANNULEE))
        .tuples()
    ]


def _run_start(session_id: int, number: int) -> int | None:
    """The audit id at which the last finished deliberation run covering jury ``number``
    started (a session-wide run or one of that jury), or None if none finished."""
    key = f"deliberation.{session_id}"
    scopes = ("toute la session", f"jury {number}")
    entries = AuditLog.select(AuditLog.id, AuditLog.reason).where(
        (AuditLog.entity == Setting._meta.table_name) & (AuditLog.entity_id == key)
    )
    finished = (
        entries.where(AuditLog.reason.in_([f"délibération terminée ({s})" for s in scopes]))
        .order_by(AuditLog.id.desc())
        .first()
    )
    if finished is None:
        return None
    scope = finished.reason.removeprefix("délibération terminée (").removesuffix(")")
    started = (
        entries.where(
            (AuditLog.id < finished.id) & (AuditLog.reason == f"délibération commencée ({scope})")
        )
        .order_by(AuditLog.id.desc())
        .first()
    )
    return int(started.id) if started is not None else None


def _refusal(session_id: int, jury: Jury, level: int) -> str | None:
    """Why the jury cannot be published at that level, or None."""
    if jury.published_group >= level:
        return f"{WHAT[level]} déjà publiés"
    if jury.closed_group < level:
        which = "premier" if level == FIRST else "second"
        return f"la délibération du {which} groupe n'est pas close (F7)"
    ids = _ids(jury.id)
    if not ids:
        return "aucun candidat"
    with_result = 0
    for chunk in chunks(ids):
        with_result += Result.select().where(Result.candidate.in_(list(chunk))).count()
    if with_result < len(ids):
        missing = len(ids) - with_result
        return f"{missing} candidat{'s' if missing > 1 else ''} sans résultat (baktui deliberer)"
    mark = _run_start(session_id, jury.number)
    if mark is None:
        return f"aucune délibération terminée (baktui deliberer --jury {jury.number})"
    changed = 0
    for chunk in chunks(ids):
        changed += (
            AuditLog.select()
            .where(
                (AuditLog.id > mark)
                & input_changes()
                & AuditLog.candidate_id.in_(list(chunk))
                & ~AuditLog.reason.startswith(RECTIFICATION)
            )
            .count()
        )
    if changed:
        return (
            f"{changed} modification{'s' if changed > 1 else ''} de notes ou "
            f"d'inscriptions depuis sa dernière délibération (baktui deliberer --jury {jury.number})"
        )
    return None


def grouped(refusals: list[tuple[int, str]]) -> list[str]:
    """(jury number, reason) → "jurys n° 1 à 40 : reason": 40 juries refused for the same
    reason make one line, not forty."""
    by_reason: dict[str, list[int]] = {}
    for number, reason in refusals:
        by_reason.setdefault(reason, []).append(number)
    out = []
    for reason, numbers in by_reason.items():
        if len(numbers) == 1:
            out.append(f"jury n° {numbers[0]} : {reason}")
            continue
        runs: list[list[int]] = []
        for n in sorted(numbers):
            if runs and n == runs[-1][-1] + 1:
                runs[-1].append(n)
            else:
                runs.append([n])
        spans = [f"{r[0]} à {r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
        out.append(f"jurys n° {', '.join(spans)} : {reason}")
    return out


def publish(
    session_id: int,
    jury_number: int | None = None,
    final: bool = False,
    *,
    progress: Progress | None = None,
) -> PublicationReport:
    """Publish one jury (or every jury of the session with candidates) at the first (``final``
    False) or final level; all or nothing, audited; then the admitted lists per centre.
    ``progress(done, total)``: the :data:`PHASES`, each counting the juries (the lists: one
    step, told when written)."""
    tell = progress or silent
    tell(0, None)
    level = FINAL if final else FIRST
    if jury_number is not None:
        juries = [find_jury(session_id, jury_number)]
    else:
        juries = [
            j
            for j in Jury.select().where(Jury.session == session_id).order_by(Jury.number)
            if _ids(j.id) and j.published_group < level
        ]
        if not juries:
            raise ServiceError(f"Publication refusée : aucun jury dont publier les {WHAT[level]}.")
    report = PublicationReport(level)
    reason = f"publication des {WHAT[level]}"
    count = len(juries)
    total = len(PHASES) * count
    with write_transaction():
        refusals = []
        for done, jury in enumerate(juries):
            tell(done, total)
            if why := _refusal(session_id, jury, level):
                refusals.append((jury.number, why))
        if refusals:
            raise ServiceError(
                "Publication refusée : " + " ; ".join(grouped(refusals)) + ". Rien n'a été publié."
            )
        for done, jury in enumerate(juries, count):
            tell(done, total)
            audit.update(Jury, jury.id, {"published_group": level}, reason=reason)
            report.juries.append(jury.number)
        if level == FINAL:
            report.phase_changed = _results_phase(session_id)
    tell(2 * count, total)
    year = int(ExamSession.get_by_id(session_id).year)
    centres = admitted_lists(session_id)
    report.admitted = sum(len(c.candidates) for c in centres)
    report.files = [d.path for d in _write_lists(centres, year, level, report.juries)]
    tell(total, total)
    return report


def _results_phase(session_id: int) -> bool:
    """Every jury with candidates finally published: the session's phase « Résultats publiés »."""
    from baktui.services.sessions import set_phase

    for jury in Jury.select().where(Jury.session == session_id):
        if jury.published_group < FINAL and _ids(jury.id):
            return False
    if ExamSession.get_by_id(session_id).phase == Phase.RESULTATS:
        return False
    set_phase(session_id, Phase.RESULTATS)
    return True


def admitted_lists(session_id: int):  # -> list[AdmittedCentre]
    """The admitted candidates of every published jury, per centre (the candidate's centre
    d'examen, else the jury's), by série then name."""
    from baktui.exports.admitted import AdmittedCentre

    query = (
        Candidate.select(
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Candidate.centre,
            Jury.centre,
        )  # fmt: skip
        .join(Jury, on=Candidate.jury == Jury.id)
        .switch(Candidate)
        .join(Result, on=Result.candidate == Candidate.id)
        .where(
            (Candidate.session == session_id)
            & (Candidate.state != RegistrationState.ANNULEE)
            & (Jury.published_group >= FIRST)
            & (Result.decision == ADMIS)
            # a second-group admission is posted at the final publication only
            & ((Jury.published_group >= FINAL) | ~Result.second_group_done)
        )
        .tuples()
    )
    by_centre: dict[int | None, list[tuple[str, str, str]]] = defaultdict(list)
    for last, first, series, centre, jury_centre in query:
        by_centre[centre or jury_centre].append((series, last.upper(), first))
    names = {
        c.id: (c.code, c.name)
        for c in Centre.select(Centre.id, Centre.code, Centre.name).where(
            Centre.id.in_([c for c in by_centre if c] or [0])
        )
    }
    out = []
    for centre_id, rows in by_centre.items():
        code, name = names.get(centre_id, ("", "sans centre"))
        rows.sort(key=lambda r: (r[0], fold(r[1]), fold(r[2])))
        out.append(AdmittedCentre(code, name, tuple(rows)))
    out.sort(key=lambda c: (c.code == "", c.code))
    return out


def _write_lists(centres, year: int, level: int, juries: list[int]) -> list[IssuedDocument]:
    from baktui.exports.admitted import write_admitted_csv, write_admitted_pdf

    title = "Liste des admis" + (" (premier groupe)" if level == FIRST else "")
    stem = ("admis", "groupe1" if level == FIRST else "definitif")
    academie = letterhead()
    why = f"publication des {WHAT[level]}, jurys {', '.join(map(str, juries))}"
    issued = []
    pdf_name = documents.file_name(*stem, suffix=".pdf")  # the two files share their time
    for suffix, write in (
        (".pdf", lambda p: write_admitted_pdf(p, centres, title=title, session_year=year,
                                             academie=academie)),
        (".csv", lambda p: write_admitted_csv(p, centres)),
    ):  # fmt: skip
        issued.append(
            documents.issue(
                documents.LISTE_ADMIS,
                pdf_name.removesuffix(".pdf") + suffix,
                write,
                examiners=[None],
                count=sum(len(c.candidates) for c in centres),
                reason=why,
            )
        )
    return issued
