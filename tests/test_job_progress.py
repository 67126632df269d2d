"""Long jobs in the app: a progress line with its count, and Échap stops them (F3
confirmations, F8 documents: nothing written; F4 numbering and lots: between two épreuves), at
80×24, keys in one burst."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import burst, office_screens, settle

from baktui.app import BaktuiApp
from baktui.data import db as dbmod
from baktui.data.models import Document
from baktui.demo import DemoSummary
from baktui.exports import confirmation
from baktui.widgets.job_progress import JobProgress


@pytest.fixture
def base(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    office_screens(monkeypatch, tmp_path)
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_file[0], path)
    yield path
    dbmod.close_database()


def slow_pages(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Each confirmation page takes 30 ms, and the 3rd waits for the test's signal: the job
    lasts long enough to be seen and stopped."""
    page = confirmation._page
    go = threading.Event()
    drawn = [0]

    def slow(*args: object, **kwargs: object) -> None:
        drawn[0] += 1
        if drawn[0] == 3:
            go.wait(10)
        threading.Event().wait(0.03)
        page(*args, **kwargs)

    monkeypatch.setattr(confirmation, "_page", slow)
    return go


def screen_text(app: BaktuiApp) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def until(pilot: object, check: object, seconds: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():  # type: ignore[operator]
        assert loop.time() < deadline, "never happened"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def confirmations() -> int:
    return Document.select().where(Document.kind == "confirmation_inscription").count()


async def test_echap_stops_the_confirmations_batch_and_nothing_is_written(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = slow_pages(monkeypatch)
    dbmod.open_database(str(base))
    before = confirmations()
    dbmod.close_database()
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f3", "p", "o"])  # the batch, confirmed, in one burst
        job = None

        def shown() -> bool:
            nonlocal job
            found = app.screen.query(JobProgress)
            job = found.first() if found else None
            return job is not None and job.running and " / " in screen_text(app)

        go.set()
        await until(pilot, shown)
        text = screen_text(app)
        assert "Confirmations d’inscription" in text
        assert "Échap annule" in text and " / 46 " in text  # the count, the 80th column kept
        burst(app, ["escape"])
        await until(pilot, lambda: job is not None and not job.running)
        await settle(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any("annulée" in m and "aucun fichier écrit" in m for m in said), said
        assert app.screen.query(JobProgress)  # Échap stopped the job, it did not leave F3
    dbmod.open_database(str(base))
    assert confirmations() == before
    assert not list((tmp_path / "documents").glob("confirmation-*.pdf"))
    assert not list((tmp_path / "documents").glob(".*"))  # no temporary file left behind


async def test_the_batch_runs_to_its_end_without_echap(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = slow_pages(monkeypatch)
    go.set()
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f3", "p", "o"])
        await until(pilot, lambda: bool(list((tmp_path / "documents").glob("confirmation-*"))))
        await until(pilot, lambda: not app.screen.query_one(JobProgress).running)
        await settle(pilot)
        assert "Échap annule" not in screen_text(app)  # the line is gone once done
    dbmod.open_database(str(base))
    assert confirmations() > 0


async def test_an_idle_progress_line_stops_nothing_and_echap_leaves_the_screen(base: Path) -> None:
    """The line once named its state ``_running``, the name of Textual's own flag: mounted, it
    read « running », so Échap « cancelled » a job that did not exist instead of leaving F3."""
    from baktui.screens.home import HomeScreen

    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f3"])
        await settle(pilot)
        job = app.screen.query_one(JobProgress)
        assert job.is_running and not job.running  # Textual's message loop runs, no job does
        assert not job.cancel()
        burst(app, ["escape"])
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_echap_stops_the_numbering_and_lots_between_two_epreuves(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F4 Ctrl+L shows its bar over the épreuves; Échap typed while it runs stops it before
    the next épreuve: the épreuves done stand (each is one transaction), the screen says so
    and stays. (An Échap typed in the burst of the « o » that started it closes the report
    instead: test_dialog_bursts, « F4 Ctrl+L ».)"""
    from baktui.data.models import Anonymat, Lot
    from baktui.screens import grade_entry, registry
    from baktui.screens.grade_entry import GradeEntryScreen
    from baktui.services.lot_building import constitute_lots

    gate = threading.Event()
    seen: list[int] = []

    def slow_lots(session_id: int, progress: object = None, **kwargs: object) -> object:
        def held(done: int, total: int) -> None:
            seen.append(done)
            if done == 1:
                gate.wait(10)  # the second épreuve waits for the test's Échap
            progress(done, total)  # type: ignore[operator]

        return constitute_lots(session_id, progress=held, **kwargs)

    monkeypatch.setattr(grade_entry, "constitute_lots", slow_lots)
    grades = registry.ScreenEntry(
        "grades", "f4", "Notes", "baktui.screens.grade_entry:GradeEntryScreen", "Bordereaux"
    )  # the fixture keeps F2 and F3 only
    monkeypatch.setattr(registry, "SCREENS", (*registry.SCREENS, grades))
    dbmod.open_database(str(base))
    Anonymat.delete().where(Anonymat.lot.is_null(False)).execute()  # every copy to number again
    Lot.delete().execute()
    dbmod.close_database()
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f4", "ctrl+l", "o"])
        await until(pilot, lambda: 1 in seen)
        assert "Anonymat et lots" in screen_text(app) and "Échap annule" in screen_text(app)
        # a long job outlasts the keys' hold (5 s): Échap then goes past the focused field,
        # which would take it for itself, to the job
        await until(pilot, lambda: not app.key_order.busy)
        burst(app, ["escape"])
        await until(pilot, lambda: "annulation…" in screen_text(app))  # Échap handled
        gate.set()
        job = app.screen.query_one(JobProgress)
        await until(pilot, lambda: not job.running)
        await settle(pilot)
        assert isinstance(app.screen, GradeEntryScreen)
        assert "Arrêté : les épreuves faites gardent" in screen_text(app)
    assert seen == [0, 1]  # stopped before the second épreuve's lots
    dbmod.open_database(str(base))
    made = {code for (code,) in Lot.select(Lot.epreuve_code).distinct().tuples()}
    assert len(made) == 1  # the first épreuve's lots stand


async def test_f5_distribution_shows_its_phases_and_echap_writes_nothing(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5 j t: the répartition's line counts the phase running (« jurys 1 / 3 »); Échap typed
    while it runs stops it at the next batch and the one transaction rolls back: the candidates
    still have no jury, no audit entry, the screen stays and says so."""
    from baktui.data.models import AuditLog, Candidate
    from baktui.screens import registry
    from baktui.screens.juries import JuriesScreen
    from baktui.services import distribution

    gate = threading.Event()
    seen: list[tuple[int, int | None]] = []
    real = distribution.distribute_candidates

    def slow(session_id: int, *, progress: object = None, **kwargs: object) -> object:
        def held(done: int, total: int | None) -> None:
            seen.append((done, total))
            if done == 1:
                threading.Event().wait(0.2)  # past the line's refresh interval: shown
            progress(done, total)  # type: ignore[operator]
            if done == 1:
                gate.wait(10)  # the next batch waits for the test's Échap

        return real(session_id, progress=held, **kwargs)

    monkeypatch.setattr(distribution, "distribute_candidates", slow)
    monkeypatch.setattr(distribution, "BATCH", 1)
    juries = registry.ScreenEntry(
        "juries", "f5", "Jurys", "baktui.screens.juries:JuriesScreen", "Jurys"
    )  # the fixture keeps F2 and F3 only
    monkeypatch.setattr(registry, "SCREENS", (*registry.SCREENS, juries))
    dbmod.open_database(str(base))
    ids = [c.id for c in Candidate.select().order_by(Candidate.id).limit(3)]
    Candidate.update(jury=None).where(Candidate.id.in_(ids)).execute()
    audited = AuditLog.select().count()
    dbmod.close_database()
    app = BaktuiApp(str(base))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["f5", "j", "t", "o"])
        await until(pilot, lambda: "jurys 1 / 3" in screen_text(app))
        assert "Répartition" in screen_text(app) and "Échap annule" in screen_text(app)
        await until(pilot, lambda: not app.key_order.busy)
        burst(app, ["escape"])
        await until(pilot, lambda: "annulation…" in screen_text(app))
        gate.set()
        job = app.screen.query_one(JobProgress)
        await until(pilot, lambda: not job.running)
        await settle(pilot)
        assert isinstance(app.screen, JuriesScreen)
        said = [str(n.message) for n in app._notifications]
        assert any("Répartition arrêtée" in m for m in said), said
    assert seen == [(0, None), (1, 9), (2, 9)]  # stopped at the second batch
    dbmod.open_database(str(base))
    assert {c.jury_id for c in Candidate.select().where(Candidate.id.in_(ids))} == {None}
    assert AuditLog.select().count() == audited
