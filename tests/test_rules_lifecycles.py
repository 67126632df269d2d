"""The lifecycles: labels, allowed moves and their French refusals, checked by hand and by property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.rules import lifecycles as lc
from baktui.rules.lifecycles import (
    ASSIGNMENT,
    CLAIM,
    LOT,
    PHASE,
    REGISTRATION,
    ClaimState,
    Lifecycle,
    RegistrationState,
)

ALL = (REGISTRATION, LOT, ASSIGNMENT, CLAIM, lc.JURY, PHASE)


def test_states_are_the_stored_texts() -> None:
    assert RegistrationState.VALIDEE == "validee"
    assert [s.value for s in CLAIM.states] == [
        "declaree",
        "service_fait",
        "validee",
        "mise_en_paiement",
        "rejetee",
    ]
    assert REGISTRATION.parse("annulee") is RegistrationState.ANNULEE


def test_labels_in_french() -> None:
    assert REGISTRATION.label("confirmee") == "confirmée"
    assert LOT.label("saisi") == "saisi (clos)"
    assert ASSIGNMENT.label("remplacee") == "remplacée"
    assert CLAIM.label("mise_en_paiement") == "mise en paiement"
    assert PHASE.label("correction") == "Correction et remontée des notes"
    # a value stored by an older version is shown as it is rather than hidden
    assert CLAIM.label("archivee") == "archivee"


def test_registration_moves() -> None:
    assert REGISTRATION.next_states("brouillon") == ("confirmee", "annulee")
    assert REGISTRATION.move_error("brouillon", "confirmee") is None
    assert REGISTRATION.move_error("validee", "validee") is None
    assert REGISTRATION.move_error("brouillon", "validee") == (
        "passage de « brouillon » à « validée » impossible (possibles : confirmée, annulée)"
    )
    assert REGISTRATION.move_error("annulee", "kaput") == "inscription : état « kaput » inconnu"


def test_claim_cannot_leave_a_final_state() -> None:
    assert CLAIM.next_states("rejetee") == ()
    assert CLAIM.move_error("mise_en_paiement", "declaree") == (
        "passage de « mise en paiement » à « déclarée » impossible (possibles : aucun)"
    )
    assert CLAIM.can_move("service_fait", "validee")
    assert not CLAIM.can_move("declaree", "validee")  # the service fait comes first


def test_groups() -> None:
    assert set(lc.CLAIM_LIVE) == set(CLAIM.states) - {ClaimState.REJETEE}
    assert set(lc.CLAIM_UNPAID) == {"declaree", "service_fait", "validee"}
    assert set(lc.ASSIGNMENT_BUSY) - set(lc.ASSIGNMENT_ACTIVE) == {"realisee"}
    assert not set(lc.ASSIGNMENT_ACTIVE) & set(lc.ASSIGNMENT_CLOSED)


def test_unknown_state_refused_by_parse() -> None:
    with pytest.raises(ValueError, match="état « ouverte » inconnu"):
        CLAIM.parse("ouverte")


def test_every_state_needs_a_label_and_moves() -> None:
    with pytest.raises(ValueError, match="sans libellé"):
        Lifecycle("test", RegistrationState, {RegistrationState.BROUILLON: "b"}, {})


@st.composite
def _move(draw: st.DrawFn) -> tuple[Lifecycle, str, str]:
    life = draw(st.sampled_from(ALL))
    return life, draw(st.sampled_from(life.states)), draw(st.sampled_from(life.states))


@given(_move())
def test_refused_exactly_when_not_allowed(move: tuple[Lifecycle, str, str]) -> None:
    life, current, target = move
    error = life.move_error(current, target)
    assert (error is None) == (current == target or target in life.next_states(current))
    if error is not None:
        assert life.label(current) in error and life.label(target) in error


@given(st.sampled_from(ALL))
def test_moves_stay_inside_the_lifecycle(life: Lifecycle) -> None:
    for state in life.states:
        assert state not in life.next_states(state)
        assert all(target in life for target in life.next_states(state))
