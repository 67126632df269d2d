"""The épreuves' calendar, the expense rates and the académie's settings, as the organisation
screen edits them.

A calendar line is checked by the calendar import's line parser. A rate is dated: a new rate of
the same kind and key must not overlap the periods of the others (the rules'
:func:`~baktui.rules.expenses.overlapping_rates`), so that one rate is in force on any day. The
settings are the académie's name, the rectorat's address and the signatory printed on documents,
the label sheet's layout and the orals' timetables (each checked as its reader checks it).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from baktui.data import audit
from baktui.data.models import CalendarEntry, Epreuve, ExamSession, ExpenseRate, Setting
from baktui.errors import ConflictError, NotFoundError
from baktui.rules import expenses as expenses_rules
from baktui.rules import orals
from baktui.rules.identifiers import fold, parse_date_fr
from baktui.rules.labels import DEFAULT_LAYOUT, parse_layout
from baktui.services import settings
from baktui.services.imports import calendar as calendar_import
from baktui.services.imports.common import FirstLines
from baktui.services.organisation import (
    Field,
    Kind,
    Parsed,
    RecordForm,
    RecordPage,
    RecordRow,
    one_row,
    page_of,
    prefix_range,
    update_record,
)
from baktui.services.sessions import regulation_of

AMOUNT_MAX = Decimal(10_000)
RATE_SHORT = {
    "km": "kilométrique",
    "meal": "repas",
    "night": "nuitée",
    "copy": "copie",
    "oral_hour": "heure d'oral",
}  # a narrow column


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


class Calendrier(Kind):
    new_title = "Nouvel horaire d'épreuve"
    key = "calendrier"
    title = "Calendrier"
    one = "horaire d'épreuve"
    import_kind = "calendrier"
    removal = "supprimer"
    search_hint = "code d'épreuve"
    fields = (
        Field("epreuve", "Épreuve", "code : PHI, SP1, FRE…", max_length=12, required=True),
        Field("serie", "Série", "vide : toutes les séries", max_length=8),
        Field("date", "Date", "JJ/MM/AAAA", max_length=10, required=True),
        Field("heure", "Heure", "HH:MM", max_length=5, required=True),
        Field("duree", "Durée", "en minutes", max_length=4, required=True),
    )
    columns = (("Épreuve", 8), ("Série", 7), ("Date", 10), ("Heure", 5), ("Durée", 7))
    wide_columns = ()  # codes, dates and hours: nothing to show more of

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = (
            CalendarEntry.select()
            .where(CalendarEntry.session == session_id)
            .order_by(CalendarEntry.day, CalendarEntry.start_time, CalendarEntry.epreuve_code)
        )
        if search:
            query = query.where(prefix_range(CalendarEntry.epreuve_code, search.upper()))
        rows, total = page_of(query, offset, limit)
        out = tuple(
            RecordRow(
                c.id,
                (
                    c.epreuve_code,
                    c.series or "toutes",
                    f"{c.day:%d/%m/%Y}",
                    c.start_time,
                    _duration(c.duration_min),
                ),
            )  # fmt: skip
            for c in rows
        )
        return RecordPage(out, total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        c = CalendarEntry.get_or_none(
            (CalendarEntry.id == record_id) & (CalendarEntry.session == session_id)
        )
        if c is None:
            raise NotFoundError(f"Horaire n° {record_id} introuvable dans la session.")
        values = {"epreuve": c.epreuve_code, "serie": c.series, "date": f"{c.day:%d/%m/%Y}",
                  "heure": c.start_time, "duree": str(c.duration_min)}  # fmt: skip
        title = f"{c.epreuve_code} {c.series or 'toutes séries'} — {c.day:%d/%m/%Y}"
        return RecordForm(self.key, c.id, c.version, values, title)

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        table = one_row(values)
        year = ExamSession.get_by_id(session_id).year
        line, issues = calendar_import.parse_line(
            regulation_of(session_id), year, table, table.rows[0], FirstLines()
        )
        parsed = Parsed(dict(line.values, epreuve_code=line.code, series=line.series))
        parsed.take(issues)
        taken = CalendarEntry.get_or_none(
            (CalendarEntry.session == session_id) & (CalendarEntry.epreuve_code == line.code)
            & (CalendarEntry.series == line.series)
        )  # fmt: skip
        if taken is not None and taken.id != record_id:
            parsed.refuse("epreuve", f"cette épreuve a déjà un horaire le {taken.day:%d/%m/%Y}")
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "calendrier (organisation)"
        values = parsed.values
        if record_id is None:
            row = audit.create(CalendarEntry, reason=reason, session=session_id, **values)
            pk, created, changed = row.id, True, len(values)
        else:
            pk, created = record_id, False
            before = CalendarEntry.get_or_none(CalendarEntry.id == record_id)
            changed = update_record(CalendarEntry, record_id, version, values, reason)
            moved = before is not None and (before.series, before.epreuve_code) != (
                values["series"], values["epreuve_code"])  # fmt: skip
            if moved and not before.series:
                # the line dated the épreuve for every série: it no longer does
                _date_epreuve(session_id, before.epreuve_code, None, reason)
        if not values["series"]:
            _date_epreuve(session_id, values["epreuve_code"], values, reason)
        return pk, created, changed

    def toggle(self, session_id: int, record_id: Any, version: int | None) -> str:
        c = CalendarEntry.get_or_none(
            (CalendarEntry.id == record_id) & (CalendarEntry.session == session_id)
        )
        if c is None:
            raise NotFoundError("Horaire introuvable : il a été supprimé entre-temps.")
        if version is not None and c.version != version:
            raise ConflictError("Horaire modifié entre-temps par un collègue : liste rechargée.")
        audit.delete(CalendarEntry, record_id, reason="calendrier (organisation)")
        if not c.series:
            _date_epreuve(session_id, c.epreuve_code, None, "calendrier (organisation)")
        return f"Horaire de {c.epreuve_code} ({c.series or 'toutes séries'}) supprimé."


def _date_epreuve(
    session_id: int, code: str, values: Mapping[str, Any] | None, reason: str
) -> None:
    """A line for every série also dates the session's épreuve (as the import does)."""
    epreuve = Epreuve.get_or_none((Epreuve.session == session_id) & (Epreuve.code == code))
    if epreuve is None:
        return
    dated = {
        "exam_date": values["day"] if values else None,
        "start_time": values["start_time"] if values else None,
        "duration_min": values["duration_min"] if values else None,
    }
    update_record(Epreuve, epreuve.id, None, dated, reason)


RATE_WORDS = {fold(label): kind for kind, label in expenses_rules.RATE_KIND_LABELS.items()}
RATE_WORDS.update({kind: kind for kind in expenses_rules.RATE_KINDS})


class Taux(Kind):
    new_title = "Nouveau taux"
    key = "taux"
    title = "Taux"
    one = "taux"
    removal = ""
    search_hint = "nature ou clé"
    fields = (
        Field(
            "nature",
            "Nature",
            "repas, nuitée, indemnité kilométrique…",
            required=True,
            suggestions=tuple(expenses_rules.RATE_KIND_LABELS.values()),
        ),  # fmt: skip
        Field("cle", "Clé", "ex. cv<=5:0-2000, paris, bac (voir README)", max_length=40),
        Field("montant", "Montant (€)", "ex. 20,00", max_length=10, required=True),
        Field("du", "Du", "JJ/MM/AAAA", max_length=10, required=True),
        Field("au", "Au", "JJ/MM/AAAA (vide : en vigueur)", max_length=10),
    )
    columns = (("Nature", 16), ("Clé", 14), ("Montant", 9), ("Du", 10), ("Au", 10), ("Vig.", 4))
    wide_columns = (0, 1)

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        query = ExpenseRate.select().order_by(
            ExpenseRate.kind, ExpenseRate.key, ExpenseRate.valid_from.desc()
        )
        if search:
            word = RATE_WORDS.get(fold(search))
            query = query.where(
                (ExpenseRate.kind == word) if word else ExpenseRate.key.contains(search)
            )
        rows, total = page_of(query, offset, limit)
        today = dt.date.today()
        out = tuple(
            RecordRow(
                r.id,
                (
                    RATE_SHORT.get(r.kind, r.kind),
                    r.key,
                    _euros(r.amount),
                    _day(r.valid_from),
                    _day(r.valid_to) or "—",
                    "oui" if _in_force(r, today) else "",
                ),  # fmt: skip
            )
            for r in rows
        )
        return RecordPage(out, total, offset)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        r = ExpenseRate.get_or_none(ExpenseRate.id == record_id)
        if r is None:
            raise NotFoundError(f"Taux n° {record_id} introuvable.")
        label = expenses_rules.RATE_KIND_LABELS.get(r.kind, r.kind)
        values = {"nature": label, "cle": r.key, "montant": _euros(r.amount).removesuffix(" €"),
                  "du": _day(r.valid_from), "au": _day(r.valid_to)}  # fmt: skip
        return RecordForm(self.key, r.id, r.version, values, f"Taux {label} {r.key}".strip())

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        parsed = Parsed()
        kind = RATE_WORDS.get(fold(values.get("nature", "")))
        if kind is None:
            words = ", ".join(expenses_rules.RATE_KIND_LABELS.values())
            parsed.refuse("nature", f"nature de taux inconnue ({words})")
        text = values.get("montant", "").replace(" ", "").replace("€", "").replace(",", ".")
        try:
            amount = Decimal(text)
            if not amount.is_finite() or not Decimal(0) <= amount <= AMOUNT_MAX:
                raise InvalidOperation
            if amount.as_tuple().exponent < -3:  # type: ignore[operator]
                parsed.refuse("montant", "au plus trois décimales")
        except InvalidOperation:
            parsed.refuse("montant", f"montant en euros attendu (0 à {AMOUNT_MAX})")
            amount = Decimal(0)
        start = _date(parsed, values, "du")
        end = _date(parsed, values, "au") if values.get("au") else None
        if start and end and end < start:
            parsed.refuse("au", "fin de période avant son début")
        key = values.get("cle", "").strip()
        parsed.values = {"kind": kind or "", "key": key, "amount": str(amount),
                         "valid_from": start, "valid_to": end}  # fmt: skip
        if kind and start and not parsed.errors:
            others = [
                _rate(r) for r in ExpenseRate.select().where(
                    (ExpenseRate.kind == kind) & (ExpenseRate.key == key)
                    & (ExpenseRate.id != (record_id or 0))
                )
            ]  # fmt: skip
            mine = expenses_rules.Rate(kind, key, amount, start, end)
            if expenses_rules.overlapping_rates([*others, mine]):
                parsed.refuse("du", "période qui chevauche celle d'un autre taux de même clé "
                                    "(fermez d'abord l'ancien : date « au »)")  # fmt: skip
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[int, bool, int]:  # fmt: skip
        reason = "taux (organisation)"
        if record_id is None:
            row = audit.create(ExpenseRate, reason=reason, **parsed.values)
            return row.id, True, len(parsed.values)
        changed = update_record(ExpenseRate, record_id, version, parsed.values, reason)
        return record_id, False, changed


def _rate(row: ExpenseRate) -> expenses_rules.Rate:
    return expenses_rules.Rate(
        row.kind, row.key or "", Decimal(str(row.amount)), _as_date(row.valid_from),
        _as_date(row.valid_to) if row.valid_to else None,
    )  # fmt: skip


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _in_force(row: ExpenseRate, today: dt.date) -> bool:
    return _as_date(row.valid_from) <= today and (
        row.valid_to is None or today <= _as_date(row.valid_to)
    )


def _day(value: Any) -> str:
    return f"{_as_date(value):%d/%m/%Y}" if value else ""


def _euros(amount: str) -> str:
    return f"{Decimal(str(amount)):.2f}".replace(".", ",") + " €"


def _date(parsed: Parsed, values: Mapping[str, str], column: str) -> dt.date | None:
    try:
        return parse_date_fr(values.get(column, ""))
    except ValueError as exc:
        parsed.refuse(column, str(exc) if values.get(column) else "date obligatoire (JJ/MM/AAAA)")
        return None


SETTINGS = (
    (settings.ACADEMIE, "Académie", "le nom imprimé en tête des documents"),
    (settings.RECTORAT_ADDRESS, "Adresse du rectorat", "une ligne, imprimée sous l'en-tête"),
    (settings.SIGNATORY, "Signataire", "ex. Mme Claire Martin"),
    (settings.SIGNATORY_TITLE, "Qualité du signataire", "ex. cheffe de la division des examens"),
    ("etiquettes", "Planche d'étiquettes", "colonnes x lignes, largeur x hauteur (mm), marges"),
    ("oraux_GO", "Oraux : Grand oral", orals.EXAMPLE),
    ("oraux_FRO", "Oraux : français oral", orals.EXAMPLE),
    ("oraux_2G", "Oraux : 2d groupe", orals.EXAMPLE),
)


def _setting_version(value: str) -> int:
    """The value's checksum stands for a version: a setting changed since it was read differs."""
    return zlib.crc32(value.encode("utf-8"))


class Parametres(Kind):
    new_title = "Nouveau paramètre"
    key = "parametres"
    title = "Paramètres"
    one = "paramètre"
    removal = ""
    fields = (Field("valeur", "Valeur", required=True),)
    columns = (("Paramètre", 24), ("Valeur", 50))

    def page(self, session_id: int, search: str, offset: int, limit: int) -> RecordPage:
        stored = dict(Setting.select(Setting.key, Setting.value).tuples())
        rows = tuple(
            RecordRow(key, (label, stored.get(key) or _default(key))) for key, label, _ in SETTINGS
        )
        return RecordPage(rows, len(rows), 0)

    def load(self, session_id: int, record_id: Any) -> RecordForm:
        label = next((lbl for key, lbl, _ in SETTINGS if key == record_id), None)
        if label is None:
            raise NotFoundError(f"Paramètre « {record_id} » inconnu.")
        value = settings.setting(str(record_id)) or ""
        return RecordForm(self.key, record_id, _setting_version(value),
                          {"valeur": value or _default(str(record_id))}, label)  # fmt: skip

    def parse(self, session_id: int, values: Mapping[str, str], record_id: Any) -> Parsed:
        parsed = Parsed({"value": " ".join(values.get("valeur", "").split())})
        value = parsed.values["value"]
        try:
            if record_id in orals.SETTING_KEYS and value:
                orals.parse_plan(value, ExamSession.get_by_id(session_id).year)
            elif record_id == "etiquettes" and value:
                parse_layout(value)
        except ValueError as exc:
            parsed.refuse("valeur", str(exc))
        return parsed

    def write(self, session_id: int, record_id: Any, version: int | None,
              parsed: Parsed) -> tuple[str, bool, int]:  # fmt: skip
        current = settings.setting(str(record_id)) or ""
        if version is not None and _setting_version(current) != version:
            raise ConflictError(
                "Modification refusée : ce paramètre a été modifié par un collègue depuis son "
                "ouverture. Il a été rechargé ; refaites votre changement."
            )
        if parsed.values["value"] == current:
            return str(record_id), False, 0
        settings.set_setting(str(record_id), parsed.values["value"], reason="organisation")
        return str(record_id), current == "", 1


def _default(key: str) -> str:
    if key == "etiquettes":
        return DEFAULT_LAYOUT
    return settings.academie_name() if key == settings.ACADEMIE else ""


KINDS: tuple[Kind, ...] = (Calendrier(), Taux(), Parametres())
