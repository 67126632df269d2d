"""Importing the files offices send (CSV or XLSX): candidates, grades and reference data.

- :mod:`.report`: the French report, refused lines, the columns of a file (the shared contract:
  all or nothing, audited, idempotent);
- :mod:`.candidates`: ``import_candidates``;
- :mod:`.grade_lines` and :mod:`.grades`: ``import_grades``;
- :mod:`.examiners`, :mod:`.juries`, :mod:`.calendar`, :mod:`.claims`: ``import_examiners``,
  ``import_juries``, ``import_calendar``, ``import_claims`` (declared expense claims), on the line
  checks and bulk writes of :mod:`.common`;
- :mod:`.reference`, :mod:`.etablissements`, :mod:`.centres`: the reference data
  (``import_etablissements``, ``import_centres``, ``import_rooms``);
- :mod:`.tabular`: reading CSV (any separator, UTF-8 or Windows-1252) and XLSX files, at once
  (``read_table``) or line by line (``open_stream``: the candidates and grades imports, which
  keep keys, not rows, and spool their accepted lines to disk, :mod:`.spool`);
- :mod:`.progress`: how a long import says how far it is and is cancelled.

See the README section "Formats de fichiers" for the columns. :func:`run_import` is the one way
in, for the CLI (``baktui import WHAT FILE``) and the application alike.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from baktui.services.imports.progress import ProgressFn
from baktui.services.imports.report import ImportReport

IMPORTS = {  # WHAT -> (module of baktui.services.imports, function)
    "candidats": ("candidates", "import_candidates"),
    "notes": ("grades", "import_grades"),
    "etablissements": ("etablissements", "import_etablissements"),
    "centres": ("centres", "import_centres"),
    "salles": ("centres", "import_rooms"),
    "examinateurs": ("examiners", "import_examiners"),
    "jurys": ("juries", "import_juries"),
    "calendrier": ("calendar", "import_calendar"),
    "frais": ("claims", "import_claims"),
    "disponibilites": ("availabilities", "import_availabilities"),
}
SESSIONLESS = {"etablissements"}  # imports of lists that belong to no session


STREAMED = {"candidats", "notes"}  # read line by line, told how far they are (progress)


def run_import(
    what: str, session_id: int, path: Path | str, progress: ProgressFn | None = None
) -> ImportReport:
    """Import a file of that kind (a key of :data:`IMPORTS`) into the session.

    ``progress`` (see :mod:`.progress`) follows, and may stop, the imports of :data:`STREAMED`;
    the others read small files at once."""
    module, name = IMPORTS[what]
    function = getattr(importlib.import_module(f"baktui.services.imports.{module}"), name)
    if what in SESSIONLESS:
        return function(path)
    if what in STREAMED:
        return function(session_id, path, progress)
    return function(session_id, path)
