"""F2 card, « Notes » tab (issue 20): each épreuve's coefficient and points, the total and what
is missing, so that the office can explain a second group to a parent on the phone. On a base
built from the sample files, on both engines; figures computed by hand from notes.csv."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    ENGINES,
    burst,
    drained,
    engine_database,
    new_base,
    office_screens,
    pin_login,
    settle,
)
from textual.widgets import DataTable, Static

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Candidate
from baktui.screens.candidate_card import CandidateCardScreen
from baktui.services.candidate_card import candidate_card
from baktui.services.imports import run_import
from baktui.services.sessions import open_registre

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
BENALI_INE = "0701234563C"  # notes.csv: 999,8 points for 100 coefficients, EMC 9,81 → 9,9


def build(session_id: int) -> None:
    for kind in ("etablissements", "candidats", "notes"):
        report = run_import(kind, session_id, SAMPLES / f"{kind}.csv")
        assert report.ok, kind


@pytest.fixture(params=ENGINES)
def benali(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[int]:  # fmt: skip
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        build(open_registre(2026).id)
        yield Candidate.get(Candidate.ine == BENALI_INE).id


def test_the_card_gives_coefficients_points_and_what_is_missing(benali: int) -> None:
    card = candidate_card(benali)
    lines = {g.epreuve_code: g for g in card.grades if g.group == 1}
    # coefficient, value, points as a parent would be told them
    assert (lines["GO"].coef, lines["GO"].value, lines["GO"].points) == ("14", "10", "140")
    assert (lines["SP1"].coef, lines["SP1"].points) == ("16", "144")
    # EMC: 9,81 in contrôle continu counts rounded up to the tenth, 9,9 × 2
    assert (lines["EMC"].coef, lines["EMC"].points, lines["EMC"].counted) == ("2", "19,8", "")
    s = card.standing
    assert s is not None
    assert (s.points, s.coefs, s.average, s.decision) == ("999,8", "100", "9,99", "Second groupe")
    assert s.aids[0].startswith("Il manque 0,2 point pour être admis (moyenne 10)")
    assert s.aids[1] == (
        "Au second groupe, une seule épreuve suffit avec au moins : "
        "11 en FR, 11 en PHI, 10 en SP1, 12 en SP2"
    )
    assert sum(1 for g in lines.values() if g.points) == 13


def test_a_second_group_grade_shows_what_is_counted(benali: int) -> None:
    """DUPONT Hugo's FR 12 at the second group replaces FRE 6 and FRO 8: the card says
    « 6 → 12 » beside points of 60, not a 6 that would not give them."""
    from baktui.services.sessions import require_session

    sid = require_session(None).id
    assert run_import("notes", sid, SAMPLES / "notes_second_groupe.csv").ok
    dupont = Candidate.get(Candidate.ine == "0701234564D").id
    lines = {g.epreuve_code: g for g in candidate_card(dupont).grades if g.group == 1}
    assert (lines["FRE"].value, lines["FRE"].counted, lines["FRE"].points) == ("6", "12", "60")
    assert (lines["GO"].counted, lines["GO"].points) == ("", "140")


def test_a_grade_missing_has_no_points_and_the_card_says_incomplete(benali: int) -> None:
    from baktui.data.models import Grade

    Grade.delete().where((Grade.candidate == benali) & (Grade.epreuve_code == "PHI")).execute()
    card = candidate_card(benali)
    phi = next(g for g in card.grades if g.epreuve_code == "PHI")
    assert (phi.coef, phi.value, phi.points, phi.state) == ("4", "", "", "manquante")
    assert card.standing is not None and card.standing.average == ""
    assert card.standing.decision == "Incomplet"


async def test_the_grades_tab_shows_points_at_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office_screens(monkeypatch, tmp_path)
    pin_login(monkeypatch, "gestionnaire")
    path = new_base(tmp_path / "u.sqlite")
    dbmod.open_database(str(path), create=True)
    build(open_registre(2026).id)
    dbmod.close_database()
    app = BaktuiApp(str(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f2", *"benali yas", "down", "enter", "4"])
        await drained(pilot)
        assert isinstance(app.screen, CandidateCardScreen)
        table = app.screen.query_one("#card-grades", DataTable)
        header = [str(c.label) for c in table.columns.values()]
        assert header[:4] == ["Épreuve", "Coef.", "Note", "Points"]
        rows = {str(table.get_row_at(i)[0]).split()[0]: table.get_row_at(i)
                for i in range(table.row_count)}  # fmt: skip
        assert [str(v) for v in rows["EMC"][1:4]] == ["2", "9,9", "19,8"]
        text = str(app.screen.query_one("#card-result", Static).content)
        assert "999,8 points pour 100 coefficients, moyenne 9,99 (Second groupe)" in text
        assert "Il manque 0,2 point pour être admis" in text
    dbmod.close_database()
