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
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import HELENE_INE, burst, drained, keys_of, pin_login, register_helene, settle
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
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_file[0], path)
    pin_login(monkeypatch, LOGIN)
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "out"))
    yield path
    dbmod.close_database()


# --- F2 Recherche, fiche du candidat ----------------------------------------------------------

HELENE = ["f2", *keys_of("helene lefev"), "enter"]  # the search, then her card


def _helene(session_id: int, folder: Path) -> dict[str, Any]:
    from baktui.data.models import Candidate

    register_helene(session_id)
    return {"candidate": Candidate.get(Candidate.ine == HELENE_INE).id}


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
