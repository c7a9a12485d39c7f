"""Invoice renderings: rich text for the terminal, self-contained HTML for a file."""

from __future__ import annotations

import io
from html import escape

from rich.console import Console
from rich.table import Table

from dagster_project.invoices.document import InvoiceDocument, load_invoice
from dagster_project.reference.currencies import format_money


def _period(line) -> str:
    if line.service_start_date is None:
        return ""
    if line.service_end_date is None or line.service_end_date == line.service_start_date:
        return str(line.service_start_date)
    return f"{line.service_start_date} – {line.service_end_date}"


def _days(line) -> str:
    """Billed days of the full period, e.g. "20/31" — what a prorated amount is made of."""
    if line.billed_days is None or line.full_period_days is None:
        return ""
    return f"{line.billed_days}/{line.full_period_days}"


def _coupon_state(discount, money) -> str:
    """The applied coupon after this invoice: what is left of it and whether it still applies."""
    parts = []
    if discount.remaining_amount_minor is not None:
        parts.append(f"{money(discount.remaining_amount_minor)} left")
    if discount.remaining_frequency_duration is not None:
        uses = discount.remaining_frequency_duration
        parts.append(f"{uses} use{'' if uses == 1 else 's'} left")
    if discount.coupon_status:
        parts.append(discount.coupon_status)
    return ", ".join(parts)


def _decimal(value) -> str:
    """Units and rates without trailing zeros (DECIMAL(38,12) prints 1.000000000000)."""
    if value is None:
        return ""
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


def _rate(rate) -> str:
    return f"{_decimal(rate)}%"


def _totals(doc: InvoiceDocument) -> list[tuple[str, int, bool]]:
    """(label, amount, always shown) in the order pricing.md 5 computes them."""
    return [
        ("Fees", doc.fees_amount_minor, True),
        ("Progressive billing credit", -doc.progressive_billing_credit_amount_minor, False),
        ("Coupons", -doc.coupons_amount_minor, False),
        ("Sub-total excluding taxes", doc.sub_total_excluding_taxes_amount_minor, True),
        ("Taxes", doc.taxes_amount_minor, True),
        ("Sub-total including taxes", doc.sub_total_including_taxes_amount_minor, True),
        ("Credit notes", -doc.credit_notes_amount_minor, False),
        ("Prepaid credits", -doc.prepaid_credit_amount_minor, False),
        ("Total due", doc.total_amount_minor, True),
        ("Offset by credit notes", -doc.credit_notes_offset_amount_minor, False),
        ("Refunded by credit notes", doc.credit_notes_refunded_amount_minor, False),
    ] + (
        ([("Paid", -doc.paid_amount_minor, True)] if doc.paid_amount_minor is not None else [])
        + ([("Amount still due", doc.amount_due_minor, True)] if doc.amount_due_minor is not None else [])
    )


def _payment_note(doc: InvoiceDocument) -> str | None:
    """Due date and payment status of a finalized invoice (a draft has none yet)."""
    if doc.payment_due_date is None:
        return None
    overdue = ", overdue" if doc.is_overdue else ""
    return f"Due {doc.payment_due_date} · payment {doc.payment_status or '-'}{overdue}"


def _void_note(doc: InvoiceDocument) -> str | None:
    """The void line of a voided invoice: it stays numbered and on record, but is not due."""
    if doc.status != "voided":
        return None
    when = f"{doc.voided_at:%Y-%m-%d %H:%M} UTC" if doc.voided_at else "-"
    return f"VOIDED {when} by {doc.voided_by or '-'}: {doc.void_reason or '-'}"


def show(con, number: str) -> str:
    """The invoice as terminal text (rich tables), for `revhouse invoice show`."""
    doc = load_invoice(con, number)
    money = lambda minor: format_money(minor, doc.currency)  # noqa: E731
    buffer = io.StringIO()
    console = Console(file=buffer, width=110, color_system=None, record=True)
    console.print(f"[bold]Invoice {doc.title}[/bold]  ({doc.status})")
    if _void_note(doc):
        console.print(_void_note(doc), markup=False)
    console.print(
        f"Issued {doc.issuing_date}"
        + (f", finalized {doc.finalized_at:%Y-%m-%d}" if doc.finalized_at else "")
    )
    if _payment_note(doc):
        console.print(_payment_note(doc), markup=False)
    console.print(
        f"From: {doc.billing_entity_name or doc.billing_entity_code} ({doc.billing_entity_code}, {doc.billing_entity_country or '-'})"
    )
    console.print(
        f"To:   {doc.customer_legal_name or doc.customer_name or doc.external_customer_id} "
        f"({doc.external_customer_id}{', ' + doc.customer_email if doc.customer_email else ''})"
    )

    lines = Table(title="Lines", show_lines=False)
    for col, justify in [
        ("Description", "left"),
        ("Period", "left"),
        ("Days", "right"),
        ("Units", "right"),
        ("Taxes", "left"),
        ("Amount", "right"),
    ]:
        lines.add_column(col, justify=justify)
    for line in doc.lines:
        lines.add_row(
            line.description,
            _period(line),
            _days(line),
            _decimal(line.units),
            line.tax_codes or "",
            money(line.amount_minor),
        )
    console.print(lines)

    if doc.discounts:
        coupons = Table(title="Coupons")
        coupons.add_column("Coupon")
        coupons.add_column("Type")
        coupons.add_column("Discount", justify="right")
        coupons.add_column("After this invoice")
        for d in doc.discounts:
            coupons.add_row(d.coupon_code, d.coupon_type, money(-d.amount_minor), _coupon_state(d, money))
        console.print(coupons)

    if doc.taxes:
        taxes = Table(title="Taxes")
        for col, justify in [("Tax", "left"), ("Rate", "right"), ("Base", "right"), ("Amount", "right")]:
            taxes.add_column(col, justify=justify)
        for t in doc.taxes:
            taxes.add_row(
                t.tax_name or t.tax_code,
                _rate(t.tax_rate),
                money(t.taxable_base_amount_minor),
                money(t.tax_amount_minor),
            )
        console.print(taxes)

    totals = Table(title="Totals", show_header=False)
    totals.add_column("", justify="left")
    totals.add_column("", justify="right")
    for label, amount, always in _totals(doc):
        if always or amount:
            totals.add_row(label, money(amount))
    console.print(totals)
    return console.export_text()


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:860px;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem} .status{font-size:.8rem;text-transform:uppercase;color:#666}
.parties{display:flex;gap:3rem;margin:1.5rem 0} .parties div{flex:1}
table{width:100%;border-collapse:collapse;margin:1rem 0} th,td{padding:.35rem .5rem;border-bottom:1px solid #ddd;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums} tr.total td{font-weight:bold;border-top:2px solid #222}
"""


def render_html(con, number: str) -> str:
    """The invoice as one self-contained HTML page (inline CSS, no external assets)."""
    doc = load_invoice(con, number)
    money = lambda minor: escape(format_money(minor, doc.currency))  # noqa: E731
    e = lambda v: escape("" if v is None else str(v))  # noqa: E731
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>Invoice {e(doc.title)}</title><style>{_CSS}</style></head><body>',
        f"<h1>Invoice {e(doc.title)}</h1>",
        f'<div class="status">{e(doc.status)} · issued {e(doc.issuing_date)} · {e(doc.currency)}</div>',
        f'<div class="status">{e(_void_note(doc))}</div>' if _void_note(doc) else "",
        f'<div class="status">{e(_payment_note(doc))}</div>' if _payment_note(doc) else "",
        '<div class="parties">',
        f"<div><strong>From</strong><br>{e(doc.billing_entity_name or doc.billing_entity_code)}<br>"
        f"{e(doc.billing_entity_code)} · {e(doc.billing_entity_country)}</div>",
        f"<div><strong>Bill to</strong><br>{e(doc.customer_legal_name or doc.customer_name or doc.external_customer_id)}<br>"
        f"{e(doc.external_customer_id)}<br>{e(doc.customer_email)} {e(doc.customer_country)}</div>",
        "</div>",
        '<table class="lines"><thead><tr><th>Description</th><th>Period</th><th class="num">Days</th>'
        '<th class="num">Units</th><th>Taxes</th><th class="num">Amount</th></tr></thead><tbody>',
    ]
    for line in doc.lines:
        parts.append(
            f'<tr><td>{e(line.description)}</td><td>{e(_period(line))}</td><td class="num">{e(_days(line))}</td>'
            f'<td class="num">{e(_decimal(line.units))}</td>'
            f'<td>{e(line.tax_codes)}</td><td class="num">{money(line.amount_minor)}</td></tr>'
        )
    parts.append("</tbody></table>")
    if doc.discounts:
        parts.append(
            '<table class="coupons"><thead><tr><th>Coupon</th><th>Type</th><th class="num">Discount</th>'
            "<th>After this invoice</th></tr></thead><tbody>"
        )
        plain_money = lambda minor: format_money(minor, doc.currency)  # noqa: E731
        for d in doc.discounts:
            parts.append(
                f'<tr><td>{e(d.coupon_code)}</td><td>{e(d.coupon_type)}</td><td class="num">{money(-d.amount_minor)}</td>'
                f"<td>{e(_coupon_state(d, plain_money))}</td></tr>"
            )
        parts.append("</tbody></table>")
    if doc.taxes:
        parts.append(
            '<table class="taxes"><thead><tr><th>Tax</th><th class="num">Rate</th><th class="num">Base</th><th class="num">Amount</th></tr></thead><tbody>'
        )
        for t in doc.taxes:
            parts.append(
                f'<tr><td>{e(t.tax_name or t.tax_code)}</td><td class="num">{e(_rate(t.tax_rate))}</td>'
                f'<td class="num">{money(t.taxable_base_amount_minor)}</td><td class="num">{money(t.tax_amount_minor)}</td></tr>'
            )
        parts.append("</tbody></table>")
    parts.append('<table class="totals"><tbody>')
    for label, amount, always in _totals(doc):
        if always or amount:
            css = ' class="total"' if label == "Total due" else ""
            parts.append(f'<tr{css}><td>{e(label)}</td><td class="num">{money(amount)}</td></tr>')
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts)
