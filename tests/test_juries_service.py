"""Juries, examiners and assignments (F5 services): rules enforced, writes audited, documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import assert_office_workbook
from openpyxl import load_workbook

from baktui.data.models import (
    Anonymat,
    Assignment,
    AuditLog,
    Availability,
    Candidate,
    Centre,
    Commune,
    CommuneDistance,
    Document,
    Etablissement,
    Examiner,
    Jury,
    JuryMember,
    Lot,
    OralSlot,
    Room,
)
from baktui.errors import ConflictError, ServiceError
from baktui.rules.identifiers import fold
from baktui.services import (
    assignments,
    convocations,
    distribution,
    documents,
    examiners,
    juries,
    jury_lists,
)
from baktui.services.eligibility import AssignmentRefused
from baktui.services.sessions import SessionInfo

DAY = dt.date(2026, 6, 16)


@dataclass
class World:
    """Ids of a small académie built by :func:`build_world`."""

    session_id: int
    communes: dict[str, int] = field(default_factory=dict)
    etabs: dict[str, int] = field(default_factory=dict)
    centre: int = 0
    centre_vienne: int = 0
    room: int = 0
    examiners: dict[str, int] = field(default_factory=dict)
    candidates: dict[str, list[int]] = field(default_factory=dict)
    lot: int = 0
    correction: int = 0  # the correction assignment of "absent"
    oral: int = 0  # an oral assignment of "oral_absent" with two slots
    jury: int = 0
    jury_seat: int = 0  # jury assignment of "pres" (président of the jury)


def _examiner(key: str, corps: str, disciplines: str, etab: int | None, home: int, **kw) -> int:
    last = key.capitalize()
    row = Examiner.create(
        civility=kw.pop("civility", "M."),
        last_name=last,
        first_name="Test",
        name_key=fold(f"{last} Test"),
        corps=corps,
        disciplines=disciplines,
        etablissement=etab,
        home_commune=home,
        **kw,
    )
    return row.id


def build_world(session: SessionInfo) -> World:
    """Three lycées (A in Lyon, B in Villeurbanne, C in Vienne), a centre in Lyon, examiners of
    every kind, one PHI lot of B and C copies, an oral with two slots and a jury."""
    w = World(session.id)
    for name, lat, lon in [
        ("Lyon", "45.7640", "4.8357"),
        ("Villeurbanne", "45.7719", "4.8902"),
        ("Vienne", "45.5253", "4.8742"),
        ("Bourg-en-Bresse", "46.2052", "5.2255"),
    ]:
        w.communes[name] = Commune.create(name=name, latitude=lat, longitude=lon).id
    CommuneDistance.create(origin=w.communes["Villeurbanne"], destination=w.communes["Lyon"], km=9)
    for key, uai, commune in [
        ("A", "0690001A", "Lyon"),
        ("B", "0690002B", "Villeurbanne"),
        ("C", "0380003C", "Vienne"),
    ]:
        w.etabs[key] = Etablissement.create(
            uai=uai, name=f"Lycée {key}", commune=w.communes[commune]
        ).id
    w.centre = Centre.create(
        session=session.id,
        code="C01",
        name="Centre Lyon",
        commune=w.communes["Lyon"],
        address="1 rue de la Paix",
        is_deliberation=True,
    ).id
    w.centre_vienne = Centre.create(
        session=session.id, code="C02", name="Centre Vienne", commune=w.communes["Vienne"]
    ).id
    w.room = Room.create(centre=w.centre, name="Salle 12", capacity=30).id
    c = w.communes
    e = w.examiners
    e["absent"] = _examiner("absent", "CERTIFIE", "PHI", w.etabs["A"], c["Lyon"])
    e["near"] = _examiner("near", "CERTIFIE", "PHI", w.etabs["A"], c["Villeurbanne"])
    e["far"] = _examiner("far", "AGREGE", "PHI", w.etabs["A"], c["Bourg-en-Bresse"])
    e["conflict"] = _examiner("conflict", "CERTIFIE", "PHI", w.etabs["B"], c["Lyon"])
    e["loaded"] = _examiner("loaded", "CERTIFIE", "PHI", w.etabs["A"], c["Lyon"], max_copies=5)
    e["math"] = _examiner("math", "CERTIFIE", "MAT,SP2", w.etabs["A"], c["Lyon"])
    e["sick"] = _examiner("sick", "CERTIFIE", "PHI", w.etabs["A"], c["Lyon"])
    e["away"] = _examiner("away", "CERTIFIE", "PHI", w.etabs["A"], c["Lyon"])
    e["busy"] = _examiner("busy", "CERTIFIE", "PHI,GO", w.etabs["A"], c["Lyon"])
    e["pres"] = _examiner("pres", "PU", "", None, c["Lyon"], civility="Mme")
    e["mcf"] = _examiner("mcf", "MCF", "", None, c["Villeurbanne"])
    e["oral_absent"] = _examiner("oralabs", "CERTIFIE", "GO", w.etabs["A"], c["Lyon"])
    e["oral_ok"] = _examiner("oralok", "CERTIFIE", "GO", w.etabs["A"], c["Vienne"])
    e["oral_b"] = _examiner("oralb", "AGREGE", "GO", w.etabs["B"], c["Lyon"])
    Availability.create(examiner=e["away"], day=DAY, available=False)
    from baktui.data.models import Absence

    Absence.create(examiner=e["sick"], day=DAY, reason="maladie", recorded_by="t", recorded_at="x")
    number = 0
    for key, count, series in [("A", 5, "STMG"), ("B", 6, "STMG"), ("C", 4, "STMG")]:
        ids = []
        for _ in range(count):
            number += 1
            ids.append(
                Candidate.create(
                    session=session.id,
                    number=f"026{number:05d}",
                    last_name=f"Eleve{number}",
                    first_name="X",
                    series=series,
                    etablissement=w.etabs[key],
                    centre=w.centre,
                    state="validee",
                ).id
            )
        w.candidates[key] = ids
    w.lot = Lot.create(
        session=session.id, number=1, epreuve_code="PHI", correcteur=e["absent"], centre=w.centre
    ).id
    for n, cid in enumerate(w.candidates["B"] + w.candidates["C"], start=1):
        Anonymat.create(candidate=cid, epreuve_code="PHI", number=f"P{n:04d}", lot=w.lot)
    # "loaded" already marks a 5-copy lot of A
    other = Lot.create(session=session.id, number=2, epreuve_code="PHI", correcteur=e["loaded"])
    for n, cid in enumerate(w.candidates["A"], start=100):
        Anonymat.create(candidate=cid, epreuve_code="PHI", number=f"P{n:04d}", lot=other)
    w.correction = Assignment.create(
        session=session.id,
        examiner=e["absent"],
        kind="correction",
        epreuve_code="PHI",
        day=DAY,
        start_time="09:00",
        end_time="12:00",
        centre=w.centre,
        lot=w.lot,
        state="convoquee",
    ).id
    Assignment.create(
        session=session.id,
        examiner=e["busy"],
        kind="oral",
        epreuve_code="GO",
        day=DAY,
        start_time="08:00",
        end_time="12:00",
        centre=w.centre,
        hours_centi=400,
    )
    w.oral = Assignment.create(
        session=session.id,
        examiner=e["oral_absent"],
        kind="oral",
        epreuve_code="GO",
        day=DAY,
        start_time="14:00",
        end_time="16:00",
        centre=w.centre,
        room=w.room,
        hours_centi=200,
    ).id
    for n, cid in enumerate(w.candidates["B"][:2]):
        OralSlot.create(
            assignment=w.oral,
            candidate=cid,
            epreuve_code="GO",
            day=DAY,
            start_time=f"{14 + n}:00",
            room=w.room,
        )
    w.jury = Jury.create(
        session=session.id,
        number=1,
        series_codes="STMG",
        centre=w.centre,
        president=e["pres"],
        deliberation_date=DAY,
    ).id
    JuryMember.create(jury=w.jury, examiner=e["pres"], role="president")
    w.jury_seat = Assignment.create(
        session=session.id,
        examiner=e["pres"],
        kind="jury",
        day=DAY,
        start_time="14:00",
        end_time="18:00",
        centre=w.centre,
        jury=w.jury,
    ).id
    return w


@pytest.fixture
def world(session: SessionInfo) -> World:
    return build_world(session)


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "docs"
    monkeypatch.setenv("BAKTUI_OUT", str(folder))
    return folder


# --- Juries -------------------------------------------------------------------------------------


def test_president_refused_unless_pu_or_mcf(world: World) -> None:
    jury = juries.create_jury(world.session_id, 2, "stmg, sti2d", world.centre)
    assert jury.series_codes == "STMG,STI2D"
    with pytest.raises(AssignmentRefused) as refused:
        juries.set_president(jury.id, world.examiners["far"], expected_version=jury.version)
    assert "D.336-20" in str(refused.value)
    assert "professeur agrégé" in str(refused.value)
    assert Jury.get_by_id(jury.id).president_id is None
    info = juries.set_president(jury.id, world.examiners["mcf"], expected_version=jury.version)
    assert info.president == "MCF Test"
    assert (
        JuryMember.get(
            (JuryMember.jury == jury.id) & (JuryMember.examiner == world.examiners["mcf"])
        ).role
        == "president"
    )
    assert (
        AuditLog.select()
        .where((AuditLog.entity == "jury") & (AuditLog.field == "president"))
        .count()
        == 1
    )
    # a stale version is a conflict, not a silent overwrite
    with pytest.raises(ConflictError):
        juries.set_president(jury.id, world.examiners["pres"], expected_version=jury.version)


def test_vice_president_and_duplicates(world: World) -> None:
    info = juries.set_vice_president(world.jury, world.examiners["far"])
    assert info.vice_president == "FAR Test"
    with pytest.raises(AssignmentRefused):
        juries.set_vice_president(world.jury, world.examiners["pres"])  # already président
    listed = juries.list_juries(world.session_id)
    assert [(j.number, j.president, j.vice_president) for j in listed] == [
        (1, "PRES Test", "FAR Test")
    ]


def test_jury_member_of_own_students_refused(world: World) -> None:
    Candidate.update(jury=world.jury).execute()
    with pytest.raises(AssignmentRefused) as refused:
        juries.add_member(world.jury, world.examiners["conflict"])
    assert "Lycée B" in str(refused.value)
    assert "propres élèves" in str(refused.value)
    info = juries.add_member(world.jury, world.examiners["mcf"])
    assert info.members == 2
    detail = juries.jury_detail(world.jury)
    assert [m.role for m in detail.members] == ["president", "membre"]
    assert sum(b.count for b in detail.blocks) == 15
    juries.remove_member(world.jury, world.examiners["pres"])
    assert Jury.get_by_id(world.jury).president_id is None


def test_distribute_keeps_etablissements_together_and_balances(world: World) -> None:
    jury2 = juries.create_jury(world.session_id, 2, "STMG", world.centre)
    juries.create_jury(world.session_id, 3, "STI2D", world.centre_vienne)
    Candidate.create(
        session=world.session_id,
        number="02699999",
        last_name="Seul",
        first_name="Y",
        series="STL",
        etablissement=world.etabs["A"],
    )
    JuryMember.create(jury=world.jury, examiner=world.examiners["conflict"])  # teaches at B
    summary = distribution.distribute_candidates(world.session_id)
    assert summary.placed == 15
    assert summary.unplaced == 1
    assert "STL" in summary.render()
    by_etab: dict[int, set[int]] = {}
    for c in Candidate.select().where(Candidate.series == "STMG"):
        by_etab.setdefault(c.etablissement_id, set()).add(c.jury_id)
    assert all(len(j) == 1 for j in by_etab.values())  # one établissement, one jury
    counts = sorted(
        Candidate.select().where(Candidate.jury == j).count() for j in (world.jury, jury2.id)
    )
    assert counts == [6, 9]  # B (6) alone, A (5) + C (4) together: the best split of blocks
    # B's block avoided jury 1 (lowest number, first choice otherwise): a teacher of B sits there
    b_juries = {
        c.jury_id for c in Candidate.select().where(Candidate.etablissement == world.etabs["B"])
    }
    assert b_juries == {jury2.id}
    logged = AuditLog.select().where((AuditLog.entity == "candidate") & (AuditLog.field == "jury"))
    assert logged.count() == 15
    assert all(entry.candidate_id is not None for entry in logged)
    # a second run places nobody new
    assert distribution.distribute_candidates(world.session_id).placed == 0


# --- Assignments --------------------------------------------------------------------------------


def test_assignment_refused_for_own_students_with_reason(world: World) -> None:
    lot3 = Lot.create(session=world.session_id, number=3, epreuve_code="PHI").id
    Anonymat.create(candidate=world.candidates["B"][0], epreuve_code="SP2", number="Z1", lot=lot3)
    with pytest.raises(AssignmentRefused) as refused:
        assignments.create_assignment(
            world.session_id,
            world.examiners["conflict"],
            kind="correction",
            epreuve_code="PHI",
            day=DAY,
            start_time="09:00",
            end_time="12:00",
            centre_id=world.centre,
            lot_id=lot3,
        )
    assert "enseigne à Lycée B" in str(refused.value)
    assert Lot.get_by_id(lot3).correcteur_id is None
    info = assignments.create_assignment(
        world.session_id,
        world.examiners["near"],
        kind="correction",
        epreuve_code="PHI",
        day=DAY,
        start_time="09:00",
        end_time="12:00",
        centre_id=world.centre,
        lot_id=lot3,
    )
    assert info.what == "lot 3 (1 copies)"
    assert Lot.get_by_id(lot3).correcteur_id == world.examiners["near"]
    # a lot already in someone's hands is not given twice
    with pytest.raises(AssignmentRefused, match="déjà confié à NEAR Test"):
        assignments.create_assignment(
            world.session_id,
            world.examiners["far"],
            kind="correction",
            epreuve_code="PHI",
            day=DAY,
            start_time="14:00",
            end_time="16:00",
            centre_id=world.centre,
            lot_id=lot3,
        )


def test_assignment_checks_discipline_time_and_input(world: World) -> None:
    def oral(
        examiner: str, start: str = "09:00", end: str = "11:00", centre: int = 0
    ) -> examiners.AssignmentInfo:
        return assignments.create_assignment(
            world.session_id,
            world.examiners[examiner],
            kind="oral",
            epreuve_code="GO",
            day=DAY,
            start_time=start,
            end_time=end,
            centre_id=centre or world.centre_vienne,
        )

    with pytest.raises(AssignmentRefused, match="n'est pas examinateur de GO"):
        oral("math")
    with pytest.raises(AssignmentRefused, match=r"déjà pris de 08:00 à 12:00"):
        oral("busy")
    with pytest.raises(AssignmentRefused, match="absent"):
        oral("sick")
    with pytest.raises(ServiceError, match="HH:MM"):
        oral("oral_ok", start="9 heures")
    with pytest.raises(ServiceError, match="fin doit suivre"):
        oral("oral_ok", start="11:00", end="10:00")
    # an oral commission without planned slots examines the candidates of its centre
    with pytest.raises(AssignmentRefused, match="enseigne à Lycée A"):
        oral("oral_ok", centre=world.centre)
    info = oral("oral_ok")
    assert info.hours_centi == 200
    assert info.state == "prevue"


# --- Documents ----------------------------------------------------------------------------------


def test_convocation_pdf_for_examiner_and_centre(world: World, out: Path) -> None:
    doc = convocations.issue_convocations(world.session_id, examiner_id=world.examiners["absent"])
    assert doc.document.path.parent == out
    assert doc.document.path.read_bytes().startswith(b"%PDF")
    assert doc.examiners == 1 and doc.assignments == 1
    assert doc.document.kind == documents.CONVOCATION_EXAMINATEUR and doc.document.count == 1
    row = Assignment.get_by_id(world.correction)
    assert row.state == "convoquee" and row.convoked_at
    assert (
        Document.select()
        .where(
            (Document.kind == documents.CONVOCATION_EXAMINATEUR)
            & (Document.examiner == world.examiners["absent"])
            & (Document.reference == doc.document.path.name)
        )
        .exists()
    )
    assert doc.document.path.name.startswith(f"convocations-Absent-{world.examiners['absent']}-")
    batch = convocations.issue_convocations(world.session_id, centre_id=world.centre)
    assert batch.examiners == 4  # absent, busy, oral_absent, pres: one file
    assert batch.document.path.name.startswith("convocations-centre-C01-")
    assert batch.document.count == 4
    assert Assignment.get_by_id(world.oral).state == "convoquee"
    with pytest.raises(ServiceError, match="Aucune mission"):
        convocations.issue_convocations(world.session_id, centre_id=world.centre_vienne)


def test_jury_lists_pdf_and_excel(world: World, out: Path) -> None:
    Candidate.update(jury=world.jury).execute()
    juries.add_member(world.jury, world.examiners["mcf"])
    pdf, xlsx = jury_lists.export_jury_lists(world.session_id)
    assert pdf.path.read_bytes().startswith(b"%PDF")
    book = load_workbook(xlsx.path, read_only=True)
    assert book.sheetnames == ["Composition", "Établissements", "Candidats"]
    composition = list(book["Composition"].values)
    assert composition[0][:6] == ("Centre", "Jury", "Séries", "Délibération", "Fonction", "Nom")
    assert ("Centre Lyon", 1, "STMG") == composition[1][:3]
    assert {r[4] for r in composition[1:]} == {"président", "membre"}
    blocks = list(book["Établissements"].values)[1:]
    assert sorted((r[2], r[5]) for r in blocks) == [("Lycée A", 5), ("Lycée B", 6), ("Lycée C", 4)]
    candidates = list(book["Candidats"].values)
    assert len(candidates) == 16
    book.close()
    assert_office_workbook(xlsx.path)
    assert candidates[1][:3] == (1, "Centre Lyon", "02600001")
    assert Document.select().where(Document.kind == documents.LISTE_JURYS).count() == 2
    assert pdf.path.stem == xlsx.path.stem and pdf.path.name.startswith("jurys-toutes-")
    assert pdf.count == 1 and pdf.kind == documents.LISTE_JURYS
    one = jury_lists.export_jury_lists(world.session_id, centre_id=world.centre)[0]
    assert one.path.name.startswith("jurys-centre-C01-") and one.path.parent == out
    with pytest.raises(ServiceError, match="Aucun jury"):
        jury_lists.export_jury_lists(world.session_id, centre_id=world.centre_vienne)


def test_search_examiners(world: World) -> None:
    assert [e.name for e in examiners.search_examiners("nea")] == ["NEAR Test"]
    assert {e.name for e in examiners.search_examiners("GO")} == {
        "BUSY Test",
        "ORALABS Test",
        "ORALOK Test",
        "ORALB Test",
    }
    assert len(examiners.search_examiners("", limit=3)) == 3
    assert examiners.search_examiners("zzz") == []


def test_excel_helper(tmp_path: Path) -> None:
    from decimal import Decimal

    from baktui.exports.excel import write_workbook

    target = write_workbook(
        tmp_path / "x.xlsx",
        [
            (
                "Feuille: 1",
                ["Jour", "Montant"],
                [(dt.date(2026, 6, 16), Decimal("12.50"))],
                {1: "0.00"},
            ),
            ("Feuille: 1", ["A"], []),
        ],
    )
    book = load_workbook(target)
    assert book.sheetnames == ["Feuille- 1", "Feuille- 1 (2)"]
    sheet = book["Feuille- 1"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet["A2"].number_format == "DD/MM/YYYY"
    assert sheet["B2"].number_format == "0.00" and sheet["B2"].value == 12.5
