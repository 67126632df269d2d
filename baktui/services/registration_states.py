"""What the card does to a registration: change its state, series or options, transfer, undo.

Each is one audited update in one write transaction, with the version of the card the user read
(``expected_version``): a change made meanwhile by a colleague refuses this one. The state moves
are the registration lifecycle's (:data:`baktui.rules.lifecycles.REGISTRATION`), and a validation
needs a faultless form and a complete dossier (:func:`~baktui.rules.registration_form.state_errors`).
An undo from the timeline is itself a recorded change, so it can be undone too. Each returns the
fresh card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import AuditLog, Candidate
from baktui.errors import ServiceError
from baktui.rules.candidate import BY_NAME, REVERTIBLE_FIELDS, Kind, label
from baktui.rules.lifecycles import REGISTRATION
from baktui.rules.registration import format_options, option_errors, parse_options
from baktui.rules.registration_form import choice_field_errors, state_errors
from baktui.services.candidate_card import CandidateCard, candidate_card, when_text
from baktui.services.registration import (
    ValidationError,
    get_candidate,
    name_keys,
    stored_value,
    sync_registrations,
)
from baktui.services.registration_form import load_form
from baktui.services.sessions import regulation_of


def set_state(
    candidate_id: int, state: str, *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Move the registration to another state (brouillon → confirmée → validée, or annulée)."""
    if state not in REGISTRATION:
        known = ", ".join(s.value for s in REGISTRATION.states)
        raise ServiceError(f"État « {state} » inconnu ({known}).")
    with write_transaction():
        current = get_candidate(candidate_id)
        reg = regulation_of(current.session_id)
        errors = state_errors(reg, load_form(current.id), state, current.state)
        if errors:
            raise ValidationError(errors)
        audit.update(
            Candidate,
            candidate_id,
            {"state": state, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=reason or f"inscription {REGISTRATION.label(state)}",
        )
    return candidate_card(candidate_id)


def change_series(
    candidate_id: int,
    series: str,
    sub_choice: str = "",
    *,
    expected_version: int,
    reason: str = "",
) -> CandidateCard:
    """Change of series (and its sub-choice), recorded; undone from the timeline or by another change."""
    with write_transaction():
        current = get_candidate(candidate_id)
        reg = regulation_of(current.session_id)
        errors = [
            (f, m)
            for f, m in choice_field_errors(
                reg,
                series,
                sub_choice,
                current.lva,
                current.lvb,
                parse_options(current.options),
                current.eps_inapte,
                current.eps_certificate,
            )
            if f in ("series", "sub_choice")
        ]
        if errors:
            raise ValidationError(errors)
        audit.update(
            Candidate,
            candidate_id,
            {"series": series, "sub_choice": sub_choice, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=reason or "changement de série",
        )
    return candidate_card(candidate_id)


def change_options(
    candidate_id: int, options: str, *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Change of options (option-year entries "LATIN-1, ARTS-T"); the OPTn épreuves follow."""
    with write_transaction():
        current = get_candidate(candidate_id)
        reg = regulation_of(current.session_id)
        entries = parse_options(options)
        errors = option_errors(reg, entries)
        if errors:
            raise ValidationError([("options", m) for m in errors])
        text = format_options(entries)
        why = reason or "changement d'options"
        audit.update(
            Candidate,
            candidate_id,
            {"options": text, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=why,
        )
        sync_registrations(candidate_id, reg, text, why)
    return candidate_card(candidate_id)


def transfer(
    candidate_id: int, academie: str, *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Transfer the registration to another académie ("" cancels the transfer)."""
    target = " ".join(academie.split())
    with write_transaction():
        current = get_candidate(candidate_id)
        if target and target == current.transferred_to:
            raise ServiceError(f"Candidat déjà transféré vers {target}.")
        if not target and not current.transferred_to:
            raise ServiceError("Ce candidat n'est pas transféré.")
        audit.update(
            Candidate,
            candidate_id,
            {"transferred_to": target, "updated_at": audit.now_iso()},
            expected_version=expected_version,
            reason=reason or (f"transfert vers {target}" if target else "transfert annulé"),
        )
    return candidate_card(candidate_id)


def revert_change(audit_id: int, *, expected_version: int) -> CandidateCard:
    """Undo one recorded change of a candidate: its field gets back the value it had before.

    The undo is itself a recorded change (reason « annulation de … »), so it can be undone too.
    """
    entry = AuditLog.get_or_none(AuditLog.id == audit_id)
    if entry is None or entry.entity != "candidate" or entry.action != "update":
        raise ServiceError("Seule une modification de l'inscription peut être annulée.")
    if entry.field not in REVERTIBLE_FIELDS:
        raise ServiceError(f"La modification « {label(entry.field)} » ne s'annule pas.")
    candidate_id = int(entry.entity_id)
    with write_transaction():
        current = get_candidate(candidate_id)
        value = from_audit_text(entry.field, entry.before)
        now = audit.to_text(stored_value(current, entry.field))
        if now != entry.after:
            raise ServiceError(
                f"« {label(entry.field)} » a changé depuis ({entry.after or 'vide'} → "
                f"{now or 'vide'}) : annulez d'abord les changements plus récents."
            )
        why = f"annulation de la modification du {when_text(entry.at)} (journal n° {entry.id})"
        changes: dict[str, Any] = {entry.field: value, "updated_at": audit.now_iso()}
        if entry.field in ("last_name", "first_name"):
            last = value if entry.field == "last_name" else current.last_name
            first = value if entry.field == "first_name" else current.first_name
            changes.update(name_keys(last, first))
        audit.update(
            Candidate, candidate_id, changes, expected_version=expected_version, reason=why
        )
        if entry.field == "options":
            sync_registrations(candidate_id, regulation_of(current.session_id), value or "", why)
    return candidate_card(candidate_id)


def from_audit_text(name: str, text: str | None) -> Any:
    """A candidate field's value back from its audit-log text (:func:`baktui.data.audit.to_text`)."""
    spec = BY_NAME[name]
    if text is None:
        return spec.default if spec.default is None else ""
    if spec.kind is Kind.BOOL:
        return text == "oui"
    if spec.kind is Kind.DATE:
        return dt.date.fromisoformat(text) if text else None
    if spec.kind is Kind.REF:
        return int(text) if text else None
    return text
