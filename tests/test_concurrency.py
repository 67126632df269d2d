"""Eight offices entering grades at once (F4's grade slips, the real service), readers beside them.

Six writer processes key their own lot; two more key the same lot, where the slip's version check
must refuse the copy the other one changed (or let the later write go after it, once re-read):
never overwrite it blindly. Two reader processes count the home figures and read candidate cards
all along. Then: every grade a writer was told is saved is in the base with that value (or a later
write of the same copy, that saw it), no writer nor reader saw « base occupée » or « database is
locked », each change has exactly one audit entry whose « before » is what the copy held, and the
audit chain is intact. Runs on the suite's engine (SQLite file or PostgreSQL database).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import peewee as pw
from helpers import begin_write, copy_base, raw_connection

from baktui.data import db as dbmod
from baktui.data.audit import acting_as
from baktui.data.models import Anonymat, AuditLog, Grade, Lot
from baktui.demo import DemoSummary
from baktui.errors import ConflictError, ServiceError
from baktui.rules.slips import SlipMode, canonical
from baktui.services.audit_check import check_audit_log
from baktui.services.candidate_card import candidate_card
from baktui.services.grade_slip.editor import open_slip
from baktui.services.stats import home_counts

OWN_LOTS = 6  # writers with a lot of their own
SHARED_WRITERS = 2  # writers keying the same lot
READERS = 2
TIMEOUT = 120  # seconds for the whole run (it takes a few)


def _grade_text(writer: int, position: int, round_: int = 0) -> str:
    """What writer ``writer`` keys on the copy at ``position`` (in its ``round_``-th pass over
    the slip): a value of its own."""
    return str((writer * 3 + position + round_ * 7) % 21)


def _enter_lot(
    target: str, session_id: int, lot_number: int, writer: int, rounds: int, start: Any, out: Any
) -> None:
    """A writer: opens the slip, waits for the others, keys every copy (``rounds`` times, each
    time another grade: the later rounds update what is there), says what was saved."""
    saved: list[tuple[str, str]] = []
    kept: list[str] = []
    refused: list[str] = []
    errors: list[str] = []
    try:
        dbmod.open_database(target)
        with acting_as(f"poste{writer}"):
            editor = open_slip(session_id, lot_number)
            start.wait()
            for round_, index in [(r, i) for r in range(rounds) for i in range(len(editor))]:
                anonymat = editor.row(index).anonymat
                text = _grade_text(writer, index, round_)
                try:
                    if editor.commit(index, text).changed:
                        saved.append((anonymat, editor.row(index).cells[0]))
                    else:  # it held that grade already
                        kept.append(anonymat)
                except ConflictError as exc:  # the other office changed this copy: refused
                    refused.append(f"{anonymat}: {exc}")
                except ServiceError as exc:  # « base occupée… »: must never happen
                    errors.append(f"{anonymat}: {exc}")
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        dbmod.close_database()
        out.put(("writer", writer, lot_number, saved, refused, errors, kept))


def _read_beside(
    target: str, session_id: int, candidates: list[int], reader: int, stop: Any, out: Any
) -> None:
    """A reader: the home figures and candidate cards, again and again, until the writers end."""
    reads = 0
    errors: list[str] = []
    try:
        dbmod.open_database(target)
        while not stop.is_set():
            try:
                home_counts(session_id)
                for candidate_id in candidates:
                    candidate_card(candidate_id)
                reads += 1
            except (ServiceError, pw.DatabaseError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        dbmod.close_database()
        out.put(("reader", reader, reads, errors))


def _open_lots(count: int) -> list[tuple[int, dict[str, str]]]:
    """Lots open for single entry of one-part copies (3 copies at least), the largest last:
    (number, anonymity number -> what the copy holds before the run)."""
    found = []
    for lot in Lot.select().where(Lot.state.in_(["distribue", "en_saisie"])).order_by(Lot.number):
        editor = open_slip(lot.session_id, lot.number)
        if editor.mode == SlipMode.ENTRY and editor.width == 1 and len(editor) >= 3:
            rows = [editor.row(index) for index in range(len(editor))]
            found.append((lot.number, {row.anonymat: row.cells[0] for row in rows}))
    assert len(found) >= count, "la démo n'a pas assez de lots à saisir"
    return sorted(found, key=lambda lot: len(lot[1]))[-count:]


def _copies(number: int) -> dict[str, tuple[int, str]]:
    """anonymity number -> (candidate id, épreuve) of the lot's copies."""
    copies = Anonymat.select().join(Lot).where(Lot.number == number)
    return {a.number: (a.candidate_id, a.epreuve_code) for a in copies}


def _stored(candidate_id: int, epreuve: str) -> Grade | None:
    return Grade.get_or_none(
        (Grade.candidate == candidate_id) & (Grade.epreuve_code == epreuve) & (Grade.group == 1)
    )


def test_eight_offices_enter_grades_at_once_and_nothing_is_lost(
    demo_file: tuple[str, DemoSummary], tmp_path: Path
) -> None:
    target = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(target)
    lots = _open_lots(OWN_LOTS + 1)
    session_id = Lot.get(Lot.number == lots[0][0]).session_id
    copies = {number: _copies(number) for number, _ in lots}
    held = {copies[number][a]: text or None for number, texts in lots for a, text in texts.items()}
    readable = [candidate for candidate, _ in list(copies[lots[0][0]].values())[:3]]
    first_audit = AuditLog.select(pw.fn.MAX(AuditLog.id)).scalar() or 0
    dbmod.close_database()

    plan = [(number, writer, 1) for writer, (number, _) in enumerate(lots[:OWN_LOTS])]
    shared = lots[OWN_LOTS][0]
    # the two on the same lot go over it twice: their second round updates grades the other
    # one may have changed since its slip last read them
    plan += [(shared, OWN_LOTS + k, 2) for k in range(SHARED_WRITERS)]
    context = mp.get_context("spawn")
    start = context.Barrier(len(plan))
    stop = context.Event()
    out = context.Queue()
    writers = [
        context.Process(
            target=_enter_lot, args=(target, session_id, number, writer, rounds, start, out)
        )
        for number, writer, rounds in plan
    ]
    readers = [
        context.Process(target=_read_beside, args=(target, session_id, readable, r, stop, out))
        for r in range(READERS)
    ]
    began = time.monotonic()
    for process in readers + writers:
        process.start()
    reports: list[tuple[Any, ...]] = []
    try:
        while len(reports) < len(writers) + READERS:
            if sum(r[0] == "writer" for r in reports) == len(writers):
                stop.set()
            try:
                reports.append(out.get(timeout=1))
            except queue.Empty:  # a process that died without a word (its trace is on stderr)
                alive = [p for p in readers + writers if p.is_alive()]
                assert alive and time.monotonic() - began < TIMEOUT, "un processus s'est arrêté"
    finally:
        stop.set()
        for process in readers + writers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    elapsed = time.monotonic() - began

    written = [r for r in reports if r[0] == "writer"]
    read = [r for r in reports if r[0] == "reader"]
    assert [e for r in written for e in r[5]] == []  # no « base occupée », no crash
    assert [e for r in read for e in r[3]] == []
    assert all(r[2] > 0 for r in read), "les lecteurs n'ont rien lu pendant la saisie"

    dbmod.open_database(target)
    saved_by_copy: dict[tuple[int, str], list[str]] = defaultdict(list)
    for _, writer, number, saved, refused, _, kept in written:
        if number != shared:
            assert refused == [] and len(saved) + len(kept) == len(copies[number]), writer
        for anonymat, text in saved:
            saved_by_copy[copies[number][anonymat]].append(text)
    # the shared lot: every copy saved by one office at least, the other refused or came after
    assert set(saved_by_copy) >= set(copies[shared].values())
    shared_reports = [r for r in written if r[2] == shared]
    assert sum(len(r[3]) + len(r[4]) + len(r[6]) for r in shared_reports) >= len(copies[shared])

    # one audit entry per saved change, in the order of the writes: each « before » is the
    # « after » of the entry before it (a lost update would break this), the last one is stored
    entries = (
        AuditLog.select()
        .where((AuditLog.id > first_audit) & (AuditLog.entity == "grade"))
        .order_by(AuditLog.id)
    )
    history: dict[str, list[AuditLog]] = defaultdict(list)
    for entry in entries:
        history[entry.entity_id].append(entry)
    assert sum(len(h) for h in history.values()) == sum(len(r[3]) for r in written)
    for key, texts in saved_by_copy.items():
        grade = _stored(*key)
        assert grade is not None, key
        chain = history[str(grade.id)]
        assert sorted(e.after for e in chain) == sorted(texts), key
        previous = held[key]
        for entry in chain:
            assert (entry.before or None) == previous, (key, entry.id)
            previous = entry.after
        assert chain[-1].after == canonical(grade.value_centi, grade.code), key

    states = Lot.select(Lot.state).where(Lot.number.in_(list(copies))).tuples()
    assert {state for (state,) in states} == {"en_saisie"}
    check = check_audit_log()
    assert check.ok, check.render()
    dbmod.close_database()
    assert elapsed < 60, f"{elapsed:.1f} s"


def test_a_base_opens_while_a_colleague_is_writing(db_path: str) -> None:
    """Opening the base (what every command and the app do first) never waits for a colleague's
    open write transaction: on PostgreSQL, re-issuing the schema's CREATE … IF NOT EXISTS did,
    its table locks queued behind the colleague's row locks."""
    dbmod.close_database()
    colleague = raw_connection(db_path)
    try:
        begin_write(colleague, "UPDATE exam_session SET phase = phase WHERE id > 0")
        began = time.monotonic()
        dbmod.open_database(db_path)
        assert time.monotonic() - began < 2
        dbmod.close_database()
    finally:
        colleague.rollback()
        colleague.close()
