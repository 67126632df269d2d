"""The audit rows an import writes, to the letter: what the journal says must be what happened.

Every expected text is written out by hand (not rebuilt with the code under test), so replacing
``audit.record_text`` or the import's values by anything else fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import pin_login

from baktui.data import audit
from baktui.data.models import AuditLog
from baktui.services.imports.candidates import import_candidates
from baktui.services.imports.grades import import_grades
from baktui.services.sessions import SessionInfo

NOW = "2026-03-02T09:15:00+01:00"
HEADER = "ine;nom;prenom;date_naissance;serie;statut;sous_choix;lva;lvb;options;eps_inapte"
HUGO = "0701234564D;Dupont;Hugo;30/01/2008;STMG;scolaire;GF;ANG;ITA;LATIN-T;non"
GRADES = "ine;epreuve;note;groupe;session"


@pytest.fixture(autouse=True)
def _fixed_who_and_when(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_login(monkeypatch, "agent.dec")
    monkeypatch.setattr(audit, "now_iso", lambda: NOW)


def _rows_after(first_id: int) -> list[tuple[object, ...]]:
    return [
        (
            a.at,
            a.who,
            a.action,
            a.entity,
            a.entity_id,
            a.field,
            a.before,
            a.after,
            a.reason,
            a.candidate_id,
        )  # fmt: skip
        for a in AuditLog.select().where(AuditLog.id > first_id).order_by(AuditLog.id)
    ]


def _last_id() -> int:
    return AuditLog.select(AuditLog.id).order_by(AuditLog.id.desc()).scalar() or 0


def _file(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imported_candidate_and_its_epreuves_are_journaled_as_created(
    session: SessionInfo, tmp_path: Path
) -> None:
    start = _last_id()
    report = import_candidates(session.id, _file(tmp_path, "c.csv", HEADER, HUGO))
    assert report.ok, report.render()
    why = "import des candidats (c.csv)"
    assert _rows_after(start) == [
        (NOW, "agent.dec", "create", "candidate", "1", "", None,
         "session=1; number=260000001; ine=0701234564D; last_name=Dupont; first_name=Hugo; "
         "name_key=dupont hugo; sound_key=dup2 ugo; birth_date=2008-01-30; series=STMG; "
         "sub_choice=GF; lva=ANG; "
         "lvb=ITA; options=LATIN-T; status=scolaire; eps_inapte=non; eps_certificate=non; "
         "state=brouillon; created_at=2026-03-02T09:15:00+01:00; "
         "updated_at=2026-03-02T09:15:00+01:00",
         why, 1),
        (NOW, "agent.dec", "create", "registration", "1", "epreuves", None,
         "FRE, FRO, PHI, GO, SP1, SP2, SPA, HG, LVA, LVB, MAT, EPS, EMC, OPT1 (LATIN-T)",
         why, 1),
    ]  # fmt: skip


def test_imported_grades_are_journaled_with_their_line(
    session: SessionInfo, tmp_path: Path
) -> None:
    assert import_candidates(session.id, _file(tmp_path, "c.csv", HEADER, HUGO)).ok
    start = _last_id()
    path = _file(tmp_path, "n.csv", GRADES, "0701234564D;PHI;12;;", "0701234564D;HG;12,34;;")
    report = import_grades(session.id, path)
    assert report.ok, report.render()
    assert _rows_after(start) == [
        (NOW, "agent.dec", "create", "grade", "1", "", None,
         "candidate=1; epreuve_code=PHI; group=1; value_centi=1200; source=import; "
         "entered_by=agent.dec; entered_at=2026-03-02T09:15:00+01:00",
         "import des notes (n.csv), ligne 2", 1),
        (NOW, "agent.dec", "create", "grade", "2", "", None,
         "candidate=1; epreuve_code=HG; group=1; value_centi=1240; source=import; "
         "entered_by=agent.dec; entered_at=2026-03-02T09:15:00+01:00",
         "import des notes (n.csv), ligne 3", 1),
    ]  # fmt: skip


def test_a_reimport_journals_only_what_changed_with_before_and_after(
    session: SessionInfo, tmp_path: Path
) -> None:
    assert import_candidates(session.id, _file(tmp_path, "c.csv", HEADER, HUGO)).ok
    grades = _file(tmp_path, "n.csv", GRADES, "0701234564D;PHI;12;;", "0701234564D;HG;12,34;;")
    assert import_grades(session.id, grades).ok
    start = _last_id()
    changed = _file(tmp_path, "n2.csv", GRADES, "0701234564D;PHI;14;;", "0701234564D;HG;12,34;;")
    report = import_grades(session.id, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    moved = HUGO.replace(";ANG;ITA;", ";ANG;ESP;")
    assert import_candidates(session.id, _file(tmp_path, "c2.csv", HEADER, moved)).updated == 1
    assert _rows_after(start) == [
        (NOW, "agent.dec", "update", "grade", "1", "value_centi", "1200", "1400",
         "import des notes (n2.csv), ligne 2", 1),
        (NOW, "agent.dec", "update", "candidate", "1", "lvb", "ITA", "ESP",
         "import des candidats (c2.csv)", 1),
    ]  # fmt: skip
    # the same file again: nothing to journal
    start = _last_id()
    assert import_grades(session.id, changed).unchanged == 2
    assert _rows_after(start) == []
