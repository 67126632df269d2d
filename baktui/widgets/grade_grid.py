"""The grade slip grid: one line per copy, typed into at full keyboard speed.

The grid keeps the focus for the whole F4 flow and routes every key itself, in ``on_key``, in the
order the keys arrive: to the lot number being typed, to the cursor cell of the slip, or to the
control totals (:class:`~baktui.widgets.control_fields.ControlFields`). Textual hands each key to
the widget focused *when the app dispatches it*, and bindings run only after a key has bubbled up
to the app: over SSH several keys often arrive in one packet, so a focus change or a binding in
the middle of "24⏎12⏎8⏎" would let the next keys land in the wrong place. Keys typed while a slip
is loading, or while a write on the slip runs in a worker (closing, reopening, double entry), are
kept and replayed in order once it is shown.

The BINDINGS below define which key does what (remappable by id, listed by F1); ``on_key`` looks
the key up in them and runs the action at once. The grid holds plain
:class:`~baktui.rules.slips.SlipRow` values and asks its :class:`GridDelegate` (the screen)
to open, commit, clear and undo; the delegate raises
:class:`~baktui.data.ServiceError` with a French message when it refuses, and the typed value
then stays in the cell, marked, with the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Key
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from baktui.errors import ServiceError
from baktui.rules.slips import CommitResult, SlipRow
from baktui.widgets.control_fields import ControlFields

MAX_TYPED = 8  # "12,5" or "ABS"; longer is garbage anyway
PART_LOT = "lot"
PART_ROWS = "rows"
PART_CONTROLS = "controls"

POS_WIDTH = 5
ANON_WIDTH = 10
CELL_WIDTH = 8
PASS_WIDTH = 13


class GridDelegate(Protocol):
    """What the grid asks of its screen (which calls the services)."""

    def grid_open_lot(self, number: int) -> None:
        """Start loading a slip; the screen then calls ``load`` or ``load_failed``."""

    def grid_commit(self, index: int, cell: int, text: str) -> CommitResult: ...

    def grid_clear(self, index: int) -> SlipRow: ...

    def grid_undo(self) -> int | None: ...


class GradeGrid(ScrollView, can_focus=True):
    """Anonymity numbers and their grades; the cursor cell takes what is typed."""

    HELP: ClassVar[str | None] = """\
**Ouvrir un bordereau** : tapez le numéro du lot puis **Entrée** (**Ctrl+O** pour en ouvrir un
autre). Vous pouvez enchaîner aussitôt les notes : elles attendent que le bordereau s'affiche.

**Saisie** : la note puis **Entrée** : « 12⏎ », « 8,5⏎ », « ABS⏎ ». Elle est enregistrée aussitôt
et le curseur passe à la copie suivante. Une valeur refusée reste dans la case, en rouge, avec la
raison ; rien n'est enregistré. **↑ ↓ PgPrec PgSuiv Début Fin** déplacent le curseur (une frappe
non validée est abandonnée) ; **Entrée** sur une case vide passe à la copie suivante ;
**Retour arrière** efface un caractère, **Suppr** la note enregistrée, **Ctrl+Z** annule votre
dernière saisie. Spécialité en plusieurs parties : **← →** changent de partie ; ABS, AJ ou DI
valent pour toute la copie.

**Totaux** (**Ctrl+K** ou **Tab**) : copies (absents compris), absents, somme des notes ; **Tab**
ou **Entrée** passe au champ suivant, **Entrée** sur la somme les enregistre, **Échap** revient
aux notes.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "commit", "Valider", show=False, id="grades.commit"),
        Binding("ctrl+o", "open_lot", "Lot", id="grades.open"),
        Binding("ctrl+k", "controls", "Totaux", id="grades.controls"),
        Binding(
            "ctrl+z", "undo", "Annuler", id="grades.undo", tooltip="Annule votre dernière saisie"
        ),
        Binding("delete", "clear", "Effacer la note", show=False, id="grades.clear"),
        Binding("backspace", "erase", "Effacer un caractère", show=False, id="grades.erase"),
        Binding("tab", "field(1)", "Totaux / champ suivant", show=False, id="grades.next_field"),
        Binding("shift+tab", "field(-1)", "Champ précédent", show=False, id="grades.prev_field"),
        Binding("escape", "cancel", "Abandonner la frappe", show=False, id="grades.cancel"),
        Binding("down", "move(1)", "Copie suivante", show=False, id="grades.down"),
        Binding("up", "move(-1)", "Copie précédente", show=False, id="grades.up"),
        Binding("pagedown", "page(1)", "Page suivante", show=False, id="grades.page_down"),
        Binding("pageup", "page(-1)", "Page précédente", show=False, id="grades.page_up"),
        Binding("home", "edge(0)", "Première copie", show=False, id="grades.first"),
        Binding("end", "edge(1)", "Dernière copie", show=False, id="grades.last"),
        Binding("right", "cell(1)", "Partie suivante", show=False, id="grades.next_part"),
        Binding("left", "cell(-1)", "Partie précédente", show=False, id="grades.previous_part"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "grade-grid--cursor",
        "grade-grid--edit",
        "grade-grid--error",
        "grade-grid--muted",
    }

    DEFAULT_CSS = """
    GradeGrid {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    GradeGrid > .grade-grid--cursor { background: $boost; text-style: bold; }
    GradeGrid:focus > .grade-grid--cursor { background: $accent 30%; }
    GradeGrid > .grade-grid--edit { background: $accent; color: $text; text-style: bold; }
    GradeGrid > .grade-grid--error { background: $error; color: $text; text-style: bold; }
    GradeGrid > .grade-grid--muted { color: $text-muted; }
    """

    class Committed(Message):
        """A value was saved (or was already there) and the cursor moved on."""

        def __init__(self, result: CommitResult, index: int) -> None:
            super().__init__()
            self.result = result
            self.index = index

    class Refused(Message):
        """A typed value was refused; nothing was saved."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class LotTyped(Message):
        """The lot number being typed (``typing`` False once the slip is asked for)."""

        def __init__(self, text: str, typing: bool) -> None:
            super().__init__()
            self.text = text
            self.typing = typing

    class Moved(Message):
        """The cursor is on another copy (rows changed by clear or undo included)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.delegate: GridDelegate | None = None
        self._rows: list[SlipRow] = []
        self._columns: tuple[str, ...] = ("Note",)
        self._arbitrage = False
        self._read_only = False
        self.cursor_row = 0
        self.cursor_cell = 0
        self._typed = ""
        self._error = False
        # where typed keys go: the lot number, the slip's rows, or the control totals
        self.part = PART_LOT
        self._lot = ""
        self._loading = False
        self._pending: list[Key] = []
        self._consumed = False
        self.controls: ControlFields | None = None

    # --- content --------------------------------------------------------------------------

    def load(
        self,
        rows: Sequence[SlipRow],
        columns: Sequence[str],
        *,
        arbitrage: bool = False,
        read_only: bool = False,
        cursor: int = 0,
    ) -> None:
        """Show a slip (a few hundred rows at most) with the cursor on row ``cursor``."""
        self._rows = list(rows)
        self._columns = tuple(columns)
        self._arbitrage = arbitrage
        self._read_only = read_only
        self._typed, self._error = "", False
        self.cursor_cell = 0
        self.virtual_size = Size(self._line_width(), len(self._rows))
        self.cursor_row = max(0, min(cursor, len(self._rows) - 1))
        self._scroll_to_cursor()
        self.refresh()
        self.part, self._lot, self._loading = PART_ROWS, "", False
        self._set_controls_active(False)
        self._replay()

    def hold(self) -> None:
        """Keep the keys typed from now on (a write on the slip runs in a worker): they are
        replayed in order by :meth:`load` or :meth:`release`."""
        self._loading = True

    def release(self) -> None:
        """The held write was refused: the slip stays as it was, the kept keys now apply."""
        self._loading = False
        self._replay()

    def _replay(self) -> None:
        pending, self._pending = self._pending, []
        for index, event in enumerate(pending):  # typed while loading or written: in order
            self._consumed = False
            self._route(event)
            if not self._consumed:  # a screen or app key (Ctrl+S…): back to the app, and every
                # key after it too, in order, before the keys typed since (they may be for what
                # it opens: its « o », a name typed into the examiner picker)
                later = [Key(e.key, e.character) for e in pending[index:]]
                order = getattr(self.app, "key_order", None)
                if order is not None:
                    order.give_back(later)
                else:
                    for event in later:
                        self.app.post_message(event)
                return

    def request_lot(self, number: int) -> None:
        """Open a slip as if its number were typed (from the list of lots): the keys typed
        meanwhile wait in the grid until it is shown."""
        if self.delegate is None:
            return
        self._loading = True
        self.post_message(self.LotTyped(str(number), False))
        self.delegate.grid_open_lot(number)

    def load_failed(self) -> None:
        """The lot asked for could not be opened: back to typing a lot number."""
        self._loading, self._pending = False, []
        self.part, self._lot = PART_LOT, ""
        self.post_message(self.LotTyped("", True))

    def replace_rows(self, rows: Sequence[SlipRow]) -> None:
        """New values for the same rows (after an undo or a reload), cursor kept."""
        self._rows = list(rows)
        self.virtual_size = Size(self._line_width(), len(self._rows))
        self.cursor_row = max(0, min(self.cursor_row, len(self._rows) - 1))
        self.refresh()

    @property
    def rows(self) -> tuple[SlipRow, ...]:
        return tuple(self._rows)

    @property
    def typed(self) -> str:
        """What is typed in the cursor cell and not saved yet."""
        return self._typed

    def header(self) -> str:
        """Column titles, aligned with the lines (the screen shows them above the grid)."""
        return self.header_for(self._columns, arbitrage=self._arbitrage)

    @staticmethod
    def header_for(columns: Sequence[str], *, arbitrage: bool = False) -> str:
        parts = [f"{'N°':>{POS_WIDTH}}", f"  {'Anonymat':<{ANON_WIDTH}}"]
        if arbitrage:
            parts += [f"{'1re saisie':>{PASS_WIDTH}}", f"{'2e saisie':>{PASS_WIDTH}}"]
        parts += [f"{title[: CELL_WIDTH - 1]:>{CELL_WIDTH}}" for title in columns]
        parts.append("  Saisi par")
        return "".join(parts)

    def _line_width(self) -> int:
        cells = len(self._columns) * CELL_WIDTH + (2 * PASS_WIDTH if self._arbitrage else 0)
        return POS_WIDTH + 2 + ANON_WIDTH + cells + 2 + 16

    # --- rendering ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        on_cursor = index == self.cursor_row
        line = self.get_component_rich_style("grade-grid--cursor") if on_cursor else Style()
        muted = self.get_component_rich_style("grade-grid--muted")
        segments = [
            Segment(f"{row.position:>{POS_WIDTH}}", base + line + muted),
            Segment(f"  {row.anonymat:<{ANON_WIDTH}}", base + line),
        ]
        if self._arbitrage:
            segments.append(Segment(f"{row.first:>{PASS_WIDTH}}", base + line))
            segments.append(Segment(f"{row.second:>{PASS_WIDTH}}", base + line))
        for cell, text in enumerate(row.cells):
            if on_cursor and cell == self.cursor_cell and (self._typed or self._error):
                kind = "grade-grid--error" if self._error else "grade-grid--edit"
                style = base + self.get_component_rich_style(kind)
                shown = (self._typed + ("" if self._error else "▏"))[-(CELL_WIDTH - 1) :]
                segments.append(Segment(f" {shown:>{CELL_WIDTH - 1}}", style))
            elif (
                on_cursor
                and cell == self.cursor_cell
                and not self._read_only
                and self.part == PART_ROWS
            ):
                style = base + self.get_component_rich_style("grade-grid--edit")
                segments.append(Segment(f" {text or '·':>{CELL_WIDTH - 1}}", style))
            else:
                segments.append(Segment(f"{text or '·':>{CELL_WIDTH}}", base + line))
        segments.append(Segment(f"  {row.entered_by}", base + line + muted))
        strip = Strip(segments)
        return strip.crop_extend(scroll_x, scroll_x + width, base + line)

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(index)

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)

    # --- keys -----------------------------------------------------------------------------

    def on_key(self, event: Key) -> None:
        """Every key of the F4 flow, handled now and in order (see the module docstring)."""
        if self._loading:
            if event.key not in ("escape",) and not event.key.startswith("f"):
                self._handled(event)
                self._pending.append(event)  # replayed once the slip is shown
            return
        order = getattr(self.app, "key_order", None)
        if order is not None and order.behind_given_back(event):
            self._handled(event)  # typed after keys given back to the app: after them
            return
        self._route(event)

    def _route(self, event: Key) -> None:
        action, arg = self._action_of(event.key)
        if self.part == PART_LOT:
            self._lot_key(event, action)
        elif self.part == PART_CONTROLS:
            self._controls_key(event, action, arg)
        else:
            self._rows_key(event, action, arg)

    def _action_of(self, key: str) -> tuple[str, int]:
        for binding in self._bindings.key_to_bindings.get(key, ()):
            name, _, arg = binding.action.partition("(")
            return name, int(arg.rstrip(")")) if arg else 0
        return "", 0

    def _lot_key(self, event: Key, action: str) -> None:
        if action == "commit":
            self._handled(event)
            if self._lot:
                self.request_lot(int(self._lot))
            return
        if action == "erase":
            self._handled(event)
            self._lot = self._lot[:-1]
        elif action == "cancel" and self._rows:
            self._handled(event)
            self.part, self._lot = PART_ROWS, ""
            self.post_message(self.LotTyped("", False))
            return
        elif event.character and event.character.isdigit() and event.is_printable:
            self._handled(event)
            if len(self._lot) < 6:
                self._lot += event.character
        else:
            return
        self.post_message(self.LotTyped(self._lot, True))

    def _controls_key(self, event: Key, action: str, arg: int) -> None:
        controls = self.controls
        assert controls is not None
        if action == "field":
            self._handled(event)
            if not controls.move(arg):
                self._set_controls_active(False)
        elif action == "commit":
            self._handled(event)
            if controls.next_or_submit():
                self._set_controls_active(False)
        elif action == "erase":
            self._handled(event)
            controls.erase()
        elif action in ("cancel", "controls"):
            self._handled(event)
            self._set_controls_active(False)
        elif action == "open_lot":
            self._handled(event)
            self._set_controls_active(False)
            self.action_open_lot()
        elif event.is_printable and event.character and controls.type(event.character):
            self._handled(event)

    def _rows_key(self, event: Key, action: str, arg: int) -> None:
        if action in ("commit", "undo", "clear", "erase", "open_lot", "controls", "cancel"):
            if action == "cancel" and not (self._typed or self._error):
                return  # Escape with nothing typed: the screen's "back"
            self._handled(event)
            getattr(self, f"action_{action}")()
            return
        if action == "field":
            self._handled(event)
            if arg > 0:
                self.action_controls()
            return
        if action in ("move", "page", "edge", "cell"):
            self._handled(event)
            getattr(self, f"action_{action}")(arg)
            return
        if event.is_printable and event.character and not event.character.isspace():
            self._handled(event)
            self._type(event.character)

    def _set_controls_active(self, active: bool) -> None:
        if self.controls is None:
            return
        self.part = PART_CONTROLS if active else PART_ROWS
        self.controls.set_active(active)
        self._refresh_row(self.cursor_row)

    def action_open_lot(self) -> None:
        """Ctrl+O: type another lot number (the slip shown stays until the new one is open)."""
        self._typed, self._error = "", False
        self.part, self._lot = PART_LOT, ""
        self._refresh_row(self.cursor_row)
        self.post_message(self.LotTyped("", True))

    def action_controls(self) -> None:
        """Ctrl+K: the control totals of the slip."""
        if self._rows and self.controls is not None and not self._read_only:
            self._typed, self._error = "", False
            self._set_controls_active(True)

    def action_cancel(self) -> None:
        self._set_typed("")

    def _handled(self, event: Key) -> None:
        self._consumed = True
        event.stop()
        event.prevent_default()

    def _type(self, character: str) -> None:
        if self._read_only or not self._rows:
            return
        typed = "" if self._error else self._typed  # typing after a refusal starts afresh
        if len(typed) < MAX_TYPED:
            typed += character
        self._set_typed(typed)

    def _set_typed(self, typed: str, *, error: bool = False) -> None:
        self._typed, self._error = typed, error
        self._refresh_row(self.cursor_row)

    def action_erase(self) -> None:
        """Backspace: remove the last typed character."""
        self._set_typed(self._typed[:-1])

    def action_commit(self) -> None:
        """Enter: save the typed value, then go on; an empty cell is skipped."""
        if not self._rows:
            return
        index, cell = self.cursor_row, self.cursor_cell
        if not self._typed:
            self._go(index + 1 if cell == len(self._columns) - 1 else index, cell + 1)
            return
        if self.delegate is None or self._read_only:
            return
        try:
            result = self.delegate.grid_commit(index, cell, self._typed)
        except ServiceError as exc:
            self._set_typed(self._typed, error=True)
            self.post_message(self.Refused(str(exc)))
            return
        if result.mode_changed:
            # the slip changes shape (next pass, arbitrage…): hold the keys until it is reloaded
            self._typed, self._error = "", False
            self._loading = True
            self.post_message(self.Committed(result, index))
            return
        self._rows[index] = result.row
        self._typed, self._error = "", False
        if result.row_done:
            self._go(index + 1, 0)
        else:
            self._go(index, cell + 1)
        self.post_message(self.Committed(result, index))

    def action_clear(self) -> None:
        """Delete: remove the saved grade of the cursor copy (audited; Ctrl+Z brings it back)."""
        if not self._rows or self.delegate is None or self._read_only:
            return
        if self._typed or self._error:
            self._set_typed("")
            return
        try:
            self._rows[self.cursor_row] = self.delegate.grid_clear(self.cursor_row)
        except ServiceError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self._refresh_row(self.cursor_row)
        self.post_message(self.Moved(self.cursor_row))

    def action_undo(self) -> None:
        """Ctrl+Z: undo this operator's last change on the slip; the cursor goes back to it."""
        if self.delegate is None:
            return
        try:
            index = self.delegate.grid_undo()
        except ServiceError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        if index is None:
            self.post_message(self.Refused("Rien à annuler sur ce bordereau."))
            return
        self._typed, self._error = "", False
        self.refresh()
        self._go(index, 0)
        self.post_message(self.Moved(index))

    def action_move(self, delta: int) -> None:
        self._go(self.cursor_row + delta, self.cursor_cell)
        self.post_message(self.Moved(self.cursor_row))

    def action_page(self, direction: int) -> None:
        step = max(1, self.scrollable_content_region.height - 1)
        self._go(self.cursor_row + direction * step, self.cursor_cell)
        self.post_message(self.Moved(self.cursor_row))

    def action_edge(self, end: int) -> None:
        self._go(len(self._rows) - 1 if end else 0, 0)
        self.post_message(self.Moved(self.cursor_row))

    def action_cell(self, delta: int) -> None:
        self._go(self.cursor_row, self.cursor_cell + delta)

    def _go(self, row: int, cell: int) -> None:
        """Put the cursor on (row, cell), clamped; what was typed and not saved is dropped."""
        if not self._rows:
            return
        width = len(self._columns)
        if cell >= width:
            row, cell = row + 1, 0
        elif cell < 0:
            cell = 0
        if row >= len(self._rows):  # stay on the last copy
            row, cell = len(self._rows) - 1, self.cursor_cell if row > len(self._rows) else cell
        row = max(0, row)
        previous = self.cursor_row
        self._typed, self._error = "", False
        self.cursor_row, self.cursor_cell = row, min(cell, width - 1)
        self._refresh_row(previous)
        self._refresh_row(row)
        self._scroll_to_cursor()
