"""The revenue-assurance truth (data/truth/assurance_cases.csv, shadow_differences.csv) against the
landing files the demo writes beside it: shape of docs/assurance.md §6, reason codes of §3, and every
case really present where the truth says."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dagster_project.demo import generate

DOC = Path(__file__).resolve().parents[2] / "docs" / "assurance.md"
CASE_COLUMNS = (
    "case_id, fault_type, is_fault, reason_codes, external_customer_id, external_subscription_id, "
    "invoice_number, period_month, amount_minor, currency, note"
).split(", ")
SHADOW_COLUMNS = (
    "case_id, kind, external_customer_id, external_subscription_id, charge_key, service_month, note".split(
        ", "
    )
)
NEAR_MISSES = (
    "near_miss_upgrade",
    "near_miss_credit_note",
    "near_miss_contract_upsize",
    "near_miss_coupon_within_limits",
)
# the kinds planted once only (the brief's "existing" ones); every other reason code at least twice
ONCE = {"duplicate_payment", "usage_spike"}
UNSIZED = {"usage_spike", "usage_drop", "usage_silence"}


def _doc_reason_codes() -> set[str]:
    """The reason codes of §3, read from the design contract itself."""
    text = DOC.read_text()
    section = text[text.index("Reason codes (severity)") : text.index("## 4.")]
    return set(re.findall(r"`([a-z_]+)`\s+\((?:high|medium|low)\)", section))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("assurance_demo")
    generate(base / "landing", base / "truth")  # the default company: every case planted
    return base / "landing", base / "truth"


def _csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


@pytest.fixture(scope="module")
def cases(demo):
    header, rows = _csv(demo[1] / "assurance_cases.csv")
    assert header == CASE_COLUMNS
    return rows


@pytest.fixture(scope="module")
def shadow(demo):
    header, rows = _csv(demo[1] / "shadow_differences.csv")
    assert header == SHADOW_COLUMNS
    return rows


@pytest.fixture(scope="module")
def landing(demo):
    root = demo[0]

    def lago(rel: str, key: str) -> list[dict]:
        return json.loads((root / rel).read_text())[key]

    invoices = {
        i["number"]: i
        for p in sorted((root / "billed/lago_invoices").glob("*.json"))
        for i in json.loads(p.read_text())["invoices"]
    }
    return {
        "root": root,
        "customers": {c["external_id"]: c for c in lago("catalog/customers/customers.json", "customers")},
        "subscriptions": lago("catalog/subscriptions/subscriptions.json", "subscriptions"),
        "invoices": invoices,
        "credit_notes": lago("billed/lago_credit_notes/credit_notes.json", "credit_notes"),
        "accounts": _csv(root / "crm/account/account.csv")[1],
        "opportunities": _csv(root / "crm/opportunity/opportunity.csv")[1],
    }


def test_reason_codes_are_those_of_the_design_contract(cases):
    codes = _doc_reason_codes()
    assert len(codes) == 21
    for c in cases:
        listed = c["reason_codes"].split("|")
        assert listed and set(listed) <= codes, c
        if c["is_fault"] == "true":
            assert c["fault_type"] in codes and c["fault_type"] in listed, c
        else:
            assert c["is_fault"] == "false" and c["fault_type"] in NEAR_MISSES, c


def test_every_kind_is_planted_at_least_twice(cases):
    # a code a second rule rightly raises on a planted fault (usage_units_mismatch on late usage
    # and on ten-times units) counts for the faults that list it
    faults = Counter(
        code for c in cases if c["is_fault"] == "true" for code in set(c["reason_codes"].split("|"))
    )
    for code in _doc_reason_codes():
        assert faults[code] >= (1 if code in ONCE else 2), (code, faults[code])
    misses = Counter(c["fault_type"] for c in cases if c["is_fault"] == "false")
    assert all(misses[k] >= 2 for k in NEAR_MISSES), misses


def test_case_fields(cases):
    assert len({c["case_id"] for c in cases}) == len(cases)
    for c in cases:
        month = date.fromisoformat(c["period_month"])
        assert month.day == 1, c
        amount = int(c["amount_minor"])
        assert amount >= 0
        if c["is_fault"] == "true" and c["fault_type"] not in UNSIZED:
            assert amount > 0, c
        if c["is_fault"] == "false":
            assert amount == 0, c
        assert c["currency"] in ("USD", "EUR", "JPY", "BHD")


def test_each_case_on_its_own_customer(demo, cases):
    """No two cases share a customer, and no collections, metrics or revrec case touches one."""
    per_customer = Counter(c["external_customer_id"] for c in cases)
    assert [k for k, n in per_customer.items() if n > 1] == []
    truth = demo[1]
    others = {r["external_customer_id"] for r in _csv(truth / "collections_cases.csv")[1]}
    others |= {r["external_customer_id"] for r in _csv(truth / "mrr_cases.csv")[1]}
    assert set(per_customer) & others == set()


def test_customers_subscriptions_and_invoices_exist(cases, landing):
    subs = {(s["external_customer_id"], s["external_id"]) for s in landing["subscriptions"]}
    accounts = {a["External_Customer_Id__c"] for a in landing["accounts"]}
    for c in cases:
        cust = c["external_customer_id"]
        if c["fault_type"] == "contract_not_billed":
            # signed in the CRM, unknown to billing
            assert cust in accounts and cust not in landing["customers"], c
            assert any(
                o["External_Customer_Id__c"] == cust and o["StageName"] == "Closed Won"
                for o in landing["opportunities"]
            )
            continue
        assert cust in landing["customers"] and cust in accounts, c
        if c["external_subscription_id"]:
            assert (cust, c["external_subscription_id"]) in subs, c
        if c["invoice_number"]:
            inv = landing["invoices"][c["invoice_number"]]
            assert inv["customer"]["external_id"] == cust, c


def test_invoice_level_cases_are_in_the_invoices(cases, landing):
    invoices = landing["invoices"]
    for c in cases:
        kind, amount = c["fault_type"], int(c["amount_minor"])
        if kind == "invoice_total_mismatch":
            inv = invoices[c["invoice_number"]]
            expected = (
                inv["fees_amount_cents"]
                - inv["coupons_amount_cents"]
                + inv["taxes_amount_cents"]
                - inv["credit_notes_amount_cents"]
                - inv["prepaid_credit_amount_cents"]
            )
            assert abs(inv["total_amount_cents"] - expected) == amount > 0, c
        elif kind in ("coupon_after_end", "coupon_beyond_limit", "near_miss_coupon_within_limits"):
            inv = invoices[c["invoice_number"]]
            assert inv["credits"] and inv["credits"][0]["item"]["type"] == "coupon", c
            if kind != "near_miss_coupon_within_limits":
                assert inv["coupons_amount_cents"] == amount, c
        elif kind == "duplicate_invoice_charge":
            inv = invoices[c["invoice_number"]]
            twins = [
                i
                for i in invoices.values()
                if i["number"] != inv["number"]
                and i["customer"]["external_id"] == inv["customer"]["external_id"]
                and i["issuing_date"] == inv["issuing_date"]
                and sorted(x["amount_cents"] for x in i["fees"])
                == sorted(x["amount_cents"] for x in inv["fees"])
            ]
            assert twins and inv["fees_amount_cents"] == amount, c
        elif kind == "near_miss_credit_note":
            notes = [n for n in landing["credit_notes"] if n["invoice_number"] == c["invoice_number"]]
            assert len(notes) == 1, c
        elif kind == "subscription_period_not_invoiced":
            month = date.fromisoformat(c["period_month"])
            billed = [
                x
                for i in invoices.values()
                for x in i["fees"]
                if x["external_subscription_id"] == c["external_subscription_id"]
                and x["item"]["type"] == "subscription"
                and x["from_date"]
                and _local(x["from_date"], landing, c).replace(day=1) == month
            ]
            assert billed == [], c


def _local(ts: str, landing, case) -> date:
    tz = ZoneInfo(landing["customers"][case["external_customer_id"]]["timezone"])
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(tz).date()


def _utc_day(ts) -> date:
    """Lago event timestamps: unix seconds (number or text) or ISO 8601."""
    try:
        return datetime.fromtimestamp(float(ts), tz=ZoneInfo("UTC")).date()
    except ValueError:
        return datetime.fromisoformat(str(ts).replace("Z", "+00:00")).astimezone(ZoneInfo("UTC")).date()


def _sub_events(root: Path, sub: str) -> list[tuple[str, dict]]:
    out = []
    for p in sorted((root / "usage/events").glob("events_*.jsonl")):
        for line in p.read_text().splitlines():
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(e, dict) and e.get("external_subscription_id") == sub:
                out.append((p.name, e))
    return out


def test_usage_cases_are_in_the_event_files(cases, landing):
    root = landing["root"]
    for c in cases:
        kind = c["fault_type"]
        if kind not in ("usage_silence", "usage_drop", "late_usage"):
            continue
        events = _sub_events(root, c["external_subscription_id"])
        days = [d for d in re.findall(r"\d{4}-\d{2}-\d{2}", c["note"])]
        if kind == "late_usage":
            issued = date.fromisoformat(landing["invoices"][c["invoice_number"]]["issuing_date"])
            late = [
                e
                for name, e in events
                if date.fromisoformat(name[7:17]) > issued
                and e["code"] == "api_calls"
                and _utc_day(e["timestamp"]) < issued
            ]
            assert late, c
            continue
        first, last = date.fromisoformat(days[0]), date.fromisoformat(days[1])
        assert (last - first).days + 1 >= (10 if kind == "usage_silence" else 7)
        in_window = [
            name for name, _ in events if first <= date.fromisoformat(name[7:17]) <= last - timedelta(days=1)
        ]
        before = [
            name for name, _ in events if first - timedelta(days=10) <= date.fromisoformat(name[7:17]) < first
        ]
        if kind == "usage_silence":
            # landing files are UTC days: the day at each end may hold an event of the day next to it
            assert all(n[7:17] == str(first) for n in in_window), c
        else:
            assert len(in_window) * 4 < len(before), (c, len(in_window), len(before))


def test_shadow_differences_name_real_lines(shadow, landing, cases):
    subs = {(s["external_customer_id"], s["external_id"]) for s in landing["subscriptions"]}
    kinds = Counter(r["kind"] for r in shadow)
    assert set(kinds) == {"billing_difference", "timing", "tax_rounding", "credit_note"}
    assert kinds["credit_note"] >= 2 and kinds["tax_rounding"] >= 1
    # two upgrades at least whose closing fees moved to the month-end invoice
    assert len({r["external_subscription_id"] for r in shadow if r["kind"] == "timing"}) >= 2
    for r in shadow:
        assert (r["external_customer_id"], r["external_subscription_id"]) in subs, r
        assert date.fromisoformat(r["service_month"]).day == 1
        assert r["charge_key"]
    # the line-level billing faults each leave a billing difference on their subscription
    line_faults = {
        "proration_missing",
        "proration_wrong",
        "usage_not_billed",
        "late_usage",
        "duplicate_invoice_charge",
        "subscription_period_not_invoiced",
        "invoice_amount_anomaly",
    }
    differing = {r["external_subscription_id"] for r in shadow if r["kind"] == "billing_difference"}
    for c in cases:
        if c["fault_type"] in line_faults:
            assert c["external_subscription_id"] in differing, c
