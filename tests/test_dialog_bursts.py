"""Issue 17: every form and dialog of the app takes a burst of keys typed with no pause (as
``tmux send-keys`` or an SSH read delivers them), starting with the key that opens it, and what
was saved (or what the dialog chose) is what was typed.

One case per dialog: ``prepare`` runs on the base before the app starts (the records the case
needs) and returns what the case uses; the case drives the app, sends ONE burst from the key
that opens the dialog to the key that answers it, waits until every key was handled, and checks
the base. The dialogs already covered elsewhere are listed in :data:`ELSEWHERE`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    HELENE_INE,
    burst,
    copy_base,
    drained,
    keys_of,
    pin_login,
    register_helene,
    settle,
)
from textual.pilot import Pilot

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.demo import DemoSummary
from baktui.services.sessions import current_session

LOGIN = "gestionnaire"


@dataclass
class Run:
    """One case's app, pilot and the facts its ``prepare`` found."""

    app: BaktuiApp
    pilot: Pilot[None]
    facts: dict[str, Any]
    out: Path

    async def burst(self, *keys: str) -> None:
        """Post every key at once, then wait until each was handled and its workers ended."""
        burst(self.app, list(keys))
        await drained(self.pilot)

    @property
    def screen(self) -> Any:
        return self.app.screen

    def text(self) -> str:
        return "\n".join(s.text for s in self.app.screen._compositor.render_strips())

    def notices(self) -> str:
        return "\n".join(n.message for n in self.app._notifications)


Prepare = Callable[[int, Path], dict[str, Any]]
Drive = Callable[[Run], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    drive: Drive
    prepare: Prepare | None = None
    size: tuple[int, int] = (80, 24)
    extra: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {}


def case(name: str, *, prepare: Prepare | None = None) -> Callable[[Drive], Drive]:
    def register(drive: Drive) -> Drive:
        assert name not in CASES, name
        CASES[name] = Case(drive, prepare)
        return drive

    return register


def text(value: str) -> list[str]:
    return keys_of(value)


@pytest.fixture
def base(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    pin_login(monkeypatch, LOGIN)
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "out"))
    yield path
    dbmod.close_database()


# --- F2 Recherche, fiche du candidat ----------------------------------------------------------

HELENE = ["f2", *keys_of("helene lefev"), "enter"]  # the search, then her card


def _helene(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Candidate

    register_helene(session_id)
    candidate = Candidate.get(Candidate.ine == HELENE_INE)
    Candidate.update(birth_date=dt.date(2008, 6, 12)).where(Candidate.id == candidate.id).execute()
    return {"candidate": candidate.id}


def _helene_transferred(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Candidate
    from baktui.services.registration_states import transfer

    facts = _helene(session_id, folder)
    version = Candidate.get_by_id(facts["candidate"]).version
    transfer(facts["candidate"], "Grenoble", expected_version=version)
    return facts


def _helene_phone_changed(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Candidate
    from baktui.services.candidate_contact import update_contact

    facts = _helene(session_id, folder)
    version = Candidate.get_by_id(facts["candidate"]).version
    update_contact(facts["candidate"], {"phone": "0699999999"}, expected_version=version)
    return facts


@case("F2 e: the registration's state (list, then confirmation)", prepare=_helene)
async def _f2_state(run: Run) -> None:
    from baktui.data.models import Candidate
    from baktui.rules.lifecycles import REGISTRATION

    before = Candidate.get_by_id(run.facts["candidate"]).state
    first = REGISTRATION.next_states(before)[0].value
    await run.burst(*HELENE, "e", "enter", "o")
    assert Candidate.get_by_id(run.facts["candidate"]).state == first != before


@case("F2 t: transfer to another académie (its name)", prepare=_helene)
async def _f2_transfer(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst(*HELENE, "t", *text("Grenoble"), "enter")
    assert Candidate.get_by_id(run.facts["candidate"]).transferred_to == "Grenoble"


@case("F2 t: cancel a transfer (confirmation)", prepare=_helene_transferred)
async def _f2_cancel_transfer(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst(*HELENE, "t", "o")
    assert Candidate.get_by_id(run.facts["candidate"]).transferred_to == ""


@case("F2 a: undo a change from the history (confirmation)", prepare=_helene_phone_changed)
async def _f2_revert(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst(*HELENE, "6", "a", "o")
    assert Candidate.get_by_id(run.facts["candidate"]).phone == "0612345678"


@case("F2 c then a: the contact changed, then undone, in one burst", prepare=_helene)
async def _f2_contact_then_revert(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst(*HELENE, "c", "ctrl+u", *text("0798765432"), "ctrl+s", "6", "a", "o")
    assert Candidate.get_by_id(run.facts["candidate"]).phone == "0612345678"


@case("F2 m: the registration form from the card (a field, Ctrl+S)", prepare=_helene)
async def _f2_form(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst(*HELENE, "m", "tab", "tab", "ctrl+u", *text("Hélène-Marie"), "tab",
                    *text("12/06/2008"), "ctrl+s")  # fmt: skip
    saved = Candidate.get_by_id(run.facts["candidate"])
    assert (saved.first_name, saved.birth_date) == ("Hélène-Marie", dt.date(2008, 6, 12))


@case("F2 m then Échap: « abandon the changes? » answered yes", prepare=_helene)
async def _f2_form_abandoned(run: Run) -> None:
    from baktui.data.models import Candidate
    from baktui.screens.candidate_card import CandidateCardScreen

    await run.burst(*HELENE, "m", "tab", "tab", "ctrl+u", *text("Autre"), "escape", "o")
    assert isinstance(run.screen, CandidateCardScreen)
    assert Candidate.get_by_id(run.facts["candidate"]).first_name == "Hélène"


# --- F3 Inscriptions --------------------------------------------------------------------------


def _an_etablissement(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Etablissement

    return {"uai": Etablissement.select().order_by(Etablissement.uai).first().uai}


@case("F3 n: a new registration typed whole (fields, lists, Ctrl+S)", prepare=_an_etablissement)
async def _f3_new(run: Run) -> None:
    from baktui.data.models import Candidate

    def choose(letters: str) -> list[str]:  # a drop-down: open, type the start, choose
        return ["enter", *text(letters), "enter"]

    await run.burst(
        "f3", "n", *text("987654321AB"), "tab", *text("Garnier"), "tab", *text("Zoé"), "tab",
        *text("03/04/2008"), "tab", *text("Lyon"), "tab", *choose("f"), "tab", "tab",
        *text(run.facts["uai"]), "tab", "tab", *choose("stmg"), "tab", *choose("g"), "tab",
        *choose("ang"), "tab", *choose("esp"), "ctrl+s",
    )  # fmt: skip
    saved = Candidate.get(Candidate.ine == "987654321AB")
    assert (saved.last_name, saved.first_name, saved.sex, saved.birth_place) == (
        "Garnier", "Zoé", "F", "Lyon"
    )  # fmt: skip
    assert (saved.series, saved.sub_choice, saved.lva, saved.lvb) == ("STMG", "GF", "ANG", "ESP")


@case("F3 p: the confirmations of every individual candidate (confirmation)")
async def _f3_print_all(run: Run) -> None:
    from baktui.data.models import Document

    before = Document.select().count()
    await run.burst("f3", "p", "o")
    for _ in range(100):
        if Document.select().count() > before:
            break
        await run.pilot.pause(0.05)
    assert Document.select().count() > before


def _a_lvb_missing(session_id: int, folder: Path) -> dict[str, Any]:
    """Hélène without her LVB: her anomaly's place in the list F3 shows after « c »."""
    from baktui.data.models import Candidate
    from baktui.services.registration_checks import run_checks

    facts = _helene(session_id, folder)
    Candidate.update(lvb="").where(Candidate.id == facts["candidate"]).execute()
    report = run_checks(session_id)
    rows = report.of_kind(None)
    index = next(
        i for i, a in enumerate(rows) if a.candidate_id == facts["candidate"] and a.field == "lvb"
    )
    return {**facts, "to_anomaly": ["plus"] * (index // 100) + ["down"] * (index % 100)}


@case("F3 c, ↓…, Entrée: the form at the faulty field (a list, Ctrl+S)", prepare=_a_lvb_missing)
async def _f3_anomaly(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst("f3", "c", *run.facts["to_anomaly"], "enter", "enter", *text("esp"), "enter",
                    "ctrl+s")  # fmt: skip
    assert Candidate.get_by_id(run.facts["candidate"]).lvb == "ESP"


def _twins(session_id: int, folder: Path) -> dict[str, Any]:
    """Hélène registered twice (two INEs): the probable duplicate's place in the list."""
    from baktui.data.models import Candidate, Etablissement
    from baktui.services.registration import CandidateData, register_candidate
    from baktui.services.registration_checks import run_checks

    etab = Etablissement.select().first().id
    ids = [
        register_candidate(
            session_id,
            CandidateData(
                ine=ine,
                last_name="Lefèvre",
                first_name="Hélène",
                sex="F",
                birth_date=dt.date(2008, 6, 12),
                series="STMG",
                sub_choice="GF",
                lva="ANG",
                lvb="ESP",
                etablissement_id=etab,
                phone=phone,
            ),
        )  # fmt: skip
        for ine, phone in (("123456789AB", "0612345678"), ("123456789AC", ""))
    ]
    rows = run_checks(session_id).of_kind(None)
    index = next(i for i, a in enumerate(rows) if a.related and a.candidate_id in ids)
    anomaly = rows[index]
    keep = anomaly.candidate_id
    drop = anomaly.related[0]
    assert {keep, drop} == set(ids)
    assert Candidate.get_by_id(drop).state != "annulee"
    return {"keep": keep, "drop": drop, "to_anomaly": ["down"] * index}


@case("F3 a probable duplicate: 1, the reason, o (merged)", prepare=_twins)
async def _f3_merge(run: Run) -> None:
    from baktui.data.models import AuditLog, Candidate

    await run.burst("f3", "c", *run.facts["to_anomaly"], "enter", "1",
                    *text("INE saisi deux fois"), "enter", "o")  # fmt: skip
    assert Candidate.get_by_id(run.facts["drop"]).state == "annulee"
    entry = AuditLog.get(
        (AuditLog.action == "merge") & (AuditLog.entity_id == str(run.facts["drop"]))
    )
    assert "INE saisi deux fois" in entry.reason


# --- F4 Notes ---------------------------------------------------------------------------------


def _a_lot(session_id: int, folder: Path) -> dict[str, Any]:
    """A distributed lot, an examiner who may correct it (teaches in none of its copies'
    lycées), typed by his name."""
    from baktui.data.models import Anonymat, Candidate, Examiner, Lot
    from baktui.rules.examiners import teaches

    lot = Lot.select().where(Lot.state == "distribue").order_by(Lot.number).first()
    etabs = {
        etab
        for (etab,) in Candidate.select(Candidate.etablissement)
        .join(Anonymat, on=(Anonymat.candidate == Candidate.id))
        .where(Anonymat.lot == lot.id)
        .tuples()
    }
    free = next(
        e
        for e in Examiner.select().where(Examiner.active == True).order_by(Examiner.id)  # noqa: E712
        if teaches(e.disciplines, lot.epreuve_code, ()) and e.id != lot.correcteur_id
        and e.etablissement_id not in etabs
        and Examiner.select().where(Examiner.name_key == e.name_key).count() == 1
    )  # fmt: skip
    return {"lot": lot.id, "number": str(lot.number), "examiner": free.id, "name": free.name_key}


@case("F4 Ctrl+E: the lot's correcteur (picker: name, ↓, Entrée)", prepare=_a_lot)
async def _f4_correcteur(run: Run) -> None:
    from baktui.data.models import Lot

    await run.burst("f4", *run.facts["number"], "enter", "ctrl+e", "ctrl+u",
                    *text(run.facts["name"]), "down", "enter")  # fmt: skip
    assert Lot.get_by_id(run.facts["lot"]).correcteur_id == run.facts["examiner"]


async def test_a_key_on_its_way_as_the_slip_arrives_goes_behind_the_keys_given_back(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race CI met once in 1,376 runs: the slip is shown (the grid gives back to the app
    the keys it kept, from Ctrl+E on) while the next key, « p », is already on its way to the
    grid. « p » must go behind them, into the picker, not be taken by the slip first."""
    from textual.events import Key

    from baktui.data.models import Lot
    from baktui.widgets.grade_grid import GradeGrid

    dbmod.open_database(str(base))
    info = current_session()
    assert info is not None
    facts = _a_lot(info.id, tmp_path)
    dbmod.close_database()
    name = facts["name"]
    on_key = GradeGrid.on_key
    raced: list[str] = []

    def slip_arrives_first(grid: GradeGrid, event: Key) -> None:
        if grid._loading and event.character == name[2] and not raced:
            raced.append(event.key)
            grid.release()  # the slip is shown after « p » was sent, before the grid reads it
        on_key(grid, event)

    monkeypatch.setattr(GradeGrid, "on_key", slip_arrives_first)
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f4", *facts["number"], "enter"])
        await drained(pilot)
        app.screen.query_one(GradeGrid).hold()  # a slip being read: the grid keeps the keys
        burst(app, ["ctrl+e", "ctrl+u", *text(name), "down", "enter"])
        await drained(pilot)
    assert raced
    assert Lot.get_by_id(facts["lot"]).correcteur_id == facts["examiner"]


@case("F4 Ctrl+B: the slips of lots typed (PDF)", prepare=_a_lot)
async def _f4_slips(run: Run) -> None:
    number = run.facts["number"]
    await run.burst("f4", *number, "enter", "ctrl+b", "ctrl+u", *text(f"{number},{number}"),
                    "enter")  # fmt: skip
    for _ in range(100):
        if list(run.out.glob("*.pdf")):
            break
        await run.pilot.pause(0.05)
    assert [p.name for p in run.out.glob("*.pdf")], run.notices()


def _helene_without_numbers(session_id: int, folder: Path) -> dict[str, Any]:
    return _helene(session_id, folder)


@case("F4 Ctrl+L: number the copies and make the lots (confirmation, report closed)",
      prepare=_helene_without_numbers)  # fmt: skip
async def _f4_constitute(run: Run) -> None:
    from baktui.data.models import Anonymat
    from baktui.screens.grade_entry import GradeEntryScreen

    await run.burst("f4", "ctrl+l", "o", "escape")
    assert Anonymat.select().where(Anonymat.candidate == run.facts["candidate"]).count() > 0
    assert isinstance(run.screen, GradeEntryScreen)


def _grades_file(session_id: int, folder: Path) -> dict[str, Any]:
    """A copy of a distributed lot (no grade yet) and a file that gives its grade."""
    from baktui.data.models import Anonymat, Lot

    copy = (
        Anonymat.select()
        .join(Lot, on=(Anonymat.lot == Lot.id))
        .where(Lot.state == "distribue")
        .order_by(Anonymat.id)
        .first()
    )
    path = folder / "notes.csv"
    path.write_text(
        f"ine;epreuve;note\n{copy.candidate.ine};{copy.epreuve_code};13\n", encoding="utf-8"
    )
    return {"candidate": copy.candidate_id, "epreuve": copy.epreuve_code, "file": str(path)}


@case("F4 Ctrl+G then i: a file of grades imported, its report closed", prepare=_grades_file)
async def _f4_missing_import(run: Run) -> None:
    from baktui.data.models import Grade
    from baktui.screens.missing_grades import MissingGradesScreen

    await run.burst("f4", "ctrl+g", "i", *text(run.facts["file"]), "enter", "escape")
    grade = Grade.get(
        (Grade.candidate == run.facts["candidate"])
        & (Grade.epreuve_code == run.facts["epreuve"]) & (Grade.group == 1)
    )  # fmt: skip
    assert grade.value_centi == 1300
    assert isinstance(run.screen, MissingGradesScreen)


# --- F5 Jurys et examinateurs ------------------------------------------------------------------


def _oral_examiner(session_id: int, folder: Path) -> dict[str, Any]:
    """An examiner with an oral mission to come, found by his name; the day of the mission."""
    from baktui.data.models import Assignment, Examiner
    from baktui.rules.lifecycles import ASSIGNMENT_ACTIVE

    for mission in (
        Assignment.select()
        .where(Assignment.state.in_(ASSIGNMENT_ACTIVE) & (Assignment.kind == "oral"))
        .order_by(Assignment.id)
    ):
        examiner = Examiner.get_by_id(mission.examiner_id)
        if Examiner.select().where(Examiner.name_key == examiner.name_key).count() == 1:
            return {
                "examiner": examiner.id,
                "name": examiner.name_key,
                "day": mission.day,
                "mission": mission.id,
            }
    raise AssertionError("no oral mission in the demo")


def _absence_of(run: Run) -> Any:
    from baktui.data.models import Absence

    return Absence.get_or_none(
        (Absence.examiner == run.facts["examiner"]) & (Absence.day == run.facts["day"])
    )


@case("F5 e, a name, a: the absence (date, reason)", prepare=_oral_examiner)
async def _f5_absence(run: Run) -> None:
    await run.burst("f5", "e", *text(run.facts["name"]), "enter", "a", "shift+tab",
                    *text(run.facts["day"].strftime("%d/%m/%Y")), "tab", *text("arrêt maladie"),
                    "enter")  # fmt: skip
    absence = _absence_of(run)
    assert absence is not None and absence.reason == "arrêt maladie"


@case("F5 a on the board: the picker (name, ↓, Entrée), then the absence", prepare=_oral_examiner)
async def _f5_absence_picked(run: Run) -> None:
    await run.burst("f5", "a", *text(run.facts["name"]), "down", "enter", "shift+tab",
                    *text(run.facts["day"].strftime("%d/%m/%Y")), "tab", *text("malade"),
                    "enter")  # fmt: skip
    absence = _absence_of(run)
    assert absence is not None and absence.reason == "malade"


@case("F5 a then the replacement it opens: Entrée, o", prepare=_oral_examiner)
async def _f5_absence_then_replacement(run: Run) -> None:
    from baktui.data.models import Assignment

    await run.burst("f5", "e", *text(run.facts["name"]), "enter", "a", "shift+tab",
                    *text(run.facts["day"].strftime("%d/%m/%Y")), "tab", *text("malade"),
                    "enter", "enter", "o")  # fmt: skip
    assert Assignment.get_by_id(run.facts["mission"]).state == "remplacee"
    assert Assignment.get_or_none(Assignment.replaces == run.facts["mission"]) is not None


@case("F5 Entrée on a need: the replacement, Entrée, o")
async def _f5_replacement(run: Run) -> None:
    from baktui.data.models import Assignment

    before = Assignment.select().where(Assignment.replaces.is_null(False)).count()
    await run.burst("f5", "enter", "enter", "o")
    assert Assignment.select().where(Assignment.replaces.is_null(False)).count() == before + 1


@case("F5 n: convene to a mission (nature, date, hours, épreuve)", prepare=_oral_examiner)
async def _f5_convene(run: Run) -> None:
    from baktui.data.models import Assignment

    await run.burst("f5", "e", *text(run.facts["name"]), "enter", "n", "shift+tab", "enter",
                    *text("su"), "enter", "tab", *text("03/07/2026"), "tab", *text("14:00"),
                    "tab", *text("16:30"), "tab", *text("phi"), "tab", "tab", "enter")  # fmt: skip
    row = Assignment.get_or_none(
        (Assignment.examiner == run.facts["examiner"]) & (Assignment.kind == "surveillance")
    )
    assert row is not None, run.text()
    assert (row.day, row.start_time, row.end_time, row.epreuve_code) == (
        dt.date(2026, 7, 3), "14:00", "16:30", "PHI"
    )  # fmt: skip


@case("F5 i: availabilities (date, o/n, Entrée, twice)", prepare=_oral_examiner)
async def _f5_availability(run: Run) -> None:
    from baktui.data.models import Availability

    await run.burst("f5", "e", *text(run.facts["name"]), "enter", "i", *text("29/06/2026"),
                    "enter", "n", "enter", *text("30/06/2026"), "enter", "o", "enter")  # fmt: skip
    rows = {
        a.day: a.available
        for a in Availability.select().where(Availability.examiner == run.facts["examiner"])
    }
    assert rows == {dt.date(2026, 6, 29): False, dt.date(2026, 6, 30): True}


def _first_jury(session_id: int, folder: Path) -> dict[str, Any]:
    """The first jury of the list, an examiner free to preside it, another to sit in it."""
    from baktui.data.models import Examiner, Jury, JuryMember
    from baktui.services.missions import concerned_of

    jury = Jury.select().where(Jury.session == session_id).order_by(Jury.number).first()
    concerned, _ = concerned_of(jury_id=jury.id)
    members = {m.examiner_id for m in JuryMember.select().where(JuryMember.jury == jury.id)}
    taken = {jury.president_id, jury.vice_president_id} | members

    def free(corps: tuple[str, ...], *other: int) -> Examiner:
        for e in Examiner.select().where(Examiner.corps.in_(corps)).order_by(Examiner.id):
            if (
                e.id not in taken | set(other) and e.etablissement_id not in concerned
                and Examiner.select().where(Examiner.name_key == e.name_key).count() == 1
            ):  # fmt: skip
                return e
        raise AssertionError(f"no free examiner of {corps}")

    president = free(("PU", "MCF"))
    member = free(("CERTIFIE", "AGREGE"), president.id)
    return {
        "jury": jury.id,
        "president": president.id,
        "president_name": president.name_key,
        "member": member.id,
        "member_name": member.name_key,
    }


@case("F5 j p then m: the président, then a member, in one burst", prepare=_first_jury)
async def _f5_bureau(run: Run) -> None:
    from baktui.data.models import Jury, JuryMember

    await run.burst("f5", "j", "p", *text(run.facts["president_name"]), "down", "enter",
                    "m", *text(run.facts["member_name"]), "down", "enter")  # fmt: skip
    assert Jury.get_by_id(run.facts["jury"]).president_id == run.facts["president"]
    assert JuryMember.get_or_none(
        (JuryMember.jury == run.facts["jury"]) & (JuryMember.examiner == run.facts["member"])
    ) is not None, run.notices()  # fmt: skip


def _candidates_without_jury(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Candidate

    ids = [c.id for c in Candidate.select().order_by(Candidate.id).limit(3)]
    Candidate.update(jury=None).where(Candidate.id.in_(ids)).execute()
    return {"candidates": ids}


@case("F5 j t: the distribution into juries (confirmation)", prepare=_candidates_without_jury)
async def _f5_distribution(run: Run) -> None:
    from baktui.data.models import Candidate

    await run.burst("f5", "j", "t", "o")
    placed = Candidate.select().where(Candidate.id.in_(run.facts["candidates"]))
    assert all(c.jury_id is not None for c in placed)


@case("F5 j c: the convocations of the jury's members (choice)")
async def _f5_convocations(run: Run) -> None:
    from baktui.data.models import Document

    await run.burst("f5", "j", "c", "enter")
    for _ in range(100):
        if Document.select().where(Document.kind == "convocation_examinateur").exists():
            break
        await run.pilot.pause(0.05)
    assert Document.select().where(Document.kind == "convocation_examinateur").exists()


@case("F5 j l: the lists of the juries, one centre (choice)")
async def _f5_lists(run: Run) -> None:
    from baktui.data.models import Document

    await run.burst("f5", "j", "l", "down", "enter")
    for _ in range(100):
        if Document.select().where(Document.kind == "liste_jurys").exists():
            break
        await run.pilot.pause(0.05)
    assert Document.select().where(Document.kind == "liste_jurys").count() == 2  # PDF, Excel


# --- F6 Frais ---------------------------------------------------------------------------------


def _queue(session_id: int, states: tuple[str, ...]) -> list[Any]:
    from baktui.services import claims

    return list(claims.queue(session_id, states=states, limit=100).rows)


def _claims_to_validate(session_id: int, folder: Path) -> dict[str, Any]:
    rows = _queue(session_id, ("service_fait",))
    clean = next(i for i, row in enumerate(rows) if not row.unconfirmed)
    return {"index": clean, "claim": rows[clean].id}


@case("F6 v: validate a claim (confirmation)", prepare=_claims_to_validate)
async def _f6_validate(run: Run) -> None:
    from baktui.data.models import ExpenseClaim

    await run.burst("f6", *["n"] * run.facts["index"], "v", "o")
    claim = ExpenseClaim.get_by_id(run.facts["claim"])
    assert (claim.state, claim.validated_by) == ("validee", LOGIN)


@case("F6 r: reject a claim (reason)", prepare=_claims_to_validate)
async def _f6_reject(run: Run) -> None:
    from baktui.data.models import ExpenseClaim

    await run.burst("f6", *["n"] * run.facts["index"], "r", *text("hors délai de déclaration"),
                    "enter")  # fmt: skip
    claim = ExpenseClaim.get_by_id(run.facts["claim"])
    assert (claim.state, claim.reject_reason) == ("rejetee", "hors délai de déclaration")


def _meal_line(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.services import claims

    for index, row in enumerate(_queue(session_id, ("service_fait",))):
        lines = claims.claim_detail(row.id).lines
        meal = next((i for i, line in enumerate(lines) if line.kind == "meal"), None)
        if meal is not None:
            return {"index": index, "claim": row.id, "row": meal, "line": lines[meal].id}
    raise AssertionError("no meal line in the demo's claims")


@case("F6 c: correct a line (fields, reason)", prepare=_meal_line)
async def _f6_correct(run: Run) -> None:
    from baktui.data.models import AuditLog, ExpenseLine

    await run.burst("f6", *["n"] * run.facts["index"], "tab", *["down"] * run.facts["row"],
                    "c", "ctrl+u", "2", "tab", "tab", *text("deux repas"), "enter")  # fmt: skip
    line = ExpenseLine.get_by_id(run.facts["line"])
    assert line.quantity_centi == 200
    entry = (
        AuditLog.select()
        .where((AuditLog.entity == "expense_line") & (AuditLog.entity_id == str(line.id)))
        .order_by(AuditLog.id.desc())
        .first()
    )
    assert entry is not None and "deux repas" in entry.reason


def _declared_claim(session_id: int, folder: Path) -> dict[str, Any]:
    return {"claim": _queue(session_id, ("declaree",))[0].id}


@case("F6 f then s: the list chosen, then the service fait (confirmation)",
      prepare=_declared_claim)  # fmt: skip
async def _f6_service_fait(run: Run) -> None:
    from baktui.data.models import ExpenseClaim

    await run.burst("f6", "f", "down", "enter", "s", "o")
    assert run.screen.filter_key == "declaree"
    assert ExpenseClaim.get_by_id(run.facts["claim"]).state == "service_fait"


IDENTIFIER = "EX9001"


def _unclaimed_examiner(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Assignment, ClaimMission, Examiner, ExpenseClaim
    from baktui.rules.lifecycles import ASSIGNMENT_CLOSED, CLAIM_LIVE

    covered = (
        ClaimMission.select(ClaimMission.assignment)
        .join(ExpenseClaim)
        .where(ExpenseClaim.state.in_(CLAIM_LIVE))
    )
    examiner_id = (
        Assignment.select(Assignment.examiner)
        .where(Assignment.state.not_in(ASSIGNMENT_CLOSED) & Assignment.id.not_in(covered))
        .order_by(Assignment.examiner)
        .first()
        .examiner_id
    )
    Examiner.update(identifier=IDENTIFIER).where(Examiner.id == examiner_id).execute()
    return {"examiner": examiner_id}


@case("F6 Ctrl+N: declare a claim (examiner, origin, meals)", prepare=_unclaimed_examiner)
async def _f6_new_claim(run: Run) -> None:
    from baktui.data.models import ExpenseClaim

    await run.burst("f6", "ctrl+n", *text(IDENTIFIER.lower()), "tab", "enter", "down", "enter",
                    "tab", "ctrl+u", "2", "enter")  # fmt: skip
    (claim,) = ExpenseClaim.select().where(ExpenseClaim.examiner == run.facts["examiner"])
    lines = list(claim.lines)
    assert claim.state == "declaree" and lines
    assert {line.origin for line in lines if line.kind == "car"} <= {"family"}
    assert {line.quantity_centi for line in lines if line.kind == "meal"} == {200}


@case("F6 l: add a line (date, nature, quantity)", prepare=_claims_to_validate)
async def _f6_add_line(run: Run) -> None:
    from baktui.data.models import ExpenseLine

    last = ExpenseLine.select().order_by(ExpenseLine.id.desc()).first().id
    await run.burst("f6", *["n"] * run.facts["index"], "l", "ctrl+u", *text("17/06/2026"), "tab",
                    "enter", *["down"] * 6, "enter", "tab", "3", "enter")  # fmt: skip
    added = ExpenseLine.select().where(ExpenseLine.id > last)
    assert [(li.claim_id, li.kind, str(li.day), li.quantity_centi) for li in added] == [
        (run.facts["claim"], "copies", "2026-06-17", 300)
    ]


def _claims_file(session_id: int, folder: Path) -> dict[str, Any]:
    facts = _unclaimed_examiner(session_id, folder)
    path = folder / "frais.csv"
    path.write_text(
        f"examinateur;date;nature;montant;justificatif\n{IDENTIFIER};16/06/2026;Péage;7,40;oui\n",
        encoding="utf-8",
    )
    return {**facts, "file": str(path)}


@case("F6 i: import a file of claims (path, then its report closed)", prepare=_claims_file)
async def _f6_import(run: Run) -> None:
    from baktui.data.models import ExpenseClaim
    from baktui.screens.expenses import ExpensesScreen

    await run.burst("f6", "i", *text(run.facts["file"]), "enter", "escape")
    (claim,) = ExpenseClaim.select().where(ExpenseClaim.examiner == run.facts["examiner"])
    assert [(line.kind, line.declared_centi) for line in claim.lines] == [("toll", 740)]
    assert isinstance(run.screen, ExpensesScreen) and run.screen.filter_key == "declaree"


@case("F6 e: the payment file, then « mises en paiement » (confirmation)",
      prepare=_claims_to_validate)  # fmt: skip
async def _f6_payment(run: Run) -> None:
    from baktui.data.models import ExpenseClaim

    await run.burst("f6", *["n"] * run.facts["index"], "v", "o", "e", "enter", "o")
    assert ExpenseClaim.get_by_id(run.facts["claim"]).state == "mise_en_paiement"


@case("F6 a: the ageing of claims, closed by Échap")
async def _f6_ageing(run: Run) -> None:
    from baktui.screens.expenses import ExpensesScreen

    await run.burst("f6", "a", "escape")
    assert isinstance(run.screen, ExpensesScreen)


# --- F7 Délibération --------------------------------------------------------------------------


def _deliberated(session_id: int, folder: Path, decision: str = "SECOND_GROUPE") -> dict[str, Any]:
    """The session deliberated; a candidate of that decision whom raising one épreuve lets
    pass, and the keys that open his jury (F7, 2, ↓…, Entrée) and him (↓…, Entrée)."""
    from test_jury_deliberation import _raisable

    from baktui.services.deliberation import deliberate_session

    deliberate_session(session_id)
    cid, code, grade = _raisable(session_id, decision)
    return {"candidate": cid, "code": code, "grade": grade, **_keys_to(session_id, cid)}


def _keys_to(session_id: int, cid: int) -> dict[str, Any]:
    """The keys that open the candidate's jury, then him, as the lists stand now."""
    from baktui.data.models import Candidate
    from baktui.services import jury_deliberation as jd

    jury_id = Candidate.get_by_id(cid).jury_id
    juries = [j.id for j in jd.juries_of(session_id)]
    to_jury = ["f7", "2", *["down"] * juries.index(jury_id), "enter"]
    pages, offset = [], 0
    while True:
        ids = [line.candidate_id for line in jd.jury_page(session_id, jury_id, "average",
                                                          offset).lines]  # fmt: skip
        if cid in ids:
            break
        pages.append("plus")
        offset += jd.PAGE_SIZE
    to_candidate = [*to_jury, *pages, *["down"] * ids.index(cid), "enter"]
    return {"jury": jury_id, "to_jury": to_jury, "to_candidate": to_candidate}


def _jury_closed(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.services import jury_deliberation as jd

    facts = _deliberated(session_id, folder)
    jd.close_jury(session_id, facts["jury"])
    return facts


def _jury_published(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.services import jury_deliberation as jd
    from baktui.services.publication import publish

    facts = _deliberated(session_id, folder)
    jd.close_jury(session_id, facts["jury"])
    publish(session_id, _jury_number(facts["jury"]), False)
    return facts


def _jury_number(jury_id: int) -> int:
    from baktui.data.models import Jury

    return Jury.get_by_id(jury_id).number


def _points_given(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.services import jury_deliberation as jd

    facts = _deliberated(session_id, folder)
    jd.give_points(session_id, facts["candidate"], facts["code"], facts["grade"], "harmonisation")
    facts.update(_keys_to(session_id, facts["candidate"]))  # his average changed: his place too
    detail = jd.candidate_deliberation(session_id, facts["candidate"])
    facts["line"] = [line.code for line in detail.lines].index(facts["code"])
    return facts


def _second_group_chosen(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.services import jury_deliberation as jd

    facts = _deliberated(session_id, folder)
    jd.set_second_group(session_id, facts["candidate"], "PHI")
    return facts


@case("F7 o: reopen a closed jury (the président's reason)", prepare=_jury_closed)
async def _f7_reopen(run: Run) -> None:
    from baktui.data.models import Jury

    await run.burst(*run.facts["to_jury"], "o", *text("erreur signalée par le centre"), "enter")
    assert Jury.get_by_id(run.facts["jury"]).closed_group == 0


@case("F7 v: the PV of the first group (choice)", prepare=_deliberated)
async def _f7_pv(run: Run) -> None:
    from baktui.data.models import Document

    before = Document.select().count()
    await run.burst(*run.facts["to_jury"], "v", "enter")
    for _ in range(100):
        if Document.select().count() > before:
            break
        await run.pilot.pause(0.05)
    assert Document.select().count() > before, run.notices()


@case("F7 j: jury points (épreuve, grade, reason)", prepare=_deliberated)
async def _f7_points(run: Run) -> None:
    from baktui.data.models import JuryPoint, Result

    code, grade = run.facts["code"], run.facts["grade"]
    await run.burst(*run.facts["to_candidate"], "j", *text(f"{code} {grade} harmonisation"),
                    "enter")  # fmt: skip
    point = JuryPoint.get(JuryPoint.candidate == run.facts["candidate"])
    assert (point.epreuve_code, point.reason) == (code, "harmonisation")
    assert Result.get(Result.candidate == run.facts["candidate"]).decision == "ADMIS"


@case("F7 x: undo jury points (reason)", prepare=_points_given)
async def _f7_undo_points(run: Run) -> None:
    from baktui.data.models import JuryPoint

    await run.burst(*run.facts["to_candidate"], *["down"] * run.facts["line"], "x",
                    *text("erreur de saisie"), "enter")  # fmt: skip
    assert not JuryPoint.select().where(JuryPoint.candidate == run.facts["candidate"]).exists()


@case("F7 g: the second group's subjects", prepare=_deliberated)
async def _f7_second_group(run: Run) -> None:
    from baktui.data.models import Grade

    await run.burst(*run.facts["to_candidate"], "g", *text("phi sp1"), "enter")
    chosen = Grade.select().where((Grade.candidate == run.facts["candidate"]) & (Grade.group == 2))
    assert sorted(g.epreuve_code for g in chosen) == ["PHI", "SP1"]


@case("F7 t: a second group's grade", prepare=_second_group_chosen)
async def _f7_second_grade(run: Run) -> None:
    from baktui.data.models import Grade

    await run.burst(*run.facts["to_candidate"], "t", *text("PHI 14"), "enter")
    grade = Grade.get(
        (Grade.candidate == run.facts["candidate"]) & (Grade.group == 2)
        & (Grade.epreuve_code == "PHI")
    )  # fmt: skip
    assert grade.value_centi == 1400


@case("F7 r: a rectification after publication (épreuve, grade, reason)",
      prepare=_jury_published)  # fmt: skip
async def _f7_rectify(run: Run) -> None:
    from baktui.data.models import Grade

    code, grade = run.facts["code"], run.facts["grade"]
    await run.burst(*run.facts["to_candidate"], "r", *text(f"{code} {grade} erreur de report"),
                    "enter")  # fmt: skip
    row = Grade.get(
        (Grade.candidate == run.facts["candidate"]) & (Grade.group == 1)
        & (Grade.epreuve_code == code)
    )  # fmt: skip
    assert row.value_centi == int(grade) * 100, run.notices()


# --- F8 Documents ------------------------------------------------------------------------------


def _published(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Candidate, Jury
    from baktui.services.deliberation import deliberate_session
    from baktui.services.transcripts import Scope, count

    deliberate_session(session_id)
    Jury.update(closed_group=1, published_group=1).execute()
    number = Candidate.select().order_by(Candidate.id).first().number
    return {
        "jury": count(session_id, "releve", Scope("jury", "1"))[0],
        "number": number,
    }


async def _documents(run: Run, kind: str, count: int) -> None:
    from baktui.data.models import Document

    for _ in range(200):
        if Document.select().where(Document.kind == kind).count() >= count:
            break
        await run.pilot.pause(0.05)
    assert Document.select().where(Document.kind == kind).count() == count, run.text()


@case("F8 the relevés of a jury (its number, Entrée, g)", prepare=_published)
async def _f8_jury(run: Run) -> None:
    await run.burst("f8", "tab", "tab", "1", "enter", "g")
    await _documents(run, "releve", run.facts["jury"])


@case("F8 the scope chosen in its list (candidat), the key, g", prepare=_published)
async def _f8_scope(run: Run) -> None:
    await run.burst("f8", "tab", "enter", *text("cand"), "enter", "tab", *text(run.facts["number"]),
                    "enter", "g")  # fmt: skip
    await _documents(run, "releve", 1)


# --- Home, palette, help ----------------------------------------------------------------------


def _september(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.services.sessions import open_registre

    return {"september": open_registre(2026, "remplacement").id}


@case("Home s: the session picker (↑, Entrée), then a screen on that session",
      prepare=_september)  # fmt: skip
async def _home_session(run: Run) -> None:
    from baktui.screens.registrations import RegistrationsScreen

    assert run.app.session is not None and run.app.session.id == run.facts["september"]
    await run.burst("s", "up", "enter", "f3")  # June's, above the session shown
    assert run.app.session.id == run.facts["session_id"]
    assert isinstance(run.screen, RegistrationsScreen)
    assert run.screen.baktui.session.id == run.facts["session_id"]


@case("Home p: the phase (list, then confirmation)")
async def _home_phase(run: Run) -> None:
    from baktui.data.models import ExamSession as Session
    from baktui.rules.lifecycles import PHASE

    before = Session.get_by_id(run.facts["session_id"]).phase
    phases = [str(p) for p, _ in PHASE.choices()]
    after = phases[phases.index(before) + 1]
    await run.burst("p", "down", "enter", "o")
    for _ in range(100):
        if Session.get_by_id(run.facts["session_id"]).phase != before:
            break
        await run.pilot.pause(0.05)
    assert Session.get_by_id(run.facts["session_id"]).phase == after


@case("Ctrl+P: the palette (a screen's name typed, Entrée)")
async def _palette(run: Run) -> None:
    from baktui.screens.grade_entry import GradeEntryScreen

    await run.burst("ctrl+p", *text("notes"), "enter")
    assert isinstance(run.screen, GradeEntryScreen)


@case("F1: the help, closed by Échap, then typing in the screen")
async def _help(run: Run) -> None:
    from textual.widgets import Input

    await run.burst("f2", "f1", "pagedown", "escape", *text("helene"))
    assert run.screen.query_one("#lookup-query", Input).value == "helene"


# --- F9 Organisation --------------------------------------------------------------------------


@case("F9 x: deactivate a record (confirmation)")
async def _f9_toggle(run: Run) -> None:
    from baktui.data.models import Etablissement

    first = Etablissement.select().order_by(Etablissement.uai).first()
    await run.burst("f9", "x", "o")
    assert not Etablissement.get_by_id(first.id).active


def _etablissement_file(session_id: int, folder: Path) -> dict[str, Any]:
    path = folder / "etab.csv"
    path.write_text(
        "uai;nom;secteur;adresse;code_postal;commune\n"
        "0690099H;Lycée Jacquard;public;1 rue Neuve;69001;Lyon\n",
        encoding="utf-8",
    )
    return {"file": str(path)}


@case("F9 i: import a file (path, then its report closed)", prepare=_etablissement_file)
async def _f9_import(run: Run) -> None:
    from baktui.data.models import Etablissement
    from baktui.screens.organisation import OrganisationScreen

    await run.burst("f9", "i", *text(run.facts["file"]), "enter", "escape")
    assert Etablissement.get(Etablissement.uai == "0690099H").name == "Lycée Jacquard"
    assert isinstance(run.screen, OrganisationScreen)


@case("F9 Échap on a modified form: « abandon ? » answered yes")
async def _f9_leave_modified(run: Run) -> None:
    from baktui.data.models import AuditLog

    before = AuditLog.select().count()
    await run.burst("f9", "enter", "tab", *text("Lycée Autre"), "escape", "o")
    assert run.screen.pane is None
    assert AuditLog.select().count() == before


# --- the dialogs whose burst test lives beside their screen's other tests ---------------------

ELSEWHERE: dict[str, str] = {
    "F2 c: the contact dialog (Ctrl+U, the phone, Ctrl+S), from the search":
        "test_key_order.py::test_f2_search_card_contact_and_save_in_one_burst",
    "F3 n: the new registration form, typed while it opens":
        "test_key_order.py::test_keys_typed_while_the_new_registration_form_opens_go_into_its_fields",
    "F3 e: the registrations by state, Entrée opens the form":
        "test_worklists.py::test_f3_e_lists_by_state_and_a_burst_opens_the_form",
    "Home ↓ Entrée: the lots not entered, then a slip":
        "test_worklists.py::test_home_keys_in_one_burst_reach_the_lot_list_and_open_the_slip",
    "F4 the slip: grades, totals, Ctrl+S and its confirmation « o »":
        "test_grade_entry_screen.py::test_keys_typed_ahead_in_one_burst_land_in_order",
    "F4 Ctrl+R: the reopening's reason":
        "test_grade_entry_screen.py::test_reopening_a_closed_slip_asks_a_reason_and_audits_it",
    "F4 Ctrl+G: a missing grade typed in its line":
        "test_grade_entry_screen.py::test_missing_grades_typed_in_one_burst_land",
    "F5 a: the absence form (date, reason) on the examiner highlighted":
        "test_juries_screen.py::test_the_absence_typed_in_one_burst_keeps_its_date_and_reason",
    "F5 i, n: the availabilities and the convocation forms, Tab and Entrée in a burst":
        "test_juries_missions.py::test_forms_take_a_true_burst_in_order",
    "F6 v: each anomaly confirmed, the day without convocation's reason":
        "test_expenses_screen.py::test_a_day_without_convocation_needs_a_confirmation_and_a_reason",
    "F7 s: the what-if, typed right after « s »":
        "test_deliberation_screen.py::test_a_jury_deliberated_from_the_screen",
    "F7 c, p: the closing and the publication confirmed":
        "test_deliberation_screen.py::test_close_then_publish_typed_in_one_burst",
    "F9 n: a new record typed whole, Ctrl+S":
        "test_organisation_screen.py::test_a_new_etablissement_typed_in_one_burst",
    "F9 Entrée: a record opened, edited, Ctrl+S":
        "test_organisation_screen.py::test_an_edit_opened_and_typed_in_one_burst",
}  # fmt: skip


def test_the_bursts_tested_elsewhere_exist() -> None:
    """The list above stays true: each test it names is there."""
    import importlib

    for what, where in ELSEWHERE.items():
        module, name = where.split("::")
        assert hasattr(importlib.import_module(module.removesuffix(".py")), name), what


# --- the test: every case above -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_burst_from_the_key_that_opens_the_dialog(
    name: str, base: Path, tmp_path: Path
) -> None:
    spec = CASES[name]
    facts: dict[str, Any] = {}
    dbmod.open_database(str(base))
    info = current_session()
    assert info is not None
    facts["session_id"] = info.id
    if spec.prepare is not None:
        facts.update(spec.prepare(info.id, tmp_path))
    dbmod.close_database()
    app = BaktuiApp(str(base))
    async with app.run_test(size=spec.size) as pilot:
        await settle(pilot)
        run = Run(app, pilot, facts, tmp_path / "out")
        try:
            await spec.drive(run)
        except BaseException:  # what the screen shows and said, for the report
            print(run.text(), run.notices(), app.screen_stack, app.focused, sep="\n")
            raise
