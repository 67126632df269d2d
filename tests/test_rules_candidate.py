"""The candidate's shape declared once: the declaration against the model, what is derived from
it, the shape checks, and the profile shared by the card and the confirmation (by hand)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import peewee as pw
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.data.models import Candidate
from baktui.rules import candidate as shape
from baktui.rules.candidate import (
    CandidateField,
    Column,
    EpreuveLine,
    Group,
    Kind,
    build_profile,
    check_shape,
    epreuve_lines,
    format_date,
    format_phone,
    sex_label,
)
from baktui.rules.regulation import load_regulation
from baktui.services.registration import EDITABLE_FIELDS, CandidateData

REG = load_regulation(2026)


def test_the_declaration_is_the_model_field_by_field() -> None:
    model = {
        n: f for n, f in Candidate._meta.fields.items() if n not in ("id", "session", "version")
    }
    assert [f.name for f in shape.FIELDS] == list(model)
    kinds = {pw.BooleanField: Kind.BOOL, pw.DateField: Kind.DATE, pw.ForeignKeyField: Kind.REF}
    for spec in shape.FIELDS:
        column = model[spec.name]
        assert (spec.default is None) == bool(column.null), spec.name
        if column.default is not None:
            assert spec.default == column.default, spec.name
        expected = next((k for t, k in kinds.items() if isinstance(column, t)), None)
        assert spec.kind == (expected or spec.kind), spec.name
        if expected is None:
            assert spec.kind in (Kind.TEXT, Kind.CHECKLIST), spec.name


def test_what_is_derived_from_the_declaration() -> None:
    assert shape.CONTACT_FIELDS == ("address", "postcode", "city", "email", "phone")
    assert shape.REVERTIBLE_FIELDS == {
        "ine", "last_name", "first_name", "birth_date", "sex", "address", "postcode", "city",
        "email", "phone", "series", "sub_choice", "lva", "lvb", "options", "status",
        "etablissement", "eps_inapte", "eps_certificate", "amenagements", "dossier", "state",
        "transferred_to", "centre", "birth_place", "indications",
    }  # fmt: skip
    assert set(shape.FORM_FIELDS) == shape.REVERTIBLE_FIELDS - {"transferred_to"}
    assert set(EDITABLE_FIELDS) == {
        "ine", "last_name", "first_name", "birth_date", "series", "sub_choice", "lva", "lvb",
        "options", "status", "etablissement_id", "eps_inapte", "sex", "address", "postcode",
        "city", "email", "phone", "birth_place", "indications",
    }  # fmt: skip
    assert shape.label("phone") == "téléphone" and shape.label("state") == "état de l'inscription"
    assert shape.label("etablissement") == "établissement" and shape.label("version") == "version"
    assert shape.STORED_COLUMNS[:3] == ("number", "ine", "last_name")
    assert shape.STORED_COLUMNS[-2:] == ("created_at", "updated_at")


def test_the_import_columns_come_from_the_declaration() -> None:
    assert shape.IMPORT_REQUIRED == ("ine", "nom", "prenom", "date_naissance", "serie")
    assert shape.IMPORT_OPTIONAL == (
        "statut", "uai", "sous_choix", "lva", "lvb", "options", "eps_inapte", "sexe", "adresse",
        "code_postal", "commune", "email", "telephone", "lieu_naissance", "indications",
    )  # fmt: skip
    assert shape.IMPORT_ALIASES == {
        "date_de_naissance": "date_naissance",
        "naissance": "date_naissance",
        "enseignement_specifique": "sous_choix",
        "e_mail": "email",
        "courriel": "email",
        "mel": "email",
        "tel": "telephone",
        "cp": "code_postal",
        "ville": "commune",
        "commune_naissance": "lieu_naissance",
        "lieu_de_naissance": "lieu_naissance",
        "commune_de_naissance": "lieu_naissance",
    }
    assert shape.IMPORT_FIELDS["uai"] == "etablissement_id"
    assert shape.IMPORT_FIELDS["nom"] == "last_name" and len(shape.IMPORT_FIELDS) == 20
    assert set(shape.IMPORT_FIELDS.values()) == set(EDITABLE_FIELDS)


def test_candidate_data_is_checked_against_the_declaration() -> None:
    check_shape(CandidateData, shape.REGISTRATION_FIELDS)  # as at import time

    @dataclasses.dataclass
    class Missing:
        ine: str

    with pytest.raises(TypeError, match="champs absents"):
        check_shape(Missing, shape.REGISTRATION_FIELDS)
    fields = (
        CandidateField("ine", "INE", groups=frozenset({Group.REGISTRATION}), column=Column("ine", 1, True)),
        CandidateField("status", "statut", default="scolaire", groups=frozenset({Group.REGISTRATION})),
    )  # fmt: skip

    @dataclasses.dataclass
    class WrongDefault:
        ine: str
        status: str = "individuel"

    with pytest.raises(TypeError, match="status : valeur par défaut attendue 'scolaire'"):
        check_shape(WrongDefault, fields)

    @dataclasses.dataclass
    class RequiredWithDefault:
        ine: str = ""
        status: str = "scolaire"

    with pytest.raises(TypeError, match="ine : champ obligatoire"):
        check_shape(RequiredWithDefault, fields)

    @dataclasses.dataclass
    class Right:
        ine: str
        status: str = "scolaire"
        extra: int = 0

    check_shape(Right, fields, extra=("extra",))
    with pytest.raises(TypeError, match="non déclarés \\['extra'\\]"):
        check_shape(Right, fields)


def test_display_helpers() -> None:
    assert format_phone("0612345678") == "06 12 34 56 78"
    assert format_phone("061234") == "061234" and format_phone("") == ""
    assert sex_label("F") == "féminin" and sex_label("M") == "masculin" and sex_label("") == "—"
    assert format_date(dt.date(2008, 3, 14)) == "14/03/2008" and format_date(None) == ""


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_a_formatted_phone_gives_its_digits_back(digits: str) -> None:
    shown = format_phone(digits)
    assert shown.replace(" ", "") == digits and len(shown) == 14


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {f.data_name: f.default for f in shape.FIELDS}
    row.update(id=7, number="260000007", last_name="Lefèvre", first_name="Hélène", series="STMG")
    row.update(values)
    return row


def test_the_profile_of_a_stored_row() -> None:
    row = _row(
        phone="0612345678",
        sub_choice="GF",
        lva="ANG",
        lvb="ESP",
        options="LATIN-1,ARTS-T",
        status="individuel",
        dossier='{"identite": true, "domicile": false}',
        state="confirmee",
    )
    profile = build_profile(REG, row, centre=("C01", "Lycée Ampère"))
    assert profile.candidate_id == 7 and profile.display_name == "LEFÈVRE Hélène"
    assert profile.phone_display == "06 12 34 56 78"
    assert profile.series_label == "Sciences et technologies du management et de la gestion"
    assert profile.sp2_label == "Droit et économie"
    assert profile.sub_choice_label == "Enseignement spécifique"
    assert (profile.lva_label, profile.lvb_label) == ("Anglais", "Espagnol")
    assert profile.options == (
        "Langues et cultures de l'Antiquité : latin (première)",
        "Arts (terminale)",
    )
    assert profile.status_label == "candidat individuel" and profile.state_label == "confirmée"
    assert [(p.key, p.received) for p in profile.dossier] == [
        ("identite", True), ("domicile", False), ("anticipees", False), ("jdc", False)
    ]  # fmt: skip
    assert not profile.dossier_complete
    assert (profile.centre_code, profile.etablissement_uai) == ("C01", "")


def test_an_unknown_series_shows_its_code() -> None:
    profile = build_profile(REG, _row(series="XYZ", state="inconnu"))
    assert (profile.series_label, profile.sp1_label, profile.sub_choice_label) == ("XYZ", "", "")
    assert profile.state_label == "inconnu" and profile.dossier == ()


def test_epreuve_lines_name_the_specialites_and_the_options() -> None:
    labels = shape.epreuve_labels(REG, "STMG", {"PHI": "Philosophie (session)"})
    rows = [("PHI", "", None), ("SP2", "", 2025), ("OPT1", "LATIN-1", None)]
    assert epreuve_lines(REG, labels, rows) == (
        EpreuveLine("PHI", "Philosophie (session)", "", "", None),
        EpreuveLine("SP2", "Droit et économie", "", "", 2025),
        EpreuveLine(
            "OPT1", "Option 1", "LATIN-1", "Langues et cultures de l'Antiquité : latin (première)",
            None,
        ),
    )  # fmt: skip
    assert shape.epreuve_labels(REG, "XYZ", {})["SP1"] == "Spécialité 1"
