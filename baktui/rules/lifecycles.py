"""The lifecycles of the records the office moves along: states, French labels, allowed moves.

One pattern for all of them: the states are a ``StrEnum`` whose values are what the database
stores, and a :class:`Lifecycle` holds their labels and the moves the regulation and the office's
procedure allow. Services ask it before they write a new state (:meth:`Lifecycle.move_error`);
screens ask it for labels and for the states a record can go to next. Named groups of states
(the claims still "open", the assignments still "active"…) are declared here too, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)


class Lifecycle(Generic[S]):
    """The states of one kind of record, their labels and the moves allowed between them."""

    def __init__(
        self,
        noun: str,
        states: type[S],
        labels: Mapping[S, str],
        moves: Mapping[S, Iterable[S]],
    ) -> None:
        missing = [s for s in states if s not in labels or s not in moves]
        if missing:
            raise ValueError(f"{noun} : états sans libellé ou sans transitions : {missing}")
        self.noun = noun
        self.states: tuple[S, ...] = tuple(states)
        self._enum = states
        self._labels = {s.value: label for s, label in labels.items()}
        self._moves = {s.value: tuple(targets) for s, targets in moves.items()}

    def __contains__(self, state: object) -> bool:
        return isinstance(state, str) and state in self._labels

    def parse(self, text: str) -> S:
        """The state stored as ``text``; ValueError (French) for a state this lifecycle lacks."""
        if text not in self._labels:
            known = ", ".join(self._labels)
            raise ValueError(f"{self.noun} : état « {text} » inconnu ({known})")
        return self._enum(text)

    def label(self, state: str) -> str:
        """The French label of a state (an unknown stored value is shown as it is)."""
        return self._labels.get(state, state)

    def choices(self) -> tuple[tuple[S, str], ...]:
        """(state, label) of every state, in order: for the lists of the screens."""
        return tuple((s, self._labels[s.value]) for s in self.states)

    def next_states(self, state: str) -> tuple[S, ...]:
        """The states a record in ``state`` may move to (none for an unknown state)."""
        return self._moves.get(state, ())

    def can_move(self, current: str, target: str) -> bool:
        return target in self.next_states(current)

    def move_error(self, current: str, target: str) -> str | None:
        """Why a record may not go from ``current`` to ``target`` (French), or None if it may.

        Staying in the same state is not a move and is never refused here.
        """
        if target not in self:
            return f"{self.noun} : état « {target} » inconnu"
        if current == target or self.can_move(current, target):
            return None
        allowed = ", ".join(self.label(s) for s in self.next_states(current)) or "aucun"
        return (
            f"passage de « {self.label(current)} » à « {self.label(target)} » impossible "
            f"(possibles : {allowed})"
        )


# --- Registration of a candidate ---------------------------------------------------------------


class RegistrationState(StrEnum):
    BROUILLON = "brouillon"
    CONFIRMEE = "confirmee"
    VALIDEE = "validee"
    ANNULEE = "annulee"


REGISTRATION = Lifecycle(
    "inscription",
    RegistrationState,
    {
        RegistrationState.BROUILLON: "brouillon",
        RegistrationState.CONFIRMEE: "confirmée",
        RegistrationState.VALIDEE: "validée",
        RegistrationState.ANNULEE: "annulée",
    },
    {
        RegistrationState.BROUILLON: (RegistrationState.CONFIRMEE, RegistrationState.ANNULEE),
        RegistrationState.CONFIRMEE: (
            RegistrationState.VALIDEE,
            RegistrationState.BROUILLON,
            RegistrationState.ANNULEE,
        ),
        RegistrationState.VALIDEE: (RegistrationState.CONFIRMEE, RegistrationState.ANNULEE),
        RegistrationState.ANNULEE: (RegistrationState.BROUILLON,),
    },
)


# --- Lot of copies -------------------------------------------------------------------------------


class LotState(StrEnum):
    CONSTITUE = "constitue"
    DISTRIBUE = "distribue"
    EN_SAISIE = "en_saisie"
    SAISI = "saisi"


LOT = Lifecycle(
    "lot",
    LotState,
    {
        LotState.CONSTITUE: "constitué",
        LotState.DISTRIBUE: "distribué",
        LotState.EN_SAISIE: "en saisie",
        LotState.SAISI: "saisi (clos)",
    },
    {
        # grades imported from a file leave the lot as it was: it may be closed from there
        LotState.CONSTITUE: (LotState.DISTRIBUE, LotState.EN_SAISIE, LotState.SAISI),
        LotState.DISTRIBUE: (LotState.CONSTITUE, LotState.EN_SAISIE, LotState.SAISI),
        LotState.EN_SAISIE: (LotState.SAISI,),
        LotState.SAISI: (LotState.EN_SAISIE,),  # reopened to correct a grade
    },
)
# lots whose grades have not started to come in (they may still be dissolved and rebuilt)
LOT_NOT_STARTED = (LotState.CONSTITUE, LotState.DISTRIBUE)


# --- Examiner's assignment (convocation to a mission) ---------------------------------------------


class AssignmentState(StrEnum):
    PREVUE = "prevue"
    CONVOQUEE = "convoquee"
    REALISEE = "realisee"
    ANNULEE = "annulee"
    REMPLACEE = "remplacee"


ASSIGNMENT = Lifecycle(
    "affectation",
    AssignmentState,
    {
        AssignmentState.PREVUE: "prévue",
        AssignmentState.CONVOQUEE: "convoquée",
        AssignmentState.REALISEE: "réalisée",
        AssignmentState.ANNULEE: "annulée",
        AssignmentState.REMPLACEE: "remplacée",
    },
    {
        AssignmentState.PREVUE: (
            AssignmentState.CONVOQUEE,
            AssignmentState.REALISEE,
            AssignmentState.ANNULEE,
            AssignmentState.REMPLACEE,
        ),
        AssignmentState.CONVOQUEE: (
            AssignmentState.REALISEE,
            AssignmentState.ANNULEE,
            AssignmentState.REMPLACEE,
        ),
        AssignmentState.REALISEE: (),
        AssignmentState.ANNULEE: (),
        AssignmentState.REMPLACEE: (),
    },
)
# still to be carried out: can be convened, replaced or cancelled
ASSIGNMENT_ACTIVE = (AssignmentState.PREVUE, AssignmentState.CONVOQUEE)
# the examiner's time is taken (a done mission still counts in the day's load)
ASSIGNMENT_BUSY = (*ASSIGNMENT_ACTIVE, AssignmentState.REALISEE)
# ended without being carried out by this examiner
ASSIGNMENT_CLOSED = (AssignmentState.ANNULEE, AssignmentState.REMPLACEE)


# --- Expense claim -------------------------------------------------------------------------------


class ClaimState(StrEnum):
    DECLAREE = "declaree"
    SERVICE_FAIT = "service_fait"
    VALIDEE = "validee"
    MISE_EN_PAIEMENT = "mise_en_paiement"
    REJETEE = "rejetee"


CLAIM = Lifecycle(
    "demande",
    ClaimState,
    {
        ClaimState.DECLAREE: "déclarée",
        ClaimState.SERVICE_FAIT: "service fait",
        ClaimState.VALIDEE: "validée",
        ClaimState.MISE_EN_PAIEMENT: "mise en paiement",
        ClaimState.REJETEE: "rejetée",
    },
    {
        ClaimState.DECLAREE: (ClaimState.SERVICE_FAIT, ClaimState.REJETEE),
        ClaimState.SERVICE_FAIT: (ClaimState.VALIDEE, ClaimState.REJETEE),
        ClaimState.VALIDEE: (ClaimState.MISE_EN_PAIEMENT,),
        ClaimState.MISE_EN_PAIEMENT: (),
        ClaimState.REJETEE: (),
    },
)
# amounts may still change
CLAIM_OPEN = (ClaimState.DECLAREE, ClaimState.SERVICE_FAIT)
# amounts are settled (validated or being paid)
CLAIM_FROZEN = (ClaimState.VALIDEE, ClaimState.MISE_EN_PAIEMENT)
# not rejected
CLAIM_LIVE = (*CLAIM_OPEN, *CLAIM_FROZEN)
# the money is still owed
CLAIM_UNPAID = (*CLAIM_OPEN, ClaimState.VALIDEE)


# --- Jury ---------------------------------------------------------------------------------------


class JuryState(StrEnum):
    CONSTITUE = "constitue"
    DELIBERE = "delibere"
    CLOS = "clos"


JURY = Lifecycle(
    "jury",
    JuryState,
    {JuryState.CONSTITUE: "constitué", JuryState.DELIBERE: "délibéré", JuryState.CLOS: "clos"},
    {
        JuryState.CONSTITUE: (JuryState.DELIBERE,),
        JuryState.DELIBERE: (JuryState.CONSTITUE, JuryState.CLOS),
        JuryState.CLOS: (JuryState.DELIBERE,),
    },
)


# --- Phase of an exam session --------------------------------------------------------------------


class Phase(StrEnum):
    INSCRIPTIONS = "inscriptions"
    ORGANISATION = "organisation"
    EPREUVES = "epreuves"
    CORRECTION = "correction"
    DELIBERATION = "deliberation"
    RESULTATS = "resultats"
    CLOSE = "close"


PHASE = Lifecycle(
    "phase",
    Phase,
    {
        Phase.INSCRIPTIONS: "Inscriptions",
        Phase.ORGANISATION: "Organisation des épreuves",
        Phase.EPREUVES: "Épreuves",
        Phase.CORRECTION: "Correction et remontée des notes",
        Phase.DELIBERATION: "Délibérations",
        Phase.RESULTATS: "Résultats publiés",
        Phase.CLOSE: "Session close",
    },
    # the office moves the session on, and back when a step must be done again
    {phase: tuple(p for p in Phase if p is not phase) for phase in Phase},
)
