"""Words typed by the offices: yes/no, sex, status, spaces."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baktui.rules.words import clean_spaces, sex_code, status_key, yes_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [("oui", True), (" OUI ", True), ("X", True), ("vrai", True), ("1", True), ("Non", False),
     ("", False), ("0", False), ("faux", False), ("peut-être", None), ("inapte", None)],
)  # fmt: skip
def test_yes_no(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected


def test_a_field_may_accept_its_own_yes_word() -> None:
    assert yes_no("Inapte", also_yes=frozenset({"inapte"})) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [("F", "F"), ("féminin", "F"), ("Femme", "F"), ("m", "M"), ("MASCULIN", "M"), ("", ""),
     ("x", None), ("homme ", "M")],
)  # fmt: skip
def test_sex_code(text: str, expected: str | None) -> None:
    assert sex_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "scolaire"), ("Scolaire", "scolaire"), ("candidat individuel", "individuel"),
     ("individuel", "individuel"), ("CNED", "cned"), ("Formation continue", "formation_continue"),
     ("formation_continue", "formation_continue"), ("libre", None)],
)  # fmt: skip
def test_status_key(text: str, expected: str | None) -> None:
    assert status_key(text) == expected


@given(st.text())
def test_clean_spaces_is_idempotent_and_has_no_double_space(text: str) -> None:
    once = clean_spaces(text)
    assert clean_spaces(once) == once
    assert "  " not in once and once == once.strip()
