"""Imports of examiners, juries and the calendar: good files, idempotence, audit, refusals, CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    AuditLog,
    CalendarEntry,
    Centre,
    Commune,
    Epreuve,
    Etablissement,
    Examiner,
    Jury,
    JuryMember,
)
from baktui.services.imports.calendar import import_calendar
from baktui.services.imports.examiners import import_examiners
from baktui.services.imports.juries import import_juries
from baktui.services.sessions import SessionInfo, require_session

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
UAIS = ("0690026D", "0690030H", "0690038S", "0690042W", "0690074F", "0690104N", "0691626T",
        "0692866R")  # fmt: skip
DELIBERATION = ("0690026D", "0690104N")


def _places(session_id: int) -> None:
    lyon = Commune.create(name="Lyon", postcode="69003")
    for uai in UAIS:
        etab = Etablissement.create(uai=uai, name=f"Lycée {uai}", commune=lyon)
        if uai in DELIBERATION:
            Centre.create(
                session=session_id, code=uai, name=f"Centre {uai}", etablissement=etab,
                is_deliberation=True,
            )  # fmt: skip


@pytest.fixture
def places(session: SessionInfo) -> SessionInfo:
    _places(session.id)
    return session


def _last_audit() -> int:
    return AuditLog.select(AuditLog.id).order_by(AuditLog.id.desc()).scalar() or 0


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot() -> tuple[int, ...]:
    return (
        Examiner.select().count(),
        Jury.select().count(),
        JuryMember.select().count(),
        CalendarEntry.select().count(),
        Commune.select().count(),
        _last_audit(),
    )


def _refused(report, line: int, column: str, value: str, reason: str) -> None:
    assert not report.ok
    text = report.render()
    assert f"ligne {line}, colonne {column}, valeur « {value} » : " in text, text
    assert reason in text, text
    assert "Rien n'a été enregistré" in text


def test_samples_import_then_reimport_unchanged(places: SessionInfo) -> None:
    sid = places.id
    report = import_examiners(sid, SAMPLES / "examinateurs.csv")
    assert report.ok, report.render()
    assert report.created == 30 == Examiner.select().count()
    examiner = Examiner.get(Examiner.identifier == "EX0001")
    assert (examiner.last_name, examiner.corps, examiner.disciplines) == ("Bernard", "PU", "PHI")
    assert examiner.fiscal_hp == 6 and examiner.vehicle_authorised
    assert examiner.home_commune.name == "Villeurbanne"
    assert Examiner.get(Examiner.identifier == "EX0005").disciplines == "FRE,FRO"
    assert Commune.select().where(Commune.name == "Lyon").count() == 1  # found, not created
    report = import_juries(sid, SAMPLES / "jurys.csv")
    assert report.ok, report.render()
    assert report.created == 3
    jury3 = Jury.get(Jury.number == 3)
    assert jury3.series_codes == "STI2D,STMG,ST2S,STL,STD2A,STHR,S2TMD"  # empty = all
    assert jury3.president.identifier == "EX0003"
    assert JuryMember.select().where(JuryMember.jury == jury3).count() == 2
    report = import_calendar(sid, SAMPLES / "calendrier.csv")
    assert report.ok, report.render()
    assert report.created == 5
    phi = Epreuve.get((Epreuve.session == sid) & (Epreuve.code == "PHI"))
    assert (phi.exam_date, phi.start_time, phi.duration_min) == (dt.date(2026, 6, 15), "08:00", 240)
    before = _snapshot()
    for run, name, lines in (
        (import_examiners, "examinateurs.csv", 30),
        (import_juries, "jurys.csv", 3),
        (import_calendar, "calendrier.csv", 5),
    ):
        report = run(sid, SAMPLES / name)
        assert report.ok and report.unchanged == lines and not report.created, report.render()
        assert "inchangé" in report.render()
    assert _snapshot() == before  # 0 audit rows added


def test_changed_values_audited_before_after(places: SessionInfo, tmp_path: Path) -> None:
    sid = places.id
    assert import_examiners(sid, SAMPLES / "examinateurs.csv").ok
    assert import_calendar(sid, SAMPLES / "calendrier.csv").ok
    text = (SAMPLES / "examinateurs.csv").read_text(encoding="utf-8")
    changed = _write(tmp_path / "ex.csv", text.replace("EX0002;M.;Lambert;Olivier;MCF;SP1",
                                                     "EX0002;M.;Lambert;Olivier;MCF;SP1 SP2"))  # fmt: skip
    first = _last_audit()
    report = import_examiners(sid, changed)
    assert report.ok and report.updated == 1 and report.unchanged == 29
    entry = AuditLog.get(AuditLog.id > first)
    assert (entry.action, entry.field, entry.before, entry.after) == (
        "update", "disciplines", "SP1", "SP1,SP2",
    )  # fmt: skip
    calendar = _write(
        tmp_path / "cal.csv", "epreuve;serie;date;heure;duree\nPHI;;15/06/2026;09:00;240\n"
    )
    first = _last_audit()
    report = import_calendar(sid, calendar)
    assert report.ok and report.updated == 1
    fields = {
        (a.entity, a.field, a.before, a.after) for a in AuditLog.select().where(AuditLog.id > first)
    }
    assert ("calendar_entry", "start_time", "08:00", "09:00") in fields
    assert ("epreuve", "start_time", "08:00", "09:00") in fields


def test_examiner_without_identifier_keyed_by_name_and_uai(
    places: SessionInfo, tmp_path: Path
) -> None:
    head = "Nom;Prénom;Discipline;UAI;Commune;Corps\n"
    path = _write(tmp_path / "ex.csv", head + "Martin;Paul;PHI;0690026D;Bron;agrégé\n")
    assert import_examiners(places.id, path).created == 1
    path = _write(tmp_path / "ex.csv", head + "MARTIN;paul;PHI;0690026D;bron;AGREGE\n")
    report = import_examiners(places.id, path)
    assert report.updated == 1 and Examiner.select().count() == 1  # the same person: renamed
    assert Commune.select().where(Commune.name == "Bron").count() == 1


@pytest.mark.parametrize(
    ("text", "line", "column", "value", "reason"),
    [
        ("EX1;Paul;Martin;PHI;0690001B;Lyon", 2, "uai", "0690001B", "établissement inconnu"),
        ("EX1;Paul;Martin;PHI;069000XB;Lyon", 2, "uai", "069000XB", "7 chiffres"),
        ("EX1;Paul;Martin;PHI MATHS;0690026D;Lyon", 2, "discipline", "PHI MATHS", "épreuve MATHS inconnue"),
        ("EX1;Pa=ul;Martin;PHI;0690026D;Lyon", 2, "nom", "Pa=ul", "refusé dans un nom"),
        ("EX1;Paul;Martin;PHI;0690026D;Lyon\nEX1;Jean;Martin;PHI;0690026D;Lyon", 3, "identifiant", "EX1",
         "déjà présent ligne 2 du fichier"),
        (";Paul;Martin;PHI;0690026D;Lyon\n;Paul;Martin;FRE;0690026D;Lyon", 3, "nom", "Paul",
         "déjà présent ligne 2 du fichier"),
    ],
)  # fmt: skip
def test_examiner_refusals_write_nothing(
    places: SessionInfo, tmp_path: Path, text: str, line: int, column: str, value: str, reason: str
) -> None:
    before = _snapshot()
    path = _write(
        tmp_path / "ex.csv", "identifiant;nom;prenom;discipline;uai;commune\n" + text + "\n"
    )
    _refused(import_examiners(places.id, path), line, column, value, reason)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("text", "line", "column", "value", "reason"),
    [
        ("1;STI2D, STX;0690026D;EX0001", 2, "series", "STI2D, STX", "série inconnue (séries : STI2D"),
        ("1;STI2D;0690026D;EX9999", 2, "president", "EX9999", "identifiant d'examinateur inconnu"),
        ("1;STI2D;0690030H;EX0001", 2, "centre", "0690030H", "centre de délibération inconnu"),
        ("1;STI2D;0690026D;EX0004", 2, "president", "EX0004", "professeur des universités"),  # an agrégé
        ("0;STI2D;0690026D;EX0001", 2, "numero", "0", "entier positif"),
        ("1;STI2D;0690026D;EX0001\n1;STL;0690026D;EX0002", 3, "numero", "1", "déjà présent ligne 2"),
    ],
)  # fmt: skip
def test_jury_refusals_write_nothing(
    places: SessionInfo, tmp_path: Path, text: str, line: int, column: str, value: str, reason: str
) -> None:
    assert import_examiners(places.id, SAMPLES / "examinateurs.csv").ok
    before = _snapshot()
    path = _write(tmp_path / "j.csv", "numero;series;centre;president\n" + text + "\n")
    _refused(import_juries(places.id, path), line, column, value, reason)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("text", "line", "column", "value", "reason"),
    [
        ("PHI;;31/02/2026;08:00;240", 2, "Date", "31/02/2026", "cette date n'existe pas"),
        ("PHI;;15/06/2025;08:00;240", 2, "Date", "15/06/2025", "hors de l'année de la session"),
        ("PHX;;15/06/2026;08:00;240", 2, "Épreuve", "PHX", "épreuve inconnue"),
        ("PHI;STX;15/06/2026;08:00;240", 2, "Série", "STX", "série inconnue"),
        ("PHI;;15/06/2026;25:00;240", 2, "Heure", "25:00", "HH:MM"),
        ("PHI;;15/06/2026;08:00;-5", 2, "Durée", "-5", "entier positif"),
        ("PHI;;15/06/2026;08:00;240\nphi;;16/06/2026;08:00;240", 3, "Épreuve", "phi", "déjà présent ligne 2"),
    ],
)  # fmt: skip
def test_calendar_refusals_write_nothing(
    places: SessionInfo, tmp_path: Path, text: str, line: int, column: str, value: str, reason: str
) -> None:
    before = _snapshot()
    path = _write(tmp_path / "c.csv", "Épreuve;Série;Date;Heure;Durée\n" + text + "\n")
    _refused(import_calendar(places.id, path), line, column, value, reason)
    assert _snapshot() == before


def test_missing_column_refused(places: SessionInfo, tmp_path: Path) -> None:
    path = _write(tmp_path / "ex.csv", "nom;prenom;uai;commune\nMartin;Paul;0690026D;Lyon\n")
    report = import_examiners(places.id, path)
    assert not report.ok and "colonne obligatoire absente : discipline" in report.render()
    assert Examiner.select().count() == 0


def test_windows_1252_comma_file(places: SessionInfo, tmp_path: Path) -> None:
    path = tmp_path / "cal.csv"
    path.write_bytes("épreuve,série,date,heure,durée\nFRE,,11/06/2026,8h00,240\n".encode("cp1252"))
    report = import_calendar(places.id, path)
    assert report.ok and report.created == 1
    assert CalendarEntry.get().start_time == "08:00"


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    dbmod.open_database(str(db))
    _places(require_session(2026).id)
    dbmod.close_database()
    for what in ("examinateurs", "jurys", "calendrier"):
        assert main(["--db", str(db), "import", what, str(SAMPLES / f"{what}.csv")]) == 0
    out = capsys.readouterr().out
    assert "30 créés" in out and "3 créés" in out and "5 créées" in out
    bad = _write(tmp_path / "c.csv", "epreuve;serie;date;heure;duree\nPHI;;31/02/2026;08:00;240\n")
    assert main(["--db", str(db), "import", "calendrier", str(bad)]) == 1
    assert "ligne 2, colonne date, valeur « 31/02/2026 »" in capsys.readouterr().out


def test_jury_officer_changed_steps_down(places: SessionInfo, tmp_path: Path) -> None:
    assert import_examiners(places.id, SAMPLES / "examinateurs.csv").ok
    assert import_juries(places.id, SAMPLES / "jurys.csv").ok
    path = _write(
        tmp_path / "j.csv", "numero;series;centre;president\n1;STI2D STL;0690026D;EX0002\n"
    )
    first = _last_audit()
    report = import_juries(places.id, path)
    assert report.ok and report.updated == 1, report.render()
    jury = Jury.get(Jury.number == 1)
    assert jury.president.identifier == "EX0002" and jury.vice_president.identifier == "EX0004"
    roles = {
        m.examiner.identifier: m.role for m in JuryMember.select().where(JuryMember.jury == jury)
    }
    assert roles == {"EX0001": "membre", "EX0002": "president", "EX0004": "vice_president"}
    entry = AuditLog.get((AuditLog.id > first) & (AuditLog.field == "president"))
    ex1, ex2 = (Examiner.get(Examiner.identifier == i).id for i in ("EX0001", "EX0002"))
    assert (entry.before, entry.after) == (str(ex1), str(ex2))


def test_xlsx_calendar_with_date_cells(places: SessionInfo, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Épreuve", "Série", "Date", "Heure", "Durée"])
    sheet.append(["PHI", None, dt.datetime(2026, 6, 15), "08:00", 240])
    book.save(tmp_path / "cal.xlsx")
    report = import_calendar(places.id, tmp_path / "cal.xlsx")
    assert report.ok and report.created == 1, report.render()
    assert CalendarEntry.get().day == dt.date(2026, 6, 15)


def test_examiners_bank_reference_column(places: SessionInfo, tmp_path: Path) -> None:
    """An « iban » (or reference_bancaire) column records the bank reference the payment file
    carries; spaces removed, upper case."""
    text = (SAMPLES / "examinateurs.csv").read_text(encoding="utf-8").splitlines()
    head, first = text[0], text[1]
    path = tmp_path / "examinateurs.csv"
    path.write_text(f"{head};iban\n{first};fr76 3000 6000 0112 3456 7890 189\n", encoding="utf-8")
    report = import_examiners(places.id, path)
    assert report.ok, report.render()
    examiner = Examiner.get(Examiner.identifier == "EX0001")
    assert examiner.bank_reference == "FR7630006000011234567890189"


def test_cli_imports_availabilities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from baktui.data.models import AuditLog, Availability

    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", str(db), "init", "--session", "2026"]) == 0
    dbmod.open_database(str(db))
    _places(require_session(2026).id)
    dbmod.close_database()
    assert main(["--db", str(db), "import", "examinateurs", str(SAMPLES / "examinateurs.csv")]) == 0
    sample = str(SAMPLES / "disponibilites.csv")
    assert main(["--db", str(db), "import", "disponibilites", sample]) == 0
    assert "8 créé" in capsys.readouterr().out
    bad = _write(
        tmp_path / "d.csv",
        "identifiant;date;disponible\nEX0001;16/06/2026;oui\nEX9999;16/06/2026;oui\n"
        "EX0002;16/06/2026;peut-être\n",
    )
    assert main(["--db", str(db), "import", "disponibilites", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ligne 3, colonne identifiant, valeur « EX9999 »" in out
    assert "ligne 4, colonne disponible, valeur « peut-être »" in out
    dbmod.open_database(str(db))
    bernard = Examiner.get(Examiner.identifier == "EX0001")
    days = {
        a.day: a.available for a in Availability.select().where(Availability.examiner == bernard)
    }
    assert days == {dt.date(2026, 6, 15): True, dt.date(2026, 6, 16): False}  # nothing half-done
    assert AuditLog.select().where(AuditLog.entity == "availability").count() >= 8
    dbmod.close_database()
    # the file again, one answer changed: that day is updated (audited), never doubled
    again = _write(tmp_path / "e.csv", "identifiant;date;disponible\nEX0001;16/06/2026;oui\n")
    assert main(["--db", str(db), "import", "disponibilites", str(again)]) == 0
    dbmod.open_database(str(db))
    rows = list(Availability.select().where(Availability.examiner == bernard.id))
    assert len(rows) == 2 and all(r.available for r in rows)
    dbmod.close_database()
