"""The documents the F8 screen offers: one entry per kind, trivial to extend.

Each :class:`CatalogEntry` is (key, French label, allowed scopes, count(session, scope) →
(documents, pages), generate(session, scope, path, progress) → DocumentRun). Adding a kind
(the statistics, say) is one more entry in :data:`CATALOG`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from baktui.data.models import Document
from baktui.services import transcripts as t
from baktui.services.documents import kind_label

Count = Callable[[int, t.Scope], tuple[int, int]]
Generate = Callable[[int, t.Scope, Path | None, t.Progress | None], t.DocumentRun]
ALL_SCOPES = t.SCOPES
WINDOW = "convocation_fenetre"  # the catalogue's key (the documents issued are convocations)
DEROULEMENT = "liste_deroulement"


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    label: str
    scopes: tuple[str, ...]
    count: Count
    generate: Generate


def _kind(kind: str) -> tuple[Count, Generate]:
    def count(session_id: int, scope: t.Scope) -> tuple[int, int]:
        return t.count(session_id, kind, scope)

    def generate(
        session_id: int, scope: t.Scope, path: Path | None, progress: t.Progress | None
    ) -> t.DocumentRun:
        return t.issue_documents(session_id, kind, scope, path=path, progress=progress)

    return count, generate


def _dispatch_count(session_id: int, scope: t.Scope) -> tuple[int, int]:
    chosen = t.select(session_id, scope)
    return len(chosen.ids), 0  # pages: one per établissement, known once read


@dataclass(frozen=True)
class StatisticsRun(t.DocumentRun):
    def render(self) -> str:
        files = ", ".join(str(d.path) for d in self.issued)
        return f"Statistiques : {self.count} tableaux → {files}"


def _statistics_count(session_id: int, scope: t.Scope) -> tuple[int, int]:
    return 1, 0  # one workbook; its sheets depend on what the base holds


def _statistics(
    session_id: int, scope: t.Scope, path: Path | None, progress: t.Progress | None
) -> t.DocumentRun:
    """The commission's, harmonisation and inspectors' workbook (services/statistics.py)."""
    from baktui.services.documents import documents_folder, file_name
    from baktui.services.statistics import STATISTIQUES, generate_statistics

    target = path or documents_folder() / file_name("statistiques", scope.label(), suffix=".xlsx")
    doc = generate_statistics(
        session_id,
        target,
        jury=int(scope.key) if scope.kind == "jury" else None,
        etablissement=scope.key if scope.kind == "etablissement" else None,
        progress=(lambda _step, done, total: progress(done, total)) if progress else None,
    )
    return StatisticsRun(STATISTIQUES, (doc,), doc.count, 0)


def _convocations_count(
    session_id: int, scope: t.Scope, *, window: bool = False
) -> tuple[int, int]:
    from baktui.services import candidate_convocations as cc

    letters = cc.convocations(session_id, **_logistics_scope(scope), window=window)
    return len(letters), len(letters)


def _running_count(session_id: int, scope: t.Scope) -> tuple[int, int]:
    from baktui.services.oral_lists import running_lists

    lists = running_lists(session_id, centre_code=_logistics_scope(scope)["centre_code"])
    return len(lists), len(lists)


def _logistics_scope(scope: t.Scope) -> dict[str, str | None]:
    return {
        "centre_code": scope.key if scope.kind == "centre" else None,
        "candidate": scope.key if scope.kind == "candidat" else None,
    }


def _logistics(what: str) -> Generate:
    def generate(
        session_id: int, scope: t.Scope, path: Path | None, progress: t.Progress | None
    ) -> t.DocumentRun:
        from baktui.services import candidate_convocations as cc
        from baktui.services.sessions import session_info

        session = session_info(session_id)
        assert session is not None
        if what == cc.CONVOCATION:
            doc = cc.issue_convocations(session, **_logistics_scope(scope), path=path)
        elif what == WINDOW:
            doc = cc.issue_convocations(session, **_logistics_scope(scope), window=True, path=path)
        elif what == DEROULEMENT:
            from baktui.services.oral_lists import issue_running_lists

            doc = issue_running_lists(
                session, centre_code=_logistics_scope(scope)["centre_code"], path=path
            )
        else:
            doc = cc.issue_signing_sheets(
                session, centre_code=_logistics_scope(scope)["centre_code"], path=path
            )
        if progress is not None:
            progress(doc.count, doc.count)
        unit = {DEROULEMENT: "commission", "liste_emargement": "liste"}.get(what, "candidat")
        return t.DocumentRun(doc.kind, (doc,), doc.count, 0, unit=unit)

    return generate


def _signing_count(session_id: int, scope: t.Scope) -> tuple[int, int]:
    from baktui.services import candidate_convocations as cc

    sheets = cc.signing_sheets(session_id, centre_code=_logistics_scope(scope)["centre_code"])
    return len(sheets), len(sheets)


CATALOG: list[CatalogEntry] = [
    CatalogEntry(t.RELEVE, "Relevés de notes (2 exemplaires)", ALL_SCOPES, *_kind(t.RELEVE)),
    CatalogEntry(t.DIPLOME, "Diplômes (admis)", ALL_SCOPES, *_kind(t.DIPLOME)),
    CatalogEntry(t.ATTESTATION, "Attestations de réussite", ALL_SCOPES, *_kind(t.ATTESTATION)),
    CatalogEntry(t.CFES, "Certificats de fin d'études secondaires", ALL_SCOPES, *_kind(t.CFES)),
    CatalogEntry(
        t.ENVOI,
        "Listes d'envoi par établissement",
        ("academie", "serie", "jury", "etablissement", "centre"),
        _dispatch_count,
        lambda sid, scope, path, progress: t.issue_dispatch(sid, scope, path=path),
    ),
    CatalogEntry(
        "statistiques",
        "Statistiques (commission, harmonisation, inspecteurs)",
        ("academie", "jury", "etablissement"),
        _statistics_count,
        _statistics,
    ),
    CatalogEntry(
        "convocation",
        "Convocations aux épreuves écrites",
        ("academie", "centre", "candidat"),
        _convocations_count,
        _logistics("convocation"),
    ),
    CatalogEntry(
        WINDOW,
        "Convocations des individuels (enveloppe à fenêtre)",
        ("academie", "centre", "candidat"),
        lambda sid, scope: _convocations_count(sid, scope, window=True),
        _logistics(WINDOW),
    ),
    CatalogEntry(
        "liste_emargement",
        "Listes d'émargement (par salle et épreuve)",
        ("academie", "centre"),
        _signing_count,
        _logistics("liste_emargement"),
    ),
    CatalogEntry(
        DEROULEMENT,
        "Listes de déroulement des oraux",
        ("academie", "centre"),
        _running_count,
        _logistics(DEROULEMENT),
    ),
]


def entry(key: str) -> CatalogEntry:
    for item in CATALOG:
        if item.key == key:
            return item
    raise KeyError(key)


@dataclass(frozen=True)
class IssuedBatch:
    """One file issued: its kind, how many candidates, who and when."""

    kind: str
    label: str
    reference: str
    count: int
    issued_by: str
    issued_at: str


def issued_batches(
    kinds: tuple[str, ...], *, offset: int = 0, limit: int = 100
) -> list[IssuedBatch]:
    """The files issued for those kinds, newest first, one line per file (paged)."""
    import peewee as pw

    query = (
        Document.select(
            Document.kind,
            Document.reference,
            pw.fn.COUNT(Document.id),
            pw.fn.MAX(Document.issued_by),
            pw.fn.MAX(Document.issued_at),
        )
        .where(Document.kind.in_(list(kinds)))
        .group_by(Document.kind, Document.reference)
        .order_by(pw.fn.MAX(Document.id).desc())
        .offset(offset)
        .limit(limit)
        .tuples()
    )
    return [
        IssuedBatch(kind, kind_label(kind), ref, n, who, when) for kind, ref, n, who, when in query
    ]
