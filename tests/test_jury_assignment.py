"""`baktui jurys repartir`: the candidates of a session placed in juries, audited, from the CLI.

Hand computation of :func:`_build` (no centre, no teacher: only séries and loads decide).
Juries 1 (STMG) and 2 (STMG, STI2D). Blocks, largest first: STMG of A (5) → jury 1 (both at 0:
the lower number); STI2D of A (4) → jury 2, the only one; STMG of B (3) → jury 2 (4 < 5);
STMG of C (2) → jury 1 (5 < 7). Loads 7 and 7; the 2 STHR of B have no jury; the cancelled
STMG candidate of A is never placed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Candidate, Etablissement, Jury, Result
from baktui.errors import ServiceError
from baktui.rules.lifecycles import RegistrationState
from baktui.services.distribution import distribute_candidates
from baktui.services.results_export import result_rows
from baktui.services.sessions import SessionInfo

FIRST = (
    "14 candidats répartis (4 groupes d'établissement) : jury 1 (STMG) 7, jury 2 (STMG, STI2D) 7 ; "
    "2 candidats sans jury possible (série STHR : aucun jury)."
)


def _candidates(session_id: int, etab: int, series: str, count: int, **kw) -> list[int]:
    start = Candidate.select().count() + 1
    return [
        Candidate.create(
            session=session_id,
            number=f"26{start + n:07d}",
            last_name=f"Nom{start + n}",
            first_name="Test",
            name_key=f"nom{start + n} test",
            series=series,
            etablissement=etab,
            **kw,
        ).id
        for n in range(count)
    ]


def _build(session_id: int) -> dict[str, object]:
    etabs = {
        key: Etablissement.create(uai=f"069000{n}X", name=f"Lycée {key}").id
        for n, key in enumerate("ABCD")
    }
    juries = {
        1: Jury.create(session=session_id, number=1, series_codes="STMG").id,
        2: Jury.create(session=session_id, number=2, series_codes="STMG,STI2D").id,
    }
    blocks = {
        "A-STMG": _candidates(session_id, etabs["A"], "STMG", 5),
        "A-STI2D": _candidates(session_id, etabs["A"], "STI2D", 4),
        "B-STMG": _candidates(session_id, etabs["B"], "STMG", 3),
        "C-STMG": _candidates(session_id, etabs["C"], "STMG", 2),
        "B-STHR": _candidates(session_id, etabs["B"], "STHR", 2),
        "annulee": _candidates(session_id, etabs["A"], "STMG", 1, state=RegistrationState.ANNULEE),
    }
    return {"etabs": etabs, "juries": juries, "blocks": blocks}


def _jury_of(ids: list[int]) -> set[int | None]:
    return {c.jury_id for c in Candidate.select().where(Candidate.id.in_(ids))}


def _moves() -> list[AuditLog]:
    return list(
        AuditLog.select()
        .where((AuditLog.entity == "candidate") & (AuditLog.field == "jury"))
        .order_by(AuditLog.id)
    )


def test_placements_by_series_blocks_and_balance_audited(session: SessionInfo) -> None:
    world = _build(session.id)
    juries, blocks = world["juries"], world["blocks"]
    summary = distribute_candidates(session.id)
    assert summary.render() == FIRST
    assert _jury_of(blocks["A-STMG"] + blocks["C-STMG"]) == {juries[1]}
    assert _jury_of(blocks["A-STI2D"] + blocks["B-STMG"]) == {juries[2]}
    assert _jury_of(blocks["B-STHR"] + blocks["annulee"]) == {None}
    assert {c.version for c in Candidate.select().where(Candidate.jury.is_null(False))} == {2}
    moves = _moves()
    assert len(moves) == 14  # one audit entry per candidate moved
    assert all(m.action == "update" and m.before is None for m in moves)
    assert {(int(m.entity_id), m.candidate_id, int(m.after)) for m in moves} == {
        (c.id, c.id, c.jury_id) for c in Candidate.select().where(Candidate.jury.is_null(False))
    }
    # the chain of the audit log still holds after the bulk entries
    from baktui.services.audit_check import check_audit_log

    assert check_audit_log().ok


def test_already_placed_keep_their_jury_unless_everything_is_replaced(
    session: SessionInfo,
) -> None:
    world = _build(session.id)
    juries, blocks, etabs = world["juries"], world["blocks"], world["etabs"]
    distribute_candidates(session.id)
    late = _candidates(session.id, etabs["D"], "STMG", 1)
    summary = distribute_candidates(session.id)
    assert summary.render() == (
        "1 candidat réparti (1 groupe d'établissement), 14 déjà placés gardent leur jury : "
        "jury 1 (STMG) 8, jury 2 (STMG, STI2D) 7 ; "
        "2 candidats sans jury possible (série STHR : aucun jury)."
    )
    assert _jury_of(late) == {juries[1]}
    assert len(_moves()) == 15
    # someone moved A's STMG block by hand into jury 2: kept without --tout…
    Candidate.update(jury=juries[2]).where(Candidate.id.in_(blocks["A-STMG"])).execute()
    assert distribute_candidates(session.id).placed == 0
    assert _jury_of(blocks["A-STMG"]) == {juries[2]}
    # …placed again with it: the plan of the first run, D's candidate into jury 1 (7 < 12)
    summary = distribute_candidates(session.id, reassign=True)
    assert (summary.placed, summary.moved, summary.kept) == (15, 5, 0)
    assert (
        "15 candidats répartis (5 groupes d'établissement), 5 changent de jury" in summary.render()
    )
    assert _jury_of(blocks["A-STMG"] + late) == {juries[1]}
    back = _moves()[15:]
    assert sorted(int(m.entity_id) for m in back) == blocks["A-STMG"]
    assert {(m.before, m.after) for m in back} == {(str(juries[2]), str(juries[1]))}


def test_no_jury_refused(session: SessionInfo) -> None:
    _candidates(session.id, Etablissement.create(uai="0690000X", name="L").id, "STMG", 2)
    with pytest.raises(ServiceError) as refused:
        distribute_candidates(session.id)
    assert str(refused.value) == (
        "Aucun jury dans la session : importez d'abord les jurys (baktui import jurys)."
    )
    assert _moves() == []


def test_export_gives_the_candidate_number_and_jury(session: SessionInfo) -> None:
    world = _build(session.id)
    distribute_candidates(session.id)
    for c in Candidate.select().where(Candidate.state != RegistrationState.ANNULEE):
        Result.create(
            candidate=c, decision="ADMIS", average="12", deliberated_at="x", deliberated_by="t"
        )
    rows = {row[7]: row for row in result_rows(session.id)}
    assert len(rows) == 16 and all(len(row) == 9 for row in rows.values())
    by_id = {c.id: c.number for c in Candidate.select()}
    a_stmg = by_id[world["blocks"]["A-STMG"][0]]
    sthr = by_id[world["blocks"]["B-STHR"][0]]
    assert rows[a_stmg][4:] == ("12,00", "ADMIS", "", a_stmg, "1")
    assert rows[sthr][7:] == (sthr, "")  # no jury possible: empty


def test_cli_exit_codes(session: SessionInfo, db_path: Path, capsys) -> None:
    world = _build(session.id)
    dbmod.close_database()
    assert main(["--db", str(db_path), "jurys", "repartir", "--session", "2026"]) == 0
    assert capsys.readouterr().out.strip() == FIRST
    assert main(["--db", str(db_path), "jurys", "repartir", "--tout"]) == 0
    assert "14 candidats répartis (4 groupes d'établissement), 0 changent de jury" in (
        capsys.readouterr().out
    )
    assert main(["--db", str(db_path), "jurys", "repartir", "--session", "1999"]) == 1
    with pytest.raises(SystemExit) as usage:
        main(["--db", str(db_path), "jurys", "melanger"])
    assert usage.value.code == 2
    dbmod.open_database(str(db_path))
    assert _jury_of(world["blocks"]["A-STMG"]) == {world["juries"][1]}
    Jury.delete().execute()  # the candidates' jury is set to NULL with them
    dbmod.close_database()
    capsys.readouterr()
    assert main(["--db", str(db_path), "jurys", "repartir"]) == 1
    assert "Aucun jury dans la session" in capsys.readouterr().err
    dbmod.open_database(str(db_path))


# --- progress: what ``baktui jurys repartir`` and F5 « t » show while it runs -----------------


def test_progress_counts_each_moved_candidate_once_per_phase(
    session: SessionInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing counted while reading, then the 14 moves by batches of 3 (BATCH made small):
    their juries (0-14), their audit entries (14-28), the counters (28-42); the last call is
    done == total, the counts never go back."""
    from baktui.services import distribution

    _build(session.id)
    monkeypatch.setattr(distribution, "BATCH", 3)
    told: list[tuple[int, int | None]] = []
    summary = distribute_candidates(session.id, progress=lambda d, t: told.append((d, t)))
    assert summary.render() == FIRST
    assert told == [(0, None), (3, 42), (6, 42), (9, 42), (12, 42), (14, 42),
                    (17, 42), (20, 42), (23, 42), (26, 42), (28, 42), (42, 42)]  # fmt: skip
    # nobody to move: read, then done at once
    told.clear()
    distribute_candidates(session.id, progress=lambda d, t: told.append((d, t)))
    assert told == [(0, None), (0, 0)]


@pytest.mark.parametrize("stop_at", [6, 20, 42])  # juries, audit entries, the very last call
def test_a_run_stopped_from_its_progress_writes_nothing(
    session: SessionInfo, monkeypatch: pytest.MonkeyPatch, stop_at: int
) -> None:
    """Échap in F5 makes the progress raise Cancelled: the one transaction rolls back, at any
    point, even on the last call (made before the commit)."""
    from baktui.errors import Cancelled
    from baktui.services import distribution
    from baktui.services.stats import home_counts

    world = _build(session.id)
    monkeypatch.setattr(distribution, "BATCH", 3)
    before = home_counts(session.id, with_grades=False)
    audited = AuditLog.select().count()

    def progress(done: int, total: int | None) -> None:
        if done == stop_at:
            raise Cancelled("arrêté")

    with pytest.raises(Cancelled):
        distribute_candidates(session.id, progress=progress)
    everyone = [cid for ids in world["blocks"].values() for cid in ids]
    assert _jury_of(everyone) == {None}
    assert AuditLog.select().count() == audited
    assert home_counts(session.id, with_grades=False) == before
    assert distribute_candidates(session.id).render() == FIRST  # and it runs again in full


def test_cli_output_is_the_same_with_the_bar_on_a_terminal(
    session: SessionInfo, db_path: str
) -> None:
    """On a terminal, stderr shows the bar (transient); stdout is the report either way, and
    stderr is empty when it is not a terminal."""
    from helpers import run_baktui, run_with_terminal_stderr

    _build(session.id)
    dbmod.close_database()
    command = ["--db", db_path, "jurys", "repartir"]
    shown, out, code = run_with_terminal_stderr(command)
    assert code == 0 and out.strip() == FIRST
    assert "Répartition" in shown  # the bar was drawn
    plain = run_baktui(command)
    assert plain.returncode == 0 and plain.stderr == ""
    assert "0 candidat réparti, 14 déjà placés gardent leur jury" in plain.stdout
