"""The candidate services on the small demo: card, contact, form, states, checks, confirmations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import copy_base

from baktui.data import db as dbmod
from baktui.data.audit import acting_as
from baktui.data.models import (
    AuditLog,
    Candidate,
    Centre,
    Document,
    Etablissement,
    Registration,
)
from baktui.demo import DemoSummary
from baktui.errors import ConflictError, ServiceError
from baktui.rules.candidate import format_phone
from baktui.rules.registration_checks import CHECK_KINDS
from baktui.rules.registration_form import RegistrationForm, field_error
from baktui.services.candidate_card import candidate_card, timeline
from baktui.services.candidate_contact import update_contact
from baktui.services.confirmations import drafts_left_out, issue_confirmations
from baktui.services.registration import ValidationError
from baktui.services.registration_checks import check_candidate, run_checks
from baktui.services.registration_form import load_form, save_form
from baktui.services.registration_states import (
    change_options,
    change_series,
    revert_change,
    set_state,
    transfer,
)
from baktui.services.search import lookup
from baktui.services.sessions import current_session, regulation_of


@dataclass(frozen=True)
class Demo:
    session_id: int
    summary: DemoSummary


@pytest.fixture
def demo(demo_file: tuple[Path, DemoSummary], tmp_path: Path) -> Iterator[Demo]:
    source, summary = demo_file
    path = copy_base(source, tmp_path / "demo.sqlite")
    dbmod.open_database(str(path))
    info = current_session()
    assert info is not None
    yield Demo(info.id, summary)
    dbmod.close_database()


def by_number(number: str) -> Candidate:
    return Candidate.get(Candidate.number == number)


def scolaire() -> Candidate:
    """A plain validated scolaire candidate without anomaly."""
    for c in Candidate.select().where(
        (Candidate.status == "scolaire") & (Candidate.state == "validee")
    ):
        if not check_candidate(c.id):
            return c
    raise AssertionError("no clean candidate")


def new_form(**values: object) -> RegistrationForm:
    etab = Etablissement.select().order_by(Etablissement.id).first()
    centre = Centre.select().where(Centre.is_exam == True).order_by(Centre.id).first()  # noqa: E712
    base = RegistrationForm(
        centre=centre.code,
        ine="987654321AB",
        last_name="Lefèvre",
        first_name="Hélène",
        birth_date="14/03/2008",
        sex="F",
        address="3 rue de la République",
        postcode="69002",
        city="Lyon",
        email="helene.lefevre@example.fr",
        phone="06 12 34 56 78",
        status="scolaire",
        etablissement=etab.uai,
        series="STMG",
        sub_choice="GF",
        lva="ANG",
        lvb="ESP",
    )
    return base.with_values(**values)


# --- card and contact --------------------------------------------------------------------------


def test_the_card_holds_every_section(demo: Demo) -> None:
    c = scolaire()
    card = candidate_card(c.id)
    assert card.profile.display_name == f"{c.last_name.upper()} {c.first_name}"
    assert card.profile.series == c.series and card.profile.series_label and card.profile.sp1_label
    assert card.profile.state_label == "validée" and card.profile.status_label == "scolaire"
    assert card.profile.etablissement_uai and card.profile.etablissement_name
    codes = [e.code for e in card.profile.epreuves]
    assert codes[:3] == ["FRE", "FRO", "PHI"]
    assert [g.epreuve_code for g in card.grades if g.group == 1] == codes
    assert {g.state for g in card.grades} <= {"saisie", "manquante", "saisie (parties)",
                                              "partielle", "importée"} | {
        g.state for g in card.grades if g.state.startswith("conservée")
    }  # fmt: skip
    # the session calendar gives the written épreuves a date at the candidate's centre
    phi = next(line for line in card.convocations if line.epreuve_code == "PHI")
    assert phi.day == dt.date(2026, 6, 15) and phi.centre == card.profile.centre_name
    assert card.documents == () and card.anomalies == ()
    assert card.transitions == (("confirmee", "confirmée"), ("annulee", "annulée"))


def test_contact_change_is_normalised_audited_and_in_the_timeline(demo: Demo) -> None:
    c = scolaire()
    before = c.phone
    with acting_as("agent.dec"):
        card = update_contact(
            c.id, {"phone": "+33 6 98 76 54 32", "city": "lyon"}, expected_version=c.version
        )
    assert card.profile.phone == "0698765432" and card.profile.phone_display == "06 98 76 54 32"
    assert card.profile.city == "LYON" and card.version == c.version + 1
    entries = timeline(c.id)
    phone = next(e for e in entries if e.what == "téléphone")
    assert phone.who == "agent.dec" and phone.after == "06 98 76 54 32"
    assert phone.before == format_phone(before) and phone.revertible
    assert all(e.what != "date de modification" for e in entries)


def test_contact_refuses_bad_values_naming_the_field(demo: Demo) -> None:
    c = scolaire()
    with pytest.raises(ValidationError) as refused:
        update_contact(c.id, {"postcode": "6900", "email": "x@y"}, expected_version=c.version)
    fields = [f for f, _ in refused.value.errors]
    assert fields == ["postcode", "email"]
    assert str(refused.value).startswith("Code postal : code postal « 6900 »")
    assert by_number(c.number).version == c.version  # nothing written


def test_the_second_save_is_refused_and_nothing_is_overwritten(demo: Demo) -> None:
    c = scolaire()
    first = load_form(c.id)
    second = load_form(c.id)
    with acting_as("collegue"):
        save_form(demo.session_id, first.with_values(phone="06 11 11 11 11"))
    with pytest.raises(ConflictError, match="modifiée par collegue"):
        save_form(demo.session_id, second.with_values(phone="06 22 22 22 22"))
    assert by_number(c.number).phone == "0611111111"
    with pytest.raises(ConflictError):
        update_contact(c.id, {"phone": "0633333333"}, expected_version=c.version)
    assert by_number(c.number).phone == "0611111111"


# --- the registration form ----------------------------------------------------------------------


def test_a_new_registration_with_an_invalid_uai_is_refused_on_that_field(demo: Demo) -> None:
    count = Candidate.select().count()
    form = new_form(etablissement="0750655F")
    reg = regulation_of(demo.session_id)
    message = field_error(reg, form, "etablissement")
    assert message == "UAI « 0750655F » : lettre de contrôle incorrecte (attendu E)"
    with pytest.raises(ValidationError) as refused:
        save_form(demo.session_id, form)
    assert refused.value.errors == [("etablissement", message)]
    assert str(refused.value).startswith("Établissement : UAI « 0750655F »")
    # a well-formed UAI that no établissement has
    with pytest.raises(ValidationError) as unknown:
        save_form(demo.session_id, new_form(etablissement="0750655E"))
    assert unknown.value.errors[0][0] == "etablissement"
    assert "aucun établissement" in unknown.value.errors[0][1]
    assert Candidate.select().count() == count


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"ine": "12345"}, "ine", "11 caractères"),
        ({"birth_date": "31/02/2008"}, "birth_date", "n'existe pas"),
        ({"birth_date": "2008"}, "birth_date", "JJ/MM/AAAA"),
        ({"postcode": "6900"}, "postcode", "5 chiffres"),
        ({"email": "helene@"}, "email", "invalide"),
        ({"phone": "12"}, "phone", "invalide"),
        ({"series": "STI2D", "sub_choice": "GF"}, "sub_choice", "attendu AC, EE, ITEC, SIN"),
        ({"series": "ST2S", "sub_choice": "GF"}, "sub_choice", "pas de sous-choix"),
        ({"lvb": "ANG"}, "lvb", "différentes"),
        ({"lvb": ""}, "lvb", "LVB manquante"),
        ({"options": "LATIN-T, ARTS-T, GREC-T"}, "options", "au plus 2 par année"),
        ({"options": "CUISINE"}, "options", "inconnue"),
        ({"eps_inapte": True}, "eps_inapte", "certificat"),
        ({"etablissement": ""}, "etablissement", "obligatoire"),
        ({"status": "individuel", "address": ""}, "address", "obligatoire"),
        ({"last_name": " "}, "last_name", "obligatoire"),
    ],
)
def test_each_field_is_checked_with_a_french_message(
    demo: Demo, values: dict[str, object], field: str, fragment: str
) -> None:
    reg = regulation_of(demo.session_id)
    message = field_error(reg, new_form(**values), field)
    assert message is not None and fragment in message, message


def test_a_valid_registration_is_created_with_its_epreuves_and_found(demo: Demo) -> None:
    with acting_as("agent.dec"):
        saved = save_form(demo.session_id, new_form(options="LATIN-1, ARTS-T"))
    assert saved.created and saved.number.startswith("26")
    c = Candidate.get_by_id(saved.candidate_id)
    assert c.name_key == "lefevre helene" and c.phone == "0612345678" and c.state == "brouillon"
    codes = [r.epreuve_code for r in Registration.select().where(Registration.candidate == c.id)]
    assert codes[-2:] == ["OPT1", "OPT2"] and "PHI" in codes
    assert lookup(demo.session_id, "helene lefe").hits[0].candidate_id == c.id
    actions = [(e.action, e.who) for e in timeline(c.id)]
    assert ("create", "agent.dec") in actions


def test_individual_candidates_have_their_dossier_and_validation_needs_it(demo: Demo) -> None:
    form = new_form(status="individuel", etablissement="", eps_inapte=True, eps_certificate=True)
    saved = save_form(demo.session_id, form)
    card = candidate_card(saved.candidate_id)
    assert [p.key for p in card.profile.dossier] == [
        "identite", "domicile", "anticipees", "jdc", "certificat_eps"
    ]  # fmt: skip
    assert not card.profile.dossier_complete
    assert [a.kind for a in card.anomalies] == ["dossier"]
    with pytest.raises(ValidationError, match="impossible"):
        set_state(saved.candidate_id, "validee", expected_version=card.version)
    card = set_state(saved.candidate_id, "confirmee", expected_version=card.version)
    with pytest.raises(ValidationError, match="dossier incomplet"):
        set_state(saved.candidate_id, "validee", expected_version=card.version)
    full = load_form(saved.candidate_id)
    save_form(
        demo.session_id, full.with_values(dossier={p.key: True for p in card.profile.dossier})
    )
    card = candidate_card(saved.candidate_id)
    assert card.profile.dossier_complete and card.anomalies == ()
    card = set_state(saved.candidate_id, "validee", expected_version=card.version)
    assert card.profile.state == "validee"


def test_series_options_transfer_and_state_are_recorded_and_reversible(demo: Demo) -> None:
    c = scolaire()
    card = change_series(c.id, "STI2D", "SIN", expected_version=c.version)
    assert (card.profile.series, card.profile.sub_choice) == ("STI2D", "SIN")
    card = change_options(c.id, "LATIN-T", expected_version=card.version)
    options = Registration.select().where(
        (Registration.candidate == c.id) & (Registration.epreuve_code == "OPT1")
    )
    assert [r.option_name for r in options] == ["LATIN-T"]
    card = transfer(c.id, "Grenoble", expected_version=card.version)
    assert card.profile.transferred_to == "Grenoble"
    assert check_candidate(c.id) == []  # a transferred registration is not checked here
    card = set_state(c.id, "annulee", expected_version=card.version, reason="doublon")
    history = [e for e in timeline(c.id) if e.what != "épreuves"]
    assert [e.what for e in history[:4]] == [
        "état de l'inscription", "transfert", "options", "enseignement spécifique"
    ]  # fmt: skip
    assert history[0].reason == "doublon" and history[0].after == "annulée"
    # undo, newest first
    for entry in [
        e for e in history if e.what in ("état de l'inscription", "transfert", "options")
    ]:
        card = revert_change(entry.audit_id, expected_version=card.version)
    assert (card.profile.state, card.profile.transferred_to, card.profile.options_text) == (
        "validee",
        "",
        "",
    )
    assert (
        not Registration.select()
        .where((Registration.candidate == c.id) & (Registration.epreuve_code == "OPT1"))
        .exists()
    )
    series = [e for e in timeline(c.id) if e.what in ("série", "enseignement spécifique")]
    for entry in series[-2:]:
        card = revert_change(entry.audit_id, expected_version=card.version)
    assert (card.profile.series, card.profile.sub_choice) == (c.series, c.sub_choice)
    reasons = [e.reason for e in timeline(c.id)[:2]]
    assert all(r.startswith("annulation de la modification du ") for r in reasons)


def test_an_older_change_cannot_be_undone_over_a_newer_one(demo: Demo) -> None:
    c = scolaire()
    card = update_contact(c.id, {"phone": "0611111111"}, expected_version=c.version)
    card = update_contact(c.id, {"phone": "0622222222"}, expected_version=card.version)
    older = [e for e in timeline(c.id) if e.what == "téléphone"][-1]
    with pytest.raises(ServiceError, match="a changé depuis"):
        revert_change(older.audit_id, expected_version=card.version)
    with pytest.raises(ServiceError):
        revert_change(AuditLog.select().where(AuditLog.entity != "candidate").first().id,
                         expected_version=card.version)  # fmt: skip


# --- the checks ---------------------------------------------------------------------------------

SEEDED = {
    "ine_invalide": ("identifiant", "ine"),
    "doublon_candidat": ("doublon", "state"),
    "ine_en_double": ("doublon", "ine"),
    "lvb_manquante": ("choix", "lvb"),
    "options_en_trop": ("choix", "options"),
    "dossier_incomplet": ("dossier", "dossier"),
    "sans_centre": ("sans_centre", "centre"),
    "code_postal_invalide": ("coordonnees", "postcode"),
    "courriel_invalide": ("coordonnees", "email"),
}


def test_the_checks_find_every_seeded_anomaly(demo: Demo) -> None:
    report = run_checks(demo.session_id)
    assert report.checked == Candidate.select().where(Candidate.state != "annulee").count()
    found = {(a.number, a.kind, a.field) for a in report.anomalies}
    for seeded, (kind, field) in SEEDED.items():
        numbers = demo.summary.anomalies[seeded]
        assert numbers, seeded
        for number in numbers:
            assert (number, kind, field) in found, (seeded, number)
    counts = report.counts
    assert sum(counts.values()) == len(report.anomalies)
    assert list(counts) == list(CHECK_KINDS)
    page = report.page("choix", 0, 2)
    assert len(page) == 2 and all(a.kind == "choix" for a in page)


def test_a_fixed_anomaly_leaves_the_list(demo: Demo) -> None:
    report = run_checks(demo.session_id)
    number = demo.summary.anomalies["lvb_manquante"][0]
    c = by_number(number)
    assert [a.field for a in report.anomalies if a.candidate_id == c.id] == ["lvb"]
    form = load_form(c.id)
    lvb = "ESP" if form.lva != "ESP" else "ALL"
    save_form(demo.session_id, form.with_values(lvb=lvb))
    gone = report.replace_candidates([c.id], check_candidate(c.id))
    assert gone == 1
    assert all(a.candidate_id != c.id for a in report.anomalies)


def test_a_duplicate_leaves_the_list_when_one_of_the_pair_is_cancelled(demo: Demo) -> None:
    report = run_checks(demo.session_id)
    number = demo.summary.anomalies["doublon_candidat"][0]
    c = by_number(number)
    mine = [a for a in report.anomalies if a.candidate_id == c.id and a.kind == "doublon"]
    assert mine and mine[0].related
    set_state(c.id, "annulee", expected_version=c.version, reason="doublon")
    ids = [c.id, *mine[0].related]
    fresh = [a for cid in ids for a in check_candidate(cid)]
    report.replace_candidates(ids, fresh)
    assert not [a for a in report.anomalies if a.candidate_id in ids and a.kind == "doublon"]


# --- confirmations ------------------------------------------------------------------------------


def _pages(path: Path) -> int:
    data = path.read_bytes()
    counts = [int(n) for n in re.findall(rb"/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    return max(counts)


def test_confirmations_one_page_per_candidate_recorded_on_the_card(
    demo: Demo, tmp_path: Path
) -> None:
    c = Candidate.get((Candidate.status == "individuel") & (Candidate.state != "annulee"))
    with acting_as("agent.dec"):
        one = issue_confirmations(demo.session_id, [c.id], out_dir=tmp_path)
    assert one.count == 1 and one.path.exists() and one.path.read_bytes().startswith(b"%PDF")
    assert _pages(one.path) == 1
    card = candidate_card(c.id)
    assert [d.kind for d in card.documents] == ["confirmation d'inscription"]
    assert card.documents[0].issued_by == "agent.dec"
    assert timeline(c.id)[0].what == "document"
    draft = Candidate.get(
        (Candidate.status != "scolaire") & (Candidate.state == "confirmee") & (Candidate.id != c.id)
    )
    Candidate.update(state="brouillon").where(Candidate.id == draft.id).execute()
    individuals = Candidate.select().where(
        (Candidate.status != "scolaire") & (Candidate.state.not_in(["annulee", "brouillon"]))
        & (Candidate.transferred_to == "")
    ).count()  # fmt: skip
    drafts = Candidate.select().where(
        (Candidate.status != "scolaire") & (Candidate.state == "brouillon")
    ).count()  # fmt: skip
    everyone = issue_confirmations(demo.session_id, out_dir=tmp_path)
    assert everyone.count == individuals and _pages(everyone.path) == individuals
    assert Document.select().count() == individuals + 1
    assert drafts >= 1 and drafts_left_out(demo.session_id) == drafts
    assert not Document.select().where(Document.candidate == draft.id).exists()
    individuals_query = Candidate.select(Candidate.id).where(Candidate.status != "scolaire")
    Candidate.update(state="brouillon").where(Candidate.id.in_(individuals_query)).execute()
    with pytest.raises(ServiceError, match=r"Aucun candidat .* brouillons laissés de côté"):
        issue_confirmations(demo.session_id, out_dir=tmp_path)


def test_the_form_records_birth_place_and_indications_audited(demo: Demo) -> None:
    """F3: the commune of birth and the indications are saved, audited, shown on the card;
    an indication outside the closed list is refused on its field, nothing written."""
    c = scolaire()
    form = load_form(c.id)
    with pytest.raises(ValidationError) as refused:
        save_form(demo.session_id, form.with_values(indications="SE-ANG, EURO"))
    assert [f for f, _ in refused.value.errors] == ["indications"]
    assert "indication inconnue « EURO »" in str(refused.value)
    assert by_number(c.number).version == c.version
    with acting_as("agent.dec"):
        save_form(
            demo.session_id,
            form.with_values(birth_place="  Pointe-à-Pitre ", indications="slo-chi, mei"),
        )
    stored = by_number(c.number)
    assert (stored.birth_place, stored.indications) == ("Pointe-à-Pitre", "SLO-CHI,MEI")
    entries = {e.what: e for e in timeline(c.id)}
    assert entries["lieu de naissance"].after == "Pointe-à-Pitre"
    assert entries["lieu de naissance"].who == "agent.dec"
    assert entries["indications du diplôme"].after == "SLO-CHI,MEI"
    card = candidate_card(c.id)
    assert card.profile.birth_place == "Pointe-à-Pitre"
    assert card.profile.indications == (
        "section de langue orientale (chinois)", "mobilité européenne et internationale",
    )  # fmt: skip
    assert load_form(c.id).indications == "SLO-CHI, MEI"
