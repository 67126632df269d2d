"""Candidate registration: creating a candidate with its numéro and its épreuves, audited.

Shared by the candidate import and the registration services. A candidate is created with
:func:`register_candidate` (numéro de candidat from the session's sequence, folded name key,
one Registration row per épreuve from ``registration.epreuves_for``); identity and choices are
changed with :func:`update_candidate`, which re-synchronises the option épreuves when the options
change. Both write the audit log in the caller's transaction (or their own).

The few reads every candidate use case starts with live here too: :func:`get_candidate`,
:func:`stored_row` (what :func:`baktui.rules.candidate.build_profile` reads) and the session's
épreuve labels; and :class:`ValidationError`, the refusal naming the candidate's field in French.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import peewee as pw

from baktui import errors
from baktui.data import audit, counters, sql
from baktui.data.db import write_transaction
from baktui.data.models import Candidate, Epreuve, ExamSession, Registration
from baktui.errors import NotFoundError, ServiceError
from baktui.rules import candidate as shape
from baktui.rules.identifiers import fold, ine_error
from baktui.rules.phonetic import sound_key
from baktui.rules.registration import (
    STATUSES,
    candidate_number,
    epreuves_for,
    format_options,
    parse_options,
)
from baktui.rules.regulation import Regulation
from baktui.services.sessions import regulation_of


@dataclass(frozen=True)
class CandidateData:
    """What a registration says about a candidate (already validated by the caller's rules).

    Its fields are the declaration's registration fields (:mod:`baktui.rules.candidate`), a
    reference as its id; checked below, when this module is imported.
    """

    ine: str
    last_name: str
    first_name: str
    birth_date: dt.date | None
    series: str
    sub_choice: str = ""
    lva: str = ""
    lvb: str = ""
    options: str = ""  # option-year entries, formatted by registration.format_options
    status: str = "scolaire"
    etablissement_id: int | None = None
    eps_inapte: bool = False
    sex: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""  # digits only
    birth_place: str = ""  # commune de naissance
    indications: str = ""  # diploma indications, formatted by rules.indications

    def fields(self) -> dict[str, Any]:
        """Field name -> value (every value is a scalar: a shallow copy is a copy)."""
        return {name: getattr(self, name) for name in _DATA_FIELDS}


_DATA_FIELDS = tuple(f.name for f in fields(CandidateData))
shape.check_shape(CandidateData, shape.REGISTRATION_FIELDS)
# Candidate fields a registration may set (CandidateData's names: a reference is its id).
EDITABLE_FIELDS = tuple(f.name for f in fields(CandidateData))


class ValidationError(errors.ValidationError):
    """Refused registration input, the message naming the candidate's field in French."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(problems, shape.label)


def get_candidate(candidate_id: int) -> Candidate:
    """The stored candidate; NotFoundError (French) when there is none."""
    candidate = Candidate.get_or_none(Candidate.id == candidate_id)
    if candidate is None:
        raise NotFoundError(f"Candidat n° {candidate_id} introuvable.")
    return candidate


def stored_row(candidate: Candidate) -> dict[str, Any]:
    """The stored columns of a candidate by data name (a reference as its id), with its id."""
    return {"id": candidate.id} | {
        f.data_name: getattr(candidate, f.data_name) for f in shape.FIELDS
    }


def stored_value(candidate: Candidate, name: str) -> Any:
    """A field's stored value (a reference as its id, without loading the referenced row)."""
    return getattr(candidate, shape.BY_NAME[name].data_name)


def session_epreuve_labels(session_id: int) -> dict[str, str]:
    """The épreuve labels the session stores (they override the regulation's)."""
    return dict(
        Epreuve.select(Epreuve.code, Epreuve.label).where(Epreuve.session == session_id).tuples()
    )


def name_key(last_name: str, first_name: str) -> str:
    """Accent-free search and sort key of a candidate: folded "last first"."""
    return fold(f"{last_name} {first_name}")


def name_keys(last_name: str, first_name: str) -> dict[str, str]:
    """Both search keys of a candidate's name (written together at every change of the name)."""
    return {
        "name_key": name_key(last_name, first_name),
        "sound_key": sound_key(last_name, first_name),
    }


def next_sequence(session_id: int) -> int:
    """The next free sequence number of the session's numéros de candidat."""
    last = (
        Candidate.select(Candidate.number)
        .where(Candidate.session == session_id)
        .order_by(Candidate.number.desc())
        .limit(1)
        .scalar()
    )
    if not last:
        return 1
    digits = "".join(ch for ch in str(last)[2:] if ch.isdigit())
    return int(digits or 0) + 1


def _check(reg: Regulation, data: CandidateData) -> None:
    """The invariants every stored candidate satisfies (the screens and imports check more)."""
    problems: list[str] = []
    if not data.last_name.strip() or not data.first_name.strip():
        problems.append("nom et prénom obligatoires")
    message = ine_error(data.ine)
    if message:
        problems.append(message)
    if data.series not in reg.series_codes:
        problems.append(f"série « {data.series} » inconnue ({', '.join(reg.series_codes)})")
    if data.status not in STATUSES:
        problems.append(f"statut « {data.status} » inconnu ({', '.join(STATUSES)})")
    if problems:
        raise ServiceError("Inscription refusée : " + " ; ".join(problems))


def register_candidate(session_id: int, data: CandidateData, *, reason: str = "inscription") -> int:
    """Create the candidate, its numéro and its Registration rows (audited); returns its id.

    Refuses (ServiceError) an INE already registered in the session.
    """
    reg = regulation_of(session_id)
    _check(reg, data)
    options = parse_options(data.options)
    with write_transaction():
        duplicate = (
            Candidate.select(Candidate.number)
            .where((Candidate.session == session_id) & (Candidate.ine == data.ine))
            .scalar()
        )
        if duplicate:
            raise ServiceError(
                f"INE {data.ine} déjà inscrit dans cette session (candidat n° {duplicate})"
            )
        year = ExamSession.get_by_id(session_id).year
        now = audit.now_iso()
        fields = data.fields()
        fields["options"] = format_options(options)
        fields["etablissement"] = fields.pop("etablissement_id")
        candidate = audit.create(
            Candidate,
            reason=reason,
            session=session_id,
            number=candidate_number(year, next_sequence(session_id)),
            **name_keys(data.last_name, data.first_name),
            created_at=now,
            updated_at=now,
            **fields,
        )
        _add_registrations(candidate.id, epreuves_for(reg, options), reason)
    return int(candidate.id)


def register_candidates(
    session_id: int, datas: Sequence[CandidateData], *, reason: str = "inscription"
) -> list[int]:
    """Bulk form of :func:`register_candidate` (imports): the same rows and audit entries,
    written with a few prepared statements instead of a dozen statements per candidate.

    All or nothing: any refused candidate (ServiceError) and none is created.
    """
    if not datas:
        return []
    reg = regulation_of(session_id)
    seen: set[str] = set()
    for data in datas:
        _check(reg, data)
        if data.ine in seen:
            raise ServiceError(f"INE {data.ine} deux fois dans la même inscription groupée")
        seen.add(data.ine)
    with write_transaction():
        for chunk in _chunked(sorted(seen)):
            duplicate = (
                Candidate.select(Candidate.ine, Candidate.number)
                .where((Candidate.session == session_id) & (Candidate.ine.in_(chunk)))
                .tuples()
                .first()
            )
            if duplicate:
                raise ServiceError(
                    f"INE {duplicate[0]} déjà inscrit dans cette session (candidat n° {duplicate[1]})"
                )
        year = ExamSession.get_by_id(session_id).year
        sequence = next_sequence(session_id)
        now = audit.now_iso()
        fields = [name for name in Candidate._meta.fields if name != "id"]
        defaults = {
            name: Candidate._meta.fields[name].default
            for name in fields
            if Candidate._meta.fields[name].default is not None
        }
        records: list[dict[str, Any]] = []
        for offset, data in enumerate(datas):
            values = data.fields()
            values["options"] = format_options(parse_options(data.options))
            values["etablissement"] = values.pop("etablissement_id")
            values.update(
                session=session_id,
                number=candidate_number(year, sequence + offset),
                **name_keys(data.last_name, data.first_name),
                created_at=now,
                updated_at=now,
            )
            for name in fields:
                if name not in values:
                    default = defaults.get(name)
                    values[name] = default() if callable(default) else default
            records.append(values)
        stored = _stored_values(fields)
        sql.executemany(
            sql.insert_sql(Candidate, fields), [stored([r[n] for n in fields]) for r in records]
        )
        ids: dict[str, int] = {}
        for chunk in _chunked([r["number"] for r in records]):
            query = Candidate.select(Candidate.number, Candidate.id).where(
                (Candidate.session == session_id) & (Candidate.number.in_(chunk))
            )
            ids.update(sql.fetch(query))
        registrations: list[tuple[int, str, str]] = []
        entries: list[tuple[Any, ...]] = []
        created: list[counters.NewCandidate] = []
        text = audit.record_texter(Candidate, fields)
        entity = Candidate._meta.table_name
        for record in records:
            cid = ids[record["number"]]
            rows = epreuves_for(reg, parse_options(record["options"]))
            registrations.extend((cid, code, option) for code, option in rows)
            entries.append(
                ("create", entity, str(cid), "", None, text([record[n] for n in fields]),
                 reason, cid)
            )  # fmt: skip
            entries.append(_registration_row(cid, rows, reason))
            created.append(
                counters.NewCandidate(
                    cid, session_id, record["series"], record["status"], record["state"],
                    record["lvb"], record["jury"], record["centre"], [code for code, _ in rows],
                )
            )  # fmt: skip
        sql.executemany(
            sql.insert_sql(Registration, ("candidate", "epreuve_code", "option_name")),
            registrations,
        )
        counters.created(created)  # the home and F4 counts, same transaction
        audit.append_rows(entries, at=now)
    return [ids[r["number"]] for r in records]


def _db_value(name: str, value: Any) -> Any:
    """Value as stored: dates as ISO text (as peewee stores them), FKs as ids."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return Candidate._meta.fields[name].db_value(value)


_TEXT_FIELDS = (pw.CharField, pw.TextField)
_INT_FIELDS = (pw.IntegerField, pw.ForeignKeyField)


def _stored_values(names: Sequence[str]) -> Any:
    """``values`` (of the fields ``names``, in order) -> as stored (:func:`_db_value`), made
    once for a bulk insert: a text in a text field, an int in an integer field or a
    reference, None, are stored as they are; the others go through :func:`_db_value`."""
    plain: list[tuple[type, ...]] = []
    for name in names:
        field = Candidate._meta.fields[name]
        if isinstance(field, _TEXT_FIELDS):
            plain.append((str, type(None)))
        elif isinstance(field, _INT_FIELDS) and not isinstance(field, pw.BooleanField):
            plain.append((int, type(None)))
        else:
            plain.append((type(None),))
    pairs = list(zip(names, plain, strict=True))

    def stored(values: Sequence[Any]) -> list[Any]:
        return [
            value if type(value) in kinds else _db_value(name, value)
            for (name, kinds), value in zip(pairs, values, strict=True)
        ]

    return stored


def _chunked(values: Sequence[Any], size: int = 500) -> list[list[Any]]:
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


def _registration_row(cid: int, rows: list[tuple[str, str]], reason: str) -> tuple[Any, ...]:
    """:func:`_registration_entry` in the stored form of :func:`audit.append_rows`."""
    entry = _registration_entry(cid, rows, reason)
    return ("create", "registration", str(cid), "epreuves", None, entry["after"], reason, cid)


def _registration_entry(cid: int, rows: list[tuple[str, str]], reason: str) -> dict[str, Any]:
    """The audit entry listing the épreuves a candidate was registered to."""
    return {
        "action": "create",
        "entity": "registration",
        "entity_id": cid,
        "field": "epreuves",
        "after": ", ".join(c + (f" ({o})" if o else "") for c, o in rows),
        "reason": reason,
        "candidate_id": cid,
    }


def _add_registrations(candidate_id: int, rows: list[tuple[str, str]], reason: str) -> None:
    if not rows:
        return
    with counters.tracking((candidate_id,)):  # the home and F4 counts
        Registration.insert_many(
            [{"candidate": candidate_id, "epreuve_code": c, "option_name": o} for c, o in rows]
        ).execute()
    audit.log_many([_registration_entry(candidate_id, rows, reason)])


def sync_registrations(candidate_id: int, reg: Regulation, options: str, reason: str) -> bool:
    """Bring the candidate's Registration rows in line with its options; True if changed.

    Base épreuves are kept as they are (with their kept grades); OPTn rows are added, renamed or
    removed, each change audited.
    """
    wanted = dict(epreuves_for(reg, parse_options(options)))
    with write_transaction():
        current = {
            r.epreuve_code: r
            for r in Registration.select().where(Registration.candidate == candidate_id)
        }
        missing = [(c, o) for c, o in wanted.items() if c not in current]
        changed = bool(missing)
        _add_registrations(candidate_id, missing, reason)
        for code, row in current.items():
            if code not in wanted:
                audit.delete(Registration, row.id, reason=reason)
                changed = True
            elif row.option_name != wanted[code]:
                audit.update(Registration, row.id, {"option_name": wanted[code]}, reason=reason)
                changed = True
    return changed


def candidate_changes(candidate: Candidate, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` (CandidateData field names) that differ from the stored candidate."""
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"champ de candidat inconnu : {name}")
        if name == "options":
            value = format_options(parse_options(str(value)))
        current = getattr(candidate, name)
        if audit.to_text(current) != audit.to_text(value):
            changes[name] = value
    return changes


def update_candidate(
    candidate_id: int,
    data: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    reason: str = "modification de l'inscription",
) -> bool:
    """Change some fields of a candidate (audited field by field); True if anything changed.

    ``data`` uses CandidateData field names. The name key follows the name, the option épreuves
    follow the options.
    """
    with write_transaction():
        candidate = get_candidate(candidate_id)
        changes = candidate_changes(candidate, data)
        if not changes:
            return False
        reg = regulation_of(candidate.session_id)
        values = {
            ("etablissement" if k == "etablissement_id" else k): v for k, v in changes.items()
        }
        last = changes.get("last_name", candidate.last_name)
        first = changes.get("first_name", candidate.first_name)
        if "last_name" in changes or "first_name" in changes:
            values.update(name_keys(last, first))
        if "series" in changes and changes["series"] not in reg.series_codes:
            raise ServiceError(f"série « {changes['series']} » inconnue")
        values["updated_at"] = audit.now_iso()
        audit.update(
            Candidate, candidate_id, values, expected_version=expected_version, reason=reason
        )
        if "options" in changes:
            sync_registrations(candidate_id, reg, changes["options"], reason)
    return True
