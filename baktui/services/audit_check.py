"""``baktui verifier``: is the audit log as baktui wrote it?

Checks that its protections (the triggers refusing UPDATE and DELETE) are in place, then walks
the hash chain of :mod:`baktui.data.audit_chain` in id order, by batches, and names the first
entry whose seal does not hold: changed after it was written, written outside baktui, or just
after entries that were removed. The report gives the seal of the last entry, to note down
outside the base: the chain cannot show on its own that it was rewritten from start to end, or
that its last entries were cut off; that seal, given back later (``--empreinte N:SEAL``), can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from baktui.data import audit_chain
from baktui.data.db import current_database
from baktui.data.migrations import missing_audit_protections
from baktui.data.models import AuditLog
from baktui.rules.numbers import thousands


@dataclass(frozen=True)
class AuditCheck:
    """What ``baktui verifier`` found; :meth:`render` says it in French."""

    walk: audit_chain.Walk
    missing: tuple[str, ...]  # protections absent now
    restored_at_open: bool  # absent when the base was opened for this check (put back)
    restorations: tuple[audit_chain.Entry, ...]  # earlier restorations, oldest first
    noted: tuple[int, str] | None = None  # (entry id, seal or its start) noted down earlier

    @property
    def noted_holds(self) -> bool:
        stored = self.walk.noted_chain
        return self.noted is None or (stored is not None and stored.startswith(self.noted[1]))

    @property
    def ok(self) -> bool:
        return (
            self.walk.broken is None
            and not self.missing
            and not self.restored_at_open
            and self.noted_holds
        )

    def render(self) -> str:
        lines = []
        walk = self.walk
        if walk.broken is None and self.noted_holds:
            lines.append(f"Journal d'audit intègre : {_entries(walk.entries)} vérifiée{_s(walk)}.")
        elif walk.broken is None:
            lines.append(
                f"Journal d'audit cohérent ({_entries(walk.entries)} vérifiée{_s(walk)}), "
                "mais pas celui dont l'empreinte a été notée :"
            )
        else:
            lines.append(f"{_broken(walk.broken)}.")
            if walk.more_breaks:
                more = walk.more_breaks
                lines.append(f"(et {more} autre{'s' if more > 1 else ''} altération"
                             f"{'s' if more > 1 else ''} plus loin ; {_entries(walk.entries)} "
                             f"lue{_s(walk)})")  # fmt: skip
        if self.noted is not None:
            lines.append(self._noted_line())
        if self.missing:
            lines.append(
                f"Protections du journal d'audit absentes : {', '.join(self.missing)} "
                "(elles n'ont pas pu être rétablies)."
            )
        if self.restored_at_open:
            lines.append(
                "Ses protections avaient été supprimées (elles viennent d'être rétablies) : "
                "entre-temps, des entrées ont pu être modifiées ou effacées."
            )
        elif self.restorations:
            last = self.restorations[-1]
            times = len(self.restorations)
            lines.append(
                f"Attention : ses protections ont déjà dû être rétablies {times} fois "
                f"(la dernière : entrée n° {last.id} du {_when(last.at)})."
            )
        if walk.last is not None:
            lines.append(
                f"Empreinte de la dernière entrée (n° {walk.last.id}, {_when(walk.last.at)}) : "
                f"{walk.last_chain}"
            )
            lines.append(
                "Notez-la hors de la base : « baktui verifier --empreinte "
                f"{walk.last.id}:{walk.last_chain[:12]} » dira plus tard si le journal a été "
                "réécrit ou amputé depuis."
            )
        return "\n".join(lines)

    def _noted_line(self) -> str:
        assert self.noted is not None
        entry_id = self.noted[0]
        if self.walk.noted_chain is None:
            return (
                f"L'entrée n° {entry_id}, dont l'empreinte avait été notée, n'existe plus : "
                "le journal a été amputé."
            )
        if not self.noted_holds:
            return (
                f"L'entrée n° {entry_id} ne porte plus l'empreinte notée "
                f"({self.walk.noted_chain[: len(self.noted[1])]} au lieu de {self.noted[1]}) : "
                "le journal a été réécrit."
            )
        return (
            f"L'entrée n° {entry_id} porte toujours l'empreinte notée : le journal jusqu'à elle "
            "est celui d'alors."
        )


def check_audit_log(
    *,
    restored_at_open: bool = False,
    noted: tuple[int, str] | None = None,
    progress: Callable[[int, int | None], object] | None = None,
) -> AuditCheck:
    """Check the open base's audit log. ``restored_at_open``: its protections were put back when
    it was opened for this check (the opening's warning said so). ``noted``: an entry's id and
    the seal (or its first characters, in lower-case hex) noted down earlier, to compare.
    ``progress(done, total)``: the entry ids checked (45 s for 3.5 million entries)."""
    db = current_database()
    restorations = (
        AuditLog.select(AuditLog.id, AuditLog.at, AuditLog.who, AuditLog.entity, AuditLog.entity_id)
        .where((AuditLog.entity == "audit_log") & (AuditLog.field == "protections"))
        .order_by(AuditLog.id)
        .tuples()
    )
    return AuditCheck(
        walk=audit_chain.walk(db, noted=noted[0] if noted else None, progress=progress),
        missing=tuple(missing_audit_protections(db)),
        restored_at_open=restored_at_open,
        restorations=tuple(audit_chain.Entry(*row) for row in restorations),
        noted=noted,
    )


def _entries(count: int) -> str:
    return f"{thousands(count)} entrée{'s' if count > 1 else ''}"


def _s(walk: audit_chain.Walk) -> str:
    return "s" if walk.entries > 1 else ""


def _when(at: str) -> str:
    """03/12/2026 10:15 (the text as stored when it is not a date: it may have been altered)."""
    try:
        return dt.datetime.fromisoformat(at).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return at


def _broken(found: audit_chain.Break) -> str:
    entry = found.entry
    what = f"{entry.entity} {entry.entity_id}" if entry.entity_id else entry.entity
    where = (
        f"Journal d'audit altéré à l'entrée n° {entry.id} ({_when(entry.at)}, {entry.who}, "
        f"{what}) : "
    )
    if found.missing is not None:
        first, last = found.missing
        if first == last:
            return where + f"l'entrée n° {first} a été supprimée juste avant elle"
        return where + f"les entrées n° {first} à {last} ont été supprimées juste avant elle"
    if found.unsealed:
        return where + "elle a été écrite hors de baktui (elle n'a pas d'empreinte)"
    return where + (
        "elle a été modifiée après son écriture (son contenu ne correspond plus à son empreinte)"
    )
