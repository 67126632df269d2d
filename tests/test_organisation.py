"""The organisation services (F9) on a base built from the sample files, on SQLite and, when
``BAKTUI_TEST_POSTGRES`` names a server, on PostgreSQL: lists, forms checked by the imports'
own line parsers, optimistic lock, audit, deactivation (issue 12)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, engine_database, pin_login

from baktui.data.models import (
    AuditLog,
    CalendarEntry,
    Candidate,
    Centre,
    Epreuve,
    Etablissement,
    Examiner,
    ExpenseRate,
    Jury,
    JuryMember,
    Room,
)
from baktui.errors import ConflictError, NotFoundError, ServiceError
from baktui.rules.identifiers import uai_error
from baktui.services import organisation as org
from baktui.services.distribution import distribute_candidates
from baktui.services.imports import run_import
from baktui.services.rates import seed_default_rates
from baktui.services.sessions import open_registre
from baktui.services.settings import letterhead

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
REFERENCE = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier")


@pytest.fixture(params=ENGINES)
def academie(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """The 2026 session of an académie built from the sample files (no demo code); its id."""
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        session_id = open_registre(2026).id
        for kind in REFERENCE:
            assert run_import(kind, session_id, SAMPLES / f"{kind}.csv").ok, kind
        yield session_id


def _audit_count() -> int:
    return AuditLog.select().count()


def test_every_list_pages_and_searches(academie: int) -> None:
    etabs = org.list_records("etablissements", academie)
    assert etabs.total == 8 and len(etabs.rows) == len(etabs.forms) == 8
    assert [r.cells[0] for r in etabs.rows] == sorted(r.cells[0] for r in etabs.rows)
    # by name without accents or case, by the start of the UAI
    found = org.list_records("etablissements", academie, "martiniere")
    assert [r.cells[1] for r in found.rows] == ["Lycée La Martinière Monplaisir"]
    assert org.list_records("etablissements", academie, "06900").total == 5
    second = org.list_records("etablissements", academie, offset=5, limit=5)
    assert second.total == 8 and [r.cells[0] for r in second.rows] == [
        r.cells[0] for r in etabs.rows[5:]
    ]
    examiners = org.list_records("examinateurs", academie, "bern")
    assert examiners.rows and all(r.cells[1].startswith("BERNARD") for r in examiners.rows)
    assert org.list_records("examinateurs", academie, "EX001").total == 10  # EX0010…EX0019
    counts = {key: org.list_records(key, academie).total for key in org.kinds()}
    assert counts == {
        "etablissements": 8, "centres": 4, "salles": 10, "examinateurs": 30, "jurys": 3,
        "calendrier": 5, "taux": 0, "parametres": 8,
    }  # fmt: skip


def test_a_new_etablissement_is_created_and_audited(academie: int) -> None:
    blank = org.open_record("etablissements", academie, None)
    assert blank.id is None and blank.title == "Nouvel établissement"
    values = dict(blank.values, uai="0690099H", nom="Lycée Jacquard", commune="Oyonnax",
                  code_postal="01100", secteur="privé sous contrat")  # fmt: skip
    saved = org.save_record("etablissements", academie, None, None, values)
    assert saved.created and "commune « Oyonnax (01100) » créée" in saved.warnings
    etab = Etablissement.get(Etablissement.uai == "0690099H")
    assert (etab.name, etab.sector, etab.commune.name) == (
        "Lycée Jacquard", "prive_sous_contrat", "Oyonnax"
    )  # fmt: skip
    entry = AuditLog.get(
        (AuditLog.entity == "etablissement") & (AuditLog.entity_id == str(etab.id))
    )
    assert (entry.action, entry.who) == ("create", "gestionnaire")
    assert "name=Lycée Jacquard" in entry.after


def test_refused_fields_name_the_field_and_write_nothing(academie: int) -> None:
    before = (_audit_count(), Etablissement.select().count())
    values = dict(org.open_record("etablissements", academie, None).values,
                  uai="0690099X", nom="", commune="Lyon", secteur="semi-public",
                  email="pas-un-courriel")  # fmt: skip
    errors = org.check_record("etablissements", academie, values)
    assert errors["uai"] == uai_error("0690099X").split(" : ", 1)[1]  # the import's own words
    assert errors["nom"] == "nom obligatoire"
    assert errors["secteur"].startswith("secteur inconnu")
    assert "email" in errors
    with pytest.raises(org.FormRefused) as refused:
        org.save_record("etablissements", academie, None, None, values)
    assert set(refused.value.errors) == {"uai", "nom", "secteur", "email"}
    # a UAI another établissement holds
    taken = dict(values, uai="0690026D", nom="Doublon", secteur="", email="")
    assert org.check_record("etablissements", academie, taken) == {
        "uai": "UAI déjà enregistré : Lycée Ampère"
    }
    # control characters are text no one typed
    assert "nom" in org.check_record("etablissements", academie, dict(taken, nom="A\x1b[2J"))
    assert (_audit_count(), Etablissement.select().count()) == before


def test_a_change_is_audited_and_a_stale_version_is_refused(academie: int) -> None:
    etab_id = org.list_records("etablissements", academie, "0690026D").rows[0].id
    mine = org.open_record("etablissements", academie, etab_id)
    colleague = org.open_record("etablissements", academie, etab_id)
    saved = org.save_record("etablissements", academie, etab_id, colleague.version,
                            dict(colleague.values, chef="M. Paul Lenoir"))  # fmt: skip
    assert saved.changed == 1 and not saved.created
    entry = (
        AuditLog.select()
        .where((AuditLog.entity == "etablissement") & (AuditLog.field == "head_name"))
        .order_by(AuditLog.id.desc()).get()
    )  # fmt: skip
    assert (entry.before, entry.after) == ("Mme Claire Durand", "M. Paul Lenoir")
    with pytest.raises(ConflictError, match="modifiée par gestionnaire"):
        org.save_record("etablissements", academie, etab_id, mine.version,
                        dict(mine.values, telephone="04 78 00 00 00"))  # fmt: skip
    etab = Etablissement.get_by_id(etab_id)
    assert (etab.head_name, etab.phone) == ("M. Paul Lenoir", "0478425105")
    # nothing typed differs: nothing written
    fresh = org.open_record("etablissements", academie, etab_id)
    count = _audit_count()
    assert org.save_record("etablissements", academie, etab_id, fresh.version,
                           fresh.values).changed == 0  # fmt: skip
    assert _audit_count() == count


def test_centres_and_rooms(academie: int) -> None:
    centre = org.list_records("centres", academie, "0690026D").rows[0]
    form = org.open_record("centres", academie, centre.id)
    assert form.values["roles"] == "examen, délibération"
    errors = org.check_record(
        "centres", academie, dict(form.values, roles="examen, cantine"), centre.id
    )
    assert errors == {"roles": "rôle inconnu « cantine » (examen, délibération, correction)"}
    org.save_record("centres", academie, centre.id, form.version,
                    dict(form.values, roles="examen, correction"))  # fmt: skip
    stored = Centre.get_by_id(centre.id)
    assert (stored.is_exam, stored.is_deliberation, stored.is_correction) == (True, False, True)
    # rooms: a name already used in that centre (without case), a capacity not a number
    room = dict(org.open_record("salles", academie, None).values,
                centre="0690026D", salle="a101", capacite="trente")  # fmt: skip
    errors = org.check_record("salles", academie, room)
    assert errors["salle"] == "salle déjà enregistrée dans ce centre (A101)"
    assert errors["capacite"].startswith("nombre entier de places attendu")
    saved = org.save_record("salles", academie, None, None,
                            dict(room, salle="B12", capacite="24", tiers_temps="oui"))  # fmt: skip
    new_room = Room.get_by_id(saved.id)
    assert (new_room.capacity, new_room.extra_time, new_room.accessible) == (24, True, False)
    message = org.toggle_record("salles", academie, saved.id, new_room.version)
    assert message == "Salle B12 désactivée." and not Room.get_by_id(saved.id).active


def test_examiners(academie: int) -> None:
    values = dict(org.open_record("examinateurs", academie, None).values,
                  identifiant="EX0001", civilite="Mme", nom="Durand", prenom="Léa",
                  corps="agrégé", discipline="PHI, sp1", uai="0690026D",
                  commune="Lyon", cv="5")  # fmt: skip
    errors = org.check_record("examinateurs", academie, values)
    assert errors["identifiant"].startswith("identifiant déjà enregistré : ")
    errors = org.check_record("examinateurs", academie, dict(values, identifiant="EX0900",
                                                             corps="stagiaire", discipline="XYZ"))  # fmt: skip
    assert set(errors) == {"corps", "discipline"}
    unknown_corps = dict(values, identifiant="EX0900", corps="")
    assert org.check_record("examinateurs", academie, unknown_corps) == {
        "corps": "corps obligatoire"
    }
    saved = org.save_record("examinateurs", academie, None, None,
                            dict(values, identifiant="EX0900"))  # fmt: skip
    examiner = Examiner.get_by_id(saved.id)
    assert (examiner.corps, examiner.disciplines, examiner.fiscal_hp, examiner.vehicle_authorised) \
        == ("AGREGE", "PHI,SP1", 5, True)  # fmt: skip
    form = org.open_record("examinateurs", academie, saved.id)
    assert form.values["corps"] == "agrégé" and form.values["cv"] == "5"
    assert form.values["reference_bancaire"] == ""
    org.save_record("examinateurs", academie, saved.id, form.version,
                    dict(form.values, cv="", reference_bancaire="fr76 3000 6000 0112"))  # fmt: skip
    examiner = Examiner.get_by_id(saved.id)
    assert (examiner.fiscal_hp, examiner.vehicle_authorised) == (None, False)
    assert examiner.bank_reference == "FR76300060000112"
    form = org.open_record("examinateurs", academie, saved.id)
    assert form.values["reference_bancaire"] == "FR76300060000112"
    org.toggle_record("examinateurs", academie, saved.id, examiner.version)
    assert not Examiner.get_by_id(saved.id).active


def test_juries_bureau_and_members(academie: int) -> None:
    jury = org.list_records("jurys", academie, "1").rows[0]
    form = org.open_record("jurys", academie, jury.id)
    assert (form.values["president"], form.values["vice_president"]) == ("EX0001", "EX0004")
    certifie = Examiner.get(Examiner.corps == "CERTIFIE").identifier
    errors = org.check_record("jurys", academie, dict(form.values, president=certifie))
    assert "president" in errors  # a certifié may not preside (the import's corps rule)
    refused = dict(form.values, membres="EX0010, EX9999", series="STI2D, XYZ")
    errors = org.check_record("jurys", academie, refused)
    assert errors["membres"] == "identifiant(s) inconnu(s) : EX9999"
    assert errors["series"].startswith("série inconnue")
    saved = org.save_record("jurys", academie, jury.id, form.version,
                            dict(form.values, membres="EX0010, EX0011"))  # fmt: skip
    assert saved.changed == 2
    seated = {m.examiner.identifier: m.role for m in JuryMember.select().where(
        JuryMember.jury == jury.id)}  # fmt: skip
    assert seated == {"EX0001": "president", "EX0004": "vice_president", "EX0010": "membre",
                      "EX0011": "membre"}  # fmt: skip
    form = org.open_record("jurys", academie, jury.id)
    assert sorted(form.values["membres"].split(", ")) == ["EX0010", "EX0011"]
    org.save_record("jurys", academie, jury.id, form.version, dict(form.values, membres="EX0011"))
    assert JuryMember.select().where(JuryMember.jury == jury.id).count() == 3
    # a new jury with every série when none is typed; a number taken is refused
    blank = dict(org.open_record("jurys", academie, None).values, numero="1", centre="0690026D")
    assert org.check_record("jurys", academie, blank) == {
        "numero": "le jury n° 1 existe déjà dans cette session"
    }
    created = org.save_record("jurys", academie, None, None, dict(blank, numero="7"))
    assert "STD2A" in Jury.get_by_id(created.id).series_codes.split(",")


def test_a_jury_with_candidates_stays_and_an_inactive_jury_receives_none(academie: int) -> None:
    assert run_import("candidats", academie, SAMPLES / "candidats.csv").ok
    distribute_candidates(academie)
    busy = Jury.get((Jury.session == academie) & (Jury.number == 1))
    with pytest.raises(ServiceError, match="candidat"):
        org.toggle_record("jurys", academie, busy.id, busy.version)
    spare = org.save_record("jurys", academie, None, None, dict(
        org.open_record("jurys", academie, None).values, numero="9", centre="0690026D"))  # fmt: skip
    spare_jury = Jury.get_by_id(spare.id)
    assert org.toggle_record("jurys", academie, spare.id, spare_jury.version) == (
        "Jury n° 9 désactivé."
    )
    distribute_candidates(academie, reassign=True)
    assert Candidate.select().where(Candidate.jury == spare.id).count() == 0


def test_calendar_lines_date_the_epreuve(academie: int) -> None:
    blank = org.open_record("calendrier", academie, None).values
    bad = dict(blank, epreuve="PHI", serie="STMG", date="31/02/2026", heure="8h", duree="0")
    assert set(org.check_record("calendrier", academie, bad)) == {"date", "heure", "duree"}
    taken = org.list_records("calendrier", academie).forms[0].values
    assert "epreuve" in org.check_record("calendrier", academie, dict(taken))
    code = "EMC"
    assert CalendarEntry.get_or_none(CalendarEntry.epreuve_code == code) is None
    saved = org.save_record("calendrier", academie, None, None,
                            dict(blank, epreuve="emc", date="17/06/2026", heure="14:00",
                                 duree="240"))  # fmt: skip
    epreuve = Epreuve.get((Epreuve.session == academie) & (Epreuve.code == code))
    assert (epreuve.exam_date, epreuve.start_time, epreuve.duration_min) == (
        dt.date(2026, 6, 17), "14:00", 240
    )  # fmt: skip
    line = CalendarEntry.get_by_id(saved.id)
    message = org.toggle_record("calendrier", academie, saved.id, line.version)
    assert message == "Horaire de EMC (toutes séries) supprimé."
    assert Epreuve.get_by_id(epreuve.id).exam_date is None
    assert AuditLog.select().where((AuditLog.entity == "calendar_entry")
                                   & (AuditLog.action == "delete")).count() == 1  # fmt: skip


def test_rates_in_force_do_not_overlap(academie: int) -> None:
    assert seed_default_rates() > 0
    meal = org.list_records("taux", academie, "repas")
    current = next(f for r, f in zip(meal.rows, meal.forms, strict=True) if r.cells[5] == "oui")
    assert current.values["au"] == ""
    new = dict(current.values, montant="21,50", du="01/09/2026", au="")
    errors = org.check_record("taux", academie, new)
    assert errors["du"].startswith("période qui chevauche")
    # close the old period the day before, then the new rate is accepted
    org.save_record("taux", academie, current.id, current.version,
                    dict(current.values, au="31/08/2026"))  # fmt: skip
    saved = org.save_record("taux", academie, None, None, new)
    assert ExpenseRate.get_by_id(saved.id).amount == "21.50"
    bad = dict(new, nature="pourboire", montant="-3", du="01/09/2027", au="01/01/2027")
    assert set(org.check_record("taux", academie, bad)) == {"nature", "montant", "au"}


def test_settings_reach_the_documents(academie: int) -> None:
    rows = org.list_records("parametres", academie).rows
    assert [r.id for r in rows] == ["academie", "rectorat_adresse", "signataire",
                                    "signataire_qualite", "etiquettes", "oraux_GO", "oraux_FRO",
                                    "oraux_2G"]  # fmt: skip
    mine = org.open_record("parametres", academie, "signataire")
    other = org.open_record("parametres", academie, "signataire")
    org.save_record("parametres", academie, "signataire", other.version,
                    {"valeur": "Mme Claire Martin"})  # fmt: skip
    with pytest.raises(ConflictError):
        org.save_record("parametres", academie, "signataire", mine.version, {"valeur": "M. X"})
    org.save_record("parametres", academie, "rectorat_adresse", None,
                    {"valeur": "92 rue de Marseille, 69007 Lyon"})  # fmt: skip
    head = letterhead()
    assert (head.signatory, head.address) == (
        "Mme Claire Martin",
        "92 rue de Marseille, 69007 Lyon",
    )
    assert "Mme Claire Martin" in head.delegation()
    assert org.check_record("parametres", academie, {"valeur": " "}) == {
        "valeur": "valeur obligatoire"
    }


def _seated(jury_id: int) -> dict[int, str]:
    return dict(
        JuryMember.select(JuryMember.examiner, JuryMember.role)
        .where(JuryMember.jury == jury_id)
        .tuples()
    )


def test_a_member_a_colleague_added_meanwhile_is_never_removed(academie: int) -> None:
    from baktui.services import juries

    jury = org.list_records("jurys", academie, "1").rows[0]
    form = org.open_record("jurys", academie, jury.id)
    colleague_s = Examiner.get(Examiner.identifier == "EX0012").id
    juries.add_member(jury.id, colleague_s)  # from F5, while the F9 form is open
    with pytest.raises(ConflictError):
        org.save_record("jurys", academie, jury.id, form.version,
                        dict(form.values, membres="EX0010"))  # fmt: skip
    assert colleague_s in _seated(jury.id)


def test_an_examiner_without_identifier_is_shown_and_saved_by_number(academie: int) -> None:
    from baktui.services import juries

    jury = org.list_records("jurys", academie, "1").rows[0]
    plain = Examiner.create(last_name="Sans", first_name="Numéro", corps="CERTIFIE")
    chair = Examiner.create(last_name="Sans", first_name="Titre", corps="PU")
    juries.add_member(jury.id, plain.id)
    form = org.open_record("jurys", academie, jury.id)
    assert form.values["membres"] == f"n° {plain.id}"
    saved = org.save_record("jurys", academie, jury.id, form.version,
                            dict(form.values, president=f"n° {chair.id}"))  # fmt: skip
    assert saved.changed == 1
    seats = _seated(jury.id)
    assert (seats[plain.id], seats[chair.id]) == ("membre", "president")
    errors = org.check_record("jurys", academie, dict(form.values, membres="n° 999999"))
    assert errors["membres"] == "identifiant(s) inconnu(s) : N°999999"


def test_a_replaced_president_stays_a_member(academie: int) -> None:
    jury = org.list_records("jurys", academie, "1").rows[0]
    former = Examiner.get(Examiner.identifier == "EX0001").id
    new = Examiner.create(identifier="EX0100", last_name="Neuve", first_name="Présidente",
                          corps="PU")  # fmt: skip
    form = org.open_record("jurys", academie, jury.id)
    org.save_record("jurys", academie, jury.id, form.version, dict(form.values, president="EX0100"))
    seats = _seated(jury.id)
    assert (seats[former], seats[new.id]) == ("membre", "president")
    assert Jury.get_by_id(jury.id).president_id == new.id
    # the former président is now an ordinary member, typed off like any other
    form = org.open_record("jurys", academie, jury.id)
    assert "EX0001" in form.values["membres"].split(", ")
    org.save_record("jurys", academie, jury.id, form.version, dict(form.values, membres=""))
    assert former not in _seated(jury.id)


def test_a_calendar_line_moved_to_one_serie_undates_the_epreuve(academie: int) -> None:
    blank = org.open_record("calendrier", academie, None).values
    saved = org.save_record("calendrier", academie, None, None,
                            dict(blank, epreuve="EMC", date="17/06/2026", heure="14:00",
                                 duree="240"))  # fmt: skip
    form = org.open_record("calendrier", academie, saved.id)
    org.save_record("calendrier", academie, saved.id, form.version,
                    dict(form.values, serie="STMG"))  # fmt: skip
    epreuve = Epreuve.get((Epreuve.session == academie) & (Epreuve.code == "EMC"))
    assert (epreuve.exam_date, epreuve.start_time) == (None, None)
    line = CalendarEntry.get_by_id(saved.id)
    assert (line.series, line.day) == ("STMG", dt.date(2026, 6, 17))


@pytest.mark.parametrize("key", ["etablissements", "centres", "examinateurs", "jurys"])
def test_toggling_a_record_gone_says_so_in_french(academie: int, key: str) -> None:
    with pytest.raises(NotFoundError, match="introuvable"):
        org.toggle_record(key, academie, 999999, None)


def test_a_centre_of_another_session_is_not_toggled(academie: int) -> None:
    other = open_registre(2026, "remplacement").id
    centre = Centre.get(Centre.session == academie)
    with pytest.raises(NotFoundError):
        org.toggle_record("centres", other, centre.id, centre.version)
    assert Centre.get_by_id(centre.id).active
