"""End to end through the command line: the README example on data/samples, checked by hand.

Coefficients (regulation 2026): FRE 5, FRO 5, PHI 4, GO 14, SP1 16, SP2 16, SPA 8, HG 6, LVA 6,
LVB 6, MAT 6, EPS 6, EMC 2 (total 100); each option 2, added to the 100.
Averages are exact, compared unrounded, shown TRUNCATED to 2 decimals.

Hand computation of data/samples/notes.csv (grade × coef, in that order):

- Martin Léa, STMG: 12×5 + 14×5 + 9×4 + 13×14 + 11×16 + 10×16 + 12,5×8 + 11,4×6 (HG 11,34
  rounded up) + 12×6 + 10,5×6 + 9,8×6 + 14×6 + 13×2 = 60+70+36+182+176+160+100+68,4+72+63+58,8
  +84+26 = 1156,2 → 11,562 → "11,56" ADMIS, no mention (< 12).
- Nguyen Thomas, STI2D: 8×5 + 12×5 + 10×4 + 10×14 + 9×16 + 11×16 + 10×8 + 10×6×4 (HG LVA LVB
  MAT) + 10×6 + 10×2 = 40+60+40+140+144+176+80+240+60+20 = 1000 → exactly 10 → "10,00" ADMIS.
- Benali Yasmine, STL: as Nguyen but EMC 9,81 rounded up to 9,9: 1000 - 20 + 19,8 = 999,8
  → 9,998 → shown "9,99" (truncated, never 10,00) → SECOND_GROUPE; no second-group grade.
- Dupont Hugo, STMG: 6×5 + 8×5 + 5×4 + 10×14 + 9×16 + 9×16 + 10×8 + 10×6 + 10×6 + 10×6 + 9×6
  + 12×6 + 10×2 = 30+40+20+140+144+144+80+60+60+60+54+72+20 = 924 → 9,24 SECOND_GROUPE.
  Second group: FR 12 > mean(FRE, FRO) = 70/10 = 7: FRE and FRO become 12 (+120-70 = +50);
  PHI 13 > 5 (+52-20 = +32): 924+50+32 = 1006 → "10,06" ADMIS, never a mention.
- Lefèvre Chloé, STD2A: 35+45+16+112+96+112+64+42+48+36+30+72+20 = 728 → "7,28" AJOURNE.
- Rousseau Nathan, STHR: PHI = AJ (justified absence) → INCOMPLET, empty average.
- Garcia Inès, STI2D: 16×5 + 17×5 + 14×4 + 18×14 + 17×16 + 16×16 + 16,5×8 + 15×6 + 16×6 + 14×6
  + 17×6 + 15×6 + 16×2 = 80+85+56+252+272+256+132+90+96+84+102+90+32 = 1627 → "16,27" TB.
- Moreau Lucas, STMG, EPS inapte (EPS neutralised, coefficients 100-6 = 94): 55+65+40+168+192
  +208+88+72+78+66+60+28 = 1120 → 1120/94 = 11,9148… → "11,91" ADMIS, no mention.
- Fournier Manon, STL, option LATIN-T = OPT1 graded 18: 60+60+24+182+192+192+96+72×5+24 = 1190,
  + 18×2 = 1226 over 102 → 12,0196… → "12,01" ADMIS AB (without the option: 11,90, no mention).
- Diallo Aïssatou, ST2S: SP1 from its parts (CHI 12,5 coef 3, BPH 14 coef 13) = 219,5/16
  = 13,71875, × 16 = 219,5; 50+60+36+168+219,5+176+80+66+72+60+54+78+24 = 1143,5 → "11,43".
- Petit Jules, S2TMD, PHI 15 kept from 2024: 65+70+60+196+208+240+104+72+78+72+66+96+28 = 1355
  → "13,55" ADMIS without mention (a kept grade removes the mention; AB otherwise).
- Roux Camille, STI2D: 40+40+24+126+144+128+72+48+54+48+48+60+18 = 850 → 8,50 SECOND_GROUPE.
  Second group: SP1 12 > 9 (+192-144 = +48); PHI 4 < 6 is not taken: 898 → "8,98" AJOURNE.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import new_base
from openpyxl import load_workbook

from baktui.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HEADER = [
    "ine",
    "nom",
    "prenom",
    "serie",
    "moyenne",
    "decision",
    "mention",
    "numero_candidat",
    "jury",
]

# Sorted by série, then nom, prénom.
FIRST_GROUP = [
    ["1A2B3C4D5E6", "Petit", "Jules", "S2TMD", "13,55", "ADMIS", ""],
    ["123456789AB", "Diallo", "Aïssatou", "ST2S", "11,43", "ADMIS", ""],
    ["0701234565E", "Lefèvre", "Chloé", "STD2A", "7,28", "AJOURNE", ""],
    ["0701234566F", "Rousseau", "Nathan", "STHR", "", "INCOMPLET", ""],
    ["0701234567G", "Garcia", "Inès", "STI2D", "16,27", "ADMIS", "TB"],
    ["0701234562B", "Nguyen", "Thomas", "STI2D", "10,00", "ADMIS", ""],
    ["0701234570K", "Roux", "Camille", "STI2D", "8,50", "SECOND_GROUPE", ""],
    ["0701234563C", "Benali", "Yasmine", "STL", "9,99", "SECOND_GROUPE", ""],
    ["0701234569J", "Fournier", "Manon", "STL", "12,01", "ADMIS", "AB"],
    ["0701234564D", "Dupont", "Hugo", "STMG", "9,24", "SECOND_GROUPE", ""],
    ["0701234561A", "Martin", "Léa", "STMG", "11,56", "ADMIS", ""],
    ["0701234568H", "Moreau", "Lucas", "STMG", "11,91", "ADMIS", ""],
]
FINAL = [list(row) for row in FIRST_GROUP]
FINAL[6] = ["0701234570K", "Roux", "Camille", "STI2D", "8,98", "AJOURNE", ""]
FINAL[9] = ["0701234564D", "Dupont", "Hugo", "STMG", "10,06", "ADMIS", ""]
# numero_candidat (given at import, in file order) and jury (empty: nobody placed in this base)
NUMBERS = [11, 10, 5, 6, 7, 2, 12, 3, 9, 4, 1, 8]
for rows in (FIRST_GROUP, FINAL):
    for row, n in zip(rows, NUMBERS, strict=True):
        row += [f"2600000{n:02d}", ""]


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    assert b"\r\n" in raw
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def run(*args: str) -> int:
    return main([str(a) for a in args])


def test_readme_example_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    # --db may also come from BAKTUI_DB
    monkeypatch.setenv("BAKTUI_DB", str(db))
    assert run("import", "etablissements", SAMPLES / "etablissements.csv") == 0
    capsys.readouterr()
    assert run("import", "candidats", SAMPLES / "candidats.csv") == 0
    monkeypatch.delenv("BAKTUI_DB")
    out = capsys.readouterr().out
    assert "12 créés" in out and "SNI" in out  # the sub-choice typo: imported with a warning
    assert run("--db", db, "import", "notes", SAMPLES / "notes.csv") == 0
    out = capsys.readouterr().out
    assert "158 créées" in out
    assert (
        "ligne 9, colonne note, valeur « 11,34 » : HG arrondie au dixième supérieur : 11,4" in out
    )
    assert (
        "ligne 40, colonne note, valeur « 9,81 » : EMC arrondie au dixième supérieur : 9,9" in out
    )
    assert run("--db", db, "jurys", "repartir") == 1  # no jury in the base
    assert "Aucun jury dans la session : importez d'abord les jurys" in capsys.readouterr().err
    assert run("--db", db, "deliberer") == 0
    out = capsys.readouterr().out
    assert "12 nouveaux" in out
    first = tmp_path / "premier_groupe.csv"
    assert run("--db", db, "export", "resultats", first) == 0
    assert read_csv(first) == [HEADER, *FIRST_GROUP]

    assert run("--db", db, "import", "notes", SAMPLES / "notes_second_groupe.csv") == 0
    assert run("--db", db, "deliberer") == 0
    out = capsys.readouterr().out
    # only the two candidates with a second-group grade are recomputed
    assert "candidats modifiés depuis la dernière délibération : 2 candidats" in out
    assert "2 modifiés" in out and "0 inchangés" in out
    final = tmp_path / "resultats.csv"
    assert run("--db", db, "export", "resultats", final) == 0
    assert read_csv(final) == [HEADER, *FINAL]

    xlsx = tmp_path / "resultats.xlsx"
    assert run("--db", db, "export", "resultats", xlsx) == 0
    sheet = load_workbook(xlsx, read_only=True).worksheets[0]
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    # the workbook speaks to people: French headers, the average and the jury as numbers, the
    # decision in words; the same values otherwise
    assert rows[0] == ["INE", "Nom", "Prénom", "Série", "Moyenne", "Décision", "Mention",
                       "N° candidat", "Jury"]  # fmt: skip
    words = {"ADMIS": "Admis", "SECOND_GROUPE": "Second groupe", "AJOURNE": "Ajourné",
             "INCOMPLET": "Incomplet"}  # fmt: skip
    assert len(rows) == len(FINAL) + 1
    for got, want in zip(rows[1:], FINAL, strict=True):
        average = float(want[4].replace(",", ".")) if want[4] else ""
        jury = int(want[8]) if want[8] else ""
        assert got == [*want[:4], average, words[want[5]], *want[6:8], jury]

    # the same files again: nothing changes
    capsys.readouterr()
    assert run("--db", db, "import", "candidats", SAMPLES / "candidats.xlsx") == 0
    assert run("--db", db, "import", "notes", SAMPLES / "notes.csv") == 0
    assert run("--db", db, "deliberer", "--tout") == 0
    out = capsys.readouterr().out
    assert "12 inchangés" in out and "158 inchangées" in out and "0 modifiés" in out
    assert run("--db", db, "deliberer") == 0  # nothing changed: nobody recomputed
    assert ": 0 candidat en" in capsys.readouterr().out

    # the console entry point works too (a real process)
    again = tmp_path / "encore.csv"
    script = Path(sys.executable).with_name("baktui")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "baktui.cli"]
    env = {k: v for k, v in os.environ.items() if k != "BAKTUI_DB"}
    done = subprocess.run(
        [*command, "--db", str(db), "export", "resultats", str(again)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "12 résultats exportés" in done.stdout
    assert read_csv(again) == [HEADER, *FINAL]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "baktui.cli",
            "--db",
            str(db),
            "import",
            "notes",
            str(tmp_path / "x.txt"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout


def test_bad_files_exit_non_zero_without_traceback(tmp_path: Path, capsys) -> None:
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init") == 0
    assert run("--db", db, "import", "etablissements", SAMPLES / "etablissements.csv") == 0
    assert run("--db", db, "import", "candidats", SAMPLES / "candidats.csv") == 0
    capsys.readouterr()

    bad = tmp_path / "notes.csv"
    bad.write_text(
        "ine;epreuve;note\n0701234561A;FRE;12\n0701234561A;PHI;21\n0799999999A;GO;12\n",
        encoding="utf-8",
    )
    assert run("--db", db, "import", "notes", bad) == 1
    out = capsys.readouterr().out
    assert "ligne 3, colonne note, valeur « 21 » : note hors de l'intervalle 0 à 20" in out
    assert "ligne 4, colonne ine, valeur « 0799999999A » : candidat inconnu" in out
    assert "Rien n'a été enregistré" in out

    cases = [
        ("import", "notes", tmp_path / "absent.csv"),
        ("import", "notes", SAMPLES / "make_xlsx.py"),
        ("import", "candidats", tmp_path / "vide.csv"),
        ("import", "notes", SAMPLES / "candidats.csv"),  # wrong kind of file: columns named
        ("export", "resultats", tmp_path / "r.csv"),  # nobody deliberated yet
        ("export", "resultats", tmp_path / "r.txt"),
        ("export", "resultats", tmp_path / "absent" / "r.csv"),
    ]
    (tmp_path / "vide.csv").write_bytes(b"")
    for case in cases:
        assert run("--db", db, *case) == 1, case
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    assert "fichier introuvable" in text
    assert "extension « .py » non prise en charge" in text
    assert "fichier vide" in text
    assert "colonnes obligatoires absentes : epreuve, note" in text
    assert "12 candidats sans résultat" in text and "baktui deliberer" in text
    assert not (tmp_path / "r.csv").exists()
    assert run("--db", tmp_path / "nulle-part.sqlite", "deliberer") == 1
    assert "Aucune base baktui" in capsys.readouterr().err
