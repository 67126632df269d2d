"""Blind double entry of a slip: two passes by two logins, then a third look at disagreements.

Pass 1 and pass 2 are keyed into ``DoubleEntry`` rows, neither operator seeing the other's; when
pass 2 is complete the grades both passes agree on are written in the same transaction and only
the disagreements are left for arbitrage.
"""

from __future__ import annotations

from collections.abc import Iterable

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import DoubleEntry
from baktui.errors import ServiceError
from baktui.rules.slips import (
    GRADE_CODES,
    CommitResult,
    SlipRow,
    canonical,
    from_canonical,
    split_pass,
)
from baktui.services.grade_slip.rows import Row, Undo
from baktui.services.jury_locks import FIRST_GROUP, refuse_locked


class BlindEntry:
    """Mixin of :class:`~baktui.services.grade_slip.editor.SlipEditor`: the two passes."""

    def _record_pass(self, row: Row, entry_pass: int, text: str, who: str, now: str) -> None:
        current = row.passes.get(entry_pass)
        if current is None:
            entry_id = DoubleEntry.insert(
                lot=self._lot_id,
                anonymat=row.anonymat_id,
                entry_pass=entry_pass,
                raw_value=text,
                operator=who,
                entered_at=now,
            ).execute()
            action, before = "create", None
        else:
            entry_id, before = current[0], current[1]
            DoubleEntry.update(raw_value=text, operator=who, entered_at=now).where(
                DoubleEntry.id == entry_id
            ).execute()
            action = "update"
        audit.log(
            action,
            "double_entry",
            entry_id,
            f"passe {entry_pass}",
            before,
            text,
            reason=f"double saisie du lot {self.lot_number}",
            candidate_id=row.candidate_id,
        )
        row.passes[entry_pass] = (entry_id, text, who)

    def _drop_pass(self, row: Row, entry_pass: int, reason: str) -> None:
        current = row.passes.pop(entry_pass, None)
        if current is None:
            return
        DoubleEntry.delete().where(DoubleEntry.id == current[0]).execute()
        audit.log(
            "delete", "double_entry", current[0], f"passe {entry_pass}", current[1], None,
            reason=reason, candidate_id=row.candidate_id,
        )  # fmt: skip

    def _commit_pass(
        self,
        index: int,
        k: int,
        entry_pass: int,
        targets: Iterable[int],
        value: int | None,
        code: str | None,
    ) -> CommitResult:
        row = self._rows[k]
        targets = list(targets)
        row_done = targets[-1] == self.width - 1
        current = row.passes.get(entry_pass)
        cells = split_pass(current[1] if current else "", self.width)
        for t in targets:
            cells[t] = canonical(value, code)
        if code is None:  # a number in a part of a copy keyed absent replaces the code
            cells = [
                "" if c in GRADE_CODES and i not in targets else c for i, c in enumerate(cells)
            ]
        text = ";".join(cells)
        if current is not None and current[1] == text:
            return CommitResult(self.row(index), changed=False, row_done=row_done)
        who, now = audit.current_user(), audit.now_iso()
        if entry_pass == 2 and who in {r.passes[1][2] for r in self._rows if 1 in r.passes}:
            raise ServiceError(self.wait_reason())
        completes = False
        with write_transaction():
            self._record_pass(row, entry_pass, text, who, now)
            self._touch_lot_state()
            if entry_pass == 2 and all(self._pass_complete(r, 2) for r in self._rows):
                self._reconcile(who, now)
                completes = True
        if completes:
            self._switch_mode()
            first = self.row(0) if self._visible else SlipRow(0, 0, "", ("",) * self.width)
            return CommitResult(first, True, mode_changed=True, row_done=True)
        self._undo.append(Undo(k, "pass", entry_pass, current or (None, "", "")))
        if entry_pass == 1 and all(self._pass_complete(r, 1) for r in self._rows):
            # pass 1 complete: this operator now waits for someone else's pass 2
            self._switch_mode()
            return CommitResult(self.row(index), True, mode_changed=True, row_done=True)
        return CommitResult(self.row(index), changed=True, row_done=row_done)

    def _reconcile(self, who: str, now: str) -> None:
        """Pass 2 complete: write every grade both passes agree on (same transaction)."""
        refuse_locked(
            [r.candidate_id for r in self._rows if r.passes[1][1] == r.passes[2][1]],
            FIRST_GROUP,
            "Double saisie refusée",
        )
        for row in self._rows:
            first, second = row.passes[1], row.passes[2]
            if first[1] != second[1]:
                continue
            wanted = [from_canonical(t) for t in split_pass(first[1], self.width)]
            if [(c.value, c.code) for c in row.cells] == wanted:
                continue
            reason = f"double saisie concordante du lot {self.lot_number} ({first[2]}, {second[2]})"
            if self.parts:
                self._write_parts(row, dict(enumerate(wanted)), who, now, reason)
            else:
                self._write_grade(row, *wanted[0], who, now, reason)
