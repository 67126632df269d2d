"""The candidate's shape, declared once: every field, its French label, its kind and its uses.

:data:`FIELDS` lists the fields of the ``Candidate`` model in the model's order (a test compares
them, and their defaults, with the model), each with the French label the messages and the
timeline name it by, and the groups it belongs to: set by a registration (what the import and
``CandidateData`` carry), on the registration form, a contact detail, revertible from the
timeline, and the column of the candidates file that brings it (with its aliases). Everything that
used to repeat the list is derived from it: :data:`LABELS`, :data:`REGISTRATION_FIELDS`,
:data:`FORM_FIELDS`, :data:`CONTACT_FIELDS`, :data:`REVERTIBLE_FIELDS`, the import's columns and
the stored columns. The two dataclasses that carry fields (``CandidateData``, the registration
form) stay written out, so that readers and type checkers see their fields, and are checked
against the declaration when their module is imported (:func:`check_shape`): adding a field to one
and not to the other stops the program at its start.

:class:`CandidateProfile` is what the card and the registration confirmation share: identity,
contact, établissement and centre, series and choices, épreuves and dossier, with their labels.
:func:`build_profile` makes it from a stored row; it needs no base.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from baktui.rules.indications import labels as indication_labels
from baktui.rules.lifecycles import REGISTRATION, RegistrationState
from baktui.rules.registration import STATUSES, dossier_pieces, parse_dossier, parse_options
from baktui.rules.regulation import Regulation


class Kind(StrEnum):
    """How a field is stored; a registration gives a reference as the id (``etablissement_id``)."""

    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    REF = "ref"  # foreign key
    CHECKLIST = "checklist"  # JSON {piece: received}; the form shows it as check boxes


class Group(StrEnum):
    """What a field is used for (a field may be in several groups)."""

    REGISTRATION = "registration"  # set by a registration (import, CandidateData)
    FORM = "form"  # on the registration form
    CONTACT = "contact"  # contact detail (the card's contact dialog)
    REVERTIBLE = "revertible"  # a change of it can be undone from the timeline


@dataclass(frozen=True)
class Column:
    """The column of the candidates file that brings a field."""

    name: str
    order: int  # place in the file's expected columns (the import's messages list them so)
    required: bool = False  # also: a registration must give the field
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CandidateField:
    """One field of the candidate: the model's name, how it is named and stored, what uses it."""

    name: str  # the Candidate model's field
    label: str  # French, as messages and the timeline name it
    kind: Kind = Kind.TEXT
    default: Any = ""
    groups: frozenset[Group] = frozenset()
    column: Column | None = None

    @property
    def data_name(self) -> str:
        """The name in ``CandidateData`` and in the stored row: a reference is its id."""
        return f"{self.name}_id" if self.kind is Kind.REF else self.name

    @property
    def required(self) -> bool:
        return self.column is not None and self.column.required


_R, _F, _C, _U = Group.REGISTRATION, Group.FORM, Group.CONTACT, Group.REVERTIBLE
_REGISTERED = frozenset({_R, _F, _U})
_CONTACT = frozenset({_R, _F, _C, _U})
_OFFICE = frozenset({_F, _U})  # set by the office on the form, not by a registration file


def _field(
    name: str,
    label: str,
    groups: frozenset[Group] = frozenset(),
    column: Column | None = None,
    *,
    kind: Kind = Kind.TEXT,
    default: Any = "",
) -> CandidateField:
    return CandidateField(name, label, kind, default, groups, column)


FIELDS: tuple[CandidateField, ...] = (
    _field("number", "numéro de candidat"),
    _field("ine", "INE", _REGISTERED, Column("ine", 1, True)),
    _field("last_name", "nom", _REGISTERED, Column("nom", 2, True)),
    _field("first_name", "prénom", _REGISTERED, Column("prenom", 3, True)),
    _field("name_key", "clé de recherche"),
    _field("sound_key", "clé phonétique"),
    _field(
        "birth_date",
        "date de naissance",
        _REGISTERED,
        Column("date_naissance", 4, True, ("date_de_naissance", "naissance")),
        kind=Kind.DATE,
        default=None,
    ),
    _field(
        "birth_place",
        "lieu de naissance",
        _REGISTERED,
        Column(
            "lieu_naissance",
            19,
            aliases=("commune_naissance", "lieu_de_naissance", "commune_de_naissance"),
        ),
    ),
    _field("sex", "sexe", _REGISTERED, Column("sexe", 13)),
    _field("address", "adresse", _CONTACT, Column("adresse", 14)),
    _field("postcode", "code postal", _CONTACT, Column("code_postal", 15, aliases=("cp",))),
    _field("city", "commune", _CONTACT, Column("commune", 16, aliases=("ville",))),
    _field(
        "email", "courriel", _CONTACT, Column("email", 17, aliases=("e_mail", "courriel", "mel"))
    ),
    _field("phone", "téléphone", _CONTACT, Column("telephone", 18, aliases=("tel",))),
    _field("series", "série", _REGISTERED, Column("serie", 5, True)),
    _field(
        "sub_choice",
        "enseignement spécifique",
        _REGISTERED,
        Column("sous_choix", 8, aliases=("enseignement_specifique",)),
    ),
    _field("lva", "LVA", _REGISTERED, Column("lva", 9)),
    _field("lvb", "LVB", _REGISTERED, Column("lvb", 10)),
    _field("options", "options", _REGISTERED, Column("options", 11)),
    _field("indications", "indications du diplôme", _REGISTERED, Column("indications", 20)),
    _field("status", "statut", _REGISTERED, Column("statut", 6), default="scolaire"),
    _field(
        "etablissement", "établissement", _REGISTERED, Column("uai", 7), kind=Kind.REF, default=None
    ),
    _field(
        "eps_inapte",
        "inaptitude EPS",
        _REGISTERED,
        Column("eps_inapte", 12),
        kind=Kind.BOOL,
        default=False,
    ),
    _field("eps_certificate", "certificat médical EPS", _OFFICE, kind=Kind.BOOL, default=False),
    _field("amenagements", "aménagements", _OFFICE),
    _field("dossier", "dossier", _OFFICE, kind=Kind.CHECKLIST),
    _field("state", "état de l'inscription", _OFFICE, default=RegistrationState.BROUILLON.value),
    _field("transferred_to", "transfert", frozenset({_U})),
    _field("jury", "jury", kind=Kind.REF, default=None),
    _field("centre", "centre d'examen", _OFFICE, kind=Kind.REF, default=None),
    _field("created_at", "date de création"),
    _field("updated_at", "date de modification"),
)

BY_NAME: dict[str, CandidateField] = {f.name: f for f in FIELDS}
LABELS: dict[str, str] = {f.name: f.label for f in FIELDS}


def fields_in(group: Group) -> tuple[CandidateField, ...]:
    """The fields of a group, in the model's order."""
    return tuple(f for f in FIELDS if group in f.groups)


def label(name: str) -> str:
    """The French label of a field (its name when it has none)."""
    return LABELS.get(name, name)


REGISTRATION_FIELDS = fields_in(Group.REGISTRATION)
FORM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields_in(Group.FORM))
CONTACT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields_in(Group.CONTACT))
REVERTIBLE_FIELDS: frozenset[str] = frozenset(f.name for f in fields_in(Group.REVERTIBLE))
# the stored columns (the model's order, without id, session and version): the demo's bulk rows
STORED_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)

_IMPORTED: list[tuple[Column, CandidateField]] = sorted(
    ((f.column, f) for f in FIELDS if f.column is not None), key=lambda pair: pair[0].order
)
IMPORT_REQUIRED: tuple[str, ...] = tuple(c.name for c, _ in _IMPORTED if c.required)
IMPORT_OPTIONAL: tuple[str, ...] = tuple(c.name for c, _ in _IMPORTED if not c.required)
IMPORT_ALIASES: dict[str, str] = {alias: c.name for c, _ in _IMPORTED for alias in c.aliases}
# file column -> CandidateData field
IMPORT_FIELDS: dict[str, str] = {c.name: f.data_name for c, f in _IMPORTED}


def check_shape(
    cls: type,
    fields: Iterable[CandidateField],
    *,
    extra: Sequence[str] = (),
    typed: bool = False,
) -> None:
    """Check that the dataclass ``cls`` has exactly ``fields`` plus ``extra``; TypeError naming
    the difference otherwise.

    By default ``cls`` holds stored values (a reference as its id, ``etablissement_id``): the
    required fields must then have no default and the others the declared one. ``typed``: it
    holds the texts a form shows (``etablissement`` as a UAI), only the names are compared.
    """
    declared = {(f.name if typed else f.data_name): f for f in fields}
    own = {f.name: f for f in dataclasses.fields(cls)}
    missing = sorted(set(declared) - set(own))
    unknown = sorted(set(own) - set(declared) - set(extra))
    if missing or unknown:
        raise TypeError(
            f"{cls.__name__} : champs absents {missing}, non déclarés {unknown} (rules/candidate.py)"
        )
    if typed:
        return
    for name, spec in declared.items():
        mine = own[name]
        has_default = mine.default is not dataclasses.MISSING
        if spec.required and has_default:
            raise TypeError(f"{cls.__name__}.{name} : champ obligatoire, sans valeur par défaut")
        if not spec.required and (not has_default or mine.default != spec.default):
            raise TypeError(f"{cls.__name__}.{name} : valeur par défaut attendue {spec.default!r}")


# --- Display ------------------------------------------------------------------------------------

SEXES = {"F": "féminin", "M": "masculin"}


def sex_label(sex: str) -> str:
    """ "F" -> "féminin"; not given -> "—"."""
    return SEXES.get(sex, sex) or "—"


def format_phone(digits: str) -> str:
    """ "0612345678" -> "06 12 34 56 78" (other texts unchanged)."""
    if len(digits) == 10 and digits.isdigit():
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return digits


def format_date(day: dt.date | None) -> str:
    """2008-03-14 -> "14/03/2008" (nothing for no date)."""
    return day.strftime("%d/%m/%Y") if day else ""


# --- The profile shared by the card and the confirmation -----------------------------------------


@dataclass(frozen=True)
class DossierPiece:
    key: str
    label: str
    received: bool


@dataclass(frozen=True)
class EpreuveLine:
    code: str
    label: str  # the spécialités named for the series
    option: str  # option-year token for OPTn ("LATIN-T"), else ""
    option_label: str  # "Latin (terminale)", else ""
    kept_session: int | None


@dataclass(frozen=True, kw_only=True)
class CandidateProfile:
    """Who the candidate is and what they registered for, with the labels to show it."""

    candidate_id: int
    number: str
    ine: str
    last_name: str
    first_name: str
    birth_date: dt.date | None
    birth_place: str
    sex: str
    address: str
    postcode: str
    city: str
    email: str
    phone: str  # digits only
    status: str
    status_label: str
    etablissement_uai: str
    etablissement_name: str
    etablissement_city: str
    centre_code: str
    centre_name: str
    series: str
    series_label: str
    sp1_label: str
    sp2_label: str
    sub_choice: str
    sub_choice_label: str  # "enseignement spécifique" of the series, or ""
    lva: str
    lva_label: str
    lvb: str
    lvb_label: str
    options: tuple[str, ...]  # readable option entries: "Arts (terminale)"
    options_text: str  # stored form "ARTS-T"
    indications: tuple[str, ...]  # printed labels: "section européenne (anglais)"
    eps_inapte: bool
    eps_certificate: bool
    amenagements: str
    state: str
    state_label: str
    transferred_to: str
    epreuves: tuple[EpreuveLine, ...]
    dossier: tuple[DossierPiece, ...]

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def dossier_complete(self) -> bool:
        return all(p.received for p in self.dossier)


def series_labels(reg: Regulation, series: str) -> tuple[str, str, str, str]:
    """(series, spécialité 1, spécialité 2, enseignement spécifique) labels; an unknown series
    is shown as its code, without spécialités."""
    try:
        rule = reg.series_rule(series)
    except KeyError:
        return series, "", "", ""
    return rule.label, rule.sp1_label, rule.sp2_label, rule.sub_choice_label


def epreuve_labels(reg: Regulation, series: str, stored: Mapping[str, str]) -> dict[str, str]:
    """Épreuve code -> label: the regulation's, the session's (``stored``), and the spécialités
    (SP1, SP2, SPA) named for the series."""
    labels = {rule.code: rule.label for rule in reg.epreuves}
    labels.update(stored)
    try:
        rule = reg.series_rule(series)
    except KeyError:
        return labels
    named = {"SP1": rule.sp1_label, "SP2": rule.sp2_label, "SPA": rule.spa_label}
    labels.update({code: text for code, text in named.items() if text})
    return labels


def option_label(reg: Regulation, name: str, year: str) -> str:
    """("ARTS", "T") -> "Arts plastiques (terminale)"."""
    when = "première" if year == "1" else "terminale"
    return f"{reg.options.get(name, name)} ({when})"


def epreuve_lines(
    reg: Regulation, labels: Mapping[str, str], rows: Iterable[tuple[str, str, int | None]]
) -> tuple[EpreuveLine, ...]:
    """The registered épreuves from (code, option token, kept session) rows."""
    lines = []
    for code, option, kept in rows:
        entries = parse_options(option) if option else []
        shown = option_label(reg, entries[0].name, entries[0].year) if entries else option
        lines.append(EpreuveLine(code, labels.get(code, code), option, shown, kept))
    return tuple(lines)


def build_profile(
    reg: Regulation,
    row: Mapping[str, Any],
    *,
    etablissement: tuple[str, str, str] = ("", "", ""),
    centre: tuple[str, str] = ("", ""),
    epreuves: tuple[EpreuveLine, ...] = (),
) -> CandidateProfile:
    """The profile of a stored candidate: ``row`` maps the stored columns (data names: a
    reference is its id) to their values; ``etablissement`` is (UAI, name, city), ``centre``
    (code, name)."""
    series = row["series"]
    series_label, sp1, sp2, sub_label = series_labels(reg, series)
    received = parse_dossier(row["dossier"])
    return CandidateProfile(
        candidate_id=int(row["id"]),
        number=row["number"],
        ine=row["ine"],
        last_name=row["last_name"],
        first_name=row["first_name"],
        birth_date=row["birth_date"],
        birth_place=row.get("birth_place", ""),
        sex=row["sex"],
        address=row["address"],
        postcode=row["postcode"],
        city=row["city"],
        email=row["email"],
        phone=row["phone"],
        status=row["status"],
        status_label=STATUSES.get(row["status"], row["status"]),
        etablissement_uai=etablissement[0],
        etablissement_name=etablissement[1],
        etablissement_city=etablissement[2],
        centre_code=centre[0],
        centre_name=centre[1],
        series=series,
        series_label=series_label,
        sp1_label=sp1,
        sp2_label=sp2,
        sub_choice=row["sub_choice"],
        sub_choice_label=sub_label,
        lva=row["lva"],
        lva_label=reg.languages.get(row["lva"], row["lva"]),
        lvb=row["lvb"],
        lvb_label=reg.languages.get(row["lvb"], row["lvb"]),
        options=tuple(option_label(reg, e.name, e.year) for e in parse_options(row["options"])),
        options_text=row["options"],
        indications=indication_labels(row.get("indications", ""), reg.languages),
        eps_inapte=bool(row["eps_inapte"]),
        eps_certificate=bool(row["eps_certificate"]),
        amenagements=row["amenagements"],
        state=row["state"],
        state_label=REGISTRATION.label(row["state"]),
        transferred_to=row["transferred_to"],
        epreuves=epreuves,
        dossier=tuple(
            DossierPiece(key, text, bool(received.get(key)))
            for key, text in dossier_pieces(row["status"], bool(row["eps_inapte"]))
        ),
    )
