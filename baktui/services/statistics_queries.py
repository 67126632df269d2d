"""The SQL aggregates behind the statistics (issue 14): every figure is a GROUP BY.

Grades are summed in SQL (count, sum and sum of squares of the hundredths, extremes, ABS, one
count per grade band) and turned into exact :class:`~baktui.rules.statistics.Moments`; no grade
row is loaded into Python. A composite spécialité (ST2S, STHR: part-grades only) is summed as
coefficient × part per candidate in a sub-query, then like a grade (its scale is the sum of the
coefficients); a candidate counts there once every part has a number (all parts ABS: absent).
Kept grades (bénéfice from an earlier session) are left out: they were not marked this session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Any

import peewee as pw

from baktui.data.db import current_database
from baktui.data.models import Anonymat, Candidate, Grade, GradePart, Lot, Result
from baktui.rules.decision import ADMIS, AJOURNE, INCOMPLET, SECOND_GROUPE
from baktui.rules.grades import CODE_ABS
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.regulation import Regulation
from baktui.rules.statistics import DEFAULT_BANDS, Moments

C = Candidate


def scope_where(session_id: int, jury_id: int | None, etablissement_id: int | None) -> Any:
    """The candidates counted: the session's, cancelled registrations aside, narrowed."""
    where = (C.session == session_id) & (C.state != RegistrationState.ANNULEE)
    if jury_id is not None:
        where &= C.jury == jury_id
    if etablissement_id is not None:
        where &= C.etablissement == etablissement_id
    return where


def _big(expr: Any) -> Any:
    """64-bit arithmetic for sums of squares: PostgreSQL's integer is 32-bit (SQLite's is 64:
    no CAST, it costs per row)."""
    if isinstance(current_database(), pw.PostgresqlDatabase):
        return pw.Cast(expr, "BIGINT")
    return expr


def _count_if(condition: Any) -> Any:
    return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))


def _moment_columns(value: Any, absent: Any, scale: int, edges: Sequence[int]) -> list[Any]:
    """COUNT, SUM, SUM of squares, MIN, MAX, ABS and band counts of ``value`` (hundredths ×
    scale; NULL when not a number)."""
    big = _big(value)
    bands = []
    for index, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        upper = value <= hi * scale if index == len(edges) - 2 else value < hi * scale
        bands.append(_count_if((value >= lo * scale) & upper))
    return [
        pw.fn.COUNT(value),
        pw.fn.SUM(big),
        pw.fn.SUM(big * big),
        pw.fn.MIN(value),
        pw.fn.MAX(value),
        _count_if(absent),
        *bands,
    ]


def _moments(row: Sequence[Any], scale: int, edges: Sequence[int]) -> Moments:
    n, total, squares, low, high, absent, *bands = row
    return Moments.of_centi(n, total, squares, low, high, absent=absent, bands=bands, scale=scale)


@dataclass(frozen=True)
class _Composite:
    code: str
    series: str
    coefs: tuple[tuple[str, int], ...]  # (part code, integer coefficient)

    @property
    def scale(self) -> int:
        return sum(c for _, c in self.coefs)


def _composites(reg: Regulation, codes: Sequence[str]) -> list[_Composite]:
    found = []
    for series in reg.series:
        for code in codes:
            parts = series.parts(code)
            if parts:
                unit = lcm(*(Fraction(p.coef).denominator for p in parts))
                coefs = tuple((p.code, int(Fraction(p.coef) * unit)) for p in parts)
                found.append(_Composite(code, series.code, coefs))
    return found


def grade_moments(
    reg: Regulation,
    where: Any,
    codes: Sequence[str],
    dims: Sequence[Any],
    *,
    by_lot: bool = False,
    edges: Sequence[int] = DEFAULT_BANDS,
) -> dict[tuple[Any, ...], Moments]:
    """First-group grades of ``codes`` grouped by (épreuve code, *dims): dims are candidate
    columns; ``by_lot`` adds (lot id) through the copy's anonymity number (copies in no lot
    aside)."""
    found: dict[tuple[Any, ...], Moments] = {}

    def add(key: tuple[Any, ...], moments: Moments) -> None:
        found[key] = found[key] + moments if key in found else moments

    G = Grade
    lot_dims = [Anonymat.lot] if by_lot else []
    query = G.select(
        G.epreuve_code,
        *dims,
        *lot_dims,
        *_moment_columns(G.value_centi, G.code == CODE_ABS, 1, edges),
    ).join(C, on=(G.candidate == C.id))
    if by_lot:
        query = query.join(
            Anonymat,
            on=(Anonymat.candidate == G.candidate) & (Anonymat.epreuve_code == G.epreuve_code),
        ).where(Anonymat.lot.is_null(False))
    query = query.where(
        where & (G.group == 1) & G.kept_session.is_null() & G.epreuve_code.in_(list(codes))
    ).group_by(G.epreuve_code, *dims, *lot_dims)
    width = 1 + len(dims) + len(lot_dims)
    for row in query.tuples():
        add(tuple(row[:width]), _moments(row[width:], 1, edges))

    GP = GradePart
    for comp in _composites(reg, codes):
        part_codes = [p for p, _ in comp.coefs]
        weight = pw.Case(GP.part_code, list(comp.coefs), 0)
        sub = (
            GP.select(
                GP.candidate.alias("cid"),
                pw.fn.SUM(_big(GP.value_centi) * weight).alias("w"),
                pw.fn.COUNT(GP.value_centi).alias("nv"),
                _count_if(GP.code == CODE_ABS).alias("na"),
            )
            .join(C, on=(GP.candidate == C.id))
            .where(
                where
                & (GP.epreuve_code == comp.code)
                & GP.part_code.in_(part_codes)
                & (C.series == comp.series)
            )
            .group_by(GP.candidate)
            .alias("cp")
        )
        nparts = len(part_codes)
        value = pw.Case(None, [(sub.c.nv == nparts, sub.c.w)], None)
        outer = C.select(
            *dims, *lot_dims, *_moment_columns(value, sub.c.na == nparts, comp.scale, edges)
        )
        outer = outer.join(sub, on=(sub.c.cid == C.id))
        if by_lot:
            outer = outer.join(
                Anonymat,
                on=(Anonymat.candidate == C.id) & (Anonymat.epreuve_code == comp.code),
            ).where(Anonymat.lot.is_null(False))
        if dims or lot_dims:
            outer = outer.group_by(*dims, *lot_dims)
        w = len(dims) + len(lot_dims)
        for row in outer.tuples():
            if not row[w]:  # no copy at all in that group
                if not row[w + 5]:
                    continue
            add((comp.code, *row[:w]), _moments(row[w:], comp.scale, edges))
    return found


@dataclass
class Counts:
    """Candidates of one group: registered, present, decisions and mentions."""

    registered: int = 0
    present: int = 0
    admitted_first: int = 0
    admitted_second: int = 0
    second_group: int = 0  # reached the second group (whatever came of it)
    refused: int = 0  # ajourné (final)
    incomplete: int = 0
    waiting: int = 0  # at the second group, not yet decided
    undeliberated: int = 0
    mentions: dict[str, int] | None = None

    @property
    def admitted(self) -> int:
        return self.admitted_first + self.admitted_second

    def __iadd__(self, other: Counts) -> Counts:
        for name in (
            "registered", "present", "admitted_first", "admitted_second", "second_group",
            "refused", "incomplete", "waiting", "undeliberated",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        mine = dict(self.mentions or {})
        for code, n in (other.mentions or {}).items():
            mine[code] = mine.get(code, 0) + n
        self.mentions = mine
        return self


def candidate_counts(
    reg: Regulation, where: Any, dims: Sequence[Any], *, presence: bool = True
) -> dict[tuple[Any, ...], Counts]:
    """Candidates grouped by ``dims`` (candidate columns), one scan with the results: present
    means at least one first-group grade with a number at a terminal épreuve this session
    (an index probe per candidate: ``presence=False`` leaves it at 0)."""
    R = Result
    terminal = [e.code for e in reg.epreuves if e.terminal]
    present = pw.fn.EXISTS(
        Grade.select(pw.SQL("1")).where(
            (Grade.candidate == C.id)
            & (Grade.group == 1)
            & Grade.value_centi.is_null(False)
            & Grade.kept_session.is_null()
            & Grade.epreuve_code.in_(terminal)
        )
    )
    part_present = pw.fn.EXISTS(
        GradePart.select(pw.SQL("1")).where(
            (GradePart.candidate == C.id) & GradePart.value_centi.is_null(False)
        )
    )
    done = R.second_group_done == True  # noqa: E712 (peewee expression)
    mention_codes = [code for _, code, _ in reg.mentions]
    columns = [
        pw.fn.COUNT(C.id),
        _count_if(present | part_present) if presence else pw.Value(0),
        _count_if((R.decision == ADMIS) & ~done),
        _count_if((R.decision == ADMIS) & done),
        _count_if(done | (R.decision == SECOND_GROUPE)),
        _count_if(R.decision == AJOURNE),
        _count_if(R.decision == INCOMPLET),
        _count_if((R.decision == SECOND_GROUPE) & ~done),
        _count_if(R.id.is_null()),
        *(_count_if((R.decision == ADMIS) & (R.mention == code)) for code in mention_codes),
    ]
    query = (
        C.select(*dims, *columns)
        .join(R, pw.JOIN.LEFT_OUTER, on=(R.candidate == C.id))
        .where(where)
        .group_by(*dims)
    )
    found: dict[tuple[Any, ...], Counts] = {}
    w = len(dims)
    for row in query.tuples():
        values = [int(v or 0) for v in row[w:]]
        fixed, mentions = values[:9], values[9:]
        found[tuple(row[:w])] = Counts(
            *fixed, mentions=dict(zip(mention_codes, mentions, strict=True))
        )
    return found


def lots_of(session_id: int, codes: Sequence[str]) -> dict[int, tuple[int, str, int | None]]:
    """Lot id → (number, épreuve code, correcteur id) of the session's lots of those épreuves."""
    return {
        lot_id: (number, code, correcteur)
        for lot_id, number, code, correcteur in Lot.select(
            Lot.id, Lot.number, Lot.epreuve_code, Lot.correcteur
        )
        .where((Lot.session == session_id) & Lot.epreuve_code.in_(list(codes)))
        .tuples()
    }
