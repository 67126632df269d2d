"""The grades of one candidate: contrôle continu, options, kept grades, orals and written copies.

A candidate's grades are a per-candidate level (by series, lower for non-scolaires) plus noise
per épreuve, rounded to the épreuve's precision. Contrôle continu comes from the livret scolaire,
all entered; orals and other directly entered épreuves are mostly entered (much less in a few late
centres); written copies are handed to :class:`baktui.demo.lots.Lots`, which keys them when their
lot is written. Composite spécialités (ST2S and STHR SP1) get one value per part, in half points.
"""

from __future__ import annotations

import random
from typing import Any

from baktui.data.models import Grade, GradePart
from baktui.demo.bulk import Table
from baktui.demo.calendar import ANTICIPATED, written_epreuves
from baktui.demo.context import OPERATORS, DemoContext
from baktui.demo.lots import Lots
from baktui.demo.population import Block
from baktui.rules.regulation import KIND_CC, PRECISION_HALF, PRECISION_WHOLE, Regulation

PART_QUANTUM = "*part"  # key of the half-point precision of composite parts
SERIES_LEVEL = {
    "STMG": -0.3,
    "STI2D": 0.2,
    "ST2S": 0.0,
    "STL": 0.5,
    "STHR": -0.2,
    "STD2A": 0.4,
    "S2TMD": 0.6,
}
GRADE_COLUMNS = (
    "candidate",
    "epreuve_code",
    "value_centi",
    "code",
    "kept_session",
    "entered_by",
    "entered_at",
)
PART_COLUMNS = (
    "candidate",
    "epreuve_code",
    "part_code",
    "value_centi",
    "code",
    "entered_by",
    "entered_at",
)
CC_AT = "2026-06-05T09:00:00+02:00"  # contrôle continu imported from the livret scolaire
KEPT_AT = "2025-07-04T10:00:00+02:00"
ANTICIPATED_AT = "2026-06-26T16:00:00+02:00"
TERMINAL_AT = "2026-06-29T17:30:00+02:00"


def grade_tables() -> tuple[Table, Table]:
    """The Grade and GradePart tables, rows in GRADE_COLUMNS and PART_COLUMNS order.

    Shared with the lots, which add the grades of the written copies keyed so far.
    """
    return Table(Grade, GRADE_COLUMNS, fixed={"source": "demo"}), Table(GradePart, PART_COLUMNS)


def composite_parts(reg: Regulation) -> dict[tuple[str, str], tuple[str, ...]]:
    """(series, written épreuve) -> its part codes, for the composite spécialités."""
    return {
        (s.code, code): tuple(p.code for p in s.parts(code))
        for s in reg.series
        for code in written_epreuves(reg)
        if s.parts(code)
    }


class GradeMaker:
    """Draws the grades of each candidate in turn, from the candidates' random stream."""

    def __init__(
        self,
        ctx: DemoContext,
        rng: random.Random,
        tables: tuple[Table, Table],
        lots: Lots,
        justified: set[int],
    ) -> None:
        reg = ctx.reg
        self.rng = rng
        self.rnd = rng.random
        self.lots = lots
        self.justified = justified  # candidates with a justified absence (AJ) in philosophy
        self.max_centi = int(reg.max_grade * 100)
        self.keep_min_centi = int(reg.keep_min_grade * 100)
        self.grades, self.parts = tables
        base = reg.base_epreuves
        self.written = written_epreuves(reg)
        self.direct_terminal = [r.code for r in base if r.terminal and not r.written]
        self.cc = [r.code for r in base if r.kind == KIND_CC]
        scales = {PRECISION_WHOLE: (1, 100), PRECISION_HALF: (2, 50)}
        # (scale, step): value_centi = round(x * scale) * step; anything else in tenths
        self.quantum = {r.code: scales.get(r.precision, (10, 10)) for r in reg.epreuves}
        self.quantum[PART_QUANTUM] = scales[PRECISION_HALF]  # parts of a composite spécialité
        self.option_codes = list(reg.option_codes)
        self.level = {s.code: 11.6 + SERIES_LEVEL.get(s.code, 0.0) for s in reg.series}
        self.parts_of = composite_parts(reg)
        self.missing = 0  # terminal grades of a registered épreuve not entered

    def add(
        self,
        seq: int,
        block: Block,
        kept_codes: set[str],
        n_options: int,
        lvb: str,
        eps_inapte: bool,
    ) -> None:
        """The grades of candidate ``seq``: rows for what is entered, copies for the lots."""
        rnd = self.rnd
        series = block.series
        max_centi = self.max_centi
        quantum = self.quantum
        ability = self.rng.gauss(self.level[series], 2.4)
        if block.status != "scolaire":
            ability -= 1.2
        grades = self.grades.rows

        def value(code: str, spread: float, bonus: float = 0.0) -> int:
            # noise: a sum of three uniforms (Irwin-Hall, sd 1/2), close to normal and cheap
            scale, step = quantum[code]
            x = ability + bonus + (rnd() + rnd() + rnd() - 1.5) * 2 * spread
            v = round(x * scale) * step
            return 0 if v < 0 else max_centi if v > max_centi else v

        # contrôle continu (and options): all entered, imported from the livret scolaire
        for code in self.cc:
            if code == "LVB" and not lvb:
                continue
            if code == "EPS" and eps_inapte:
                grades.append((seq, code, None, "DI", None, "import-lsl", CC_AT))
                continue
            grades.append((seq, code, value(code, 2.3, 0.6), None, None, "import-lsl", CC_AT))
        for code in self.option_codes[:n_options]:
            grades.append((seq, code, value(code, 2.0, 1.5), None, None, "import-lsl", CC_AT))
        # kept grades from the 2025 session
        for code in sorted(kept_codes):
            v = max(self.keep_min_centi, min(max_centi, (10 + int(rnd() * 6)) * 100))
            grades.append((seq, code, v, None, 2025, "import-2025", KEPT_AT))
        # orals and other directly entered terminal épreuves
        late_centre = block.centre in self.lots.late_centres
        by = OPERATORS[seq % len(OPERATORS)]
        for code in self.direct_terminal:
            if code in kept_codes:
                continue
            if code in ANTICIPATED:
                missing = rnd() < 0.005
                at = ANTICIPATED_AT
            else:
                missing = rnd() < (0.6 if late_centre else 0.015)
                at = TERMINAL_AT
            if missing:
                self.missing += 1
                continue
            if rnd() < 0.008:
                grades.append((seq, code, None, "ABS", None, by, at))
            else:
                grades.append((seq, code, value(code, 2.6), None, None, by, at))
        # written: a copy in the current lot of (épreuve, series) at this centre; a lot closes
        # (and draws from the same stream) as soon as it is full, before the next copy is drawn
        add_copy = self.lots.add_copy
        for code in self.written:
            if code in kept_codes:
                continue
            parts = self.parts_of.get((series, code))
            grade_code = None
            if code == "PHI" and seq in self.justified:
                grade_code = "AJ"
            elif rnd() < 0.005:
                grade_code = "ABS"
            if parts:
                result: Any = tuple(
                    (part, None if grade_code else value(PART_QUANTUM, 2.8), grade_code)
                    for part in parts
                )
            else:
                result = (None if grade_code else value(code, 2.6), grade_code)
            add_copy(code, seq, block, result, parts is not None)
