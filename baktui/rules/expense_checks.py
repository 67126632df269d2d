"""The checks of section 8.3 on one claim: what the office must look at before validating.

Each anomaly carries the French text the operator confirms; a corrected line that still looks
wrong asks again (its text changed). :func:`evaluate_claim` gives the amounts and the anomalies of
a claim in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

from baktui.rules.expense_claims import (
    Anomaly,
    ClaimContext,
    ClaimFacts,
    ClaimResult,
    LineFact,
    compute_lines,
    day_text,
    is_void,
    line_label,
    pair_key,
)
from baktui.rules.expenses import (
    DISTANCE_TOLERANCE_MIN_KM,
    DISTANCE_TOLERANCE_PCT,
    FEE_KINDS,
    MAX_MEALS_PER_DAY,
    NIGHT_CATEGORY_LABELS,
    ORIGIN_LABELS,
    RateTable,
    quantity_text,
)


def find_anomalies(facts: ClaimFacts) -> list[Anomaly]:
    """The checks of section 8.3 on one claim (computation problems and void lines excluded)."""
    facts = replace(facts, lines=tuple(line for line in facts.lines if not is_void(line)))
    ctx = ClaimContext(facts)
    found: list[Anomaly] = []
    lines = sorted(facts.lines, key=lambda item: (item.day, item.id))

    # 1. Convocations: a day with none, or a date outside the mission.
    days = sorted(ctx.mission_days)
    for line in lines:
        if ctx.missions_for(line.day):
            continue
        if not days:
            found.append(
                Anomaly(
                    "no_convocation",
                    f"{line_label(line)} : aucune convocation rattachée à la demande",
                    line.id,
                )
            )
        elif days[0] < line.day < days[-1]:
            found.append(
                Anomaly(
                    "no_convocation",
                    f"{line_label(line)} : aucune convocation ce jour-là",
                    line.id,
                )
            )
        else:
            found.append(
                Anomaly(
                    "outside_mission",
                    f"{line_label(line)} : aucune convocation ce jour-là, hors de la mission "
                    f"(du {day_text(days[0])} au {day_text(days[-1])})",
                    line.id,
                )
            )

    # 2. The same day claimed twice: inside the claim, then in the examiner's other claims.
    for mission in facts.missions:
        other = facts.missions_elsewhere.get(mission.assignment_id)
        if other is not None:
            found.append(
                Anomaly(
                    "duplicate",
                    f"Convocation du {day_text(mission.day)} ({mission.centre_name}) déjà "
                    f"couverte par la demande n° {other}",
                )
            )
    per_day: dict[tuple[dt.date, str], list[LineFact]] = defaultdict(list)
    for line in lines:
        per_day[(line.day, line.kind)].append(line)
    for (day, kind), same in per_day.items():
        quantity = sum(item.quantity_centi for item in same)
        if kind == "night" and quantity > 100:
            found.append(
                Anomaly(
                    "duplicate",
                    f"{day_text(day)} : {quantity_text(quantity)} nuitées pour une même nuit",
                    same[-1].id,
                )
            )
        elif kind == "meal" and quantity > MAX_MEALS_PER_DAY * 100:
            found.append(
                Anomaly(
                    "duplicate",
                    f"{day_text(day)} : {quantity_text(quantity)} repas le même "
                    f"jour (au plus {MAX_MEALS_PER_DAY})",
                    same[-1].id,
                )
            )
        elif kind not in FEE_KINDS:
            seen: set[tuple[object, ...]] = set()
            for item in same:
                signature = (
                    item.origin,
                    item.from_commune_id,
                    item.to_commune_id,
                    item.km,
                    item.quantity_centi,
                    item.declared_centi,
                )
                if signature in seen:
                    found.append(
                        Anomaly(
                            "duplicate",
                            f"{line_label(item)} : ligne identique à une autre du même jour",
                            item.id,
                        )
                    )
                seen.add(signature)
    flagged = {a.line_id for a in found if a.code == "duplicate"}
    departures: dict[dt.date, list[LineFact]] = defaultdict(list)
    for line in lines:
        if line.kind in ("car", "public_transport") and line.from_commune_id in ctx.residences:
            departures[line.day].append(line)
    for day, trips in departures.items():
        extra = [trip for trip in trips[1:] if trip.id not in flagged]
        if len(trips) > 1 and extra:
            found.append(
                Anomaly(
                    "duplicate",
                    f"{day_text(day)} : {len(trips)} trajets au départ de la résidence "
                    "le même jour",
                    extra[0].id,
                )
            )
    reported: set[tuple[dt.date, str]] = set()
    for line in lines:
        if line.kind in FEE_KINDS or (line.day, line.kind) in reported:
            continue
        others = sorted(
            {claim for claim, kind in facts.other_claimed.get(line.day, ()) if kind == line.kind}
        )
        if others:
            reported.add((line.day, line.kind))
            numbers = ", ".join(f"n° {n}" for n in others)
            found.append(
                Anomaly(
                    "duplicate", f"{line_label(line)} : déjà demandé (demande {numbers})", line.id
                )
            )

    # 3. Trips: vehicle, route, distance; receipts.
    vehicle_reported = False
    for line in lines:
        if line.kind == "car" and not facts.vehicle_authorised and not vehicle_reported:
            vehicle_reported = True
            found.append(
                Anomaly(
                    "vehicle",
                    f"{line_label(line)} : utilisation du véhicule personnel non autorisée",
                    line.id,
                )
            )
        if line.kind in ("car", "public_transport"):
            found.extend(_route_checks(ctx, line))
        if line.kind in ("public_transport", "toll", "parking") and not line.receipt:
            found.append(Anomaly("receipt", f"{line_label(line)} : sans justificatif", line.id))

    # 4. Nights and meals.
    for line in lines:
        day_places = ctx.places_of(line.day)
        place = day_places[0] if day_places else None
        # a meal is "at home" only if every centre of the day is in a residence commune
        at_home = bool(day_places) and all(p in ctx.residences for p in day_places)
        if line.kind == "night":
            places = ctx.night_places(line)
            place = places[0] if places else None
            at_home = place is not None and place in ctx.residences
            if not line.receipt:
                found.append(
                    Anomaly(
                        "night_receipt",
                        f"{line_label(line)} : sans justificatif d'hébergement",
                        line.id,
                    )
                )
            if at_home:
                found.append(
                    Anomaly(
                        "night_at_home",
                        f"{line_label(line)} : le centre est dans la "
                        f"commune de résidence ({ctx.commune_name(place)})",
                        line.id,
                    )
                )
            chosen = ctx.night_place(line)
            if line.night_category and chosen is not None:
                commune = facts.communes.get(chosen)
                if commune is not None and commune.category != line.night_category:
                    declared = NIGHT_CATEGORY_LABELS.get(line.night_category, line.night_category)
                    actual = NIGHT_CATEGORY_LABELS.get(commune.category, commune.category)
                    found.append(
                        Anomaly(
                            "night_category",
                            f"{line_label(line)} : catégorie déclarée "
                            f"« {declared} », {commune.name} est au « {actual} »",
                            line.id,
                        )
                    )
        elif line.kind == "meal" and at_home:
            found.append(
                Anomaly(
                    "meal_at_home",
                    f"{line_label(line)} : repas dans la commune de "
                    f"résidence ({ctx.commune_name(place)})",
                    line.id,
                )
            )

    # 5. Fees beyond what was done.
    copies = [line for line in lines if line.kind == "copies"]
    claimed = sum(line.quantity_centi for line in copies)
    if copies and claimed + facts.copies_elsewhere_centi > facts.copies_held * 100:
        elsewhere = (
            f" (+ {quantity_text(facts.copies_elsewhere_centi)} dans d'autres demandes)"
            if facts.copies_elsewhere_centi
            else ""
        )
        found.append(
            Anomaly(
                "copies_excess",
                f"Copies : {quantity_text(claimed)} déclarées{elsewhere}, "
                f"les lots du correcteur en contiennent {facts.copies_held}",
                copies[0].id,
            )
        )
    hours = [line for line in lines if line.kind == "oral_hours"]
    claimed = sum(line.quantity_centi for line in hours)
    if hours and claimed + facts.hours_elsewhere_centi > facts.hours_done_centi:
        elsewhere = (
            f" (+ {quantity_text(facts.hours_elsewhere_centi)} h dans d'autres demandes)"
            if facts.hours_elsewhere_centi
            else ""
        )
        found.append(
            Anomaly(
                "hours_excess",
                f"Oral : {quantity_text(claimed)} h déclarées{elsewhere}, "
                f"{quantity_text(facts.hours_done_centi)} h convoquées",
                hours[0].id,
            )
        )
    return found


def _route_checks(ctx: ClaimContext, line: LineFact) -> list[Anomaly]:
    facts = ctx.facts
    start, end = line.from_commune_id, line.to_commune_id
    if start is None or end is None:
        return []
    label = f"{line_label(line)} {ctx.commune_name(start)} → {ctx.commune_name(end)}"
    if start == end:
        return [
            Anomaly(
                "route", f"{label} : trajet à l'intérieur d'une commune (non remboursé)", line.id
            )
        ]
    found: list[Anomaly] = []
    places = ctx.places_of(line.day)
    if line.origin == "administrative" and facts.admin_commune_id is not None:
        residences = {facts.admin_commune_id}
    elif line.origin == "family" and facts.home_commune_id is not None:
        residences = {facts.home_commune_id}
    else:
        residences = ctx.residences
    ends = {start, end}
    if places and not ends & set(places):
        centres = ", ".join(ctx.commune_name(p) for p in places)
        found.append(Anomaly("route", f"{label} : ne mène pas au centre ({centres})", line.id))
    elif residences and not ends & residences and not ends <= set(places):
        which = ORIGIN_LABELS.get(line.origin, "résidence")
        found.append(Anomaly("route", f"{label} : ne part pas de la {which}", line.id))
    if line.kind == "car":
        reference = facts.reference_km.get(pair_key(start, end))
        if reference is not None and reference.km > 0:
            tolerance = max(DISTANCE_TOLERANCE_MIN_KM, reference.km * DISTANCE_TOLERANCE_PCT // 100)
            one_way = abs(line.km - reference.km)
            round_trip = abs(line.km - 2 * reference.km)
            if min(one_way, round_trip) > tolerance:
                how = "estimée" if reference.estimated else "référence"
                found.append(
                    Anomaly(
                        "distance",
                        f"{label} : {line.km} km déclarés, {how} {reference.km} km "
                        f"(aller-retour {2 * reference.km} km)",
                        line.id,
                    )
                )
    return found


def evaluate_claim(facts: ClaimFacts, rates: RateTable) -> ClaimResult:
    """Amounts and anomalies of a claim, in one pass."""
    results, problems = compute_lines(facts, rates)
    return ClaimResult(tuple(results), tuple(problems + find_anomalies(facts)))
