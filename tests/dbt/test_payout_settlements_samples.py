"""Settlement per payout (collections.md §5) on the shared gateway samples, landed unchanged.

The samples are documentation examples, not one consistent ledger: the GoCardless payout PO123
states 10.00 while its two listed items add up to 0.90, and the Fivetran Stripe seed tables link
balance transactions to payouts whose amounts they do not make up. The settlement mart must say
so payout by payout (figures read by hand from the files), and the identity test must name
exactly those payouts. dbt runs in-process on its own warehouse under tmp_path."""

from __future__ import annotations

import duckdb
import pytest

from tests.dbt.conftest import build_on_gateway_samples

pytestmark = pytest.mark.e2e

LANDED = {
    "stripe/fivetran": [
        "stripe/fivetran/balance_transaction_data.csv",
        "stripe/fivetran/payout_balance_transaction_data.csv",
        "stripe/fivetran/payout_data.csv",
    ],
    "stripe/api": ["stripe/payout.json"],
    "gocardless": ["gocardless/payouts_get.json", "gocardless/payments_get.json"],
    "gocardless/payout_items/PO123": ["gocardless/payout_items_list.json"],
}
SETTLEMENT = "path:models/staging/payments iso_4217_currencies int_collections__payout_lines+ int_collections__payouts+"


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    root = tmp_path_factory.mktemp("payout_settlements")
    # models and their tests, but not time to cash (it needs the billing models) nor the identity
    # test, which is only compiled: its rows are asserted below. A test runs only when every model
    # it reads is selected ("buildable"): a test of another domain that also reads the ISO 4217
    # seed (the assurance blocking check) is not this build's
    build = [
        "build",
        "--indirect-selection",
        "buildable",
        "--select",
        SETTLEMENT,
        "--exclude",
        "fct_time_to_cash assert_payout_settlement_identity",
    ]
    db = build_on_gateway_samples(
        root, LANDED, [build, ["compile", "--select", "assert_payout_settlement_identity"]]
    )
    compiled = next((root / "dbt").rglob("assert_payout_settlement_identity.sql")).read_text()
    con = duckdb.connect(str(db))
    yield con, compiled
    con.close()


def _settlement(con, gateway: str, payout_id: str) -> dict:
    cur = con.execute(
        "select * from collections.fct_payout_settlements where gateway = ? and payout_id = ?",
        [gateway, payout_id],
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, (gateway, payout_id, rows)
    return dict(zip(names, rows[0], strict=True))


def test_gocardless_payout_items_against_the_payout(settled):
    con, _ = settled
    row = _settlement(con, "gocardless", "PO123")
    # payout_items_list.json: payment_paid_out "45.0" twice → gross 90; payouts_get.json amount 1000
    assert (row["currency"], row["line_count"], row["gross_amount_minor"], row["fee_amount_minor"]) == (
        "EUR",
        2,
        90,
        0,
    )
    assert (row["net_amount_minor"], row["payout_amount_minor"], row["difference_amount_minor"]) == (
        90,
        1000,
        910,
    )
    assert row["reconciliation_status"] == "difference"


def test_stripe_payout_with_its_charge_reconciles(settled):
    con, _ = settled
    # po_0IV4rI… is not in payout_data.csv: its own transaction (source = the payout, −18759) is
    # left out, the charge xyz_0IT7uh… (19350, fee 591, net 18759) is its line
    row = _settlement(con, "stripe", "po_0IV4rIig6peNXzgD51VFKdaB")
    assert (row["gross_amount_minor"], row["fee_amount_minor"], row["net_amount_minor"]) == (
        19350,
        591,
        18759,
    )
    assert (row["payout_amount_minor"], row["reconciliation_status"]) == (None, "unreconcilable")
    assert row["reconciliation_note"] == "payout not landed"


def test_stripe_payouts_without_transactions_are_unreconcilable(settled):
    con, _ = settled
    row = _settlement(con, "stripe", "po_1Pgc79B7WZ01zgkWu1KToYf4")  # payout.json, 11.00, no balance txns
    assert (row["line_count"], row["payout_amount_minor"], row["reconciliation_status"]) == (
        0,
        1100,
        "unreconcilable",
    )


def test_stripe_payout_links_make_a_difference(settled):
    con, _ = settled
    # po_0IFUKB… pays 1980810 (payout_data.csv); its lines: xyz_0IDYgi… (net 1980810, payout cell)
    # and xyz_0IUBwD… (net 3382652, payout cell empty, listed under it by the Fivetran links)
    row = _settlement(con, "stripe", "po_0IFUKBig6peNXzgDZQM7WPAo")
    assert (row["line_count"], row["gross_amount_minor"], row["fee_amount_minor"]) == (
        2,
        2040000 + 3519960,
        59190 + 137308,
    )
    assert (row["net_amount_minor"], row["payout_amount_minor"]) == (1980810 + 3382652, 1980810)
    assert (row["difference_amount_minor"], row["reconciliation_status"]) == (-3382652, "difference")


def test_identity_test_names_exactly_the_payouts_with_a_difference(settled):
    con, compiled = settled
    failing = {(r[0], r[1]) for r in con.execute(compiled).fetchall()}
    differences = set(
        con.execute(
            "select gateway, payout_id from collections.fct_payout_settlements where reconciliation_status = 'difference'"
        ).fetchall()
    )
    assert ("gocardless", "PO123") in failing
    assert failing == differences
