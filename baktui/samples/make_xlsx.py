"""Rebuild candidats.xlsx from candidats.csv (same candidates, the headers as offices type them).

Run from the repository root: ``python baktui/samples/make_xlsx.py``. Birth dates become real date
cells and postcodes numbers, as in files exported from school software.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HEADERS = {
    "ine": "INE",
    "nom": "Nom",
    "prenom": "Prénom",
    "date_naissance": "Date de naissance",
    "serie": "Série",
    "statut": "Statut",
    "sous_choix": "Sous-choix",
    "lva": "LVA",
    "lvb": "LVB",
    "options": "Options",
    "eps_inapte": "EPS inapte",
    "sexe": "Sexe",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "email": "E-mail",
    "telephone": "Téléphone",
    "uai": "UAI",
    "lieu_naissance": "Commune de naissance",
    "indications": "Indications",
}


def main() -> None:
    with (HERE / "candidats.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Candidats"
    sheet.append([HEADERS[k] for k in HEADERS])
    for row in rows:
        values: list[object] = []
        for key in HEADERS:
            value: object = row[key]
            if key == "date_naissance":
                value = dt.datetime.strptime(row[key], "%d/%m/%Y")
            elif key == "code_postal" and row[key]:
                value = int(row[key])
            values.append(value if value != "" else None)
        sheet.append(values)
    workbook.save(HERE / "candidats.xlsx")


if __name__ == "__main__":
    main()
