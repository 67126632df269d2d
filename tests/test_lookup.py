"""The F2 lookup service on the small demo: every identifier, accents, order, bounds, indexes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_base, register_helene

from baktui.data import db as dbmod
from baktui.data.models import Anonymat, Candidate, Etablissement, Jury
from baktui.demo import DemoSummary
from baktui.services import search
from baktui.services.registration import update_candidate
from baktui.services.search import lookup, query_kind
from baktui.services.sessions import current_session


@pytest.fixture
def session_id(demo_file: tuple[Path, DemoSummary], tmp_path: Path) -> Iterator[int]:
    """A copy of the demo, opened, with Hélène Lefèvre registered in it."""
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    info = current_session()
    assert info is not None
    register_helene(info.id)
    yield info.id
    dbmod.close_database()


def names(result: search.SearchResult) -> list[str]:
    return [f"{h.last_name} {h.first_name}" for h in result.hits]


@pytest.mark.parametrize(
    "typed",
    [
        "helene lefev",  # no accents, first name first, surname cut
        "HÉLENE LEFEVRE",
        "Lefèvre Hélène",
        "lefevre hel",
        "hél lefèvre",
        "lef hel",  # both cut
        "  helene   lefevre  ",
    ],
)
def test_a_name_is_found_whatever_the_accents_case_and_order(session_id: int, typed: str) -> None:
    result = lookup(session_id, typed)
    assert result.kind == search.KIND_NAME
    assert "Lefèvre Hélène" in names(result), names(result)
    assert result.hits[0].matched == "nom" or "Lefèvre Hélène" in names(result)


def test_exact_order_comes_first_and_results_are_bounded(session_id: int) -> None:
    result = lookup(session_id, "lefevre helene")
    assert names(result)[0] == "Lefèvre Hélène"
    wide = lookup(session_id, "m", limit=10)
    assert len(wide.hits) == 10 and wide.truncated
    assert len(lookup(session_id, "a").hits) <= search.DEFAULT_LIMIT


def test_identifiers_each_find_the_candidate(session_id: int) -> None:
    helene = Candidate.get(Candidate.ine == "123456789AB")
    assert [h.candidate_id for h in lookup(session_id, helene.number).hits][:1] == [helene.id]
    assert helene.id in [h.candidate_id for h in lookup(session_id, helene.number[:7]).hits]
    assert lookup(session_id, "123456789ab").hits[0].candidate_id == helene.id  # lower case
    assert lookup(session_id, "123456789ab").hits[0].matched == "INE"
    for phone in ("06 12 34 56 78", "+33 6 12 34 56 78", "06.12.34.56.78", "0033612345678"):
        hits = lookup(session_id, phone).hits
        assert helene.id in [h.candidate_id for h in hits], phone
        assert hits[0].matched == "tél."
    assert helene.id in [h.candidate_id for h in lookup(session_id, "06 12 34").hits]


def test_anonymity_jury_and_etablissement(session_id: int) -> None:
    anon = Anonymat.select().first()
    hits = lookup(session_id, anon.number).hits
    assert hits[0].candidate_id == anon.candidate_id
    assert hits[0].matched == f"anon. {anon.epreuve_code}"
    jury = Jury.select().where(Jury.session == session_id).first()
    for typed in (f"J{jury.number}", f"jury {jury.number}", f"j {jury.number}"):
        result = lookup(session_id, typed)
        assert result.kind == search.KIND_JURY
        assert result.hits and all(h.matched == f"jury {jury.number}" for h in result.hits)
        ids = [h.candidate_id for h in result.hits]
        assert (
            Candidate.select().where(Candidate.id.in_(ids), Candidate.jury != jury.id).count() == 0
        )
    etab = (
        Etablissement.select()
        .join(Candidate, on=Candidate.etablissement == Etablissement.id)
        .first()
    )
    by_uai = lookup(session_id, etab.uai.lower())
    assert by_uai.kind == search.KIND_UAI and by_uai.hits
    assert {h.etablissement for h in by_uai.hits} == {etab.name}
    assert [h.last_name for h in by_uai.hits] == sorted(
        (h.last_name for h in by_uai.hits), key=lambda n: search.fold(n)
    )
    words = etab.name_key.split()  # "lycee saint louis": the distinctive words come last
    member = Candidate.select().where(Candidate.etablissement == etab.id).first()
    narrowed = lookup(session_id, f"{' '.join(words[-2:])} {search.fold(member.last_name)[:3]}")
    assert member.id in [h.candidate_id for h in narrowed.hits]


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "%", "_", "'", "'; DROP TABLE candidate; --", "é" * 500, "\x00", "+", "J99999", "0",
     "jury", "**", "a b c d e f g h", "06", "0" * 40, "ÆØß", "🙂"],
)  # fmt: skip
def test_anything_typed_is_answered_without_error(session_id: int, typed: str) -> None:
    result = lookup(session_id, typed)
    assert len(result.hits) <= search.DEFAULT_LIMIT
    assert Candidate.select().count() > 0  # nothing was dropped


def test_queries_kinds() -> None:
    assert query_kind("260001234") == search.KIND_DIGITS
    assert query_kind("+33 6 12") == search.KIND_DIGITS
    assert query_kind("0750655E") == search.KIND_UAI
    assert query_kind("123456789AB") == search.KIND_CODE
    assert query_kind("J12") == search.KIND_JURY
    assert query_kind("jury n° 4") == search.KIND_JURY
    assert query_kind("Lefèvre") == search.KIND_NAME
    assert query_kind("  ") == search.KIND_EMPTY


def _statements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[object, ...]]]:
    seen: list[tuple[str, tuple[object, ...]]] = []
    original = search._Collector.rows

    def spy(self: search._Collector, sql: str, params: object) -> list[tuple[object, ...]]:
        seen.append((sql, tuple(params)))  # type: ignore[arg-type]
        return original(self, sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(search._Collector, "rows", spy)
    return seen


@pytest.mark.sqlite_only("les plans de requête de SQLite (EXPLAIN QUERY PLAN)")
def test_every_statement_is_served_by_an_index(
    session_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No query of the lookup walks the candidate table (EXPLAIN QUERY PLAN)."""
    seen = _statements(monkeypatch)
    helene = Candidate.get(Candidate.ine == "123456789AB")
    jury = Jury.select().first()
    etab = Etablissement.select().first()
    anon = Anonymat.select().first()
    for typed in ("helene lef", "lef hel", "lefevre", "m", helene.number, helene.number[:6],
                  "06 12 34 56 78", "0612", anon.number, f"J{jury.number}", etab.uai,
                  f"{etab.name_key.split()[-1]} mar", "123456789AB", "1234"):  # fmt: skip
        lookup(session_id, typed)
    db = dbmod.current_database()
    assert len(seen) > 20
    for sql, params in seen:
        plan = " | ".join(r[-1] for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert not re.search(r"SCAN (c|candidate)\b(?! USING)", plan), (sql, plan)
        assert "SCAN candidate " not in plan or "COVERING INDEX" in plan, (sql, plan)


def test_the_name_index_follows_renames_and_new_candidates(session_id: int) -> None:
    helene = Candidate.get(Candidate.ine == "123456789AB")
    update_candidate(helene.id, {"last_name": "Dupré-Lefèvre"})
    assert "Dupré-Lefèvre Hélène" in names(lookup(session_id, "helene dupr"))
    assert "Dupré-Lefèvre Hélène" in names(lookup(session_id, "lefevre hel"))  # inside the name
    assert all(n != "Lefèvre Hélène" for n in names(lookup(session_id, "lefevre helene")))


def test_without_fts_the_ranges_still_find_names(
    session_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PostgreSQL path (no FTS5): rotations and anchored ranges."""
    monkeypatch.setattr(search._Collector, "has_fts", property(lambda self: False))
    for typed in ("helene lefev", "lef hel", "lefevre helene", "hel lefevre"):
        assert "Lefèvre Hélène" in names(lookup(session_id, typed)), typed


@pytest.mark.sqlite_only("l'index FTS5 de SQLite, refait par la migration 3")
def test_a_base_from_before_the_name_index_gets_it_when_opened(
    demo_file: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    """Schema 2 -> 3: the FTS5 index is built from the existing candidates, then kept up."""
    path = copy_base(demo_file[0], tmp_path / "old.sqlite")
    db = dbmod.open_database(str(path))
    for trigger in ("candidate_fts_insert", "candidate_fts_delete", "candidate_fts_update"):
        db.execute_sql(f"DROP TRIGGER {trigger}")
    db.execute_sql("DROP TABLE candidate_fts")
    db.execute_sql("DROP INDEX candidate_session_id_etablissement_id_name_key")
    db.execute_sql("UPDATE schema_version SET version = 2")
    dbmod.close_database()
    search._FTS_READY.clear()
    dbmod.open_database(str(path))
    info = current_session()
    assert info is not None
    someone = Candidate.select().order_by(Candidate.id.desc()).first()
    first, last = search.fold(someone.first_name), search.fold(someone.last_name)
    typed = f"{first} {last[:3]}"
    assert someone.id in [h.candidate_id for h in lookup(info.id, typed).hits], typed
    names = {i.name for i in dbmod.current_database().get_indexes("candidate")}
    assert "candidate_session_id_etablissement_id_name_key" in names
