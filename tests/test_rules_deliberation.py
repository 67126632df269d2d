"""Deliberation: hand-computed cases for every rule of the 2026 regulation, then properties.

Base épreuves and coefficients (2026): FRE 5, FRO 5, PHI 4, GO 14, SP1 16, SP2 16, SPA 8, HG 6,
LVA 6, LVB 6, MAT 6, EPS 6, EMC 2 = 100; each option OPTn adds 2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baktui.rules.decision import ADMIS, AJOURNE, DECISION_RANK, INCOMPLET, SECOND_GROUPE
from baktui.rules.deliberation import (
    CandidateFile,
    Result,
    deliberate,
    kept_grade_error,
    mention_label,
    registered_codes,
    speciality_grade,
)
from baktui.rules.grades import Grade, truncate_2
from baktui.rules.jury_aids import missing_points, second_group_whatif
from baktui.rules.regulation import load_regulation

REG = load_regulation(2026)
BASE = registered_codes(REG)

GradeIn = int | F | str | None


def g(value: GradeIn) -> Grade | None:
    """Grade from a short test notation: a number, "ABS"/"AJ"/"DI", or None (missing)."""
    if value is None:
        return None
    if isinstance(value, str):
        return Grade(code=value)
    return Grade.of(value)


def cand(
    default: GradeIn = 10,
    *,
    options: Mapping[str, GradeIn] | None = None,
    series: str = "STMG",
    kept: frozenset[str] = frozenset(),
    eps_inapte: bool = False,
    oral: Mapping[str, GradeIn] | None = None,
    jury: Mapping[str, F | int] | None = None,
    drop: tuple[str, ...] = (),
    **grades: GradeIn,
) -> CandidateFile:
    """Every base épreuve at ``default`` unless given; ``drop`` removes a grade (missing)."""
    options = dict(options or {})
    values: dict[str, Grade | None] = {code: g(default) for code in BASE}
    values.update({code: g(v) for code, v in grades.items()})
    values.update({code: g(v) for code, v in options.items()})
    for code in drop:
        del values[code]
    return CandidateFile(
        series=series,
        grades=values,
        registered=registered_codes(REG, options),
        kept=kept,
        eps_inapte=eps_inapte,
        second_group={k: g(v) for k, v in (oral or {}).items()},
        jury_points=dict(jury or {}),
    )


def test_registered_codes() -> None:
    assert BASE == (
        "FRE", "FRO", "PHI", "GO", "SP1", "SP2", "SPA", "HG", "LVA", "LVB", "MAT", "EPS", "EMC",
    )  # fmt: skip
    assert sum(REG.epreuve(c).coef for c in BASE) == 100
    assert registered_codes(REG, ["OPT2"]) == (*BASE, "OPT2")
    with pytest.raises(ValueError):
        registered_codes(REG, ["LATIN"])


# --- first group -------------------------------------------------------------------------------


def test_all_twelve_is_admitted_assez_bien() -> None:
    r = deliberate(REG, cand(12))
    assert (r.decision, r.mention, r.average) == (ADMIS, "AB", F(12))
    assert (r.points, r.coef_total) == (F(1200), F(100))
    assert r.first_group_average == 12 and not r.second_group_done
    assert r.values["SP1"] == 12 and len(r.values) == 13
    assert mention_label(REG, r.mention) == "Assez bien"


def test_exactly_ten_is_admitted_without_mention() -> None:
    # SP1 12 and SP2 8 balance out: 1000 / 100.
    r = deliberate(REG, cand(10, SP1=12, SP2=8))
    assert (r.decision, r.mention, r.average) == (ADMIS, None, F(10))
    assert truncate_2(r.average) == "10,00"


def test_exactly_eight_is_second_group() -> None:
    r = deliberate(REG, cand(8))
    assert (r.decision, r.average) == (SECOND_GROUPE, F(8))


def test_just_under_eight_is_ajourne() -> None:
    # EMC 7,5: 800 - 1 = 799 -> 7,99
    r = deliberate(REG, cand(8, EMC=F(15, 2)))
    assert (r.decision, r.average) == (AJOURNE, F(799, 100))


def test_just_under_ten_is_second_group_shown_9_99() -> None:
    # EMC 9,75: 1000 - 0,5 = 999,5 -> 9,995 = 1999/200
    r = deliberate(REG, cand(10, EMC=F(39, 4)))
    assert (r.decision, r.average) == (SECOND_GROUPE, F(1999, 200))
    assert truncate_2(r.average) == "9,99"


def test_non_terminating_average_just_under_ten() -> None:
    # OPT1 9,9: (1000 + 19,8) / 102 = 9,998039…, never 10
    r = deliberate(REG, cand(10, options={"OPT1": F(99, 10)}))
    assert r.average == F(10198, 1020)
    assert r.coef_total == 102
    assert r.decision == SECOND_GROUPE
    assert truncate_2(r.average) == "9,99"


@pytest.mark.parametrize(
    ("default", "mention"),
    [(18, "TBF"), (20, "TBF"), (16, "TB"), (F(35, 2), "TB"), (14, "B"), (12, "AB")],
)
def test_mention_thresholds(default: F | int, mention: str) -> None:
    r = deliberate(REG, cand(default))
    assert (r.decision, r.mention) == (ADMIS, mention)


def test_just_under_a_mention_threshold() -> None:
    # EMC 11,5 in an all-12 file: 1199 / 100 = 11,99 -> no mention
    r = deliberate(REG, cand(12, EMC=F(23, 2)))
    assert (r.decision, r.mention, r.average) == (ADMIS, None, F(1199, 100))


def test_abs_counts_zero() -> None:
    # PHI ABS: 1000 - 40 = 960
    r = deliberate(REG, cand(10, PHI="ABS"))
    assert (r.decision, r.average) == (SECOND_GROUPE, F(96, 10))
    assert r.values["PHI"] == 0


def test_option_pulls_the_average_up() -> None:
    # EMC 5: 990 / 100 = 9,9; OPT1 20 -> 1030 / 102 = 10,098…
    assert deliberate(REG, cand(10, EMC=5)).decision == SECOND_GROUPE
    r = deliberate(REG, cand(10, EMC=5, options={"OPT1": 20}))
    assert (r.decision, r.average, r.coef_total) == (ADMIS, F(1030, 102), F(102))


def test_option_pulls_the_average_down() -> None:
    # 1000 + 16 = 1016 / 102 = 9,96…
    r = deliberate(REG, cand(10, options={"OPT1": 8}))
    assert (r.decision, r.average) == (SECOND_GROUPE, F(1016, 102))
    # Two options at 11 in an all-12 file: (1200 + 44) / 104 = 11,96… -> mention lost
    r = deliberate(REG, cand(12, options={"OPT1": 11, "OPT3": 11}))
    assert (r.decision, r.mention, r.average) == (ADMIS, None, F(1244, 104))


def test_unregistered_option_grade_is_ignored() -> None:
    f = cand(12)
    f = dataclasses.replace(f, grades={**f.grades, "OPT4": Grade.of(0)})
    assert deliberate(REG, f).average == 12


def test_kept_grade_removes_the_mention() -> None:
    assert deliberate(REG, cand(15)).mention == "B"
    r = deliberate(REG, cand(15, kept=frozenset({"PHI"})))
    assert (r.decision, r.mention, r.average, r.kept) == (ADMIS, None, F(15), ("PHI",))
    assert any("pas de mention" in line for line in r.reasons)


def test_kept_grade_error() -> None:
    assert kept_grade_error(REG, "PHI", Grade.of(12)) is None
    assert kept_grade_error(REG, "PHI", Grade.of(10)) is None
    assert "au moins égale à 10" in (kept_grade_error(REG, "PHI", Grade.of(9)) or "")
    assert "épreuves terminales" in (kept_grade_error(REG, "HG", Grade.of(15)) or "")


def test_eps_inapte_is_neutralised() -> None:
    # EPS removed from numerator and denominator: 94 x 12 / 94
    r = deliberate(REG, cand(12, EPS=0, eps_inapte=True))
    assert (r.decision, r.mention, r.average, r.coef_total) == (ADMIS, "AB", F(12), F(94))
    assert r.neutralised == ("EPS",)
    assert "EPS" not in r.values
    # No EPS grade at all for an inapte candidate is fine too.
    assert deliberate(REG, cand(12, eps_inapte=True, drop=("EPS",))).decision == ADMIS


def test_eps_inapte_equals_removing_eps_and_di() -> None:
    grades = {"EPS": 3, "SP1": 9, "PHI": 7}
    inapte = deliberate(REG, cand(10, eps_inapte=True, **grades))
    dispensed = deliberate(REG, cand(10, **{**grades, "EPS": "DI"}))
    f = cand(10, **grades)
    removed = deliberate(
        REG, dataclasses.replace(f, registered=[c for c in f.registered if c != "EPS"])
    )
    for r in (inapte, dispensed):
        assert (r.decision, r.average, r.points, r.coef_total) == (
            removed.decision,
            removed.average,
            removed.points,
            removed.coef_total,
        )
    assert removed.average == F(940 - 16 - 12, 94)


def test_aj_is_incomplet() -> None:
    r = deliberate(REG, cand(15, PHI="AJ"))
    assert (r.decision, r.mention, r.average) == (INCOMPLET, None, None)
    assert r.justified_absences == ("PHI",)
    assert any("Absence justifiée (AJ) : Philosophie (PHI)" in line for line in r.reasons)


def test_missing_is_incomplet() -> None:
    r = deliberate(REG, cand(15, drop=("MAT",), HG=None))
    assert (r.decision, r.average, r.first_group_average) == (INCOMPLET, None, None)
    assert r.missing == ("HG", "MAT")
    assert "Note manquante : Mathématiques (MAT)" in r.reasons


def test_missing_option_is_incomplet() -> None:
    r = deliberate(REG, cand(15, options={"OPT2": None}))
    assert (r.decision, r.missing) == (INCOMPLET, ("OPT2",))


def test_all_di_is_incomplet_without_division_by_zero() -> None:
    r = deliberate(REG, cand("DI"))
    assert (r.decision, r.average, r.coef_total, r.points) == (INCOMPLET, None, 0, 0)
    assert len(r.neutralised) == 13
    assert any("toutes neutralisées" in line for line in r.reasons)
    r = deliberate(REG, cand("DI", eps_inapte=True, drop=("EPS",)))
    assert r.decision == INCOMPLET


def test_nothing_registered_is_incomplet() -> None:
    r = deliberate(REG, CandidateFile(series="STL", grades={}, registered=()))
    assert (r.decision, r.coef_total) == (INCOMPLET, 0)


def test_st2s_composite_kept_exact_in_the_average() -> None:
    # CBPH = (3 x 13,5 + 13 x 11) / 16 = 367/32 = 11,46875
    sp1 = speciality_grade(REG, "ST2S", "SP1", {"CHI": F(27, 2), "BPH": 11})
    assert sp1 == Grade.of(F(367, 32))
    f = cand(10, series="ST2S")
    f = dataclasses.replace(f, grades={**f.grades, "SP1": sp1})
    r = deliberate(REG, f)
    # 1000 + 16 x (367/32 - 10) = 1023,5
    assert (r.points, r.average) == (F(2047, 2), F(2047, 200))
    assert r.values["SP1"] == F(367, 32)


def test_speciality_grade_errors() -> None:
    with pytest.raises(ValueError):
        speciality_grade(REG, "STMG", "SP1", {"CHI": 12})
    with pytest.raises(ValueError):
        speciality_grade(REG, "ST2S", "SP1", {"XXX": 12})
    assert speciality_grade(REG, "STHR", "SP1", {"STC": 12}) is None  # STS missing
    assert speciality_grade(REG, "STHR", "SP1", {"STC": 12, "STS": F(27, 2)}) == Grade.of(F(51, 4))


def test_invalid_files() -> None:
    with pytest.raises(ValueError, match="série"):
        deliberate(REG, dataclasses.replace(cand(), series="STAV"))
    with pytest.raises(ValueError, match="inconnue"):
        deliberate(REG, dataclasses.replace(cand(), registered=[*BASE, "XYZ"]))
    with pytest.raises(ValueError, match="supérieure à 20"):
        deliberate(REG, cand(10, PHI=21))
    with pytest.raises(ValueError, match="négatifs"):
        deliberate(REG, cand(10, jury={"PHI": -1}))
    with pytest.raises(ValueError, match="pas inscrit"):
        deliberate(REG, cand(10, jury={"OPT1": 1}))


# --- jury points -------------------------------------------------------------------------------


def test_jury_points_raise_a_grade() -> None:
    # EMC 5: 990. One point on SP1: +16 -> 1006
    r = deliberate(REG, cand(10, EMC=5, jury={"SP1": 1}))
    assert (r.decision, r.average, r.values["SP1"]) == (ADMIS, F(1006, 100), F(11))
    assert any("Points de jury" in line for line in r.reasons)


def test_jury_points_capped_at_max_grade() -> None:
    r = deliberate(REG, cand(10, SP1=19, jury={"SP1": 3}))
    assert r.values["SP1"] == 20


def test_jury_points_on_abs_and_on_di() -> None:
    assert deliberate(REG, cand(10, PHI="ABS", jury={"PHI": 2})).values["PHI"] == 2
    r = deliberate(REG, cand(10, EPS="DI", jury={"EPS": 2}))
    assert r.average == 10 and any("sans effet" in line for line in r.reasons)


# --- second group ------------------------------------------------------------------------------

# FRE 6, FRO 8, PHI 7, rest 10: 1000 - 20 - 10 - 12 = 958 -> 9,58
SG = {"FRE": 6, "FRO": 8, "PHI": 7}


def test_second_group_without_grades_is_pending() -> None:
    r = deliberate(REG, cand(10, **SG))
    assert (r.decision, r.average, r.second_group_done) == (SECOND_GROUPE, F(958, 100), False)


def test_second_group_fr_replaces_fre_and_fro_mean() -> None:
    # FR 9 > mean(6, 8) = 7: FRE and FRO become 9: 958 - 70 + 90 = 978 -> still ajourné
    r = deliberate(REG, cand(10, oral={"FR": 9}, **SG))
    assert (r.decision, r.average, r.first_group_average) == (AJOURNE, F(978, 100), F(958, 100))
    assert r.second_group_done and r.replaced == ("FR",)
    assert (r.values["FRE"], r.values["FRO"]) == (9, 9)


def test_second_group_two_subjects_admitted_without_mention() -> None:
    # FR 12: 958 - 70 + 120 = 1008; PHI 9 > 7: + 8 -> 1016
    r = deliberate(REG, cand(10, oral={"FR": 12, "PHI": 9}, **SG))
    assert (r.decision, r.mention, r.average) == (ADMIS, None, F(1016, 100))
    assert r.replaced == ("FR", "PHI")


def test_fr_compared_with_the_mean_not_with_fre() -> None:
    # FRE 6, FRO 14 (mean 10), PHI 5, SP1 9: 1000 - 20 + 20 - 20 - 16 = 964
    # FR 9 beats FRE (6) but not the mean (10): nothing replaced. PHI 15: + 40 -> 1004
    r = deliberate(REG, cand(10, FRE=6, FRO=14, PHI=5, SP1=9, oral={"FR": 9, "PHI": 15}))
    assert r.first_group_average == F(964, 100)
    assert (r.decision, r.average, r.replaced) == (ADMIS, F(1004, 100), ("PHI",))
    assert (r.values["FRE"], r.values["FRO"]) == (6, 14)
    assert any("ne remplace pas FRE et FRO" in line for line in r.reasons)


def test_lower_or_equal_second_group_grade_does_not_replace() -> None:
    for oral in (6, 7):
        r = deliberate(REG, cand(10, oral={"PHI": oral}, **SG))
        assert (r.decision, r.average, r.replaced) == (AJOURNE, F(958, 100), ())
        assert r.values["PHI"] == 7


def test_second_group_abs_replaces_nothing() -> None:
    r = deliberate(REG, cand(10, oral={"PHI": "ABS", "FR": 12}, **SG))
    assert (r.decision, r.average, r.replaced) == (ADMIS, F(1008, 100), ("FR",))


def test_admitted_after_second_group_never_has_a_mention() -> None:
    # All 13, SP1 0, SP2 0: 1300 - 416 = 884 -> second group; 20 and 20: 884 + 640 = 1524
    r = deliberate(REG, cand(13, SP1=0, SP2=0, oral={"SP1": 20, "SP2": 20}))
    assert (r.decision, r.average, r.mention) == (ADMIS, F(1524, 100), None)


def test_missing_second_group_grade_stays_pending() -> None:
    for pending in (None, "AJ"):
        r = deliberate(REG, cand(10, oral={"FR": 12, "PHI": pending}, **SG))
        assert (r.decision, r.second_group_done, r.average) == (
            SECOND_GROUPE,
            False,
            F(958, 100),
        )
        assert any("En attente" in line for line in r.reasons)


def test_three_second_group_subjects_refused() -> None:
    with pytest.raises(ValueError, match="2 au plus"):
        deliberate(REG, cand(10, oral={"FR": 12, "PHI": 12, "SP1": 12}, **SG))


def test_second_group_subject_must_be_eligible() -> None:
    with pytest.raises(ValueError, match="pas une matière du second groupe"):
        deliberate(REG, cand(10, oral={"GO": 12}, **SG))
    with pytest.raises(ValueError, match="pas une matière du second groupe"):
        deliberate(REG, cand(10, oral={"FRE": 12}, **SG))


def test_second_group_grades_ignored_when_not_at_second_group() -> None:
    r = deliberate(REG, cand(15, oral={"PHI": 20}))
    assert (r.decision, r.mention, r.average, r.second_group_done) == (ADMIS, "B", 15, False)
    r = deliberate(REG, cand(5, oral={"PHI": 20}))
    assert (r.decision, r.average, r.second_group_done) == (AJOURNE, 5, False)


def test_second_group_subject_with_neutralised_epreuves() -> None:
    # PHI DI: 960 / 96 … use SP1 0 to get to the second group: (960 - 160) / 96 = 8,33
    r = deliberate(REG, cand(10, PHI="DI", SP1=0, oral={"PHI": 20, "SP1": 20}))
    assert r.replaced == ("SP1",)
    assert r.average == F(800 + 320, 96)
    assert any("aucune note du premier groupe" in line for line in r.reasons)


def test_jury_points_lost_when_the_grade_is_replaced() -> None:
    # PHI 7 + 1 jury point = 8, then PHI oral 12 replaces it: 958 + 4 - 4 + 20 = 978
    r = deliberate(REG, cand(10, oral={"PHI": 12}, jury={"PHI": 1}, **SG))
    assert r.first_group_average == F(962, 100)
    assert r.average == F(978, 100)
    assert any("sans effet" in line for line in r.reasons)


# --- missing points ----------------------------------------------------------------------------


def test_missing_points_second_group() -> None:
    f = cand(10, **SG)
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.to_pass is not None
    assert (mp.to_pass.points, mp.to_pass.on_average, mp.to_pass.target) == (42, F(42, 100), 10)
    # Alone, SP1 or SP2 need 42/16 = 2,625, GO 3, PHI 10,5 (fits: 7 + 10,5 <= 20)...
    alone = dict(mp.to_pass.per_epreuve)
    assert (alone["SP1"], alone["GO"], alone["PHI"], alone["FRE"]) == (
        F(21, 8),
        3,
        F(21, 2),
        F(42, 5),
    )
    assert "EMC" not in alone  # 42 / 2 = 21 points: more than 20 - 10
    assert "HG" in alone and alone["HG"] == 7
    assert mp.to_second_group is None and mp.to_next_mention is None and mp.next_mention is None
    # Giving exactly those points (42/16 on SP1) reaches exactly 10.
    r = deliberate(REG, cand(10, jury={"SP1": F(42, 16)}, **SG))
    assert (r.decision, r.average) == (ADMIS, 10)


def test_missing_points_ajourne() -> None:
    f = cand(7)
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.to_pass is not None and mp.to_second_group is not None
    assert (mp.to_pass.points, mp.to_pass.on_average) == (300, 3)
    assert (mp.to_second_group.points, mp.to_second_group.on_average) == (100, 1)
    assert mp.max_available == 1300


def test_missing_points_with_neutralised_epreuves() -> None:
    f = cand(0, GO=20, SP1=20, SP2=20)  # 46 coefs at 20, 54 at 0: 920 / 100
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.to_pass is not None and mp.to_pass.points == 80
    assert mp.max_available == 54 * 20
    assert "GO" not in dict(mp.to_pass.per_epreuve)  # already 20
    f = cand(0, drop=(), **{c: "DI" for c in BASE if c not in ("PHI", "EMC")}, PHI=20)
    # PHI 20 (4) + EMC 0 (2): 80 / 6 = 13,3 -> admitted, next mention B at 14
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.next_mention == "B" and mp.to_next_mention is not None
    assert mp.to_next_mention.points == 4
    assert mp.to_next_mention.per_epreuve == (("EMC", 2),)  # PHI is already 20
    assert mp.max_available == 40


def test_missing_points_non_terminating() -> None:
    f = cand(10, options={"OPT1": F(99, 10)})
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.to_pass is not None
    assert (mp.to_pass.points, mp.to_pass.on_average) == (F(1, 5), F(1, 510))


def test_missing_points_next_mention() -> None:
    f = cand(F(23, 2))  # 11,5 admitted: 50 weighted points (0,5) to AB
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.to_pass is None and mp.to_second_group is None
    assert mp.next_mention == "AB" and mp.to_next_mention is not None
    assert (mp.to_next_mention.points, mp.to_next_mention.on_average) == (50, F(1, 2))
    f = cand(13)
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.next_mention == "B" and mp.to_next_mention is not None
    assert mp.to_next_mention.points == 100
    f = cand(18)
    assert missing_points(REG, f, deliberate(REG, f)).to_next_mention is None
    f = cand(F(23, 2), kept=frozenset({"GO"}))
    assert missing_points(REG, f, deliberate(REG, f)).to_next_mention is None


def test_missing_points_after_second_group_and_incomplet() -> None:
    f = cand(10, oral={"FR": 9}, **SG)  # 978 after the second group
    mp = missing_points(REG, f, deliberate(REG, f))
    assert mp.to_pass is not None and mp.to_pass.points == 22
    assert mp.to_second_group is None
    alone = dict(mp.to_pass.per_epreuve)
    assert "FRE" not in alone and "FRO" not in alone  # replaced by the FR grade
    assert alone["PHI"] == F(22, 4)
    f = cand(10, PHI="AJ")
    mp = missing_points(REG, f, deliberate(REG, f))
    assert (mp.average, mp.to_pass, mp.to_second_group, mp.to_next_mention) == (
        None,
        None,
        None,
        None,
    )


# --- second-group what-if ----------------------------------------------------------------------


def whatif_map(f: CandidateFile) -> dict[tuple[str, ...], int | None]:
    return {w.subjects: w.min_grade for w in second_group_whatif(REG, f)}


def test_whatif_hand_computed() -> None:
    # 958, 42 weighted points missing.
    # FR (coef 10, mean 7): 10x - 70 >= 42 -> 12. PHI (4, 7): 4x - 28 >= 42 -> 18.
    # SP1/SP2 (16, 10): 16x - 160 >= 42 -> 13. FR+PHI: 14x - 98 >= 42 -> 10.
    # FR+SPn: 26x - 230 >= 42 -> 11. PHI+SPn: x = 12 gives 20 + 32. SP1+SP2: 32x - 320 >= 42 -> 12.
    assert whatif_map(cand(10, **SG)) == {
        ("FR",): 12,
        ("PHI",): 18,
        ("SP1",): 13,
        ("SP2",): 13,
        ("FR", "PHI"): 10,
        ("FR", "SP1"): 11,
        ("FR", "SP2"): 11,
        ("PHI", "SP1"): 12,
        ("PHI", "SP2"): 12,
        ("SP1", "SP2"): 12,
    }
    first = second_group_whatif(REG, cand(10, **SG))[0]
    assert first.current == (F(7),) and first.average == F(1008, 100)
    assert first.reason == "Au moins 12 en FR pour être admis"


def test_whatif_impossible_cases() -> None:
    # All 8: 200 missing. Singles: FR 120, PHI 48, SP1 192 at most -> impossible.
    # SP1+SP2: 32x - 256 >= 200 -> 15; FR+SPn: 26x - 208 >= 200 -> 16; PHI+SPn: 20x - 160 -> 18;
    # FR+PHI: 14x - 112 >= 200 -> 23 > 20, impossible.
    assert whatif_map(cand(8)) == {
        ("FR",): None,
        ("PHI",): None,
        ("SP1",): None,
        ("SP2",): None,
        ("FR", "PHI"): None,
        ("FR", "SP1"): 16,
        ("FR", "SP2"): 16,
        ("PHI", "SP1"): 18,
        ("PHI", "SP2"): 18,
        ("SP1", "SP2"): 15,
    }
    assert "même avec 20" in second_group_whatif(REG, cand(8))[0].reason


def test_whatif_cannot_help_when_already_maximal() -> None:
    # All 8, PHI 20: 848 -> second group; PHI cannot be improved.
    items = {w.subjects: w for w in second_group_whatif(REG, cand(8, PHI=20))}
    assert items[("PHI",)].min_grade is None
    assert "déjà maximale" in items[("PHI",)].reason


def test_whatif_only_for_second_group() -> None:
    assert second_group_whatif(REG, cand(12)) == []
    assert second_group_whatif(REG, cand(5)) == []
    assert second_group_whatif(REG, cand(10, PHI="AJ")) == []
    assert second_group_whatif(REG, cand(10, oral={"FR": 12}, **SG)) == []


def test_whatif_agrees_with_deliberate() -> None:
    f = cand(10, FRE=3, FRO=11, PHI=9, SP1=8, SP2=12, EMC=F(83, 10))
    for w in second_group_whatif(REG, f):
        if w.min_grade is None:
            continue
        ok = deliberate(
            REG, dataclasses.replace(f, second_group=dict.fromkeys(w.subjects, g(w.min_grade)))
        )
        assert ok.decision == ADMIS and ok.average == w.average
        if w.min_grade > 0:
            below = dict.fromkeys(w.subjects, g(w.min_grade - 1))
            assert deliberate(REG, dataclasses.replace(f, second_group=below)).decision == AJOURNE


# --- properties --------------------------------------------------------------------------------

_CC = {e.code for e in REG.epreuves if not e.terminal}
_GRADE_WHOLE = st.integers(0, 20).map(Grade.of)
_GRADE_TENTH = st.integers(0, 200).map(lambda n: Grade.of(F(n, 10)))


@st.composite
def complete_files(draw: st.DrawFn, with_oral: bool = False) -> CandidateFile:
    """Complete candidate files (no missing grade, no AJ), with options and DI/ABS."""
    options = draw(st.sets(st.sampled_from(REG.option_codes), max_size=4))
    codes = registered_codes(REG, options)
    grades: dict[str, Grade | None] = {}
    for code in codes:
        number = _GRADE_TENTH if code in _CC else _GRADE_WHOLE
        grades[code] = draw(
            st.one_of(
                number,
                number,
                number,
                st.sampled_from([Grade.absent(), Grade.dispensed()]),
            )
        )
    oral: dict[str, Grade | None] = {}
    if with_oral:
        subjects = draw(st.sets(st.sampled_from(list(REG.second_group_subjects)), max_size=2))
        oral = {s: draw(_GRADE_WHOLE) for s in subjects}
    return CandidateFile(
        series=draw(st.sampled_from(REG.series_codes)),
        grades=grades,
        registered=codes,
        kept=frozenset(draw(st.sets(st.sampled_from(["FRE", "PHI", "GO"]), max_size=1))),
        eps_inapte=draw(st.booleans()),
        second_group=oral,
    )


def _same(a: Result, b: Result) -> None:
    keys = ("decision", "mention", "average", "first_group_average", "points", "coef_total")
    assert {k: getattr(a, k) for k in keys} == {k: getattr(b, k) for k in keys}


@settings(max_examples=50, deadline=None)
@given(complete_files(with_oral=True))
def test_average_always_between_0_and_20(f: CandidateFile) -> None:
    r = deliberate(REG, f)
    if r.decision == INCOMPLET:
        assert r.coef_total == 0
        return
    assert r.average is not None and r.first_group_average is not None
    assert 0 <= r.first_group_average <= r.average <= 20


@settings(max_examples=60, deadline=None)
@given(complete_files(with_oral=True), st.data())
def test_raising_a_grade_never_lowers_the_outcome(f: CandidateFile, data: st.DataObject) -> None:
    counted = [c for c, gr in f.grades.items() if gr is not None and not gr.is_dispensed]
    if not counted:
        return
    code = data.draw(st.sampled_from(counted))
    old_value = f.grades[code].counted_value  # type: ignore[union-attr]
    assert old_value is not None
    new_value = data.draw(st.integers(0, 200).map(lambda n: F(n, 10))).__add__(old_value)
    raised = dataclasses.replace(f, grades={**f.grades, code: Grade.of(min(new_value, F(20)))})
    before, after = deliberate(REG, f), deliberate(REG, raised)
    if before.decision == INCOMPLET:  # every counted épreuve neutralised by EPS inapte
        return
    assert DECISION_RANK[after.decision] >= DECISION_RANK[before.decision]
    assert after.first_group_average >= before.first_group_average  # type: ignore[operator]
    if not f.second_group:
        assert after.average >= before.average  # type: ignore[operator]


@settings(max_examples=50, deadline=None)
@given(complete_files(with_oral=True), st.data())
def test_di_equals_removing_the_epreuve(f: CandidateFile, data: st.DataObject) -> None:
    code = data.draw(st.sampled_from(list(f.registered)))
    dispensed = dataclasses.replace(f, grades={**f.grades, code: Grade.dispensed()})
    removed = dataclasses.replace(f, registered=[c for c in f.registered if c != code])
    _same(deliberate(REG, dispensed), deliberate(REG, removed))


@settings(max_examples=50, deadline=None)
@given(complete_files())
def test_missing_points_close_the_gap(f: CandidateFile) -> None:
    r = deliberate(REG, f)
    mp = missing_points(REG, f, r)
    for gap in (mp.to_pass, mp.to_second_group, mp.to_next_mention):
        if gap is not None:
            assert gap.points > 0
            assert r.points + gap.points == gap.target * r.coef_total
            assert r.average is not None and r.average + gap.on_average == gap.target
