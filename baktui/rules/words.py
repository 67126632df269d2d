"""The words offices type in files and forms, read the same way everywhere.

"oui", "O", "x" or "vrai" for yes; "F", "féminin" or "femme" for a sex; "candidat individuel" or
"individuel" for a status. Each reader returns the stored value, or None for a word it does not
know (the caller names the field in its refusal). Case, accents and spaces do not matter.
"""

from __future__ import annotations

from baktui.rules.identifiers import fold
from baktui.rules.registration import STATUSES

YES = frozenset({"oui", "o", "yes", "y", "1", "vrai", "x"})
NO = frozenset({"non", "n", "no", "0", "faux", ""})
_SEX = {
    "f": "F",
    "fem": "F",
    "feminin": "F",
    "femme": "F",
    "m": "M",
    "masc": "M",
    "masculin": "M",
    "homme": "M",
    "": "",
}
_STATUS_WORDS = {"_".join(fold(label).split()): key for key, label in STATUSES.items()} | {
    key: key for key in STATUSES
}


def yes_no(text: str, *, also_yes: frozenset[str] = frozenset()) -> bool | None:
    """True, False, or None for a word that is neither ("" is no)."""
    word = fold(text)
    if word in YES or word in also_yes:
        return True
    if word in NO:
        return False
    return None


def sex_code(text: str) -> str | None:
    """ "F", "M", "" (not given), or None for an unknown word."""
    return _SEX.get(fold(text))


def status_key(text: str) -> str | None:
    """The status key (``scolaire``, ``individuel``…) of a word or label; "" means scolaire."""
    return _STATUS_WORDS.get("_".join(fold(text).split()) or "scolaire")


def clean_spaces(text: str) -> str:
    """Spaces collapsed and trimmed: how names, addresses and communes are stored."""
    return " ".join(text.split())


def code_upper(text: str) -> str:
    """A code (série, language, épreuve) in capitals, only when it is ASCII: "stı2d".upper() is
    "STI2D" in Python, yet nobody typed that code; a non-ASCII text stays as typed and is refused."""
    return text.upper() if text.isascii() else text
