"""What the demo lands for revenue recognition (metrics-and-revrec.md Part A): the SSP price
book, the product rules and the chart of accounts (reference/, landing contract "Reference
files"), and the incumbent's credit notes (billed/lago_credit_notes/, Lago's credit note JSON).

The credit notes credit imported Lago invoices, the ones in force for revenue in the demo: it is
a parallel run whose cutover date is the end of the window, so every revhouse invoice is a
shadow one and no revenue comes from it. A Lago note names the invoice it credits by
`lago_invoice_id` (and `invoice_number`) and each credited line by `items[].fee.lago_id`.
(`catalog/credit_notes/` holds the same shape for revhouse's own Lago account; billing checks
such a note only against imported Lago invoices, so one naming a revhouse invoice would be
applied unchecked as "invoice not in warehouse".) Nothing in billing or collections reads
`billed/` credit notes, so the planted notes change no billing, payment or metrics truth.

Everything here draws from its own random stream, so the rest of the demo is unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dagster_project.demo.billing import Invoice
from dagster_project.demo.ids import lago_uuid
from dagster_project.demo.writers import lago_list, write_csv, write_json

# A bundle: Business is sold with its usage at a bundle price below the parts' standalone
# prices; the price book says the plan's SSP is 125% of its list price, so each Business
# invoice's price is allocated by relative SSP (A3) between the plan and its usage lines.
BUNDLE_PLAN = "business_usd"
BUNDLE_SSP_PERCENT = 125
# One-offs and per-seat charges the defaults would get wrong (A1, A4.3).
REVREC_RULES = [
    # product, pattern, distinct
    ("onboarding_usd", "point_in_time", "true"),  # a real implementation service
    ("premium_support_eur", "point_in_time", "true"),
    ("seats", "ratable", "true"),  # seats are a recurring subscription charge, not usage
]
# The policy's account roles (A11) mapped to the demo ERP's codes.
CHART_OF_ACCOUNTS = [
    ("cash", "1010", "Bank - operating"),
    ("accounts_receivable", "1200", "Trade receivables"),
    ("unbilled_receivable", "1210", "Contract assets - unbilled"),
    ("tax_payable", "2310", "Sales tax / VAT payable"),
    ("deferred_revenue", "2400", "Contract liabilities - deferred revenue"),
    ("revenue", "4000", "Subscription and usage revenue"),
    ("contra_revenue", "4090", "Credits and concessions"),
    ("fx_gain_loss", "7800", "Realised FX gain/loss"),
]
# Goodwill credits (A8 price_concession, reason `other`): share of a subscription line excl. tax.
GOODWILL_PERCENT = 20
LATE_PERCENT = 10


@dataclass(frozen=True)
class PlantedCreditNote:
    """A credit note the demo lands, for the truth file and tests."""

    case: str
    number: str
    invoice_number: str
    line_lago_id: str
    issuing_date: date
    created_at: datetime
    currency: str
    sub_total_minor: int
    taxes_minor: int


def write_reference(landing: Path, plan_amounts: dict[str, int], window_start: date) -> dict:
    files = {}
    name = "reference/ssp/ssp.csv"
    files[name] = write_csv(
        landing / name,
        ["product", "currency", "ssp_minor", "valid_from", "valid_to", "ssp_method", "ssp_source"],
        [
            [
                BUNDLE_PLAN,
                "USD",
                plan_amounts[BUNDLE_PLAN] * BUNDLE_SSP_PERCENT // 100,
                window_start.isoformat(),
                "",
                "observable",
                "price_book",
            ]
        ],
    )
    name = "reference/revrec_rules/revrec_rules.csv"
    files[name] = write_csv(
        landing / name, ["product", "pattern", "distinct"], [list(r) for r in REVREC_RULES]
    )
    name = "reference/chart_of_accounts/chart_of_accounts.csv"
    files[name] = write_csv(
        landing / name, ["account_role", "account_code", "account_name"], [list(r) for r in CHART_OF_ACCOUNTS]
    )
    return files


def _share(amount: int, percent: int) -> int:
    """`percent` of an amount in minor units, half away from zero (amounts here are positive)."""
    return (amount * percent * 2 + 100) // 200


def _subscription_line(inv: Invoice):
    return next((f for f in inv.fees if f.kind == "subscription" and f.amount_cents > 0), None)


def _candidates(invoices: list[Invoice], month: date) -> list[Invoice]:
    """Paid subscription invoices issued in `month` with a plan line, oldest first (stable)."""
    return sorted(
        (
            i
            for i in invoices
            if i.invoice_type == "subscription"
            and i.number
            and i.payment_status == "succeeded"
            and i.issuing_date.replace(day=1) == month
            and _subscription_line(i) is not None
            and i.fees_cents > 0
        ),
        key=lambda i: i.number,
    )


def plant_credit_notes(
    rng: random.Random, invoices: list[Invoice], window_end: date, avoid: frozenset[str] = frozenset()
) -> list[tuple[PlantedCreditNote, dict]]:
    """Two goodwill credits on the plan line of paid Lago invoices:

    * `goodwill`: 20% of a May invoice's plan line, issued on 12 June (an open period);
    * `late_in_closed_month`: 10% of a March invoice's plan line, dated 31 March (a closed
      period: March closes in early April) but created in Lago on 15 June, after the close —
      a late fact that A10 posts in the first open period with period_of_origin 2026-03.

    `avoid`: customers of other planted cases (the revenue-assurance ones), never credited here.
    """
    last_month = (window_end - timedelta(days=1)).replace(day=1)
    march = last_month.replace(month=3) if last_month.month > 3 else None
    may = (last_month - timedelta(days=1)).replace(day=1)
    out = []
    cases = [("goodwill", may, GOODWILL_PERCENT, last_month.replace(day=12), None)]
    if march is not None:
        cases.append(
            ("late_in_closed_month", march, LATE_PERCENT, (march.replace(day=28) + timedelta(days=3)), 15)
        )
    taken: set[str] = set()
    for case, month, percent, issuing, created_day in cases:
        invoice = next(
            (
                i
                for i in _candidates(invoices, month)
                if i.number not in taken and i.customer.external_id not in avoid
            ),
            None,
        )
        if invoice is None:
            continue
        taken.add(invoice.number)
        created = datetime.combine(
            last_month.replace(day=created_day) if created_day else issuing, time(10, 0)
        )
        out.append(goodwill_credit_note(rng, case, invoice, percent, issuing, created))
    return out


def goodwill_credit_note(
    rng: random.Random, case: str, invoice: Invoice, percent: int, issuing: date, created_at: datetime
) -> tuple[PlantedCreditNote, dict]:
    """A Lago credit note (reason `other`) of `percent` of the invoice's plan line excl. tax, with
    the invoice's own tax rate on it; the note and its JSON as Lago exports it. The e2e test of a
    late note after close (tests/revrec/test_late_credit_note_landed_e2e.py) lands one too."""
    line = _subscription_line(invoice)
    sub_total = _share(line.amount_cents, percent)
    # the invoice's own tax rate on the line (its taxes over its taxable fees), half away from zero
    taxable = invoice.fees_cents - invoice.coupons_cents
    taxes = (sub_total * invoice.taxes_cents * 2 + taxable) // (2 * taxable) if taxable > 0 else 0
    note = PlantedCreditNote(
        case=case,
        number=f"{invoice.number}-CN1",
        invoice_number=invoice.number,
        line_lago_id=line.lago_id,
        issuing_date=issuing,
        created_at=created_at,
        currency=invoice.customer.currency,
        sub_total_minor=sub_total,
        taxes_minor=taxes,
    )
    return note, _credit_note_json(rng, note, invoice, line)


def _credit_note_json(rng: random.Random, note: PlantedCreditNote, invoice: Invoice, line) -> dict:
    total = note.sub_total_minor + note.taxes_minor
    stamp = note.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "lago_id": lago_uuid(rng),
        "sequential_id": 1,
        "number": note.number,
        "lago_invoice_id": invoice.lago_id,
        "invoice_number": invoice.number,
        "issuing_date": note.issuing_date.isoformat(),
        # credited to the customer's Lago balance and consumed by a later Lago invoice
        "credit_status": "consumed",
        "refund_status": None,
        "reason": "other",
        "description": "Goodwill credit for a service incident",
        "currency": note.currency,
        "total_amount_cents": total,
        "credit_amount_cents": total,
        "balance_amount_cents": 0,
        "refund_amount_cents": 0,
        "offset_amount_cents": 0,
        "taxes_amount_cents": note.taxes_minor,
        "sub_total_excluding_taxes_amount_cents": note.sub_total_minor,
        "coupons_adjustment_amount_cents": 0,
        "created_at": stamp,
        "updated_at": stamp,
        "customer": {
            "external_id": invoice.customer.external_id,
            "billing_entity_code": invoice.customer.entity,
        },
        "items": [
            {
                "lago_id": lago_uuid(rng),
                "amount_cents": note.sub_total_minor,
                "amount_currency": note.currency,
                "fee": {
                    "lago_id": line.lago_id,
                    "lago_invoice_id": invoice.lago_id,
                    "item": {"type": "subscription", "code": line.code},
                    "amount_cents": line.amount_cents,
                    "amount_currency": note.currency,
                },
            }
        ],
    }


def write_credit_notes(landing: Path, planted: list[tuple[PlantedCreditNote, dict]]) -> dict:
    name = "billed/lago_credit_notes/credit_notes.json"
    write_json(landing / name, lago_list("credit_notes", [payload for _, payload in planted]))
    return {name: len(planted)}


TRUTH_COLUMNS = [
    "case",
    "credit_note_number",
    "invoice_number",
    "credited_line_lago_id",
    "issuing_date",
    "created_at",
    "currency",
    "sub_total_excluding_taxes_minor",
    "taxes_minor",
]


def truth_rows(planted: list[tuple[PlantedCreditNote, dict]]) -> list[list]:
    return [
        [
            n.case,
            n.number,
            n.invoice_number,
            n.line_lago_id,
            n.issuing_date.isoformat(),
            n.created_at.isoformat(),
            n.currency,
            n.sub_total_minor,
            n.taxes_minor,
        ]
        for n, _ in planted
    ]
