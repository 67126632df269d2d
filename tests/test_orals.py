"""Issue 15: the oral commissions and slots of the sample académie, on both engines.

Every candidate of an oral gets one slot, never before his own teacher (the F5 rule holds on
every commission), never at the time of one of his written épreuves or of another oral; a
re-run keeps what was fixed by hand; each clash is refused in French with nothing written; the
checks name each problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ENGINES, engine_database, pin_login

from baktui.data.models import (
    AuditLog,
    Candidate,
    Centre,
    Convocation,
    Examiner,
    OralCommission,
    OralSlot,
    Registration,
    Room,
)
from baktui.errors import ServiceError
from baktui.rules import orals
from baktui.rules.examiners import formal_name
from baktui.rules.missions import minutes
from baktui.services import logistics_moves as moves
from baktui.services.imports import run_import
from baktui.services.oral_checks import oral_checks
from baktui.services.oral_commissions import constitute
from baktui.services.oral_slots import plan_slots
from baktui.services.placement import place_candidates
from baktui.services.placement_checks import placement_checks
from baktui.services.sessions import open_registre
from baktui.services.settings import set_setting

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
LISTS = ("etablissements", "centres", "salles", "examinateurs", "jurys", "calendrier", "candidats")
GO_PLAN = "22/06/2026-26/06/2026 ; 08:00-12:00 13:30-17:30 ; créneau 30 ; préparation 20"
FRO_PLAN = "15/06/2026-16/06/2026 ; 08:00-12:00 14:00-18:00 ; créneau 30 ; préparation 30"


@pytest.fixture(params=ENGINES)
def academie(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """The sample académie placed at the written épreuves, the orals' timetables set."""
    pin_login(monkeypatch, "gestionnaire")
    with engine_database(request.param, tmp_path):
        session_id = open_registre(2026).id
        for kind in LISTS:
            assert run_import(kind, session_id, SAMPLES / f"{kind}.csv").ok, kind
        place_candidates(session_id)
        set_setting("oraux_GO", GO_PLAN)
        set_setting("oraux_FRO", FRO_PLAN)
        yield session_id


def planned(session_id: int) -> None:
    constitute(session_id)
    plan_slots(session_id)


def busy_of(candidate_id: int) -> list[tuple[dt.date, int, int, str]]:
    """The candidate's written épreuves and orals (the preparation before an oral included)."""
    prep = {"GO": 20, "FRO": 30}
    found = [(c.day, minutes(c.start_time), minutes(c.end_time), c.epreuve_code)
             for c in Convocation.select().where(Convocation.candidate == candidate_id)]  # fmt: skip
    found += [(s.day, minutes(s.start_time) - prep[s.epreuve_code], minutes(s.end_time),
               s.epreuve_code)
              for s in OralSlot.select().where(OralSlot.candidate == candidate_id)]  # fmt: skip
    return found


def free_time(session_id: int, commission_id: int, candidate_id: int) -> str:
    """A free slot of the commission when the candidate has nothing else (by the timetable)."""
    from baktui.services.logistics_views import timetable

    busy = busy_of(candidate_id)
    day = OralCommission.get_by_id(commission_id).day
    for row in timetable(session_id, commission_id):
        start, end = minutes(row.start) - 30, minutes(row.end)
        if row.slot_id is None and all(d != day or e <= start or end <= s for d, s, e, _ in busy):
            return row.start
    return ""


def test_every_oral_candidate_has_one_slot_never_before_his_own_teacher(academie: int) -> None:
    commissions = constitute(academie)
    slots = plan_slots(academie)
    assert commissions.incomplete == 0 and slots.unplaced == 0
    assert "Grand oral 8 commissions" in commissions.render()
    assert slots.render() == (
        "Créneaux d'oral : Grand oral 12 créneaux attribués ; Français oral 12 créneaux attribués."
    )
    for code in ("GO", "FRO"):
        wanted = sorted(r.candidate_id for r in Registration.select().where(
            Registration.epreuve_code == code))  # fmt: skip
        got = sorted(s.candidate_id for s in OralSlot.select().where(OralSlot.epreuve_code == code))
        assert got == wanted and len(got) == 12
    etab = {e.id: e.etablissement_id for e in Examiner.select()}
    for com in OralCommission.select():
        members = [com.examiner_a_id, com.examiner_b_id]
        assert None not in members and members[0] != members[1]
        heard = list(OralSlot.select().join(Candidate).where(OralSlot.commission == com.id))
        # the own-teacher rule, on every commission: no member teaches where a candidate it
        # hears comes from
        centre_etabs = {s.candidate.etablissement_id for s in heard}
        for slot in heard:
            assert etab[com.examiner_a_id] != slot.candidate.etablissement_id
            assert etab[com.examiner_b_id] != slot.candidate.etablissement_id
            assert slot.room_id == com.room_id and slot.day == com.day
            assert com.start_time <= slot.start_time < slot.end_time <= com.end_time
        assert {etab[m] for m in members}.isdisjoint(centre_etabs - {None}) or not heard
        if com.epreuve_code == "GO":
            a, b = (Examiner.get_by_id(m) for m in members)
            pair = [orals.Member(e.id, formal_name(e.civility, e.last_name, e.first_name),
                                 e.disciplines, e.corps, e.etablissement_id) for e in (a, b)]  # fmt: skip
            assert orals.pair_error("GO", com.series, *pair) is None
            assert all(s.candidate.series == com.series for s in heard)
    # nobody twice at once: written épreuves (extra time included) and orals (preparation too)
    for candidate in Candidate.select():
        busy = sorted(busy_of(candidate.id))
        for (d1, _, e1, c1), (d2, s2, _, c2) in zip(busy, busy[1:], strict=False):
            assert d1 != d2 or e1 <= s2, (candidate.last_name, c1, c2)
    # nor an examiner: his commissions of a day follow each other
    for examiner in Examiner.select():
        days = sorted(
            (c.day, c.start_time, c.end_time) for c in OralCommission.select().where(
                (OralCommission.examiner_a == examiner.id) | (OralCommission.examiner_b == examiner.id))
        )  # fmt: skip
        for (d1, _, e1), (d2, s2, _) in zip(days, days[1:], strict=False):
            assert d1 != d2 or e1 <= s2
    assert placement_checks(academie) == []


def test_a_rerun_keeps_the_slots_and_members_fixed_by_hand(academie: int) -> None:
    planned(academie)
    for slot in OralSlot.select().where(OralSlot.epreuve_code == "FRO").order_by(OralSlot.id):
        com = OralCommission.get_by_id(slot.commission_id)
        free = free_time(academie, com.id, slot.candidate_id)
        if free:
            break
    moved = moves.assign_slot(academie, slot.candidate_id, com.id, free)
    assert moved.text.endswith("fixé à la main.") and f"à {free}" in moved.text
    go = (
        OralCommission.select()
        .where(OralCommission.epreuve_code == "GO")
        .order_by(OralCommission.number)
        .first()
    )
    old_b = go.examiner_b_id
    replacement = next(
        e for e in Examiner.select().where(Examiner.id.not_in([go.examiner_a_id, old_b]))
        if _try_member(academie, go.id, e.id)
    )  # fmt: skip
    assert OralCommission.get_by_id(go.id).fixed_by_hand
    planned(academie)  # again: the hand-fixed slot and commission stay as they were
    again = OralSlot.get(
        (OralSlot.candidate == slot.candidate_id) & (OralSlot.epreuve_code == "FRO")
    )
    assert (again.start_time, again.commission_id, again.fixed_by_hand) == (free, com.id, True)
    kept = OralCommission.get_by_id(go.id)
    assert (kept.examiner_b_id, kept.number) == (replacement.id, go.number)
    assert OralSlot.select().where(OralSlot.epreuve_code == "GO").count() == 12
    entries = AuditLog.select().where(AuditLog.reason.contains("fixé à la main"))
    assert {(e.entity, e.field) for e in entries} >= {("oral_slot", "start_time"),
                                                     ("oral_commission", "examiner_b")}  # fmt: skip
    assert placement_checks(academie) == []


def _try_member(session_id: int, commission_id: int, examiner_id: int) -> bool:
    try:
        moves.set_member(session_id, commission_id, "b", examiner_id)
    except ServiceError:
        return False
    return True


def _writes() -> int:
    return AuditLog.select().count()


def _refused(call, *args: object) -> str:  # noqa: ANN001
    before = _writes()
    with pytest.raises(ServiceError) as caught:
        call(*args)
    assert _writes() == before  # nothing written
    return str(caught.value)


def test_each_clash_is_refused_in_french_and_nothing_is_written(academie: int) -> None:
    planned(academie)
    fro = OralSlot.select().join(Candidate).where(OralSlot.epreuve_code == "FRO").order_by(
        Candidate.name_key).first()  # fmt: skip
    candidate = Candidate.get_by_id(fro.candidate_id)
    who = {"F": "Mme", "M": "M."}[
        candidate.sex
    ] + f" {candidate.last_name.upper()} {candidate.first_name}"
    com = OralCommission.get_by_id(fro.commission_id)
    # a written épreuve and an oral: PHI is on 15/06 from 08:00 to 12:00
    OralCommission.update(day=dt.date(2026, 6, 15)).where(
        OralCommission.id == com.id
    ).execute()  # setup
    text = _refused(moves.assign_slot, academie, candidate.id, com.id, "08:30")
    assert text.startswith(f"{who} est déjà pris") and "(épreuve écrite PHI)" in text
    assert "se chevauche" in text
    # a candidate twice at once: his Grand oral's day and time for the français oral
    go = OralSlot.get((OralSlot.candidate == candidate.id) & (OralSlot.epreuve_code == "GO"))
    OralCommission.update(day=go.day).where(OralCommission.id == com.id).execute()  # setup
    text = _refused(moves.assign_slot, academie, candidate.id, com.id, go.start_time)
    assert (
        f"le {go.day:%d/%m/%Y} de " in text
        and f"(Grand oral de {go.start_time}, préparation comprise)" in text
    )
    assert "le Français oral (préparation comprise) de" in text
    # a slot after the centre's closing
    Centre.update(closing_time="09:00").where(Centre.id == com.centre_id).execute()  # setup
    text = _refused(moves.assign_slot, academie, candidate.id, com.id, "09:00")
    assert text == (
        f"Le créneau de 09:00 finit à 09:30, après la fermeture du centre "
        f"{Centre.get_by_id(com.centre_id).code} à 09:00."
    )
    Centre.update(closing_time="19:00").where(Centre.id == com.centre_id).execute()
    # an examiner twice at once: a member of another commission sitting at the same time
    first, second = list(OralCommission.select().where(OralCommission.epreuve_code == "GO")
                         .order_by(OralCommission.number).limit(2))  # fmt: skip
    OralCommission.update(day=first.day).where(OralCommission.id == second.id).execute()  # setup
    busy = Examiner.get_by_id(first.examiner_b_id)
    if busy.etablissement_id not in {c.etablissement_id for c in Candidate.select().where(
            Candidate.centre == second.centre_id)}:  # fmt: skip
        text = _refused(moves.set_member, academie, second.id, "b", busy.id)
        assert "siège déjà le" in text and f"commission n° {first.number}" in text
    # the candidate's own teacher, as a member or as the commission heard
    teacher = Examiner.get(Examiner.etablissement == candidate.etablissement_id)
    text = _refused(moves.set_member, academie, com.id, "a", teacher.id)
    assert "nul n'examine ni ne corrige ses propres élèves" in text or "n'enseigne pas" in text
    # a member of the wrong discipline
    text = _refused(moves.set_member, academie, com.id, "a",
                    Examiner.get(Examiner.disciplines == "HG").id)  # fmt: skip
    assert "n'enseigne pas FRO, FRE : Français oral refusé" in text
    # a slot that is not the commission's, a slot taken
    assert "n'est pas un créneau" in _refused(
        moves.assign_slot, academie, candidate.id, com.id, "12:10"
    )
    other = (
        OralSlot.select()
        .where((OralSlot.commission == com.id) & (OralSlot.candidate != candidate.id))
        .first()
    )
    if other is not None:
        assert "est déjà celui de" in _refused(
            moves.assign_slot, academie, candidate.id, com.id, other.start_time
        )


def test_a_seat_moved_by_hand_is_checked_and_kept(academie: int) -> None:
    conv = (
        Convocation.select()
        .where(Convocation.epreuve_code == "PHI")
        .order_by(Convocation.id)
        .first()
    )
    room = Room.get_by_id(conv.room_id)
    small = Room.get((Room.centre == conv.centre_id) & (Room.id != room.id) & ~Room.extra_time)
    taken = Convocation.get((Convocation.room == room.id) & (Convocation.day == conv.day)
                            & (Convocation.id != conv.id) & (Convocation.start_time == conv.start_time))  # fmt: skip
    assert "déjà prise" in _refused(moves.move_place, academie, conv.id, room.id, taken.seat)
    assert f"a {small.capacity} places" in _refused(
        moves.move_place, academie, conv.id, small.id, small.capacity + 1
    )
    Candidate.update(amenagements="Tiers temps").where(Candidate.id == conv.candidate_id).execute()
    assert "aménagement" in _refused(moves.move_place, academie, conv.id, small.id, 3)
    Candidate.update(amenagements="").where(Candidate.id == conv.candidate_id).execute()
    done = moves.move_place(academie, conv.id, small.id, 3)
    assert f"salle {small.name}, place 3" in done.text
    place_candidates(academie)  # a new placement keeps it
    kept = Convocation.get_by_id(conv.id)
    assert (kept.room_id, kept.seat, kept.fixed_by_hand) == (small.id, 3, True)


def test_the_orals_checks_name_each_problem(academie: int) -> None:
    planned(academie)
    assert oral_checks(academie) == []
    commissions = list(OralCommission.select().order_by(OralCommission.id))
    slots = list(OralSlot.select().order_by(OralSlot.id))
    # setup by hand (raw writes): a member removed, a slot removed, a centre closing early, a
    # slot at the time of the written PHI, a member teaching a candidate heard
    OralCommission.update(examiner_b=None).where(OralCommission.id == commissions[0].id).execute()
    gone = slots[1]
    OralSlot.delete().where(OralSlot.id == gone.id).execute()
    late = slots[2]
    Centre.update(closing_time=late.start_time).where(
        Centre.id == OralCommission.get_by_id(late.commission_id).centre_id).execute()  # fmt: skip
    clash = next(s for s in slots[3:] if s.epreuve_code == "FRO")
    OralSlot.update(day=dt.date(2026, 6, 15), start_time="09:00", end_time="09:30").where(
        OralSlot.id == clash.id).execute()  # fmt: skip
    own = next(s for s in slots[3:] if s.id != clash.id and s.commission_id != commissions[0].id)
    owner = Examiner.get(
        Examiner.etablissement == Candidate.get_by_id(own.candidate_id).etablissement_id
    )
    OralCommission.update(examiner_a=owner.id).where(
        OralCommission.id == own.commission_id
    ).execute()
    checks = oral_checks(academie)
    kinds = {c.kind for c in checks}
    assert kinds >= {"members", "no_slot", "oral_closing", "clash", "own"}
    texts = "\n".join(c.text for c in checks)
    lost = Candidate.get_by_id(gone.candidate_id)
    assert (
        f"{lost.last_name.upper()} {lost.first_name} (n° {lost.number}) : aucun créneau en" in texts
    )
    assert ": 1 membre sur 2" in texts and "le centre ferme à" in texts
    assert "l'épreuve écrite PHI (08:00-12:00)" in texts and "se chevauchent" in texts
    assert (
        f"{formal_name(owner.civility, owner.last_name, owner.first_name)} enseigne dans" in texts
    )
    targets = {c.kind: c.target for c in checks}
    assert targets["members"] == ("commission", commissions[0].id)
    assert targets["no_slot"][0] == "no_slot" and targets["clash"] == ("slot", clash.id)
    # the placement's checks carry them too, after its own
    assert {c.kind for c in placement_checks(academie)} >= kinds


def test_the_timetable_setting_is_needed_and_checked(academie: int) -> None:
    from baktui.data.models import Setting

    Setting.delete().where(Setting.key.in_(["oraux_GO", "oraux_FRO"])).execute()
    with pytest.raises(ServiceError, match="Aucun oral à organiser : leurs horaires"):
        constitute(academie)
    with pytest.raises(ServiceError, match="« oraux_GO » .F9 Organisation, Paramètres."):
        constitute(academie, ["GO"])
    assert oral_checks(academie) == []  # no oral planned: nothing is checked
    set_setting("oraux_GO", "22/06/2026 ; 08:00-07:00 ; 30")
    with pytest.raises(ServiceError, match="Paramètre « oraux_GO » : horaires : 08:00-07:00"):
        constitute(academie)


def test_the_second_group_orals_are_planned_in_the_jurys_centre(academie: int) -> None:
    """After the deliberation, the SECOND_GROUPE candidates' chosen subjects get their slots."""
    from baktui.data.models import Jury
    from baktui.services.deliberation import deliberate_session
    from baktui.services.distribution import distribute_candidates
    from baktui.services.jury_deliberation import set_second_group

    distribute_candidates(academie)
    assert run_import("notes", academie, SAMPLES / "notes.csv").ok
    deliberate_session(academie)
    dupont = Candidate.get(Candidate.last_name == "Dupont")  # 9,24: second group
    roux = Candidate.get(Candidate.last_name == "Roux")
    set_second_group(academie, dupont.id, "PHI SP1")
    set_second_group(academie, roux.id, "PHI")
    set_setting("oraux_2G", "07/07/2026-08/07/2026 ; 08:00-12:00 ; créneau 20 ; préparation 20")
    summary = constitute(academie, ["2G-PHI", "2G-SP1"])
    centres = {Jury.get_by_id(c.jury_id).centre_id for c in (dupont, roux)}
    assert [(code, n) for code, n, _ in summary.per_code] == [("2G-PHI", len(centres)),
                                                               ("2G-SP1", 1)]  # fmt: skip
    slots = plan_slots(academie, ["2G-PHI", "2G-SP1"])
    assert slots.unplaced == 0
    phi = list(OralSlot.select().where(OralSlot.epreuve_code == "2G-PHI"))
    assert sorted(s.candidate_id for s in phi) == sorted([dupont.id, roux.id])
    mine = list(
        OralSlot.select()
        .where(OralSlot.candidate == dupont.id)
        .order_by(OralSlot.day, OralSlot.start_time)
    )
    # his two orals never overlap, the preparation included
    first, second = [(minutes(s.start_time), minutes(s.end_time), s.day) for s in mine
                     if s.epreuve_code.startswith("2G-")]  # fmt: skip
    assert first[2] != second[2] or first[1] <= second[0] - 20
    centre = Jury.get_by_id(dupont.jury_id).centre_id
    assert {
        OralCommission.get_by_id(s.commission_id).centre_id
        for s in mine
        if s.epreuve_code.startswith("2G-")
    } == {centre}
    sp1 = OralCommission.get(OralCommission.epreuve_code == "2G-SP1")
    assert sp1.series == dupont.series  # a spécialité's commission hears one série
    # the second-group convocation gives the slot planned, not the calendar's time
    from baktui.services.second_group_convocations import build_second_group

    letter = next(c for c in build_second_group(academie).convocations if c.number == dupont.number)
    given = {s.subject: (s.day, s.start_time) for s in letter.slots}
    for s in mine:
        assert given[s.epreuve_code.removeprefix("2G-")] == (s.day, s.start_time)


def test_f9_refuses_a_wrong_timetable_on_its_field(academie: int) -> None:
    """The orals' timetables are F9 settings, checked as baktui oraux reads them."""
    from baktui.services import organisation as org
    from baktui.services.organisation import FormRefused

    shown = {r.id: r.cells[1] for r in org.list_records("parametres", academie).rows}
    assert shown["oraux_GO"] == GO_PLAN and shown["etiquettes"] == "3x8 70x37 0,5 0"
    form = org.open_record("parametres", academie, "oraux_2G")
    with pytest.raises(FormRefused) as refused:
        org.save_record("parametres", academie, "oraux_2G", form.version,
                        {"valeur": "07/07/2026 ; 14:00-12:00 ; 20"})  # fmt: skip
    assert refused.value.errors == {"valeur": "horaires : 14:00-12:00 finit avant de commencer"}
    org.save_record("parametres", academie, "oraux_2G", form.version,
                    {"valeur": "07/07/2026 ; 08:00-12:00 ; 20"})  # fmt: skip
    from baktui.services.settings import setting

    assert setting("oraux_2G") == "07/07/2026 ; 08:00-12:00 ; 20"
