"""Issue 15: the orals through the command line and on paper, the PDF text read back.

``baktui oraux constituer|planifier`` on the sample académie; the listes de déroulement (one
list per commission, candidates in the order heard, page numbers per list, a long name whole);
the orals on the candidates' convocations; the window-envelope convocation of the individual
candidates (their address, nobody else's); F8's entries.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import new_base
from pypdf import PdfReader

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import Candidate, Document, OralCommission, OralSlot
from baktui.exports.pdf import french_date

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")
GO_PLAN = "22/06/2026-26/06/2026 ; 08:00-12:00 13:30-17:30 ; créneau 30 ; préparation 20"
FRO_PLAN = "15/06/2026-16/06/2026 ; 08:00-12:00 14:00-18:00 ; créneau 30 ; préparation 30"
LONG = "De La Tour d'Auvergne-Lauraguais-Montmorency"


def run(*args: object) -> int:
    return main([str(a) for a in args])


def pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


@pytest.fixture
def planned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = new_base(tmp_path / "bac.sqlite")
    assert run("--db", db, "init", "--session", "2026") == 0
    for kind in LISTS:
        assert run("--db", db, "import", kind, SAMPLES / f"{kind}.csv") == 0, kind
    assert run("--db", db, "placer") == 0
    dbmod.open_database(str(db))
    from baktui.services.settings import set_setting

    set_setting("oraux_GO", GO_PLAN)
    set_setting("oraux_FRO", FRO_PLAN)
    Candidate.update(last_name=LONG).where(Candidate.last_name == "Petit").execute()
    dbmod.close_database()
    capsys.readouterr()
    return db


def test_the_command_builds_the_commissions_then_the_slots_and_says_its_counts(
    planned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--db", planned, "oraux", "constituer") == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Commissions d'oral : Grand oral 8 commissions, Français oral 3 commissions ; chacune a "
        "ses deux membres ;"
    )
    assert "Contrôles des oraux : 24 anomalies" in out and "aucun créneau en Grand oral" in out
    assert run("--db", planned, "oraux", "planifier") == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Créneaux d'oral : Grand oral 12 créneaux attribués ; Français oral 12 créneaux attribués.",
        "Contrôles des oraux : aucune anomalie, les convocations peuvent être éditées.",
    ]
    with pytest.raises(SystemExit):  # argparse, in French
        run("--db", planned, "oraux", "planifier", "--oral", "XX")
    assert "choix « XX » inconnu" in capsys.readouterr().err


def test_one_running_list_per_commission_in_the_order_heard(
    planned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--db", planned, "oraux", "constituer") == 0
    assert run("--db", planned, "oraux", "planifier") == 0
    out = tmp_path / "deroulement.pdf"
    assert run("--db", planned, "documents", "deroulement", out) == 0
    assert "Listes de déroulement des oraux : 11 commissions" in capsys.readouterr().out
    texts = pages(out)
    dbmod.open_database(str(planned))
    commissions = list(OralCommission.select())
    assert len(texts) == len(commissions) == 11  # one page each here, numbered on its own
    for text in texts:
        assert "LISTE DE DÉROULEMENT — " in text and "n° " in text and "— page 1" in text
        assert "Préparation Passage N° candidat Nom prénom" in text and "Examinateur :" in text
    for com in commissions:
        (text,) = [t for t in texts if f"commission n° {com.number} " in t
                   and t.startswith("RÉPUBLIQUE FRANÇAISE Académie") and (("GO Grand oral" in t) == (com.epreuve_code == "GO"))]  # fmt: skip
        assert french_date(com.day) in text
        slots = list(OralSlot.select().join(Candidate).where(OralSlot.commission == com.id)
                     .order_by(OralSlot.start_time))  # fmt: skip
        positions = [text.index(s.candidate.number) for s in slots]
        assert positions == sorted(positions)  # in the order they are heard
        for s in slots:
            assert f"{s.start_time}-{s.end_time}" in text
    whole = LONG.upper().replace(" ", "")
    assert any(whole in t.replace(" ", "").replace("’", "'") for t in texts)  # wrapped, whole
    assert not any("…" in t for t in texts)
    assert Document.select().where(Document.kind == "liste_deroulement").count() > 0
    assert run("--db", planned, "documents", "deroulement", "--centre", "ZZZ", out) == 1


def test_the_convocation_lists_the_orals_and_the_window_one_the_address(
    planned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--db", planned, "oraux", "constituer") == 0
    assert run("--db", planned, "oraux", "planifier") == 0
    out = tmp_path / "convocations.pdf"
    assert run("--db", planned, "documents", "convocations", out) == 0
    texts = pages(out)
    dbmod.open_database(str(planned))
    assert len(texts) == Candidate.select().count() == 12
    for slot in OralSlot.select().join(Candidate):
        (text,) = [t for t in texts if f"N° de candidat {slot.candidate.number}" in t]
        assert "CONVOCATION AUX ÉPREUVES ÉCRITES ET ORALES" in text and "Épreuves orales" in text
        prep = {"GO": 20, "FRO": 30}[slot.epreuve_code]
        hours, mins = divmod(int(slot.start_time[:2]) * 60 + int(slot.start_time[3:]) - prep, 60)
        assert (
            f"{french_date(slot.day)}, passage de {slot.start_time} à {slot.end_time} ; "
            f"présentez-vous à {hours:02d}:{mins:02d} pour la préparation"
        ) in text
    # the window envelope: the individual candidates only, each with the address recorded
    window = tmp_path / "fenetre.pdf"
    assert run("--db", planned, "documents", "convocations", "--fenetre", window) == 1
    assert "pas d'adresse pour 1 candidat (n° 260000005)" in capsys.readouterr().err
    Candidate.update(address="3 chemin des Écoliers", postcode="69100", city="Villeurbanne").where(
        Candidate.number == "260000005").execute()  # fmt: skip
    dbmod.close_database()
    assert run("--db", planned, "documents", "convocations", "--fenetre", window) == 0
    assert "2 candidats individuels" in capsys.readouterr().out
    texts = pages(window)
    assert len(texts) == 2
    assert (
        texts[0].startswith("RÉPUBLIQUE FRANÇAISE Académie")
        and "Chloé LEFÈVRE 3 chemin des Écoliers 69100 Villeurbanne" in texts[0]
    )
    assert "N° de candidat 260000005" in texts[0] and "Épreuves orales" in texts[0]
    assert all("MARTIN Léa" not in t for t in texts)  # scolaires: sent by their lycée


def test_f8_offers_the_running_lists_and_the_window_convocations(planned: Path) -> None:
    assert run("--db", planned, "oraux", "constituer") == 0
    assert run("--db", planned, "oraux", "planifier") == 0
    dbmod.open_database(str(planned))
    from baktui.services.document_catalog import entry
    from baktui.services.sessions import current_session
    from baktui.services.transcripts import Scope

    session = current_session().id
    running = entry("liste_deroulement")
    assert running.scopes == ("academie", "centre")
    assert running.count(session, Scope()) == (11, 11)
    assert running.count(session, Scope("centre", "0690030H"))[0] == 2
    window = entry("convocation_fenetre")
    assert window.count(session, Scope()) == (2, 2)
    done = running.generate(session, Scope("centre", "0690030H"), None, None)
    assert done.render().startswith("listes de déroulement des oraux : 2 commissions → ")


def test_the_running_lists_tell_their_progress(planned: Path, tmp_path: Path) -> None:
    """``baktui documents deroulement``'s bar: one call after each commission's list."""
    from baktui.services.oral_lists import issue_running_lists
    from baktui.services.sessions import current_session

    assert run("--db", planned, "oraux", "constituer") == 0
    assert run("--db", planned, "oraux", "planifier") == 0
    dbmod.open_database(str(planned))
    session = current_session()
    assert session is not None
    told: list[tuple[int, int]] = []
    doc = issue_running_lists(session, path=tmp_path / "d.pdf",
                              progress=lambda d, t: told.append((d, t)))  # fmt: skip
    assert told == [(n, doc.count) for n in range(1, doc.count + 1)] and doc.count > 1
    dbmod.close_database()


def test_the_orals_tell_their_candidates(planned: Path) -> None:
    """``baktui oraux constituer|planifier``'s bar: nothing counted while reading, then the
    orals' candidates (before each centre's commissions; every batch of slots), never going
    back, done == total at the end."""
    from baktui.services import oral_slots
    from baktui.services.oral_commissions import constitute
    from baktui.services.sessions import current_session

    dbmod.open_database(str(planned))
    session = current_session()
    assert session is not None
    for job in (constitute, oral_slots.plan_slots):
        told: list[tuple[int, int | None]] = []
        oral_slots.BATCH = 3
        try:
            job(session.id, progress=lambda d, t, told=told: told.append((d, t)))
        finally:
            oral_slots.BATCH = 5_000
        total = told[-1][1]
        assert told[0] == (0, None) and total and told[-1] == (total, total)
        dones = [d for d, _ in told[1:]]
        assert (
            dones == sorted(dones) and len(set(dones)) > 2 and {t for _, t in told[1:]} == {total}
        )
    dbmod.close_database()
