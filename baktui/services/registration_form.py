"""The registration form: its lists for a session, a blank or stored form, and the save.

The form holds texts as typed (:class:`~baktui.rules.registration_form.RegistrationForm`); its
checks are pure and shared with the screen (:mod:`baktui.rules.registration_form`). Here is what
needs the base: the centres and the établissement of a UAI, the existence checks of the save, and
the save itself, one write transaction: a new registration through
:func:`~baktui.services.registration.register_candidate` (numéro, épreuves), a stored one with
the version the form was loaded at (``form.version``), so a colleague's save made meanwhile
refuses this one and nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Centre, Commune, Etablissement
from baktui.errors import ServiceError
from baktui.rules import identifiers, indications
from baktui.rules.candidate import BY_NAME, format_date, format_phone, label
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.registration import (
    STATUSES,
    dossier_text,
    format_options,
    parse_dossier,
    parse_options,
)
from baktui.rules.registration_form import RegistrationForm, form_errors, state_errors
from baktui.rules.regulation import Regulation
from baktui.services.registration import (
    EDITABLE_FIELDS,
    CandidateData,
    ValidationError,
    get_candidate,
    name_key,
    register_candidate,
    stored_value,
    sync_registrations,
)
from baktui.services.sessions import regulation_of


@dataclass(frozen=True)
class FormChoices:
    """What the form's lists offer for a session."""

    series: tuple[tuple[str, str], ...]  # (code, label)
    sub_choices: Mapping[str, tuple[str, ...]]  # series -> sub-choices
    sub_choice_labels: Mapping[str, str]  # series -> "Enseignement spécifique"
    languages: tuple[tuple[str, str], ...]
    options: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]
    centres: tuple[tuple[str, str], ...]  # (code, name)
    max_options_per_year: int


@dataclass(frozen=True)
class EtablissementInfo:
    id: int
    uai: str
    name: str
    city: str


@dataclass(frozen=True)
class SavedRegistration:
    candidate_id: int
    number: str
    version: int
    created: bool
    changed: bool
    message: str


@dataclass(frozen=True)
class LoadedForm:
    """What the form screen opens with: the session's lists, its regulation, the form."""

    session_id: int
    regulation: Regulation
    choices: FormChoices
    form: RegistrationForm


def form_choices(session_id: int) -> FormChoices:
    reg = regulation_of(session_id)
    centres = tuple(
        Centre.select(Centre.code, Centre.name)
        .where((Centre.session == session_id) & Centre.is_exam & Centre.active)
        .order_by(Centre.code)
        .limit(1000)
        .tuples()
    )
    return FormChoices(
        series=tuple((s.code, s.label) for s in reg.series),
        sub_choices={s.code: s.sub_choices for s in reg.series},
        sub_choice_labels={s.code: s.sub_choice_label for s in reg.series},
        languages=tuple(reg.languages.items()),
        options=tuple(reg.options.items()),
        statuses=tuple(STATUSES.items()),
        centres=centres,
        max_options_per_year=reg.max_options_per_year,
    )


def blank_form(session_id: int) -> RegistrationForm:
    """A new registration: brouillon, scolaire, and no série (a wrong default is worse than
    none: the save refuses a form whose série was never chosen)."""
    regulation_of(session_id)  # the session exists and has its regulation
    return RegistrationForm(series="")


def load_form(candidate_id: int) -> RegistrationForm:
    """The stored registration as the form shows it (with its version, for the save)."""
    c = get_candidate(candidate_id)
    uai = ""
    if c.etablissement_id is not None:
        uai = (
            Etablissement.select(Etablissement.uai)
            .where(Etablissement.id == c.etablissement_id)
            .scalar()
            or ""
        )
    centre = ""
    if c.centre_id is not None:
        centre = Centre.select(Centre.code).where(Centre.id == c.centre_id).scalar() or ""
    return RegistrationForm(
        candidate_id=c.id,
        version=c.version,
        number=c.number,
        state=c.state,
        ine=c.ine,
        last_name=c.last_name,
        first_name=c.first_name,
        birth_date=format_date(c.birth_date),
        birth_place=c.birth_place,
        sex=c.sex,
        address=c.address,
        postcode=c.postcode,
        city=c.city,
        email=c.email,
        phone=format_phone(c.phone),
        status=c.status,
        etablissement=uai,
        centre=centre,
        series=c.series,
        sub_choice=c.sub_choice,
        lva=c.lva,
        lvb=c.lvb,
        options=c.options.replace(",", ", "),
        indications=c.indications.replace(",", ", "),
        eps_inapte=c.eps_inapte,
        eps_certificate=c.eps_certificate,
        amenagements=c.amenagements,
        dossier=parse_dossier(c.dossier),
        transferred_to=c.transferred_to,
    )


def open_form(candidate_id: int | None, session_id: int | None) -> LoadedForm:
    """A stored registration (its own session), or a blank one in ``session_id``."""
    if candidate_id is not None:
        form = load_form(candidate_id)
        session_id = int(get_candidate(candidate_id).session_id)
    elif session_id is None:
        raise ServiceError("Aucune session ouverte : impossible d'inscrire.")
    else:
        form = blank_form(session_id)
    return LoadedForm(session_id, regulation_of(session_id), form_choices(session_id), form)


def find_etablissement(uai: str) -> EtablissementInfo | None:
    """The établissement of a UAI (the form shows its name as soon as the UAI is typed)."""
    row = (
        Etablissement.select(Etablissement.id, Etablissement.uai, Etablissement.name, Commune.name)
        .join(Commune, pw.JOIN.LEFT_OUTER, on=Etablissement.commune == Commune.id)
        .where(Etablissement.uai == uai.strip().upper())
        .tuples()
        .first()
    )
    return EtablissementInfo(row[0], row[1], row[2], row[3] or "") if row else None


def save_form(session_id: int, form: RegistrationForm, *, reason: str = "") -> SavedRegistration:
    """Create or update the registration of the form, audited, in one transaction.

    Refused with a :class:`ValidationError` (field, message) before anything is written, or with a
    ConflictError when the candidate changed since the form was loaded (``form.version``).
    """
    reg = regulation_of(session_id)
    errors = form_errors(reg, form)
    uai = form.etablissement.strip()
    etab = find_etablissement(uai) if uai else None
    if uai and etab is None and not any(f == "etablissement" for f, _ in errors):
        errors.append(("etablissement", f"aucun établissement de l'UAI « {uai} »"))
    centre_id = None
    if form.centre.strip():
        centre_id = (
            Centre.select(Centre.id)
            .where((Centre.session == session_id) & (Centre.code == form.centre.strip()))
            .scalar()
        )
        if centre_id is None:
            errors.append(("centre", f"aucun centre de code « {form.centre.strip()} »"))
    if errors:
        raise ValidationError(errors)
    values = _model_values(form, etab.id if etab else None, centre_id)
    if form.candidate_id is None:
        return _create(session_id, reg, form, values, reason or "inscription (saisie)")
    return _update(reg, form, values, reason or "modification de l'inscription")


def _model_values(
    form: RegistrationForm, etab_id: int | None, centre_id: int | None
) -> dict[str, Any]:
    phone = identifiers.phone_normalise(form.phone) or "" if form.phone.strip() else ""
    return {
        "ine": form.ine.strip().upper(),
        "last_name": " ".join(form.last_name.split()),
        "first_name": " ".join(form.first_name.split()),
        "birth_date": identifiers.parse_date_fr(form.birth_date),
        "birth_place": " ".join(form.birth_place.split()),
        "sex": form.sex,
        "address": " ".join(form.address.split()),
        "postcode": form.postcode.strip(),
        "city": " ".join(form.city.split()),
        "email": form.email.strip().lower(),
        "phone": phone,
        "series": form.series,
        "sub_choice": form.sub_choice,
        "lva": form.lva,
        "lvb": form.lvb,
        "options": format_options(parse_options(form.options)),
        "indications": indications.format_entries(indications.parse(form.indications)),
        "status": form.status,
        "etablissement": etab_id,
        "centre": centre_id,
        "eps_inapte": bool(form.eps_inapte),
        "eps_certificate": bool(form.eps_certificate),
        "amenagements": " ".join(form.amenagements.split()),
        "dossier": dossier_text(form.status, form.eps_inapte, form.dossier),
        "state": form.state,
    }


def _create(
    session_id: int,
    reg: Regulation,
    form: RegistrationForm,
    values: dict[str, Any],
    reason: str,
) -> SavedRegistration:
    draft = RegistrationState.BROUILLON.value
    errors = state_errors(reg, form, form.state, draft)
    if errors:
        raise ValidationError(errors)
    stored = {BY_NAME[k].data_name: v for k, v in values.items()}
    data = CandidateData(**{k: v for k, v in stored.items() if k in EDITABLE_FIELDS})
    with write_transaction():
        candidate_id = register_candidate(session_id, data, reason=reason)
        extra = {
            k: values[k]
            for k in ("centre", "eps_certificate", "amenagements", "dossier", "state")
            if values[k] not in (None, "", False, draft)
        }
        if extra:
            audit.update(Candidate, candidate_id, extra, reason=reason)
        row = get_candidate(candidate_id)
    return SavedRegistration(
        candidate_id, row.number, row.version, True, True, f"Inscription n° {row.number} créée."
    )


def _update(
    reg: Regulation, form: RegistrationForm, values: dict[str, Any], reason: str
) -> SavedRegistration:
    assert form.candidate_id is not None
    with write_transaction():
        current = get_candidate(form.candidate_id)
        refused = state_errors(reg, form, form.state, current.state)
        if refused:
            raise ValidationError(refused)
        if values["ine"] != current.ine and values["ine"]:
            other = (
                Candidate.select(Candidate.number)
                .where(
                    (Candidate.session == current.session_id)
                    & (Candidate.ine == values["ine"])
                    & (Candidate.id != current.id)
                    & (Candidate.state != RegistrationState.ANNULEE.value)
                )
                .scalar()
            )
            if other:
                raise ValidationError([("ine", f"INE déjà porté par le candidat n° {other}")])
        changes = {
            k: v
            for k, v in values.items()
            if audit.to_text(stored_value(current, k)) != audit.to_text(v)
        }
        if not changes:
            return SavedRegistration(
                current.id, current.number, current.version, False, False, "Aucun changement."
            )
        if "last_name" in changes or "first_name" in changes:
            changes["name_key"] = name_key(values["last_name"], values["first_name"])
        changes["updated_at"] = audit.now_iso()
        row = audit.update(
            Candidate, current.id, changes, expected_version=form.version, reason=reason
        )
        if "options" in changes:
            sync_registrations(current.id, reg, values["options"], reason)
    named = ", ".join(label(k) for k in changes if k not in ("updated_at", "name_key"))
    return SavedRegistration(row.id, row.number, row.version, False, True, f"Enregistré ({named}).")
