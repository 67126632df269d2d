"""The jury assignment lists: per centre de délibération, each jury's bureau, members and
candidates, as one PDF and one Excel workbook.

The base is read here in a fixed number of queries (juries, members, officers, établissement
blocks, candidates) into the :class:`~baktui.exports.convocations.JuryListCentre` dataclasses;
the pure renderers write the files through :func:`baktui.services.documents.issue`, each
recorded as one office document (no candidate or examiner of its own).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import peewee as pw

from baktui.data.models import (
    Candidate,
    Centre,
    Etablissement,
    Examiner,
    ExamSession,
    Jury,
    JuryMember,
)
from baktui.errors import ServiceError
from baktui.rules import examiners as rules
from baktui.rules import missions
from baktui.services import documents
from baktui.services.documents import IssuedDocument
from baktui.services.juries import EtablissementBlock, jury_blocks
from baktui.services.missions import LIVE_CANDIDATES
from baktui.services.settings import letterhead

if TYPE_CHECKING:  # the PDF and Excel libraries load only when a document is written
    from baktui.exports.convocations import JuryListCentre, JuryListEntry

REASON = "liste d'affectation des jurys"
NO_CENTRE = "Sans centre de délibération"
# (function, name, corps, établissement) of a person in a jury
Seat = tuple[str, str, str, str]


def export_jury_lists(
    session_id: int, *, centre_id: int | None = None, out_dir: Path | None = None
) -> tuple[IssuedDocument, IssuedDocument]:
    """The jury assignment lists of every centre (or one) as a PDF and an Excel workbook."""
    from baktui.exports.convocations import write_jury_lists_pdf, write_jury_lists_xlsx

    juries = _juries(session_id, centre_id)
    ids = [j.id for j in juries]
    centres = _centres(juries, _members(ids), _officers(juries), jury_blocks(ids))
    candidates = _candidate_rows(ids)
    year = ExamSession.get_by_id(session_id).year
    academie = letterhead()
    scope = ("centre", Centre.get_by_id(centre_id).code) if centre_id is not None else ("toutes",)
    stem = documents.file_name("jurys", *scope, suffix="")
    pdf = documents.issue(
        documents.LISTE_JURYS,
        stem + ".pdf",
        lambda path: write_jury_lists_pdf(path, centres, session_year=year, academie=academie),
        examiners=[None],
        count=len(juries),
        out_dir=out_dir,
        reason=REASON,
    )
    xlsx = documents.issue(
        documents.LISTE_JURYS,
        stem + ".xlsx",
        lambda path: write_jury_lists_xlsx(path, centres, candidates),
        examiners=[None],
        count=len(juries),
        out_dir=out_dir,
        reason=REASON,
    )
    return pdf, xlsx


def _juries(session_id: int, centre_id: int | None) -> list[Jury]:
    where = Jury.session == session_id
    if centre_id is not None:
        where &= Jury.centre == centre_id
    juries = list(
        Jury.select(Jury, Centre)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .where(where)
        .order_by(Centre.name, Jury.number)
    )
    if not juries:
        raise ServiceError("Aucun jury pour cette sélection.")
    return juries


def _members(jury_ids: list[int]) -> dict[int, list[Seat]]:
    """Every member row of the juries, by name (officers included: they are left out later)."""
    members: dict[int, list[Seat]] = defaultdict(list)
    for jury_id, role, civ, last, first, corps, etab in (
        JuryMember.select(
            JuryMember.jury,
            JuryMember.role,
            Examiner.civility,
            Examiner.last_name,
            Examiner.first_name,
            Examiner.corps,
            Etablissement.name,
        )
        .join(Examiner, on=JuryMember.examiner == Examiner.id)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .where(JuryMember.jury.in_(jury_ids))
        .order_by(Examiner.last_name, Examiner.first_name)
        .tuples()
    ):
        members[jury_id].append(
            (role, rules.formal_name(civ, last, first), rules.corps_label(corps), etab or "")
        )
    return members


def _officers(juries: Sequence[Jury]) -> dict[int, Seat]:
    """Examiner id -> (no function yet, name, corps, établissement) of the juries' bureaux."""
    ids = [i for j in juries for i in (j.president_id, j.vice_president_id) if i] or [0]
    return {
        eid: ("", rules.formal_name(civ, last, first), rules.corps_label(corps), etab or "")
        for eid, civ, last, first, corps, etab in Examiner.select(
            Examiner.id,
            Examiner.civility,
            Examiner.last_name,
            Examiner.first_name,
            Examiner.corps,
            Etablissement.name,
        )
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Examiner.etablissement == Etablissement.id)
        .where(Examiner.id.in_(ids))
        .tuples()
    }


def _centres(
    juries: Sequence[Jury],
    members: Mapping[int, list[Seat]],
    officers: Mapping[int, Seat],
    blocks: Mapping[int, list[EtablissementBlock]],
) -> list[JuryListCentre]:
    """The juries grouped by centre de délibération, in the order read."""
    from baktui.exports.convocations import JuryListCentre

    by_centre: dict[str, list[JuryListEntry]] = defaultdict(list)
    for jury in juries:
        centre = jury.centre.name if jury.centre_id else NO_CENTRE
        by_centre[centre].append(
            _entry(jury, members.get(jury.id, []), officers, blocks.get(jury.id, []))
        )
    return [JuryListCentre(name, tuple(entries)) for name, entries in by_centre.items()]


def _entry(
    jury: Jury,
    members: Sequence[Seat],
    officers: Mapping[int, Seat],
    blocks: Sequence[EtablissementBlock],
) -> JuryListEntry:
    from baktui.exports.convocations import JuryListEntry

    bureau = [
        (missions.role_label(role), *officers[eid][1:])
        for role, eid in (
            (missions.PRESIDENT, jury.president_id),
            (missions.VICE_PRESIDENT, jury.vice_president_id),
        )
        if eid and eid in officers
    ]
    officer_names = {name for _, name, _, _ in bureau}
    return JuryListEntry(
        number=jury.number,
        series=jury.series_codes.replace(",", ", "),
        deliberation_date=jury.deliberation_date,
        officers=tuple(bureau),
        members=tuple(
            (name, corps, etab) for _, name, corps, etab in members if name not in officer_names
        ),
        blocks=tuple(
            (b.etablissement, b.uai, b.series, b.count, b.first_number, b.last_number)
            for b in blocks
        ),
    )


def _candidate_rows(jury_ids: list[int]) -> list[tuple]:
    """(jury number, centre, candidate number, last name, first name, series, UAI,
    établissement) of the juries' live candidates, by centre, jury and number."""
    return list(
        Candidate.select(
            Jury.number,
            Centre.name,
            Candidate.number,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Etablissement.uai,
            Etablissement.name,
        )
        .join(Jury, on=Candidate.jury == Jury.id)
        .join(Centre, pw.JOIN.LEFT_OUTER, on=Jury.centre == Centre.id)
        .switch(Candidate)
        .join(Etablissement, pw.JOIN.LEFT_OUTER, on=Candidate.etablissement == Etablissement.id)
        .where(Candidate.jury.in_(jury_ids) & LIVE_CANDIDATES)
        .order_by(Centre.name, Jury.number, Candidate.number)
        .tuples()
    )
