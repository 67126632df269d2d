"""The French helper: agreement by sex, elision, plurals, typography."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.french import NARROW_NBSP, NBSP, agree, of, plural, title_words, typographic


@pytest.mark.parametrize(
    ("who", "word", "expected"),
    [
        ("F", "né", "née"),
        ("M", "né", "né"),
        ("", "né", "né(e)"),
        (None, "inscrit", "inscrit(e)"),
        ("Mme", "convoqué", "convoquée"),
        ("M.", "convoqué", "convoqué"),
        ("Mme", "professeur", "professeure"),
        ("", "examinateur", "examinateur / examinatrice"),
        ("F", "examinateur", "examinatrice"),
    ],
)
def test_agreement_follows_the_recorded_sex(who: str | None, word: str, expected: str) -> None:
    assert agree(who, word) == expected


def test_titles_take_the_administration_s_feminine() -> None:
    assert title_words("Mme", "professeur agrégé") == "professeure agrégée"
    assert title_words("Mme", "maître de conférences") == "maîtresse de conférences"
    assert title_words("M.", "professeur agrégé") == "professeur agrégé"


def test_elision_and_plurals() -> None:
    assert (of("AUBERT"), of("Émilie"), of("DUPONT")) == ("d’AUBERT", "d’Émilie", "de DUPONT")
    assert (plural(0, "copie"), plural(1, "copie"), plural(2, "copie")) == (
        "0 copie", "1 copie", "2 copies")  # fmt: skip
    assert plural(12000, "candidat") == f"12{NARROW_NBSP}000 candidats"
    assert plural(3, "jury", "jurys") == "3 jurys"


def test_typography() -> None:
    assert typographic("L'élève d'Annecy : convoqué ; présent ? oui !") == (
        f"L’élève d’Annecy{NARROW_NBSP}: convoqué{NARROW_NBSP}; présent{NARROW_NBSP}? "
        f"oui{NARROW_NBSP}!"
    )
    assert typographic("« Lycée Ampère »") == f"«{NBSP}Lycée Ampère{NBSP}»"
    assert typographic("08:00 à 12:00, 0690026D, 13,55/20") == "08:00 à 12:00, 0690026D, 13,55/20"
    assert typographic("'quoted' 12' ") == "'quoted' 12' "  # no letter on both sides: kept


@given(st.text())
def test_typography_is_idempotent_and_keeps_every_letter_and_digit(text: str) -> None:
    once = typographic(text)
    assert typographic(once) == once
    keep = re.compile(r"[\w]")
    assert keep.findall(once) == keep.findall(text)


def test_agreement_with_a_name_shown_with_its_civility() -> None:
    from baktui.rules.french import agree_with

    assert agree_with("Mme DUPONT Anne", "convoqué") == "convoquée"
    assert agree_with("M. MARTIN Paul", "absent") == "absent"
    assert agree_with("DUPONT Anne", "absent") == "absent(e)"  # no civility: nothing to agree with
    assert agree_with("", "pris") == "pris(e)"
    assert agree_with("Madame LEROY Lucie", "déclaré") == "déclarée"


def test_the_short_refusals_of_f5_agree_with_the_examiner() -> None:
    from baktui.services.eligibility import R_ABSENT, R_BUSY, R_OWN, R_SELF, reason_short

    assert reason_short(R_BUSY, "Mme DUPONT Anne") == "déjà prise"
    assert reason_short(R_SELF, "Mme DUPONT Anne") == "absente à remplacer"
    assert reason_short(R_ABSENT, "M. MARTIN Paul") == "absent"
    assert reason_short(R_OWN, "Mme DUPONT Anne") == "ses propres élèves"


def test_que_is_elided_before_a_vowel() -> None:
    from baktui.rules.french import that

    assert that("Eva ANDRÉ") == "qu’Eva ANDRÉ"
    assert that(" Élise PETIT") == "qu’Élise PETIT"
    assert that("Léa MARTIN") == "que Léa MARTIN"
