"""WAL checkpoints run in a background thread for the app, off the grade-commit path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from baktui.data import audit
from baktui.data.db import current_database, start_background_checkpoints
from baktui.data.models import Etablissement

pytestmark = pytest.mark.sqlite_only("les points de reprise du WAL de SQLite")


def test_checkpoints_move_to_a_thread_and_stop_cleanly(db_path: Path) -> None:
    checkpointer = start_background_checkpoints(interval=0.05)
    assert checkpointer is not None
    db = current_database()
    assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    for index in range(20):
        audit.create(Etablissement, uai=f"{index:07d}A", name=f"Lycée {index}")
    deadline = time.monotonic() + 5
    while checkpointer.checkpoints < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    checkpointer.stop()
    assert checkpointer.checkpoints >= 2
    assert not checkpointer._thread.is_alive()
    # the committed rows are all there, whatever the checkpoints did
    assert Etablissement.select().count() == 20
