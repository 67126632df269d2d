"""What Entrée on a blocking line of the readiness board does (F7, before the deliberation).

:class:`~baktui.widgets.readiness_board.ReadinessBoard` posts ``Fix(target)``; the F7 screen
handles it with :func:`open_fix`, here because a widget may not import the screens it opens:

- ``("grades", lot number)``: F4 (mode « grades »), that lot's slip opened as if its number had
  been typed (the missing-grades view over it is closed first; a dialog waiting for an answer
  is left alone, and said so);
- ``("card", candidate id)``: the candidate's card over the current screen, as F2 opens it
  (Échap comes back to the board).
"""

from __future__ import annotations

from textual.app import App
from textual.screen import ModalScreen

from baktui.services.readiness import TARGET_CARD, TARGET_GRADES, Target

GRADES_MODE = "grades"


def open_fix(app: App[object], target: Target) -> None:
    """Open the screen that fixes ``target`` (see the module docstring)."""
    kind, value = target
    if kind == TARGET_CARD:
        from baktui.screens.candidate_card import CandidateCardScreen

        app.push_screen(CandidateCardScreen(value))
    elif kind == TARGET_GRADES:
        app.run_worker(
            _open_lot(app, value), group="readiness-fix", exclusive=True, exit_on_error=False
        )
    else:
        raise ValueError(f"cible inconnue : {target!r}")


async def _open_lot(app: App[object], number: int) -> None:
    from baktui.screens.grade_entry import GradeEntryScreen
    from baktui.screens.missing_grades import MissingGradesScreen

    if app.current_mode != GRADES_MODE:
        await app.switch_mode(GRADES_MODE)
    while len(app.screen_stack) > 1 and isinstance(app.screen, MissingGradesScreen):
        await app.pop_screen()
    screen = app.screen
    if isinstance(screen, ModalScreen) or not isinstance(screen, GradeEntryScreen):
        app.notify(
            f"Répondez d'abord à la fenêtre ouverte, puis tapez le lot {number} (Ctrl+O).",
            severity="warning",
            markup=False,
        )
        return
    screen.grid.hold()  # keys typed meanwhile go to the new slip, not to the one shown
    screen.grid_open_lot(number)
