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
    """Two examiners hearing the candidates of an oral (GO, FRO, second group) in a room."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    epreuve_code = pw.CharField()
    number = pw.IntegerField()
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    examiner_a = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    examiner_b = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    fixed_by_hand = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("session", "epreuve_code", "number"), True),)
