"""The French phonetic key: names heard alike get one key; the key of a key is itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.identifiers import fold
from baktui.rules.phonetic import phonetic, phonetic_words, sound_key


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("Lefebvre", "lefevr"),  # bv -> v, final e silent
        ("Lefèvre", "lefevr"),
        ("Hélène", "elene"),  # h silent; e kept after n (not a nasal)
        ("Philippe", "fili"),  # ph -> f, double letters, final e
        ("Dupont", "dup2"),  # nasal on, final t silent
        ("Dupond", "dup2"),
        ("Rousseau", "r4so"),  # ou, eau -> o
        ("Laurent", "lor1"),  # au -> o, nasal en
        ("Lorant", "lor1"),
        ("Cécile", "sesil"),  # c before e i -> s
        ("Gauthier", "gotier"),  # th -> t
        ("Schevallier", "5evalier"),  # sch -> ch (5)
        ("Jeanne", "jeane"),  # nn -> n before the nasal rule
        ("Simon", "sim2"),  # i before a nasal vowel is not a nasal
        ("Vincent", "v3s1"),
    ],
)
def test_hand_computed_keys(word: str, key: str) -> None:
    assert phonetic(word) == key


@pytest.mark.parametrize(
    ("heard", "written"),
    [("lefebvre", "Lefèvre"), ("filip", "Philippe"), ("rousso", "Rousseau"), ("tomas", "Thomas"),
     ("matieu", "Matthieu"), ("leroi", "Leroy"), ("gautier", "Gauthier"), ("morot", "Moreau")],
)  # fmt: skip
def test_names_heard_alike_share_a_key(heard: str, written: str) -> None:
    assert phonetic(heard) == phonetic(written)


def test_names_that_sound_different_keep_different_keys() -> None:
    assert phonetic("Martin") != phonetic("Morin")
    assert phonetic("Lefèvre") != phonetic("Lefort")
    assert phonetic("Dupont") != phonetic("Durand")


def test_sound_key_is_last_then_first_word_by_word() -> None:
    assert sound_key("Lefèvre-Dupont", "Hélène") == "lefevr dup2 elene"
    assert phonetic_words(["lefebvre", "helene"]) == ["lefevr", "elene"]
    assert phonetic("") == "" and phonetic("  - ' ") == ""


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèêëàâîïôöûüç -'ÉÈÇ", max_size=30)


@given(names)
def test_the_key_of_a_key_is_itself(name: str) -> None:
    key = phonetic(name)
    assert phonetic(key) == key
    assert fold(key) == key  # only a-z, digits and single spaces


@given(names)
def test_accents_and_case_do_not_change_the_key(name: str) -> None:
    assert phonetic(name) == phonetic(fold(name)) == phonetic(name.upper())
