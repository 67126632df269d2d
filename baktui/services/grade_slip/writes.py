"""How an open slip writes grades: the hot path of Enter, and part-grades of composite copies.

The grade commit runs on every Enter: one UPDATE (version-checked) or INSERT through statements
prepared once (:class:`baktui.data.sql.Prepared`) and its audit entry, in the editor's short
BEGIN IMMEDIATE transaction. Part-grades are written only if unchanged since read (their rows carry
no version). Any other writer changing the same grade in between is a ConflictError: nothing is
overwritten silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import peewee as pw

from baktui.data import audit, counters, sql
from baktui.data.db import current_database, is_sqlite
from baktui.data.models import Candidate, Grade, GradePart, Jury
from baktui.errors import ConflictError
from baktui.rules.lots import LotInfo
from baktui.rules.regulation import SpecialitePart
from baktui.rules.slips import canonical
from baktui.services.grade_slip.rows import Cell, Row
from baktui.services.jury_locks import FIRST_GROUP, refuse_locked

_GRADE_FIELDS = ("value_centi", "code", "entered_by", "entered_at")


def grade_update() -> sql.Prepared:
    def build(m: Mapping[str, Any]) -> pw.Query:
        return Grade.update(
            {
                Grade.value_centi: m["value_centi"],
                Grade.code: m["code"],
                Grade.source: "saisie",
                Grade.entered_by: m["entered_by"],
                Grade.entered_at: m["entered_at"],
                Grade.version: Grade.version + 1,
            }
        ).where((Grade.id == m["id"]) & (Grade.version == m["version"]))

    return sql.Prepared.get("grade-update", build, (*_GRADE_FIELDS, "id", "version"))


def grade_insert() -> sql.Prepared:
    def build(m: Mapping[str, Any]) -> pw.Query:
        return Grade.insert(
            {
                Grade.candidate: m["candidate"],
                Grade.epreuve_code: m["epreuve_code"],
                Grade.group: 1,
                Grade.value_centi: m["value_centi"],
                Grade.code: m["code"],
                Grade.source: "saisie",
                Grade.entered_by: m["entered_by"],
                Grade.entered_at: m["entered_at"],
            }
        )

    return sql.Prepared.get("grade-insert", build, (*_GRADE_FIELDS, "candidate", "epreuve_code"))


def lock_query() -> sql.Prepared:
    """The candidate's jury, when it is closed or published (the hot path's lock check)."""

    def build(m: Mapping[str, Any]) -> pw.Query:
        return (
            Candidate.select(Jury.closed_group, Jury.published_group)
            .join(Jury, on=Candidate.jury == Jury.id)
            .where(
                (Candidate.id == m["candidate"])
                & ((Jury.closed_group > 0) | (Jury.published_group > 0))
            )
        )

    return sql.Prepared.get("grade-lock", build, ("candidate",))


def refuse_locked_grade(candidate_id: int, refused: str) -> None:
    """``refuse_locked`` of one first-group grade, through a statement prepared once (one
    indexed lookup per Enter); the refusal itself is worded by :mod:`..jury_locks`."""
    if lock_query().run(candidate=candidate_id).fetchone() is not None:
        refuse_locked((candidate_id,), FIRST_GROUP, refused)


class CellWriter:
    """Mixin of :class:`~baktui.services.grade_slip.editor.SlipEditor`: writing its cells."""

    info: LotInfo
    parts: tuple[SpecialitePart, ...]
    lot_number: int

    def _write_grade(
        self, row: Row, value: int | None, code: str | None, who: str, now: str, reason: str
    ) -> None:
        """The hot path: one UPDATE (version-checked) or INSERT, and its audit entry.

        Runs prepared statements (:class:`baktui.data.sql.Prepared`); call inside
        ``write_transaction``.
        """
        with counters.tracking((row.candidate_id,)):  # the home and F4 counts, same transaction
            grade_id, action, version = self._write_grade_row(row, value, code, who, now)
        cell = row.cells[0]
        audit.log(
            action,
            "grade",
            grade_id,
            "note",
            cell.text or None,
            canonical(value, code),
            reason=reason,
            candidate_id=row.candidate_id,
            at=now,
        )
        cell.id, cell.version, cell.value, cell.code = grade_id, version, value, code
        row.entered_by = who

    def _write_grade_row(
        self, row: Row, value: int | None, code: str | None, who: str, now: str
    ) -> tuple[int, str, int]:
        """The grade's UPDATE (version-checked) or INSERT: (id, audit action, new version)."""
        db = current_database()
        cell = row.cells[0]
        values = {"value_centi": value, "code": code, "entered_by": who, "entered_at": now}
        if cell.id is None:
            try:
                if is_sqlite(db):
                    cursor = grade_insert().run(
                        candidate=row.candidate_id, epreuve_code=self.info.epreuve_code, **values
                    )
                    grade_id = int(cursor.lastrowid)
                else:
                    grade_id = Grade.insert(
                        candidate=row.candidate_id,
                        epreuve_code=self.info.epreuve_code,
                        group=1,
                        source="saisie",
                        **values,
                    ).execute()
            except pw.IntegrityError:
                raise ConflictError(self._conflict_text(row)) from None
            action, version = "create", 1
        else:
            cursor = grade_update().run(id=cell.id, version=cell.version, **values)
            if cursor.rowcount != 1:
                raise ConflictError(self._conflict_text(row))
            grade_id, action, version = cell.id, "update", cell.version + 1
        return grade_id, action, version

    def _write_parts(
        self,
        row: Row,
        updates: dict[int, tuple[int | None, str | None]],
        who: str,
        now: str,
        reason: str,
    ) -> None:
        """Write part-grades (insert, or update only if unchanged since read), audited."""
        with counters.tracking((row.candidate_id,)):  # the home and F4 counts
            self._write_part_rows(row, updates, who, now, reason)

    def _write_part_rows(
        self,
        row: Row,
        updates: dict[int, tuple[int | None, str | None]],
        who: str,
        now: str,
        reason: str,
    ) -> None:
        for t, (value, code) in updates.items():
            cell, part = row.cells[t], self.parts[t]
            before = cell.text or None
            if value is None and code is None:
                if cell.id is None:
                    continue
                deleted = (
                    GradePart.delete()
                    .where((GradePart.id == cell.id) & self._part_unchanged(cell))
                    .execute()
                )
                if deleted != 1:
                    raise ConflictError(self._conflict_text(row))
                audit.log(
                    "delete", "grade_part", cell.id, part.code, before, None,
                    reason=reason, candidate_id=row.candidate_id,
                )  # fmt: skip
                cell.id, cell.value, cell.code = None, None, None
                continue
            fields = {"value_centi": value, "code": code, "entered_by": who, "entered_at": now}
            if cell.id is None:
                try:
                    part_id = GradePart.insert(
                        candidate=row.candidate_id,
                        epreuve_code=self.info.epreuve_code,
                        part_code=part.code,
                        **fields,
                    ).execute()
                except pw.IntegrityError:
                    raise ConflictError(self._conflict_text(row)) from None
                action = "create"
            else:
                updated = (
                    GradePart.update(**fields)
                    .where((GradePart.id == cell.id) & self._part_unchanged(cell))
                    .execute()
                )
                if updated != 1:
                    raise ConflictError(self._conflict_text(row))
                part_id, action = cell.id, "update"
            audit.log(
                action, "grade_part", part_id, part.code, before, canonical(value, code),
                reason=reason, candidate_id=row.candidate_id,
            )  # fmt: skip
            cell.id, cell.value, cell.code = part_id, value, code
        row.entered_by = who

    @staticmethod
    def _part_unchanged(cell: Cell) -> pw.Expression:
        value = GradePart.value_centi
        code = GradePart.code
        return (value.is_null() if cell.value is None else value == cell.value) & (
            code.is_null() if cell.code is None else code == cell.code
        )

    def _delete_grade(self, row: Row, reason: str) -> None:
        cell = row.cells[0]
        if cell.id is None:
            return
        with counters.tracking((row.candidate_id,)):  # the home and F4 counts
            deleted = (
                Grade.delete()
                .where((Grade.id == cell.id) & (Grade.version == cell.version))
                .execute()
            )
        if deleted != 1:
            raise ConflictError(self._conflict_text(row))
        audit.log(
            "delete", "grade", cell.id, "note", cell.text, None,
            reason=reason, candidate_id=row.candidate_id,
        )  # fmt: skip
        row.cells[0] = Cell()

    def _restore(self, row: Row, snapshot: Sequence[tuple[Any, ...]], who: str, now: str) -> None:
        """Put the row's cells back as they were (undo)."""
        reason = f"annulation de la dernière saisie, lot {self.lot_number}"
        if self.parts:
            updates = {
                t: (snap[2], snap[3])
                for t, snap in enumerate(snapshot)
                if (row.cells[t].value, row.cells[t].code) != (snap[2], snap[3])
            }
            self._write_parts(row, updates, who, now, reason)
            return
        _id, _version, value, code = snapshot[0]
        if value is None and code is None:
            self._delete_grade(row, reason)
        else:
            self._write_grade(row, value, code, who, now, reason)
