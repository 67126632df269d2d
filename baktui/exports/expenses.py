"""Expense documents: the payment file (Excel) and the état de frais of each examiner (PDF).

Pure renderers of the claim views of :mod:`baktui.rules.claim_views`: the services
(:mod:`baktui.services.payments`, :mod:`baktui.services.expense_statements`) read the base,
build the views and issue the documents. Amounts are the claims' stored amounts (frozen at
validation), in euros with two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Font

from baktui.exports.excel import save_workbook, write_workbook
from baktui.exports.letterhead import Letterhead
from baktui.exports.pdf import FONT, BaktuiPDF, euros, new_document, save
from baktui.rules import expenses as rules
from baktui.rules.claim_views import (
    ClaimDetail,
    ExaminerStatement,
    PaymentRow,
    RejectionLetter,
    parse_day,
)
from baktui.rules.examiners import formal_name
from baktui.rules.french import agree, plural, sex_of
from baktui.rules.lifecycles import CLAIM, ClaimState
from baktui.rules.missions import KIND_SHORT

EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"
ROUNDING_TEXT = (
    "Montants calculés ligne par ligne aux taux en vigueur le jour de la mission et arrondis au "
    "centime (le demi-centime au centime supérieur). Indemnités kilométriques selon la puissance "
    "fiscale et le kilométrage cumulé de l'année : un trajet qui franchit un seuil est payé à "
    "chaque taux pour sa part."
)

PAYMENT_KIND_COLUMNS = (
    ("car", "Indemnités km"),
    ("public_transport", "Transports en commun"),
    ("toll", "Péages"),
    ("parking", "Stationnement"),
    ("meal", "Repas"),
    ("night", "Nuitées"),
)
FEE_KIND_COLUMNS = (("copies", "Copies"), ("oral_hours", "Heures d'oral"))
PAYMENT_HEADERS = (
    ["N° demande", "Identifiant", "Nom", "Prénom", "Corps", "Résidence administrative"]
    + ["Référence bancaire", "Du", "Au"]
    + ["Validée le", "Validée par"]
    + [label for _, label in PAYMENT_KIND_COLUMNS]
    + ["Total déplacements"]
    + [label for _, label in FEE_KIND_COLUMNS]
    + ["Total indemnités d'examen", "Total à payer"]
)
FIRST_AMOUNT_COLUMN = 12  # 1-based: "Indemnités km"
DATE_COLUMNS = (8, 9, 10)


def _euros(centi: int) -> Decimal:
    """Cents → exact euros for a spreadsheet cell."""
    return (Decimal(centi) / 100).quantize(Decimal("0.01"))


def _day(text: str) -> dt.date | None:
    return parse_day(text)


# --- Payment file (Excel) -----------------------------------------------------------------------


def payment_table(rows: Sequence[PaymentRow]) -> list[list[object]]:
    """The payment sheet's rows, a TOTAL row last."""
    table: list[list[object]] = []
    totals = [0] * (len(PAYMENT_KIND_COLUMNS) + len(FEE_KIND_COLUMNS) + 3)
    for row in rows:
        travel = [row.by_kind.get(kind, 0) for kind, _ in PAYMENT_KIND_COLUMNS]
        fees = [row.by_kind.get(kind, 0) for kind, _ in FEE_KIND_COLUMNS]
        amounts = [*travel, row.travel_centi, *fees, row.fees_centi, row.total_centi]
        totals = [a + b for a, b in zip(totals, amounts, strict=True)]
        table.append(
            [
                row.claim_id,
                row.identifier,
                row.last_name.upper(),
                row.first_name,
                row.corps,
                row.admin_commune,
                row.bank_reference,
                row.first_day,
                row.last_day,
                _day(row.validated_at),
                row.validated_by,
                *(_euros(a) for a in amounts),
            ]
        )
    table.append(
        ["TOTAL", "", f"{plural(len(rows), 'demande')}", "", "", "", "", None, None, None, ""]
    )
    table[-1].extend(_euros(a) for a in totals)
    return table


def write_payment_workbook(
    path: str | Path, rows: Sequence[PaymentRow], *, session_year: int
) -> Path:
    """One row per claim, the amounts split by kind; a summary sheet by kind."""
    by_kind = rules.totals_by_kind([(k, r.by_kind.get(k, 0)) for r in rows for k in r.by_kind])
    summary: list[list[object]] = [
        [label, _euros(by_kind.get(kind, 0))]
        for kind, label in PAYMENT_KIND_COLUMNS + FEE_KIND_COLUMNS
    ]
    summary.append(["Total à payer", _euros(sum(r.total_centi for r in rows))])
    summary.append(["Demandes", len(rows)])
    summary.append(["Session", session_year])
    summary.append(["Édité le", dt.date.today()])
    target = write_workbook(
        path,
        [
            ("Mise en paiement", PAYMENT_HEADERS, payment_table(rows)),
            ("Récapitulatif", ["Nature", "Montant"], summary),
        ],
    )
    _apply_formats(target, len(rows))
    return target


def _apply_formats(path: Path, count: int) -> None:
    """Euro and date formats, TOTAL row in bold (write_workbook writes raw values)."""
    workbook = load_workbook(path)
    sheet = workbook["Mise en paiement"]
    for row in sheet.iter_rows(min_row=2, max_row=count + 2):
        for cell in row:
            if cell.column >= FIRST_AMOUNT_COLUMN:
                cell.number_format = EURO_FORMAT
            elif cell.column in DATE_COLUMNS:
                cell.number_format = DATE_FORMAT
    for cell in sheet[count + 2]:
        cell.font = Font(bold=True)
    for column in ("H", "I", "J"):
        sheet.column_dimensions[column].width = 12
    sheet.column_dimensions["G"].width = 30  # an IBAN: 27 characters in France
    summary = workbook["Récapitulatif"]
    for row in summary.iter_rows(min_row=2, max_row=summary.max_row):
        label, value = row[0].value, row[1]
        if label == "Édité le":
            value.number_format = DATE_FORMAT
        elif label not in ("Demandes", "Session"):
            value.number_format = EURO_FORMAT
    save_workbook(workbook, path)


# --- État de frais (PDF) ------------------------------------------------------------------------

LINE_WIDTHS = (19, 30, 55, 56, 20)  # 180 mm: the date fits on one line
LINE_FONT = 7.5
KIND_LABELS = {
    "car": "Indemnités km",
    "public_transport": "Transport en commun",
    "toll": "Péage",
    "parking": "Stationnement",
    "meal": "Repas",
    "night": "Nuitée",
    "copies": "Copies",
    "oral_hours": "Heures d'oral",
}
MISSION_WIDTHS = (20, 22, 92, 30, 16)


RECEIPT_KINDS = ("public_transport", "toll", "parking", "night")


def wrap(pdf: BaktuiPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap to ``width`` mm in the current font.

    fpdf2's multi_cell measures every prefix of a line (tens of ms a paragraph): with one état
    per examiner in a batch, word-by-word measuring keeps a 150-examiner batch to seconds.
    """
    lines: list[str] = []
    current = ""
    limit = width - 1
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and pdf.get_string_width(candidate) > limit:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def text_block(
    pdf: BaktuiPDF, text: str, *, size: float = 9, style: str = "", height: float = 4.5
) -> None:
    """A wrapped paragraph written with plain cells (see :func:`wrap`)."""
    pdf.set_font(FONT, style, size)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for line in wrap(pdf, text, width):
        pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)


def pairs(pdf: BaktuiPDF, items: Sequence[tuple[str, str]], label_width: float = 48) -> None:
    """Label: value lines (a long value wraps under itself)."""
    width = pdf.w - pdf.l_margin - pdf.r_margin - label_width
    for label, value in items:
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(label_width, 5.5, label)
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(width, 5.5, value or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)


def write_statements(
    path: str | Path,
    statements: Sequence[ExaminerStatement],
    *,
    session_year: int,
    academie: str | Letterhead,
) -> Path:
    """One PDF; for each examiner a new page with all their claims listed."""
    pdf = new_document("État de frais", session_year=session_year, academie=academie)
    for statement in statements:
        _statement_pages(pdf, statement, session_year)
    if not statements:
        pdf.add_page()
        pdf.paragraph("Aucun état de frais à éditer.")
    return save(pdf, path)


def _statement_pages(pdf: BaktuiPDF, statement: ExaminerStatement, session_year: int) -> None:
    pdf.add_page()
    # title_block's multi_cell costs tens of ms a page: plain centred cells instead
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, "ÉTAT DE FRAIS", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(
        0, 5,
        f"Frais de déplacement et indemnités d'examen — baccalauréat technologique {session_year}",
        align="C", new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(3)
    name = " ".join(
        part
        for part in (statement.civility, statement.last_name.upper(), statement.first_name)
        if part
    )
    vehicle = "non autorisé"
    if statement.vehicle_authorised:
        vehicle = "autorisé" + (f", {statement.fiscal_hp} CV" if statement.fiscal_hp else "")
    pairs(
        pdf,
        [
            ("Bénéficiaire", name),
            ("Corps / grade", statement.corps),
            ("Établissement", statement.etablissement),
            ("Résidence administrative", statement.admin_commune),
            ("Résidence familiale", statement.home_commune),
            ("Véhicule personnel", vehicle),
        ],
        label_width=52,
    )
    grand_total = 0
    for claim in statement.claims:
        grand_total += _claim_block(pdf, claim)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, f"Total de l'état de frais : {euros(grand_total)}", align="R",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font(FONT, "", 10)
    text_block(pdf, rules_note(), size=8, height=4)
    pdf.ln(1)
    pdf.signature_block(
        [
            f"{agree(statement.civility, 'L’intéressé')}, date et signature",
            "Le chef de centre (service fait)",
            "Pour le recteur, la division des examens",
        ]
    )


def rules_note() -> str:
    return ROUNDING_TEXT


def _claim_block(pdf: BaktuiPDF, claim: ClaimDetail) -> int:
    """A claim: state, missions, lines, totals by kind; returns the amount counted."""
    state = CLAIM.label(claim.state)
    heading = f"Demande n° {claim.id} — {state}"
    declared = claim.row.declared_on
    if declared:
        heading += f", déclarée le {declared:%d/%m/%Y}"
    pdf.section(heading)
    facts: list[tuple[str, str]] = []
    if claim.row.service_fait_on:
        facts.append(("Service fait", f"{claim.row.service_fait_on:%d/%m/%Y}"))
    if claim.validated_at:
        validated = _day(claim.validated_at)
        when = f"{validated:%d/%m/%Y}" if validated else claim.validated_at
        facts.append(("Validée", f"le {when} par {claim.validated_by}"))
    if claim.paid_at:
        paid = _day(claim.paid_at)
        facts.append(("Mise en paiement", f"{paid:%d/%m/%Y}" if paid else claim.paid_at))
    if claim.state == ClaimState.REJETEE:
        facts.append(("Motif du rejet", claim.reject_reason))
    if facts:
        pairs(pdf, facts, label_width=40)

    if claim.missions:
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, "Convocations", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 8)
        rows = [
            [
                f"{m.day:%d/%m/%Y}",
                KIND_SHORT.get(m.kind, m.kind),
                m.centre,  # long names wrap
                m.commune,
                m.epreuve_code,
            ]
            for m in claim.missions
        ]
        pdf.table(["Date", "Mission", "Centre", "Commune", "Épreuve"], rows, MISSION_WIDTHS,
                  row_height=5.5, font_size=8)  # fmt: skip
        pdf.ln(1.5)

    use_stored = claim.frozen
    pdf.set_font(FONT, "", LINE_FONT)
    rows = []
    for line in claim.lines:
        amount = line.amount_centi if use_stored else line.computed_centi
        declared_text = line.description
        if line.kind in RECEIPT_KINDS and not line.receipt:
            declared_text += " (sans justificatif)"
        rows.append(
            [
                f"{line.day:%d/%m/%Y}",
                KIND_LABELS.get(line.kind, line.kind_label),
                declared_text,
                line.detail,
                euros(amount),
            ]
        )
    if rows:
        pdf.table(
            ["Date", "Nature", "Déclaré", "Calcul", "Montant"],
            rows,
            LINE_WIDTHS,
            align=["C", "L", "L", "L", "R"],
            row_height=5.5,
            font_size=LINE_FONT,
        )
    else:
        text_block(pdf, "Aucune ligne.")
    total = sum(line.amount_centi if use_stored else line.computed_centi for line in claim.lines)
    travel = sum(
        v for k, v in claim.totals_by_kind.items() if k in rules.TRAVEL_KINDS + rules.STAY_KINDS
    )
    fees = sum(v for k, v in claim.totals_by_kind.items() if k in rules.FEE_KINDS)
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        0, 5.5,
        f"Frais de déplacement {euros(travel)} · Indemnités d'examen {euros(fees)} · "
        f"Total {euros(total)}",
        align="R", new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    confirmed = [a for a in claim.anomalies if a.confirmed]
    if confirmed:
        text_block(pdf, "Anomalies examinées et acceptées par le bureau :", size=8, style="I")
        for anomaly in confirmed:
            text_block(pdf, f"– {anomaly.text}", size=8, style="I", height=4)
    pdf.set_font(FONT, "", 10)
    return 0 if claim.state == ClaimState.REJETEE else total


# --- Rejection letter (PDF) ---------------------------------------------------------------------

REJECTION_TEXT = (
    "Votre demande de remboursement n° {claim} ({what}) a été examinée par le bureau des examens. "
    "Elle est rejetée pour le motif suivant :"
)
REJECTION_AFTER = (
    "Si vous pensez que ce rejet est une erreur, vous pouvez déposer une nouvelle demande, avec "
    "les pièces qui justifient votre déplacement (convocation, attestation de service fait du "
    "centre, justificatifs), dans un délai de deux mois à compter de la présente lettre."
)


def write_rejection_letters(
    path: str | Path,
    letters: Sequence[RejectionLetter],
    *,
    session_year: int,
    academie: str | Letterhead,
) -> Path:
    """One letter per rejected claim, each on its own page(s)."""
    pdf = new_document("Rejet d'une demande de frais", session_year=session_year, academie=academie)
    for letter in letters:
        _rejection_page(pdf, letter)
    return save(pdf, path)


def _jj(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _rejection_page(pdf: BaktuiPDF, letter: RejectionLetter) -> None:
    pdf.begin_letter()
    name = formal_name(letter.civility, letter.last_name, letter.first_name)
    pdf.set_font(FONT, "", 10)
    recipient = "\n".join(
        p for p in (name, letter.corps, *letter.address[:1], letter.etablissement,
                    *letter.address[1:]) if p
    )  # fmt: skip
    pdf.set_x(pdf.w / 2)
    pdf.multi_cell(0, 5, recipient, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.cell(0, 5, f"Le {_jj(letter.rejected_on)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(
        0, 5, f"Objet : rejet de votre demande de frais n° {letter.claim_id}",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)
    salutation = {"F": "Madame,", "M": "Monsieur,"}.get(
        sex_of(letter.civility), "Madame, Monsieur,"
    )
    pdf.paragraph(salutation, size=10)
    if letter.first_day and letter.last_day and letter.first_day != letter.last_day:
        days = f"du {_jj(letter.first_day)} au {_jj(letter.last_day)}"
    elif letter.first_day:
        days = f"le {_jj(letter.first_day)}"
    else:
        days = "sans ligne"
    what = f"{days}, {euros(letter.total_centi)}"
    if letter.declared_on:
        what += f", déposée le {_jj(letter.declared_on)}"
    pdf.paragraph(REJECTION_TEXT.format(claim=letter.claim_id, what=what), size=10)
    pdf.set_font(FONT, "B", 10)
    pdf.set_x(pdf.l_margin + 8)
    pdf.multi_cell(0, 5.5, f"« {letter.reason} »", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.paragraph(REJECTION_AFTER, size=10)
    pdf.paragraph(
        f"Je vous prie d’agréer, {salutation[:-1]}, l’expression de mes salutations distinguées.",
        size=10,
    )
    pdf.ln(4)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(0, 5, pdf.letterhead.delegation(), align="R", new_x="LMARGIN", new_y="NEXT")
