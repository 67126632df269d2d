"""Anonymity numbers of the written copies: one per candidate and written épreuve, audited.

Numbering is idempotent (only copies without a number get one); the numbers are drawn at random
with the system's entropy (:func:`baktui.rules.anonymity.draw_numbers`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee as pw

from baktui.data import audit, sql
from baktui.data.db import write_transaction
from baktui.data.models import Anonymat, Candidate, Registration
from baktui.rules.anonymity import draw_numbers
from baktui.rules.lifecycles import RegistrationState
from baktui.services.lots import written_rules
from baktui.services.replacement_session import to_sit


@dataclass(frozen=True)
class NumberingReport:
    created: dict[str, int]  # épreuve code -> new anonymity numbers
    existing: dict[str, int]

    def render(self) -> str:
        if not any(self.created.values()):
            return "Numéros d'anonymat : rien à créer (" + _counts(self.existing) + " déjà créés)."
        return "Numéros d'anonymat créés : " + _counts(self.created) + "."


def _counts(by_code: dict[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in by_code.items() if n) or "aucun"


_ANONYMAT_FIELDS = ("candidate", "epreuve_code", "number")


def _anonymat_insert(marks: dict[str, Any]) -> pw.Query:
    return Anonymat.insert({getattr(Anonymat, name): marks[name] for name in _ANONYMAT_FIELDS})


def number_copies(
    session_id: int,
    epreuve_code: str | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> NumberingReport:
    """Give an anonymity number to every written copy that has none (idempotent, audited).

    The numbers are drawn at random (system entropy) among the unused ones of the épreuve: they say
    nothing about the candidate number, the établissement or the order of registration.
    One transaction per épreuve; ``progress(done, total)`` is told after each (in épreuves), and
    may raise to stop there: the épreuves done stay numbered, a new run does the others.
    """
    rng = random.SystemRandom()
    created: dict[str, int] = {}
    existing: dict[str, int] = {}
    rules = written_rules(session_id, epreuve_code)
    for done, rule in enumerate(rules):
        if progress is not None:
            progress(done, len(rules))
        with write_transaction():
            numbered = Anonymat.select(Anonymat.candidate).where(Anonymat.epreuve_code == rule.code)
            todo = [
                cid
                for (cid,) in Registration.select(Registration.candidate)
                .join(Candidate, on=(Registration.candidate == Candidate.id))
                .where(
                    (Candidate.session == session_id)
                    & (Candidate.state != RegistrationState.ANNULEE)
                    & (Registration.epreuve_code == rule.code)
                    & Registration.kept_session.is_null()
                    & Registration.candidate.not_in(numbered)
                    & to_sit(session_id)
                )
                .tuples()
            ]
            existing[rule.code] = (
                Anonymat.select()
                .join(Candidate, on=(Anonymat.candidate == Candidate.id))
                .where((Candidate.session == session_id) & (Anonymat.epreuve_code == rule.code))
                .count()
            )
            created[rule.code] = len(todo)
            if not todo:
                continue
            used = {
                n
                for (n,) in Anonymat.select(Anonymat.number)
                .where(Anonymat.epreuve_code == rule.code)
                .tuples()
            }
            numbers = draw_numbers(len(todo), used, rng)
            rng.shuffle(todo)
            rows = [
                {"candidate": cid, "epreuve_code": rule.code, "number": num}
                for cid, num in zip(todo, numbers, strict=True)
            ]
            sql.Prepared.get("anonymat-insert", _anonymat_insert, _ANONYMAT_FIELDS).run_many(rows)
            ids = dict(
                Anonymat.select(Anonymat.candidate, Anonymat.id)
                .where((Anonymat.epreuve_code == rule.code) & Anonymat.candidate.in_(todo))
                .tuples()
            )
            audit.log_many(
                {
                    "action": "create",
                    "entity": "anonymat",
                    "entity_id": str(ids[row["candidate"]]),
                    "after": f"epreuve_code={rule.code}; number={row['number']}",
                    "reason": "numérotation des copies",
                    "candidate_id": row["candidate"],
                }
                for row in rows
            )
    return NumberingReport(created, existing)
