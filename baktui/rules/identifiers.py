"""Identifiers and small text rules: UAI, INE, postcode, e-mail, phone, name folding, dates.

Every ``*_error`` function returns a French message for the user, or None when the value is valid.
Inputs are normalised with ``strip().upper()`` where case does not matter (UAI, INE).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # 23 letters: A-Z without I, O, Q

INE_RNIE = "RNIE"
INE_BEA = "BEA"
INE_BASE36 = "base36"
INE_SIFA = "SIFA"
# The four formats are disjoint: at most one matches. ASCII classes only: \d would take
# non-ASCII digits.
_INE_FORMATS = (
    (INE_RNIE, re.compile(r"[0-9]{9}[A-HJK]{2}")),
    (INE_BEA, re.compile(r"[0-9]{10}[A-HJ-NPR-Z]")),
    (INE_BASE36, re.compile(r"[0-9A-Z]{10}[0-9]")),
    (INE_SIFA, re.compile(r"[0-9]{4}A[0-9]{5}[A-HJ-NPR-Z]")),
)

_UAI_RE = re.compile(r"([0-9]{7})([A-Z])")
_POSTCODE_RE = re.compile(r"[0-9]{5}")
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)
# Country codes of the French 10-digit numbering plan: métropole and DOM.
_FRENCH_COUNTRY_CODES = ("33", "262", "590", "594", "596")
_PHONE_SEPARATORS = re.compile(r"[\s.\-/]")
_DATE_FR_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_DATE_ISO_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MIDNIGHT_RE = re.compile(r"(?:[ T]0?0:00(?::00(?:\.0+)?)?)$")

_APOSTROPHES_HYPHENS = dict.fromkeys(
    map(ord, "'\u2019\u2018\u02bc`\u00b4-\u2010\u2011\u2012\u2013\u2014\u2212"), " "
)


# --- UAI ----------------------------------------------------------------------------------------


def uai_check_letter(digits7: str) -> str:
    """Check letter of a UAI: the 23-letter alphabet indexed by the 7 digits modulo 23."""
    if not re.fullmatch(r"[0-9]{7}", digits7):
        raise ValueError(f"« {digits7} » : 7 chiffres attendus")
    return UAI_LETTERS[int(digits7) % 23]


def uai_error(uai: str) -> str | None:
    """French message if the UAI is not 7 digits + the right check letter, else None."""
    text = uai.strip().upper()
    if not text:
        return "UAI vide"
    match = _UAI_RE.fullmatch(text)
    if match is None:
        return f"UAI « {text} » : 7 chiffres suivis d'une lettre attendus (ex. 0750655E)"
    expected = uai_check_letter(match.group(1))
    if match.group(2) != expected:
        return f"UAI « {text} » : lettre de contrôle incorrecte (attendu {expected})"
    return None


def is_valid_uai(uai: str) -> bool:
    return uai_error(uai) is None


# --- INE ----------------------------------------------------------------------------------------


def ine_format(ine: str) -> str | None:
    """Which INE format matches ("RNIE", "BEA", "base36", "SIFA"), or None. Format only."""
    text = ine.strip().upper()
    for name, pattern in _INE_FORMATS:
        if pattern.fullmatch(text):
            return name
    return None


def ine_error(ine: str) -> str | None:
    """French message if the INE matches none of the 4 formats, else None.

    Check characters are not verified: their algorithms are not confirmed.
    """
    text = ine.strip().upper()
    if not text:
        return "INE vide"
    if len(text) != 11:
        return f"INE « {text} » : 11 caractères attendus ({len(text)} saisis)"
    if ine_format(text) is None:
        return (
            f"INE « {text} » : format non reconnu (attendu 9 chiffres + 2 lettres, "
            "10 chiffres + 1 lettre, 10 caractères + 1 chiffre, ou 4 chiffres + A + 5 chiffres "
            "+ 1 lettre)"
        )
    return None


def is_valid_ine(ine: str) -> bool:
    return ine_error(ine) is None


# --- Postcode, e-mail, phone ------------------------------------------------------------------


def postcode_error(text: str) -> str | None:
    """French message unless 5 digits with a plausible département (01 to 98), else None."""
    code = text.strip()
    if not code:
        return "code postal vide"
    if code.isdigit() and len(code) == 4:  # 01000 read as the number 1000 by a spreadsheet
        return (
            f"code postal « {code} » : 5 chiffres attendus ; un tableur (Excel, LibreOffice) a "
            f"sans doute retiré le 0 initial (0{code}) : mettez la colonne au format texte"
        )
    if not _POSTCODE_RE.fullmatch(code):
        return f"code postal « {code} » : 5 chiffres attendus"
    if code.startswith(("00", "99")):
        return f"code postal « {code} » : département inexistant"
    return None


def email_error(text: str) -> str | None:
    """French message unless a sane address (local@domain.tld, ASCII, no spaces), else None."""
    address = text.strip()
    if not address:
        return "adresse électronique vide"
    if len(address) > 254 or not _EMAIL_RE.fullmatch(address):
        return f"adresse électronique « {address} » invalide (attendu : nom@domaine.fr)"
    if len(address.split("@", 1)[0]) > 64:
        return f"adresse électronique « {address} » : partie avant @ trop longue"
    return None


def phone_normalise(text: str | None) -> str | None:
    """French number as 10 digits ("06 12 34 56 78", "+33 6 12…" -> "0612345678"); None if not.

    Accepts spaces, dots, hyphens and slashes, "+33" or "0033" (and the DOM codes 262, 590, 594,
    596, same 10-digit plan), with an optional "(0)" after the country code.
    """
    if text is None:
        return None
    raw = _PHONE_SEPARATORS.sub("", text.strip()).replace("(0)", "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        for country in _FRENCH_COUNTRY_CODES:
            rest = raw[1 + len(country) :]
            if raw[1:].startswith(country) and len(rest) == 9:
                raw = "0" + rest
                break
        else:
            return None
    if re.fullmatch(r"0[1-9][0-9]{8}", raw) is None:
        return None
    return raw


def phone_error(text: str) -> str | None:
    """French message unless ``phone_normalise`` understands the number, else None."""
    if not text.strip():
        return "numéro de téléphone vide"
    digits = text.strip().replace(" ", "").replace(".", "")
    if digits.isdigit() and len(digits) == 9 and digits[0] != "0":  # 0612345678 as a number
        return (
            f"numéro de téléphone « {text.strip()} » : 10 chiffres attendus ; un tableur a sans "
            f"doute retiré le 0 initial (0{digits}) : mettez la colonne au format texte"
        )
    if phone_normalise(text) is None:
        return f"numéro de téléphone « {text.strip()} » invalide (attendu : 06 12 34 56 78)"
    return None


# --- Names ----------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Search key of a name: lowercase, no accents, œ -> oe, æ -> ae, apostrophes and hyphens
    as spaces, spaces collapsed ("Hélène Lefèvre-N'Diaye" -> "helene lefevre n diaye")."""
    # NFKD first so that compatibility forms ("𝔄", "ﬁ") are lowercased too, and again after
    # casefold, which may produce decomposable characters.
    text = unicodedata.normalize("NFKD", text).casefold()
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ø", "o")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_APOSTROPHES_HYPHENS)
    return " ".join(text.split())


# --- Dates ----------------------------------------------------------------------------------------


def parse_date_fr(text: str) -> datetime.date:
    """Date from JJ/MM/AAAA (or J/M/AAAA) or AAAA-MM-JJ; ValueError with a French message.

    A midnight time after it (« 2008-03-14 00:00:00 », « 14/03/2008 0:00 »: what a spreadsheet
    writes for a date cell saved as CSV) is dropped; any other time is refused."""
    cleaned = _MIDNIGHT_RE.sub("", text.strip())
    match = _DATE_FR_RE.fullmatch(cleaned)
    if match is not None:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _DATE_ISO_RE.fullmatch(cleaned)
        if match is None:
            raise ValueError(f"« {cleaned} » : date attendue au format JJ/MM/AAAA")
        year, month, day = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"« {cleaned} » : cette date n'existe pas") from None
