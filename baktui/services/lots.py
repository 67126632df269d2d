"""Lots of written copies: their views for F4, the correcteur of a lot, blind double entry.

A lot's view (:class:`~baktui.rules.lots.LotInfo`) never names a candidate; the copies of a lot and
their grades are counted in a fixed number of queries for a whole page of lots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import peewee as pw

from baktui.data import audit
from baktui.data.db import write_transaction
from baktui.data.models import (
    Anonymat,
    Candidate,
    Centre,
    DoubleEntry,
    Epreuve,
    Examiner,
    Grade,
    GradePart,
    Lot,
)
from baktui.errors import NotFoundError, ServiceError
from baktui.rules.french import plural
from baktui.rules.lifecycles import LotState
from baktui.rules.lots import LotInfo, per_series
from baktui.rules.regulation import EpreuveRule
from baktui.services.sessions import regulation_of


def written_rules(session_id: int, epreuve_code: str | None = None) -> list[EpreuveRule]:
    reg = regulation_of(session_id)
    rules = [r for r in reg.epreuves if r.written]
    if epreuve_code is not None:
        rules = [r for r in rules if r.code == epreuve_code]
        if not rules:
            raise ServiceError(f"« {epreuve_code} » n'est pas une épreuve écrite de la session.")
    return rules


def examiner_name(examiner: Examiner | None) -> str:
    if examiner is None:
        return ""
    parts = [examiner.civility, examiner.last_name.upper(), examiner.first_name]
    return " ".join(p for p in parts if p)


# joins a copy (Anonymat) to its first-group grade
COPY_GRADE = (
    (Grade.candidate == Anonymat.candidate)
    & (Grade.epreuve_code == Anonymat.epreuve_code)
    & (Grade.group == 1)
)


def assign_correcteur(lot_id: int, examiner_id: int | None) -> LotInfo:
    """Give the lot to a correcteur, refused if he or she teaches in a copy's établissement."""
    with write_transaction():
        lot = Lot.get_or_none(Lot.id == lot_id)
        if lot is None:
            raise NotFoundError(f"Lot n° {lot_id} introuvable.")
        if examiner_id is not None:
            examiner = Examiner.get_or_none(Examiner.id == examiner_id)
            if examiner is None:
                raise NotFoundError(f"Examinateur n° {examiner_id} introuvable.")
            if examiner.etablissement_id is not None:
                clash = (
                    Anonymat.select()
                    .join(Candidate, on=(Anonymat.candidate == Candidate.id))
                    .where(
                        (Anonymat.lot == lot_id)
                        & (Candidate.etablissement == examiner.etablissement_id)
                    )
                    .count()
                )
                if clash:
                    raise ServiceError(
                        f"{examiner_name(examiner)} enseigne dans l'établissement de "
                        f"{plural(clash, 'copie')} du lot {lot.number} : choisissez un autre "
                        "correcteur."
                    )
        audit.update(Lot, lot_id, {"correcteur": examiner_id}, reason="affectation du correcteur")
    return lot_info(lot_id)


def lot_infos(query: pw.ModelSelect) -> list[LotInfo]:
    lots = list(query)
    if not lots:
        return []
    ids = [lot.id for lot in lots]
    copies = dict(
        Anonymat.select(Anonymat.lot, pw.fn.COUNT(Anonymat.id))
        .where(Anonymat.lot.in_(ids))
        .group_by(Anonymat.lot)
        .tuples()
    )
    entered = dict(
        Anonymat.select(Anonymat.lot, pw.fn.COUNT(Grade.id))
        .join(Grade, on=COPY_GRADE)
        .where(Anonymat.lot.in_(ids))
        .group_by(Anonymat.lot)
        .tuples()
    )
    # composite spécialités are stored as part-grades: a copy with parts counts as entered
    special = [lot.id for lot in lots if per_series(lot.epreuve_code)]
    if special:
        keyed_parts = (
            Anonymat.select(Anonymat.lot, pw.fn.COUNT(pw.fn.DISTINCT(GradePart.candidate)))
            .join(
                GradePart,
                on=(
                    (GradePart.candidate == Anonymat.candidate)
                    & (GradePart.epreuve_code == Anonymat.epreuve_code)
                ),
            )
            .where(Anonymat.lot.in_(special))
            .group_by(Anonymat.lot)
            .tuples()
        )
        for lot_id, n in keyed_parts:
            entered[lot_id] = max(entered.get(lot_id, 0), n)
    labels = dict(
        Epreuve.select(Epreuve.code, Epreuve.label)
        .where(Epreuve.session == lots[0].session_id)
        .tuples()
    )
    lot_series: dict[int, set[str]] = defaultdict(set)
    if special:
        for lot_id, series in (
            Anonymat.select(Anonymat.lot, Candidate.series)
            .join(Candidate, on=(Anonymat.candidate == Candidate.id))
            .where(Anonymat.lot.in_(special))
            .distinct()
            .tuples()
        ):
            lot_series[lot_id].add(series)
    reg = regulation_of(lots[0].session_id)

    def subject(lot: Lot) -> tuple[str, str]:
        label = labels.get(lot.epreuve_code, lot.epreuve_code)
        series = sorted(lot_series.get(lot.id, ()))
        if len(series) != 1:
            return "", label
        try:
            rule = reg.series_rule(series[0])
        except KeyError:
            return series[0], label
        name = rule.sp1_label if lot.epreuve_code == "SP1" else rule.sp2_label
        return series[0], f"{label} {series[0]} — {name}"

    examiners = {
        ex.id: ex
        for ex in Examiner.select().where(
            Examiner.id.in_([lot.correcteur_id for lot in lots if lot.correcteur_id])
        )
    }
    centres = {
        c.id: c
        for c in Centre.select().where(
            Centre.id.in_([lot.centre_id for lot in lots if lot.centre_id])
        )
    }
    return [
        LotInfo(
            id=lot.id,
            number=lot.number,
            epreuve_code=lot.epreuve_code,
            epreuve_label=labels.get(lot.epreuve_code, lot.epreuve_code),
            correcteur=examiner_name(examiners.get(lot.correcteur_id)),
            centre=(
                f"{centres[lot.centre_id].code} {centres[lot.centre_id].name}"
                if lot.centre_id in centres
                else ""
            ),
            state=lot.state,
            double_entry=lot.double_entry,
            copies=copies.get(lot.id, 0),
            entered=entered.get(lot.id, 0),
            control_copies=lot.control_copies,
            control_absents=lot.control_absents,
            control_sum_centi=lot.control_sum_centi,
            closed_at=lot.closed_at,
            closed_by=lot.closed_by,
            version=lot.version,
            series=series,
            subject=label,
        )
        for lot in lots
        for series, label in (subject(lot),)
    ]


def lot_info(lot_id: int) -> LotInfo:
    infos = lot_infos(Lot.select().where(Lot.id == lot_id))
    if not infos:
        raise NotFoundError(f"Lot n° {lot_id} introuvable.")
    return infos[0]


def list_lots(
    session_id: int,
    *,
    epreuve_code: str | None = None,
    open_only: bool = False,
    numbers: Sequence[int] | None = None,
    limit: int = 500,
) -> list[LotInfo]:
    """The session's lots by number (bounded: a session has a few hundred)."""
    query = Lot.select().where(Lot.session == session_id)
    if epreuve_code:
        query = query.where(Lot.epreuve_code == epreuve_code)
    if open_only:
        query = query.where(Lot.state != LotState.SAISI)
    if numbers is not None:
        query = query.where(Lot.number.in_(list(numbers)))
    return lot_infos(query.order_by(Lot.number).limit(limit))


def find_lot(session_id: int, lot_number: int) -> Lot:
    lot = Lot.get_or_none((Lot.session == session_id) & (Lot.number == lot_number))
    if lot is None:
        raise NotFoundError(f"Aucun lot n° {lot_number} dans la session.")
    return lot


def set_double_entry(session_id: int, lot_number: int, on: bool) -> LotInfo:
    """Turn blind double entry on or off for a slip, before anything is keyed on it."""
    with write_transaction():
        lot = find_lot(session_id, lot_number)
        if lot.double_entry == on:
            return lot_info(lot.id)
        if lot_has_entries(lot):
            raise ServiceError(
                f"Lot {lot_number} : des notes sont déjà saisies ; la double saisie se choisit "
                "avant la première note."
            )
        audit.update(
            Lot,
            lot.id,
            {"double_entry": on},
            expected_version=lot.version,
            reason="double saisie " + ("activée" if on else "désactivée"),
        )
    return lot_info(lot.id)


def lot_has_entries(lot: Lot) -> bool:
    if DoubleEntry.select().where(DoubleEntry.lot == lot.id).exists():
        return True
    return Anonymat.select().join(Grade, on=COPY_GRADE).where(Anonymat.lot == lot.id).exists()
