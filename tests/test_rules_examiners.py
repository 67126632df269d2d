"""Pure examiner rules: jury presidency, own students, the day's refusals, distances, ranking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from baktui.rules import examiners as rules


@pytest.mark.parametrize("corps", ["PU", "MCF", "mcf "])
def test_president_must_be_university_teacher(corps: str) -> None:
    assert rules.president_error(corps) is None


@pytest.mark.parametrize("corps", ["AGREGE", "CERTIFIE", "PLP", "PROFESSIONNEL", ""])
def test_president_refused_with_reason(corps: str) -> None:
    message = rules.president_error(corps, "Mme Anne MARTIN")
    assert message is not None
    assert "D.336-20" in message
    assert "Mme Anne MARTIN" in message
    assert "professeur des universités ou un maître de conférences" in message


def test_vice_president() -> None:
    assert rules.vice_president_error("AGREGE") is None
    assert rules.vice_president_error("CERTIFIE") is None
    assert rules.vice_president_error("MCF") is None
    assert "agrégés ou certifiés" in (rules.vice_president_error("PLP") or "")


def test_corps_label() -> None:
    assert rules.corps_label("MCF") == "maître de conférences"
    assert rules.corps_label("pu") == "professeur des universités"
    assert rules.corps_label("XYZ") == "xyz"


def test_disciplines_and_series() -> None:
    assert rules.parse_disciplines(" phi, SP1:sti2d ,,") == (("PHI", None), ("SP1", "STI2D"))
    assert rules.teaches("PHI", "PHI")
    assert rules.teaches("PHI", "phi", ["STMG"])
    assert not rules.teaches("PHI", "SP1")
    assert rules.teaches("SP1:STI2D", "SP1", ["STI2D"])
    assert not rules.teaches("SP1:STI2D", "SP1", ["STMG"])
    assert not rules.teaches("SP1:STI2D", "SP1", ["STI2D", "STMG"])
    assert rules.teaches("SP1:STI2D,SP1:STMG", "SP1", ["STI2D", "STMG"])
    assert rules.teaches("SP1:STI2D", "SP1")  # no series known: any entry will do
    assert rules.discipline_label("PHI,SP1:STI2D") == "PHI, SP1 (STI2D)"


def test_own_students() -> None:
    concerned = {7: ("Lycée Ampère", 12), 9: ("Lycée Branly", 1)}
    assert rules.own_students_error("M. Paul DURAND", 3, concerned) is None
    assert rules.own_students_error("M. Paul DURAND", None, concerned) is None
    message = rules.own_students_error("M. Paul DURAND", 7, concerned)
    assert message is not None
    assert "Lycée Ampère" in message and "12 candidats concernés" in message
    assert "propres élèves" in message
    single = rules.own_students_error("M. Paul DURAND", 9, concerned) or ""
    assert "1 candidat concerné " in single


def test_distance_table_both_ways_then_estimate() -> None:
    lyon = (Decimal("45.7640"), Decimal("4.8357"))
    paris = (Decimal("48.8566"), Decimal("2.3522"))
    table = {(1, 2): 7}
    coords = {1: lyon, 3: paris}
    assert rules.distance_km(1, 2, table, coords) == (7, rules.KM_TABLE)
    assert rules.distance_km(2, 1, table, coords) == (7, rules.KM_TABLE)
    km, source = rules.distance_km(1, 3, table, coords)
    assert source == rules.KM_ESTIMATE
    assert 385 <= km <= 400  # Lyon-Paris as the crow flies is about 392 km
    assert isinstance(km, int)
    assert rules.distance_km(1, 1, table, coords) == (0, rules.KM_SAME)
    assert rules.distance_km(1, 4, table, coords) == (None, "")
    assert rules.distance_km(None, 1, table, coords) == (None, "")


def test_parse_coordinate() -> None:
    assert rules.parse_coordinate("45,7640") == Decimal("45.7640")
    assert rules.parse_coordinate("") is None
    assert rules.parse_coordinate(None) is None
    assert rules.parse_coordinate("nord") is None


def test_load_limits() -> None:
    load = rules.Load(copies=140, max_copies=150, oral_hours_centi=2950, max_oral_hours=30)
    assert rules.load_error("X", load, 10, 0) is None
    assert "150" in (rules.load_error("X", load, 11, 0) or "")
    assert rules.load_error("X", load, 0, 50) is None
    assert "30 h" in (rules.load_error("X", load, 0, 51) or "")
    assert rules.format_hours(350) == "3 h 30"
    assert rules.format_hours(400) == "4 h"


def test_ranking_nearest_first_then_least_loaded_then_name() -> None:
    light = rules.Load(10, 100, 0, 30)
    heavy = rules.Load(90, 100, 0, 30)
    keys = {
        "far": rules.ranking_key(40, light, "A", "a"),
        "near_heavy": rules.ranking_key(5, heavy, "B", "b"),
        "near_light": rules.ranking_key(5, light, "C", "c"),
        "unknown": rules.ranking_key(None, light, "D", "d"),
        "near_light_b": rules.ranking_key(5, rules.Load(20, 200, 0, 30), "Aa", "a"),
    }
    order = sorted(keys, key=keys.__getitem__)
    # 10/100 and 20/200 are the same load exactly: the name decides
    assert order == ["near_light_b", "near_light", "near_heavy", "far", "unknown"]


def test_names_and_short_corps() -> None:
    assert rules.display_name("Dupont", "Marie") == "DUPONT Marie"
    assert rules.display_name("Dupont", "") == "DUPONT"
    assert rules.formal_name("Mme", "Dupont", "Marie") == "Mme Marie DUPONT"
    assert rules.formal_name("", "Dupont", "Marie") == "Marie DUPONT"
    assert rules.short_corps("agrege") == "agrégé"
    assert rules.short_corps("IA_IPR") == "IA-IPR"
    assert rules.short_corps("Inconnu-Long") == "inconnu-"


def test_discipline_refusal_names_the_series_and_the_disciplines() -> None:
    assert rules.discipline_error("M. Paul DURAND", "PHI", "PHI", {"STMG"}) is None
    message = rules.discipline_error("M. Paul DURAND", "SP1:STI2D", "SP1", {"STMG", "STI2D"})
    assert message == (
        "M. Paul DURAND n'est pas examinateur de SP1 (STI2D, STMG) (disciplines : SP1 (STI2D))."
    )
    assert rules.discipline_error("X", "", "GO") == (
        "X n'est pas examinateur de GO (disciplines : aucune)."
    )


def test_the_day_refusals() -> None:
    day = dt.date(2026, 6, 16)
    assert rules.absent_error("X", day) == "X est déclaré(e) absent(e) le 16/06/2026."
    assert rules.unavailable_error("X", day) == "X s'est déclaré(e) indisponible le 16/06/2026."
    assert "16/06/2026 dans ses disponibilités" in rules.undeclared_error("X", day)
    assert rules.replaced_error("X") == "X est l'examinateur à remplacer."
    assert rules.inactive_error("X") == "X n'est plus actif (fiche désactivée)."
    assert rules.member_error("X") == "X siège déjà dans ce jury."


def test_busy_names_the_first_overlapping_mission() -> None:
    taken = [("07:00", "08:00", "surveillance"), ("08:00", "12:00", "oral GO"), ("x", "y", "?")]
    assert rules.busy_error("X", taken, "12:00", "14:00") is None  # half-open ranges
    assert rules.busy_error("X", taken, "11:00", "13:00") == (
        "X est déjà pris(e) de 08:00 à 12:00 (oral GO)."
    )
    assert rules.busy_error("X", [("x", "y", "?")], "08:00", "09:00") is None  # unreadable
    assert rules.busy_error("X", [], "08:00", "09:00") is None


def test_absence_form_checks_its_input() -> None:
    assert rules.check_absence("31/02/2026", "malade") == "« 31/02/2026 » : cette date n'existe pas"
    assert rules.check_absence("16/06/2026", "   ") == "Indiquez le motif de l'absence."
    day, reason = rules.check_absence("16/06/2026", "  enfant   malade ")  # type: ignore[misc]
    assert (day.day, reason) == (16, "enfant malade")


def test_corps_refusals_name_the_person_or_not() -> None:
    assert rules.president_error("CERTIFIE") == (
        "Président refusé : un jury est présidé par un professeur des universités ou un maître "
        "de conférences (art. D.336-20) ; cet examinateur est professeur certifié."
    )
    assert (rules.vice_president_error("PLP", "M. Paul DURAND") or "").endswith(
        "; M. Paul DURAND est professeur de lycée professionnel."
    )
    assert rules.examines_error("PROFESSIONNEL", "oral", "M. X") == (
        "M. X est représentant de la profession : copies et oraux sont confiés à des enseignants."
    )
    assert rules.examines_error("PROFESSIONNEL", "jury", "M. X") is None
    assert rules.examines_error("CERTIFIE", "correction") is None


def test_corps_and_disciplines_are_shown_as_labels_agreed_by_sex() -> None:
    from baktui.rules.examiners import corps_short, corps_title, discipline_names

    assert corps_short("AGREGE", "Mme") == "agrégée"
    assert corps_short("AGREGE", "M.") == "agrégé"
    assert corps_short("CERTIFIE", "") == "certifié(e)"
    assert corps_short("PU", "Mme") == "PU"
    assert corps_title("CERTIFIE", "Mme") == "professeure certifiée"
    assert corps_title("AGREGE", "M.") == "professeur agrégé"
    labels = {"PHI": "Philosophie", "SP1": "Enseignement de spécialité 1"}
    assert discipline_names("PHI, SP1:STI2D, XYZ", labels) == (
        "PHI Philosophie, SP1 (STI2D) Enseignement de spécialité 1, XYZ"
    )
    by_series = {"STI2D": {"SP1": "Innovation technologique"}}
    assert discipline_names("PHI, SP1:STI2D, SP1:STMG", labels, by_series) == (
        "PHI Philosophie, SP1 (STI2D) Innovation technologique, "
        "SP1 (STMG) Enseignement de spécialité 1"
    )
