"""The candidate loop: candidates, registrations, grades, anonymity numbers and lots, in bulk.

Candidates are generated block by block (centre by centre, see :mod:`baktui.demo.population`)
and written in chunks of :data:`CHUNK`, one transaction each; when the loop moves to another
centre, the lots still open at the previous one are closed (lots never cross an exam centre). The
secondary indexes of these tables are dropped during the bulk and rebuilt at the end (a sort,
instead of row by row); the tests check that the schema is intact afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

from baktui.data import db as dbmod
from baktui.demo.bulk import Table
from baktui.demo.candidates import CandidateMaker
from baktui.demo.context import DemoContext, fr_int
from baktui.demo.examiners import Staff
from baktui.demo.grades import GradeMaker, grade_tables
from baktui.demo.lots import LotRecord, Lots
from baktui.demo.places import Places
from baktui.demo.population import Block, Population

CHUNK = 20_000  # candidates per transaction
BULK_INDEXES = True  # drop the secondary indexes of the candidate tables, rebuild them at the end


def write_candidates(
    ctx: DemoContext,
    places: Places,
    population: Population,
    staff: Staff,
    lot_sizes: dict[str, int],
) -> list[LotRecord]:
    """Generate and write every candidate with its registrations, grades and lots."""
    rng = ctx.rng("candidates")  # one stream for the whole loop: candidates, grades, lots
    people = CandidateMaker(ctx, rng, places, population.specials)
    graded = grade_tables()
    lots = Lots(ctx, rng, places, staff, lot_sizes, graded)
    marks = GradeMaker(ctx, rng, graded, lots, population.specials.justified)
    tables = (people.candidates, people.registrations, *graded, lots.anonymat, lots.lots)
    queue = _sequence(population.blocks)
    done = 0
    next_report = max(CHUNK, ctx.n // 10)
    current_centre = -1
    finished = False
    if BULK_INDEXES:
        # secondary indexes are rebuilt once at the end (a sort) instead of row by row
        with dbmod.write_transaction():
            for table in tables:
                table.model._schema.drop_indexes(safe=True)
    while not finished:
        with dbmod.write_transaction():
            pending = 0
            for seq, block in queue:
                if block.centre != current_centre:
                    lots.close_all(current_centre)
                    current_centre = block.centre
                marks.add(seq, block, *people.add(seq, block))
                pending += 1
                if pending >= CHUNK:
                    break
            else:
                finished = True
                lots.close_all(current_centre)
            _flush(tables)
            done += pending
            if finished:
                if BULK_INDEXES:
                    ctx.progress("  reconstruction des index…")
                    for table in tables:
                        table.model._schema.create_indexes(safe=True)
                _log_events(ctx, people, marks, lots)
        if not finished and done >= next_report:
            ctx.progress(f"  {fr_int(done)} / {fr_int(ctx.n)} candidats")
            next_report += max(CHUNK, ctx.n // 10)
    return lots.records


def _sequence(blocks: list[Block]) -> Iterator[tuple[int, Block]]:
    """Every candidate's sequence number with its block, in generation order."""
    for block in blocks:
        for seq in range(block.first_seq, block.first_seq + block.count):
            yield seq, block


def _flush(tables: tuple[Table, ...]) -> None:
    for table in tables:
        table.flush()


def _log_events(ctx: DemoContext, people: CandidateMaker, marks: GradeMaker, lots: Lots) -> None:
    s = ctx.summary
    s.candidates = people.candidates.count
    s.registrations = people.registrations.count
    s.grades = marks.grades.count
    s.grade_parts = marks.parts.count
    s.lots = lots.lots.count
    s.missing_grades = marks.missing + lots.missing
    ctx.event(
        "candidate",
        f"{fr_int(s.candidates)} candidats créés ({fr_int(s.registrations)} inscriptions "
        "aux épreuves)",
    )
    ctx.event(
        "anonymat", f"{fr_int(lots.anonymat.count)} numéros d'anonymat en {fr_int(s.lots)} lots"
    )
    ctx.event(
        "grade", f"{fr_int(s.grades)} notes et {fr_int(s.grade_parts)} notes partielles saisies"
    )
