"""The French report of a deliberation run: counts by decision, mention and série."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from baktui.rules.decision import ADMIS, DECISION_LABELS, DECISIONS
from baktui.rules.french import plural
from baktui.rules.numbers import percent, thousands
from baktui.services.candidate_files import Outcome


@dataclass
class DeliberationSummary:
    """Counts of a deliberation run, rendered in French."""

    year: int
    jury: int | None = None
    total: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    mentions: Counter[str] = field(default_factory=Counter)
    by_series: dict[str, Counter[str]] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (candidate id, message)
    seconds: float = 0.0
    mention_order: tuple[str, ...] = ()
    # candidates of closed or published juries whose results were kept, and why (by jury number)
    locked: int = 0
    locked_juries: dict[int, str] = field(default_factory=dict)
    # only the candidates changed since the last run were deliberated (the others kept)
    incremental: bool = False
    # told the number of candidates deliberated so far, after each chunk (a progress bar)
    progress: Callable[[int], object] | None = field(default=None, repr=False, compare=False)

    def count(self, series: str, outcome: Outcome) -> None:
        self.total += 1
        self.decisions[outcome[0]] += 1
        if outcome[1]:
            self.mentions[outcome[1]] += 1
        self.by_series.setdefault(series, Counter())[outcome[0]] += 1

    def count_all(self, outcomes: Sequence[tuple[int, str, Outcome]]) -> None:
        """``count`` of every (candidate id, series, outcome), tallied at C speed."""
        tally = Counter((series, outcome[0], outcome[1]) for _, series, outcome in outcomes)
        for (series, decision, mention), count in tally.items():
            self.total += count
            self.decisions[decision] += count
            if mention:
                self.mentions[mention] += count
            self.by_series.setdefault(series, Counter())[decision] += count
        if self.progress is not None:
            self.progress(self.total)

    def render(self) -> str:
        scope = f"jury {self.jury}" if self.jury is not None else "toute la session"
        if self.incremental:
            scope = "candidats modifiés depuis la dernière délibération"
        lines = [
            f"Délibération — session {self.year}, {scope} : {thousands(self.total)} candidat"
            f"{'s' if self.total > 1 else ''} en {self.seconds:.1f} s".replace(".", ",")
        ]
        if self.incremental:
            lines.append(
                "  (les résultats des autres candidats ne pouvaient pas changer ; "
                "« deliberer --tout » recalcule tout le monde)"
            )
        for decision in DECISIONS:
            count = self.decisions.get(decision, 0)
            line = f"  {DECISION_LABELS[decision]:<14} {thousands(count):>9}  ({percent(count, self.total)})"
            if decision == ADMIS and self.mentions:
                shown = ", ".join(
                    f"{code} {thousands(self.mentions[code])}"
                    for code in self.mention_order
                    if self.mentions.get(code)
                )
                line += f"  dont mentions : {shown}"
            lines.append(line)
        if self.by_series:
            lines.append("Par série :")
            width = max(len(s) for s in self.by_series)
            for series in sorted(self.by_series):
                counts = self.by_series[series]
                shown = "  ".join(
                    f"{DECISION_LABELS[d].lower()} {thousands(counts.get(d, 0))}" for d in DECISIONS
                )
                lines.append(f"  {series:<{width}}  {thousands(sum(counts.values())):>8}  {shown}")
        lines.append(
            f"Résultats : {thousands(self.created)} nouveaux, {thousands(self.changed)} modifiés, "
            f"{thousands(self.unchanged)} inchangés."
        )
        if self.locked:
            why = " ; ".join(self.locked_juries[n] for n in sorted(self.locked_juries))
            lines.append(
                f"{thousands(self.locked)} candidat{'s' if self.locked > 1 else ''} de jurys "
                f"verrouillés non redélibéré{'s' if self.locked > 1 else ''} : leurs résultats "
                f"sont gardés ({why})."
            )
        if self.errors:
            lines.append(
                f"{plural(len(self.errors), 'dossier non délibéré', 'dossiers non délibérés')} :"
            )
            lines.extend(f"  candidat n° {cid} : {message}" for cid, message in self.errors)
        return "\n".join(lines)
