"""A finalized invoice never changes (pricing.md 8): build invoice assembly, change inputs,
rebuild, and compare the frozen rows byte for byte.

Rating's fees are the input contract (int_billing__fees, its columns in _int_billing__rating_models.yml); to test assembly alone the test
creates `intermediate.int_billing__fees` (and the empty termination credits) by hand in its
own DuckDB file and builds only the invoicing models on top, with dbt run as a subprocess.

Scenario (USD, entity rh-us, tax us_sales_tax at 10% as the entity default, grace 3 days):
customer c1 has invoices issued 2026-01-01 (fee 100.00), 2026-02-01 (fees 100.00 + 20.00),
2026-03-01 (fee 100.00); a once-fixed coupon of 150.00 applied 2025-12-15; an imported Lago
credit note with 100.00 left, usable from 2025-12-20.
  as_of 2026-02-10: Jan 1 (due Jan 4) and Feb 1 (due Feb 4) are finalized, Mar 1 is a draft.
    Jan: fees 10000, coupon 10000 (remainder 5000), tax 0, credit note 0, total 0.
    Feb: fees 12000, coupon 5000, sub-total 7000, tax 700, credit note 7700 (2300 left), total 0.
    Mar: fees 10000, coupon 0 (used up), tax 1000, credit note 2300, total 8700.
  Then the tax rate becomes 20%, a late 5.00 fee (and its usage event) lands on the Feb
  invoice and the coupon grows to 200.00: the frozen Jan/Feb rows stay identical, and March
  continues from what they froze, not from a recomputed history: the coupon's remainder is
  20000 − 10000 − 5000 = 5000 (recomputing Feb with the late fee would have used it all up),
  so March: fees 10000, coupon 5000, tax 20% × 5000 = 1000, sub-total 6000, and the credit
  note has 10000 − 7700 (frozen on Feb) = 2300 left: total 3700.
  as_of 2026-03-10: Mar is finalized as RHUS-000003; Jan/Feb rows still identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.schema import create_raw_tables
from dagster_project.settings import REPO_ROOT

DBT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(os.environ.get("REVHOUSE_DBT_BIN", REPO_ROOT / ".venv" / "bin" / "dbt"))

# Invoice assembly and the staging it reads; rating's own models are replaced by the hand-made
# fees relation.
SELECT = [
    "path:models/staging/reference",
    "path:models/staging/lago/stg_lago__taxes.sql",
    "path:models/staging/lago/stg_lago__plan_taxes.sql",
    "path:models/staging/lago/stg_lago__charge_taxes.sql",
    "path:models/staging/lago/stg_lago__customer_taxes.sql",
    "path:models/staging/lago/stg_lago__coupons.sql",
    "path:models/staging/lago/stg_lago__applied_coupons.sql",
    "path:models/staging/lago/stg_lago__wallets.sql",
    "path:models/staging/lago/stg_lago__wallet_transactions.sql",
    "path:models/staging/lago/stg_lago__credit_notes.sql",
    "path:models/staging/lago/stg_lago__customers.sql",
    "path:models/staging/usage/stg_usage__events.sql",
    "path:models/staging/billed/stg_billed__invoices.sql",
    "path:models/intermediate/billing/*/int_billing__invoice*",
    "path:models/intermediate/billing/*/int_billing__coupon*",
    "path:models/intermediate/billing/*/int_billing__tax*",
    "path:models/intermediate/billing/*/int_billing__credit*",
    "path:models/intermediate/billing/*/int_billing__wallet*",
    "path:models/marts/billing",
    "path:tests/invoicing",
    # what was paid: the credit-note refund limit reads the payments naming an invoice, and
    # fct_invoices / fct_invoice_balances show the payment state (collections.md 1, 4)
    "path:models/staging/payments",
    "path:models/staging/lago/stg_lago__payments.sql",
    "path:models/staging/lago/stg_lago__payment_invoices.sql",
    "path:models/staging/lago/stg_lago__payment_request_invoices.sql",
    *(
        f"path:models/intermediate/collections/int_collections__{name}.sql"
        for name in (
            "payment_attempts",
            "money_events",
            "payment_references",
            "receivable_invoices",
            "reference_matches",
            "scored_matches",
            "exact_sum_matches",
            "matched_applications",
            "payment_takebacks",
            "cash_applications",
            "invoice_settlements",
            "invoice_payment_state",
        )
    ),
]

FEES_DDL = """
create schema if not exists intermediate;
create table intermediate.int_billing__fees (
    fee_id varchar, invoice_group_key varchar, external_customer_id varchar,
    external_subscription_id varchar, billing_entity_code varchar, currency varchar,
    currency_exponent integer, fee_type varchar, plan_code varchar, charge_lago_id varchar,
    billable_metric_code varchar, charge_filter_index integer, grouped_by varchar,
    units decimal(38,12), events_count bigint, precise_amount_minor decimal(38,12),
    amount_minor bigint, service_start_date date, service_end_date date,
    period_from_at timestamp, period_to_at timestamp, issuing_date date,
    is_pay_in_advance boolean, is_invoiceable boolean, is_prorated boolean, description varchar
);
create table intermediate.int_billing__progressive_billing_fees as
    select cast(null as varchar) as charge_period_id, * from intermediate.int_billing__fees where 1 = 0;
create table intermediate.int_billing__charge_fees (fee_id varchar, charge_period_id varchar);
create table intermediate.int_billing__charge_periods (
    charge_period_id varchar, as_of_date date, subscription_period_id varchar, charge_full_period_days integer
);
-- the periods behind each fee (int_billing__invoice_fee_days restates their days)
create table intermediate.int_billing__subscription_fees (
    fee_id varchar, subscription_period_id varchar, billed_days integer, full_period_days integer
);
create table intermediate.int_billing__subscription_periods (subscription_period_id varchar, full_period_days integer);
create table intermediate.int_billing__advance_charge_fees (fee_id varchar, charge_period_id varchar);
create table intermediate.int_billing__charge_min_true_ups (fee_id varchar, charge_period_id varchar);
create table intermediate.int_billing__commitment_true_ups (fee_id varchar, subscription_period_id varchar);
insert into intermediate.int_billing__subscription_periods values ('sp1', 31);
insert into intermediate.int_billing__charge_periods values ('cp1', null, 'sp1', 31);
create table intermediate.int_billing__progressive_billing_credits (
    progressive_credit_id varchar, invoice_group_key varchar, charge_period_id varchar,
    external_customer_id varchar, external_subscription_id varchar, billing_entity_code varchar,
    currency varchar, issuing_date date, progressive_billed_minor bigint, charge_fees_minor bigint,
    credit_amount_minor bigint, excess_credit_note_amount_minor bigint
);
create table intermediate.int_billing__termination_credits (
    credit_id varchar, external_customer_id varchar, external_subscription_id varchar,
    lago_subscription_id varchar, billing_entity_code varchar, currency varchar, fee_id varchar,
    credit_amount_minor bigint, precise_credit_amount_minor decimal(38,12), unused_days integer,
    effective_date date, reason varchar, origin varchar, on_termination_credit_note varchar
);
"""


def _fee(fee_id: str, issuing: str, amount: int, fee_type: str = "subscription", metric: str | None = None):
    return (
        fee_id, f"inv-c1-{issuing}", "c1", "sub1", "rh-us", "USD", 2, fee_type, "starter",
        None if metric is None else "ch1", metric, None if metric is None else 0, None,
        1, 1, amount, amount, issuing, issuing, f"{issuing} 00:00:00", f"{issuing} 23:59:59",
        issuing, False, True, False, fee_id,
    )  # fmt: skip


def _insert_fees(con, rows) -> None:
    con.executemany("insert into intermediate.int_billing__fees values (" + ", ".join(["?"] * 26) + ")", rows)
    # Each fee's period: plan fees bill 20 of the 31 days of sp1 (as rating would have priced
    # them), charge fees belong to the 31-day charge period cp1 (their service is one day).
    for row in rows:
        if row[7] == "subscription":
            con.execute(
                "insert into intermediate.int_billing__subscription_fees values (?, 'sp1', 20, 31)", [row[0]]
            )
        else:
            con.execute("insert into intermediate.int_billing__charge_fees values (?, 'cp1')", [row[0]])


def _dbt(tmp: Path, *args: str, as_of: str) -> None:
    env = {**os.environ, "REVHOUSE_DUCKDB_PATH": str(tmp / "wh.duckdb")}
    cmd = [
        str(DBT), "--no-use-colors", *args,
        "--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
        "--vars", json.dumps({"as_of": as_of}),
    ]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, f"dbt {' '.join(args[:1])} failed:\n{result.stdout[-4000:]}"


def _build(tmp: Path, as_of: str) -> None:
    # Only invoicing's own tests: other areas' singular tests on shared staging need their models.
    # cautious: only tests whose every parent is built here (relationship tests reach rating models).
    # Unit tests do not read the scenario's data and already ran in the demo build of `make test`.
    _dbt(
        tmp,
        "build",
        "--select",
        *SELECT,
        "--exclude",
        "path:tests/rating",
        "test_type:unit",
        "--indirect-selection",
        "cautious",
        as_of=as_of,
    )


def _frozen_hash(con, invoice_ids: list[str]) -> str:
    """sha256 of every column of the frozen rows of these invoices (header, fees, taxes, coupons, credits)."""
    digest = hashlib.sha256()
    placeholders = ", ".join(["?"] * len(invoice_ids))
    for table, order in [
        ("billing.fct_finalized_invoices", "invoice_id"),
        ("billing.fct_finalized_invoice_fees", "fee_id"),
        ("billing.fct_finalized_invoice_taxes", "invoice_id, tax_code"),
        ("billing.fct_finalized_invoice_discounts", "invoice_id, lago_applied_coupon_id"),
        ("billing.fct_finalized_invoice_credits", "invoice_id, credit_kind, credit_source_id"),
    ]:
        rows = con.execute(
            f"select * from {table} where invoice_id in ({placeholders}) order by {order}", invoice_ids
        ).fetchall()
        assert rows, f"no frozen rows in {table}"
        digest.update(repr(rows).encode())
    return digest.hexdigest()


def _seed_scenario(db: Path, *, lago_invoice_amounts: bool = False) -> None:
    """The scenario both e2e tests start from (see the module docstring). With
    `lago_invoice_amounts` the imported Lago invoice carries its amounts and payment status, so
    the credit note on it can be checked against pricing.md 7's limits; without, it is applied
    as Lago issued it (resolution applied_unchecked)."""
    con = duckdb.connect(str(db))
    create_raw_tables(con)
    con.execute(FEES_DDL)
    _insert_fees(
        con,
        [
            _fee("f-jan", "2026-01-01", 10000),
            _fee("f-feb", "2026-02-01", 10000),
            _fee("f-feb-api", "2026-02-01", 2000, "charge", "api_calls"),
            _fee("f-mar", "2026-03-01", 10000),
        ],
    )
    con.execute(
        "insert into raw.lago_taxes (lago_id, code, name, rate, applied_to_organization) "
        "values ('t1', 'us_sales_tax', 'US sales tax', 10, false)"
    )
    # billing entities come from landed reference/entities only (there is no entity seed)
    con.execute(
        "insert into raw.reference_rows (reference_kind, row_json, _source_file, _file_sha256, _row_number, "
        '_ingested_at) values (\'entities\', \'{"entity_id": "rh-us", "name": "Revhouse Demo Inc.", '
        '"currency": "USD", "functional_currency": "USD", "timezone": "America/New_York", '
        '"invoice_number_prefix": "RHUS", "country": "US", "default_tax_codes": "us_sales_tax"}\', '
        "'reference/entities/entities.csv', 'sha', 1, '2025-12-01')"
    )
    con.execute(
        "insert into raw.lago_customers (lago_id, external_id, name, currency, billing_entity_code, "
        "_ingested_at, _row_number) values ('lc1', 'c1', 'Acme', 'USD', 'rh-us', '2025-12-01', 1)"
    )
    con.execute(
        "insert into raw.lago_coupons (lago_id, code, name, coupon_type, amount_cents, amount_currency, "
        "frequency, limited_plans, limited_billable_metrics, _ingested_at, _row_number) "
        "values ('cp1', 'welcome', 'Welcome', 'fixed_amount', 15000, 'USD', 'once', false, false, '2025-12-01', 1)"
    )
    con.execute(
        "insert into raw.lago_applied_coupons (lago_id, coupon_code, external_customer_id, amount_cents, "
        "amount_currency, frequency, created_at, _ingested_at, _row_number) "
        "values ('ac1', 'welcome', 'c1', 15000, 'USD', 'once', '2025-12-15', '2025-12-15', 1)"
    )
    if lago_invoice_amounts:
        con.execute(
            "insert into raw.billed_invoices (invoice_source, invoice_id, external_customer_id, "
            "billing_entity_code, fees_amount_minor, coupons_amount_minor, taxes_amount_minor, total_amount_minor, "
            "payload_json, _ingested_at, _row_number) values ('lago', 'li-old', 'c1', 'rh-us', 10000, 0, 0, 10000, "
            "'{\"payment_status\": \"succeeded\"}', '2025-12-20', 1)"
        )
        con.execute(
            "insert into raw.lago_credit_notes (lago_id, number, lago_invoice_id, currency, credit_status, "
            "total_amount_cents, credit_amount_cents, refund_amount_cents, offset_amount_cents, taxes_amount_cents, "
            "balance_amount_cents, created_at, _ingested_at, _row_number) "
            "values ('cn1', 'LAGO-CN1', 'li-old', 'USD', 'available', 10000, 10000, 0, 0, 0, 10000, "
            "'2025-12-20', '2025-12-20', 1)"
        )
    else:
        con.execute(
            "insert into raw.billed_invoices (invoice_source, invoice_id, external_customer_id, "
            "billing_entity_code, _ingested_at, _row_number) values ('lago', 'li-old', 'c1', 'rh-us', '2025-12-20', 1)"
        )
        con.execute(
            "insert into raw.lago_credit_notes (lago_id, number, lago_invoice_id, currency, credit_status, "
            "total_amount_cents, credit_amount_cents, balance_amount_cents, created_at, _ingested_at, _row_number) "
            "values ('cn1', 'LAGO-CN1', 'li-old', 'USD', 'available', 10000, 10000, 10000, '2025-12-20', "
            "'2025-12-20', 1)"
        )
    con.close()


@pytest.mark.e2e
def test_finalized_invoices_are_never_rewritten(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    _seed_scenario(db)

    _dbt(tmp_path, "seed", as_of="2026-02-10 00:00:00")
    _build(tmp_path, as_of="2026-02-10 00:00:00")

    con = duckdb.connect(str(db), read_only=True)
    invoices = {
        r[0]: r[1:]
        for r in con.execute(
            "select invoice_id, status, invoice_number, coupons_amount_minor, taxes_amount_minor, total_amount_minor "
            "from billing.fct_invoices"
        ).fetchall()
    }
    assert invoices == {
        "inv-c1-2026-01-01": ("finalized", "RHUS-000001", 10000, 0, 0),
        "inv-c1-2026-02-01": ("finalized", "RHUS-000002", 5000, 700, 0),
        "inv-c1-2026-03-01": ("draft", None, 0, 1000, 8700),
    }
    frozen = ["inv-c1-2026-01-01", "inv-c1-2026-02-01"]
    # A fresh build freezes what a proration is made of and the coupon's state after each use:
    # the once-fixed 150.00 left 15000 − 10000 = 5000 after Jan, 5000 − 5000 = 0 after Feb.
    assert con.execute(
        "select fee_id, billed_days, full_period_days from billing.fct_finalized_invoice_fees order by fee_id"
    ).fetchall() == [("f-feb", 20, 31), ("f-feb-api", 1, 31), ("f-jan", 20, 31)]
    assert con.execute(
        "select invoice_id, coupon_amount_minor, remaining_amount_minor, remaining_frequency_duration, coupon_status "
        "from billing.fct_finalized_invoice_discounts order by invoice_id"
    ).fetchall() == [
        ("inv-c1-2026-01-01", 10000, 5000, None, "active"),
        ("inv-c1-2026-02-01", 5000, 0, None, "terminated"),
    ]
    before = _frozen_hash(con, frozen)
    con.close()

    # Inputs change after finalization: a new tax rate, a late fee on the Feb invoice, a
    # bigger coupon.
    con = duckdb.connect(str(db))
    con.execute("update raw.lago_taxes set rate = 20")
    con.execute("update raw.lago_applied_coupons set amount_cents = 20000")
    _insert_fees(con, [_fee("f-feb-late", "2026-02-01", 500, "charge", "api_calls")])
    # ... and the usage event behind it lands now, after the Feb invoice was frozen.
    con.execute(
        "insert into raw.usage_events (event_key, transaction_id, external_subscription_id, code, event_at, "
        "_ingested_at, _row_number) values ('lago|sub1|late-1', 'late-1', 'sub1', 'api_calls', "
        "'2026-02-01 12:00:00', now(), 1)"
    )
    con.close()
    _build(tmp_path, as_of="2026-02-10 00:00:00")

    con = duckdb.connect(str(db), read_only=True)
    assert _frozen_hash(con, frozen) == before
    # The late event is reported against the frozen invoice, which it did not change.
    assert con.execute("select transaction_id, invoice_number from billing.fct_late_usage").fetchall() == [
        ("late-1", "RHUS-000002")
    ]
    # The draft sees the new inputs and continues from the frozen coupon use (docstring).
    assert con.execute(
        "select status, coupons_amount_minor, taxes_amount_minor, total_amount_minor "
        "from billing.fct_invoices where invoice_id = 'inv-c1-2026-03-01'"
    ).fetchone() == ("draft", 5000, 1000, 3700)
    con.close()

    # Time moves on: March is finalized and numbered after the frozen ones.
    _build(tmp_path, as_of="2026-03-10 00:00:00")
    con = duckdb.connect(str(db), read_only=True)
    assert _frozen_hash(con, frozen) == before
    assert con.execute(
        "select status, invoice_number from billing.fct_invoices where invoice_id = 'inv-c1-2026-03-01'"
    ).fetchone() == ("finalized", "RHUS-000003")
    assert con.execute(
        "select count(*), sum(coupons_amount_minor), sum(total_amount_minor) from billing.fct_finalized_invoices"
    ).fetchone() == (3, 20000, 0 + 0 + 3700)
    con.close()


NEW_COLUMNS = {
    "billing.fct_finalized_invoice_fees": ["billed_days", "full_period_days"],
    "billing.fct_finalized_invoice_discounts": [
        "remaining_amount_minor",
        "remaining_frequency_duration",
        "coupon_status",
    ],
}


def _rows(con, table: str, columns: list[str], order: str) -> list[tuple]:
    return con.execute(f"select {', '.join(columns)} from {table} order by {order}").fetchall()


@pytest.mark.e2e
def test_columns_added_to_frozen_marts_keep_rows_frozen_before(tmp_path: Path) -> None:
    """A warehouse that froze invoices before the proration days and coupon state existed:
    the next build adds the columns (append_new_columns) without rewriting a frozen row —
    every old value stays identical and the new columns read NULL there — and every row
    frozen from then on has them; the singular test fails if a newly frozen row lacks them."""
    db = tmp_path / "wh.duckdb"
    _seed_scenario(db)
    con = duckdb.connect(str(db))
    _insert_fees(con, [_fee("f-mar-api", "2026-03-01", 1000, "charge", "api_calls")])
    con.close()
    _dbt(tmp_path, "seed", as_of="2026-02-10 00:00:00")
    _build(tmp_path, as_of="2026-02-10 00:00:00")

    # Make it the warehouse an older revhouse would have left: the frozen marts without the
    # columns (same rows, same other columns).
    con = duckdb.connect(str(db))
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            con.execute(f"alter table {table} drop column {column}")
    old_fee_columns = [r[0] for r in con.execute("describe billing.fct_finalized_invoice_fees").fetchall()]
    old_discount_columns = [
        r[0] for r in con.execute("describe billing.fct_finalized_invoice_discounts").fetchall()
    ]
    fees_before = _rows(con, "billing.fct_finalized_invoice_fees", old_fee_columns, "fee_id")
    discounts_before = _rows(
        con, "billing.fct_finalized_invoice_discounts", old_discount_columns, "invoice_id"
    )
    assert len(fees_before) == 3 and len(discounts_before) == 2
    con.close()

    # March is finalized by this build, with the new code.
    _build(tmp_path, as_of="2026-03-10 00:00:00")
    con = duckdb.connect(str(db), read_only=True)
    fee_columns = [r[0] for r in con.execute("describe billing.fct_finalized_invoice_fees").fetchall()]
    assert fee_columns == old_fee_columns + NEW_COLUMNS["billing.fct_finalized_invoice_fees"]
    frozen_before = "invoice_id <> 'inv-c1-2026-03-01'"
    assert (
        con.execute(
            f"select {', '.join(old_fee_columns)} from billing.fct_finalized_invoice_fees "
            f"where {frozen_before} order by fee_id"
        ).fetchall()
        == fees_before
    )
    assert (
        _rows(con, "billing.fct_finalized_invoice_discounts", old_discount_columns, "invoice_id")
        == discounts_before
    )
    # Not recorded when frozen: NULL on the old rows (documented), never a back-filled value.
    assert con.execute(
        f"select count(*), count(billed_days), count(full_period_days) from billing.fct_finalized_invoice_fees "
        f"where {frozen_before}"
    ).fetchone() == (3, 0, 0)
    assert con.execute(
        "select count(*), count(coupon_status) from billing.fct_finalized_invoice_discounts"
    ).fetchone() == (2, 0)
    # The newly frozen March plan fee has them, here and in the reporting mart.
    assert con.execute(
        "select fee_id, billed_days, full_period_days from billing.fct_finalized_invoice_fees "
        "where invoice_id = 'inv-c1-2026-03-01' order by fee_id"
    ).fetchall() == [("f-mar", 20, 31), ("f-mar-api", 1, 31)]
    assert con.execute(
        "select invoice_status, billed_days, full_period_days from billing.fct_invoice_fees where fee_id = 'f-mar'"
    ).fetchone() == ("finalized", 20, 31)
    con.close()

    # A row frozen after the change without its days is not silent: the singular test fails.
    con = duckdb.connect(str(db))
    con.execute("update billing.fct_finalized_invoice_fees set billed_days = null where fee_id = 'f-mar'")
    con.close()
    env = {**os.environ, "REVHOUSE_DUCKDB_PATH": str(db)}
    result = subprocess.run(
        [
            str(DBT), "--no-use-colors", "test", "--select", "assert_frozen_fee_days_recorded_since_introduced",
            "--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR),
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        ],
        env=env, capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    assert result.returncode != 0 and "FAIL 1" in result.stdout, result.stdout[-2000:]
