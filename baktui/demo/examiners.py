"""The demo's examiners: teachers in pools per épreuve, academics, professionals, and the rest.

:func:`plan_examiners` recruits, per written épreuve (and series for the spécialités), a pool of
correcteurs large enough for its copies, with half of a spécialité's pool teaching where the
series is not taught (so every lot finds a correcteur who is not its candidates' teacher); then
academics to preside the juries, professionals to sit in them, and other teachers up to one
examiner per 20 candidates. :class:`Staff` hands out correcteurs lot by lot
(:meth:`Staff.pick_correcteur`); :func:`write_examiners` writes the rows. The ``disciplines``
convention is described in :mod:`baktui.demo`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from baktui.data.models import Examiner
from baktui.demo.bulk import Table
from baktui.demo.calendar import ORAL_CANDIDATES_PER_DAY, ORAL_HOURS_CENTI
from baktui.demo.context import DemoContext, fr_int
from baktui.demo.names import Picker
from baktui.demo.places import Places
from baktui.demo.population import juries_for
from baktui.rules.examiners import teaches

CANDIDATES_PER_EXAMINER = 20
COPIES_PER_CORRECTEUR = 150
TEACHER_CORPS = ("AGREGE", "CERTIFIE", "PLP")
TEACHER_CORPS_WEIGHTS = (25, 68, 7)
ACADEMIC_CORPS = ("PU", "MCF")
OTHER_DISCIPLINES = ("HG,EMC,GO", "MAT,GO", "LVA,LVB,GO", "EPS", "LVA,LVB", "HG,EMC")
HORSEPOWERS = (3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 9)


@dataclass
class ExaminerPlan:
    id: int
    civility: str
    last: str
    first: str
    corps: str
    disciplines: str
    etab: int | None  # index in etabs
    home: int  # commune index
    admin: int  # commune index of the administrative residence
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
class Staff:
    examiners: list[ExaminerPlan]  # by id
    pools: dict[tuple[str, str], list[ExaminerPlan]]  # (épreuve, series or "") -> correcteurs
    academics: list[ExaminerPlan]
    professionals: list[ExaminerPlan]
    others: list[ExaminerPlan]
    pool_ptr: dict[tuple[str, str], int] = field(default_factory=dict)

    def pick_correcteur(self, key: tuple[str, str], copies: int, etabs: set[int]) -> ExaminerPlan:
        """A correcteur of that épreuve (and series) from none of the lot's établissements."""
        members = self.pools[key]
        start = self.pool_ptr.get(key, 0)
        size = len(members)
        fallback: ExaminerPlan | None = None
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
                and ex.corps not in ACADEMIC_CORPS
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


def plan_examiners(ctx: DemoContext, places: Places, series_totals: dict[str, int]) -> Staff:
    """Every examiner of the académie, ids shuffled (the pools are not in id order)."""
    return _Recruitment(ctx, places).run(series_totals)


class _Recruitment:
    """Draws the examiners one by one from a single random stream (order matters)."""

    def __init__(self, ctx: DemoContext, places: Places) -> None:
        self.ctx = ctx
        self.places = places
        self.rng: random.Random = ctx.rng("examiners")
        self.examiners: list[ExaminerPlan] = []
        self.pools: dict[tuple[str, str], list[ExaminerPlan]] = {}
        etabs = places.etabs
        self.lycees = list(range(places.n_lycees))
        self.lycee_picker = Picker(self.lycees, [etabs[i].size for i in self.lycees])
        self.private = [i for i in self.lycees if etabs[i].sector != "public"]
        self.offering_by_series = {
            s: [i for i in self.lycees if s in etabs[i].series] for s in ctx.reg.series_codes
        }

    def run(self, series_totals: dict[str, int]) -> Staff:
        rng = self.rng
        n = self.ctx.n

        def need(copies: int) -> int:
            return max(4, math.ceil(copies * 1.3 / COPIES_PER_CORRECTEUR) + 3)

        fro_hours = n / ORAL_CANDIDATES_PER_DAY["FRO"] * ORAL_HOURS_CENTI / 100
        fre_pool = max(need(n), math.ceil(fro_hours / 36) + 3)  # each gives about 36 h of FRO
        self.pool(("FRE", ""), fre_pool, "FRE,FRO", None)
        self.pool(("PHI", ""), need(n), "PHI,GO", None)
        for s, total in series_totals.items():
            if s in ("STMG", "STHR"):  # économie-gestion teachers mark both spécialités
                self.pool(("SP1", s), need(2 * total), f"SP1:{s},SP2:{s},GO", s)
                self.pools[("SP2", s)] = self.pools[("SP1", s)]
            else:
                self.pool(("SP1", s), need(total), f"SP1:{s},GO", s)
                self.pool(("SP2", s), need(total), f"SP2:{s},GO", s)
        n_juries_est = sum(juries_for(t) for t in series_totals.values())
        academics: list[ExaminerPlan] = []
        academic_disciplines = ["PHI", "FRE,FRO", "HG"] + [
            f"SP{k}:{s}" for s in series_totals for k in (1, 2)
        ]
        for _ in range(n_juries_est + max(3, n_juries_est // 8)):
            corps = "PU" if rng.random() < 0.4 else "MCF"
            academics.append(self.make(corps, rng.choice(academic_disciplines), None))
        professionals: list[ExaminerPlan] = []
        for _ in range(max(4, round(n / 700))):
            s = rng.choice(list(series_totals))
            professionals.append(self.make("PROFESSIONNEL", f"GO,SP1:{s}", None))
        target = max(round(n / CANDIDATES_PER_EXAMINER), len(self.examiners) + 10)
        others: list[ExaminerPlan] = []
        while len(self.examiners) < target:
            corps = self.teacher_corps()
            others.append(self.make(corps, rng.choice(OTHER_DISCIPLINES), self.teacher_etab(None)))
        order = list(range(len(self.examiners)))
        rng.shuffle(order)
        for new_id, k in enumerate(order, start=1):
            self.examiners[k].id = new_id
        self.examiners.sort(key=lambda e: e.id)
        return Staff(self.examiners, self.pools, academics, professionals, others)

    def teacher_corps(self) -> str:
        return self.rng.choices(TEACHER_CORPS, TEACHER_CORPS_WEIGHTS)[0]

    def teacher_etab(self, series: str | None) -> int:
        """Where a teacher works: half the time a lycée teaching the series, if one is given."""
        rng = self.rng
        if series and rng.random() < 0.5:
            offering = self.offering_by_series.get(series)
            if offering:
                return rng.choice(offering)
        if self.private and rng.random() < 0.25:
            return rng.choice(self.private)
        return self.lycee_picker(rng.random)

    def pool(self, key: tuple[str, str], size: int, disciplines: str, series: str | None) -> None:
        """The correcteurs of one written épreuve (and series)."""
        rng = self.rng
        etabs = self.places.etabs
        members = self.pools.setdefault(key, [])
        for _ in range(size):
            corps = self.teacher_corps()
            capacity = rng.randrange(140, 230, 10)
            members.append(self.make(corps, disciplines, self.teacher_etab(series), capacity))
        # half of a spécialité's correcteurs teach where the series is not taught: their
        # own pupils never sit it, so every lot finds a correcteur with room left
        outside = [i for i in self.lycees if series and series not in etabs[i].series]
        have = sum(1 for m in members if m.etab in outside)
        for _ in range(max(2, size // 2 + 1) - have if outside else 0):
            capacity = rng.randrange(140, 230, 10)
            members.append(self.make("CERTIFIE", disciplines, rng.choice(outside), capacity))
        # lots never cross an exam centre: teachers from two centres always leave a correcteur
        for k in range(len(self.places.centres)):
            if len({etabs[m.etab].centre for m in members if m.etab is not None}) >= 2:
                break
            if any(etabs[m.etab].centre == k for m in members if m.etab is not None):
                continue
            elsewhere = [i for i in self.lycees if etabs[i].centre == k]
            if elsewhere:
                members.append(self.make("CERTIFIE", disciplines, rng.choice(elsewhere), 150))

    def make(
        self, corps: str, disciplines: str, etab: int | None, capacity: int = 150
    ) -> ExaminerPlan:
        """One examiner: name, residences, car, e-mail and phone."""
        rng = self.rng
        places = self.places
        fold = self.ctx.fold
        female = rng.random() < 0.55
        first = self.ctx.names.first(female)(rng.random)
        last = self.ctx.names.last(rng.random)
        if etab is not None:
            admin = places.etabs[etab].commune
        elif corps in ACADEMIC_CORPS:
            admin = (
                places.local_communes[0]
                if rng.random() < 0.7
                else places.commune_named("Saint-Étienne")
            )
        else:
            admin = places.commune_picker(rng.random)
        home = admin if rng.random() < 0.5 else rng.choice(places.nearby[admin])
        if corps == "PROFESSIONNEL" and rng.random() < 0.15:
            home = admin = places.commune_named("Paris")
        has_car = rng.random() < 0.85
        hp = rng.choice(HORSEPOWERS) if has_car else None
        if corps in ACADEMIC_CORPS:
            domain = "univ-lyon1.fr"
        elif corps == "PROFESSIONNEL":
            domain = "gmail.com"
        else:
            domain = "ac-lyon.fr"
        local_part = f"{fold(first)}.{fold(last)}".replace(" ", "-")
        km_band = rng.random()
        if km_band < 0.6:
            annual_km = rng.randrange(0, 2001)
        elif km_band < 0.93:
            annual_km = rng.randrange(2001, 10001)
        else:
            annual_km = rng.randrange(10001, 18000)
        authorised = has_car and rng.random() < 0.85
        phone = f"0{rng.choice('67')}{rng.randrange(10**8):08d}"
        ex = ExaminerPlan(
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
            authorised,
            annual_km,
            f"{local_part}@{domain}",
            phone,
        )
        if corps in TEACHER_CORPS:
            ex.max_oral_hours = rng.choice((30, 36, 42, 48))
        self.examiners.append(ex)
        return ex


def write_examiners(ctx: DemoContext, places: Places, staff: Staff) -> None:
    examiners = Table(
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
    for ex in staff.examiners:
        examiners.rows.append(
            (
                ex.id,
                ex.civility,
                ex.last,
                ex.first,
                f"{ctx.fold(ex.last)} {ctx.fold(ex.first)}",
                ex.email,
                ex.phone,
                ex.corps,
                ex.disciplines,
                places.etabs[ex.etab].id if ex.etab is not None else None,
                places.communes[ex.home].id,
                places.communes[ex.admin].id,
                ex.max_copies,
                ex.max_oral_hours,
                ex.fiscal_hp,
                ex.authorised,
                ex.annual_km,
            )
        )
    examiners.flush()
    ctx.summary.examiners = examiners.count
    ctx.event("examiner", f"{fr_int(examiners.count)} examinateurs créés")
