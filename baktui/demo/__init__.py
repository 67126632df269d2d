"""The demo académie: a realistic, deterministic exam office to try baktui on (``baktui demo``).

:func:`build_demo` creates a fresh SQLite file, opens the 2026 registre and fills it with an
académie de Lyon in the middle of the correction phase: établissements, centres and rooms,
examiners, juries, candidates with their registrations, anonymity numbers and lots, grades partly
entered, examiner assignments, absences and expense claims. Same seed, same data (every table but
the timestamps and logins of the audit log and of the registre opening). ``candidates=600`` is the
fast size for tests (about a second); 12 000 is the default; 700 000 is national scale.

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

The data set contains the anomalies of :data:`DEMO_ANOMALIES` on purpose; :class:`DemoSummary`
lists which records carry them.

Bulk rows are written with ``executemany`` in chunks, a few large transactions, explicit ids and no
per-row query; each kind of bulk creation appends one ``event`` entry to the audit log. Foreign-key
checks are off while the fresh file is filled (the tests check the result with
``PRAGMA foreign_key_check``) and the secondary indexes of the candidate tables are dropped during
the bulk and rebuilt at the end (the tests check that the schema is intact). Floats are used only for random draws and distances; grades and
money are stored as exact integer hundredths, rates as decimal text.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import json
import math
import random
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import peewee as pw

from baktui.data import audit, sql
from baktui.data import db as dbmod
from baktui.data.models import (
    Absence,
    Anonymat,
    Assignment,
    Candidate,
    Centre,
    ClaimMission,
    Commune,
    CommuneDistance,
    Epreuve,
    Etablissement,
    Examiner,
    ExpenseClaim,
    ExpenseLine,
    ExpenseRate,
    Grade,
    GradePart,
    Jury,
    JuryMember,
    Lot,
    Registration,
    Room,
    Setting,
)
from baktui.errors import ServiceError
from baktui.rules import identifiers, registration
from baktui.rules.examiners import teaches
from baktui.rules.expenses import round_cents
from baktui.rules.regulation import (
    KIND_CC,
    KIND_ORAL,
    PRECISION_HALF,
    PRECISION_WHOLE,
    Regulation,
)
from baktui.services import sessions

DEFAULT_CANDIDATES = 12_000
SMALL_CANDIDATES = 600  # the fast size for tests: build_demo(path, candidates=SMALL_CANDIDATES)
YEAR = 2026
ACADEMIE = "Académie de Lyon"

# What the demo data set gets wrong on purpose (key -> French description).
DEMO_ANOMALIES: dict[str, str] = {
    "ine_invalide": "INE au mauvais format (aucun des quatre formats admis)",
    "doublon_candidat": "même nom, prénom et date de naissance qu'un autre candidat, INE différent",
    "ine_en_double": "INE déjà porté par un autre candidat",
    "lvb_manquante": "LVB non renseignée (et donc pas de note de LVB)",
    "options_en_trop": "trois options de terminale (au-delà du maximum par année)",
    "dossier_incomplet": "candidat individuel validé alors que son dossier est incomplet",
    "sans_centre": "candidat sans centre d'examen",
    "code_postal_invalide": "code postal qui n'a que quatre chiffres",
    "courriel_invalide": "adresse électronique sans domaine",
    "lot_non_saisi": "lot distribué dont aucune note n'est saisie (centre en retard)",
    "absence_non_remplacee": "examinateur absent à une convocation, pas encore remplacé",
    "frais_sans_convocation": "ligne d'un état de frais un jour sans convocation",
    "frais_jour_double": "même trajet déclaré deux fois le même jour",
    "nuitee_sans_justificatif": "nuitée déclarée sans justificatif",
}

# Demo proportions (not regulation numbers: the regulation gives rules, not populations).
SERIES_SHARES = {
    "STMG": 0.40,
    "STI2D": 0.20,
    "ST2S": 0.17,
    "STL": 0.08,
    "STHR": 0.06,
    "STD2A": 0.05,
    "S2TMD": 0.04,
}
FEMALE_SHARE = {
    "STMG": 0.50,
    "STI2D": 0.10,
    "ST2S": 0.85,
    "STL": 0.55,
    "STHR": 0.45,
    "STD2A": 0.75,
    "S2TMD": 0.60,
}
SERIES_OFFER = {  # share of lycées teaching the series
    "STMG": 0.85,
    "STI2D": 0.40,
    "ST2S": 0.45,
    "STL": 0.22,
    "STHR": 0.06,
    "STD2A": 0.08,
    "S2TMD": 0.05,
}
SUB_CHOICE_WEIGHTS = {
    "STI2D": {"AC": 15, "EE": 30, "ITEC": 25, "SIN": 30},
    "STMG": {"GF": 25, "MERC": 35, "RHC": 30, "SIG": 10},
    "STL": {"3B": 75, "SPCL": 25},
    "S2TMD": {"DANSE": 25, "MUSIQUE": 50, "THEATRE": 25},
}
NON_SCOLAIRE_SHARE = 0.08
NON_SCOLAIRE_SPLIT = (("individuel", 0.56), ("cned", 0.25), ("formation_continue", 0.19))
CANDIDATES_PER_LYCEE = 205
CANDIDATES_PER_CENTRE = 800
CANDIDATES_PER_JURY = 300
CANDIDATES_PER_EXAMINER = 20
CANDIDATES_PER_CLAIM = 80
COPIES_PER_CORRECTEUR = 150
ORAL_CANDIDATES_PER_DAY = {"GO": 15, "FRO": 14}
ORAL_HOURS_CENTI = 600
ANTICIPATED = ("FRE", "FRO")  # épreuves anticipées: taken in June 2025, grades all but complete
LATE_WRITTEN_SHARE = 0.075  # share of terminale written copies in lots not keyed yet
PARTIAL_LOT_SHARE = 0.03
CHUNK = 20_000  # candidates per transaction
BULK_INDEXES = True  # drop the secondary indexes of the candidate tables, rebuild them at the end
ROAD_FACTOR = 1.25
KM_BANDS = ((0, 2000, "0-2000"), (2000, 10000, "2001-10000"), (10000, None, "10001+"))

LANG_A = {"ANG": 93, "ESP": 4, "ALL": 3}
LANG_B = {"ESP": 62, "ALL": 18, "ITA": 10, "ARA": 3, "POR": 3, "CHI": 2, "RUS": 2}
OPTION_CHOICES = (  # (weight, entries)
    (40, ("LV3-1", "LV3-T")),
    (25, ("ARTS-T",)),
    (20, ("EPS-OPT-T",)),
    (8, ("ARTS-1", "ARTS-T")),
    (5, ("LATIN-1", "LATIN-T")),
    (2, ("LV3-T",)),
)
AMENAGEMENTS = (
    "Tiers temps",
    "Tiers temps ; salle à part",
    "Tiers temps ; secrétaire",
    "Ordinateur sans correcteur orthographique",
    "Agrandissement des sujets (A3)",
    "Pauses autorisées ; accès aux toilettes",
)
EMAIL_DOMAINS = (
    ("gmail.com", 45),
    ("orange.fr", 15),
    ("free.fr", 10),
    ("hotmail.fr", 10),
    ("outlook.fr", 8),
    ("laposte.net", 5),
    ("icloud.com", 4),
    ("sfr.fr", 3),
)
OPERATORS = ("agnes.perrin", "karim.benali", "sylvie.morel", "helene.lefevre", "jerome.thevenet")
ABSENCE_REASONS = (
    "Arrêt maladie",
    "Enfant malade",
    "Convocation à un autre examen",
    "Accident de trajet",
    "Décès dans la famille",
)
DEMO_TODAY = dt.date(2026, 6, 30)  # the demo is seen at the end of June: orals before it are done
WRITTEN_DAYS = {"FRE": dt.date(2026, 6, 12), "PHI": dt.date(2026, 6, 15)}
SPECIALITE_DAYS = {"SP1": dt.date(2026, 6, 16), "SP2": dt.date(2026, 6, 17)}
ORAL_FIRST_DAY = dt.date(2026, 6, 22)
ORAL_DAYS = {"GO": 8, "FRO": 10}  # weekdays from ORAL_FIRST_DAY
DELIBERATION_DAYS = (dt.date(2026, 7, 3), dt.date(2026, 7, 6))

# Rates of the rules reference, section 8: (kind, key, amount, valid_from, valid_to).
EXPENSE_RATES: tuple[tuple[str, str, str, dt.date, dt.date | None], ...] = tuple(
    [
        ("km", f"{power}:{band}", amount, start, end)
        for start, end, table in (
            (
                dt.date(2019, 3, 1),
                dt.date(2021, 12, 31),
                (("0.29", "0.36", "0.21"), ("0.37", "0.46", "0.27"), ("0.41", "0.50", "0.29")),
            ),
            (
                dt.date(2022, 1, 1),
                None,
                (("0.32", "0.40", "0.23"), ("0.41", "0.51", "0.30"), ("0.45", "0.55", "0.32")),
            ),
        )
        for power, amounts in zip(("cv<=5", "cv6-7", "cv>=8"), table, strict=True)
        for band, amount in zip(("0-2000", "2001-10000", "10001+"), amounts, strict=True)
    ]
    + [
        ("km", "moto", "0.15", dt.date(2022, 1, 1), None),
        ("km", "velomoteur", "0.12", dt.date(2022, 1, 1), None),
        ("meal", "repas", "17.50", dt.date(2020, 1, 1), dt.date(2023, 9, 21)),
        ("meal", "repas", "20.00", dt.date(2023, 9, 22), None),
        ("night", "base", "70.00", dt.date(2020, 1, 1), dt.date(2023, 9, 21)),
        ("night", "grande_ville", "90.00", dt.date(2020, 1, 1), dt.date(2023, 9, 21)),
        ("night", "paris", "110.00", dt.date(2020, 1, 1), dt.date(2023, 9, 21)),
        ("night", "base", "90.00", dt.date(2023, 9, 22), None),
        ("night", "grande_ville", "120.00", dt.date(2023, 9, 22), None),
        ("night", "paris", "140.00", dt.date(2023, 9, 22), None),
        ("copy", "bac", "5.00", dt.date(2012, 4, 15), None),
        ("oral_hour", "obligatoire", "9.60", dt.date(2012, 4, 15), None),
        ("oral_hour", "facultatif", "7.20", dt.date(2012, 4, 15), None),
    ]
)

Progress = Callable[[str], None]


# --- Public API ---------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    """What build_demo created; ``str()`` is the French one-line summary the CLI prints."""

    path: str
    seed: int
    candidates: int = 0
    etablissements: int = 0
    centres: int = 0
    rooms: int = 0
    examiners: int = 0
    juries: int = 0
    lots: int = 0
    registrations: int = 0
    grades: int = 0
    grade_parts: int = 0
    missing_grades: int = 0  # terminal grades of a registered épreuve not entered yet
    assignments: int = 0
    claims: int = 0
    # DEMO_ANOMALIES key -> references of the records carrying it (candidate numbers, lot numbers,
    # "examinateur n° 12", "état de frais n° 3"…)
    anomalies: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [
            (self.candidates, "candidat", "candidats"),
            (self.etablissements, "établissement", "établissements"),
            (self.centres, "centre", "centres"),
            (self.examiners, "examinateur", "examinateurs"),
            (self.juries, "jury", "jurys"),
            (self.lots, "lot", "lots"),
            (self.grades, "note", "notes"),
            (self.claims, "état de frais", "états de frais"),
        ]
        return ", ".join(f"{fr_int(n)} {one if n == 1 else many}" for n, one, many in parts)


def fr_int(n: int) -> str:
    """12000 -> "12 000" (no-break space, French style)."""
    return f"{n:,}".replace(",", "\u00a0")


def default_demo_path(candidates: int = DEFAULT_CANDIDATES) -> Path:
    """Where ``baktui demo`` keeps its database: one file per size in the user data directory."""
    from platformdirs import user_data_path

    name = "demo.sqlite" if candidates == DEFAULT_CANDIDATES else f"demo-{candidates}.sqlite"
    return user_data_path("baktui", appauthor=False) / name


def build_demo(
    target: str,
    *,
    seed: int = 2026,
    candidates: int = DEFAULT_CANDIDATES,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo académie in a new SQLite file at ``target`` (an existing file is replaced).

    The file is built under a temporary name and renamed when complete, so that an interrupted
    build never leaves a half demo behind. The database stays open and bound to the models
    afterwards, like ``open_database``.
    """
    if candidates < 100:
        raise ServiceError("La démonstration demande au moins 100 candidats.")
    path = dbmod.sqlite_path(dbmod.resolve_target(target))
    if path is None:
        raise ServiceError(
            "La démonstration se construit dans un fichier SQLite, pas sur un serveur."
        )
    building = path.with_name(path.name + ".construction")
    dbmod.close_database()
    _remove_database_files(path)
    _remove_database_files(building)
    db = dbmod.open_database(str(building), create=True)
    try:
        info = sessions.open_registre(YEAR)
        builder = _Builder(db, info.id, seed, candidates, progress or (lambda _message: None))
        db.execute_sql("PRAGMA foreign_keys = OFF")
        db.execute_sql("PRAGMA synchronous = OFF")
        try:
            builder.run()
        finally:
            db.execute_sql("PRAGMA synchronous = NORMAL")
            db.execute_sql("PRAGMA foreign_keys = ON")
        db.execute_sql("PRAGMA analysis_limit = 1000")
        db.execute_sql("ANALYZE")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        dbmod.close_database()
        _remove_database_files(building)
        raise
    dbmod.close_database()
    building.replace(path)
    _remove_database_files(building)
    dbmod.open_database(str(path))
    builder.summary.path = str(path)
    return builder.summary


def _remove_database_files(path: Path) -> None:
    """Delete a SQLite file and its journals, if present."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_small_demo(target: str, seed: int = 7) -> DemoSummary:
    """The fast fixture for other tests: the demo académie at 600 candidates."""
    return build_demo(target, seed=seed, candidates=SMALL_CANDIDATES)


# --- Bulk writing -------------------------------------------------------------------------------


class _Table:
    """Rows for one model, written with executemany: given columns + the model's constant defaults.

    Model defaults live in Python (peewee), not in the schema, so they are appended here.
    """

    def __init__(
        self, model: type[pw.Model], fields: Sequence[str], fixed: dict[str, Any] | None = None
    ) -> None:
        meta = model._meta
        fixed = dict(fixed or {})
        columns = [meta.fields[name].column_name for name in fields]
        values = ["?"] * len(columns)
        for name, fld in meta.fields.items():
            if name in fields or isinstance(fld, pw.AutoField):
                continue
            if name in fixed:
                constant = fixed[name]
            else:
                constant = fld.default() if callable(fld.default) else fld.default
                if constant is None:
                    if not fld.null:
                        raise ValueError(f"{model.__name__}.{name} : valeur requise")
                    continue
            columns.append(fld.column_name)
            values.append(_sql_literal(fld.db_value(constant)))
        self.model = model
        self.sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
            meta.table_name, ", ".join(f'"{c}"' for c in columns), ", ".join(values)
        )
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def flush(self, db: pw.Database) -> None:
        if not self.rows:
            return
        sql.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def _sql_literal(value: Any) -> str:
    """A constant column value written into the INSERT statement (not bound per row)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"constante non prise en charge : {value!r}")


def _event(entity: str, text: str, seed: int) -> None:
    audit.log("event", entity, "", after=f"démo : {text}", reason=f"démonstration (graine {seed})")


# --- Reference data -----------------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    text = (resources.files("baktui.demo") / "data" / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _rank_weights(n: int) -> list[float]:
    """Cumulative Zipf-like weights: the first names of a list are the most frequent."""
    total = 0.0
    cumulative = []
    for rank in range(n):
        total += 1.0 / (rank + 8)
        cumulative.append(total)
    return cumulative


class _Picker:
    """Weighted choice with precomputed cumulative weights (fast in the candidate loop)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float] | None = None) -> None:
        self.items = list(items)
        if weights is None:
            self.cumulative = _rank_weights(len(self.items))
        else:
            self.cumulative = []
            total = 0.0
            for w in weights:
                total += w
                self.cumulative.append(total)
        self.total = self.cumulative[-1]

    def __call__(self, rnd: Callable[[], float]) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rnd() * self.total)]


@dataclass
class _Commune:
    id: int
    name: str
    postcode: str
    insee: str
    lat: float
    lon: float
    category: str
    dept: str
    weight: int


@dataclass
class _Etab:
    id: int
    uai: str
    name: str
    commune: int  # index in communes
    sector: str
    kind: str
    series: tuple[str, ...] = ()
    size: float = 1.0
    centre: int = -1  # index of its exam centre


@dataclass
class _Centre:
    id: int
    code: str
    name: str
    etab: int  # index in etabs
    commune: int
    deliberation: bool = False
    correction: bool = False
    load: float = 0.0
    candidates: int = 0
    correction_centre: int = -1  # index of the centre correcting its copies
    rooms: list[int] = field(default_factory=list)  # room ids


@dataclass
class _Examiner:
    id: int
    civility: str
    last: str
    first: str
    corps: str
    disciplines: str
    etab: int | None  # index in etabs
    home: int
    admin: int
    max_copies: int
    fiscal_hp: int | None
    authorised: bool
    annual_km: int
    email: str
    phone: str
    load: int = 0  # copies given
    max_oral_hours: int = 30
    oral_centi: int = 0  # oral hours given, in hundredths


@dataclass
class _Block:
    """Candidates of one établissement (or non-scolaires of one centre), one series."""

    centre: int
    series: str
    status: str
    etab: int | None
    count: int
    home_communes: list[int] = field(default_factory=list)
    jury: int = 0  # jury id
    first_seq: int = 0


# --- The builder --------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self, db: pw.Database, session_id: int, seed: int, n: int, progress: Progress
    ) -> None:
        self.db = db
        self.session_id = session_id
        self.seed = seed
        self.n = n
        self.progress = progress
        self.reg: Regulation = sessions.regulation_of(session_id)
        self.summary = DemoSummary(path="", seed=seed, anomalies={k: [] for k in DEMO_ANOMALIES})
        self.first_f = _Picker(_data_lines("first_names_f.txt"))
        self.first_m = _Picker(_data_lines("first_names_m.txt"))
        self.last_names = _Picker(_data_lines("last_names.txt"))
        self.streets = _Picker(_data_lines("streets.txt"))
        self.fold_cache: dict[str, str] = {}
        self.max_centi = int(self.reg.max_grade * 100)
        self.keep_min_centi = int(self.reg.keep_min_grade * 100)

    def rng(self, part: str) -> random.Random:
        """An independent random stream per part: changing one part does not shift the others."""
        return random.Random(f"{self.seed}:{part}")

    def fold(self, text: str) -> str:
        key = self.fold_cache.get(text)
        if key is None:
            key = self.fold_cache[text] = identifiers.fold(text)
        return key

    # --- orchestration

    def run(self) -> None:
        say = self.progress
        say("Communes, établissements et centres…")
        self.plan_places()
        self.plan_candidates()
        say("Examinateurs et jurys…")
        self.plan_examiners()
        self.plan_juries()
        with dbmod.write_transaction():
            self.write_reference()
        say(f"Candidats, inscriptions, anonymat et notes ({fr_int(self.n)})…")
        self.write_candidates()
        say("Salles, convocations des examinateurs, absences et frais…")
        with dbmod.write_transaction():
            self.write_rooms()
            self.write_assignments()
            self.write_absences()
            self.flush_assignments()
            self.write_claims()
            self.write_settings()
            sessions.set_phase(self.session_id, "correction")

    # --- places

    def plan_places(self) -> None:
        rng = self.rng("places")
        self.commune_rows = list(
            csv.DictReader(
                (resources.files("baktui.demo") / "data" / "communes.csv")
                .read_text(encoding="utf-8")
                .splitlines()
            )
        )
        self.communes = [
            _Commune(
                i + 1,
                row["name"],
                row["postcode"],
                row["insee"],
                float(row["latitude"]),
                float(row["longitude"]),
                row["night_category"],
                row["department"],
                int(row["weight"]),
            )
            for i, row in enumerate(self.commune_rows)
        ]
        nc = len(self.communes)
        self.km = [[self._road_km(a, b) for b in self.communes] for a in self.communes]
        local = [i for i, c in enumerate(self.communes) if c.weight > 0]
        self.local_communes = local
        self.commune_picker = _Picker(local, [self.communes[i].weight for i in local])
        # nearby communes (same académie), nearest first, for homes
        self.nearby = [sorted(local, key=lambda j, i=i: (self.km[i][j], j))[:6] for i in range(nc)]

        n_lycees = max(10, round(self.n / CANDIDATES_PER_LYCEE))
        public_names = _data_lines("lycee_names.txt")
        private_names = _data_lines("lycee_names_prive.txt")
        used_serials: dict[str, set[int]] = {}
        used_names: set[str] = set()
        self.etabs: list[_Etab] = []

        wide = n_lycees > 300  # national scale: serials from the whole range

        def new_uai(dept: str, private: bool) -> str:
            serials = used_serials.setdefault(dept, set())
            while True:
                if wide:
                    serial = rng.randrange(10, 9990)
                else:
                    serial = rng.randrange(1000, 2900) if private else rng.randrange(10, 990)
                if serial not in serials:
                    serials.add(serial)
                    break
            digits = f"{int(dept):03d}{serial:04d}"
            return digits + identifiers.uai_check_letter(digits)

        for _ in range(n_lycees):
            commune = self.commune_picker(rng.random)
            c = self.communes[commune]
            private = rng.random() < 0.30
            offered = tuple(
                s for s in self.reg.series_codes if rng.random() < SERIES_OFFER.get(s, 0.3)
            )
            if not offered:
                offered = ("STMG",)
            if private:
                base = f"Lycée {rng.choice(private_names)}"
            elif "STHR" in offered:
                base = f"Lycée hôtelier {rng.choice(public_names)}"
            elif "STI2D" in offered or "STL" in offered:
                base = f"Lycée polyvalent {rng.choice(public_names)}"
            else:
                base = f"Lycée général et technologique {rng.choice(public_names)}"
            name = base
            if name in used_names:
                name = f"{base} ({c.name})"
            k = 2
            while name in used_names:
                name = f"{base} ({c.name}, site {k})"
                k += 1
            used_names.add(name)
            self.etabs.append(
                _Etab(
                    len(self.etabs) + 1,
                    new_uai(c.dept, private),
                    name,
                    commune,
                    "prive_sous_contrat" if private else "public",
                    "lycee",
                    offered,
                    rng.lognormvariate(0, 0.45),
                )
            )
        # every series taught somewhere (the biggest lycées take the missing ones)
        by_size = sorted(range(len(self.etabs)), key=lambda i: -self.etabs[i].size)
        for k, series in enumerate(self.reg.series_codes):
            if not any(series in e.series for e in self.etabs):
                e = self.etabs[by_size[k % len(by_size)]]
                e.series = tuple(s for s in self.reg.series_codes if s in e.series or s == series)
        self.n_lycees = len(self.etabs)
        # CNED and GRETA
        by_name = {c.name: i for i, c in enumerate(self.communes)}
        cned_commune = by_name.get("Chasseneuil-du-Poitou", 0)
        self.cned = len(self.etabs)
        self.etabs.append(
            _Etab(
                len(self.etabs) + 1,
                new_uai(self.communes[cned_commune].dept, False),
                "Centre national d'enseignement à distance (CNED)",
                cned_commune,
                "public",
                "cned",
            )
        )
        self.gretas: dict[str, int] = {}
        for dept, town, label in (
            ("69", "Lyon", "GRETA Lyon Métropole"),
            ("42", "Saint-Étienne", "GRETA de la Loire"),
            ("01", "Bourg-en-Bresse", "GRETA de l'Ain"),
        ):
            commune = by_name.get(town, 0)
            self.gretas[dept] = len(self.etabs)
            self.etabs.append(
                _Etab(len(self.etabs) + 1, new_uai(dept, False), label, commune, "public", "greta")
            )

        # centres: hosted by lycées, spread over the communes
        n_centres = max(4, round(self.n / CANDIDATES_PER_CENTRE))
        n_centres = min(n_centres, self.n_lycees)
        hosts: list[int] = []
        free: dict[int, list[int]] = {}  # commune -> lycées not hosting a centre, biggest last
        for i in sorted(range(self.n_lycees), key=lambda i: (self.etabs[i].size, -i)):
            free.setdefault(self.etabs[i].commune, []).append(i)
        hosted = dict.fromkeys(free, 0)
        while len(hosts) < n_centres:
            # communes without a centre first, then in proportion to their lycées
            towns = sorted(i for i in free if free[i])
            picker = _Picker(
                towns, [len(free[i]) * (3.0 if not hosted[i] else 1.0 / hosted[i]) for i in towns]
            )
            commune = picker(rng.random)
            hosts.append(free[commune].pop())
            hosted[commune] += 1
        self.centres: list[_Centre] = []
        for k, host in enumerate(hosts):
            e = self.etabs[host]
            self.centres.append(
                _Centre(
                    k + 1,
                    f"C{k + 1:03d}",
                    e.name
                    if self.communes[e.commune].name in e.name
                    else f"{e.name} — {self.communes[e.commune].name}",
                    host,
                    e.commune,
                )
            )
        # délibération and correction: about a third each, at least one per département
        for flag in ("deliberation", "correction"):
            chosen: set[int] = set()
            for dept in sorted({self.communes[c.commune].dept for c in self.centres}):
                in_dept = [
                    k for k, c in enumerate(self.centres) if self.communes[c.commune].dept == dept
                ]
                chosen.add(rng.choice(in_dept))
            target = max(2, round(len(self.centres) / 3))
            order = list(range(len(self.centres)))
            rng.shuffle(order)
            for k in order:
                if len(chosen) >= target:
                    break
                chosen.add(k)
            for k in chosen:
                setattr(self.centres[k], flag, True)
        corr = [k for k, c in enumerate(self.centres) if c.correction]
        for c in self.centres:
            c.correction_centre = min(
                corr, key=lambda k, c=c: (self.km[c.commune][self.centres[k].commune], k)
            )
        # each lycée sits its candidates in a centre: its own, else a near one (balanced)
        for k, c in enumerate(self.centres):
            self.etabs[c.etab].centre = k
            c.load += self.etabs[c.etab].size
        for i in sorted(range(self.n_lycees), key=lambda i: (-self.etabs[i].size, i)):
            e = self.etabs[i]
            if e.centre >= 0:
                continue
            dist = [self.km[e.commune][c.commune] for c in self.centres]
            best = min(dist)
            near = [k for k in range(len(self.centres)) if dist[k] <= best + 3]
            k = min(near, key=lambda k: (self.centres[k].load, k))
            e.centre = k
            self.centres[k].load += e.size
        # the centre for a home commune (non-scolaires)
        self.centre_of_commune = [
            min(
                range(len(self.centres)),
                key=lambda k, i=i: (self.km[i][self.centres[k].commune], k),
            )
            for i in range(nc)
        ]

    def _road_km(self, a: _Commune, b: _Commune) -> int:
        """Road distance estimate: great circle times a road factor, whole km."""
        if a is b:
            return 0
        la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
        h = (
            math.sin((la2 - la1) / 2) ** 2
            + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
        )
        return max(1, round(2 * 6371 * math.asin(math.sqrt(h)) * ROAD_FACTOR))

    # --- candidates plan

    def plan_candidates(self) -> None:
        rng = self.rng("plan")
        series_codes = [s for s in self.reg.series_codes if s in SERIES_SHARES] or list(
            self.reg.series_codes
        )
        shares = [SERIES_SHARES.get(s, 1.0 / len(series_codes)) for s in series_codes]
        totals = _largest_remainder(self.n, shares)
        self.series_totals = dict(zip(series_codes, totals, strict=True))
        blocks_by_centre: dict[int, list[_Block]] = {k: [] for k in range(len(self.centres))}
        for s, total in self.series_totals.items():
            factor = 1.3 if s in ("STMG", "ST2S") else 0.5
            ns = min(total, round(total * NON_SCOLAIRE_SHARE * factor))
            scol = total - ns
            offering = [i for i in range(self.n_lycees) if s in self.etabs[i].series]
            counts = _largest_remainder(
                scol, [self.etabs[i].size * rng.uniform(0.6, 1.4) for i in offering]
            )
            for i, count in zip(offering, counts, strict=True):
                if count:
                    e = self.etabs[i]
                    blocks_by_centre[e.centre].append(_Block(e.centre, s, "scolaire", i, count))
            # non-scolaires: each drawn a home commune, grouped by (centre, status)
            split = _largest_remainder(ns, [w for _, w in NON_SCOLAIRE_SPLIT])
            for (status, _), count in zip(NON_SCOLAIRE_SPLIT, split, strict=True):
                groups: dict[int, list[int]] = {}
                for _ in range(count):
                    commune = self.commune_picker(rng.random)
                    groups.setdefault(self.centre_of_commune[commune], []).append(commune)
                for centre, homes in sorted(groups.items()):
                    if status == "cned":
                        by_etab = {self.cned: homes}
                    elif status == "formation_continue":
                        by_etab = {}
                        for h in homes:
                            greta = self.gretas.get(self.communes[h].dept, self.gretas["69"])
                            by_etab.setdefault(greta, []).append(h)
                    else:
                        by_etab = {-1: homes}
                    for etab, hs in sorted(by_etab.items()):
                        blocks_by_centre[centre].append(
                            _Block(centre, s, status, None if etab < 0 else etab, len(hs), hs)
                        )
        # generation order: centre, then its lycées and series, then its non-scolaires
        series_rank = {s: k for k, s in enumerate(self.reg.series_codes)}
        status_rank = {"scolaire": 0, "cned": 1, "formation_continue": 2, "individuel": 3}
        self.blocks: list[_Block] = []
        seq = 1
        for k in range(len(self.centres)):
            for b in sorted(
                blocks_by_centre[k],
                key=lambda b: (
                    status_rank[b.status],
                    b.etab if b.etab is not None else -1,
                    series_rank[b.series],
                ),
            ):
                b.first_seq = seq
                seq += b.count
                self.blocks.append(b)
                self.centres[k].candidates += b.count
        assert seq - 1 == self.n
        self.block_starts = [b.first_seq for b in self.blocks]
        self.plan_specials(rng)

    def block_of(self, seq: int) -> _Block:
        return self.blocks[bisect.bisect_right(self.block_starts, seq) - 1]

    def plan_specials(self, rng: random.Random) -> None:
        """Which candidates carry an anomaly, a kept grade or an AJ (decided before generating)."""
        n = self.n
        used: set[int] = set()

        def draw(low: int = 1, high: int | None = None, status: str | None = None) -> int | None:
            high = high or n
            for _ in range(10_000):
                seq = rng.randint(low, high)
                if seq in used:
                    continue
                if status is not None and self.block_of(seq).status != status:
                    continue
                used.add(seq)
                return seq
            return None

        each = max(2, round(n / 4000))
        self.specials: dict[int, tuple[str, int]] = {}  # seq -> (anomaly, source seq)
        self.sources: dict[int, None] = {}
        for kind in (
            "ine_invalide",
            "lvb_manquante",
            "options_en_trop",
            "sans_centre",
            "code_postal_invalide",
            "courriel_invalide",
        ):
            for _ in range(each):
                seq = draw(status="scolaire")
                if seq is not None:
                    self.specials[seq] = (kind, 0)
        for kind in ("doublon_candidat", "ine_en_double"):
            for _ in range(each):
                target = draw(low=n // 2 + 1, status="scolaire")
                source = draw(high=n // 2, status="scolaire")
                if target is not None and source is not None:
                    self.specials[target] = (kind, source)
                    self.sources[source] = None
        for _ in range(each):
            seq = draw(status="individuel")
            if seq is not None:
                self.specials[seq] = ("dossier_incomplet", 0)
        self.kept: set[int] = set()
        for _ in range(max(3, n // 100)):
            seq = draw()
            if seq is not None:
                self.kept.add(seq)
        self.justified: set[int] = set()
        for _ in range(max(2, n // 5000)):
            seq = draw(status="scolaire")
            if seq is not None:
                self.justified.add(seq)

    # --- examiners

    def plan_examiners(self) -> None:
        rng = self.rng("examiners")
        n = self.n
        self.examiners: list[_Examiner] = []
        self.pools: dict[tuple[str, str], list[_Examiner]] = {}
        lycees = list(range(self.n_lycees))
        lycee_picker = _Picker(lycees, [self.etabs[i].size for i in lycees])
        private = [i for i in lycees if self.etabs[i].sector != "public"]

        def make(corps: str, disciplines: str, etab: int | None, capacity: int = 150) -> _Examiner:
            female = rng.random() < 0.55
            first = (self.first_f if female else self.first_m)(rng.random)
            last = self.last_names(rng.random)
            if etab is not None:
                admin = self.etabs[etab].commune
            elif corps in ("PU", "MCF"):
                admin = (
                    self.local_communes[0]
                    if rng.random() < 0.7
                    else self._commune_named("Saint-Étienne")
                )
            else:
                admin = self.commune_picker(rng.random)
            home = admin if rng.random() < 0.5 else rng.choice(self.nearby[admin])
            if corps == "PROFESSIONNEL" and rng.random() < 0.15:
                home = admin = self._commune_named("Paris")
            has_car = rng.random() < 0.85
            hp = rng.choice((3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 9)) if has_car else None
            domain = (
                "ac-lyon.fr"
                if corps not in ("PU", "MCF", "PROFESSIONNEL")
                else ("univ-lyon1.fr" if corps in ("PU", "MCF") else "gmail.com")
            )
            local_part = f"{self.fold(first)}.{self.fold(last)}".replace(" ", "-")
            km_band = rng.random()
            annual_km = (
                rng.randrange(0, 2001)
                if km_band < 0.6
                else rng.randrange(2001, 10001)
                if km_band < 0.93
                else rng.randrange(10001, 18000)
            )
            ex = _Examiner(
                0,
                "Mme" if female else "M.",
                last,
                first,
                corps,
                disciplines,
                etab,
                home,
                admin,
                capacity,
                hp,
                has_car and rng.random() < 0.85,
                annual_km,
                f"{local_part}@{domain}",
                f"0{rng.choice('67')}{rng.randrange(10**8):08d}",
            )
            if corps in ("AGREGE", "CERTIFIE", "PLP"):
                ex.max_oral_hours = rng.choice((30, 36, 42, 48))
            self.examiners.append(ex)
            return ex

        offering_by_series = {
            s: [i for i in lycees if s in self.etabs[i].series] for s in self.reg.series_codes
        }

        def teacher_etab(series: str | None) -> int:
            if series and rng.random() < 0.5:
                offering = offering_by_series.get(series)
                if offering:
                    return rng.choice(offering)
            if private and rng.random() < 0.25:
                return rng.choice(private)
            return lycee_picker(rng.random)

        def pool(key: tuple[str, str], size: int, disciplines: str, series: str | None) -> None:
            members = self.pools.setdefault(key, [])
            for _ in range(size):
                corps = rng.choices(("AGREGE", "CERTIFIE", "PLP"), (25, 68, 7))[0]
                capacity = rng.randrange(140, 230, 10)
                members.append(make(corps, disciplines, teacher_etab(series), capacity))
            # half of a spécialité's correcteurs teach where the series is not taught: their
            # own pupils never sit it, so every lot finds a correcteur with room left
            outside = [i for i in lycees if series and series not in self.etabs[i].series]
            have = sum(1 for m in members if m.etab in outside)
            for _ in range(max(2, size // 2 + 1) - have if outside else 0):
                capacity = rng.randrange(140, 230, 10)
                members.append(make("CERTIFIE", disciplines, rng.choice(outside), capacity))
            # lots never cross an exam centre: teachers from two centres always leave a correcteur
            for k in range(len(self.centres)):
                if len({self.etabs[m.etab].centre for m in members if m.etab is not None}) >= 2:
                    break
                if any(self.etabs[m.etab].centre == k for m in members if m.etab is not None):
                    continue
                elsewhere = [i for i in lycees if self.etabs[i].centre == k]
                if elsewhere:
                    members.append(make("CERTIFIE", disciplines, rng.choice(elsewhere), 150))

        def need(copies: int) -> int:
            return max(4, math.ceil(copies * 1.3 / COPIES_PER_CORRECTEUR) + 3)

        fro_hours = n / ORAL_CANDIDATES_PER_DAY["FRO"] * ORAL_HOURS_CENTI / 100
        fre_pool = max(need(n), math.ceil(fro_hours / 36) + 3)  # each gives about 36 h of FRO
        pool(("FRE", ""), fre_pool, "FRE,FRO", None)
        pool(("PHI", ""), need(n), "PHI,GO", None)
        for s, total in self.series_totals.items():
            if s in ("STMG", "STHR"):  # économie-gestion teachers mark both spécialités
                size = need(2 * total)
                pool(("SP1", s), size, f"SP1:{s},SP2:{s},GO", s)
                self.pools[("SP2", s)] = self.pools[("SP1", s)]
            else:
                pool(("SP1", s), need(total), f"SP1:{s},GO", s)
                pool(("SP2", s), need(total), f"SP2:{s},GO", s)
        n_juries_est = sum(
            max(1, round(t / CANDIDATES_PER_JURY)) for t in self.series_totals.values()
        )
        self.academics: list[_Examiner] = []
        academic_disciplines = ["PHI", "FRE,FRO", "HG"] + [
            f"SP{k}:{s}" for s in self.series_totals for k in (1, 2)
        ]
        for _ in range(n_juries_est + max(3, n_juries_est // 8)):
            corps = "PU" if rng.random() < 0.4 else "MCF"
            self.academics.append(make(corps, rng.choice(academic_disciplines), None))
        self.professionals: list[_Examiner] = []
        for _ in range(max(4, round(n / 700))):
            s = rng.choice(list(self.series_totals))
            self.professionals.append(make("PROFESSIONNEL", f"GO,SP1:{s}", None))
        target = max(round(n / CANDIDATES_PER_EXAMINER), len(self.examiners) + 10)
        self.others: list[_Examiner] = []
        cc = ("HG,EMC,GO", "MAT,GO", "LVA,LVB,GO", "EPS", "LVA,LVB", "HG,EMC")
        while len(self.examiners) < target:
            corps = rng.choices(("AGREGE", "CERTIFIE", "PLP"), (25, 68, 7))[0]
            self.others.append(make(corps, rng.choice(cc), teacher_etab(None)))
        order = list(range(len(self.examiners)))
        rng.shuffle(order)
        for new_id, k in enumerate(order, start=1):
            self.examiners[k].id = new_id
        self.examiners.sort(key=lambda e: e.id)
        self.pool_ptr: dict[tuple[str, str], int] = {}

    def _commune_named(self, name: str) -> int:
        for i, c in enumerate(self.communes):
            if c.name == name:
                return i
        return 0

    def pick_correcteur(self, key: tuple[str, str], copies: int, etabs: set[int]) -> _Examiner:
        """A correcteur of that épreuve (and series) from none of the lot's établissements."""
        members = self.pools[key]
        start = self.pool_ptr.get(key, 0)
        size = len(members)
        fallback: _Examiner | None = None
        for step in range(size):
            ex = members[(start + step) % size]
            if ex.etab in etabs:
                continue
            if ex.load + copies <= ex.max_copies:
                self.pool_ptr[key] = (start + step + 1) % size
                ex.load += copies
                return ex
            if fallback is None or ex.load < fallback.load:
                fallback = ex
        # the pool is full or teaches in the lot's établissements: any teacher of that épreuve
        code, series = key
        wider = None
        for ex in self.examiners:
            if (
                ex.etab not in etabs
                and ex.corps not in ("PU", "MCF")
                and teaches(ex.disciplines, code, (series,))
            ):
                if ex.load + copies <= ex.max_copies:
                    wider = ex
                    break
                wider = wider or ex
        chosen = wider if wider is not None and wider.load + copies <= wider.max_copies else None
        chosen = chosen or fallback or wider
        if chosen is None:
            raise RuntimeError(f"aucun correcteur possible pour {key}")
        chosen.load += copies
        return chosen

    # --- juries

    def plan_juries(self) -> None:
        rng = self.rng("juries")
        self.juries: list[dict[str, Any]] = []
        deliberation = [k for k, c in enumerate(self.centres) if c.deliberation]
        used: set[int] = set()
        academics = iter(self.academics)
        for s in self.reg.series_codes:
            blocks = [b for b in self.blocks if b.series == s]
            total = sum(b.count for b in blocks)
            if not total:
                continue
            nj = max(1, round(total / CANDIDATES_PER_JURY))
            first_id = len(self.juries) + 1
            members_pool = [
                ex for ex in self.pools[("SP1", s)] + self.pools[("SP2", s)] if ex.id not in used
            ]
            members_pool = list({ex.id: ex for ex in members_pool}.values())
            rng.shuffle(members_pool)
            others = [ex for ex in self.others if ex.id not in used]
            for j in range(nj):
                jury_id = first_id + j
                self.juries.append({"id": jury_id, "series": s, "centre": None, "members": []})
            cumulative = 0
            for b in blocks:
                j = min(nj - 1, int((cumulative + b.count / 2) * nj / total))
                cumulative += b.count
                b.jury = first_id + j
                jury = self.juries[b.jury - 1]
                if jury["centre"] is None:
                    commune = self.centres[b.centre].commune
                    jury["centre"] = min(
                        deliberation, key=lambda k: (self.km[commune][self.centres[k].commune], k)
                    )
            for j in range(nj):
                jury = self.juries[first_id + j - 1]
                if jury["centre"] is None:
                    jury["centre"] = deliberation[0]
                jury["date"] = DELIBERATION_DAYS[j % len(DELIBERATION_DAYS)]
                president = next(academics)
                used.add(president.id)

                def take(
                    candidates: list[_Examiner], want: Callable[[_Examiner], bool]
                ) -> _Examiner | None:
                    for ex in candidates:
                        if ex.id not in used and want(ex):
                            used.add(ex.id)
                            return ex
                    return None

                vice = take(members_pool, lambda e: e.corps == "AGREGE") or take(
                    members_pool + others, lambda e: e.corps in ("AGREGE", "CERTIFIE")
                )
                members: list[tuple[_Examiner, str]] = [(president, "president")]
                if vice is not None:
                    members.append((vice, "vice_president"))
                wanted = rng.randint(4, 6) - len(members)
                if rng.random() < 0.4 and self.professionals:
                    pro = take(self.professionals, lambda e: True)
                    if pro is not None:
                        members.append((pro, "membre"))
                        wanted -= 1
                has_private = any(
                    ex.etab is not None and self.etabs[ex.etab].sector != "public"
                    for ex, _ in members
                )
                if not has_private and wanted > 0:
                    ex = take(
                        members_pool + others,
                        lambda e: e.etab is not None and self.etabs[e.etab].sector != "public",
                    )
                    if ex is not None:
                        members.append((ex, "membre"))
                        wanted -= 1
                for _ in range(max(0, wanted)):
                    ex = take(members_pool, lambda e: True) or take(others, lambda e: True)
                    if ex is not None:
                        members.append((ex, "membre"))
                jury["president"] = president.id
                jury["vice"] = vice.id if vice is not None else None
                jury["members"] = [(ex.id, role) for ex, role in members]

    # --- reference rows

    def write_reference(self) -> None:
        db = self.db
        seed = self.seed
        summary = self.summary
        communes = _Table(
            Commune,
            ("id", "name", "postcode", "insee", "latitude", "longitude", "night_category"),
        )
        for c, row in zip(self.communes, self.commune_rows, strict=True):
            communes.rows.append(
                (c.id, c.name, c.postcode, c.insee, row["latitude"], row["longitude"], c.category)
            )
        communes.flush(db)
        distances = _Table(CommuneDistance, ("origin", "destination", "km"))
        for a in self.communes:
            for b in self.communes:
                if a is not b:
                    distances.rows.append((a.id, b.id, self.km[a.id - 1][b.id - 1]))
        distances.flush(db)
        _event(
            "commune",
            f"{fr_int(communes.count)} communes et {fr_int(distances.count)} distances créées",
            seed,
        )

        rng = self.rng("etab-details")
        etabs = _Table(
            Etablissement,
            (
                "id",
                "uai",
                "name",
                "commune",
                "sector",
                "kind",
                "address",
                "email",
                "phone",
                "name_key",
            ),
        )
        phone_prefix = {"69": "047", "01": "047", "42": "047", "86": "054"}
        for e in self.etabs:
            c = self.communes[e.commune]
            etabs.rows.append(
                (
                    e.id,
                    e.uai,
                    e.name,
                    c.id,
                    e.sector,
                    e.kind,
                    f"{rng.randint(1, 120)} {self.streets(rng.random)}, {c.postcode} {c.name}",
                    f"ce.{e.uai.lower()}@ac-lyon.fr"
                    if e.kind == "lycee"
                    else f"contact.{e.uai.lower()}@ac-lyon.fr",
                    f"{phone_prefix.get(c.dept, '04')}{rng.randrange(10**7):07d}",
                    identifiers.fold(e.name),
                )
            )
        self.etab_address = [row[6] for row in etabs.rows]
        etabs.flush(db)
        summary.etablissements = etabs.count
        _event("etablissement", f"{fr_int(etabs.count)} établissements créés", seed)

        centres = _Table(
            Centre,
            (
                "id",
                "session",
                "code",
                "name",
                "etablissement",
                "commune",
                "address",
                "is_exam",
                "is_deliberation",
                "is_correction",
            ),
        )
        for c in self.centres:
            e = self.etabs[c.etab]
            centres.rows.append(
                (
                    c.id,
                    self.session_id,
                    c.code,
                    c.name,
                    e.id,
                    self.communes[c.commune].id,
                    self.etab_address[c.etab],
                    True,
                    c.deliberation,
                    c.correction,
                )
            )
        centres.flush(db)
        summary.centres = centres.count
        _event("centre", f"{fr_int(centres.count)} centres créés", seed)

        examiners = _Table(
            Examiner,
            (
                "id",
                "civility",
                "last_name",
                "first_name",
                "name_key",
                "email",
                "phone",
                "corps",
                "disciplines",
                "etablissement",
                "home_commune",
                "admin_commune",
                "max_copies",
                "max_oral_hours",
                "fiscal_hp",
                "vehicle_authorised",
                "annual_km",
            ),
        )
        for ex in self.examiners:
            examiners.rows.append(
                (
                    ex.id,
                    ex.civility,
                    ex.last,
                    ex.first,
                    f"{self.fold(ex.last)} {self.fold(ex.first)}",
                    ex.email,
                    ex.phone,
                    ex.corps,
                    ex.disciplines,
                    self.etabs[ex.etab].id if ex.etab is not None else None,
                    self.communes[ex.home].id,
                    self.communes[ex.admin].id,
                    ex.max_copies,
                    ex.max_oral_hours,
                    ex.fiscal_hp,
                    ex.authorised,
                    ex.annual_km,
                )
            )
        examiners.flush(db)
        summary.examiners = examiners.count
        _event("examiner", f"{fr_int(examiners.count)} examinateurs créés", seed)

        juries = _Table(
            Jury,
            (
                "id",
                "session",
                "number",
                "series_codes",
                "centre",
                "president",
                "vice_president",
                "deliberation_date",
            ),
        )
        members = _Table(JuryMember, ("jury", "examiner", "role"))
        for j in self.juries:
            juries.rows.append(
                (
                    j["id"],
                    self.session_id,
                    j["id"],
                    j["series"],
                    self.centres[j["centre"]].id,
                    j["president"],
                    j["vice"],
                    j["date"].isoformat(),
                )
            )
            for ex_id, role in j["members"]:
                members.rows.append((j["id"], ex_id, role))
        juries.flush(db)
        members.flush(db)
        summary.juries = juries.count
        _event(
            "jury", f"{fr_int(juries.count)} jurys et {fr_int(members.count)} membres créés", seed
        )

        # épreuves: calendar and lot sizes
        rng = self.rng("epreuves")
        self.lot_sizes: dict[str, int] = {}
        for rule in self.reg.base_epreuves:
            changes: dict[Any, Any] = {}
            if rule.written:
                size = rng.choice((80, 85, 90, 95, 100))
                self.lot_sizes[rule.code] = size
                day = WRITTEN_DAYS.get(rule.code) or SPECIALITE_DAYS.get(rule.code)
                changes = {
                    Epreuve.lot_size: size,
                    Epreuve.exam_date: day or WRITTEN_DAYS["PHI"],
                    Epreuve.start_time: "08:00",
                    Epreuve.duration_min: 240,
                }
            elif rule.kind == KIND_ORAL:
                changes = {
                    Epreuve.exam_date: ORAL_FIRST_DAY,
                    Epreuve.start_time: "08:00",
                    Epreuve.duration_min: 20,
                }
            if changes:
                Epreuve.update(changes).where(
                    (Epreuve.session == self.session_id) & (Epreuve.code == rule.code)
                ).execute()
        _event("epreuve", "calendrier de juin 2026 et taille des lots des épreuves écrites", seed)

        rates = _Table(ExpenseRate, ("kind", "key", "amount", "valid_from", "valid_to"))
        for kind, key, amount, start, end in EXPENSE_RATES:
            rates.rows.append(
                (kind, key, amount, start.isoformat(), end.isoformat() if end else None)
            )
        rates.flush(db)
        _event("expense_rate", f"{fr_int(rates.count)} taux de frais datés créés", seed)

    # --- candidates, registrations, anonymat, lots and grades

    def write_candidates(self) -> None:
        _CandidateWriter(self).run()

    # --- rooms, assignments, absences, claims

    def write_rooms(self) -> None:
        rng = self.rng("rooms")
        rooms = _Table(Room, ("id", "centre", "name", "capacity"))
        room_id = 0
        for c in self.centres:
            needed = math.ceil(c.candidates * 1.1) + 10
            capacity = 0
            if c.candidates > 150:
                room_id += 1
                gym = rng.randrange(120, 210, 10)
                rooms.rows.append((room_id, c.id, "Gymnase", gym))
                c.rooms.append(room_id)
                capacity += gym
            floor_no, number = 1, 1
            while capacity < needed:
                room_id += 1
                size = rng.choice((24, 28, 30, 32, 35, 36))
                rooms.rows.append((room_id, c.id, f"Salle {floor_no}{number:02d}", size))
                c.rooms.append(room_id)
                capacity += size
                number += 1
                if number > 20:
                    floor_no, number = floor_no + 1, 1
            room_id += 1
            rooms.rows.append((room_id, c.id, "Salle tiers-temps", 12))
            c.rooms.append(room_id)
        rooms.flush(self.db)
        self.summary.rooms = rooms.count
        _event("room", f"{fr_int(rooms.count)} salles créées", self.seed)

    def write_assignments(self) -> None:
        self.assignments: list[list[Any]] = []  # mutable rows, written at the end
        self.by_examiner: dict[int, list[int]] = {}
        convoked_at = "2026-05-20T10:00:00+02:00"

        def add(
            ex_id: int,
            kind: str,
            code: str | None,
            day: dt.date,
            start: str,
            end: str,
            centre: int,
            room: int | None = None,
            lot: int | None = None,
            jury: int | None = None,
            hours: int = 0,
            replaces: int | None = None,
        ) -> int:
            a_id = len(self.assignments) + 1
            state = "realisee" if day < DEMO_TODAY else "convoquee"
            self.assignments.append(
                [
                    a_id,
                    self.session_id,
                    ex_id,
                    kind,
                    code,
                    day,
                    start,
                    end,
                    self.centres[centre].id,
                    room,
                    lot,
                    jury,
                    hours,
                    state,
                    replaces,
                    convoked_at,
                    centre,
                ]
            )
            self.by_examiner.setdefault(ex_id, []).append(a_id)
            return a_id

        self.busy: set[tuple[int, dt.date]] = set()
        # correction: one per lot, the day after the written épreuve, at the centre de correction
        for lot_id, ex_id, code, centre, _copies in self.lots:
            day = (
                WRITTEN_DAYS.get(code) or SPECIALITE_DAYS.get(code) or DEMO_TODAY
            ) + dt.timedelta(days=1 if code != "FRE" else 3)
            add(ex_id, "correction", code, day, "14:00", "16:00", centre, lot=lot_id)
        # orals: commissions per centre and day
        oral_pools: dict[str, dict[str, list[_Examiner]]] = {"GO": {}, "FRO": {}}
        for ex in self.examiners:
            if ex.corps in ("PU", "MCF", "PROFESSIONNEL") or ex.etab is None:
                continue
            dept = self.communes[ex.admin].dept
            for code in ("GO", "FRO"):
                if teaches(ex.disciplines, code):
                    oral_pools[code].setdefault(dept, []).append(ex)
        pointers: dict[tuple[str, str], int] = {}
        self.oral_assignments: list[int] = []
        for code, per_day in ORAL_CANDIDATES_PER_DAY.items():
            if not self.reg.has_epreuve(code):
                continue
            days = _weekdays(ORAL_FIRST_DAY, ORAL_DAYS[code])
            examiners_per_commission = 2 if code == "GO" else 1
            everyone = [ex for pool in oral_pools[code].values() for ex in pool]
            for k, c in enumerate(self.centres):
                commissions = math.ceil(c.candidates / per_day)
                dept = self.communes[c.commune].dept
                pool = oral_pools[code].get(dept) or everyone
                for m in range(commissions):
                    day = days[m % len(days)]
                    room = c.rooms[m % len(c.rooms)]
                    for _ in range(examiners_per_commission):
                        ex = self._free_examiner(pool, everyone, pointers, (code, dept), day, k)
                        if ex is None:
                            continue
                        a_id = add(
                            ex.id,
                            "oral",
                            code,
                            day,
                            "08:00",
                            "15:00",
                            k,
                            room=room,
                            hours=ORAL_HOURS_CENTI,
                        )
                        self.oral_assignments.append(a_id)
        # juries: every member on the deliberation day
        for j in self.juries:
            for ex_id, _role in j["members"]:
                add(ex_id, "jury", None, j["date"], "08:30", "17:00", j["centre"], jury=j["id"])
        self.add_assignment = add

    def _free_examiner(
        self,
        pool: list[_Examiner],
        everyone: list[_Examiner],
        pointers: dict[tuple[str, str], int],
        key: tuple[str, str],
        day: dt.date,
        centre: int,
    ) -> _Examiner | None:
        """Next examiner of the pool free that day and not examining his own lycée's candidates."""
        for candidates, pkey in ((pool, key), (everyone, (key[0], "*"))):
            start = pointers.get(pkey, 0)
            size = len(candidates)
            for step in range(size):
                ex = candidates[(start + step) % size]
                if (ex.id, day) in self.busy:
                    continue
                if ex.oral_centi + ORAL_HOURS_CENTI > ex.max_oral_hours * 100:
                    continue
                if ex.etab is not None and self.etabs[ex.etab].centre == centre:
                    continue
                pointers[pkey] = (start + step + 1) % size
                self.busy.add((ex.id, day))
                ex.oral_centi += ORAL_HOURS_CENTI
                return ex
        return None

    def write_absences(self) -> None:
        rng = self.rng("absences")
        table = _Table(
            Absence, ("examiner", "day", "reason", "recorded_by", "recorded_at", "resolved")
        )
        n_absences = max(3, round(len(self.examiners) / 75))
        orals = list(self.oral_assignments)
        rng.shuffle(orals)
        future = [a for a in orals if self.assignments[a - 1][5] >= DEMO_TODAY]
        past = [a for a in orals if self.assignments[a - 1][5] < DEMO_TODAY]
        self.absent_assignments: set[int] = set()
        replacements = {
            code: [e for e in self.examiners if e.etab is not None and teaches(e.disciplines, code)]
            for code in ORAL_CANDIDATES_PER_DAY
        }
        pointers: dict[tuple[str, str], int] = {}
        for k in range(n_absences):
            unresolved = k % 2 == 0
            source = future if unresolved and future else past or future
            if not source:
                break
            a_id = source.pop()
            row = self.assignments[a_id - 1]
            ex_id, day, code = row[2], row[5], row[4]
            self.absent_assignments.add(a_id)
            recorded = day - dt.timedelta(days=rng.randint(0, 2))
            resolved = not unresolved
            if resolved:
                row[13] = "remplacee"
                # the absent examiner is busy that day: never picked again
                pool = replacements.get(code, [])
                replacement = self._free_examiner(pool, pool, pointers, (code, "r"), day, row[16])
                if replacement is not None:
                    self.add_assignment(
                        replacement.id,
                        "oral",
                        code,
                        day,
                        row[6],
                        row[7],
                        row[16],
                        room=row[9],
                        hours=row[12],
                        replaces=a_id,
                    )
                else:
                    resolved = False
            if not resolved:
                row[13] = "convoquee"
                self.summary.anomalies["absence_non_remplacee"].append(
                    f"examinateur n° {ex_id} le {day.strftime('%d/%m/%Y')}"
                )
            table.rows.append(
                (
                    ex_id,
                    day.isoformat(),
                    rng.choice(ABSENCE_REASONS),
                    rng.choice(OPERATORS),
                    f"{recorded.isoformat()}T07:{rng.randint(30, 59):02d}:00+02:00",
                    resolved,
                )
            )
        table.flush(self.db)
        _event("absence", f"{fr_int(table.count)} absences d'examinateurs", self.seed)

    def flush_assignments(self) -> None:
        """Write the assignments (after the absences, which change some of them)."""
        assignments = _Table(
            Assignment,
            (
                "id",
                "session",
                "examiner",
                "kind",
                "epreuve_code",
                "day",
                "start_time",
                "end_time",
                "centre",
                "room",
                "lot",
                "jury",
                "hours_centi",
                "state",
                "replaces",
                "convoked_at",
            ),
        )
        for row in self.assignments:
            values = list(row[:16])
            values[5] = values[5].isoformat()
            assignments.rows.append(tuple(values))
        assignments.flush(self.db)
        self.summary.assignments = assignments.count
        _event("assignment", f"{fr_int(assignments.count)} convocations d'examinateurs", self.seed)

    def write_claims(self) -> None:
        rng = self.rng("claims")
        db = self.db
        rates = {
            (kind, key): Decimal(amount)
            for kind, key, amount, _s, end in EXPENSE_RATES
            if end is None
        }
        claims = _Table(
            ExpenseClaim,
            ("id", "session", "examiner", "state", "declared_at", "service_fait_at", "total_centi"),
        )
        missions = _Table(ClaimMission, ("claim", "assignment"))
        lines = _Table(
            ExpenseLine,
            (
                "claim",
                "day",
                "kind",
                "origin",
                "from_commune",
                "to_commune",
                "km",
                "fiscal_hp",
                "quantity_centi",
                "declared_centi",
                "amount_centi",
                "receipt",
                "night_category",
                "note",
            ),
        )
        by_id = {ex.id: ex for ex in self.examiners}
        lot_copies = {lot_id: copies for lot_id, _e, _c, _k, copies in self.lots}
        eligible = [
            ex_id
            for ex_id, ids in sorted(self.by_examiner.items())
            if any(
                self.assignments[a - 1][13] == "realisee" and a not in self.absent_assignments
                for a in ids
            )
        ]
        n_claims = min(len(eligible), max(10, round(self.n / CANDIDATES_PER_CLAIM)))
        chosen = sorted(rng.sample(eligible, n_claims))
        each = max(1, n_claims // 40)
        anomaly_plan: dict[int, str] = {}
        slots = list(range(n_claims))
        rng.shuffle(slots)
        for kind in ("frais_sans_convocation", "frais_jour_double", "nuitee_sans_justificatif"):
            for _ in range(each):
                if slots:
                    anomaly_plan[slots.pop()] = kind

        def meal(claim_id: int, day: dt.date) -> tuple[Any, ...]:
            """The lunch line of a mission day (rate "repas")."""
            return (
                claim_id,
                day.isoformat(),
                "meal",
                "",
                None,
                None,
                0,
                None,
                100,
                0,
                round_cents(rates[("meal", "repas")]),
                False,
                "",
                "repas de midi",
            )

        def km_amount(ex: _Examiner, already: int, km: int) -> int:
            """Each km at the band of the cumulative annual km it falls in (rules/expenses.py)."""
            hp = ex.fiscal_hp or 0
            power = "cv<=5" if hp <= 5 else "cv6-7" if hp <= 7 else "cv>=8"
            total = Decimal(0)
            for low, high, band in KM_BANDS:
                top = already + km if high is None else min(already + km, high)
                overlap = top - max(already, low)
                if overlap > 0:
                    total += overlap * rates[("km", f"{power}:{band}")]
            return round_cents(total)

        for claim_no, ex_id in enumerate(chosen):
            claim_id = claim_no + 1
            ex = by_id[ex_id]
            driven = [ex.annual_km]  # the examiner's km counter of the year
            done = [
                self.assignments[a - 1]
                for a in self.by_examiner[ex_id]
                if self.assignments[a - 1][13] == "realisee" and a not in self.absent_assignments
            ]
            done.sort(key=lambda r: (r[5], r[0]))
            covered = done[: rng.randint(1, 3)]
            claim_lines: list[tuple[Any, ...]] = []

            def trip(
                day: dt.date,
                centre: int,
                ex: _Examiner = ex,
                claim_id: int = claim_id,
                driven: list[int] = driven,
            ) -> tuple[Any, ...] | None:
                origin_is_home = rng.random() < 0.3
                start = ex.home if origin_is_home else ex.admin
                dest = self.centres[centre].commune
                dist = self.km[start][dest]
                if dest in (ex.home, ex.admin):  # a mission at home: no trip, no meal
                    return None
                origin = "family" if origin_is_home else "administrative"
                if ex.fiscal_hp and ex.authorised:
                    km = 2 * dist
                    amount = km_amount(ex, driven[0], km)
                    driven[0] += km
                    return (
                        claim_id,
                        day.isoformat(),
                        "car",
                        origin,
                        self.communes[start].id,
                        self.communes[dest].id,
                        km,
                        ex.fiscal_hp,
                        100,
                        0,
                        amount,
                        False,
                        "",
                        "aller-retour",
                    )
                ticket = round_cents(Decimal(2 * dist) * Decimal("0.12")) + 200
                return (
                    claim_id,
                    day.isoformat(),
                    "public_transport",
                    origin,
                    self.communes[start].id,
                    self.communes[dest].id,
                    2 * dist,
                    None,
                    100,
                    ticket,
                    ticket,
                    True,
                    "",
                    "billet aller-retour",
                )

            travelled: set[dt.date] = (
                set()
            )  # one trip (and meal, night) a day, however many missions
            for row in covered:
                a_id, kind, day, centre = row[0], row[3], row[5], row[16]
                missions.rows.append((claim_id, a_id))
                first_of_day = day not in travelled
                travelled.add(day)
                line = trip(day, centre) if first_of_day else None
                if line is not None:
                    claim_lines.append(line)
                far = first_of_day and self.km[ex.admin][self.centres[centre].commune] >= 90
                if kind in ("oral", "jury") and line is not None:
                    claim_lines.append(meal(claim_id, day))
                if kind in ("oral", "jury") and far:
                    category = self.communes[self.centres[centre].commune].category
                    declared = rng.randrange(7500, 14000, 100)
                    rate = round_cents(rates[("night", category)])
                    claim_lines.append(
                        (
                            claim_id,
                            (day - dt.timedelta(days=1)).isoformat(),
                            "night",
                            "",
                            None,
                            None,
                            0,
                            None,
                            100,
                            declared,
                            min(declared, rate),
                            True,
                            category,
                            "hôtel, veille de la convocation",
                        )
                    )
                if kind == "correction":
                    copies = lot_copies.get(row[10], 0)
                    claim_lines.append(
                        (
                            claim_id,
                            day.isoformat(),
                            "copies",
                            "",
                            None,
                            None,
                            0,
                            None,
                            copies * 100,
                            0,
                            round_cents(copies * rates[("copy", "bac")]),
                            False,
                            "",
                            f"lot n° {row[10]}",
                        )
                    )
                if kind == "oral" and row[12]:
                    hours = Decimal(row[12]) / 100
                    claim_lines.append(
                        (
                            claim_id,
                            day.isoformat(),
                            "oral_hours",
                            "",
                            None,
                            None,
                            0,
                            None,
                            row[12],
                            0,
                            round_cents(hours * rates[("oral_hour", "obligatoire")]),
                            False,
                            "",
                            f"{row[4]}",
                        )
                    )
            anomaly = anomaly_plan.get(claim_no)
            if anomaly == "frais_sans_convocation":
                busy_days = {self.assignments[a - 1][5] for a in self.by_examiner[ex_id]}
                day = covered[0][5] - dt.timedelta(days=1)
                while day in busy_days or day.weekday() >= 5:
                    day -= dt.timedelta(days=1)
                line = trip(day, covered[0][16])
                if line is None:
                    line = meal(claim_id, day)
                claim_lines.append(line)
            elif anomaly == "frais_jour_double":
                first = next(
                    (li for li in claim_lines if li[2] in ("car", "public_transport", "meal")), None
                )
                if first is None:
                    first = meal(claim_id, covered[0][5])
                    claim_lines.append(first)
                claim_lines.append(first)
            elif anomaly == "nuitee_sans_justificatif":
                row = covered[0]
                category = self.communes[self.centres[row[16]].commune].category
                declared = rng.randrange(8000, 13000, 100)
                claim_lines.append(
                    (
                        claim_id,
                        row[5].isoformat(),
                        "night",
                        "",
                        None,
                        None,
                        0,
                        None,
                        100,
                        declared,
                        min(declared, round_cents(rates[("night", category)])),
                        False,
                        category,
                        "hôtel (justificatif non fourni)",
                    )
                )
            if anomaly:
                self.summary.anomalies[anomaly].append(f"état de frais n° {claim_id}")
            lines.rows.extend(claim_lines)
            total = sum(li[10] for li in claim_lines)
            last_day = covered[-1][5]
            declared_at = last_day + dt.timedelta(days=rng.randint(0, 6))
            service_fait = rng.random() < 0.45 and declared_at < DEMO_TODAY
            claims.rows.append(
                (
                    claim_id,
                    self.session_id,
                    ex_id,
                    "service_fait" if service_fait else "declaree",
                    f"{declared_at.isoformat()}T{rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}:00+02:00",
                    f"{min(DEMO_TODAY, declared_at + dt.timedelta(days=rng.randint(1, 5))).isoformat()}T09:00:00+02:00"
                    if service_fait
                    else None,
                    total,
                )
            )
        claims.flush(db)
        missions.flush(db)
        lines.flush(db)
        self.summary.claims = claims.count
        _event(
            "expense_claim",
            f"{fr_int(claims.count)} états de frais ({fr_int(lines.count)} lignes) déclarés",
            self.seed,
        )

    def write_settings(self) -> None:
        anomalies = {k: v for k, v in self.summary.anomalies.items() if v}
        Setting.insert_many(
            [
                {"key": "academie", "value": ACADEMIE},
                {
                    "key": "demo",
                    "value": json.dumps(
                        {"seed": self.seed, "candidates": self.n, "anomalies": anomalies},
                        ensure_ascii=False,
                    ),
                },
            ]
        ).on_conflict_replace().execute()
        _event("setting", "paramètres de l'académie de démonstration", self.seed)


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into integers proportional to weights (largest remainder, ties by position)."""
    if not weights:
        return []
    s = sum(weights)
    raw = [total * w / s for w in weights]
    counts = [int(x) for x in raw]
    rest = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    return counts


def _weekdays(first: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


# --- The candidate loop -------------------------------------------------------------------------

PART_QUANTUM = "*part"  # key of the half-point precision of composite parts
SERIES_LEVEL = {
    "STMG": -0.3,
    "STI2D": 0.2,
    "ST2S": 0.0,
    "STL": 0.5,
    "STHR": -0.2,
    "STD2A": 0.4,
    "S2TMD": 0.6,
}


class _CandidateWriter:
    """Generates the candidates block by block and writes them in chunks, one transaction each.

    Copies of written épreuves are gathered into lots as they come (lots never cross an exam
    centre); a lot is written when it is full or when its centre is done, with its anonymity
    numbers, its correcteur and the grades keyed so far.
    """

    def __init__(self, builder: _Builder) -> None:
        self.b = b = builder
        reg = b.reg
        self.rng = b.rng("candidates")
        self.rnd = self.rng.random
        self.year = YEAR
        self.cand = _Table(
            Candidate,
            (
                "id",
                "session",
                "number",
                "ine",
                "last_name",
                "first_name",
                "name_key",
                "birth_date",
                "sex",
                "address",
                "postcode",
                "city",
                "email",
                "phone",
                "series",
                "sub_choice",
                "lva",
                "lvb",
                "options",
                "status",
                "etablissement",
                "eps_inapte",
                "eps_certificate",
                "amenagements",
                "dossier",
                "state",
                "jury",
                "centre",
                "created_at",
                "updated_at",
            ),
        )
        self.regs = _Table(
            Registration, ("candidate", "epreuve_code", "option_name", "kept_session")
        )
        self.grades = _Table(
            Grade,
            (
                "candidate",
                "epreuve_code",
                "value_centi",
                "code",
                "kept_session",
                "entered_by",
                "entered_at",
            ),
            fixed={"source": "demo"},
        )
        self.parts = _Table(
            GradePart,
            (
                "candidate",
                "epreuve_code",
                "part_code",
                "value_centi",
                "code",
                "entered_by",
                "entered_at",
            ),
        )
        self.anon = _Table(Anonymat, ("candidate", "epreuve_code", "number", "lot", "position"))
        self.lots = _Table(
            Lot,
            (
                "id",
                "session",
                "number",
                "epreuve_code",
                "correcteur",
                "centre",
                "state",
                "control_copies",
                "control_absents",
                "control_sum_centi",
                "closed_at",
                "closed_by",
            ),
        )
        self.tables = (self.cand, self.regs, self.grades, self.parts, self.anon, self.lots)
        base = reg.base_epreuves
        self.base_codes = [r.code for r in base]
        self.written = [r.code for r in base if r.written]
        self.direct_terminal = [r.code for r in base if r.terminal and not r.written]
        self.cc = [r.code for r in base if r.kind == KIND_CC]
        scales = {PRECISION_WHOLE: (1, 100), PRECISION_HALF: (2, 50)}
        # (scale, step): value_centi = round(x * scale) * step; anything else in tenths
        self.quantum = {r.code: scales.get(r.precision, (10, 10)) for r in reg.epreuves}
        self.quantum[PART_QUANTUM] = scales[PRECISION_HALF]  # parts of a composite spécialité
        self.option_codes = list(reg.option_codes)
        self.level = {s.code: 11.6 + SERIES_LEVEL.get(s.code, 0.0) for s in reg.series}
        self.keepable = [
            r.code for r in base if r.keepable and r.terminal and r.code not in ANTICIPATED
        ]
        self.parts_of = {
            (s.code, code): tuple(p.code for p in s.parts(code))
            for s in reg.series
            for code in self.written
            if s.parts(code)
        }
        self.sub_choice = {
            s.code: _Picker(
                list(s.sub_choices),
                [SUB_CHOICE_WEIGHTS.get(s.code, {}).get(c, 1) for c in s.sub_choices],
            )
            for s in reg.series
            if s.sub_choices
        }
        langs = reg.languages or {"ANG": "", "ESP": ""}
        lang_a = {k: w for k, w in LANG_A.items() if k in langs} or dict.fromkeys(langs, 1)
        lang_b = {k: w for k, w in LANG_B.items() if k in langs} or dict.fromkeys(langs, 1)
        self.lva = _Picker(list(lang_a), list(lang_a.values()))
        self.lvb = _Picker(list(lang_b), list(lang_b.values()))
        self.options = _Picker(
            [entries for _, entries in OPTION_CHOICES if _options_known(reg, entries)],
            [w for w, entries in OPTION_CHOICES if _options_known(reg, entries)],
        )
        self.domains = _Picker([d for d, _ in EMAIL_DOMAINS], [w for _, w in EMAIL_DOMAINS])
        # anonymity numbers: per written épreuve, n distinct random 8-digit numbers, in random
        # order, handed out copy after copy: nothing links them to the candidate number
        arng = b.rng("anonymat")
        self.numbers = {code: array("L", arng.sample(range(10**8), b.n)) for code in self.written}
        self.next_number = dict.fromkeys(self.written, 0)
        self.plan_late()
        self.open_lots: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        self.lot_id = 0
        b.lots = []  # (lot id, correcteur id, épreuve, correction centre index, copies)
        self.identities: dict[int, tuple[str, str, str, bool, str]] = {}
        self.rnie_mul, self.rnie_add = 387_420_489, self.rng.randrange(10**9)
        self.bea_mul, self.bea_add = 1_162_261_467, self.rng.randrange(10**10)
        self.registration_day0 = dt.date(2025, 10, 6).toordinal()
        self.missing = 0
        self.entered_terminal = 0
        self.max_options = reg.max_options_per_year
        option_names = sorted(reg.options) or ["LV3", "ARTS", "LATIN"]
        self.too_many_options = ",".join(
            f"{name}-T" for name in (option_names * 3)[: self.max_options + 1]
        )

    def plan_late(self) -> None:
        """(exam centre index, épreuve) pairs whose copies are not keyed yet: a few late centres."""
        rng = self.b.rng("late")
        terminale = [c for c in self.written if c not in ANTICIPATED]
        total = self.b.n * len(terminale)
        order = list(range(len(self.b.centres)))
        rng.shuffle(order)
        self.late: set[tuple[int, str]] = set()
        late_copies = 0
        for k in order:
            codes = list(terminale)
            rng.shuffle(codes)
            for code in codes:
                if late_copies >= LATE_WRITTEN_SHARE * total:
                    break
                self.late.add((k, code))
                late_copies += self.b.centres[k].candidates
        # centres sending nothing yet: their Grand oral commissions are late too
        self.late_centres = {
            k for k in range(len(self.b.centres)) if all((k, c) in self.late for c in terminale)
        }

    # --- loop

    def run(self) -> None:
        b = self.b
        db = b.db
        done = 0
        next_report = max(CHUNK, b.n // 10)
        current_centre = -1
        pending = 0
        transaction = dbmod.write_transaction()
        transaction.__enter__()
        try:
            if BULK_INDEXES:
                # secondary indexes are rebuilt once at the end (a sort) instead of row by row
                for table in self.tables:
                    table.model._schema.drop_indexes(safe=True)
            for block in b.blocks:
                if block.centre != current_centre:
                    self.close_all_lots(current_centre)
                    current_centre = block.centre
                for seq in range(block.first_seq, block.first_seq + block.count):
                    self.candidate(seq, block)
                    pending += 1
                    if pending >= CHUNK:
                        for table in self.tables:
                            table.flush(db)
                        transaction.__exit__(None, None, None)
                        done += pending
                        pending = 0
                        if done >= next_report:
                            b.progress(f"  {fr_int(done)} / {fr_int(b.n)} candidats")
                            next_report += max(CHUNK, b.n // 10)
                        transaction = dbmod.write_transaction()
                        transaction.__enter__()
            self.close_all_lots(current_centre)
            for table in self.tables:
                table.flush(db)
            if BULK_INDEXES:
                b.progress("  reconstruction des index…")
                for table in self.tables:
                    table.model._schema.create_indexes(safe=True)
            self.log_events()
        except BaseException as exc:
            transaction.__exit__(type(exc), exc, exc.__traceback__)
            raise
        transaction.__exit__(None, None, None)

    def log_events(self) -> None:
        b = self.b
        s = b.summary
        s.candidates = self.cand.count
        s.registrations = self.regs.count
        s.grades = self.grades.count
        s.grade_parts = self.parts.count
        s.lots = self.lots.count
        s.missing_grades = self.missing
        seed = b.seed
        _event(
            "candidate",
            f"{fr_int(s.candidates)} candidats créés ({fr_int(s.registrations)} inscriptions "
            "aux épreuves)",
            seed,
        )
        _event(
            "anonymat",
            f"{fr_int(self.anon.count)} numéros d'anonymat en {fr_int(s.lots)} lots",
            seed,
        )
        _event(
            "grade",
            f"{fr_int(s.grades)} notes et {fr_int(s.grade_parts)} notes partielles saisies",
            seed,
        )

    # --- one candidate

    def candidate(self, seq: int, block: _Block) -> None:
        b = self.b
        rng = self.rng
        rnd = self.rnd
        series = block.series
        status = block.status
        scolaire = status == "scolaire"
        special = b.specials.get(seq)
        anomaly = special[0] if special else ""
        number = registration.candidate_number(self.year, seq)
        if anomaly:
            b.summary.anomalies[anomaly].append(number)

        female = rnd() < FEMALE_SHARE.get(series, 0.5)
        first = (b.first_f if female else b.first_m)(rnd)
        last = b.last_names(rnd)
        r = rnd()
        if scolaire:
            year = 2008 if r < 0.75 else 2007 if r < 0.95 else 2006 if r < 0.99 else 2009
        else:
            year = 1975 + int(r * 33)
        kept = seq in b.kept
        if kept:
            year = min(year, 2007)
        birth = dt.date.fromordinal(dt.date(year, 1, 1).toordinal() + int(rnd() * 365)).isoformat()
        if rnd() < 0.75:
            ine = f"{(seq * self.rnie_mul + self.rnie_add) % 10**9:09d}{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}"
        else:
            ine = f"{(seq * self.bea_mul + self.bea_add) % 10**10:010d}{rng.choice(identifiers.UAI_LETTERS)}"
        if anomaly == "doublon_candidat" or anomaly == "ine_en_double":
            src = self.identities[special[1]]
            if anomaly == "doublon_candidat":
                last, first, birth, female = src[0], src[1], src[2], src[3]
            else:
                ine = src[4]
        elif anomaly == "ine_invalide":
            ine = ine[:9] + ("IO" if seq % 2 else "") + ("" if seq % 2 else "X")
        if seq in b.sources:
            self.identities[seq] = (last, first, birth, female, ine)

        # address
        if scolaire and block.etab is not None:
            home = b.etabs[block.etab].commune
            if rnd() < 0.35:
                home = rng.choice(b.nearby[home])
        else:
            home = block.home_communes[seq - block.first_seq]
        commune = b.communes[home]
        postcode = commune.postcode
        if commune.name == "Lyon":
            postcode = f"6900{1 + int(rnd() * 9)}"
        if anomaly == "code_postal_invalide":
            postcode = postcode[:2] + postcode[3:]
        address = f"{1 + int(rnd() * 150)} {b.streets(rnd)}"
        fl, ff = b.fold(last), b.fold(first)
        if rnd() < 0.95 or anomaly == "courriel_invalide":
            local = f"{ff}.{fl}".replace(" ", "-").replace("'", "")
            if rnd() < 0.4:
                local += str(int(rnd() * 99) + 1)
            email = f"{local}@{self.domains(rnd)}"
            if anomaly == "courriel_invalide":
                email = email.rsplit(".", 1)[0]
        else:
            email = ""
        phone = f"0{'6' if rnd() < 0.7 else '7'}{int(rnd() * 10**8):08d}" if rnd() < 0.97 else ""

        # choices
        picker = self.sub_choice.get(series)
        sub_choice = picker(rnd) if picker else ""
        lva = self.lva(rnd)
        lvb = self.lvb(rnd)
        if lvb == lva:
            lvb = "ANG" if lva != "ANG" else "ESP"
        if anomaly == "lvb_manquante":
            lvb = ""
        if anomaly == "options_en_trop":
            options = self.too_many_options
        elif rnd() < 0.12:
            options = ",".join(self.options(rnd))
        else:
            options = ""
        eps_inapte = rnd() < 0.008
        amenagements = rng.choice(AMENAGEMENTS) if rnd() < 0.03 else ""
        dossier = ""
        state = "validee"
        r = rnd()
        if scolaire:
            state = "validee" if r < 0.975 else "confirmee" if r < 0.995 else "brouillon"
        else:
            pieces = registration.dossier_pieces(status, eps_inapte)
            received = {key: True for key, _ in pieces}
            incomplete = anomaly == "dossier_incomplet" or rnd() < 0.12
            if incomplete and pieces:
                received[rng.choice(pieces)[0]] = False
            dossier = json.dumps(received, ensure_ascii=False)
            if anomaly == "dossier_incomplet":
                state = "validee"
            elif incomplete:
                state = "confirmee" if r < 0.7 else "brouillon"
            else:
                state = "validee" if r < 0.92 else "confirmee"
        created = self.registration_day0 + int(rnd() * 68)
        created_at = (
            f"{dt.date.fromordinal(created).isoformat()}T{8 + int(rnd() * 10):02d}:"
            f"{int(rnd() * 60):02d}:00+01:00"
        )
        updated_at = created_at
        if rnd() < 0.2:
            updated_at = (
                f"{dt.date.fromordinal(created + 1 + int(rnd() * 120)).isoformat()}T"
                f"{8 + int(rnd() * 10):02d}:{int(rnd() * 60):02d}:00+01:00"
            )
        centre_id = None if anomaly == "sans_centre" else b.centres[block.centre].id
        etab_id = b.etabs[block.etab].id if block.etab is not None else None
        self.cand.rows.append(
            (
                seq,
                b.session_id,
                number,
                ine,
                last,
                first,
                f"{fl} {ff}",
                birth,
                "F" if female else "M",
                address,
                postcode,
                commune.name,
                email,
                phone,
                series,
                sub_choice,
                lva,
                lvb,
                options,
                status,
                etab_id,
                eps_inapte,
                eps_inapte,
                amenagements,
                dossier,
                state,
                block.jury,
                centre_id,
                created_at,
                updated_at,
            )
        )
        self.registrations_and_grades(seq, block, kept, options, lvb, eps_inapte)

    def registrations_and_grades(
        self, seq: int, block: _Block, kept: bool, options: str, lvb: str, eps_inapte: bool
    ) -> None:
        b = self.b
        rng = self.rng
        rnd = self.rnd
        gauss = rng.gauss
        series = block.series
        max_centi = b.max_centi
        quantum = self.quantum
        kept_codes: set[str] = set()
        if kept:
            choices = [c for c in self.keepable if (series, c) not in self.parts_of]
            kept_codes = set(rng.sample(choices, min(len(choices), 1 + int(rnd() * 2))))
        regs = self.regs.rows
        entries = registration.parse_options(options) if options else []
        if entries or kept_codes:
            regs.extend(
                (seq, code, option_name, 2025 if code in kept_codes else None)
                for code, option_name in registration.epreuves_for(b.reg, entries)
            )
        else:
            regs.extend([(seq, code, "", None) for code in self.base_codes])
        ability = gauss(self.level[series], 2.4)
        if block.status != "scolaire":
            ability -= 1.2
        grades = self.grades.rows

        def value(code: str, spread: float, bonus: float = 0.0) -> int:
            # noise: a sum of three uniforms (Irwin-Hall, sd 1/2), close to normal and cheap
            scale, step = quantum[code]
            x = ability + bonus + (rnd() + rnd() + rnd() - 1.5) * 2 * spread
            v = round(x * scale) * step
            return 0 if v < 0 else max_centi if v > max_centi else v

        # contrôle continu (and options): all entered, imported from the livret scolaire
        cc_at = "2026-06-05T09:00:00+02:00"
        for code in self.cc:
            if code == "LVB" and not lvb:
                continue
            if code == "EPS" and eps_inapte:
                grades.append((seq, code, None, "DI", None, "import-lsl", cc_at))
                continue
            grades.append((seq, code, value(code, 2.3, 0.6), None, None, "import-lsl", cc_at))
        for code in self.option_codes[: len(entries)]:
            grades.append((seq, code, value(code, 2.0, 1.5), None, None, "import-lsl", cc_at))
        # kept grades from the 2025 session
        for code in sorted(kept_codes):
            v = max(b.keep_min_centi, min(max_centi, (10 + int(rnd() * 6)) * 100))
            grades.append((seq, code, v, None, 2025, "import-2025", "2025-07-04T10:00:00+02:00"))
        # orals and other directly entered terminal épreuves
        late_centre = block.centre in self.late_centres
        for code in self.direct_terminal:
            if code in kept_codes:
                continue
            if code in ANTICIPATED:
                missing = rnd() < 0.005
                at, by = "2026-06-26T16:00:00+02:00", OPERATORS[seq % len(OPERATORS)]
            else:
                missing = rnd() < (0.6 if late_centre else 0.015)
                at, by = "2026-06-29T17:30:00+02:00", OPERATORS[seq % len(OPERATORS)]
            if missing:
                self.missing += 1
                continue
            if rnd() < 0.008:
                grades.append((seq, code, None, "ABS", None, by, at))
            else:
                grades.append((seq, code, value(code, 2.6), None, None, by, at))
        # written: a copy in the current lot of (épreuve, series) at this centre
        for code in self.written:
            if code in kept_codes:
                continue
            k = self.next_number[code]
            self.next_number[code] = k + 1
            number = f"{self.numbers[code][k]:08d}"
            parts = self.parts_of.get((series, code))
            grade_code = None
            if code == "PHI" and seq in b.justified:
                grade_code = "AJ"
            elif rnd() < 0.005:
                grade_code = "ABS"
            if parts:
                result: Any = tuple(
                    (
                        part,
                        None if grade_code else value(PART_QUANTUM, 2.8),
                        grade_code,
                    )
                    for part in parts
                )
            else:
                result = (None if grade_code else value(code, 2.6), grade_code)
            key = (code, series if code.startswith("SP") else "")
            lot = self.open_lots.setdefault(key, [])
            lot.append((number, seq, block.etab, result, parts is not None))
            if len(lot) >= b.lot_sizes.get(code, 100):
                self.close_lot(key, block.centre)

    # --- lots

    def close_all_lots(self, centre: int) -> None:
        for key in sorted(self.open_lots):
            if self.open_lots[key]:
                self.close_lot(key, centre)

    def close_lot(self, key: tuple[str, str], centre_idx: int) -> None:
        b = self.b
        rng = self.rng
        copies = self.open_lots.pop(key)
        copies.sort()
        code = key[0]
        self.lot_id += 1
        lot_id = self.lot_id
        correcteur = b.pick_correcteur(key, len(copies), {c[2] for c in copies if c[2] is not None})
        centre = b.centres[centre_idx]
        n = len(copies)
        if (centre_idx, code) in self.late:
            keyed, state = 0, "distribue"
            b.summary.anomalies["lot_non_saisi"].append(f"lot n° {lot_id}")
        elif code not in ANTICIPATED and rng.random() < PARTIAL_LOT_SHARE:
            keyed, state = rng.randint((n * 3) // 5, (n * 19) // 20), "en_saisie"
        else:
            keyed, state = n, "saisi"
        day = (WRITTEN_DAYS.get(code) or SPECIALITE_DAYS.get(code) or DEMO_TODAY) + dt.timedelta(
            days=9
        )
        minutes = 8 * 60 + 30 + (lot_id * 37) % 480
        at = f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+02:00"
        operator = OPERATORS[lot_id % len(OPERATORS)]
        anon = self.anon.rows
        grades = self.grades.rows
        parts_rows = self.parts.rows
        absents = 0
        total = 0
        for position, (number, seq, _etab, result, composite) in enumerate(copies, start=1):
            anon.append((seq, code, number, lot_id, position))
            if composite:
                if result[0][2] == "ABS":
                    absents += 1
            elif result[1] == "ABS":
                absents += 1
            elif result[0] is not None:
                total += result[0]
            if position > keyed:
                self.missing += 1
                continue
            if composite:
                for part, v, grade_code in result:
                    parts_rows.append((seq, code, part, v, grade_code, operator, at))
            else:
                grades.append((seq, code, result[0], result[1], None, operator, at))
        has_parts = any(c[4] for c in copies)
        keyed_any = state != "distribue"
        self.lots.rows.append(
            (
                lot_id,
                b.session_id,
                lot_id,
                code,
                correcteur.id,
                b.centres[centre.correction_centre].id,
                state,
                n if keyed_any else None,
                absents if keyed_any else None,
                None if has_parts or not keyed_any else total,
                at if state == "saisi" else None,
                operator if state == "saisi" else None,
            )
        )
        b.lots.append((lot_id, correcteur.id, code, centre.correction_centre, n))


def _options_known(reg: Regulation, entries: Sequence[str]) -> bool:
    return not reg.options or all(e.rsplit("-", 1)[0] in reg.options for e in entries)
