"""A grade slip as the entry screen sees it: rows, control figures, the French text of grades.

Pure values and functions: the editor (:mod:`baktui.services.grade_slip`) keeps the candidate
behind each row to itself and hands out :class:`SlipRow` values that carry only the position,
the anonymity number and the grade; the control figures typed from the paper slip are checked by
:class:`ControlCheck`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from baktui.rules.french import plural
from baktui.rules.grades import GRADE_CODES, format_grade, to_centi


class SlipMode(StrEnum):
    """What the editor of a slip is doing (derived from the lot and its entries, never stored)."""

    ENTRY = "saisie"  # single entry: grades are written at once
    PASS1 = "passe1"  # blind double entry, first pass
    PASS2 = "passe2"  # blind double entry, second pass (another login)
    WAIT = "attente"  # double entry: pass 2 must be keyed by someone else
    ARBITRAGE = "arbitrage"  # double entry: third look at the disagreements only
    CLOSED = "clos"


MODE_LABELS = {
    SlipMode.ENTRY: "saisie simple",
    SlipMode.PASS1: "double saisie : 1re passe",
    SlipMode.PASS2: "double saisie : 2e passe, à l'aveugle",
    SlipMode.WAIT: "double saisie : attente d'un 2e opérateur",
    SlipMode.ARBITRAGE: "arbitrage des désaccords",
    SlipMode.CLOSED: "bordereau clos",
}


@dataclass(frozen=True)
class SlipRow:
    """One line of a grade slip: rank, anonymity number and what the current mode shows."""

    index: int  # 0-based row of the editor
    position: int  # rank printed on the slip (1-based)
    anonymat: str
    cells: tuple[str, ...]  # one French text per column ("12", "12,5", "ABS"; "" = empty)
    entered_by: str = ""
    # arbitrage only: the two blind entries that disagree
    first: str = ""
    second: str = ""

    @property
    def filled(self) -> bool:
        return all(self.cells)

    @property
    def text(self) -> str:
        """The grade as French text; the parts joined by " ; " for a composite copy."""
        return " ; ".join(self.cells) if any(self.cells) else ""


@dataclass(frozen=True)
class ControlCheck:
    """The slip's three control figures against the grades entered."""

    rows: int
    filled: int
    copies: int  # copies keyed, absents included
    absents: int  # copies keyed ABS, AJ or DI
    sum_centi: int
    expected_copies: int | None
    expected_absents: int | None
    expected_sum_centi: int | None

    @property
    def complete(self) -> bool:
        return self.filled == self.rows

    @property
    def typed(self) -> bool:
        return None not in (self.expected_copies, self.expected_absents, self.expected_sum_centi)

    @property
    def copies_ok(self) -> bool | None:
        return None if self.expected_copies is None else self.expected_copies == self.copies

    @property
    def absents_ok(self) -> bool | None:
        return None if self.expected_absents is None else self.expected_absents == self.absents

    @property
    def sum_ok(self) -> bool | None:
        return (
            None if self.expected_sum_centi is None else self.expected_sum_centi == self.sum_centi
        )

    @property
    def agrees(self) -> bool:
        return self.typed and bool(self.copies_ok and self.absents_ok and self.sum_ok)

    @property
    def sum_text(self) -> str:
        return format_grade(Fraction(self.sum_centi, 100))

    def problems(self) -> list[str]:
        """French reasons why the slip cannot be closed (empty: it can)."""
        out: list[str] = []
        if not self.complete:
            out.append(f"{plural(self.rows - self.filled, 'copie')} sans note")
        if not self.typed:
            out.append("totaux de contrôle du bordereau non saisis")
            return out
        if not self.copies_ok:
            out.append(f"copies : bordereau {self.expected_copies}, saisies {self.copies}")
        if not self.absents_ok:
            out.append(f"absents : bordereau {self.expected_absents}, saisis {self.absents}")
        if not self.sum_ok:
            expected = format_grade(Fraction(self.expected_sum_centi or 0, 100))
            out.append(f"somme : bordereau {expected}, saisie {self.sum_text}")
        return out


@dataclass(frozen=True)
class CommitResult:
    """What a commit did: the row as now shown, and whether the cursor goes to the next row."""

    row: SlipRow
    changed: bool  # False when the same grade was already there
    mode_changed: bool = False  # double entry: a pass completed, the editor changed mode
    row_done: bool = True  # False: the copy has parts still to key on this row


def canonical(value_centi: int | None, code: str | None) -> str:
    """French text of a stored grade, from its hundredths (same output as ``format_grade``)."""
    if code is not None:
        return code
    if value_centi is None:
        return ""
    whole, cents = divmod(value_centi, 100)
    return str(whole) if cents == 0 else f"{whole},{cents:02d}".rstrip("0")


def format_centi(value_centi: int | None) -> str:
    """French text of a sum of grades in hundredths ("1234,5"); "" for None."""
    return "" if value_centi is None else canonical(value_centi, None)


def from_canonical(text: str) -> tuple[int | None, str | None]:
    """(hundredths, code) back from :func:`canonical`'s text."""
    if not text:
        return None, None
    if text in GRADE_CODES:
        return None, text
    return to_centi(Fraction(text.replace(",", "."))), None


def split_pass(text: str, width: int) -> list[str]:
    """The cells of a blind-entry pass stored as "12;13,5" (padded to the slip's width)."""
    cells = text.split(";") if text else []
    return (cells + [""] * width)[:width]


_SUM_RE = re.compile(r"([0-9]+)(?:[.,]([0-9]{1,2}))?")


def parse_control_sum(text: str) -> int:
    """The slip's "somme des notes" as hundredths: "1234", "1 234,5", "1234.50"."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    match = _SUM_RE.fullmatch(cleaned) if len(cleaned) <= 12 else None
    if match is None:
        raise ValueError(f"Somme des notes « {text.strip()} » illisible (ex. 1234 ou 1234,5).")
    whole, decimals = match.groups()
    return int(whole) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0)


def parse_count(text: str, label: str) -> int:
    """A count typed from the slip (copies, absents); ValueError naming ``label``."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 6:
        raise ValueError(f"{label} : « {cleaned} » n'est pas un nombre entier.")
    return int(cleaned)
