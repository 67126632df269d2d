"""Candidate lookup while on the phone: one text field, every identifier, bounded and indexed.

The query kind is guessed from what was typed:

- digits (spaces, dots, "+33" allowed): téléphone, numéro de candidat, INE, numéro d'anonymat
  (exact, then prefix ranges on indexed columns) and, for 1 to 3 digits, a jury number;
- "J12" or "jury 12": the candidates of that jury;
- a UAI (7 digits + letter): the candidates of that établissement;
- letters and digits (an INE or its start): INE, then numéro d'anonymat;
- words: names, folded (no accents, lower case) like ``Candidate.name_key`` ("last first"):
  1. the words as typed, then every rotation of them, as index ranges on (session, name_key):
     "lefevre hel", "helene lefevre" -> "lefevre helene", "hel lefevre" -> "lefevre hel";
  2. every word as a word prefix, in any order, inside compound names too ("helene lef",
     "lef hel"): on SQLite the FTS5 index ``candidate_fts`` (schema 3, kept up by triggers), on
     PostgreSQL a GIN index of the name key's words (schema 14, full-text prefix queries);
     without either, each word in turn as the start of the name, the others tested on a
     capped walk of that range;
  3. the same rotations on ``Candidate.sound_key`` (schema 11), the French phonetic key of
     :mod:`baktui.rules.phonetic`: names as heard ("lefebvre helene" -> LEFÈVRE Hélène), after
     the exact ones;
  4. words naming an établissement (name or commune) list its candidates, the remaining words
     starting any word of the candidate's name ("ampere mar": Marie, Martin… of Ampère), from
     the (session, établissement, name_key) index;
- a birth date ("12/06/2008", "12-06-2008", "12.06.2008", "2008-06-12"): the candidates born that
  day, from the (session, birth_date, name_key) index;
- words and a year ("lefevre 2008", "2008 lefevre"): the names as above (folded, then phonetic)
  born that year, on a capped walk of the name's index range.

Every statement is an index seek with a LIMIT (the tests check the query plans): it never scans
the candidate table. peewee's ``startswith`` compiles to a LIKE that SQLite does not serve from
the index, hence the explicit ranges ``col >= p AND col < p || '\uffff'``. The statements are
written here once (composing them with peewee cost more than running them).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import peewee as pw

from baktui.data.db import current_database
from baktui.rules.identifiers import fold
from baktui.rules.phonetic import phonetic_words

DEFAULT_LIMIT = 50
MAX_ANCHORS = 4
MAX_ETABLISSEMENTS = 5  # établissements listed for a name that matches several
ANCHOR_SCAN = 2000  # index entries walked at most per anchor word
_HIGH = "\uffff"  # sorts after every character a key can hold

KIND_EMPTY = "vide"
KIND_DIGITS = "chiffres"
KIND_JURY = "jury"
KIND_UAI = "uai"
KIND_CODE = "identifiant"
KIND_NAME = "nom"
KIND_DATE = "date"

MATCH_SOUND = "phon."  # found by the phonetic key
MATCH_BIRTH = "naiss."
_DATE_RES = (
    re.compile(r"(?P<d>[0-9]{1,2})[/.\-](?P<m>[0-9]{1,2})[/.\-](?P<y>[0-9]{4})"),
    re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"),
)
_YEAR_RE = re.compile(r"(?:19|20)[0-9]{2}")

_JURY_RE = re.compile(r"(?:j|jury)\s*n?°?\s*([0-9]{1,4})", re.IGNORECASE)
_UAI_RE = re.compile(r"[0-9]{7}[A-Za-z]")
_CODE_RE = re.compile(r"[0-9A-Za-z]+")
_DIGITS_RE = re.compile(r"\+?[0-9][0-9 .\-/]*")
_WORD_RE = re.compile(r"[a-z0-9]+")
# Sorting on an expression: the planner cannot walk the (session, name_key) index for the order
# and filters by the foreign-key index first (a jury or an établissement: a few hundred rows).
_SORTED = "c.name_key || ''"
_FTS_READY: dict[tuple[int, str], bool] = {}  # database -> has the FTS5 name index


@dataclass(frozen=True)
class SearchHit:
    """One candidate found, with what matched (shown in the result list)."""

    candidate_id: int
    number: str
    last_name: str
    first_name: str
    birth_date: str  # JJ/MM/AAAA or ""
    series: str
    etablissement: str
    state: str
    matched: str  # "nom", "INE", "n° cand.", "tél.", "anonymat PHI", "jury 12"…


@dataclass(frozen=True)
class SearchResult:
    query: str
    kind: str
    hits: tuple[SearchHit, ...]
    elapsed_ms: float
    truncated: bool  # more candidates match than were returned


def query_kind(query: str) -> str:
    """What the typed text looks like (see the module docstring)."""
    text = query.strip()
    if not text:
        return KIND_EMPTY
    if birth_date_of(text) is not None:
        return KIND_DATE
    if _JURY_RE.fullmatch(text):
        return KIND_JURY
    if _UAI_RE.fullmatch(text):
        return KIND_UAI
    if _DIGITS_RE.fullmatch(text):
        return KIND_DIGITS
    if _CODE_RE.fullmatch(text) and any(c.isdigit() for c in text):
        return KIND_CODE
    return KIND_NAME


def birth_date_of(text: str) -> dt.date | None:
    """The date typed, JJ/MM/AAAA (also - or .) or AAAA-MM-JJ; None when it is not one."""
    for pattern in _DATE_RES:
        match = pattern.fullmatch(text.strip())
        if match is not None:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def name_words(query: str) -> list[str]:
    """The folded words of a name query ("Lefèvre-N'Diaye h" -> ["lefevre", "n", "diaye", "h"])."""
    return _WORD_RE.findall(fold(query))


def phone_digits(query: str) -> str:
    """Digits of a (possibly partial) phone number, "+33 6 12" -> "0612"."""
    raw = re.sub(r"[^0-9+]", "", query)
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        for country in ("33", "262", "590", "594", "596"):
            if raw[1:].startswith(country):
                return "0" + raw[1 + len(country) :]
        return raw[1:]
    return raw


# One hand-written statement per query shape. peewee would build the same SQL, but composing a
# query costs more than running it (about 1 ms against 0.1 ms): at one lookup per keystroke,
# each made of up to ten small queries, the SQL is written here once, with placeholders.
_COLUMNS = "c.id, c.number, c.last_name, c.first_name, c.birth_date, c.series, c.state, e.name"
_FROM = "candidate c LEFT OUTER JOIN etablissement e ON e.id = c.etablissement_id"
_FROM_ANONYMAT = _FROM + " JOIN anonymat a ON a.candidate_id = c.id"


class Cond:
    """A piece of WHERE clause with its parameters (``?`` placeholders, adapted to the base)."""

    def __init__(self, sql: str, *params: object) -> None:
        self.sql = sql
        self.params = params

    def __and__(self, other: Cond) -> Cond:
        return Cond(f"{self.sql} AND {other.sql}", *self.params, *other.params)


def _prefix(column: str, prefix: str) -> Cond:
    """An index-friendly prefix test: a range on the column (never LIKE, never startswith)."""
    return Cond(f"{column} >= ? AND {column} < ?", prefix, prefix + _HIGH)


def _word_filter(words: list[str], column: str = "c.name_key", find: str = "instr") -> Cond | None:
    """Every word must start a word of the key (tested on the rows the index range found).

    ``instr(' ' || key, ' ' || word)`` (``strpos`` on PostgreSQL): a plain substring search,
    cheaper than LIKE; the words hold only [a-z0-9], nothing to escape.
    """
    cond: Cond | None = None
    for word in words:
        test = Cond(f"{find}(' ' || {column}, ?) > 0", f" {word}")
        cond = test if cond is None else cond & test
    return cond


def _birth(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]}" if len(text) >= 10 else text


class _Collector:
    """Accumulates hits in order, without duplicates, up to the limit."""

    def __init__(self, session_id: int, limit: int) -> None:
        self.session_id = session_id
        self.limit = limit
        self.hits: list[SearchHit] = []
        self.seen: set[int] = set()
        self.truncated = False
        db = current_database()
        self.db = db
        self.param = getattr(db, "param", "?")
        self.find = "instr" if isinstance(db, pw.SqliteDatabase) else "strpos"

    def words(self, words: list[str], column: str = "c.name_key") -> Cond | None:
        return _word_filter(words, column, self.find)

    @property
    def room(self) -> int:
        return self.limit - len(self.hits)

    def rows(self, sql: str, params: Sequence[object]) -> list[tuple[object, ...]]:
        if self.param != "?":
            sql = sql.replace("?", self.param)
        return list(self.db.execute_sql(sql, tuple(params)).fetchall())

    def add(
        self,
        where: Cond,
        matched: str,
        *,
        order: str = "c.name_key",
        join_anonymat: bool = False,
        session_index: bool = True,
    ) -> None:
        """Add candidates of the session matching ``where``, up to the limit.

        ``order`` is the column the range is on (the index then gives the order, no sort).
        ``session_index=False`` when ``where`` is served by an index that does not start with the
        session (phone, anonymat, jury, établissement): the session test is then written
        ``session_id + 0 = ?`` so that the planner cannot prefer scanning the whole session.
        """
        if self.room <= 0:
            self.truncated = True
            return
        columns = _COLUMNS + (", a.epreuve_code" if join_anonymat else "")
        source = _FROM_ANONYMAT if join_anonymat else _FROM
        session = "c.session_id = ?" if session_index else "c.session_id + 0 = ?"
        where = where & self._unseen()
        sql = (
            f"SELECT {columns} FROM {source} WHERE {session} AND {where.sql} "
            f"ORDER BY {order} LIMIT ?"
        )
        # one more than the room: tells whether the list was cut
        rows = self.rows(sql, (self.session_id, *where.params, self.room + 1))
        self._take(rows, matched, join_anonymat)

    def _unseen(self) -> Cond:
        """Leave out the candidates already listed (so that LIMIT counts new ones only)."""
        if not self.seen:
            return Cond("1 = 1")
        marks = ", ".join("?" for _ in self.seen)
        return Cond(f"c.id NOT IN ({marks})", *sorted(self.seen))

    def _take(self, rows: list[tuple[object, ...]], matched: str, join_anonymat: bool) -> None:
        for row in rows:
            cid = int(row[0])  # type: ignore[call-overload]
            if cid in self.seen:
                continue
            if self.room <= 0:
                self.truncated = True
                break
            self.seen.add(cid)
            self.hits.append(
                SearchHit(
                    candidate_id=cid,
                    number=str(row[1]),
                    last_name=str(row[2]),
                    first_name=str(row[3]),
                    birth_date=_birth(row[4]),
                    series=str(row[5]),
                    state=str(row[6]),
                    etablissement=str(row[7] or ""),
                    matched=f"anon. {row[8]}" if join_anonymat else matched,
                )
            )

    def add_anchored(self, anchor: str, others: list[str]) -> None:
        """Names starting with ``anchor`` whose other words start with ``others``.

        The walk of the index range is capped at ANCHOR_SCAN entries (about a millisecond),
        whatever the session's size: when the cap cuts a large range ("mar…" at national scale)
        the result says so (truncated) and the caller types one more letter.
        """
        if self.room <= 0:
            self.truncated = True
            return
        extra = self.words(others, column="s.name_key")
        where = f"WHERE {extra.sql}" if extra else ""
        sql = (
            f"SELECT {_COLUMNS} FROM (SELECT id, name_key FROM candidate WHERE session_id = ? "
            f"AND name_key >= ? AND name_key < ? ORDER BY name_key LIMIT {ANCHOR_SCAN}) s "
            f"JOIN candidate c ON c.id = s.id "
            f"LEFT OUTER JOIN etablissement e ON e.id = c.etablissement_id "
            f"{where} ORDER BY s.name_key LIMIT ?"
        )
        before = len(self.hits)
        params = (self.session_id, anchor, anchor + _HIGH, *(extra.params if extra else ()))
        self._take(self.rows(sql, (*params, self.room + 1 + len(self.seen))), "nom", False)
        if len(self.hits) - before < self.room:
            beyond = self.first(
                "SELECT 1 FROM candidate WHERE session_id = ? AND name_key >= ? AND name_key < ? "
                f"ORDER BY name_key LIMIT 1 OFFSET {ANCHOR_SCAN}",
                (self.session_id, anchor, anchor + _HIGH),
            )
            if beyond is not None:
                self.truncated = True

    def add_born_in(self, column: str, prefix: str, year: int, matched: str) -> None:
        """Candidates whose ``column`` starts with ``prefix``, born in ``year``: the walk of the
        (session, column, birth_date) index stops at the first matches, reading no row; the
        rows are then read for those matches only."""
        if self.room <= 0:
            self.truncated = True
            return
        unseen = self._unseen()
        sql = (
            f"SELECT {_COLUMNS} FROM (SELECT id, {column} AS k FROM candidate "
            f"WHERE session_id = ? AND {column} >= ? AND {column} < ? "
            "AND birth_date >= ? AND birth_date < ? AND "
            + unseen.sql.replace("c.id", "id")
            + f" ORDER BY {column} LIMIT ?) s JOIN candidate c ON c.id = s.id "
            "LEFT OUTER JOIN etablissement e ON e.id = c.etablissement_id ORDER BY s.k"
        )
        born = (f"{year:04d}-01-01", f"{year + 1:04d}-01-01")
        params = (self.session_id, prefix, prefix + _HIGH, *born, *unseen.params)
        self._take(self.rows(sql, (*params, self.room + 1)), matched, False)

    @property
    def has_fts(self) -> bool:
        """True when the base has the FTS5 name index (SQLite, schema 3 and later)."""
        key = (id(self.db), str(getattr(self.db, "database", "")))
        known = _FTS_READY.get(key)
        if known is None:
            if isinstance(self.db, pw.SqliteDatabase):
                probe = (
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'candidate_fts'"
                )
            else:  # PostgreSQL: the GIN index of the name's words (schema 14)
                probe = "SELECT 1 FROM pg_indexes WHERE indexname = 'candidate_name_words'"
            known = bool(self.first(probe, ()))
            _FTS_READY[key] = known
        return known

    def add_fts(self, words: list[str]) -> None:
        """Names holding a word that starts with each typed word, in any order, anywhere
        (compound names too): the FTS5 index, then the session filter, LIMIT."""
        if self.room <= 0:
            self.truncated = True
            return
        if isinstance(self.db, pw.SqliteDatabase):
            match = " AND ".join(f'"{word}"*' for word in words)
            sql = (
                f"SELECT {_COLUMNS} FROM candidate_fts CROSS JOIN candidate c "
                "ON c.id = candidate_fts.rowid "
                "LEFT OUTER JOIN etablissement e ON e.id = c.etablissement_id "
                "WHERE candidate_fts MATCH ? AND c.session_id = ? AND {unseen} LIMIT ?"
            )
        else:  # the words hold only [a-z0-9]: nothing to escape in the tsquery
            match = " & ".join(f"{word}:*" for word in words)
            sql = (
                f"SELECT {_COLUMNS} FROM {_FROM} "
                "WHERE to_tsvector('simple', c.name_key) @@ to_tsquery('simple', ?) "
                "AND c.session_id = ? AND {unseen} LIMIT ?"
            )
        unseen = self._unseen()
        sql = sql.replace("{unseen}", unseen.sql)
        rows = self.rows(sql, (match, self.session_id, *unseen.params, self.room + 1))
        rows.sort(key=lambda r: (fold(str(r[2])), fold(str(r[3]))))
        self._take(rows, "nom", False)

    def first(self, sql: str, params: Sequence[object]) -> tuple[object, ...] | None:
        found = self.rows(sql, params)
        return found[0] if found else None


def lookup(session_id: int, query: str, limit: int = DEFAULT_LIMIT) -> SearchResult:
    """The candidates of the session matching what was typed, best matches first, at most ``limit``."""
    started = time.perf_counter()
    kind = query_kind(query)
    found = _Collector(session_id, limit)
    text = query.strip()
    if kind == KIND_JURY:
        match = _JURY_RE.fullmatch(text)
        assert match is not None
        _by_jury(found, int(match.group(1)))
    elif kind == KIND_UAI:
        _by_uai(found, text.upper())
    elif kind == KIND_DIGITS:
        _by_digits(found, text)
    elif kind == KIND_CODE:
        _by_code(found, text.upper())
    elif kind == KIND_DATE:
        born = birth_date_of(text)
        assert born is not None
        found.add(Cond("c.birth_date = ?", born.isoformat()), MATCH_BIRTH)
    elif kind == KIND_NAME:
        words = name_words(text)
        years = [w for w in words if _YEAR_RE.fullmatch(w)]
        names = [w for w in words if not _YEAR_RE.fullmatch(w)]
        if len(years) == 1 and names:
            _by_name_and_year(found, names, int(years[0]))
        else:
            _by_name(found, words)
    elapsed = (time.perf_counter() - started) * 1000
    return SearchResult(text, kind, tuple(found.hits), elapsed, found.truncated)


def _by_jury(found: _Collector, number: int) -> None:
    row = found.first(
        "SELECT id FROM jury WHERE session_id = ? AND number = ?", (found.session_id, number)
    )
    if row is not None:
        found.add(
            Cond("c.jury_id = ?", row[0]), f"jury {number}", order=_SORTED, session_index=False
        )


def _by_etablissement(found: _Collector, etab_id: object, rest: list[str] | None = None) -> None:
    """Candidates of an établissement by name (the (session, établissement, name) index: a
    seek, in name order); ``rest``: the start of the last name, then other words."""
    cond = Cond("c.etablissement_id = ?", etab_id)
    if rest:
        # the start of the last name first (a seek), then any word of the name (the
        # établissement's candidates: a few hundred index entries)
        extra = found.words(rest[1:])
        first = cond & _prefix("c.name_key", rest[0])
        found.add(first & extra if extra is not None else first, "établ.")
        anywhere = found.words(rest)
        assert anywhere is not None
        cond = cond & anywhere
    found.add(cond, "UAI" if rest is None else "établ.")


def _by_uai(found: _Collector, uai: str) -> None:
    row = found.first("SELECT id FROM etablissement WHERE uai = ?", (uai,))
    if row is not None:
        _by_etablissement(found, row[0])
    else:
        _by_code(found, uai)


def _by_digits(found: _Collector, text: str) -> None:
    digits = re.sub(r"[^0-9]", "", text)
    phone = phone_digits(text)
    # exact identifiers first
    found.add(Cond("c.number = ?", digits), "n° cand.", order="c.number")
    found.add(Cond("c.ine = ?", digits), "INE", order="c.ine")
    _by_anonymat(found, Cond("a.number = ?", digits))
    if len(phone) == 10:
        found.add(Cond("c.phone = ?", phone), "tél.", order="c.phone", session_index=False)
    if len(digits) <= 3:
        _by_jury(found, int(digits))
    if len(digits) < 2:
        return
    # then prefixes, each served by its index
    if phone.startswith("0") and len(phone) < 10:
        found.add(_prefix("c.phone", phone), "tél.", order="c.phone", session_index=False)
    found.add(_prefix("c.number", digits), "n° cand.", order="c.number")
    found.add(_prefix("c.ine", digits), "INE", order="c.ine")
    _by_anonymat(found, _prefix("a.number", digits))
    if len(digits) == 7:
        row = found.first(
            "SELECT id FROM etablissement WHERE uai >= ? AND uai < ? ORDER BY uai LIMIT 1",
            (digits, digits + _HIGH),
        )
        if row is not None:
            _by_etablissement(found, row[0])


def _by_anonymat(found: _Collector, where: Cond) -> None:
    found.add(where, "anonymat", order="a.number", join_anonymat=True, session_index=False)


def _by_code(found: _Collector, code: str) -> None:
    found.add(Cond("c.ine = ?", code), "INE", order="c.ine")
    _by_anonymat(found, Cond("a.number = ?", code))
    found.add(_prefix("c.ine", code), "INE", order="c.ine")
    _by_anonymat(found, _prefix("a.number", code))
    found.add(_prefix("c.number", code), "n° cand.", order="c.number")


def _by_name(found: _Collector, words: list[str]) -> None:
    if not words:
        return
    # 1. the words as typed, "last first" (also compound last names: "de la fon"), then every
    #    rotation: "helene lefevre" -> "lefevre helene", "hel lefevre" -> "lefevre hel".
    #    Each one is a seek in the (session, name_key) index.
    for index in range(len(words)):
        found.add(_prefix("c.name_key", " ".join(words[index:] + words[:index])), "nom")
    # 2. the word index (FTS5, or GIN on PostgreSQL) finds the words in any order, partial,
    #    inside compound names ("helene lef", "lef hel", "fontaine" in "de la fontaine").
    if found.has_fts:
        found.add_fts(words)
    # 2'. without that index: each word taken as the start of the last name, the others
    #    anywhere: a capped walk of the index range. A one-letter anchor would walk a 26th of
    #    the session: only real word starts, four at most.
    elif len(words) > 1:
        anchors = [i for i, w in enumerate(words) if len(w) >= 2][:MAX_ANCHORS]
        for index in anchors:
            found.add_anchored(words[index], words[:index] + words[index + 1 :])
    # 3. the names as heard: the same rotations on the phonetic key
    sounds = phonetic_words(words)
    for index in range(len(sounds)):
        rotated = " ".join(sounds[index:] + sounds[:index])
        found.add(_prefix("c.sound_key", rotated), MATCH_SOUND, order="c.sound_key")
    # 4. an établissement named by the words (or the first words; the rest narrows by name)
    if found.room > 0:
        _by_etablissement_name(found, words)


def _by_name_and_year(found: _Collector, words: list[str], year: int) -> None:
    """ "lefevre 2008": the names (folded rotations, then phonetic) of candidates born that year,
    each a walk of the (session, key, birth_date) index read from the index alone."""
    for index in range(len(words)):
        found.add_born_in("name_key", " ".join(words[index:] + words[:index]), year, "nom")
    sounds = phonetic_words(words)
    for index in range(len(sounds)):
        rotated = " ".join(sounds[index:] + sounds[:index])
        found.add_born_in("sound_key", rotated, year, MATCH_SOUND)


def _by_etablissement_name(found: _Collector, words: list[str]) -> None:
    """The first words name an établissement ("ampere", "jean moulin"), the others (if any)
    start the candidate's name: "ampere mar"."""
    index = _etablissement_index(found)
    for cut in range(len(words), 0, -1):
        etab_words, name_rest = words[:cut], words[cut:]
        if len(" ".join(etab_words)) < 3:
            return
        ids = index.matching(etab_words)
        if not ids:
            continue
        for etab_id in ids[:MAX_ETABLISSEMENTS]:
            _by_etablissement(found, etab_id, name_rest)
        if len(ids) > MAX_ETABLISSEMENTS:
            found.truncated = True  # "lycee": too many établissements, the user says which
        return


class _EtablissementIndex:
    """Word prefixes of the établissement names, in memory (a few thousand names): matching
    "jean moul" costs microseconds instead of a scan of the table at every keystroke."""

    def __init__(self, rows: Sequence[tuple[object, ...]], signature: tuple[object, ...]) -> None:
        self.signature = signature
        self.checked = time.monotonic()
        self.names: dict[int, str] = {}
        self.prefixes: dict[str, set[int]] = {}
        for etab_id, key in rows:
            ident = int(etab_id)  # type: ignore[call-overload]
            self.names[ident] = str(key or "")
            for word in self.names[ident].split():
                for end in range(1, len(word) + 1):
                    self.prefixes.setdefault(word[:end], set()).add(ident)

    def matching(self, words: list[str]) -> list[int]:
        """Ids of the établissements with a word starting with each of ``words``, by name."""
        found: set[int] | None = None
        for word in words:
            ids = self.prefixes.get(word, set())
            found = set(ids) if found is None else found & ids
            if not found:
                return []
        return sorted(found or (), key=lambda i: self.names[i])


_ETAB_INDEXES: dict[tuple[int, str], _EtablissementIndex] = {}
ETAB_INDEX_TTL = 30.0  # seconds between two checks that the table did not change


def _etablissement_index(found: _Collector) -> _EtablissementIndex:
    key = (id(found.db), str(getattr(found.db, "database", "")))
    index = _ETAB_INDEXES.get(key)
    if index is not None and time.monotonic() - index.checked < ETAB_INDEX_TTL:
        return index
    signature = found.first("SELECT COUNT(*), MAX(id), SUM(version) FROM etablissement", ()) or ()
    if index is not None and index.signature == signature:
        index.checked = time.monotonic()
        return index
    rows = found.rows(
        "SELECT e.id, e.name_key, co.name FROM etablissement e "
        "LEFT OUTER JOIN commune co ON co.id = e.commune_id",
        (),
    )
    index = _EtablissementIndex(
        [(i, f"{key} {fold(str(town or ''))}") for i, key, town in rows], signature
    )
    _ETAB_INDEXES[key] = index
    return index
