"""Invoice renderings read the billing marts and format money per currency (JPY no decimals,
BHD three). The marts are created here with a few rows by SQL: only the figures dbt would
have computed, so these tests exercise lookup and formatting, not billing rules."""

from __future__ import annotations

import re

import duckdb
import pytest

from dagster_project.invoices import InvoiceNotFound, format_money, render_html, show

DDL = """
create schema billing;
create table billing.fct_invoices (
    invoice_id varchar, invoice_number varchar, status varchar, issuing_date date,
    finalized_at timestamp, currency varchar, billing_entity_code varchar,
    billing_entity_name varchar, billing_entity_country varchar, external_customer_id varchar,
    customer_name varchar, customer_legal_name varchar, customer_email varchar,
    customer_country varchar, fees_amount_minor bigint, progressive_billing_credit_amount_minor bigint,
    coupons_amount_minor bigint, sub_total_excluding_taxes_amount_minor bigint,
    taxes_amount_minor bigint, sub_total_including_taxes_amount_minor bigint,
    credit_notes_amount_minor bigint, prepaid_credit_amount_minor bigint, total_amount_minor bigint,
    voided_at timestamp, voided_by varchar, void_reason varchar
);
create table billing.fct_invoice_balances (
    invoice_id varchar, credit_notes_offset_amount_minor bigint,
    credit_notes_refunded_amount_minor bigint, amount_due_minor bigint,
    payment_due_date date, payment_status varchar, paid_amount_minor bigint, is_overdue boolean
);
create table billing.fct_invoice_fees (
    fee_id varchar, invoice_id varchar, fee_type varchar, plan_code varchar,
    billable_metric_code varchar, description varchar, units decimal(38,12),
    service_start_date date, service_end_date date, amount_minor bigint, tax_codes varchar,
    billed_days integer, full_period_days integer
);
create table billing.fct_invoice_taxes (
    invoice_id varchar, tax_code varchar, tax_name varchar, tax_rate decimal(18,6),
    taxable_base_amount_minor bigint, tax_amount_minor bigint
);
create table billing.dim_billing_entities (
    billing_entity_code varchar, invoice_number_prefix varchar
);
create table billing.fct_invoice_discounts (
    invoice_id varchar, coupon_code varchar, coupon_type varchar, application_order integer,
    coupon_amount_minor bigint, remaining_amount_minor bigint, remaining_frequency_duration integer,
    coupon_status varchar
);
"""

# JPY invoice: plan ¥12,000 + usage ¥1,234 = ¥13,234; coupon ¥1,000 → ¥12,234; JP consumption
# tax 10% → ¥1,223.4 → ¥1,223; sub-total incl. ¥13,457; prepaid ¥457 → total ¥13,000.
# BHD invoice: plan 10.500 BHD (10500 fils) + usage 1.234 (1234 fils) = 11734; VAT 10% →
# 1173.4 → 1173 fils; credit note 0.907 BHD → total 12.000 BHD (12000 fils).
ROWS = """
insert into billing.fct_invoices values
 ('inv-jp', 'RHJP-000007', 'finalized', '2026-03-01', '2026-03-04 00:00:00', 'JPY', 'rh-jp', 'Revhouse KK', 'JP',
  'c-jp', 'Sakura', 'Sakura Trading KK', 'ap@sakura.example', 'JP', 13234, 0, 1000, 12234, 1223, 13457, 0, 457, 13000, null, null, null),
 ('inv-bh', 'RHBH-000001', 'finalized', '2026-03-01', '2026-03-04 00:00:00', 'BHD', 'rh-bh', 'Revhouse Gulf WLL', 'BH',
  'c-bh', 'Pearl', null, null, 'BH', 11734, 0, 0, 11734, 1173, 12907, 907, 0, 12000, null, null, null),
 ('draft-1', null, 'draft', '2026-03-20', null, 'USD', 'rh-us', 'Revhouse Demo Inc.', 'US',
  'c-us', 'Acme', null, null, 'US', 100, 0, 0, 100, 0, 100, 0, 0, 100, null, null, null),
 ('inv-void', 'RHUS-000004', 'finalized', '2026-03-01', '2026-03-04 00:00:00', 'USD', 'rh-us', 'Revhouse Demo Inc.', 'US',
  'c-us', 'Acme', null, null, 'US', 5000, 0, 0, 5000, 0, 5000, 0, 0, 5000, null, null, null);
-- BHD: a termination offset of 2.000 BHD and 4.500 BHD paid leave 12.000 − 2.000 − 4.500 =
-- 5.500 due (term 30: due 2026-03-31); the JPY invoice has nothing offset or paid, so all
-- ¥13,000 is due, and its term 0 made it due (and overdue) on its issuing day.
insert into billing.fct_invoice_balances values
 ('inv-jp', 0, 0, 13000, '2026-03-01', 'pending', 0, true),
 ('inv-bh', 2000, 0, 5500, '2026-03-31', 'pending', 4500, false),
 ('inv-void', 0, 0, 5000, '2026-03-01', 'pending', 0, true);
insert into billing.fct_invoice_fees values
 ('f1', 'inv-jp', 'subscription', 'pro_jp', null, 'Pro plan', 1, '2026-02-01', '2026-02-28', 12000, 'jp_ct', 28, 28),
 ('f2', 'inv-jp', 'charge', 'pro_jp', 'api_calls', 'API calls', 1234, '2026-02-01', '2026-02-28', 1234, 'jp_ct', 28, 28),
 ('f3', 'inv-bh', 'subscription', 'pro_bh', null, 'Pro plan Gulf', 1, '2026-02-10', '2026-02-28', 10500, 'bh_vat', 19, 28),
 ('f4', 'inv-bh', 'charge', 'pro_bh', 'storage_gb', 'Storage', 12.34, '2026-02-01', '2026-02-28', 1234, 'bh_vat', null, null),
 ('f5', 'draft-1', 'subscription', 'starter', null, 'Starter', 1, '2026-03-01', '2026-03-31', 100, null, 31, 31);
insert into billing.fct_invoice_taxes values
 ('inv-jp', 'jp_ct', 'JP consumption tax', 10, 12234, 1223),
 ('inv-bh', 'bh_vat', 'Bahrain VAT', 10, 11734, 1173);
insert into billing.dim_billing_entities values
 ('rh-jp', 'RHJP'), ('rh-bh', 'RHBH'), ('rh-us', 'RHUS'), ('rh-eu', 'RHEU');
insert into billing.fct_invoice_discounts values
 ('inv-jp', 'WELCOME1000', 'fixed_amount', 1, 1000, 4000, null, 'active');
"""


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute(DDL)
    c.execute(ROWS)
    yield c
    c.close()


def test_money_uses_the_currency_digits() -> None:
    assert format_money(13000, "JPY") == "¥13,000"
    assert format_money(12000, "BHD").endswith("12.000")
    assert format_money(907, "BHD").endswith("0.907")
    assert format_money(12345, "USD") == "$123.45"


def test_show_jpy_has_every_line_and_no_decimals(con) -> None:
    text = show(con, "RHJP-000007")
    for expected in [
        "RHJP-000007", "Revhouse KK", "Sakura Trading KK", "Pro plan", "API calls", "¥12,000",
        "¥1,234", "WELCOME1000", "-¥1,000", "JP consumption tax", "10%", "¥1,223", "¥13,457",
        "Prepaid credits", "-¥457", "Total due", "¥13,000",
    ]:  # fmt: skip
        assert expected in text, expected
    assert not re.search(r"¥[\d,]+\.\d", text), "JPY must have no decimals"


def test_show_bhd_has_three_decimals(con) -> None:
    text = show(con, "RHBH-000001")
    for expected in [
        "10.500",
        "1.234",
        "1.173",
        "12.907",
        "Credit notes",
        "-BHD",
        "0.907",
        "12.000",
        "Bahrain VAT",
    ]:
        assert expected in text, expected
    # Zero lines (coupons, prepaid) are not printed.
    assert "Coupons" not in text and "Prepaid" not in text


def test_render_html_is_self_contained_with_every_line(con) -> None:
    html = render_html(con, "RHJP-000007")
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "<link" not in html and "<script" not in html and "http" not in html
    for expected in [
        "RHJP-000007", "Revhouse KK", "Sakura Trading KK", "ap@sakura.example", "Pro plan",
        "API calls", "¥12,000", "¥1,234", "WELCOME1000", "JP consumption tax", "¥1,223",
        "¥13,457", "¥13,000",
    ]:  # fmt: skip
        assert expected in html, expected
    assert html.count("<tr><td>") >= 2 + 1 + 1  # two lines, one coupon, one tax


def test_render_html_bhd_and_escaping(con) -> None:
    con.execute("update billing.fct_invoice_fees set description = 'Storage <GB> & more' where fee_id = 'f4'")
    html = render_html(con, "RHBH-000001")
    assert "Storage &lt;GB&gt; &amp; more" in html
    assert "12.907" in html and "0.907" in html and "12.000" in html


def test_offset_and_amount_still_due_are_printed(con) -> None:
    text = show(con, "RHBH-000001")
    assert "Offset by credit notes" in text and "-BHD2.000" in text
    assert re.search(r"Amount still due\W+BHD5\.500", text)
    assert "Amount still due" in show(con, "RHJP-000007") and "VOIDED" not in show(con, "RHJP-000007")


def test_voided_invoice_says_so_and_nothing_is_due(con) -> None:
    # fct_invoices derives the status from the void record; the balance mart then owes 0.
    con.execute(
        "update billing.fct_invoices set status = 'voided', voided_at = '2026-03-12 14:00:00', "
        "voided_by = 'ana@example.com', void_reason = 'sent to the wrong customer' where invoice_id = 'inv-void'"
    )
    con.execute("update billing.fct_invoice_balances set amount_due_minor = 0 where invoice_id = 'inv-void'")
    text = show(con, "RHUS-000004")
    assert "(voided)" in text
    assert "VOIDED 2026-03-12 14:00 UTC by ana@example.com: sent to the wrong customer" in text
    assert re.search(r"Amount still due\W+\$0\.00", text)
    html = render_html(con, "RHUS-000004")
    assert "VOIDED 2026-03-12 14:00 UTC by ana@example.com" in html and "Amount still due" in html


def test_due_date_and_what_was_paid_are_printed(con) -> None:
    text = show(con, "RHBH-000001")
    assert "Due 2026-03-31 · payment pending" in text and "overdue" not in text
    assert re.search(r"Paid\W+-BHD4\.500", text)
    jp = show(con, "RHJP-000007")
    assert "Due 2026-03-01 · payment pending, overdue" in jp
    assert re.search(r"Paid\W+¥0 ", jp)
    html = render_html(con, "RHBH-000001")
    assert "Due 2026-03-31 · payment pending" in html
    assert re.search(r"<td>Paid</td><td class=\"num\">-BHD4\.500</td>", html)


def test_draft_has_no_due_date_nor_payment(con) -> None:
    text = show(con, "draft-1")
    assert "Due " not in text and "Paid" not in text and "Amount still due" not in text


def test_draft_is_found_by_invoice_id(con) -> None:
    text = show(con, "draft-1")
    assert "DRAFT draft-1" in text and "(draft)" in text and "$1.00" in text


def test_unknown_number_is_a_clear_error(con) -> None:
    with pytest.raises(InvoiceNotFound, match="no invoice numbered 'RHUS-999999'"):
        show(con, "RHUS-999999")
    with pytest.raises(LookupError):
        render_html(con, "nope")


def test_unknown_number_hint_lists_the_entities_prefixes(con) -> None:
    """The hint names the prefixes this warehouse numbers with, each with a real number (the
    entity's first finalized one), not a fixed RHUS-000001 that may not exist."""
    with pytest.raises(InvoiceNotFound) as caught:
        show(con, "INV-42")
    message = str(caught.value)
    for expected in [
        "RHBH (rh-bh, e.g. RHBH-000001)", "RHJP (rh-jp, e.g. RHJP-000007)",
        "RHUS (rh-us, e.g. RHUS-000004)", "RHEU (rh-eu, none finalized yet)",
    ]:  # fmt: skip
        assert expected in message, message
    # RHUS's first invoice in this warehouse is 000004: nothing suggests a number that is not there
    assert "RHUS-000001" not in message


def test_lines_show_their_proration_days_and_coupons_their_state(con) -> None:
    """What a proration is made of (billed / full-period days) and what each coupon left after
    this invoice, as the marts carry them; a line frozen before the days existed shows none."""
    text = show(con, "RHBH-000001")
    assert re.search(r"Pro plan Gulf .*19/28", text), text
    storage = next(line for line in text.splitlines() if "Storage" in line)
    assert not re.search(r"\d+/\d+", storage), storage  # frozen before the days existed: blank
    jp = show(con, "RHJP-000007")
    assert "28/28" in jp and "After this invoice" in jp and "¥4,000 left, active" in jp
    con.execute(
        "update billing.fct_invoice_discounts set remaining_amount_minor = null, remaining_frequency_duration = 1"
    )
    assert "1 use left, active" in show(con, "RHJP-000007")
    html = render_html(con, "RHBH-000001")
    assert '<td class="num">19/28</td>' in html
    html_jp = render_html(con, "RHJP-000007")
    assert "After this invoice" in html_jp and "1 use left, active" in html_jp
