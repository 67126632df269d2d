"""One grade slip open for entry: rows in slip order, commits, undo, controls, closing.

The anonymity link (which candidate wrote which copy) never leaves the editor: the entry screen
gets :class:`~baktui.rules.slips.SlipRow` values carrying only the position, the anonymity number
and the grade. Grade commits are synchronous and short (one BEGIN IMMEDIATE transaction, 0.3-0.4
ms at the median on SQLite WAL): a grade confirmed with Enter is on disk before the cursor moves,
and type-ahead keys are applied in order. A composite spécialité (ST2S, STHR SP1) is keyed part by
part, in half points.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import peewee as pw

from baktui.data import audit
from baktui.data.db import failure_text, is_disk_full, write_transaction
from baktui.data.models import Lot
from baktui.errors import ConflictError, ServiceError
from baktui.rules.french import plural
from baktui.rules.grades import GradeError, parse_grade
from baktui.rules.lifecycles import LOT, LOT_NOT_STARTED, LotState
from baktui.rules.lots import LotInfo
from baktui.rules.regulation import PRECISION_HALF, SpecialitePart
from baktui.rules.slips import (
    MODE_LABELS,
    CommitResult,
    ControlCheck,
    SlipMode,
    SlipRow,
    canonical,
    format_grade,
    from_canonical,
    parse_control_sum,
    parse_count,
    split_pass,
    to_centi,
)
from baktui.services.grade_slip.passes import BlindEntry
from baktui.services.grade_slip.rows import GradeEntryError, Row, Undo, lot_parts, read_rows
from baktui.services.grade_slip.writes import CellWriter, refuse_locked_grade
from baktui.services.lots import find_lot, lot_info
from baktui.services.sessions import regulation_of

LOCKED = "Note refusée"  # opens the refusal of a grade of a closed or published jury


class SlipEditor(BlindEntry, CellWriter):
    """One grade slip open for entry: rows in slip order, commits, undo, controls, closing.

    Built by :func:`open_slip`. It holds the candidate behind each row privately; everything it
    returns is plain data without it. Use it from one thread (the screen's).

    A row has one cell (the grade) or, for a composite spécialité (ST2S, STHR SP1), one cell per
    part-grade, in half points; ABS, AJ or DI typed in any part applies to the whole copy.
    """

    def __init__(
        self, session_id: int, lot: Lot, rows: list[Row], parts: Sequence[SpecialitePart]
    ) -> None:
        reg = regulation_of(session_id)
        rule = reg.epreuve(lot.epreuve_code)
        self.session_id = session_id
        self.parts = tuple(parts)
        self.precision = PRECISION_HALF if self.parts else rule.precision
        self.max_grade = reg.max_grade
        self.columns: tuple[str, ...] = (
            tuple(p.code for p in self.parts) if self.parts else ("Note",)
        )
        self._lot_id = lot.id
        self._lot_version = lot.version
        self._lot_state = lot.state
        self._rows = rows
        self._undo: list[Undo] = []
        self.info = lot_info(lot.id)
        self.mode = self._compute_mode()
        self._visible = self._visible_rows()

    # -- reading --

    @property
    def lot_number(self) -> int:
        return self.info.number

    @property
    def width(self) -> int:
        """Cells per row."""
        return len(self.columns)

    @property
    def rows(self) -> tuple[SlipRow, ...]:
        """The rows of the current mode (arbitrage: only the disagreements)."""
        return tuple(self.row(i) for i in range(len(self._visible)))

    def row(self, index: int) -> SlipRow:
        k = self._visible[index]
        row = self._rows[k]
        texts = tuple(canonical(v, c) for v, c in self._values(k))
        entered_by = row.entered_by
        if self.mode in (SlipMode.PASS1, SlipMode.PASS2):
            keyed = row.passes.get(2 if self.mode == SlipMode.PASS2 else 1)
            entered_by = keyed[2] if keyed else ""
        elif self.mode == SlipMode.WAIT:
            entered_by = ""
        elif self.info.double_entry and 1 in row.passes and 2 in row.passes:
            entered_by = self._operators(row)
        first = second = ""
        if self.mode == SlipMode.ARBITRAGE:
            first = row.passes.get(1, (0, "", ""))[1].replace(";", " ; ")
            second = row.passes.get(2, (0, "", ""))[1].replace(";", " ; ")
        return SlipRow(index, row.position, row.number, texts, entered_by, first, second)

    @staticmethod
    def _operators(row: Row) -> str:
        """Who keyed a double-entered copy: « 1re/2e passe », and the arbiter of a
        disagreement (the grade's author when the two passes differ)."""
        first, second = row.passes[1][2], row.passes[2][2]
        text = f"{first}/{second}"
        if row.passes[1][1] != row.passes[2][1] and row.entered_by:
            text += f" arb. {row.entered_by}"
        return text

    def __len__(self) -> int:
        return len(self._visible)

    @property
    def read_only(self) -> bool:
        return self.mode in (SlipMode.CLOSED, SlipMode.WAIT)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def first_empty(self) -> int:
        """Index of the first row not fully keyed in this mode (the last row if all are)."""
        for i in range(len(self._visible)):
            if not self.row(i).filled:
                return i
        return max(len(self._visible) - 1, 0)

    def _values(self, k: int) -> list[tuple[int | None, str | None]]:
        """The (value_centi, code) of each cell of row k, as the current mode shows them."""
        row = self._rows[k]
        if self.mode == SlipMode.WAIT:
            return [(None, None)] * self.width
        if self.mode in (SlipMode.PASS1, SlipMode.PASS2):
            keyed = row.passes.get(2 if self.mode == SlipMode.PASS2 else 1)
            texts = split_pass(keyed[1] if keyed else "", self.width)
            return [from_canonical(t) for t in texts]
        return [(c.value, c.code) for c in row.cells]

    def _pass_complete(self, row: Row, entry_pass: int) -> bool:
        keyed = row.passes.get(entry_pass)
        return keyed is not None and all(split_pass(keyed[1], self.width))

    def _compute_mode(self) -> str:
        if self._lot_state == LotState.SAISI:
            return SlipMode.CLOSED
        if not self.info.double_entry:
            return SlipMode.ENTRY
        rows = self._rows
        if not all(self._pass_complete(r, 1) for r in rows):
            return SlipMode.PASS1
        if not all(self._pass_complete(r, 2) for r in rows):
            first_ops = {r.passes[1][2] for r in rows}
            return SlipMode.WAIT if audit.current_user() in first_ops else SlipMode.PASS2
        if any(r.passes[1][1] != r.passes[2][1] and not all(c.text for c in r.cells) for r in rows):
            return SlipMode.ARBITRAGE
        return SlipMode.ENTRY

    def _visible_rows(self) -> list[int]:
        if self.mode == SlipMode.ARBITRAGE:
            return [
                k
                for k, r in enumerate(self._rows)
                if r.passes.get(1, (0, ""))[1] != r.passes.get(2, (0, ""))[1]
            ]
        return list(range(len(self._rows)))

    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]

    def wait_reason(self) -> str:
        ops = sorted({r.passes[1][2] for r in self._rows if 1 in r.passes})
        return (
            "La 1re saisie de ce bordereau a été faite par "
            + ", ".join(ops)
            + " : la 2e saisie doit être faite par un autre opérateur."
        )

    # -- validation (pure, for live feedback) --

    def validate(self, text: str) -> tuple[int | None, str | None]:
        """(value_centi, code) of a typed grade; GradeEntryError with the French reason."""
        try:
            parsed = parse_grade(text, self.precision, self.max_grade)
        except GradeError as exc:
            raise GradeEntryError(str(exc)) from None
        grade = parsed.grade
        if grade is None:
            raise GradeEntryError(
                f"Tapez une note (0 à {format_grade(self.max_grade)}), ABS, AJ ou DI."
            )
        if grade.code is not None:
            return None, grade.code
        assert grade.value is not None
        return to_centi(grade.value), None

    # -- writing --

    def commit(self, index: int, text: str, cell: int = 0) -> CommitResult:
        """Validate and save one cell of row ``index`` durably (one short transaction).

        Raises GradeEntryError (not a grade), ConflictError (someone else changed it: the slip
        is re-read) or ServiceError (slip closed, database busy); nothing is written then.
        """
        if self.mode == SlipMode.CLOSED:
            raise ServiceError(
                f"Bordereau {self.lot_number} clos : rouvrez-le pour corriger une note."
            )
        if self.mode == SlipMode.WAIT:
            raise ServiceError(self.wait_reason())
        if not 0 <= cell < self.width:
            raise ValueError(f"colonne {cell} hors du bordereau")
        value, code = self.validate(text)
        k = self._visible[index]
        # a code (ABS, AJ, DI) is about the copy: every part gets it
        targets = range(self.width) if code is not None else (cell,)
        with self._guard():
            if self.mode in (SlipMode.PASS1, SlipMode.PASS2):
                entry_pass = 1 if self.mode == SlipMode.PASS1 else 2
                return self._commit_pass(index, k, entry_pass, targets, value, code)
            return self._commit_cells(index, k, targets, value, code)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """After a failed write, re-read the slip (the transaction was rolled back)."""
        try:
            yield
        except GradeEntryError:
            raise
        except pw.OperationalError as exc:
            self._reload_all()
            if is_disk_full(exc):
                raise ServiceError(
                    "Disque plein sur le serveur : la note n'est pas enregistrée. Prévenez "
                    "l'administrateur (il faut libérer de la place), puis retapez Entrée."
                ) from exc
            raise ServiceError(
                f"Note non enregistrée : {failure_text(exc)}. Retapez Entrée dans un instant."
            ) from exc
        except Exception:
            self._reload_all()
            raise

    def _commit_cells(
        self, index: int, k: int, targets: Iterable[int], value: int | None, code: str | None
    ) -> CommitResult:
        row = self._rows[k]
        targets = list(targets)
        changes = [t for t in targets if (row.cells[t].value, row.cells[t].code) != (value, code)]
        row_done = targets[-1] == self.width - 1
        if not changes:
            return CommitResult(self.row(index), changed=False, row_done=row_done)
        before = tuple(c.snapshot() for c in row.cells)
        who, now = audit.current_user(), audit.now_iso()
        reason = f"saisie du lot {self.lot_number}"
        with write_transaction():
            refuse_locked_grade(row.candidate_id, LOCKED)
            if self.parts:
                self._write_parts(row, {t: (value, code) for t in changes}, who, now, reason)
            else:
                self._write_grade(row, value, code, who, now, reason)
            self._touch_lot_state()
            if self.mode == SlipMode.ARBITRAGE:
                self._record_pass(row, 3, ";".join(c.text for c in row.cells), who, now)
        self._undo.append(Undo(k, "grade", 1, before))
        if self.mode == SlipMode.ARBITRAGE and self._compute_mode() != SlipMode.ARBITRAGE:
            self._switch_mode()
            return CommitResult(self.row(0), True, mode_changed=True, row_done=True)
        return CommitResult(self.row(index), changed=True, row_done=row_done)

    def _touch_lot_state(self) -> None:
        """First value keyed on the slip: the lot goes to "en saisie" (audited, once)."""
        if self._lot_state not in LOT_NOT_STARTED:
            return
        updated = audit.update(
            Lot, self._lot_id, {"state": LotState.EN_SAISIE}, reason="début de la saisie"
        )
        self._lot_version, self._lot_state = updated.version, updated.state
        self.info = replace(self.info, state=updated.state, version=updated.version)

    def _conflict_text(self, row: Row) -> str:
        return (
            f"Copie {row.number} : la note a été modifiée par un autre poste entre-temps. "
            "Rien n'a été enregistré ; le bordereau est relu, vérifiez puis retapez."
        )

    def _reload_all(self) -> None:
        """Re-read grades, double-entry values and the lot (after a rollback or a conflict)."""
        fresh = open_slip(self.session_id, self.lot_number)
        self._rows = fresh._rows
        self._lot_version, self._lot_state = fresh._lot_version, fresh._lot_state
        self.info = fresh.info
        self._undo.clear()
        self.mode = self._compute_mode()
        self._visible = self._visible_rows()

    def _switch_mode(self) -> None:
        self._undo.clear()
        self.mode = self._compute_mode()
        self._visible = self._visible_rows()
        self.info = lot_info(self._lot_id)

    # -- clearing and undo --

    def clear(self, index: int) -> SlipRow:
        """Remove the grade (or this pass's entry) of a row: the copy is missing again."""
        if self.read_only:
            raise ServiceError(f"Bordereau {self.lot_number} : {self.mode_label()}.")
        k = self._visible[index]
        row = self._rows[k]
        reason = f"effacement, lot {self.lot_number}"
        with self._guard():
            if self.mode in (SlipMode.PASS1, SlipMode.PASS2):
                entry_pass = 1 if self.mode == SlipMode.PASS1 else 2
                current = row.passes.get(entry_pass)
                if current is None:
                    return self.row(index)
                with write_transaction():
                    self._drop_pass(row, entry_pass, reason)
                self._undo.append(Undo(k, "pass", entry_pass, current))
                return self.row(index)
            if not any(c.id for c in row.cells):
                return self.row(index)
            before = tuple(c.snapshot() for c in row.cells)
            who, now = audit.current_user(), audit.now_iso()
            with write_transaction():
                refuse_locked_grade(row.candidate_id, LOCKED)
                if self.parts:
                    empty = {t: (None, None) for t in range(self.width)}
                    self._write_parts(row, empty, who, now, reason)
                else:
                    self._delete_grade(row, reason)
            self._undo.append(Undo(k, "grade", 1, before))
            return self.row(index)

    def undo(self) -> int | None:
        """Undo this operator's last change on the slip; returns the row index to go back to.

        Checked like a commit: if someone else changed the grade since, nothing is undone.
        """
        if not self._undo:
            return None
        if self.read_only:
            raise ServiceError(f"Bordereau {self.lot_number} : {self.mode_label()}.")
        step = self._undo[-1]
        row = self._rows[step.row]
        who, now = audit.current_user(), audit.now_iso()
        reason = f"annulation de la dernière saisie, lot {self.lot_number}"
        with self._guard(), write_transaction():
            if step.kind != "pass":
                refuse_locked_grade(row.candidate_id, LOCKED)
            if step.kind == "pass":
                entry_id, text, _operator = step.before
                if entry_id is None:
                    self._drop_pass(row, step.entry_pass, reason)
                else:
                    self._record_pass(row, step.entry_pass, text, who, now)
            else:
                self._restore(row, step.before, who, now)
        self._undo.pop()
        return self._visible.index(step.row) if step.row in self._visible else None

    # -- controls and closing --

    def controls(self) -> ControlCheck:
        """The control figures typed from the slip against the values of the current mode.

        Copies = copies keyed, absents included (the number of copies on the slip once it is
        complete); absents = copies keyed ABS, AJ or DI; sum = every number keyed (each part of a
        composite copy counts).
        """
        absents = filled = total = 0
        for k in self._visible:
            values = self._values(k)
            if all(v is not None or c is not None for v, c in values):
                filled += 1
            if any(c is not None for _, c in values):
                absents += 1
            total += sum(v for v, _ in values if v is not None)
        copies = filled
        return ControlCheck(
            rows=len(self._visible),
            filled=filled,
            copies=copies,
            absents=absents,
            sum_centi=total,
            expected_copies=self.info.control_copies,
            expected_absents=self.info.control_absents,
            expected_sum_centi=self.info.control_sum_centi,
        )

    def set_controls(self, copies: str, absents: str, total: str) -> ControlCheck:
        """Record the correcteur's three figures (as typed) and check them."""
        try:
            values = {
                "control_copies": parse_count(copies, "Nombre de copies"),
                "control_absents": parse_count(absents, "Nombre d'absents"),
                "control_sum_centi": parse_control_sum(total),
            }
        except ValueError as exc:
            raise GradeEntryError(str(exc)) from None
        if self.mode == SlipMode.CLOSED:
            raise ServiceError(f"Bordereau {self.lot_number} clos.")
        updated = audit.update(
            Lot,
            self._lot_id,
            values,
            expected_version=self._lot_version,
            reason=f"totaux de contrôle du lot {self.lot_number}",
        )
        self._lot_version = updated.version
        self.info = replace(
            self.info,
            control_copies=values["control_copies"],
            control_absents=values["control_absents"],
            control_sum_centi=values["control_sum_centi"],
            version=updated.version,
        )
        return self.controls()

    def double_entry_missing(self) -> str:
        """What the blind double entry still lacks before the slip can be closed ("" if
        nothing): copies of the 1st or 2nd pass not keyed, disagreements not arbitrated."""
        if not self.info.double_entry:
            return ""
        rows = self._rows
        for entry_pass, name in ((1, "1re"), (2, "2e")):
            left = sum(1 for r in rows if not self._pass_complete(r, entry_pass))
            if left:
                return (
                    f"double saisie exigée : {plural(left, 'copie', 'copies')} sur {len(rows)} "
                    f"sans {name} saisie"
                )
        open_ = sum(
            1 for r in rows if r.passes[1][1] != r.passes[2][1] and not all(c.text for c in r.cells)
        )
        if open_:
            return f"double saisie : {plural(open_, 'désaccord', 'désaccords')} à arbitrer"
        return ""

    def close_refusal(self) -> str:
        """Why the slip cannot be closed now, in French ("" when it can)."""
        if self.mode == SlipMode.CLOSED:
            return ""
        problems = []
        if missing := self.double_entry_missing():
            problems.append(missing)
        elif self.mode != SlipMode.ENTRY:
            problems.append(self.mode_label())
        else:
            problems.extend(self.controls().problems())
        refused = LOT.move_error(self._lot_state, LotState.SAISI)
        if refused:
            problems.append(refused)
        if problems:
            return f"Bordereau {self.lot_number} non clos : " + " ; ".join(problems) + "."
        return ""

    def close(self) -> LotInfo:
        """Close the slip as complete: every copy graded and the control totals agree; a slip
        marked for double entry only once both passes are complete and agree (or arbitrated)."""
        if self.mode == SlipMode.CLOSED:
            return self.info
        if refusal := self.close_refusal():
            raise ServiceError(refusal)
        with write_transaction():
            # the totals were checked against this screen's values: the base must hold the same
            # (another post's or an import's grade since the slip was opened refuses the close)
            changed = self._changed_in_base()
            if changed:
                raise ConflictError(
                    f"Bordereau {self.lot_number} non clos : {plural(changed, 'note changée', 'notes changées')} dans la "
                    "base depuis l'ouverture (autre poste ou import) ; rouvrez le lot (Ctrl+O) "
                    "pour les voir et revérifiez les totaux."
                )
            updated = audit.update(
                Lot,
                self._lot_id,
                {
                    "state": LotState.SAISI,
                    "closed_at": audit.now_iso(),
                    "closed_by": audit.current_user(),
                },
                expected_version=self._lot_version,
                reason=f"bordereau {self.lot_number} clos, totaux concordants",
            )
        self._after_lot_change(updated)
        return self.info

    def _changed_in_base(self) -> int:
        """How many copies the base holds with other values than this editor shows."""
        stored = read_rows(Lot.get_by_id(self._lot_id), self.parts)
        mine = {row.anonymat_id: [(c.value, c.code) for c in row.cells] for row in self._rows}
        return sum(
            1
            for row in stored
            if mine.get(row.anonymat_id) != [(c.value, c.code) for c in row.cells]
        )

    def reopen(self, reason: str) -> LotInfo:
        """Reopen a closed slip for a correction; the reason is required and audited."""
        if self.mode != SlipMode.CLOSED:
            return self.info
        reason = " ".join((reason or "").split())
        if not reason:
            raise ServiceError(
                f"Bordereau {self.lot_number} non rouvert : le motif de la réouverture est "
                "obligatoire."
            )
        with write_transaction():
            updated = audit.update(
                Lot,
                self._lot_id,
                {"state": LotState.EN_SAISIE, "closed_at": None, "closed_by": None},
                expected_version=self._lot_version,
                reason=f"réouverture du bordereau {self.lot_number} : {reason}",
            )
        self._after_lot_change(updated)
        return self.info

    def _after_lot_change(self, updated: Lot) -> None:
        self._lot_version, self._lot_state = updated.version, updated.state
        self._switch_mode()


def open_slip(session_id: int, lot_number: int) -> SlipEditor:
    """Load a lot's slip for entry (a few hundred rows at most: one lot, never the session)."""
    lot = find_lot(session_id, lot_number)
    parts = lot_parts(session_id, lot)
    return SlipEditor(session_id, lot, read_rows(lot, parts), parts)
