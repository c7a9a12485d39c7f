"""Payments staging on the shared gateway samples, landed unchanged: the collections columns
reach the stg_* views (rename and cast only), with the figures read by hand from the samples.
dbt runs in-process on its own warehouse and target path under tmp_path."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from tests.dbt.conftest import build_on_gateway_samples

pytestmark = pytest.mark.e2e

LANDED = {
    "stripe/fivetran": [
        "stripe/fivetran/balance_transaction_data.csv",
        "stripe/fivetran/payout_balance_transaction_data.csv",
        "stripe/fivetran/customer_data.csv",
    ],
    "stripe/api": ["stripe/payout.json", "stripe/customer.json"],
    "gocardless": ["gocardless/payments_get.json", "gocardless/customers_get.json"],
    "gocardless/payout_items/PO123": ["gocardless/payout_items_list.json"],
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    db = build_on_gateway_samples(
        tmp_path_factory.mktemp("payments_staging"),
        LANDED,
        [["build", "--select", "path:models/staging/payments"]],
    )
    con = duckdb.connect(str(db))  # same configuration as the connection dbt-duckdb keeps open
    yield con
    con.close()


def test_balance_transaction_payout_falls_back_to_the_payout_links(staged):
    rows = dict(
        staged.execute(
            "select stripe_balance_transaction_id, payout_id from staging.stg_stripe__balance_transactions"
        ).fetchall()
    )
    # its own payout_id cell wins over the link row (po_0IFUKB…)
    assert rows["xyz_0IDYgiig6peNXzgDuNvLeoLR"] == "po_0IFUKBig6peNXzgDZQM7WPAo"
    # payout_id cell empty; payout_balance_transaction_data lists it under po_0IFUKB…
    assert rows["xyz_0IUBwDig6peNXzgDCYCHC7gd"] == "po_0IFUKBig6peNXzgDZQM7WPAo"
    assert staged.execute(
        "select count(*) from staging.stg_stripe__payout_balance_transactions"
    ).fetchone() == (15,)


def test_payouts_payout_items_and_customers(staged):
    assert staged.execute(
        "select payout_id, arrival_date::varchar, amount_minor from staging.stg_stripe__payouts"
    ).fetchall() == [("po_1Pgc79B7WZ01zgkWu1KToYf4", "2009-02-13", -1100)]
    assert staged.execute(
        "select payout_id, payment_method from staging.stg_gocardless__payments"
    ).fetchall() == [("PO123", "bacs")]
    assert staged.execute(
        "select payout_id, item_position, amount_minor_decimal, record_type from staging.stg_gocardless__payout_items "
        "order by item_position"
    ).fetchall() == [
        ("PO123", 1, Decimal("45.0"), "payment_paid_out"),
        ("PO123", 2, Decimal("45.0"), "payment_paid_out"),
    ]
    assert staged.execute("select count(*) from staging.stg_stripe__customers").fetchone() == (13,)  # 12 + 1
    assert staged.execute(
        "select gocardless_customer_id, customer_name, company_name from staging.stg_gocardless__customers"
    ).fetchall() == [("CU123", "Frank Osborne", "Hamilton Trading Ltd.")]
