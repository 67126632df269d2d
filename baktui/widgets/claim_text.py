"""How F6 writes an expense claim on screen: queue and line cells, the claim's head and notes.

Pure formatting of the claim views (:mod:`baktui.rules.claim_views`) into rich ``Text``, so that
an examiner's name is always shown as text, never read as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from baktui.rules import claim_views
from baktui.rules.examiners import corps_short
from baktui.rules.expenses import euros_text
from baktui.rules.lifecycles import ClaimState

SHORT_STATES = {
    ClaimState.DECLAREE: "déclarée",
    ClaimState.SERVICE_FAIT: "serv. fait",
    ClaimState.VALIDEE: "validée",
    ClaimState.MISE_EN_PAIEMENT: "en paiement",
    ClaimState.REJETEE: "rejetée",
}
SHORT_KINDS = {
    "car": "Voiture",
    "public_transport": "Transport",
    "toll": "Péage",
    "parking": "Parking",
    "meal": "Repas",
    "night": "Nuitée",
    "copies": "Copies",
    "oral_hours": "Oral (h)",
}


def clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def queue_cells(row: claim_views.ClaimRow) -> tuple[Any, ...]:
    """A queue row as the table shows it."""
    if row.anomalies:
        mark = Text(f"⚠ {row.unconfirmed}" if row.unconfirmed else "✓", style="bold")
        if row.unconfirmed:
            mark.stylize("yellow")
    else:
        mark = Text("")
    return (
        Text(str(row.id), justify="right"),
        Text(row.examiner_name, overflow="ellipsis"),  # as wide as the column
        SHORT_STATES.get(row.state, row.state),
        f"{row.declared_on:%d/%m}" if row.declared_on else "",
        Text(f"{row.days_waiting} j", justify="right"),
        Text(euros_text(row.total_centi), justify="right"),
        mark,
    )


def line_cells(line: claim_views.LineView, frozen: bool) -> tuple[Any, ...]:
    """A line of the claim as the table shows it (computed amount until validated)."""
    amount = line.amount_centi if frozen else line.computed_centi
    flags = ("⚠" if line.flagged else "") + ("≠" if line.stale and not frozen else "")
    receipt = ""
    if line.kind in ("public_transport", "toll", "parking", "night"):
        receipt = "✓" if line.receipt else "✗"
    return (
        f"{line.day:%d/%m}",
        SHORT_KINDS.get(line.kind, clip(line.kind_label, 10)),
        Text(line.description, overflow="ellipsis"),  # as wide as the column
        receipt,
        Text(euros_text(amount), justify="right"),
        Text(flags, style="bold yellow"),
    )


def head_text(detail: claim_views.ClaimDetail) -> Text:
    """Two lines over the claim's lines: who, state, waiting time, total; residences, car."""
    row = detail.row
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"N° {row.id} ", style="bold")
    text.append(row.examiner_name, style="bold")
    if detail.examiner_corps:
        text.append(f" · {corps_short(detail.examiner_corps, detail.examiner_civility)}")
    text.append(f" · {row.state_label}")
    if row.declared_on:
        text.append(f" · décl. {row.declared_on:%d/%m}")
    text.append(f" · {row.days_waiting} j · ")
    total = row.total_centi if detail.frozen else detail.computed_total_centi
    text.append(euros_text(total), style="bold")
    text.append("\n")
    car = "voiture non autorisée"
    if detail.vehicle_authorised:
        car = f"voiture {detail.fiscal_hp} CV" if detail.fiscal_hp else "voiture (CV ?)"
    km = f"{detail.annual_km:,}".replace(",", " ")
    text.append(
        f"{len(detail.missions)} conv. · adm. {detail.admin_commune or '?'} · "
        f"fam. {detail.home_commune or '?'} · {car} · {km} km/an"
    )
    return text


def notes_text(detail: claim_views.ClaimDetail) -> Text:
    """Anomalies (to confirm or confirmed), recomputed amounts, rejection, convocations."""
    text = Text()
    for anomaly in detail.anomalies:
        if anomaly.confirmed:
            text.append("✓ ", style="green")
            text.append(anomaly.text)
            text.append(" (confirmée)\n", style="dim")
        else:
            text.append("⚠ ", style="bold yellow")
            text.append(anomaly.text + "\n")
    if not detail.anomalies:
        text.append("Aucune anomalie.\n", style="green")
    if not detail.frozen and detail.computed_total_centi != detail.row.total_centi:
        text.append(
            f"≠ Montants recalculés aux taux : {euros_text(detail.row.total_centi)} enregistrés → "
            f"{euros_text(detail.computed_total_centi)} (enregistrés à la validation).\n",
            style="italic",
        )
    if detail.state == ClaimState.REJETEE:
        text.append(f"Rejetée : {detail.reject_reason}\n", style="bold red")
    if detail.validated_by:
        when = claim_views.parse_day(detail.validated_at)
        on = f" le {when:%d/%m/%Y}" if when else ""
        text.append(f"Validée par {detail.validated_by}{on}.\n")
    if detail.missions:
        missions = " ; ".join(
            f"{m.day:%d/%m} {m.kind} {m.epreuve_code} {m.centre} ({m.commune})".replace("  ", " ")
            for m in detail.missions
        )
        text.append(f"Convocations : {missions}", style="dim")
    else:
        text.append("Aucune convocation rattachée.", style="bold red")
    return text
