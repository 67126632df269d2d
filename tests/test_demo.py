"""The demo académie: deterministic, realistic, with its seeded anomalies (600 candidates: fast)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from baktui.data import db as dbmod
from baktui.data.models import Registration
from baktui.demo import SMALL_CANDIDATES, DemoSummary, anomalies, build_demo, default_demo_path
from baktui.demo.anomalies import DEMO_ANOMALIES
from baktui.demo.build import build_small_demo
from baktui.demo.bulk import Table
from baktui.demo.calendar import weekdays, written_day, written_epreuves
from baktui.demo.names import Picker
from baktui.demo.population import largest_remainder
from baktui.rules import decision, deliberation, identifiers, registration
from baktui.rules.examiners import teaches
from baktui.rules.grades import Grade
from baktui.rules.regulation import load_regulation

pytestmark = pytest.mark.sqlite_only(
    "baktui demo construit un fichier SQLite (et ce test le lit avec sqlite3)"
)

SEED = 7
REG = load_regulation(2026)
# values that legitimately differ between two builds: when and by whom
VOLATILE = {
    "audit_log": {"at", "who", "chain"},  # the seals cover when and who
    "exam_session": {"opened_at", "opened_by"},
    "schema_version": {"applied_at"},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, DemoSummary]]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    summary = build_small_demo(str(path), seed=SEED)
    dbmod.close_database()
    yield path, summary


@pytest.fixture(scope="module")
def con(demo: tuple[Path, DemoSummary]) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(demo[0])
    yield connection
    connection.close()


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                # the lookup's FTS5 index (schema 3) is derived from candidate.name_key
                " AND name NOT LIKE 'candidate_fts%'"
            )
        ]
        dump: dict[str, list[tuple[object, ...]]] = {}
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c not in VOLATILE.get(table, set())]
            select = ", ".join(f'"{c}"' for c in kept)
            rows = connection.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid').fetchall()
            if table == "audit_log":  # the registre's creation entry lists its opening time
                rows = [r for r in rows if "opened_at=" not in str(r)]
            dump[table] = rows
        return dump
    finally:
        connection.close()


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_data_other_seed_other_data(
    demo: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    path, summary = demo
    again = tmp_path / "again.sqlite"
    summary_again = build_demo(str(again), seed=SEED, candidates=SMALL_CANDIDATES)
    other = tmp_path / "other.sqlite"
    build_demo(str(other), seed=SEED + 1, candidates=SMALL_CANDIDATES)
    dbmod.close_database()
    first, second = _dump(path), _dump(again)
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], table
    assert summary_again.anomalies == summary.anomalies
    assert _dump(other)["candidate"] != first["candidate"]


def test_rebuild_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    path.write_text("pas une base")
    Path(f"{path}-wal").write_text("vieux journal")
    summary = build_demo(str(path), candidates=150, seed=1)
    dbmod.close_database()
    assert summary.candidates == 150
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM candidate").fetchone() == (150,)


def test_interrupted_build_leaves_no_half_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"

    def stop(message: str) -> None:
        if message.startswith("Candidats"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_demo(str(path), candidates=150, progress=stop)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("demo")] == []


def test_default_demo_path_depends_on_size() -> None:
    assert default_demo_path(12_000).name == "demo.sqlite"
    assert default_demo_path(700_000).name == "demo-700000.sqlite"
    assert default_demo_path(12_000).parent == default_demo_path(700_000).parent


# --- the builder's small pieces (hand-computed) --------------------------------------------------


def test_largest_remainder_splits_exactly() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]  # ties go to the first
    assert largest_remainder(7, [0.5, 0.25, 0.25]) == [3, 2, 2]  # 3.5, 1.75, 1.75
    assert largest_remainder(5, []) == []
    assert sum(largest_remainder(12_000, [0.4, 0.2, 0.17, 0.08, 0.06, 0.05, 0.04])) == 12_000


def test_picker_follows_the_weights() -> None:
    picker = Picker.weighted({"a": 1, "b": 3})
    draws = [picker(lambda x=x: x) for x in (0.0, 0.24, 0.25, 0.99)]
    assert draws == ["a", "a", "b", "b"]
    ranked = Picker(["first", "second"])  # no weights: by rank, 1/8 and 1/9: 9/17 of the draws
    assert ranked(lambda: 0.52) == "first" and ranked(lambda: 0.54) == "second"


def test_spoilers_make_what_the_checks_refuse() -> None:
    good = "123456789AB"
    assert identifiers.ine_error(good) is None
    assert anomalies.invalid_ine(good, 1) == "123456789IO"
    assert anomalies.invalid_ine(good, 2) == "123456789X"
    assert identifiers.ine_error(anomalies.invalid_ine(good, 1))
    assert identifiers.ine_error(anomalies.invalid_ine(good, 2))
    assert anomalies.short_postcode("69003") == "6903"
    assert anomalies.email_without_domain("lea.durand@gmail.com") == "lea.durand@gmail"
    assert identifiers.email_error("lea.durand@gmail")
    assert anomalies.too_many_options(["ARTS", "LATIN"], 2) == "ARTS-T,LATIN-T,ARTS-T"


def test_calendar() -> None:
    assert written_day("SP2") == dt.date(2026, 6, 17)
    assert written_day("XYZ") == written_day("PHI")  # a written épreuve without its own day
    assert weekdays(dt.date(2026, 6, 26), 3) == [  # Friday, then Monday and Tuesday
        dt.date(2026, 6, 26),
        dt.date(2026, 6, 29),
        dt.date(2026, 6, 30),
    ]
    assert written_epreuves(REG) == ["FRE", "PHI", "SP1", "SP2"]


def test_bulk_table_writes_the_model_defaults_in_the_statement() -> None:
    table = Table(Registration, ("candidate", "epreuve_code"))
    assert table.sql == (
        'INSERT INTO "registration" ("candidate_id", "epreuve_code", "option_name") '
        "VALUES (?, ?, '')"
    )
    with pytest.raises(ValueError, match="Registration.epreuve_code"):
        Table(Registration, ("candidate",))


# --- volumes and integrity ----------------------------------------------------------------------


def test_counts_are_roughly_as_asked(
    demo: tuple[Path, DemoSummary], con: sqlite3.Connection
) -> None:
    _, summary = demo

    def count(table: str, where: str = "1") -> int:
        return con.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0]

    assert summary.candidates == count("candidate") == SMALL_CANDIDATES
    assert summary.etablissements == count("etablissement") >= 10
    assert count("etablissement", "kind = 'cned'") == 1
    assert count("etablissement", "sector = 'prive_sous_contrat'") >= 1
    assert summary.centres == count("centre") >= 4
    assert count("centre", "is_deliberation") >= 1 and count("centre", "is_correction") >= 1
    assert count("room") >= summary.centres
    assert summary.examiners == count("examiner") >= 30
    assert summary.juries == count("jury") >= 7
    assert summary.lots == count("lot") > 0
    assert summary.grades == count("grade")
    assert summary.claims == count("expense_claim") >= 10
    assert count("commune") >= 40 and count("commune_distance") > 0
    assert count("expense_rate") >= 20
    status = Counter(r[0] for r in con.execute("SELECT status FROM candidate"))
    assert 0.88 < status["scolaire"] / SMALL_CANDIDATES < 0.96
    assert {"individuel", "cned", "formation_continue"} <= set(status)
    assert str(summary).startswith("600 candidats, ")
    assert "jurys" in str(summary)


def test_schema_is_intact(con: sqlite3.Connection, tmp_path: Path) -> None:
    """Foreign keys hold and every index of the schema exists (they are rebuilt after the bulk)."""
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    fresh = tmp_path / "fresh.sqlite"
    dbmod.open_database(str(fresh), create=True)
    dbmod.close_database()
    query = "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
    with sqlite3.connect(fresh) as empty:
        expected = [r[0] for r in empty.execute(query)]
    assert [r[0] for r in con.execute(query)] == expected


def test_every_uai_is_valid_and_names_are_folded(con: sqlite3.Connection) -> None:
    for uai, name, key in con.execute("SELECT uai, name, name_key FROM etablissement"):
        assert identifiers.uai_error(uai) is None, uai
        assert key == identifiers.fold(name)
    for last, first, key in con.execute("SELECT last_name, first_name, name_key FROM candidate"):
        assert key == identifiers.fold(f"{last} {first}")


def test_names_are_french_with_accents(con: sqlite3.Connection) -> None:
    names = {f"{r[0]} {r[1]}" for r in con.execute("SELECT last_name, first_name FROM candidate")}
    text = " ".join(names)
    assert any(ch in text for ch in "éèêëïôœç")
    assert "-" in text


def test_all_series_with_their_sub_choices(con: sqlite3.Connection) -> None:
    rows = con.execute("SELECT series, sub_choice, lva, lvb, options FROM candidate").fetchall()
    series = Counter(r[0] for r in rows)
    assert set(series) == set(REG.series_codes)
    assert 0.33 < series["STMG"] / len(rows) < 0.47
    for code, sub_choice, lva, lvb, _options in rows:
        rule = REG.series_rule(code)
        assert (sub_choice in rule.sub_choices) if rule.sub_choices else sub_choice == ""
        assert lva in REG.languages
        assert lvb == "" or (lvb in REG.languages and lvb != lva)
    assert any(r[4] for r in rows)


def test_candidate_fields(con: sqlite3.Connection) -> None:
    rows = con.execute(
        "SELECT number, ine, phone, state, dossier, status, etablissement_id, jury_id FROM candidate"
    ).fetchall()
    numbers = {r[0] for r in rows}
    assert len(numbers) == len(rows)
    assert registration.candidate_number(2026, 1) in numbers
    bad_ine = sum(1 for r in rows if identifiers.ine_error(r[1]))
    assert 0 < bad_ine <= 5
    assert all(r[2] == "" or (r[2].isdigit() and r[2][:2] in ("06", "07")) for r in rows)
    states = Counter(r[3] for r in rows)
    assert states["validee"] > 0.9 * len(rows)
    assert all(r[7] is not None for r in rows)
    for _n, _i, _p, _s, dossier, status, etab, _j in rows:
        if status == "scolaire":
            assert dossier == "" and etab is not None
        else:
            pieces = json.loads(dossier)
            assert set(pieces) == {k for k, _ in registration.dossier_pieces(status, False)} | (
                set(pieces) & {"certificat_eps"}
            )
        if status == "individuel":
            assert etab is None


def test_registrations_follow_the_regulation(con: sqlite3.Connection) -> None:
    codes: dict[int, set[str]] = defaultdict(set)
    for cid, code in con.execute("SELECT candidate_id, epreuve_code FROM registration"):
        codes[cid].add(code)
    options = dict(con.execute("SELECT id, options FROM candidate"))
    for cid, registered in codes.items():
        entries = registration.parse_options(options[cid])
        assert registered == {code for code, _ in registration.epreuves_for(REG, entries)}


# --- lots, anonymity, correcteurs ----------------------------------------------------------------


def test_anonymity_numbers_unique_per_epreuve_and_not_derivable(con: sqlite3.Connection) -> None:
    rows = con.execute(
        "SELECT a.epreuve_code, a.number, c.number, c.id FROM anonymat a "
        "JOIN candidate c ON c.id = a.candidate_id ORDER BY a.epreuve_code, c.id"
    ).fetchall()
    by_code: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, anonymat, candidate, _cid in rows:
        by_code[code].append((anonymat, candidate))
    assert set(by_code) == {r.code for r in REG.base_epreuves if r.written}
    for code, pairs in by_code.items():
        numbers = [a for a, _ in pairs]
        assert len(set(numbers)) == len(numbers), code
        assert all(len(a) == 8 and a.isdigit() for a in numbers)
        assert all(a not in c and c[-8:] != a for a, c in pairs)
        # in candidate order the numbers go up about as often as down: no order is kept
        ups = sum(1 for x, y in zip(numbers, numbers[1:], strict=False) if y > x)
        assert 0.35 < ups / (len(numbers) - 1) < 0.65, code
    # different épreuves give different numbers to the same candidate
    fre = {c: a for a, c in by_code["FRE"]}
    phi = {c: a for a, c in by_code["PHI"]}
    assert sum(1 for c in fre if phi.get(c) == fre[c]) == 0


def test_lots_have_matching_correcteurs_never_from_a_copy_etablissement(
    con: sqlite3.Connection,
) -> None:
    lots = con.execute(
        "SELECT l.id, l.epreuve_code, l.correcteur_id, e.disciplines, e.etablissement_id, "
        "e.corps FROM lot l JOIN examiner e ON e.id = l.correcteur_id"
    ).fetchall()
    assert lots
    sizes = dict(con.execute("SELECT code, lot_size FROM epreuve WHERE lot_size IS NOT NULL"))
    copies: dict[int, list[tuple[int | None, str, int]]] = defaultdict(list)
    for lot, etab, series, position in con.execute(
        "SELECT a.lot_id, c.etablissement_id, c.series, a.position FROM anonymat a "
        "JOIN candidate c ON c.id = a.candidate_id"
    ):
        copies[lot].append((etab, series, position))
    for lot, code, _correcteur, disciplines, correcteur_etab, corps in lots:
        in_lot = copies[lot]
        assert 0 < len(in_lot) <= sizes[code]
        assert sorted(p for _, _, p in in_lot) == list(range(1, len(in_lot) + 1))
        assert correcteur_etab not in {etab for etab, _, _ in in_lot}, lot
        assert len({s for _, s, _ in in_lot}) == 1 or code in ("FRE", "PHI")
        assert all(teaches(disciplines, code, (s,)) for _, s, _ in in_lot), (disciplines, code)
        assert corps not in ("PU", "MCF")
    assert con.execute("SELECT COUNT(*) FROM anonymat WHERE lot_id IS NULL").fetchone() == (0,)
    kinds = dict(
        con.execute("SELECT lot_id, COUNT(*) FROM assignment WHERE kind = 'correction' GROUP BY 1")
    )
    assert set(kinds) == {lot[0] for lot in lots}
    assert all(sizes[code] in range(80, 101) for code in sizes)


def test_disciplines_convention() -> None:
    assert teaches("FRE,FRO", "FRO")
    assert teaches("SP1:STMG,SP2:STMG,GO", "SP2", ("STMG",))
    assert not teaches("SP1:STMG", "SP1", ("STI2D",))
    assert teaches("PHI", "PHI", ("ST2S",))
    assert not teaches("PHI,GO", "FRE")


# --- grades -------------------------------------------------------------------------------------


def test_grades_partly_entered_with_codes_and_precisions(con: sqlite3.Connection) -> None:
    grades = con.execute(
        "SELECT g.epreuve_code, g.value_centi, g.code, g.kept_session, g.source, c.series "
        "FROM grade g JOIN candidate c ON c.id = g.candidate_id"
    ).fetchall()
    cc = {r.code for r in REG.epreuves if r.kind == "cc"}
    codes = Counter(r[2] for r in grades if r[2])
    assert codes["ABS"] > 0 and codes["AJ"] > 0 and codes["DI"] > 0
    assert {r[4] for r in grades} == {"demo"}
    for code, value, _grade_code, kept, _source, series in grades:
        if value is None:
            continue
        assert 0 <= value <= 2000
        assert value % (10 if code in cc else 100) == 0, (code, value)
        if kept:
            assert kept == 2025 and value >= 1000
        assert not (code == "SP1" and series in ("ST2S", "STHR"))
    parts = con.execute("SELECT epreuve_code, part_code, value_centi FROM grade_part").fetchall()
    assert {p[1] for p in parts} == {"CHI", "BPH", "STC", "STS"}
    assert all(p[2] is None or p[2] % 50 == 0 for p in parts)
    assert any(p[2] is not None and p[2] % 100 == 50 for p in parts)
    values = [r[1] for r in grades if r[1] is not None and not r[3]]
    mean = sum(values) / len(values) / 100
    assert 10 < mean < 12.5
    # every EPS inapte has DI on EPS
    inaptes = con.execute(
        "SELECT COUNT(*) FROM candidate c WHERE eps_inapte AND eps_certificate AND NOT EXISTS "
        "(SELECT 1 FROM grade g WHERE g.candidate_id = c.id AND g.epreuve_code = 'EPS' "
        "AND g.code = 'DI')"
    ).fetchone()
    assert inaptes == (0,)
    kept = con.execute(
        "SELECT COUNT(*) FROM registration r JOIN grade g ON g.candidate_id = r.candidate_id "
        "AND g.epreuve_code = r.epreuve_code WHERE r.kept_session = 2025 AND g.kept_session = 2025"
    ).fetchone()[0]
    assert kept > 0


def test_missing_grades_exist(demo: tuple[Path, DemoSummary], con: sqlite3.Connection) -> None:
    _, summary = demo
    missing = con.execute(
        "SELECT r.epreuve_code, COUNT(*) FROM registration r WHERE r.epreuve_code IN "
        "('FRE', 'FRO', 'PHI', 'GO', 'SP1', 'SP2') AND NOT EXISTS (SELECT 1 FROM grade g "
        "WHERE g.candidate_id = r.candidate_id AND g.epreuve_code = r.epreuve_code) "
        "AND NOT EXISTS (SELECT 1 FROM grade_part p WHERE p.candidate_id = r.candidate_id "
        "AND p.epreuve_code = r.epreuve_code) GROUP BY 1"
    ).fetchall()
    total_missing = sum(n for _, n in missing)
    assert total_missing == summary.missing_grades > 0
    terminal = SMALL_CANDIDATES * 6
    assert 0.03 < total_missing / terminal < 0.2
    states = Counter(r[0] for r in con.execute("SELECT state FROM lot"))
    assert states["saisi"] > 0 and states["distribue"] > 0
    # an unkeyed lot has no grade at all; a keyed lot has its control totals
    for lot_id, state, control in con.execute("SELECT id, state, control_copies FROM lot"):
        keyed = con.execute(
            "SELECT COUNT(*) FROM anonymat a WHERE a.lot_id = ? AND (EXISTS (SELECT 1 FROM grade g "
            "WHERE g.candidate_id = a.candidate_id AND g.epreuve_code = a.epreuve_code) OR EXISTS "
            "(SELECT 1 FROM grade_part p WHERE p.candidate_id = a.candidate_id AND "
            "p.epreuve_code = a.epreuve_code))",
            (lot_id,),
        ).fetchone()[0]
        if state == "distribue":
            assert keyed == 0 and control is None
        elif state == "saisi":
            assert keyed == control


def test_deliberation_gives_a_plausible_mix(con: sqlite3.Connection) -> None:
    """Through the real rules: every decision appears, most complete files are ADMIS."""
    rows = con.execute("SELECT id, series, eps_inapte FROM candidate").fetchall()
    registered: dict[int, list[str]] = defaultdict(list)
    kept: dict[int, set[str]] = defaultdict(set)
    for cid, code, session in con.execute(
        "SELECT candidate_id, epreuve_code, kept_session FROM registration"
    ):
        registered[cid].append(code)
        if session:
            kept[cid].add(code)
    grades: dict[int, dict[str, Grade | None]] = defaultdict(dict)
    for cid, code, value, grade_code in con.execute(
        "SELECT candidate_id, epreuve_code, value_centi, code FROM grade"
    ):
        grades[cid][code] = Grade(code=grade_code) if grade_code else Grade.of(Fraction(value, 100))
    parts: dict[tuple[int, str], dict[str, Grade]] = defaultdict(dict)
    for cid, code, part, value, grade_code in con.execute(
        "SELECT candidate_id, epreuve_code, part_code, value_centi, code FROM grade_part"
    ):
        parts[(cid, code)][part] = (
            Grade(code=grade_code) if grade_code else Grade.of(Fraction(value, 100))
        )
    series_of = {cid: series for cid, series, _ in rows}
    for (cid, code), values in parts.items():
        grades[cid][code] = deliberation.speciality_grade(REG, series_of[cid], code, values)
    decisions = Counter(
        deliberation.deliberate(
            REG,
            deliberation.CandidateFile(
                series=series,
                grades=grades[cid],
                registered=registered[cid],
                kept=frozenset(kept[cid]),
                eps_inapte=bool(inapte),
            ),
        ).decision
        for cid, series, inapte in rows
    )
    assert set(decisions) == set(decision.DECISIONS)
    complete = len(rows) - decisions[decision.INCOMPLET]
    assert 0.6 < decisions[decision.ADMIS] / complete < 0.85
    assert decisions[decision.INCOMPLET] < 0.35 * len(rows)


# --- juries and examiners ------------------------------------------------------------------------


def test_juries(con: sqlite3.Connection) -> None:
    juries = con.execute(
        "SELECT j.id, j.series_codes, j.president_id, p.corps, j.vice_president_id, c.is_deliberation "
        "FROM jury j JOIN examiner p ON p.id = j.president_id JOIN centre c ON c.id = j.centre_id"
    ).fetchall()
    assert {j[1] for j in juries} == set(REG.series_codes)
    members = Counter(r[0] for r in con.execute("SELECT jury_id FROM jury_member"))
    seats = Counter(r[0] for r in con.execute("SELECT examiner_id FROM jury_member"))
    assert max(seats.values()) == 1
    for jury, _series, president, corps, vice, is_deliberation in juries:
        assert corps in ("PU", "MCF") and is_deliberation
        assert 4 <= members[jury] <= 6
        roles = dict(
            con.execute("SELECT examiner_id, role FROM jury_member WHERE jury_id = ?", (jury,))
        )
        assert roles[president] == "president" and roles[vice] == "vice_president"
    # candidates of one établissement and series sit in one jury of their series
    for etab, series, n_juries in con.execute(
        "SELECT etablissement_id, series, COUNT(DISTINCT jury_id) FROM candidate "
        "WHERE status = 'scolaire' GROUP BY 1, 2"
    ):
        assert n_juries == 1, (etab, series)
    assert con.execute(
        "SELECT COUNT(*) FROM candidate c JOIN jury j ON j.id = c.jury_id "
        "WHERE j.series_codes != c.series"
    ).fetchone() == (0,)


def test_examiners_and_assignments(con: sqlite3.Connection) -> None:
    corps = Counter(r[0] for r in con.execute("SELECT corps FROM examiner"))
    assert corps["PU"] + corps["MCF"] >= 7 and corps["PROFESSIONNEL"] > 0
    assert corps["AGREGE"] > 0 and corps["CERTIFIE"] > 0
    for last, first, key in con.execute("SELECT last_name, first_name, name_key FROM examiner"):
        assert key == identifiers.fold(f"{last} {first}")
    kinds = Counter(r[0] for r in con.execute("SELECT kind FROM assignment"))
    assert kinds["correction"] and kinds["oral"] and kinds["jury"]
    oral = con.execute(
        "SELECT DISTINCT epreuve_code FROM assignment WHERE kind = 'oral' AND hours_centi > 0"
    ).fetchall()
    assert {r[0] for r in oral} == {"GO", "FRO"}
    # nobody holds two orals on the same day
    assert con.execute(
        "SELECT COUNT(*) FROM (SELECT examiner_id, day FROM assignment WHERE kind = 'oral' "
        "GROUP BY 1, 2 HAVING COUNT(*) > 1)"
    ).fetchone() == (0,)
    # loads stay within what each examiner accepts
    assert con.execute(
        "SELECT COUNT(*) FROM (SELECT l.correcteur_id FROM lot l JOIN anonymat a ON a.lot_id = l.id "
        "JOIN examiner e ON e.id = l.correcteur_id GROUP BY 1 HAVING COUNT(*) > MAX(e.max_copies))"
    ).fetchone() == (0,)
    assert con.execute(
        "SELECT COUNT(*) FROM (SELECT a.examiner_id FROM assignment a JOIN examiner e "
        "ON e.id = a.examiner_id WHERE a.kind = 'oral' GROUP BY 1 "
        "HAVING SUM(a.hours_centi) > MAX(e.max_oral_hours) * 100)"
    ).fetchone() == (0,)
    absences = con.execute("SELECT resolved FROM absence").fetchall()
    assert {r[0] for r in absences} == {0, 1}
    assert con.execute("SELECT COUNT(*) FROM assignment WHERE replaces_id IS NOT NULL").fetchone()[
        0
    ] == sum(r[0] for r in absences)


def test_expense_rates_and_claims(con: sqlite3.Connection) -> None:
    rates = con.execute(
        "SELECT kind, key, amount, valid_from, valid_to FROM expense_rate"
    ).fetchall()
    current = {(k, key): Decimal(a) for k, key, a, _f, to in rates if to is None}
    assert current[("km", "cv<=5:0-2000")] == Decimal("0.32")
    assert current[("km", "cv>=8:10001+")] == Decimal("0.32")
    assert current[("meal", "repas")] == Decimal("20.00")
    assert current[("night", "paris")] == Decimal("140.00")
    assert current[("copy", "bac")] == Decimal("5.00")
    assert current[("oral_hour", "obligatoire")] == Decimal("9.60")
    claims = con.execute("SELECT id, state, total_centi FROM expense_claim").fetchall()
    assert {c[1] for c in claims} == {"declaree", "service_fait"}
    for claim_id, _state, total in claims:
        lines = con.execute(
            "SELECT SUM(amount_centi) FROM expense_line WHERE claim_id = ?", (claim_id,)
        ).fetchone()[0]
        assert lines == total
    assert con.execute(
        "SELECT COUNT(*) FROM expense_claim c WHERE NOT EXISTS "
        "(SELECT 1 FROM claim_mission m WHERE m.claim_id = c.id)"
    ).fetchone() == (0,)
    kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM expense_line")}
    assert {"car", "meal", "copies"} <= kinds


# --- anomalies and audit -------------------------------------------------------------------------


def test_seeded_anomalies_are_present(
    demo: tuple[Path, DemoSummary], con: sqlite3.Connection
) -> None:
    _, summary = demo
    assert set(summary.anomalies) == set(DEMO_ANOMALIES)
    assert all(summary.anomalies[k] for k in DEMO_ANOMALIES), summary.anomalies

    def candidates(kind: str) -> list[tuple[object, ...]]:
        marks = ",".join("?" * len(summary.anomalies[kind]))
        return con.execute(
            "SELECT ine, lvb, options, status, state, dossier, centre_id, postcode, email "
            f"FROM candidate WHERE number IN ({marks})",
            summary.anomalies[kind],
        ).fetchall()

    assert all(identifiers.ine_error(r[0]) for r in candidates("ine_invalide"))
    assert all(r[1] == "" for r in candidates("lvb_manquante"))
    for row in candidates("options_en_trop"):
        assert registration.option_errors(REG, registration.parse_options(str(row[2])))
    for _ine, _lvb, _o, status, state, dossier, *_ in candidates("dossier_incomplet"):
        assert status == "individuel" and state == "validee"
        assert not all(json.loads(str(dossier)).values())
    assert all(r[6] is None for r in candidates("sans_centre"))
    assert all(identifiers.postcode_error(str(r[7])) for r in candidates("code_postal_invalide"))
    assert all(identifiers.email_error(str(r[8])) for r in candidates("courriel_invalide"))
    duplicated_people = con.execute(
        "SELECT COUNT(*) FROM (SELECT name_key, birth_date FROM candidate "
        "GROUP BY 1, 2 HAVING COUNT(DISTINCT ine) > 1)"
    ).fetchone()[0]
    assert duplicated_people >= len(summary.anomalies["doublon_candidat"])
    duplicated_ines = con.execute(
        "SELECT COUNT(*) FROM (SELECT ine FROM candidate GROUP BY 1 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert duplicated_ines >= len(summary.anomalies["ine_en_double"])
    # expenses: a line on a day without convocation, a line twice, a night without receipt
    orphan = con.execute(
        "SELECT COUNT(*) FROM expense_line l JOIN expense_claim c ON c.id = l.claim_id "
        "WHERE l.kind != 'night' AND NOT EXISTS (SELECT 1 FROM assignment a "
        "WHERE a.examiner_id = c.examiner_id AND a.day = l.day)"
    ).fetchone()[0]
    assert orphan >= 1
    doubled = con.execute(
        "SELECT COUNT(*) FROM (SELECT claim_id, day, kind, km, amount_centi FROM expense_line "
        "GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert doubled >= 1
    assert (
        con.execute(
            "SELECT COUNT(*) FROM expense_line WHERE kind = 'night' AND NOT receipt"
        ).fetchone()[0]
        >= 1
    )
    setting = json.loads(con.execute("SELECT value FROM setting WHERE key = 'demo'").fetchone()[0])
    assert setting["seed"] == SEED and setting["anomalies"]["sans_centre"]


def test_bulk_creations_are_audited(con: sqlite3.Connection) -> None:
    events = [
        r[0] for r in con.execute("SELECT after FROM audit_log WHERE action = 'event' ORDER BY id")
    ]
    assert "démo : 600 candidats créés" in " ".join(events)
    assert any("établissements créés" in e for e in events)
    assert any("examinateurs créés" in e for e in events)
    assert any("états de frais" in e for e in events)
    assert con.execute("SELECT phase FROM exam_session").fetchone() == ("correction",)
