"""« Contrôler les inscriptions »: every check over every candidate of the session, and one's.

One streamed pass reads :data:`~baktui.rules.registration_checks.CHECKED_FIELDS` of every
candidate (neither cancelled nor transferred) for the row checks of
:class:`~baktui.rules.registration_checks.RowChecker`, and two grouped queries find the probable
duplicates (same folded name and birth date, same INE). The SQL is written by hand: at 700 000
candidates, model instances and a planner walking the session index cost several times the scan.
:func:`check_candidate` runs the same checks on one candidate (the card shows them; the check list
refreshes with them after a fix).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import peewee as pw

from baktui.data.db import current_database
from baktui.data.models import Candidate
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.registration_checks import CHECK_KINDS, CHECKED_FIELDS, KIND_ORDER, RowChecker
from baktui.services.sessions import regulation_of

_COLUMNS = tuple(getattr(Candidate, name.removesuffix("_id")) for name in CHECKED_FIELDS)
_CANCELLED = RegistrationState.ANNULEE.value
Raw = tuple[int, str, str, str, tuple[int, ...]]  # candidate, kind, field, message, related


@dataclass(frozen=True)
class Anomaly:
    """One problem found by the registration checks, and the form field that fixes it."""

    kind: str  # key of CHECK_KINDS
    candidate_id: int
    number: str
    name: str  # "LEFÈVRE Hélène"
    field: str  # form field to put the cursor on
    message: str
    related: tuple[int, ...] = ()  # the other candidates of a probable duplicate


@dataclass
class CheckReport:
    """The anomalies of a session, grouped by kind; the screen pages through them."""

    session_id: int
    anomalies: list[Anomaly]
    checked: int
    elapsed_s: float

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CHECK_KINDS, 0)
        for anomaly in self.anomalies:
            counts[anomaly.kind] = counts.get(anomaly.kind, 0) + 1
        return counts

    def of_kind(self, kind: str | None) -> list[Anomaly]:
        return [a for a in self.anomalies if kind is None or a.kind == kind]

    def page(self, kind: str | None, offset: int, limit: int) -> list[Anomaly]:
        return self.of_kind(kind)[offset : offset + limit]

    def replace_candidates(self, ids: Iterable[int], fresh: Iterable[Anomaly]) -> int:
        """Swap the anomalies of these candidates for a fresh check; returns how many went away."""
        ids = set(ids)
        before = len(self.anomalies)
        kept = [a for a in self.anomalies if a.candidate_id not in ids]
        self.anomalies = sorted(kept + list(fresh), key=_anomaly_order)
        return before - len(self.anomalies)


def _anomaly_order(a: Anomaly) -> tuple[int, str, str]:
    return (KIND_ORDER.get(a.kind, 99), a.name, a.number)


def checked_candidates(session_id: int, *, scan: bool = False) -> pw.Expression:
    """The candidates the checks look at: the session's, neither cancelled nor transferred.

    ``scan``: the whole session is read: ``session_id + 0`` keeps the planner from walking an
    index of the session and fetching each row at random (three times slower than a table scan
    at 700 000 candidates).
    """
    session = (Candidate.session + 0) if scan else Candidate.session
    return (
        (session == session_id) & (Candidate.state != _CANCELLED) & (Candidate.transferred_to == "")
    )


def stream(query: pw.Select, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Rows of a query read from the cursor in batches (no model instances: fast, bounded memory)."""
    sql, params = query.sql()
    yield from _fetch_all(current_database().execute_sql(sql, params), batch)


def _fetch_all(cursor: Any, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    while rows := cursor.fetchmany(batch):
        yield from rows


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_checks(
    session_id: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CheckReport:
    """Every check over every candidate of the session (neither cancelled nor transferred).

    One streamed pass for the per-candidate checks (identifiers, choices, dossier, centre,
    contact details) and two grouped queries for the probable duplicates.
    """
    started = time.perf_counter()
    reg = regulation_of(session_id)
    total = Candidate.select().where(checked_candidates(session_id)).count()
    checker = RowChecker(reg)
    raw: list[Raw] = []
    query = (
        Candidate.select(*_COLUMNS)
        .where(checked_candidates(session_id, scan=True))
        .order_by(Candidate.id)
    )
    done = 0
    for row in stream(query):
        for kind, name, message in checker(row):
            raw.append((row[0], kind, name, message, ()))
        done += 1
        if done % 2000 == 0:
            if progress is not None:
                progress(done, total)
            if cancelled is not None and cancelled():
                break
    raw.extend(_duplicates(session_id))
    anomalies = _with_names(raw)
    anomalies.sort(key=_anomaly_order)
    if progress is not None:
        progress(total, total)
    return CheckReport(session_id, anomalies, total, time.perf_counter() - started)


_ACTIVE_SQL = "{session} = ? AND state <> '" + _CANCELLED + "' AND transferred_to = ''"
_DUPLICATE_SQL = {
    # same folded name and birth date; same INE. The inner query groups with the
    # (session, name_key) index, the join brings back the members of each group.
    "name": (
        "SELECT c.id, c.number, c.name_key, c.birth_date FROM candidate c JOIN ("
        "SELECT name_key, birth_date FROM candidate WHERE {inner} AND birth_date IS NOT NULL "
        "{one} GROUP BY name_key, birth_date HAVING COUNT(*) > 1) d "
        "ON d.name_key = c.name_key AND d.birth_date = c.birth_date "
        "WHERE c.{outer} ORDER BY c.name_key, c.birth_date, c.id"
    ),
    "ine": (
        "SELECT c.id, c.number, c.ine, '' FROM candidate c JOIN ("
        "SELECT ine FROM candidate WHERE {inner} AND ine <> '' {one} "
        "GROUP BY ine HAVING COUNT(*) > 1) d ON d.ine = c.ine "
        "WHERE c.{outer} ORDER BY c.ine, c.id"
    ),
}


def _duplicates(session_id: int, candidate_id: int | None = None) -> list[Raw]:
    """Probable duplicates: same name key and birth date, or same INE (two grouped queries)."""
    found: list[Raw] = []
    db = current_database()
    param = getattr(db, "param", "?")
    me = Candidate.get_by_id(candidate_id) if candidate_id is not None else None
    for how, template in _DUPLICATE_SQL.items():
        one = ""
        extra: tuple[Any, ...] = ()
        if me is not None:
            if how == "name":
                if me.birth_date is None:
                    continue
                one, extra = "AND name_key = ? AND birth_date = ?", (me.name_key, me.birth_date)
            else:
                if not me.ine:
                    continue
                one, extra = "AND ine = ?", (me.ine,)
        # the whole session: a table scan and a sort; one candidate: its index
        inner = _ACTIVE_SQL.format(session="session_id" if me else "session_id + 0")
        outer = _ACTIVE_SQL.format(session="session_id")
        sql = template.format(inner=inner, outer=outer, one=one).replace("?", param)
        cursor = db.execute_sql(sql, (session_id, *extra, session_id))
        group: list[tuple[int, str]] = []
        current: tuple[Any, Any] | None = None
        for cid, number, key, birth in _fetch_all(cursor):
            if (key, birth) != current:
                found.extend(_duplicate_group(how, group))
                group, current = [], (key, birth)
            group.append((int(cid), str(number)))
        found.extend(_duplicate_group(how, group))
    if candidate_id is not None:
        found = [f for f in found if f[0] == candidate_id]
    return found


def _duplicate_group(how: str, members: list[tuple[int, str]]) -> Iterator[Raw]:
    if len(members) < 2:
        return
    for cid, _number in members:
        others = [(i, n) for i, n in members if i != cid]
        numbers = ", ".join(n for _, n in others[:3]) + ("…" if len(others) > 3 else "")
        related = tuple(i for i, _ in others)
        if how == "name":
            message = f"même nom et même date de naissance que n° {numbers}"
            yield cid, "doublon", "state", message, related
        else:
            yield cid, "doublon", "ine", f"même INE que n° {numbers}", related


def _with_names(raw: list[Raw]) -> list[Anomaly]:
    """Attach numbers and names to the anomalies (one query per 500 candidates)."""
    db = current_database()
    param = getattr(db, "param", "?")
    ids = sorted({r[0] for r in raw})
    names: dict[int, tuple[str, str]] = {}
    for chunk in chunks(ids, 500):
        marks = ", ".join(param for _ in chunk)
        cursor = db.execute_sql(
            f"SELECT id, number, last_name, first_name FROM candidate WHERE id IN ({marks})",
            tuple(chunk),
        )
        for cid, number, last, first in cursor.fetchall():
            names[int(cid)] = (str(number), f"{str(last).upper()} {first}")
    return [
        Anomaly(kind, cid, names.get(cid, ("", ""))[0], names.get(cid, ("", "?"))[1], f, m, rel)
        for cid, kind, f, m, rel in raw
    ]


def check_candidate(candidate_id: int) -> list[Anomaly]:
    """The checks of one candidate (the card shows them; the check list refreshes with them)."""
    c = Candidate.get_or_none(Candidate.id == candidate_id)
    if c is None or c.state == _CANCELLED or c.transferred_to:
        return []
    reg = regulation_of(c.session_id)
    row = Candidate.select(*_COLUMNS).where(Candidate.id == candidate_id).tuples().first()
    raw: list[Raw] = (
        [(candidate_id, k, f, m, ()) for k, f, m in RowChecker(reg)(row)] if row else []
    )
    raw.extend(_duplicates(c.session_id, candidate_id))
    anomalies = _with_names(raw)
    anomalies.sort(key=_anomaly_order)
    return anomalies
