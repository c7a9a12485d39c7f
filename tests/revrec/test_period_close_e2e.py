"""A closed period never changes (metrics-and-revrec.md A10): build the posted subledger, land a
credit note dated in a closed month, rebuild, and compare the closed month's postings byte for
byte; the correction appears in the first open month as an adjustment.

The revrec interfaces the postings read (documents, performance obligations, PO changes, the
target schedule, collections' cash applications) and the two reference views are created by
hand in the test's own DuckDB file; only the postings models and marts are built on top, with
dbt run as a subprocess (the pattern of tests/invoices/test_invoice_immutability_e2e.py).

Scenario (USD, entity e1, UTC, as_of 2026-07-01 → report date 2026-06-30; January–May closed
on the 5th of the next month, so the first build freezes them):
  invoice inv1 of 1 March, plan 310.00 for 1–31 March (31 days × 10.00), no tax, contract k1,
  paid 5 March; invoice inv2 of 1 June, plan 300.00 for June.
  Build 1: March posts invoice +31000, payment −31000 AR, recognition 31000; June (open)
  recognises 30000.
  Then a 50.00 price-concession credit note cn1 dated 20 March lands (change ch1): the target
  schedule keeps days 1–19 (19000), catches up round(26000 × 19/31) − 19000 = 15935 − 19000 =
  −3065 on 20 March and spreads the rest, so March's restated target is 26000.
  Build 2: every March posting is byte-identical; the credit note posts on 1 June (period
  2026-06, origin 2026-03, billed −5000, AR −5000); the adjustment 26000 − 31000 = −5000 (contra
  5000) posts on max(20 March, 1 June) = 1 June with period_of_origin 2026-03 and change ch1.
  Contract k1 at 30 June: billed 31000 − 5000 + 30000 = 56000, recognised 31000 − 5000 + 30000
  = 56000, deferred 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import REPO_ROOT

DBT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(os.environ.get("REVHOUSE_DBT_BIN", REPO_ROOT / ".venv" / "bin" / "dbt"))
AS_OF = "2026-07-01 00:00:00"

MODELS = [
    "int_revrec__report_date",
    "int_revrec__closed_periods",
    "int_revrec__event_postings",
    "int_revrec__close_adjustments",
    "int_revrec__postings",
    "int_revrec__contract_balances_daily",
    "fct_frozen_periods",
    "fct_frozen_postings",
    "fct_revenue_recognized",
    "fct_contract_balances",
    "fct_period_close_status",
]
# the singular tests of the subledger (the others read models this test does not build)
SUBLEDGER_TESTS = [
    "assert_contract_balances_reconcile_to_billed_minus_credited",
    "assert_every_document_posted_once",
    "assert_posted_revenue_by_origin_equals_target",
]

INTERFACES_DDL = """
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists collections;
create table staging.stg_reference__settings (key varchar, value varchar);
create table staging.stg_reference__period_closes (
    billing_entity_code varchar, period varchar, period_start date, closed_at timestamp, closed_by varchar
);
create table intermediate.int_revrec__documents (
    document_id varchar, document_kind varchar, document_source varchar, document_number varchar,
    related_invoice_id varchar, external_customer_id varchar, external_subscription_id varchar,
    billing_entity_code varchar, currency varchar, currency_exponent bigint, billing_timezone varchar,
    document_date date, excl_tax_amount_minor bigint, taxes_amount_minor bigint, total_amount_minor bigint,
    voided_on date, customer_credit_amount_minor bigint default 0, reason varchar,
    credit_notes_applied_amount_minor bigint default 0, prepaid_credit_delta_minor bigint default 0,
    is_finalized boolean default true, recorded_at timestamp
);
create table intermediate.int_revrec__performance_obligations (
    po_id varchar, contract_id varchar, contract_source varchar, document_id varchar, document_source varchar,
    document_number varchar, line_id varchar, external_customer_id varchar, external_subscription_id varchar,
    billing_entity_code varchar, currency varchar, currency_exponent bigint, billing_timezone varchar,
    issuing_date date, fee_type varchar, product_code varchar, pattern varchar, is_distinct boolean,
    pattern_source varchar, service_start_date date, service_end_date date, delivered_on date,
    list_amount_minor bigint, discount_amount_minor bigint, transaction_price_minor bigint, ssp_minor bigint,
    ssp_source varchar, ssp_method varchar, allocated_amount_minor bigint, crm_opportunity_id varchar,
    crm_line_item_id varchar, usage_charge_lago_id varchar, usage_charge_filter_index bigint,
    usage_grouped_by varchar, is_finalized boolean default true
);
create table intermediate.int_revrec__po_changes (
    change_id varchar, change_source varchar, po_id varchar, contract_id varchar, document_id varchar,
    credited_invoice_id varchar, kind varchar, reason varchar, effective_on date, issued_on date,
    amount_minor bigint, taxes_amount_minor bigint
);
create table intermediate.int_revrec__schedule_days (
    po_id varchar, contract_id varchar, service_date date, entry_kind varchar, change_id varchar,
    amount_minor bigint, cumulative_amount_minor bigint
);
create table collections.fct_cash_applications (
    application_id varchar, payment_id varchar, money_event_id varchar, gateway varchar,
    invoice_source varchar, invoice_id varchar, invoice_number varchar, external_customer_id varchar,
    currency varchar, movement_kind varchar, amount_minor bigint, effective_at timestamp,
    match_pass varchar, match_confidence decimal(5, 2), flag varchar
);
"""


def _round(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ratable(po_id: str, total: int, first_day: str, days: int, offset: int = 0) -> list[tuple]:
    """A4.1: day k gets round(T × k / n) − round(T × (k−1) / n)."""
    import datetime as dt

    start = dt.date.fromisoformat(first_day)
    rows = []
    for k in range(1 + offset, days + 1):
        amount = _round(Decimal(total) * k / days) - _round(Decimal(total) * (k - 1) / days)
        rows.append((po_id, "k1", start + dt.timedelta(days=k - 1), "schedule", None, amount, None))
    return rows


def _seed(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute(INTERFACES_DDL)
    con.execute("insert into staging.stg_reference__settings values ('as_of', ?)", [AS_OF])
    for month in range(1, 6):
        con.execute(
            "insert into staging.stg_reference__period_closes values ('e1', ?, ?, ?, 'controller')",
            [f"2026-{month:02d}", f"2026-{month:02d}-01", f"2026-{month + 1:02d}-05 17:00:00"],
        )
    for doc, day, amount in [("inv1", "2026-03-01", 31000), ("inv2", "2026-06-01", 30000)]:
        con.execute(
            "insert into intermediate.int_revrec__documents (document_id, document_kind, document_number, "
            "external_customer_id, external_subscription_id, billing_entity_code, currency, currency_exponent, "
            "billing_timezone, document_date, excl_tax_amount_minor, taxes_amount_minor, total_amount_minor) "
            "values (?, 'invoice', upper(?), 'c1', 's1', 'e1', 'USD', 2, 'UTC', ?, ?, 0, ?)",
            [doc, doc, day, amount, amount],
        )
        con.execute(
            "insert into intermediate.int_revrec__performance_obligations (po_id, contract_id, document_id, "
            "document_number, external_customer_id, billing_entity_code, currency, currency_exponent, "
            "billing_timezone, issuing_date, pattern, allocated_amount_minor) "
            "values (? || ':plan', 'k1', ?, upper(?), 'c1', 'e1', 'USD', 2, 'UTC', ?, 'ratable', ?)",
            [doc, doc, doc, day, amount],
        )
    schedule = _ratable("inv1:plan", 31000, "2026-03-01", 31) + _ratable("inv2:plan", 30000, "2026-06-01", 30)
    con.executemany(
        "insert into intermediate.int_revrec__schedule_days values (?, ?, ?, ?, ?, ?, ?)", schedule
    )
    con.execute(
        "insert into collections.fct_cash_applications (application_id, payment_id, money_event_id, "
        "invoice_source, invoice_id, currency, movement_kind, amount_minor, effective_at) "
        "values ('a1', 'stripe:p1', 'stripe:p1', 'revhouse', 'inv1', 'USD', 'applied', 31000, '2026-03-05 12:00:00')"
    )
    con.close()


def _land_late_credit_note(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute(
        "insert into intermediate.int_revrec__documents (document_id, document_kind, document_number, "
        "related_invoice_id, external_customer_id, external_subscription_id, billing_entity_code, currency, "
        "currency_exponent, billing_timezone, document_date, excl_tax_amount_minor, taxes_amount_minor, "
        "total_amount_minor) values ('cn1', 'credit_note', 'CN1', 'inv1', 'c1', 's1', 'e1', 'USD', 2, 'UTC', "
        "'2026-03-20', 5000, 0, 5000)"
    )
    con.execute(
        "insert into intermediate.int_revrec__po_changes (change_id, po_id, contract_id, document_id, "
        "credited_invoice_id, kind, reason, effective_on, issued_on, amount_minor, taxes_amount_minor) "
        "values ('ch1', 'inv1:plan', 'k1', 'cn1', 'inv1', 'price_concession', 'other', '2026-03-20', "
        "'2026-03-20', 5000, 0)"
    )
    # A8: days 1-19 keep 19000; catch-up round(26000 × 19/31) − 19000 = −3065 on 20 March; days
    # 20-31 follow the new schedule of 26000 over 31 days.
    con.execute(
        "delete from intermediate.int_revrec__schedule_days where po_id = 'inv1:plan' and service_date >= '2026-03-20'"
    )
    caught_up = _round(Decimal(26000) * 19 / 31)
    assert caught_up == 15935
    con.execute(
        "insert into intermediate.int_revrec__schedule_days values "
        "('inv1:plan', 'k1', '2026-03-20', 'catch_up', 'ch1', ?, null)",
        [caught_up - 19000],
    )
    con.executemany(
        "insert into intermediate.int_revrec__schedule_days values (?, ?, ?, ?, ?, ?, ?)",
        _ratable("inv1:plan", 26000, "2026-03-01", 31, offset=19),
    )
    con.close()


def _build(tmp: Path) -> None:
    env = {**os.environ, "REVHOUSE_DUCKDB_PATH": str(tmp / "wh.duckdb")}
    cmd = [
        str(DBT), "--no-use-colors", "build",
        "--select", *MODELS, *SUBLEDGER_TESTS,
        "--exclude", "test_type:unit",
        "--indirect-selection", "cautious",
        "--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
        "--vars", json.dumps({"as_of": AS_OF}),
    ]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-4000:]}"


def _march_hash(con) -> tuple[str, int]:
    """sha256 of every column of March's postings, in the subledger and in the frozen store."""
    digest = hashlib.sha256()
    count = 0
    for table in ("intermediate.int_revrec__postings", "revrec.fct_frozen_postings"):
        rows = con.execute(
            f"select * from {table} where posting_period = '2026-03' order by posting_id"
        ).fetchall()
        count += len(rows)
        digest.update(repr(rows).encode())
    return digest.hexdigest(), count


@pytest.mark.e2e
def test_closed_month_is_byte_identical_after_a_late_credit_note(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    _seed(db)
    _build(tmp_path)

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select count(*) from revrec.fct_frozen_periods where billing_entity_code = 'e1'"
    ).fetchone() == (5,)
    assert con.execute(
        "select posting_id, billed_delta_minor, recognized_delta_minor, ar_delta_minor, cash_delta_minor "
        "from revrec.fct_frozen_postings where posting_period = '2026-03' order by posting_id"
    ).fetchall() == [
        ("invoice:inv1:k1", 31000, 0, 31000, 0),
        ("payment:a1", 0, 0, -31000, 31000),
        ("recognition:inv1:plan:2026-03", 0, 31000, 0, 0),
    ]
    before, march_rows = _march_hash(con)
    assert march_rows == 6
    con.close()

    _land_late_credit_note(db)
    _build(tmp_path)

    con = duckdb.connect(str(db), read_only=True)
    assert _march_hash(con) == (before, march_rows)
    assert con.execute("select count(*) from revrec.fct_frozen_postings").fetchone() == (3,)
    late = con.execute(
        "select posting_id, posting_date, posting_period, period_of_origin, is_adjustment, billed_delta_minor, "
        "recognized_delta_minor, contra_delta_minor, ar_delta_minor, change_id "
        "from intermediate.int_revrec__postings where posting_period = '2026-06' and is_adjustment order by posting_id"
    ).fetchall()
    import datetime as dt

    june_1 = dt.date(2026, 6, 1)
    assert late == [
        (
            "adjustment:inv1:plan:2026-03:2026-06",
            june_1,
            "2026-06",
            "2026-03",
            True,
            0,
            -5000,
            5000,
            0,
            "ch1",
        ),
        ("credit_note:cn1:k1", june_1, "2026-06", "2026-03", True, -5000, 0, 0, -5000, None),
    ]
    assert con.execute(
        "select balance_date, billed_to_date_minor, recognized_to_date_minor, deferred_revenue_minor, "
        "unbilled_receivable_minor from revrec.fct_contract_balances where contract_id = 'k1' "
        "and balance_date in ('2026-03-31', '2026-06-30') order by balance_date"
    ).fetchall() == [
        (dt.date(2026, 3, 31), 31000, 31000, 0, 0),
        (dt.date(2026, 6, 30), 56000, 56000, 0, 0),
    ]
    assert con.execute(
        "select period, is_closed, posted_revenue_minor, adjustments_minor from revrec.fct_period_close_status "
        "where period in ('2026-03', '2026-06') order by period"
    ).fetchall() == [("2026-03", True, 31000, 0), ("2026-06", False, 25000, -5000)]
    con.close()
