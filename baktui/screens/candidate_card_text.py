"""The candidate card's texts: the summary lines and the tabs' label/value blocks, as rich Text.

Pure functions of the :class:`~baktui.services.candidate_card.CandidateCard` (user data is
appended as text, never parsed as markup), kept apart from the screen's keys and workers.
"""

from __future__ import annotations

from rich.text import Text

from baktui.rules.candidate import format_date, sex_label
from baktui.rules.french import agree
from baktui.rules.lifecycles import RegistrationState
from baktui.services.candidate_card import CandidateCard, TimelineEntry


def summary_text(card: CandidateCard) -> Text:
    """The two (or three) lines at the top of the card."""
    p = card.profile
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(p.display_name, style="bold")
    text.append(f"  n° {p.number}  ")
    sub = f" ({p.sub_choice})" if p.sub_choice else ""
    text.append(f"{p.series}{sub}", style="bold")
    text.append(f" · {p.status_label} · ")
    state_style = "bold red" if p.state == RegistrationState.ANNULEE else "bold"
    text.append(p.state_label, style=state_style)
    if p.transferred_to:
        text.append(f" · transféré vers {p.transferred_to}", style="bold yellow")
    text.append("\n")
    born = format_date(p.birth_date) or "?"
    text.append(f"INE {p.ine or '—'} · {agree(p.sex, 'né')} le {born} · ")
    text.append(p.phone_display or "pas de téléphone")
    text.append(f" · {p.email or 'pas de courriel'}")
    if card.anomalies:
        text.append("\n")
        first = card.anomalies[0]
        more = f" (+{len(card.anomalies) - 1})" if len(card.anomalies) > 1 else ""
        text.append(f"⚠ {first.message}{more}", style="bold yellow")
    return text


def identity_text(card: CandidateCard) -> Text:
    p = card.profile
    born = format_date(p.birth_date) or "—"
    lines = [
        ("Nom", p.last_name.upper()),
        ("Prénom", p.first_name),
        (f"{agree(p.sex, 'Né')} le", born + (f" à {p.birth_place}" if p.birth_place else "")),
        ("Sexe", sex_label(p.sex)),
        ("INE", p.ine or "—"),
        ("Adresse", p.address or "—"),
        ("Commune", f"{p.postcode} {p.city}".strip() or "—"),
        ("Courriel", p.email or "—"),
        ("Téléphone", p.phone_display or "—"),
        ("Statut", p.status_label),
        (
            "Inscription",
            f"{p.state_label} (créée {card.created_at}, modifiée {card.updated_at})",
        ),
    ]
    if p.indications:
        lines.append(("Indications", " ; ".join(p.indications)))
    if p.transferred_to:
        lines.append(("Transfert", f"vers {p.transferred_to}"))
    text = _pairs(lines)
    if p.dossier:
        text.append("\nDossier : ", style="bold")
        text.append("complet" if p.dossier_complete else "INCOMPLET", style="bold")
        for piece in p.dossier:
            text.append(f"\n  {'☑' if piece.received else '☐'} {piece.label}")
    if card.anomalies:
        text.append("\nÀ corriger :", style="bold yellow")
        for anomaly in card.anomalies:
            text.append(f"\n  ⚠ {anomaly.message}")
    return text


def choices_text(card: CandidateCard) -> Text:
    p = card.profile
    lines = [
        ("Série", f"{p.series} — {p.series_label}"),
        ("Spécialité 1", p.sp1_label or "—"),
        ("Spécialité 2", p.sp2_label or "—"),
    ]
    if p.sub_choice_label or p.sub_choice:
        lines.append((p.sub_choice_label or "Sous-choix", p.sub_choice or "—"))
    lines += [
        ("LVA", f"{p.lva} {p.lva_label}".strip() or "—"),
        ("LVB", f"{p.lvb} {p.lvb_label}".strip() or "MANQUANTE"),
        ("Options", " ; ".join(p.options) or "aucune"),
        (
            "EPS",
            "inapte, " + ("certificat reçu" if p.eps_certificate else "SANS certificat médical")
            if p.eps_inapte
            else "apte",
        ),
        ("Aménagements", p.amenagements or "aucun"),
    ]
    text = _pairs(lines)
    if p.epreuves:
        text.append("\nÉpreuves : ", style="bold")
        text.append(
            ", ".join(
                e.code
                + (f" ({e.option})" if e.option else "")
                + (f" conservée {e.kept_session}" if e.kept_session else "")
                for e in p.epreuves
            )
        )
    return text


def centre_text(card: CandidateCard) -> Text:
    p = card.profile
    etab = "—"
    if p.etablissement_uai:
        etab = f"{p.etablissement_uai} {p.etablissement_name}"
        if p.etablissement_city:
            etab += f", {p.etablissement_city}"
    centre = f"{p.centre_code} {p.centre_name}".strip() or "AUCUN CENTRE"
    jury = f"n° {card.jury_number}" if card.jury_number is not None else "non affecté"
    return _pairs([("Établissement", etab), ("Centre", centre), ("Jury", jury)])


def result_text(card: CandidateCard) -> Text:
    other = Text("\n" + card.other_session) if card.other_session else Text()
    standing = standing_text(card)
    if card.result is None:
        return Text("Pas encore délibéré.") + standing + other
    r = card.result
    text = Text()
    text.append("Résultat : ", style="bold")
    text.append(r.decision, style="bold")
    if r.mention:
        text.append(f", mention {r.mention}")
    if r.average:
        text.append(f" · moyenne {r.average}")
    if r.first_group_average and r.first_group_average != r.average:
        text.append(f" (1er groupe {r.first_group_average})")
    text.append(f" · délibéré le {r.deliberated}")
    return text + standing + other


def standing_text(card: CandidateCard) -> Text:
    """The points as the grades stand now: total, coefficients, average, and what is missing
    (to explain a decision or a second group on the phone); flagged when they no longer give
    the deliberated average."""
    s = card.standing
    if s is None:
        return Text()
    text = Text("\n")
    text.append("Notes actuelles : ", style="bold")
    text.append(f"{s.points} points pour {s.coefs} coefficients")
    if s.average:
        text.append(f", moyenne {s.average}")
    text.append(f" ({s.decision})")
    r = card.result
    if r is not None and s.average and r.average and s.average != r.average:
        text.append("\n⚠ les notes ont changé depuis la délibération", style="bold yellow")
    for aid in s.aids:
        text.append(f"\n  {aid}")
    return text


def _pairs(lines: list[tuple[str, str]]) -> Text:
    text = Text()
    for index, (label, value) in enumerate(lines):
        if index:
            text.append("\n")
        text.append(f"{label:<14}", style="bold")
        text.append(value)
    return text


def change_text(entry: TimelineEntry) -> str:
    if entry.action == "update":
        return f"{entry.before or '∅'} → {entry.after or '∅'}"
    return entry.after or entry.before
