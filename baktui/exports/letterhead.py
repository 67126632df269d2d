"""Who a document comes from: the académie, the rectorat's address and the signatory.

The office keys them in the organisation screen (F9, Paramètres); the PDFs print the académie and
the address in their header, and the signatory under « Pour le recteur et par délégation ».
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SIGNATORY_TITLE = "le chef de la division des examens et concours"


@dataclass(frozen=True)
class Letterhead:
    academie: str
    address: str = ""
    signatory: str = ""
    signatory_title: str = ""

    def delegation(self) -> str:
        """The signature's lines: « Pour le recteur et par délégation, » its title, the name."""
        lines = [
            "Pour le recteur et par délégation,",
            self.signatory_title or DEFAULT_SIGNATORY_TITLE,
        ]
        if self.signatory:
            lines.append(self.signatory)
        return "\n".join(lines)
