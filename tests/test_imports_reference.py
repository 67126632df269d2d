"""Reference-data imports: établissements, centres, salles (formats, refusals, audit, idempotence)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data.models import AuditLog, Centre, Commune, Etablissement, Room
from baktui.services.imports.centres import import_centres, import_rooms
from baktui.services.imports.etablissements import import_etablissements
from baktui.services.imports.report import ImportReport
from baktui.services.sessions import SessionInfo

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ETAB_HEADER = "uai;nom;secteur;code_postal;commune;chef"
AMPERE = "0690026D;Lycée Ampère;public;69002;Lyon;Mme Claire Durand"
PARC = "0690030H;Lycée du Parc;Privé sous contrat;69006;Lyon;M. Bernard Lefort"


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def audit_count() -> int:
    return AuditLog.select().count()


def refused(report: ImportReport, *expected: str) -> str:
    text = report.render()
    assert not report.ok, text
    assert "Rien n'a été enregistré" in text
    for part in expected:
        assert part in text, text
    return text


@pytest.fixture
def samples(session: SessionInfo) -> SessionInfo:
    for report in (
        import_etablissements(SAMPLES / "etablissements.csv"),
        import_centres(session.id, SAMPLES / "centres.csv"),
        import_rooms(session.id, SAMPLES / "salles.csv"),
    ):
        assert report.ok and report.created, report.render()
    return session


# --- The sample files -----------------------------------------------------------------------


def test_samples_import_then_reimport_unchanged(samples: SessionInfo) -> None:
    assert Etablissement.select().count() == 8
    assert Centre.select().count() == 4 and Room.select().count() == 10
    ampere = Etablissement.get(Etablissement.uai == "0690026D")
    assert (ampere.name, ampere.name_key, ampere.sector) == (
        "Lycée Ampère",
        "lycee ampere",
        "public",
    )
    assert (ampere.commune.name, ampere.commune.postcode) == ("Lyon", "69002")
    assert ampere.head_name == "Mme Claire Durand" and ampere.phone == "0478425105"
    sectors = {e.uai: e.sector for e in Etablissement.select()}
    assert sectors["0691626T"] == "prive_sous_contrat"
    assert sectors["0692866R"] == "prive_hors_contrat"
    centre = Centre.get(Centre.code == "0690104N")
    assert centre.etablissement.uai == "0690104N" and centre.session_id == samples.id
    roles = (centre.is_exam, centre.is_deliberation, centre.is_correction)
    assert roles == (False, True, True)
    room = Room.get(Room.name == "B004")
    assert (room.capacity, room.accessible, room.extra_time) == (12, True, True)
    before = audit_count()
    again = [
        import_etablissements(SAMPLES / "etablissements.csv"),
        import_centres(samples.id, SAMPLES / "centres.csv"),
        import_rooms(samples.id, SAMPLES / "salles.csv"),
    ]
    assert [(r.created, r.updated, r.unchanged) for r in again] == [
        (0, 0, 8),
        (0, 0, 4),
        (0, 0, 10),
    ]
    assert audit_count() == before
    assert "10 inchangées" in again[2].render() and "8 inchangés" in again[0].render()


def test_communes_found_without_accents_or_created_once(
    session: SessionInfo, tmp_path: Path
) -> None:
    Commune.create(name="Écully", postcode="69130")
    path = write(
        tmp_path / "e.csv",
        "UAI;Nom;Commune;Code postal",
        "0690026D;Lycée Ampère;LYON;69002",
        "0690030H;Lycée du Parc;lyon;69002",
        "0692866R;Institut Saint-Exupéry;ecully;",
    )
    report = import_etablissements(path)
    assert report.ok and report.created == 3, report.render()
    assert Commune.select().count() == 2  # Lyon created once, Écully found by its name alone
    assert "commune « LYON (69002) » créée" in report.render()
    assert Etablissement.get(Etablissement.uai == "0692866R").commune.name == "Écully"
    assert AuditLog.select().where(AuditLog.entity == "commune").count() == 1


def test_windows_1252_comma_and_aliases(session: SessionInfo, tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.csv",
        "uai,nom,commune,Chef d'établissement,Secteur",
        "0690026D,Lycée Ampère,Lyon,Mme Durand,PRIVE HORS CONTRAT",
        encoding="cp1252",
    )
    report = import_etablissements(path)
    assert report.ok, report.render()
    ampere = Etablissement.get(Etablissement.uai == "0690026D")
    assert (ampere.head_name, ampere.sector) == ("Mme Durand", "prive_hors_contrat")


def test_changed_line_is_audited_before_after(session: SessionInfo, tmp_path: Path) -> None:
    assert import_etablissements(write(tmp_path / "e.csv", ETAB_HEADER, AMPERE, PARC)).ok
    before = audit_count()
    changed = AMPERE.replace("Mme Claire Durand", "M. Louis Martin")
    report = import_etablissements(write(tmp_path / "e.csv", ETAB_HEADER, changed, PARC))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1), report.render()
    entries = list(AuditLog.select().where(AuditLog.id > before))
    assert [(e.action, e.entity, e.field, e.before, e.after) for e in entries] == [
        ("update", "etablissement", "head_name", "Mme Claire Durand", "M. Louis Martin")
    ]


def test_changed_room_and_centre_audited(samples: SessionInfo, tmp_path: Path) -> None:
    before = audit_count()
    rooms = write(tmp_path / "s.csv", "centre;salle;capacite", "0690026D;a101;28")
    report = import_rooms(samples.id, rooms)
    assert (report.created, report.updated) == (0, 1), report.render()
    centres = write(
        tmp_path / "c.csv", "uai;nom;commune;roles", "0690026D;Centre Ampère;Lyon;correction"
    )
    report = import_centres(samples.id, centres)
    assert (report.created, report.updated) == (0, 1), report.render()
    changes = {
        (e.entity, e.field): (e.before, e.after)
        for e in AuditLog.select().where(AuditLog.id > before, AuditLog.action == "update")
    }
    assert changes[("room", "name")] == ("A101", "a101")
    assert changes[("room", "capacity")] == ("30", "28")
    assert changes[("centre", "is_exam")][1] in ("0", "False", "non")
    assert ("centre", "is_correction") in changes and ("centre", "name") in changes


# --- Refusals: nothing written, line / column / value named -------------------------------


def test_bad_check_letter_and_duplicate_uai(session: SessionInfo, tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.csv",
        ETAB_HEADER,
        AMPERE,
        "0690030A;Lycée du Parc;public;69006;Lyon;",
        AMPERE.replace("Lycée Ampère", "Lycée Ampère bis"),
        "0690104N;Lycée Jean Perrin;semi-public;690;Lyon;",
    )
    before = audit_count()
    refused(
        import_etablissements(path),
        "3 lignes refusées sur 4",
        "ligne 3, colonne uai, valeur « 0690030A » : lettre de contrôle",
        "ligne 4, colonne uai, valeur « 0690026D » : UAI déjà présent ligne 2 du fichier",
        "ligne 5, colonne secteur, valeur « semi-public » : secteur inconnu",
        "ligne 5, colonne code_postal, valeur « 690 »",
    )
    assert Etablissement.select().count() == 0 and Commune.select().count() == 0
    assert audit_count() == before


def test_missing_column_refuses_the_file(session: SessionInfo, tmp_path: Path) -> None:
    report = import_etablissements(write(tmp_path / "e.csv", "uai;nom", "0690026D;Lycée Ampère"))
    refused(report, "colonne obligatoire absente : commune")
    report = import_rooms(session.id, write(tmp_path / "s.csv", "centre;salle", "0690026D;A1"))
    refused(report, "colonne obligatoire absente : capacite")
    assert Etablissement.select().count() == 0


def test_centre_refusals(samples: SessionInfo, tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "uai;nom;commune;roles",
        "0690042W;Centre Herriot;Lyon;examen",
        "0690011M;Centre inconnu;Lyon;examen",
        "0690038S;Centre Martinière;Lyon;surveillance",
        "0690038S;Centre Martinière;Lyon;",
        "0690042W;Centre Herriot;Lyon;correction",
    )
    before = (audit_count(), Centre.select().count())
    refused(
        import_centres(samples.id, path),
        "ligne 3, colonne uai, valeur « 0690011M » : établissement inconnu",
        "ligne 4, colonne roles, valeur « surveillance » : rôle inconnu",
        "ligne 5, colonne roles, valeur vide : au moins un rôle attendu",
        "ligne 6, colonne uai, valeur « 0690042W » : UAI déjà présent ligne 2 du fichier",
    )
    assert (audit_count(), Centre.select().count()) == before


@pytest.mark.parametrize("capacity", ["abc", "0", "-3", "12,5", ""])
def test_room_capacity_refused(samples: SessionInfo, tmp_path: Path, capacity: str) -> None:
    path = write(
        tmp_path / "s.csv", "centre;salle;capacite", "0690026D;Z1;20", f"0690026D;Z2;{capacity}"
    )
    before = audit_count()
    value = f"valeur « {capacity} »" if capacity else "valeur vide"
    refused(import_rooms(samples.id, path), f"ligne 3, colonne capacite, {value} : nombre entier")
    assert audit_count() == before and not Room.select().where(Room.name == "Z1").exists()


def test_room_refusals(samples: SessionInfo, tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.csv",
        "centre;salle;capacite;tiers_temps",
        "0690038S;A1;20;non",
        "0690026D;Z1;20;peut-être",
        "0690026D;Z2;20;oui",
        "0690026D;z2;25;oui",
    )
    refused(
        import_rooms(samples.id, path),
        "ligne 2, colonne centre, valeur « 0690038S » : centre inconnu",
        "ligne 3, colonne tiers_temps, valeur « peut-être » : oui ou non attendu",
        "ligne 5, colonne salle, valeur « z2 » : salle déjà présente ligne 4 du fichier",
    )


# --- Command line ---------------------------------------------------------------------------


def test_cli_imports_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = new_base(tmp_path / "bac.sqlite")
    assert main(["--db", db, "init", "--session", "2026"]) == 0
    for what in ("etablissements", "centres", "salles"):
        assert main(["--db", db, "import", what, str(SAMPLES / f"{what}.csv")]) == 0
    out = capsys.readouterr().out
    assert "8 créés" in out and "4 créés" in out and "10 créées" in out
    bad = write(tmp_path / "s.csv", "centre;salle;capacite", "0690026D;A101;abc")
    assert main(["--db", db, "import", "salles", str(bad), "--session", "2026"]) == 1
    out = capsys.readouterr().out
    assert "ligne 2, colonne capacite, valeur « abc »" in out
    assert main(["--db", db, "import", "salles", str(SAMPLES / "salles.csv")]) == 0
    assert "10 inchangées" in capsys.readouterr().out
