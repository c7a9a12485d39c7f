"""A small published copy with hand-made revrec rows, so the Revenue page and the Overview can be
checked against figures worked out by hand, whatever the demo build holds.

The book (as of 2026-02-15, the build's as-of date; minor units):

USD, rh-us, contract C1: INV1 (2026-01-01) bills 1,200.00 for a year from 1 January, PO INV1:F1
  ratable. Posted: January R(31) = round(120,000 × 31/365) = 10,192; February through the as-of
  date R(46) − R(31) = 15,123 − 10,192 = 4,931; credit note CN1 (2026-02-10) takes back 50.00
  and its catch-up puts 5.48 in contra revenue. A recognition posting dated 2026-02-28 (after
  the as-of date, 7,000) must not count.
  Position at 31 January 120,000 − 10,192 = 109,808 deferred; at 15 February
  (120,000 − 5,000) − (10,192 + 4,931 − 548) = 115,000 − 14,575 = 100,425 deferred.
USD, rh-us, contract C2: usage PO INV2:F2, 45.00 recognised in January (3 events), billed on
  INV2 on 1 February: unbilled 4,500 at 31 January, 0 at 15 February.
USD, rh-eu, contract C4: INV4 (2026-01-15) 20.00 point in time on 15 January: no balance.
EUR, rh-eu, contract C3: INV3 (2026-02-01) 300.00 for February; R(15 of 28) = round(30,000 ×
  15/28) = 16,071 recognised; 13,929 deferred at 15 February.

USD to the as-of date: billed 120,000 + 4,500 + 2,000 = 126,500; credited 5,000; billed −
credited 121,500 = recognised (10,192 + 4,931 − 548 + 4,500 + 2,000 = 21,075) + deferred 100,425
− unbilled 0. Per month (all USD entities): January billed 122,000, recognised 16,692, deferred
109,808, unbilled 4,500; February billed 4,500, credited 5,000, recognised 4,383, deferred
100,425, unbilled 0.
"""

from __future__ import annotations

from dashboard_helpers import table_statements

AS_OF = "2026-02-15"

TABLES = {
    "intermediate.int_collections__report_dates": (
        "report_date date, is_month_end boolean, is_as_of_date boolean",
        [("2026-01-31", True, False), (AS_OF, False, True)],
    ),
    "intermediate.int_revrec__postings": (
        "posting_id varchar, posting_kind varchar, contract_id varchar, po_id varchar, document_id varchar, "
        "external_customer_id varchar, billing_entity_code varchar, currency varchar, posting_date date, "
        "posting_period varchar, billed_delta_minor bigint, recognized_delta_minor bigint, "
        "contra_delta_minor bigint",
        [
            (
                "p1",
                "invoice",
                "C1",
                None,
                "INV1",
                "cust-a",
                "rh-us",
                "USD",
                "2026-01-01",
                "2026-01",
                120000,
                0,
                0,
            ),
            (
                "p2",
                "recognition",
                "C1",
                "INV1:F1",
                "INV1",
                "cust-a",
                "rh-us",
                "USD",
                "2026-01-31",
                "2026-01",
                0,
                10192,
                0,
            ),
            (
                "p3",
                "recognition",
                "C1",
                "INV1:F1",
                "INV1",
                "cust-a",
                "rh-us",
                "USD",
                AS_OF,
                "2026-02",
                0,
                4931,
                0,
            ),
            (
                "p4",
                "credit_note",
                "C1",
                None,
                "CN1",
                "cust-a",
                "rh-us",
                "USD",
                "2026-02-10",
                "2026-02",
                -5000,
                0,
                0,
            ),
            (
                "p5",
                "catch_up",
                "C1",
                "INV1:F1",
                "CN1",
                "cust-a",
                "rh-us",
                "USD",
                "2026-02-10",
                "2026-02",
                0,
                0,
                548,
            ),
            (
                "p6",
                "recognition",
                "C1",
                "INV1:F1",
                "INV1",
                "cust-a",
                "rh-us",
                "USD",
                "2026-02-28",
                "2026-02",
                0,
                7000,
                0,
            ),
            (
                "p7",
                "recognition",
                "C2",
                "INV2:F2",
                "INV2",
                "cust-b",
                "rh-us",
                "USD",
                "2026-01-31",
                "2026-01",
                0,
                4500,
                0,
            ),
            (
                "p8",
                "invoice",
                "C2",
                None,
                "INV2",
                "cust-b",
                "rh-us",
                "USD",
                "2026-02-01",
                "2026-02",
                4500,
                0,
                0,
            ),
            (
                "p9",
                "invoice",
                "C4",
                None,
                "INV4",
                "cust-d",
                "rh-eu",
                "USD",
                "2026-01-15",
                "2026-01",
                2000,
                0,
                0,
            ),
            (
                "p10",
                "recognition",
                "C4",
                "INV4:F4",
                "INV4",
                "cust-d",
                "rh-eu",
                "USD",
                "2026-01-15",
                "2026-01",
                0,
                2000,
                0,
            ),
            (
                "p11",
                "invoice",
                "C3",
                None,
                "INV3",
                "cust-c",
                "rh-eu",
                "EUR",
                "2026-02-01",
                "2026-02",
                30000,
                0,
                0,
            ),
            (
                "p12",
                "recognition",
                "C3",
                "INV3:F3",
                "INV3",
                "cust-c",
                "rh-eu",
                "EUR",
                AS_OF,
                "2026-02",
                0,
                16071,
                0,
            ),
        ],
    ),  # fmt: skip
    "revrec.fct_contract_balances": (
        "contract_id varchar, balance_date date, period varchar, external_customer_id varchar, "
        "billing_entity_code varchar, currency varchar, billed_to_date_minor bigint, "
        "recognized_to_date_minor bigint, position_minor bigint, deferred_revenue_minor bigint, "
        "unbilled_receivable_minor bigint",
        [
            ("C1", "2026-01-31", "2026-01", "cust-a", "rh-us", "USD", 120000, 10192, 109808, 109808, 0),
            ("C1", AS_OF, "2026-02", "cust-a", "rh-us", "USD", 115000, 14575, 100425, 100425, 0),
            ("C1", "2026-02-28", "2026-02", "cust-a", "rh-us", "USD", 115000, 21575, 93425, 93425, 0),
            ("C2", "2026-01-31", "2026-01", "cust-b", "rh-us", "USD", 0, 4500, -4500, 0, 4500),
            ("C2", AS_OF, "2026-02", "cust-b", "rh-us", "USD", 4500, 4500, 0, 0, 0),
            ("C4", "2026-01-31", "2026-01", "cust-d", "rh-eu", "USD", 2000, 2000, 0, 0, 0),
            ("C4", AS_OF, "2026-02", "cust-d", "rh-eu", "USD", 2000, 2000, 0, 0, 0),
            ("C3", AS_OF, "2026-02", "cust-c", "rh-eu", "EUR", 30000, 16071, 13929, 13929, 0),
        ],
    ),  # fmt: skip
    "revrec.fct_revenue_waterfall": (
        "contract_id varchar, po_id varchar, billing_entity_code varchar, currency varchar, billing_month date, "
        "revenue_month date, amount_minor bigint, deferred_after_minor bigint, is_scheduled boolean",
        [
            ("C1", "INV1:F1", "rh-us", "USD", "2026-01-01", "2026-01-01", 10192, 109808, False),
            ("C1", "INV1:F1", "rh-us", "USD", "2026-01-01", "2026-02-01", 9205, 100603, False),
            ("C1", "INV1:F1", "rh-us", "USD", "2026-01-01", "2026-03-01", 10192, 90411, True),
            ("C1", "INV1:F1", "rh-us", "USD", "2026-02-01", "2026-02-01", -548, 0, False),
            ("C3", "INV3:F3", "rh-eu", "EUR", "2026-02-01", "2026-02-01", 30000, 0, False),
        ],
    ),  # fmt: skip
    "revrec.fct_remaining_performance_obligations": (
        "as_of_date date, contract_id varchar, billing_entity_code varchar, currency varchar, "
        "next_12_months_minor bigint, later_minor bigint, total_minor bigint",
        [
            ("2026-01-31", "C1", "rh-us", "USD", 109808, 0, 109808),
            (AS_OF, "C1", "rh-us", "USD", 100425, 0, 100425),
            (AS_OF, "C3", "rh-eu", "EUR", 13929, 0, 13929),
        ],
    ),
    "revrec.fct_period_close_status": (
        "billing_entity_code varchar, period varchar, period_start date, is_closed boolean, closed_at timestamp, "
        "closed_by varchar, posted_revenue_minor bigint, adjustments_minor bigint, currency varchar",
        [
            (
                "rh-us",
                "2026-01",
                "2026-01-01",
                True,
                "2026-02-04 17:00:00",
                "controller@example",
                14692,
                0,
                "USD",
            ),
            ("rh-us", "2026-02", "2026-02-01", False, None, None, 4383, 0, "USD"),
        ],
    ),  # fmt: skip
    "revrec.fct_journal_lines": (
        "entry_id varchar, line_number bigint, entry_date date, period varchar, entry_kind varchar, "
        "billing_entity_code varchar, contract_id varchar, po_id varchar, document_id varchar, source_id varchar, "
        "account_role varchar, account_code varchar, currency varchar, debit_minor bigint, credit_minor bigint, "
        "period_of_origin varchar, memo varchar",
        [
            (
                "J1",
                1,
                "2026-01-31",
                "2026-01",
                "recognition",
                "rh-us",
                "C1",
                "INV1:F1",
                "INV1",
                "INV1:F1",
                "deferred_revenue",
                "2400",
                "USD",
                10192,
                0,
                None,
                "January revenue",
            ),
            (
                "J1",
                2,
                "2026-01-31",
                "2026-01",
                "recognition",
                "rh-us",
                "C1",
                "INV1:F1",
                "INV1",
                "INV1:F1",
                "revenue",
                "4000",
                "USD",
                0,
                10192,
                None,
                "January revenue",
            ),
            (
                "J2",
                1,
                "2026-01-31",
                "2026-01",
                "recognition",
                "rh-us",
                "C2",
                "INV2:F2",
                "INV2",
                "INV2:F2",
                "unbilled_receivable",
                "1250",
                "USD",
                4500,
                0,
                None,
                "January usage",
            ),
            (
                "J2",
                2,
                "2026-01-31",
                "2026-01",
                "recognition",
                "rh-us",
                "C2",
                "INV2:F2",
                "INV2",
                "INV2:F2",
                "revenue",
                "4000",
                "USD",
                0,
                4500,
                None,
                "January usage",
            ),
        ],
    ),  # fmt: skip
    "intermediate.int_revrec__performance_obligations": (
        "po_id varchar, contract_id varchar, document_id varchar, document_source varchar, line_id varchar, "
        "external_customer_id varchar, external_subscription_id varchar, billing_entity_code varchar, "
        "currency varchar, product_code varchar, pattern varchar, service_start_date date, "
        "service_end_date date, transaction_price_minor bigint, allocated_amount_minor bigint",
        [
            (
                "INV1:F1",
                "C1",
                "INV1",
                "revhouse",
                "F1",
                "cust-a",
                "sub-a",
                "rh-us",
                "USD",
                "pro_annual",
                "ratable",
                "2026-01-01",
                "2026-12-31",
                120000,
                120000,
            ),
            (
                "INV2:F2",
                "C2",
                "INV2",
                "revhouse",
                "F2",
                "cust-b",
                "sub-b",
                "rh-us",
                "USD",
                "api_calls",
                "usage",
                "2026-01-01",
                "2026-01-31",
                4500,
                4500,
            ),
        ],
    ),  # fmt: skip
    "revrec.fct_revenue_schedule": (
        "po_id varchar, contract_id varchar, document_id varchar, line_id varchar, currency varchar, "
        "pattern varchar, revenue_month date, period varchar, entry_kind varchar, change_id varchar, "
        "amount_minor bigint, cumulative_amount_minor bigint, allocated_amount_minor bigint",
        [
            (
                "INV1:F1",
                "C1",
                "INV1",
                "F1",
                "USD",
                "ratable",
                "2026-01-01",
                "2026-01",
                "schedule",
                None,
                10192,
                10192,
                120000,
            ),
            (
                "INV1:F1",
                "C1",
                "INV1",
                "F1",
                "USD",
                "ratable",
                "2026-02-01",
                "2026-02",
                "schedule",
                None,
                9205,
                19397,
                120000,
            ),
            (
                "INV2:F2",
                "C2",
                "INV2",
                "F2",
                "USD",
                "usage",
                "2026-01-01",
                "2026-01",
                "schedule",
                None,
                4500,
                4500,
                4500,
            ),
        ],
    ),  # fmt: skip
    "billing.fct_invoices": (
        "invoice_id varchar, invoice_number varchar, billing_entity_code varchar, external_customer_id varchar, "
        "issuing_date date, status varchar, currency varchar, sub_total_excluding_taxes_amount_minor bigint, "
        "taxes_amount_minor bigint, total_amount_minor bigint",
        [
            ("INV1", "RHUS-1", "rh-us", "cust-a", "2026-01-01", "finalized", "USD", 120000, 0, 120000),
            ("INV2", "RHUS-2", "rh-us", "cust-b", "2026-02-01", "finalized", "USD", 4500, 0, 4500),
        ],
    ),
    "billing.fct_invoice_fees": (
        "fee_id varchar, invoice_id varchar, external_subscription_id varchar, currency varchar, fee_type varchar, "
        "billable_metric_code varchar, units decimal(38, 12), amount_minor bigint, service_start_date date, "
        "service_end_date date",
        [
            ("F1", "INV1", "sub-a", "USD", "subscription", None, 1, 120000, "2026-01-01", "2026-12-31"),
            ("F2", "INV2", "sub-b", "USD", "charge", "api_calls", 450, 4500, "2026-01-01", "2026-01-31"),
        ],
    ),  # fmt: skip
    "staging.stg_billed__invoice_lines": (
        "invoice_id varchar, line_id varchar, item_code varchar, amount_minor bigint, currency varchar",
        [],
    ),
    "staging.stg_usage__events": (
        "external_subscription_id varchar, billable_metric_code varchar, transaction_id varchar, "
        "event_at timestamp, event_date date, properties_json varchar",
        [
            ("sub-b", "api_calls", "t1", "2026-01-03 10:00:00", "2026-01-03", '{"calls": 100}'),
            ("sub-b", "api_calls", "t2", "2026-01-10 10:00:00", "2026-01-10", '{"calls": 200}'),
            ("sub-b", "api_calls", "t3", "2026-01-31 23:00:00", "2026-01-31", '{"calls": 150}'),
            ("sub-b", "api_calls", "t4", "2026-02-01 00:30:00", "2026-02-01", '{"calls": 5}'),
            ("sub-b", "storage_gb", "t5", "2026-01-05 10:00:00", "2026-01-05", '{"gb": 1}'),
            ("sub-a", "api_calls", "t6", "2026-01-05 10:00:00", "2026-01-05", '{"calls": 1}'),
        ],
    ),
}


def statements(skip: tuple[str, ...] = (), empty: tuple[str, ...] = ()) -> list[str]:
    """DDL and inserts for every table but `skip`; the tables in `empty` get no rows."""
    return table_statements(TABLES, skip, empty)
