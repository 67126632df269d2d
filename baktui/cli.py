"""The ``baktui`` command: open the app, build the demo, and the batch commands of the office.

The commands call the same services as the app. Messages are in French; a refused operation
exits with a non-zero code and says why.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import peewee

from baktui import __version__, cli_documents, cli_orals, cli_serve, cli_sessions
from baktui.cli_french import FrenchParser
from baktui.cli_progress import progress_bar
from baktui.config import get_config
from baktui.data import db as dbmod
from baktui.errors import BaktuiError, ConfigError, DatabaseError, ServiceError
from baktui.logs import get_logger, setup_logging
from baktui.rules.french import plural
from baktui.rules.progress import Progress
from baktui.services.imports import IMPORTS

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2

NO_DATABASE_HELP = """\
Aucune base baktui à « {target} ».

Pour commencer :
  baktui demo                              ouvre une académie de démonstration
  baktui --db FICHIER init --session 2026  crée une base vide avec la réglementation 2026
  baktui --db FICHIER                      ouvre une base existante

La base se choisit par --db CHEMIN (ou sqlite:///CHEMIN, postgresql://…), sinon par la variable
BAKTUI_DB, sinon « {default} ».
"""


DB_OPTION = {
    "metavar": "BASE",
    "help": "fichier SQLite, sqlite:///chemin ou postgresql://… (sinon $BAKTUI_DB, "
    "sinon le dossier de données de l'utilisateur)",
}


class Parser(FrenchParser):
    GLOBAL_OPTIONS = ((("--db",), DB_OPTION),)  # also after the sub-command: baktui demo --db x


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="baktui",
        description="Le terminal de la division des examens pour le baccalauréat technologique.",
        epilog="Sans commande, baktui ouvre l'application sur la base choisie.",
    )
    parser.add_argument("--db", **DB_OPTION)  # type: ignore[arg-type]
    parser.add_argument("--version", action="version", version=f"baktui {__version__}")
    # the application's session (the sub-commands have their own --session and --kind)
    parser.add_argument(
        "--session",
        dest="app_session",
        metavar="ANNEE",
        type=int,
        default=None,
        help="sans commande : l'année de la session à ouvrir (courante sinon)",
    )
    parser.add_argument("--kind", dest="app_kind", choices=["normale", "remplacement"],
                        default=None, help="sans commande : le type de cette session")  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")

    demo = sub.add_parser(
        "demo", help="construit une académie de démonstration et ouvre baktui dessus"
    )
    demo.add_argument("--seed", type=int, default=2026, help="graine (même graine, mêmes données)")
    demo.add_argument(
        "--candidates",
        "--size",
        dest="candidates",
        type=int,
        default=12_000,
        help="nombre de candidats (12 000 par défaut ; 700 000 pour l'échelle nationale)",
    )
    demo.add_argument(
        "--rebuild", action="store_true", help="reconstruit la démo même si elle existe déjà"
    )
    demo.add_argument(
        "--no-open", action="store_true", help="construit la base sans ouvrir l'application"
    )

    init = sub.add_parser("init", help="crée une base vide et ouvre le registre d'une session")
    init.add_argument("--session", type=int, default=2026, help="année de la session (2026)")
    init.add_argument(
        "--kind", choices=["normale", "remplacement"], default="normale", help="type de session"
    )

    imp = sub.add_parser("import", help="importe un fichier de candidats, notes, établissements…")
    imp.add_argument(
        "what",
        choices=list(IMPORTS),
        metavar="NATURE",
        help="nature du fichier : " + ", ".join(IMPORTS),
    )
    imp.add_argument("file", type=Path, metavar="FICHIER", help="fichier .csv ou .xlsx")
    imp.add_argument("--session", type=int, default=None, help="année (session courante sinon)")

    delib = sub.add_parser("deliberer", help="calcule les résultats (premier et second groupe)")
    delib.add_argument("--jury", type=int, default=None, help="seulement ce numéro de jury")
    delib.add_argument(
        "--tout",
        action="store_true",
        help="recalcule tous les candidats (sinon : ceux dont une note, l'inscription ou le "
        "dossier a changé depuis la dernière délibération)",
    )
    delib.add_argument("--session", type=int, default=None, help="année (session courante sinon)")

    jur = sub.add_parser("jurys", help="répartit les candidats dans les jurys")
    jur.add_argument("action", choices=["repartir"], help="ce qu'on fait")
    jur.add_argument(
        "--tout", action="store_true", help="replace aussi les candidats qui ont déjà un jury"
    )
    jur.add_argument("--session", type=int, default=None, help="année (session courante sinon)")

    plc = sub.add_parser("placer", help="place les candidats aux épreuves écrites (salle, place)")
    plc.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    cli_orals.add_parser(sub)

    conf = sub.add_parser(
        "config", help="montre la configuration en vigueur (fichiers lus, réglages, touches)"
    )
    conf.add_argument(
        "--touches", action="store_true", help="liste aussi toutes les touches et leur identifiant"
    )

    check = sub.add_parser(
        "verifier",
        help="vérifie que le journal d'audit n'a été ni modifié ni effacé (protections, empreintes)",
        description="Vérifie les protections du journal d'audit puis l'empreinte de chaque "
        "entrée, dans l'ordre : nomme la première entrée modifiée, écrite hors de baktui ou "
        "suivant des entrées effacées (code de sortie 1), sinon compte les entrées vérifiées "
        "(code 0) et donne l'empreinte de la dernière, à noter hors de la base.",
    )
    check.add_argument(
        "--empreinte",
        metavar="N:EMPREINTE",
        type=_noted_seal,
        help="l'empreinte notée d'une entrée (son numéro, deux-points, au moins les 8 premiers "
        "caractères) : vérifie qu'elle est toujours là (journal ni réécrit ni amputé)",
    )

    cli_documents.add_parser(sub)
    cli_serve.add_parsers(sub)

    pub = sub.add_parser("publier", help="publie les résultats d'un jury ou de tous les jurys")
    pub.add_argument("--jury", type=int, default=None, help="seulement ce numéro de jury")
    pub.add_argument("--final", action="store_true", help="publication définitive (2e groupe)")
    pub.add_argument("--session", type=int, default=None, help="année (session courante sinon)")

    rect = sub.add_parser("rectifier", help="rectifie une note après publication (motif)")
    rect.add_argument("candidate", metavar="CANDIDAT", help="numéro de candidat ou INE")
    rect.add_argument("epreuve", metavar="EPREUVE", help="code de l'épreuve (ou FR, PHI…)")
    rect.add_argument("note", metavar="NOTE", help="la note rectifiée (12, 12,5, ABS…)")
    rect.add_argument("--motif", required=True, help="motif de la rectification (obligatoire)")
    rect.add_argument("--groupe", type=int, choices=[1, 2], default=1, help="1 (défaut) ou 2")
    rect.add_argument("--session", type=int, default=None, help="année (session courante sinon)")

    exp = sub.add_parser("export", help="exporte les résultats (CSV ou XLSX)")
    exp.add_argument("what", choices=["resultats"], help="ce qu'on exporte")
    exp.add_argument("out", type=Path, help="fichier .csv ou .xlsx à écrire")
    exp.add_argument("--session", type=int, default=None, help="année (session courante sinon)")
    exp.add_argument(
        "--forcer",
        action="store_true",
        help="exporte même si des notes ont changé depuis la dernière délibération",
    )
    cli_sessions.add_parsers(sub)
    for action in sub.choices.values():
        if any("--session" in a.option_strings for a in action._actions) and action is not init:
            action.add_argument(
                "--kind",
                choices=["normale", "remplacement"],
                default=None,
                help="type de session (normale d'abord sinon)",
            )
    return parser


def _noted_seal(text: str) -> tuple[int, str]:
    number, _, seal = text.strip().partition(":")
    seal = seal.strip().lower()
    if not (
        number.strip().isdigit() and len(seal) >= 8 and all(c in "0123456789abcdef" for c in seal)
    ):
        raise argparse.ArgumentTypeError(
            f"« {text} » : attendu le numéro de l'entrée, deux-points, puis au moins 8 caractères "
            "de son empreinte (ex. 1234:7b39aef8)"
        )
    return int(number), seal


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _open(
    target: str | None,
    *,
    create: bool = False,
    warned: Callable[[str], object] | None = None,
) -> bool:
    """Open the database for a batch command; print the reason and return False if impossible.

    A warning of the opening (the audit log's protections had been removed) goes to stderr, and
    to ``warned``."""
    resolved = dbmod.resolve_target(target)
    if not create and not dbmod.exists(resolved):
        _err(
            NO_DATABASE_HELP.format(
                target=dbmod.describe_target(resolved), default=dbmod.default_db_path()
            )
        )
        return False

    def warn(message: str) -> None:
        _err(message)
        if warned is not None:
            warned(message)

    try:
        dbmod.open_database(resolved, create=create, progress=print, warn=warn)
    except DatabaseError as exc:
        _err(str(exc))
        return False
    return True


def _run_app(target: str, year: int | None = None, kind: str | None = None) -> int:
    """Open the base (its schema brought up to date here, before the screen is taken), then run
    the application on it (which shows the opening's warnings again), on the session asked for
    (``year``/``kind``) or the current one."""
    warnings: list[str] = []
    if not _open(target, warned=warnings.append):
        return EXIT_REFUSED
    from baktui.app import BaktuiApp

    session_id = None
    if year is not None or kind is not None:
        from baktui.services.sessions import require_session

        try:
            session_id = require_session(year, kind).id
        except ServiceError as exc:
            _err(str(exc))
            return EXIT_REFUSED
    app = BaktuiApp(db_target=target, warnings=warnings, session_id=session_id)
    app.run()
    return EXIT_REFUSED if app.return_code else EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    return _run_app(dbmod.resolve_target(args.db), args.app_session, args.app_kind)


def cmd_demo(args: argparse.Namespace) -> int:
    from baktui.demo import build_demo, default_demo_path

    target = args.db or str(default_demo_path(args.candidates))
    if args.rebuild or not dbmod.exists(target):
        started = time.perf_counter()
        print(f"Construction de l'académie de démonstration ({args.candidates} candidats)…")
        summary = build_demo(target, seed=args.seed, candidates=args.candidates, progress=print)
        print(
            f"{summary} en {time.perf_counter() - started:.1f} s".replace(".", ",")
            + f" → {dbmod.describe_target(target)}"
        )
    else:
        print(f"Démo existante : {dbmod.describe_target(target)} (--rebuild pour la reconstruire)")
    if args.no_open:
        return EXIT_OK
    return _run_app(target)


def cmd_init(args: argparse.Namespace) -> int:
    from baktui.services.rates import seed_default_rates
    from baktui.services.sessions import open_registre

    if not _open(args.db, create=True):
        return EXIT_REFUSED
    try:
        info = open_registre(args.session, args.kind)
        seeded = seed_default_rates()
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    print(
        f"Registre ouvert : {info.title} → {dbmod.describe_target(dbmod.resolve_target(args.db))}"
    )
    if seeded:
        print(
            f"{seeded} taux réglementaires de frais chargés (F9 Organisation, Taux, pour les modifier)"
        )
    return EXIT_OK


def _on_session(args: argparse.Namespace, run: Callable[[int], str]) -> int:
    """Open the base, find the session asked for (--session, else the current one) and run a
    batch command on it; print its French report, or the refusal."""
    from baktui.data.closing import working_on
    from baktui.services.sessions import require_session

    if not _open(args.db):
        return EXIT_REFUSED
    try:
        session_id = require_session(args.session, getattr(args, "kind", None)).id
        with working_on(session_id):
            print(run(session_id))
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    return EXIT_OK


IMPORT_NAMES = {"candidats": "des candidats", "notes": "des notes"}


def _import_bar(what: str) -> AbstractContextManager[Progress | None]:
    """The import's bar (lines checked, then written: count and rate), given as its
    ``progress``; None (nothing printed) when stderr is not a terminal."""
    name = IMPORT_NAMES.get(what, f"des {what}")
    return progress_bar(f"Import {name}", ("vérification", "écriture"), unit="lignes")


def cmd_import(args: argparse.Namespace) -> int:
    from baktui.services.imports import run_import

    refused = False

    def imported(session_id: int) -> str:
        nonlocal refused
        with _import_bar(args.what) as progress:
            report = run_import(args.what, session_id, args.file, progress)
        refused = not report.ok
        return report.render()

    code = _on_session(args, imported)
    return EXIT_REFUSED if refused else code


def cmd_deliberer(args: argparse.Namespace) -> int:
    """The deliberation, with a progress bar on stderr (minutes for a whole académie)."""
    from baktui.services.deliberation import deliberate_session

    def deliberated(sid: int) -> str:
        with progress_bar("Délibération", unit="candidats") as progress:
            summary = deliberate_session(sid, jury=args.jury, everyone=args.tout, progress=progress)
        return summary.render()

    return _on_session(args, deliberated)


def cmd_jurys(args: argparse.Namespace) -> int:
    """The répartition, with a bar on stderr (a minute and more with --tout at national scale)."""
    from baktui.services.distribution import PHASES, distribute_candidates

    def distributed(sid: int) -> str:
        with progress_bar("Répartition", PHASES) as progress:
            return distribute_candidates(sid, reassign=args.tout, progress=progress).render()

    return _on_session(args, distributed)


def cmd_placer(args: argparse.Namespace) -> int:
    """The placement then its checks, each with a bar on stderr (two minutes for a country)."""
    from baktui.services.placement import place_candidates
    from baktui.services.placement_checks import placement_checks, render

    def placed(sid: int) -> str:
        with progress_bar("Placement", ("séances", "salles et places")) as progress:
            summary = place_candidates(sid, progress=progress)
        with progress_bar("Contrôles du placement", waiting="") as progress:
            checks = placement_checks(sid, progress=progress)
        return summary.render() + "\n" + render(checks)

    return _on_session(args, placed)


def cmd_oraux(args: argparse.Namespace) -> int:
    return _on_session(args, cli_orals.runner(args))


def cmd_export(args: argparse.Namespace) -> int:
    from baktui.services.deliberation_runs import staleness
    from baktui.services.results_export import export_results

    def exported(session_id: int) -> str:
        stale = staleness(session_id) if args.forcer else None
        with progress_bar("Export des résultats", unit="lignes", waiting="contrôles") as progress:
            count = export_results(session_id, args.out, force=args.forcer, progress=progress)
        if stale:
            _err(f"ATTENTION : exporté malgré {stale} (--forcer).")
        return f"{plural(count, 'résultat exporté', 'résultats exportés')} → {args.out}"

    return _on_session(args, exported)


def cmd_documents(args: argparse.Namespace) -> int:
    return _on_session(args, cli_documents.issuer(args))


def cmd_publier(args: argparse.Namespace) -> int:
    from baktui.services.publication import PHASES, publish

    def published(sid: int) -> str:
        with progress_bar("Publication", PHASES) as progress:
            return publish(sid, args.jury, args.final, progress=progress).render()

    return _on_session(args, published)


def cmd_rectifier(args: argparse.Namespace) -> int:
    from baktui.services.rectification import find_candidate, rectify_grade

    def rectified(sid: int) -> str:
        cid = find_candidate(sid, args.candidate).id
        return rectify_grade(sid, cid, args.epreuve, args.groupe, args.note, args.motif).render()

    return _on_session(args, rectified)


def cmd_verifier(args: argparse.Namespace) -> int:
    from baktui.services.audit_check import check_audit_log

    warnings: list[str] = []
    if not _open(args.db, warned=warnings.append):
        return EXIT_REFUSED
    with progress_bar("Journal d'audit", unit="entrées") as progress:
        report = check_audit_log(
            restored_at_open=bool(warnings), noted=args.empreinte, progress=progress
        )
    print(report.render())
    return EXIT_OK if report.ok else EXIT_REFUSED


def cmd_config(args: argparse.Namespace) -> int:
    from baktui.config import config_files, get_config, known_keys

    config = get_config()
    read = set(config.files)
    print("Fichiers de configuration (dans l'ordre, le dernier l'emporte) :")
    for file in config_files():
        print(f"  {file}" + ("" if file in read else "  (absent)"))
    print("Réglages en vigueur :")
    print(f"  base         {dbmod.describe_target(dbmod.resolve_target(args.db))}")
    print(f"  documents    {config.documents_folder()}")
    print(f"  académie     {config.academie} (tant que la base n'a pas la sienne)")
    print(f"  thème        {config.theme or 'par défaut'}")
    group = f", groupe {config.files_group}" if config.files_group else ""
    print(
        f"  fichiers     {config.files_mode} : fichiers {config.file_mode:04o}, "
        f"dossiers {config.folder_mode:04o}{group}"
    )
    print(f"  journal      {config.log_level} → {log_path or 'désactivé'}")
    print(f"  utilisateurs {config.users_path()} (baktui serve)")
    print(f"  clés possibles : {', '.join(known_keys())}, touches.IDENTIFIANT")
    if config.keymap:
        print("Touches redéfinies :")
        for binding_id, keys in sorted(config.keymap.items()):
            print(f"  {binding_id} = {keys}")
    if args.touches:
        from baktui.screens.keys import key_entries

        print("Touches de baktui (identifiant, touches, action) :")
        shown: set[str] = set()
        for entry in key_entries():
            if entry.id in shown:
                continue
            shown.add(entry.id)
            keys = config.keymap.get(entry.id, entry.keys)
            print(f"  {entry.id:<32} {keys:<16} {entry.description}")
    return EXIT_OK


COMMANDS = {
    **cli_sessions.COMMANDS,
    None: cmd_app,
    "demo": cmd_demo,
    "init": cmd_init,
    "import": cmd_import,
    "deliberer": cmd_deliberer,
    "jurys": cmd_jurys,
    "placer": cmd_placer,
    "oraux": cmd_oraux,
    "export": cmd_export,
    "documents": cmd_documents,
    "publier": cmd_publier,
    "rectifier": cmd_rectifier,
    "verifier": cmd_verifier,
    "config": cmd_config,
    "serve": lambda args: cli_serve.cmd_serve(args, _open),
    "utilisateurs": cli_serve.cmd_utilisateurs,
}


log_path: Path | None = None  # the log file of this run (set by main)


def main(argv: Sequence[str] | None = None) -> int:
    global log_path
    args = build_parser().parse_args(argv)
    try:
        config = get_config()
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    log_path = setup_logging(config.log_level)
    log = get_logger(__name__)
    log.info("baktui %s", " ".join(argv if argv is not None else sys.argv[1:]))
    try:
        cli_serve.web_identity()  # in a browser: who signed in to baktui serve
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        _err("Interrompu.")
        return 130
    except peewee.OperationalError as exc:
        # e.g. the base stayed locked by a colleague's long write beyond the busy timeout
        log.warning("base inutilisable : %s", exc)
        if dbmod.is_disk_full(exc):
            _err(
                "Disque plein : la base n'a pas pu enregistrer la commande, qui s'est arrêtée "
                "sans rien laisser à moitié écrit. Libérez de la place, puis relancez-la."
            )
            return EXIT_REFUSED
        _err(
            f"La base de données n'a pas pu être utilisée : {dbmod.failure_text(exc)}. La "
            "commande s'est arrêtée ; sa transaction en cours est annulée ; relancez-la dans "
            "un instant."
        )
        return EXIT_REFUSED
    except BrokenPipeError:
        # Output piped into a reader that stopped early (| head): the work is done, stay quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except BaktuiError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    except Exception as exc:
        log.exception("erreur inattendue")
        where = f" Détails pour l'assistance : {log_path}." if log_path else ""
        _err(
            f"Erreur inattendue ({type(exc).__name__} : {exc}) : la commande s'est arrêtée.{where}"
        )
        return EXIT_REFUSED
    finally:
        dbmod.close_database()


if __name__ == "__main__":
    sys.exit(main())
