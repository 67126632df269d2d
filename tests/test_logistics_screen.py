"""F11 Logistique with Pilot, at 80 × 24, keys sent in bursts (as tmux or SSH delivers them):
the placement and a seat moved by hand, the commissions and a slot moved, the checks opening
what they are about, a member changed, « p » handing over to F8, the home line, and the keys
typed while a list is read waiting for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import burst, copy_base, drained, held, keys_of, new_base, pin_login, settle

from baktui.app import BaktuiApp
from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import Convocation, Examiner, OralCommission, OralSlot, Room
from baktui.screens.home import TODO_ROWS
from baktui.screens.logistics import CHECKS, ORALS, SITTING, TIMETABLE, LogisticsScreen
from baktui.services import logistics_views as views

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample académie, placed, its orals planned (built once per module, closed)."""
    db = new_base(tmp_path_factory.mktemp("logistics") / "bac.sqlite")
    assert main(["--db", str(db), "init"]) == 0
    for kind in LISTS:
        assert main(["--db", str(db), "import", kind, str(SAMPLES / f"{kind}.csv")]) == 0
    assert main(["--db", str(db), "placer"]) == 0
    dbmod.open_database(str(db))
    from baktui.services.settings import set_setting

    set_setting("oraux_GO", "22/06/2026-26/06/2026 ; 08:00-12:00 13:30-17:30 ; créneau 30")
    set_setting("oraux_FRO", "15/06/2026-16/06/2026 ; 08:00-12:00 14:00-18:00 ; créneau 30")
    dbmod.close_database()
    assert main(["--db", str(db), "oraux", "constituer"]) == 0
    assert main(["--db", str(db), "oraux", "planifier"]) == 0
    return db


@pytest.fixture
def base(sample_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = copy_base(sample_file, tmp_path / "bac.sqlite")
    pin_login(monkeypatch, "gestionnaire")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    yield path
    dbmod.close_database()


def screen_text(app: BaktuiApp) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


def notes(app: BaktuiApp) -> str:
    return " ".join(n.message for n in app._notifications)


async def test_a_seat_moved_by_hand_from_the_placement(base: Path) -> None:
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f11"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, LogisticsScreen)
        text = screen_text(app)
        assert "Placement aux écrits" in text and "0690026D" in text and "8/30" in text
        first = screen.rows[0]
        assert isinstance(first, views.SittingRow)
        # Entrée on the first sitting, m on its first candidate, « A102 3 », Entrée: one burst
        burst(app, ["enter", "m", *keys_of("A102 3"), "enter"])
        await drained(pilot)
        assert screen.shown == SITTING
        moved = Convocation.get(
            (Convocation.room == Room.get(Room.name == "A102").id) & (Convocation.seat == 3)
        )
        assert moved.fixed_by_hand and moved.epreuve_code == first.code
        assert "salle A102, place 3" in notes(app) and "fixé à la main" in notes(app)
        # a refusal says why; nothing written
        burst(app, ["m", *keys_of("A101 999"), "enter"])
        await drained(pilot)
        assert "Place 999 refusée : la salle A101 a 30 places" in notes(app)
        burst(app, ["escape"])
        await drained(pilot)
        assert screen.shown == "places"


async def test_a_slot_moved_in_the_commissions_timetable(base: Path) -> None:
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f11", "2"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, LogisticsScreen) and screen.shown == ORALS
        text = screen_text(app)
        assert "Commissions d'oral" in text and "GO" in text and "FRO" in text
        rows = [r for r in screen.rows if isinstance(r, views.CommissionRow)]
        go = next(i for i, r in enumerate(rows) if r.code == "GO")
        com = rows[go]
        # down to it, Entrée, the first slot (taken), m, « 10:00 », Entrée: one burst
        burst(app, [*["down"] * go, "enter", "m", *keys_of("10:00"), "enter"])
        await drained(pilot)
        assert screen.shown == TIMETABLE and screen.commission is not None
        assert screen.commission.id == com.id
        slot = OralSlot.get((OralSlot.commission == com.id) & (OralSlot.start_time == "10:00"))
        assert slot.fixed_by_hand
        assert "le " in notes(app) and "à 10:00, commission n°" in notes(app)
        assert "oui" in screen_text(app)  # « Fixé »


async def test_the_checks_open_what_they_are_about_and_a_member_fixes_it(base: Path) -> None:
    dbmod.open_database(str(base))
    broken = OralCommission.select().where(OralCommission.epreuve_code == "FRO").first()
    OralCommission.update(examiner_b=None).where(OralCommission.id == broken.id).execute()
    fro_teachers = [
        e for e in Examiner.select() if "FRO" in e.disciplines or "FRE" in e.disciplines
    ]
    dbmod.close_database()
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f11", "3"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, LogisticsScreen) and screen.shown == CHECKS
        assert "commission incomplète" in screen_text(app)
        assert f"n° {broken.number}" in screen_text(app) and ": 1 membre sur 2" in screen_text(app)
        burst(app, ["enter"])
        await drained(pilot)
        assert screen.shown == TIMETABLE and screen.commission is not None
        assert screen.commission.id == broken.id
        for teacher in fro_teachers:  # the first one the rules accept
            burst(app, ["e", *keys_of(f"b {teacher.identifier}"), "enter"])
            await drained(pilot)
            if OralCommission.get_by_id(broken.id).examiner_b_id:
                break
        assert OralCommission.get_by_id(broken.id).examiner_b_id is not None
        burst(app, ["3"])
        await drained(pilot)
        assert "Aucune anomalie" in screen_text(app)


async def test_p_hands_over_to_f8_and_the_home_line_opens_the_checks(base: Path) -> None:
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = next(i for i, row in enumerate(TODO_ROWS) if row.mode == "logistics")
        burst(app, [*["down"] * line, "enter"])
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, LogisticsScreen) and screen.shown == CHECKS
        burst(app, ["2", "p"])
        await drained(pilot)
        assert app.current_mode == "documents"
        text = screen_text(app)
        assert "Listes de déroulement des oraux" in text
        documents = app.screen
        assert documents._entry_key() == "liste_deroulement"  # type: ignore[attr-defined]
        scope = documents._scope()  # type: ignore[attr-defined]
        assert scope.kind == "centre" and f"— centre {scope.key} : " in text
        assert "documents, " in text or "1 document, " in text


async def test_keys_typed_while_the_commissions_are_read_wait_for_them(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = held(monkeypatch, views, "commissions")
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f11"])
        await drained(pilot)
        burst(app, ["2", "down", "enter"])  # the list is not there yet when « down » comes
        await pilot.pause(0.2)
        gate.set()
        await drained(pilot)
        screen = app.screen
        assert isinstance(screen, LogisticsScreen) and screen.shown == TIMETABLE
        second = views.commissions(app.session.id).rows[1]
        assert screen.commission is not None and screen.commission.id == second.id
