"""The maintained counters (issue 18): read for the home screen and F4's missing grades,
rebuilt and checked by ``baktui compteurs reconstruire|verifier``.

The writers keep them up to date in their own transactions (:mod:`baktui.data.counters`); a
rebuild is needed only after a write made outside baktui (SQL typed by hand, a restored table)
or a change of the session's regulation (a spécialité graded by parts or not).
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from baktui.data import audit, counters
from baktui.data.db import write_transaction
from baktui.data.models import (
    CandidateCounter,
    Centre,
    ExamSession,
    GradeCounter,
    Jury,
    ResultCounter,
)
from baktui.errors import NotFoundError
from baktui.rules.progress import Progress, silent

GRADE_FIELDS = ("inscriptions", "notes saisies", "AJ")
CANDIDATE_FIELDS = ("candidats", "LVB manquante", "sans centre")
RESULT_FIELDS = ("résultats",)


@dataclass(frozen=True)
class GradeCount:
    """First-group grades of one jury × centre × épreuve (None: without jury / centre)."""

    jury_id: int | None
    centre_id: int | None
    epreuve_code: str
    registrations: int
    graded: int
    aj: int

    @property
    def missing(self) -> int:
        return self.registrations - self.graded


@dataclass(frozen=True)
class CandidateCount:
    series: str
    scolaire: bool
    state: str
    candidates: int
    missing_lvb: int
    missing_centre: int


@dataclass(frozen=True)
class Difference:
    """A counter whose stored value differs from a fresh recount."""

    key: str  # « jury 12, centre C001, PHI » or « STMG, scolaires, validee »
    field: str  # French name of the count
    stored: int
    counted: int


@dataclass(frozen=True)
class Check:
    session_id: int
    label: str  # « 2026 normale »
    checked: int  # counters compared
    differences: tuple[Difference, ...]


def grade_counts(session_id: int) -> list[GradeCount]:
    """The session's grade counters; a jury or centre deleted since counts as « sans »."""
    G = GradeCounter
    juries = set(Jury.select(Jury.id).where(Jury.session == session_id).tuples())
    centres = set(Centre.select(Centre.id).where(Centre.session == session_id).tuples())
    merged: dict[tuple[int | None, int | None, str], list[int]] = {}
    rows = (
        G.select(G.jury_id, G.centre_id, G.epreuve_code, G.registrations, G.graded, G.aj)
        .where(G.session == session_id)
        .tuples()
    )
    for jury_id, centre_id, code, registrations, graded, aj in rows:
        key = (
            jury_id if (jury_id,) in juries else None,
            centre_id if (centre_id,) in centres else None,
            code,
        )
        current = merged.setdefault(key, [0, 0, 0])
        current[0] += registrations
        current[1] += graded
        current[2] += aj
    return [GradeCount(*key, *values) for key, values in merged.items() if any(values)]


def grades_missing(session_id: int) -> int:
    """Registered épreuves with no first-group grade yet (the home screen's line)."""
    G = GradeCounter
    value = G.select(pw.fn.SUM(G.registrations - G.graded)).where(G.session == session_id).scalar()
    return int(value or 0)


STALE_WARNING = (
    "ATTENTION : compteurs incohérents (la base a été modifiée hors de baktui) : les chiffres "
    "sont faux ; lancez « baktui compteurs reconstruire »."
)


def inconsistent(session_id: int) -> bool:
    """True when a counter holds what no write could give (a negative count, more grades
    entered than registrations): rows were changed behind baktui's back, the figures read
    from the counters are wrong until ``baktui compteurs reconstruire``. One pass over the
    session's counters (milliseconds)."""
    G, K, R = GradeCounter, CandidateCounter, ResultCounter
    grades = G.select(G.id).where(
        (G.session == session_id)
        & ((G.graded > G.registrations) | (G.aj > G.graded) | (G.aj < 0) | (G.graded < 0))
    )
    people = K.select(K.id).where(
        (K.session == session_id)
        & ((K.candidates < 0) | (K.missing_lvb < 0) | (K.missing_centre < 0)
           | (K.missing_lvb > K.candidates) | (K.missing_centre > K.candidates))
    )  # fmt: skip
    results = R.select(R.id).where((R.session == session_id) & (R.results < 0))
    return grades.exists() or people.exists() or results.exists()


def candidate_counts(session_id: int) -> list[CandidateCount]:
    K = CandidateCounter
    rows = (
        K.select(K.series, K.scolaire, K.state, K.candidates, K.missing_lvb, K.missing_centre)
        .where((K.session == session_id) & (K.candidates != 0))
        .tuples()
    )
    return [CandidateCount(s, bool(sc), st, n, lvb, c) for s, sc, st, n, lvb, c in rows]


def result_counts(session_id: int) -> list[tuple[str, str | None, int]]:
    """(decision, mention or None, results) of the session's last deliberation."""
    K = ResultCounter
    rows = (
        K.select(K.decision, K.mention, K.results)
        .where((K.session == session_id) & (K.results != 0))
        .tuples()
    )
    return [(decision, mention or None, n) for decision, mention, n in rows]


def missing_by_group(session_id: int) -> list[tuple[int | None, str, int | None, int]]:
    """(jury, épreuve, centre, missing) of every group with grades still missing: the sum is
    done by the base (a few thousand rows of tens of thousands of counters)."""
    G = GradeCounter
    juries = {j for (j,) in Jury.select(Jury.id).where(Jury.session == session_id).tuples()}
    centres = {c for (c,) in Centre.select(Centre.id).where(Centre.session == session_id).tuples()}
    merged: dict[tuple[int | None, str, int | None], int] = {}
    rows = (
        G.select(G.jury_id, G.epreuve_code, G.centre_id, G.registrations - G.graded)
        .where((G.session == session_id) & (G.registrations != G.graded))
        .tuples()
    )
    for jury_id, code, centre_id, missing in rows:
        key = (
            jury_id if jury_id in juries else None,
            code,
            centre_id if centre_id in centres else None,
        )
        merged[key] = merged.get(key, 0) + missing
    return [(*key, n) for key, n in merged.items() if n]


def _sessions(session_id: int | None) -> list[ExamSession]:
    query = ExamSession.select().order_by(ExamSession.year, ExamSession.id)
    if session_id is not None:
        query = query.where(ExamSession.id == session_id)
    found = list(query)
    if session_id is not None and not found:
        raise NotFoundError(f"Session n° {session_id} introuvable.")
    return found


def _label(session: ExamSession) -> str:
    return f"{session.year} {session.kind}"


def rebuild(
    session_id: int | None = None, *, progress: Progress | None = None
) -> list[tuple[str, int]]:
    """Recount the counters of one session (or all), audited; (session, counters written).
    ``progress(done, total)`` in sessions (45 s to recount the 700 000 demo)."""
    tell = progress or silent
    done: list[tuple[str, int]] = []
    sessions = _sessions(session_id)
    tell(0, len(sessions))
    for session in sessions:
        with write_transaction():
            counters.recount(session.id)
            written = (
                GradeCounter.select().where(GradeCounter.session == session.id).count()
                + CandidateCounter.select().where(CandidateCounter.session == session.id).count()
                + ResultCounter.select().where(ResultCounter.session == session.id).count()
            )
            audit.log(
                "event", "counters", session.id, "compteurs", None, written,
                reason=f"compteurs reconstruits, session {_label(session)}",
            )  # fmt: skip
        done.append((_label(session), written))
        tell(len(done), len(sessions))
    return done


def _key_text(key: tuple, juries: dict[int, int], centres: dict[int, str]) -> str:
    if isinstance(key[1], int):  # a grade counter: (session, jury, centre, épreuve)
        _, jury_id, centre_id, code = key
        jury = f"jury {juries[jury_id]}" if jury_id in juries else "sans jury"
        if jury_id and jury_id not in juries:
            jury = f"jury n° {jury_id} (supprimé)"
        centre = f"centre {centres[centre_id]}" if centre_id in centres else "sans centre"
        if centre_id and centre_id not in centres:
            centre = f"centre n° {centre_id} (supprimé)"
        return f"{jury}, {centre}, {code}"
    if len(key) == 3:  # a result counter: (session, decision, mention)
        return f"{key[1]}, mention {key[2] or 'aucune'}"
    _, series, scolaire, state = key
    return f"{series}, {'scolaires' if scolaire else 'individuels'}, {state}"


def verify(session_id: int | None = None, *, progress: Progress | None = None) -> list[Check]:
    """Compare the stored counters with a fresh recount (reads only); ``progress`` in
    sessions."""
    tell = progress or silent
    checks: list[Check] = []
    sessions = _sessions(session_id)
    tell(0, len(sessions))
    for session in sessions:
        stored = counters.stored_counts(session.id)
        counted = counters._without_zeros(counters.session_counts(session.id))
        juries = dict(Jury.select(Jury.id, Jury.number).where(Jury.session == session.id).tuples())
        centres = dict(
            Centre.select(Centre.id, Centre.code).where(Centre.session == session.id).tuples()
        )
        differences = []
        compared = 0
        for names, mine, fresh in (
            (GRADE_FIELDS, stored.grades, counted.grades),
            (CANDIDATE_FIELDS, stored.candidates, counted.candidates),
            (RESULT_FIELDS, stored.results, counted.results),
        ):
            for key in sorted(set(mine) | set(fresh), key=str):
                compared += 1
                a = mine.get(key, [0] * len(names))
                b = fresh.get(key, [0] * len(names))
                differences.extend(
                    Difference(_key_text(key, juries, centres), name, x, y)
                    for name, x, y in zip(names, a, b, strict=True)
                    if x != y
                )
        checks.append(Check(session.id, _label(session), compared, tuple(differences)))
        tell(len(checks), len(sessions))
    return checks
