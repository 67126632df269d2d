"""The peewee models: the whole job of an exam office, one table per thing it handles.

Conventions:
- grades and money are integers in hundredths (``*_centi``), never floats;
- épreuve codes are the stable codes of the regulation table (FRE, PHI, SP1…), stored as text;
- records that people edit carry a ``version`` column for optimistic locking (see services);
- every write goes through ``baktui.services`` which appends to :class:`AuditLog`.
Screens never receive these rows: services hand them plain dataclasses.
"""

from __future__ import annotations

import peewee as pw

from baktui.data.db import database_proxy


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class VersionedModel(BaseModel):
    """A record people edit: ``version`` increases at every change (optimistic lock)."""

    version = pw.IntegerField(default=1)


# --- Session and regulation -------------------------------------------------------------------


class ExamSession(BaseModel):
    """One exam session: the year's normal session or its replacement session."""

    year = pw.IntegerField()
    kind = pw.TextField(default="normale")  # normale | remplacement
    phase = pw.TextField(default="inscriptions")
    label = pw.TextField(default="")
    regulation_json = pw.TextField()  # the regulation loaded when the registre was opened
    opened_at = pw.TextField()
    opened_by = pw.TextField()
    is_current = pw.BooleanField(default=True)
    closed_at = pw.TextField(null=True)  # set by « baktui clore »: the session is read-only
    closed_by = pw.TextField(null=True)

    class Meta:
        indexes = ((("year", "kind"), True),)


class Series(BaseModel):
    session = pw.ForeignKeyField(ExamSession, backref="series", on_delete="CASCADE")
    code = pw.TextField()
    label = pw.TextField()
    sp1_label = pw.TextField()
    sp2_label = pw.TextField()
    spa_label = pw.TextField()
    sub_choice_label = pw.TextField(default="")
    sub_choices = pw.TextField(default="")  # comma-separated

    class Meta:
        indexes = ((("session", "code"), True),)


class Epreuve(BaseModel):
    """An épreuve of the session with its coefficient (from the regulation) and its organisation."""

    session = pw.ForeignKeyField(ExamSession, backref="epreuves", on_delete="CASCADE")
    code = pw.TextField()
    label = pw.TextField()
    coef = pw.TextField()  # exact fraction as text, e.g. "16"
    kind = pw.TextField()  # ecrit | oral | pratique | cc
    terminal = pw.BooleanField()
    precision = pw.TextField()
    second_group = pw.TextField(null=True)
    is_option = pw.BooleanField(default=False)
    keepable = pw.BooleanField(default=False)
    lot_size = pw.IntegerField(default=100)  # copies per lot, 50 to 120
    exam_date = pw.DateField(null=True)
    start_time = pw.TextField(null=True)  # "08:00"
    duration_min = pw.IntegerField(null=True)
    # exam fee per copy, when it differs from the rate table
    copy_fee_centi = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("session", "code"), True),)


class Setting(BaseModel):
    """Session-independent key/value settings (académie name, dated rates reference…)."""

    key = pw.TextField(primary_key=True)
    value = pw.TextField()


# --- Places -------------------------------------------------------------------------------------


class Commune(BaseModel):
    """A commune with coordinates (distances) and its night-rate category."""

    name = pw.TextField()
    postcode = pw.TextField(default="")
    insee = pw.TextField(null=True, unique=True)
    latitude = pw.TextField(null=True)  # decimal degrees as text, exact
    longitude = pw.TextField(null=True)
    night_category = pw.TextField(default="base")  # base | grande_ville | paris

    class Meta:
        indexes = ((("name", "postcode"), False),)


class CommuneDistance(BaseModel):
    """Reference road distance between two communes (km), when the office has one."""

    origin = pw.ForeignKeyField(Commune, on_delete="CASCADE")
    destination = pw.ForeignKeyField(Commune, on_delete="CASCADE")
    km = pw.IntegerField()

    class Meta:
        indexes = ((("origin", "destination"), True),)


class Etablissement(VersionedModel):
    uai = pw.TextField(unique=True)
    name = pw.TextField()
    commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL")
    sector = pw.TextField(default="public")  # public | prive_sous_contrat | prive_hors_contrat
    kind = pw.TextField(default="lycee")  # lycee | cned | greta | autre
    address = pw.TextField(default="")
    email = pw.TextField(default="")
    phone = pw.TextField(default="")
    name_key = pw.TextField(default="", index=True)  # folded name for search
    head_name = pw.TextField(default="")  # chef d'établissement, as documents address them
    active = pw.BooleanField(default=True)


class Centre(VersionedModel):
    """A centre d'examen, de délibération and/or de correction."""

    session = pw.ForeignKeyField(ExamSession, backref="centres", on_delete="CASCADE")
    code = pw.TextField()
    name = pw.TextField()
    etablissement = pw.ForeignKeyField(Etablissement, null=True, on_delete="SET NULL")
    commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL")
    address = pw.TextField(default="")
    is_exam = pw.BooleanField(default=True)
    is_deliberation = pw.BooleanField(default=False)
    is_correction = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)  # an inactive centre is offered for nothing new
    closing_time = pw.TextField(default="19:00")  # no épreuve nor oral slot ends after it

    class Meta:
        indexes = ((("session", "code"), True),)


class Room(VersionedModel):
    centre = pw.ForeignKeyField(Centre, backref="rooms", on_delete="CASCADE")
    name = pw.TextField()
    capacity = pw.IntegerField()
    accessible = pw.BooleanField(default=False)  # wheelchair access
    extra_time = pw.BooleanField(default=False)  # fit for candidates with tiers-temps
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("centre", "name"), True),)


# --- People: examiners and juries ---------------------------------------------------------------


class Examiner(VersionedModel):
    """A teacher or professional who marks, examines, or sits on a jury."""

    identifier = pw.TextField(null=True, unique=True)  # the office's own key (NUMEN, matricule…)
    bank_reference = pw.TextField(default="")  # IBAN or the paying office's reference (v12)
    civility = pw.TextField(default="")
    last_name = pw.TextField()
    first_name = pw.TextField()
    name_key = pw.TextField(default="", index=True)
    email = pw.TextField(default="")
    phone = pw.TextField(default="")
    corps = pw.TextField()  # PU | MCF | AGREGE | CERTIFIE | PLP | PROFESSIONNEL | RETRAITE…
    disciplines = pw.TextField(default="")  # comma-separated épreuve codes or discipline keys
    etablissement = pw.ForeignKeyField(Etablissement, null=True, on_delete="SET NULL")
    home_commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL", backref="+")
    admin_commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL", backref="+")
    max_copies = pw.IntegerField(default=150)
    max_oral_hours = pw.IntegerField(default=30)
    fiscal_hp = pw.IntegerField(null=True)  # fiscal horsepower of the personal car
    vehicle_authorised = pw.BooleanField(default=False)
    annual_km = pw.IntegerField(default=0)  # cumulative km of the year before this session
    active = pw.BooleanField(default=True)


class CalendarEntry(VersionedModel):
    """When an épreuve is sat, for one série or (``series`` = "") for all."""

    session = pw.ForeignKeyField(ExamSession, backref="calendar", on_delete="CASCADE")
    epreuve_code = pw.TextField()
    series = pw.TextField(default="")
    day = pw.DateField()
    start_time = pw.TextField()  # "08:00"
    duration_min = pw.IntegerField()

    class Meta:
        indexes = ((("session", "epreuve_code", "series"), True),)


class Availability(BaseModel):
    """A day an examiner is (or is not) available."""

    examiner = pw.ForeignKeyField(Examiner, backref="availabilities", on_delete="CASCADE")
    day = pw.DateField()
    available = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("examiner", "day"), True),)


class Jury(VersionedModel):
    session = pw.ForeignKeyField(ExamSession, backref="juries", on_delete="CASCADE")
    number = pw.IntegerField()
    series_codes = pw.TextField()  # comma-separated
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")  # délibération
    president = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    vice_president = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    deliberation_date = pw.DateField(null=True)
    state = pw.TextField(default="constitue")  # constitue | delibere | clos
    active = pw.BooleanField(default=True)  # an inactive jury receives no candidate
    # deliberation closed: 0 open, 1 first group closed, 2 second group closed (locks grades)
    closed_group = pw.IntegerField(default=0)
    # results published: 0 no, 1 first group (ADMIS, AJOURNE final), 2 final publication
    published_group = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("session", "number"), True),)


class JuryMember(BaseModel):
    jury = pw.ForeignKeyField(Jury, backref="members", on_delete="CASCADE")
    examiner = pw.ForeignKeyField(Examiner, on_delete="CASCADE")
    role = pw.TextField(default="membre")  # membre | president | vice_president

    class Meta:
        indexes = ((("jury", "examiner"), True),)


# --- Candidates ---------------------------------------------------------------------------------


class Candidate(VersionedModel):
    session = pw.ForeignKeyField(ExamSession, backref="candidates", on_delete="CASCADE")
    number = pw.TextField()  # numéro de candidat, unique in the session
    ine = pw.TextField(default="")
    last_name = pw.TextField()
    first_name = pw.TextField()
    name_key = pw.TextField(default="")  # folded "last first" for accent-free search
    sound_key = pw.TextField(default="")  # French phonetic "last first" (rules/phonetic.py)
    birth_date = pw.DateField(null=True)
    birth_place = pw.TextField(default="")  # commune de naissance, free text ("" on old bases)
    sex = pw.TextField(default="")  # F | M | ""
    address = pw.TextField(default="")
    postcode = pw.TextField(default="")
    city = pw.TextField(default="")
    email = pw.TextField(default="")
    phone = pw.TextField(default="", index=True)  # digits only
    series = pw.TextField()
    sub_choice = pw.TextField(default="")
    lva = pw.TextField(default="")
    lvb = pw.TextField(default="")
    # comma-separated option-year entries, e.g. "LATIN-1,LATIN-T" (rules/registration.py)
    options = pw.TextField(default="")
    # comma-separated diploma indications, e.g. "SE-ANG,MEI" (rules/indications.py)
    indications = pw.TextField(default="")
    status = pw.TextField(default="scolaire")  # scolaire | individuel | cned | formation_continue
    etablissement = pw.ForeignKeyField(Etablissement, null=True, on_delete="SET NULL")
    eps_inapte = pw.BooleanField(default=False)
    eps_certificate = pw.BooleanField(default=False)
    amenagements = pw.TextField(default="")
    dossier = pw.TextField(default="")  # individual candidates: JSON checklist of pieces received
    state = pw.TextField(default="brouillon")  # brouillon | confirmee | validee | annulee
    transferred_to = pw.TextField(default="")  # académie of a transfer
    jury = pw.ForeignKeyField(Jury, null=True, on_delete="SET NULL", backref="candidates")
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL", backref="candidates")
    created_at = pw.TextField(default="")
    updated_at = pw.TextField(default="")

    class Meta:
        indexes = (
            (("session", "number"), True),
            (("session", "ine"), False),
            (("session", "name_key"), False),
            (("session", "series"), False),
            # F2 lookup: the candidates of an établissement, by name, from the index alone
            (("session", "etablissement", "name_key"), False),
            # F2 lookup (schema 11): names as heard, and birth dates
            (("session", "sound_key", "birth_date"), False),
            (("session", "name_key", "birth_date"), False),
            (("session", "birth_date", "name_key"), False),
        )


class Registration(BaseModel):
    """A candidate registered to one épreuve (options included); kept grades are marked here."""

    candidate = pw.ForeignKeyField(Candidate, backref="registrations", on_delete="CASCADE")
    epreuve_code = pw.TextField()
    option_name = pw.TextField(default="")  # for OPTn: which option (LATIN, ARTS…)
    kept_session = pw.IntegerField(null=True)  # year of the session a kept grade comes from

    class Meta:
        indexes = ((("candidate", "epreuve_code"), True), (("epreuve_code",), False))


class Grade(VersionedModel):
    """A grade: a value in hundredths or a code (ABS, AJ, DI); group 1 or 2 (second group)."""

    candidate = pw.ForeignKeyField(Candidate, backref="grades", on_delete="CASCADE")
    epreuve_code = pw.TextField()  # FRE… ; in group 2: FR, PHI, SP1, SP2
    group = pw.IntegerField(default=1)
    value_centi = pw.IntegerField(null=True)
    code = pw.TextField(null=True)
    kept_session = pw.IntegerField(null=True)  # grade kept from that earlier session
    source = pw.TextField(default="saisie")  # saisie | import | demo | jury
    entered_by = pw.TextField(default="")
    entered_at = pw.TextField(default="")

    class Meta:
        indexes = ((("candidate", "epreuve_code", "group"), True),)
        constraints = [
            pw.Check("(value_centi IS NULL) OR (value_centi BETWEEN 0 AND 2000)"),
            pw.Check("(code IS NULL) OR (code IN ('ABS', 'AJ', 'DI'))"),
            pw.Check('"group" IN (1, 2)'),
        ]


class GradePart(BaseModel):
    """A part-grade of a composite spécialité (ST2S CBPH: CHI + BPH; STHR: STC + STS)."""

    candidate = pw.ForeignKeyField(Candidate, on_delete="CASCADE")
    epreuve_code = pw.TextField()
    part_code = pw.TextField()
    value_centi = pw.IntegerField(null=True)
    code = pw.TextField(null=True)
    entered_by = pw.TextField(default="")
    entered_at = pw.TextField(default="")

    class Meta:
        indexes = ((("candidate", "epreuve_code", "part_code"), True),)
        constraints = [pw.Check("(value_centi IS NULL) OR (value_centi BETWEEN 0 AND 2000)")]


class JuryPoint(BaseModel):
    """Points the jury added to a grade at deliberation, with the mandatory reason, who gave them,
    when, and the grade before and after (never above the maximum grade)."""

    candidate = pw.ForeignKeyField(Candidate, on_delete="CASCADE")
    epreuve_code = pw.TextField()
    points_centi = pw.IntegerField()
    reason = pw.TextField()
    given_by = pw.TextField()
    given_at = pw.TextField()
    jury = pw.ForeignKeyField(Jury, null=True, on_delete="SET NULL", backref="points")
    before_centi = pw.IntegerField(null=True)  # the grade before the points
    after_centi = pw.IntegerField(null=True)  # the grade after them


class Result(BaseModel):
    """The outcome of the last deliberation of a candidate (recomputed, never typed)."""

    candidate = pw.ForeignKeyField(Candidate, unique=True, on_delete="CASCADE")
    decision = pw.TextField()  # ADMIS | SECOND_GROUPE | AJOURNE | INCOMPLET
    mention = pw.TextField(null=True)
    average = pw.TextField(null=True)  # exact fraction "p/q"
    first_group_average = pw.TextField(null=True)
    second_group_done = pw.BooleanField(default=False)
    deliberated_at = pw.TextField()
    deliberated_by = pw.TextField()


# --- Copies: anonymity and lots -----------------------------------------------------------------


class Lot(VersionedModel):
    """A bundle of written copies of one épreuve given to one correcteur."""

    session = pw.ForeignKeyField(ExamSession, backref="lots", on_delete="CASCADE")
    number = pw.IntegerField()
    epreuve_code = pw.TextField()
    correcteur = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="lots")
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")  # centre de correction
    state = pw.TextField(default="constitue")  # constitue | distribue | en_saisie | saisi
    double_entry = pw.BooleanField(default=False)
    control_copies = pw.IntegerField(null=True)
    control_absents = pw.IntegerField(null=True)
    control_sum_centi = pw.IntegerField(null=True)
    closed_at = pw.TextField(null=True)
    closed_by = pw.TextField(null=True)

    class Meta:
        indexes = ((("session", "number"), True), (("session", "epreuve_code"), False))


class Anonymat(BaseModel):
    """A candidate's anonymity number for one written épreuve; the link stays in the data layer."""

    candidate = pw.ForeignKeyField(Candidate, on_delete="CASCADE")
    epreuve_code = pw.TextField()
    number = pw.TextField()
    lot = pw.ForeignKeyField(Lot, null=True, backref="copies", on_delete="SET NULL")
    position = pw.IntegerField(null=True)  # rank of the copy on the lot's slip

    class Meta:
        indexes = (
            (("candidate", "epreuve_code"), True),
            (("epreuve_code", "number"), True),
            (("number",), False),
        )


class DoubleEntry(BaseModel):
    """A grade keyed by an operator in a blind double entry of a lot (pass 1 or 2)."""

    lot = pw.ForeignKeyField(Lot, on_delete="CASCADE")
    anonymat = pw.ForeignKeyField(Anonymat, on_delete="CASCADE")
    entry_pass = pw.IntegerField()
    raw_value = pw.TextField()
    operator = pw.TextField()
    entered_at = pw.TextField()

    class Meta:
        indexes = ((("lot", "anonymat", "entry_pass"), True),)


# --- Convocations, assignments, absences --------------------------------------------------------


class Assignment(VersionedModel):
    """An examiner convened for a mission: correction of a lot, an oral, a jury seat, a surveillance."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    examiner = pw.ForeignKeyField(Examiner, backref="assignments", on_delete="CASCADE")
    kind = pw.TextField()  # correction | oral | pratique | jury | surveillance
    epreuve_code = pw.TextField(null=True)
    day = pw.DateField()
    start_time = pw.TextField(default="08:00")
    end_time = pw.TextField(default="12:00")
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    lot = pw.ForeignKeyField(Lot, null=True, on_delete="SET NULL")
    jury = pw.ForeignKeyField(Jury, null=True, on_delete="SET NULL")
    hours_centi = pw.IntegerField(default=0)  # hours of oral/practical in hundredths
    state = pw.TextField(default="prevue")  # prevue | convoquee | realisee | annulee | remplacee
    replaces = pw.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="replacements")
    convoked_at = pw.TextField(null=True)

    class Meta:
        indexes = (
            (("examiner", "day"), False),
            (("day", "state"), False),
            # F5's loads: every examiner's oral hours of the session, read from the index alone
            (("session", "examiner", "kind", "state", "hours_centi"), False),
        )


class OralSlot(BaseModel):
    """A candidate's oral or practical slot, examined under an assignment, heard by a commission."""

    assignment = pw.ForeignKeyField(Assignment, null=True, backref="slots", on_delete="SET NULL")
    candidate = pw.ForeignKeyField(Candidate, on_delete="CASCADE")
    epreuve_code = pw.TextField()
    day = pw.DateField()
    start_time = pw.TextField()
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    commission = pw.DeferredForeignKey(
        "OralCommission", null=True, backref="slots", on_delete="SET NULL"
    )
    end_time = pw.TextField(default="")
    fixed_by_hand = pw.BooleanField(default=False)


class Absence(BaseModel):
    """An examiner absent on a day; replacements are the assignments that ``replaces`` theirs."""

    examiner = pw.ForeignKeyField(Examiner, backref="absences", on_delete="CASCADE")
    day = pw.DateField()
    reason = pw.TextField()
    recorded_by = pw.TextField()
    recorded_at = pw.TextField()
    resolved = pw.BooleanField(default=False)


class Convocation(BaseModel):
    """A candidate's place at a written épreuve (``fixed_by_hand`` rows: kept by a new run)."""

    candidate = pw.ForeignKeyField(Candidate, backref="convocations", on_delete="CASCADE")
    epreuve_code = pw.TextField()
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    day = pw.DateField(null=True)
    start_time = pw.TextField(default="")
    seat = pw.IntegerField(null=True)
    duration_min = pw.IntegerField(null=True)  # with the extra time
    extra_min = pw.IntegerField(default=0)  # tiers-temps
    end_time = pw.TextField(default="")
    fixed_by_hand = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("candidate", "epreuve_code"), True),
                   (("centre", "epreuve_code", "room", "seat"), False))  # fmt: skip


class Document(BaseModel):
    """A document issued: confirmation, convocation, relevé de notes, diplôme, état de frais…"""

    kind = pw.TextField()
    candidate = pw.ForeignKeyField(Candidate, null=True, on_delete="CASCADE")
    examiner = pw.ForeignKeyField(Examiner, null=True, on_delete="CASCADE")
    issued_at = pw.TextField()
    issued_by = pw.TextField()
    reference = pw.TextField(default="")  # file name or batch reference


# --- Audit --------------------------------------------------------------------------------------


class AuditLog(BaseModel):
    """Append-only log of every write: who (OS login), when, what, before, after.

    Triggers refuse UPDATE and DELETE on this table (and, on SQLite, INSERT OR REPLACE of an
    entry); they are checked and put back at every opening (:mod:`baktui.data.migrations`).
    ``chain`` seals each entry to the one before (:mod:`baktui.data.audit_chain`).
    """

    at = pw.TextField(index=True)
    who = pw.TextField()
    action = pw.TextField()  # create | update | delete | event
    entity = pw.TextField()
    entity_id = pw.TextField()
    field = pw.TextField(default="")
    before = pw.TextField(null=True)
    after = pw.TextField(null=True)
    reason = pw.TextField(default="")
    candidate_id = pw.IntegerField(null=True)  # set for every change touching a candidate: timeline
    chain = pw.CharField(max_length=64, null=True)  # sha256 hex of the previous chain + this entry

    class Meta:
        indexes = ((("entity", "entity_id"), False), (("candidate_id",), False))


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.TextField()


# the placement's tables (issue 15), in their own module: this one stays readable
from baktui.data.counter_models import CandidateCounter, GradeCounter, ResultCounter  # noqa: E402
from baktui.data.expense_models import ClaimMission, ExpenseClaim, ExpenseLine, ExpenseRate  # noqa: E402
from baktui.data.logistics_models import CentreGroup, OralCommission  # noqa: E402

ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    ExamSession,
    Series,
    Epreuve,
    Setting,
    Commune,
    CommuneDistance,
    Etablissement,
    Centre,
    Room,
    Examiner,
    CalendarEntry,
    Availability,
    Jury,
    JuryMember,
    Candidate,
    Registration,
    Grade,
    GradePart,
    JuryPoint,
    Result,
    Lot,
    Anonymat,
    DoubleEntry,
    Assignment,
    CentreGroup,
    OralCommission,
    OralSlot,
    Absence,
    Convocation,
    Document,
    ExpenseRate,
    ExpenseClaim,
    ClaimMission,
    ExpenseLine,
    GradeCounter,
    CandidateCounter,
    ResultCounter,
    AuditLog,
]
