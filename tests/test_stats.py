"""The home screen's counts (:mod:`baktui.services.stats`) on a small office built by hand."""

from __future__ import annotations

import dataclasses

from home_data import EXPECTED, populate

from baktui.data import counters
from baktui.data.db import write_transaction
from baktui.data.models import ExamSession, GradePart, Registration
from baktui.services import stats
from baktui.services.sessions import SessionInfo, open_registre


def test_empty_session_has_the_seven_series_at_zero(session: SessionInfo) -> None:
    counts = stats.home_counts(session.id)
    assert [s.code for s in counts.series] == list(EXPECTED["series"])
    assert counts.candidates == 0
    assert counts.grades_missing == 0
    assert counts.results == {}
    assert not counts.deliberated


def test_counts_match_the_data(session: SessionInfo) -> None:
    populate(session.id)
    counts = stats.home_counts(session.id)
    assert {s.code: (s.scolaires, s.individuels) for s in counts.series} == EXPECTED["series"]
    for name in (
        "candidates",
        "scolaires",
        "individuels",
        "brouillon",
        "confirmee",
        "annulees",
        "to_check",
        "missing_lvb",
        "missing_centre",
        "grades_missing",
        "absences_open",
        "claims_declared",
        "claims_service_fait",
        "lots_total",
        "lots_open",
        "results",
        "mentions",
    ):
        assert getattr(counts, name) == EXPECTED[name], name
    assert counts.claims_waiting == 3
    assert list(counts.results) == ["ADMIS", "AJOURNE"]  # the screen's order
    # the maintained counters give what the tables give
    assert stats.home_counts(session.id, raw=True) == counts


def test_without_grades_leaves_the_slow_count_for_later(session: SessionInfo) -> None:
    populate(session.id)
    counts = stats.home_counts(session.id, with_grades=False)
    assert counts.grades_missing is None and counts.logistics_checks is None
    assert dataclasses.replace(
        counts,
        grades_missing=stats.grades_missing(session.id),
        logistics_checks=stats.logistics_checks(session.id),
    ) == stats.home_counts(session.id)


def test_composite_specialite_needs_every_part(session: SessionInfo) -> None:
    ids = populate(session.id)
    st2s = ids[7]
    before = stats.grades_missing(session.id)
    with write_transaction(), counters.tracking([st2s]):  # a raw write, tracked
        GradePart.delete().where(
            (GradePart.candidate == st2s) & (GradePart.part_code == "BPH")
        ).execute()
    assert stats.grades_missing(session.id) == before + 1 == stats.grades_missing_raw(session.id)


def test_counts_stay_within_their_session(session: SessionInfo) -> None:
    """A second session in the same base (the replacement session) is counted apart."""
    populate(session.id)
    other = open_registre(2026, "remplacement")
    assert ExamSession.select().count() == 2
    empty = stats.home_counts(other.id)
    assert empty.candidates == 0
    assert empty.grades_missing == 0
    assert empty.results == {}
    assert empty.lots_total == 0
    assert empty.claims_waiting == 0
    # ...while the normal session keeps its own figures (the multi-session query path).
    again = stats.home_counts(session.id)
    assert again.candidates == EXPECTED["candidates"]
    assert again.grades_missing == EXPECTED["grades_missing"]
    assert again.results == EXPECTED["results"]


def test_fingerprint_moves_with_writes(session: SessionInfo) -> None:
    ids = populate(session.id)
    before = stats.data_fingerprint()
    assert stats.data_fingerprint() == before
    Registration.create(candidate=ids[0], epreuve_code="MAT")
    assert stats.data_fingerprint() != before
