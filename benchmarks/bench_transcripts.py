"""Relevés de notes benchmark: 20,000 relevés (40,000 pages) from the 700 000 demo on 2 cores.

Usage (on a COPY of a deliberated demo: the juries are marked published in it):

    python benchmarks/bench_transcripts.py /tmp/docs_bench/d700k.sqlite [--count 20000]

The batch is split by établissement (one PDF each, font embedded once per file) across 2
processes (ProcessPoolExecutor): each reads its candidates (services/transcripts.py) and renders
them (exports/transcript.py). The raw baseline, in the same run: a plain fpdf2 loop drawing the
same page (same texts, rectangles, cells) with no data reading, in one process; the ratio
compares one process of ours (read + render) with it. Target of issue 14: ≤ 110 s, ≥ 0.8×.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

OUT = Path("/tmp/docs_bench/out")


def _init(db: str, out: Path) -> None:
    from baktui.data import db as dbmod

    global OUT
    OUT = out
    dbmod.open_database(db)


def _render(uai: str) -> tuple[str, int, float]:
    from baktui.data.models import ExamSession
    from baktui.exports.transcript import write_transcripts
    from baktui.services.settings import letterhead
    from baktui.services.transcripts import Scope, build, select

    started = time.process_time()
    sid = int(ExamSession.select().first().id)
    ids = select(sid, Scope("etablissement", uai)).ids
    transcripts = list(build(sid, ids))
    write_transcripts(OUT / f"releves-{uai}.pdf", transcripts, academie=letterhead(), year=2026)
    return uai, 2 * len(transcripts), time.process_time() - started


def raw_loop(pages: int, path: Path) -> float:
    """pages/s of plain fpdf2 drawing the relevé's page (constant texts), one process."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from baktui.exports.pdf import _FONT_FILES, _font_path

    started = time.perf_counter()
    pdf = FPDF(unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font("DejaVu", style, _font_path(name))
    pdf.set_auto_page_break(False)
    rows = [("FRE", "Français écrit (épreuve anticipée)", "5", "13")] * 13
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(0, 4.5, "Académie de Lyon", **nl)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(0, 4, "Division des examens et concours — session 2026", **nl)
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(0, 7, "RELEVÉ DE NOTES", align="C", **nl)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 5, "Baccalauréat technologique — exemplaire du candidat", align="C", **nl)
        for label in ("Nom", "Naissance", "INE", "N°", "Série", "Spécialités"):
            pdf.set_font("DejaVu", "B", 9.5)
            pdf.cell(34, 5.5, label)
            pdf.set_font("DejaVu", "", 9.5)
            pdf.cell(0, 5.5, "LEMAÎTRE Gabriel 260001048", **nl)
        y = pdf.get_y() + 5.5
        pdf.set_font("DejaVu", "", 8.5)
        for code, label, coef, grade in rows:
            x = 15.0
            for text, width in ((code, 14), (label, 69), (coef, 12), (grade, 21), ("", 21),
                                ("", 42)):  # fmt: skip
                pdf.rect(x, y, width, 5)
                if text:
                    pdf.text(x + 1, y + 3.6, text)
                x += width
            y += 5
        pdf.set_xy(15, y + 3)
        for label in ("Moyenne générale", "Décision du jury", "Mention"):
            pdf.set_font("DejaVu", "B", 9.5)
            pdf.cell(48, 5.5, label)
            pdf.set_font("DejaVu", "", 9.5)
            pdf.cell(0, 5.5, "15,07 / 20", **nl)
        for line in ("Fait le 03/12/2026", "Pour le recteur et par délégation,", "le chef"):
            pdf.set_x(105)
            pdf.cell(90, 4.5, line, **nl)
        pdf.set_y(-12)
        pdf.set_font("DejaVu", "I", 7.5)
        pdf.cell(0, 4, "Relevés de notes — session 2026 — page 1")
    path.write_bytes(bytes(pdf.output()))
    return pages / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--count", type=int, default=20000, help="relevés (2 pages each)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the PDFs")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    from baktui.data import db as dbmod

    dbmod.open_database(args.db)  # an older base is migrated here, once, not by both workers
    dbmod.close_database()
    con = sqlite3.connect(args.db)
    con.execute("UPDATE jury SET closed_group = 1, published_group = 1")
    con.commit()
    groups, total = [], 0
    query = (
        "SELECT e.uai, count(*) FROM candidate c JOIN result r ON r.candidate_id = c.id "
        "JOIN etablissement e ON e.id = c.etablissement_id "
        "WHERE r.decision IN ('ADMIS', 'AJOURNE') GROUP BY e.id ORDER BY e.id"
    )
    for uai, n in con.execute(query):
        if total >= args.count:
            break
        groups.append(uai)
        total += n
    con.close()
    print(f"{total} relevés ({2 * total} pages) de {len(groups)} établissements, 2 processus")
    started = time.perf_counter()
    pages, cpu = 0, 0.0
    with ProcessPoolExecutor(2, initializer=_init, initargs=(args.db, out)) as pool:
        for _uai, n, used in pool.map(_render, groups):
            pages, cpu = pages + n, cpu + used
    wall = time.perf_counter() - started
    print(f"ours (2 processes): {pages} pages in {wall:.1f} s = {pages / wall:.0f} pages/s, "
          f"CPU {cpu:.1f} s ({cpu / wall:.2f} cores busy)")  # fmt: skip
    single = pages / cpu  # one process of ours: read + render, per CPU second
    raw = raw_loop(2000, out / "raw.pdf")
    print(f"raw fpdf2 loop (1 process): {raw:.0f} pages/s")
    print(f"ours per process: {single:.0f} pages/s = {single / raw:.2f}× the raw loop")
    print(f"ours on 2 cores : {pages / wall:.0f} pages/s = {pages / wall / raw:.2f}× the raw loop")
    print(f"files: {out} ({sum(f.stat().st_size for f in out.glob('releves-*.pdf')) >> 20} Mo)")


if __name__ == "__main__":
    main()
