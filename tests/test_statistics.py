"""Statistics (issue 14) on a small base built by hand: every expected figure computed by hand.

Session 2026 (STMG unless said), établissements E1 and E2:
    A  F scolaire   E1  PHI 12 (lot 1, Mme X)  FRE 10   ADMIS, mention AB (first group)
    B  M scolaire   E1  PHI 8  (lot 1, Mme X)  FRE 14   ADMIS after the second group
    C  F individuel E2  PHI 15 (lot 2, M. Y)   FRE 9    AJOURNE
    D  M scolaire   E2  PHI ABS (lot 2, M. Y)  FRE ABS  not deliberated, not present
    F  F scolaire   E2  ST2S, SP1 in parts: chimie 12 (coef 3), BPH 8 (coef 13)   INCOMPLET
    Z  cancelled (PHI 20): counted nowhere
Session 2025: P1 ADMIS, P2 AJOURNE (both present, STMG, E1).
The harmonisation thresholds of both sessions: 1 copy at least (the session's data), 2 points.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from helpers import ENGINES, assert_office_workbook, engine_database, new_base
from pypdf import PdfReader

from baktui.data.models import (
    Anonymat,
    Candidate,
    Document,
    Etablissement,
    Examiner,
    Grade,
    GradePart,
    Lot,
    Result,
)
from baktui.errors import ServiceError
from baktui.rules.regulation import load_regulation
from baktui.rules.statistics import (
    HarmonisationRule,
    Moments,
    band_labels,
    decimal_truncated,
    harmonisation_flags,
    sqrt_truncated,
)
from baktui.services.sessions import open_registre
from baktui.services.statistics import build_statistics, generate_statistics

E1, E2 = "0750655E", "0690001B"


def _candidate(session_id: int, number: str, sex: str, etab: int, **extra: object) -> int:
    fields = {"series": "STMG", "status": "scolaire", "state": "validee"} | extra
    return int(
        Candidate.create(
            session=session_id, number=number, last_name=number, first_name="X", sex=sex,
            etablissement=etab, **fields,
        ).id
    )  # fmt: skip


def _grade(cid: int, code: str, value: int | None, abs_code: str | None = None) -> None:
    Grade.create(
        candidate=cid,
        epreuve_code=code,
        value_centi=None if value is None else value * 100,
        code=abs_code,
    )


def _result(cid: int, decision: str, mention: str | None = None, done: bool = False) -> None:
    Result.create(
        candidate=cid, decision=decision, mention=mention, second_group_done=done,
        deliberated_at="2026-07-04T10:00:00", deliberated_by="test",
    )  # fmt: skip


def build_base() -> int:
    reg = dataclasses.replace(load_regulation(2026), harmonisation_min_copies=1)
    old = open_registre(2025, regulation=dataclasses.replace(reg, year=2025))
    e1 = Etablissement.create(uai=E1, name="Lycée Ampère").id
    e2 = Etablissement.create(uai=E2, name="Lycée Condorcet").id
    for number, decision in (("P1", "ADMIS"), ("P2", "AJOURNE")):
        cid = _candidate(old.id, number, "F", e1)
        _grade(cid, "PHI", 11)
        _result(cid, decision)
    new = open_registre(2026, regulation=reg)
    sid = new.id
    a = _candidate(sid, "A", "F", e1)
    b = _candidate(sid, "B", "M", e1)
    c = _candidate(sid, "C", "F", e2, status="individuel")
    d = _candidate(sid, "D", "M", e2)
    f = _candidate(sid, "F", "F", e2, series="ST2S")
    z = _candidate(sid, "Z", "M", e1, state="annulee")
    for cid, phi, fre in ((a, 12, 10), (b, 8, 14), (c, 15, 9), (z, 20, 20)):
        _grade(cid, "PHI", phi)
        _grade(cid, "FRE", fre)
    _grade(d, "PHI", None, "ABS")
    _grade(d, "FRE", None, "ABS")
    GradePart.create(candidate=f, epreuve_code="SP1", part_code="CHI", value_centi=1200)
    GradePart.create(candidate=f, epreuve_code="SP1", part_code="BPH", value_centi=800)
    x = Examiner.create(civility="Mme", last_name="Xavier", first_name="Anne", corps="CERTIFIE")
    y = Examiner.create(civility="M.", last_name="Yvon", first_name="Paul", corps="AGREGE")
    lot1 = Lot.create(session=sid, number=1, epreuve_code="PHI", correcteur=x.id)
    lot2 = Lot.create(session=sid, number=2, epreuve_code="PHI", correcteur=y.id)
    for n, (cid, lot) in enumerate(((a, lot1), (b, lot1), (c, lot2), (d, lot2), (z, lot1))):
        Anonymat.create(candidate=cid, epreuve_code="PHI", number=f"P{n:04d}", lot=lot.id)
    _result(a, "ADMIS", "AB")
    _result(b, "ADMIS", None, done=True)
    _result(c, "AJOURNE")
    _result(f, "INCOMPLET")
    _result(z, "ADMIS", "TB")
    return sid


@pytest.fixture(params=ENGINES)
def base(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[int]:
    with engine_database(request.param, tmp_path):
        yield build_base()


def _table(doc, sheet: str):  # type: ignore[no-untyped-def]
    return next(t for t in doc.tables if t.sheet == sheet)


def _row(table, first: object):  # type: ignore[no-untyped-def]
    return dict(zip(table.headers, next(r for r in table.rows if r[0] == first), strict=True))


# --- rules ----------------------------------------------------------------------------------------


def test_moments_are_exact() -> None:
    m = Moments.of_values([12, 8, 15])
    assert m.mean == Fraction(35, 3)
    assert m.variance == Fraction(74, 9)  # 433/3 - 1225/9
    assert m.sd == Decimal("2.86")  # √8.222… = 2.8674…, truncated
    assert decimal_truncated(m.mean) == Decimal("11.66")  # never 11.67
    assert m.bands == (0, 0, 0, 1, 0, 1, 1, 0)
    assert (Moments.of_values([12, 8]) + Moments.of_values([15])) == m
    assert sqrt_truncated(Fraction(4)) == Decimal("2.00")
    assert sqrt_truncated(Fraction(2)) == Decimal("1.41")
    assert band_labels()[0] == "0–4" and band_labels()[-1] == "16–20"
    assert Moments.of_values([20]).bands[-1] == 1  # 20 is in the last band


def test_harmonisation_rule() -> None:
    whole = Moments.of_values([12, 8, 15])
    rule = HarmonisationRule(Fraction(2), Fraction(2), 1)
    assert harmonisation_flags(Moments.of_values([12, 8]), whole, rule) == ()  # −1,66: within
    assert harmonisation_flags(Moments.of_values([15]), whole, rule) == (
        "moyenne +3,33 pt",
        "écart-type resserré",
    )
    assert (
        harmonisation_flags(Moments.of_values([15]), whole, dataclasses.replace(rule, min_copies=2))
        == ()
    )


# --- service --------------------------------------------------------------------------------------


def test_commission_figures(base: int) -> None:
    doc = build_statistics(base, kind="commission")
    series = _row(_table(doc, "Séries"), "STMG")
    assert series["Candidats"] == 4  # Z cancelled
    assert series["PHI"] == Decimal("11.66")  # 35/3
    assert series["FRE"] == Decimal("11.00")  # 33/3
    assert series["Moyenne coefficientée"] == Decimal("11.29")  # (4·35/3 + 5·11)/9 = 305/27
    assert _row(_table(doc, "Séries"), "ST2S")["SP1"] == Decimal("8.75")  # (3·12 + 13·8)/16
    etabs = _table(doc, "Établissements")
    assert _row(etabs, E1)["Moyenne coefficientée"] == Decimal("11.11")  # (4·10 + 5·12)/9
    e2 = _row(etabs, E2)
    assert (e2["PHI"], e2["FRE"], e2["Candidats"]) == (Decimal("15.00"), Decimal("9.00"), 3)
    phi = _row(_table(doc, "Épreuves"), "PHI")
    assert (phi["Copies notées"], phi["ABS"], phi["Moyenne"], phi["Écart-type"]) == (
        3, 1, Decimal("11.66"), Decimal("2.86"),
    )  # fmt: skip
    assert (phi["Min"], phi["Max"], phi["8–10"], phi["12–14"], phi["14–16"]) == (
        Decimal("8.00"), Decimal("15.00"), 1, 1, 1,
    )  # fmt: skip
    decisions = _row(_table(doc, "Décisions"), "Ensemble")
    assert (decisions["Admis"], decisions["Ajourné"], decisions["Incomplet"]) == (2, 1, 1)
    assert (decisions["Second groupe"], decisions["Non délibérés"]) == (0, 1)  # D


def test_harmonisation_figures(base: int) -> None:
    doc = build_statistics(base, kind="harmonisation")
    rows = {
        r[1]: dict(zip(_table(doc, "Correcteurs").headers, r, strict=True))
        for r in _table(doc, "Correcteurs").rows
    }
    x, y = rows["Mme Anne XAVIER"], rows["M. Paul YVON"]
    assert (x["Copies"], x["Moyenne"], x["Écart-type"], x["Lots"]) == (
        2,
        Decimal("10.00"),
        Decimal("2.00"),
        "1",
    )
    assert x["Écart à l'épreuve"] == Decimal("-1.66") and x["Signalement"] == ""
    assert (y["Copies"], y["Moyenne"], y["Écart à l'épreuve"]) == (
        1,
        Decimal("15.00"),
        Decimal("3.33"),
    )
    assert y["Signalement"] == "moyenne +3,33 pt ; écart-type resserré"
    assert x["Moyenne de l'épreuve"] == Decimal("11.66")
    flagged = _table(doc, "Signalés")
    assert [r[1] for r in flagged.rows] == ["M. Paul YVON"]
    assert "au moins 1 copie et" in flagged.note  # the session's threshold


def test_inspectors_figures_and_previous_session(base: int) -> None:
    doc = build_statistics(base, kind="inspecteurs")
    total = _row(_table(doc, "Série"), "Ensemble")
    assert (total["Inscrits"], total["Présents"]) == (5, 4)  # D absent everywhere
    assert (total["Admis 1er groupe"], total["Admis 2d groupe"], total["Admis"]) == (1, 1, 2)
    assert total["Taux de réussite"] == Decimal("0.5000")
    assert (total["AB"], total["TB"]) == (1, 0)  # Z (TB) cancelled
    assert (total["Inscrits 2025"], total["Admis 2025"], total["Taux 2025"]) == (
        2,
        1,
        Decimal("0.5000"),
    )
    stmg = _row(_table(doc, "Série"), "STMG")
    assert stmg["Taux de réussite"] == Decimal("0.6667")  # 2 / 3 present
    assert stmg["Évolution du taux"] == Decimal("0.1667")
    girls = _row(_table(doc, "Sexe"), "Filles")
    assert (girls["Inscrits"], girls["Présents"], girls["Admis"]) == (3, 3, 1)
    assert girls["Taux de réussite"] == Decimal("0.3333")
    assert _row(_table(doc, "Statut"), "candidat individuel")["Inscrits"] == 1
    e2 = _row(_table(doc, "Établissement"), E2)
    assert (e2["Établissement"], e2["Inscrits"], e2["Inscrits 2025"]) == (
        "Lycée Condorcet",
        3,
        None,
    )


def test_scopes(base: int) -> None:
    doc = build_statistics(base, kind="inspecteurs", etablissement=E1.lower())
    assert "0750655E" in doc.scope
    assert _row(_table(doc, "Série"), "Ensemble")["Inscrits"] == 2
    with pytest.raises(ServiceError, match="jury n° 9"):
        build_statistics(base, jury=9)
    with pytest.raises(ServiceError, match="inconnu"):
        build_statistics(base, kind="tout-court")


# --- files ----------------------------------------------------------------------------------------


def test_workbook(base: int, tmp_path: Path) -> None:
    steps: list[tuple[str, int, int]] = []
    issued = generate_statistics(base, tmp_path / "stats.xlsx", progress=lambda *a: steps.append(a))
    assert steps[-1] == ("terminé", 5, 5) and len(steps) == 6
    wb = openpyxl.load_workbook(issued.path)
    assert wb.sheetnames[:5] == ["Séries", "Établissements", "Épreuves", "Répartition", "Décisions"]
    assert {"Signalés", "Correcteurs", "Lots", "Série", "Sexe", "Statut", "Centre"} <= set(
        wb.sheetnames
    )
    ws = wb["Séries"]
    assert ws["A1"].value == "Moyennes académiques par série"
    head = [c.value for c in ws[4]]
    assert head[:4] == ["Série", "Candidats", "Moyenne coefficientée", "FRE"]
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref.startswith("A4:")
    assert ws.print_title_rows == "$1:$4"
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9  # A4
    assert wb["Épreuves"].page_setup.orientation == "landscape"  # 16 columns
    stmg = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "STMG")
    assert stmg[1].value == 4 and stmg[1].data_type == "n"
    assert stmg[2].value == pytest.approx(11.29) and stmg[2].number_format == "0.00"
    assert_office_workbook(issued.path)
    assert len(ws._charts) == 1
    assert len(wb["Épreuves"]._charts) == 1 and len(wb["Répartition"]._charts) == 1
    rates = wb["Série"]
    total = next(r for r in rates.iter_rows(min_row=5) if r[0].value == "Ensemble")
    rate = [c for c in total if c.number_format == "0.0%"][0]
    assert rate.value == pytest.approx(0.5)
    assert len(rates._charts) == 1
    # STMG and ST2S on rows 5-6; the total (row 7) is not drawn
    assert rates._charts[0].series[0].val.numRef.f.endswith("$6")
    assert Document.select().where(Document.kind == "statistiques").count() == 1


def test_pdf_summary(base: int, tmp_path: Path) -> None:
    issued = generate_statistics(base, tmp_path / "stats.pdf", kind="tout")
    text = "".join(page.extract_text() for page in PdfReader(issued.path).pages)
    for expected in (
        "Statistiques de la session", "Moyennes académiques par série", "11,29", "11,66",
        "Correcteurs signalés", "M. Paul YVON", "moyenne +3,33 pt", "Résultats par série",
        "50,0 %", "66,7 %", "Taux 2025",
    ):  # fmt: skip
        assert expected in text, expected
    with pytest.raises(ServiceError, match=r"\.xlsx ou en \.pdf"):
        generate_statistics(base, tmp_path / "stats.csv")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from baktui.cli import main
    from baktui.data import db as dbmod

    target = new_base(tmp_path / "bac.sqlite")
    dbmod.open_database(str(target), create=True)
    build_base()
    dbmod.close_database()
    out = tmp_path / "insp.xlsx"
    code = main(["--db", str(target), "documents", "statistiques", "--type", "inspecteurs",
                 "--etablissement", E2, str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "Statistiques (inspecteurs) : 5 tableaux" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames == [
        "Série",
        "Établissement",
        "Centre",
        "Sexe",
        "Statut",
    ]
    assert main(["--db", str(target), "documents", "statistiques", "--etablissement", "0000000A",
                 str(out)]) == 1  # fmt: skip
    assert "aucun établissement" in capsys.readouterr().err


def test_pdf_wraps_a_long_etablissement_name(tmp_path: Path) -> None:
    """A long établissement name is printed whole, on several lines of its cell (never cut)."""
    long_name = (
        "Lycée polyvalent régional des métiers des services hôteliers, de la restauration et du "
        "tourisme Antoine-de-Saint-Exupéry de Villefranche-sur-Saône"
    )
    with engine_database("sqlite", tmp_path):
        sid = build_base()
        Etablissement.update(name=long_name).where(Etablissement.uai == E1).execute()
        issued = generate_statistics(sid, tmp_path / "stats.pdf", kind="tout")
        reader = PdfReader(issued.path)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for word in long_name.split():
        assert word in text, word
    lines = [" ".join(page.extract_text().split("\n")) for page in reader.pages]
    assert any("Saint-Exupéry" in page and "Villefranche-sur-Saône" in page for page in lines)
    assert "…" not in text.replace("… ", "")  # nothing shortened with an ellipsis
