"""Exporting the results of a session (CSV for Excel, or XLSX) from the Result table.

Columns ``ine;nom;prenom;serie;moyenne;decision;mention;numero_candidat;jury`` (the jury's
number, empty for a candidate not yet placed); the average is TRUNCATED to two
decimals with a decimal comma (9,999… -> 9,99), empty for INCOMPLET. Rows are sorted by série,
then nom and prénom (accent-insensitive), and streamed to the renderer. The export refuses to run
while some candidate has no result: run ``baktui deliberer`` first, so that the file never mixes
fresh and missing results. ``progress`` (:mod:`baktui.rules.progress`) counts the rows written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

from peewee import JOIN

from baktui.data import files
from baktui.data.models import Candidate, Jury, Result
from baktui.errors import ServiceError
from baktui.exports.results import SUFFIXES, write_results
from baktui.rules.decision import INCOMPLET
from baktui.rules.grades import truncate_2
from baktui.rules.identifiers import fold
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.progress import Progress
from baktui.services.deliberation_runs import staleness, unfinished

_EXAMPLES = 5
BATCH = 10_000  # rows between two calls of ``progress``


def _missing_results(session_id: int) -> tuple[int, list[str]]:
    """(count, a few "numéro NOM Prénom") of the candidates without a result."""
    query = (
        Candidate.select(Candidate.number, Candidate.last_name, Candidate.first_name)
        .join(Result, join_type=JOIN.LEFT_OUTER, on=(Result.candidate == Candidate.id))
        .where(
            (Candidate.session == session_id)
            & (Candidate.state != RegistrationState.ANNULEE)
            & (Result.id.is_null())
        )
        .order_by(Candidate.number)
    )
    count = query.count()
    examples = [f"{n} {last} {first}" for n, last, first in query.limit(_EXAMPLES).tuples()]
    return count, examples


def result_rows(session_id: int) -> Iterator[tuple[str, ...]]:
    """The export rows, sorted by série, nom, prénom (streamed from the database)."""
    query = (
        Candidate.select(
            Candidate.ine,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.series,
            Result.average,
            Result.decision,
            Result.mention,
            Candidate.number,
            Jury.number,
        )
        .join(Result, on=(Result.candidate == Candidate.id))
        .switch(Candidate)
        .join(Jury, join_type=JOIN.LEFT_OUTER, on=(Candidate.jury == Jury.id))
        .where((Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE))
        .order_by(Candidate.series, Candidate.name_key, Candidate.ine)
    )
    batch: list[tuple[tuple[str, str, str], tuple[str, ...]]] = []
    current = None
    for (
        ine,
        last,
        first,
        series,
        average,
        decision,
        mention,
        number,
        jury,
    ) in query.tuples().iterator():
        shown = "" if average is None or decision == INCOMPLET else truncate_2(Fraction(average))
        jury_text = "" if jury is None else str(jury)
        row = (ine, last, first, series, shown, decision, mention or "", number, jury_text)
        # name_key is "last first" folded; the exact order is nom then prénom, settled here
        # within a série (the query only brings rows grouped by série in nearly that order)
        if series != current and batch:
            yield from (r for _, r in sorted(batch, key=lambda item: item[0]))
            batch = []
        current = series
        batch.append(((fold(last), fold(first), ine), row))
    yield from (r for _, r in sorted(batch, key=lambda item: item[0]))


def _counted(
    rows: Iterable[tuple[str, ...]], total: int, tell: Progress
) -> Iterator[tuple[str, ...]]:
    """``rows``, telling ``tell`` every :data:`BATCH` of them and at the end."""
    tell(0, total)
    done = 0
    for done, row in enumerate(rows, 1):
        if done % BATCH == 0:
            tell(done, total)
        yield row
    tell(done, max(total, done))


def export_results(
    session_id: int, out_path: Path | str, *, force: bool = False, progress: Progress | None = None
) -> int:
    """Write the results file (.csv ``;`` UTF-8 with BOM, or .xlsx), with the rights of
    ``[fichiers]``; returns the rows written. A full disk: « Disque plein : … », no file.

    Refused when the last deliberation did not finish, and, unless ``force``, when grades or
    registrations changed after it (:mod:`baktui.services.deliberation_runs`).
    """
    out = Path(out_path)
    if out.suffix.lower() not in SUFFIXES:
        raise ServiceError(
            f"{out.name} : extension « {out.suffix or 'absente'} » non prise en charge "
            "(.csv ou .xlsx)"
        )
    if out.is_dir():
        raise ServiceError(f"{out} est un dossier : donnez un nom de fichier .csv ou .xlsx")
    if not out.parent.exists():
        raise ServiceError(f"{out.parent} : dossier introuvable")
    broken = unfinished(session_id)  # never exported, even forced
    if broken:
        raise ServiceError(f"Export refusé : {broken}.")
    stale = None if force else staleness(session_id)
    if stale:
        raise ServiceError(f"Export refusé : {stale} (ou --forcer pour exporter quand même).")
    count, examples = _missing_results(session_id)
    if count:
        raise ServiceError(
            f"Export refusé : {count} candidat{'s' if count > 1 else ''} sans résultat "
            f"(ex. {', '.join(examples)}). Lancez d'abord « baktui deliberer »."
        )
    rows: Iterable[tuple[str, ...]] = result_rows(session_id)
    if progress is not None:
        live = (Candidate.session == session_id) & (Candidate.state != RegistrationState.ANNULEE)
        rows = _counted(rows, Candidate.select().where(live).count(), progress)
    # a temporary file next to it (unpredictable name, O_EXCL, the configured rights), renamed
    return files.write_file(out, lambda temporary: write_results(temporary, rows))
