"""The office's shared settings kept in the base (the académie's name…), with the config's defaults.

A setting stored in the base is the same for every colleague working on it; the configuration
file only gives the value to use until the base has one.
"""

from __future__ import annotations

from baktui.config import get_config
from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Setting
from baktui.errors import ServiceError
from baktui.exports.letterhead import Letterhead

ACADEMIE = "academie"
RECTORAT_ADDRESS = "rectorat_adresse"
SIGNATORY = "signataire"
SIGNATORY_TITLE = "signataire_qualite"


def current_login() -> str:
    """The login recorded in the audit log for what this process writes."""
    return audit.current_user()


def setting(key: str) -> str | None:
    """The stored value of a setting, or None."""
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row is not None and row.value.strip() else None


def academie_name() -> str:
    """The académie printed on documents: the base's setting, else the configuration's."""
    return setting(ACADEMIE) or get_config().academie


def letterhead() -> Letterhead:
    """What documents print in their header and signature: the académie, the rectorat's address,
    the signatory and his or her title (the settings of the base)."""
    return Letterhead(
        academie=academie_name(),
        address=setting(RECTORAT_ADDRESS) or "",
        signatory=setting(SIGNATORY) or "",
        signatory_title=setting(SIGNATORY_TITLE) or "",
    )


def set_setting(key: str, value: str, *, reason: str = "") -> None:
    """Store a setting (audited: its old and new value)."""
    text = " ".join(value.split())
    if not text:
        raise ServiceError(f"Paramètre « {key} » : une valeur est obligatoire.")
    with write_transaction():
        if Setting.get_or_none(Setting.key == key) is None:
            audit.create(Setting, key=key, value=text, reason=reason or "paramètre de l'office")
        else:
            audit.update(Setting, key, {"value": text}, reason=reason or "paramètre de l'office")
