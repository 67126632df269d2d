"""Issuing documents: where the files go, how they are written, and their record in the base.

The renderers in :mod:`baktui.exports` turn document dataclasses into a PDF or a workbook and know
nothing of the base; a use-case service reads the data, builds the dataclasses, and calls
:func:`issue` with the renderer: the file is written atomically (a half-written file never
replaces a good one), with the rights of ``[fichiers]`` (:mod:`baktui.data.files`: 0640 by
default, never readable by every account), into the documents folder, then one
:class:`Document` row per candidate or
examiner concerned records it, audited, so that the card's "Documents" tab and the timeline show
who printed what and when.

Every document issued is then handed to the receivers of :func:`delivering_to` (the app running in
a browser under ``baktui serve`` sends it there: the file on the server is out of the user's
reach); the command line and the terminal app have none.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from baktui.config import get_config
from baktui.data import audit, files
from baktui.data.db import write_transaction
from baktui.data.models import Document
from baktui.exports.paths import safe_name
from baktui.logs import get_logger

_log = get_logger(__name__)

# Kinds of document, as stored in Document.kind, and how the card names them.
CONFIRMATION = "confirmation_inscription"
CONVOCATION_EXAMINATEUR = "convocation_examinateur"
LISTE_JURYS = "liste_jurys"
BORDEREAU = "bordereau_notation"
ETAT_DE_FRAIS = "etat_de_frais"
PAIEMENT_FRAIS = "paiement_frais"
PROCES_VERBAL = "proces_verbal"
LISTE_ADMIS = "liste_admis"
CONVOCATION_SECOND_GROUPE = "convocation_second_groupe"
FICHE_SECOND_GROUPE = "fiche_second_groupe"
REJET_FRAIS = "rejet_frais"
KIND_LABELS = {
    REJET_FRAIS: "lettre de rejet d'une demande de frais",
    CONFIRMATION: "confirmation d'inscription",
    CONVOCATION_EXAMINATEUR: "convocation d'examinateur",
    LISTE_JURYS: "listes d'affectation des jurys",
    BORDEREAU: "bordereau de notation",
    ETAT_DE_FRAIS: "état de frais",
    PAIEMENT_FRAIS: "fichier de mise en paiement",
    PROCES_VERBAL: "procès-verbal de délibération",
    LISTE_ADMIS: "liste des admis",
    CONVOCATION_SECOND_GROUPE: "convocation au second groupe",
    FICHE_SECOND_GROUPE: "fiche des examinateurs du second groupe",
    "convocation": "convocation",
    "releve": "relevé de notes",
    "diplome": "diplôme",
    "attestation": "attestation de réussite",
    "cfes": "certificat de fin d'études secondaires",
    "liste_envoi": "liste d'envoi",
    "liste_emargement": "listes d'émargement",
    "liste_deroulement": "listes de déroulement des oraux",
    "statistiques_logistique": "statistiques logistiques",
    "etiquettes": "étiquettes",
}
# Who receives each document issued in this process (BaktuiApp under baktui serve: the browser).
_receivers: list[Callable[[Path], object]] = []
# Bytes of a file name built by file_name, suffix included: a name read from the base (a
# 3,000-character surname) never makes it exceed what the file system allows (255).
MAX_NAME_BYTES = 120


@dataclass(frozen=True)
class IssuedDocument:
    """A document written to disk and recorded in the base."""

    path: Path
    kind: str
    count: int  # documents in the file: candidates, examiners, lots…
    elapsed_ms: float = 0.0


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def documents_folder(out_dir: Path | None = None) -> Path:
    """The folder documents are written to: ``out_dir``, else the configuration's
    (``$BAKTUI_OUT``, ``[documents] dossier``, ``baktui-documents/``). Created if missing with
    the folder mode of ``[fichiers]`` (0750), an existing one of ours tightened to it."""
    folder = out_dir or get_config().documents_folder()
    return files.make_folder(folder, tighten_existing=True)


def file_name(*parts: str, suffix: str, stamped: bool = True) -> str:
    """A file name from readable parts (accents folded), with the time it was made:
    ``file_name("convocations", "DUPONT-12", suffix=".pdf")`` →
    ``convocations-DUPONT-12-20260615-091502.pdf``. At most MAX_NAME_BYTES bytes: the readable
    parts are cut, never the time or the suffix."""
    stem = "-".join(safe_name(p) for p in parts if p)
    stamp = "-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S") if stamped else ""
    room = MAX_NAME_BYTES - len(stamp) - len(suffix.encode())
    return (stem[:room].rstrip("-.") or "document") + stamp + suffix


def issue(
    kind: str,
    name: str,
    write: Callable[[Path], object],
    *,
    candidates: Sequence[int] = (),
    examiners: Sequence[int | None] = (),
    count: int | None = None,
    out_dir: Path | None = None,
    path: Path | None = None,
    reason: str = "",
    along: Callable[[], object] | None = None,
) -> IssuedDocument:
    """Write a document with ``write(temporary_path)`` and record it.

    The file goes to ``path``, else ``name`` in the documents folder. One Document row is
    written per candidate and per examiner named (an examiner may be None: an office file such
    as the payment workbook), in one transaction after the file is in place; ``along`` runs in
    that same transaction (the writes that issuing the document implies, such as missions now
    convened), so that the base never says a document was issued without them, or the reverse.
    """
    started = time.perf_counter()
    if path is not None:
        target = files.make_folder(path.parent) / path.name
    else:
        target = documents_folder(out_dir) / name
    files.write_file(target, write)
    with write_transaction():
        record(kind, target.name, candidates=candidates, examiners=examiners, reason=reason)
        if along is not None:
            along()
    total = count if count is not None else max(len(candidates) + len(examiners), 1)
    _deliver(target)
    return IssuedDocument(target, kind, total, (time.perf_counter() - started) * 1000)


@contextmanager
def delivering_to(receiver: Callable[[Path], object]) -> Iterator[None]:
    """While the block runs, every document issued (written and recorded) is also given to
    ``receiver(path)``, from the thread that issued it."""
    _receivers.append(receiver)
    try:
        yield
    finally:
        _receivers.remove(receiver)


def _deliver(path: Path) -> None:
    for receiver in list(_receivers):
        try:
            receiver(path)
        except Exception:  # the file is written and recorded: its sending never undoes that
            _log.exception("document non transmis : %s", path)


def record(
    kind: str,
    reference: str,
    *,
    candidates: Sequence[int] = (),
    examiners: Sequence[int | None] = (),
    reason: str = "",
) -> int:
    """Note an issued file in the documents table, one row per candidate and per examiner, each
    with its audit entry ("confirmation d'inscription → fichier.pdf": it shows in the timeline)."""
    label = kind_label(kind)
    why = reason or f"édition : {label}"
    when, who = audit.now_iso(), audit.current_user()
    rows = [(c, None) for c in candidates] + [(None, e) for e in examiners]
    with write_transaction():
        for candidate, examiner in rows:
            doc_id = Document.insert(
                kind=kind,
                candidate=candidate,
                examiner=examiner,
                issued_at=when,
                issued_by=who,
                reference=reference,
            ).execute()
            audit.log(
                "create",
                "document",
                doc_id,
                after=f"{label} → {reference}",
                reason=why,
                candidate_id=candidate,
                at=when,
            )
    return len(rows)
