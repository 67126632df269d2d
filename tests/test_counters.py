"""The maintained counters (issue 18): after random sequences of writes through the services
(grades typed, imported, registrations changed, AJ, juries and centres moved, deliberations),
the counters equal a fresh recount and the queries they replace, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, engine_database, pin_login
from test_lots_service import build_world

from baktui.data import audit
from baktui.data import counters as counter_writes
from baktui.data.db import write_transaction
from baktui.data.models import (
    AuditLog,
    Candidate,
    Centre,
    Etablissement,
    GradeCounter,
    Jury,
    Registration,
)
from baktui.errors import ServiceError
from baktui.services import counters, stats
from baktui.services.anonymity import number_copies
from baktui.services.deliberation import deliberate_session
from baktui.services.distribution import distribute_candidates
from baktui.services.grade_slip.editor import open_slip
from baktui.services.imports import run_import
from baktui.services.lot_building import constitute_lots
from baktui.services.missing_grades import MissingLine, enter_missing_grade, missing_groups
from baktui.services.registration import CandidateData, register_candidate, update_candidate
from baktui.services.registration_states import set_state
from baktui.services.sessions import SessionInfo, open_registre

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SERIES = (("STMG", "GF"), ("ST2S", ""), ("STHR", ""), ("STI2D", "EE"))
GRADES = ("12", "8,5", "ABS", "AJ", "DI", "15", "0", "20")


def same_as_recount(session_id: int) -> None:
    """The stored counters equal a fresh recount, and the screens' figures the raw queries."""
    (check,) = counters.verify(session_id)
    assert check.differences == (), check.differences[:5]
    assert stats.home_counts(session_id, with_grades=False) == stats.home_counts(
        session_id, with_grades=False, raw=True
    )
    assert stats.grades_missing(session_id) == stats.grades_missing_raw(session_id)
    assert missing_groups(session_id) == missing_groups(session_id, raw=True)


@pytest.fixture(params=ENGINES)
def office(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, list[int]]]:
    """A session of 24 candidates of four series (two with composite spécialités), three
    centres and two juries, registered through the services."""
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        sid = open_registre(2026).id
        assert run_import("etablissements", sid, SAMPLES / "etablissements.csv").ok
        etabs = [e.id for e in Etablissement.select().order_by(Etablissement.id)]
        with write_transaction():
            for i in range(3):
                audit.create(Centre, session=sid, code=f"C{i}", name=f"Centre {i}")
            for i in range(2):
                audit.create(Jury, session=sid, number=i + 1, series_codes="STMG ST2S STHR STI2D")
        ids = []
        for n in range(24):
            series, sub = SERIES[n % len(SERIES)]
            ids.append(
                register_candidate(
                    sid,
                    CandidateData(
                        ine=f"{123456700 + n}AB",
                        last_name=f"Nom{n}",
                        first_name="Alex",
                        birth_date=None,
                        series=series,
                        sub_choice=sub,
                        lva="ANG",
                        lvb="" if n % 5 == 0 else "ESP",
                        status="scolaire" if n % 3 else "individuel",
                        etablissement_id=etabs[n % len(etabs)],
                    ),
                )  # fmt: skip
            )
        yield sid, ids


def _random_step(rng: random.Random, sid: int, ids: list[int], tmp: Path) -> str:
    """One write through a service, chosen at random; returns what it did (for the failure)."""
    kind = rng.choice(
        ["type", "type", "import", "import", "lvb", "state", "centre", "jury", "options",
         "series", "deliberate", "distribute"]
    )  # fmt: skip
    cid = rng.choice(ids)
    candidate = Candidate.get_by_id(cid)
    try:
        if kind == "type":
            codes = [
                r.epreuve_code for r in Registration.select().where(Registration.candidate == cid)
            ]
            code = rng.choice(codes)
            enter_missing_grade(sid, MissingLine(f"c:{cid}:{code}", code, ""), rng.choice(GRADES))
        elif kind == "import":
            lines = ["ine;epreuve;note"]
            for other in rng.sample(ids, 6):
                row = Candidate.get_by_id(other)
                codes = [
                    r.epreuve_code
                    for r in Registration.select().where(Registration.candidate == other)
                ]
                code = rng.choice(codes)
                if code == "SP1" and row.series in ("ST2S", "STHR"):
                    part = "CHI" if row.series == "ST2S" else rng.choice(["STC", "STS"])
                    code = f"SP1.{part}"
                lines.append(f"{row.ine};{code};{rng.choice(GRADES)}")
            path = tmp / f"notes{rng.randrange(10**9)}.csv"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            run_import("notes", sid, path)
        elif kind == "lvb":
            update_candidate(cid, {"lvb": "" if candidate.lvb else "ESP"})
        elif kind == "state":
            state = rng.choice(["annulee", "validee", "brouillon", "confirmee"])
            set_state(cid, state, expected_version=candidate.version)
        elif kind == "centre":
            centre = rng.choice([None, *(c.id for c in Centre.select())])
            with write_transaction():
                audit.update(Candidate, cid, {"centre": centre}, reason="test")
        elif kind == "jury":
            jury = rng.choice([None, *(j.id for j in Jury.select())])
            with write_transaction():
                audit.update(Candidate, cid, {"jury": jury}, reason="test")
        elif kind == "options":
            update_candidate(cid, {"options": rng.choice(["", "LATIN-T", "ARTS-T"])})
        elif kind == "series":
            series, sub = rng.choice(SERIES)
            update_candidate(cid, {"series": series, "sub_choice": sub})
        elif kind == "deliberate":
            deliberate_session(sid, workers=0, everyone=rng.random() < 0.5)
        elif kind == "distribute":
            distribute_candidates(sid, reassign=rng.random() < 0.5)
    except ServiceError:
        pass  # refused by the service: nothing written, the counters must agree all the same
    return f"{kind} {cid}"


@pytest.mark.parametrize("seed", [1, 2])
def test_random_writes_keep_the_counters_exact(
    office: tuple[int, list[int]], seed: int, tmp_path: Path
) -> None:
    sid, ids = office
    same_as_recount(sid)
    rng = random.Random(seed)
    done = []
    for step in range(45):
        done.append(_random_step(rng, sid, ids, tmp_path))
        if step % 5 == 4:
            try:
                same_as_recount(sid)
            except AssertionError as exc:
                raise AssertionError(f"after {done}: {exc}") from None
    same_as_recount(sid)
    assert stats.grades_missing(sid) < sum(r.registrations for r in GradeCounter.select())


def _import(sid: int, tmp: Path, name: str, lines: list[str]) -> None:
    path = tmp / name
    path.write_text("ine;epreuve;note;groupe;session\n" + "\n".join(lines) + "\n", "utf-8")
    report = run_import("notes", sid, path)
    assert report.ok, report.render()


def test_an_import_of_every_kind_of_line_keeps_the_counters_exact(
    office: tuple[int, list[int]], tmp_path: Path
) -> None:
    """New grades are counted from the import's own delta, the other lines (parts, kept
    grades, corrections, a kept registration cleared) by reading the candidates again: the
    counters stay those of a recount, batch after batch."""
    sid, ids = office
    ine = {cid: Candidate.get_by_id(cid).ine for cid in ids}
    stmg, st2s, sthr, kept_reg, kept_new = ids[0], ids[1], ids[2], ids[4], ids[8]
    with write_transaction():
        registration = Registration.get(
            (Registration.candidate == kept_reg) & (Registration.epreuve_code == "PHI")
        )
        audit.update(Registration, registration.id, {"kept_session": 2024}, reason="test")
    same_as_recount(sid)
    missing = stats.grades_missing(sid)
    _import(sid, tmp_path, "a.csv", [
        f"{ine[stmg]};PHI;12;;", f"{ine[stmg]};FRE;AJ;;", f"{ine[stmg]};SP2;ABS;;",
        f"{ine[stmg]};FR;9;2;",  # second group: counted nowhere
        f"{ine[st2s]};SP1.CHI;12;;", f"{ine[st2s]};SP1.BPH;14;;",  # parts: graded once both
        f"{ine[sthr]};SP1.STC;11;;",  # one part of two: not graded yet
        f"{ine[kept_reg]};PHI;13;;",  # the kept grade given up: the registration counts again
        f"{ine[kept_new]};PHI;14;;2025",  # kept: no longer expected
    ])  # fmt: skip
    same_as_recount(sid)
    assert sum(r.aj for r in GradeCounter.select()) == 1
    # 3 new grades and one épreuve by parts entered; one registration more expected, entered;
    # one kept (no longer expected): 5 fewer missing
    assert stats.grades_missing(sid) == missing - 5
    _import(sid, tmp_path, "b.csv", [
        f"{ine[stmg]};PHI;AJ;;", f"{ine[stmg]};FRE;9;;",  # corrections: AJ moves
        f"{ine[sthr]};SP1.STS;10;;",  # the second part: graded
        f"{ine[ids[12]]};MAT;AJ;;",
    ])  # fmt: skip
    same_as_recount(sid)
    assert sum(r.aj for r in GradeCounter.select()) == 2
    assert stats.grades_missing(sid) == missing - 7


def test_counters_follow_a_slip_and_its_undo(session: SessionInfo) -> None:
    world = build_world(session, n=60)
    number_copies(session.id)
    constitute_lots(session.id)
    before = stats.grades_missing(session.id)
    editor = open_slip(session.id, 1)
    for i in range(5):
        editor.commit(i, "AJ" if i == 0 else "11")
    assert stats.grades_missing(session.id) == before - 5
    assert sum(r.aj for r in GradeCounter.select()) == 1
    editor.undo()
    assert stats.grades_missing(session.id) == before - 4
    same_as_recount(world.session.id)


def test_a_failed_write_counts_nothing(session: SessionInfo) -> None:
    build_world(session, n=6)
    before = stats.grades_missing(session.id)
    cid = Candidate.select().first().id
    with pytest.raises(RuntimeError), write_transaction(), counter_writes.tracking([cid]):
        Registration.delete().where(Registration.candidate == cid).execute()
        raise RuntimeError
    assert stats.grades_missing(session.id) == before
    same_as_recount(session.id)


def test_a_deleted_jury_counts_as_without_jury(session: SessionInfo) -> None:
    world = build_world(session, n=6)
    jury = Jury.select().first()
    before = missing_groups(session.id).total_missing
    jury.delete_instance()  # SET NULL on the candidates: the counters still name the jury
    page = missing_groups(session.id)
    assert page.total_missing == before
    assert page == missing_groups(session.id, raw=True)
    (check,) = counters.verify(world.session.id)
    assert check.differences  # stored under the old jury: verifier names them
    counters.rebuild(session.id)
    same_as_recount(session.id)


def _baktui(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "baktui", "--db", str(db), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_commands_check_and_rebuild(session: SessionInfo, db_path: Path) -> None:
    build_world(session, n=12)
    ok = _baktui(db_path, "compteurs", "verifier")
    assert ok.returncode == 0, ok.stderr
    assert "compteurs vérifiés, tous exacts." in ok.stdout
    assert ok.stderr == ""  # no bar when stderr is not a terminal
    # a grade deleted behind baktui's back (SQL by hand): the check names the counter
    with write_transaction():
        GradeCounter.update(graded=GradeCounter.graded + 3).where(
            GradeCounter.epreuve_code == "PHI"
        ).execute()
    bad = _baktui(db_path, "compteurs", "verifier")
    assert bad.returncode == 1
    assert "PHI — notes saisies : 3 enregistrés, 0 recomptés" in bad.stdout
    assert "baktui compteurs reconstruire" in bad.stdout
    rebuilt = _baktui(db_path, "compteurs", "reconstruire", "--session", "2026")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("Session 2026 normale : compteurs reconstruits (")
    assert AuditLog.select().where(AuditLog.entity == "counters").count() == 1
    assert _baktui(db_path, "compteurs", "verifier").returncode == 0
    unknown = _baktui(db_path, "compteurs", "verifier", "--session", "2031")
    assert unknown.returncode == 1 and "Aucune session 2031" in unknown.stderr


def test_counters_changed_behind_baktuis_back_are_said_wrong(
    session: SessionInfo, db_path: Path
) -> None:
    """A counter no write could give (more grades entered than registrations: rows changed
    with plain SQL, a table restored) is noticed: the home screen and ``etat`` say the
    figures are wrong instead of showing a negative « notes manquantes », until the rebuild."""
    build_world(session, n=6)
    number_copies(session.id)
    constitute_lots(session.id)
    open_slip(session.id, 1).commit(0, "12")
    assert not counters.inconsistent(session.id)
    assert not stats.home_counts(session.id, with_grades=False).counters_inconsistent
    GradeCounter.update(graded=GradeCounter.registrations + 1).where(
        GradeCounter.graded > 0
    ).execute()  # what a restored table or hand-typed SQL leaves
    assert counters.inconsistent(session.id)
    assert stats.home_counts(session.id, with_grades=False).counters_inconsistent
    etat = subprocess.run(
        [sys.executable, "-m", "baktui", "--db", str(db_path), "etat"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "compteurs incohérents" in etat.stderr
    counters.rebuild(session.id)
    assert not counters.inconsistent(session.id)


def test_rebuild_and_verify_tell_the_sessions_done(session: SessionInfo) -> None:
    """``baktui compteurs``' bar: the sessions done (a minute each at national scale)."""
    build_world(session, n=6)
    told: list[tuple[int, int | None]] = []
    counters.verify(progress=lambda d, t: told.append((d, t)))
    counters.rebuild(progress=lambda d, t: told.append((d, t)))
    assert told == [(0, 1), (1, 1)] * 2
