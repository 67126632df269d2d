"""The commands of a session's life beyond the grades: close it, open September from June,
archive it, back the base up, print the home counts (``baktui etat``), write the sample files.

Kept apart from :mod:`baktui.cli` (which parses the global options and dispatches); the helpers
it shares (opening the base, French errors) are imported from it when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from baktui.data import db as dbmod
from baktui.errors import ServiceError
from baktui.rules.french import plural

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parsers(sub: Any) -> None:
    """The sub-commands of this module (their ``--kind`` is added by the caller)."""
    save = sub.add_parser(
        "sauvegarde", help="copie la base SQLite dans un fichier, même pendant qu'on y travaille"
    )
    save.add_argument("file", type=Path, help="fichier de la sauvegarde (ex. bac2026-0615.sqlite)")
    save.add_argument("--remplacer", action="store_true", help="écrase le fichier s'il existe déjà")

    samples = sub.add_parser(
        "exemples", help="écrit les fichiers d'exemple (une petite académie fictive) dans DOSSIER"
    )
    samples.add_argument("folder", type=Path, metavar="DOSSIER", help="dossier (créé s'il manque)")

    clore = sub.add_parser("clore", help="clôt une session : elle devient en lecture seule")
    clore.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    rempl = sub.add_parser(
        "remplacement", help="session de remplacement : y reporte les candidats AJ de juin"
    )
    rempl.add_argument(
        "action",
        choices=["ouvrir", "ajouter", "reprendre"],
        help="ouvrir (ou compléter) · ajouter un candidat · reprendre les centres, salles et "
        "jurys de juin",
    )
    rempl.add_argument("numero", nargs="?", metavar="NUMERO", help="ajouter : n° du candidat")
    rempl.add_argument("--motif", default="", help="ajouter : motif (certificat reçu…)")
    rempl.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    arch = sub.add_parser(
        "archiver", help="archive une session close (base, PV, résultats, sommes de contrôle)"
    )
    arch.add_argument("file", type=Path, metavar="FICHIER", help="l'archive (.zip)")
    how = arch.add_mutually_exclusive_group()
    how.add_argument("--verifier", action="store_true", help="vérifie une archive existante")
    how.add_argument(
        "--ouvrir", action="store_true", help="ouvre une archive dans baktui (lecture seule)"
    )
    arch.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    count = sub.add_parser(
        "compteurs",
        help="les compteurs de l'accueil et des notes manquantes : reconstruire ou vérifier",
    )
    count.add_argument(
        "action",
        choices=["reconstruire", "verifier"],
        help="reconstruire : les recompte (journalisé) · verifier : les compare à un recomptage "
        "et nomme ceux qui diffèrent (code 1)",
    )
    count.add_argument(
        "--session", type=int, default=None, help="année (toutes les sessions de la base sinon)"
    )
    state = sub.add_parser(
        "etat", help="imprime les chiffres de l'accueil (à traiter, résultats), pour un script"
    )
    state.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    state.add_argument(
        "--csv",
        action="store_true",
        help="une ligne « libellé;nombre » par chiffre, sans mise en forme",
    )


def cmd_sauvegarde(args: argparse.Namespace) -> int:
    """The base copied with SQLite's online backup (colleagues may keep writing); no migration,
    no session needed."""
    from baktui.cli import _err
    from baktui.cli_progress import progress_bar
    from baktui.services.backup import PHASES, back_up

    try:
        with progress_bar("Sauvegarde", PHASES, waiting="copie") as progress:
            backup = back_up(
                dbmod.resolve_target(args.db), args.file, replace=args.remplacer, progress=progress
            )
        print(backup.render())
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    return EXIT_OK


def cmd_remplacement(args: argparse.Namespace) -> int:
    """Open the replacement session from June's AJ candidates, or carry one more (a reason)."""
    from baktui.cli import _err, _open
    from baktui.services import replacement_session

    if not _open(args.db):
        return EXIT_REFUSED
    try:
        if args.action == "ouvrir":
            report = replacement_session.open_replacement(args.session)
        elif args.action == "reprendre":
            report = replacement_session.copy_organisation(args.session)
        else:
            if not args.numero:
                raise ServiceError("Numéro du candidat à reporter manquant (NUMERO).")
            report = replacement_session.add_late(args.session, args.numero, args.motif)
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    print(report.render())
    return EXIT_OK


def cmd_archiver(args: argparse.Namespace) -> int:
    """Write, check or open the archive of a closed session (:mod:`baktui.services.archive`)."""
    from baktui.cli import _err, _open, _run_app
    from baktui.services import archive
    from baktui.services.sessions import require_session

    try:
        if args.verifier:
            check = archive.verify_archive(args.file)
            (print if check.ok else _err)(check.render())
            return EXIT_OK if check.ok else EXIT_REFUSED
        if args.ouvrir:
            with archive.opened(args.file) as target:
                return _run_app(target)
        if not _open(args.db):
            return EXIT_REFUSED
        session = require_session(args.session, args.kind)
        print(
            archive.write_archive(
                dbmod.resolve_target(args.db), session, args.file, progress=print
            ).render()
        )
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    return EXIT_OK


def cmd_clore(args: argparse.Namespace) -> int:
    """Close a session: every write refused from now on, reprints still possible."""
    from baktui.cli import _on_session
    from baktui.services.sessions import close_session

    def closed(session_id: int) -> str:
        info = close_session(session_id)
        return (
            f"Session {info.year} {info.kind} close : elle est désormais en lecture seule "
            "(les documents restent imprimables)."
        )

    return _on_session(args, closed)


def cmd_exemples(args: argparse.Namespace) -> int:
    """The sample files of the package, for a first try of the imports (no base needed)."""
    from baktui.cli import _err
    from baktui.services.samples import copy_samples

    try:
        written = copy_samples(args.folder)
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    print(f"{plural(len(written), 'fichier écrit', 'fichiers écrits')} dans {args.folder} : "
          + ", ".join(p.name for p in written))  # fmt: skip
    return EXIT_OK


def cmd_compteurs(args: argparse.Namespace) -> int:
    """Rebuild the maintained counters (audited), or check them against a fresh recount."""
    from baktui.cli import _err, _open
    from baktui.cli_progress import progress_bar
    from baktui.rules.numbers import thousands
    from baktui.services import counters
    from baktui.services.sessions import require_session

    if not _open(args.db):
        return EXIT_REFUSED
    try:
        session_id = (
            require_session(args.session, args.kind).id
            if args.session is not None or args.kind is not None
            else None
        )
        if args.action == "reconstruire":
            with progress_bar("Compteurs : recomptage (sessions)", waiting="") as progress:
                rebuilt = counters.rebuild(session_id, progress=progress)
            for label, written in rebuilt:
                print(f"Session {label} : compteurs reconstruits "
                      f"({plural(written, 'compteur', 'compteurs')}).")  # fmt: skip
            return EXIT_OK
        differing = False
        with progress_bar("Compteurs : vérification (sessions)", waiting="") as progress:
            checks = counters.verify(session_id, progress=progress)
        for check in checks:
            if not check.differences:
                checked = plural(check.checked, "compteur vérifié", "compteurs vérifiés")
                print(f"Session {check.label} : {checked}, tous exacts.")
                continue
            differing = True
            differ = plural(len(check.differences), "compteur diffère", "compteurs diffèrent")
            print(f"Session {check.label} : {differ} du recomptage :")
            for diff in check.differences[:MAX_SHOWN]:
                print(f"  {diff.key} — {diff.field} : {thousands(diff.stored)} enregistrés, "
                      f"{thousands(diff.counted)} recomptés")  # fmt: skip
            if len(check.differences) > MAX_SHOWN:
                print(f"  … et {thousands(len(check.differences) - MAX_SHOWN)} autres")
        if differing:
            print("Corrigez-les avec « baktui compteurs reconstruire ».")
        return EXIT_REFUSED if differing else EXIT_OK
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED


MAX_SHOWN = 20  # differences printed by « compteurs verifier »


def cmd_etat(args: argparse.Namespace) -> int:
    """The home screen's figures, as the home screen counts them (same lines, same queries)."""
    from baktui.cli import _on_session
    from baktui.cli_progress import progress_bar
    from baktui.services.counters import STALE_WARNING
    from baktui.services.home_lines import report_lines
    from baktui.services.stats import home_counts

    def counted(session_id: int) -> str:
        # a spinner and the time spent: the logistics checks take half a minute for a country
        with progress_bar("Chiffres de l'accueil", waiting=""):
            counts = home_counts(session_id)
        if counts.counters_inconsistent:
            print(STALE_WARNING, file=sys.stderr)
        lines = report_lines(counts)
        if args.csv:
            return "\n".join(f"{label.strip()};{value if value is not None else ''}"
                             for label, value in lines)  # fmt: skip
        width = max(len(label) for label, _ in lines)
        return "\n".join(f"{label:<{width}}  {value if value is not None else '—':>9}"
                         for label, value in lines)  # fmt: skip

    return _on_session(args, counted)


COMMANDS = {
    "clore": cmd_clore,
    "archiver": cmd_archiver,
    "remplacement": cmd_remplacement,
    "sauvegarde": cmd_sauvegarde,
    "exemples": cmd_exemples,
    "etat": cmd_etat,
    "compteurs": cmd_compteurs,
}
