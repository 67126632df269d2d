"""Relevés de notes, diplômes, attestations and CFES read back from the PDF (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import copy_base
from pypdf import PdfReader

from baktui.cli import main
from baktui.data import db as dbmod
from baktui.data.models import (
    Candidate,
    Document,
    ExamSession,
    Grade,
    GradePart,
    Jury,
    Registration,
    Result,
)
from baktui.services.deliberation import deliberate_session
from baktui.services.transcripts import Scope, count, issue_documents


@pytest.fixture
def demo(demo_file, tmp_path: Path, monkeypatch):
    path = copy_base(demo_file[0], tmp_path / "demo.sqlite")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "documents"))
    dbmod.open_database(str(path))
    session_id = int(ExamSession.select().first().id)
    yield path, session_id
    dbmod.close_database()


def pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


# hand-set grades of one STMG candidate; EPS dispensé (neutralised: coefficient 100 - 6 = 94)
GRADES = {
    "FRE": 800, "FRO": 1200, "PHI": 1200, "GO": 1200, "SP1": 1500, "SP2": 900, "SPA": 1200,
    "HG": 1200, "LVA": 1200, "LVB": 1200, "MAT": 1200, "EMC": 1200,
}  # fmt: skip
COEFS = {"FRE": 5, "FRO": 5, "PHI": 4, "GO": 14, "SP1": 16, "SP2": 16, "SPA": 8, "HG": 6,
         "LVA": 6, "LVB": 6, "MAT": 6, "EPS": 6, "EMC": 2}  # fmt: skip
# (8×5 + 12×57 + 15×16 + 9×16) / 94 = 1108 / 94 = 11.7872… → 11,78, admis sans mention


def hand_set(candidate: Candidate) -> None:
    Registration.delete().where(
        (Registration.candidate == candidate.id) & Registration.epreuve_code.startswith("OPT")
    ).execute()
    Registration.update(kept_session=None).where(Registration.candidate == candidate.id).execute()
    Grade.delete().where(Grade.candidate == candidate.id).execute()
    GradePart.delete().where(GradePart.candidate == candidate.id).execute()
    Candidate.update(eps_inapte=False).where(Candidate.id == candidate.id).execute()
    for code, value in GRADES.items():
        Grade.create(candidate=candidate.id, epreuve_code=code, value_centi=value)
    Grade.create(candidate=candidate.id, epreuve_code="EPS", code="DI")


def publish_all() -> None:
    Jury.update(closed_group=1, published_group=1).execute()


def test_releve_figures_equal_the_hand_computed_deliberation(demo, tmp_path: Path) -> None:
    _, session_id = demo
    cand = Candidate.select().where(Candidate.series == "STMG").order_by(Candidate.id).first()
    hand_set(cand)
    deliberate_session(session_id)
    result = Result.get(Result.candidate == cand.id)
    assert result.decision == "ADMIS" and result.mention is None
    # unpublished: nothing final is printed, and it says why
    run = issue_documents(session_id, "releve", Scope("candidat", cand.number))
    assert run.count == 0 and "non publié" in run.skipped
    publish_all()
    assert count(session_id, "releve", Scope("candidat", cand.number)) == (1, 2)
    run = issue_documents(
        session_id, "releve", Scope("candidat", cand.number), path=tmp_path / "r.pdf", window=True
    )
    texts = pages(run.issued[0].path)
    assert len(texts) == 2  # two copies
    assert "exemplaire du candidat" in texts[0] and "exemplaire de l’établissement" in texts[1]
    for text in texts:
        assert cand.number in text and cand.ine in text
        assert "Moyenne générale 11,78 / 20" in text
        assert "Décision du jury Admis" in text and "Mention —" in text
        for code, coef in COEFS.items():
            shown = "DI" if code == "EPS" else f"{GRADES[code] // 100}"
            assert re.search(rf"^{code} [^\n]*\n?[^\n]*?\s{coef} {shown}\b", text, re.M), code
        assert re.search(r"^EPS .* DI neutralisée", text, re.M)
        assert "DUPLICATA" not in text
    # the address shows on the candidate's copy only (window envelope)
    assert cand.address and cand.address in texts[0] and cand.address not in texts[1]
    if cand.city:
        town = f"{cand.postcode} {cand.city}"
        assert town in texts[0] and town not in texts[1]
    # date and place of birth on both copies (the demo records the commune of birth)
    assert cand.birth_place
    born = (
        f"{'Née' if cand.sex == 'F' else 'Né'} le {cand.birth_date:%d/%m/%Y} à {cand.birth_place}"
    )
    assert all(born in " ".join(text.split()) for text in texts)
    assert (
        Document.select()
        .where((Document.candidate == cand.id) & (Document.kind == "releve"))
        .count()
        == 1
    )
    again = issue_documents(
        session_id, "releve", Scope("candidat", cand.number), path=tmp_path / "r2.pdf"
    )
    assert again.duplicates == 1
    assert all("DUPLICATA" in t for t in pages(again.issued[0].path))


def test_one_diploma_per_admitted_candidate_and_cfes(demo, tmp_path: Path) -> None:
    _, session_id = demo
    deliberate_session(session_id)
    publish_all()
    jury = Jury.get(Jury.number == 1)
    in_jury = Candidate.select(Candidate.id, Candidate.number).where(Candidate.jury == jury.id)
    decisions = {c.number: Result.get(Result.candidate == c.id).decision for c in in_jury}
    admitted = {n for n, d in decisions.items() if d == "ADMIS"}
    assert admitted and len(admitted) < len(decisions)
    run = issue_documents(session_id, "diplome", Scope("jury", "1"), path=tmp_path / "d.pdf")
    texts = pages(run.issued[0].path)
    printed = [re.search(r"N° de candidat (\d+)", t).group(1) for t in texts]
    assert sorted(printed) == sorted(admitted)  # one page per ADMIS, none for the others
    assert all("DIPLÔME DU BACCALAURÉAT TECHNOLOGIQUE" in t for t in texts)
    again = issue_documents(session_id, "diplome", Scope("jury", "1"), path=tmp_path / "d2.pdf")
    assert again.duplicates == len(admitted) and "jamais réédité" in again.render()
    assert all("DUPLICATA" in t for t in pages(again.issued[0].path))
    # CFES: only a candidate finally AJOURNÉ with a first-group average >= 8 (the setting)
    failed = [c for c in in_jury if decisions[c.number] != "ADMIS"][:2]
    Result.update(
        decision="AJOURNE", first_group_average="17/2", average="9", second_group_done=True
    ).where(Result.candidate == failed[0].id).execute()
    Jury.update(published_group=2).where(Jury.id == jury.id).execute()
    Result.update(decision="AJOURNE", first_group_average="79/10", average="79/10").where(
        Result.candidate == failed[1].id
    ).execute()
    Result.update(decision="AJOURNE", first_group_average="79/10").where(
        Result.candidate.in_([c.id for c in in_jury if decisions[c.number] == "AJOURNE"])
        & ~Result.candidate.in_([failed[0].id])
    ).execute()
    run = issue_documents(session_id, "cfes", Scope("jury", "1"), path=tmp_path / "c.pdf")
    texts = pages(run.issued[0].path)
    assert len(texts) == 1 and failed[0].number in texts[0] and "8,50 / 20" in texts[0]


def test_cli_releves_and_envois(demo, tmp_path: Path, capsys) -> None:
    path, session_id = demo
    deliberate_session(session_id)
    publish_all()
    dbmod.close_database()
    out = tmp_path / "rel.pdf"
    assert main(["--db", str(path), "documents", "releves", "--jury", "2", str(out)]) == 0
    said = capsys.readouterr().out
    assert "relevé de notes" in said and out.exists()
    n = int(re.search(r"(\d+) candidats", said).group(1))
    assert len(PdfReader(str(out)).pages) == 2 * n
    env = tmp_path / "env.pdf"
    assert main(["--db", str(path), "documents", "envois", "--jury", "2", str(env)]) == 0
    assert "LISTE D’ENVOI" in pages(env)[0]
    dbmod.open_database(str(path))


def _import_line(tmp_path: Path, session_id: int, cand: Candidate, extra: dict[str, str]):
    from baktui.services.imports.candidates import import_candidates

    heads = ["ine", "nom", "prenom", "date_naissance", "serie", "sexe", *extra]
    values = [cand.ine, cand.last_name, cand.first_name, f"{cand.birth_date:%d/%m/%Y}",
              cand.series, cand.sex, *extra.values()]  # fmt: skip
    path = tmp_path / "candidats.csv"
    path.write_text(";".join(heads) + "\n" + ";".join(values) + "\n", encoding="utf-8")
    return import_candidates(session_id, path)


def test_imported_birth_place_and_indications_are_printed(demo, tmp_path: Path) -> None:
    """The candidates file's commune of birth and indications reach the relevé and the
    diploma; a diploma without indications prints none; a wrong indication is refused."""
    _, session_id = demo
    deliberate_session(session_id)
    publish_all()
    admitted = (
        Candidate.select()
        .join(Result, on=(Result.candidate == Candidate.id))
        .where((Result.decision == "ADMIS") & (Candidate.sex == "F") & (Candidate.ine != ""))
        .order_by(Candidate.id)
    )
    cand, other = admitted[0], admitted[1]
    bad = _import_line(tmp_path, session_id, cand, {"indications": "SE-XX, BIDULE"})
    assert not bad.ok
    said = bad.render()
    assert "indications" in said and "langue inconnue « XX »" in said and "« BIDULE »" in said
    report = _import_line(
        tmp_path, session_id, cand,
        {"commune_naissance": "Villefranche-sur-Saône", "indications": "se-ang, MEI"},
    )  # fmt: skip
    assert report.ok, report.render()
    stored = Candidate.get_by_id(cand.id)
    assert stored.birth_place == "Villefranche-sur-Saône" and stored.indications == "SE-ANG,MEI"
    run = issue_documents(
        session_id, "releve", Scope("candidat", cand.number), path=tmp_path / "r.pdf"
    )
    for text in pages(run.issued[0].path):
        flat = " ".join(text.split())
        assert f"Née le {cand.birth_date:%d/%m/%Y} à Villefranche-sur-Saône" in flat
        assert "(e)" not in flat
        assert "section européenne (anglais) ; mobilité européenne et internationale" in flat
    Candidate.update(indications="").where(Candidate.id == other.id).execute()
    for who, path in ((cand, "d1.pdf"), (other, "d2.pdf")):
        run = issue_documents(
            session_id, "diplome", Scope("candidat", who.number), path=tmp_path / path
        )
        flat = " ".join(pages(run.issued[0].path)[0].split())
        assert f"née le {who.birth_date:%d/%m/%Y}" in flat and "(e)" not in flat
        if who is cand:
            assert "Indications section européenne (anglais) ; mobilité européenne" in flat
            assert "à Villefranche-sur-Saône" in flat
        else:
            assert "Indications" not in flat and "section européenne" not in flat


def test_certificate_texts_agree_and_keep_the_number_whole(tmp_path: Path) -> None:
    """The attestation and the CFES: agreement by recorded sex, « qu’ » before a vowel, « n° »
    never alone at the end of a line; a DUPLICATA stamp on its own line above the title."""
    import datetime as dt

    from baktui.exports.letterhead import Letterhead
    from baktui.exports.transcript import Certificate, Transcript, write_certificates

    def person(sex: str, first: str) -> Transcript:
        return Transcript(
            candidate_id=1, number="260000007", ine="120516152BB", last_name="André",
            first_name=first, sex=sex, birth_date=dt.date(2008, 6, 9), birth_place="Lyon",
            series="STMG", series_label="Sciences et technologies du management et de la gestion",
            specialites=("Droit et économie",), lines=(), average="9,00", first_average="8,50",
            decision="AJOURNE", decision_label="Ajourné", mention="", holder="", duplicata=True,
        )  # fmt: skip

    certs = [Certificate(person("F", "Eva"), "cfes"), Certificate(person("M", "Paul"), "cfes")]
    path = write_certificates(tmp_path / "c.pdf", certs, academie=Letterhead("Lyon"), year=2026)
    texts = pages(path)
    assert "qu’Eva ANDRÉ, née le 09/06/2008 à Lyon, candidate n" in " ".join(texts[0].split())
    assert "que Paul ANDRÉ, né le 09/06/2008 à Lyon, candidat n" in " ".join(texts[1].split())
    for text in texts:
        assert "(e)" not in text
        assert not re.search(r"n°\s*$", text, re.M)  # the number follows on its line
        lines = text.splitlines()
        stamp = next(i for i, line in enumerate(lines) if "DUPLICATA" in line)
        assert lines[stamp].strip() == "DUPLICATA"
