"""Relevés de notes, diplômes, attestations de réussite and CFES, read from the deliberated base.

:func:`select` resolves a scope (académie, série, jury, établissement, centre, candidate) to the
candidates whose result is final — their jury published (the first publication for a first-group
decision, the final one after a second group), decision ADMIS or AJOURNÉ — and says what it
skipped. :func:`build` reads their files through :mod:`.candidate_files` and counts the lines
with the deliberation's own :func:`~baktui.rules.deliberation.first_group`, so that each
coefficient and grade on the relevé is the one the jury deliberated on; the average, decision and
mention are those of the Result table (truncated to 2 decimals). :func:`issue_documents` renders
one file per batch and records one Document per candidate: a second print of the same kind is a
« DUPLICATA » (a diploma is never printed twice as an original).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import peewee as pw

from baktui.data.models import (
    Candidate,
    Centre,
    Document,
    Etablissement,
    ExamSession,
    Jury,
    Registration,
    Result,
)
from baktui.errors import ServiceError
from baktui.exports.transcript import Certificate, Parcel, Transcript, TranscriptLine
from baktui.rules.decision import ADMIS, AJOURNE, DECISION_LABELS
from baktui.rules.deliberation import first_group, mention_label
from baktui.rules.french import plural
from baktui.rules.grades import format_grade, truncate_2
from baktui.rules.indications import labels as indication_labels
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.regulation import Regulation
from baktui.services import documents
from baktui.services.candidate_files import candidate_files
from baktui.services.documents import IssuedDocument
from baktui.services.imports.report import chunks
from baktui.services.replacement_session import carried_grades
from baktui.services.sessions import regulation_of
from baktui.services.settings import letterhead

RELEVE, DIPLOME, ATTESTATION, CFES, ENVOI = (
    "releve",
    "diplome",
    "attestation",
    "cfes",
    "liste_envoi",
)
SCOPES = ("academie", "serie", "jury", "etablissement", "centre", "candidat")
FIRST, FINAL = 1, 2
Progress = Callable[[int, int], object]


@dataclass(frozen=True)
class Scope:
    """Which candidates: ``kind`` one of SCOPES, ``key`` the série code, jury number, UAI, centre
    code or candidate number / INE (empty for the académie)."""

    kind: str = "academie"
    key: str = ""

    def label(self) -> str:
        words = {
            "academie": "toute l'académie",
            "serie": f"série {self.key}",
            "jury": f"jury n° {self.key}",
            "etablissement": f"établissement {self.key}",
            "centre": f"centre {self.key}",
            "candidat": f"candidat {self.key}",
        }
        return words.get(self.kind, self.kind)


@dataclass
class Selection:
    """The candidates a document goes to, in envelope order, and what was left aside."""

    ids: list[int] = field(default_factory=list)
    skipped_unpublished: int = 0
    skipped_undecided: int = 0

    def skipped(self) -> str:
        parts = []
        if self.skipped_unpublished:
            parts.append(f"{self.skipped_unpublished} d'un jury non publié")
        if self.skipped_undecided:
            parts.append(f"{self.skipped_undecided} sans décision définitive")
        return ("candidats écartés : " + ", ".join(parts)) if parts else ""


def _condition(session_id: int, scope: Scope) -> pw.Expression:
    cond = (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
    key = scope.key.strip()
    if scope.kind == "academie":
        return cond
    if not key:
        raise ServiceError(f"Portée « {scope.kind} » : la clé est obligatoire.")
    if scope.kind == "serie":
        return cond & (Candidate.series == key.upper())
    if scope.kind == "jury":
        if not key.isdigit():
            raise ServiceError(f"Jury « {key} » : un numéro est attendu.")
        jury = Jury.get_or_none((Jury.session == session_id) & (Jury.number == int(key)))
        if jury is None:
            raise ServiceError(f"Aucun jury n° {key} dans cette session.")
        return cond & (Candidate.jury == jury.id)
    if scope.kind == "etablissement":
        etab = Etablissement.get_or_none(Etablissement.uai == key.upper())
        if etab is None:
            raise ServiceError(f"Aucun établissement d'UAI « {key} ».")
        return cond & (Candidate.etablissement == etab.id)
    if scope.kind == "centre":
        centre = Centre.get_or_none((Centre.session == session_id) & (Centre.code == key))
        if centre is None:
            raise ServiceError(f"Aucun centre de code « {key} » dans cette session.")
        return cond & (Candidate.centre == centre.id)
    if scope.kind == "candidat":
        text = key.upper().replace(" ", "")
        return cond & ((Candidate.number == text) | (Candidate.ine == text))
    raise ServiceError(f"Portée inconnue : « {scope.kind} » (possibles : {', '.join(SCOPES)}).")


def select(
    session_id: int, scope: Scope, decisions: tuple[str, ...] = (ADMIS, AJOURNE)
) -> Selection:
    """The candidates of the scope whose decision is final and published, in envelope order
    (établissement, then name)."""
    query = (
        Candidate.select(
            Candidate.id, Result.decision, Result.second_group_done, Jury.published_group
        )
        .join(Result, pw.JOIN.LEFT_OUTER, on=(Result.candidate == Candidate.id))
        .switch(Candidate)
        .join(Jury, pw.JOIN.LEFT_OUTER, on=(Jury.id == Candidate.jury))
        .where(_condition(session_id, scope))
        .order_by(Candidate.etablissement, Candidate.name_key, Candidate.number)
        .tuples()
    )
    found = Selection()
    for cid, decision, second_done, published in query.iterator():
        if decision not in (ADMIS, AJOURNE):
            found.skipped_undecided += 1
        elif (published or 0) < (FINAL if second_done else FIRST):
            found.skipped_unpublished += 1
        else:
            found.ids.append(cid)
    return found


def _labels(reg: Regulation, series: str) -> dict[str, str]:
    rule = reg.series_rule(series)
    return {"SP1": rule.sp1_label, "SP2": rule.sp2_label, "SPA": rule.spa_label}


def _kept_years(ids: list[int]) -> dict[tuple[int, str], int]:
    years: dict[tuple[int, str], int] = {}
    for chunk in chunks(ids):
        query = Registration.select(
            Registration.candidate, Registration.epreuve_code, Registration.kept_session
        ).where(Registration.candidate.in_(list(chunk)) & Registration.kept_session.is_null(False))
        for cid, code, year in query.tuples():
            years[(cid, code)] = year
    return years


def _printed(kind: str, ids: list[int]) -> set[int]:
    """Candidates who already have a document of that kind (the next print is a duplicata)."""
    done: set[int] = set()
    for chunk in chunks(ids):
        query = Document.select(Document.candidate).where(
            (Document.kind == kind) & Document.candidate.in_(list(chunk))
        )
        done.update(cid for (cid,) in query.tuples())
    return done


def build(session_id: int, ids: list[int], kind: str = RELEVE) -> Iterator[Transcript]:
    """The transcripts of those candidates, in the order given, read 500 at a time."""
    reg = regulation_of(session_id)
    september = (
        ExamSession.select(ExamSession.kind).where(ExamSession.id == session_id).scalar()
        == "remplacement"
    )
    for chunk in chunks(ids):
        part = list(chunk)
        yield from _build_chunk(reg, part, kind, september)


def _build_chunk(
    reg: Regulation, ids: list[int], kind: str, september: bool = False
) -> list[Transcript]:
    heads = {c.id: c for c in Candidate.select().where(Candidate.id.in_(ids))}
    results = {r.candidate_id: r for r in Result.select().where(Result.candidate.in_(ids))}
    etabs = {
        e.id: e
        for e in Etablissement.select().where(
            Etablissement.id.in_(
                {c.etablissement_id for c in heads.values() if c.etablissement_id} or {0}
            )
        )
    }
    centres = {
        c.id: c
        for c in Centre.select().where(
            Centre.id.in_({c.centre_id for c in heads.values() if c.centre_id} or {0})
        )
    }
    files = candidate_files(reg, ids)
    kept_years = _kept_years(ids)
    options = {
        (cid, code): name
        for cid, code, name in Registration.select(
            Registration.candidate, Registration.epreuve_code, Registration.option_name
        )
        .where(Registration.candidate.in_(ids) & (Registration.option_name != ""))
        .tuples()
    }
    again = _printed(kind, ids)
    june = carried_grades(ids) if september else set()
    out = []
    for cid in ids:
        c, result, file = heads[cid], results[cid], files[cid]
        fg = first_group(reg, file)
        labels = _labels(reg, c.series)
        second_for: dict[str, str] = {}
        for subject, grade in file.second_group.items():
            for target in reg.second_group_subjects.get(subject, ()):
                second_for[target] = str(grade) if grade is not None else "—"
        lines = []
        for code in fg.codes:
            grade = file.grades.get(code)
            if code in fg.neutralised:
                shown, note = (grade.code if grade and grade.code else "—"), "neutralisée"
            elif grade is not None and grade.code:
                shown, note = grade.code, ""
            elif code in fg.values:
                shown, note = format_grade(fg.values[code]), ""
            else:
                shown, note = "—", ""
            if code in fg.jury_codes:
                note = "points de jury"
            if code in fg.kept:
                year = kept_years.get((cid, code))
                note = f"conservée (session {year})" if year else "conservée"
            elif september:  # which grades are June's, which were sat in September
                when = "juin" if (cid, code) in june else "septembre"
                note = f"{note} · {when}" if note else when
            label = labels.get(code) or reg.epreuve(code).label
            if (cid, code) in options:
                label += f" : {reg.options.get(options[(cid, code)], options[(cid, code)])}"
            lines.append(
                TranscriptLine(
                    code, label, format_grade(reg.epreuve(code).coef), shown,
                    second_for.get(code, ""), note,
                )
            )  # fmt: skip
        etab = etabs.get(c.etablissement_id)
        centre = centres.get(c.centre_id)
        holder = f"{etab.uai} {etab.name}" if etab else (f"centre {centre.name}" if centre else "")
        average = Fraction(result.average) if result.average else None
        first = Fraction(result.first_group_average) if result.first_group_average else None
        out.append(
            Transcript(
                candidate_id=cid,
                number=c.number,
                ine=c.ine,
                last_name=c.last_name,
                first_name=c.first_name,
                sex=c.sex,
                birth_date=c.birth_date,
                birth_place=c.birth_place,
                series=c.series,
                series_label=reg.series_rule(c.series).label,
                specialites=(labels["SP1"], labels["SP2"]),
                lines=tuple(lines),
                average=truncate_2(average) if average is not None else "",
                first_average=truncate_2(first) if first is not None else "",
                decision=result.decision,
                decision_label=DECISION_LABELS.get(result.decision, result.decision),
                mention=mention_label(reg, result.mention),
                holder=holder,
                address=tuple(x for x in (c.address, f"{c.postcode} {c.city}".strip()) if x),
                indications=indication_labels(c.indications, reg.languages),
                duplicata=cid in again,
            )
        )
    return out


@dataclass(frozen=True)
class DocumentRun:
    """What an edition made: the files, how many documents, what was skipped."""

    kind: str
    issued: tuple[IssuedDocument, ...]
    count: int
    duplicates: int
    skipped: str = ""
    unit: str = "candidat"  # what ``count`` counts (« liste », « commission »…)

    def render(self) -> str:
        label = documents.kind_label(self.kind)
        files = ", ".join(str(d.path) for d in self.issued) or "aucun fichier"
        text = f"{label} : {plural(self.count, self.unit)} → {files}"
        if self.duplicates:
            text += f" ; {self.duplicates} duplicata"
            if self.kind == DIPLOME:
                text += " (un diplôme n'est jamais réédité en original : vérifier la demande)"
        if self.skipped:
            text += f" ; {self.skipped}"
        return text


def _cfes_ids(session_id: int, reg: Regulation, ids: list[int]) -> list[int]:
    keep = []
    for chunk in chunks(ids):
        query = Result.select(Result.candidate, Result.decision, Result.first_group_average).where(
            Result.candidate.in_(list(chunk))
        )
        good = {
            cid
            for cid, decision, first in query.tuples()
            if decision == AJOURNE and first and Fraction(first) >= reg.cfes_threshold
        }
        keep.extend(c for c in chunk if c in good)
    return keep


def count(session_id: int, kind: str, scope: Scope) -> tuple[int, int]:
    """(documents, pages) the edition of ``kind`` on ``scope`` will make."""
    ids = _ids_for(session_id, kind, scope)[0]
    pages = {RELEVE: 2}.get(kind, 1)
    return len(ids), len(ids) * pages


def _ids_for(session_id: int, kind: str, scope: Scope) -> tuple[list[int], Selection]:
    chosen = select(session_id, scope)
    ids = chosen.ids
    if kind in (DIPLOME, ATTESTATION):
        admitted = set()
        for chunk in chunks(ids):
            admitted.update(
                cid
                for (cid,) in Result.select(Result.candidate)
                .where(Result.candidate.in_(list(chunk)) & (Result.decision == ADMIS))
                .tuples()
            )
        ids = [c for c in ids if c in admitted]
    elif kind == CFES:
        ids = _cfes_ids(session_id, regulation_of(session_id), ids)
    return ids, chosen


def issue_documents(
    session_id: int,
    kind: str,
    scope: Scope,
    *,
    path: Path | None = None,
    out_dir: Path | None = None,
    window: bool = False,
    progress: Progress | None = None,
) -> DocumentRun:
    """Render ``kind`` (relevés, diplômes, attestations, CFES) for the scope into one PDF and
    record one Document per candidate."""
    from baktui.exports.transcript import write_certificates, write_transcripts

    if kind not in (RELEVE, DIPLOME, ATTESTATION, CFES):
        raise ServiceError(f"Document inconnu : « {kind} ».")
    if path is not None and path.suffix.lower() != ".pdf":
        raise ServiceError(f"{path.name} : ce document s'écrit en PDF (.pdf).")
    ids, chosen = _ids_for(session_id, kind, scope)
    if not ids:
        return DocumentRun(kind, (), 0, 0, chosen.skipped() or "aucun candidat concerné")
    total = len(ids)

    def step(done: int) -> None:
        if progress is not None:
            progress(done, total)

    transcripts = list(build(session_id, ids, kind))
    year = int(ExamSession.get_by_id(session_id).year)
    academie = letterhead()
    if kind == RELEVE:
        write = lambda target: write_transcripts(  # noqa: E731
            target, transcripts, academie=academie, year=year, window=window, progress=step
        )
    else:
        certs = [Certificate(t, kind) for t in transcripts]
        write = lambda target: write_certificates(  # noqa: E731
            target, certs, academie=academie, year=year, progress=step
        )
    doc = documents.issue(
        kind,
        documents.file_name(kind, scope.kind, scope.key, suffix=".pdf"),
        write,
        candidates=ids,
        path=path,
        out_dir=out_dir,
        reason=f"édition : {documents.kind_label(kind)} ({scope.label()})",
    )
    duplicates = sum(t.duplicata for t in transcripts)
    return DocumentRun(kind, (doc,), total, duplicates, chosen.skipped())


def issue_dispatch(
    session_id: int, scope: Scope, *, path: Path | None = None, out_dir: Path | None = None
) -> DocumentRun:
    """The liste d'envoi of each établissement of the scope: relevés (2 per candidate),
    diplômes (ADMIS) and CFES, with boxes to sign."""
    from baktui.exports.transcript import write_dispatch

    chosen = select(session_id, scope)
    reg = regulation_of(session_id)
    cfes = set(_cfes_ids(session_id, reg, chosen.ids))
    per: dict[int | None, list[int]] = {}
    etab_of: dict[int, int | None] = {}
    decisions: dict[int, str] = {}
    for chunk in chunks(chosen.ids):
        for cid, etab, decision in (
            Candidate.select(Candidate.id, Candidate.etablissement, Result.decision)
            .join(Result, on=(Result.candidate == Candidate.id))
            .where(Candidate.id.in_(list(chunk)))
            .tuples()
        ):
            etab_of[cid], decisions[cid] = etab, decision
    for cid in chosen.ids:
        per.setdefault(etab_of.get(cid), []).append(cid)
    etabs = {
        e.id: e
        for e in Etablissement.select().where(Etablissement.id.in_([k for k in per if k] or [0]))
    }
    parcels = []
    for key, cids in per.items():
        etab = etabs.get(key) if key else None
        admitted = sum(decisions[c] == ADMIS for c in cids)
        parcels.append(
            Parcel(
                etab.uai if etab else "—",
                etab.name if etab else "candidats individuels",
                etab.address if etab else "envoi à l'adresse de chaque candidat",
                (
                    ("Relevés de notes (exemplaire du candidat)", len(cids)),
                    ("Relevés de notes (exemplaire de l’établissement)", len(cids)),
                    ("Diplômes", admitted),
                    ("Certificats de fin d’études secondaires", sum(c in cfes for c in cids)),
                ),
            )
        )
    parcels.sort(key=lambda p: p.uai)
    year = int(ExamSession.get_by_id(session_id).year)
    academie = letterhead()
    doc = documents.issue(
        ENVOI,
        documents.file_name("envois", scope.kind, scope.key, suffix=".pdf"),
        lambda target: write_dispatch(target, parcels, academie=academie, year=year),
        examiners=[None],
        count=len(parcels),
        path=path,
        out_dir=out_dir,
        reason=f"édition : listes d'envoi ({scope.label()})",
    )
    return DocumentRun(ENVOI, (doc,), len(chosen.ids), 0, chosen.skipped())
