"""Cash application on the demo (collections.md 4, 9): every payment case and payment fault the
generator planted (data/truth/collections_cases.csv, faults.csv) ends in collections.fct_payments
with the figures the truth gives, found by the gateway's own id (Adyen: by the invoice number its
Merchant Reference ends in and the amount)."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

import pytest

from dagster_project.settings import Settings

pytestmark = pytest.mark.e2e


def _truth(name: str) -> list[dict[str, str]]:
    """The truth rows, read at collection. Without a demo generation (a fast `-m "not e2e"`
    loop on a fresh checkout) there are none: the e2e run that needs them generates the demo
    first, and `test_truth_files_exist` fails there if they are still missing."""
    path = Settings.from_env().truth_dir / name
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_truth_files_exist(published_db):
    truth = Settings.from_env().truth_dir
    assert (truth / "collections_cases.csv").is_file() and (truth / "faults.csv").is_file()


def _cases():
    for row in _truth("collections_cases.csv"):
        yield pytest.param(row, id=row["case"])


def _faults():
    for row in _truth("faults.csv"):
        if (
            row["fault_type"] in ("payment_without_invoice", "duplicate_charge")
            and row["source"] == "payments"
        ):
            yield pytest.param(row, id=f"{row['fault_id']}-{row['fault_type']}")


def _payment(db, gateway: str, payment_id: str, invoice_number: str = "", amount: str = "") -> dict:
    rows = db.execute(
        """
        select payment_id, amount_minor, applied_minor, unapplied_minor, refunded_minor,
            charged_back_minor, reinstated_minor, unapplied_reason, match_pass, match_confidence
        from collections.fct_payments
        where gateway = ? and (
            gateway_payment_id = ? or payment_id = ?
            or (gateway = 'adyen' and split_part(invoice_reference, ' ', -1) = ? and amount_minor = ?)
        )
        """,
        [gateway, payment_id, payment_id, invoice_number, int(amount or 0)],
    ).fetchall()
    assert len(rows) == 1, f"{gateway} payment {payment_id}: {len(rows)} rows in fct_payments"
    keys = (
        "payment_id",
        "amount",
        "applied",
        "unapplied",
        "refunded",
        "charged_back",
        "reinstated",
        "reason",
        "match_pass",
        "match_confidence",
    )
    return dict(zip(keys, rows[0], strict=True))


@pytest.mark.parametrize("case", list(_cases()))
def test_collections_case_ends_as_the_truth_says(published_db, case):
    got = _payment(
        published_db, case["gateway"], case["payment_id"], case["invoice_number"], case["amount_minor"]
    )
    expected = {
        "amount": int(case["amount_minor"]),
        "applied": int(case["expected_applied_minor"]),
        "unapplied": int(case["expected_unapplied_minor"]),
        "refunded": int(case["expected_refunded_minor"]),
        "charged_back": int(case["expected_charged_back_minor"]),
        "reinstated": int(case["expected_reinstated_minor"]),
    }
    assert {k: got[k] for k in expected} == expected, case["note"]

    # the pass that matched ("reference", or "score 0.9667" to 0.01); the mart names one only when
    # cash reached the invoice (a currency mismatch matches by reference but applies nothing)
    match_pass, _, score = case["expected_match"].partition(" ")
    reached = expected["applied"] + expected["refunded"] + expected["charged_back"]
    assert got["match_pass"] == (match_pass if reached else None), case["note"]
    if score:
        assert got["match_confidence"] == Decimal(score).quantize(Decimal("0.01"), ROUND_HALF_UP)

    # the invoice afterwards: what is still due on it (a refund without credit note or a
    # chargeback reopens it, 4.4-4.5)
    due = published_db.execute(
        "select amount_due_minor from intermediate.int_collections__invoice_payment_state "
        "where invoice_source = 'lago' and invoice_number = ?",
        [case["invoice_number"]],
    ).fetchall()
    assert due == [(int(case["expected_invoice_due_minor"]),)], case["note"]


@pytest.mark.parametrize("fault", list(_faults()))
def test_payment_fault_is_unapplied_cash(published_db, fault):
    got = _payment(published_db, fault["entity"], fault["record_key"])
    assert got["unapplied"] == int(fault["expected_effect_minor"]), fault["note"]
    assert got["applied"] == got["amount"] - got["unapplied"]
