"""The registration's pure checks, by hand: the form, contact details, state moves, the dossier and
the row checks of « Contrôler les inscriptions »."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.registration import dossier_pieces, dossier_text, missing_pieces, parse_dossier
from baktui.rules.registration_checks import CHECKED_FIELDS, RowChecker
from baktui.rules.registration_form import (
    RegistrationForm,
    changed_fields,
    contact_errors,
    field_error,
    form_errors,
    state_errors,
)
from baktui.rules.regulation import load_regulation

REG = load_regulation(2026)
GOOD = RegistrationForm(
    ine="987654321AB",
    last_name="Lefèvre",
    first_name="Hélène",
    birth_date="14/03/2008",
    sex="F",
    etablissement="0690001B",
    series="STMG",
    sub_choice="GF",
    lva="ANG",
    lvb="ESP",
)


def test_a_good_form_has_no_error() -> None:
    assert form_errors(REG, GOOD) == []


def test_form_errors_name_the_fields_in_french() -> None:
    form = GOOD.with_values(
        last_name=" ", birth_date="14/03/1900", sex="X", series="STI2D", lvb="ANG", state="?"
    )
    assert form_errors(REG, form) == [
        ("last_name", "nom obligatoire"),
        ("birth_date", "« 14/03/1900 » : 126 ans en 2026 ? (de 13 à 100 ans attendus)"),
        ("sex", "sexe « X » : F, M ou vide"),
        ("sub_choice", "enseignement spécifique « GF » : attendu AC, EE, ITEC, SIN en STI2D"),
        ("lvb", "LVA et LVB doivent être deux langues différentes"),
        ("state", "état « ? » inconnu"),
    ]
    assert field_error(REG, form, "lvb") == "LVA et LVB doivent être deux langues différentes"
    assert field_error(REG, form, "ine") is None
    assert field_error(REG, GOOD.with_values(series="XYZ"), "series") == (
        "série « XYZ » inconnue (STI2D, STMG, ST2S, STL, STD2A, STHR, S2TMD)"
    )


def test_an_individual_candidate_needs_an_address_but_no_etablissement() -> None:
    form = GOOD.with_values(status="individuel", etablissement="")
    assert form_errors(REG, form) == [
        ("address", "adresse obligatoire"),
        ("postcode", "code postal obligatoire"),
        ("city", "commune obligatoire"),
    ]
    assert field_error(REG, GOOD.with_values(etablissement=""), "etablissement") == (
        "UAI de l'établissement obligatoire pour un scolaire"
    )


def test_contact_errors() -> None:
    assert contact_errors({"postcode": "69002", "phone": "06 12 34 56 78"}) == []
    assert [f for f, _ in contact_errors({"postcode": "6900", "email": "x@y", "phone": "12"})] == [
        "postcode",
        "email",
        "phone",
    ]
    assert contact_errors({}, required=True) == [
        ("address", "adresse obligatoire"),
        ("postcode", "code postal obligatoire"),
        ("city", "commune obligatoire"),
    ]


def test_state_moves_follow_the_lifecycle_and_validation_needs_a_full_dossier() -> None:
    assert state_errors(REG, GOOD, "brouillon", "brouillon") == []
    assert state_errors(REG, GOOD, "confirmee", "brouillon") == []
    assert state_errors(REG, GOOD, "validee", "brouillon") == [
        (
            "state",
            "passage de « brouillon » à « validée » impossible (possibles : confirmée, annulée)",
        )
    ]
    assert state_errors(REG, GOOD, "validee", "confirmee") == []
    individual = GOOD.with_values(
        status="cned", etablissement="", address="1 rue A", postcode="69001", city="LYON"
    )
    assert state_errors(REG, individual, "validee", "confirmee") == [
        (
            "state",
            "validation impossible : dossier incomplet : pièce d'identité, justificatif de "
            "domicile, relevé des notes des épreuves anticipées",
        )
    ]
    full = individual.with_values(dossier={"identite": True, "domicile": True, "anticipees": True})
    assert state_errors(REG, full, "validee", "confirmee") == []
    faulty = GOOD.with_values(lvb="")
    assert state_errors(REG, faulty, "validee", "confirmee") == [
        ("state", "validation impossible : LVB manquante")
    ]


def test_the_dossier_column() -> None:
    assert parse_dossier("") == {} and parse_dossier("not json") == {}
    assert parse_dossier("[1, 2]") == {}
    assert parse_dossier('{"jdc": 1, "identite": false}') == {"jdc": True, "identite": False}
    assert dossier_text("scolaire", False, {"identite": True}) == ""
    text = dossier_text("cned", True, {"identite": True, "other": True})
    assert json.loads(text) == {
        "identite": True,
        "domicile": False,
        "anticipees": False,
        "certificat_eps": False,
    }
    assert missing_pieces("formation_continue", False, {"identite": True, "domicile": True}) == [
        "relevé des notes des épreuves anticipées",
        "certificat de participation à la JDC",
    ]


@given(st.sampled_from(["individuel", "cned", "formation_continue"]), st.booleans(), st.data())
def test_a_dossier_written_then_read_keeps_its_pieces(
    status: str, eps: bool, data: st.DataObject
) -> None:
    keys = [key for key, _ in dossier_pieces(status, eps)]
    received = {key: data.draw(st.booleans()) for key in keys}
    assert parse_dossier(dossier_text(status, eps, received)) == received
    assert len(missing_pieces(status, eps, received)) == list(received.values()).count(False)


def _row(**values: object) -> tuple[object, ...]:
    row: dict[str, object] = {
        "id": 1, "ine": "987654321AB", "postcode": "69002", "email": "a@b.fr",
        "phone": "0612345678", "series": "STMG", "sub_choice": "GF", "lva": "ANG", "lvb": "ESP",
        "options": "", "eps_inapte": False, "eps_certificate": False, "status": "scolaire",
        "etablissement_id": 3, "centre_id": 4, "dossier": "", "state": "validee",
    }  # fmt: skip
    row.update(values)
    assert list(row) == list(CHECKED_FIELDS)
    return tuple(row.values())


def test_the_row_checks() -> None:
    check = RowChecker(REG)
    assert check(_row()) == []
    assert check(_row(ine="12", lvb="", centre_id=None, phone="12345")) == [
        ("identifiant", "ine", "INE « 12 » : 11 caractères attendus (2 saisis)"),
        ("choix", "lvb", "LVB manquante"),
        ("sans_centre", "centre", "aucun centre d'examen"),
        ("coordonnees", "phone", "téléphone « 12345 » invalide"),
    ]
    assert check(_row(etablissement_id=None)) == [
        ("sans_etablissement", "etablissement", "scolaire sans établissement")
    ]
    individual = _row(status="cned", etablissement_id=None, postcode="", state="confirmee")
    assert check(individual) == [
        (
            "dossier",
            "dossier",
            "manque : pièce d'identité, justificatif de domicile, relevé des notes des épreuves "
            "anticipées (inscription confirmée)",
        ),
        ("coordonnees", "postcode", "code postal manquant (candidat individuel)"),
    ]
    assert len(check.choices) == 2  # the choices are memoised: (lvb "") and the others


def test_changed_fields_of_the_form() -> None:
    assert changed_fields(GOOD, GOOD) == []
    typed = GOOD.with_values(city="LYON", eps_inapte=True, dossier={"identite": False})
    assert changed_fields(GOOD, typed) == ["city", "eps_inapte"]  # an unticked box is no change
    assert changed_fields(GOOD, typed.with_values(dossier={"identite": True})) == [
        "city",
        "eps_inapte",
        "dossier",
    ]


def test_a_new_registration_has_no_serie_until_one_is_chosen() -> None:
    from baktui.rules.registration import choice_errors
    from baktui.rules.regulation import load_regulation

    reg = load_regulation(2026)
    assert choice_errors(reg, "", "", "", "", ())[0] == (
        "serie", f"série à choisir ({', '.join(reg.series_codes)})"
    )  # fmt: skip
