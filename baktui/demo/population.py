"""How many candidates of which series, status and établissement: the blocks the loop generates.

A :class:`Block` is the candidates of one lycée in one series, or the non-scolaires (individuel,
CNED, formation continue) of one exam centre and series with their home communes. Blocks are in
generation order (centre by centre), and candidates are numbered in that order, so a candidate's
sequence number tells its block (:meth:`Population.block_of`). Which candidates are special
(anomalies, kept grades, AJ) is decided here too, before any of them is generated.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from baktui.demo.anomalies import Specials, plan_specials
from baktui.demo.context import DemoContext
from baktui.demo.places import Places

# Demo proportions (not regulation numbers: the regulation gives rules, not populations).
SERIES_SHARES = {
    "STMG": 0.40,
    "STI2D": 0.20,
    "ST2S": 0.17,
    "STL": 0.08,
    "STHR": 0.06,
    "STD2A": 0.05,
    "S2TMD": 0.04,
}
NON_SCOLAIRE_SHARE = 0.08
NON_SCOLAIRE_SPLIT = (("individuel", 0.56), ("cned", 0.25), ("formation_continue", 0.19))
STATUS_ORDER = ("scolaire", "cned", "formation_continue", "individuel")  # in a centre's blocks
CANDIDATES_PER_JURY = 300


@dataclass
class Block:
    """Candidates of one établissement (or non-scolaires of one centre), one series."""

    centre: int
    series: str
    status: str
    etab: int | None
    count: int
    home_communes: list[int] = field(default_factory=list)
    jury: int = 0  # jury id
    first_seq: int = 0


@dataclass
class Population:
    series_totals: dict[str, int]
    blocks: list[Block]
    specials: Specials = field(default_factory=Specials)

    def __post_init__(self) -> None:
        self._starts = [b.first_seq for b in self.blocks]

    def block_of(self, seq: int) -> Block:
        return self.blocks[bisect.bisect_right(self._starts, seq) - 1]


def juries_for(candidates: int) -> int:
    """How many juries deliberate on a series of that many candidates."""
    return max(1, round(candidates / CANDIDATES_PER_JURY))


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into integers proportional to weights (largest remainder, ties by position)."""
    if not weights:
        return []
    s = sum(weights)
    raw = [total * w / s for w in weights]
    counts = [int(x) for x in raw]
    rest = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    return counts


def plan_population(ctx: DemoContext, places: Places) -> Population:
    """The blocks of candidates, centre by centre, numbered; then the special candidates."""
    rng = ctx.rng("plan")
    reg = ctx.reg
    etabs, centres = places.etabs, places.centres
    series_codes = [s for s in reg.series_codes if s in SERIES_SHARES] or list(reg.series_codes)
    shares = [SERIES_SHARES.get(s, 1.0 / len(series_codes)) for s in series_codes]
    series_totals = dict(zip(series_codes, largest_remainder(ctx.n, shares), strict=True))
    blocks_by_centre: dict[int, list[Block]] = {k: [] for k in range(len(centres))}
    for s, total in series_totals.items():
        factor = 1.3 if s in ("STMG", "ST2S") else 0.5
        ns = min(total, round(total * NON_SCOLAIRE_SHARE * factor))
        scol = total - ns
        offering = [i for i in range(places.n_lycees) if s in etabs[i].series]
        counts = largest_remainder(scol, [etabs[i].size * rng.uniform(0.6, 1.4) for i in offering])
        for i, count in zip(offering, counts, strict=True):
            if count:
                e = etabs[i]
                blocks_by_centre[e.centre].append(Block(e.centre, s, "scolaire", i, count))
        # non-scolaires: each drawn a home commune, grouped by (centre, status)
        split = largest_remainder(ns, [w for _, w in NON_SCOLAIRE_SPLIT])
        for (status, _), count in zip(NON_SCOLAIRE_SPLIT, split, strict=True):
            groups: dict[int, list[int]] = {}
            for _ in range(count):
                commune = places.commune_picker(rng.random)
                groups.setdefault(places.centre_of_commune[commune], []).append(commune)
            for centre, homes in sorted(groups.items()):
                if status == "cned":
                    by_etab = {places.cned: homes}
                elif status == "formation_continue":
                    by_etab = {}
                    for h in homes:
                        greta = places.gretas.get(places.communes[h].dept, places.gretas["69"])
                        by_etab.setdefault(greta, []).append(h)
                else:
                    by_etab = {-1: homes}
                for etab, hs in sorted(by_etab.items()):
                    blocks_by_centre[centre].append(
                        Block(centre, s, status, None if etab < 0 else etab, len(hs), hs)
                    )
    # generation order: centre, then its lycées and series, then its non-scolaires
    series_rank = {s: k for k, s in enumerate(reg.series_codes)}
    status_rank = {status: k for k, status in enumerate(STATUS_ORDER)}
    blocks: list[Block] = []
    seq = 1
    for k in range(len(centres)):
        for b in sorted(
            blocks_by_centre[k],
            key=lambda b: (
                status_rank[b.status],
                b.etab if b.etab is not None else -1,
                series_rank[b.series],
            ),
        ):
            b.first_seq = seq
            seq += b.count
            blocks.append(b)
            centres[k].candidates += b.count
    assert seq - 1 == ctx.n
    population = Population(series_totals, blocks)
    population.specials = plan_specials(rng, ctx.n, lambda seq: population.block_of(seq).status)
    return population
