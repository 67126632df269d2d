"""One demo candidate: identity, address, choices, registration state, and épreuve registrations.

The candidate's columns come from the one declaration of its fields
(:data:`baktui.rules.candidate.STORED_COLUMNS`): :meth:`CandidateMaker.add` builds a mapping of
those names and the row is read from it in that order. Every
draw comes from the candidates' random stream, shared with the grades and the lots of the same
loop: reordering two draws here changes every candidate after it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from operator import itemgetter
from typing import Any

from baktui.data.models import Candidate, Registration
from baktui.demo import anomalies
from baktui.demo.anomalies import Specials
from baktui.demo.bulk import Table
from baktui.demo.calendar import ANTICIPATED
from baktui.demo.context import YEAR, DemoContext
from baktui.demo.grades import composite_parts
from baktui.demo.names import Picker
from baktui.demo.places import Places
from baktui.demo.population import Block
from baktui.rules import identifiers, registration
from baktui.rules.candidate import STORED_COLUMNS
from baktui.rules.lifecycles import RegistrationState
from baktui.rules.phonetic import sound_key
from baktui.rules.regulation import Regulation

# The Candidate columns the demo writes, from the one declaration of the candidate's fields; the
# fields left out take the model's default (no demo candidate is transferred to another académie).
LEFT_TO_DEFAULT = ("transferred_to",)
CANDIDATE_COLUMNS = ("id", "session", *(n for n in STORED_COLUMNS if n not in LEFT_TO_DEFAULT))
_candidate_row = itemgetter(*CANDIDATE_COLUMNS)

FEMALE_SHARE = {
    "STMG": 0.50,
    "STI2D": 0.10,
    "ST2S": 0.85,
    "STL": 0.55,
    "STHR": 0.45,
    "STD2A": 0.75,
    "S2TMD": 0.60,
}
SUB_CHOICE_WEIGHTS = {
    "STI2D": {"AC": 15, "EE": 30, "ITEC": 25, "SIN": 30},
    "STMG": {"GF": 25, "MERC": 35, "RHC": 30, "SIG": 10},
    "STL": {"3B": 75, "SPCL": 25},
    "S2TMD": {"DANSE": 25, "MUSIQUE": 50, "THEATRE": 25},
}
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
EMAIL_DOMAINS = {
    "gmail.com": 45,
    "orange.fr": 15,
    "free.fr": 10,
    "hotmail.fr": 10,
    "outlook.fr": 8,
    "laposte.net": 5,
    "icloud.com": 4,
    "sfr.fr": 3,
}
INE_LETTERS = "ABCDEFGHJK"
REGISTRATION_DAY0 = dt.date(2025, 10, 6).toordinal()  # registrations open (68 days)


def _options_known(reg: Regulation, entries: tuple[str, ...]) -> bool:
    return not reg.options or all(e.rsplit("-", 1)[0] in reg.options for e in entries)


class CandidateMaker:
    """Draws each candidate in turn and gathers its Candidate and Registration rows."""

    def __init__(
        self, ctx: DemoContext, rng: random.Random, places: Places, specials: Specials
    ) -> None:
        reg = ctx.reg
        self.ctx = ctx
        self.rng = rng
        self.rnd = rng.random
        self.places = places
        self.specials = specials
        self.candidates = Table(Candidate, CANDIDATE_COLUMNS)
        self.registrations = Table(
            Registration, ("candidate", "epreuve_code", "option_name", "kept_session")
        )
        base = reg.base_epreuves
        self.base_codes = [r.code for r in base]
        parts_of = composite_parts(reg)
        self.keepable = {  # by series: composite spécialités are never kept
            s.code: [
                r.code
                for r in base
                if r.keepable
                and r.terminal
                and r.code not in ANTICIPATED
                and (s.code, r.code) not in parts_of
            ]
            for s in reg.series
        }
        self.sub_choice = {
            s.code: Picker(
                list(s.sub_choices),
                [SUB_CHOICE_WEIGHTS.get(s.code, {}).get(c, 1) for c in s.sub_choices],
            )
            for s in reg.series
            if s.sub_choices
        }
        langs = reg.languages or {"ANG": "", "ESP": ""}
        self.lva = Picker.weighted(
            {k: w for k, w in LANG_A.items() if k in langs} or dict.fromkeys(langs, 1)
        )
        self.lvb = Picker.weighted(
            {k: w for k, w in LANG_B.items() if k in langs} or dict.fromkeys(langs, 1)
        )
        known = [(w, entries) for w, entries in OPTION_CHOICES if _options_known(reg, entries)]
        self.options = Picker([e for _, e in known], [w for w, _ in known])
        self.domains = Picker.weighted(EMAIL_DOMAINS)
        self.too_many_options = anomalies.too_many_options(
            sorted(reg.options) or ["LV3", "ARTS", "LATIN"], reg.max_options_per_year
        )
        # identities of the candidates a later one copies (last, first, birth, female, ine)
        self.identities: dict[int, tuple[str, str, str, bool, str]] = {}
        # INE serials: a bijective affine map of the sequence number, offset drawn per build
        self.rnie_mul, self.rnie_add = 387_420_489, rng.randrange(10**9)
        self.bea_mul, self.bea_add = 1_162_261_467, rng.randrange(10**10)

    def add(self, seq: int, block: Block) -> tuple[set[str], int, str, bool]:
        """Candidate ``seq`` and its registrations; (kept épreuves, options, LVB, EPS inapte)."""
        ctx = self.ctx
        places = self.places
        names = ctx.names
        rng = self.rng
        rnd = self.rnd
        series = block.series
        status = block.status
        scolaire = status == "scolaire"
        special = self.specials.anomalies.get(seq)
        anomaly = special[0] if special else ""
        number = registration.candidate_number(YEAR, seq)
        if anomaly:
            ctx.flag(anomaly, number)

        female = rnd() < FEMALE_SHARE.get(series, 0.5)
        first = names.first(female)(rnd)
        last = names.last(rnd)
        r = rnd()
        if scolaire:
            year = 2008 if r < 0.75 else 2007 if r < 0.95 else 2006 if r < 0.99 else 2009
        else:
            year = 1975 + int(r * 33)
        kept = seq in self.specials.kept
        if kept:
            year = min(year, 2007)
        birth = dt.date.fromordinal(dt.date(year, 1, 1).toordinal() + int(rnd() * 365)).isoformat()
        if rnd() < 0.75:
            serial = (seq * self.rnie_mul + self.rnie_add) % 10**9
            ine = f"{serial:09d}{rng.choice(INE_LETTERS)}{rng.choice(INE_LETTERS)}"
        else:
            serial = (seq * self.bea_mul + self.bea_add) % 10**10
            ine = f"{serial:010d}{rng.choice(identifiers.UAI_LETTERS)}"
        if anomaly == "doublon_candidat" or anomaly == "ine_en_double":
            src = self.identities[special[1]]
            if anomaly == "doublon_candidat":
                last, first, birth, female = src[0], src[1], src[2], src[3]
            else:
                ine = src[4]
        elif anomaly == "ine_invalide":
            ine = anomalies.invalid_ine(ine, seq)
        if seq in self.specials.sources:
            self.identities[seq] = (last, first, birth, female, ine)

        # address
        if scolaire and block.etab is not None:
            home = places.etabs[block.etab].commune
            if rnd() < 0.35:
                home = rng.choice(places.nearby[home])
        else:
            home = block.home_communes[seq - block.first_seq]
        commune = places.communes[home]
        postcode = commune.postcode
        # the commune of birth: no draw (the stream stays as it was), most are born near home
        spread = (seq * 2654435761) & 0xFFFFFFFF
        born_in = commune if spread % 10 < 6 else places.communes[spread % len(places.communes)]
        if commune.name == "Lyon":
            postcode = f"6900{1 + int(rnd() * 9)}"
        if anomaly == "code_postal_invalide":
            postcode = anomalies.short_postcode(postcode)
        address = f"{1 + int(rnd() * 150)} {names.streets(rnd)}"
        fl, ff = ctx.fold(last), ctx.fold(first)
        if rnd() < 0.95 or anomaly == "courriel_invalide":
            local = f"{ff}.{fl}".replace(" ", "-").replace("'", "")
            if rnd() < 0.4:
                local += str(int(rnd() * 99) + 1)
            email = f"{local}@{self.domains(rnd)}"
            if anomaly == "courriel_invalide":
                email = anomalies.email_without_domain(email)
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
        dossier, state = self._dossier_and_state(status, anomaly, eps_inapte)
        created = REGISTRATION_DAY0 + int(rnd() * 68)
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
        values: dict[str, Any] = {
            "id": seq,
            "session": ctx.session_id,
            "number": number,
            "ine": ine,
            "last_name": last,
            "first_name": first,
            "name_key": f"{fl} {ff}",
            "sound_key": sound_key(fl, ff),
            "birth_date": birth,
            "birth_place": born_in.name,
            "sex": "F" if female else "M",
            "address": address,
            "postcode": postcode,
            "city": commune.name,
            "email": email,
            "phone": phone,
            "series": series,
            "sub_choice": sub_choice,
            "lva": lva,
            "lvb": lvb,
            "options": options,
            "indications": "SE-ANG" if spread % 97 == 0 and lva == "ANG" else "",
            "status": status,
            "etablissement": places.etabs[block.etab].id if block.etab is not None else None,
            "eps_inapte": eps_inapte,
            "eps_certificate": eps_inapte,
            "amenagements": amenagements,
            "dossier": dossier,
            "state": state,
            "jury": block.jury,
            "centre": None if anomaly == "sans_centre" else places.centres[block.centre].id,
            "created_at": created_at,
            "updated_at": updated_at,
        }
        self.candidates.rows.append(_candidate_row(values))
        kept_codes, n_options = self._register(seq, series, kept, options)
        return kept_codes, n_options, lvb, eps_inapte

    def _dossier_and_state(
        self, status: str, anomaly: str, eps_inapte: bool
    ) -> tuple[str, RegistrationState]:
        """The dossier checklist of a non-scolaire (JSON) and the registration's state."""
        rng = self.rng
        r = rng.random()
        if status == "scolaire":
            if r < 0.975:
                return "", RegistrationState.VALIDEE
            return "", RegistrationState.CONFIRMEE if r < 0.995 else RegistrationState.BROUILLON
        pieces = registration.dossier_pieces(status, eps_inapte)
        received = {key: True for key, _ in pieces}
        incomplete = anomaly == "dossier_incomplet" or rng.random() < 0.12
        if incomplete and pieces:
            received[rng.choice(pieces)[0]] = False
        dossier = json.dumps(received, ensure_ascii=False)
        if anomaly == "dossier_incomplet":
            state = RegistrationState.VALIDEE
        elif incomplete:
            state = RegistrationState.CONFIRMEE if r < 0.7 else RegistrationState.BROUILLON
        else:
            state = RegistrationState.VALIDEE if r < 0.92 else RegistrationState.CONFIRMEE
        return dossier, state

    def _register(self, seq: int, series: str, kept: bool, options: str) -> tuple[set[str], int]:
        """The candidate's épreuves (options, kept grades); (kept épreuves, number of options)."""
        rng = self.rng
        kept_codes: set[str] = set()
        if kept:
            choices = self.keepable[series]
            kept_codes = set(rng.sample(choices, min(len(choices), 1 + int(rng.random() * 2))))
        rows = self.registrations.rows
        entries = registration.parse_options(options) if options else []
        if entries or kept_codes:
            rows.extend(
                (seq, code, option_name, 2025 if code in kept_codes else None)
                for code, option_name in registration.epreuves_for(self.ctx.reg, entries)
            )
        else:
            rows.extend([(seq, code, "", None) for code in self.base_codes])
        return kept_codes, len(entries)
