"""Which jury deliberates on which candidates: the placement of établissement blocks, pure.

The candidates of one établissement and series form a block that goes to one jury (a jury sees
a school's results together, and a teacher sitting in it is kept away from the whole block).
Blocks are placed largest first into the least-loaded jury of their series (a jury with no
series listed takes every series), never split, preferring juries
whose centre de délibération is the block's exam centre and, among those, juries where no
member teaches in the block's établissement. :func:`plan_distribution` decides; the
distribution service reads the base, calls it, and writes the moves in one transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# A candidate to place: (candidate id, series, établissement id, exam centre id, current jury id).
CandidateRow = tuple[int, str, int | None, int | None, int | None]


def parse_series_codes(text: str) -> tuple[str, ...]:
    """ "stmg, sti2d" -> ("STMG", "STI2D"): the series a jury deliberates on."""
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


@dataclass(frozen=True)
class JuryTarget:
    """A jury candidates may go to."""

    id: int
    number: int
    centre_id: int | None
    series_codes: str  # "STMG,STI2D"


@dataclass(frozen=True)
class Plan:
    """Where each block goes, and what could not be placed."""

    moves: Mapping[int, tuple[tuple[int, int | None], ...]]  # jury -> (candidate, previous jury)
    load: Mapping[int, int]  # jury -> candidates once the plan is applied
    unplaced: int
    blocks: int  # blocks placed
    missing: tuple[tuple[str, int], ...]  # (series no jury takes, candidates left), by series


def plan_distribution(
    juries: Sequence[JuryTarget],
    candidates: Iterable[CandidateRow],
    member_etablissements: Mapping[int, set[int]],
    *,
    reassign: bool = False,
) -> Plan:
    """Place the candidates' blocks into ``juries`` (given in number order).

    Without ``reassign`` a candidate who already has a jury stays there and counts in its load;
    with it, every candidate is placed again. ``member_etablissements`` maps a jury to the
    établissements its members teach in.
    """
    codes = {jury.id: parse_series_codes(jury.series_codes) for jury in juries}
    by_series: dict[str, list[JuryTarget]] = {}

    def eligible_for(series: str) -> list[JuryTarget]:
        if series not in by_series:
            by_series[series] = [j for j in juries if not codes[j.id] or series in codes[j.id]]
        return by_series[series]

    load: Counter[int] = Counter()
    blocks: dict[tuple[str, int | None], list[tuple[int, int | None, int | None]]] = defaultdict(
        list
    )
    for cid, series, etab, centre, jury_id in candidates:
        if jury_id is not None and not reassign:
            load[jury_id] += 1
            continue
        blocks[(series.upper(), etab)].append((cid, centre, jury_id))
    ordered = sorted(blocks.items(), key=lambda item: (-len(item[1]), item[0][0], item[0][1] or 0))
    moves: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    missing: Counter[str] = Counter()
    unplaced = 0
    placed_blocks = 0
    for (series, etab), members in ordered:
        eligible = eligible_for(series)
        if not eligible:
            unplaced += len(members)
            missing[series] += len(members)
            continue
        placed_blocks += 1
        chosen = _choose(eligible, members, etab, member_etablissements, load)
        load[chosen.id] += len(members)
        moves[chosen.id].extend((cid, old) for cid, _, old in members)
    return Plan(
        moves={jury: tuple(items) for jury, items in moves.items()},
        load=dict(load),
        unplaced=unplaced,
        blocks=placed_blocks,
        missing=tuple(sorted(missing.items())),
    )


def _choose(
    eligible: Sequence[JuryTarget],
    members: Sequence[tuple[int, int | None, int | None]],
    etab: int | None,
    member_etablissements: Mapping[int, set[int]],
    load: Mapping[int, int],
) -> JuryTarget:
    """The block's jury: near its centre, free of its teachers, then the least loaded."""
    centre = Counter(c for _, c, _ in members).most_common(1)[0][0]
    near = [j for j in eligible if centre is not None and j.centre_id == centre] or list(eligible)

    def clean(pool: Iterable[JuryTarget]) -> list[JuryTarget]:
        return [j for j in pool if etab not in member_etablissements.get(j.id, ())]

    pool = clean(near) or clean(eligible) or near
    return min(pool, key=lambda j: (load.get(j.id, 0), j.number))
