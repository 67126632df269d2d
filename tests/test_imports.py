"""Candidate and grade imports: formats, refused lines, all-or-nothing, idempotence, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from baktui.data.models import AuditLog, Candidate, Etablissement, Grade, GradePart, Registration
from baktui.services.imports.candidates import import_candidates
from baktui.services.imports.etablissements import import_etablissements
from baktui.services.imports.grades import import_grades
from baktui.services.imports.tabular import header_key
from baktui.services.sessions import SessionInfo

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

HEADER = "ine;nom;prenom;date_naissance;serie;statut;sous_choix;lva;lvb;options;eps_inapte"
LEA = "0701234561A;Martin;Léa;14/03/2008;STMG;scolaire;MERC;ANG;ESP;;non"
HUGO = "0701234564D;Dupont;Hugo;30/01/2008;STMG;scolaire;GF;ANG;ITA;LATIN-T;non"
AISSA = "123456789AB;Diallo;Aïssatou;28/02/2008;ST2S;scolaire;;ANG;ESP;;non"


def write(path: Path, text: str, *, bom: bool = False, encoding: str = "utf-8") -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def candidates_file(tmp_path: Path, *lines: str, name: str = "candidats.csv") -> Path:
    return write(tmp_path / name, "\n".join([HEADER, *lines]) + "\n")


@pytest.fixture
def three(session: SessionInfo, tmp_path: Path) -> SessionInfo:
    """Three candidates: Léa (STMG), Hugo (STMG, option LATIN-T = OPT1), Aïssatou (ST2S)."""
    report = import_candidates(session.id, candidates_file(tmp_path, LEA, HUGO, AISSA))
    assert report.ok, report.render()
    return session


def grades_file(
    tmp_path: Path, *lines: str, header: str = "ine;epreuve;note;groupe;session"
) -> Path:
    return write(tmp_path / "notes.csv", "\n".join([header, *lines]) + "\n")


def audit_count() -> int:
    return AuditLog.select().count()


# --- Candidates: formats ---------------------------------------------------------------------


def test_candidates_csv_with_bom_and_semicolons(session: SessionInfo, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", HEADER + "\n" + LEA + "\n" + HUGO + "\n", bom=True)
    report = import_candidates(session.id, path)
    assert report.ok and (report.created, report.updated, report.unchanged) == (2, 0, 0)
    lea = Candidate.get(Candidate.ine == "0701234561A")
    assert (lea.last_name, lea.first_name, lea.name_key) == ("Martin", "Léa", "martin lea")
    assert lea.number == "260000001" and lea.birth_date.isoformat() == "2008-03-14"
    assert lea.series == "STMG" and lea.sub_choice == "MERC" and lea.status == "scolaire"
    assert Registration.select().where(Registration.candidate == lea.id).count() == 13
    hugo = Candidate.get(Candidate.ine == "0701234564D")
    assert hugo.number == "260000002" and hugo.options == "LATIN-T"
    opt = Registration.get(
        (Registration.candidate == hugo.id) & (Registration.epreuve_code == "OPT1")
    )
    assert opt.option_name == "LATIN-T"
    creates = AuditLog.select().where(
        (AuditLog.entity == "candidate") & (AuditLog.action == "create")
    )
    assert creates.count() == 2


def test_candidates_csv_without_bom_with_commas_and_quotes(
    session: SessionInfo, tmp_path: Path
) -> None:
    text = (
        "ine,nom,prenom,date_naissance,serie,adresse,options\n"
        '0701234561A,Martin,Léa,14/03/2008,STMG,"12, rue des Lilas","LATIN-1, LATIN-T"\n'
    )
    report = import_candidates(session.id, write(tmp_path / "c.csv", text))
    assert report.ok, report.render()
    assert "virgule" in report.render()
    lea = Candidate.get()
    assert lea.address == "12, rue des Lilas" and lea.options == "LATIN-1,LATIN-T"


def test_headers_are_case_accent_and_space_insensitive(
    session: SessionInfo, tmp_path: Path
) -> None:
    assert header_key(" Prénom ") == "prenom"
    assert header_key("Date de naissance") == "date_de_naissance"
    text = " INE ;NOM;Prénom ; Date de naissance;Série;Sous-choix;LVA;LVB;E-mail\n"
    text += "0701234561A;Martin;Léa;14/03/2008;stmg;merc;ang;esp;lea@example.fr\n"
    report = import_candidates(session.id, write(tmp_path / "c.csv", text))
    assert report.ok, report.render()
    lea = Candidate.get()
    assert (lea.series, lea.sub_choice, lea.lva, lea.email) == (
        "STMG",
        "MERC",
        "ANG",
        "lea@example.fr",
    )


def test_windows_1252_file_is_read_with_a_warning(session: SessionInfo, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", HEADER + "\n" + LEA + "\n", encoding="cp1252")
    report = import_candidates(session.id, path)
    assert report.ok and Candidate.get().first_name == "Léa"
    assert "windows-1252" in report.render()


def test_xlsx_sample_matches_csv_sample(session: SessionInfo) -> None:
    assert import_etablissements(SAMPLES / "etablissements.csv").ok  # the candidates' UAIs
    report = import_candidates(session.id, SAMPLES / "candidats.xlsx")
    assert report.ok, report.render()
    assert report.created == 12
    before = audit_count()
    again = import_candidates(session.id, SAMPLES / "candidats.csv")
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert audit_count() == before


def test_xlsx_cells_typed_as_numbers_and_dates(session: SessionInfo, tmp_path: Path) -> None:
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["INE", "Nom", "Prénom", "Date de naissance", "Série", "Code postal"])
    sheet.append(["0701234561A", "Martin", "Léa", dt.datetime(2008, 3, 14), "STMG", 75011])
    workbook.save(tmp_path / "c.xlsx")
    report = import_candidates(session.id, tmp_path / "c.xlsx")
    assert report.ok, report.render()
    lea = Candidate.get()
    assert lea.birth_date == dt.date(2008, 3, 14) and lea.postcode == "75011"


# --- Candidates: refused lines, all or nothing -----------------------------------------------


def test_every_refused_line_is_listed_and_nothing_is_written(
    session: SessionInfo, tmp_path: Path
) -> None:
    Etablissement.create(uai="0750655E", name="Lycée Test")
    header = HEADER + ";uai;sexe;code_postal;email;telephone"
    good = LEA + ";0750655E;F;75011;lea@example.fr;0612345678"
    lines = [
        good,  # line 2: fine
        "07012345;Dupont;Hugo;30/01/2008;STMG;;GF;ANG;ESP;;non;;;;;",  # 3: INE format
        "0701234564D;Dupont;Hugo;31/02/2008;STMG;;GF;ANG;ESP;;non;;;;;",  # 4: date
        "0701234565E;Lefèvre;Chloé;09/09/2007;STX;;;ANG;ESP;;non;;;;;",  # 5: series
        "0701234566F;Rousseau;Nathan;17/05/2008;STHR;libre;;ANG;ESP;;non;;;;;",  # 6: statut
        "0701234567G;Garcia;Inès;05/12/2007;STI2D;;EE;ANG;ESP;;non;0690026D;;;;",  # 7: unknown UAI
        "0701234568H;Moreau;Lucas;23/08/2008;STMG;;RHC;ANG;ALL;;non;0750655F;;;;",  # 8: check letter
        "0701234569J;Fournier;Manon;11/04/2008;STL;;3B;ANG;ESP;;non;;X;7500;manon@;12",  # 9: 4 errors
        "0701234561A;Martin;Léa;14/03/2008;STMG;;MERC;ANG;ESP;;peut-être;;;;;",  # 10: dup + eps
        "0701234570K;;Camille;19/10/2007;STI2D;;SIN;ANG;ESP;;non;;;;;",  # 11: no nom
    ]
    path = write(tmp_path / "c.csv", "\n".join([header, *lines]) + "\n")
    before = audit_count()
    report = import_candidates(session.id, path)
    assert not report.ok
    assert Candidate.select().count() == 0 and audit_count() == before
    where = {(issue.line, issue.column) for issue in report.errors}
    assert where == {
        (3, "ine"),
        (4, "date_naissance"),
        (5, "serie"),
        (6, "statut"),
        (7, "uai"),
        (8, "uai"),
        (9, "sexe"),
        (9, "code_postal"),
        (9, "email"),
        (9, "telephone"),
        (10, "ine"),
        (10, "eps_inapte"),
        (11, "nom"),
    }
    text = report.render()
    assert "Rien n'a été enregistré" in text
    assert "ligne 7, colonne uai, valeur « 0690026D » : établissement inconnu" in text
    assert "ligne 8, colonne uai, valeur « 0750655F » : lettre de contrôle incorrecte" in text
    assert (
        "ligne 4, colonne date_naissance, valeur « 31/02/2008 » : cette date n'existe pas" in text
    )
    assert "ligne 10, colonne ine, valeur « 0701234561A » : INE déjà présent ligne 2" in text
    assert "ligne 11, colonne nom, valeur vide : nom obligatoire" in text


def test_choice_inconsistencies_are_imported_as_warnings(
    session: SessionInfo, tmp_path: Path
) -> None:
    path = candidates_file(
        tmp_path,
        "0701234562B;Nguyen;Thomas;02/11/2007;STI2D;scolaire;SNI;ANG;;;non",
        "0701234565E;Lefèvre;Chloé;09/09/2007;STD2A;scolaire;;ANG;ANG;LATIN-T,LATIN-T;non",
    )
    report = import_candidates(session.id, path)
    assert report.ok and report.created == 2
    columns = {(issue.line, issue.column) for issue in report.warnings}
    assert {(2, "sous_choix"), (2, "lvb"), (3, "lvb"), (3, "options")} <= columns
    assert "à corriger dans les contrôles d'inscription" in report.render()


def test_missing_and_unknown_columns_are_named(session: SessionInfo, tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv", "ine;nom;prenom;serie;classe\n0701234561A;Martin;Léa;STMG;T1\n"
    )
    report = import_candidates(session.id, path)
    assert not report.ok
    assert report.fatal is not None
    assert "obligatoire absente : date_naissance" in report.fatal
    assert "inconnue : classe" in report.fatal


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("c.txt", b"ine;nom\n", "extension « .txt » non prise en charge"),
        ("c.xls", b"\xd0\xcf\x11\xe0", "ancien format Excel .xls"),
        ("c.csv", b"", "fichier vide"),
        ("c.csv", b"\xef\xbb\xbf\n\n  \n", "fichier vide"),
        ("c.csv", HEADER.encode() + b"\n", "aucune ligne de données"),
        ("c.xlsx", b"not a zip at all", "fichier XLSX illisible"),
        ("c.csv", b"\x00\x01\x02binary", "pas un fichier texte"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(
    session: SessionInfo, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = import_candidates(session.id, path)
    assert not report.ok and report.fatal is not None and expected in report.fatal
    assert "Rien n'a été enregistré" in report.render()


def test_missing_file_is_refused(session: SessionInfo, tmp_path: Path) -> None:
    report = import_grades(session.id, tmp_path / "absent.csv")
    assert not report.ok and "fichier introuvable" in (report.fatal or "")


def test_extra_cells_beyond_the_header_refuse_the_line(
    session: SessionInfo, tmp_path: Path
) -> None:
    report = import_candidates(session.id, candidates_file(tmp_path, LEA + ";en trop"))
    assert not report.ok and report.errors[0].line == 2
    assert Candidate.select().count() == 0


# --- Candidates: idempotence and updates -----------------------------------------------------


def test_reimport_changes_nothing(three: SessionInfo, tmp_path: Path) -> None:
    before = audit_count()
    report = import_candidates(three.id, candidates_file(tmp_path, LEA, HUGO, AISSA))
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert audit_count() == before
    assert Candidate.select().count() == 3


def test_changed_fields_are_updated_and_audited(three: SessionInfo, tmp_path: Path) -> None:
    hugo = Candidate.get(Candidate.ine == "0701234564D")
    changed = HUGO.replace("Dupont;Hugo", "Dupond;Hugo").replace(";LATIN-T;", ";;")
    report = import_candidates(three.id, candidates_file(tmp_path, LEA, changed, AISSA))
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 1, 2)
    hugo = Candidate.get_by_id(hugo.id)
    assert hugo.last_name == "Dupond" and hugo.name_key == "dupond hugo" and hugo.options == ""
    entry = AuditLog.get((AuditLog.entity == "candidate") & (AuditLog.field == "last_name"))
    assert (entry.before, entry.after, entry.candidate_id) == ("Dupont", "Dupond", hugo.id)
    codes = {r.epreuve_code for r in Registration.select().where(Registration.candidate == hugo.id)}
    assert "OPT1" not in codes and len(codes) == 13
    deleted = AuditLog.get((AuditLog.entity == "registration") & (AuditLog.action == "delete"))
    assert "OPT1" in deleted.before


# --- Grades ----------------------------------------------------------------------------------


def grade(ine: str, code: str, group: int = 1) -> Grade:
    candidate = Candidate.get(Candidate.ine == ine)
    return Grade.get(
        (Grade.candidate == candidate.id) & (Grade.epreuve_code == code) & (Grade.group == group)
    )


def test_grades_with_decimal_comma_and_cc_rounding(three: SessionInfo, tmp_path: Path) -> None:
    path = grades_file(
        tmp_path,
        "0701234561A;FRE;12;;",
        "0701234561A;HG;12,34;;",  # CC: rounded up to 12,4, and the report says so
        "0701234561A;LVA;12.5;1;",
        "0701234561A;PHI;abs;;",
        "0701234561A;EPS;DI;;",
    )
    report = import_grades(three.id, path)
    assert report.ok, report.render()
    assert report.created == 5
    assert grade("0701234561A", "HG").value_centi == 1240
    assert grade("0701234561A", "LVA").value_centi == 1250
    assert grade("0701234561A", "PHI").code == "ABS"
    assert (grade("0701234561A", "FRE").source, grade("0701234561A", "FRE").entered_by) != ("", "")
    assert grade("0701234561A", "FRE").source == "import"
    text = report.render()
    assert "arrondies au dixième supérieur" in text
    assert (
        "ligne 3, colonne note, valeur « 12,34 » : HG arrondie au dixième supérieur : 12,4" in text
    )


def test_refused_grade_lines_are_all_listed_and_nothing_is_written(
    three: SessionInfo, tmp_path: Path
) -> None:
    path = grades_file(
        tmp_path,
        "0701234561A;FRE;12;;",  # 2: fine
        "0701234561A;PHI;21;;",  # 3: out of range
        "0701234561A;GO;douze;;",  # 4: not a number
        "0701234561A;SP1;12,5;;",  # 5: terminal épreuve in whole points
        "0799999999A;FRE;12;;",  # 6: unknown candidate
        "0701234561A;OPT1;15;;",  # 7: Léa has no option
        "0701234561A;XYZ;10;;",  # 8: unknown épreuve
        "0701234561A;FRO;10;3;",  # 9: groupe
        "123456789AB;SP1;12;;",  # 10: ST2S SP1 is given by parts
        "123456789AB;SP1.PHY;12;;",  # 11: unknown part
        "0701234561A;SP1.CHI;12;;",  # 12: STMG SP1 has no parts
        "0701234561A;FRE;13;;",  # 13: same grade twice in the file
        "0701234561A;FR;12;;",  # 14: FR is a second-group subject
        "0701234561A;FRE;12;2;",  # 15: FRE is not a second-group subject
    )
    before = audit_count()
    report = import_grades(three.id, path)
    assert not report.ok
    assert Grade.select().count() == 0 and GradePart.select().count() == 0
    assert audit_count() == before
    assert sorted({i.line for i in report.errors}) == list(range(3, 16))
    text = report.render()
    assert "ligne 3, colonne note, valeur « 21 » : note hors de l'intervalle 0 à 20" in text
    assert "ligne 4, colonne note, valeur « douze »" in text
    assert "ligne 5, colonne note, valeur « 12,5 » : l'épreuve se note en points entiers" in text
    assert "ligne 6, colonne ine, valeur « 0799999999A » : candidat inconnu" in text
    assert "ligne 7, colonne epreuve, valeur « OPT1 » : le candidat n'est pas inscrit" in text
    assert "ligne 9, colonne groupe, valeur « 3 » : groupe 1 ou 2 attendu" in text
    assert (
        "ligne 10, colonne epreuve, valeur « SP1 » : SP1 se compose de parties en série ST2S"
        in text
    )
    assert "ligne 13, colonne epreuve, valeur « FRE » : note déjà donnée ligne 2" in text
    assert "en groupe 2 : FR, PHI, SP1, SP2" in text


def test_option_grade_only_when_registered(three: SessionInfo, tmp_path: Path) -> None:
    report = import_grades(three.id, grades_file(tmp_path, "0701234564D;OPT1;15,25;;"))
    assert report.ok and grade("0701234564D", "OPT1").value_centi == 1530


def test_composite_part_grades(three: SessionInfo, tmp_path: Path) -> None:
    path = grades_file(tmp_path, "123456789AB;SP1.CHI;12,5;;", "123456789AB;sp1.bph;14;;")
    report = import_grades(three.id, path)
    assert report.ok, report.render()
    parts = {p.part_code: p.value_centi for p in GradePart.select()}
    assert parts == {"CHI": 1250, "BPH": 1400}
    refused = import_grades(three.id, grades_file(tmp_path, "123456789AB;SP1.CHI;12,25;;"))
    assert "demi-points" in refused.render()


def test_grade_reimport_is_idempotent_and_correction_is_audited(
    three: SessionInfo, tmp_path: Path
) -> None:
    lines = ["0701234561A;FRE;12;;", "0701234561A;HG;12,34;;", "123456789AB;SP1.CHI;12,5;;"]
    assert import_grades(three.id, grades_file(tmp_path, *lines)).ok
    before = audit_count()
    again = import_grades(three.id, grades_file(tmp_path, *lines))
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert audit_count() == before
    corrected = import_grades(
        three.id, grades_file(tmp_path, "0701234561A;FRE;14;;", "123456789AB;SP1.CHI;13;;")
    )
    assert corrected.ok and (corrected.created, corrected.updated) == (0, 2)
    fre = grade("0701234561A", "FRE")
    assert fre.value_centi == 1400 and fre.version == 2
    entry = AuditLog.get(
        (AuditLog.entity == "grade")
        & (AuditLog.field == "value_centi")
        & (AuditLog.action == "update")
    )
    assert (entry.before, entry.after, entry.entity_id) == ("1200", "1400", str(fre.id))
    assert "ligne 2" in entry.reason
    part = AuditLog.get((AuditLog.entity == "grade_part") & (AuditLog.field == "value_centi"))
    assert (part.before, part.after) == ("1250", "1300")


def test_empty_grade_is_ignored_with_a_warning(three: SessionInfo, tmp_path: Path) -> None:
    report = import_grades(
        three.id, grades_file(tmp_path, "0701234561A;FRE;;;", "0701234561A;FRO;11;;")
    )
    assert report.ok and report.created == 1 and report.ignored == 1
    assert "note vide" in report.render()


def test_kept_grade_rules(three: SessionInfo, tmp_path: Path) -> None:
    path = grades_file(
        tmp_path,
        "0701234561A;PHI;15;;2024",  # 2: fine: 2 sessions back, >= 10, terminal
        "0701234561A;GO;12;;2020",  # 3: too old (2021 to 2025)
        "0701234561A;FRE;9;;2025",  # 4: below 10
        "0701234561A;HG;14;;2025",  # 5: contrôle continu: not keepable
        "0701234561A;SP2;14;;2027",  # 6: future
        "0701234561A;FR;14;2;2025",  # 7: second group
        "0701234561A;SP1;ABS;;2025",  # 8: a code is not a kept grade
        "0701234561A;FRO;14;;25",  # 9: year format
    )
    report = import_grades(three.id, path)
    assert not report.ok
    assert sorted({i.line for i in report.errors}) == [3, 4, 5, 6, 7, 8, 9]
    text = report.render()
    assert "note trop ancienne" in text and "(2021 à 2025)" in text
    assert "au moins égale à 10" in text
    assert "seules les notes des épreuves terminales" in text
    ok = import_grades(
        three.id, grades_file(tmp_path, "0701234561A;PHI;15;;2024", "0701234561A;FRE;12;;2026")
    )
    assert ok.ok, ok.render()
    assert grade("0701234561A", "PHI").kept_session == 2024
    assert grade("0701234561A", "FRE").kept_session is None
    lea = Candidate.get(Candidate.ine == "0701234561A")
    registration = Registration.get(
        (Registration.candidate == lea.id) & (Registration.epreuve_code == "PHI")
    )
    assert registration.kept_session == 2024
    # the candidate sits PHI again this session: the new grade replaces the kept one
    assert import_grades(three.id, grades_file(tmp_path, "0701234561A;PHI;16;;")).ok
    registration = Registration.get_by_id(registration.id)
    assert grade("0701234561A", "PHI").kept_session is None and registration.kept_session is None


def test_kept_composite_speciality_is_given_whole(three: SessionInfo, tmp_path: Path) -> None:
    report = import_grades(three.id, grades_file(tmp_path, "123456789AB;SP1;13;;2025"))
    assert report.ok, report.render()
    refused = import_grades(three.id, grades_file(tmp_path, "123456789AB;SP1.CHI;12;;"))
    assert not refused.ok and "note conservée" in refused.render()


def test_second_group_at_most_two_subjects(three: SessionInfo, tmp_path: Path) -> None:
    three_subjects = grades_file(
        tmp_path, "0701234561A;FR;12;2;", "0701234561A;PHI;11;2;", "0701234561A;SP1;9;2;"
    )
    report = import_grades(three.id, three_subjects)
    assert not report.ok and Grade.select().count() == 0
    assert "au plus 2 matières au second groupe" in report.render()
    two = grades_file(tmp_path, "0701234561A;FR;12;2;", "0701234561A;PHI;11;2;")
    assert import_grades(three.id, two).ok
    assert grade("0701234561A", "FR", group=2).value_centi == 1200
    third = import_grades(three.id, grades_file(tmp_path, "0701234561A;SP2;12;2;"))
    assert not third.ok and "FR, PHI, SP2" in third.render()
    # the same two again are fine (idempotent), and a correction of one of them too
    assert import_grades(three.id, grades_file(tmp_path, "0701234561A;PHI;13;2;")).ok


def test_grades_from_xlsx_with_numeric_cells(three: SessionInfo, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["INE", "Épreuve", "Note", "Groupe"])
    sheet.append(["0701234561A", "HG", 12.34, 1])
    sheet.append(["0701234561A", "FRE", 12, None])
    sheet.append(["0701234561A", "LVA", "13,5", None])
    workbook.save(tmp_path / "notes.xlsx")
    report = import_grades(three.id, tmp_path / "notes.xlsx")
    assert report.ok, report.render()
    assert grade("0701234561A", "HG").value_centi == 1240
    assert grade("0701234561A", "FRE").value_centi == 1200
    assert grade("0701234561A", "LVA").value_centi == 1350


# --- The write lock ------------------------------------------------------------------------------


@pytest.mark.sqlite_only("le verrou d'écriture de toute la base, propre à SQLite")
def test_a_colleague_can_write_while_an_import_reads_its_file(
    three: SessionInfo, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines are parsed and checked before the write transaction: another post is not locked
    out for the length of a big file (it once was, 14 minutes for 214 000 lines)."""
    import sqlite3

    from baktui.services.imports import grades as grades_module

    parse = grades_module.parse_grade_row
    outcomes: list[str] = []

    def parse_while_a_colleague_writes(*args, **kwargs):  # type: ignore[no-untyped-def]
        other = sqlite3.connect(db_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # the lock a colleague's write takes
            other.execute("ROLLBACK")
            outcomes.append("écrit")
        except sqlite3.OperationalError as exc:
            outcomes.append(str(exc))
        finally:
            other.close()
        return parse(*args, **kwargs)

    monkeypatch.setattr(grades_module, "parse_grade_row", parse_while_a_colleague_writes)
    report = import_grades(three.id, grades_file(tmp_path, "0701234561A;PHI;12"))
    assert report.ok, report.render()
    assert outcomes == ["écrit"]
