"""``import frais``: declared claims from a file, one per examiner; refusals, re-import, audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    Assignment,
    AuditLog,
    Centre,
    ClaimMission,
    Commune,
    Examiner,
    ExpenseClaim,
    ExpenseLine,
)
from baktui.services import rates
from baktui.services.imports.claims import import_claims
from baktui.services.imports.etablissements import import_etablissements
from baktui.services.imports.examiners import import_examiners
from baktui.services.sessions import SessionInfo, require_session

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HEADER = "examinateur;date;nature;km;montant;justificatif;repas;nuits;copies;heures;origine\n"
GOOD = "EX0003;11/06/2026;péage;;7,40;oui;;;;;\nEX0003;11/06/2026;repas;;;;2;;;;\n"


def _base(session_id: int) -> None:
    rates.seed_default_rates()
    assert import_etablissements(SAMPLES / "etablissements.csv").ok
    assert import_examiners(session_id, SAMPLES / "examinateurs.csv").ok


@pytest.fixture
def base(session: SessionInfo) -> SessionInfo:
    _base(session.id)
    return session


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def _last_audit() -> int:
    return AuditLog.select(AuditLog.id).order_by(AuditLog.id.desc()).scalar() or 0


def _snapshot() -> tuple[int, ...]:
    return (
        ExpenseClaim.select().count(),
        ExpenseLine.select().count(),
        ClaimMission.select().count(),
        _last_audit(),
    )


def _claim_of(identifier: str) -> ExpenseClaim:
    examiner = Examiner.get(Examiner.identifier == identifier)
    return ExpenseClaim.get(ExpenseClaim.examiner == examiner.id)


def test_sample_then_reimport_creates_nothing(base: SessionInfo) -> None:
    first = _last_audit()
    report = import_claims(base.id, SAMPLES / "frais.csv")
    assert report.ok and (report.created, report.unchanged) == (12, 0), report.render()
    assert "4 demandes déclarées" in report.render()
    claims = list(ExpenseClaim.select().order_by(ExpenseClaim.id))
    assert len(claims) == 4
    assert {c.state for c in claims} == {"declaree"}
    assert {c.session_id for c in claims} == {base.id}
    claim = _claim_of("EX0003")
    kinds = {line.kind: line for line in claim.lines}
    assert set(kinds) == {"public_transport", "meal", "night"}
    assert (kinds["public_transport"].declared_centi, kinds["public_transport"].receipt) == (
        3680,
        True,
    )
    assert kinds["meal"].quantity_centi == 200 and kinds["meal"].amount_centi > 0
    assert claim.total_centi == sum(line.amount_centi for line in claim.lines)
    oral = next(
        line for line in _claim_of("EX0018").lines if line.kind == "oral_hours"
    )  # 6,5 h × 9,60 €
    assert (oral.quantity_centi, oral.amount_centi) == (650, 6240)
    car = next(line for line in _claim_of("EX0018").lines if line.kind == "car")
    examiner = Examiner.get(Examiner.identifier == "EX0018")
    assert (car.km, car.origin, car.from_commune_id) == (62, "family", examiner.home_commune_id)
    created = AuditLog.select().where((AuditLog.id > first) & (AuditLog.action == "create"))
    assert {e.entity for e in created} >= {"expense_claim", "expense_line"}
    assert all(e.reason == "import des frais (frais.csv)" for e in created)
    assert all(e.who for e in created)

    before = _snapshot()
    again = import_claims(base.id, SAMPLES / "frais.csv")
    assert again.ok and (again.created, again.unchanged) == (0, 12), again.render()
    assert _snapshot() == before


def test_extra_line_makes_a_claim_of_its_own(base: SessionInfo, tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", HEADER + GOOD)
    assert import_claims(base.id, path).created == 2
    path = _write(tmp_path / "f.csv", HEADER + GOOD + "EX0003;12/06/2026;parking;;3;non;;;;;\n")
    report = import_claims(base.id, path)
    assert (report.created, report.unchanged) == (1, 2), report.render()
    examiner = Examiner.get(Examiner.identifier == "EX0003")
    claims = list(ExpenseClaim.select().where(ExpenseClaim.examiner == examiner.id))
    assert [len(list(c.lines)) for c in claims] == [2, 1]
    # a rejected claim holds nothing: its lines are declared again
    ExpenseClaim.update(state="rejetee").where(ExpenseClaim.id == claims[1].id).execute()
    assert import_claims(base.id, path).created == 1


def test_convocations_of_the_days_are_covered(base: SessionInfo, tmp_path: Path) -> None:
    villeurbanne = Commune.create(name="Lyon 3e", postcode="69003", night_category="grande_ville")
    centre = Centre.create(session=base.id, code="C1", name="Centre 1", commune=villeurbanne)
    examiner = Examiner.get(Examiner.identifier == "EX0003")
    oral = Assignment.create(
        session=base.id, examiner=examiner, kind="correction", epreuve_code="FRE",
        day=dt.date(2026, 6, 11), centre=centre, state="convoquee",
    )  # fmt: skip
    Assignment.create(
        session=base.id, examiner=examiner, kind="correction", epreuve_code="FRE",
        day=dt.date(2026, 6, 20), centre=centre, state="convoquee",
    )  # fmt: skip
    report = import_claims(base.id, _write(tmp_path / "f.csv", HEADER + GOOD))
    assert report.ok, report.render()
    claim = _claim_of("EX0003")
    assert [m.assignment_id for m in claim.missions] == [oral.id]
    meal = next(line for line in claim.lines if line.kind == "meal")
    assert meal.to_commune_id == villeurbanne.id


BAD_LINES = [
    ("EX9999;11/06/2026;péage;;7;oui;;;;;", "examinateur", "EX9999", "examinateur inconnu"),
    (";11/06/2026;péage;;7;oui;;;;;", "examinateur", "", "identifiant de l'examinateur"),
    ("EX0003;31/02/2026;péage;;7;oui;;;;;", "date", "31/02/2026", "cette date n'existe pas"),
    ("EX0003;11/06/2025;péage;;7;oui;;;;;", "date", "11/06/2025", "hors de l'année"),
    ("EX0003;11/06/2026;avion;;7;oui;;;;;", "nature", "avion", "nature inconnue"),
    ("EX0003;11/06/2026;véhicule;;;;;;;;", "km", "", "obligatoire"),
    ("EX0003;11/06/2026;véhicule;12,5;;;;;;;", "km", "12,5", "nombre entier de kilomètres"),
    ("EX0003;11/06/2026;véhicule;40;;;;;;;lune", "origine", "lune", "origine inconnue"),
    ("EX0003;11/06/2026;repas;40;;;1;;;;", "km", "40", "sans objet pour une ligne « repas »"),
    ("EX0003;11/06/2026;repas;;;;3;;;;", "repas", "3", "2 au plus"),
    ("EX0003;11/06/2026;péage;;douze;oui;;;;;", "montant", "douze", "n'est pas un nombre"),
    ("EX0003;11/06/2026;péage;;7;peut-être;;;;;", "justificatif", "peut-être", "o (oui) ou n"),
    ("EX0003;11/06/2026;copies;;;;;;;;", "copies", "", "obligatoire pour une ligne"),
    ("EX0003;11/06/2026;oral;;;;;;;0;", "heures", "0", "obligatoire, plus que 0"),
]


@pytest.mark.parametrize(("line", "column", "value", "reason"), BAD_LINES)
def test_one_refused_line_writes_nothing(
    base: SessionInfo, tmp_path: Path, line: str, column: str, value: str, reason: str
) -> None:
    before = _snapshot()
    report = import_claims(base.id, _write(tmp_path / "f.csv", HEADER + GOOD + line + "\n"))
    assert not report.ok
    text = report.render()
    where = f"ligne 4, colonne {column}, " + (f"valeur « {value} »" if value else "valeur vide")
    assert f"{where} : " in text, text
    assert reason in text, text
    assert "Rien n'a été enregistré" in text
    assert _snapshot() == before


def test_comma_cp1252_file(base: SessionInfo, tmp_path: Path) -> None:
    text = 'Examinateur,Date,Nature,Montant,Justificatif\nEX0003,11/06/2026,Péage,"7,40",oui\n'
    report = import_claims(base.id, _write(tmp_path / "f.csv", text, encoding="cp1252"))
    assert report.ok and report.created == 1, report.render()
    line = ExpenseLine.get(ExpenseLine.kind == "toll")
    assert (line.declared_centi, line.amount_centi) == (740, 740)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    dbmod.open_database(str(db))
    _base(require_session(2026).id)
    dbmod.close_database()
    bad = _write(tmp_path / "f.csv", HEADER + "EX0001;15/06/2026;train;;;;;;;;\n")
    assert main(["--db", str(db), "import", "frais", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ligne 2, colonne montant, valeur vide : Montant déclaré (€) : obligatoire" in out
    assert main(["--db", str(db), "import", "frais", str(SAMPLES / "frais.csv")]) == 0
    assert "12 créées" in capsys.readouterr().out
    assert main(["--db", str(db), "import", "frais", str(SAMPLES / "frais.csv")]) == 0
    assert "12 inchangées" in capsys.readouterr().out


def test_xlsx_file(base: SessionInfo, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Examinateur", "Date", "Nature", "Km", "Origine", "Heures"])
    sheet.append(["EX0018", dt.datetime(2026, 6, 23), "Véhicule personnel", 62, "familiale", None])
    sheet.append(["EX0018", dt.datetime(2026, 6, 23), "Oral", None, None, 6.5])
    book.save(tmp_path / "frais.xlsx")
    report = import_claims(base.id, tmp_path / "frais.xlsx")
    assert report.ok and report.created == 2, report.render()
    lines = {line.kind: line for line in _claim_of("EX0018").lines}
    assert (lines["car"].km, lines["car"].origin) == (62, "family")
    assert str(lines["car"].day) == "2026-06-23"
    assert lines["oral_hours"].quantity_centi == 650
    assert import_claims(base.id, tmp_path / "frais.xlsx").unchanged == 2
