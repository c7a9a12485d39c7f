"""One invoice, looked up by number (or, for a draft, which has none yet, by invoice id)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


class InvoiceNotFound(LookupError):
    """No invoice with that number in the published warehouse."""


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    fee_type: str
    plan_code: str | None
    billable_metric_code: str | None
    units: object
    service_start_date: date | None
    service_end_date: date | None
    amount_minor: int
    tax_codes: str | None
    # What a proration is made of (None on lines frozen before the columns existed).
    billed_days: int | None = None
    full_period_days: int | None = None


@dataclass(frozen=True)
class InvoiceTax:
    tax_code: str
    tax_name: str | None
    tax_rate: object
    taxable_base_amount_minor: int
    tax_amount_minor: int


@dataclass(frozen=True)
class InvoiceDiscount:
    coupon_code: str
    coupon_type: str
    amount_minor: int
    # The applied coupon's state right after this invoice (None where Lago keeps none, or on
    # rows frozen before the columns existed).
    remaining_amount_minor: int | None = None
    remaining_frequency_duration: int | None = None
    coupon_status: str | None = None


@dataclass(frozen=True)
class InvoiceDocument:
    invoice_id: str
    invoice_number: str | None
    status: str
    issuing_date: date
    finalized_at: datetime | None
    currency: str
    billing_entity_code: str
    billing_entity_name: str | None
    billing_entity_country: str | None
    external_customer_id: str
    customer_name: str | None
    customer_legal_name: str | None
    customer_email: str | None
    customer_country: str | None
    fees_amount_minor: int
    progressive_billing_credit_amount_minor: int
    coupons_amount_minor: int
    sub_total_excluding_taxes_amount_minor: int
    taxes_amount_minor: int
    sub_total_including_taxes_amount_minor: int
    credit_notes_amount_minor: int
    prepaid_credit_amount_minor: int
    total_amount_minor: int
    voided_at: datetime | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    # From billing.fct_invoice_balances: credit notes offset against / refunded on this
    # invoice, what was paid and what is still due (the frozen total itself never changes).
    credit_notes_offset_amount_minor: int = 0
    credit_notes_refunded_amount_minor: int = 0
    amount_due_minor: int | None = None
    # Payment state at the build's as_of (collections.md 1; NULL for a draft).
    payment_due_date: date | None = None
    payment_status: str | None = None
    paid_amount_minor: int | None = None
    is_overdue: bool | None = None
    lines: list[InvoiceLine] = field(default_factory=list)
    taxes: list[InvoiceTax] = field(default_factory=list)
    discounts: list[InvoiceDiscount] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.invoice_number or f"DRAFT {self.invoice_id}"


HEADER_COLUMNS = [
    "invoice_id", "invoice_number", "status", "issuing_date", "finalized_at", "currency",
    "billing_entity_code", "billing_entity_name", "billing_entity_country",
    "external_customer_id", "customer_name", "customer_legal_name", "customer_email",
    "customer_country", "fees_amount_minor", "progressive_billing_credit_amount_minor",
    "coupons_amount_minor", "sub_total_excluding_taxes_amount_minor", "taxes_amount_minor",
    "sub_total_including_taxes_amount_minor", "credit_notes_amount_minor",
    "prepaid_credit_amount_minor", "total_amount_minor", "voided_at", "voided_by", "void_reason",
]  # fmt: skip

BALANCE_COLUMNS = [
    "credit_notes_offset_amount_minor",
    "credit_notes_refunded_amount_minor",
    "amount_due_minor",
    "payment_due_date",
    "payment_status",
    "paid_amount_minor",
    "is_overdue",
]

# Plan fee first, then usage, then true-ups, as Lago prints them.
LINE_ORDER = "case fee_type when 'subscription' then 0 when 'charge' then 1 when 'charge_min_true_up' then 2 else 3 end"


def number_hint(con) -> str:
    """How numbers look in this warehouse: each billing entity's prefix with one real number
    (its first finalized invoice), or the prefix alone when it has none yet."""
    examples = con.execute(
        "select entities.billing_entity_code, entities.invoice_number_prefix, min(invoices.invoice_number) "
        "from billing.dim_billing_entities as entities "
        "left join billing.fct_invoices as invoices "
        "on invoices.billing_entity_code = entities.billing_entity_code and invoices.invoice_number is not null "
        "group by all order by entities.billing_entity_code"
    ).fetchall()
    if not examples:
        return "the warehouse has no billing entities"
    known = [
        f"{prefix} ({entity}, e.g. {example})" if example else f"{prefix} ({entity}, none finalized yet)"
        for entity, prefix, example in examples
    ]
    return "finalized invoices are numbered by entity prefix: " + ", ".join(known)


def load_invoice(con, number: str) -> InvoiceDocument:
    """The invoice numbered `number` (a draft may be named by its invoice_id)."""
    row = con.execute(
        f"select {', '.join(HEADER_COLUMNS)} from billing.fct_invoices "
        "where invoice_number = ? or (invoice_number is null and invoice_id = ?)",
        [number, number],
    ).fetchone()
    if row is None:
        raise InvoiceNotFound(
            f"no invoice numbered {number!r} in the published warehouse ({number_hint(con)}; "
            "a draft is named by its invoice_id)"
        )
    header = dict(zip(HEADER_COLUMNS, row, strict=True))
    invoice_id = header["invoice_id"]
    lines = [
        InvoiceLine(*r)
        for r in con.execute(
            "select coalesce(description, fee_type), fee_type, plan_code, billable_metric_code, units, "
            "service_start_date, service_end_date, amount_minor, tax_codes, billed_days, full_period_days "
            f"from billing.fct_invoice_fees where invoice_id = ? order by {LINE_ORDER}, description, fee_id",
            [invoice_id],
        ).fetchall()
    ]
    taxes = [
        InvoiceTax(*r)
        for r in con.execute(
            "select tax_code, tax_name, tax_rate, taxable_base_amount_minor, tax_amount_minor "
            "from billing.fct_invoice_taxes where invoice_id = ? order by tax_code",
            [invoice_id],
        ).fetchall()
    ]
    discounts = [
        InvoiceDiscount(*r)
        for r in con.execute(
            "select coupon_code, coupon_type, coupon_amount_minor, remaining_amount_minor, "
            "remaining_frequency_duration, coupon_status "
            "from billing.fct_invoice_discounts where invoice_id = ? order by application_order",
            [invoice_id],
        ).fetchall()
    ]
    balance = con.execute(
        f"select {', '.join(BALANCE_COLUMNS)} from billing.fct_invoice_balances where invoice_id = ?",
        [invoice_id],
    ).fetchone()
    balances = dict(zip(BALANCE_COLUMNS, balance, strict=True)) if balance else {}
    return InvoiceDocument(**header, **balances, lines=lines, taxes=taxes, discounts=discounts)
