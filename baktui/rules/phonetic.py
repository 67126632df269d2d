"""A French phonetic key for names heard on the phone ("Lefebvre" and "Lefèvre" sound alike).

A small "phonex"-like normalisation, word by word: the word is folded (no accents, lower case),
then rewritten by ordered rules until nothing changes (a fixed point, so the key of a key is
itself). The key keeps only ``a-z`` and the digits that stand for sounds written with several
letters: ``1`` an/en/am/em, ``2`` on/om, ``3`` in/ain/ein/un/im/aim/ym, ``4`` ou, ``5`` ch/sh/sch.

Rules (in order): ph -> f, bv -> v, gu/ge -> g/j before e i y, qu/q/ck/c/k -> k (c before e i y
-> s), w -> v, y -> i, z -> s, h silent, vowels groups (eau, au, o -> o; ai, ei, ay, è -> e),
nasals before a consonant or at the end, double letters as one, and the final silent letters:
e (kept after n or m, which would read as a nasal), then s t d x p after a vowel.
"""

from __future__ import annotations

import re
from functools import lru_cache

from baktui.rules.identifiers import fold

_VOWELS = "aeiou"
_WORD = re.compile(r"[a-z0-9]+")

# (pattern, replacement), applied in order at every pass
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"ph", "f"),
        (r"bv", "v"),
        (r"s?ch|sh", "5"),
        (r"gu(?=[eiy])", "g"),
        (r"g(?=[eiy])", "j"),
        (r"qu|ck|q", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"w", "v"),
        (r"y", "i"),
        (r"z", "s"),
        (r"h", ""),
        (r"(.)\1+", r"\1"),
        (r"eau|au", "o"),
        (r"ai|ei", "e"),
        (r"ou", "4"),
        (r"(?:ai|ei|i|u)[nm](?=[^aeiou1234]|$)", "3"),
        (r"[ae][nm](?=[^aeiou1234]|$)", "1"),
        (r"o[nm](?=[^aeiou1234]|$)", "2"),
        (r"(?<=[^nm])e$", ""),
        (r"(?<=[aeiou1234])[stdxp]$", ""),
    )
)
_MAX_PASSES = 8


def _pass(word: str) -> str:
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


def phonetic(word: str) -> str:
    """The phonetic key of one word ("Lefebvre" -> "lefevr", "Hélène" -> "elen")."""
    return " ".join(phonetic_words(_WORD.findall(fold(word))))


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    key = word
    for _ in range(_MAX_PASSES):
        nxt = _pass(key)
        if nxt == key:
            return key
        key = nxt
    return key


def sound_key(last_name: str, first_name: str) -> str:
    """The phonetic key of a candidate, "last first" word by word (beside ``name_key``)."""
    return phonetic(f"{last_name} {first_name}")


def phonetic_words(words: list[str]) -> list[str]:
    """The phonetic key of each folded query word (empty keys left out)."""
    return [key for key in (_word_key(w) for w in words) if key]
