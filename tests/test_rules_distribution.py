"""The placement of établissement blocks into juries, computed by hand on small cases."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.distribution import JuryTarget, parse_series_codes, plan_distribution

LYON, VIENNE = 10, 20


def test_series_codes() -> None:
    assert parse_series_codes(" stmg, STI2D ,,") == ("STMG", "STI2D")
    assert parse_series_codes("") == ()


def _block(first_id: int, count: int, series: str, etab: int, centre: int | None = LYON):
    return [(first_id + n, series, etab, centre, None) for n in range(count)]


def test_blocks_largest_first_into_the_least_loaded_jury() -> None:
    juries = [JuryTarget(1, 1, LYON, "STMG"), JuryTarget(2, 2, LYON, "STMG")]
    rows = _block(100, 5, "stmg", 1) + _block(200, 6, "STMG", 2) + _block(300, 4, "STMG", 3)
    plan = plan_distribution(juries, rows, {})
    # B (6) first into jury 1 (tie on load: lowest number), A (5) into jury 2, C (4) into jury 2
    assert {j: {cid // 100 for cid, _ in items} for j, items in plan.moves.items()} == {
        1: {2},
        2: {1, 3},
    }
    assert plan.load == {1: 6, 2: 9}
    assert (plan.unplaced, plan.blocks, plan.problems) == (0, 3, ())


def test_teachers_centre_and_missing_series() -> None:
    juries = [
        JuryTarget(1, 1, LYON, "STMG"),
        JuryTarget(2, 2, LYON, "STMG"),
        JuryTarget(3, 3, VIENNE, "STMG,STL"),
    ]
    rows = (
        _block(100, 6, "STMG", 2)  # a teacher of établissement 2 sits in jury 1
        + _block(200, 3, "STL", 1, centre=LYON)  # only jury 3 takes STL, far or not
        + _block(300, 2, "STI2D", 1)  # no jury for STI2D
        + _block(400, 2, "STMG", 4, centre=VIENNE)  # near jury 3
    )
    plan = plan_distribution(juries, rows, {1: {2}})
    where = {cid: j for j, items in plan.moves.items() for cid, _ in items}
    assert {where[c] for c in range(100, 106)} == {2}
    assert {where[c] for c in range(200, 203)} == {3}
    assert {where[c] for c in (400, 401)} == {3}
    assert 300 not in where and plan.unplaced == 2
    assert plan.problems == ("aucun jury pour la série STI2D (2)",)
    assert plan.blocks == 3


def test_placed_candidates_stay_unless_reassigned() -> None:
    juries = [JuryTarget(1, 1, LYON, "STMG"), JuryTarget(2, 2, LYON, "STMG")]
    rows = [(1, "STMG", 1, LYON, 1), (2, "STMG", 1, LYON, 1), (3, "STMG", 2, LYON, None)]
    plan = plan_distribution(juries, rows, {})
    assert dict(plan.moves) == {2: ((3, None),)}  # jury 1 already holds two
    assert plan.load == {1: 2, 2: 1}
    again = plan_distribution(juries, rows, {}, reassign=True)
    assert dict(again.moves) == {1: ((1, 1), (2, 1)), 2: ((3, None),)}


@given(
    st.lists(
        st.tuples(st.sampled_from(["STMG", "STI2D", "STL"]), st.integers(1, 6), st.integers(1, 9)),
        max_size=12,
    )
)
def test_every_candidate_placed_once_and_blocks_kept_whole(blocks) -> None:
    juries = [JuryTarget(1, 1, LYON, "STMG,STI2D"), JuryTarget(2, 2, VIENNE, "STMG")]
    rows = []
    for n, (series, etab, count) in enumerate(blocks):
        rows += _block(1000 * (n + 1), count, series, etab)
    plan = plan_distribution(juries, rows, {1: {3}})
    where: dict[int, int] = {}
    for jury, items in plan.moves.items():
        for cid, _ in items:
            assert cid not in where
            where[cid] = jury
    stl = sum(1 for row in rows if row[1] == "STL")
    assert len(where) + plan.unplaced == len(rows) and plan.unplaced == stl
    assert sum(plan.load.values()) == len(where)
    by_block: dict[tuple[str, int], set[int]] = {}
    for cid, series, etab, _, _ in rows:
        if cid in where:
            by_block.setdefault((series, etab), set()).add(where[cid])
    assert all(len(juries_of) == 1 for juries_of in by_block.values())
