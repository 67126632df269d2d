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
    kind = pw.CharField(default="normale")  # normale | remplacement
    phase = pw.CharField(default="inscriptions")
    label = pw.CharField(default="")
    regulation_json = pw.TextField()  # the regulation loaded when the registre was opened
    opened_at = pw.CharField()
    opened_by = pw.CharField()
    is_current = pw.BooleanField(default=True)
    closed_at = pw.CharField(null=True)  # set by « baktui clore »: the session is read-only
    closed_by = pw.CharField(null=True)

    class Meta:
        indexes = ((("year", "kind"), True),)


class Series(BaseModel):
    session = pw.ForeignKeyField(ExamSession, backref="series", on_delete="CASCADE")
    code = pw.CharField()
    label = pw.CharField()
    sp1_label = pw.CharField()
    sp2_label = pw.CharField()
    spa_label = pw.CharField()
    sub_choice_label = pw.CharField(default="")
    sub_choices = pw.CharField(default="")  # comma-separated

    class Meta:
        indexes = ((("session", "code"), True),)


class Epreuve(BaseModel):
    """An épreuve of the session with its coefficient (from the regulation) and its organisation."""

    session = pw.ForeignKeyField(ExamSession, backref="epreuves", on_delete="CASCADE")
    code = pw.CharField()
    label = pw.CharField()
    coef = pw.CharField()  # exact fraction as text, e.g. "16"
    kind = pw.CharField()  # ecrit | oral | pratique | cc
    terminal = pw.BooleanField()
    precision = pw.CharField()
    second_group = pw.CharField(null=True)
    is_option = pw.BooleanField(default=False)
    keepable = pw.BooleanField(default=False)
    lot_size = pw.IntegerField(default=100)  # copies per lot, 50 to 120
    exam_date = pw.DateField(null=True)
    start_time = pw.CharField(null=True)  # "08:00"
    duration_min = pw.IntegerField(null=True)
    # exam fee per copy, when it differs from the rate table
    copy_fee_centi = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("session", "code"), True),)


class Setting(BaseModel):
    """Session-independent key/value settings (académie name, dated rates reference…)."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


# --- Places -------------------------------------------------------------------------------------


class Commune(BaseModel):
    """A commune with coordinates (distances) and its night-rate category."""

    name = pw.CharField()
    postcode = pw.CharField(default="")
    insee = pw.CharField(null=True, unique=True)
    latitude = pw.CharField(null=True)  # decimal degrees as text, exact
    longitude = pw.CharField(null=True)
    night_category = pw.CharField(default="base")  # base | grande_ville | paris

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
    uai = pw.CharField(unique=True)
    name = pw.CharField()
    commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL")
    sector = pw.CharField(default="public")  # public | prive_sous_contrat | prive_hors_contrat
    kind = pw.CharField(default="lycee")  # lycee | cned | greta | autre
    address = pw.CharField(default="")
    email = pw.CharField(default="")
    phone = pw.CharField(default="")
    name_key = pw.CharField(default="", index=True)  # folded name for search
    head_name = pw.CharField(default="")  # chef d'établissement, as documents address them
    active = pw.BooleanField(default=True)


class Centre(VersionedModel):
    """A centre d'examen, de délibération and/or de correction."""

    session = pw.ForeignKeyField(ExamSession, backref="centres", on_delete="CASCADE")
    code = pw.CharField()
    name = pw.CharField()
    etablissement = pw.ForeignKeyField(Etablissement, null=True, on_delete="SET NULL")
    commune = pw.ForeignKeyField(Commune, null=True, on_delete="SET NULL")
    address = pw.CharField(default="")
    is_exam = pw.BooleanField(default=True)
    is_deliberation = pw.BooleanField(default=False)
    is_correction = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)  # an inactive centre is offered for nothing new
    closing_time = pw.CharField(default="19:00")  # no épreuve nor oral slot ends after it

    class Meta:
        indexes = ((("session", "code"), True),)


class Room(VersionedModel):
    centre = pw.ForeignKeyField(Centre, backref="rooms", on_delete="CASCADE")
    name = pw.CharField()
    capacity = pw.IntegerField()
    accessible = pw.BooleanField(default=False)  # wheelchair access
    extra_time = pw.BooleanField(default=False)  # fit for candidates with tiers-temps
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("centre", "name"), True),)


# --- People: examiners and juries ---------------------------------------------------------------


class Examiner(VersionedModel):
    """A teacher or professional who marks, examines, or sits on a jury."""

    identifier = pw.CharField(null=True, unique=True)  # the office's own key (NUMEN, matricule…)
    bank_reference = pw.CharField(default="")  # IBAN or the paying office's reference (v12)
    civility = pw.CharField(default="")
    last_name = pw.CharField()
    first_name = pw.CharField()
    name_key = pw.CharField(default="", index=True)
    email = pw.CharField(default="")
    phone = pw.CharField(default="")
    corps = pw.CharField()  # PU | MCF | AGREGE | CERTIFIE | PLP | PROFESSIONNEL | RETRAITE…
    disciplines = pw.CharField(default="")  # comma-separated épreuve codes or discipline keys
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
    epreuve_code = pw.CharField()
    series = pw.CharField(default="")
    day = pw.DateField()
    start_time = pw.CharField()  # "08:00"
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
    series_codes = pw.CharField()  # comma-separated
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")  # délibération
    president = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    vice_president = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="+")
    deliberation_date = pw.DateField(null=True)
    state = pw.CharField(default="constitue")  # constitue | delibere | clos
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
    role = pw.CharField(default="membre")  # membre | president | vice_president

    class Meta:
        indexes = ((("jury", "examiner"), True),)


# --- Candidates ---------------------------------------------------------------------------------


class Candidate(VersionedModel):
    session = pw.ForeignKeyField(ExamSession, backref="candidates", on_delete="CASCADE")
    number = pw.CharField()  # numéro de candidat, unique in the session
    ine = pw.CharField(default="")
    last_name = pw.CharField()
    first_name = pw.CharField()
    name_key = pw.CharField(default="")  # folded "last first" for accent-free search
    sound_key = pw.CharField(default="")  # French phonetic "last first" (rules/phonetic.py)
    birth_date = pw.DateField(null=True)
    birth_place = pw.CharField(default="")  # commune de naissance, free text ("" on old bases)
    sex = pw.CharField(default="")  # F | M | ""
    address = pw.CharField(default="")
    postcode = pw.CharField(default="")
    city = pw.CharField(default="")
    email = pw.CharField(default="")
    phone = pw.CharField(default="", index=True)  # digits only
    series = pw.CharField()
    sub_choice = pw.CharField(default="")
    lva = pw.CharField(default="")
    lvb = pw.CharField(default="")
    # comma-separated option-year entries, e.g. "LATIN-1,LATIN-T" (rules/registration.py)
    options = pw.CharField(default="")
    # comma-separated diploma indications, e.g. "SE-ANG,MEI" (rules/indications.py)
    indications = pw.CharField(default="")
    status = pw.CharField(default="scolaire")  # scolaire | individuel | cned | formation_continue
    etablissement = pw.ForeignKeyField(Etablissement, null=True, on_delete="SET NULL")
    eps_inapte = pw.BooleanField(default=False)
    eps_certificate = pw.BooleanField(default=False)
    amenagements = pw.TextField(default="")
    dossier = pw.TextField(default="")  # individual candidates: JSON checklist of pieces received
    state = pw.CharField(default="brouillon")  # brouillon | confirmee | validee | annulee
    transferred_to = pw.CharField(default="")  # académie of a transfer
    jury = pw.ForeignKeyField(Jury, null=True, on_delete="SET NULL", backref="candidates")
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL", backref="candidates")
    created_at = pw.CharField(default="")
    updated_at = pw.CharField(default="")

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
    epreuve_code = pw.CharField()
    option_name = pw.CharField(default="")  # for OPTn: which option (LATIN, ARTS…)
    kept_session = pw.IntegerField(null=True)  # year of the session a kept grade comes from

    class Meta:
        indexes = ((("candidate", "epreuve_code"), True), (("epreuve_code",), False))


class Grade(VersionedModel):
    """A grade: a value in hundredths or a code (ABS, AJ, DI); group 1 or 2 (second group)."""

    candidate = pw.ForeignKeyField(Candidate, backref="grades", on_delete="CASCADE")
    epreuve_code = pw.CharField()  # FRE… ; in group 2: FR, PHI, SP1, SP2
    group = pw.IntegerField(default=1)
    value_centi = pw.IntegerField(null=True)
    code = pw.CharField(null=True)
    kept_session = pw.IntegerField(null=True)  # grade kept from that earlier session
    source = pw.CharField(default="saisie")  # saisie | import | demo | jury
    entered_by = pw.CharField(default="")
    entered_at = pw.CharField(default="")

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
    epreuve_code = pw.CharField()
    part_code = pw.CharField()
    value_centi = pw.IntegerField(null=True)
    code = pw.CharField(null=True)
    entered_by = pw.CharField(default="")
    entered_at = pw.CharField(default="")

    class Meta:
        indexes = ((("candidate", "epreuve_code", "part_code"), True),)
        constraints = [pw.Check("(value_centi IS NULL) OR (value_centi BETWEEN 0 AND 2000)")]


class JuryPoint(BaseModel):
    """Points the jury added to a grade at deliberation, with the mandatory reason, who gave them,
    when, and the grade before and after (never above the maximum grade)."""

    candidate = pw.ForeignKeyField(Candidate, on_delete="CASCADE")
    epreuve_code = pw.CharField()
    points_centi = pw.IntegerField()
    reason = pw.TextField()
    given_by = pw.CharField()
    given_at = pw.CharField()
    jury = pw.ForeignKeyField(Jury, null=True, on_delete="SET NULL", backref="points")
    before_centi = pw.IntegerField(null=True)  # the grade before the points
    after_centi = pw.IntegerField(null=True)  # the grade after them


class Result(BaseModel):
    """The outcome of the last deliberation of a candidate (recomputed, never typed)."""

    candidate = pw.ForeignKeyField(Candidate, unique=True, on_delete="CASCADE")
    decision = pw.CharField()  # ADMIS | SECOND_GROUPE | AJOURNE | INCOMPLET
    mention = pw.CharField(null=True)
    average = pw.CharField(null=True)  # exact fraction "p/q"
    first_group_average = pw.CharField(null=True)
    second_group_done = pw.BooleanField(default=False)
    deliberated_at = pw.CharField()
    deliberated_by = pw.CharField()


# --- Copies: anonymity and lots -----------------------------------------------------------------


class Lot(VersionedModel):
    """A bundle of written copies of one épreuve given to one correcteur."""

    session = pw.ForeignKeyField(ExamSession, backref="lots", on_delete="CASCADE")
    number = pw.IntegerField()
    epreuve_code = pw.CharField()
    correcteur = pw.ForeignKeyField(Examiner, null=True, on_delete="SET NULL", backref="lots")
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")  # centre de correction
    state = pw.CharField(default="constitue")  # constitue | distribue | en_saisie | saisi
    double_entry = pw.BooleanField(default=False)
    control_copies = pw.IntegerField(null=True)
    control_absents = pw.IntegerField(null=True)
    control_sum_centi = pw.IntegerField(null=True)
    closed_at = pw.CharField(null=True)
    closed_by = pw.CharField(null=True)

    class Meta:
        indexes = ((("session", "number"), True), (("session", "epreuve_code"), False))


class Anonymat(BaseModel):
    """A candidate's anonymity number for one written épreuve; the link stays in the data layer."""

    candidate = pw.ForeignKeyField(Candidate, on_delete="CASCADE")
    epreuve_code = pw.CharField()
    number = pw.CharField()
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
    raw_value = pw.CharField()
    operator = pw.CharField()
    entered_at = pw.CharField()

    class Meta:
        indexes = ((("lot", "anonymat", "entry_pass"), True),)


# --- Convocations, assignments, absences --------------------------------------------------------


class Assignment(VersionedModel):
    """An examiner convened for a mission: correction of a lot, an oral, a jury seat, a surveillance."""

    session = pw.ForeignKeyField(ExamSession, on_delete="CASCADE")
    examiner = pw.ForeignKeyField(Examiner, backref="assignments", on_delete="CASCADE")
    kind = pw.CharField()  # correction | oral | pratique | jury | surveillance
    epreuve_code = pw.CharField(null=True)
    day = pw.DateField()
    start_time = pw.CharField(default="08:00")
    end_time = pw.CharField(default="12:00")
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    lot = pw.ForeignKeyField(Lot, null=True, on_delete="SET NULL")
    jury = pw.ForeignKeyField(Jury, null=True, on_delete="SET NULL")
    hours_centi = pw.IntegerField(default=0)  # hours of oral/practical in hundredths
    state = pw.CharField(default="prevue")  # prevue | convoquee | realisee | annulee | remplacee
    replaces = pw.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="replacements")
    convoked_at = pw.CharField(null=True)

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
    epreuve_code = pw.CharField()
    day = pw.DateField()
    start_time = pw.CharField()
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    commission = pw.DeferredForeignKey(
        "OralCommission", null=True, backref="slots", on_delete="SET NULL"
    )
    end_time = pw.CharField(default="")
    fixed_by_hand = pw.BooleanField(default=False)


class Absence(BaseModel):
    """An examiner absent on a day; replacements are the assignments that ``replaces`` theirs."""

    examiner = pw.ForeignKeyField(Examiner, backref="absences", on_delete="CASCADE")
    day = pw.DateField()
    reason = pw.CharField()
    recorded_by = pw.CharField()
    recorded_at = pw.CharField()
    resolved = pw.BooleanField(default=False)


class Convocation(BaseModel):
    """A candidate's place at a written épreuve (``fixed_by_hand`` rows: kept by a new run)."""

    candidate = pw.ForeignKeyField(Candidate, backref="convocations", on_delete="CASCADE")
    epreuve_code = pw.CharField()
    centre = pw.ForeignKeyField(Centre, null=True, on_delete="SET NULL")
    room = pw.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    day = pw.DateField(null=True)
    start_time = pw.CharField(default="")
    seat = pw.IntegerField(null=True)
    duration_min = pw.IntegerField(null=True)  # with the extra time
    extra_min = pw.IntegerField(default=0)  # tiers-temps
    end_time = pw.CharField(default="")
    fixed_by_hand = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("candidate", "epreuve_code"), True),
                   (("centre", "epreuve_code", "room", "seat"), False))  # fmt: skip


class Document(BaseModel):
    """A document issued: confirmation, convocation, relevé de notes, diplôme, état de frais…"""

    kind = pw.CharField()
    candidate = pw.ForeignKeyField(Candidate, null=True, on_delete="CASCADE")
    examiner = pw.ForeignKeyField(Examiner, null=True, on_delete="CASCADE")
    issued_at = pw.CharField()
    issued_by = pw.CharField()
    reference = pw.CharField(default="")  # file name or batch reference


# --- Audit --------------------------------------------------------------------------------------


class AuditLog(BaseModel):
    """Append-only log of every write: who (OS login), when, what, before, after.

    Triggers refuse UPDATE and DELETE on this table (and, on SQLite, INSERT OR REPLACE of an
    entry); they are checked and put back at every opening (:mod:`baktui.data.migrations`).
    ``chain`` seals each entry to the one before (:mod:`baktui.data.audit_chain`).
    """

    at = pw.CharField(index=True)
    who = pw.CharField()
    action = pw.CharField()  # create | update | delete | event
    entity = pw.CharField()
    entity_id = pw.CharField()
    field = pw.CharField(default="")
    before = pw.TextField(null=True)
    after = pw.TextField(null=True)
    reason = pw.TextField(default="")
    candidate_id = pw.IntegerField(null=True)  # set for every change touching a candidate: timeline
    chain = pw.CharField(max_length=64, null=True)  # sha256 hex of the previous chain + this entry

    class Meta:
        indexes = ((("entity", "entity_id"), False), (("candidate_id",), False))


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.CharField()


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
