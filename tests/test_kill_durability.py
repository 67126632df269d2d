"""Every grade confirmed with Enter survives a killed process (SIGKILL, SIGHUP, dropped terminal).

A child process runs the real entry path: the app, F4, a lot number, then grades typed with Enter
at full speed. It writes one line per grade *after* the screen's commit returned (the moment the
cursor may move on). The parent kills it mid-slip, then reads the database with a fresh
connection: every confirmed grade must be there, with its value, and the file must be sound.

Three ways to die: SIGKILL and SIGHUP on the headless app, and the real terminal app in a
pseudo-terminal whose master side is closed, which makes the kernel send SIGHUP as when an SSH
connection drops.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base

from baktui.data import db as dbmod
from baktui.demo import build_demo

pytestmark = pytest.mark.sqlite_only(
    "un processus tué pendant l'écriture d'un fichier SQLite (WAL, synchronous)"
)

KILL_AFTER = 25  # confirmed grades before the kill
TIMEOUT = 90.0

# The child: the real app; `grid_commit` (the screen's commit, called by the grid on Enter) is
# wrapped to report each grade once it is committed.
CHILD = r"""
import asyncio, os, sys
from baktui.app import BaktuiApp
from baktui.screens.grade_entry import GradeEntryScreen

db, lot, fd, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
report = os.fdopen(fd, "w", buffering=1)
original = GradeEntryScreen.grid_commit

def grid_commit(self, index, cell, text):
    result = original(self, index, cell, text)
    report.write(f"OK {result.row.anonymat} {result.row.text}\n")
    return result

GradeEntryScreen.grid_commit = grid_commit

if mode == "terminal":
    BaktuiApp(db).run()
    sys.exit(0)

from textual import events

async def main():
    app = BaktuiApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press(*lot, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        grid = app.screen.query_one("#grid")
        report.write(f"READY {len(grid.rows)}\n")
        for k in range(len(grid.rows)):
            value = str(k % 21)
            for ch in value:
                app.post_message(events.Key(ch, ch))
            app.post_message(events.Key("enter", None))
            while grid.cursor_row <= k and k < len(grid.rows) - 1:
                await asyncio.sleep(0)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("kill") / "demo.sqlite"
    build_demo(str(path), candidates=600)
    dbmod.close_database()
    yield path


def _biggest_open_lot(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT l.number, COUNT(a.id) FROM lot l JOIN anonymat a ON a.lot_id = l.id "
            "WHERE l.state = 'distribue' AND l.epreuve_code IN ('PHI', 'SP2', 'FRE') "
            "GROUP BY l.id ORDER BY COUNT(a.id) DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()


def _grades_in_db(path: Path, lot_number: int) -> dict[str, str]:
    """anonymity number -> grade text, read with a fresh connection after the kill."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute(
            "SELECT a.number, g.value_centi, g.code FROM anonymat a "
            "JOIN lot l ON l.id = a.lot_id "
            "JOIN grade g ON g.candidate_id = a.candidate_id AND g.epreuve_code = a.epreuve_code "
            'WHERE l.number = ? AND g."group" = 1',
            (lot_number,),
        ).fetchall()
    finally:
        con.close()
    out = {}
    for number, value, code in rows:
        out[number] = code if code else str(value // 100)
    return out


def _read_lines(fd: int, until: int, deadline: float) -> tuple[list[str], bytes]:
    """Read report lines from a pipe until ``until`` OK lines (or EOF / deadline)."""
    lines: list[str] = []
    buffer = b""
    while sum(1 for line in lines if line.startswith("OK")) < until:
        if time.monotonic() > deadline:
            raise AssertionError(f"child too slow: {lines[-3:]}")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        lines += [c.decode() for c in complete]
    return lines, buffer


def _drain(fd: int, buffer: bytes) -> list[str]:
    """The rest of the report after the kill (lines written before death are in the pipe)."""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buffer += chunk
    return [line.decode() for line in buffer.split(b"\n") if line]


def _check(path: Path, lot_number: int, lines: list[str]) -> int:
    confirmed = [line.split()[1:] for line in lines if line.startswith("OK")]
    in_db = _grades_in_db(path, lot_number)
    missing = [(number, text) for number, text in confirmed if in_db.get(number) != text]
    assert not missing, f"confirmed but not in the database: {missing}"
    assert len(in_db) >= len(confirmed) >= KILL_AFTER
    print(f"lot {lot_number}: {len(confirmed)} grades confirmed, {len(in_db)} in the database")
    return len(confirmed)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=["SIGKILL", "SIGHUP"])
def test_headless_app_killed_mid_slip(
    demo_template: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    path = copy_base(demo_template, tmp_path / "demo.sqlite")
    lot_number, copies = _biggest_open_lot(path)
    assert copies > KILL_AFTER + 10
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    read_fd, write_fd = os.pipe()
    child = subprocess.Popen(
        [sys.executable, str(script), str(path), str(lot_number), str(write_fd), "headless"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_fd)
    try:
        lines, rest = _read_lines(read_fd, KILL_AFTER, time.monotonic() + TIMEOUT)
        child.send_signal(sig)  # mid-slip: the child is still typing
        child.wait(timeout=30)
        lines = lines + _drain(read_fd, rest)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(read_fd)
    assert child.returncode == -sig, child.stderr.read().decode()[-2000:] if child.stderr else ""
    confirmed = _check(path, lot_number, lines)
    assert confirmed < copies  # really killed in the middle of the slip


def test_terminal_hangup_mid_slip(demo_template: Path, tmp_path: Path) -> None:
    """The real terminal app in a pty; closing the master side hangs it up (dropped SSH)."""
    path = copy_base(demo_template, tmp_path / "demo.sqlite")
    lot_number, copies = _biggest_open_lot(path)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    read_fd, write_fd = os.pipe()
    pid, master = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        os.environ.update(TERM="xterm-256color", TEXTUAL_ANIMATIONS="none")
        os.close(read_fd)
        os.set_inheritable(write_fd, True)  # the report pipe crosses exec
        os.execv(
            sys.executable,
            [sys.executable, str(script), str(path), str(lot_number), str(write_fd), "terminal"],
        )
    os.close(write_fd)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    stop = threading.Event()
    to_type: list[bytes] = []
    shown = bytearray()  # what the app drew, to wait for its screens

    def terminal() -> None:
        """Type what is queued, one grade every 15 ms, and drain the screen output (the app
        blocks if nobody reads it). Never blocks in read: the hang-up needs the last close."""
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.015)
            if ready:
                try:
                    shown.extend(os.read(master, 65536))
                except OSError:
                    return
            if to_type:
                os.write(master, to_type.pop(0))

    def wait_for(marker: bytes) -> None:
        deadline = time.monotonic() + TIMEOUT
        while marker not in shown:
            if time.monotonic() > deadline:  # Textual draws on stderr: tracebacks are here too
                tail = bytes(shown[-3000:]).decode(errors="replace")
                raise AssertionError(f"the app never showed {marker!r}: {tail}")
            time.sleep(0.05)

    thread = threading.Thread(target=terminal, daemon=True)
    thread.start()
    try:
        wait_for(b"Inscriptions")  # the home screen is up
        to_type.append(b"\x1bOS")  # F4
        wait_for(b"Tapez un num")  # the grade entry screen is up
        to_type.append(f"{lot_number}\r".encode())
        to_type.extend(f"{k % 21}\r".encode() for k in range(copies))
        lines, rest = _read_lines(read_fd, KILL_AFTER, time.monotonic() + TIMEOUT)
        stop.set()
        thread.join()
        os.close(master)  # hang up: the kernel sends SIGHUP to the session
        _, status = os.waitpid(pid, 0)
        lines = lines + _drain(read_fd, rest)
    finally:
        stop.set()
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(read_fd)
    tail = bytes(shown[-3000:]).decode(errors="replace")
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGHUP, (status, tail)
    confirmed = _check(path, lot_number, lines)
    assert confirmed < copies  # hung up in the middle of the slip
