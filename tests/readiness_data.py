"""The hand-built readiness case shared by the service and widget tests (issue 13)."""

from __future__ import annotations

from pathlib import Path

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import Anonymat, Candidate, DoubleEntry, Examiner, Grade, Jury, Lot
from baktui.services.deliberation import deliberate_session
from baktui.services.imports.candidates import import_candidates
from baktui.services.imports.etablissements import import_etablissements
from baktui.services.imports.grades import import_grades

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

MARTIN, NGUYEN, BENALI, ROUSSEAU, GARCIA = (
    "0701234561A",  # FRE missing, in lot 5 (no correcteur, open)
    "0701234562B",  # PHI missing, blind passes disagree in lot 6 (open, correcteur)
    "0701234563C",  # a grade changed after the deliberation run
    "0701234566F",  # AJ on PHI in the sample grades
    "0701234567G",  # alone in jury 2, complete
)


def cid(ine: str) -> int:
    return int(Candidate.get(Candidate.ine == ine).id)


def _copy(ine: str, code: str, lot: Lot, number: str) -> Anonymat:
    return Anonymat.create(candidate=cid(ine), epreuve_code=code, number=number, lot=lot)


def build_juries(session_id: int) -> tuple[int, int, int]:
    """Sample candidates: jury 1 has every kind of line, jury 2 (Garcia) is complete.

    Returns (session id, jury 1 id, jury 2 id).
    """
    assert import_etablissements(SAMPLES / "etablissements.csv").ok
    for run, name in ((import_candidates, "candidats.csv"), (import_grades, "notes.csv")):
        report = run(session_id, SAMPLES / name)
        assert report.ok, report.render()
    one = Jury.create(session=session_id, number=1, series_codes="")
    two = Jury.create(session=session_id, number=2, series_codes="")
    Candidate.update(jury=one.id).where(Candidate.session == session_id).execute()
    Candidate.update(jury=two.id).where(Candidate.ine == GARCIA).execute()
    examiner = Examiner.create(
        civility="Mme", last_name="Lambert", first_name="Anne", corps="CERTIFIE"
    )
    open_lot = Lot.create(session=session_id, number=5, epreuve_code="FRE", state="en_saisie")
    double = Lot.create(
        session=session_id, number=6, epreuve_code="PHI", state="en_saisie",
        correcteur=examiner.id, double_entry=True,
    )  # fmt: skip
    closed = Lot.create(session=session_id, number=7, epreuve_code="FRE", state="saisi")
    Grade.delete().where(
        ((Grade.candidate == cid(MARTIN)) & (Grade.epreuve_code == "FRE"))
        | ((Grade.candidate == cid(NGUYEN)) & (Grade.epreuve_code == "PHI"))
    ).execute()
    _copy(MARTIN, "FRE", open_lot, "A0001")
    _copy(GARCIA, "FRE", closed, "A0002")  # jury 2's copy: in a closed lot
    copy = _copy(NGUYEN, "PHI", double, "B0001")
    for entry_pass, raw in ((1, "12"), (2, "13")):
        DoubleEntry.create(
            lot=double.id, anonymat=copy.id, entry_pass=entry_pass, raw_value=raw,
            operator=f"op{entry_pass}", entered_at="2026-06-20T10:00:00",
        )  # fmt: skip
    deliberate_session(session_id)
    grade = Grade.get((Grade.candidate == cid(BENALI)) & (Grade.epreuve_code == "GO"))
    with write_transaction():
        audit.update(Grade, grade.id, {"value_centi": 1500}, reason="correction")
    return session_id, one.id, two.id
