"""The locks of a closed or published jury (issue 13): which groups, and the French refusal."""

from __future__ import annotations

import pytest

from baktui.data.models import Candidate, Jury
from baktui.services.jury_locks import (
    FIRST_GROUP,
    SECOND_GROUP,
    JuryLock,
    LockedError,
    locks_of,
    refuse_locked,
)
from baktui.services.sessions import SessionInfo


@pytest.mark.parametrize(
    ("closed", "published", "first", "second"),
    [(0, 0, False, False), (1, 0, True, False), (2, 0, True, True), (0, 1, True, False),
     (1, 2, True, True)],
)  # fmt: skip
def test_which_groups_a_jury_locks(closed: int, published: int, first: bool, second: bool) -> None:
    lock = JuryLock(1, 3, closed, published)
    assert (lock.locks(FIRST_GROUP), lock.locks(SECOND_GROUP)) == (first, second)


def test_reasons_say_why() -> None:
    assert JuryLock(1, 3, 1, 0).reason(FIRST_GROUP) == (
        "jury n° 3 : délibération du premier groupe close"
    )
    assert JuryLock(1, 3, 2, 1).reason(SECOND_GROUP) == (
        "jury n° 3 : délibération du second groupe close"
    )
    assert JuryLock(1, 3, 0, 1).reason(FIRST_GROUP) == (
        "jury n° 3 : résultats du premier groupe publiés"
    )
    assert JuryLock(1, 3, 2, 2).reason(SECOND_GROUP) == "jury n° 3 : résultats publiés"


def test_refusal_names_the_jury_and_counts(session: SessionInfo) -> None:
    jury = Jury.create(session=session.id, number=4, series_codes="STMG")
    ids = [
        Candidate.create(session=session.id, number=f"0{i}", last_name="A", first_name="B",
                         series="STMG", jury=jury.id).id
        for i in range(3)
    ]  # fmt: skip
    refuse_locked(ids, FIRST_GROUP, "Import refusé")  # an open jury locks nothing
    assert locks_of(ids) == {}
    Jury.update(closed_group=1).where(Jury.id == jury.id).execute()
    refuse_locked(ids, SECOND_GROUP, "Import refusé")  # first group closed: second still open
    with pytest.raises(LockedError) as refused:
        refuse_locked(ids, FIRST_GROUP, "Import refusé")
    assert str(refused.value).startswith(
        "Import refusé : 3 candidats verrouillés (jury n° 4 : délibération du premier groupe close)."
    )
    assert "Rien n'a été enregistré." in str(refused.value)
