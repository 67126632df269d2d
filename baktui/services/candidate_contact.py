"""Changing a candidate's contact details: what the office does while a parent is on the phone.

Its own use case because it is the most frequent write on a candidate and the only one the card
makes without the form: the values are checked field by field (the same messages as the form's),
tidied (phone digits, e-mail in lower case, a city typed in lower case in capitals), and written
with the version of the card the user read, audited field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Candidate
from baktui.errors import ServiceError
from baktui.rules import identifiers
from baktui.rules.candidate import CONTACT_FIELDS
from baktui.rules.registration_form import contact_errors
from baktui.services.candidate_card import CandidateCard, candidate_card
from baktui.services.registration import ValidationError, get_candidate


def tidy_contact(name: str, raw: str | None) -> str:
    """A contact value as stored: spaces collapsed, phone as digits, e-mail in lower case."""
    text = " ".join(str(raw or "").split())
    if name == "phone" and text:
        return identifiers.phone_normalise(text) or text
    if name == "email":
        return text.lower()
    if name == "city" and text.islower():
        return text.upper()
    return text


def update_contact(
    candidate_id: int, values: Mapping[str, str], *, expected_version: int, reason: str = ""
) -> CandidateCard:
    """Change the contact details (address, postcode, city, e-mail, phone); returns the new card.

    Refused with a :class:`ValidationError` naming the field, or a ConflictError when somebody
    changed the candidate since ``expected_version`` was read.
    """
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ServiceError(f"Champs inconnus : {', '.join(sorted(unknown))}")
    errors = contact_errors(values)
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {name: tidy_contact(name, raw) for name, raw in values.items()}
    with write_transaction():
        current = get_candidate(candidate_id)
        diff = {k: v for k, v in changes.items() if getattr(current, k) != v}
        if diff:
            diff["updated_at"] = audit.now_iso()
            audit.update(
                Candidate,
                candidate_id,
                diff,
                expected_version=expected_version,
                reason=reason or "changement de coordonnées",
            )
    return candidate_card(candidate_id)
