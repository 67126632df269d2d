"""The examiners' expense claims' tables: rates, claims, the missions they cover, their lines.

Kept apart from :mod:`baktui.data.models` (one readable module per subject); the models module
re-exports them, so ``from baktui.data.models import ExpenseClaim`` still works.
"""

from __future__ import annotations

import peewee as pw

from baktui.data.models import Assignment, BaseModel, Commune, Examiner, ExamSession, VersionedModel


class ExpenseRate(VersionedModel):
    """A dated rate: kilometric band, meal, night, copy or oral-hour fee (amounts as decimal text)."""

    kind = pw.TextField()  # km | meal | night | copy | oral_hour
    key = pw.TextField(default="")  # e.g. "cv<=5:0-2000", "paris"
    amount = pw.TextField()  # exact decimal text, euros
    valid_from = pw.DateField()
    valid_to = pw.DateField(null=True)

    class Meta:
        indexes = ((("kind", "key", "valid_from"), True),)


class ExpenseClaim(VersionedModel):
    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    examiner = pw.ForeignKeyField(Examiner, backref="claims", on_delete="CASCADE")
    # declaree | service_fait | validee | mise_en_paiement | rejetee
    state = pw.TextField(default="declaree")
    declared_at = pw.TextField()
    service_fait_at = pw.TextField(null=True)
    validated_at = pw.TextField(null=True)
    validated_by = pw.TextField(null=True)
    paid_at = pw.TextField(null=True)
    reject_reason = pw.TextField(default="")
    total_centi = pw.IntegerField(default=0)


class ClaimMission(BaseModel):
    """A convocation (assignment) a claim covers."""

    claim = pw.ForeignKeyField(ExpenseClaim, backref="missions", on_delete="CASCADE")
    assignment = pw.ForeignKeyField(Assignment, on_delete="CASCADE")

    class Meta:
        indexes = ((("claim", "assignment"), True),)


class ExpenseLine(BaseModel):
    """One line of a claim: a trip, a ticket, a toll, a meal, a night, copies or oral hours."""

    claim = pw.ForeignKeyField(ExpenseClaim, backref="lines", on_delete="CASCADE")
    day = pw.DateField()
    # car | public_transport | toll | parking | meal | night | copies | oral_hours
    kind = pw.TextField()
    origin = pw.TextField(default="")  # administrative | family
    from_commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL", backref="+")
    to_commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL", backref="+")
    km = pw.IntegerField(default=0)
    fiscal_hp = pw.IntegerField(null=True)
    quantity_centi = pw.IntegerField(default=100)  # count, or hours in hundredths
    declared_centi = pw.IntegerField(default=0)  # amount claimed (tickets, tolls…)
    amount_centi = pw.IntegerField(default=0)  # amount computed by baktui
    receipt = pw.BooleanField(default=False)
    night_category = pw.TextField(default="")
    note = pw.TextField(default="")
