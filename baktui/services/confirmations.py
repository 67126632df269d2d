"""Registration confirmations (« confirmation d'inscription »): what they print, and the PDF.

The candidates' profiles (:class:`~baktui.rules.candidate.CandidateProfile`, the card's too) are
read by 500 with three queries, rendered by the pure :mod:`baktui.exports.confirmation` into ONE
PDF (the fonts are embedded once), written through :func:`baktui.services.documents.issue`,
which records one Document per candidate: it shows on each card and in each timeline.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import peewee as pw

from baktui.data.models import Candidate, Centre, Etablissement, ExamSession, Registration
from baktui.errors import ServiceError
from baktui.exports.confirmation import write_confirmations
from baktui.rules import candidate as shape
from baktui.rules.candidate import CandidateProfile, build_profile, epreuve_lines
from baktui.rules.french import plural
from baktui.rules.lifecycles import RegistrationState
from baktui.services import documents
from baktui.services.registration import session_epreuve_labels, stored_row
from baktui.services.registration_checks import checked_candidates, chunks, stream
from baktui.services.sessions import regulation_of
from baktui.services.settings import letterhead

REASON = "confirmation d'inscription éditée"


_DRAFT = RegistrationState.BROUILLON.value


def _individuals(session_id: int) -> pw.Expression:
    return checked_candidates(session_id) & (Candidate.status != "scolaire")


def drafts_left_out(session_id: int) -> int:
    """How many individual candidates the batch of confirmations leaves out as drafts."""
    where = _individuals(session_id) & (Candidate.state == _DRAFT)
    return Candidate.select().where(where).count()


def confirmation_data(
    session_id: int, candidate_ids: Sequence[int] | None = None
) -> Iterator[CandidateProfile]:
    """Confirmation contents, by 500 candidates; None = every individual candidate of the session.

    "Individual" means every status without contrôle continu (individuel, CNED, formation
    continue), not cancelled nor transferred, in name order. A draft (brouillon) is not a
    registration yet: the batch leaves it out (:func:`drafts_left_out` counts them).
    """
    reg = regulation_of(session_id)
    stored = session_epreuve_labels(session_id)
    if candidate_ids is None:
        where = _individuals(session_id) & (Candidate.state != _DRAFT)
        ids = [
            i
            for (i,) in stream(
                Candidate.select(Candidate.id).where(where).order_by(Candidate.name_key)
            )
        ]
    else:
        ids = list(candidate_ids)
    for chunk in chunks(ids, 500):
        rows = {
            c.id: c
            for c in Candidate.select(Candidate, Etablissement, Centre)
            .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id)
            .switch(Candidate)
            .join(Centre, pw.JOIN.LEFT_OUTER, on=Candidate.centre == Centre.id)
            .where(Candidate.id.in_(list(chunk)))
        }
        registered: dict[int, list[tuple[str, str, int | None]]] = defaultdict(list)
        for cid, code, option, kept in (
            Registration.select(
                Registration.candidate,
                Registration.epreuve_code,
                Registration.option_name,
                Registration.kept_session,
            )
            .where(Registration.candidate.in_(list(chunk)))
            .order_by(Registration.id)
            .tuples()
        ):
            registered[cid].append((code, option, kept))
        for cid in chunk:
            c = rows.get(cid)
            if c is None:
                continue
            etab = c.etablissement if c.etablissement_id is not None else None
            centre = c.centre if c.centre_id is not None else None
            labels = shape.epreuve_labels(reg, c.series, stored)
            yield build_profile(
                reg,
                stored_row(c),
                etablissement=(etab.uai, etab.name, "") if etab else ("", "", ""),
                centre=(centre.code, centre.name) if centre else ("", ""),
                epreuves=epreuve_lines(reg, labels, registered.get(cid, [])),
            )


def issue_confirmations(
    session_id: int,
    candidate_ids: Sequence[int] | None = None,
    *,
    out_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> documents.IssuedDocument:
    """Write the confirmations (one candidate, a list, or every individual candidate) as ONE PDF
    and record one Document per candidate (audited: it shows in each timeline).
    ``progress(done, total)`` is told after each page; if it raises (Échap in the app: a
    :class:`~baktui.errors.Cancelled`), no file is written and nothing recorded."""
    started = time.perf_counter()
    items = list(confirmation_data(session_id, candidate_ids))
    if not items:
        drafts = drafts_left_out(session_id) if candidate_ids is None else 0
        left = (
            f" ({plural(drafts, 'brouillon laissé', 'brouillons laissés')} de côté : une "
            "inscription à compléter n'est pas encore confirmée)"
            if drafts
            else ""
        )
        raise ServiceError(f"Aucun candidat à qui éditer une confirmation d'inscription{left}.")
    year = int(ExamSession.select(ExamSession.year).where(ExamSession.id == session_id).scalar())
    if len(items) == 1:
        name = documents.file_name(
            "confirmation-inscription", items[0].number, items[0].last_name, suffix=".pdf"
        )
    else:
        name = documents.file_name(
            "confirmation-inscription", "individuels", str(len(items)), suffix=".pdf"
        )
    academie = letterhead()
    issued = documents.issue(
        documents.CONFIRMATION,
        name,
        lambda path: write_confirmations(
            path, items, session_year=year, academie=academie, progress=progress
        ),
        candidates=[item.candidate_id for item in items],
        out_dir=out_dir,
        reason=REASON,
    )
    return replace(issued, elapsed_ms=(time.perf_counter() - started) * 1000)
