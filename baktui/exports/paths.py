"""Writing document files: safe file names and atomic writes with the usual rights.

Where the files go is the documents service's business (:mod:`baktui.services.documents`, from the
configuration); the renderers only write to the path they are given.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """A file-name fragment: accents folded, anything else than letters, digits, . _ - replaced."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("-", ascii_text).strip("-") or "document"


def process_umask() -> int:
    """The process umask, read without changing it (Linux /proc), else the common 022."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def share(path: Path) -> Path:
    """Give a written document the usual rights (atomic saves via mkstemp make it 0600), so
    that colleagues on the shared server can open it."""
    os.chmod(path, 0o666 & ~process_umask())
    return path


def write_atomically(path: str | Path, suffix: str, write: Callable[[Path], object]) -> Path:
    """Have ``write`` fill a temporary file next to ``path``, give it the usual rights, then
    rename it over ``path``: a half-written file never replaces a good one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".baktui-", suffix=suffix, dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp makes the file private (0600): give it the usual rights, so that the
        # colleagues sharing the server can open it
        share(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
