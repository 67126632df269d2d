"""The list of admitted candidates per centre (PDF and CSV), posted at each publication.

Names only: centre, série, nom, prénom — never a grade, an average or a mention. The CSV is
``;``-separated UTF-8 with BOM, every cell formula-safe (:func:`baktui.rules.cells.csv_row`).
A pure renderer of :class:`AdmittedCentre` dataclasses (built by
:mod:`baktui.services.publication`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import new_document, save
from baktui.rules.cells import csv_row

CSV_COLUMNS = ("centre", "nom_centre", "serie", "nom", "prenom")


@dataclass(frozen=True)
class AdmittedCentre:
    code: str
    name: str
    candidates: tuple[tuple[str, str, str], ...]  # (série, nom, prénom), in the order printed


def write_admitted_pdf(
    path: str | Path,
    centres: Sequence[AdmittedCentre],
    *,
    title: str,
    session_year: int,
    academie: str | Letterhead,
) -> Path:
    """One PDF, one page (or more) per centre, each centre's list numbered from its page 1
    (« n° 3 — page 2 »)."""
    pdf = new_document(title, session_year=session_year, academie=academie)
    for centre in centres:
        pdf.begin_letter()
        pdf.title_block(title.upper(), f"{centre.code} {centre.name}".strip())
        count = len(centre.candidates)
        pdf.paragraph(
            f"{count} candidat{'s' if count > 1 else ''} admis, par série puis par nom. "
            "Liste nominative, sans notes ; seuls les relevés de notes font foi."
        )
        widths = (25.0, 75.0, 80.0)
        pdf.table(("Série", "Nom", "Prénom"), centre.candidates, widths)  # long names wrap
    if not centres:
        pdf.add_page()
        pdf.title_block(title.upper())
        pdf.paragraph("Aucun candidat admis à publier.")
    return save(pdf, path)


def write_admitted_csv(path: str | Path, centres: Sequence[AdmittedCentre]) -> Path:
    target = Path(path)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for centre in centres:
            for series, last, first in centre.candidates:
                writer.writerow(csv_row((centre.code, centre.name, series, last, first)))
    return target
