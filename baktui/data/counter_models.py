"""The maintained counters (issue 18, schema 14): what the home screen and F4's missing grades
count, kept up to date by the writers instead of walking millions of registrations.

``jury_id`` and ``centre_id`` are plain integers, 0 for « sans jury » / « sans centre » (a NULL
would defeat the unique key that ``INSERT … ON CONFLICT`` adds deltas through). Maintained by
:mod:`baktui.data.counters`; rebuilt by ``baktui compteurs reconstruire``.
"""

from __future__ import annotations

import peewee as pw

from baktui.data.models import BaseModel, ExamSession


class GradeCounter(BaseModel):
    """First-group grades of one session × jury × centre × épreuve.

    ``registrations``: registrations expecting a grade (no kept grade, candidate not cancelled);
    ``graded``: those with a grade entered (ABS, AJ and DI count as entered; a composite
    spécialité once every part is); ``aj``: those whose grade is AJ. Missing = the difference.
    """

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    jury_id = pw.IntegerField(default=0)
    centre_id = pw.IntegerField(default=0)
    epreuve_code = pw.TextField()
    registrations = pw.IntegerField(default=0)
    graded = pw.IntegerField(default=0)
    aj = pw.IntegerField(default=0)

    class Meta:
        table_name = "grade_counter"
        indexes = ((("session", "jury_id", "centre_id", "epreuve_code"), True),)

    @property
    def missing(self) -> int:
        return self.registrations - self.graded


class CandidateCounter(BaseModel):
    """Candidates of one session × series × scolaire or not × state, with the anomalies the
    home screen shows (no LVB, no centre: live candidates only)."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    series = pw.TextField()
    scolaire = pw.IntegerField()  # 1 scolaire, 0 any other status
    state = pw.TextField()
    candidates = pw.IntegerField(default=0)
    missing_lvb = pw.IntegerField(default=0)
    missing_centre = pw.IntegerField(default=0)

    class Meta:
        table_name = "candidate_counter"
        indexes = ((("session", "series", "scolaire", "state"), True),)


class ResultCounter(BaseModel):
    """Results of the last deliberation of one session × decision × mention ('' for none)."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    decision = pw.TextField()
    mention = pw.TextField(default="")
    results = pw.IntegerField(default=0)

    class Meta:
        table_name = "result_counter"
        indexes = ((("session", "decision", "mention"), True),)
