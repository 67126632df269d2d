"""The errors baktui shows to its users: each carries a French message meant to be read as is.

Every layer raises these (or a subclass defined next to the use case); the screens and the CLI
print ``str(error)`` and never a traceback. The pure rules raise ``ValueError`` subclasses of
their own (``GradeError``, ``RateError``…) that the services turn into these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class BaktuiError(Exception):
    """Base of every error with a French message for the user."""


class ServiceError(BaktuiError):
    """A refused operation; nothing was written."""


class Cancelled(ServiceError):
    """The office stopped a long job (Échap): nothing was written."""


class NotFoundError(ServiceError):
    """The record asked for does not exist (any more)."""


class ConflictError(ServiceError):
    """Someone else changed the record since it was read: nothing was written."""


class ValidationError(ServiceError):
    """Refused input: ``errors`` holds (field, French message) pairs; the message names the
    first field, with ``label`` turning a field name into its French label."""

    def __init__(
        self,
        errors: Sequence[tuple[str, str]],
        label: Callable[[str], str] = str,
    ) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else ("", "saisie refusée")
        more = ""
        if len(self.errors) > 2:
            more = f" (et {len(self.errors) - 1} autres erreurs)"
        elif len(self.errors) == 2:
            more = " (et 1 autre erreur)"
        name = label(first[0]) if first[0] else ""
        text = f"{name[:1].upper()}{name[1:]} : {first[1]}" if name else first[1]
        super().__init__(text + more)


class DatabaseError(BaktuiError):
    """A database that cannot be opened or used."""


class ConfigError(BaktuiError):
    """A configuration file that cannot be read: the message names the file, the key and why."""
