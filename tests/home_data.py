"""A small, fixed exam office for the home-screen tests (stats, app, snapshots).

Rows are inserted directly with the models: the point is to know every count in advance, not to
exercise the services (their own tests do that). :data:`EXPECTED` lists what the home screen must
show for this data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from baktui.data import counters
from baktui.data.db import write_transaction
from baktui.data.models import (
    Absence,
    Candidate,
    Examiner,
    ExpenseClaim,
    Grade,
    GradePart,
    Lot,
    Registration,
    Result,
)

# (series, status, state, LVB) per candidate; only the first two have an exam centre.
CANDIDATES: list[tuple[str, str, str, str]] = [
    ("STI2D", "scolaire", "validee", "ESP"),
    ("STI2D", "scolaire", "validee", "ESP"),
    ("STI2D", "scolaire", "brouillon", ""),  # to check, LVB missing
    ("STI2D", "individuel", "confirmee", "ALL"),  # to check
    ("STMG", "scolaire", "validee", "ESP"),
    ("STMG", "cned", "validee", "ESP"),  # CNED counts with the individuels
    ("STMG", "scolaire", "annulee", ""),  # cancelled: counted nowhere
    ("ST2S", "scolaire", "validee", "ESP"),
    ("STHR", "formation_continue", "brouillon", "ESP"),  # to check
    ("S2TMD", "scolaire", "validee", "ITA"),
]

EXPECTED: dict[str, Any] = {
    "series": {
        "STI2D": (3, 1),
        "STMG": (1, 1),
        "ST2S": (1, 0),
        "STL": (0, 0),
        "STD2A": (0, 0),
        "STHR": (0, 1),
        "S2TMD": (1, 0),
    },
    "candidates": 9,
    "scolaires": 6,
    "individuels": 3,
    "brouillon": 2,
    "confirmee": 1,
    "annulees": 1,
    "to_check": 3,
    "missing_lvb": 1,
    "missing_centre": 7,  # only candidates 0 and 1 have a centre (the cancelled one not counted)
    "grades_missing": 4,
    "absences_open": 1,
    "claims_declared": 2,
    "claims_service_fait": 1,
    "lots_total": 3,
    "lots_open": 2,
    "results": {"ADMIS": 2, "AJOURNE": 1},
    "mentions": {"B": 1},
}


def populate(session_id: int) -> list[int]:
    """Insert the fixed office into the open database; returns the candidate ids in order."""
    from baktui.data.models import Centre

    centre = Centre.create(session=session_id, code="C01", name="Lycée Ampère")
    ids: list[int] = []
    for n, (series, status, state, lvb) in enumerate(CANDIDATES):
        candidate = Candidate.create(
            session=session_id,
            number=f"026{n:06d}",
            last_name=f"NOM{n}",
            first_name="Prénom",
            name_key=f"nom{n} prenom",
            series=series,
            status=status,
            state=state,
            lvb=lvb,
            centre=centre if n < 2 else None,
        )
        ids.append(candidate.id)
    c0, c1, c2, *_ = ids
    st2s = ids[7]
    cancelled = ids[6]

    def register(candidate: int, code: str, kept: int | None = None) -> None:
        Registration.create(candidate=candidate, epreuve_code=code, kept_session=kept)

    def grade(
        candidate: int, code: str, value: int | None, code_: str | None = None, group: int = 1
    ) -> None:
        Grade.create(
            candidate=candidate, epreuve_code=code, group=group, value_centi=value, code=code_
        )

    # c0: three épreuves, all entered (one as ABS: a code counts as entered).
    for code in ("FRE", "PHI", "HG"):
        register(c0, code)
    grade(c0, "FRE", 1200)
    grade(c0, "PHI", None, "ABS")
    grade(c0, "HG", 1450)
    # c1: PHI missing, SP1 kept from 2025 (not expected), HG graded only in group 2 (missing),
    # MAT with an empty grade row (missing).
    for code in ("PHI", "HG", "MAT"):
        register(c1, code)
    register(c1, "SP1", kept=2025)
    grade(c1, "HG", 900, group=2)
    grade(c1, "MAT", None)
    # c2: FRE missing.
    register(c2, "FRE")
    # ST2S SP1 is composite (chimie + BPH): entered once both parts are.
    register(st2s, "SP1")
    GradePart.create(candidate=st2s, epreuve_code="SP1", part_code="CHI", value_centi=1250)
    GradePart.create(candidate=st2s, epreuve_code="SP1", part_code="BPH", value_centi=1100)
    register(st2s, "SP2")
    # A cancelled candidate's missing grade is not expected.
    register(cancelled, "PHI")
    grade(st2s, "SP2", 1300)
    # Missing: c1 PHI, c1 HG, c1 MAT, c2 FRE.

    # Lots: one fully entered, two not.
    for number, state in ((1, "saisi"), (2, "en_saisie"), (3, "distribue")):
        Lot.create(session=session_id, number=number, epreuve_code="PHI", state=state)

    examiner = Examiner.create(last_name="MARTIN", first_name="Anne", corps="CERTIFIE")
    for day, resolved in ((dt.date(2026, 6, 16), False), (dt.date(2026, 6, 17), True)):
        Absence.create(
            examiner=examiner,
            day=day,
            reason="maladie",
            recorded_by="test",
            recorded_at="2026-06-15T08:00:00+02:00",
            resolved=resolved,
        )
    # An unresolved absence of another year is not this session's business.
    Absence.create(
        examiner=examiner,
        day=dt.date(2025, 6, 16),
        reason="maladie",
        recorded_by="test",
        recorded_at="2025-06-15T08:00:00+02:00",
    )
    for state in ("declaree", "declaree", "service_fait", "validee", "rejetee"):
        ExpenseClaim.create(
            session=session_id, examiner=examiner, state=state, declared_at="2026-06-20"
        )

    for candidate, decision, mention in (
        (c0, "ADMIS", "B"),
        (ids[4], "ADMIS", None),
        (ids[5], "AJOURNE", None),
    ):
        Result.create(
            candidate=candidate,
            decision=decision,
            mention=mention,
            deliberated_at="2026-07-03T10:00:00+02:00",
            deliberated_by="test",
        )
    # rows inserted with the models, as from outside baktui: rebuild the maintained counters
    # (as « baktui compteurs reconstruire » does)
    with write_transaction():
        counters.recount(session_id)
    return ids
