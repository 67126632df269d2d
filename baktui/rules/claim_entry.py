"""What the office types to declare a claim or add a line (F6 forms, ``import frais``): pure checks.

A line's values are typed text per field (the keys of :data:`~baktui.rules.expenses.CORRECTABLE`);
:func:`parse_line_entry` turns them into model values for the line's nature, or raises a
:class:`FieldError` naming the field in French.
"""

from __future__ import annotations

import datetime as dt

from baktui.rules.expenses import (
    CORRECTABLE,
    LINE_KIND_LABELS,
    LINE_KINDS,
    MAX_MEALS_PER_DAY,
    ORIGIN_LABELS,
    parse_correction,
)
from baktui.rules.identifiers import fold, parse_date_fr

# The fields a new line of each nature takes (keys of CORRECTABLE), the first required.
ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    "car": ("km", "fiscal_hp", "note"),
    "public_transport": ("declared", "receipt", "note"),
    "toll": ("declared", "receipt", "note"),
    "parking": ("declared", "receipt", "note"),
    "meal": ("quantity", "note"),
    "night": ("quantity", "declared", "receipt", "note"),
    "copies": ("quantity", "note"),
    "oral_hours": ("quantity", "note"),
}
QUANTITY_LABELS = {
    "meal": "Nombre de repas",
    "night": "Nombre de nuits",
    "copies": "Nombre de copies",
    "oral_hours": "Heures",
}
DEFAULTS = {"quantity": "1", "receipt": "n"}

# French words for a nature (folded): the labels, their usual short forms, the codes.
_KIND_WORDS = {
    fold(word): kind
    for word, kind in {
        **{fold(label): kind for kind, label in LINE_KIND_LABELS.items()},
        **{kind: kind for kind in LINE_KINDS},
        "voiture": "car",
        "vehicule": "car",
        "km": "car",
        "indemnites kilometriques": "car",
        "train": "public_transport",
        "bus": "public_transport",
        "transport": "public_transport",
        "transports en commun": "public_transport",
        "billet": "public_transport",
        "peages": "toll",
        "parking": "parking",
        "repas": "meal",
        "nuit": "night",
        "nuits": "night",
        "nuitees": "night",
        "hotel": "night",
        "copie": "copies",
        "correction": "copies",
        "oral": "oral_hours",
        "heures": "oral_hours",
        "heures d'oral": "oral_hours",
        "heure d'oral": "oral_hours",
    }.items()
}
_ORIGIN_WORDS = {
    fold(word): key
    for word, key in {
        "administrative": "administrative",
        "a": "administrative",
        "résidence administrative": "administrative",
        "familiale": "family",
        "family": "family",
        "f": "family",
        "résidence familiale": "family",
    }.items()
}
KIND_HINT = "véhicule, transport en commun, péage, stationnement, repas, nuitée, copies, oral"


class FieldError(ValueError):
    """A typed value refused: ``field`` is the key of the field, the message is French."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def kind_of(text: str) -> str | None:
    """ "Nuitée", "peage", "car" → the line kind; None when not a nature of the rules."""
    return _KIND_WORDS.get(fold(text))


def origin_of(text: str) -> str | None:
    """ "familiale", "résidence administrative", "a" → the origin key; "" → administrative."""
    folded = fold(text)
    return _ORIGIN_WORDS.get(folded) if folded else "administrative"


def parse_day(text: str, what: str = "Date") -> dt.date:
    """JJ/MM/AAAA → date; a FieldError naming the field otherwise."""
    if not text.strip():
        raise FieldError("day", f"{what} : obligatoire (JJ/MM/AAAA).")
    try:
        return parse_date_fr(text)
    except ValueError as exc:
        raise FieldError("day", f"{what} : {exc}.") from None


def parse_days(text: str, what: str = "Nuits") -> list[dt.date]:
    """ "16/06/2026, 17/06/2026" → the dates, once each, in order ("" → none)."""
    days: list[dt.date] = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            day = parse_day(part, what)
            if day not in days:
                days.append(day)
    return sorted(days)


def parse_meals(text: str) -> int:
    cleaned = text.strip() or "0"
    if not cleaned.isascii() or not cleaned.isdigit() or int(cleaned) > MAX_MEALS_PER_DAY:
        raise FieldError(
            "meals",
            f"Repas par jour : un entier de 0 à {MAX_MEALS_PER_DAY} (« {text.strip()} »).",
        )
    return int(cleaned)


def field_label(kind: str, key: str) -> str:
    if key == "quantity":
        return QUANTITY_LABELS.get(kind, CORRECTABLE["quantity"])
    return CORRECTABLE[key]


def parse_line_entry(kind: str, texts: dict[str, str]) -> dict[str, object]:
    """The typed fields of a new line of ``kind`` → model values (fields of other natures are
    ignored); a FieldError naming the first wrong field."""
    if kind not in ENTRY_FIELDS:
        raise FieldError("kind", f"Nature : « {kind} » inconnue ({KIND_HINT}).")
    values: dict[str, object] = {}
    for key in ENTRY_FIELDS[kind]:
        text = texts.get(key, "").strip() or DEFAULTS.get(key, "")
        label = field_label(kind, key)
        try:
            parsed = parse_correction({key: text})
        except ValueError as exc:
            message = str(exc).replace(CORRECTABLE[key], label, 1)
            raise FieldError(key, message) from None
        values.update(parsed)
    required = ENTRY_FIELDS[kind][0]
    value = {"km": values.get("km"), "declared": values.get("declared_centi")}.get(
        required, values.get("quantity_centi")
    )
    if not value:
        raise FieldError(required, f"{field_label(kind, required)} : obligatoire, plus que 0.")
    quantity = values.get("quantity_centi")
    if kind in ("meal", "night", "copies") and isinstance(quantity, int):
        if quantity % 100:
            raise FieldError("quantity", f"{field_label(kind, 'quantity')} : un nombre entier.")
        if kind == "meal" and quantity > 100 * MAX_MEALS_PER_DAY:
            raise FieldError(
                "quantity", f"Nombre de repas : {MAX_MEALS_PER_DAY} au plus pour une journée."
            )
    return values


ORIGIN_CHOICES = tuple((label.capitalize(), key) for key, label in ORIGIN_LABELS.items())
KIND_CHOICES = tuple((LINE_KIND_LABELS[kind], kind) for kind in LINE_KINDS)
