"""What a person's text may hold: the one input check of names, addresses and free text.

Every file cell and every typed value goes through these checks before it is stored, so that
nothing that reaches a terminal, a spreadsheet or a PDF can act there: no control characters
(``ESC`` rewrites a colleague's clipboard or clears their screen, a bidirectional override hides
what a name says), nothing but letters and the punctuation names really hold in a name (``[``
would be markup, ``=`` a formula), and lengths a document can print. The output side (text never
read as markup, formula-safe cells) is the other half: :mod:`baktui.rules.cells`.
"""

from __future__ import annotations

import unicodedata

# Unicode categories refused anywhere: controls (C0, C1, DEL), format characters (bidirectional
# overrides, zero-width joiners), surrogates, private use, and line/paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
NAME_PUNCTUATION = frozenset(" -'’.")  # "Jean-Paul", "N'Diaye", "D’Alembert", "St. John"
NAME_MAX = 80  # characters of a last or first name
TEXT_MAX = 200  # an address, a commune, an e-mail, a reason
CELL_MAX = 1000  # any cell of an imported file


def describe(char: str) -> str:
    """How a message names a character: « [ », or its code point for an invisible one."""
    if unicodedata.category(char) in REFUSED_CATEGORIES or char.isspace():
        return f"U+{ord(char):04X}"
    return f"« {char} »"


def control_error(text: str) -> str | None:
    """The refusal of a text holding a control or invisible formatting character, or None."""
    if text.isprintable():  # the common case, in C: no Cc, Cf, Cs, Co, Zl, Zp character at all
        return None
    for char in text:
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            return f"caractère de contrôle {describe(char)} refusé"
    return None


def text_error(text: str, max_length: int = TEXT_MAX) -> str | None:
    """The refusal of a free text (address, commune, reason): control characters, length."""
    message = control_error(text)
    if message:
        return message
    if len(text) > max_length:
        return f"{len(text)} caractères : {max_length} au plus"
    return None


def name_error(text: str, max_length: int = NAME_MAX) -> str | None:
    """The refusal of a person's name: letters (any alphabet, with accents), spaces, hyphens,
    apostrophes and dots only, at most ``max_length`` characters; None when it is acceptable."""
    message = text_error(text, max_length)
    if message:
        return message
    for char in text:
        if char in NAME_PUNCTUATION or unicodedata.category(char)[0] in "LM":
            continue
        return f"caractère {describe(char)} refusé dans un nom (lettres, espaces, - ' . seulement)"
    if not any(unicodedata.category(char)[0] == "L" for char in text):
        return "un nom a au moins une lettre"
    return None


def visible(text: str, limit: int = 60) -> str:
    """``text`` as a message may quote it: each refused character as its escape (``\\x1b``),
    cut to ``limit`` characters with "…"."""
    shown = "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in REFUSED_CATEGORIES
        else char
        for char in text
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
