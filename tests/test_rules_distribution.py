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
    assert (plan.unplaced, plan.blocks, plan.missing) == (0, 3, ())


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
    assert plan.missing == (("STI2D", 2),)
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


def test_a_jury_without_series_takes_every_series() -> None:
    juries = [JuryTarget(1, 1, None, "STMG"), JuryTarget(2, 2, None, "")]
    rows = (
        _block(100, 3, "STMG", 1, None)
        + _block(200, 2, "STHR", 1, None)
        + _block(300, 2, "STMG", 2, None)
    )
    plan = plan_distribution(juries, rows, {})
    # STMG of 1 (3) into jury 1, STHR (2) only into jury 2, STMG of 2 (2) into jury 2 (load 2 < 3)
    assert {j: sorted(cid for cid, _ in items) for j, items in plan.moves.items()} == {
        1: [100, 101, 102],
        2: [200, 201, 300, 301],
    }
    assert (plan.unplaced, plan.missing) == (0, ())
    alone = plan_distribution([JuryTarget(1, 1, None, "STMG")], rows, {})
    assert (alone.unplaced, alone.missing) == (2, (("STHR", 2),))


SERIES = ["STMG", "STI2D", "STL", "STHR"]


@given(
    juries=st.lists(
        st.lists(st.sampled_from(SERIES[:3]), max_size=2, unique=True), min_size=1, max_size=4
    ),
    rows=st.lists(
        st.tuples(
            st.sampled_from(SERIES),
            st.integers(1, 5),
            st.one_of(st.none(), st.integers(0, 3)),  # current jury (index), or none
        ),
        max_size=40,
    ),
    reassign=st.booleans(),
)
def test_placements_respect_series_once_each_blocks_whole(juries, rows, reassign) -> None:
    targets = [JuryTarget(n + 1, n + 1, None, ",".join(codes)) for n, codes in enumerate(juries)]
    candidates = [
        (
            cid,
            series,
            etab,
            None,
            current + 1 if current is not None and current < len(juries) else None,
        )
        for cid, (series, etab, current) in enumerate(rows)
    ]
    plan = plan_distribution(targets, candidates, {}, reassign=reassign)
    codes = {t.id: set(parse_series_codes(t.series_codes)) for t in targets}
    where: dict[int, int] = {}
    for jury, items in plan.moves.items():
        for cid, _ in items:
            assert cid not in where  # placed once
            where[cid] = jury
    to_place = [c for c in candidates if reassign or c[4] is None]
    eligible = [c for c in to_place if any(not codes[t] or c[1] in codes[t] for t in codes)]
    assert sorted(where) == sorted(c[0] for c in eligible)  # every eligible one placed
    assert plan.unplaced == len(to_place) - len(eligible)
    assert sum(n for _, n in plan.missing) == plan.unplaced
    for cid, series, *_ in eligible:
        assert not codes[where[cid]] or series in codes[where[cid]]  # the séries respected
    by_block: dict[tuple[str, int], set[int]] = {}
    for cid, series, etab, _, _ in eligible:
        by_block.setdefault((series, etab), set()).add(where[cid])
    assert all(len(juries_of) == 1 for juries_of in by_block.values())  # never split
    kept = 0 if reassign else sum(1 for c in candidates if c[4] is not None)
    assert sum(plan.load.values()) == len(where) + kept


@given(st.lists(st.integers(1, 30), max_size=20))
def test_greedy_balance_of_twin_juries(sizes) -> None:
    """Two juries of the same séries end within one block of each other (the largest)."""
    juries = [JuryTarget(1, 1, None, "STMG"), JuryTarget(2, 2, None, "STMG")]
    rows = []
    for etab, size in enumerate(sizes):
        rows += _block(1000 * (etab + 1), size, "STMG", etab, None)
    plan = plan_distribution(juries, rows, {})
    loads = [plan.load.get(1, 0), plan.load.get(2, 0)]
    assert abs(loads[0] - loads[1]) <= max(sizes, default=0)
