"""Billed parser: incumbent Lago and Stripe invoices from shared/formats as they are, plus
built variants for service periods, lists and bad input."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.schema import TABLES
from dagster_project.ingest.sources import billed

FORMATS = Path("/work/shared/formats")


def _parse(path: Path, folder: str, **options) -> tuple[list[Row], list[Row], list[Reject | Row]]:
    f = LandingFile("billed", folder, path, f"billed/{folder}/{path.name}", "sha", 0, options)
    out = list(billed.parse(f))
    rows = [o for o in out if isinstance(o, Row)]
    for r in rows:
        assert set(r.values) <= {c for c, _ in TABLES[r.table]}, r.values
    invoices = [r for r in rows if r.table == "billed_invoices"]
    lines = [r for r in rows if r.table == "billed_invoice_lines"]
    # children are un-keyed and share their invoice's row number (the runner gives them its fate)
    assert all(li.natural_key is None and li.row_number in {i.row_number for i in invoices} for li in lines)
    return invoices, lines, [o for o in out if isinstance(o, Reject)]


def _json(tmp_path: Path, name: str, doc) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return p


def _lago_invoice() -> dict:
    return json.loads((FORMATS / "lago/invoice.json").read_text())["invoice"]


# ---- Lago --------------------------------------------------------------------------------------


def test_lago_invoice_sample():
    (inv,), lines, rejects = _parse(FORMATS / "lago/invoice.json", "lago_invoices")
    assert rejects == []
    v = inv.values
    assert inv.natural_key == "lago|5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba"
    assert (v["invoice_number"], v["status"], v["currency"]) == ("LAG-1234-001-002", "finalized", "EUR")
    assert v["issuing_date"] == date(2022, 6, 2)
    # fees 100 + taxes 20 = total 120 cents, as sent
    assert (v["fees_amount_minor"], v["taxes_amount_minor"], v["total_amount_minor"]) == (100, 20, 120)
    assert v["external_subscription_id"] == "LAG-EXT-1234"  # from billing_periods
    fee, credit = lines
    assert (fee.values["fee_type"], fee.values["item_code"], fee.values["amount_minor"]) == (
        "charge",
        "seats",
        100,
    )
    assert fee.values["units"] == Decimal("12.6")
    # the coupon credit of 20 cents reduces the invoice
    assert (credit.values["fee_type"], credit.values["amount_minor"]) == ("credit", -20)


def test_lago_voided_and_one_off_samples():
    (voided,), lines, _ = _parse(FORMATS / "lago/voided_invoice.json", "lago_invoices")
    assert voided.values["status"] == "voided" and len(lines) == 2
    (one_off,), (line,), _ = _parse(FORMATS / "lago/one_off_invoice.json", "lago_invoices")
    assert one_off.values["external_subscription_id"] is None
    assert (line.values["fee_type"], line.values["item_code"]) == ("one_off", "one")


def test_lago_fee_service_periods_give_the_invoice_period(tmp_path):
    inv = _lago_invoice() | {"updated_at": "2024-02-01T10:00:00Z"}
    inv["credits"] = []
    base_fee = inv["fees"][0]
    # subscription fee in arrears: January; charge fee via properties (newer API): 15 Jan - 14 Feb
    sub_fee = copy.deepcopy(base_fee) | {
        "from_date": "2024-01-01T00:00:00Z",
        "to_date": "2024-01-31T23:59:59Z",
    }
    usage_fee = copy.deepcopy(base_fee) | {
        "properties": {"from_datetime": "2024-01-15T00:00:00+01:00", "to_datetime": "2024-02-14T23:59:59Z"}
    }
    inv["fees"] = [sub_fee, usage_fee]
    (row,), (s, u), _ = _parse(_json(tmp_path, "i.json", {"invoices": [inv], "meta": {}}), "lago_invoices")
    assert s.values["service_start_at"] == datetime(2024, 1, 1)
    assert u.values["service_start_at"] == datetime(2024, 1, 14, 23, 0)  # midnight at +01:00
    assert row.values["period_start_at"] == datetime(2024, 1, 1)
    assert row.values["period_end_at"] == datetime(2024, 2, 14, 23, 59, 59)
    assert row.version_at == datetime(2024, 2, 1, 10, 0)


def test_lago_bad_invoices_are_quarantined_whole(tmp_path):
    good = _lago_invoice()
    bad_cur = copy.deepcopy(good) | {"lago_id": "b1", "currency": "XXZ"}
    bad_fee = copy.deepcopy(good) | {"lago_id": "b2"}
    bad_fee["fees"][0]["amount_cents"] = "12,50"
    no_id = {k: v for k, v in good.items() if k != "lago_id"}
    p = tmp_path / "i.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in [good, bad_cur, bad_fee, no_id]) + "\n")
    invoices, lines, rejects = _parse(p, "lago_invoices")
    assert len(invoices) == 1 and len(lines) == 2  # no lines of a rejected invoice
    assert [(r.row_number, r.field) for r in rejects] == [
        (2, "currency"),
        (3, "fees[1].amount_cents"),
        (4, "lago_id"),
    ]
    assert "unknown currency 'XXZ'" in rejects[0].reason
    assert "decimal separator" in rejects[1].reason


# ---- Stripe ------------------------------------------------------------------------------------


def test_stripe_invoice_sample():
    (inv,), (line,), rejects = _parse(FORMATS / "stripe/invoice.json", "stripe_invoices")
    assert rejects == []
    assert inv.natural_key == "stripe|in_1Pgc6tB7WZ01zgkWu9fdqL6I"
    assert (inv.values["status"], inv.values["currency"], inv.values["total_amount_minor"]) == (
        "draft",
        "USD",
        1000,
    )
    assert inv.values["period_start_at"] == datetime(2009, 2, 13, 23, 31, 30)  # epoch 1234567890
    # line period 1721954054 = 19930 days + 2054 s after 1970-01-01 = 2024-07-26 00:34:14 UTC
    assert line.values["service_start_at"] == datetime(2024, 7, 26, 0, 34, 14)
    assert (line.values["amount_minor"], line.values["fee_type"]) == (1000, "invoiceitem")


def test_stripe_invoice_with_subscription_line_and_tax():
    (inv,), (line,), _ = _parse(FORMATS / "stripe/djstripe/invoice_with_lines.json", "stripe_invoices")
    assert (inv.values["taxes_amount_minor"], line.values["taxes_amount_minor"]) == (522, 522)
    assert (line.values["item_code"], line.values["external_subscription_id"]) == (
        "silver41294",
        "sub_fakefakefakefakefake0002",
    )
    # 1593225984 -> 2020-06-27 02:46:24 UTC; +30 days = 1595817984
    assert line.values["service_start_at"] == datetime(2020, 6, 27, 2, 46, 24)
    assert line.values["service_end_at"] == datetime(2020, 7, 27, 2, 46, 24)
    # status_transitions (paid 1593225985) make the paid snapshot a later version than `created`
    assert inv.version_at == datetime(2020, 6, 27, 2, 46, 25)


def test_stripe_invoice_without_lines_and_event_envelope(tmp_path):
    (inv,), lines, _ = _parse(
        FORMATS / "stripe/djstripe/invoice_paid_subscription_create.json", "stripe_invoices"
    )
    assert lines == [] and inv.values["total_amount_minor"] == 2000
    invoice = json.loads((FORMATS / "stripe/invoice.json").read_text())
    event = {
        "id": "evt_9",
        "object": "event",
        "type": "invoice.finalized",
        "created": 1704067200,
        "data": {"object": invoice},
    }
    (ev,), _, _ = _parse(_json(tmp_path, "e.json", event), "stripe_invoices")
    assert ev.version_at == datetime(2024, 1, 1)


def test_stripe_invoice_with_truncated_lines_is_quarantined(tmp_path):
    invoice = json.loads((FORMATS / "stripe/invoice.json").read_text())
    invoice["lines"]["has_more"] = True
    invoices, lines, (rej,) = _parse(_json(tmp_path, "i.json", invoice), "stripe_invoices")
    assert invoices == [] and lines == [] and rej.field == "lines.has_more"


# ---- whole files -------------------------------------------------------------------------------


def test_unreadable_files(tmp_path):
    p = tmp_path / "i.json"
    p.write_text("<html>not json</html>")
    with pytest.raises(UnreadableFile, match="not valid JSON"):
        _parse(p, "lago_invoices")
    with pytest.raises(UnreadableFile, match="unknown billed folder 'quotes'"):
        _parse(FORMATS / "lago/credit_note.json", "quotes")
    latin = tmp_path / "l.json"
    latin.write_bytes('{"invoice": {"lago_id": "x", "number": "Café"}}'.encode("latin-1"))
    with pytest.raises(UnreadableFile, match="encoding"):
        _parse(latin, "lago_invoices")


# ---- credit notes ------------------------------------------------------------------------------


def _credit_notes(path: Path, folder: str) -> tuple[list[Row], list[Reject]]:
    f = LandingFile("billed", folder, path, f"billed/{folder}/{path.name}", "sha", 0, {})
    out = list(billed.parse(f))
    rows = [o for o in out if isinstance(o, Row)]
    assert all(
        r.table == "billed_credit_notes" and set(r.values) <= {c for c, _ in TABLES[r.table]} for r in rows
    )
    return rows, [o for o in out if isinstance(o, Reject)]


def test_lago_credit_note_sample():
    (cn,), rejects = _credit_notes(FORMATS / "lago/credit_note.json", "lago_credit_notes")
    assert rejects == []
    v = cn.values
    assert cn.natural_key == "lago|5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba"
    assert (v["credit_note_number"], v["invoice_number"], v["currency"]) == ("LAG15-CN16", "LAG15", "EUR")
    # 200 excl. taxes + 40 taxes = 240 total; 100 credited, 100 refunded
    assert (v["total_amount_minor"], v["credit_amount_minor"], v["refund_amount_minor"]) == (240, 100, 100)
    assert v["created_at"] == datetime(2022, 10, 4, 16, 21) and v["issuing_date"] == date(2022, 10, 4)


def test_stripe_credit_note_sample_and_wrong_object(tmp_path):
    (cn,), _ = _credit_notes(FORMATS / "stripe/credit_note.json", "stripe_credit_notes")
    v = cn.values
    assert (v["invoice_id"], v["total_amount_minor"], v["credit_note_type"]) == (
        "in_1Pgc75B7WZ01zgkWYv4iMwt7",
        1690,
        "pre_payment",
    )
    assert (v["status"], v["currency"]) == ("issued", "USD")
    rows, (rej,) = _credit_notes(FORMATS / "stripe/invoice.json", "stripe_credit_notes")
    assert rows == [] and "is not a credit_note" in rej.reason
