"""Anonymity numbers and lots: copies gathered per exam centre and épreuve, keyed in part.

Lots are made per exam centre and per épreuve (and series for SP1/SP2), like the parcels a centre
sends to correction; a lot is written when it is full or when its centre is done, copies in
anonymity-number order (``Anonymat.position``), with its correcteur (never a teacher of one of
its copies' établissements) and the grades keyed so far: every grade (``saisi``), the first copies
of the slip (``en_saisie``), or none (``distribue``: a few centres sent some épreuves late, the
``lot_non_saisi`` anomaly). Anonymity numbers are per written épreuve n distinct random 8-digit
numbers handed out copy after copy: nothing links them to the candidate number.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from typing import Any, NamedTuple

from baktui.data.models import Anonymat, Lot
from baktui.demo.bulk import Table
from baktui.demo.calendar import ANTICIPATED, written_day, written_epreuves
from baktui.demo.context import OPERATORS, DemoContext
from baktui.demo.examiners import Staff
from baktui.demo.places import Places
from baktui.demo.population import Block
from baktui.rules.lifecycles import LotState

LATE_WRITTEN_SHARE = 0.075  # share of terminale written copies in lots not keyed yet
PARTIAL_LOT_SHARE = 0.03
DEFAULT_LOT_SIZE = 100
LOT_COLUMNS = (
    "id",
    "session",
    "number",
    "epreuve_code",
    "correcteur",
    "centre",
    "state",
    "control_copies",
    "control_absents",
    "control_sum_centi",
    "closed_at",
    "closed_by",
)


class LotRecord(NamedTuple):
    """A written lot, for the correction assignments and the expense claims."""

    id: int
    correcteur: int  # examiner id
    code: str  # épreuve
    centre: int  # index of the correction centre
    copies: int


class Lots:
    """Gathers the copies of the candidate loop into lots and writes each lot when it closes.

    A copy is (anonymity number, candidate seq, établissement index, result, composite); the
    result is (value, code) or, for a composite spécialité, ((part, value, code), …).
    """

    def __init__(
        self,
        ctx: DemoContext,
        rng: random.Random,
        places: Places,
        staff: Staff,
        lot_sizes: dict[str, int],
        grade_tables: tuple[Table, Table],
    ) -> None:
        self.ctx = ctx
        self.rng = rng  # the candidates' stream: lots close in the middle of the loop
        self.places = places
        self.staff = staff
        self.lot_sizes = lot_sizes
        self.grades, self.parts = grade_tables
        self.anonymat = Table(Anonymat, ("candidate", "epreuve_code", "number", "lot", "position"))
        self.lots = Table(Lot, LOT_COLUMNS)
        self.written = written_epreuves(ctx.reg)
        arng = ctx.rng("anonymat")
        self.numbers = {code: array("L", arng.sample(range(10**8), ctx.n)) for code in self.written}
        self.next_number = dict.fromkeys(self.written, 0)
        self.late, self.late_centres = self._plan_late()
        self.open: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        self.records: list[LotRecord] = []
        self.missing = 0  # copies of lots written without their grade

    def _plan_late(self) -> tuple[set[tuple[int, str]], set[int]]:
        """(exam centre index, épreuve) pairs whose copies are not keyed yet: a few late centres.

        Also the centres sending nothing yet: their Grand oral commissions are late too.
        """
        rng = self.ctx.rng("late")
        centres = self.places.centres
        terminale = [c for c in self.written if c not in ANTICIPATED]
        total = self.ctx.n * len(terminale)
        order = list(range(len(centres)))
        rng.shuffle(order)
        late: set[tuple[int, str]] = set()
        late_copies = 0
        for k in order:
            codes = list(terminale)
            rng.shuffle(codes)
            for code in codes:
                if late_copies >= LATE_WRITTEN_SHARE * total:
                    break
                late.add((k, code))
                late_copies += centres[k].candidates
        late_centres = {k for k in range(len(centres)) if all((k, c) in late for c in terminale)}
        return late, late_centres

    def add_copy(self, code: str, seq: int, block: Block, result: Any, composite: bool) -> None:
        """A copy of candidate ``seq``: the next anonymity number of its épreuve, in its open lot.

        A full lot is written at once (its draws come before the candidate's next copy).
        """
        k = self.next_number[code]
        self.next_number[code] = k + 1
        key = (code, block.series if code.startswith("SP") else "")
        lot = self.open.setdefault(key, [])
        lot.append((f"{self.numbers[code][k]:08d}", seq, block.etab, result, composite))
        if len(lot) >= self.lot_sizes.get(code, DEFAULT_LOT_SIZE):
            self.close(key, block.centre)

    def close_all(self, centre: int) -> None:
        """Close the open lots of a centre whose candidates are done."""
        for key in sorted(self.open):
            if self.open[key]:
                self.close(key, centre)

    def close(self, key: tuple[str, str], centre_idx: int) -> None:
        """Write one lot: its anonymity numbers, its state and control totals, its keyed grades."""
        rng = self.rng
        copies = self.open.pop(key)
        copies.sort()
        code = key[0]
        lot_id = len(self.records) + 1
        etabs = {c[2] for c in copies if c[2] is not None}
        correcteur = self.staff.pick_correcteur(key, len(copies), etabs)
        centre = self.places.centres[centre_idx]
        n = len(copies)
        if (centre_idx, code) in self.late:
            keyed, state = 0, LotState.DISTRIBUE
            self.ctx.flag("lot_non_saisi", f"lot n° {lot_id}")
        elif code not in ANTICIPATED and rng.random() < PARTIAL_LOT_SHARE:
            keyed, state = rng.randint((n * 3) // 5, (n * 19) // 20), LotState.EN_SAISIE
        else:
            keyed, state = n, LotState.SAISI
        day = written_day(code) + dt.timedelta(days=9)
        minutes = 8 * 60 + 30 + (lot_id * 37) % 480
        at = f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+02:00"
        operator = OPERATORS[lot_id % len(OPERATORS)]
        anon = self.anonymat.rows
        grades = self.grades.rows
        parts_rows = self.parts.rows
        absents = 0
        total = 0
        for position, (number, seq, _etab, result, composite) in enumerate(copies, start=1):
            anon.append((seq, code, number, lot_id, position))
            if composite:
                if result[0][2] == "ABS":
                    absents += 1
            elif result[1] == "ABS":
                absents += 1
            elif result[0] is not None:
                total += result[0]
            if position > keyed:
                self.missing += 1
                continue
            if composite:
                for part, v, grade_code in result:
                    parts_rows.append((seq, code, part, v, grade_code, operator, at))
            else:
                grades.append((seq, code, result[0], result[1], None, operator, at))
        has_parts = any(c[4] for c in copies)
        keyed_any = state != LotState.DISTRIBUE
        closed = state == LotState.SAISI
        self.lots.rows.append(
            (
                lot_id,
                self.ctx.session_id,
                lot_id,
                code,
                correcteur.id,
                self.places.centres[centre.correction_centre].id,
                state,
                n if keyed_any else None,
                absents if keyed_any else None,
                None if has_parts or not keyed_any else total,
                at if closed else None,
                operator if closed else None,
            )
        )
        self.records.append(LotRecord(lot_id, correcteur.id, code, centre.correction_centre, n))
