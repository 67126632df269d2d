"""The demo's word lists (first names, surnames, streets, lycée names) and its weighted pickers.

The lists are plain text files under ``baktui/demo/data/``, most frequent first; a
:class:`Picker` draws from them with precomputed cumulative weights (one bisect a draw), which is
what the candidate loop needs at 700 000 candidates.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any


def data_text(name: str) -> str:
    """The text of a data file of the demo (``baktui/demo/data/<name>``)."""
    return (resources.files("baktui.demo") / "data" / name).read_text(encoding="utf-8")


def data_lines(name: str) -> list[str]:
    """The non-blank, non-comment lines of a data file, stripped."""
    lines = data_text(name).splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def rank_weights(n: int) -> list[float]:
    """Cumulative Zipf-like weights: the first names of a list are the most frequent."""
    total = 0.0
    cumulative = []
    for rank in range(n):
        total += 1.0 / (rank + 8)
        cumulative.append(total)
    return cumulative


class Picker:
    """Weighted choice with precomputed cumulative weights (fast in the candidate loop).

    Without weights, the items are taken as a list in order of frequency (:func:`rank_weights`).
    """

    def __init__(self, items: Sequence[Any], weights: Sequence[float] | None = None) -> None:
        self.items = list(items)
        if weights is None:
            self.cumulative = rank_weights(len(self.items))
        else:
            self.cumulative = []
            total = 0.0
            for w in weights:
                total += w
                self.cumulative.append(total)
        self.total = self.cumulative[-1]

    @classmethod
    def weighted(cls, weights: Mapping[Any, float]) -> Picker:
        """A picker of the mapping's keys, each with its weight."""
        return cls(list(weights), list(weights.values()))

    def __call__(self, rnd: Callable[[], float]) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rnd() * self.total)]


@dataclass(frozen=True)
class Names:
    """The pickers of people's names and of street names, shared by examiners and candidates."""

    first_f: Picker
    first_m: Picker
    last: Picker
    streets: Picker

    @classmethod
    def load(cls) -> Names:
        return cls(
            Picker(data_lines("first_names_f.txt")),
            Picker(data_lines("first_names_m.txt")),
            Picker(data_lines("last_names.txt")),
            Picker(data_lines("streets.txt")),
        )

    def first(self, female: bool) -> Picker:
        return self.first_f if female else self.first_m
