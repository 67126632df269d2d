"""Pure mission rules: hours and durations, jury seats, and the French texts of missions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.rules import missions

WEDNESDAY = dt.date(2026, 7, 1)


def test_times() -> None:
    assert missions.minutes("08:30") == 510
    assert missions.minutes("8h05") == 485
    with pytest.raises(ValueError, match="HH:MM"):
        missions.minutes("25:00")
    assert missions.overlaps("08:00", "12:00", "11:00", "13:00")
    assert not missions.overlaps("08:00", "12:00", "12:00", "14:00")
    assert missions.overlaps("09:00", "10:00", "08:00", "18:00")


def test_times_error_and_duration() -> None:
    assert missions.times_error("08:00", "10:30") is None
    assert "HH:MM" in (missions.times_error("9 heures", "10:00") or "")
    assert "« 1000 »" in (missions.times_error("09:00", "1000") or "")
    assert missions.times_error("11:00", "10:00") == "L'heure de fin doit suivre l'heure de début."
    assert missions.times_error("10:00", "10:00") is not None
    assert missions.duration_centi("14:00", "16:00") == 200
    assert missions.duration_centi("08:00", "08:20") == 33  # 20 min = 0.333 h, rounded down
    assert missions.duration_centi("10:00", "09:00") == 0
    assert missions.duration_centi("?", "09:00") == 0


def _text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


_hhmm = st.integers(0, 23 * 60 + 59).map(_text)
# a non-empty range of one day
_range = st.integers(0, 23 * 60 + 58).flatmap(
    lambda start: st.integers(start + 1, 23 * 60 + 59).map(lambda end: (_text(start), _text(end)))
)


@given(_range, _range)
def test_overlap_is_symmetric_and_matches_the_minutes(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    (a, b), (c, d) = first, second
    assert missions.overlaps(a, b, c, d) == missions.overlaps(c, d, a, b)
    span = set(range(missions.minutes(a), missions.minutes(b)))
    other = set(range(missions.minutes(c), missions.minutes(d)))
    assert missions.overlaps(a, b, c, d) == bool(span & other)


@given(_hhmm, _hhmm)
def test_duration_is_the_span_in_hundredths(start: str, end: str) -> None:
    span = max(0, missions.minutes(end) - missions.minutes(start))
    assert missions.duration_centi(start, end) == span * 100 // 60
    assert (missions.times_error(start, end) is None) == (span > 0)


def test_seats_and_labels() -> None:
    assert missions.seat_role(3, 3, 4) == missions.PRESIDENT
    assert missions.seat_role(4, 3, 4) == missions.VICE_PRESIDENT
    assert missions.seat_role(5, 3, None) == missions.MEMBER
    assert missions.role_label("vice_president") == "vice-président"
    assert missions.role_label("autre") == "autre"
    assert missions.kind_label("oral") == "Interrogation orale"
    assert missions.KIND_SHORT["pratique"] == "Pratique"
    assert set(missions.KIND_LABELS) == set(missions.KIND_SHORT) == set(missions.KINDS)
    assert missions.bureau_twice_error("M. X") == (
        "M. X occupe déjà l'autre fonction du bureau de ce jury."
    )


def test_when_text() -> None:
    assert missions.when_text(WEDNESDAY, "08:00-15:00") == "mer. 01/07 08:00-15:00"
    assert missions.when_text(WEDNESDAY + dt.timedelta(days=4)) == "dim. 05/07"
    assert missions.when_text(None, "08:00-12:00") == ""


def test_what_a_mission_covers() -> None:
    assert missions.mission_what(12, 87, 0, None) == "lot 12 (87 copies)"
    assert missions.mission_what(None, 0, 1, None) == "1 candidat"
    assert missions.mission_what(None, 0, 14, 3) == "14 candidats"
    assert missions.mission_what(None, 0, 0, 3) == "jury 3"
    assert missions.mission_what(None, 0, 0, None) == ""


def test_convocation_texts() -> None:
    detail = missions.convocation_detail
    assert detail(4, 30, 0, None, "") == "lot n° 4 — 30 copies"
    assert detail("?", 0, 0, None, "") == "lot n° ? — 0 copies"
    assert detail(None, 0, 2, None, "") == "2 candidats"
    assert detail(None, 0, 0, 7, "vice_president") == "jury n° 7, en qualité de vice-président"
    assert detail(None, 0, 0, None, "") == ""
    assert missions.epreuve_text("PHI", "Philosophie") == "PHI — Philosophie"
    assert missions.epreuve_text("", "Philosophie") == ""
    assert missions.address_text("1 rue de la Paix", "Lyon") == "1 rue de la Paix, Lyon"
    assert missions.address_text("1 rue de la Paix, 69001 LYON", "Lyon") == (
        "1 rue de la Paix, 69001 LYON"
    )
    assert missions.address_text("", "Lyon") == "Lyon"
    assert missions.address_text("1 rue", "") == "1 rue"
    assert missions.replacement_note("Mme Anne MARTIN", WEDNESDAY, "oral") == (
        "Convocation en remplacement de Mme Anne MARTIN pour la mission du 01/07/2026 "
        "(interrogation orale)."
    )


def test_uncovered_missions_and_gaps() -> None:
    def line(kind: str, code: str = "", **kw: object) -> tuple[str, int]:
        fields = {"lot_number": None, "copies": 0, "slots": 0, "jury_number": None, "seat": ""}
        fields.update(kw)
        return missions.uncovered_mission(kind, code, **fields)  # type: ignore[arg-type]

    assert line("correction", "PHI", lot_number=3, copies=87) == (
        "Correction PHI · lot n° 3 (87 copies)",
        87,
    )
    assert line("oral", "GO", slots=1) == ("Oral GO · 1 créneau d'oral", 1)
    assert line("oral", "GO", slots=2) == ("Oral GO · 2 créneaux d'oral", 2)
    assert line("jury", jury_number=5, seat="president") == ("Jury · n° 5 (président)", 0)
    assert line("pratique", "SP1") == ("Pratique SP1 · commission", 0)
    assert line("surveillance") == ("Surveillance · surveillance", 0)
    assert missions.slots_gap_label("GO", 1) == "Oral GO — 1 créneau sans examinateur"
    assert missions.slots_gap_label("GO", 3) == "Oral GO — 3 créneaux sans examinateur"
    assert missions.lots_gap_label("SP1", 2) == "Correction SP1 — 2 lots sans correcteur"
    assert missions.president_gap_label(7) == ("Jury n° 7 — sans président (PU ou MCF à désigner)")
    assert missions.lot_taken_error(3, "NEAR Test") == (
        "Le lot n° 3 est déjà confié à NEAR Test : déclarez son absence pour le remplacer."
    )
    assert missions.slots_taken_error(2) == "2 de ces créneaux ont déjà un examinateur."


def test_short_place() -> None:
    assert missions.short_place("Centre Lycée polyvalent Jean-Monnet") == "Jean-Monnet"
    assert missions.short_place("Lycée hôtelier Léonard-de-Vinci") == "Léonard-de-Vinci"
    assert missions.short_place("Centre d'examen Lycée Ampère") == "Ampère"
    assert missions.short_place("Centre de correction Jean Perrin") == "Jean Perrin"
    assert missions.short_place("Centre Lyon") == "Lyon"
    assert missions.short_place("Université Lyon 2") == "Université Lyon 2"
