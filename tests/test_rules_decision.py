"""The first-group core both deliberation paths use: hand-computed tallies, thresholds, and the
fast path agreeing with the explained path on any file."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st
from test_rules_deliberation import REG, complete_files

from baktui.rules.decision import (
    ADMIS,
    AJOURNE,
    INAPTE,
    INCOMPLET,
    SECOND_GROUPE,
    Thresholds,
    centi_table,
    decide,
    deliberate_centi,
    tally,
)
from baktui.rules.deliberation import CandidateFile, deliberate
from baktui.rules.grades import Grade, to_centi

ORDER = (("FRE", 5), ("PHI", 4), ("EPS", 6), ("OPT1", 2), ("HG", 6))


def test_tally_by_hand() -> None:
    got = tally(
        ORDER,
        {"FRE", "PHI", "EPS", "HG"},  # OPT1 not registered: its grade is not counted
        {
            "FRE": (12, None),
            "PHI": (None, "ABS"),
            "EPS": (15, None),
            "OPT1": (20, None),
            "HG": (F(27, 2), None),
        },  # fmt: skip
        eps_inapte=True,
        kept={"FRE"},
    )
    # FRE 12×5 + PHI 0×4 + HG 13,5×6 = 60 + 0 + 81 ; coefficients 5 + 4 + 6
    assert (got.points, got.total) == (141, 15)
    assert got.neutralised == [("EPS", INAPTE)] and got.kept == ["FRE"] and got.complete
    assert got.counted == [("FRE", 12, 5), ("PHI", 0, 4), ("HG", F(27, 2), 6)]


def test_tally_missing_aj_and_di() -> None:
    got = tally(ORDER, {"FRE", "PHI", "EPS", "HG"},
                {"FRE": (None, "AJ"), "PHI": (None, None), "EPS": (None, "DI")})  # fmt: skip
    assert got.missing == ["PHI", "HG"] and got.justified == ["FRE"]
    assert got.neutralised == [("EPS", "DI")] and not got.complete and got.total == 0


def test_decide_thresholds_and_mentions() -> None:
    limits = Thresholds.of(REG)
    assert decide(limits, F(10), kept=False) == (ADMIS, None)
    assert decide(limits, F(12), kept=False) == (ADMIS, "AB")
    assert decide(limits, F(18), kept=False) == (ADMIS, "TBF")
    assert decide(limits, F(18), kept=True) == (ADMIS, None)  # a kept grade: no mention
    assert decide(limits, F(9999, 1000), kept=False) == (SECOND_GROUPE, None)
    assert decide(limits, F(8), kept=False) == (SECOND_GROUPE, None)
    assert decide(limits, F(7999, 1000), kept=False) == (AJOURNE, None)


def test_fast_path_composite_specialite_in_hundredths() -> None:
    """ST2S SP1 from its parts CHI 12 (coef 3) and BPH 13,5 (coef 13): exact weighted mean."""
    table = centi_table(REG)
    codes = [e.code for e in REG.base_epreuves]
    grades = {c: (1000, None) for c in codes if c != "SP1"}
    parts = {"SP1": {"CHI": (1200, None), "BPH": (1350, None)}}
    decision, mention, average = deliberate_centi(table, "ST2S", codes, grades, parts=parts)
    sp1 = F(12 * 3 + F(27, 2) * 13, 16)  # 13,21875
    assert average == (10 * (100 - 16) + sp1 * 16) / 100
    assert (decision, mention) == (ADMIS, None)
    assert (
        deliberate_centi(table, "ST2S", codes, {**grades, "PHI": (None, "AJ")}, parts=parts)[0]
        == INCOMPLET
    )


def _stored(grade: Grade | None) -> tuple[int | None, str | None] | None:
    if grade is None:
        return None
    return (None, grade.code) if grade.code else (to_centi(grade.value), None)


@settings(max_examples=200, deadline=None)
@given(complete_files(), st.booleans())
def test_fast_path_agrees_with_the_explained_path(f: CandidateFile, drop_one: bool) -> None:
    grades = dict(f.grades)
    if drop_one:  # an incomplete file too
        grades.pop(next(iter(grades)))
    f = CandidateFile(f.series, grades, f.registered, f.kept, f.eps_inapte)
    stored = {c: s for c, g in grades.items() if (s := _stored(g)) is not None}
    fast = deliberate_centi(centi_table(REG), f.series, f.registered, stored, f.kept, f.eps_inapte)
    slow = deliberate(REG, f)
    assert fast == (slow.decision, slow.mention, slow.average)
