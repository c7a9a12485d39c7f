"""Payments parser: Stripe and GoCardless samples in shared/formats as they are.

There is no real Adyen Settlement details report sample (see
shared/formats/adyen/settlement_detail_report.columns.md), so the Adyen files here are built
from the documented column names and record types; values are made up and worked out by hand.
"""

from __future__ import annotations

import copy
import csv
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.schema import TABLES
from dagster_project.ingest.sources import payments

FORMATS = Path("/work/shared/formats")
STRIPE_EPOCH_1234567890 = datetime(2009, 2, 13, 23, 31, 30)  # the stripe-mock placeholder `created`


def _parse(path: Path, gateway: str, rel: str | None = None, **options) -> tuple[list[Row], list[Reject]]:
    """Parse one file as if landed at payments/<gateway>/<rel or its name>."""
    f = LandingFile("payments", gateway, path, f"payments/{gateway}/{rel or path.name}", "sha", 0, options)
    out = list(payments.parse(f))
    rows = [o for o in out if isinstance(o, Row)]
    for r in rows:
        assert r.table in ("payment_transactions", "payment_customers")
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
        _parse(FORMATS / "stripe/fivetran/card_data.csv", "stripe")


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
    with pytest.raises(UnreadableFile, match="'mandates' are not read by revhouse"):
        _parse(FORMATS / "gocardless/mandates_list.json", "gocardless")


def test_unknown_gateway_folder(tmp_path):
    with pytest.raises(UnreadableFile, match="unknown payments folder 'paypal'"):
        _parse(_json(tmp_path, "x.json", {}), "paypal")


# ---- collections inputs (collections.md §4, §5, §8): payouts, Lago metadata, new entities -------


@pytest.mark.parametrize(
    ("file", "payout_id", "category", "method", "arrival"),
    [
        ("charge.json", None, None, "card", None),  # payment_method_details.type
        ("dispute.json", None, None, "card", None),
        ("balance_transaction.json", None, "charge", None, None),
        # a payout is its own payout; arrival_date 1234567890 = 2009-02-13 23:31:30 UTC
        ("payout.json", "po_1Pgc79B7WZ01zgkWu1KToYf4", None, None, date(2009, 2, 13)),
    ],
)
def test_stripe_samples_payout_category_method(file, payout_id, category, method, arrival):
    (row,), _ = _parse(FORMATS / "stripe" / file, "stripe")
    v = row.values
    assert (v["payout_id"], v["reporting_category"], v["payment_method"], v["arrival_date"]) == (
        payout_id,
        category,
        method,
        arrival,
    )
    assert (v["lago_invoice_id"], v["lago_payable_type"], v["lago_payable_id"]) == (None, None, None)


def test_stripe_fivetran_payout_of_balance_transactions_and_payouts():
    bts, _ = _parse(FORMATS / "stripe/fivetran/balance_transaction_data.csv", "stripe")
    by_id = {r.values["gateway_id"]: r.values["payout_id"] for r in bts}
    assert by_id["xyz_0IDYgiig6peNXzgDuNvLeoLR"] == "po_0IFUKBig6peNXzgDZQM7WPAo"  # its payout_id cell
    assert by_id["xyz_0IUBwDig6peNXzgDCYCHC7gd"] is None  # payout_id cell empty
    (first, *_), rejects = _parse(FORMATS / "stripe/fivetran/payout_data.csv", "stripe")
    assert rejects == []
    # arrival_date "2021-01-20 00:00:00" is a day
    assert (first.values["payout_id"], first.values["arrival_date"]) == (
        "po_0IB8cXig6peNXzgDJWLvHBB7",
        date(2021, 1, 20),
    )


def test_stripe_fivetran_payout_balance_transactions():
    rows, rejects = _parse(FORMATS / "stripe/fivetran/payout_balance_transaction_data.csv", "stripe")
    assert (len(rows), rejects) == (15, [])
    first = rows[0]
    assert first.natural_key == "stripe|po_0IB8cXig6peNXzgDJWLvHBB7|xyz_0IV4rIig6peNXzgDK3XAFbaN"
    v = first.values
    assert (
        v["gateway_object"],
        v["payout_id"],
        v["parent_id"],
        v.get("amount_minor"),
        v.get("currency"),
    ) == (
        "payout_balance_transaction",
        "po_0IB8cXig6peNXzgDJWLvHBB7",
        "xyz_0IV4rIig6peNXzgDK3XAFbaN",
        None,
        None,
    )
    assert first.version_at == datetime(2021, 1, 24, 20, 21, 25)  # _fivetran_synced


def test_stripe_lago_metadata_on_charge_and_payment_intent(tmp_path):
    charge = _sample("stripe/charge.json") | {
        "metadata": {
            "lago_invoice_id": "inv-lago-1",
            "lago_payable_type": "Invoice",
            "lago_payable_id": "inv-lago-1",
        }
    }
    intent = _sample("stripe/payment_intent.json") | {
        "metadata": {"lago_payable_type": "PaymentRequest", "lago_payable_id": "pr-lago-7"}
    }
    p = _json(tmp_path, "list.json", {"object": "list", "data": [charge, intent]})
    (c, i), rejects = _parse(p, "stripe")
    assert rejects == []
    assert (c.values["lago_invoice_id"], c.values["lago_payable_type"], c.values["lago_payable_id"]) == (
        "inv-lago-1",
        "Invoice",
        "inv-lago-1",
    )
    assert (
        c.values["invoice_reference"] is None
    )  # kept as before: invoice_number/invoice_id/invoice keys only
    assert (i.values["lago_invoice_id"], i.values["lago_payable_type"], i.values["lago_payable_id"]) == (
        None,
        "PaymentRequest",
        "pr-lago-7",
    )


def test_stripe_invoice_payment_sample_as_is_is_quarantined_for_its_placeholder_currency():
    rows, (reject,) = _parse(FORMATS / "stripe/invoice_payment.json", "stripe")
    assert rows == []
    assert (reject.field, reject.value) == ("currency", "currency")
    assert "unknown currency 'currency'" in reject.reason


def test_stripe_invoice_payment_links_invoice_to_payment(tmp_path):
    sample = _sample("stripe/invoice_payment.json")
    ip = sample | {
        "currency": "eur",
        "status": "paid",
        "amount_paid": 1112626247,
        "payment": {"type": "payment_intent", "payment_intent": "pi_123"},
    }
    (row,), rejects = _parse(_json(tmp_path, "invoice_payments.json", ip), "stripe")
    assert rejects == []
    v = row.values
    assert (v["gateway_object"], v["gateway_id"], v["invoice_reference"], v["parent_id"]) == (
        "invoice_payment",
        "obj_123",
        "invoice",
        "pi_123",
    )
    assert (v["amount_minor"], v["amount_requested_minor"], v["currency"], v["status"]) == (
        1112626247,
        1112626247,
        "EUR",
        "paid",
    )
    assert v["record_type"] == "payment_intent"
    assert v["occurred_at"] == datetime(2002, 8, 5, 13, 34, 32)  # created 1028554472
    # open (amount_paid null): no amount yet, the requested one kept
    (open_row,), _ = _parse(_json(tmp_path, "open.json", sample | {"currency": "usd"}), "stripe")
    assert (open_row.values["amount_minor"], open_row.values["amount_requested_minor"]) == (None, 1112626247)
    assert open_row.values["parent_id"] is None  # the sample's payment names no payment intent id


def test_stripe_customers_api_and_fivetran(tmp_path):
    (api,), rejects = _parse(FORMATS / "stripe/customer.json", "stripe")
    assert rejects == [] and api.table == "payment_customers"
    assert api.natural_key == "stripe|cus_QXg1o8vcGmoR32"
    v = api.values
    assert (v["currency"], v["email"], v["customer_name"], v["is_deleted"]) == ("USD", None, None, False)
    assert v["created_at"] == STRIPE_EPOCH_1234567890
    rows, rejects = _parse(FORMATS / "stripe/fivetran/customer_data.csv", "stripe")
    assert (len(rows), rejects) == (12, [])
    first = rows[0]
    assert (first.values["gateway_id"], first.values["customer_name"], first.values["is_deleted"]) == (
        "cus_ImVzJQmSlYHjZL",
        "a0d47e7c5acc1069de81fd0ac370d10f",
        False,
    )
    assert first.values["created_at"] == datetime(2021, 1, 18, 12, 35, 30)
    assert first.version_at == datetime(2021, 1, 24, 20, 21, 16)
    lago = _sample("stripe/customer.json") | {
        "id": "cus_L",
        "metadata": {"lago_customer_id": "lago-uuid-1", "customer_id": "acme-42"},
    }
    deleted = {"id": "cus_D", "object": "customer", "deleted": True}
    (lr, dr), rejects = _parse(
        _json(tmp_path, "customers.json", {"object": "list", "data": [lago, deleted]}), "stripe"
    )
    assert rejects == []
    assert (lr.values["lago_customer_id"], lr.values["external_customer_id"]) == ("lago-uuid-1", "acme-42")
    assert (dr.values["is_deleted"], dr.values["created_at"]) == (True, None)


@pytest.mark.parametrize(
    ("file", "payout_id", "method", "arrival"),
    [
        ("payments_get.json", "PO123", "bacs", None),  # links.payout, scheme
        ("refunds_get.json", None, None, None),  # a refund names no payout
        ("payouts_get.json", "PO123", None, date(2014, 1, 1)),  # itself, arrival_date
    ],
)
def test_gocardless_payout_method_arrival(file, payout_id, method, arrival):
    (row,), _ = _parse(FORMATS / "gocardless" / file, "gocardless")
    v = row.values
    assert (v["payout_id"], v["payment_method"], v["arrival_date"]) == (payout_id, method, arrival)


def test_gocardless_lago_metadata(tmp_path):
    pm = _sample("gocardless/payments_get.json")["payments"] | {
        "metadata": {"lago_payable_type": "Invoice", "lago_payable_id": "inv-9", "lago_invoice_id": "inv-9"}
    }
    (row,), _ = _parse(_json(tmp_path, "payments.json", {"payments": pm}), "gocardless")
    assert (
        row.values["lago_invoice_id"],
        row.values["lago_payable_type"],
        row.values["lago_payable_id"],
    ) == (
        "inv-9",
        "Invoice",
        "inv-9",
    )
    assert row.values["invoice_reference"] == "WINEBOX001"  # kept: metadata invoice keys, else reference


@pytest.mark.parametrize("file", ["customers_list.json", "customers_get.json"])
def test_gocardless_customers(file):
    rows, rejects = _parse(FORMATS / "gocardless" / file, "gocardless")
    assert rejects == [] and {r.table for r in rows} == {"payment_customers"}
    v = rows[0].values
    assert rows[0].natural_key == "gocardless|CU123"
    assert (v["email"], v["customer_name"], v["company_name"], v["country_code"]) == (
        "user@example.com",
        "Frank Osborne",
        "Hamilton Trading Ltd.",
        "GB",
    )
    assert v["created_at"] == datetime(2014, 1, 1, 12, 0) == rows[0].version_at


def test_gocardless_payout_items_sample_in_its_payout_folder():
    rows, rejects = _parse(
        FORMATS / "gocardless/payout_items_list.json",
        "gocardless",
        rel="payout_items/PO123/payout_items_list.json",
    )
    assert rejects == []
    assert [r.natural_key for r in rows] == ["gocardless|PO123|1", "gocardless|PO123|2"]
    v = rows[0].values
    assert (v["gateway_object"], v["record_type"], v["payout_id"], v["item_position"], v["parent_id"]) == (
        "payout_item",
        "payment_paid_out",
        "PO123",
        1,
        "PM123",
    )
    # "45.0" minor units, exact; no integer amount and no currency (the payout's)
    assert (v["amount_minor_decimal"], v.get("amount_minor"), v.get("currency")) == (
        Decimal("45.0"),
        None,
        None,
    )


def test_gocardless_payout_items_need_their_payout(tmp_path):
    with pytest.raises(UnreadableFile, match="do not name their payout"):
        _parse(FORMATS / "gocardless/payout_items_list.json", "gocardless")
    doc = _sample("gocardless/payout_items_list.json")
    doc["meta"]["payout"] = "PO777"  # the request's payout parameter, recorded by the exporter
    rows, _ = _parse(_json(tmp_path, "items.json", doc), "gocardless")
    assert {r.values["payout_id"] for r in rows} == {"PO777"}
    rows, _ = _parse(
        FORMATS / "gocardless/payout_items_list.json", "gocardless", rel="payout_items_PO0000ABC.json"
    )
    assert {r.values["payout_id"] for r in rows} == {"PO0000ABC"}


def test_gocardless_payout_item_amount_decimal_kept_exact(tmp_path):
    base = _sample("gocardless/payout_items_list.json")["payout_items"][0]
    items = [
        base | {"amount": "-12.5", "type": "gocardless_fee"},  # fee: a debit, half a cent kept
        base | {"amount": "0.1"},
        base | {"amount": "1.23456"},  # beyond DECIMAL(38,4): refused, not rounded
        base | {"amount": "12,5"},
        {k: v for k, v in base.items() if k != "amount"},
    ]
    rows, rejects = _parse(_json(tmp_path, "PO9.json", {"payout_items": items}), "gocardless")
    assert [(r.values["amount_minor_decimal"], r.values["item_position"]) for r in rows] == [
        (Decimal("-12.5"), 1),
        (Decimal("0.1"), 2),
    ]
    assert [(r.row_number, r.field) for r in rejects] == [(3, "amount"), (4, "amount"), (5, "amount")]
    assert "not rounded" in rejects[0].reason


def test_adyen_settlement_parts_payout_and_method(tmp_path):
    settled = {
        **_adyen_row(Type="Settled", TimeZone="CET"),
        "Psp Reference": "P1",
        "Payment Method": "visa",
        "Creation Date": "2024-01-15 10:00:00",
        "Gross Currency": "USD",
        "Gross Credit (GC)": "110.00",
        "Exchange Rate": "0.9",
        "Net Currency": "EUR",
        "Net Credit (NC)": "97.00",
        "Commission (NC)": "1.50",
        "Markup (NC)": "0.25",
        "Scheme Fees (NC)": "0.15",
        "Interchange (NC)": "0.10",
    }
    fee = {
        **_adyen_row(Type="Fee", TimeZone="CET"),
        "Modification Reference": "Fees Jan",
        "Creation Date": "2024-01-31 23:00:00",
        "Net Currency": "EUR",
        "Net Debit (NC)": "1.20",
    }
    payout = {
        **_adyen_row(Type="MerchantPayout", TimeZone="CET"),
        "Creation Date": "2024-02-01 00:30:00",  # 2024-01-31 23:30 UTC
        "Net Currency": "EUR",
        "Net Debit (NC)": "95.80",
    }
    (s, f, p), rejects = _adyen(tmp_path, settled, fee, payout)
    assert rejects == []
    v = s.values
    # gross 110.00 USD -> 11000; fees 1.50 + 0.25 + 0.15 + 0.10 = 2.00 EUR -> 200; net 97.00 -> 9700
    assert (v["gross_minor"], v["gross_currency"], v["exchange_rate"]) == (11000, "USD", Decimal("0.9"))
    assert (v["fee_minor"], v["net_minor"], v["net_currency"]) == (200, 9700, "EUR")
    assert (v["payment_method"], v["merchant_account"], v["batch_number"], v["payout_id"]) == (
        "visa",
        "AcmeEU",
        "42",
        "AcmeEU/42",
    )
    assert v["arrival_date"] is None
    # a Fee row states no fee columns: fee_minor stays null, its cost is -net (settlement model)
    assert (f.values["fee_minor"], f.values["net_minor"], f.values["gross_minor"]) == (None, -120, None)
    assert f.values["payout_id"] == p.values["payout_id"] == "AcmeEU/42"
    # the payout row: Net Debit 95.80 out; arrives on its UTC date
    assert (p.values["net_minor"], p.values["arrival_date"]) == (-9580, date(2024, 1, 31))


def test_adyen_jpy_bhd_exponents_on_every_part(tmp_path):
    jpy = {
        **_adyen_row(Type="Settled", TimeZone="UTC"),
        "Psp Reference": "P-JPY",
        "Creation Date": "2024-01-15 10:00:00",
        "Gross Currency": "JPY",
        "Gross Credit (GC)": "1200",
        "Net Currency": "JPY",
        "Net Credit (NC)": "1164",
        "Commission (NC)": "36",
    }
    bhd = {
        **_adyen_row(Type="Settled", TimeZone="UTC"),
        "Psp Reference": "P-BHD",
        "Creation Date": "2024-01-15 10:00:00",
        "Gross Currency": "BHD",
        "Gross Credit (GC)": "12.345",
        "Net Currency": "BHD",
        "Net Credit (NC)": "12.000",
        "Commission (NC)": "0.345",
    }
    jpy_decimals = {**jpy, "Psp Reference": "P-JPY2", "Commission (NC)": "36.5"}
    bhd_decimals = {**bhd, "Psp Reference": "P-BHD2", "Gross Credit (GC)": "12.3456"}
    rate_too_fine = {**jpy, "Psp Reference": "P-R", "Exchange Rate": "1.0000000000001"}
    (j, b), rejects = _adyen(tmp_path, jpy, bhd, jpy_decimals, bhd_decimals, rate_too_fine)
    # JPY exponent 0: 1200 -> 1200, 36 -> 36; BHD exponent 3: 12.345 -> 12345, 0.345 -> 345
    assert (j.values["gross_minor"], j.values["net_minor"], j.values["fee_minor"]) == (1200, 1164, 36)
    assert (b.values["gross_minor"], b.values["net_minor"], b.values["fee_minor"]) == (12345, 12000, 345)
    assert [(r.row_number, r.field) for r in rejects] == [
        (4, "Commission (NC)"),
        (5, "Gross Credit (GC)"),
        (6, "Exchange Rate"),
    ]
    assert "more decimals than JPY allows" in rejects[0].reason
    assert "more decimals than BHD allows" in rejects[1].reason


# ---- bad payment files through the runner (issue #12 "done when") ---------------------------------


def test_unknown_invoice_and_other_currency_land_as_sent(landing):
    charge = _sample("stripe/charge.json") | {
        "id": "ch_other",
        "currency": "jpy",
        "amount": 5000,
        "metadata": {"lago_invoice_id": "no-such-invoice"},
    }
    landing.write("payments/stripe/charges/charges.json", json.dumps(charge))
    (f,) = landing.ingest().files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (1, 1, 0)
    # no invoice check and no conversion at ingestion: cash application marks it unapplied
    assert landing.rows("select currency, amount_minor, lago_invoice_id from raw.payment_transactions") == [
        ("JPY", 5000, "no-such-invoice")
    ]


def test_duplicate_payout_files_go_to_duplicates(landing):
    landing.copy(FORMATS / "gocardless/payouts_list.json", "payments/gocardless/payouts")
    landing.copy(FORMATS / "gocardless/payouts_get.json", "payments/gocardless/payouts")  # PO123 again
    items = FORMATS / "gocardless/payout_items_list.json"
    landing.copy(items, "payments/gocardless/payout_items/PO123")
    # the same list exported again (other bytes, same items): its rows are duplicates, not new items
    landing.write(
        "payments/gocardless/payout_items/PO123/again.json", json.dumps(json.loads(items.read_text()))
    )
    summary = landing.ingest()
    counts = {
        f.file_path.rsplit("/", 1)[-1]: (f.rows_read, f.rows_loaded, f.rows_duplicate) for f in summary.files
    }
    # files load in path order: again.json before payout_items_list.json, payouts_get before payouts_list
    assert counts == {
        "again.json": (2, 2, 0),
        "payout_items_list.json": (2, 0, 2),
        "payouts_get.json": (1, 1, 0),
        "payouts_list.json": (2, 0, 2),  # PO123 twice in the list sample, both already landed
    }
    assert landing.count("payment_transactions", "gateway_object = 'payout'") == 1
    assert landing.count("payment_transactions", "gateway_object = 'payout_item'") == 2
    assert landing.rows("select distinct natural_key from raw.duplicates order by 1") == [
        ("gocardless|PO123",),
        ("gocardless|PO123|1",),
        ("gocardless|PO123|2",),
    ]
