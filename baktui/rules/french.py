"""French as the administration writes it: agreement by sex, elision, plurals, typography.

One helper instead of "né(e)", "convoqué(e)" and "1 copies" scattered over screens and letters:
the sex (or civility) recorded for the person decides the form; "(e)" is written only when
nothing is recorded. :func:`typographic` gives the typographic apostrophe and the narrow
no-break spaces French puts before ; : ! ? and inside « », without touching times (08:00),
numbers or addresses; the PDF renderer applies it to every text it draws.
"""

from __future__ import annotations

import re

FEMININE = "F"
MASCULINE = "M"
NARROW_NBSP = "\N{NARROW NO-BREAK SPACE}"
NBSP = "\N{NO-BREAK SPACE}"
_CIVILITIES = {"mme": FEMININE, "madame": FEMININE, "mlle": FEMININE, "m": MASCULINE,
               "m.": MASCULINE, "monsieur": MASCULINE, "f": FEMININE}  # fmt: skip
_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæh")  # h: "d'Hugo" is the office's usage for names
# The administration's feminine of a corps or title (BO and arrêtés write them so).
_FEMININE_WORDS = {
    "professeur": "professeure",
    "maître de conférences": "maîtresse de conférences",
    "inspecteur": "inspectrice",
    "président": "présidente",
    "vice-président": "vice-présidente",
    "examinateur": "examinatrice",
    "correcteur": "correctrice",
    "candidat": "candidate",
    "agrégé": "agrégée",
    "certifié": "certifiée",
    "retraité": "retraitée",
}


def sex_of(sex_or_civility: str | None) -> str:
    """ "F", "M" or "" from a recorded sex ("F") or civility ("Mme", "M.")."""
    return _CIVILITIES.get((sex_or_civility or "").strip().lower(), "")


def agree(sex_or_civility: str | None, masculine: str, feminine: str | None = None) -> str:
    """``agree("F", "né")`` → "née"; ``agree("M", "né")`` → "né"; nothing recorded → "né(e)".
    ``feminine`` for the irregular forms (« professeur » → « professeure »)."""
    fem = feminine if feminine is not None else _FEMININE_WORDS.get(masculine, masculine + "e")
    sex = sex_of(sex_or_civility)
    if sex == FEMININE:
        return fem
    if sex == MASCULINE:
        return masculine
    if fem == masculine + "e":
        return f"{masculine}(e)"
    return f"{masculine} / {fem}"


def agree_with(name: str, masculine: str, feminine: str | None = None) -> str:
    """Agreement with a person shown with the civility first (« Mme DUPONT Anne » → the
    feminine); "(e)" only when the name carries no civility."""
    first = name.split(maxsplit=1)[0] if name.strip() else ""
    return agree(first, masculine, feminine)


def title_words(sex_or_civility: str | None, words: str) -> str:
    """Every word of a title in the person's gender: « professeur agrégé » → « professeure
    agrégée » for a woman (the administration's feminine forms)."""
    if sex_of(sex_or_civility) != FEMININE:
        return words
    for masculine in sorted(_FEMININE_WORDS, key=len, reverse=True):
        words = re.sub(rf"\b{re.escape(masculine)}\b", _FEMININE_WORDS[masculine], words)
    return words


def of(name: str) -> str:
    """« de » elided before a vowel: « d’AUBERT », « de DUPONT »."""
    first = name.strip()[:1].lower()
    return f"d’{name.strip()}" if first in _VOWELS else f"de {name.strip()}"


def that(name: str) -> str:
    """« que » elided before a vowel: « qu’Eva ANDRÉ », « que Léa MARTIN »."""
    first = name.strip()[:1].lower()
    return f"qu’{name.strip()}" if first in _VOWELS else f"que {name.strip()}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 copie", "0 copie", "2 copies" (French: 0 and 1 take the singular), with thin
    thousands separators ("12 000 copies")."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{count:,}".replace(",", NARROW_NBSP) + f" {word}"


_APOSTROPHE = re.compile(r"(?<=[A-Za-zÀ-ÿœŒ])'(?=[A-Za-zÀ-ÿœŒ])")
_BEFORE = re.compile(r"[ \u00a0]+([;:!?»])")
_AFTER = re.compile(r"«[ \u00a0]+")
_ANY = re.compile(r"'|[ \u00a0][;:!?»]|«")  # one search: most cells (names, figures) have none


def typographic(text: str) -> str:
    """Typographic apostrophe between letters, narrow no-break space before ; : ! ? and a
    no-break space inside « » where the text has a space; times and numbers stay as they are."""
    if not text or _ANY.search(text) is None:
        return text
    text = _APOSTROPHE.sub("’", text)
    text = _BEFORE.sub(lambda m: (NBSP if m.group(1) == "»" else NARROW_NBSP) + m.group(1), text)
    return _AFTER.sub("«" + NBSP, text)
