"""The registration form's checks: every field's French message, contact details, state moves.

Pure: the screen calls :func:`field_error` as the cursor leaves a field (no base access at each
keystroke), the services call the same functions before they write, so a message is the same on
the screen and in a refusal. Whether a UAI or a centre exists is the save's business
(:mod:`baktui.services.registration_form`); here only their format is checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from baktui.rules import identifiers, indications
from baktui.rules.candidate import (
    CONTACT_FIELDS,
    FORM_FIELDS,
    IMPORT_FIELDS,
    SEXES,
    Group,
    check_shape,
    fields_in,
    label,
)
from baktui.rules.lifecycles import REGISTRATION, RegistrationState
from baktui.rules.registration import (
    STATUSES,
    OptionEntry,
    choice_errors,
    missing_pieces,
    parse_options,
)
from baktui.rules.regulation import Regulation
from baktui.rules.text import control_error, name_error, text_error

Problems = list[tuple[str, str]]  # (field, French message)


@dataclass(frozen=True)
class RegistrationForm:
    """The registration as the form shows it: texts as typed, booleans, the dossier checklist.

    Its fields are the declaration's form fields (checked below) plus what the form shows
    without editing it.
    """

    candidate_id: int | None = None
    version: int | None = None
    number: str = ""
    transferred_to: str = ""
    ine: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""  # JJ/MM/AAAA
    birth_place: str = ""
    sex: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""
    series: str = ""
    sub_choice: str = ""
    lva: str = ""
    lvb: str = ""
    options: str = ""
    indications: str = ""  # e.g. "SE-ANG, MEI"
    status: str = "scolaire"
    etablissement: str = ""  # UAI
    eps_inapte: bool = False
    eps_certificate: bool = False
    amenagements: str = ""
    dossier: Mapping[str, bool] = field(default_factory=dict)
    state: str = RegistrationState.BROUILLON.value
    centre: str = ""  # centre code

    def with_values(self, **values: Any) -> RegistrationForm:
        return replace(self, **values)


# The form holds texts as typed (a date, a UAI, a centre code): only the names are checked.
check_shape(
    RegistrationForm,
    fields_in(Group.FORM),
    extra=("candidate_id", "version", "number", "transferred_to"),
    typed=True,
)

# choice_errors names the candidates file's columns; the form names the candidate's fields
_CHOICE_FIELDS = {"serie": IMPORT_FIELDS["serie"], "sous_choix": IMPORT_FIELDS["sous_choix"]}


def choice_field_errors(
    reg: Regulation,
    series: str,
    sub_choice: str,
    lva: str,
    lvb: str,
    options: list[OptionEntry],
    eps_inapte: bool,
    eps_certificate: bool,
) -> Problems:
    """:func:`choice_errors` with the candidate's field names (``series``, ``sub_choice``)."""
    return [
        (_CHOICE_FIELDS.get(name, name), message)
        for name, message in choice_errors(
            reg, series, sub_choice, lva, lvb, options, eps_inapte, eps_certificate
        )
    ]


def contact_errors(values: Mapping[str, str], *, required: bool = False) -> Problems:
    """(field, message) for contact details; empty fields are allowed unless ``required``."""
    errors: Problems = []
    checks: dict[str, Callable[[str], str | None]] = {
        "postcode": identifiers.postcode_error,
        "email": identifiers.email_error,
        "phone": identifiers.phone_error,
    }
    for name in CONTACT_FIELDS:
        text = str(values.get(name, "") or "").strip()
        if not text:
            if required and name in ("address", "postcode", "city"):
                errors.append((name, f"{label(name)} obligatoire"))
            continue
        check = checks.get(name)
        message = text_error(text) or (check(text) if check else None)
        if message:
            errors.append((name, message))
    return errors


def form_errors(reg: Regulation, form: RegistrationForm) -> Problems:
    """Every (field, French message) of the form."""
    errors: Problems = []
    checked_below = {"last_name", "first_name", *CONTACT_FIELDS}
    for spec in fields(form):
        value = getattr(form, spec.name)
        if spec.name not in checked_below and isinstance(value, str):
            if message := control_error(value):
                errors.append((spec.name, f"{label(spec.name)} : {message}"))
    message = identifiers.ine_error(form.ine)
    if message:
        errors.append(("ine", message))
    for name in ("last_name", "first_name"):
        text = getattr(form, name).strip()
        if not text:
            errors.append((name, f"{label(name)} obligatoire"))
        elif message := name_error(text):
            errors.append((name, f"{label(name)} : {message}"))
    errors.extend(_birth_date_errors(reg, form.birth_date))
    if form.sex and form.sex not in SEXES:
        errors.append(("sex", f"sexe « {form.sex} » : F, M ou vide"))
    individual = form.status != "scolaire"
    errors.extend(
        contact_errors({name: getattr(form, name) for name in CONTACT_FIELDS}, required=individual)
    )
    if form.status not in STATUSES:
        errors.append(("status", f"statut « {form.status} » inconnu"))
    uai = form.etablissement.strip()
    if uai:
        message = identifiers.uai_error(uai)
        if message:
            errors.append(("etablissement", message))
    elif form.status == "scolaire":
        errors.append(("etablissement", "UAI de l'établissement obligatoire pour un scolaire"))
    errors.extend(
        choice_field_errors(
            reg,
            form.series,
            form.sub_choice,
            form.lva,
            form.lvb,
            parse_options(form.options),
            form.eps_inapte,
            form.eps_certificate,
        )
    )
    if message := text_error(form.birth_place):
        errors.append(("birth_place", f"{label('birth_place')} : {message}"))
    for message in indications.errors(indications.parse(form.indications), reg.languages):
        errors.append(("indications", message))
    if form.state not in REGISTRATION:
        errors.append(("state", f"état « {form.state} » inconnu"))
    return errors


def _birth_date_errors(reg: Regulation, text: str) -> Problems:
    if not text.strip():
        return [("birth_date", "date de naissance obligatoire (JJ/MM/AAAA)")]
    try:
        born = identifiers.parse_date_fr(text)
    except ValueError as exc:
        return [("birth_date", str(exc))]
    message = age_error(reg, born)
    return [("birth_date", f"« {text.strip()} » : {message}")] if message else []


AGE_RANGE = (13, 100)  # ages a candidate may have in the session's year


def age_error(reg: Regulation, born: dt.date) -> str | None:
    """Why a birth date cannot be a candidate's (01/01/0001, last month), or None."""
    age = reg.year - born.year
    low, high = AGE_RANGE
    if not low <= age <= high:
        return f"{age} ans en {reg.year} ? (de {low} à {high} ans attendus)"
    return None


def field_error(reg: Regulation, form: RegistrationForm, name: str) -> str | None:
    """The message of one field (checked as the cursor leaves it), or None."""
    for field_name, message in form_errors(reg, form):
        if field_name == name:
            return message
    return None


def state_errors(reg: Regulation, form: RegistrationForm, target: str, current: str) -> Problems:
    """Why a registration may not move from ``current`` to ``target``: a move the lifecycle does
    not allow, or a validation with a faulty form or an incomplete dossier."""
    if target == current:
        return []
    refusal = REGISTRATION.move_error(current, target)
    if refusal:
        return [("state", refusal)]
    if target == RegistrationState.VALIDEE:
        problems = [m for _, m in form_errors(reg, form)]
        missing = missing_pieces(form.status, form.eps_inapte, form.dossier)
        if missing:
            problems.append("dossier incomplet : " + ", ".join(missing))
        if problems:
            return [("state", "validation impossible : " + " ; ".join(problems))]
    return []


def changed_fields(before: RegistrationForm, after: RegistrationForm) -> list[str]:
    """The form fields that differ between two states of the form (the dossier by its boxes)."""
    changed = []
    for name in FORM_FIELDS:
        if name == "dossier":
            if {k: bool(before.dossier.get(k)) for k in after.dossier} != dict(after.dossier):
                changed.append(name)
        elif getattr(after, name) != getattr(before, name):
            changed.append(name)
    return changed
