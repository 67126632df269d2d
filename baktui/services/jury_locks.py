"""What a jury's closed deliberation and its publications lock (issue 13).

A jury's ``closed_group`` (0 open, 1 first group closed, 2 second group closed) and
``published_group`` (0, 1 first publication, 2 final publication) lock its candidates' grades:
a first-group grade (or jury point) once either reaches 1, a second-group grade once either
reaches 2 — at the first publication, SECOND_GROUPE candidates stay open for their second-group
grades only. Every write of a grade, a jury point or a result calls :func:`refuse_locked` inside
its write transaction, and writes nothing when it raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from baktui.data.models import Candidate, Jury
from baktui.errors import ServiceError
from baktui.services.imports.report import chunks

FIRST_GROUP, SECOND_GROUP = 1, 2
GROUP_WORDS = {FIRST_GROUP: "premier groupe", SECOND_GROUP: "second groupe"}


class LockedError(ServiceError):
    """A write refused because a jury's deliberation is closed or its results published."""


@dataclass(frozen=True)
class JuryLock:
    jury_id: int
    number: int
    closed_group: int
    published_group: int

    def locks(self, group: int) -> bool:
        """Whether the grades of that group (1 or 2) of the jury's candidates are locked."""
        return max(self.closed_group, self.published_group) >= group

    def reason(self, group: int) -> str:
        """ "jury n° 3 : délibération du premier groupe close" (why ``group`` is locked)."""
        if self.published_group >= group:
            what = "résultats publiés" if self.published_group == SECOND_GROUP else (
                "résultats du premier groupe publiés"
            )  # fmt: skip
        else:
            what = f"délibération du {GROUP_WORDS[min(self.closed_group, SECOND_GROUP)]} close"
        return f"jury n° {self.number} : {what}"


def jury_lock(jury_id: int) -> JuryLock:
    jury = Jury.get_by_id(jury_id)
    return JuryLock(jury.id, jury.number, jury.closed_group, jury.published_group)


def locks_of(candidate_ids: Iterable[int]) -> dict[int, JuryLock]:
    """The lock of each candidate's jury, for the candidates whose jury locks anything."""
    found: dict[int, JuryLock] = {}
    for chunk in chunks(sorted(set(candidate_ids))):
        query = (
            Candidate.select(
                Candidate.id, Jury.id, Jury.number, Jury.closed_group, Jury.published_group
            )  # fmt: skip
            .join(Jury, on=Candidate.jury == Jury.id)
            .where(
                Candidate.id.in_(list(chunk))
                & ((Jury.closed_group > 0) | (Jury.published_group > 0))
            )  # fmt: skip
            .tuples()
        )
        for cid, jid, number, closed, published in query:
            found[cid] = JuryLock(jid, number, closed, published)
    return found


def refuse_locked(candidate_ids: Iterable[int], group: int, refused: str) -> None:
    """Raise :class:`LockedError` when a candidate's ``group`` grades are locked; ``refused``
    opens the message (« Import refusé », « Note refusée »)."""
    locked = {cid: lock for cid, lock in locks_of(candidate_ids).items() if lock.locks(group)}
    if not locked:
        return
    juries = sorted(
        {lock.number: lock for lock in locked.values()}.values(), key=lambda j: j.number
    )
    reasons = " ; ".join(lock.reason(group) for lock in juries)
    count = len(locked)
    raise LockedError(
        f"{refused} : {count} candidat{'s' if count > 1 else ''} verrouillé{'s' if count > 1 else ''} "
        f"({reasons}). Le président rouvre la délibération (F7, motif obligatoire) ; après "
        "publication, une correction est une rectification (baktui rectifier). Rien n'a été "
        "enregistré."
    )
