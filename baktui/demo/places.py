"""Where the demo happens: communes and distances, établissements, exam centres and their rooms.

:func:`plan_places` draws the académie in memory (communes from ``data/communes.csv``, about one
lycée per 205 candidates, one exam centre per 800, each lycée seated in its own centre or a near
one); :func:`write_places` and :func:`write_rooms` turn the plan into rows. Indexes into the plan's
lists (``commune``, ``etab``, ``centre``) link the plans; the rows get ``id`` = index + 1.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field

from baktui.data.models import Centre, Commune, CommuneDistance, Etablissement, Room
from baktui.demo.bulk import Table
from baktui.demo.context import DemoContext, fr_int
from baktui.demo.names import Picker, data_lines, data_text
from baktui.rules import identifiers

CANDIDATES_PER_LYCEE = 205
CANDIDATES_PER_CENTRE = 800
SERIES_OFFER = {  # share of lycées teaching the series
    "STMG": 0.85,
    "STI2D": 0.40,
    "ST2S": 0.45,
    "STL": 0.22,
    "STHR": 0.06,
    "STD2A": 0.08,
    "S2TMD": 0.05,
}
ROAD_FACTOR = 1.25
GRETAS = (  # (département, town, name)
    ("69", "Lyon", "GRETA Lyon Métropole"),
    ("42", "Saint-Étienne", "GRETA de la Loire"),
    ("01", "Bourg-en-Bresse", "GRETA de l'Ain"),
)
PHONE_PREFIX = {"69": "047", "01": "047", "42": "047", "86": "054"}


@dataclass
class CommunePlan:
    id: int
    name: str
    postcode: str
    insee: str
    latitude: str  # decimal degrees as text, stored as it is
    longitude: str
    lat: float
    lon: float
    category: str
    dept: str
    weight: int  # how many people live there (0: outside the académie)


@dataclass
class EtabPlan:
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
class CentrePlan:
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
class Places:
    communes: list[CommunePlan]
    km: list[list[int]]  # road km between communes, by index
    local_communes: list[int]  # communes of the académie
    commune_picker: Picker  # a commune of the académie, in proportion to its people
    nearby: list[list[int]]  # per commune: the six nearest of the académie, nearest first
    etabs: list[EtabPlan]  # the lycées first, then the CNED and the GRETA
    n_lycees: int
    cned: int  # index of the CNED in etabs
    gretas: dict[str, int]  # département -> index of its GRETA in etabs
    centres: list[CentrePlan] = field(default_factory=list)
    centre_of_commune: list[int] = field(default_factory=list)  # nearest centre, by commune

    def commune_named(self, name: str) -> int:
        """Index of the commune of that name (the first commune if there is none)."""
        for i, c in enumerate(self.communes):
            if c.name == name:
                return i
        return 0


def road_km(a: CommunePlan, b: CommunePlan) -> int:
    """Road distance estimate: great circle times a road factor, whole km."""
    if a is b:
        return 0
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return max(1, round(2 * 6371 * math.asin(math.sqrt(h)) * ROAD_FACTOR))


# --- plan -----------------------------------------------------------------------------------------


def plan_places(ctx: DemoContext) -> Places:
    """Communes, établissements and exam centres of the académie, each lycée seated in a centre."""
    rng = ctx.rng("places")
    communes = [
        CommunePlan(
            i + 1,
            row["name"],
            row["postcode"],
            row["insee"],
            row["latitude"],
            row["longitude"],
            float(row["latitude"]),
            float(row["longitude"]),
            row["night_category"],
            row["department"],
            int(row["weight"]),
        )
        for i, row in enumerate(csv.DictReader(data_text("communes.csv").splitlines()))
    ]
    km = [[road_km(a, b) for b in communes] for a in communes]
    local = [i for i, c in enumerate(communes) if c.weight > 0]
    places = Places(
        communes=communes,
        km=km,
        local_communes=local,
        commune_picker=Picker(local, [communes[i].weight for i in local]),
        nearby=[sorted(local, key=lambda j, i=i: (km[i][j], j))[:6] for i in range(len(communes))],
        etabs=[],
        n_lycees=0,
        cned=0,
        gretas={},
    )
    _plan_etablissements(ctx, rng, places)
    _plan_centres(ctx.n, rng, places)
    _seat_lycees(places)
    return places


class _UaiMaker:
    """New UAI numbers (valid check letter), never twice the same serial in a département."""

    def __init__(self, rng: random.Random, wide: bool) -> None:
        self.rng = rng
        self.wide = wide  # national scale: serials from the whole range
        self.used: dict[str, set[int]] = {}

    def __call__(self, dept: str, private: bool) -> str:
        rng = self.rng
        serials = self.used.setdefault(dept, set())
        while True:
            if self.wide:
                serial = rng.randrange(10, 9990)
            else:
                serial = rng.randrange(1000, 2900) if private else rng.randrange(10, 990)
            if serial not in serials:
                serials.add(serial)
                break
        digits = f"{int(dept):03d}{serial:04d}"
        return digits + identifiers.uai_check_letter(digits)


def _plan_etablissements(ctx: DemoContext, rng: random.Random, places: Places) -> None:
    """The lycées (public and private, with the series they teach), the CNED and the GRETA."""
    series_codes = ctx.reg.series_codes
    communes = places.communes
    etabs = places.etabs
    n_lycees = max(10, round(ctx.n / CANDIDATES_PER_LYCEE))
    public_names = data_lines("lycee_names.txt")
    private_names = data_lines("lycee_names_prive.txt")
    used_names: set[str] = set()
    new_uai = _UaiMaker(rng, wide=n_lycees > 300)
    for _ in range(n_lycees):
        commune = places.commune_picker(rng.random)
        c = communes[commune]
        private = rng.random() < 0.30
        offered = tuple(s for s in series_codes if rng.random() < SERIES_OFFER.get(s, 0.3))
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
        etabs.append(
            EtabPlan(
                len(etabs) + 1,
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
    by_size = sorted(range(len(etabs)), key=lambda i: -etabs[i].size)
    for k, series in enumerate(series_codes):
        if not any(series in e.series for e in etabs):
            e = etabs[by_size[k % len(by_size)]]
            e.series = tuple(s for s in series_codes if s in e.series or s == series)
    places.n_lycees = len(etabs)
    # CNED and GRETA
    by_name = {c.name: i for i, c in enumerate(communes)}
    cned_commune = by_name.get("Chasseneuil-du-Poitou", 0)
    places.cned = len(etabs)
    etabs.append(
        EtabPlan(
            len(etabs) + 1,
            new_uai(communes[cned_commune].dept, False),
            "Centre national d'enseignement à distance (CNED)",
            cned_commune,
            "public",
            "cned",
        )
    )
    for dept, town, label in GRETAS:
        commune = by_name.get(town, 0)
        places.gretas[dept] = len(etabs)
        etabs.append(
            EtabPlan(len(etabs) + 1, new_uai(dept, False), label, commune, "public", "greta")
        )


def _plan_centres(n: int, rng: random.Random, places: Places) -> None:
    """Exam centres hosted by lycées, spread over the communes; délibération and correction."""
    etabs, communes, km = places.etabs, places.communes, places.km
    n_centres = min(max(4, round(n / CANDIDATES_PER_CENTRE)), places.n_lycees)
    hosts: list[int] = []
    free: dict[int, list[int]] = {}  # commune -> lycées not hosting a centre, biggest last
    for i in sorted(range(places.n_lycees), key=lambda i: (etabs[i].size, -i)):
        free.setdefault(etabs[i].commune, []).append(i)
    hosted = dict.fromkeys(free, 0)
    while len(hosts) < n_centres:
        # communes without a centre first, then in proportion to their lycées
        towns = sorted(i for i in free if free[i])
        picker = Picker(
            towns, [len(free[i]) * (3.0 if not hosted[i] else 1.0 / hosted[i]) for i in towns]
        )
        commune = picker(rng.random)
        hosts.append(free[commune].pop())
        hosted[commune] += 1
    centres = places.centres
    for k, host in enumerate(hosts):
        e = etabs[host]
        town = communes[e.commune].name
        name = e.name if town in e.name else f"{e.name} — {town}"
        centres.append(CentrePlan(k + 1, f"C{k + 1:03d}", name, host, e.commune))
    # délibération and correction: about a third each, at least one per département
    for flag in ("deliberation", "correction"):
        chosen: set[int] = set()
        for dept in sorted({communes[c.commune].dept for c in centres}):
            in_dept = [k for k, c in enumerate(centres) if communes[c.commune].dept == dept]
            chosen.add(rng.choice(in_dept))
        target = max(2, round(len(centres) / 3))
        order = list(range(len(centres)))
        rng.shuffle(order)
        for k in order:
            if len(chosen) >= target:
                break
            chosen.add(k)
        for k in chosen:
            setattr(centres[k], flag, True)
    corr = [k for k, c in enumerate(centres) if c.correction]
    for c in centres:
        c.correction_centre = min(corr, key=lambda k, c=c: (km[c.commune][centres[k].commune], k))


def _seat_lycees(places: Places) -> None:
    """Each lycée sits its candidates in a centre: its own, else a near one (balanced)."""
    etabs, km, centres = places.etabs, places.km, places.centres
    for k, c in enumerate(centres):
        etabs[c.etab].centre = k
        c.load += etabs[c.etab].size
    for i in sorted(range(places.n_lycees), key=lambda i: (-etabs[i].size, i)):
        e = etabs[i]
        if e.centre >= 0:
            continue
        dist = [km[e.commune][c.commune] for c in centres]
        best = min(dist)
        near = [k for k in range(len(centres)) if dist[k] <= best + 3]
        k = min(near, key=lambda k: (centres[k].load, k))
        e.centre = k
        centres[k].load += e.size
    # the centre for a home commune (non-scolaires)
    places.centre_of_commune = [
        min(range(len(centres)), key=lambda k, i=i: (km[i][centres[k].commune], k))
        for i in range(len(places.communes))
    ]


# --- rows -----------------------------------------------------------------------------------------


def write_places(ctx: DemoContext, places: Places) -> None:
    """Communes and their distances, établissements (address, e-mail, phone), exam centres."""
    communes = Table(
        Commune, ("id", "name", "postcode", "insee", "latitude", "longitude", "night_category")
    )
    for c in places.communes:
        communes.rows.append(
            (c.id, c.name, c.postcode, c.insee, c.latitude, c.longitude, c.category)
        )
    communes.flush()
    distances = Table(CommuneDistance, ("origin", "destination", "km"))
    for a in places.communes:
        for b in places.communes:
            if a is not b:
                distances.rows.append((a.id, b.id, places.km[a.id - 1][b.id - 1]))
    distances.flush()
    ctx.event(
        "commune",
        f"{fr_int(communes.count)} communes et {fr_int(distances.count)} distances créées",
    )

    rng = ctx.rng("etab-details")
    streets = ctx.names.streets
    etabs = Table(
        Etablissement,
        ("id", "uai", "name", "commune", "sector", "kind", "address", "email", "phone", "name_key"),
    )
    addresses: list[str] = []
    for e in places.etabs:
        c = places.communes[e.commune]
        address = f"{rng.randint(1, 120)} {streets(rng.random)}, {c.postcode} {c.name}"
        addresses.append(address)
        mailbox = "ce" if e.kind == "lycee" else "contact"
        etabs.rows.append(
            (
                e.id,
                e.uai,
                e.name,
                c.id,
                e.sector,
                e.kind,
                address,
                f"{mailbox}.{e.uai.lower()}@ac-lyon.fr",
                f"{PHONE_PREFIX.get(c.dept, '04')}{rng.randrange(10**7):07d}",
                identifiers.fold(e.name),
            )
        )
    etabs.flush()
    ctx.summary.etablissements = etabs.count
    ctx.event("etablissement", f"{fr_int(etabs.count)} établissements créés")

    centres = Table(
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
    for c in places.centres:
        centres.rows.append(
            (
                c.id,
                ctx.session_id,
                c.code,
                c.name,
                places.etabs[c.etab].id,
                places.communes[c.commune].id,
                addresses[c.etab],
                True,
                c.deliberation,
                c.correction,
            )
        )
    centres.flush()
    ctx.summary.centres = centres.count
    ctx.event("centre", f"{fr_int(centres.count)} centres créés")


def write_rooms(ctx: DemoContext, places: Places) -> None:
    """Rooms of each centre for its candidates (gym, classrooms, a tiers-temps room)."""
    rng = ctx.rng("rooms")
    rooms = Table(Room, ("id", "centre", "name", "capacity"))
    room_id = 0
    for c in places.centres:
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
    rooms.flush()
    ctx.summary.rooms = rooms.count
    ctx.event("room", f"{fr_int(rooms.count)} salles créées")
