"""Statistics workbooks and their PDF summary (issue 14).

:func:`generate_statistics` is the one entry point (the CLI and the F8 screen call it)::

    generate_statistics(session_id, path, kind="tout", jury=None, etablissement=None,
                        progress=None) -> IssuedDocument

- ``kind``: ``"commission"`` (before deliberation: averages by série, by établissement and by
  épreuve, distributions, decisions so far), ``"harmonisation"`` (each correcteur's mean and
  spread against his épreuve's, flagged by the session's thresholds, with the lots),
  ``"inspecteurs"`` (registered, present, admitted at each group, pass rate and mentions by
  série, établissement, centre, sex and status, beside the previous session when the base has
  it) or ``"tout"``;
- ``jury`` (a jury number) or ``etablissement`` (a UAI) narrows the candidates;
- ``path`` ending in ``.pdf`` writes the PDF summary, else the ``.xlsx`` workbook;
- ``progress(step, done, total)`` is told of each step (French label).

Every figure comes from SQL GROUP BY (:mod:`.statistics_queries`); averages are exact and shown
truncated to 2 decimals; the file is recorded as a « statistiques » document (one office row).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from baktui.data.models import Centre, Etablissement, Examiner, ExamSession
from baktui.errors import ServiceError
from baktui.rules.decision import DECISION_LABELS
from baktui.rules.examiners import formal_name
from baktui.rules.grades import format_grade
from baktui.rules.registration import STATUSES
from baktui.rules.regulation import Regulation
from baktui.rules.statistics import (
    DEFAULT_BANDS,
    FORMAT_2,
    FORMAT_INT,
    FORMAT_PERCENT,
    Chart,
    HarmonisationRule,
    Moments,
    StatisticsDocument,
    StatTable,
    band_labels,
    decimal_truncated,
    harmonisation_flags,
    ratio,
)
from baktui.services import documents
from baktui.services.documents import IssuedDocument
from baktui.services.pv import find_jury
from baktui.services.sessions import regulation_of
from baktui.services.settings import letterhead
from baktui.services.statistics_queries import (
    C,
    Counts,
    candidate_counts,
    grade_moments,
    lots_of,
    scope_where,
)

STATISTIQUES = "statistiques"
documents.KIND_LABELS.setdefault(STATISTIQUES, "statistiques")
KINDS = ("commission", "harmonisation", "inspecteurs", "tout")
KIND_TITLES = {
    "commission": "Statistiques pour la commission",
    "harmonisation": "Harmonisation des correcteurs",
    "inspecteurs": "Statistiques pour les inspecteurs",
    "tout": "Statistiques de la session",
}
SEXES = {"F": "Filles", "M": "Garçons", "": "Non renseigné"}
# A chart over more categories than this is unreadable: the table goes without.
CHART_MAX = 40
Progress = Callable[[str, int, int], object]


def _dec(x: Fraction | None) -> Any:
    return decimal_truncated(x)


def _weighted(reg: Regulation, means: dict[str, Moments]) -> Fraction | None:
    """Σ coef × mean / Σ coef over the épreuves with grades (options aside)."""
    num, den = Fraction(0), Fraction(0)
    for rule in reg.base_epreuves:
        m = means.get(rule.code)
        if m is not None and m.mean is not None:
            num += rule.coef * m.mean
            den += rule.coef
    return num / den if den else None


# --- commission -----------------------------------------------------------------------------------


def _commission(reg: Regulation, where: Any, step: Callable[[str], None]) -> list[StatTable]:
    codes = [e.code for e in reg.base_epreuves]
    step("notes par série, établissement et épreuve")
    cube = grade_moments(reg, where, codes, [C.series, C.etablissement])
    step("candidats et décisions")
    counts = candidate_counts(reg, where, [C.series, C.etablissement], presence=False)
    by_series: dict[str, dict[str, Moments]] = {}
    by_etab: dict[Any, dict[str, Moments]] = {}
    by_code: dict[str, Moments] = {}
    for (code, series, etab), m in cube.items():
        for bucket, key in ((by_series, series), (by_etab, etab)):
            slot = bucket.setdefault(key, {})
            slot[code] = slot[code] + m if code in slot else m
        by_code[code] = by_code[code] + m if code in by_code else m
    series_counts: dict[str, Counts] = {}
    etab_counts: dict[Any, Counts] = {}
    for (series, etab), c in counts.items():
        series_counts.setdefault(series, Counts()).__iadd__(c)
        etab_counts.setdefault(etab, Counts()).__iadd__(c)
    shown = [c for c in codes if c in by_code]
    mean_heads = tuple(shown)
    fmt = {i: FORMAT_2 for i in range(2, 3 + len(shown))} | {1: FORMAT_INT}

    series_rows = []
    for s in reg.series_codes:
        if s not in series_counts and s not in by_series:
            continue
        means = by_series.get(s, {})
        series_rows.append(
            (s, series_counts.get(s, Counts()).registered, _dec(_weighted(reg, means)))
            + tuple(_dec(means[c].mean) if c in means else None for c in shown)
        )
    tables = [
        StatTable(
            "Moyennes académiques par série",
            "Séries",
            ("Série", "Candidats", "Moyenne coefficientée") + mean_heads,
            tuple(series_rows),
            fmt,
            (Chart("Moyenne coefficientée des épreuves par série", 0, (2,), "moyenne"),),
            note="Moyenne des notes de chaque épreuve (premier groupe, notes conservées exclues) ;"
            " la moyenne coefficientée pondère ces moyennes par les coefficients.",
        )
    ]
    names = _etablissements([k for k in etab_counts if k is not None])
    etab_rows = []
    for key in sorted(etab_counts, key=lambda k: names.get(k, ("~", ""))):
        uai, name = names.get(key, ("—", "sans établissement"))
        means = by_etab.get(key, {})
        etab_rows.append(
            (uai, name, etab_counts[key].registered, _dec(_weighted(reg, means)))
            + tuple(_dec(means[c].mean) if c in means else None for c in shown)
        )
    tables.append(
        StatTable(
            "Moyennes par établissement (EPLE)",
            "Établissements",
            ("UAI", "Établissement", "Candidats", "Moyenne coefficientée") + mean_heads,
            tuple(etab_rows),
            {i + 1: f for i, f in fmt.items()},
            pdf_widths=(2, 5, 1.5, 2) + (1.2,) * len(shown),
        )
    )
    labels = band_labels(DEFAULT_BANDS)
    ep_rows = []
    for code in shown:
        m = by_code[code]
        ep_rows.append(
            (code, reg.epreuve(code).label, m.n, m.absent, _dec(m.mean), m.sd,
             _dec(m.minimum), _dec(m.maximum)) + m.bands
        )  # fmt: skip
    tables.append(
        StatTable(
            "Épreuves : moyennes et répartition des notes",
            "Épreuves",
            ("Code", "Épreuve", "Copies notées", "ABS", "Moyenne", "Écart-type", "Min", "Max")
            + labels,
            tuple(ep_rows),
            {2: FORMAT_INT, 3: FORMAT_INT, 4: FORMAT_2, 5: FORMAT_2, 6: FORMAT_2, 7: FORMAT_2},
            (Chart("Moyenne par épreuve", 0, (4,), "moyenne"),),
            pdf_widths=(1.3, 4.5, 1.6, 1.2, 1.5, 1.5, 1.2, 1.2) + (1.2,) * len(labels),
        )
    )
    written = [c for c in shown if reg.epreuve(c).written] or shown[:4]
    dist_rows = tuple(
        (label,) + tuple(by_code[c].bands[i] for c in written) for i, label in enumerate(labels)
    )
    tables.append(
        StatTable(
            "Répartition des notes des épreuves écrites",
            "Répartition",
            ("Tranche",) + tuple(written),
            dist_rows,
            {i: FORMAT_INT for i in range(1, 1 + len(written))},
            (Chart("Copies par tranche de notes", 0, tuple(range(1, 1 + len(written))), "copies"),),
        )
    )
    dec_rows = []
    for s in reg.series_codes:
        c = series_counts.get(s)
        if c is None:
            continue
        dec_rows.append(
            (s, c.registered, c.admitted, c.waiting, c.refused,
             c.incomplete, c.undeliberated)
        )  # fmt: skip
    total = Counts()
    for c in series_counts.values():
        total += c
    dec_rows.append(
        ("Ensemble", total.registered, total.admitted, total.waiting,
         total.refused, total.incomplete, total.undeliberated)
    )  # fmt: skip
    tables.append(
        StatTable(
            "Candidats par décision (dernière délibération)",
            "Décisions",
            (
                "Série",
                "Candidats",
                DECISION_LABELS["ADMIS"],
                DECISION_LABELS["SECOND_GROUPE"],
                DECISION_LABELS["AJOURNE"],
                DECISION_LABELS["INCOMPLET"],
                "Non délibérés",
            ),
            tuple(dec_rows),
            {i: FORMAT_INT for i in range(1, 7)},
            (Chart("Décisions par série", 0, (2, 3, 4, 5)),) if len(dec_rows) > 1 else (),
        )  # fmt: skip
    )
    return tables


def _etablissements(ids: list[int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for eid, uai, name in (
            Etablissement.select(Etablissement.id, Etablissement.uai, Etablissement.name)
            .where(Etablissement.id.in_(chunk))
            .tuples()
        ):
            found[eid] = (uai, name)
    return found


# --- harmonisation --------------------------------------------------------------------------------


def _harmonisation(
    reg: Regulation, session_id: int, where: Any, step: Callable[[str], None]
) -> list[StatTable]:
    rule = HarmonisationRule(
        reg.harmonisation_gap, reg.harmonisation_spread_ratio, reg.harmonisation_min_copies
    )
    codes = [e.code for e in reg.epreuves if e.written]
    step("copies par lot et par correcteur")
    per_lot = grade_moments(reg, where, codes, [], by_lot=True, edges=())  # no bands
    lots = lots_of(session_id, codes)
    whole: dict[str, Moments] = {}
    mine: dict[tuple[str, Any], Moments] = {}
    lots_of_corr: dict[tuple[str, Any], list[int]] = {}
    for (code, lot_id), m in per_lot.items():
        number, _, correcteur = lots.get(lot_id, (0, code, None))
        whole[code] = whole[code] + m if code in whole else m
        key = (code, correcteur)
        mine[key] = mine[key] + m if key in mine else m
        lots_of_corr.setdefault(key, []).append(number)
    people = {
        e.id: formal_name(e.civility, e.last_name, e.first_name)
        for e in Examiner.select(
            Examiner.id, Examiner.civility, Examiner.last_name, Examiner.first_name
        ).where(Examiner.id.in_([k[1] for k in mine if k[1] is not None] or [0]))
    }
    heads = ("Épreuve", "Correcteur", "Lots", "Copies", "Moyenne", "Écart-type",
             "Écart à l'épreuve", "Moyenne de l'épreuve", "Écart-type de l'épreuve",
             "Signalement")  # fmt: skip
    fmt = {3: FORMAT_INT, 4: FORMAT_2, 5: FORMAT_2, 6: FORMAT_2, 7: FORMAT_2, 8: FORMAT_2}
    rows, flagged = [], []
    order = sorted(mine, key=lambda k: (codes.index(k[0]), people.get(k[1], "~")))
    for key in order:
        code, correcteur = key
        m, w = mine[key], whole[code]
        flags = harmonisation_flags(m, w, rule)
        gap = m.mean - w.mean if m.mean is not None and w.mean is not None else None
        row = (
            code, people.get(correcteur, "sans correcteur"),
            ", ".join(str(n) for n in sorted(lots_of_corr[key])), m.n, _dec(m.mean), m.sd,
            _dec(gap), _dec(w.mean), w.sd, " ; ".join(flags),
        )  # fmt: skip
        rows.append(row)
        if flags:
            flagged.append(row)
    note = (
        f"Signalé : au moins {rule.min_copies} {'copie' if rule.min_copies == 1 else 'copies'} et une moyenne à "
        f"{format_grade(rule.gap)} points ou plus de celle de l'épreuve, ou un écart-type plus de "
        f"{format_grade(rule.spread_ratio)} fois plus grand ou plus petit (seuils de la session)."
    )
    lot_rows = []
    for (code, lot_id), m in sorted(per_lot.items(), key=lambda i: lots.get(i[0][1], (0,))[0]):
        number, _, correcteur = lots.get(lot_id, (0, code, None))
        w = whole[code]
        gap = m.mean - w.mean if m.mean is not None and w.mean is not None else None
        lot_rows.append(
            (number, code, people.get(correcteur, "sans correcteur"), m.n, _dec(m.mean), m.sd,
             _dec(gap), " ; ".join(harmonisation_flags(m, w, rule)))
        )  # fmt: skip
    return [
        StatTable(
            "Correcteurs signalés",
            "Signalés",
            heads,
            tuple(flagged),
            fmt,
            (Chart("Écart à la moyenne de l'épreuve", 1, (6,), "points", horizontal=True),)
            if 0 < len(flagged) <= CHART_MAX
            else (),
            note=note,
            pdf_widths=(1.2, 4, 2.4, 1.2, 1.5, 1.5, 1.5, 1.6, 1.6, 3.2),
        ),
        StatTable(
            "Harmonisation : chaque correcteur face à son épreuve",
            "Correcteurs",
            heads,
            tuple(rows),
            fmt,
            note=note,
            summary=False,
        ),
        StatTable(
            "Lots de correction",
            "Lots",
            (
                "Lot",
                "Épreuve",
                "Correcteur",
                "Copies",
                "Moyenne",
                "Écart-type",
                "Écart à l'épreuve",
                "Signalement",
            ),  # fmt: skip
            tuple(lot_rows),
            {0: FORMAT_INT, 3: FORMAT_INT, 4: FORMAT_2, 5: FORMAT_2, 6: FORMAT_2},
            summary=False,
        ),
    ]


# --- inspecteurs ----------------------------------------------------------------------------------

_DIMENSIONS = ("Série", "Établissement", "Centre", "Sexe", "Statut")


def _previous(session_id: int) -> ExamSession | None:
    this = ExamSession.get_by_id(session_id)
    return ExamSession.get_or_none(
        (ExamSession.year == this.year - 1) & (ExamSession.kind == this.kind)
    )


def _inspecteurs(
    reg: Regulation,
    session_id: int,
    where: Any,
    prev_where: Any | None,
    prev_year: int | None,
    step: Callable[[str], None],
) -> list[StatTable]:
    dims = [C.series, C.etablissement, C.centre, C.sex, C.status]
    step("inscrits, présents, admis")
    cube = candidate_counts(reg, where, dims)
    prev_cube: dict[tuple[Any, ...], Counts] = {}
    if prev_where is not None:
        step(f"session {prev_year}")
        prev_cube = candidate_counts(reg, prev_where, dims)
    etabs = _etablissements(sorted({k[1] for k in (*cube, *prev_cube) if k[1] is not None}))
    centres = {
        cid: (code, name)
        for cid, code, name in Centre.select(Centre.id, Centre.code, Centre.name)
        .where(
            Centre.id.in_(sorted({k[2] for k in (*cube, *prev_cube) if k[2] is not None}) or [0])
        )
        .tuples()
    }

    def label(index: int, value: Any) -> tuple[str, ...]:
        if index == 0:
            return (value,)
        if index == 1:
            return etabs.get(value, ("—", "sans établissement"))
        if index == 2:
            return centres.get(value, ("—", "sans centre"))
        if index == 3:
            return (SEXES.get(value, value),)
        return (STATUSES.get(value, value),)

    mention_codes = [code for _, code, _ in reg.mentions][::-1]  # AB, B, TB, TBF
    tables = []
    for index, dim in enumerate(_DIMENSIONS):
        rolled: dict[tuple[str, ...], Counts] = {}
        prev_rolled: dict[tuple[str, ...], Counts] = {}
        for source, target in ((cube, rolled), (prev_cube, prev_rolled)):
            for key, c in source.items():
                target.setdefault(label(index, key[index]), Counts()).__iadd__(c)
        keys = (
            sorted(rolled)
            if index
            else [(s,) for s in reg.series_codes if (s,) in rolled]
            + [k for k in sorted(rolled) if k[0] not in reg.series_codes]
        )
        total, prev_total = Counts(), Counts()
        for c in rolled.values():
            total += c
        for c in prev_rolled.values():
            prev_total += c
        width = len(keys[0]) if keys else (2 if index in (1, 2) else 1)
        key_heads = ("UAI", "Établissement") if index == 1 else ("Code", "Centre")
        key_heads = key_heads if width == 2 else (dim,)
        rows = []
        for key in [*keys, None]:
            c = total if key is None else rolled[key]
            p = prev_total if key is None else prev_rolled.get(key)
            shown_key = key or (("Ensemble",) + ("",) * (width - 1))
            row = shown_key + (
                c.registered, c.present, c.admitted_first, c.admitted_second, c.admitted,
                ratio(c.admitted, c.present),
            ) + tuple((c.mentions or {}).get(m, 0) for m in mention_codes)  # fmt: skip
            if prev_where is not None:
                rate = ratio(c.admitted, c.present)
                prev_rate = ratio(p.admitted, p.present) if p else None
                row += (
                    p.registered if p else None,
                    p.admitted if p else None,
                    prev_rate,
                    rate - prev_rate if rate is not None and prev_rate is not None else None,
                )
            rows.append(row)
        heads = key_heads + (
            "Inscrits", "Présents", "Admis 1er groupe", "Admis 2d groupe", "Admis",
            "Taux de réussite",
        ) + tuple(mention_codes)  # fmt: skip
        fmt = {width + i: FORMAT_INT for i in range(5)} | {width + 5: FORMAT_PERCENT}
        fmt |= {width + 6 + i: FORMAT_INT for i in range(len(mention_codes))}
        charts_cols: tuple[int, ...] = (width + 5,)
        if prev_where is not None:
            heads += (f"Inscrits {prev_year}", f"Admis {prev_year}",
                      f"Taux {prev_year}", "Évolution du taux")  # fmt: skip
            n = width + 6 + len(mention_codes)
            fmt |= {n: FORMAT_INT, n + 1: FORMAT_INT, n + 2: FORMAT_PERCENT, n + 3: FORMAT_PERCENT}
            charts_cols = (width + 5, n + 2)
        charts = ()
        if len(keys) <= CHART_MAX and index in (0, 3, 4):
            charts = (Chart(f"Taux de réussite par {dim.lower()}", 0, charts_cols, "taux"),)
        tables.append(
            StatTable(
                f"Résultats par {dim.lower()}",
                dim,
                heads,
                tuple(rows),
                fmt,
                charts,
                note="Présent : au moins une note (non ABS) à une épreuve terminale. Taux de "
                "réussite : admis (premier et second groupe) / présents.",
                pdf_widths=((1.6, 4.5) if width == 2 else (2.2,)) + (1.3,) * (len(heads) - width),
            )
        )
    return tables


# --- entry point ----------------------------------------------------------------------------------


def build_statistics(
    session_id: int,
    *,
    kind: str = "tout",
    jury: int | None = None,
    etablissement: str | None = None,
    progress: Progress | None = None,
) -> StatisticsDocument:
    """The statistics document (dataclasses) of the session for ``kind``."""
    if kind not in KINDS:
        raise ServiceError(
            f"Type de statistiques inconnu : « {kind} » (attendu : {', '.join(KINDS)})."
        )
    if jury is not None and etablissement:
        raise ServiceError("Statistiques : --jury ou --etablissement, pas les deux.")
    session = ExamSession.get_by_id(session_id)
    reg = regulation_of(session_id)
    jury_id = etab_id = None
    scope = "toute l'académie"
    if jury is not None:
        jury_id = find_jury(session_id, jury).id
        scope = f"jury n° {jury}"
    if etablissement:
        uai = etablissement.strip().upper()
        etab = Etablissement.get_or_none(Etablissement.uai == uai)
        if etab is None:
            raise ServiceError(f"Établissement « {uai} » : aucun établissement de cet UAI.")
        etab_id, scope = etab.id, f"établissement {uai} — {etab.name}"
    where = scope_where(session_id, jury_id, etab_id)
    parts = ["commission", "harmonisation", "inspecteurs"] if kind == "tout" else [kind]
    steps = {"commission": 2, "harmonisation": 1, "inspecteurs": 2}
    total = sum(steps[p] for p in parts)
    done = 0

    def step(label: str) -> None:
        nonlocal done
        if progress is not None:
            progress(label, done, total)
        done += 1

    tables: list[StatTable] = []
    for part in parts:
        if part == "commission":
            tables += _commission(reg, where, step)
        elif part == "harmonisation":
            tables += _harmonisation(reg, session_id, where, step)
        else:
            prev = _previous(session_id)
            prev_where = None
            if prev is not None and jury_id is None:
                prev_where = scope_where(prev.id, None, etab_id)
            tables += _inspecteurs(
                reg, session_id, where, prev_where, prev.year if prev else None, step
            )
            if prev is not None and jury_id is not None:
                done += 1
    if progress is not None:
        progress("terminé", total, total)
    return StatisticsDocument(KIND_TITLES[kind], session.year, scope, tuple(tables))


def generate_statistics(
    session_id: int,
    path: Path | str,
    *,
    kind: str = "tout",
    jury: int | None = None,
    etablissement: str | None = None,
    progress: Progress | None = None,
) -> IssuedDocument:
    """Write the statistics to ``path`` (.xlsx workbook, or .pdf summary) and record it."""
    from baktui.exports.statistics_pdf import write_statistics_pdf
    from baktui.exports.statistics_xlsx import write_statistics_xlsx

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise ServiceError(f"{target.name} : les statistiques s'écrivent en .xlsx ou en .pdf.")
    document = build_statistics(
        session_id, kind=kind, jury=jury, etablissement=etablissement, progress=progress
    )
    if suffix == ".pdf":
        head = letterhead()

        def write(t: Path) -> object:
            return write_statistics_pdf(t, document, academie=head)
    else:

        def write(t: Path) -> object:
            return write_statistics_xlsx(t, document)

    return documents.issue(
        STATISTIQUES,
        target.name,
        write,
        examiners=[None],
        count=len(document.tables),
        path=target,
        reason=f"statistiques ({kind}, {document.scope})",
    )
