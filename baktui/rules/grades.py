"""Grades: parsing, exact arithmetic and French display.

A grade is either a number from 0 to the regulation's maximum (kept as an exact ``Fraction``, never
a float) or one of the codes ABS (unjustified absence, counts 0), AJ (justified absence: no decision
until the replacement session) and DI (dispensé: the épreuve is neutralised). An empty cell is a
*missing* grade, represented by ``None``.

The database stores numbers as integer hundredths (``to_centi`` / ``from_centi``); composite
spécialités are stored as their part-grades and combined here, exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from baktui.rules.regulation import PRECISION_HALF, PRECISION_TENTH_UP, PRECISION_WHOLE

CODE_ABS = "ABS"  # absence not justified: counts 0
CODE_AJ = "AJ"  # absence justified: replacement session, no decision yet
CODE_DI = "DI"  # dispensé: épreuve neutralised
GRADE_CODES = (CODE_ABS, CODE_AJ, CODE_DI)

PRECISIONS = (PRECISION_WHOLE, PRECISION_HALF, PRECISION_TENTH_UP)

# Only ASCII digits: str.isdigit() and \d would accept "١٢" or "²".
_NUMBER_RE = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?")
# Longer cells are refused as garbage (and int() refuses huge digit strings anyway).
_MAX_LENGTH = 40


class GradeError(ValueError):
    """A grade that cannot be accepted; the message is French and meant for the user."""


def as_fraction(value: object) -> Fraction:
    """Exact value of an int or Fraction; floats (and bools) are refused on purpose."""
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise TypeError(f"valeur exacte attendue (int ou Fraction), reçu {type(value).__name__}")
    return Fraction(value)


@dataclass(frozen=True)
class Grade:
    """One grade: exactly one of ``value`` (exact number) or ``code`` (ABS, AJ, DI)."""

    value: Fraction | None = None
    code: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.code is None):
            raise ValueError("une note est soit un nombre, soit un code (ABS, AJ, DI)")
        if self.value is not None:
            value = as_fraction(self.value)
            if value < 0:
                raise ValueError(f"note négative : {format_grade(value)}")
            object.__setattr__(self, "value", value)
        elif self.code not in GRADE_CODES:
            raise ValueError(f"code de note inconnu : « {self.code} » (attendu ABS, AJ ou DI)")

    @classmethod
    def of(cls, value: Fraction | int) -> Grade:
        """A numeric grade."""
        return cls(value=as_fraction(value))

    @classmethod
    def absent(cls) -> Grade:
        """ABS: unjustified absence, counts 0."""
        return cls(code=CODE_ABS)

    @classmethod
    def justified(cls) -> Grade:
        """AJ: justified absence, the épreuve goes to the replacement session."""
        return cls(code=CODE_AJ)

    @classmethod
    def dispensed(cls) -> Grade:
        """DI: dispensé, the épreuve is neutralised."""
        return cls(code=CODE_DI)

    @property
    def is_number(self) -> bool:
        return self.value is not None

    @property
    def is_absent(self) -> bool:
        return self.code == CODE_ABS

    @property
    def is_justified(self) -> bool:
        return self.code == CODE_AJ

    @property
    def is_dispensed(self) -> bool:
        return self.code == CODE_DI

    @property
    def counted_value(self) -> Fraction | None:
        """The value that enters an average: the number, 0 for ABS, None for AJ and DI."""
        if self.value is not None:
            return self.value
        if self.code == CODE_ABS:
            return Fraction(0)
        return None

    def __str__(self) -> str:
        return self.code if self.code is not None else format_grade(self.value)


@dataclass(frozen=True)
class ParsedGrade:
    """What ``parse_grade`` understood from one cell."""

    grade: Grade | None  # None: empty cell, the grade is missing
    rounded: bool  # True when a CC average was rounded up to the tenth
    original: str  # the text as typed


def round_up_tenth(x: Fraction) -> Fraction:
    """Round up to the tenth (12,34 -> 12,4; 12,3 stays), as the CC rule says."""
    x = as_fraction(x)
    return Fraction(-((-x.numerator * 10) // x.denominator), 10)


def parse_grade(text: str, precision: str, max_grade: Fraction = Fraction(20)) -> ParsedGrade:
    """Parse a grade as typed or imported ("12", "12,5", "12.5", "ABS", "aj", "" ...).

    Raises ``GradeError`` with a French message for anything that is not a valid grade for that
    precision. Contrôle-continu averages (PRECISION_TENTH_UP) are rounded up to the tenth and
    flagged ``rounded`` so the import can say so.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"précision inconnue : {precision!r}")
    max_grade = as_fraction(max_grade)
    original = text
    cleaned = text.strip()
    if not cleaned:
        return ParsedGrade(None, False, original)
    # ASCII first: "dı".upper() is "DI" and "abſ".upper() is "ABS", yet neither was typed as a code
    if cleaned.isascii() and cleaned.upper() in GRADE_CODES:
        return ParsedGrade(Grade(code=cleaned.upper()), False, original)
    match = _NUMBER_RE.fullmatch(cleaned) if len(cleaned) <= _MAX_LENGTH else None
    if match is None:
        shown = cleaned if len(cleaned) <= _MAX_LENGTH else cleaned[:_MAX_LENGTH] + "…"
        raise GradeError(
            f"« {shown} » n'est pas une note (attendu : nombre de 0 à "
            f"{format_grade(max_grade)}, ABS, AJ ou DI)"
        )
    sign, whole, decimals = match.groups()
    value = Fraction(f"{whole}.{decimals}" if decimals else whole)
    if sign:
        value = -value
    if value < 0 or value > max_grade:
        raise GradeError(f"note « {cleaned} » hors de l'intervalle 0 à {format_grade(max_grade)}")
    if precision == PRECISION_WHOLE and value.denominator != 1:
        raise GradeError(f"{cleaned} : l'épreuve se note en points entiers")
    if precision == PRECISION_HALF and (value * 2).denominator != 1:
        raise GradeError(f"{cleaned} : l'épreuve se note en points entiers ou demi-points")
    rounded = False
    if precision == PRECISION_TENTH_UP:
        up = round_up_tenth(value)
        rounded = up != value
        value = up
    return ParsedGrade(Grade.of(value), rounded, original)


CentiParsed = tuple[int | None, str | None, bool]  # (hundredths, code, rounded)
_EMPTY: CentiParsed = (None, None, False)
# the last max_grade asked for, and it in hundredths (None: not a whole number of them)
_last_max: tuple[object, int | None] = (None, None)
_CODE_RESULTS: dict[str, CentiParsed] = {code: (None, code, False) for code in GRADE_CODES}


def parse_grade_centi(text: str, precision: str, max_grade: Fraction = Fraction(20)) -> CentiParsed:
    """:func:`parse_grade` in integer hundredths, for the imports of millions of lines:
    (hundredths, None, rounded) for a number, (None, code, False) for ABS, AJ or DI,
    (None, None, False) for an empty cell. The same values and the same ``GradeError``
    messages (anything unusual goes through :func:`parse_grade` itself); no Fraction is made
    for a number of at most two decimals."""
    cleaned = text.strip()
    if not cleaned:
        return _EMPTY
    if cleaned.isascii():
        found = _CODE_RESULTS.get(cleaned.upper())
        if found is not None:
            return found
    match = _NUMBER_RE.fullmatch(cleaned) if len(cleaned) <= _MAX_LENGTH else None
    global _last_max
    last = _last_max
    if max_grade is last[0]:
        max_centi = last[1]
    else:
        scaled = as_fraction(max_grade) * 100
        max_centi = scaled.numerator if scaled.denominator == 1 else None
        _last_max = (max_grade, max_centi)
    if (
        match is None
        or match.group(1)
        or max_centi is None
        or precision not in PRECISIONS
        or len(match.group(3) or "") > 2
    ):
        return _slow_centi(text, precision, max_grade)
    decimals = match.group(3) or ""
    centi = int(match.group(2)) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0)
    if (
        centi > max_centi
        or (precision == PRECISION_WHOLE and centi % 100)
        or (precision == PRECISION_HALF and centi % 50)
    ):
        return _slow_centi(text, precision, max_grade)  # refused, with its message
    if precision == PRECISION_TENTH_UP and centi % 10:
        return centi + 10 - centi % 10, None, True
    return centi, None, False


def _slow_centi(text: str, precision: str, max_grade: Fraction) -> CentiParsed:
    parsed = parse_grade(text, precision, max_grade)
    grade = parsed.grade
    if grade is None:
        return _EMPTY
    if grade.value is None:
        return None, grade.code, False
    return to_centi(grade.value), None, parsed.rounded


def _cents_truncated(x: Fraction) -> tuple[str, int, int]:
    """Sign, integer part and hundredths of |x|, truncated (never rounded up)."""
    x = as_fraction(x)
    cents = (abs(x.numerator) * 100) // x.denominator
    sign = "-" if x < 0 and cents else ""
    whole, hundredths = divmod(cents, 100)
    return sign, whole, hundredths


def format_grade(x: Fraction | None) -> str:
    """French display of a grade: 12 -> "12", 12.5 -> "12,5", 12.25 -> "12,25".

    At most 2 decimals: anything finer (exact fractions such as 35/3, or composite grades such as
    11.28125) is TRUNCATED to the hundredth, never rounded up. None -> "".
    """
    if x is None:
        return ""
    sign, whole, hundredths = _cents_truncated(x)
    if hundredths == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole},{f'{hundredths:02d}'.rstrip('0')}"


def truncate_2(x: Fraction | None) -> str:
    """Average display: TRUNCATED to 2 decimals (9,999… -> "9,99", 10 -> "10,00"). None -> ""."""
    if x is None:
        return ""
    sign, whole, hundredths = _cents_truncated(x)
    return f"{sign}{whole},{hundredths:02d}"


def to_centi(x: Fraction | int) -> int:
    """Integer hundredths for the database; ValueError if x is not a whole number of hundredths."""
    scaled = as_fraction(x) * 100
    if scaled.denominator != 1:
        raise ValueError(f"{format_grade(Fraction(x))}… n'est pas un nombre entier de centièmes")
    return scaled.numerator


def from_centi(n: int) -> Fraction:
    """Exact grade from integer hundredths."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("nombre entier de centièmes attendu")
    return Fraction(n, 100)


PartValue = Fraction | int | Grade | None


def combine_parts(parts: Sequence[tuple[Fraction | int, PartValue]]) -> Grade | None:
    """Grade of a composite épreuve from its (coef, part-grade) pairs, exact.

    - a missing part (None) -> None: the composite is missing;
    - otherwise an AJ part -> AJ: the whole épreuve waits for the replacement session;
    - DI parts are neutralised (removed from numerator and denominator); all DI -> DI;
    - ABS parts count 0; if every non-DI part is ABS the composite is ABS (also counts 0);
    - otherwise the coefficient-weighted mean of the counted parts, kept exact.
    """
    if not parts:
        raise ValueError("une épreuve composée a au moins une partie")
    grades: list[tuple[Fraction, Grade]] = []
    for coef, value in parts:
        coef = as_fraction(coef)
        if coef <= 0:
            raise ValueError("le coefficient d'une partie doit être positif")
        if value is None:
            return None
        grades.append((coef, value if isinstance(value, Grade) else Grade.of(value)))
    if any(g.is_justified for _, g in grades):
        return Grade.justified()
    counted = [(c, g) for c, g in grades if not g.is_dispensed]
    if not counted:
        return Grade.dispensed()
    if all(g.is_absent for _, g in counted):
        return Grade.absent()
    total = sum((c * g.counted_value for c, g in counted), Fraction(0))  # type: ignore[operator]
    return Grade.of(total / sum((c for c, _ in counted), Fraction(0)))


def composite_grade(parts: Sequence[tuple[Fraction | int, PartValue]]) -> Fraction | None:
    """Numeric view of ``combine_parts``: the exact weighted mean (ABS parts count 0).

    None when the composite has no number: a part missing, an AJ part, or every part DI. Use
    ``combine_parts`` to tell those cases apart.
    """
    grade = combine_parts(parts)
    return None if grade is None else grade.counted_value
