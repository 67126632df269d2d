"""The audit log's hash chain: each entry is sealed to the one before it.

An entry's ``chain`` is ``sha256(previous entry's chain + canonical text of the entry)`` in hex,
the first entry's previous chain being the empty string. The canonical text is the compact JSON
array (UTF-8, ``separators=(",", ":")``, no ASCII escaping) of the fields of :data:`HASHED`, in
that order: ids and ``candidate_id`` as numbers, the other fields as text or ``null``.

So an entry changed behind baktui's back (its triggers dropped) no longer matches its seal, and
an entry removed breaks the seal of the next one; :func:`walk` finds both, reading the log in id
order by batches (never the whole log in memory). The chain alone cannot tell that the last
entries were cut off, nor that someone rewrote every seal after a change: the seal of the last
entry, noted outside the base (``baktui verifier`` prints it), can.

:mod:`baktui.data.audit` writes the seals (this module only reads the log).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

import peewee as pw

HASHED = (
    "id",
    "at",
    "who",
    "action",
    "entity",
    "entity_id",
    "field",
    "before",
    "after",
    "reason",
    "candidate_id",
)
WALK_BATCH = 10_000

_canonical = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def link(previous: str, values: Sequence[Any]) -> str:
    """The seal of an entry whose :data:`HASHED` values are ``values``, after ``previous``."""
    text = previous + _canonical(values)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def seal_rows(
    chain: str, first_id: int, at: str, who: str, rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """Seal entries appended after a seal ``chain``: each row (action, entity, entity_id,
    field, before, after, reason, candidate_id) becomes (id, at, who, *row, seal), ids from
    ``first_id`` on. The very seals :func:`link` gives, by a quicker road for the bulk
    writers (an import of millions of entries): the canonical text is written directly, ``at``
    and ``who`` escaped once; a row of other types than the log's (texts, ``before`` and
    ``after`` possibly None, an int or None for the candidate) takes :func:`link`'s road."""
    sha256 = hashlib.sha256
    esc = encode_basestring  # json's own escaping (C), as the canonical encoder's
    middle = f",{esc(at)},{esc(who)},"
    sealed = []
    for number, row in enumerate(rows, first_id):
        action, entity, entity_id, field, before, after, reason, candidate = row
        try:
            if type(number) is not int or not (candidate is None or type(candidate) is int):
                raise TypeError
            text = (
                f"[{number}{middle}{esc(action)},{esc(entity)},{esc(entity_id)},{esc(field)},"
                f"{'null' if before is None else esc(before)},"
                f"{'null' if after is None else esc(after)},{esc(reason)},"
                f"{'null' if candidate is None else candidate}]"
            )
        except TypeError:  # not the log's types: the canonical encoder says how they read
            text = _canonical((number, at, who, *row))
        chain = sha256((chain + text).encode("utf-8", "surrogatepass")).hexdigest()
        sealed.append((number, at, who, *row, chain))
    return sealed


def lock(db: pw.Database) -> None:
    """Keep other writers (not readers) off the log until this transaction ends.

    On SQLite the write transaction already holds the base's write lock (BEGIN IMMEDIATE); on
    PostgreSQL the table is locked here.
    """
    if not isinstance(db, pw.SqliteDatabase):
        db.execute_sql("LOCK TABLE audit_log IN EXCLUSIVE MODE")


def tail(db: pw.Database) -> tuple[int, str]:
    """Id and seal of the last entry ((0, "") for an empty log), for a writer to append after:
    call it inside the write transaction (it takes :func:`lock`), so no one appends in between.
    """
    lock(db)
    row = db.execute_sql('SELECT id, chain FROM "audit_log" ORDER BY id DESC LIMIT 1').fetchone()
    return (0, "") if row is None else (int(row[0]), row[1] or "")


@dataclass(frozen=True)
class Entry:
    """What names an entry in a report."""

    id: int
    at: str
    who: str
    entity: str
    entity_id: str


@dataclass(frozen=True)
class Break:
    """Where the chain does not hold: ``entry``'s seal is not what its text and the seal before
    give. ``missing`` is the range of ids absent just before it (entries removed), ``unsealed``
    says the entry has no seal at all (written outside baktui)."""

    entry: Entry
    missing: tuple[int, int] | None = None
    unsealed: bool = False


@dataclass(frozen=True)
class Walk:
    """The result of :func:`walk`: entries read, the first break, how many more, the last entry
    and its seal."""

    entries: int
    broken: Break | None
    more_breaks: int
    last: Entry | None
    last_chain: str
    noted_chain: str | None = None  # the stored seal of the entry asked for (``noted``)


def entries(db: pw.Database, batch: int = WALK_BATCH) -> Iterator[tuple[Any, ...]]:
    """Every entry in id order, as its :data:`HASHED` values then its seal, read ``batch`` rows
    at a time (by id ranges: the same on SQLite and PostgreSQL, never the whole log at once)."""
    columns = ", ".join(f'"{name}"' for name in HASHED)
    query = (
        f'SELECT {columns}, "chain" FROM "audit_log" WHERE id > {db.param} '
        f"ORDER BY id LIMIT {db.param}"
    )
    after = 0
    while True:
        rows = db.execute_sql(query, (after, batch)).fetchall()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1][0]


def walk(
    db: pw.Database,
    *,
    batch: int = WALK_BATCH,
    noted: int | None = None,
    progress: Callable[[int, int | None], object] | None = None,
) -> Walk:
    """Check every seal in id order; past a break, go on from the stored seal to count the
    others. An id gap whose next seal holds was there when the chain was computed (PostgreSQL
    sequences skip numbers on a rollback), not a removal. ``noted``: an entry id whose stored
    seal to return (to compare with one noted down earlier). ``progress(done, total)``: the
    entry ids checked out of the last one when the walk began, every ``batch`` entries."""
    top = 0
    if progress is not None:
        progress(0, None)
        top = int(db.execute_sql('SELECT MAX(id) FROM "audit_log"').fetchone()[0] or 0)
    count = breaks = 0
    noted_chain: str | None = None
    first: Break | None = None
    previous_id, previous = 0, ""
    row: Sequence[Any] = ()
    for row in entries(db, batch):
        *values, stored = row
        count += 1
        if stored != link(previous, values):
            breaks += 1
            if first is None:
                gap = (previous_id + 1, row[0] - 1) if row[0] > previous_id + 1 else None
                first = Break(_entry(row), gap, unsealed=not stored)
        if row[0] == noted:
            noted_chain = stored
        previous_id, previous = row[0], stored or ""
        if progress is not None and count % batch == 0:
            progress(min(previous_id, top), top)
    if progress is not None:
        progress(top, top)
    return Walk(
        entries=count,
        broken=first,
        more_breaks=max(breaks - 1, 0),
        last=_entry(row) if row else None,
        last_chain=previous,
        noted_chain=noted_chain,
    )


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(int(row[0]), str(row[1]), str(row[2]), str(row[4]), str(row[5]))
