"""The placement's tables (issue 15): groupings of établissements, oral commissions."""

from __future__ import annotations

import peewee as pw

from baktui.data.models import BaseModel, Centre, Etablissement, Examiner, ExamSession, Room


class CentreGroup(BaseModel):
    """A grouping: the établissement's scolaires sit the written épreuves in ``centre``."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    centre = pw.ForeignKeyField(Centre, backref="groupings", on_delete="CASCADE")
    etablissement = pw.ForeignKeyField(Etablissement, on_delete="CASCADE")

    class Meta:
        indexes = ((("session", "etablissement"), True),)


class OralCommission(BaseModel):
    """Two examiners hearing the candidates of an oral (GO, FRO, second group: « 2G-PHI »…) of
    a centre, in a room, on one day (from ``start_time`` to ``end_time``); a Grand oral or
    second-group spécialité commission hears one série (v13: série, day and hours)."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    epreuve_code = pw.TextField()
    number = pw.IntegerField()
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    examiner_a = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    examiner_b = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    fixed_by_hand = pw.BooleanField(default=False)
    series = pw.TextField(default="")  # GO, 2G-SP1, 2G-SP2: the série heard; "" otherwise
    day = pw.DateField(null=True)
    start_time = pw.TextField(default="")
    end_time = pw.TextField(default="")

    class Meta:
        indexes = ((("session", "epreuve_code", "number"), True),
                   (("session", "day"), False))  # fmt: skip
