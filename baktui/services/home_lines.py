"""The lines of the home screen's « À traiter » and of ``baktui etat``: their French labels, the
count each shows and the screen (mode, F-key) and list that handle it.

Kept out of the screen so that the command-line report prints the same labels and figures
without importing a screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from baktui.rules.decision import DECISION_LABELS, DECISIONS
from baktui.services.stats import HomeCounts


@dataclass(frozen=True)
class TodoRow:
    """A line of « À traiter »: a count, the screen (mode, its F-key) that handles it, and the
    list of that screen that holds what it counts (its ``open_worklist`` key)."""

    label: str
    value: Callable[[HomeCounts], int | None]
    mode: str
    key: str
    worklist: str


# Modes are looked up by name first, then by their planned key (see the README's key table).
TODO_ROWS: tuple[TodoRow, ...] = (
    TodoRow("Inscriptions à vérifier", lambda c: c.to_check, "registrations", "f3", "to_check"),
    TodoRow("  dont LVB manquante", lambda c: c.missing_lvb, "registrations", "f3", "missing_lvb"),
    TodoRow(
        "  sans centre d'examen",
        lambda c: c.missing_centre,
        "registrations",
        "f3",
        "missing_centre",
    ),
    TodoRow("Notes manquantes (1er groupe)", lambda c: c.grades_missing, "grades", "f4", "missing"),
    TodoRow("Lots non saisis", lambda c: c.lots_open, "grades", "f4", "open"),
    TodoRow("Absences sans remplaçant", lambda c: c.absences_open, "juries", "f5", "absences"),
    TodoRow("États de frais en attente", lambda c: c.claims_waiting, "expenses", "f6", "attente"),
    TodoRow("Anomalies logistiques", lambda c: c.logistics_checks, "logistics", "f11", "checks"),
)


def report_lines(counts: HomeCounts) -> list[tuple[str, int | None]]:
    """(label, figure) of ``baktui etat``: the candidates, « À traiter », then the results."""
    lines: list[tuple[str, int | None]] = [
        ("Candidats", counts.candidates),
        ("  scolaires", counts.scolaires),
        ("  individuels", counts.individuels),
    ]
    lines += [(row.label, row.value(counts)) for row in TODO_ROWS]
    if counts.results:
        lines += [
            (f"Résultats : {DECISION_LABELS.get(d, d)}", counts.results.get(d, 0))
            for d in DECISIONS
        ]
    return lines
