"""Written copies: anonymity numbers, lots, grade slips, grade entry, control totals, missing grades.

The anonymity link (which candidate wrote which copy) never leaves this module: the entry screen
works on a :class:`SlipEditor`, which keeps the candidate of each row to itself and hands out
:class:`SlipRow` values carrying only the position, the anonymity number and the grade.

Grade commits are synchronous and short (one BEGIN IMMEDIATE transaction: the grade row and its
audit entry, 0.3-0.4 ms at the median on SQLite WAL, through statements prepared once): a grade
confirmed with Enter is on disk before the cursor moves, and type-ahead keys are applied in order.
Optimistic locking (``Grade.version``; for part-grades, the value read) detects another operator
writing the same grade; nothing is overwritten silently. A composite spécialité (ST2S, STHR SP1)
is keyed part by part, in half points, into ``GradePart`` rows.

Anonymity numbers are 8 digits: 7 drawn at random (system entropy) and a Luhn check digit.

Blind double entry (``Lot.double_entry``): pass 1 and pass 2 are keyed into :class:`DoubleEntry`
by two different logins, neither seeing the other; when pass 2 is complete the agreeing grades are
written in the same transaction and only the disagreements are left for a third look (arbitrage).
"""

from __future__ import annotations

import heapq
import math
import random
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import peewee as pw

from baktui.data import audit, sql
from baktui.data.db import current_database, is_sqlite, write_transaction
from baktui.data.models import (
    Anonymat,
    Candidate,
    Centre,
    DoubleEntry,
    Epreuve,
    Examiner,
    Grade,
    GradePart,
    Jury,
    Lot,
    Registration,
)
from baktui.errors import ConflictError, NotFoundError, ServiceError
from baktui.rules.examiners import teaches
from baktui.rules.grades import (
    CODE_ABS,
    CODE_AJ,
    CODE_DI,
    GradeError,
    format_grade,
    parse_grade,
    to_centi,
)
from baktui.rules.regulation import (
    PRECISION_HALF,
    PRECISION_WHOLE,
    EpreuveRule,
    SpecialitePart,
)
from baktui.services.sessions import regulation_of

# Lot states, in order.
STATE_CONSTITUE = "constitue"
STATE_DISTRIBUE = "distribue"
STATE_EN_SAISIE = "en_saisie"
STATE_SAISI = "saisi"
STATE_LABELS = {
    STATE_CONSTITUE: "constitué",
    STATE_DISTRIBUE: "distribué",
    STATE_EN_SAISIE: "en saisie",
    STATE_SAISI: "saisi (clos)",
}

# Editor modes.
MODE_ENTRY = "saisie"  # single entry: grades are written at once
MODE_PASS1 = "passe1"  # blind double entry, first pass
MODE_PASS2 = "passe2"  # blind double entry, second pass (another login)
MODE_WAIT = "attente"  # double entry: pass 2 must be keyed by someone else
MODE_ARBITRAGE = "arbitrage"  # double entry: third look at the disagreements only
MODE_CLOSED = "clos"
MODE_LABELS = {
    MODE_ENTRY: "saisie simple",
    MODE_PASS1: "double saisie : 1re passe",
    MODE_PASS2: "double saisie : 2e passe, à l'aveugle",
    MODE_WAIT: "double saisie : attente d'un 2e opérateur",
    MODE_ARBITRAGE: "arbitrage des désaccords",
    MODE_CLOSED: "bordereau clos",
}

LOT_SIZE_MIN = 50
LOT_SIZE_MAX = 120
ANONYMAT_DIGITS = 8  # 7 random digits + 1 check digit
ABSENT_CODES = (CODE_ABS, CODE_AJ, CODE_DI)
MISSING_PAGE = 100


class GradeEntryError(ServiceError):
    """A typed value that is not a grade for this épreuve (French message); nothing was written."""


# --- plain data handed to screens and exports ----------------------------------------------------


@dataclass(frozen=True)
class LotInfo:
    """A lot as the screens and the slip PDF show it (no candidate anywhere)."""

    id: int
    number: int
    epreuve_code: str
    epreuve_label: str
    correcteur: str  # "Mme DUPONT Anne" or ""
    centre: str  # centre de correction, or ""
    state: str
    double_entry: bool
    copies: int
    entered: int
    control_copies: int | None
    control_absents: int | None
    control_sum_centi: int | None
    closed_at: str | None
    closed_by: str | None
    version: int
    series: str = ""  # SP1/SP2: the series whose spécialité it is
    subject: str = ""  # what the correcteur marks ("Philosophie", "SP1 STMG — Management…")

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class SlipRow:
    """One line of a grade slip: rank, anonymity number and what the current mode shows."""

    index: int  # 0-based row of the editor
    position: int  # rank printed on the slip (1-based)
    anonymat: str
    cells: tuple[str, ...]  # one French text per column ("12", "12,5", "ABS"; "" = empty)
    entered_by: str = ""
    # arbitrage only: the two blind entries that disagree
    first: str = ""
    second: str = ""

    @property
    def filled(self) -> bool:
        return all(self.cells)

    @property
    def text(self) -> str:
        """The grade as French text; the parts joined by " ; " for a composite copy."""
        return " ; ".join(self.cells) if any(self.cells) else ""


@dataclass(frozen=True)
class ControlCheck:
    """The slip's three control figures against the grades entered."""

    rows: int
    filled: int
    copies: int  # copies keyed, absents included
    absents: int  # copies keyed ABS, AJ or DI
    sum_centi: int
    expected_copies: int | None
    expected_absents: int | None
    expected_sum_centi: int | None

    @property
    def complete(self) -> bool:
        return self.filled == self.rows

    @property
    def typed(self) -> bool:
        return None not in (self.expected_copies, self.expected_absents, self.expected_sum_centi)

    @property
    def copies_ok(self) -> bool | None:
        return None if self.expected_copies is None else self.expected_copies == self.copies

    @property
    def absents_ok(self) -> bool | None:
        return None if self.expected_absents is None else self.expected_absents == self.absents

    @property
    def sum_ok(self) -> bool | None:
        return (
            None if self.expected_sum_centi is None else self.expected_sum_centi == self.sum_centi
        )

    @property
    def agrees(self) -> bool:
        return self.typed and bool(self.copies_ok and self.absents_ok and self.sum_ok)

    @property
    def sum_text(self) -> str:
        return format_grade(Fraction(self.sum_centi, 100))

    def problems(self) -> list[str]:
        """French reasons why the slip cannot be closed (empty: it can)."""
        out: list[str] = []
        if not self.complete:
            out.append(f"{self.rows - self.filled} copie(s) sans note")
        if not self.typed:
            out.append("totaux de contrôle du bordereau non saisis")
            return out
        if not self.copies_ok:
            out.append(f"copies : bordereau {self.expected_copies}, saisies {self.copies}")
        if not self.absents_ok:
            out.append(f"absents : bordereau {self.expected_absents}, saisis {self.absents}")
        if not self.sum_ok:
            expected = format_grade(Fraction(self.expected_sum_centi or 0, 100))
            out.append(f"somme : bordereau {expected}, saisie {self.sum_text}")
        return out


@dataclass(frozen=True)
class CommitResult:
    """What a commit did: the row as now shown, and whether the cursor goes to the next row."""

    row: SlipRow
    changed: bool  # False when the same grade was already there
    mode_changed: bool = False  # double entry: a pass completed, the editor changed mode
    row_done: bool = True  # False: the copy has parts still to key on this row


@dataclass(frozen=True)
class NumberingReport:
    created: dict[str, int]  # épreuve code -> new anonymity numbers
    existing: dict[str, int]

    def render(self) -> str:
        if not any(self.created.values()):
            return "Numéros d'anonymat : rien à créer (" + _counts(self.existing) + " déjà créés)."
        return "Numéros d'anonymat créés : " + _counts(self.created) + "."


@dataclass
class LotReport:
    created: list[int] = field(default_factory=list)  # lot numbers
    copies: int = 0
    without_correcteur: list[int] = field(default_factory=list)
    dissolved: list[int] = field(default_factory=list)

    def render(self) -> str:
        if not self.created:
            return "Lots : toutes les copies sont déjà en lot."
        text = f"{len(self.created)} lot(s) constitué(s), {self.copies} copies"
        if self.dissolved:
            text += f" ; {len(self.dissolved)} lot(s) sans note défait(s)"
        if self.without_correcteur:
            text += " ; sans correcteur possible : lots " + ", ".join(
                str(n) for n in self.without_correcteur
            )
        return text + "."


def _counts(by_code: dict[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in by_code.items() if n) or "aucun"


# --- small helpers --------------------------------------------------------------------------------


def _written_rules(session_id: int, epreuve_code: str | None = None) -> list[EpreuveRule]:
    reg = regulation_of(session_id)
    rules = [r for r in reg.epreuves if r.written]
    if epreuve_code is not None:
        rules = [r for r in rules if r.code == epreuve_code]
        if not rules:
            raise ServiceError(f"« {epreuve_code} » n'est pas une épreuve écrite de la session.")
    return rules


def _examiner_name(examiner: Examiner | None) -> str:
    if examiner is None:
        return ""
    parts = [examiner.civility, examiner.last_name.upper(), examiner.first_name]
    return " ".join(p for p in parts if p)


def _per_series(code: str) -> bool:
    """SP1 and SP2 are different subjects in each series: their lots never mix series."""
    return code in ("SP1", "SP2")


def _check_digit(digits: str) -> str:
    """Luhn check digit: a mistyped digit or swapped neighbours is caught when searching."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def anonymat_number_valid(number: str) -> bool:
    """True when an anonymity number has the right length and check digit."""
    return (
        len(number) == ANONYMAT_DIGITS
        and number.isascii()
        and number.isdigit()
        and _check_digit(number[:-1]) == number[-1]
    )


_ANONYMAT_FIELDS = ("candidate", "epreuve_code", "number")


def _anonymat_insert(marks: dict[str, Any]) -> pw.Query:
    return Anonymat.insert({getattr(Anonymat, name): marks[name] for name in _ANONYMAT_FIELDS})


def _balanced_sizes(total: int, lot_size: int) -> list[int]:
    """Cut ``total`` copies into the fewest lots of at most ``lot_size``, sizes differing by ≤ 1."""
    if total <= 0:
        return []
    count = math.ceil(total / lot_size)
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]


# --- anonymity numbers ----------------------------------------------------------------------------


def number_copies(session_id: int, epreuve_code: str | None = None) -> NumberingReport:
    """Give an anonymity number to every written copy that has none (idempotent, audited).

    The numbers are drawn at random (system entropy) among the unused ones of the épreuve: they say
    nothing about the candidate number, the établissement or the order of registration.
    """
    rng = random.SystemRandom()
    created: dict[str, int] = {}
    existing: dict[str, int] = {}
    for rule in _written_rules(session_id, epreuve_code):
        with write_transaction():
            numbered = Anonymat.select(Anonymat.candidate).where(Anonymat.epreuve_code == rule.code)
            todo = [
                cid
                for (cid,) in Registration.select(Registration.candidate)
                .join(Candidate, on=(Registration.candidate == Candidate.id))
                .where(
                    (Candidate.session == session_id)
                    & (Candidate.state != "annulee")
                    & (Registration.epreuve_code == rule.code)
                    & Registration.kept_session.is_null()
                    & Registration.candidate.not_in(numbered)
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
            numbers: list[str] = []
            space = 10 ** (ANONYMAT_DIGITS - 1)
            while len(numbers) < len(todo):
                body = f"{rng.randrange(space // 10, space):0{ANONYMAT_DIGITS - 1}d}"
                number = body + _check_digit(body)
                if number not in used:
                    used.add(number)
                    numbers.append(number)
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


# --- lots -----------------------------------------------------------------------------------------


def constitute_lots(
    session_id: int, epreuve_code: str | None = None, *, rebuild: bool = False
) -> LotReport:
    """Bundle the numbered copies that are in no lot into lots, one correcteur each (audited).

    Per subject (the épreuve; for SP1/SP2 the spécialité of one series, never mixed), lots hold at
    most the épreuve's ``lot_size`` copies, sizes balanced. The correcteur is chosen first: the
    least-loaded active examiner who marks the subject (:func:`marks`) and has room under
    ``max_copies`` (if none has room for a whole lot, the one with the most room gets a smaller
    lot, never under 50 copies unless they are the last). The lot is then filled with copies
    from other établissements than the correcteur's (those of the other correcteurs' lycées
    first), following the exam centres' packets; on the slip they go in anonymity-number order.
    A lot for which no correcteur qualifies is created without one and reported. Running it
    again only lots new copies.

    ``rebuild`` first undoes the épreuve's lots (their numbers are given again), and is refused if
    any of them was distributed or already has a grade (or a double-entry value): graded copies are
    never re-lotted.
    """
    report = LotReport()
    for rule in _written_rules(session_id, epreuve_code):
        with write_transaction():
            if rebuild:
                report.dissolved.extend(_dissolve_lots(session_id, rule.code))
            part = _constitute_epreuve(session_id, rule)
        report.created.extend(part.created)
        report.copies += part.copies
        report.without_correcteur.extend(part.without_correcteur)
    return report


# joins a copy (Anonymat) to its first-group grade
_COPY_GRADE = (
    (Grade.candidate == Anonymat.candidate)
    & (Grade.epreuve_code == Anonymat.epreuve_code)
    & (Grade.group == 1)
)


def _dissolve_lots(session_id: int, code: str) -> list[int]:
    lots = list(Lot.select().where((Lot.session == session_id) & (Lot.epreuve_code == code)))
    if not lots:
        return []
    lot_ids = [lot.id for lot in lots]
    graded = (
        Lot.select(Lot.number)
        .join(Anonymat, on=(Anonymat.lot == Lot.id))
        .join(Grade, on=_COPY_GRADE)
        .where(Lot.id.in_(lot_ids))
        .distinct()
    )
    keyed = Lot.select(Lot.number).join(DoubleEntry).where(Lot.id.in_(lot_ids)).distinct()
    refused = sorted(
        {n for (n,) in graded.tuples()}
        | {n for (n,) in keyed.tuples()}
        | {lot.number for lot in lots if lot.state != STATE_CONSTITUE}
    )
    if refused:
        raise ServiceError(
            f"Impossible de refaire les lots de {code} : lots déjà distribués ou notes déjà "
            "saisies dans les lots "
            + ", ".join(str(n) for n in refused[:20])
            + ("…" if len(refused) > 20 else "")
            + ". Les copies notées ne changent jamais de lot."
        )
    copies = list(
        Anonymat.select(Anonymat.id, Anonymat.candidate, Anonymat.lot).where(
            Anonymat.lot.in_(lot_ids)
        )
    )
    Anonymat.update(lot=None, position=None).where(Anonymat.lot.in_(lot_ids)).execute()
    audit.log_many(
        {
            "action": "update",
            "entity": "anonymat",
            "entity_id": str(c.id),
            "field": "lot",
            "before": str(c.lot_id),
            "after": None,
            "reason": "lots refaits",
            "candidate_id": c.candidate_id,
        }
        for c in copies
    )
    for lot in lots:
        audit.delete(Lot, lot.id, reason="lots refaits")
    return [lot.number for lot in lots]


def _constitute_epreuve(session_id: int, rule: EpreuveRule) -> LotReport:
    epreuve = Epreuve.get_or_none((Epreuve.session == session_id) & (Epreuve.code == rule.code))
    lot_size = epreuve.lot_size if epreuve is not None else 100
    if not LOT_SIZE_MIN <= lot_size <= LOT_SIZE_MAX:
        raise ServiceError(
            f"Taille de lot de {rule.code} : {lot_size} (attendu de {LOT_SIZE_MIN} à {LOT_SIZE_MAX})."
        )
    rows = list(
        Anonymat.select(
            Anonymat.id,
            Anonymat.candidate,
            Anonymat.number,
            Candidate.centre,
            Candidate.etablissement,
            Candidate.series,
        )
        .join(Candidate, on=(Anonymat.candidate == Candidate.id))
        .where(
            (Candidate.session == session_id)
            & (Candidate.state != "annulee")
            & (Anonymat.epreuve_code == rule.code)
            & Anonymat.lot.is_null()
        )
        .tuples()
    )
    if not rows:
        return LotReport()
    subjects: dict[str, list[_Copy]] = defaultdict(list)
    for aid, cid, number, centre, etab, series in rows:
        subjects[series if _per_series(rule.code) else ""].append((aid, cid, number, centre, etab))

    load: dict[int, int] = defaultdict(int)
    for examiner_id, n in (
        Lot.select(Lot.correcteur, pw.fn.COUNT(Anonymat.id))
        .join(Anonymat, on=(Anonymat.lot == Lot.id))
        .where((Lot.session == session_id) & Lot.correcteur.is_null(False))
        .group_by(Lot.correcteur)
        .tuples()
    ):
        load[examiner_id] = n
    examiners = list(Examiner.select().where(Examiner.active == True))  # noqa: E712
    next_number = (
        Lot.select(pw.fn.MAX(Lot.number)).where(Lot.session == session_id).scalar() or 0
    ) + 1
    report = LotReport()
    for series in sorted(subjects):
        copies = subjects[series]
        correcteurs = [ex for ex in examiners if teaches(ex.disciplines, rule.code, (series,))]
        next_number = _lot_subject(
            session_id, rule, copies, correcteurs, load, lot_size, next_number, report
        )
    return report


def _lot_subject(
    session_id: int,
    rule: EpreuveRule,
    copies: list[_Copy],
    correcteurs: list[Examiner],
    load: dict[int, int],
    lot_size: int,
    next_number: int,
    report: LotReport,
) -> int:
    """Lots of one subject (an épreuve, or a spécialité of one series); returns the next number."""
    pool = _CopyPool(copies)
    while pool.remaining:
        size = _balanced_sizes(pool.remaining, lot_size)[0]

        def room(ex: Examiner) -> int:
            return min(ex.max_copies - load[ex.id], pool.available(ex.etablissement_id))

        # the least-loaded correcteur with room for the lot; failing that, the one with the most
        # room left, for a smaller lot (not under the minimum size unless it ends the subject)
        eligible = [ex for ex in correcteurs if room(ex) >= size]
        if eligible:
            chosen: Examiner | None = min(eligible, key=lambda ex: (load[ex.id], ex.id))
        else:
            floor = min(LOT_SIZE_MIN, pool.remaining)
            roomy = [ex for ex in correcteurs if room(ex) >= floor]
            chosen = max(roomy, key=lambda ex: (room(ex), -ex.id)) if roomy else None
            if chosen is not None:
                size = room(chosen)
        # copies the other correcteurs could not take (their own lycée's) go first
        blocked: dict[int | None, int] = defaultdict(int)
        for ex in correcteurs:
            if ex is not chosen and ex.etablissement_id is not None:
                blocked[ex.etablissement_id] += 1
        taken = pool.take(size, exclude=chosen.etablissement_id if chosen else None, first=blocked)
        # on the slip (and in the packet) the copies go in anonymity-number order
        chunk = sorted(taken, key=lambda c: c[2])
        size = len(chunk)
        lot = audit.create(
            Lot,
            session=session_id,
            number=next_number,
            epreuve_code=rule.code,
            correcteur=chosen.id if chosen else None,
            state=STATE_CONSTITUE,
            reason=f"constitution des lots de {rule.code}",
        )
        if chosen is not None:
            load[chosen.id] += size
        else:
            report.without_correcteur.append(next_number)
        ranks = [(anonymat_id, position) for position, (anonymat_id, *_r) in enumerate(chunk, 1)]
        Anonymat.update(lot=lot.id, position=pw.Case(Anonymat.id, ranks)).where(
            Anonymat.id.in_([anonymat_id for anonymat_id, _ in ranks])
        ).execute()
        audit.log_many(
            {
                "action": "update",
                "entity": "anonymat",
                "entity_id": str(anonymat_id),
                "field": "lot",
                "after": f"lot {next_number}, rang {position}",
                "reason": f"constitution des lots de {rule.code}",
                "candidate_id": candidate_id,
            }
            for position, (anonymat_id, candidate_id, *_rest) in enumerate(chunk, start=1)
        )
        report.created.append(next_number)
        report.copies += size
        next_number += 1
    return next_number


_Copy = tuple[int, int, str, int | None, int | None]  # anonymat id, candidate, number, centre, etab


class _CopyPool:
    """Copies not yet in a lot, one queue per établissement, each in (centre, number) order.

    A lot never holds a copy from its correcteur's établissement. It takes first the copies of the
    établissements the other correcteurs belong to (they could not take them), then follows the
    exam centres' packets: (centre, établissement, number) order.
    """

    def __init__(self, copies: Sequence[_Copy]) -> None:
        queues: dict[int | None, list[_Copy]] = defaultdict(list)
        for copy in copies:
            queues[copy[4]].append(copy)
        self.queues = {
            etab: deque(sorted(q, key=lambda c: (c[3] or 0, c[2]))) for etab, q in queues.items()
        }
        self.remaining = len(copies)

    def available(self, exclude: int | None) -> int:
        if exclude is None:
            return self.remaining
        return self.remaining - len(self.queues.get(exclude, ()))

    def take(
        self, size: int, exclude: int | None, first: dict[int | None, int] | None = None
    ) -> list[_Copy]:
        first = first or {}

        def key(etab: int | None, queue: deque[_Copy]) -> tuple[int, int, int, str]:
            return (-first.get(etab, 0), queue[0][3] or 0, etab if etab is not None else -1,
                    queue[0][2])  # fmt: skip

        heads = [
            (key(etab, q), etab)
            for etab, q in self.queues.items()
            if q and (exclude is None or etab != exclude)
        ]
        heapq.heapify(heads)
        out: list[_Copy] = []
        while heads and len(out) < size:
            _, etab = heapq.heappop(heads)
            queue = self.queues[etab]
            out.append(queue.popleft())
            if queue:
                heapq.heappush(heads, (key(etab, queue), etab))
        self.remaining -= len(out)
        return out


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
                        f"{_examiner_name(examiner)} enseigne dans l'établissement de {clash} "
                        f"copie(s) du lot {lot.number} : choisissez un autre correcteur."
                    )
        audit.update(Lot, lot_id, {"correcteur": examiner_id}, reason="affectation du correcteur")
    return lot_info(lot_id)


def _lot_infos(query: pw.ModelSelect) -> list[LotInfo]:
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
        .join(Grade, on=_COPY_GRADE)
        .where(Anonymat.lot.in_(ids))
        .group_by(Anonymat.lot)
        .tuples()
    )
    # composite spécialités are stored as part-grades: a copy with parts counts as entered
    special = [lot.id for lot in lots if _per_series(lot.epreuve_code)]
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
            correcteur=_examiner_name(examiners.get(lot.correcteur_id)),
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
    infos = _lot_infos(Lot.select().where(Lot.id == lot_id))
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
        query = query.where(Lot.state != STATE_SAISI)
    if numbers is not None:
        query = query.where(Lot.number.in_(list(numbers)))
    return _lot_infos(query.order_by(Lot.number).limit(limit))


@dataclass(frozen=True)
class SlipDocument:
    """What the printed grade slip carries: the lot and its anonymity numbers, no name."""

    lot: LotInfo
    session_year: int
    numbers: tuple[str, ...]  # in slip order
    parts: tuple[tuple[str, str, str], ...] = ()  # composite: (code, label, coefficient)
    max_grade: str = "20"  # the regulation's maximum grade, as printed
    precision: str = PRECISION_WHOLE  # the épreuve's precision (parts: half points)


def slip_documents(session_id: int, lot_numbers: Sequence[int]) -> list[SlipDocument]:
    """The data of the grade slips to print, in the order asked."""
    from baktui.data.models import ExamSession

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
            _lot_parts(session_id, Lot.get_by_id(info.id)) if _per_series(info.epreuve_code) else ()
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


def parse_lot_numbers(text: str) -> list[int]:
    """ "12", "3-8, 15" -> lot numbers in that order (French message if unreadable)."""
    numbers: list[int] = []
    for chunk in text.replace(";", ",").replace(" ", ",").split(","):
        if not chunk:
            continue
        first, dash, last = chunk.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ServiceError(f"« {chunk} » : numéros de lots attendus, ex. 12 ou 3-8,15.")
        low, high = int(first), int(last) if dash else int(first)
        if high < low or high - low > 2000:
            raise ServiceError(f"« {chunk} » : intervalle de lots invalide.")
        numbers.extend(n for n in range(low, high + 1) if n not in numbers)
    if not numbers:
        raise ServiceError("Aucun numéro de lot.")
    return numbers


def _find_lot(session_id: int, lot_number: int) -> Lot:
    lot = Lot.get_or_none((Lot.session == session_id) & (Lot.number == lot_number))
    if lot is None:
        raise NotFoundError(f"Aucun lot n° {lot_number} dans la session.")
    return lot


def set_double_entry(session_id: int, lot_number: int, on: bool) -> LotInfo:
    """Turn blind double entry on or off for a slip, before anything is keyed on it."""
    with write_transaction():
        lot = _find_lot(session_id, lot_number)
        if lot.double_entry == on:
            return lot_info(lot.id)
        if _lot_has_entries(lot):
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


def _lot_has_entries(lot: Lot) -> bool:
    if DoubleEntry.select().where(DoubleEntry.lot == lot.id).exists():
        return True
    return Anonymat.select().join(Grade, on=_COPY_GRADE).where(Anonymat.lot == lot.id).exists()


# --- parsing --------------------------------------------------------------------------------------

_SUM_RE = re.compile(r"([0-9]+)(?:[.,]([0-9]{1,2}))?")


def parse_control_sum(text: str) -> int:
    """The slip's "somme des notes" as hundredths: "1234", "1 234,5", "1234.50"."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    match = _SUM_RE.fullmatch(cleaned) if len(cleaned) <= 12 else None
    if match is None:
        raise GradeEntryError(f"Somme des notes « {text.strip()} » illisible (ex. 1234 ou 1234,5).")
    whole, decimals = match.groups()
    return int(whole) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0)


def parse_count(text: str, label: str) -> int:
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 6:
        raise GradeEntryError(f"{label} : « {cleaned} » n'est pas un nombre entier.")
    return int(cleaned)


# --- prepared statements for the grade commit -------------------------------------------------

_GRADE_FIELDS = ("value_centi", "code", "entered_by", "entered_at")


def _grade_update() -> sql.Prepared:
    def build(m: Mapping[str, Any]) -> pw.Query:
        return Grade.update(
            {
                Grade.value_centi: m["value_centi"],
                Grade.code: m["code"],
                Grade.source: "saisie",
                Grade.entered_by: m["entered_by"],
                Grade.entered_at: m["entered_at"],
                Grade.version: Grade.version + 1,
            }
        ).where((Grade.id == m["id"]) & (Grade.version == m["version"]))

    return sql.Prepared.get("grade-update", build, (*_GRADE_FIELDS, "id", "version"))


def _grade_insert() -> sql.Prepared:
    def build(m: Mapping[str, Any]) -> pw.Query:
        return Grade.insert(
            {
                Grade.candidate: m["candidate"],
                Grade.epreuve_code: m["epreuve_code"],
                Grade.group: 1,
                Grade.value_centi: m["value_centi"],
                Grade.code: m["code"],
                Grade.source: "saisie",
                Grade.entered_by: m["entered_by"],
                Grade.entered_at: m["entered_at"],
            }
        )

    return sql.Prepared.get("grade-insert", build, (*_GRADE_FIELDS, "candidate", "epreuve_code"))


# --- the grade slip editor ------------------------------------------------------------------------


@dataclass
class _Cell:
    """One stored value of a copy: its Grade, or one GradePart of a composite spécialité."""

    id: int | None = None
    version: int = 0  # Grade.version (GradePart has none: its writes compare the old value)
    value: int | None = None
    code: str | None = None

    @property
    def text(self) -> str:
        return _canonical(self.value, self.code)

    def snapshot(self) -> tuple[int | None, int, int | None, str | None]:
        return (self.id, self.version, self.value, self.code)


@dataclass
class _Row:
    anonymat_id: int
    candidate_id: int
    number: str
    position: int
    cells: list[_Cell]
    entered_by: str = ""
    # blind double entry: pass -> (DoubleEntry id, cell texts joined by ";", operator)
    passes: dict[int, tuple[int, str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Undo:
    row: int
    kind: str  # "grade" | "pass"
    entry_pass: int
    # grade: the cells' snapshots before; pass: (entry id or None, text, operator) before
    before: tuple[Any, ...]


def _canonical(value_centi: int | None, code: str | None) -> str:
    """French text of a stored grade, from its hundredths (same output as ``format_grade``)."""
    if code is not None:
        return code
    if value_centi is None:
        return ""
    whole, cents = divmod(value_centi, 100)
    return str(whole) if cents == 0 else f"{whole},{cents:02d}".rstrip("0")


def format_centi(value_centi: int | None) -> str:
    """French text of a sum of grades in hundredths ("1234,5"); "" for None."""
    return "" if value_centi is None else _canonical(value_centi, None)


def _from_canonical(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    if text in ABSENT_CODES:
        return None, text
    return to_centi(Fraction(text.replace(",", "."))), None


def _split_pass(text: str, width: int) -> list[str]:
    cells = text.split(";") if text else []
    return (cells + [""] * width)[:width]


class SlipEditor:
    """One grade slip open for entry: rows in slip order, commits, undo, controls, closing.

    Built by :func:`open_slip`. It holds the candidate behind each row privately; everything it
    returns is plain data without it. Use it from one thread (the screen's).

    A row has one cell (the grade) or, for a composite spécialité (ST2S, STHR SP1), one cell per
    part-grade, in half points; ABS, AJ or DI typed in any part applies to the whole copy.
    """

    def __init__(
        self, session_id: int, lot: Lot, rows: list[_Row], parts: Sequence[SpecialitePart]
    ) -> None:
        reg = regulation_of(session_id)
        rule = reg.epreuve(lot.epreuve_code)
        self.session_id = session_id
        self.parts = tuple(parts)
        self.precision = PRECISION_HALF if self.parts else rule.precision
        self.max_grade = reg.max_grade
        self.columns: tuple[str, ...] = (
            tuple(p.code for p in self.parts) if self.parts else ("Note",)
        )
        self._lot_id = lot.id
        self._lot_version = lot.version
        self._lot_state = lot.state
        self._rows = rows
        self._undo: list[_Undo] = []
        self.info = lot_info(lot.id)
        self.mode = self._compute_mode()
        self._visible = self._visible_rows()

    # -- reading --

    @property
    def lot_number(self) -> int:
        return self.info.number

    @property
    def width(self) -> int:
        """Cells per row."""
        return len(self.columns)

    @property
    def rows(self) -> tuple[SlipRow, ...]:
        """The rows of the current mode (arbitrage: only the disagreements)."""
        return tuple(self.row(i) for i in range(len(self._visible)))

    def row(self, index: int) -> SlipRow:
        k = self._visible[index]
        row = self._rows[k]
        texts = tuple(_canonical(v, c) for v, c in self._values(k))
        entered_by = row.entered_by
        if self.mode in (MODE_PASS1, MODE_PASS2):
            keyed = row.passes.get(2 if self.mode == MODE_PASS2 else 1)
            entered_by = keyed[2] if keyed else ""
        elif self.mode == MODE_WAIT:
            entered_by = ""
        first = second = ""
        if self.mode == MODE_ARBITRAGE:
            first = row.passes.get(1, (0, "", ""))[1].replace(";", " ; ")
            second = row.passes.get(2, (0, "", ""))[1].replace(";", " ; ")
        return SlipRow(index, row.position, row.number, texts, entered_by, first, second)

    def __len__(self) -> int:
        return len(self._visible)

    @property
    def read_only(self) -> bool:
        return self.mode in (MODE_CLOSED, MODE_WAIT)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def first_empty(self) -> int:
        """Index of the first row not fully keyed in this mode (the last row if all are)."""
        for i in range(len(self._visible)):
            if not self.row(i).filled:
                return i
        return max(len(self._visible) - 1, 0)

    def _values(self, k: int) -> list[tuple[int | None, str | None]]:
        """The (value_centi, code) of each cell of row k, as the current mode shows them."""
        row = self._rows[k]
        if self.mode == MODE_WAIT:
            return [(None, None)] * self.width
        if self.mode in (MODE_PASS1, MODE_PASS2):
            keyed = row.passes.get(2 if self.mode == MODE_PASS2 else 1)
            texts = _split_pass(keyed[1] if keyed else "", self.width)
            return [_from_canonical(t) for t in texts]
        return [(c.value, c.code) for c in row.cells]

    def _pass_complete(self, row: _Row, entry_pass: int) -> bool:
        keyed = row.passes.get(entry_pass)
        return keyed is not None and all(_split_pass(keyed[1], self.width))

    def _compute_mode(self) -> str:
        if self._lot_state == STATE_SAISI:
            return MODE_CLOSED
        if not self.info.double_entry:
            return MODE_ENTRY
        rows = self._rows
        if not all(self._pass_complete(r, 1) for r in rows):
            return MODE_PASS1
        if not all(self._pass_complete(r, 2) for r in rows):
            first_ops = {r.passes[1][2] for r in rows}
            return MODE_WAIT if audit.current_user() in first_ops else MODE_PASS2
        if any(r.passes[1][1] != r.passes[2][1] and not all(c.text for c in r.cells) for r in rows):
            return MODE_ARBITRAGE
        return MODE_ENTRY

    def _visible_rows(self) -> list[int]:
        if self.mode == MODE_ARBITRAGE:
            return [
                k
                for k, r in enumerate(self._rows)
                if r.passes.get(1, (0, ""))[1] != r.passes.get(2, (0, ""))[1]
            ]
        return list(range(len(self._rows)))

    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]

    def wait_reason(self) -> str:
        ops = sorted({r.passes[1][2] for r in self._rows if 1 in r.passes})
        return (
            "La 1re saisie de ce bordereau a été faite par "
            + ", ".join(ops)
            + " : la 2e saisie doit être faite par un autre opérateur."
        )

    # -- validation (pure, for live feedback) --

    def validate(self, text: str) -> tuple[int | None, str | None]:
        """(value_centi, code) of a typed grade; GradeEntryError with the French reason."""
        try:
            parsed = parse_grade(text, self.precision, self.max_grade)
        except GradeError as exc:
            raise GradeEntryError(str(exc)) from None
        grade = parsed.grade
        if grade is None:
            raise GradeEntryError(
                f"Tapez une note (0 à {format_grade(self.max_grade)}), ABS, AJ ou DI."
            )
        if grade.code is not None:
            return None, grade.code
        assert grade.value is not None
        return to_centi(grade.value), None

    # -- writing --

    def commit(self, index: int, text: str, cell: int = 0) -> CommitResult:
        """Validate and save one cell of row ``index`` durably (one short transaction).

        Raises GradeEntryError (not a grade), ConflictError (someone else changed it: the slip
        is re-read) or ServiceError (slip closed, database busy); nothing is written then.
        """
        if self.mode == MODE_CLOSED:
            raise ServiceError(
                f"Bordereau {self.lot_number} clos : rouvrez-le pour corriger une note."
            )
        if self.mode == MODE_WAIT:
            raise ServiceError(self.wait_reason())
        if not 0 <= cell < self.width:
            raise ValueError(f"colonne {cell} hors du bordereau")
        value, code = self.validate(text)
        k = self._visible[index]
        # a code (ABS, AJ, DI) is about the copy: every part gets it
        targets = range(self.width) if code is not None else (cell,)
        with self._guard():
            if self.mode in (MODE_PASS1, MODE_PASS2):
                entry_pass = 1 if self.mode == MODE_PASS1 else 2
                return self._commit_pass(index, k, entry_pass, targets, value, code)
            return self._commit_cells(index, k, targets, value, code)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """After a failed write, re-read the slip (the transaction was rolled back)."""
        try:
            yield
        except GradeEntryError:
            raise
        except pw.OperationalError as exc:
            self._reload_all()
            raise ServiceError(
                "Base de données occupée par un autre poste : rien n'est enregistré, "
                f"retapez Entrée dans un instant ({exc})."
            ) from exc
        except Exception:
            self._reload_all()
            raise

    def _commit_cells(
        self, index: int, k: int, targets: Iterable[int], value: int | None, code: str | None
    ) -> CommitResult:
        row = self._rows[k]
        targets = list(targets)
        changes = [t for t in targets if (row.cells[t].value, row.cells[t].code) != (value, code)]
        row_done = targets[-1] == self.width - 1
        if not changes:
            return CommitResult(self.row(index), changed=False, row_done=row_done)
        before = tuple(c.snapshot() for c in row.cells)
        who, now = audit.current_user(), audit.now_iso()
        reason = f"saisie du lot {self.lot_number}"
        with write_transaction():
            if self.parts:
                self._write_parts(row, {t: (value, code) for t in changes}, who, now, reason)
            else:
                self._write_grade(row, value, code, who, now, reason)
            self._touch_lot_state()
            if self.mode == MODE_ARBITRAGE:
                self._record_pass(row, 3, ";".join(c.text for c in row.cells), who, now)
        self._undo.append(_Undo(k, "grade", 1, before))
        if self.mode == MODE_ARBITRAGE and self._compute_mode() != MODE_ARBITRAGE:
            self._switch_mode()
            return CommitResult(self.row(0), True, mode_changed=True, row_done=True)
        return CommitResult(self.row(index), changed=True, row_done=row_done)

    def _write_grade(
        self, row: _Row, value: int | None, code: str | None, who: str, now: str, reason: str
    ) -> None:
        """The hot path: one UPDATE (version-checked) or INSERT, and its audit entry.

        Runs prepared statements (:class:`baktui.data.sql.Prepared`); call inside
        ``write_transaction``.
        """
        db = current_database()
        cell = row.cells[0]
        values = {"value_centi": value, "code": code, "entered_by": who, "entered_at": now}
        if cell.id is None:
            try:
                if is_sqlite(db):
                    cursor = _grade_insert().run(
                        candidate=row.candidate_id, epreuve_code=self.info.epreuve_code, **values
                    )
                    grade_id = int(cursor.lastrowid)
                else:
                    grade_id = Grade.insert(
                        candidate=row.candidate_id,
                        epreuve_code=self.info.epreuve_code,
                        group=1,
                        source="saisie",
                        **values,
                    ).execute()
            except pw.IntegrityError:
                raise ConflictError(self._conflict_text(row)) from None
            action, version = "create", 1
        else:
            cursor = _grade_update().run(id=cell.id, version=cell.version, **values)
            if cursor.rowcount != 1:
                raise ConflictError(self._conflict_text(row))
            grade_id, action, version = cell.id, "update", cell.version + 1
        audit.log(
            action,
            "grade",
            grade_id,
            "note",
            cell.text or None,
            _canonical(value, code),
            reason=reason,
            candidate_id=row.candidate_id,
            at=now,
        )
        cell.id, cell.version, cell.value, cell.code = grade_id, version, value, code
        row.entered_by = who

    def _write_parts(
        self,
        row: _Row,
        updates: dict[int, tuple[int | None, str | None]],
        who: str,
        now: str,
        reason: str,
    ) -> None:
        """Write part-grades (insert, or update only if unchanged since read), audited."""
        for t, (value, code) in updates.items():
            cell, part = row.cells[t], self.parts[t]
            before = cell.text or None
            if value is None and code is None:
                if cell.id is None:
                    continue
                deleted = (
                    GradePart.delete()
                    .where((GradePart.id == cell.id) & self._part_unchanged(cell))
                    .execute()
                )
                if deleted != 1:
                    raise ConflictError(self._conflict_text(row))
                audit.log(
                    "delete", "grade_part", cell.id, part.code, before, None,
                    reason=reason, candidate_id=row.candidate_id,
                )  # fmt: skip
                cell.id, cell.value, cell.code = None, None, None
                continue
            fields = {"value_centi": value, "code": code, "entered_by": who, "entered_at": now}
            if cell.id is None:
                try:
                    part_id = GradePart.insert(
                        candidate=row.candidate_id,
                        epreuve_code=self.info.epreuve_code,
                        part_code=part.code,
                        **fields,
                    ).execute()
                except pw.IntegrityError:
                    raise ConflictError(self._conflict_text(row)) from None
                action = "create"
            else:
                updated = (
                    GradePart.update(**fields)
                    .where((GradePart.id == cell.id) & self._part_unchanged(cell))
                    .execute()
                )
                if updated != 1:
                    raise ConflictError(self._conflict_text(row))
                part_id, action = cell.id, "update"
            audit.log(
                action, "grade_part", part_id, part.code, before, _canonical(value, code),
                reason=reason, candidate_id=row.candidate_id,
            )  # fmt: skip
            cell.id, cell.value, cell.code = part_id, value, code
        row.entered_by = who

    @staticmethod
    def _part_unchanged(cell: _Cell) -> pw.Expression:
        value = GradePart.value_centi
        code = GradePart.code
        return (value.is_null() if cell.value is None else value == cell.value) & (
            code.is_null() if cell.code is None else code == cell.code
        )

    def _delete_grade(self, row: _Row, reason: str) -> None:
        cell = row.cells[0]
        if cell.id is None:
            return
        deleted = (
            Grade.delete().where((Grade.id == cell.id) & (Grade.version == cell.version)).execute()
        )
        if deleted != 1:
            raise ConflictError(self._conflict_text(row))
        audit.log(
            "delete", "grade", cell.id, "note", cell.text, None,
            reason=reason, candidate_id=row.candidate_id,
        )  # fmt: skip
        row.cells[0] = _Cell()

    def _restore(self, row: _Row, snapshot: Sequence[tuple[Any, ...]], who: str, now: str) -> None:
        """Put the row's cells back as they were (undo)."""
        reason = f"annulation de la dernière saisie, lot {self.lot_number}"
        if self.parts:
            updates = {
                t: (snap[2], snap[3])
                for t, snap in enumerate(snapshot)
                if (row.cells[t].value, row.cells[t].code) != (snap[2], snap[3])
            }
            self._write_parts(row, updates, who, now, reason)
            return
        _id, _version, value, code = snapshot[0]
        if value is None and code is None:
            self._delete_grade(row, reason)
        else:
            self._write_grade(row, value, code, who, now, reason)

    def _touch_lot_state(self) -> None:
        """First value keyed on the slip: the lot goes to "en saisie" (audited, once)."""
        if self._lot_state not in (STATE_CONSTITUE, STATE_DISTRIBUE):
            return
        updated = audit.update(
            Lot, self._lot_id, {"state": STATE_EN_SAISIE}, reason="début de la saisie"
        )
        self._lot_version, self._lot_state = updated.version, updated.state
        self.info = replace(self.info, state=updated.state, version=updated.version)

    def _conflict_text(self, row: _Row) -> str:
        return (
            f"Copie {row.number} : la note a été modifiée par un autre poste entre-temps. "
            "Rien n'a été enregistré ; le bordereau est relu, vérifiez puis retapez."
        )

    def _reload_all(self) -> None:
        """Re-read grades, double-entry values and the lot (after a rollback or a conflict)."""
        fresh = open_slip(self.session_id, self.lot_number)
        self._rows = fresh._rows
        self._lot_version, self._lot_state = fresh._lot_version, fresh._lot_state
        self.info = fresh.info
        self._undo.clear()
        self.mode = self._compute_mode()
        self._visible = self._visible_rows()

    def _switch_mode(self) -> None:
        self._undo.clear()
        self.mode = self._compute_mode()
        self._visible = self._visible_rows()
        self.info = lot_info(self._lot_id)

    # -- blind double entry --

    def _record_pass(self, row: _Row, entry_pass: int, text: str, who: str, now: str) -> None:
        current = row.passes.get(entry_pass)
        if current is None:
            entry_id = DoubleEntry.insert(
                lot=self._lot_id,
                anonymat=row.anonymat_id,
                entry_pass=entry_pass,
                raw_value=text,
                operator=who,
                entered_at=now,
            ).execute()
            action, before = "create", None
        else:
            entry_id, before = current[0], current[1]
            DoubleEntry.update(raw_value=text, operator=who, entered_at=now).where(
                DoubleEntry.id == entry_id
            ).execute()
            action = "update"
        audit.log(
            action,
            "double_entry",
            entry_id,
            f"passe {entry_pass}",
            before,
            text,
            reason=f"double saisie du lot {self.lot_number}",
            candidate_id=row.candidate_id,
        )
        row.passes[entry_pass] = (entry_id, text, who)

    def _drop_pass(self, row: _Row, entry_pass: int, reason: str) -> None:
        current = row.passes.pop(entry_pass, None)
        if current is None:
            return
        DoubleEntry.delete().where(DoubleEntry.id == current[0]).execute()
        audit.log(
            "delete", "double_entry", current[0], f"passe {entry_pass}", current[1], None,
            reason=reason, candidate_id=row.candidate_id,
        )  # fmt: skip

    def _commit_pass(
        self,
        index: int,
        k: int,
        entry_pass: int,
        targets: Iterable[int],
        value: int | None,
        code: str | None,
    ) -> CommitResult:
        row = self._rows[k]
        targets = list(targets)
        row_done = targets[-1] == self.width - 1
        current = row.passes.get(entry_pass)
        cells = _split_pass(current[1] if current else "", self.width)
        for t in targets:
            cells[t] = _canonical(value, code)
        if code is None:  # a number in a part of a copy keyed absent replaces the code
            cells = [
                "" if c in ABSENT_CODES and i not in targets else c for i, c in enumerate(cells)
            ]
        text = ";".join(cells)
        if current is not None and current[1] == text:
            return CommitResult(self.row(index), changed=False, row_done=row_done)
        who, now = audit.current_user(), audit.now_iso()
        if entry_pass == 2 and who in {r.passes[1][2] for r in self._rows if 1 in r.passes}:
            raise ServiceError(self.wait_reason())
        completes = False
        with write_transaction():
            self._record_pass(row, entry_pass, text, who, now)
            self._touch_lot_state()
            if entry_pass == 2 and all(self._pass_complete(r, 2) for r in self._rows):
                self._reconcile(who, now)
                completes = True
        if completes:
            self._switch_mode()
            first = self.row(0) if self._visible else SlipRow(0, 0, "", ("",) * self.width)
            return CommitResult(first, True, mode_changed=True, row_done=True)
        self._undo.append(_Undo(k, "pass", entry_pass, current or (None, "", "")))
        if entry_pass == 1 and all(self._pass_complete(r, 1) for r in self._rows):
            # pass 1 complete: this operator now waits for someone else's pass 2
            self._switch_mode()
            return CommitResult(self.row(index), True, mode_changed=True, row_done=True)
        return CommitResult(self.row(index), changed=True, row_done=row_done)

    def _reconcile(self, who: str, now: str) -> None:
        """Pass 2 complete: write every grade both passes agree on (same transaction)."""
        for row in self._rows:
            first, second = row.passes[1], row.passes[2]
            if first[1] != second[1]:
                continue
            wanted = [_from_canonical(t) for t in _split_pass(first[1], self.width)]
            if [(c.value, c.code) for c in row.cells] == wanted:
                continue
            reason = f"double saisie concordante du lot {self.lot_number} ({first[2]}, {second[2]})"
            if self.parts:
                self._write_parts(row, dict(enumerate(wanted)), who, now, reason)
            else:
                self._write_grade(row, *wanted[0], who, now, reason)

    # -- clearing and undo --

    def clear(self, index: int) -> SlipRow:
        """Remove the grade (or this pass's entry) of a row: the copy is missing again."""
        if self.read_only:
            raise ServiceError(f"Bordereau {self.lot_number} : {self.mode_label()}.")
        k = self._visible[index]
        row = self._rows[k]
        reason = f"effacement, lot {self.lot_number}"
        with self._guard():
            if self.mode in (MODE_PASS1, MODE_PASS2):
                entry_pass = 1 if self.mode == MODE_PASS1 else 2
                current = row.passes.get(entry_pass)
                if current is None:
                    return self.row(index)
                with write_transaction():
                    self._drop_pass(row, entry_pass, reason)
                self._undo.append(_Undo(k, "pass", entry_pass, current))
                return self.row(index)
            if not any(c.id for c in row.cells):
                return self.row(index)
            before = tuple(c.snapshot() for c in row.cells)
            who, now = audit.current_user(), audit.now_iso()
            with write_transaction():
                if self.parts:
                    empty = {t: (None, None) for t in range(self.width)}
                    self._write_parts(row, empty, who, now, reason)
                else:
                    self._delete_grade(row, reason)
            self._undo.append(_Undo(k, "grade", 1, before))
            return self.row(index)

    def undo(self) -> int | None:
        """Undo this operator's last change on the slip; returns the row index to go back to.

        Checked like a commit: if someone else changed the grade since, nothing is undone.
        """
        if not self._undo:
            return None
        if self.read_only:
            raise ServiceError(f"Bordereau {self.lot_number} : {self.mode_label()}.")
        step = self._undo[-1]
        row = self._rows[step.row]
        who, now = audit.current_user(), audit.now_iso()
        reason = f"annulation de la dernière saisie, lot {self.lot_number}"
        with self._guard(), write_transaction():
            if step.kind == "pass":
                entry_id, text, _operator = step.before
                if entry_id is None:
                    self._drop_pass(row, step.entry_pass, reason)
                else:
                    self._record_pass(row, step.entry_pass, text, who, now)
            else:
                self._restore(row, step.before, who, now)
        self._undo.pop()
        return self._visible.index(step.row) if step.row in self._visible else None

    # -- controls and closing --

    def controls(self) -> ControlCheck:
        """The control figures typed from the slip against the values of the current mode.

        Copies = copies keyed, absents included (the number of copies on the slip once it is
        complete); absents = copies keyed ABS, AJ or DI; sum = every number keyed (each part of a
        composite copy counts).
        """
        absents = filled = total = 0
        for k in self._visible:
            values = self._values(k)
            if all(v is not None or c is not None for v, c in values):
                filled += 1
            if any(c is not None for _, c in values):
                absents += 1
            total += sum(v for v, _ in values if v is not None)
        copies = filled
        return ControlCheck(
            rows=len(self._visible),
            filled=filled,
            copies=copies,
            absents=absents,
            sum_centi=total,
            expected_copies=self.info.control_copies,
            expected_absents=self.info.control_absents,
            expected_sum_centi=self.info.control_sum_centi,
        )

    def set_controls(self, copies: str, absents: str, total: str) -> ControlCheck:
        """Record the correcteur's three figures (as typed) and check them."""
        values = {
            "control_copies": parse_count(copies, "Nombre de copies"),
            "control_absents": parse_count(absents, "Nombre d'absents"),
            "control_sum_centi": parse_control_sum(total),
        }
        if self.mode == MODE_CLOSED:
            raise ServiceError(f"Bordereau {self.lot_number} clos.")
        updated = audit.update(
            Lot,
            self._lot_id,
            values,
            expected_version=self._lot_version,
            reason=f"totaux de contrôle du lot {self.lot_number}",
        )
        self._lot_version = updated.version
        self.info = replace(
            self.info,
            control_copies=values["control_copies"],
            control_absents=values["control_absents"],
            control_sum_centi=values["control_sum_centi"],
            version=updated.version,
        )
        return self.controls()

    def close(self) -> LotInfo:
        """Close the slip as complete: every copy graded and the control totals agree."""
        if self.mode == MODE_CLOSED:
            return self.info
        if self.mode != MODE_ENTRY:
            raise ServiceError(
                f"Bordereau {self.lot_number} : {self.mode_label()} ; il ne peut pas encore être clos."
            )
        check = self.controls()
        problems = check.problems()
        if problems:
            raise ServiceError(
                f"Bordereau {self.lot_number} non clos : " + " ; ".join(problems) + "."
            )
        updated = audit.update(
            Lot,
            self._lot_id,
            {"state": STATE_SAISI, "closed_at": audit.now_iso(), "closed_by": audit.current_user()},
            expected_version=self._lot_version,
            reason=f"bordereau {self.lot_number} clos, totaux concordants",
        )
        self._after_lot_change(updated)
        return self.info

    def reopen(self) -> LotInfo:
        """Reopen a closed slip for a correction (audited)."""
        if self.mode != MODE_CLOSED:
            return self.info
        updated = audit.update(
            Lot,
            self._lot_id,
            {"state": STATE_EN_SAISIE, "closed_at": None, "closed_by": None},
            expected_version=self._lot_version,
            reason=f"réouverture du bordereau {self.lot_number}",
        )
        self._after_lot_change(updated)
        return self.info

    def _after_lot_change(self, updated: Lot) -> None:
        self._lot_version, self._lot_state = updated.version, updated.state
        self._switch_mode()


def _lot_parts(session_id: int, lot: Lot) -> tuple[SpecialitePart, ...]:
    """Part-grades of the lot's copies (a composite spécialité), or () for a plain grade."""
    series = {
        s
        for (s,) in Candidate.select(Candidate.series)
        .join(Anonymat, on=(Anonymat.candidate == Candidate.id))
        .where(Anonymat.lot == lot.id)
        .distinct()
        .tuples()
    }
    reg = regulation_of(session_id)
    parts = {s: reg.series_rule(s).parts(lot.epreuve_code) for s in series if s in reg.series_codes}
    kinds = {p for p in parts.values()}
    if len(kinds) > 1:
        raise ServiceError(
            f"Le lot {lot.number} mêle des séries dont la spécialité {lot.epreuve_code} ne se note "
            "pas de la même façon : refaites ses lots par série."
        )
    return kinds.pop() if kinds else ()


def open_slip(session_id: int, lot_number: int) -> SlipEditor:
    """Load a lot's slip for entry (a few hundred rows at most: one lot, never the session)."""
    lot = _find_lot(session_id, lot_number)
    parts = _lot_parts(session_id, lot)
    width = max(1, len(parts))
    rows = [
        _Row(aid, cid, number, position or i + 1, [_Cell() for _ in range(width)])
        for i, (aid, cid, number, position) in enumerate(
            Anonymat.select(Anonymat.id, Anonymat.candidate, Anonymat.number, Anonymat.position)
            .where(Anonymat.lot == lot.id)
            .order_by(Anonymat.position, Anonymat.number)
            .tuples()
        )
    ]
    if not rows:
        raise ServiceError(f"Le lot {lot_number} ne contient aucune copie.")
    by_candidate = {row.candidate_id: row for row in rows}
    if parts:
        column = {p.code: i for i, p in enumerate(parts)}
        for pid, cid, part_code, value, code, entered_by in (
            GradePart.select(
                GradePart.id,
                GradePart.candidate,
                GradePart.part_code,
                GradePart.value_centi,
                GradePart.code,
                GradePart.entered_by,
            )
            .where(
                GradePart.candidate.in_(list(by_candidate))
                & (GradePart.epreuve_code == lot.epreuve_code)
            )
            .tuples()
        ):
            if part_code in column:
                row = by_candidate[cid]
                row.cells[column[part_code]] = _Cell(pid, 0, value, code)
                row.entered_by = entered_by
    else:
        for gid, cid, version, value, code, entered_by in (
            Grade.select(
                Grade.id,
                Grade.candidate,
                Grade.version,
                Grade.value_centi,
                Grade.code,
                Grade.entered_by,
            )
            .where(
                Grade.candidate.in_(list(by_candidate))
                & (Grade.epreuve_code == lot.epreuve_code)
                & (Grade.group == 1)
            )
            .tuples()
        ):
            row = by_candidate[cid]
            row.cells[0] = _Cell(gid, version, value, code)
            row.entered_by = entered_by
    if lot.double_entry:
        by_anonymat = {row.anonymat_id: row for row in rows}
        for eid, aid, entry_pass, raw, operator in (
            DoubleEntry.select(
                DoubleEntry.id,
                DoubleEntry.anonymat,
                DoubleEntry.entry_pass,
                DoubleEntry.raw_value,
                DoubleEntry.operator,
            )
            .where(DoubleEntry.lot == lot.id)
            .tuples()
        ):
            if aid in by_anonymat:
                by_anonymat[aid].passes[entry_pass] = (eid, raw, operator)
    return SlipEditor(session_id, lot, rows, parts)


# --- missing grades -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingGroup:
    """Missing grades of one jury × épreuve × centre."""

    jury_id: int | None
    jury: str  # "Jury 12" or "sans jury"
    epreuve_code: str
    epreuve_label: str
    centre_id: int | None
    centre: str  # "C001 Lycée …" or "sans centre"
    count: int
    written: bool


@dataclass(frozen=True)
class MissingGroupsPage:
    groups: tuple[MissingGroup, ...]
    total_groups: int
    total_missing: int
    offset: int


@dataclass(frozen=True)
class MissingLine:
    """A grade still to enter: by anonymity number (written copies) or by candidate (others).

    For a written copy ``label`` holds the anonymity number and the lot, never the candidate.
    """

    key: str  # "a:<anonymat id>" or "c:<candidate id>:<épreuve>"
    epreuve_code: str
    label: str
    lot_number: int | None = None
    grade: str = ""  # filled once entered in the view


def _composite_parts(session_id: int) -> list[tuple[str, str, int]]:
    """(series, épreuve code, number of parts) of the session's composite spécialités."""
    reg = regulation_of(session_id)
    return [
        (rule.code, code, len(rule.parts(code)))
        for rule in reg.series
        for code in ("SP1", "SP2")
        if rule.parts(code)
    ]


def missing_where(session_id: int, *, single_session: bool = False) -> pw.Expression:
    """Registrations without a first-group grade (kept grades and cancelled candidates aside).

    ABS, AJ and DI count as entered: only an empty grade is missing. A composite spécialité
    (ST2S, STHR) is stored as part-grades: it counts as entered with a Grade row or once every
    part is. ``single_session`` (the database holds this session only) drops the session filter.
    The query joins Registration to Candidate.
    """
    R, G, C, P = Registration, Grade, Candidate, GradePart
    entered = G.select(G.id).where(
        (G.candidate == R.candidate)
        & (G.epreuve_code == R.epreuve_code)
        & (G.group == 1)
        & (G.value_centi.is_null(False) | G.code.is_null(False))
    )
    is_entered = pw.fn.EXISTS(entered)
    for series, code, needed in _composite_parts(session_id):
        parts_entered = P.select(pw.fn.COUNT(P.id)).where(
            (P.candidate == R.candidate)
            & (P.epreuve_code == R.epreuve_code)
            & (P.value_centi.is_null(False) | P.code.is_null(False))
        )
        # series and code first: the part count runs only for composite registrations
        is_entered |= (C.series == series) & (R.epreuve_code == code) & (parts_entered >= needed)
    where = R.kept_session.is_null() & ~is_entered & (C.state != "annulee")
    if not single_session:
        where = (C.session == session_id) & where
    return where


def missing_groups(session_id: int, *, offset: int = 0, limit: int = 200) -> MissingGroupsPage:
    """The missing grades counted per jury, épreuve and centre (one GROUP BY, paged)."""
    R, C = Registration, Candidate
    reg = regulation_of(session_id)
    grouped = (
        R.select(C.jury, R.epreuve_code, C.centre, pw.fn.COUNT(R.id).alias("n"))
        .join(C, on=(R.candidate == C.id))
        .where(missing_where(session_id))
        .group_by(C.jury, R.epreuve_code, C.centre)
        .tuples()
    )
    all_groups = list(grouped)
    juries = dict(Jury.select(Jury.id, Jury.number).where(Jury.session == session_id).tuples())
    centres = {
        cid: f"{code} {name}"
        for cid, code, name in Centre.select(Centre.id, Centre.code, Centre.name)
        .where(Centre.session == session_id)
        .tuples()
    }
    order = {rule.code: i for i, rule in enumerate(reg.epreuves)}
    all_groups.sort(
        key=lambda g: (
            juries.get(g[0], 10**9) if g[0] is not None else 10**9,
            order.get(g[1], 999),
            centres.get(g[2], "~") if g[2] is not None else "~",
        )
    )
    page = all_groups[offset : offset + limit]
    groups = []
    for jury_id, code, centre_id, count in page:
        rule = reg.epreuve(code) if reg.has_epreuve(code) else None
        groups.append(
            MissingGroup(
                jury_id=jury_id,
                jury=f"Jury {juries[jury_id]}" if jury_id in juries else "sans jury",
                epreuve_code=code,
                epreuve_label=rule.label if rule else code,
                centre_id=centre_id,
                centre=centres.get(centre_id, "sans centre") if centre_id else "sans centre",
                count=count,
                written=bool(rule and rule.written),
            )
        )
    return MissingGroupsPage(tuple(groups), len(all_groups), sum(g[3] for g in all_groups), offset)


def missing_lines(
    session_id: int, group: MissingGroup, *, offset: int = 0, limit: int = MISSING_PAGE
) -> tuple[list[MissingLine], int]:
    """One page of a group's missing grades, and the group's total count.

    Written copies are listed by anonymity number (no name); oral and CC grades by candidate.
    """
    R, C = Registration, Candidate
    where = missing_where(session_id) & (R.epreuve_code == group.epreuve_code)
    where &= C.jury.is_null() if group.jury_id is None else (C.jury == group.jury_id)
    where &= C.centre.is_null() if group.centre_id is None else (C.centre == group.centre_id)
    base = R.select().join(C, on=(R.candidate == C.id)).where(where)
    total = base.count()
    if group.written:
        rows = (
            R.select(Anonymat.id, Anonymat.number, Lot.number, C.id)
            .join(C, on=(R.candidate == C.id))
            .join(
                Anonymat,
                pw.JOIN.LEFT_OUTER,
                on=(
                    (Anonymat.candidate == R.candidate) & (Anonymat.epreuve_code == R.epreuve_code)
                ),
            )
            .join(Lot, pw.JOIN.LEFT_OUTER, on=(Anonymat.lot == Lot.id))
            .where(where)
            .order_by(pw.fn.COALESCE(Anonymat.number, "~"), C.id)
            .offset(offset)
            .limit(limit)
            .tuples()
        )
        lines = []
        for anonymat_id, number, lot_number, candidate_id in rows:
            if anonymat_id is None:
                # not numbered yet: there is no anonymity to keep, enter it by candidate
                lines.append(
                    MissingLine(
                        f"c:{candidate_id}:{group.epreuve_code}",
                        group.epreuve_code,
                        "copie non anonymée",
                    )
                )
            else:
                lines.append(
                    MissingLine(
                        f"a:{anonymat_id}",
                        group.epreuve_code,
                        f"anonymat {number}" + (f" — lot {lot_number}" if lot_number else ""),
                        lot_number,
                    )
                )
        return lines, total
    rows = (
        R.select(C.id, C.number, C.last_name, C.first_name)
        .join(C, on=(R.candidate == C.id))
        .where(where)
        .order_by(C.number)
        .offset(offset)
        .limit(limit)
        .tuples()
    )
    return [
        MissingLine(
            f"c:{cid}:{group.epreuve_code}",
            group.epreuve_code,
            f"{number} {last.upper()} {first}",
        )
        for cid, number, last, first in rows
    ], total


def enter_missing_grade(session_id: int, line: MissingLine, text: str) -> MissingLine:
    """Type a missing grade from the missing-grades view (audited, version-checked)."""
    kind, _, rest = line.key.partition(":")
    reg = regulation_of(session_id)
    if kind == "a":
        anonymat = Anonymat.get_or_none(Anonymat.id == int(rest))
        if anonymat is None:
            raise NotFoundError("Copie introuvable.")
        candidate_id, code = anonymat.candidate_id, anonymat.epreuve_code
        lot = Lot.get_or_none(Lot.id == anonymat.lot_id) if anonymat.lot_id else None
        if lot is not None and lot.double_entry and lot.state != STATE_SAISI:
            raise ServiceError(
                f"Copie du lot {lot.number}, en double saisie : saisissez-la par son bordereau (F4)."
            )
        reason = f"notes manquantes (anonymat {anonymat.number})"
    else:
        cid_text, _, code = rest.partition(":")
        candidate_id = int(cid_text)
        reason = "notes manquantes"
    if not reg.has_epreuve(code):
        raise ServiceError(f"Épreuve « {code} » inconnue.")
    series = Candidate.get_by_id(candidate_id).series
    if series in reg.series_codes and reg.series_rule(series).parts(code):
        raise ServiceError(
            f"{code} de la série {series} se note par parties : saisissez-les par le bordereau "
            "de son lot (F4)."
        )
    try:
        parsed = parse_grade(text, reg.epreuve(code).precision, reg.max_grade)
    except GradeError as exc:
        raise GradeEntryError(str(exc)) from None
    if parsed.grade is None:
        raise GradeEntryError(f"Tapez une note (0 à {format_grade(reg.max_grade)}), ABS, AJ ou DI.")
    value = to_centi(parsed.grade.value) if parsed.grade.value is not None else None
    grade_code = parsed.grade.code
    who, now = audit.current_user(), audit.now_iso()
    shown = _canonical(value, grade_code)
    with write_transaction():
        existing = Grade.get_or_none(
            (Grade.candidate == candidate_id) & (Grade.epreuve_code == code) & (Grade.group == 1)
        )
        if existing is not None and (existing.value_centi is not None or existing.code is not None):
            raise ConflictError(
                f"Cette note a été saisie entre-temps par {existing.entered_by or '?'} "
                f"({_canonical(existing.value_centi, existing.code)}) : rien n'a été enregistré."
            )
        if existing is None:
            grade_id = Grade.insert(
                candidate=candidate_id, epreuve_code=code, group=1, value_centi=value,
                code=grade_code, source="saisie", entered_by=who, entered_at=now,
            ).execute()  # fmt: skip
            action = "create"
        else:
            grade_id, action = existing.id, "update"
            Grade.update(
                value_centi=value, code=grade_code, source="saisie", entered_by=who,
                entered_at=now, version=Grade.version + 1,
            ).where(Grade.id == existing.id).execute()  # fmt: skip
        audit.log(
            action, "grade", grade_id, "note", None, shown, reason=reason, candidate_id=candidate_id
        )
    return replace(line, grade=shown + (" (arrondie)" if parsed.rounded else ""))


__all__ = [
    "ControlCheck",
    "CommitResult",
    "GradeEntryError",
    "LotInfo",
    "LotReport",
    "MissingGroup",
    "MissingGroupsPage",
    "MissingLine",
    "NumberingReport",
    "SlipDocument",
    "SlipEditor",
    "SlipRow",
    "anonymat_number_valid",
    "assign_correcteur",
    "constitute_lots",
    "enter_missing_grade",
    "format_centi",
    "list_lots",
    "lot_info",
    "missing_groups",
    "missing_lines",
    "missing_where",
    "number_copies",
    "open_slip",
    "parse_control_sum",
    "parse_lot_numbers",
    "set_double_entry",
    "slip_documents",
]
