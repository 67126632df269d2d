"""F3 probable duplicates: the two records side by side, and a merge that keeps one.

The merge keeps the chosen record and makes the other a tombstone: its registration state
becomes « annulée » (the row stays, so that every audit entry about it still names a record and
its number is never given again), with an audit entry "merge" holding its full before-image and
the reason typed. Its history moves to the record kept, each move audited: the registrations to
épreuves the record kept lacks (the same épreuve on both stays with the tombstone), its grades,
part-grades and documents. The merge is refused, with a French message naming the conflict,
when both records hold a grade for the same épreuve, or when the record merged away already has
anonymity numbers, convocations, jury points or a result (they belong to the record kept: cancel
them first, or merge the other way).
"""

from __future__ import annotations

from dataclasses import dataclass

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Candidate,
    Convocation,
    Document,
    Etablissement,
    Grade,
    GradePart,
    JuryPoint,
    Registration,
    Result,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.candidate import label
from baktui.rules.french import plural
from baktui.rules.lifecycles import REGISTRATION, RegistrationState

# the identity and contact fields compared side by side
COMPARED = ("ine", "last_name", "first_name", "sex", "birth_date", "series", "etablissement",
            "address", "postcode", "city", "email", "phone", "state")  # fmt: skip
MERGE = "merge"  # audit action of the record merged away


@dataclass(frozen=True)
class RecordSide:
    """One of the two records, as shown in one column."""

    candidate_id: int
    number: str
    version: int
    fields: dict[str, str]  # COMPARED field -> text shown
    registrations: tuple[str, ...]  # épreuve codes
    grades: int
    documents: int
    anonymats: int
    convocations: int


@dataclass(frozen=True)
class DuplicatePair:
    left: RecordSide
    right: RecordSide
    differences: tuple[str, ...]  # COMPARED fields whose values differ


@dataclass(frozen=True)
class MergeOutcome:
    kept_id: int
    merged_id: int
    moved_registrations: int
    moved_grades: int
    moved_documents: int
    message: str


def _text(candidate: Candidate, name: str) -> str:
    if name == "birth_date":
        born = candidate.birth_date
        return born.strftime("%d/%m/%Y") if born else ""
    if name == "state":
        return REGISTRATION.label(candidate.state)
    if name == "etablissement":
        if candidate.etablissement_id is None:
            return ""
        etab = Etablissement.get_or_none(Etablissement.id == candidate.etablissement_id)
        return f"{etab.uai} {etab.name}" if etab else ""
    return str(getattr(candidate, name) or "")


def _side(candidate: Candidate) -> RecordSide:
    cid = candidate.id
    return RecordSide(
        candidate_id=cid,
        number=candidate.number,
        version=candidate.version,
        fields={name: _text(candidate, name) for name in COMPARED},
        registrations=tuple(
            code
            for (code,) in Registration.select(Registration.epreuve_code)
            .where(Registration.candidate == cid)
            .order_by(Registration.epreuve_code)
            .tuples()
        ),
        grades=Grade.select().where(Grade.candidate == cid).count(),
        documents=Document.select().where(Document.candidate == cid).count(),
        anonymats=Anonymat.select().where(Anonymat.candidate == cid).count(),
        convocations=Convocation.select().where(Convocation.candidate == cid).count(),
    )


def _get(candidate_id: int) -> Candidate:
    candidate = Candidate.get_or_none(Candidate.id == candidate_id)
    if candidate is None:
        raise NotFoundError(f"Candidat n° {candidate_id} introuvable.")
    return candidate


def compare(left_id: int, right_id: int) -> DuplicatePair:
    """The two records side by side (identity, contact, registrations, counts)."""
    left, right = _side(_get(left_id)), _side(_get(right_id))
    differences = tuple(n for n in COMPARED if left.fields[n] != right.fields[n])
    return DuplicatePair(left, right, differences)


def merge_conflicts(keep_id: int, drop_id: int) -> list[str]:
    """Why the record ``drop_id`` cannot be merged into ``keep_id`` (French), or []."""
    keep, drop = _get(keep_id), _get(drop_id)
    if keep.id == drop.id:
        return ["un dossier ne se fusionne pas avec lui-même"]
    if keep.session_id != drop.session_id:
        return ["les deux dossiers ne sont pas de la même session"]
    if drop.state == RegistrationState.ANNULEE.value:
        return [f"le dossier n° {drop.number} est déjà annulé"]
    problems: list[str] = []
    kept = {
        (code, group)
        for code, group in Grade.select(Grade.epreuve_code, Grade.group)
        .where(Grade.candidate == keep.id)
        .tuples()
    }
    for code, group in (
        Grade.select(Grade.epreuve_code, Grade.group).where(Grade.candidate == drop.id).tuples()
    ):
        if (code, group) in kept:
            which = "second groupe" if group == 2 else "premier groupe"
            problems.append(f"une note de {code} ({which}) sur les deux dossiers")
    held = (
        (Anonymat, "des numéros d'anonymat"),
        (Convocation, "des convocations"),
        (JuryPoint, "des points de jury"),
        (Result, "un résultat délibéré"),
    )
    for model, what in held:
        if model.select().where(model.candidate == drop.id).exists():
            problems.append(f"le dossier n° {drop.number} a déjà {what}")
    return problems


def merge(
    keep_id: int,
    drop_id: int,
    *,
    reason: str,
    confirmed: bool,
    keep_version: int | None = None,
    drop_version: int | None = None,
) -> MergeOutcome:
    """Merge the record ``drop_id`` into ``keep_id`` (see the module docstring); refused without
    confirmation, without a reason, or with a conflict (ServiceError, nothing written)."""
    why = reason.strip()
    if not confirmed:
        raise ServiceError("Fusion non confirmée : rien n'a été modifié.")
    if not why:
        raise ServiceError("Motif de la fusion obligatoire.")
    with write_transaction():
        problems = merge_conflicts(keep_id, drop_id)
        if problems:
            raise ServiceError("Fusion impossible : " + " ; ".join(problems) + ".")
        keep, drop = _get(keep_id), _get(drop_id)
        for candidate, expected in ((keep, keep_version), (drop, drop_version)):
            if expected is not None and candidate.version != expected:
                raise ServiceError(
                    f"Le dossier n° {candidate.number} a été modifié depuis l'affichage : "
                    "rouvrez la comparaison."
                )
        note = f"fusion du doublon n° {drop.number} dans n° {keep.number} : {why}"
        before = audit.record_text(Candidate, {n: getattr(drop, n) for n in Candidate._meta.fields})
        audit.log(MERGE, "candidate", drop.id, "", before, f"fusionné dans n° {keep.number}",
                  reason=note, candidate_id=drop.id)  # fmt: skip
        audit.log(MERGE, "candidate", keep.id, "", None, f"a reçu le dossier n° {drop.number}",
                  reason=note, candidate_id=keep.id)  # fmt: skip
        kept_epreuves = {
            code
            for (code,) in Registration.select(Registration.epreuve_code)
            .where(Registration.candidate == keep.id)
            .tuples()
        }
        registrations = [
            r.id
            for r in Registration.select(Registration.id, Registration.epreuve_code).where(
                Registration.candidate == drop.id
            )
            if r.epreuve_code not in kept_epreuves
        ]
        for rid in registrations:
            audit.update(Registration, rid, {"candidate": keep.id}, reason=note)
        grades = [g for (g,) in Grade.select(Grade.id).where(Grade.candidate == drop.id).tuples()]
        for gid in grades:
            audit.update(Grade, gid, {"candidate": keep.id}, reason=note)
        for pid in [p for (p,) in GradePart.select(GradePart.id).where(GradePart.candidate == drop.id).tuples()]:  # fmt: skip
            audit.update(GradePart, pid, {"candidate": keep.id}, reason=note)
        documents = [
            d for (d,) in Document.select(Document.id).where(Document.candidate == drop.id).tuples()
        ]
        for did in documents:
            audit.update(Document, did, {"candidate": keep.id}, reason=note)
        audit.update(
            Candidate,
            drop.id,
            {"state": RegistrationState.ANNULEE.value, "updated_at": audit.now_iso()},
            reason=note,
        )
    message = (
        f"Dossier n° {drop.number} fusionné dans n° {keep.number} "
        f"({plural(len(registrations), 'inscription')} à des épreuves, "
        f"{plural(len(grades), 'note')}, {plural(len(documents), 'document')} repris) ; "
        "il reste, annulé, dans le journal."
    )
    return MergeOutcome(keep.id, drop.id, len(registrations), len(grades), len(documents), message)


_SHORT = {"etablissement": "établissement", "birth_date": "naissance", "state": "état",
          "postcode": "code postal"}  # fmt: skip


def field_label(name: str) -> str:
    """The French label of a compared field (short: a column of 14 characters)."""
    return _SHORT.get(name, label(name))
