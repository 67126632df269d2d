"""The demo académie: a realistic, deterministic exam office to try baktui on (``baktui demo``).

:func:`build_demo` creates a fresh SQLite file, opens the 2026 registre and fills it with an
académie de Lyon in the middle of the correction phase: établissements, centres and rooms,
examiners, juries, candidates with their registrations, anonymity numbers and lots, grades partly
entered, examiner assignments, absences and expense claims. Same seed, same data (every table but
the timestamps and logins of the audit log and of the registre opening). ``candidates=600`` is the
fast size for tests (about a second); 12 000 is the default; 700 000 is national scale.

The package is one module per step of the build (see :mod:`baktui.demo.build` for their order):
``places``, ``population``, ``examiners``, ``juries``, ``calendar``, ``candidates``, ``grades``,
``lots``, ``cohort`` (the candidate loop), ``assignments``, ``claims``, with ``anomalies`` (what is
wrong on purpose), ``names`` (word lists and pickers), ``bulk`` (the table writer) and ``context``
(what the steps share). This module only names the public API.

Conventions chosen here (other modules rely on them):

- ``Examiner.disciplines``: comma-separated tokens, each an épreuve code the examiner can mark or
  examine (``FRE``, ``FRO``, ``PHI``, ``GO``, ``HG``…); a spécialité token carries the series after
  a colon (``SP1:STMG``, ``SP2:STI2D``) because SP1 of STMG and SP1 of STI2D are different
  subjects. A token without series matches every series. Examples: ``"FRE,FRO"``, ``"PHI,GO"``,
  ``"SP1:STMG,SP2:STMG,GO"``. :func:`baktui.rules.examiners.teaches` applies it.
- ``ExpenseRate.key``: ``km`` rates are ``"<power>:<band>"`` with power ``cv<=5``, ``cv6-7`` or
  ``cv>=8`` (fiscal horsepower) and band ``0-2000``, ``2001-10000`` or ``10001+`` (the examiner's
  cumulative km of the year, ``Examiner.annual_km``), plus ``moto`` and ``velomoteur``; ``night``
  rates are keyed by ``Commune.night_category`` (``base``, ``grande_ville``, ``paris``); ``meal``
  has the single key ``repas``; ``copy`` the key ``bac`` (per written copy); ``oral_hour`` the keys
  ``obligatoire`` and ``facultatif``. Amounts are exact decimal text in euros ("0.32", "17.50").
- ``ExpenseLine.quantity_centi``: a count times 100 (copies, meals, nights) or hours in hundredths.
- Lots are made per exam centre and per épreuve (and series for SP1/SP2), like the parcels a centre
  sends to correction, with copies in anonymity-number order on the slip (``Anonymat.position``).
  A lot is ``saisi`` (every grade keyed), ``en_saisie`` (the first copies of the slip keyed) or
  ``distribue`` (nothing keyed yet: a few centres sent some épreuves late).
- Missing grades: the épreuves anticipées (FRE, FRO) are all but complete; about 9 % of the
  terminale grades (PHI, GO, SP1, SP2) are missing, concentrated on a few late centres so that
  most candidates can be deliberated (about 85 %; the others are INCOMPLET). Among complete files
  the first group gives about 75 % ADMIS, the rest SECOND_GROUPE and AJOURNE (at 12 000: ADMIS
  64 %, SECOND_GROUPE 15 %, AJOURNE 7 %, INCOMPLET 14 %). Grades (mean about 11.9, sd 3.5) are a
  per-candidate level plus noise per épreuve.
- Composite spécialités (ST2S and STHR SP1) have GradePart rows (half points) and no Grade row.
- Kept grades (``kept_session=2025``) are never below the regulation's ``keep_min_grade``.
- The demo is seen on 30 June 2026 (``DEMO_TODAY``): assignments before that day are
  ``realisee``, later ones ``convoquee``; expense claims only cover missions already done.
- ``Setting`` rows: ``academie`` (the académie's name) and ``demo`` (JSON: seed, size, anomalies).

The data set contains the anomalies of :data:`baktui.demo.anomalies.DEMO_ANOMALIES` on purpose;
:class:`DemoSummary` lists which records carry them.

Bulk rows are written with ``executemany`` in chunks (:mod:`baktui.demo.bulk`), a few large
transactions, explicit ids and no per-row query; each kind of bulk creation appends one ``event``
entry to the audit log. Foreign-key checks are off while the fresh file is filled (the tests check
the result with ``PRAGMA foreign_key_check``) and the secondary indexes of the candidate tables are
dropped during the bulk and rebuilt at the end (the tests check that the schema is intact). Floats
are used only for random draws and distances; grades and money are stored as exact integer
hundredths, rates as decimal text. Every part of the build draws from its own random stream
(``DemoContext.rng``), so changing one part does not shift the others.
"""

from baktui.demo.build import SMALL_CANDIDATES, build_demo, default_demo_path
from baktui.demo.context import DemoSummary

__all__ = ["SMALL_CANDIDATES", "DemoSummary", "build_demo", "default_demo_path"]
