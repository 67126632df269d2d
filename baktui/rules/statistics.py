"""Statistics of a session as exact arithmetic, and the document they make (issue 14).

The services aggregate in SQL (counts, sums and sums of squares of the grades in hundredths);
this module turns those sums into exact figures: a mean is a Fraction, a variance is a Fraction,
and only the standard deviation, a square root, goes through Decimal for display (truncated to
a fixed number of places, like every average baktui shows). It also holds the harmonisation rule
(a correcteur far from his épreuve), the grade bands, and the plain document dataclasses that
the workbook and PDF renderers of :mod:`baktui.exports` draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

from baktui.rules.grades import truncate_2

# Grade bands in hundredths: [0, 4[, [4, 6[, … [16, 20] (the last band holds 20).
DEFAULT_BANDS: tuple[int, ...] = (0, 400, 600, 800, 1000, 1200, 1400, 1600, 2000)
# Display places of a standard deviation (truncated, as averages are).
SD_PLACES = 2


def band_labels(edges: Sequence[int] = DEFAULT_BANDS) -> tuple[str, ...]:
    """ "0–4", "4–6", … "16–20" for the bands of ``edges`` (hundredths)."""

    def whole(centi: int) -> str:
        return truncate_2(Fraction(centi, 100)).removesuffix(",00")

    return tuple(f"{whole(lo)}–{whole(hi)}" for lo, hi in zip(edges, edges[1:], strict=False))


def band_of(centi: Fraction | int, edges: Sequence[int] = DEFAULT_BANDS) -> int:
    """Index of the band holding a grade in hundredths (the top edge belongs to the last band)."""
    for index, upper in enumerate(edges[1:-1]):
        if centi < upper:
            return index
    return len(edges) - 2


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of grades (in points, exact), with their extremes, the
    absents (ABS) beside, and the count per band: enough for a mean, a spread and a histogram.
    Moments add up: a correcteur's are the sum of his lots'."""

    n: int = 0
    total: Fraction = Fraction(0)
    squares: Fraction = Fraction(0)
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    absent: int = 0
    bands: tuple[int, ...] = ()

    @classmethod
    def of_centi(
        cls,
        n: int,
        total: int,
        squares: int,
        minimum: int | None,
        maximum: int | None,
        *,
        absent: int = 0,
        bands: Sequence[int] = (),
        scale: int = 1,
    ) -> Moments:
        """From SQL sums of grades in hundredths, each multiplied by ``scale`` (a composite
        spécialité sums coefficient × part grade: its scale is the sum of the coefficients)."""
        unit = 100 * scale
        return cls(
            n=int(n or 0),
            total=Fraction(int(total or 0), unit),
            squares=Fraction(int(squares or 0), unit * unit),
            minimum=None if minimum is None else Fraction(int(minimum), unit),
            maximum=None if maximum is None else Fraction(int(maximum), unit),
            absent=int(absent or 0),
            bands=tuple(int(b or 0) for b in bands),
        )

    @classmethod
    def of_values(
        cls, values: Sequence[Fraction | int], edges: Sequence[int] = DEFAULT_BANDS
    ) -> Moments:
        """From grades in points (tests, small sets)."""
        bands = [0] * (len(edges) - 1)
        for v in values:
            bands[band_of(Fraction(v) * 100, edges)] += 1
        fr = [Fraction(v) for v in values]
        return cls(
            n=len(fr),
            total=sum(fr, Fraction(0)),
            squares=sum((v * v for v in fr), Fraction(0)),
            minimum=min(fr) if fr else None,
            maximum=max(fr) if fr else None,
            bands=tuple(bands),
        )

    def __add__(self, other: Moments) -> Moments:
        width = max(len(self.bands), len(other.bands))
        a = self.bands + (0,) * (width - len(self.bands))
        b = other.bands + (0,) * (width - len(other.bands))
        return Moments(
            n=self.n + other.n,
            total=self.total + other.total,
            squares=self.squares + other.squares,
            minimum=_extreme(min, self.minimum, other.minimum),
            maximum=_extreme(max, self.maximum, other.maximum),
            absent=self.absent + other.absent,
            bands=tuple(x + y for x, y in zip(a, b, strict=True)),
        )

    @property
    def mean(self) -> Fraction | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> Fraction | None:
        """Population variance, exact: Σx²/n − (Σx/n)²."""
        if not self.n:
            return None
        mean = self.total / self.n
        return self.squares / self.n - mean * mean

    @property
    def sd(self) -> Decimal | None:
        """Standard deviation, truncated to SD_PLACES (the one inexact figure: a square root)."""
        variance = self.variance
        return None if variance is None else sqrt_truncated(variance)


def _extreme(pick: Any, a: Fraction | None, b: Fraction | None) -> Fraction | None:
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def sqrt_truncated(x: Fraction, places: int = SD_PLACES) -> Decimal:
    """√x truncated to ``places`` decimals, exact to the last place shown: the Decimal root is
    corrected so that its square never exceeds x (and the next step up does)."""
    if x < 0:
        raise ValueError("racine d'un nombre négatif")
    step = Fraction(1, 10**places)
    with localcontext() as ctx:
        ctx.prec = 40
        root = (Decimal(x.numerator) / Decimal(x.denominator)).sqrt()
        value = root.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    guess = Fraction(value)
    while guess * guess > x:
        guess -= step
    while (guess + step) * (guess + step) <= x:
        guess += step
    return decimal_truncated(guess, places)


def decimal_truncated(x: Fraction | None, places: int = 2) -> Decimal | None:
    """A Fraction as a Decimal truncated to ``places`` (toward zero): what a cell shows of an
    average (35/3 → 11.66, never 11.67)."""
    if x is None:
        return None
    scale = 10**places
    cents = (abs(x.numerator) * scale) // x.denominator
    value = Decimal(cents).scaleb(-places)
    return -value if x < 0 else value


def ratio(part: int, total: int, places: int = 4) -> Decimal | None:
    """part / total as a Decimal rounded half up to ``places`` (0.6667): a cell shown as a
    percentage. None when total is 0."""
    if not total:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        return (Decimal(part) / Decimal(total)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
        )


# --- harmonisation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HarmonisationRule:
    """When a correcteur is far from his épreuve (thresholds of the session's regulation)."""

    gap: Fraction = Fraction(2)  # points between the correcteur's mean and the épreuve's
    spread_ratio: Fraction = Fraction(2)  # standard deviation this many times larger or smaller
    min_copies: int = 20  # below it, no flag: too few copies to tell


def harmonisation_flags(mine: Moments, whole: Moments, rule: HarmonisationRule) -> tuple[str, ...]:
    """Why a correcteur's copies stand out from the épreuve's, in French (empty: they do not).

    Compared exactly: |mean − mean| ≥ gap; variance ratio ≥ spread_ratio² or ≤ 1/spread_ratio²
    (so the standard deviations, square roots, are never compared rounded).
    """
    if mine.n < rule.min_copies or not whole.n or mine.mean is None or whole.mean is None:
        return ()
    reasons: list[str] = []
    diff = mine.mean - whole.mean
    if abs(diff) >= rule.gap:
        sign = "+" if diff > 0 else "−"
        reasons.append(f"moyenne {sign}{truncate_2(abs(diff))} pt")
    mine_var, whole_var = mine.variance, whole.variance
    limit = rule.spread_ratio * rule.spread_ratio
    if mine_var is not None and whole_var:
        if mine_var >= whole_var * limit:
            reasons.append("écart-type élevé")
        elif mine_var * limit <= whole_var:
            reasons.append("écart-type resserré")
    return tuple(reasons)


# --- the document ----------------------------------------------------------------------------------

# Number formats of the cells (Excel shows them with the locale's separators: 12,50 in French).
FORMAT_INT = "0"
FORMAT_2 = "0.00"
FORMAT_PERCENT = "0.0%"


@dataclass(frozen=True)
class Chart:
    """A bar chart of a table: one bar series per value column, categories from a column."""

    title: str
    categories: int  # 0-based column of the category labels
    values: tuple[int, ...]  # 0-based columns drawn as bars
    y_title: str = ""
    horizontal: bool = False


@dataclass(frozen=True)
class StatTable:
    """One table of the statistics: a sheet of the workbook, a section of the PDF summary.

    Cells are numbers (int, Decimal) or texts; ``formats`` gives a column's number format.
    """

    title: str
    sheet: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: dict[int, str] = field(default_factory=dict)
    charts: tuple[Chart, ...] = ()
    note: str = ""
    summary: bool = True  # shown in the PDF summary (the workbook has every table)
    pdf_widths: tuple[float, ...] = ()  # relative widths of the PDF columns (default equal)


@dataclass(frozen=True)
class StatisticsDocument:
    """The statistics of a session for one audience (commission, harmonisation, inspecteurs)."""

    title: str
    session_year: int
    scope: str  # "toute l'académie", "jury n° 12", "établissement 0750655E — …"
    tables: tuple[StatTable, ...]
    issued_note: str = ""
