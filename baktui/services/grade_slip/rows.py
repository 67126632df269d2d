"""What an open slip holds: one row per copy, its stored cells, and this operator's undo steps.

:func:`read_rows` loads a lot's copies in slip order with their grades (or part-grades of a
composite spécialité) and their blind double-entry passes; the rows keep the candidate to the
editor (:mod:`.editor`), which never hands it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from baktui.data.models import Anonymat, Candidate, DoubleEntry, Grade, GradePart, Lot
from baktui.errors import ServiceError
from baktui.rules.regulation import SpecialitePart
from baktui.rules.slips import canonical
from baktui.services.sessions import regulation_of


class GradeEntryError(ServiceError):
    """A typed value that is not a grade for this épreuve (French message); nothing was written."""


@dataclass
class Cell:
    """One stored value of a copy: its Grade, or one GradePart of a composite spécialité."""

    id: int | None = None
    version: int = 0  # Grade.version (GradePart has none: its writes compare the old value)
    value: int | None = None
    code: str | None = None

    @property
    def text(self) -> str:
        return canonical(self.value, self.code)

    def snapshot(self) -> tuple[int | None, int, int | None, str | None]:
        return (self.id, self.version, self.value, self.code)


@dataclass
class Row:
    anonymat_id: int
    candidate_id: int
    number: str
    position: int
    cells: list[Cell]
    entered_by: str = ""
    # blind double entry: pass -> (DoubleEntry id, cell texts joined by ";", operator)
    passes: dict[int, tuple[int, str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Undo:
    row: int
    kind: str  # "grade" | "pass"
    entry_pass: int
    # grade: the cells' snapshots before; pass: (entry id or None, text, operator) before
    before: tuple[Any, ...]


def lot_parts(session_id: int, lot: Lot) -> tuple[SpecialitePart, ...]:
    """Part-grades of the lot's copies (a composite spécialité), or () for a plain grade."""
    series = {
        s
        for (s,) in Candidate.select(Candidate.series)
        .join(Anonymat, on=(Anonymat.candidate == Candidate.id))
        .where(Anonymat.lot == lot.id)
        .distinct()
        .tuples()
    }
    reg = regulation_of(session_id)
    parts = {s: reg.series_rule(s).parts(lot.epreuve_code) for s in series if s in reg.series_codes}
    kinds = {p for p in parts.values()}
    if len(kinds) > 1:
        raise ServiceError(
            f"Le lot {lot.number} mêle des séries dont la spécialité {lot.epreuve_code} ne se note "
            "pas de la même façon : refaites ses lots par série."
        )
    return kinds.pop() if kinds else ()


def read_rows(lot: Lot, parts: Sequence[SpecialitePart]) -> list[Row]:
    """The copies of a lot in slip order, with their stored cells and double-entry passes."""
    lot_number = lot.number
    width = max(1, len(parts))
    rows = [
        Row(aid, cid, number, position or i + 1, [Cell() for _ in range(width)])
        for i, (aid, cid, number, position) in enumerate(
            Anonymat.select(Anonymat.id, Anonymat.candidate, Anonymat.number, Anonymat.position)
            .where(Anonymat.lot == lot.id)
            .order_by(Anonymat.position, Anonymat.number)
            .tuples()
        )
    ]
    if not rows:
        raise ServiceError(f"Le lot {lot_number} ne contient aucune copie.")
    by_candidate = {row.candidate_id: row for row in rows}
    if parts:
        column = {p.code: i for i, p in enumerate(parts)}
        for pid, cid, part_code, value, code, entered_by in (
            GradePart.select(
                GradePart.id,
                GradePart.candidate,
                GradePart.part_code,
                GradePart.value_centi,
                GradePart.code,
                GradePart.entered_by,
            )
            .where(
                GradePart.candidate.in_(list(by_candidate))
                & (GradePart.epreuve_code == lot.epreuve_code)
            )
            .tuples()
        ):
            if part_code in column:
                row = by_candidate[cid]
                row.cells[column[part_code]] = Cell(pid, 0, value, code)
                row.entered_by = entered_by
    else:
        for gid, cid, version, value, code, entered_by in (
            Grade.select(
                Grade.id,
                Grade.candidate,
                Grade.version,
                Grade.value_centi,
                Grade.code,
                Grade.entered_by,
            )
            .where(
                Grade.candidate.in_(list(by_candidate))
                & (Grade.epreuve_code == lot.epreuve_code)
                & (Grade.group == 1)
            )
            .tuples()
        ):
            row = by_candidate[cid]
            row.cells[0] = Cell(gid, version, value, code)
            row.entered_by = entered_by
    if lot.double_entry:
        by_anonymat = {row.anonymat_id: row for row in rows}
        for eid, aid, entry_pass, raw, operator in (
            DoubleEntry.select(
                DoubleEntry.id,
                DoubleEntry.anonymat,
                DoubleEntry.entry_pass,
                DoubleEntry.raw_value,
                DoubleEntry.operator,
            )
            .where(DoubleEntry.lot == lot.id)
            .tuples()
        ):
            if aid in by_anonymat:
                by_anonymat[aid].passes[entry_pass] = (eid, raw, operator)
    return rows
