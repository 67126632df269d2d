"""Archiving a closed session in one file that can be checked and opened years later.

``baktui archiver FICHIER`` writes a zip archive of a closed session (a closed session is frozen:
nothing it holds can change any more, so the archive stays true):

- ``base.sqlite``: the whole base, copied with SQLite's online backup from one read snapshot
  (:mod:`baktui.services.backup`), checked by ``PRAGMA integrity_check``;
- ``pv/pv-groupe1.pdf`` and ``pv/pv-groupe2.pdf``: the procès-verbal of every jury (first
  group; second group where there was one), rendered from the base (an archive is not an
  issuance: nothing is recorded);
- ``resultats.csv``: every candidate's result, as ``baktui export resultats`` writes it;
- ``manifeste.json``: the session, who archived it and when, and the size and SHA-256 of every
  file above.

``baktui archiver --verifier FICHIER`` recomputes every checksum, refuses a file missing from the
manifest or added to the archive, and checks the base (integrity, the session, closed).
``baktui archiver --ouvrir FICHIER`` opens a verified copy of the base in the application: the
session being closed, every write is refused, reads and reprints work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from baktui.data import db as dbmod
from baktui.data import files
from baktui.data.audit import current_user
from baktui.data.models import Jury
from baktui.errors import ServiceError
from baktui.rules.french import plural
from baktui.services import backup
from baktui.services.pv import build_pv
from baktui.services.results_export import result_rows
from baktui.services.sessions import KINDS, SessionInfo
from baktui.services.settings import letterhead

if TYPE_CHECKING:
    from baktui.exports.pv import PvDocument

Progress = Callable[[str], object]

BASE = "base.sqlite"
MANIFEST = "manifeste.json"
RESULTS = "resultats.csv"
FORMAT = 1  # the manifest's layout; a later baktui reads the archives of this one


@dataclass(frozen=True)
class ArchivedFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Archive:
    """An archive written (and checked once written)."""

    path: Path
    year: int
    kind: str
    files: tuple[ArchivedFile, ...]
    juries: int
    elapsed_s: float

    def render(self) -> str:
        size = self.path.stat().st_size
        seconds = f"{self.elapsed_s:.1f}".replace(".", ",")
        return (
            f"Archive de la session {self.year} ({KINDS.get(self.kind, self.kind)}) écrite : "
            f"{self.path} ({backup.megabytes(size)} Mo : la base, les procès-verbaux de "
            f"{plural(self.juries, 'jury')}, les résultats et le manifeste des sommes de "
            f"contrôle) en {seconds} s. Vérifiez-la avec « baktui archiver --verifier »."
        )


@dataclass
class Verification:
    """What ``archiver --verifier`` found: ``problems`` is empty when the archive is sound."""

    path: Path
    year: int | None = None
    kind: str = ""
    archived_at: str = ""
    archived_by: str = ""
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        what = (
            f"session {self.year} ({KINDS.get(self.kind, self.kind)}), archivée le "
            f"{self.archived_at} par {self.archived_by}"
            if self.year is not None
            else "session inconnue"
        )
        if self.ok:
            return (
                f"Archive {self.path} intègre : {what} ; {plural(self.checked, 'fichier')} "
                "vérifiés (sommes SHA-256), base intègre et close."
            )
        lines = [f"Archive {self.path} NON intègre ({what}) :"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pv_files(session: SessionInfo, folder: Path, progress: Progress) -> list[Path]:
    """Every jury's PV in two files (the font embedded once per file): the first group, and
    the second group of the juries that had one; built one jury at a time, progress said about
    every tenth of the juries."""
    from baktui.exports.pv import write_pvs

    academie = letterhead()
    juries = Jury.select(Jury.number).where(Jury.session == session.id).order_by(Jury.number)
    numbers = [number for (number,) in juries.tuples()]
    step = max(1, len(numbers) // 10)
    written = []
    for group, name in ((1, "premier groupe"), (2, "second groupe")):

        def documents(group: int = group, name: str = name) -> Iterator[PvDocument]:
            for index, number in enumerate(numbers, 1):
                document = build_pv(session.id, number, group)
                if document.lines or group == 1:
                    yield document
                if index % step == 0 or index == len(numbers):
                    progress(f"  PV du {name} : {index} / {len(numbers)} jurys")

        path = folder / f"pv-groupe{group}.pdf"
        write_pvs(path, documents(), title=f"Procès-verbaux de délibération — {name}",
                  academie=academie, session_year=session.year)  # fmt: skip
        written.append(path)
    return written


def write_archive(
    target: str, session: SessionInfo, out: str | Path, progress: Progress | None = None
) -> Archive:
    """Archive the closed ``session`` of the base ``target`` into the zip file ``out``;
    ServiceError, nothing written, when it cannot be. ``progress`` hears each step (the CLI
    prints them: a whole académie takes minutes)."""
    say: Progress = progress or (lambda _text: None)
    from baktui.exports.results import write_results

    out = Path(out).expanduser()
    if not session.closed:
        raise ServiceError(
            f"La session {session.year} ({KINDS.get(session.kind, session.kind)}) n'est pas "
            "close : une archive fige la session, closez-la d'abord (« baktui clore »)."
        )
    if out.suffix.lower() != ".zip":
        raise ServiceError(f"{out.name} : l'archive s'écrit dans un fichier .zip.")
    if out.exists():
        raise ServiceError(f"{out} existe déjà : une archive n'est jamais écrasée.")
    if not out.parent.is_dir():
        raise ServiceError(f"{out.parent} : dossier introuvable.")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="baktui-archive-") as tmp:
        folder = Path(tmp)
        say("Copie de la base…")
        backup.back_up(target, folder / BASE)
        (folder / "pv").mkdir()
        pvs = _pv_files(session, folder / "pv", say)
        say("Résultats…")
        write_results(folder / RESULTS, result_rows(session.id))
        say("Sommes de contrôle et archive…")
        contents = [folder / BASE, *pvs, folder / RESULTS]
        archived = tuple(
            ArchivedFile(p.relative_to(folder).as_posix(), p.stat().st_size, _sha256(p))
            for p in contents
        )
        manifest = {
            "format": FORMAT,
            "application": "baktui",
            "session": {"year": session.year, "kind": session.kind, "label": session.label},
            "archived_at": dt.datetime.now().strftime("%d/%m/%Y %H:%M"),
            "archived_by": current_user(),
            "files": [f.__dict__ for f in archived],
        }

        def write_zip(temporary: Path) -> None:
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path, entry in zip(contents, archived, strict=True):
                    archive.write(path, entry.name)
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))

        files.write_file(out, write_zip)
    juries = Jury.select().where(Jury.session == session.id).count()
    result = Archive(
        out, session.year, session.kind, archived, juries, time.perf_counter() - started
    )
    check = verify_archive(out)
    if not check.ok:  # never left behind as if it were sound
        out.unlink(missing_ok=True)
        raise ServiceError(check.render())
    return result


def verify_archive(path: str | Path) -> Verification:
    """Every checksum of the manifest, no file missing or added, the base sound and closed."""
    path = Path(path).expanduser()
    found = Verification(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        found.problems.append(f"illisible comme archive zip ({exc})")
        return found
    with archive, tempfile.TemporaryDirectory(prefix="baktui-verif-") as tmp:
        try:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
            listed = {f["name"]: f for f in manifest["files"]}
            found.year = int(manifest["session"]["year"])
            found.kind = str(manifest["session"]["kind"])
            found.archived_at = str(manifest.get("archived_at", ""))
            found.archived_by = str(manifest.get("archived_by", ""))
        except (KeyError, ValueError, TypeError) as exc:
            found.problems.append(f"manifeste {MANIFEST} absent ou illisible ({exc})")
            return found
        present = set(archive.namelist()) - {MANIFEST}
        for name in sorted(present - listed.keys()):
            found.problems.append(f"{name} : fichier ajouté, absent du manifeste")
        for name, entry in listed.items():
            if name not in present:
                found.problems.append(f"{name} : fichier du manifeste absent de l'archive")
                continue
            extracted = Path(archive.extract(name, tmp))
            found.checked += 1
            if extracted.stat().st_size != entry["size"] or _sha256(extracted) != entry["sha256"]:
                found.problems.append(f"{name} : contenu modifié (somme SHA-256 différente)")
        if BASE in present:
            found.problems += _check_base(Path(tmp) / BASE, found.year, found.kind)
    return found


def _check_base(base: Path, year: int | None, kind: str) -> list[str]:
    if not base.exists():
        return []
    try:
        with sqlite3.connect(base.resolve().as_uri() + "?mode=ro", uri=True) as conn:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            row = conn.execute(
                "SELECT closed_at FROM exam_session WHERE year = ? AND kind = ?", (year, kind)
            ).fetchone()
    except sqlite3.Error as exc:
        return [f"{BASE} : base illisible ({exc})"]
    problems = []
    if integrity != ["ok"]:
        problems.append(f"{BASE} : intégrité en défaut ({'; '.join(integrity[:3])})")
    if row is None:
        problems.append(f"{BASE} : la session {year} ({kind}) n'y est pas")
    elif not row[0]:
        problems.append(f"{BASE} : la session {year} n'y est pas close")
    return problems


@contextmanager
def opened(path: str | Path) -> Iterator[str]:
    """A checked private copy of the archive's base (its target for the application), thrown
    away afterwards: nothing is ever written into the archive."""
    check = verify_archive(path)
    if not check.ok:
        raise ServiceError(check.render())
    folder = Path(tempfile.mkdtemp(prefix="baktui-archive-"))  # mode 0700
    try:
        with zipfile.ZipFile(Path(path).expanduser()) as archive:
            archive.extract(BASE, folder)
        yield str(folder / BASE)
    finally:
        dbmod.close_database()
        shutil.rmtree(folder, ignore_errors=True)
