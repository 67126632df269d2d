"""Streaming, all-or-nothing imports: the file checked in one pass, written in one transaction by
batches; any refusal or a cancellation, wherever it comes, and nothing is written. Progress and
cancellation (the callback the CLI and the application share), the integer grade parser, the
audit text built once per row, the CLI's silent stderr when it is not a terminal, and F4
Ctrl+G's import bar cancelled with Échap."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baktui.data import audit, audit_chain
from baktui.data import db as dbmod
from baktui.data.models import AuditLog, Candidate, Grade, GradePart
from baktui.rules.grades import GradeError, parse_grade, parse_grade_centi, to_centi
from baktui.rules.regulation import PRECISION_HALF, PRECISION_TENTH_UP, PRECISION_WHOLE
from baktui.services.imports import progress as batches
from baktui.services.imports.candidates import import_candidates
from baktui.services.imports.grades import import_grades
from baktui.services.imports.progress import CANCELLED, ImportCancelled
from baktui.services.imports.tabular import open_stream, read_table
from baktui.services.sessions import SessionInfo

CANDIDATES_HEADER = (
    "ine;nom;prenom;date_naissance;serie;statut;sous_choix;lva;lvb;options;eps_inapte"
)
CODES = ("FRE", "PHI", "HG", "MAT", "EMC")  # STMG épreuves of one grade each
COUNT = 60  # candidates: 300 grade lines, written by batches of 40 (the batch size is patched)


def ine(n: int) -> str:
    return f"97{n:07d}KC"


@pytest.fixture
def many(session: SessionInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SessionInfo:
    """COUNT STMG candidates; imports check and write by batches of 40 lines."""
    monkeypatch.setattr(batches, "BATCH", 40)
    lines = [
        f"{ine(n)};Martin;Léa;14/03/2008;STMG;scolaire;MERC;ANG;ESP;;non" for n in range(COUNT)
    ]
    path = tmp_path / "candidats.csv"
    path.write_text("\n".join([CANDIDATES_HEADER, *lines]) + "\n", encoding="utf-8")
    report = import_candidates(session.id, path)
    assert report.ok and report.created == COUNT, report.render()
    return session


def grades_lines() -> list[str]:
    return [f"{ine(n)};{code};{10 + n % 9}" for n in range(COUNT) for code in CODES]


def write_grades(tmp_path: Path, lines: list[str], name: str = "notes.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["ine;epreuve;note;groupe", *lines]) + "\n", encoding="utf-8")
    return path


def snapshot() -> tuple[int, int, int, int]:
    return (Grade.select().count(), GradePart.select().count(), AuditLog.select().count(),
            Candidate.select().count())  # fmt: skip


def chain_holds() -> bool:
    return audit_chain.walk(dbmod.current_database()).broken is None


def test_a_large_file_is_imported_by_batches_with_one_audit_entry_per_grade(
    many: SessionInfo, tmp_path: Path
) -> None:
    before = AuditLog.select().count()
    report = import_grades(many.id, write_grades(tmp_path, grades_lines()))
    assert report.ok and report.created == COUNT * len(CODES), report.render()
    assert Grade.select().count() == COUNT * len(CODES)
    entries = AuditLog.select().where(AuditLog.id > before).order_by(AuditLog.id)
    assert entries.count() == COUNT * len(CODES)
    # every entry names its grade and its file line; ids of the batches are read back right
    for entry in entries:
        grade = Grade.get_by_id(int(entry.entity_id))
        assert entry.after.startswith(
            f"candidate={grade.candidate_id}; epreuve_code={grade.epreuve_code}; group=1; "
            f"value_centi={grade.value_centi}; source=import"
        )
        assert entry.candidate_id == grade.candidate_id
    assert chain_holds()
    again = import_grades(many.id, write_grades(tmp_path, grades_lines()))
    assert again.ok and again.unchanged == COUNT * len(CODES) and again.created == 0


def test_a_bad_line_at_the_end_of_a_large_file_leaves_the_base_unchanged(
    many: SessionInfo, tmp_path: Path
) -> None:
    before = snapshot()
    lines = [*grades_lines(), f"{ine(3)};FRE;12", f"{ine(4)};PHI;21"]  # twice, out of range
    report = import_grades(many.id, write_grades(tmp_path, lines))
    assert not report.ok and snapshot() == before
    text = report.render()
    assert f"ligne {len(lines) + 1}, colonne note, valeur « 21 »" in text
    assert (
        f"ligne {len(lines)}, colonne epreuve, valeur « FRE » : note déjà donnée ligne 17 " in text
    )  # ine(3)'s FRE: line 2 + 3 × 5


def test_a_refusal_found_while_writing_the_last_batch_rolls_everything_back(
    many: SessionInfo, tmp_path: Path
) -> None:
    """A line refused against the stored grades (a third second-group subject) is found in the
    write transaction, after the batches before it were written: they are rolled back."""
    last = ine(COUNT - 1)
    stored = write_grades(tmp_path, [f"{last};FR;9;2", f"{last};PHI;8;2"], name="g2.csv")
    assert import_grades(many.id, stored).ok
    before = snapshot()
    report = import_grades(many.id, write_grades(tmp_path, [*grades_lines(), f"{last};SP1;7;2"]))
    assert not report.ok, report.render()
    assert "au plus 2 matières au second groupe" in report.render()
    assert f"ligne {COUNT * len(CODES) + 2}," in report.render()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert snapshot() == before
    assert chain_holds()


@pytest.mark.parametrize("when", ["check", "write"])
def test_a_cancelled_import_writes_nothing(many: SessionInfo, tmp_path: Path, when: str) -> None:
    calls: list[tuple[int, int | None]] = []

    def progress(done: int, total: int | None) -> None:
        calls.append((done, total))
        if total and done > (total // 2 if when == "check" else total // 2 + 100):
            raise ImportCancelled

    before = snapshot()
    path = write_grades(tmp_path, grades_lines())
    with pytest.raises(ImportCancelled, match="Import annulé : rien n’a été écrit"):
        import_grades(many.id, path, progress)
    assert snapshot() == before and chain_holds()
    assert calls[0] == (0, 2 * COUNT * len(CODES))  # the lines counted before reading them
    assert all(b[0] >= a[0] for a, b in zip(calls, calls[1:], strict=False))
    assert str(ImportCancelled()) == CANCELLED


def test_progress_counts_every_line_twice_checked_then_written(
    many: SessionInfo, tmp_path: Path
) -> None:
    seen: list[tuple[int, int | None]] = []
    report = import_grades(
        many.id, write_grades(tmp_path, grades_lines()), lambda d, t: seen.append((d, t))
    )
    assert report.ok
    lines = COUNT * len(CODES)
    assert seen[0] == (0, 2 * lines) and seen[-1] == (2 * lines, 2 * lines)
    assert (lines, 2 * lines) in seen  # the check pass over: the total is exact


def test_candidates_import_cancelled_while_writing_writes_nothing(
    session: SessionInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "BATCH", 10)
    lines = [f"{ine(n)};Martin;Léa;14/03/2008;STMG;scolaire;MERC;ANG;ESP;;non" for n in range(50)]
    path = tmp_path / "candidats.csv"
    path.write_text("\n".join([CANDIDATES_HEADER, *lines]) + "\n", encoding="utf-8")
    before = snapshot()

    def progress(done: int, total: int | None) -> None:
        if total and done >= 70:  # 20 of the 50 written
            raise ImportCancelled

    with pytest.raises(ImportCancelled):
        import_candidates(session.id, path, progress)
    assert snapshot() == before and chain_holds()
    bad = [*lines[:-1], f"{ine(49)};Martin;Léa;14/03/2108;STMG;scolaire;MERC;ANG;ESP;;non"]
    path.write_text("\n".join([CANDIDATES_HEADER, *bad]) + "\n", encoding="utf-8")
    report = import_candidates(session.id, path)
    assert not report.ok and "ligne 51, colonne date_naissance" in report.render()
    assert snapshot() == before


def test_a_malformed_line_far_down_a_csv_refuses_the_file(
    session: SessionInfo, tmp_path: Path
) -> None:
    path = tmp_path / "notes.csv"
    body = "".join(f"{ine(n)};FRE;12\n" for n in range(3000))
    path.write_text("ine;epreuve;note\n" + body + "0701234561A;FRE;12" + ";" * 250 + "\n")
    before = snapshot()
    report = import_grades(session.id, path)
    assert report.fatal is not None and snapshot() == before
    assert "ligne 3002 : 253 colonnes (200 au plus)" in report.render()
    assert "Rien n'a été enregistré" in report.render()


def test_the_stream_reads_as_the_table(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("Ine;Épreuve;Note;\r\n\r\na;b;c;\r\nd;e;f;x\r\n".encode("cp1252"))
    table = read_table(path)
    stream = open_stream(path)
    rows = list(stream.rows())
    assert rows == list(table.rows) and stream.headers == table.headers
    assert (stream.encoding, stream.separator) == (table.encoding, table.separator)
    assert table.extra_cells == (4,) and [r.extra for r in rows] == [False, True]
    assert stream.estimated_rows == 3  # newlines after the header: for a bar, about
    with pytest.raises(RuntimeError):
        stream.rows()  # read once


# --- the integer grade parser -------------------------------------------------------------


def _slow(text: str, precision: str, max_grade: Fraction) -> object:
    try:
        parsed = parse_grade(text, precision, max_grade)
    except GradeError as exc:
        return ("refusé", str(exc))
    grade = parsed.grade
    if grade is None:
        return (None, None, False)
    if grade.value is None:
        return (None, grade.code, False)
    return (to_centi(grade.value), None, parsed.rounded)


def _fast(text: str, precision: str, max_grade: Fraction) -> object:
    try:
        return parse_grade_centi(text, precision, max_grade)
    except GradeError as exc:
        return ("refusé", str(exc))


GRADE_TEXTS = st.one_of(
    st.from_regex(r"\s?-?[0-9]{1,3}([.,][0-9]{0,4})?\s?", fullmatch=True),
    st.sampled_from(["", " ", "ABS", "aj", "Di", "abſ", "12,5,5", "1e3", "٣", "x", "0" * 45]),
    st.text(max_size=6),
)


@settings(max_examples=600, deadline=None)
@given(
    GRADE_TEXTS,
    st.sampled_from([PRECISION_WHOLE, PRECISION_HALF, PRECISION_TENTH_UP]),
    st.sampled_from([Fraction(20), Fraction(40, 3), Fraction(10)]),
)
def test_the_integer_parser_gives_what_parse_grade_gives(
    text: str, precision: str, max_grade: Fraction
) -> None:
    assert _fast(text, precision, max_grade) == _slow(text, precision, max_grade)


# --- the audit text, built once per row -----------------------------------------------------


@given(
    st.integers(1, 10**9),
    st.sampled_from(["SP1", "SP2"]),
    st.sampled_from(["CHI", "BPH", ""]),
    st.one_of(st.none(), st.integers(0, 2000)),
    st.sampled_from([None, "", "ABS", "AJ"]),
    st.sampled_from(["", "agent.dec", "web:marie"]),
)
def test_record_texter_writes_what_record_text_writes(
    cid: int, code: str, part: str, value: int | None, gcode: str | None, who: str
) -> None:
    names = ("candidate", "epreuve_code", "value_centi", "code", "entered_by", "entered_at",
             "part_code")  # fmt: skip
    values = (cid, code, value, gcode, who, "2026-03-02T09:15:00+01:00", part)
    expected = audit.record_text(GradePart, dict(zip(names, values, strict=True)))
    assert audit.record_texter(GradePart, names)(values) == expected


# --- the CLI: no bar when stderr is not a terminal -----------------------------------------


def test_cli_import_prints_nothing_on_stderr_when_it_is_not_a_terminal(tmp_path: Path) -> None:
    base = tmp_path / "b.sqlite"
    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    run = [sys.executable, "-m", "baktui", "--db", str(base)]
    subprocess.run([*run, "init", "--session", "2026"], check=True, capture_output=True)
    for what, name in (("etablissements", "etablissements.csv"), ("candidats", "candidats.csv")):
        done = subprocess.run(
            [*run, "import", what, str(samples / name)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stderr == "" and "lignes lues" in done.stdout


# --- the application: F4 Ctrl+G, i, the bar, Échap ----------------------------------------


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from baktui.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    build_demo(str(path), candidates=600)
    dbmod.close_database()
    yield path


async def test_the_import_bar_shows_and_escape_cancels_it(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import burst, drained, keys_of
    from textual.widgets import ProgressBar

    from baktui.app import BaktuiApp
    from baktui.screens import missing_grades
    from baktui.screens.missing_grades import MissingGradesScreen

    demo = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, demo)
    dbmod.open_database(str(demo))
    rows = (
        Candidate.select(Candidate.ine, Grade.epreuve_code)
        .join(Grade, on=(Grade.candidate == Candidate.id))
        .where((Grade.group == 1) & Grade.value_centi.is_null(False))
        .tuples()
    )
    lines = [f"{c};{code};11" for c, code in rows[:400]]  # 11: not what any of them has
    dbmod.close_database()
    path = write_grades(tmp_path, lines)
    # one line a batch, and slow: the import lasts well past the second of its bar
    monkeypatch.setattr(batches, "BATCH", 1)
    monkeypatch.setattr(missing_grades, "PROGRESS_AFTER", 0.3)
    call = batches.Ticker.call

    def slowly(self: batches.Ticker) -> None:
        time.sleep(0.02)
        call(self)

    monkeypatch.setattr(batches.Ticker, "call", slowly)
    app = BaktuiApp(str(demo))
    async with app.run_test(size=(80, 24)) as pilot:
        await drained(pilot)
        before = snapshot()
        burst(app, ["f4", "ctrl+g", "i", *keys_of(str(path)), "enter"])
        screen = None
        for _ in range(300):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, MissingGradesScreen) and screen.has_class("-importing"):
                break
        assert isinstance(screen, MissingGradesScreen) and screen.importing is not None
        bar = screen.query_one("#missing-bar", ProgressBar)
        await pilot.pause(0.3)
        assert bar.display and bar.total == len(lines) and (bar.progress or 0) > 0
        assert "lignes · Échap : annuler" in str(
            screen.query_one("#missing-progress-text").render()
        )
        burst(app, ["escape"])
        await drained(pilot, seconds=30)
        assert screen.importing is None and not screen.has_class("-importing")
        assert isinstance(app.screen, MissingGradesScreen)  # Échap cancelled, did not leave
        message = str(screen.query_one("#missing-message").render())
        assert "Import annulé : rien n’a été écrit." in message
        assert snapshot() == before
