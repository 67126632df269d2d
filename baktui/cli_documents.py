"""``baktui documents``: every document the office prints from the command line.

PV, second-group convocations, statistics, the documents after deliberation (relevés, diplômes,
attestations, CFES, dispatch lists) and the logistics documents (convocations, émargement,
workbook, labels): the parser's options and what each document calls, apart from the rest of
the CLI (:mod:`baktui.cli`), which runs it on the session asked for.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baktui.cli_progress import progress_bar
from baktui.errors import ServiceError
from baktui.rules.french import plural


def add_parser(sub: Any) -> None:
    """``baktui documents DOCUMENT FICHIER [options]``."""
    docs = sub.add_parser("documents", help="édite un document : PV, convocations du 2d groupe")
    docs.add_argument("what", choices=["pv", "second-groupe", "statistiques", *DOC_KINDS,
                                       *LOGISTICS_DOCS],
                      metavar="DOCUMENT", help="ce qu'on édite : pv, second-groupe, statistiques, "
                      + ", ".join([*DOC_KINDS, *LOGISTICS_DOCS]))  # fmt: skip
    docs.add_argument("out", type=Path, metavar="FICHIER", help="fichier .pdf (ou .xlsx) à écrire")
    docs.add_argument("--type", dest="stats_kind", default="tout", metavar="TYPE",
                      choices=["commission", "harmonisation", "inspecteurs", "tout"],
                      help="statistiques : commission|harmonisation|inspecteurs|tout (défaut)")  # fmt: skip
    docs.add_argument("--jury", type=int, default=None, help="numéro du jury (obligatoire : pv)")
    docs.add_argument("--groupe", type=int, choices=[1, 2], default=1, help="1 (défaut) ou 2")
    docs.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    docs.add_argument("--etablissement", metavar="UAI", default=None, help="un établissement (UAI)")
    docs.add_argument("--centre", metavar="CODE", default=None, help="un centre")
    docs.add_argument("--candidat", metavar="INE|NUMERO", default=None, help="un candidat")
    docs.add_argument("--epreuve", metavar="CODE", default=None,
                      help="etiquettes-anonymat : une épreuve (PHI, SP1…) ; deroulement : un oral "
                      "(GO, FRO, 2G-PHI…)")  # fmt: skip
    docs.add_argument("--fenetre", action="store_true",
                      help="adresse pour enveloppe à fenêtre (convocations : des candidats "
                      "individuels)")  # fmt: skip


def issuer(args: argparse.Namespace) -> Callable[[int], str]:
    """What ``baktui documents`` does on the session (its id): the French report."""
    from baktui.services.pv import issue_pv
    from baktui.services.second_group_convocations import issue_second_group

    def issued(sid: int) -> str:
        if args.what == "statistiques":
            return _statistics(sid, args)
        if args.what in DOC_KINDS:
            return _final_documents(sid, args)
        if args.what in LOGISTICS_DOCS:
            return _logistics_documents(sid, args)
        if args.what == "second-groupe":
            conv, sheet, batch = issue_second_group(sid, args.jury, path=args.out)
            late = (
                f" ; {batch.without_choice} sans choix, non convoqués"
                if batch.without_choice
                else ""
            )
            return f"Second groupe : {conv.count} convocations → {conv.path} ; {sheet.count} fiches d'examinateurs → {sheet.path}{late}"
        if args.jury is None:
            raise ServiceError("documents pv : --jury N est obligatoire.")
        with progress_bar(f"Procès-verbal du jury n° {args.jury}", unit="candidats") as progress:
            doc = issue_pv(sid, args.jury, args.groupe, path=args.out, progress=progress)
        return f"Procès-verbal du jury n° {args.jury} (groupe {args.groupe}) : {doc.count} candidats → {doc.path}"

    return issued


def _statistics(sid: int, args: argparse.Namespace) -> str:
    """baktui documents statistiques: the workbook or PDF, a rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import Progress

    from baktui.services.statistics import generate_statistics

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Statistiques", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"Statistiques : {step}", completed=done, total=total)

        doc = generate_statistics(
            sid, args.out, kind=args.stats_kind, jury=args.jury,
            etablissement=args.etablissement, progress=progress,
        )  # fmt: skip
    return f"Statistiques ({args.stats_kind}) : {doc.count} tableaux → {doc.path}"


LOGISTICS_DOCS = ("convocations", "emargement", "deroulement", "logistique",
                  "etiquettes-table", "etiquettes-anonymat")  # fmt: skip


def _logistics_documents(sid: int, args: argparse.Namespace) -> str:
    """Candidates' convocations to the written épreuves, émargement lists (from the placement)."""
    from baktui.services import candidate_convocations as cc
    from baktui.services.sessions import session_info

    session = session_info(sid)
    assert session is not None
    if args.what == "convocations":
        with progress_bar("Convocations", unit="lettres") as progress:
            doc = cc.issue_convocations(
                session, centre_code=args.centre, candidate=args.candidat, window=args.fenetre,
                path=args.out, progress=progress,
            )  # fmt: skip
        who = (
            plural(doc.count, "candidat individuel", "candidats individuels")
            if args.fenetre
            else plural(doc.count, "candidat")
        )
        return f"Convocations aux épreuves : {who} → {doc.path}"
    if args.what == "deroulement":
        from baktui.services.oral_lists import issue_running_lists

        with progress_bar("Listes de déroulement") as progress:
            doc = issue_running_lists(session, centre_code=args.centre, code=args.epreuve,
                                      path=args.out, progress=progress)  # fmt: skip
        return f"Listes de déroulement des oraux : {plural(doc.count, 'commission')} → {doc.path}"
    if args.what.startswith("etiquettes-"):
        kind = args.what.removeprefix("etiquettes-")
        with progress_bar(f"Étiquettes ({kind})") as progress:
            doc = cc.issue_labels(session, kind, centre_code=args.centre, epreuve=args.epreuve,
                                  path=args.out, progress=progress)  # fmt: skip
        return f"Étiquettes ({kind}) : {plural(doc.count, 'étiquette')} → {doc.path}"
    if args.what == "logistique":
        with progress_bar("Statistiques logistiques", waiting="") as progress:
            doc = cc.issue_logistics_workbook(session, path=args.out, progress=progress)
        return (
            f"Statistiques logistiques (épreuves, centres et salles, séries, options) → {doc.path}"
        )
    with progress_bar("Listes d'émargement") as progress:
        doc = cc.issue_signing_sheets(
            session, centre_code=args.centre, path=args.out, progress=progress
        )
    return f"Listes d'émargement : {plural(doc.count, 'salle et épreuve', 'salles et épreuves')} → {doc.path}"


DOC_KINDS = {
    "releves": "releve",
    "diplomes": "diplome",
    "attestations": "attestation",
    "certificats": "cfes",
    "envois": "liste_envoi",
}


def _final_documents(sid: int, args: argparse.Namespace) -> str:
    """Relevés, diplômes, attestations, CFES or dispatch lists, with a progress bar on stderr."""
    from baktui.services.transcripts import Scope, issue_dispatch, issue_documents

    picked = [
        (kind, key)
        for kind, key in (
            ("jury", args.jury),
            ("etablissement", args.etablissement),
            ("centre", args.centre),
            ("candidat", args.candidat),
        )
        if key is not None
    ]
    if len(picked) > 1:
        raise ServiceError("Une seule portée : --jury, --etablissement, --centre ou --candidat.")
    scope = Scope(picked[0][0], str(picked[0][1])) if picked else Scope()
    kind = DOC_KINDS[args.what]
    if kind == "liste_envoi":
        return issue_dispatch(sid, scope, path=args.out).render()
    with progress_bar(f"{args.what} ({scope.label()})", unit="candidats") as progress:
        run = issue_documents(
            sid, kind, scope, path=args.out, window=args.fenetre, progress=progress
        )
    return run.render()
