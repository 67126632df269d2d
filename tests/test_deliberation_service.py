"""Deliberating a session from the database: Result rows, audit, second group, jury filter."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from helpers import small_demo

from baktui.data import audit, counters
from baktui.data.models import AuditLog, Candidate, Jury, JuryPoint, Registration, Result
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.grades import Grade
from baktui.services.candidate_files import candidate_file
from baktui.services.deliberation import deliberate_session
from baktui.services.imports.candidates import import_candidates
from baktui.services.imports.etablissements import import_etablissements
from baktui.services.imports.grades import import_grades
from baktui.services.sessions import SessionInfo, regulation_of

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def sample(session: SessionInfo) -> SessionInfo:
    """The session with the sample candidates and their first-group grades."""
    assert import_etablissements(SAMPLES / "etablissements.csv").ok
    for run, name in ((import_candidates, "candidats.csv"), (import_grades, "notes.csv")):
        report = run(session.id, SAMPLES / name)
        assert report.ok, report.render()
    return session


def cid(ine: str) -> int:
    return int(Candidate.get(Candidate.ine == ine).id)


def result(ine: str) -> Result:
    return Result.get(Result.candidate == cid(ine))


def test_results_are_written(sample: SessionInfo) -> None:
    summary = deliberate_session(sample.id)
    assert summary.total == 12 and summary.created == 12 and not summary.errors
    assert Result.select().count() == 12
    assert dict(summary.decisions) == {"ADMIS": 7, "SECOND_GROUPE": 3, "AJOURNE": 1, "INCOMPLET": 1}
    garcia = result("0701234567G")
    assert (garcia.decision, garcia.mention, garcia.average) == ("ADMIS", "TB", "1627/100")
    assert garcia.first_group_average == garcia.average and not garcia.second_group_done
    assert result("0701234566F").average is None  # INCOMPLET: AJ on PHI
    text = summary.render()
    assert "Admis" in text and "TB 1" in text and "STMG" in text and "12 nouveaux" in text
    # one audit entry per new result, plus the event of the run
    entries = AuditLog.select().where(AuditLog.entity == "result")
    assert entries.count() == 12
    assert (
        entries.where(AuditLog.candidate_id == cid("0701234567G")).get().after == "ADMIS 16,27 TB"
    )
    assert AuditLog.select().where(AuditLog.action == "event").count() == 1


def test_rerun_without_change_writes_only_the_event_and_the_run(sample: SessionInfo) -> None:
    deliberate_session(sample.id)
    before = AuditLog.select().count()
    stamps = {r.candidate_id: r.deliberated_at for r in Result.select()}
    summary = deliberate_session(sample.id)  # nothing changed: nobody to recompute
    assert summary.incremental and (summary.total, summary.created, summary.changed) == (0, 0, 0)
    assert AuditLog.select().count() == before + 3  # run started, event, run finished
    before += 3
    summary = deliberate_session(sample.id, everyone=True)  # --tout: everyone, unchanged
    assert (summary.created, summary.changed, summary.unchanged) == (0, 0, 12)
    new = list(AuditLog.select().order_by(AuditLog.id.desc()).limit(3))
    assert AuditLog.select().count() == before + 3  # run started, event, run finished
    assert [(e.entity, e.action) for e in reversed(new)] == [
        ("setting", "update"),
        ("deliberation", "event"),
        ("setting", "update"),
    ]
    assert {r.candidate_id: r.deliberated_at for r in Result.select()} == stamps


def test_second_group_redeliberation(sample: SessionInfo) -> None:
    deliberate_session(sample.id)
    assert result("0701234564D").decision == "SECOND_GROUPE"
    report = import_grades(sample.id, SAMPLES / "notes_second_groupe.csv")
    assert report.ok, report.render()
    summary = deliberate_session(sample.id)  # only the two candidates with a new grade
    assert summary.incremental and summary.total == 2
    assert (summary.created, summary.changed, summary.unchanged) == (0, 2, 0)
    assert "candidats modifiés depuis la dernière délibération : 2 candidats" in summary.render()
    dupont = result("0701234564D")
    assert (dupont.decision, dupont.mention, dupont.second_group_done) == ("ADMIS", None, True)
    assert Fraction(dupont.average) == Fraction(1006, 100)
    assert Fraction(dupont.first_group_average) == Fraction(924, 100)
    roux = result("0701234570K")
    assert (roux.decision, Fraction(roux.average)) == ("AJOURNE", Fraction(898, 100))
    changes = AuditLog.select().where((AuditLog.entity == "result") & (AuditLog.action == "update"))
    assert {(e.before, e.after) for e in changes} == {
        ("SECOND_GROUPE 9,24", "ADMIS 10,06"),
        ("SECOND_GROUPE 8,50", "AJOURNE 8,98"),
    }


def test_an_incremental_run_gives_what_a_full_run_gives(sample: SessionInfo) -> None:
    """A grade changed, a jury point, a cancelled candidate: the incremental run recomputes
    exactly those, and its results equal a recomputation of everyone."""
    deliberate_session(sample.id)
    report = import_grades(sample.id, SAMPLES / "notes_second_groupe.csv")
    assert report.ok
    lea = Candidate.get(Candidate.ine == "0701234561A")
    audit.update(Candidate, lea.id, {"state": "annulee"}, reason="test")
    summary = deliberate_session(sample.id)
    assert summary.incremental and summary.total == 2  # Léa cancelled: not deliberated
    incremental = {r.candidate_id: (r.decision, r.average) for r in Result.select()}
    full = deliberate_session(sample.id, everyone=True)
    assert not full.incremental and full.changed == 0 and full.total == 11
    assert {r.candidate_id: (r.decision, r.average) for r in Result.select()} == incremental
    Result.delete().where(Result.candidate != lea.id).execute()  # results removed by hand
    again = deliberate_session(sample.id)
    assert again.incremental and again.created == 11  # who has no result is deliberated


def test_a_phone_number_changes_no_result_a_series_does(sample: SessionInfo) -> None:
    """After the run, a new phone number (the contact dialog) leaves the results current: no
    staleness, nobody re-deliberated; an EPS exemption makes its candidate stale."""
    from baktui.services.candidate_contact import update_contact
    from baktui.services.deliberation_runs import changed_candidates, staleness

    deliberate_session(sample.id)
    lea = Candidate.get(Candidate.ine == "0701234561A")
    update_contact(lea.id, {"phone": "0698765432"}, expected_version=lea.version)
    assert Candidate.get_by_id(lea.id).phone == "0698765432"
    assert staleness(sample.id) is None
    assert changed_candidates(sample.id) == []
    audit.update(Candidate, lea.id, {"eps_inapte": not lea.eps_inapte}, reason="test")
    assert changed_candidates(sample.id) == [lea.id]
    assert staleness(sample.id) is not None and staleness(sample.id).startswith("1 modification")


def test_jury_filter(sample: SessionInfo) -> None:
    jury = Jury.create(session=sample.id, number=7, series_codes="STMG")
    Candidate.update(jury=jury.id).where(Candidate.series == "STMG").execute()
    summary = deliberate_session(sample.id, jury=7)
    assert summary.total == 3 and Result.select().count() == 3
    assert {r.candidate.series for r in Result.select()} == {"STMG"}
    assert "jury 7" in summary.render()
    with pytest.raises(ServiceError, match="Aucun jury n° 8"):
        deliberate_session(sample.id, jury=8)


def test_cancelled_candidates_are_not_deliberated(sample: SessionInfo) -> None:
    Candidate.update(state="annulee").where(Candidate.ine == "0701234565E").execute()
    assert deliberate_session(sample.id).total == 11


def test_candidate_file_gathers_everything(sample: SessionInfo) -> None:
    reg = regulation_of(sample.id)
    diallo = candidate_file(reg, cid("123456789AB"))  # ST2S: SP1 from parts CHI 12,5 and BPH 14
    assert diallo.grades["SP1"] == Grade.of(Fraction(3 * 25, 2 * 16) + Fraction(13 * 14, 16))
    petit = candidate_file(reg, cid("1A2B3C4D5E6"))  # PHI kept from 2024
    assert petit.kept == frozenset({"PHI"})
    moreau = candidate_file(reg, cid("0701234568H"))  # EPS inapte, no EPS grade
    assert moreau.eps_inapte and "EPS" not in moreau.grades
    fournier = candidate_file(reg, cid("0701234569J"))  # option LATIN-T -> OPT1
    assert "OPT1" in fournier.registered and fournier.grades["OPT1"] == Grade.of(18)
    martin = cid("0701234561A")
    for points in (50, 25):
        JuryPoint.create(
            candidate=martin, epreuve_code="PHI", points_centi=points, reason="r", given_by="x",
            given_at="2026-07-04",
        )  # fmt: skip
    assert candidate_file(reg, martin).jury_points == {"PHI": Fraction(3, 4)}
    with pytest.raises(NotFoundError):
        candidate_file(reg, 999_999)


def test_a_file_the_rules_refuse_is_reported_not_fatal(sample: SessionInfo) -> None:
    Registration.create(candidate=cid("0701234561A"), epreuve_code="XYZ")
    summary = deliberate_session(sample.id)
    assert summary.total == 11 and len(summary.errors) == 1
    assert "XYZ" in summary.render()


def test_parallel_workers_give_the_same_results(sample: SessionInfo) -> None:
    sequential = deliberate_session(sample.id, workers=0)
    Result.delete().execute()
    parallel = deliberate_session(sample.id, workers=2, chunk_size=3)
    assert parallel.created == 12 and parallel.decisions == sequential.decisions
    assert parallel.by_series == sequential.by_series


@pytest.mark.parametrize("workers", [0, 2])
def test_progress_is_told_after_each_chunk_up_to_the_total(
    sample: SessionInfo, workers: int
) -> None:
    told: list[tuple[int, int]] = []
    deliberate_session(
        sample.id, workers=workers, chunk_size=5, progress=lambda d, t: told.append((d, t))
    )
    assert told[0] == (0, 12) and told[-1] == (12, 12)
    assert [d for d, _ in told] == sorted(d for d, _ in told) and len(told) >= 3  # 5 + 5 + 2


def test_a_broken_worker_pool_falls_back_to_this_process(
    sample: SessionInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baktui.services import deliberation

    # workers cannot open that database: the pool breaks, the parent finishes the job
    monkeypatch.setattr(deliberation, "_database_target", lambda: str(tmp_path / "absent.sqlite"))
    summary = deliberate_session(sample.id, workers=2, chunk_size=4)
    assert (summary.total, summary.created, summary.changed, summary.unchanged) == (12, 12, 0, 0)
    assert Result.select().count() == 12


def test_candidate_files_for_a_list(sample: SessionInfo) -> None:
    from baktui.services.candidate_files import candidate_files

    reg = regulation_of(sample.id)
    wanted = [cid("0701234567G"), cid("123456789AB"), 999_999]
    files = candidate_files(reg, wanted)
    assert set(files) == set(wanted[:2])
    assert files[wanted[0]] == candidate_file(reg, wanted[0])


def test_fast_path_gives_the_same_results_as_deliberate(tmp_path: Path) -> None:
    """The integer fast path of a session run == rules.deliberate on every candidate file.

    On the 600-candidate demo, with extra edge cases written in: ABS/AJ/DI and missing grades,
    part-grades (ABS, AJ, DI, missing) of composite spécialités, kept grades, EPS inaptitude.
    """
    import random

    from baktui.data import db as dbmod
    from baktui.rules.deliberation import deliberate
    from baktui.services import candidate_files
    from baktui.services import deliberation as service

    target = small_demo(tmp_path)[0]
    dbmod.open_database(target)
    try:
        db = dbmod.current_database()
        rng = random.Random(7)
        p = db.param
        grades = db.execute_sql('SELECT id FROM grade WHERE "group" = 1 ORDER BY id').fetchall()
        for (pk,) in rng.sample(grades, 300):
            value, code = rng.choice(
                [(None, "ABS"), (None, "AJ"), (None, "DI"), (None, None), (2000, None), (0, None)]
            )
            db.execute_sql(
                f"UPDATE grade SET value_centi = {p}, code = {p} WHERE id = {p}", (value, code, pk)
            )
        for (pk,) in rng.sample(grades, 200):
            db.execute_sql(f"UPDATE grade SET kept_session = 2025 WHERE id = {p}", (pk,))
        parts = db.execute_sql("SELECT id FROM grade_part ORDER BY id").fetchall()
        for (pk,) in rng.sample(parts, min(150, len(parts))):
            value, code = rng.choice([(None, "ABS"), (None, "AJ"), (None, "DI"), (None, None)])
            db.execute_sql(
                f"UPDATE grade_part SET value_centi = {p}, code = {p} WHERE id = {p}",
                (value, code, pk),
            )
        db.execute_sql("UPDATE candidate SET eps_inapte = TRUE WHERE id - id / 17 * 17 = 0")
        session_id = int(db.execute_sql("SELECT MIN(id) FROM exam_session").fetchone()[0])
        reg = regulation_of(session_id)
        heads = service._heads(session_id, None, 0, 10_000)
        assert len(heads) >= 500
        fast, errors = service._compute(reg, heads)
        assert not errors
        files = candidate_files.load_files(reg, heads)
        reference = [
            (h.id, h.series, candidate_files.outcome_of(deliberate(reg, files[h.id])))
            for h in heads
        ]
        assert fast == reference
        decisions = {outcome[0] for _, _, outcome in fast}
        assert decisions == {"ADMIS", "SECOND_GROUPE", "AJOURNE", "INCOMPLET"}
    finally:
        dbmod.close_database()


# --- Runs: the export trusts only a finished, up-to-date deliberation ---------------------------


def test_results_of_an_interrupted_run_are_never_exported(
    sample: SessionInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baktui.services import deliberation
    from baktui.services.results_export import export_results

    written = deliberation._write
    calls = 0

    def dies_after_one_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # killed between two chunks
        written(*args, **kwargs)

    monkeypatch.setattr(deliberation, "_write", dies_after_one_chunk)
    with pytest.raises(KeyboardInterrupt):
        deliberate_session(sample.id, chunk_size=5, workers=0)
    assert 0 < Result.select().count() < 12  # the first chunk is committed
    for force in (False, True):
        with pytest.raises(ServiceError, match="ne s'est pas terminée"):
            export_results(sample.id, tmp_path / "r.csv", force=force)
    assert not (tmp_path / "r.csv").exists()
    monkeypatch.setattr(deliberation, "_write", written)
    deliberate_session(sample.id, chunk_size=5, workers=0)
    assert export_results(sample.id, tmp_path / "r.csv") == 12


def test_an_export_after_a_grade_change_is_refused_unless_forced(
    sample: SessionInfo, tmp_path: Path
) -> None:
    from baktui.data import audit
    from baktui.data.models import Grade as GradeRow
    from baktui.services.results_export import export_results

    deliberate_session(sample.id, workers=0)
    assert export_results(sample.id, tmp_path / "r.csv") == 12
    grade = GradeRow.select().where(GradeRow.value_centi.is_null(False)).first()
    changed = grade.value_centi + 100 if grade.value_centi <= 1900 else grade.value_centi - 100
    audit.update(GradeRow, grade.id, {"value_centi": changed})
    with pytest.raises(ServiceError, match="1 modification de notes ou d'inscriptions depuis"):
        export_results(sample.id, tmp_path / "r.csv")
    assert export_results(sample.id, tmp_path / "r.csv", force=True) == 12
    deliberate_session(sample.id, workers=0)
    assert export_results(sample.id, tmp_path / "r.csv") == 12


def test_the_counters_spare_the_search_for_candidates_without_result(sample: SessionInfo) -> None:
    """After a run, the counters prove everyone has a result (no anti-join over the session);
    a result deleted outside baktui, or a cancelled candidate, and the proof is not taken."""
    from baktui.services.deliberation_runs import changed_candidates, everyone_has_a_result

    assert not everyone_has_a_result(sample.id)  # never deliberated
    deliberate_session(sample.id)
    assert everyone_has_a_result(sample.id) and changed_candidates(sample.id) == []
    lea = Candidate.get(Candidate.ine == "0701234561A")
    Result.delete().where(Result.candidate == lea.id).execute()  # by hand: counters unaware
    assert not everyone_has_a_result(sample.id)
    assert changed_candidates(sample.id) == [lea.id]  # found by the anti-join
    deliberate_session(sample.id)
    assert Result.select().where(Result.candidate == lea.id).exists()
    assert not everyone_has_a_result(sample.id)  # the counters stay off until rebuilt
    counters.recount(sample.id)
    assert everyone_has_a_result(sample.id)
    roux = Candidate.get(Candidate.ine == "0701234570K")
    audit.update(Candidate, roux.id, {"state": "annulee"}, reason="test")
    assert everyone_has_a_result(sample.id)  # cancelled, Roux keeps his; the live have theirs
    assert changed_candidates(sample.id) == [roux.id]
    deliberate_session(sample.id)
    Result.delete().where(Result.candidate == roux.id).execute()
    counters.recount(sample.id)  # a cancelled candidate without result: no proof by counting
    assert not everyone_has_a_result(sample.id) and changed_candidates(sample.id) == []


def test_the_export_tells_the_rows_written(
    sample: SessionInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``baktui export resultats``'s bar: the rows written, every batch (5 here), done ==
    total at the end; the same file as without it."""
    from baktui.services import results_export

    deliberate_session(sample.id, workers=0)
    results_export.export_results(sample.id, tmp_path / "quiet.csv")
    monkeypatch.setattr(results_export, "BATCH", 5)
    told: list[tuple[int, int | None]] = []
    count = results_export.export_results(
        sample.id, tmp_path / "r.csv", progress=lambda d, t: told.append((d, t))
    )
    assert count == 12 and told == [(0, 12), (5, 12), (10, 12), (12, 12)]
    assert (tmp_path / "r.csv").read_bytes() == (tmp_path / "quiet.csv").read_bytes()
