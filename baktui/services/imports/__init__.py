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
- :mod:`.tabular`: reading CSV (any separator, UTF-8 or Windows-1252) and XLSX files.

See the README section "Formats de fichiers" for the columns.
"""
