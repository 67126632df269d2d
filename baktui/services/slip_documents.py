"""The grade slips of lots as one PDF (bordereaux de notation), without any candidate name.

Reads the lots and their anonymity numbers in slip order, builds the
:class:`~baktui.exports.bordereau.SlipDocument` of each, and issues the PDF through
:mod:`baktui.services.documents` (an office document, recorded and audited).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from baktui.data.models import Anonymat, ExamSession, Lot
from baktui.errors import NotFoundError
from baktui.rules.grades import format_grade
from baktui.rules.lots import per_series
from baktui.rules.regulation import PRECISION_HALF
from baktui.services import documents
from baktui.services.documents import IssuedDocument
from baktui.services.grade_slip.rows import lot_parts
from baktui.services.lots import list_lots
from baktui.services.sessions import regulation_of
from baktui.services.settings import letterhead

if TYPE_CHECKING:  # the PDF library loads only when slips are printed
    from baktui.exports.bordereau import SlipDocument


def slip_documents(session_id: int, lot_numbers: Sequence[int]) -> list[SlipDocument]:
    """The data of the grade slips to print, in the order asked."""
    from baktui.exports.bordereau import SlipDocument

    year = ExamSession.get_by_id(session_id).year
    infos = {info.number: info for info in list_lots(session_id, numbers=lot_numbers, limit=10_000)}
    missing = [n for n in lot_numbers if n not in infos]
    if missing:
        raise NotFoundError("Lot(s) introuvable(s) : " + ", ".join(str(n) for n in missing) + ".")
    by_lot: dict[int, list[str]] = defaultdict(list)
    for lot_id, number in (
        Anonymat.select(Anonymat.lot, Anonymat.number)
        .where(Anonymat.lot.in_([info.id for info in infos.values()]))
        .order_by(Anonymat.lot, Anonymat.position)
        .tuples()
    ):
        by_lot[lot_id].append(number)
    reg = regulation_of(session_id)
    docs = []
    for n in lot_numbers:
        info = infos[n]
        parts = (
            lot_parts(session_id, Lot.get_by_id(info.id)) if per_series(info.epreuve_code) else ()
        )
        docs.append(
            SlipDocument(
                info,
                year,
                tuple(by_lot.get(info.id, ())),
                tuple((p.code, p.label, format_grade(p.coef)) for p in parts),
                format_grade(reg.max_grade),
                PRECISION_HALF if parts else reg.epreuve(info.epreuve_code).precision,
            )
        )
    return docs


def issue_slips(session_id: int, lot_numbers: Sequence[int]) -> IssuedDocument:
    """Write the slips of those lots as ONE PDF in the documents folder, recorded."""
    from baktui.exports.bordereau import write_slips

    docs = slip_documents(session_id, lot_numbers)
    first, last = lot_numbers[0], lot_numbers[-1]
    name = f"bordereaux-lots-{first}" + (f"-{last}" if last != first else "") + ".pdf"
    academie = letterhead()
    return documents.issue(
        documents.BORDEREAU,
        name,
        lambda target: write_slips(target, docs, academie=academie),
        examiners=[None],
        count=len(docs),
    )
