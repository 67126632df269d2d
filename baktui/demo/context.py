"""What every step of the demo build shares: seed, size, registre, random streams, summary.

The build is a sequence of steps (places, population, examiners, juries, calendar, candidates
with their grades and lots, assignments, claims), each a function or a small class of its own
module. They share only this small :class:`DemoContext`; what a step plans for the next ones
(the places, the examiners…) is handed over explicitly by :mod:`baktui.demo.build`, so the data
flow between steps reads in one place.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from baktui.data import audit
from baktui.demo.anomalies import DEMO_ANOMALIES
from baktui.demo.names import Names
from baktui.rules import identifiers
from baktui.rules.numbers import thousands
from baktui.rules.regulation import Regulation

YEAR = 2026
# the office's staff who keyed the grades and recorded the absences (logins)
OPERATORS = ("agnes.perrin", "karim.benali", "sylvie.morel", "helene.lefevre", "jerome.thevenet")

Progress = Callable[[str], None]


@dataclass
class DemoSummary:
    """What build_demo created; ``str()`` is the French one-line summary the CLI prints."""

    path: str
    seed: int
    candidates: int = 0
    etablissements: int = 0
    centres: int = 0
    rooms: int = 0
    examiners: int = 0
    juries: int = 0
    lots: int = 0
    registrations: int = 0
    grades: int = 0
    grade_parts: int = 0
    missing_grades: int = 0  # terminal grades of a registered épreuve not entered yet
    assignments: int = 0
    claims: int = 0
    # DEMO_ANOMALIES key -> references of the records carrying it (candidate numbers, lot numbers,
    # "examinateur n° 12", "état de frais n° 3"…)
    anomalies: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [
            (self.candidates, "candidat", "candidats"),
            (self.etablissements, "établissement", "établissements"),
            (self.centres, "centre", "centres"),
            (self.examiners, "examinateur", "examinateurs"),
            (self.juries, "jury", "jurys"),
            (self.lots, "lot", "lots"),
            (self.grades, "note", "notes"),
            (self.claims, "état de frais", "états de frais"),
        ]
        return ", ".join(f"{fr_int(n)} {one if n == 1 else many}" for n, one, many in parts)


def fr_int(n: int) -> str:
    """12000 -> "12 000" with a no-break space: the demo's audit entries keep their old text."""
    return thousands(n, "\u00a0")


class DemoContext:
    """The build's constants and shared helpers (no plan of any step lives here)."""

    def __init__(
        self, session_id: int, reg: Regulation, seed: int, n: int, progress: Progress
    ) -> None:
        self.session_id = session_id
        self.reg = reg
        self.seed = seed
        self.n = n
        self.progress = progress
        self.names = Names.load()
        self.summary = DemoSummary(path="", seed=seed, anomalies={k: [] for k in DEMO_ANOMALIES})
        self._folded: dict[str, str] = {}

    def rng(self, part: str) -> random.Random:
        """An independent random stream per part: changing one part does not shift the others."""
        return random.Random(f"{self.seed}:{part}")

    def fold(self, text: str) -> str:
        """identifiers.fold, cached: the same names come back thousands of times."""
        key = self._folded.get(text)
        if key is None:
            key = self._folded[text] = identifiers.fold(text)
        return key

    def flag(self, anomaly: str, reference: str) -> None:
        """Note that the record ``reference`` carries the seeded anomaly ``anomaly``."""
        self.summary.anomalies[anomaly].append(reference)

    def event(self, entity: str, text: str) -> None:
        """The audit entry of one kind of bulk creation."""
        audit.log(
            "event",
            entity,
            "",
            after=f"démo : {text}",
            reason=f"démonstration (graine {self.seed})",
        )
