"""F11 Logistique: the written placement, the oral commissions and slots, the checks, by hand.

Three views (``1``, ``2``, ``3``), each a list read a page at a time in a thread worker:

- **placement**: per centre, room, épreuve and sitting (seated / capacity); Entrée lists the
  candidates by seat, where ``m`` moves one to another room and seat;
- **oraux**: the commissions (oral, number, centre, day, room, members, slots); Entrée shows
  the commission's timetable, where ``m`` moves a candidate to another slot or commission, ``a``
  puts a candidate on a free slot, and ``e`` (on either list) changes a member;
- **contrôles**: the checks before printing; Entrée goes to what the line is about.

Every move goes through :mod:`baktui.services.logistics_moves` (checked, audited, « fixé à la
main »: a new run of the placement or of the orals keeps it). ``p`` hands over to F8 with the
document of the view chosen (convocations, listes de déroulement). Keys typed while a list is
read or a move is written wait for it (``KEYS_WAIT_FOR``).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from baktui.errors import NotFoundError, ServiceError
from baktui.rules import orals
from baktui.rules.french import plural
from baktui.screens.base import BaktuiScreen
from baktui.services import logistics_moves as moves
from baktui.services import logistics_views as views
from baktui.services.placement_checks import KINDS, PlacementCheck, placement_checks
from baktui.services.stats import LOGISTICS_LIMIT
from baktui.widgets.data_table import DataTable
from baktui.widgets.dialogs import TextDialog
from baktui.widgets.feedback import error_text, worker_connection

PAGE = 100
PLACES, SITTING, ORALS, TIMETABLE, CHECKS = "places", "sitting", "orals", "timetable", "checks"
TITLES = {
    PLACES: "Placement aux écrits : centre, salle, épreuve",
    SITTING: "Candidats de la salle",
    ORALS: "Commissions d'oral",
    TIMETABLE: "Créneaux de la commission",
    CHECKS: "Contrôles avant impression",
}
COLUMNS = {
    PLACES: (("Centre", 9), ("Salle", 12), ("Épr.", 5), ("Date", 6), ("Début", 5),
             ("Placés", 8), ("Fixés", 5)),
    SITTING: (("Place", 5), ("N° cand.", 10), ("Nom", 30), ("Fin", 5), ("Maj.", 5),
              ("Fixé", 4)),
    ORALS: (("Oral", 9), ("N°", 3), ("Centre", 8), ("Date", 5), ("Salle", 9), ("Membres", 19),
            ("Cr.", 3), ("Fixé", 4)),
    TIMETABLE: (("Créneau", 11), ("N° cand.", 10), ("Nom", 36), ("Fixé", 4)),
    CHECKS: (("Nature", 22), ("Anomalie", 50)),
}  # fmt: skip
STRETCH = {PLACES: 1, SITTING: 2, ORALS: 5, TIMETABLE: 2, CHECKS: 1}
SHORT_KINDS = {
    "capacity": "salle pleine",
    "unplaced": "sans place (écrit)",
    "seat": "place en double",
    "closing": "après fermeture",
    "members": "commission incomplète",
    "no_slot": "sans créneau (oral)",
    "oral_closing": "oral après fermeture",
    "clash": "chevauchement",
    "own": "propres élèves",
}
PRINTED = {PLACES: "convocation", SITTING: "liste_emargement", ORALS: "liste_deroulement",
           TIMETABLE: "liste_deroulement", CHECKS: "convocation"}  # fmt: skip


def _day(day: dt.date | None) -> str:
    return f"{day:%d/%m}" if day else "—"


def _fixed(flag: bool) -> str:
    return "oui" if flag else ""


class LogisticsScreen(BaktuiScreen):
    """The placement and the orals, reviewed and fixed by hand (F11)."""

    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset({"logistics-read", "logistics-write"})
    SUB_TITLE = "Logistique"
    AUTO_FOCUS = "#log-table"
    HELP = """\
La **logistique des épreuves** : le placement aux écrits, les commissions et les créneaux
d'oral, les contrôles avant d'imprimer. Le placement se calcule par `baktui placer`, les oraux
par `baktui oraux constituer` puis `baktui oraux planifier` ; ce qui est corrigé ici est
**fixé à la main** : une nouvelle exécution le garde.

- **1** placement : une ligne par centre, salle, épreuve et séance (placés / places) ;
  **Entrée** liste les candidats par place ; **m** déplace le candidat surligné
  (« A102 12 » : salle et place, même centre ; « 0690030H Salle 12 4 » : un autre centre).
- **2** oraux : les commissions (oral, numéro, centre, jour, salle, membres, créneaux pris) ;
  **Entrée** montre les créneaux de la commission ; **m** déplace le candidat surligné
  (« 09:30 » dans la même commission, « 12 09:30 » : commission n° 12 du même oral),
  **a** place un candidat sur le créneau libre surligné (son numéro) ; **e** change un
  membre (« b EX0012 », « a - » le retire).
- **3** contrôles : salles trop pleines, places en double, candidats sans place ou sans
  créneau, commissions sans leurs deux membres, créneaux après la fermeture du centre,
  chevauchements (un candidat, un examinateur ou une salle pris deux fois), examinateur face à
  ses propres élèves ; **Entrée** ouvre ce dont parle la ligne.

Chaque déplacement est vérifié (capacité, place libre, aménagements, chevauchements, fermeture
du centre, discipline et propres élèves) : un refus dit pourquoi et rien n'est écrit ; sinon il
est inscrit au journal (avant, après). **/** filtre la liste (code du centre, de l'épreuve ou de
l'oral, salle, numéro), **+** / **-** changent de page, **r** relit, **Échap** remonte d'un
niveau. **p** ouvre F8 sur le document de la vue (convocations, émargement, déroulement), pour
le centre affiché.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "view('places')", "Placement", id="logistics.places"),
        Binding("2", "view('orals')", "Oraux", id="logistics.orals"),
        Binding("3", "view('checks')", "Contrôles", id="logistics.checks"),
        Binding("m", "move", "Déplacer", id="logistics.move"),
        Binding("a", "assign", "Placer", id="logistics.assign", show=False),
        Binding("e", "member", "Membre", id="logistics.member", show=False),
        Binding("p", "print", "Imprimer", id="logistics.print"),
        Binding("slash", "filter", "Filtrer", id="logistics.filter", key_display="/"),
        Binding("plus", "page(1)", "Page +", id="logistics.next_page", key_display="+", show=False),
        Binding("minus", "page(-1)", "Page -", id="logistics.prev_page", key_display="-",
                show=False),
        Binding("r", "refresh", "Actualiser", id="logistics.refresh", show=False),
        Binding("escape", "back", "Retour", id="logistics.back"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    LogisticsScreen #log-title { height: 1; margin: 0 1; text-style: bold; }
    LogisticsScreen #log-filter { height: 1; margin: 0 1; border: none; display: none; }
    LogisticsScreen #log-table { height: 1fr; margin: 0 1; }
    LogisticsScreen #log-info { height: 1; margin: 0 1; color: $text-muted; }
    LogisticsScreen #log-detail { height: auto; max-height: 3; margin: 0 1; display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown = PLACES
        self.search = {PLACES: "", ORALS: ""}
        self.page_offset = 0
        self.total = 0
        self.rows: tuple[object, ...] = ()
        self.sitting: views.SittingRow | None = None
        self.commission: views.CommissionRow | None = None
        self.focus_key: str | None = None  # the row to put the cursor on once read
        self.pending_candidate: int | None = None  # a check's candidate without slot

    def compose_content(self) -> ComposeResult:
        yield Static("", id="log-title", markup=False)
        yield Input(placeholder="filtre : centre, épreuve, salle, n°", id="log-filter",
                    compact=True)  # fmt: skip
        yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="log-detail", markup=False)
        yield Static("Lecture…", id="log-info", markup=False)

    def on_mount(self) -> None:
        self.show(PLACES)

    # --- reading --------------------------------------------------------------------------------

    def show(self, view: str, *, offset: int = 0, focus_key: str | None = None) -> None:
        session = self.baktui.session
        if session is None:
            self.query_one("#log-info", Static).update("Aucune session ouverte.")
            return
        if view != self.shown:
            table = self.query_one("#log-table", DataTable)
            table.clear(columns=True)
        self.shown, self.page_offset, self.focus_key = view, offset, focus_key
        self.query_one("#log-title", Static).update(self._title())
        self.query_one("#log-info", Static).update("Lecture…")
        self._read(session.id, view, offset)

    def _title(self) -> str:
        if self.shown == SITTING and self.sitting is not None:
            s = self.sitting
            return f"{s.centre} salle {s.room} — {s.code} le {_day(s.day)} à {s.start}"
        if self.shown == TIMETABLE and self.commission is not None:
            c = self.commission
            return (f"{orals.label(c.code)} n° {c.number} — {c.centre} le {_day(c.day)} "
                    f"{c.hours}, salle {c.room or '—'}")  # fmt: skip
        return TITLES[self.shown]

    @work(thread=True, exclusive=True, exit_on_error=False, group="logistics-read")
    def _read(self, session_id: int, view: str, offset: int) -> None:
        try:
            with worker_connection():
                page = self._fetch(session_id, view, offset)
        except Exception as exc:  # shown, the app keeps running
            self.app.call_from_thread(self.fail, error_text(exc))
            self.app.call_from_thread(self.query_one("#log-info", Static).update, "")
            return
        self.app.call_from_thread(self._fill, view, page)

    def _fetch(self, session_id: int, view: str, offset: int) -> views.Page:
        if view == PLACES:
            return views.sittings(session_id, self.search[PLACES], offset=offset, limit=PAGE)
        if view == SITTING and self.sitting is not None:
            s = self.sitting
            return views.sitting_places(session_id, s.room_id, s.day, s.start, s.code,
                                        offset=offset)  # fmt: skip
        if view == ORALS:
            return views.commissions(session_id, self.search[ORALS], offset=offset, limit=PAGE)
        if view == TIMETABLE and self.commission is not None:
            rows = views.timetable(session_id, self.commission.id)
            return views.Page(rows, len(rows), 0)
        checks = placement_checks(session_id, limit=LOGISTICS_LIMIT)
        return views.Page(tuple(checks), len(checks), 0)

    def _fill(self, view: str, page: views.Page) -> None:
        if view != self.shown:
            return
        table = self.query_one("#log-table", DataTable)
        if not table.columns:
            for name, width in COLUMNS[view]:
                table.add_column(name, width=width, key=name)
            table.stretch(COLUMNS[view][STRETCH[view]][0], COLUMNS[view][STRETCH[view]][1])
        cursor = table.cursor_row
        table.clear()
        self.rows, self.total = page.rows, page.total
        for index, row in enumerate(page.rows):
            table.add_row(*self._cells(row), key=str(index))
        if page.rows:
            wanted = next((i for i, r in enumerate(page.rows) if self._key(r) == self.focus_key),
                          None)  # fmt: skip
            table.move_cursor(row=wanted if wanted is not None else min(max(cursor, 0),
                                                                       len(page.rows) - 1))  # fmt: skip
        self.query_one("#log-info", Static).update(self._info(page))

    def _key(self, row: object) -> str:
        if isinstance(row, views.SittingRow):
            return f"{row.room_id}/{row.day}/{row.start}/{row.code}"
        if isinstance(row, views.PlaceRow):
            return f"p{row.convocation_id}"
        if isinstance(row, views.CommissionRow):
            return f"c{row.id}"
        if isinstance(row, views.SlotRow):
            return f"t{row.start}"
        return ""

    def _cells(self, row: object) -> tuple[object, ...]:
        if isinstance(row, views.SittingRow):
            full = "bold red" if row.seated > row.capacity else ""
            return (Text(row.centre), Text(row.room, overflow="ellipsis"), row.code, _day(row.day),
                    row.start, Text(f"{row.seated}/{row.capacity}", style=full, justify="right"),
                    Text(str(row.fixed or ""), justify="right"))  # fmt: skip
        if isinstance(row, views.PlaceRow):
            extra = f"+{row.extra_min}" if row.extra_min else ""
            return (Text(str(row.seat or "—"), justify="right"), row.number,
                    Text(row.name, overflow="ellipsis"), row.end, extra, _fixed(row.fixed))  # fmt: skip
        if isinstance(row, views.CommissionRow):
            members = Text(", ".join(row.members) or "à désigner", overflow="ellipsis",
                           style="" if len(row.members) == orals.MEMBERS else "bold red")  # fmt: skip
            code = row.code + (f" {row.series}" if row.series else "")
            return (Text(code, overflow="ellipsis"), Text(str(row.number), justify="right"),
                    Text(row.centre), _day(row.day), Text(row.room, overflow="ellipsis"),
                    members, Text(str(row.slots), justify="right"), _fixed(row.fixed))  # fmt: skip
        if isinstance(row, views.SlotRow):
            return (f"{row.start}-{row.end}", row.number, Text(row.name or "(libre)",
                    style="" if row.name else "dim"), _fixed(row.fixed))  # fmt: skip
        assert isinstance(row, PlacementCheck)
        return (SHORT_KINDS.get(row.kind, KINDS.get(row.kind, row.kind)),
                Text(row.text, overflow="ellipsis"))  # fmt: skip

    def _info(self, page: views.Page) -> str:
        if self.shown == CHECKS:
            if not page.total:
                return "Aucune anomalie : les documents peuvent être imprimés (p)."
            return f"{plural(page.total, 'anomalie')} · Entrée : ouvrir · F1 : aide"
        if not page.total:
            return "Rien à afficher (placement ou oraux pas encore faits, ou filtre trop étroit)."
        if self.shown == TIMETABLE and self.commission is not None:
            members = ", ".join(self.commission.members) or "à désigner"
            return f"Membres : {members} · m déplacer · a placer · e membre · Échap"
        shown = f"{page.offset + 1}–{page.offset + len(page.rows)} sur {page.total}"
        hints = {
            PLACES: "Entrée : candidats · / filtre · 2 oraux · 3 contrôles",
            SITTING: "m : déplacer · Échap : salles",
            ORALS: "Entrée : créneaux · e : membre · / filtre",
        }
        return f"{shown} · {hints[self.shown]}"

    # --- moving around --------------------------------------------------------------------------

    def _current(self) -> object | None:
        table = self.query_one("#log-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#log-table")
    def _highlighted(self) -> None:
        """A check's whole sentence under the list (the column cuts it at 80 columns)."""
        detail = self.query_one("#log-detail", Static)
        row = self._current()
        detail.display = isinstance(row, PlacementCheck)
        if isinstance(row, PlacementCheck):
            detail.update(Text(row.text))

    @on(DataTable.RowSelected, "#log-table")
    def _chosen(self) -> None:
        row = self._current()
        if isinstance(row, views.SittingRow):
            self.sitting = row
            self.show(SITTING)
        elif isinstance(row, views.CommissionRow):
            self.commission = row
            self.show(TIMETABLE)
        elif isinstance(row, PlacementCheck):
            self.open_target(row.target)

    def open_target(self, target: tuple[object, ...]) -> None:
        """Entrée on a check: the sitting, the commission (at the slot), or the card."""
        session = self.baktui.session
        if not target or session is None:
            self.warn("Rien à ouvrir pour cette ligne : corrigez-la dans F9 ou relancez le calcul.")
            return
        self._open(session.id, target)

    @work(thread=True, exclusive=True, exit_on_error=False, group="logistics-read")
    def _open(self, session_id: int, target: tuple[object, ...]) -> None:
        kind = target[0]
        try:
            with worker_connection():
                if kind == "sitting":
                    room_id, day, start, code = target[1:]
                    only = (int(room_id), dt.date.fromisoformat(str(day)), str(start), str(code))  # type: ignore[call-overload]
                    rows = views.sittings(session_id, only=only, limit=1).rows
                    self.app.call_from_thread(self._open_sitting, rows[0] if rows else None)
                    return
                if kind in ("commission", "slot"):
                    start = None
                    com_id = int(target[1])  # type: ignore[call-overload]
                    if kind == "slot":
                        com_id, start = views.slot_target(com_id)
                    rows = views.commissions(session_id, only=com_id, limit=1).rows
                    self.app.call_from_thread(self._open_commission, rows[0] if rows else None,
                                              start)  # fmt: skip
                    return
        except Exception as exc:
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        if kind == "no_slot":
            self.app.call_from_thread(self._open_orals_for, str(target[2]), int(target[1]))  # type: ignore[arg-type]
        elif kind == "candidate":
            self.app.call_from_thread(self._open_card, int(target[1]))  # type: ignore[arg-type]

    def _open_sitting(self, row: views.SittingRow | None) -> None:
        if row is None:
            self.warn("Cette séance n'a plus de candidat.")
            return
        self.sitting = row
        self.show(SITTING)

    def _open_commission(self, row: views.CommissionRow | None, start: str | None) -> None:
        if row is None:
            self.warn("Cette commission n'existe plus.")
            return
        self.commission = row
        self.show(TIMETABLE, focus_key=f"t{start}" if start else None)

    def _open_orals_for(self, code: str, candidate_id: int) -> None:
        self.search[ORALS] = code
        self.pending_candidate = candidate_id
        self.show(ORALS)
        self.say(f"Commissions de l'oral {orals.label(code)} : ouvrez-en une (Entrée), puis a sur "
                 "un créneau libre pour y placer le candidat.")  # fmt: skip

    def _open_card(self, candidate_id: int) -> None:
        from baktui.screens.candidate_card import CandidateCardScreen

        self.app.push_screen(CandidateCardScreen(candidate_id))

    def open_worklist(self, key: str) -> None:
        """The home screen's « Anomalies logistiques »: the checks."""
        self.action_view(CHECKS if key == "checks" else PLACES)

    def action_view(self, view: str) -> None:
        self.query_one("#log-filter", Input).display = False
        self.query_one("#log-table", DataTable).focus()
        self.show(view)

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * PAGE
        if self.shown in (PLACES, ORALS, SITTING) and 0 <= offset < self.total:
            self.show(self.shown, offset=offset)

    def action_refresh(self) -> None:
        row = self._current()
        self.show(self.shown, offset=self.page_offset, focus_key=self._key(row) if row else None)

    def action_back(self) -> None:
        if self.query_one("#log-filter", Input).display:
            self.query_one("#log-filter", Input).display = False
            self.query_one("#log-table", DataTable).focus()
        elif self.shown == SITTING:
            self.show(PLACES, focus_key=self._key(self.sitting) if self.sitting else None)
        elif self.shown == TIMETABLE:
            self.show(ORALS, focus_key=f"c{self.commission.id}" if self.commission else None)
        else:
            super().action_back()

    def action_filter(self) -> None:
        if self.shown not in (PLACES, ORALS):
            self.warn("Le filtre vaut pour le placement (1) et les commissions (2).")
            return
        field = self.query_one("#log-filter", Input)
        field.display = True
        field.value = self.search[self.shown]
        field.focus()

    @on(Input.Submitted, "#log-filter")
    def _filtered(self, event: Input.Submitted) -> None:
        self.search[self.shown] = event.value.strip()
        event.input.display = False
        self.query_one("#log-table", DataTable).focus()
        self.show(self.shown)

    # --- moves ----------------------------------------------------------------------------------

    def action_move(self) -> None:
        row = self._current()
        if isinstance(row, views.PlaceRow) and self.sitting is not None:
            self.app.push_screen(TextDialog(
                f"Déplacer {row.name}",
                "Salle et place (« A102 12 ») ; dans un autre centre : « CODE salle place ».",
            ), lambda text: self._write("place", row, text))  # fmt: skip
        elif isinstance(row, views.SlotRow) and row.slot_id is not None:
            self.app.push_screen(TextDialog(
                f"Déplacer {row.name}",
                "Heure (« 09:30 ») dans cette commission, ou « n° heure » (« 12 09:30 ») dans une "
                "autre commission du même oral.",
            ), lambda text: self._write("slot", row, text))  # fmt: skip
        elif isinstance(row, views.SlotRow):
            self.warn("Ce créneau est libre : a y place un candidat.")
        else:
            self.warn("m déplace un candidat : ouvrez une salle (1) ou une commission (2), puis "
                      "surlignez-le.")  # fmt: skip

    def action_assign(self) -> None:
        row = self._current()
        if not isinstance(row, views.SlotRow) or row.slot_id is not None:
            self.warn("a place un candidat sur un créneau libre d'une commission (2, Entrée).")
            return
        pending = self.pending_candidate
        self.app.push_screen(TextDialog(
            f"Créneau de {row.start}", "N° (ou INE) du candidat à placer sur ce créneau :",
            value="" if pending is None else f"#{pending}",
        ), lambda text: self._write("assign", row, text))  # fmt: skip

    def action_member(self) -> None:
        row = self.commission if self.shown == TIMETABLE else self._current()
        if not isinstance(row, views.CommissionRow):
            self.warn("e change un membre d'une commission : surlignez-la (2).")
            return
        shown = " ; ".join(f"{k} {m}" for k, m in zip("ab", row.members, strict=False))
        self.app.push_screen(TextDialog(
            f"Membres de la commission n° {row.number}",
            f"Membres : {shown or 'aucun'}. Tapez « a » ou « b » et l'identifiant de "
            "l'examinateur (« b EX0012 »), ou « a - » pour le retirer.",
        ), lambda text: self._write("member", row, text))  # fmt: skip

    def _write(self, what: str, row: object, text: str | None) -> None:
        session = self.baktui.session
        if text is None or session is None:
            return
        self._do_write(session.id, what, row, text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="logistics-write")
    def _do_write(self, session_id: int, what: str, row: object, text: str) -> None:
        try:
            with worker_connection():
                done = self._apply(session_id, what, row, text.split())
        except Exception as exc:  # a refusal: its French sentence, nothing written
            self.app.call_from_thread(self.fail, error_text(exc))
            return
        self.app.call_from_thread(self._written, done)

    def _apply(self, session_id: int, what: str, row: object, words: list[str]) -> moves.Moved:
        if what == "place":
            assert isinstance(row, views.PlaceRow) and self.sitting is not None
            if len(words) < 2 or not words[-1].isdigit():
                raise ServiceError("Tapez la salle puis la place : « A102 12 ».")
            try:  # « A102 12 » in this centre, « 0690030H Salle 12 4 » in another
                room_id = views.room_id_of(session_id, self.sitting.centre, " ".join(words[:-1]))
            except NotFoundError:
                if len(words) < 3:
                    raise
                room_id = views.room_id_of(session_id, words[0], " ".join(words[1:-1]))
            return moves.move_place(session_id, row.convocation_id, room_id, int(words[-1]))
        if what == "slot":
            assert isinstance(row, views.SlotRow) and self.commission is not None
            if not words or len(words) > 2:
                raise ServiceError("Tapez l'heure (« 09:30 ») ou « n° heure » (« 12 09:30 »).")
            com_id = self.commission.id
            if len(words) == 2:
                if not words[0].isdigit():
                    raise ServiceError(
                        "Tapez le numéro de la commission puis l'heure : « 12 09:30 »."
                    )
                com_id = self._commission_id(session_id, int(words[0]))
            assert row.candidate_id is not None
            return moves.assign_slot(session_id, row.candidate_id, com_id, words[-1])
        if what == "assign":
            assert isinstance(row, views.SlotRow) and self.commission is not None
            key = " ".join(words)
            if key.startswith("#") and key[1:].isdigit():
                candidate_id = int(key[1:])
            else:
                candidate_id = moves.find_candidate(session_id, key).id
            return moves.assign_slot(session_id, candidate_id, self.commission.id, row.start)
        assert isinstance(row, views.CommissionRow)
        if len(words) != 2 or words[0].lower() not in ("a", "b"):
            raise ServiceError("Tapez « a » ou « b » puis l'identifiant : « b EX0012 » (« b - »).")
        examiner = None if words[1] == "-" else moves.examiner_by_identifier(words[1]).id
        return moves.set_member(session_id, row.id, words[0].lower(), examiner)

    def _commission_id(self, session_id: int, number: int) -> int:
        assert self.commission is not None
        code = self.commission.code
        rows = views.commissions(session_id, number=(code, number), limit=1).rows
        if not rows:
            raise NotFoundError(f"Aucune commission n° {number} de l'oral {orals.label(code)}.")
        return rows[0].id  # type: ignore[attr-defined]

    def _written(self, done: moves.Moved) -> None:
        self.say(done.text)
        if self.shown == TIMETABLE and self.commission is not None:
            self._reread_commission()
        self.action_refresh()

    def _reread_commission(self) -> None:
        session = self.baktui.session
        if session is not None and self.commission is not None:
            self._refresh_commission(session.id, self.commission.id)

    @work(thread=True, exclusive=False, exit_on_error=False, group="logistics-write")
    def _refresh_commission(self, session_id: int, commission_id: int) -> None:
        with worker_connection():
            rows = views.commissions(session_id, only=commission_id, limit=1).rows
        row = rows[0] if rows else None
        if isinstance(row, views.CommissionRow):
            self.app.call_from_thread(setattr, self, "commission", row)
            self.app.call_from_thread(self.query_one("#log-title", Static).update, self._title())

    # --- printing -------------------------------------------------------------------------------

    def action_print(self) -> None:
        """Hand over to F8 with the view's document, for the centre shown."""
        key = PRINTED[self.shown]
        centre = ""
        if self.shown == SITTING and self.sitting is not None:
            centre = self.sitting.centre
        elif self.shown == TIMETABLE and self.commission is not None:
            centre = self.commission.centre
        else:
            row = self._current()
            centre = getattr(row, "centre", "") if row is not None else ""
        self.run_worker(self._print(key, centre), group="logistics-print", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    async def _print(self, key: str, centre: str) -> None:
        await self.app.switch_mode("documents")
        screen = self.app.screen
        chooser = getattr(screen, "preselect", None)
        if chooser is None:
            self.app.notify("Répondez d'abord à la fenêtre ouverte dans F8.", severity="warning",
                            markup=False)  # fmt: skip
            return
        chooser(key, "centre" if centre and centre != "—" else "academie",
                centre if centre != "—" else "")  # fmt: skip
