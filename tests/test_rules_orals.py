"""Rules of the oral commissions (issue 15), computed by hand: the timetable setting, its slots,
who may sit on a commission, and the French refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from baktui.rules import orals
from baktui.rules.orals import Member, pair_error, parse_plan


def test_a_timetable_reads_days_hours_slot_and_preparation() -> None:
    plan = parse_plan(
        "22/06/2026-26/06/2026 ; 08:00-12:00 13:30-17:30 ; créneau 30 ; préparation 20", 2026
    )
    assert plan.days == tuple(dt.date(2026, 6, d) for d in (22, 23, 24, 25, 26))
    assert plan.periods == ((480, 720), (810, 1050)) and (plan.slot_min, plan.prep_min) == (30, 20)
    slots = plan.slots()
    assert len(slots) == 8 + 8 and slots[0] == ("08:00", "08:30") and slots[8] == ("13:30", "14:00")
    # the centre closes at 17:00: the last slot ends at 17:00, none after
    assert plan.slots("17:00")[-1] == ("16:30", "17:00") and len(plan.slots("17:00")) == 15
    # a range skips the week-end; single dates, « au », 8h00 and « min » are read too
    weekend = parse_plan("du 26/06/2026 au 29/06/2026, 01/07/2026 ; 8h00-9h00 ; 25 min", 2026)
    assert weekend.days == (dt.date(2026, 6, 26), dt.date(2026, 6, 29), dt.date(2026, 7, 1))
    assert weekend.slots() == [("08:00", "08:25"), ("08:25", "08:50")] and weekend.prep_min == 0
    assert parse_plan(plan.text(), 2026) == plan  # what F9 shows reads back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("22/06/2026", "écrivez « jours ; horaires ; créneau ; préparation »"),
        ("31/02/2026 ; 08:00-12:00 ; 30", "jours : « 31/02/2026 » : cette date n'existe pas"),
        (
            "22/06/2025 ; 08:00-12:00 ; 30",
            "jours : les dates doivent être de l'année de la session",
        ),
        ("22/06/2026 ; 12:00-08:00 ; 30", "horaires : 12:00-08:00 finit avant de commencer"),
        ("22/06/2026 ; le matin ; 30", "horaires : « le matin » illisible"),
        ("22/06/2026 ; 08:00-12:00 10:00-13:00 ; 30", "horaires : deux plages se chevauchent"),
        ("22/06/2026 ; 08:00-12:00 ; trente", "créneau : « trente » n'est pas un nombre"),
        ("22/06/2026 ; 08:00-08:20 ; 30", "aucune plage ne contient un créneau entier"),
        ("22/06/2026 ; 08:00-12:00 ; 30 ; 500", "préparation : 500 min, attendu de 0 à 120"),
    ],
)
def test_a_wrong_timetable_is_refused_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_plan(text, 2026)


def person(eid: int, disciplines: str, corps: str = "CERTIFIE", etab: int | None = 1) -> Member:
    return Member(eid, f"Mme Anne EX{eid}", disciplines, corps, etab)


def test_grand_oral_two_disciplines_one_a_specialite_of_the_series() -> None:
    sp1 = person(1, "SP1:STI2D,GO")
    sp2 = person(2, "SP2:STI2D")
    phi = person(3, "PHI")
    other_sp1 = person(4, "SP1")  # SP1 of every série
    assert pair_error("GO", "STI2D", sp1, phi) is None  # a spécialité and another discipline
    assert pair_error("GO", "STI2D", sp1, sp2) is None  # the two spécialités: different
    same = pair_error("GO", "STI2D", sp1, other_sp1)
    assert same == (
        "Grand oral STI2D : Mme Anne EX1 et Mme Anne EX4 enseignent la même spécialité ; les "
        "deux membres doivent être de disciplines différentes."
    )
    assert "l'un des deux membres doit la représenter" in (
        pair_error("GO", "STI2D", phi, person(5, "HG")) or ""
    )
    # SP1 of STI2D is no spécialité of STMG
    assert "ni Mme Anne EX1 ni Mme Anne EX3" in (pair_error("GO", "STMG", sp1, phi) or "")
    assert orals.specialites_of(person(6, "SP1:STMG,SP2:STMG"), "STMG") == {"SP1", "SP2"}
    assert "deux fois" in (pair_error("GO", "STI2D", sp1, sp1) or "")


def test_who_may_sit_alone() -> None:
    assert orals.member_error(person(1, "FRE,FRO"), "FRO", "") is None
    assert orals.member_error(person(2, "FRE"), "2G-FR", "") is None
    assert orals.member_error(person(3, "PHI"), "FRO", "") == (
        "Mme Anne EX3 n'enseigne pas FRO, FRE : Français oral refusé."
    )
    assert orals.member_error(person(4, "SP2:STL"), "2G-SP2", "STL") is None
    assert "SP1 (STL)" in (orals.member_error(person(4, "SP2:STL"), "2G-SP1", "STL") or "")
    assert (
        orals.member_error(person(5, "HG"), "GO", "STMG") is None
    )  # any teacher, the pair decides
    assert "enseignants" in (
        orals.member_error(person(6, "GO,SP1:STMG", "PROFESSIONNEL"), "GO", "STMG") or ""
    )


def test_an_examiner_twice_at_once_and_a_slot_after_closing_are_said() -> None:
    day = dt.date(2026, 6, 22)
    taken = [("08:00", "12:00", "Grand oral commission n° 3")]
    assert orals.busy_error("Mme Anne EX1", day, "12:00", "15:00", taken) is None
    assert orals.busy_error("Mme Anne EX1", day, "11:00", "15:00", taken) == (
        "Mme Anne EX1 siège déjà le 22/06/2026 de 08:00 à 12:00 (Grand oral commission n° 3) : "
        "une commission de 11:00 à 15:00 se chevauche."
    )
    assert orals.closing_error("Le créneau de 18:40", "19:10", "19:00", "C003") == (
        "Le créneau de 18:40 finit à 19:10, après la fermeture du centre C003 à 19:00."
    )
    assert orals.closing_error("x", "19:00", "19:00", "C003") is None


def test_codes_and_settings() -> None:
    assert orals.ORAL_CODES == ("GO", "FRO", "2G-FR", "2G-PHI", "2G-SP1", "2G-SP2")
    assert [orals.setting_key(c) for c in ("GO", "FRO", "2G-PHI")] == [
        "oraux_GO", "oraux_FRO", "oraux_2G"
    ]  # fmt: skip
    assert orals.second_group_code("PHI") == "2G-PHI" and orals.label("2G-PHI").startswith("2d")
