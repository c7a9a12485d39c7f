"""Settlement per payout (collections.md §5) on the demo build against the generator's ground
truth `data/truth/payouts.csv`: every payout the demo paid, for Stripe, Adyen and GoCardless, is
in collections.fct_payout_settlements with the same gross, refunds, chargebacks, fees,
adjustments, net, payout amount and arrival date, and reconciles."""

from __future__ import annotations

import csv
from datetime import date

import pytest

pytestmark = pytest.mark.e2e

AMOUNTS = ["gross", "refunds", "chargebacks", "fees", "adjustments", "net", "payout_amount"]
MART_AMOUNTS = [
    "gross_amount_minor",
    "refund_amount_minor",
    "chargeback_amount_minor",
    "fee_amount_minor",
    "adjustment_amount_minor",
    "net_amount_minor",
    "payout_amount_minor",
]


def _truth_rows(settings) -> list[dict]:
    path = settings.truth_dir / "payouts.csv"
    assert path.exists(), f"the demo wrote no payout truth at {path}"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _mart_payout_id(gateway: str, truth_id: str) -> str:
    # the generator names an Adyen batch `<Merchant Account>:<Batch Number>`; staging keys it
    # `<Merchant Account>/<Batch Number>` (payments__payout_id)
    return truth_id.replace(":", "/", 1) if gateway == "adyen" else truth_id


def test_every_truth_payout_matches_the_mart(published_db, settings):
    truth = _truth_rows(settings)
    assert {r["gateway"] for r in truth} == {"stripe", "adyen", "gocardless"}
    mart = {
        (r[0], r[1]): r[2:]
        for r in published_db.execute(
            f"""
            select gateway, payout_id, currency, arrival_date, reconciliation_status, {", ".join(MART_AMOUNTS)}
            from collections.fct_payout_settlements
            """
        ).fetchall()
    }
    wrong = []
    for t in truth:
        key = (t["gateway"], _mart_payout_id(t["gateway"], t["payout_id"]))
        if key not in mart:
            wrong.append((key, "missing from fct_payout_settlements"))
            continue
        currency, arrival, status, *amounts = mart[key]
        expected = [int(t[f"{a}_minor"]) for a in AMOUNTS]
        got = dict(zip(AMOUNTS, amounts, strict=True))
        if amounts != expected:
            wrong.append((key, "amounts", dict(zip(AMOUNTS, expected, strict=True)), got))
        if currency != t["currency"] or arrival != date.fromisoformat(t["arrival_date"]):
            wrong.append((key, "currency/arrival", (t["currency"], t["arrival_date"]), (currency, arrival)))
        if status != "reconciled":
            wrong.append((key, "status", status))
    assert wrong == []


def test_no_demo_payout_has_a_difference(published_db):
    rows = published_db.execute(
        """
        select gateway, payout_id, net_amount_minor, payout_amount_minor, identity_difference_amount_minor
        from collections.fct_payout_settlements
        where reconciliation_status = 'difference'
        """
    ).fetchall()
    assert rows == []


def test_every_demo_payout_is_reconciled_and_in_the_truth(published_db, settings):
    """The other direction: no payout of the demo build is left unreconcilable (a batch netting
    <= 0 has no MerchantPayout row) or missing from the ground truth."""
    truth = {(r["gateway"], _mart_payout_id(r["gateway"], r["payout_id"])) for r in _truth_rows(settings)}
    rows = published_db.execute(
        "select gateway, payout_id, reconciliation_status from collections.fct_payout_settlements"
    ).fetchall()
    assert rows, "fct_payout_settlements is empty on the demo build"
    assert [r for r in rows if r[2] != "reconciled" or (r[0], r[1]) not in truth] == []
