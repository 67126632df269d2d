"""The September replacement session (issue 16), end to end through the CLI: June with an AJ
candidate → replacement session opened → September grade imported → deliberation → the
candidate's outcome equals a hand computation; June itself untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import new_base

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Candidate, Grade, GradePart, Registration, Result
from baktui.services.replacement_session import JUNE_SOURCE, counterpart
from baktui.services.sessions import require_session
from baktui.services.stats import grades_missing

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ROUSSEAU = "0701234566F"  # STHR, AJ in PHI in the sample grades


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def june(tmp_path: Path) -> Path:
    """The sample académie's June session, deliberated and closed."""
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    for kind in ("etablissements", "candidats", "notes"):
        assert run("--db", db, "import", kind, SAMPLES / f"{kind}.csv") == 0
    assert run("--db", db, "deliberer") == 0
    assert run("--db", db, "clore") == 0  # June closed: September is opened all the same
    return db


def of(session_kind: str) -> Candidate:
    session = require_session(2026, session_kind)
    return Candidate.get((Candidate.session == session.id) & (Candidate.ine == ROUSSEAU))


def test_june_aj_to_september_deliberation(june: Path, tmp_path: Path, capsys) -> None:
    assert run("--db", june, "remplacement", "ouvrir") == 0
    out = capsys.readouterr().out
    assert "Session de remplacement 2026 ouverte : 1 candidat reporté de juin" in out
    assert "1 épreuve à passer en septembre" in out
    assert run("--db", june, "remplacement", "ouvrir") == 0  # run again: nobody twice
    assert "1 candidat déjà reporté" in capsys.readouterr().out

    dbmod.open_database(str(june))
    first, second = of("normale"), of("remplacement")
    assert second.number == first.number and second.state == "validee"
    june_regs = {
        r.epreuve_code for r in Registration.select().where(Registration.candidate == first.id)
    }
    sept_regs = {
        r.epreuve_code for r in Registration.select().where(Registration.candidate == second.id)
    }
    assert sept_regs == june_regs
    carried = {g.epreuve_code: g for g in Grade.select().where(Grade.candidate == second.id)}
    assert "PHI" not in carried and len(carried) == len(june_regs) - 2  # PHI to sit, SP1 in parts
    assert {g.source for g in carried.values()} == {JUNE_SOURCE}
    assert carried["GO"].value_centi == 1200
    parts = {
        p.part_code: p.value_centi
        for p in GradePart.select().where(GradePart.candidate == second.id)
    }
    assert parts == {"STC": 1250, "STS": 1300}
    september = require_session(2026, "remplacement")
    assert grades_missing(september.id) == 1  # only PHI is waited for
    assert counterpart(first.id) == (september, second.id)
    assert counterpart(second.id)[1] == first.id
    assert AuditLog.select().where(AuditLog.candidate_id == second.id).count() >= len(june_regs)
    dbmod.close_database()

    grades = tmp_path / "septembre.csv"
    grades.write_text(f"ine;epreuve;note;groupe;session\n{ROUSSEAU};PHI;15;;\n", encoding="utf-8")
    assert run("--db", june, "import", "notes", grades, "--session", "2026",
               "--kind", "remplacement") == 0  # fmt: skip
    assert run("--db", june, "deliberer", "--session", "2026", "--kind", "remplacement") == 0

    dbmod.open_database(str(june))
    result = Result.get(Result.candidate == of("remplacement").id)
    # by hand, coefficients of the rules: FRE 11×5 + FRO 12×5 + PHI 15×4 + GO 12×14
    # + SP1 (12,5×8 + 13×8)/16 = 12,75 ×16 + SP2 13×16 + SPA 12×8 + HG 11×6 + LVA 12×6
    # + LVB 11×6 + MAT 10×6 + EPS 13×6 + EMC 12×2 = 1217, over 100
    assert (result.decision, result.mention, result.average) == ("ADMIS", "AB", "1217/100")
    june_result = Result.get(Result.candidate == of("normale").id)
    assert june_result.decision == "INCOMPLET"  # June's record stays as it was deliberated
    from baktui.services.candidate_card import candidate_card

    assert candidate_card(of("normale").id).other_session == (
        "Session de remplacement 2026 : Admis, mention Assez bien · moyenne 12,17."
    )
    assert (
        candidate_card(of("remplacement").id).other_session == "Session de juin 2026 : Incomplet."
    )
    assert (
        Grade.get((Grade.candidate == of("normale").id) & (Grade.epreuve_code == "PHI")).code
        == "AJ"
    )
    # the September relevé says which grade was sat when (SP1: June's part-grades)
    from baktui.services.transcripts import build

    (relevé,) = build(require_session(2026, "remplacement").id, [of("remplacement").id])
    when = {line.code: (line.grade, line.note) for line in relevé.lines}
    assert when["PHI"] == ("15", "septembre")
    assert when["GO"] == ("12", "juin") and when["SP1"] == ("12,75", "juin")


def test_a_late_certificate_carries_one_more_candidate_with_a_reason(june: Path, capsys) -> None:
    dbmod.open_database(str(june))
    martin = Candidate.select().where(Candidate.last_name == "Martin").get()
    number = martin.number
    dbmod.close_database()
    assert run("--db", june, "remplacement", "ajouter", number) == 1
    assert "Motif obligatoire" in capsys.readouterr().err
    # Martin has every grade in June: nothing to sit
    assert run("--db", june, "remplacement", "ajouter", number, "--motif", "certificat") == 1
    assert "rien à passer" in capsys.readouterr().err
    assert run("--db", june, "remplacement", "ajouter", "999", "--motif", "x") == 1
    assert "Aucun candidat n° 999" in capsys.readouterr().err


def test_an_abs_justified_late_is_carried_with_its_reason_audited(june: Path, capsys) -> None:
    dbmod.open_database(str(june))
    martin = Candidate.select().where(Candidate.last_name == "Martin").get()
    # setup: June recorded an ABS in MAT (raw write: the session is closed to the services)
    Grade.update(value_centi=None, code="ABS").where(
        (Grade.candidate == martin.id) & (Grade.epreuve_code == "MAT")
    ).execute()
    number = martin.number
    dbmod.close_database()
    motif = "certificat médical reçu le 20/06"
    assert run("--db", june, "remplacement", "ajouter", number, "--motif", motif) == 0
    assert "1 candidat reporté" in capsys.readouterr().out
    dbmod.open_database(str(june))
    copy = Candidate.get(
        (Candidate.session == require_session(2026, "remplacement").id)
        & (Candidate.number == number)
    )
    graded = {g.epreuve_code for g in Grade.select().where(Grade.candidate == copy.id)}
    assert "MAT" not in graded and "PHI" in graded
    reasons = {e.reason for e in AuditLog.select().where(AuditLog.candidate_id == copy.id)}
    assert reasons == {f"report tardif en septembre : {motif}"}
    dbmod.close_database()
    assert run("--db", june, "remplacement", "ajouter", number, "--motif", motif) == 1
    assert "déjà inscrit à la session de remplacement" in capsys.readouterr().err


def test_september_refuses_a_carried_grade_and_numbers_only_the_copies_to_sit(
    june: Path, tmp_path: Path, capsys
) -> None:
    """A September file that re-gives a June grade is refused whole (nothing written), naming
    the line and the épreuve; anonymity numbers go only to the épreuves to sit."""
    assert run("--db", june, "remplacement", "ouvrir") == 0
    grades = tmp_path / "septembre.csv"
    grades.write_text(
        f"ine;epreuve;note;groupe;session\n{ROUSSEAU};PHI;15;;\n{ROUSSEAU};GO;18;;\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert run("--db", june, "import", "notes", grades, "--kind", "remplacement") == 1
    out = capsys.readouterr().out
    assert "ligne 3" in out and "note de juin reportée" in out and "GO" in out
    dbmod.open_database(str(june))
    second = of("remplacement")
    stored = {g.epreuve_code: g.value_centi for g in Grade.select().where(
        Grade.candidate == second.id)}  # fmt: skip
    assert "PHI" not in stored and stored["GO"] == 1200  # nothing written
    from baktui.data.models import Anonymat
    from baktui.services.anonymity import number_copies

    september = require_session(2026, "remplacement")
    number_copies(september.id)
    numbered = {a.epreuve_code for a in Anonymat.select().where(Anonymat.candidate == second.id)}
    assert numbered == {"PHI"}  # not FRE, SP1, SP2… graded in June
    dbmod.close_database()


def test_september_takes_june_centres_rooms_and_juries_once(tmp_path: Path, capsys) -> None:
    """`remplacement reprendre`: June's centres (with rooms) and juries (with members) copied
    into September, audited, once; the AJ candidate then gets a September jury."""
    from baktui.data.models import Centre, Jury, JuryMember, Room

    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    for kind in ("etablissements", "centres", "salles", "examinateurs", "jurys", "candidats",
                 "notes"):  # fmt: skip
        assert run("--db", db, "import", kind, SAMPLES / f"{kind}.csv") == 0
    assert run("--db", db, "jurys", "repartir") == 0
    assert run("--db", db, "remplacement", "reprendre") == 1  # no September yet
    assert "remplacement" in capsys.readouterr().err
    assert run("--db", db, "remplacement", "ouvrir") == 0
    capsys.readouterr()
    assert run("--db", db, "remplacement", "reprendre") == 0
    out = capsys.readouterr().out
    dbmod.open_database(str(db))
    june, september = require_session(2026, "normale"), require_session(2026, "remplacement")

    def counts(session_id: int) -> tuple[int, int, int, int]:
        return (
            Centre.select().where(Centre.session == session_id).count(),
            Room.select().join(Centre).where(Centre.session == session_id).count(),
            Jury.select().where(Jury.session == session_id).count(),
            JuryMember.select().join(Jury).where(Jury.session == session_id).count(),
        )

    assert counts(september.id) == counts(june.id) and counts(june.id)[0] > 0
    c, r, j, m = counts(june.id)
    assert f"Repris de juin : {c} centres ({r} salles), {j} jurys ({m} membres)" in out
    first = Jury.get((Jury.session == june.id) & (Jury.number == 1))
    copy = Jury.get((Jury.session == september.id) & (Jury.number == 1))
    assert (copy.series_codes, copy.president_id, copy.state) == (
        first.series_codes, first.president_id, "constitue")  # fmt: skip
    assert Centre.get_by_id(copy.centre_id).session_id == september.id
    assert AuditLog.select().where(
        (AuditLog.entity == "jury") & (AuditLog.reason == "reprise de l'organisation de juin")
    ).count() == j  # fmt: skip
    dbmod.close_database()
    assert run("--db", db, "remplacement", "reprendre") == 0
    assert f"{c + j} déjà présents" in capsys.readouterr().out
    assert run("--db", db, "jurys", "repartir", "--kind", "remplacement") == 0
    dbmod.open_database(str(db))
    assert counts(september.id) == counts(june.id)  # nothing twice
    assert of("remplacement").jury_id is not None
    dbmod.close_database()
