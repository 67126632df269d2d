"""``baktui oraux constituer|planifier``: the oral commissions and their slots (issue 15).

``constituer`` builds the commissions of the orals whose timetable is set (the settings
``oraux_GO``, ``oraux_FRO``, ``oraux_2G``), keeping what was fixed by hand; ``planifier`` gives
each candidate a slot. Both say their counts, then the orals' checks.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from baktui.cli_progress import progress_bar
from baktui.rules import orals


def add_parser(sub: Any) -> None:
    """``baktui oraux constituer|planifier [--oral CODE] [--session ANNEE]``."""
    ora = sub.add_parser(
        "oraux", help="commissions d'oral (Grand oral, français, 2d groupe) et créneaux"
    )
    ora.add_argument(
        "action", choices=["constituer", "planifier"],
        help="constituer : les commissions ; planifier : un créneau pour chaque candidat",
    )  # fmt: skip
    ora.add_argument(
        "--oral", action="append", choices=list(orals.ORAL_CODES), metavar="CODE", default=None,
        help="seulement cet oral (" + ", ".join(orals.ORAL_CODES) + ") ; sinon tous ceux dont "
        "les horaires sont définis",
    )  # fmt: skip
    ora.add_argument("--session", type=int, default=None, help="année (session courante sinon)")


def runner(args: argparse.Namespace) -> Callable[[int], str]:
    """What ``baktui oraux`` does on the session (its id): the French report."""

    def run(sid: int) -> str:
        from baktui.services.oral_checks import oral_checks
        from baktui.services.placement_checks import render

        if args.action == "constituer":
            from baktui.services.oral_commissions import constitute as job

            title = "Commissions d'oral"
        else:
            from baktui.services.oral_slots import plan_slots as job

            title = "Créneaux d'oral"
        with progress_bar(title, unit="candidats") as progress:
            report = job(sid, args.oral, progress=progress).render()
        with progress_bar("Contrôles des oraux", waiting=""):  # a spinner: no count
            checks = oral_checks(sid)
        return report + "\n" + render(checks, "Contrôles des oraux")

    return run
