"""Files on disk: the rights the configuration gives them, and writes that never leave half a file.

What baktui writes holds personal data (names, addresses, e-mails, phones): the SQLite base and
its -wal and -shm, backups, documents (PDF, workbooks, CSV) and their folder. Their mode comes
from ``[fichiers]`` of the configuration, whatever the umask: ``mode = "groupe"`` (the default)
gives files 0640 and folders 0750, with the office's group when ``groupe`` names it;
``"prive"`` gives 0600 and 0700. The log is private to the account anyway (:mod:`baktui.logs`).

:func:`write_file` is how every output is written: a temporary file is created next to its
destination by :func:`tempfile.mkstemp` (O_CREAT|O_EXCL and an unpredictable name: nothing
planted in a shared folder is followed or overwritten), given its mode on the descriptor before
a byte is written, filled, synced, then renamed over the destination. A half-written file never
replaces a good one, and a full disk leaves nothing behind (« Disque plein : … »).
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from baktui.config import Config, get_config
from baktui.errors import ServiceError
from baktui.logs import get_logger

_log = get_logger(__name__)
T = TypeVar("T")
TEMP_PREFIX = ".baktui-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLASSES = (0o070, 0o007)  # the group's and the others' permission bits
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}
_refused_groups: set[int] = set()  # said once in the log, not at every file


@dataclass(frozen=True)
class Rights:
    """The modes of the files and folders baktui writes, and the office's group, if named."""

    file: int = 0o640
    folder: int = 0o750
    group: str | None = None

    @property
    def forbidden(self) -> int:
        """The permission bits an existing file or folder must lose: every bit of a class (group,
        others) that the mode gives nothing. A group's write right, given by the office to share
        the base, is kept in "groupe"; nothing is left to the others."""
        bits = 0
        for cls in _CLASSES:
            if not self.folder & cls:
                bits |= cls
        return bits

    @property
    def gid(self) -> int | None:
        return _gid(self.group) if self.group else None


def rights(config: Config | None = None) -> Rights:
    """The rights set by the configuration in force."""
    config = config or get_config()
    return Rights(config.file_mode, config.folder_mode, config.files_group)


@functools.lru_cache(maxsize=8)
def _gid(name: str) -> int | None:
    try:
        import grp

        return grp.getgrnam(name).gr_gid
    except (ImportError, KeyError):  # checked with the configuration: gone since
        return None


def _give_group(target: int | Path, gid: int | None) -> bool:
    """chgrp (of a descriptor or a path) when a group is named and the account may give it."""
    if gid is None:
        return False
    try:
        if isinstance(target, int):
            os.fchown(target, -1, gid)
        else:
            os.chown(target, -1, gid)
    except PermissionError:  # the account is not a member of the group: the mode still applies
        if gid not in _refused_groups:
            _refused_groups.add(gid)
            _log.warning("groupe %s non attribué (%s) : le compte n'en est pas membre", gid, target)
        return False
    return True


def _set_rights(fd: int, mode: int, given: Rights) -> None:
    os.fchmod(fd, mode)
    _give_group(fd, given.gid)


def create_file(path: Path, given: Rights | None = None) -> bool:
    """Create an empty file with its rights, set before anything is written in it (O_EXCL: never
    an existing file, never through a symbolic link); False when the path already exists."""
    given = given or rights()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, given.file)
    except FileExistsError:
        return False
    except OSError as exc:
        raise refusal(exc, path) from exc
    try:
        _set_rights(fd, given.file, given)
    finally:
        os.close(fd)
    return True


def tighten(path: Path, given: Rights | None = None) -> str | None:
    """Take from an existing file or folder the rights its mode forbids, and give it the office's
    group. Returns a French line saying what was done (or what its owner should do), None when
    there was nothing to do or the path does not exist."""
    given = given or rights()
    try:
        info = os.stat(path)
    except OSError:  # absent, or in a folder this account may not search
        return None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return None  # /dev/null, a pipe, a terminal given as output: never the system's rights
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode) and mode & stat.S_ISVTX:
        return None  # a shared folder by design (/tmp): its files keep their own rights
    loose = mode & given.forbidden
    gid = given.gid
    regroup = gid is not None and info.st_gid != gid
    if not loose and not regroup:
        return None
    if info.st_uid != os.geteuid() and os.geteuid() != 0:
        if not loose:
            return None
        who = "go" if given.forbidden & 0o070 else "o"
        return (
            f"Attention : {path} est lisible par d'autres comptes ({mode:04o}) et appartient à "
            f"un autre compte : demandez à son propriétaire « chmod {who}-rwx {path} »."
        )
    done = []
    if loose:
        try:
            os.chmod(path, mode & ~given.forbidden)
        except OSError as exc:  # a file system that keeps its own rights (network share)
            return (
                f"Attention : {path} est lisible par d'autres comptes ({mode:04o}) et ses droits "
                f"n'ont pas pu être resserrés ({exc.strerror or exc})."
            )
        done.append(f"{mode:04o} → {mode & ~given.forbidden:04o}")
    if regroup and _give_group(path, gid):
        done.append(f"groupe {given.group}")
    return f"Droits resserrés : {path} ({', '.join(done)})." if done else None


def make_folder(path: Path, given: Rights | None = None, *, tighten_existing: bool = False) -> Path:
    """Create a folder and its missing parents with the folder mode (exactly, whatever the
    umask) and the office's group. An existing folder is left as it is, unless
    ``tighten_existing`` (the documents folder: it holds nothing but personal data)."""
    given = given or rights()
    path = Path(path)
    missing = []
    step = path
    while not step.exists() and step != step.parent:
        missing.append(step)
        step = step.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, given.folder)  # the umask only takes bits away: never looser
        except FileExistsError:
            continue  # made meanwhile by a colleague
        except OSError as exc:
            raise ServiceError(
                f"Impossible de créer le dossier {folder} ({exc.strerror or exc})."
            ) from exc
        os.chmod(folder, given.folder)
        _give_group(folder, given.gid)
    if not path.is_dir():
        raise ServiceError(f"{path} n'est pas un dossier.")
    if tighten_existing and not missing:
        note = tighten(path, given)
        if note:
            _log.warning(note)
    return path


def refusal(exc: OSError, target: Path) -> ServiceError:
    """The French message for a file that could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = " (quota du compte atteint)" if exc.errno == errno.EDQUOT else ""
        return ServiceError(
            f"Disque plein{why} : {target} n'a pas été écrit (rien n'est laissé à moitié). "
            "Libérez de la place, puis recommencez."
        )
    if exc.errno == errno.ENAMETOOLONG:
        return ServiceError(f"{target} : nom de fichier trop long.")
    if exc.errno == errno.EROFS:
        return ServiceError(f"{target} : le disque est en lecture seule.")
    if isinstance(exc, PermissionError):
        return ServiceError(f"{target} : écriture refusée (droits du dossier {target.parent}).")
    return ServiceError(f"{target} : écriture impossible ({exc.strerror or exc}).")


def write_file(
    target: str | Path,
    write: Callable[[Path], T],
    *,
    given: Rights | None = None,
    replace: bool = True,
) -> T:
    """Have ``write`` fill a new temporary file next to ``target`` (its path is given), then
    rename it over ``target``; returns what ``write`` returns.

    The temporary file is made by mkstemp (O_CREAT|O_EXCL, unpredictable name) and has its mode
    and group before ``write`` runs. With ``replace=False`` an existing ``target`` (even one
    made meanwhile) is never overwritten: the file is hard-linked into place. Any OSError becomes
    a French ServiceError (« Disque plein : … »), the temporary file removed.
    """
    given = given or rights()
    target = Path(target)
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    except OSError as exc:
        raise refusal(exc, target) from exc
    temporary = Path(name)
    try:
        try:
            _set_rights(fd, given.file, given)
            result = write(temporary)
            if not os.path.samestat(os.fstat(fd), os.lstat(temporary)):
                raise ServiceError(
                    f"{target} : le fichier temporaire a été remplacé pendant l'écriture "
                    "(dossier partagé ?) : rien n'est écrit."
                )
            os.fsync(fd)
            _publish(temporary, target, replace)
        finally:
            os.close(fd)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise refusal(exc, target) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return result


def _publish(temporary: Path, target: Path, replace: bool) -> None:
    if replace:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails if the target exists: never overwritten
    except FileExistsError:
        raise ServiceError(f"{target} existe déjà : rien n'est écrit.") from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        # a file system without hard links (some network shares): check, then rename
        if os.path.lexists(target):
            raise ServiceError(f"{target} existe déjà : rien n'est écrit.") from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every system opens folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
