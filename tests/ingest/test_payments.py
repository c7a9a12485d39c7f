"""Payments parser: Stripe and GoCardless samples in shared/formats as they are.

There is no real Adyen Settlement details report sample (see
shared/formats/adyen/settlement_detail_report.columns.md), so the Adyen files here are built
from the documented column names and record types; values are made up and worked out by hand.
"""

from __future__ import annotations

import copy
import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.schema import TABLES
from dagster_project.ingest.sources import payments

FORMATS = Path("/work/shared/formats")
STRIPE_EPOCH_1234567890 = datetime(2009, 2, 13, 23, 31, 30)  # the stripe-mock placeholder `created`


def _parse(path: Path, gateway: str, **options) -> tuple[list[Row], list[Reject]]:
    f = LandingFile("payments", gateway, path, f"payments/{gateway}/{path.name}", "sha", 0, options)
    out = list(payments.parse(f))
    rows = [o for o in out if isinstance(o, Row)]
    for r in rows:
        assert r.table == "payment_transactions"
        assert set(r.values) <= {c for c, _ in TABLES[r.table]}, r.values
    return rows, [o for o in out if isinstance(o, Reject)]


def _json(tmp_path: Path, name: str, doc, encoding: str = "utf-8", prefix: str = "") -> Path:
    p = tmp_path / name
    p.write_bytes((prefix + json.dumps(doc, ensure_ascii=False)).encode(encoding))
    return p


def _sample(rel: str):
    return json.loads((FORMATS / rel).read_text())


# ---- Stripe API JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "obj", "amount", "parent"),
    [
        ("charge.json", "charge", 100, None),
        ("refund.json", "refund", -100, "ch_1PgafuB7WZ01zgkWXYmPNZs8"),  # refunds are money out
        ("dispute.json", "dispute", -1000, "ch_1PgafuB7WZ01zgkWXYmPNZs8"),
        ("payment_intent.json", "payment_intent", 1099, None),
        ("balance_transaction.json", "balance_transaction", 100, "ch_1PgafuB7WZ01zgkWXYmPNZs8"),
        ("payout.json", "payout", -1100, None),  # leaves the gateway balance for the bank
    ],
)
def test_stripe_samples(file, obj, amount, parent):
    (row,), rejects = _parse(FORMATS / "stripe" / file, "stripe")
    assert rejects == []
    v = row.values
    assert (v["gateway_object"], v["amount_minor"], v["currency"], v["parent_id"]) == (
        obj,
        amount,
        "USD",
        parent,
    )
    assert row.natural_key == f"stripe|{v['gateway_id']}"
    assert v["occurred_at"] == STRIPE_EPOCH_1234567890 == row.version_at


def test_stripe_balance_transaction_fee_and_net():
    (row,), _ = _parse(FORMATS / "stripe/djstripe/balance_transaction.json", "stripe")
    # amount 2000 - fee 88 = net 1912, as Stripe states them
    assert (row.values["amount_minor"], row.values["fee_minor"], row.values["net_minor"]) == (2000, 88, 1912)


def test_stripe_charge_carries_invoice_and_customer():
    (row,), _ = _parse(FORMATS / "stripe/djstripe/charge.json", "stripe")
    assert row.values["invoice_reference"] == "in_fakefakefakefakefake0001"
    assert row.values["customer_reference"] == "cus_6lsBvm5rJ0zyHc"


def test_stripe_event_of_a_plan_and_a_stripe_invoice_are_quarantined_with_reasons():
    rows, (plan,) = _parse(FORMATS / "stripe/event.json", "stripe")
    assert rows == [] and plan.value == "plan" and "not a payment movement" in plan.reason
    rows, (inv,) = _parse(FORMATS / "stripe/invoice.json", "stripe")
    assert rows == [] and "billed/stripe_invoices" in inv.reason


def test_stripe_event_envelope_and_list(tmp_path):
    charge = _sample("stripe/charge.json")
    charge["metadata"] = {"invoice_number": "INV-2024-0042"}
    event = {
        "id": "evt_1",
        "object": "event",
        "type": "charge.succeeded",
        "created": 1704067200,
        "data": {"object": charge},
    }
    refund = _sample("stripe/refund.json")
    p = _json(tmp_path, "events.json", {"object": "list", "data": [event, refund], "has_more": False})
    (ev_row, refund_row), rejects = _parse(p, "stripe")
    assert rejects == []
    # the event's created (2024-01-01 00:00:00 UTC) orders this version of the charge
    assert ev_row.version_at == datetime(2024, 1, 1) and ev_row.values["record_type"] == "charge.succeeded"
    assert ev_row.values["occurred_at"] == STRIPE_EPOCH_1234567890
    assert ev_row.values["invoice_reference"] == "INV-2024-0042"
    assert refund_row.values["amount_minor"] == -100


def test_stripe_bad_values(tmp_path):
    bad_currency = _sample("stripe/charge.json") | {"currency": "xxz"}
    bad_amount = _sample("stripe/charge.json") | {"amount": "12,50", "id": "ch_2"}
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(bad_currency) + "\n" + json.dumps(bad_amount) + "\n{not json\n")
    rows, (cur, amt, broken) = _parse(p, "stripe")
    assert rows == []
    assert cur.field == "currency" and "unknown currency 'xxz'" in cur.reason
    assert amt.field == "amount" and "decimal separator" in amt.reason
    assert broken.row_number == 3 and "not valid JSON" in broken.reason


# ---- Stripe Fivetran tables --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "n"),
    [
        ("charge_data.csv", 16),
        ("refund_data.csv", 4),
        ("dispute_data.csv", 12),
        ("balance_transaction_data.csv", 9),
        ("payout_data.csv", 15),
        ("payment_intent_data.csv", 11),
    ],
)
def test_stripe_fivetran_samples_load_every_row(file, n):
    rows, rejects = _parse(FORMATS / "stripe/fivetran" / file, "stripe")
    assert (len(rows), len(rejects)) == (n, 0)


def test_stripe_fivetran_values():
    rows, _ = _parse(FORMATS / "stripe/fivetran/charge_data.csv", "stripe")
    first = rows[0].values
    assert (first["status"], first["failure_code"], first["amount_minor"]) == (
        "failed",
        "card_declined",
        3293232,
    )
    assert first["occurred_at"] == datetime(2021, 2, 18, 14, 7, 57)
    assert rows[0].version_at == datetime(2021, 2, 18, 14, 21, 50)  # _fivetran_synced
    (payout_bt, *_), _ = _parse(FORMATS / "stripe/fivetran/balance_transaction_data.csv", "stripe")
    assert (payout_bt.values["record_type"], payout_bt.values["amount_minor"]) == ("payout", -18759)
    refunds, _ = _parse(FORMATS / "stripe/fivetran/refund_data.csv", "stripe")
    assert refunds[0].values["amount_minor"] == -675000
    assert refunds[0].values["parent_id"] == "ch_0IBft2ig6peNXzgDv3vdM6nM"


def test_stripe_csv_of_unknown_table_is_unreadable():
    with pytest.raises(UnreadableFile, match="which Stripe table"):
        _parse(FORMATS / "stripe/fivetran/payout_balance_transaction_data.csv", "stripe")


# ---- Adyen settlement details report (built from the documented columns) -----------------------

ADYEN_STANDARD = [
    "Company Account", "Merchant Account", "Psp Reference", "Merchant Reference", "Payment Method",
    "Creation Date", "TimeZone", "Type", "Modification Reference", "Gross Currency", "Gross Debit (GC)",
    "Gross Credit (GC)", "Exchange Rate", "Net Currency", "Net Debit (NC)", "Net Credit (NC)",
    "Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)", "Payment Method Variant",
    "Modification Merchant Reference", "Batch Number",
]  # fmt: skip
# reversed order plus a newer extra column: the parser must find columns by name
ADYEN_HEADER = list(reversed(ADYEN_STANDARD)) + ["Booking Date"]


def _adyen_row(**cells) -> dict:
    base = {
        "Company Account": "AcmeCo",
        "Merchant Account": "AcmeEU",
        "Batch Number": "42",
        "Exchange Rate": "1",
    }
    return base | {k.replace("_", " "): v for k, v in cells.items()}


def _adyen_file(tmp_path: Path, rows: list[dict], encoding: str = "utf-8", header=ADYEN_HEADER) -> Path:
    p = tmp_path / "settlement_detail_report_batch_42.csv"
    with p.open("w", newline="", encoding=encoding) as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return p


def _adyen(tmp_path, *rows, **kw):
    return _parse(_adyen_file(tmp_path, list(rows), **kw), "adyen")


def test_adyen_settled_eur_cet(tmp_path):
    (row,), _ = _adyen(
        tmp_path,
        {
            **_adyen_row(Type="Settled", TimeZone="CET"),
            "Psp Reference": "8815000000000001",
            "Merchant Reference": "INV-2024-0001",
            "Creation Date": "2024-01-15 10:00:00",
            "Gross Currency": "EUR",
            "Gross Credit (GC)": "100.00",
            "Net Currency": "EUR",
            "Net Credit (NC)": "97.50",
            "Commission (NC)": "2.00",
            "Scheme Fees (NC)": "0.50",
        },
    )
    v = row.values
    # 100.00 EUR -> 10000 cents in; net 97.50 -> 9750; fees 2.00 + 0.50 -> 250
    assert (v["amount_minor"], v["net_minor"], v["fee_minor"], v["currency"]) == (10000, 9750, 250, "EUR")
    assert v["occurred_at"] == datetime(2024, 1, 15, 9, 0)  # 10:00 CET (UTC+1)
    assert v["invoice_reference"] == "INV-2024-0001"
    assert row.natural_key == "adyen|8815000000000001|Settled||42"


def test_adyen_jpy_pst_and_bhd_amsterdam(tmp_path):
    jpy = {
        **_adyen_row(Type="Settled", TimeZone="PST"),
        "Psp Reference": "P-JPY",
        "Creation Date": "2024-01-15 10:00:00",
        "Gross Currency": "JPY",
        "Gross Credit (GC)": "1500",
        "Net Currency": "JPY",
        "Net Credit (NC)": "1455",
    }
    bhd = {
        **_adyen_row(Type="Refunded", TimeZone="Europe/Amsterdam"),
        "Psp Reference": "P-BHD",
        "Modification Reference": "R-BHD",
        "Creation Date": "2024-07-01 12:00:00",
        "Gross Currency": "BHD",
        "Gross Debit (GC)": "12.345",
        "Net Currency": "BHD",
        "Net Debit (NC)": "12.345",
    }
    (j, b), rejects = _adyen(tmp_path, jpy, bhd)
    assert rejects == []
    # JPY has no minor unit: 1500 yen stays 1500; 10:00 PST (UTC-8) is 18:00 UTC
    assert (j.values["amount_minor"], j.values["occurred_at"]) == (1500, datetime(2024, 1, 15, 18, 0))
    # BHD has 3 decimals: 12.345 -> 12345 fils, out; Amsterdam in July is UTC+2
    assert (b.values["amount_minor"], b.values["net_minor"]) == (-12345, -12345)
    assert b.values["occurred_at"] == datetime(2024, 7, 1, 10, 0)
    assert b.values["parent_id"] == "P-BHD"


def test_adyen_batch_level_rows_carry_net_amounts(tmp_path):
    fee = {
        **_adyen_row(Type="Fee", TimeZone="CET"),
        "Modification Reference": "Transaction Fees January 2024",
        "Creation Date": "2024-01-31 23:00:00",
        "Net Currency": "EUR",
        "Net Debit (NC)": "1.20",
    }
    payout = {
        **_adyen_row(Type="MerchantPayout", TimeZone="CET"),
        "Creation Date": "2024-02-01 08:00:00",
        "Net Currency": "EUR",
        "Net Debit (NC)": "96.30",
    }
    (f, p), _ = _adyen(tmp_path, fee, payout)
    assert (f.values["amount_minor"], f.values["currency"]) == (-120, "EUR")
    assert p.values["amount_minor"] == -9630
    assert f.values["occurred_at"] == datetime(2024, 1, 31, 22, 0)


def test_adyen_bad_rows_are_quarantined(tmp_path):
    common = {"Creation Date": "2024-01-15 10:00:00", "Gross Currency": "EUR", "Net Currency": "EUR"}
    unknown_type = {**_adyen_row(Type="Bonus", TimeZone="CET"), **common, "Gross Credit (GC)": "1.00"}
    wrong_side = {**_adyen_row(Type="Settled", TimeZone="CET"), **common, "Gross Debit (GC)": "5.00"}
    bad_zone = {**_adyen_row(Type="Settled", TimeZone="Mars/Olympus"), **common, "Gross Credit (GC)": "5.00"}
    bad_amount = {**_adyen_row(Type="Settled", TimeZone="CET"), **common, "Gross Credit (GC)": "12,50"}
    bad_currency = {
        **_adyen_row(Type="Settled", TimeZone="CET"),
        **common,
        "Gross Currency": "XXZ",
        "Gross Credit (GC)": "1",
    }
    rows, rejects = _adyen(tmp_path, unknown_type, wrong_side, bad_zone, bad_amount, bad_currency)
    assert rows == []
    assert [(r.row_number, r.field) for r in rejects] == [
        (2, "Type"),
        (3, "Gross Debit (GC)"),
        (4, "TimeZone"),
        (5, "Gross Credit (GC)"),
        (6, "Gross Currency"),
    ]
    assert "unknown Adyen record Type 'Bonus'" in rejects[0].reason
    assert "Settled is money in" in rejects[1].reason
    assert "currency" in rejects[4].reason


def test_adyen_latin1_declared_and_missing_column(tmp_path):
    row = {**_adyen_row(Type="Settled", TimeZone="CET"), "Merchant Reference": "Café-001",
           "Creation Date": "2024-01-15 10:00:00", "Gross Currency": "EUR", "Gross Credit (GC)": "1.00"}  # fmt: skip
    p = _adyen_file(tmp_path, [row], encoding="latin-1")
    (r,), _ = _parse(p, "adyen", encoding="latin-1")
    assert r.values["invoice_reference"] == "Café-001"
    with pytest.raises(UnreadableFile, match="'Batch Number'"):
        _adyen(tmp_path, row, header=[h for h in ADYEN_HEADER if h != "Batch Number"])


# ---- GoCardless --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "n", "obj", "amount"),
    [
        ("payments_list.json", 2, "payment", 1000),
        ("payments_get.json", 1, "payment", 1000),
        ("refunds_list.json", 2, "refund", -150),
        ("refunds_get.json", 1, "refund", -150),
        ("payouts_list.json", 2, "payout", -1000),
        ("payouts_get.json", 1, "payout", -1000),
        ("events_list.json", 2, "event", None),
        ("events_get.json", 1, "event", None),
        ("webhook_body.json", 2, "event", None),
    ],
)
def test_gocardless_samples(file, n, obj, amount):
    rows, rejects = _parse(FORMATS / "gocardless" / file, "gocardless")
    assert (len(rows), len(rejects)) == (n, 0)
    v = rows[0].values
    assert (v["gateway_object"], v["amount_minor"]) == (obj, amount)
    assert v["occurred_at"] == rows[0].version_at


def test_gocardless_values():
    (pm, _), _ = _parse(FORMATS / "gocardless/payments_list.json", "gocardless")
    assert (pm.natural_key, pm.values["currency"], pm.values["invoice_reference"]) == (
        "gocardless|PM123",
        "EUR",
        "WINEBOX001",
    )
    assert pm.values["occurred_at"] == datetime(2014, 1, 1, 12, 0)  # 2014-01-01T12:00:00.000Z
    (rf, _), _ = _parse(FORMATS / "gocardless/refunds_list.json", "gocardless")
    assert rf.values["parent_id"] == "PM123"
    (po, _), _ = _parse(FORMATS / "gocardless/payouts_list.json", "gocardless")
    assert po.values["fee_minor"] == 20


def test_gocardless_status_moving_backwards_keeps_every_event(tmp_path):
    def event(eid, action, at):
        return {"id": eid, "created_at": at, "resource_type": "payments", "action": action,
                "links": {"payment": "PM1"}, "details": {"cause": "payment_paid_out" if action == "paid_out" else "charged_back"}}  # fmt: skip

    doc = {
        "events": [
            event("EV2", "charged_back", "2024-02-01T09:00:00.000Z"),
            event("EV1", "paid_out", "2024-01-10T09:00:00Z"),
        ]
    }
    rows, _ = _parse(_json(tmp_path, "events.json", doc, prefix="\ufeff"), "gocardless")  # with a BOM
    timeline = sorted(rows, key=lambda r: r.values["occurred_at"])
    assert [(r.values["parent_id"], r.values["status"]) for r in timeline] == [
        ("PM1", "paid_out"),
        ("PM1", "charged_back"),
    ]
    assert timeline[1].values["failure_code"] == "charged_back" and timeline[0].values["failure_code"] is None
    assert len({r.natural_key for r in rows}) == 2  # each event its own row, not a duplicate


def test_gocardless_bad_values_and_non_money_lists(tmp_path):
    pm = _sample("gocardless/payments_get.json")["payments"]
    bad_cur = copy.deepcopy(pm) | {"id": "PM2", "currency": "XXZ"}
    bad_amount = copy.deepcopy(pm) | {"id": "PM3", "amount": "12,50"}
    no_id = {k: v for k, v in pm.items() if k != "id"}
    rows, rejects = _parse(
        _json(tmp_path, "p.json", {"payments": [pm, bad_cur, bad_amount, no_id]}), "gocardless"
    )
    assert len(rows) == 1
    assert [(r.row_number, r.field) for r in rejects] == [(2, "currency"), (3, "amount"), (4, "id")]
    assert "currency" in rejects[0].reason
    with pytest.raises(UnreadableFile, match="'payout_items' are not money movements"):
        _parse(FORMATS / "gocardless/payout_items_list.json", "gocardless")


def test_unknown_gateway_folder(tmp_path):
    with pytest.raises(UnreadableFile, match="unknown payments folder 'paypal'"):
        _parse(_json(tmp_path, "x.json", {}), "paypal")
