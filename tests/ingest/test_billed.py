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


def _credit_notes_and_items(path: Path, folder: str) -> tuple[list[Row], list[Row], list[Reject]]:
    f = LandingFile("billed", folder, path, f"billed/{folder}/{path.name}", "sha", 0, {})
    out = list(billed.parse(f))
    rows = [o for o in out if isinstance(o, Row)]
    assert all(set(r.values) <= {c for c, _ in TABLES[r.table]} for r in rows)
    notes = [r for r in rows if r.table == "billed_credit_notes"]
    items = [r for r in rows if r.table == "billed_credit_note_items"]
    assert len(notes) + len(items) == len(rows)
    # items are un-keyed children sharing their note's row number and id (the runner gives them its fate)
    note_ids = {(n.row_number, n.values["credit_note_id"]) for n in notes}
    assert all(
        i.natural_key is None and (i.row_number, i.values["credit_note_id"]) in note_ids for i in items
    )
    return notes, items, [o for o in out if isinstance(o, Reject)]


def _credit_notes(path: Path, folder: str) -> tuple[list[Row], list[Reject]]:
    notes, _, rejects = _credit_notes_and_items(path, folder)
    return notes, rejects


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


# ---- credit note items (metrics-and-revrec.md A8: each names the invoice line it credits) -------


def _lago_note() -> dict:
    return json.loads((FORMATS / "lago/credit_note.json").read_text())["credit_note"]


def _stripe_note() -> dict:
    return json.loads((FORMATS / "stripe/credit_note.json").read_text())


def test_lago_credit_note_sample_item_names_its_fee():
    _, (item,), rejects = _credit_notes_and_items(FORMATS / "lago/credit_note.json", "lago_credit_notes")
    assert rejects == []
    v = item.values
    assert (v["credit_note_id"], v["line_number"], v["invoice_source"]) == (
        "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba",
        1,
        "lago",
    )
    assert (v["credited_line_id"], v["description"]) == (
        "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba",
        "credit_note_invoice_display_name",
    )
    # this (older) export sends no item amount_cents: null, never the fee's amounts
    assert v["amount_minor"] is None


def test_lago_credit_note_item_amount_as_sent(tmp_path):
    note = _lago_note()
    note["items"] = [
        {"lago_id": "it1", "amount_cents": 3685, "amount_currency": "eur", "fee": {"lago_id": "fee-plan"}},
        {"lago_id": "it2", "amount_cents": 0, "lago_fee_id": "fee-usage"},  # the flat shape: lago_fee_id
    ]
    _, (plan, usage), rejects = _credit_notes_and_items(
        _json(tmp_path, "n.json", {"credit_notes": [note]}), "lago_credit_notes"
    )
    assert rejects == []
    assert (plan.values["credited_line_id"], plan.values["amount_minor"], plan.values["line_number"]) == (
        "fee-plan",
        3685,
        1,
    )
    assert (usage.values["credited_line_id"], usage.values["amount_minor"], usage.values["line_number"]) == (
        "fee-usage",
        0,
        2,
    )
    assert plan.values.get("inclusive_tax_amount_minor") is None


def test_stripe_credit_note_sample_lines():
    _, (line, custom), rejects = _credit_notes_and_items(
        FORMATS / "stripe/credit_note.json", "stripe_credit_notes"
    )
    assert rejects == []
    assert (line.values["item_id"], line.values["item_type"], line.values["credited_line_id"]) == (
        "cnli_1Pgc75B7WZ01zgkWla6u0GdZ",
        "invoice_line_item",
        "il_1Pgc74B7WZ01zgkWWh45tUBA",
    )
    # 1190 + 500 = the note's subtotal 1690; no tax amounts sent (taxes null, tax_rates are rates)
    assert (line.values["amount_minor"], line.values["inclusive_tax_amount_minor"]) == (1190, None)
    assert (custom.values["item_type"], custom.values["credited_line_id"], custom.values["amount_minor"]) == (
        "custom_line_item",
        None,
        500,
    )


def test_stripe_credit_note_line_inclusive_tax_kept_apart(tmp_path):
    note = _stripe_note()
    old_api, new_api = note["lines"]["data"]
    # 1190 includes 190 of inclusive VAT; the 50 exclusive tax is on top, not in amount
    old_api["tax_amounts"] = [{"amount": 190, "inclusive": True}, {"amount": 50, "inclusive": False}]
    new_api["taxes"] = [
        {"amount": 80, "tax_behavior": "inclusive"},
        {"amount": 20, "tax_behavior": "exclusive"},
    ]
    _, (a, b), _ = _credit_notes_and_items(_json(tmp_path, "n.json", note), "stripe_credit_notes")
    assert (a.values["amount_minor"], a.values["inclusive_tax_amount_minor"]) == (1190, 190)
    assert (b.values["amount_minor"], b.values["inclusive_tax_amount_minor"]) == (500, 80)


def test_bad_credit_note_items_quarantine_the_note(landing):
    good = _lago_note() | {"lago_id": "cn-good"}
    good["items"] = [
        {"lago_id": "i1", "amount_cents": 100, "amount_currency": "EUR", "fee": {"lago_id": "f1"}}
    ]
    cents = copy.deepcopy(good) | {"lago_id": "cn-cents"}
    cents["items"][0]["amount_cents"] = "12.5"
    negative = copy.deepcopy(good) | {"lago_id": "cn-neg"}
    negative["items"].append({"lago_id": "i2", "amount_cents": -100, "fee": {"lago_id": "f2"}})
    other_currency = copy.deepcopy(good) | {"lago_id": "cn-usd"}
    other_currency["items"][0]["amount_currency"] = "USD"
    not_object = copy.deepcopy(good) | {"lago_id": "cn-str", "items": ["f1"]}
    landing.write(
        "billed/lago_credit_notes/notes.json",
        json.dumps({"credit_notes": [good, cents, negative, other_currency, not_object]}),
    )
    truncated = _stripe_note()
    truncated["lines"]["has_more"] = True
    landing.write("billed/stripe_credit_notes/cn.json", json.dumps(truncated))
    landing.ingest()
    q = [(f, r, field) for f, r, field, _v, _reason in landing.quarantine()]
    assert q == [
        ("billed/lago_credit_notes/notes.json", 2, "items[1].amount_cents"),
        ("billed/lago_credit_notes/notes.json", 3, "items[2].amount_cents"),
        ("billed/lago_credit_notes/notes.json", 4, "items[1].amount_currency"),
        ("billed/lago_credit_notes/notes.json", 5, "items[1]"),
        ("billed/stripe_credit_notes/cn.json", 1, "lines.has_more"),
    ]
    reasons = [reason for *_, reason in landing.quarantine()]
    assert "must be a whole number" in reasons[0]
    assert "is negative (-100)" in reasons[1]
    assert "USD is not the credit note's currency EUR" in reasons[2]
    assert "credit note holds only the first page" in reasons[4]
    # only the good note and its one item are loaded; nothing of a quarantined note
    assert landing.rows("select credit_note_id from raw.billed_credit_notes") == [("cn-good",)]
    assert landing.rows(
        "select credit_note_id, line_number, credited_line_id, amount_minor from raw.billed_credit_note_items"
    ) == [("cn-good", 1, "f1", 100)]
