"""The phases of a long job's ``progress(done, total)`` (baktui.rules.progress)."""

from __future__ import annotations

from baktui.rules.progress import Step, phase_step


def test_a_job_in_three_phases_of_four_items() -> None:
    steps = [phase_step(done, 12, 3) for done in (0, 3, 4, 7, 8, 11, 12)]
    assert steps == [Step(0, 0, 4), Step(0, 3, 4), Step(1, 0, 4), Step(1, 3, 4),
                     Step(2, 0, 4), Step(2, 3, 4), Step(2, 4, 4)]  # fmt: skip


def test_unknown_total_no_item_and_a_single_phase() -> None:
    assert phase_step(0, None, 3) == Step(0, 0, None)  # still reading
    assert phase_step(0, 0, 3) == Step(2, 0, 0)  # nothing to do: the job is at its end
    assert phase_step(5, 9, 1) == Step(0, 5, 9)
