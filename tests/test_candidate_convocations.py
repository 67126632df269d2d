"""Candidates' convocations and émargement lists from the placement (issue 15): the PDF text of
each letter lists the candidate's written épreuves with their day and times as placed; one
émargement list per room and sitting, the candidates by seat; a card records the convocation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import assert_office_workbook, new_base
from pypdf import PdfReader

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import Candidate, Convocation, Document
from baktui.exports.candidate_convocations import SittingLine, duration_text, room_text
from baktui.exports.pdf import french_date

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def placed(tmp_path: Path) -> Path:
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    for kind in LISTS:
        assert run("--db", db, "import", kind, SAMPLES / f"{kind}.csv") == 0, kind
    assert run("--db", db, "placer") == 0
    return db


def pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


def test_each_letter_lists_the_candidates_epreuves_with_their_times(placed: Path, tmp_path):
    out = tmp_path / "convocations.pdf"
    assert run("--db", placed, "documents", "convocations", out) == 0
    texts = pages(out)
    dbmod.open_database(str(placed))
    placed_rows = list(Convocation.select().join(Candidate).order_by(Candidate.id))
    by_candidate: dict[int, list[Convocation]] = {}
    for row in placed_rows:
        by_candidate.setdefault(row.candidate_id, []).append(row)
    assert len(texts) == len(by_candidate) > 5  # one page per candidate here
    for cid, rows in by_candidate.items():
        candidate = Candidate.get_by_id(cid)
        (page,) = [t for t in texts if f"N° de candidat {candidate.number}" in t]
        if candidate.birth_place:  # the sample gives most a commune of birth
            assert f"le {candidate.birth_date:%d/%m/%Y} à {candidate.birth_place}" in page
        for row in rows:
            when = f"{french_date(row.day)}, de {row.start_time} à {row.end_time}"
            assert row.epreuve_code in page and when in page, (candidate.number, when)
            if row.seat:
                assert f"{room_text(row.room.name)}, place n° {row.seat}" in page
    issued = Document.select().where(Document.kind == "convocation").count()
    assert issued == len(by_candidate)  # on each card


def test_one_emargement_list_per_room_and_sitting_by_seat(placed: Path, tmp_path) -> None:
    out = tmp_path / "emargement.pdf"
    assert run("--db", placed, "documents", "emargement", out) == 0
    texts = pages(out)
    dbmod.open_database(str(placed))
    sittings = {(r.room_id, r.day, r.start_time, r.epreuve_code) for r in Convocation.select()}
    assert len(texts) == len(sittings)
    first = texts[0]
    assert "LISTE D’ÉMARGEMENT" in first and "Signature" in first and "Absent" in first
    from baktui.services.candidate_convocations import signing_sheets
    from baktui.services.sessions import current_session

    sheets = signing_sheets(current_session().id)
    assert len(sheets) == len(sittings)
    for sheet, text in zip(sheets, texts, strict=True):
        seats = [line.seat for line in sheet.lines]
        assert seats == sorted(seats) and all(line.number in text for line in sheet.lines)


def test_a_candidate_without_place_is_refused(placed: Path, tmp_path: Path, capsys) -> None:
    assert run("--db", placed, "documents", "convocations", "--candidat", "999",
               tmp_path / "x.pdf") == 1  # fmt: skip
    assert "Aucune place attribuée au candidat « 999 »" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_the_time_of_a_sitting_says_the_extra_time() -> None:
    line = SittingLine("PHI", "Philosophie", dt.date(2026, 6, 15), "08:00", "13:20", 320, 80,
                       "A101", 4)  # fmt: skip
    assert (
        line.when() == "lundi 15 juin 2026, de 08:00 à 13:20 (5 h 20, dont 1 h 20 de temps majoré)"
    )
    assert line.place() == "salle A101, place n°\N{NO-BREAK SPACE}4"  # « n° » never alone
    assert room_text("Salle 12") == "Salle 12" and room_text("Gymnase") == "salle Gymnase"
    assert (duration_text(240), duration_text(50), duration_text(None)) == ("4 h", "50 min", "")


def test_the_logistics_workbook_counts_what_is_to_order(placed: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "logistique.xlsx"
    assert run("--db", placed, "documents", "logistique", out) == 0
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Par épreuve", "Par centre et salle", "Par série et statut",
                                   "Par option"]  # fmt: skip
    dbmod.open_database(str(placed))
    by_code = {
        row[0]: row for row in workbook["Par épreuve"].iter_rows(min_row=2, values_only=True)
    }
    phi = Convocation.select().where(Convocation.epreuve_code == "PHI")
    assert by_code["PHI"][3] == phi.where(Convocation.room.is_null(False)).count()
    rooms = list(workbook["Par centre et salle"].iter_rows(min_row=2, values_only=True))
    assert sum(r[6] for r in rooms) == Convocation.select().where(
        Convocation.room.is_null(False)).count()  # fmt: skip
    statuses = {
        r[1] for r in workbook["Par série et statut"].iter_rows(min_row=2, values_only=True)
    }
    assert "scolaire" in statuses and "individuel" not in statuses  # labels, not codes
    assert workbook["Par épreuve"].freeze_panes == "A2"
    assert_office_workbook(out)


def test_the_checks_before_printing_name_each_problem(placed: Path, capsys) -> None:
    from baktui.data.models import Centre, Room
    from baktui.services.placement_checks import placement_checks, render
    from baktui.services.sessions import current_session

    dbmod.open_database(str(placed))
    session_id = current_session().id
    assert placement_checks(session_id) == []
    first, second, third = list(Convocation.select().where(Convocation.room.is_null(False))
                                .order_by(Convocation.id).limit(3))  # fmt: skip
    # setup by hand (raw writes): a room made too small, a seat given twice, a place removed,
    # a centre closing early
    Room.update(capacity=1).where(Room.id == first.room_id).execute()
    Convocation.update(seat=first.seat).where(Convocation.id == second.id).execute()
    Convocation.delete().where(Convocation.id == third.id).execute()
    Centre.update(closing_time="09:00").where(Centre.id == first.centre_id).execute()
    kinds = {check.kind for check in placement_checks(session_id)}
    assert kinds == {"capacity", "seat", "unplaced", "closing"}
    text = render(placement_checks(session_id))
    candidate = Candidate.get_by_id(third.candidate_id)
    assert f"(n° {candidate.number}) : aucune place en {third.epreuve_code}" in text
    assert "candidats pour 1 place (" in text and "le centre ferme à 09:00" in text


def test_the_letters_and_lists_tell_their_progress(placed: Path, tmp_path: Path) -> None:
    """``baktui documents convocations`` and ``emargement``: a bar counting the letters (the
    lists), one call after each, the same files as without."""
    from baktui.services import candidate_convocations as cc
    from baktui.services.sessions import current_session

    dbmod.open_database(str(placed))
    session = current_session()
    assert session is not None
    letters: list[tuple[int, int]] = []
    doc = cc.issue_convocations(session, path=tmp_path / "c.pdf",
                                progress=lambda d, t: letters.append((d, t)))  # fmt: skip
    assert letters == [(n, doc.count) for n in range(1, doc.count + 1)] and doc.count > 5
    lists: list[tuple[int, int]] = []
    sheets = cc.issue_signing_sheets(session, path=tmp_path / "e.pdf",
                                     progress=lambda d, t: lists.append((d, t)))  # fmt: skip
    assert lists == [(n, sheets.count) for n in range(1, sheets.count + 1)]
    dbmod.close_database()


def test_the_logistics_workbook_tells_each_count(placed: Path, tmp_path: Path) -> None:
    from baktui.services import candidate_convocations as cc
    from baktui.services.sessions import current_session

    dbmod.open_database(str(placed))
    session = current_session()
    assert session is not None
    told: list[tuple[int, int]] = []
    cc.issue_logistics_workbook(session, path=tmp_path / "l.xlsx",
                                progress=lambda d, t: told.append((d, t)))  # fmt: skip
    steps = cc.LOGISTICS_STEPS
    assert told == [(n, steps) for n in range(steps + 1)]
    dbmod.close_database()
