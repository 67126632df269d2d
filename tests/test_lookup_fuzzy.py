"""F2 acceptance (issue 20) on a base built for the test, on both engines: names as heard,
birth dates, name + year, établissement + name; exact spellings before phonetic ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, engine_database, pin_login

from baktui.data.models import Candidate, Etablissement
from baktui.services import search
from baktui.services.imports import run_import
from baktui.services.registration import CandidateData, register_candidate, update_candidate
from baktui.services.search import lookup
from baktui.services.sessions import open_registre

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
AMPERE, PARC = "0690026D", "0690030H"
# (last, first, sex, birth date, établissement)
PEOPLE = [
    ("Lefèvre", "Hélène", "F", dt.date(2008, 6, 12), AMPERE),
    ("Lefebvre", "Hélène", "F", dt.date(2009, 1, 1), PARC),
    ("Lefèvre", "Paul", "M", dt.date(2007, 9, 1), PARC),
    ("Lefort", "Hélène", "F", dt.date(2008, 2, 2), PARC),
    ("Marchand", "Paul", "M", dt.date(2007, 3, 2), AMPERE),
    ("Dubois", "Marie", "F", dt.date(2008, 1, 5), AMPERE),
    ("Roux", "Jean", "M", dt.date(2008, 12, 6), AMPERE),  # day and month the other way
    ("Martin", "Luc", "M", dt.date(2008, 6, 12), PARC),
]


@pytest.fixture(params=ENGINES)
def session_id(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        sid = open_registre(2026).id
        assert run_import("etablissements", sid, SAMPLES / "etablissements.csv").ok
        etabs = {e.uai: e.id for e in Etablissement.select()}
        for number, (last, first, sex, born, uai) in enumerate(PEOPLE):
            register_candidate(
                sid,
                CandidateData(
                    ine=f"{123456700 + number}AB",
                    last_name=last,
                    first_name=first,
                    sex=sex,
                    birth_date=born,
                    series="STMG",
                    sub_choice="GF",
                    lva="ANG",
                    lvb="ESP",
                    etablissement_id=etabs[uai],
                ),
            )
        yield sid


def found(session_id: int, typed: str) -> list[tuple[str, str]]:
    return [(f"{h.last_name} {h.first_name}", h.matched) for h in lookup(session_id, typed).hits]


def test_a_name_as_heard_finds_the_written_one_after_the_exact_spelling(session_id: int) -> None:
    assert found(session_id, "lefebvre helene") == [
        ("Lefebvre Hélène", "nom"),
        ("Lefèvre Hélène", "phon."),
    ]
    assert found(session_id, "helene lefeuvre") == []  # eu is not e: no false friend
    assert found(session_id, "marchan") == [("Marchand Paul", "nom")]
    assert found(session_id, "marchant paul") == [("Marchand Paul", "phon.")]


def test_a_name_and_a_year_find_who_was_born_that_year(session_id: int) -> None:
    assert found(session_id, "lefèvre 2008") == [("Lefèvre Hélène", "nom")]
    assert found(session_id, "2007 lefevre") == [("Lefèvre Paul", "nom")]
    assert found(session_id, "lefebvre 2008") == [("Lefèvre Hélène", "phon.")]
    assert found(session_id, "lefevre 2011") == []


@pytest.mark.parametrize("typed", ["12/06/2008", "12-06-2008", "12.06.2008", "2008-06-12"])
def test_a_birth_date_finds_who_was_born_that_day(session_id: int, typed: str) -> None:
    result = lookup(session_id, typed)
    assert result.kind == search.KIND_DATE
    assert [(h.last_name, h.birth_date, h.matched) for h in result.hits] == [
        ("Lefèvre", "12/06/2008", "naiss."),
        ("Martin", "12/06/2008", "naiss."),
    ]


def test_an_impossible_date_is_not_a_date(session_id: int) -> None:
    assert search.query_kind("31/02/2008") != search.KIND_DATE
    assert lookup(session_id, "31/02/2008").hits == ()


def test_an_etablissement_and_the_start_of_a_name(session_id: int) -> None:
    # Lycée Ampère: Marchand (last name) then Dubois Marie (first name); not Martin (du Parc)
    assert found(session_id, "ampere mar") == [
        ("Marchand Paul", "établ."),
        ("Dubois Marie", "établ."),
    ]
    assert [n for n, _ in found(session_id, "ampere")] == [
        "Dubois Marie", "Lefèvre Hélène", "Marchand Paul", "Roux Jean"
    ]  # fmt: skip
    # the commune counts as a word of the établissement
    assert "Roux Jean" in [n for n, _ in found(session_id, "lyon ampere")]


def test_the_phonetic_key_follows_a_change_of_name(session_id: int) -> None:
    roux = Candidate.get(Candidate.last_name == "Roux")
    update_candidate(roux.id, {"last_name": "Rousseau"}, expected_version=roux.version)
    assert Candidate.get_by_id(roux.id).sound_key == "r4so je1"
    assert found(session_id, "rousso jean") == [("Rousseau Jean", "phon.")]
