"""Anonymity numbers, lots, the grade slip editor, control totals, double entry, missing grades."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import peewee as pw
import pytest

from baktui.data import counters
from baktui.data.audit import acting_as
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    AuditLog,
    Candidate,
    Centre,
    DoubleEntry,
    Epreuve,
    Etablissement,
    Examiner,
    Grade,
    Jury,
    Lot,
    Registration,
)
from baktui.errors import ConflictError, ServiceError
from baktui.rules.anonymity import anonymat_number_valid
from baktui.rules.examiners import teaches
from baktui.rules.lifecycles import LotState
from baktui.rules.slips import SlipMode, SlipRow
from baktui.services.anonymity import number_copies
from baktui.services.grade_slip.editor import open_slip
from baktui.services.grade_slip.rows import GradeEntryError
from baktui.services.imports.grades import import_grades
from baktui.services.lot_building import constitute_lots
from baktui.services.lots import assign_correcteur, find_lot, list_lots, set_double_entry
from baktui.services.missing_grades import enter_missing_grade, missing_groups, missing_lines
from baktui.services.sessions import SessionInfo
from baktui.services.slip_documents import slip_documents
from baktui.services.stats import grades_missing


@dataclass
class World:
    session: SessionInfo
    etabs: list[int]
    candidates: list[int]


def build_world(session: SessionInfo, n: int = 180, lot_size: int = 50) -> World:
    """Three lycées, n candidates registered to PHI (written), GO (oral) and HG (CC)."""
    etabs = [Etablissement.create(uai=f"069000{i}X", name=f"Lycée {i}").id for i in range(1, 4)]
    centres = [
        Centre.create(session=session.id, code=f"C{i}", name=f"Centre {i}").id for i in range(2)
    ]
    juries = [
        Jury.create(session=session.id, number=i + 1, series_codes="STMG").id for i in range(2)
    ]
    Epreuve.update(lot_size=lot_size).where(Epreuve.session == session.id).execute()
    candidates = []
    for i in range(n):
        c = Candidate.create(
            session=session.id,
            number=f"{26000000 + i}",
            last_name=f"Nom{i}",
            first_name=f"Prénom{i}",
            series="STMG",
            etablissement=etabs[i % 3],
            centre=centres[i % 2],
            jury=juries[i % 2],
        )
        candidates.append(c.id)
        for code in ("PHI", "GO", "HG"):
            Registration.create(candidate=c.id, epreuve_code=code)
    for i in range(6):
        Examiner.create(
            last_name=f"Correcteur{i}",
            first_name="Alex",
            corps="CERTIFIE",
            disciplines="PHI",
            etablissement=etabs[i % 3],
            max_copies=200,
        )
    with write_transaction():  # rows inserted with the models: rebuild the maintained counters
        counters.recount(session.id)
    return World(session, etabs, candidates)


@pytest.fixture
def world(session: SessionInfo) -> World:
    return build_world(session)


@pytest.fixture
def lotted(world: World) -> World:
    number_copies(world.session.id)
    constitute_lots(world.session.id)
    return world


def _grade_of(row_number: str) -> Grade | None:
    anonymat = Anonymat.get(Anonymat.number == row_number)
    return Grade.get_or_none(
        (Grade.candidate == anonymat.candidate_id) & (Grade.epreuve_code == anonymat.epreuve_code)
    )


# --- anonymity ----------------------------------------------------------------------------------


def test_numbering_is_complete_unique_random_and_idempotent(world: World) -> None:
    report = number_copies(world.session.id)
    assert report.created == {"FRE": 0, "PHI": 180, "SP1": 0, "SP2": 0}
    rows = list(Anonymat.select().where(Anonymat.epreuve_code == "PHI"))
    assert len(rows) == 180 and len({r.number for r in rows}) == 180
    assert all(anonymat_number_valid(r.number) for r in rows)
    # not guessable: the order of anonymity numbers is not the order of candidate numbers
    by_candidate = [r.number for r in sorted(rows, key=lambda r: r.candidate_id)]
    assert by_candidate != sorted(by_candidate)
    assert AuditLog.select().where(AuditLog.entity == "anonymat").count() == 180
    again = number_copies(world.session.id)
    assert again.created["PHI"] == 0 and again.existing["PHI"] == 180
    assert "rien à créer" in again.render()


def test_lots_balanced_never_own_etablissement_and_idempotent(world: World) -> None:
    number_copies(world.session.id)
    report = constitute_lots(world.session.id)
    assert report.copies == 180 and len(report.created) == 4  # 180 / 50 -> 4 lots of 45
    assert report.without_correcteur == []
    assert report.render() == "4 lots constitués : n° 1, 2, 3, 4 ; 180 copies."
    infos = list_lots(world.session.id)
    assert [i.copies for i in infos] == [45, 45, 45, 45]
    for lot in Lot.select():
        examiner = Examiner.get_by_id(lot.correcteur_id)
        etabs = {
            c.candidate.etablissement_id for c in Anonymat.select().where(Anonymat.lot == lot.id)
        }
        assert examiner.etablissement_id not in etabs
        positions = [c.position for c in Anonymat.select().where(Anonymat.lot == lot.id)]
        assert sorted(positions) == list(range(1, 46))
    assert Anonymat.select().where(Anonymat.lot.is_null()).count() == 0
    assert constitute_lots(world.session.id).created == []


def test_rebuild_refused_once_a_copy_is_graded(lotted: World) -> None:
    sid = lotted.session.id
    report = constitute_lots(sid, "PHI", rebuild=True)
    assert report.dissolved == [1, 2, 3, 4] and report.created == [1, 2, 3, 4]
    assert Anonymat.select().where(Anonymat.lot.is_null()).count() == 0
    editor = open_slip(sid, 1)
    editor.commit(0, "12")
    editor.undo()  # no grade left, but the lot was started: its packet is out
    with pytest.raises(ServiceError, match="saisies dans les lots 1"):
        constitute_lots(sid, "PHI", rebuild=True)
    assert Lot.select().count() == 4


def test_assign_correcteur_refuses_own_etablissement(lotted: World) -> None:
    lot = Lot.get(Lot.number == 1)
    etab = Anonymat.select().where(Anonymat.lot == lot.id).first().candidate.etablissement_id
    same = Examiner.get(Examiner.etablissement == etab)
    with pytest.raises(ServiceError, match="enseigne dans l'établissement"):
        assign_correcteur(lot.id, same.id)


# --- the slip editor ----------------------------------------------------------------------------


def test_commit_validate_undo_and_audit(lotted: World) -> None:
    sid = lotted.session.id
    with acting_as("operatrice1"):
        editor = open_slip(sid, 1)
        assert len(editor) == 45 and editor.first_empty() == 0
        assert editor.commit(0, "12").row.text == "12"
        assert editor.commit(1, "8").row.text == "8"
        assert editor.commit(2, "abs").row.text == "ABS"
        for bad, message in (
            ("21", "hors de l'intervalle"),
            ("12,5", "points entiers"),
            ("x", "n'est pas une note"),
        ):
            with pytest.raises(GradeEntryError, match=message):
                editor.commit(3, bad)
        assert _grade_of(editor.row(3).anonymat) is None
        g = _grade_of(editor.row(0).anonymat)
        assert g is not None and g.value_centi == 1200 and g.entered_by == "operatrice1"
        assert g.source == "saisie"
        # correction, then undo of the correction
        editor.commit(0, "13")
        assert _grade_of(editor.row(0).anonymat).value_centi == 1300
        assert editor.undo() == 0
        assert _grade_of(editor.row(0).anonymat).value_centi == 1200
        assert editor.undo() == 2  # the ABS
        assert _grade_of(editor.row(2).anonymat) is None
        assert Lot.get(Lot.number == 1).state == LotState.EN_SAISIE
    entries = list(AuditLog.select().where(AuditLog.entity == "grade").order_by(AuditLog.id))
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("create", None, "12"),
        ("create", None, "8"),
        ("create", None, "ABS"),
        ("update", "12", "13"),
        ("update", "13", "12"),
        ("delete", "ABS", None),
    ]
    assert {e.who for e in entries} == {"operatrice1"}
    assert all(e.candidate_id for e in entries)


def test_slip_rows_carry_no_candidate(lotted: World) -> None:
    editor = open_slip(lotted.session.id, 2)
    fields = set(SlipRow.__dataclass_fields__)
    assert not any("candidate" in f or "name" in f for f in fields)
    names = {c.last_name for c in Candidate.select()}
    assert not any(str(v) in names for row in editor.rows for v in vars(row).values())


def test_concurrent_change_is_detected(lotted: World) -> None:
    sid = lotted.session.id
    mine, theirs = open_slip(sid, 1), open_slip(sid, 1)
    theirs.commit(0, "10")
    with pytest.raises(ConflictError, match="modifiée par un autre poste"):
        mine.commit(0, "11")
    assert _grade_of(mine.row(0).anonymat).value_centi == 1000
    assert mine.row(0).text == "10"  # reloaded
    mine.commit(0, "11")  # now on the current version
    with pytest.raises(ConflictError):
        theirs.commit(0, "9")


def test_same_value_is_not_rewritten(lotted: World) -> None:
    editor = open_slip(lotted.session.id, 1)
    editor.commit(0, "12")
    before = AuditLog.select().count()
    assert editor.commit(0, "12,0").changed is False
    assert AuditLog.select().count() == before


def test_controls_and_closing(lotted: World) -> None:
    sid = lotted.session.id
    editor = open_slip(sid, 1)
    values = ["ABS" if i in (3, 7) else str(i % 21) for i in range(45)]
    for i, text in enumerate(values):
        editor.commit(i, text)
    total = sum(i % 21 for i in range(45) if i not in (3, 7))
    with pytest.raises(ServiceError, match="totaux de contrôle"):
        editor.close()
    check = editor.set_controls("45", "2", str(total + 1))
    assert check.copies_ok and check.absents_ok and not check.sum_ok and not check.agrees
    with pytest.raises(ServiceError, match="somme : bordereau"):
        editor.close()
    check = editor.set_controls("45", "2", f"{total},00")
    assert check.agrees and check.complete
    info = editor.close()
    assert info.state == LotState.SAISI and info.closed_by
    assert editor.mode == SlipMode.CLOSED
    with pytest.raises(ServiceError, match="clos"):
        editor.commit(0, "5")
    editor.reopen("erreur de report sur la copie 1")
    editor.commit(0, "5")
    assert not editor.controls().agrees  # the sum changed: it must be closed again


def test_a_slip_is_not_closed_against_values_another_post_changed(lotted: World) -> None:
    """The totals agree with this screen, but another post changed a grade meanwhile."""
    sid = lotted.session.id
    mine = open_slip(sid, 1)
    for i in range(45):
        mine.commit(i, "10")
    assert mine.set_controls("45", "0", "450").agrees
    other = open_slip(sid, 1)
    other.commit(0, "15")  # the base now sums to 455
    with pytest.raises(ConflictError, match="1 note changée dans la base"):
        mine.close()
    assert find_lot(sid, 1).state != LotState.SAISI
    fresh = open_slip(sid, 1)
    assert not fresh.controls().agrees  # reopened, the slip shows the real sum


def test_an_import_may_not_change_a_grade_of_a_closed_slip(lotted: World, tmp_path: Path) -> None:
    sid = lotted.session.id
    editor = open_slip(sid, 1)
    for i in range(45):
        editor.commit(i, "10")
    editor.set_controls("45", "0", "450")
    editor.close()
    lot = Lot.get((Lot.session == sid) & (Lot.number == 1))
    copy = Anonymat.select().where(Anonymat.lot == lot.id).order_by(Anonymat.position).first()
    ine, code = "0701234561A", copy.epreuve_code  # the world's candidates have no INE
    Candidate.update(ine=ine).where(Candidate.id == copy.candidate_id).execute()
    same = tmp_path / "same.csv"
    same.write_text(f"ine;epreuve;note\n{ine};{code};10\n", encoding="utf-8")
    assert import_grades(sid, same).ok  # the value the slip holds: nothing changes
    changed = tmp_path / "changed.csv"
    changed.write_text(f"ine;epreuve;note\n{ine};{code};14\n", encoding="utf-8")
    report = import_grades(sid, changed)
    assert not report.ok
    assert (
        "ligne 2, colonne note, valeur « 14 » : copie du lot 1, bordereau clos" in report.render()
    )
    assert (
        Grade.get(Grade.candidate == copy.candidate, Grade.epreuve_code == code).value_centi == 1000
    )


def test_blind_double_entry(lotted: World) -> None:
    sid = lotted.session.id
    set_double_entry(sid, 1, True)
    with acting_as("alice"):
        first = open_slip(sid, 1)
        assert first.mode == SlipMode.PASS1
        for i in range(45):
            first.commit(i, str(i % 20))
        assert first.mode == SlipMode.WAIT  # alice cannot key pass 2
        assert Grade.select().count() == 0  # nothing written before agreement
    with acting_as("alice"):
        again = open_slip(sid, 1)
        assert again.mode == SlipMode.WAIT and again.read_only
        with pytest.raises(ServiceError, match="autre opérateur"):
            again.commit(0, "3")
    with acting_as("bob"):
        second = open_slip(sid, 1)
        assert second.mode == SlipMode.PASS2
        assert all(not row.filled for row in second.rows)  # blind: pass 1 is not shown
        for i in range(45):
            text = "ABS" if i == 5 else str((i % 20) + (1 if i == 9 else 0))
            result = second.commit(i, text)
        assert result.mode_changed and second.mode == SlipMode.ARBITRAGE
        assert [(r.first, r.second) for r in second.rows] == [("5", "ABS"), ("9", "10")]
        assert Grade.select().count() == 43  # the agreeing grades are written
    with acting_as("chef"):
        third = open_slip(sid, 1)
        assert third.mode == SlipMode.ARBITRAGE and len(third) == 2
        third.commit(0, "5")
        result = third.commit(1, "10")
        assert result.mode_changed and third.mode == SlipMode.ENTRY and len(third) == 45
    assert Grade.select().count() == 45
    assert DoubleEntry.select().where(DoubleEntry.entry_pass == 3).count() == 2
    with pytest.raises(ServiceError, match="déjà saisies"):
        set_double_entry(sid, 1, False)


def test_changing_logname_does_not_make_a_second_operator(
    lotted: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both passes by one OS account are one operator, whatever LOGNAME or USER say."""
    sid = lotted.session.id
    set_double_entry(sid, 1, True)
    first = open_slip(sid, 1)
    for i in range(45):
        first.commit(i, str(i % 20))
    for name in ("LOGNAME", "USER"):
        monkeypatch.setenv(name, "le.recteur")
    again = open_slip(sid, 1)
    assert again.mode == SlipMode.WAIT and again.read_only
    with pytest.raises(ServiceError, match="autre opérateur"):
        again.commit(0, "3")


# --- missing grades -----------------------------------------------------------------------------


def test_missing_groups_lines_and_entry(lotted: World) -> None:
    sid = lotted.session.id
    editor = open_slip(sid, 1)
    for i in range(10):
        editor.commit(i, "10")
    page = missing_groups(sid)
    assert page.total_missing == 180 * 3 - 10 == grades_missing(sid)
    assert page.total_groups == len(page.groups) == 6  # jury and centre go together here
    phi = [g for g in page.groups if g.epreuve_code == "PHI"]
    assert all(g.written for g in phi) and sum(g.count for g in phi) == 170
    lines, total = missing_lines(sid, phi[0], limit=20)
    assert total == phi[0].count and len(lines) == 20
    names = {c.last_name for c in Candidate.select()}
    assert all(line.label.startswith("anonymat ") for line in lines)
    assert not any(name in line.label for line in lines for name in names)
    done = enter_missing_grade(sid, lines[0], "14")
    assert done.grade == "14"
    with pytest.raises(ConflictError):
        enter_missing_grade(sid, lines[0], "15")
    hg = next(g for g in page.groups if g.epreuve_code == "HG")
    hg_lines, _ = missing_lines(sid, hg, limit=5)
    assert hg_lines[0].label.split()[0].isdigit()  # by candidate number
    done = enter_missing_grade(sid, hg_lines[0], "12,34")
    assert done.grade == "12,4 (arrondie)"
    with pytest.raises(GradeEntryError):
        enter_missing_grade(sid, hg_lines[1], "25")
    assert grades_missing(sid) == 180 * 3 - 12
    assert missing_groups(sid, offset=1, limit=1).groups[0] == page.groups[1]


def test_missing_entry_refused_for_double_entry_lot(lotted: World) -> None:
    sid = lotted.session.id
    set_double_entry(sid, 1, True)
    group = next(g for g in missing_groups(sid).groups if g.epreuve_code == "PHI")
    lines, _ = missing_lines(sid, group, limit=500)
    in_lot_1 = next(line for line in lines if line.lot_number == 1)
    with pytest.raises(ServiceError, match="double saisie"):
        enter_missing_grade(sid, in_lot_1, "10")


def test_slip_documents(lotted: World) -> None:
    docs = slip_documents(lotted.session.id, [2, 1])
    assert [d.lot.number for d in docs] == [2, 1]
    assert len(docs[0].numbers) == 45 and docs[0].lot.correcteur.startswith("CORRECTEUR")
    with pytest.raises(ServiceError, match="introuvable"):
        slip_documents(lotted.session.id, [99])


def test_exact_sum(lotted: World) -> None:
    editor = open_slip(lotted.session.id, 1)
    for i in range(45):
        editor.commit(i, "ABS" if i == 0 else "7")
    check = editor.controls()
    assert check.sum_centi == 44 * 700 and check.sum_text == "308"
    assert Fraction(check.sum_centi, 100) == 308


# --- spécialités: lots per series, composite copies ---------------------------------------------


def test_specialite_lots_never_mix_series_and_match_correcteurs(world: World) -> None:
    sid = world.session.id
    for i, cid in enumerate(world.candidates[:120]):
        series = "ST2S" if i % 2 else "STMG"
        Candidate.update(series=series).where(Candidate.id == cid).execute()
        Registration.create(candidate=cid, epreuve_code="SP1")
    for i, series in enumerate(("STMG", "ST2S", "STMG", "ST2S")):
        Examiner.create(
            last_name=f"Spé{i}", first_name="Sam", corps="AGREGE",
            disciplines=f"SP1:{series},GO", etablissement=world.etabs[i % 3],
        )  # fmt: skip
    number_copies(sid, "SP1")
    report = constitute_lots(sid, "SP1")
    assert report.copies == 120 and not report.without_correcteur
    for info in list_lots(sid, epreuve_code="SP1"):
        lot = Lot.get_by_id(info.id)
        series = {a.candidate.series for a in Anonymat.select().where(Anonymat.lot == lot.id)}
        assert series == {info.series}
        assert Examiner.get_by_id(lot.correcteur_id).disciplines.startswith(f"SP1:{info.series}")
        assert info.subject.startswith(f"Spécialité 1 {info.series} — ")
    assert teaches("PHI,SP1:STMG", "SP1", ("STMG",)) and not teaches("SP1:STMG", "SP1", ("ST2S",))


def test_composite_copies_are_keyed_by_part(world: World) -> None:
    sid = world.session.id
    cids = world.candidates[:60]
    Candidate.update(series="ST2S").where(Candidate.id.in_(cids)).execute()
    for cid in cids:
        Registration.create(candidate=cid, epreuve_code="SP1")
    Examiner.create(last_name="Bio", first_name="Lou", corps="AGREGE", disciplines="SP1")
    number_copies(sid, "SP1")
    number = constitute_lots(sid, "SP1").created[0]
    editor = open_slip(sid, number)
    assert editor.columns == ("CHI", "BPH") and editor.width == 2
    missing_before = missing_groups(sid).total_missing
    first = editor.commit(0, "12,5", cell=0)
    assert not first.row_done and first.row.cells == ("12,5", "")
    with pytest.raises(GradeEntryError, match="demi-points"):
        editor.commit(0, "12,25", cell=1)
    second = editor.commit(0, "14", cell=1)
    assert second.row_done and second.row.text == "12,5 ; 14"
    absent = editor.commit(1, "ABS", cell=0)  # the whole copy
    assert absent.row_done and absent.row.cells == ("ABS", "ABS")
    from baktui.data.models import GradePart

    assert GradePart.select().count() == 4 and Grade.select().count() == 0
    assert missing_groups(sid).total_missing == missing_before - 2
    check = editor.controls()
    assert (check.filled, check.absents, check.sum_centi) == (2, 1, 2650)
    assert editor.undo() == 1
    assert editor.row(1).cells == ("", "") and GradePart.select().count() == 2
    assert slip_documents(sid, [number])[0].parts == (
        ("CHI", "Chimie", "3"),
        ("BPH", "Biologie et physiopathologie humaines", "13"),
    )
    group = next(g for g in missing_groups(sid).groups if g.epreuve_code == "SP1")
    line, _ = missing_lines(sid, group, limit=1)
    with pytest.raises(ServiceError, match="par parties"):
        enter_missing_grade(sid, line[0], "12")


def test_a_full_disk_is_not_called_a_busy_base(
    lotted: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's "database or disk is full" used to be shown as « occupée par un autre poste »."""
    from baktui.data import audit

    full = pw.SqliteDatabase(":memory:")
    full.execute_sql("PRAGMA max_page_count = 1")
    with pytest.raises(pw.OperationalError) as no_room:
        full.execute_sql("CREATE TABLE t (x)")  # the real SQLITE_FULL, as peewee raises it

    def disk_full(*args: object, **kwargs: object) -> None:
        raise no_room.value

    editor = open_slip(lotted.session.id, 1)
    monkeypatch.setattr(audit, "log", disk_full)
    with pytest.raises(ServiceError, match="^Disque plein") as refused:
        editor.commit(0, "12")
    assert "occupée" not in str(refused.value)
    assert _grade_of(editor.row(0).anonymat) is None
