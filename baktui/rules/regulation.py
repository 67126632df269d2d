"""The regulation of one session as plain data.

Every number the rules use (coefficients, thresholds, mentions, limits) lives here, loaded from a
versioned JSON file per session year (``regulations/2026.json``) and stored in the database when the
session's registre is opened, so that 2027's rules are a new file, not a code change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from importlib import resources
from typing import Any

# Kinds of épreuve.
KIND_WRITTEN = "ecrit"  # terminal written paper: anonymity numbers, lots, correcteurs
KIND_ORAL = "oral"  # terminal oral
KIND_PRACTICAL = "pratique"  # terminal with a practical part
KIND_CC = "cc"  # contrôle continu (or évaluation ponctuelle for individuels)

# Precision of a grade as entered.
PRECISION_WHOLE = "entier"  # whole points
PRECISION_HALF = "demi"  # half points (parts of a composite spécialité)
PRECISION_TENTH_UP = "dixieme_sup"  # contrôle continu: rounded UP to the tenth on import


@dataclass(frozen=True)
class EpreuveRule:
    """One épreuve code of the regulation table (FRE, PHI, SP1, OPT1…)."""

    code: str
    label: str
    coef: Fraction
    kind: str
    terminal: bool
    precision: str
    second_group: str | None = None  # the second-group subject it feeds (FR, PHI, SP1, SP2)
    option: bool = False  # options: coefficient added to the 100
    keepable: bool = False  # a grade >= threshold may be kept for later sessions

    @property
    def written(self) -> bool:
        """Written papers get anonymity numbers and are bundled in lots."""
        return self.kind == KIND_WRITTEN


@dataclass(frozen=True)
class SpecialitePart:
    """A part of a composite spécialité (ST2S CBPH: chimie 3 + BPH 13)."""

    code: str
    label: str
    coef: Fraction


@dataclass(frozen=True)
class SeriesRule:
    """A series with its two terminale spécialités and its sub-choice."""

    code: str
    label: str
    sp1_label: str
    sp2_label: str
    spa_label: str
    sub_choice_label: str = ""
    sub_choices: tuple[str, ...] = ()
    sp1_parts: tuple[SpecialitePart, ...] = ()
    sp2_parts: tuple[SpecialitePart, ...] = ()

    def parts(self, code: str) -> tuple[SpecialitePart, ...]:
        """Part-grades of SP1 or SP2 (empty when the spécialité is one grade)."""
        return {"SP1": self.sp1_parts, "SP2": self.sp2_parts}.get(code, ())


@dataclass(frozen=True)
class Regulation:
    """All the rules of one session year."""

    year: int
    epreuves: tuple[EpreuveRule, ...]
    series: tuple[SeriesRule, ...]
    pass_threshold: Fraction = Fraction(10)
    second_group_threshold: Fraction = Fraction(8)
    # (threshold, code, label), highest first
    mentions: tuple[tuple[Fraction, str, str], ...] = ()
    second_group_max: int = 2
    # second-group subject -> first-group épreuves it is compared with (FR -> FRE, FRO)
    second_group_subjects: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keep_min_grade: Fraction = Fraction(10)
    keep_sessions: int = 5
    max_options_per_year: int = 2
    option_codes: tuple[str, ...] = ()
    languages: dict[str, str] = field(default_factory=dict)  # code -> label
    options: dict[str, str] = field(default_factory=dict)  # option code -> label
    grade_codes: dict[str, str] = field(default_factory=dict)  # ABS/AJ/DI -> label
    max_grade: Fraction = Fraction(20)
    # Correcteur harmonisation (statistics): a correcteur with at least min_copies copies of an
    # épreuve is flagged when his mean is this many points off the épreuve's, or his standard
    # deviation more than spread_ratio times (or less than 1/spread_ratio times) the épreuve's.
    harmonisation_gap: Fraction = Fraction(2)
    harmonisation_spread_ratio: Fraction = Fraction(2)
    harmonisation_min_copies: int = 20
    # a candidate finally AJOURNÉ with a first-group average at least this gets the CFES
    cfes_threshold: Fraction = Fraction(8)

    def epreuve(self, code: str) -> EpreuveRule:
        """The épreuve of that code; KeyError if the regulation has none."""
        return self._epreuves_by_code[code]

    def has_epreuve(self, code: str) -> bool:
        return code in self._epreuves_by_code

    def series_rule(self, code: str) -> SeriesRule:
        return self._series_by_code[code]

    @property
    def series_codes(self) -> tuple[str, ...]:
        return self._series_codes

    # lookups made once (the imports ask them for each of millions of lines); a regulation
    # never changes once built
    @cached_property
    def _epreuves_by_code(self) -> dict[str, EpreuveRule]:
        found: dict[str, EpreuveRule] = {}
        for rule in self.epreuves:
            found.setdefault(rule.code, rule)
        return found

    @cached_property
    def _series_by_code(self) -> dict[str, SeriesRule]:
        found: dict[str, SeriesRule] = {}
        for rule in self.series:
            found.setdefault(rule.code, rule)
        return found

    @cached_property
    def _series_codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.series)

    @property
    def base_epreuves(self) -> tuple[EpreuveRule, ...]:
        """Every épreuve a candidate takes, options aside."""
        return tuple(rule for rule in self.epreuves if not rule.option)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (fractions as strings): what is stored in the database."""
        return _to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Regulation:
        """Rebuild a regulation from its stored or shipped JSON form."""
        epreuves = tuple(
            EpreuveRule(
                code=e["code"],
                label=e["label"],
                coef=Fraction(e["coef"]),
                kind=e["kind"],
                terminal=bool(e["terminal"]),
                precision=e["precision"],
                second_group=e.get("second_group"),
                option=bool(e.get("option", False)),
                keepable=bool(e.get("keepable", False)),
            )
            for e in data["epreuves"]
        )

        def parts(raw: list[dict[str, Any]]) -> tuple[SpecialitePart, ...]:
            return tuple(SpecialitePart(p["code"], p["label"], Fraction(p["coef"])) for p in raw)

        series = tuple(
            SeriesRule(
                code=s["code"],
                label=s["label"],
                sp1_label=s["sp1_label"],
                sp2_label=s["sp2_label"],
                spa_label=s["spa_label"],
                sub_choice_label=s.get("sub_choice_label", ""),
                sub_choices=tuple(s.get("sub_choices", ())),
                sp1_parts=parts(s.get("sp1_parts", [])),
                sp2_parts=parts(s.get("sp2_parts", [])),
            )
            for s in data["series"]
        )
        return cls(
            year=int(data["year"]),
            epreuves=epreuves,
            series=series,
            pass_threshold=Fraction(data["pass_threshold"]),
            second_group_threshold=Fraction(data["second_group_threshold"]),
            mentions=tuple(
                (Fraction(m["threshold"]), m["code"], m["label"]) for m in data["mentions"]
            ),
            second_group_max=int(data["second_group_max"]),
            second_group_subjects={k: tuple(v) for k, v in data["second_group_subjects"].items()},
            keep_min_grade=Fraction(data["keep_min_grade"]),
            keep_sessions=int(data["keep_sessions"]),
            max_options_per_year=int(data["max_options_per_year"]),
            option_codes=tuple(data["option_codes"]),
            languages=dict(data.get("languages", {})),
            options=dict(data.get("options", {})),
            grade_codes=dict(data.get("grade_codes", {})),
            max_grade=Fraction(data.get("max_grade", 20)),
            harmonisation_gap=Fraction(data.get("harmonisation_gap", 2)),
            harmonisation_spread_ratio=Fraction(data.get("harmonisation_spread_ratio", 2)),
            harmonisation_min_copies=int(data.get("harmonisation_min_copies", 20)),
            cfes_threshold=Fraction(data.get("cfes_threshold", 8)),
        )


def _to_jsonable(reg: Regulation) -> dict[str, Any]:
    def frac(value: Fraction) -> str:
        return str(value)

    return {
        "year": reg.year,
        "pass_threshold": frac(reg.pass_threshold),
        "second_group_threshold": frac(reg.second_group_threshold),
        "mentions": [{"threshold": frac(t), "code": c, "label": lbl} for t, c, lbl in reg.mentions],
        "second_group_max": reg.second_group_max,
        "second_group_subjects": {k: list(v) for k, v in reg.second_group_subjects.items()},
        "keep_min_grade": frac(reg.keep_min_grade),
        "keep_sessions": reg.keep_sessions,
        "max_options_per_year": reg.max_options_per_year,
        "option_codes": list(reg.option_codes),
        "languages": reg.languages,
        "options": reg.options,
        "grade_codes": reg.grade_codes,
        "max_grade": frac(reg.max_grade),
        "harmonisation_gap": frac(reg.harmonisation_gap),
        "harmonisation_spread_ratio": frac(reg.harmonisation_spread_ratio),
        "harmonisation_min_copies": reg.harmonisation_min_copies,
        "cfes_threshold": frac(reg.cfes_threshold),
        "epreuves": [
            {
                "code": e.code,
                "label": e.label,
                "coef": frac(e.coef),
                "kind": e.kind,
                "terminal": e.terminal,
                "precision": e.precision,
                "second_group": e.second_group,
                "option": e.option,
                "keepable": e.keepable,
            }
            for e in reg.epreuves
        ],
        "series": [
            {
                "code": s.code,
                "label": s.label,
                "sp1_label": s.sp1_label,
                "sp2_label": s.sp2_label,
                "spa_label": s.spa_label,
                "sub_choice_label": s.sub_choice_label,
                "sub_choices": list(s.sub_choices),
                "sp1_parts": [
                    {"code": p.code, "label": p.label, "coef": frac(p.coef)} for p in s.sp1_parts
                ],
                "sp2_parts": [
                    {"code": p.code, "label": p.label, "coef": frac(p.coef)} for p in s.sp2_parts
                ],
            }
            for s in reg.series
        ],
    }


def available_years() -> list[int]:
    """Session years for which a regulation file ships with baktui."""
    folder = resources.files("baktui.rules") / "regulations"
    return sorted(int(p.name[:-5]) for p in folder.iterdir() if p.name.endswith(".json"))


def load_regulation(year: int) -> Regulation:
    """The shipped regulation of a session year; KeyError if baktui has none for that year."""
    path = resources.files("baktui.rules") / "regulations" / f"{year}.json"
    if not path.is_file():
        raise KeyError(year)
    return Regulation.from_dict(json.loads(path.read_text(encoding="utf-8")))
