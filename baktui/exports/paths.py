"""File names of documents: safe fragments, bounded in length.

Where the files go, how they are written (a temporary file, the configured rights, an atomic
rename) is the business of the service writing them (:mod:`baktui.services.documents`,
:func:`baktui.data.files.write_file`); the renderers only write to the path they are given.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A name read from the base can be any length; a file name may not exceed 255 bytes: a fragment
# is cut well below (it is ASCII once folded, so characters are bytes).
MAX_FRAGMENT = 120


def safe_name(text: str, limit: int = MAX_FRAGMENT) -> str:
    """A file-name fragment: accents folded, anything else than letters, digits, . _ - replaced,
    at most ``limit`` characters (ASCII: as many bytes)."""
    text = text[: limit * 4]  # enough to fill the limit once folded, whatever the length
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("-", ascii_text).strip("-")[:limit].rstrip("-") or "document"
