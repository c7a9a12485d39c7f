"""The demo generator: deterministic, in the real landing shapes, with every planted fault really present."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from dagster_project.demo import generate, stream_events_parquet
from dagster_project.demo.billing import _period_containing, charge_amount
from dagster_project.demo.catalog import Charge, build_plans
from dagster_project.demo.generator import LANDING_FOLDERS
from dagster_project.demo.ids import sf_checksum
from dagster_project.demo.receivables import CASE_COLUMNS, PAYOUT_COLUMNS
from dagster_project.demo.truth import FAULT_TYPES

SMALL = {"customers": 40, "months": 3, "seed": 7, "start": date(2026, 1, 1)}
CONTRACT_DOCS = [
    Path(__file__).resolve().parents[2] / "docs" / "landing-contract.md",
    Path("/work/shared/docs/landing-contract.md"),
]


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    summary = generate(base / "landing", base / "truth", **SMALL)
    return base / "landing", base / "truth", summary


@pytest.fixture(scope="module")
def faults(demo):
    with (demo[1] / "faults.csv").open() as f:
        return list(csv.DictReader(f))


def _json(path: Path):
    return json.loads(path.read_text())


def _events(landing: Path) -> list[tuple[str, int, dict | None, str]]:
    """(file, line number, parsed object or None, raw text) for every Lago event line."""
    out = []
    for p in sorted((landing / "usage/events").glob("*.jsonl")):
        for n, line in enumerate(p.read_text().splitlines(), 1):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            out.append((str(p.relative_to(landing)), n, obj, line))
    return out


def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------ determinism
def test_same_seed_gives_byte_identical_tree(demo, tmp_path):
    landing, truth, _ = demo
    generate(tmp_path / "landing", tmp_path / "truth", **SMALL)
    assert _tree_hashes(tmp_path / "landing") == _tree_hashes(landing)
    assert _tree_hashes(tmp_path / "truth") == _tree_hashes(truth)


def test_same_seed_is_identical_across_processes_and_hash_seeds(demo, tmp_path):
    # set/dict order of str keys changes with PYTHONHASHSEED; the files must not
    landing, _, _ = demo
    args = [
        str(tmp_path / "landing"),
        str(tmp_path / "truth"),
        "--customers",
        str(SMALL["customers"]),
        "--months",
        str(SMALL["months"]),
        "--seed",
        str(SMALL["seed"]),
        "--start",
        SMALL["start"].isoformat(),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-m", "dagster_project.demo", *args], check=True, env=env, capture_output=True
    )
    assert _tree_hashes(tmp_path / "landing") == _tree_hashes(landing)


def test_different_seed_gives_different_files(demo, tmp_path):
    landing, _, _ = demo
    generate(tmp_path / "landing", tmp_path / "truth", **{**SMALL, "seed": 8})
    a, b = _tree_hashes(landing), _tree_hashes(tmp_path / "landing")
    common = set(a) & set(b)
    assert any(a[k] != b[k] for k in common)
    assert a["catalog/customers/customers.json"] != b["catalog/customers/customers.json"]


# ------------------------------------------------------------------ shapes
def test_every_file_parses(demo, faults):
    landing, _, summary = demo
    truncated = {
        (f["file"], int(f["record_key"].split()[1]))
        for f in faults
        if f["fault_type"] == "bad_row" and f["note"] == "truncated JSON"
    }
    assert truncated, "the truncated line must be planted"
    for path in sorted(landing.rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(landing))
        if path.suffix == ".json":
            _json(path)
        elif path.suffix == ".jsonl":
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if (rel, n) in truncated:
                    with pytest.raises(json.JSONDecodeError):
                        json.loads(line)
                else:
                    json.loads(line)
        elif path.suffix == ".csv":
            with path.open(newline="") as f:
                rows = list(csv.reader(f))
            assert rows, rel
            width = len(rows[0])
            assert all(len(r) == width for r in rows), rel
        else:
            pytest.fail(f"unexpected file type {rel}")
    assert set(summary["files"]) == {str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file()}


def test_entity_folders_match_the_landing_contract(demo):
    landing, _, _ = demo
    found = {str(p.parent.relative_to(landing)) for p in landing.rglob("*") if p.is_file()}
    expected = {f"{s}/{e}" for s, es in LANDING_FOLDERS.items() for e in es}
    assert found == expected
    doc = next((p for p in CONTRACT_DOCS if p.exists()), None)
    if doc is None:
        pytest.skip("landing-contract.md not found")
    text = doc.read_text()
    # add_ons/ is asked for by the demo brief but not (yet) listed in the contract's catalog row
    not_in_contract = {"catalog/add_ons"}
    # collections.md §8 adds these folders to the contract ("they are part of this contract")
    collections_doc = doc.parent / "collections.md"
    in_collections = {
        "catalog/dunning_campaigns",
        "catalog/payment_requests",
        "catalog/payments",
        "payments/gocardless/payout_items",
    }
    for source, entities in LANDING_FOLDERS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{source}` |"))
        for entity in entities:
            if f"{source}/{entity}" in in_collections:
                assert f"{entity.split('/')[-1]}/`" in collections_doc.read_text(), entity
            elif f"{source}/{entity}" in not_in_contract:
                assert f"`{entity}/`" not in row, "now in the contract: drop it from not_in_contract"
            elif source == "reference":
                assert f"`{entity}/`" in text, entity
            else:
                assert f"`{entity}/`" in row, f"{source}/{entity} not in the contract row"


def test_truth_is_outside_landing_and_refused_inside(demo, tmp_path):
    landing, truth, _ = demo
    assert landing not in truth.parents and truth != landing
    assert not list(landing.rglob("faults.csv"))
    with pytest.raises(ValueError):
        generate(tmp_path / "l", tmp_path / "l" / "truth", **SMALL)


def test_refuses_to_replace_a_landing_tree_it_did_not_write(tmp_path):
    (tmp_path / "landing" / "usage").mkdir(parents=True)
    (tmp_path / "landing" / "usage" / "real.jsonl").write_text("{}\n")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "landing", tmp_path / "truth", **SMALL)
    assert (tmp_path / "landing" / "usage" / "real.jsonl").exists()


def test_customers_include_jpy_and_bhd_and_known_entities(demo):
    landing, _, _ = demo
    customers = _json(landing / "catalog/customers/customers.json")["customers"]
    currencies = Counter(c["currency"] for c in customers)
    assert currencies["JPY"] >= 1 and currencies["BHD"] >= 1
    assert {c["billing_entity_code"] for c in customers} == {"rh-us", "rh-eu"}
    assert "Asia/Tokyo" in {c["timezone"] for c in customers}
    envelope = _json(landing / "catalog/customers/customers.json")
    assert envelope["meta"]["total_count"] == len(customers)


def test_catalog_covers_the_required_models(demo):
    landing, _, _ = demo
    metrics = _json(landing / "catalog/billable_metrics/billable_metrics.json")["billable_metrics"]
    aggs = {m["aggregation_type"] for m in metrics}
    assert {"count_agg", "sum_agg", "max_agg", "unique_count_agg", "latest_agg", "weighted_sum_agg"} <= aggs
    assert any(m["recurring"] for m in metrics) and any(m["filters"] for m in metrics)
    plans = _json(landing / "catalog/plans/plans.json")["plans"]
    charges = [c for p in plans for c in p["charges"]]
    assert {"standard", "graduated", "volume", "package", "percentage"} <= {
        c["charge_model"] for c in charges
    }
    assert {p["interval"] for p in plans} >= {"monthly", "yearly", "quarterly"}
    assert any(p["bill_charges_monthly"] for p in plans) and any(p["minimum_commitment"] for p in plans)
    assert any(p["trial_period"] for p in plans)
    assert {p["pay_in_advance"] for p in plans} == {True, False}
    assert any(c["filters"] for c in charges) and any(
        "pricing_group_keys" in c["properties"] for c in charges
    )
    assert any(c["min_amount_cents"] for c in charges)
    grad = next(c for c in charges if c["charge_model"] == "graduated")
    assert any(Decimal(r["flat_amount"]) > 0 for r in grad["properties"]["graduated_ranges"])
    subs = _json(landing / "catalog/subscriptions/subscriptions.json")["subscriptions"]
    assert any(s["previous_plan_code"] for s in subs) and any(s["status"] == "terminated" for s in subs)
    tz = {
        c["external_id"]: c["timezone"]
        for c in _json(landing / "catalog/customers/customers.json")["customers"]
    }
    assert any(
        s["billing_time"] == "anniversary"
        and datetime.fromisoformat(s["subscription_at"])
        .astimezone(ZoneInfo(tz[s["external_customer_id"]]))
        .day
        == 31
        for s in subs
    )


def test_settings_as_of_and_fx_business_days(demo):
    landing, _, _ = demo
    settings = {r["key"]: r["value"] for r in _csv_rows(landing / "reference/settings/settings.csv")}
    # start 2026-01-01 + 3 months -> the first instant after March
    assert settings["as_of"] == "2026-04-01T00:00:00Z"
    # a parallel run over the whole window: revhouse takes over when it ends
    assert settings["cutover_date"] == "2026-04-01"
    lines = (landing / "fx/rates/eurofxref-hist.csv").read_text().splitlines()
    assert lines[0].startswith("Date,USD,JPY,") and all(line.endswith(",") for line in lines)
    days = [date.fromisoformat(line.split(",")[0]) for line in lines[1:]]
    assert all(d.weekday() < 5 for d in days) and date(2026, 1, 1) not in days
    assert (
        days == sorted(days, reverse=True) and days[-1] <= date(2026, 1, 2) and days[0] >= date(2026, 3, 27)
    )


def test_event_timestamp_formats_vary_and_cloudevents_exist(demo):
    landing, _, _ = demo
    stamps = [e[2]["timestamp"] for e in _events(landing) if e[2] and "timestamp" in e[2]]
    assert any(isinstance(t, int) for t in stamps) and any(isinstance(t, float) for t in stamps)
    assert any(isinstance(t, str) and t.endswith("Z") for t in stamps)
    assert any(isinstance(t, str) and t.endswith("+02:00") for t in stamps)
    assert any(isinstance(t, str) and re.fullmatch(r"\d+\.\d+", t) for t in stamps)
    ce_files = list((landing / "usage/events").glob("cloudevents_*.json"))
    assert ce_files
    batch = _json(ce_files[0])
    assert batch and all(e["specversion"] == "1.0" and e["type"] and e["subject"] and e["id"] for e in batch)


def test_salesforce_ids_and_lineage(demo):
    landing, _, _ = demo
    accounts = _csv_rows(landing / "crm/account/account.csv")
    opps = {o["Id"]: o for o in _csv_rows(landing / "crm/opportunity/opportunity.csv")}
    lines = _csv_rows(landing / "crm/opportunity_line_item/opportunity_line_item.csv")
    for a in accounts:
        assert len(a["Id"]) == 18 and a["Id"].startswith("001") and sf_checksum(a["Id"][:15]) == a["Id"][15:]
    short = [li for li in lines if len(li["OpportunityId"]) == 15]
    assert short, "some references must be written in the 15-character form"
    full = {k[:15]: k for k in opps}
    assert all(full[li["OpportunityId"][:15]] in opps for li in lines)
    customers = {c["external_id"] for c in _json(landing / "catalog/customers/customers.json")["customers"]}
    won = [o for o in opps.values() if o["StageName"] == "Closed Won" and o["IsDeleted"] == "false"]
    assert customers <= {o["External_Customer_Id__c"] for o in won}
    assert "Closed Lost" in {o["StageName"] for o in opps.values()}


# ------------------------------------------------------------------ planted faults
def test_every_fault_type_is_planted(faults):
    assert {f["fault_type"] for f in faults} == set(FAULT_TYPES)
    assert len({f["fault_id"] for f in faults}) == len(faults)


def test_duplicate_events_really_appear_twice(demo, faults):
    landing, _, _ = demo
    keys = Counter(
        f"{o['external_subscription_id']}|{o['transaction_id']}"
        for _, _, o, _ in _events(landing)
        if o and "transaction_id" in o
    )
    dups = [f for f in faults if f["fault_type"] == "duplicate_event"]
    assert dups
    for f in dups:
        assert keys[f["record_key"]] == 2, f
        assert f["record_key"].split("|")[1] in (landing / f["file"]).read_text()


def test_bad_rows_are_bad_for_the_stated_reason(demo, faults):
    landing, _, _ = demo
    for f in (f for f in faults if f["fault_type"] == "bad_row"):
        line = (landing / f["file"]).read_text().splitlines()[int(f["record_key"].split()[1]) - 1]
        if f["note"] == "truncated JSON":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
            continue
        obj = json.loads(line)
        if f["note"] == "missing transaction_id":
            assert "transaction_id" not in obj
        elif f["note"] == "negative quantity":
            assert any(isinstance(v, int | float) and v < 0 for v in obj["properties"].values())
        elif f["note"] == "unparseable timestamp":
            with pytest.raises(ValueError):
                datetime.fromisoformat(obj["timestamp"].replace("Z", "+00:00"))
        else:
            pytest.fail(f["note"])


def test_unknown_metric_and_spike(demo, faults):
    landing, _, _ = demo
    codes = {
        m["code"]
        for m in _json(landing / "catalog/billable_metrics/billable_metrics.json")["billable_metrics"]
    }
    events = _events(landing)
    by_txn = {o["transaction_id"]: o for _, _, o, _ in events if o and "transaction_id" in o}
    for f in (f for f in faults if f["fault_type"] == "unknown_metric"):
        assert by_txn[f["record_key"].split("|")[1]]["code"] not in codes
    spike = next(f for f in faults if f["fault_type"] == "usage_spike")
    sub, day = spike["record_key"].split("|")
    per_file = Counter(
        file
        for file, _, o, _ in events
        if o and o.get("external_subscription_id") == sub and o.get("code") == "api_calls"
    )
    top, usual = per_file.most_common(1)[0][1], sorted(per_file.values())[len(per_file) // 2]
    assert per_file[spike["file"]] == top and top >= 10 * usual


def test_billing_faults_are_in_the_invoices(demo, faults):
    landing, _, _ = demo
    invoices = {
        i["number"]: i
        for p in (landing / "billed/lago_invoices").glob("*.json")
        for i in _json(p)["invoices"]
    }
    plans = {p["code"]: p for p in _json(landing / "catalog/plans/plans.json")["plans"]}
    by_type = {f["fault_type"]: f for f in faults if f["source"] == "billed"}

    inv = invoices[by_type["missed_proration"]["record_key"]]
    # a part of the period (units = share of the period's days < 1) billed at the full plan amount
    assert any(
        x["item"]["type"] == "subscription"
        and Decimal(x["units"]) < 1
        and x["amount_cents"] == plans[x["item"]["code"]]["amount_cents"]
        for x in inv["fees"]
    )

    f = by_type["unbilled_usage"]
    number, sub, code = f["record_key"].split("|")
    inv = invoices[number]
    assert any(x["external_subscription_id"] == sub for x in inv["fees"])
    assert not any(
        x["item"]["type"] == "charge" and x["item"]["code"] == code and x["external_subscription_id"] == sub
        for x in inv["fees"]
    )
    assert any(
        o and o.get("external_subscription_id") == sub and o.get("code") == code
        for _, _, o, _ in _events(landing)
    )
    assert int(f["expected_effect_minor"]) < 0

    f = by_type["duplicate_charge"]
    dup = invoices[f["record_key"]]
    twins = [
        i
        for i in invoices.values()
        if i["number"] != dup["number"]
        and i["customer"]["external_id"] == dup["customer"]["external_id"]
        and i["issuing_date"] == dup["issuing_date"]
        and [x["amount_cents"] for x in i["fees"]] == [x["amount_cents"] for x in dup["fees"]]
    ]
    assert twins and int(f["expected_effect_minor"]) == dup["fees_amount_cents"]


def test_invoice_arithmetic_closes(demo):
    """Every invoice closes, except those the assurance truth plants as `invoice_total_mismatch`."""
    landing, truth, _ = demo
    planted = {
        r["invoice_number"]
        for r in _csv_rows(truth / "assurance_cases.csv")
        if r["fault_type"] == "invoice_total_mismatch"
    }
    checked = 0
    for p in (landing / "billed/lago_invoices").glob("*.json"):
        for inv in _json(p)["invoices"]:
            if inv["number"] in planted:
                assert inv["total_amount_cents"] != (
                    inv["sub_total_including_taxes_amount_cents"] - inv["prepaid_credit_amount_cents"]
                )
                checked += 1
                continue
            assert sum(x["amount_cents"] for x in inv["fees"]) == inv["fees_amount_cents"]
            assert (
                inv["sub_total_excluding_taxes_amount_cents"]
                == inv["fees_amount_cents"] - inv["coupons_amount_cents"]
            )
            assert (
                inv["total_amount_cents"]
                == inv["sub_total_including_taxes_amount_cents"] - inv["prepaid_credit_amount_cents"]
                >= 0
            )
    assert checked == len(planted)


def test_crm_faults(demo, faults):
    landing, _, _ = demo
    customers = {
        c["external_id"]: c for c in _json(landing / "catalog/customers/customers.json")["customers"]
    }
    accounts = {a["Id"][:15]: a for a in _csv_rows(landing / "crm/account/account.csv")}
    contracts = {c["Id"]: c for c in _csv_rows(landing / "crm/contract/contract.csv")}
    f = next(f for f in faults if f["fault_type"] == "crm_contract_never_billed")
    c = contracts[f["record_key"]]
    assert c["Status"] == "Activated"
    assert accounts[c["AccountId"][:15]]["External_Customer_Id__c"] not in customers
    # starter_usd, 3 months, the last one not yet invoiced at as_of: 2 x 49.00
    assert int(f["expected_effect_minor"]) == -2 * 4900

    f = next(f for f in faults if f["fault_type"] == "contract_ne_invoice")
    subs = [
        s
        for s in _json(landing / "catalog/subscriptions/subscriptions.json")["subscriptions"]
        if s["external_customer_id"] == f["external_customer_id"]
    ]
    opps = {
        o["Id"]: o
        for o in _csv_rows(landing / "crm/opportunity/opportunity.csv")
        if o["External_Customer_Id__c"] == f["external_customer_id"] and o["StageName"] == "Closed Won"
    }
    line = next(
        li
        for li in _csv_rows(landing / "crm/opportunity_line_item/opportunity_line_item.csv")
        if any(k.startswith(li["OpportunityId"][:15]) for k in opps)
    )
    list_price = Decimal(subs[0]["plan_amount_cents"]) / 100
    assert Decimal(line["UnitPrice"]) == (list_price * Decimal("0.9")).quantize(Decimal("0.01"))


def test_payment_faults_and_flows(demo, faults):
    landing, _, _ = demo
    charges = [c for p in (landing / "payments/stripe").glob("charges_*.json") for c in _json(p)["data"]]
    by_id = {c["id"]: c for c in charges}
    f = next(f for f in faults if f["fault_type"] == "payment_without_invoice")
    stray = by_id[f["record_key"]]
    assert (
        stray["invoice"] is None
        and "invoice_number" not in stray["metadata"]
        and stray["status"] == "succeeded"
    )
    f = next(f for f in faults if f["fault_type"] == "duplicate_charge" and f["source"] == "payments")
    inv_no = by_id[f["record_key"]]["metadata"]["invoice_number"]
    assert (
        sum(
            1 for c in charges if c["metadata"].get("invoice_number") == inv_no and c["status"] == "succeeded"
        )
        == 2
    )
    # a failed card payment later recovered on the same invoice
    failed = [c for c in charges if c["status"] == "failed"]
    assert failed and any(
        c["status"] == "succeeded" and c["invoice"] == failed[0]["invoice"] for c in charges
    )
    assert any(_json(p)["data"] for p in (landing / "payments/stripe").glob("refunds_*.json"))
    assert any(_json(p)["data"] for p in (landing / "payments/stripe").glob("disputes_*.json"))


def test_adyen_and_gocardless_shapes(demo):
    landing, _, _ = demo
    types = Counter()
    for p in (landing / "payments/adyen").glob("settlement_detail_report_batch_*.csv"):
        rows = _csv_rows(p)
        assert rows and {"TimeZone", "Psp Reference", "Merchant Reference", "Batch Number"} <= set(rows[0])
        types.update(r["Type"] for r in rows)
    assert {"Settled", "Fee", "MerchantPayout"} <= set(types)
    statuses = {}
    for p in sorted((landing / "payments/gocardless").glob("payments_*.json")):
        for pm in _json(p)["payments"]:
            statuses.setdefault(pm["id"], []).append(pm["status"])
    assert all(s[0] == "paid_out" for s in statuses.values())


def test_default_company_has_all_payment_paths(tmp_path):
    """The default size (run by `make run`) must show every gateway path, quickly."""
    import time

    t0 = time.perf_counter()
    summary = generate(tmp_path / "landing", tmp_path / "truth")
    assert time.perf_counter() - t0 < 30
    landing = tmp_path / "landing"
    types = Counter(r["Type"] for p in (landing / "payments/adyen").glob("*.csv") for r in _csv_rows(p))
    assert {"Settled", "Refunded", "Chargeback", "Fee", "MerchantPayout"} <= set(types)
    statuses = {}
    for p in sorted((landing / "payments/gocardless").glob("payments_*.json")):
        for pm in _json(p)["payments"]:
            statuses.setdefault(pm["id"], []).append(pm["status"])
    assert any(s == ["paid_out", "charged_back"] for s in statuses.values())
    assert summary["customers_by_currency"]["JPY"] >= 1 and summary["customers_by_currency"]["BHD"] >= 1


# ------------------------------------------------------------------ rating rules against pricing.md examples
def _charge(model: str, props: dict) -> Charge:
    return Charge("id", "c", "api_calls", model, props)


def test_charge_models_match_the_pricing_examples():
    # graduated [0-10: 10.00/unit + 2.00], [11-20: 5.00/unit + 3.00], u = 11 -> 10x10 + 2 + 1x5 + 3 = 110.00
    grad = {
        "graduated_ranges": [
            {"from_value": 0, "to_value": 10, "per_unit_amount": "10", "flat_amount": "2"},
            {"from_value": 11, "to_value": 20, "per_unit_amount": "5", "flat_amount": "3"},
        ]
    }
    assert charge_amount(_charge("graduated", grad), grad, Decimal(11), []) == Decimal("110")
    # first tier's flat amount is charged at u = 0
    assert charge_amount(_charge("graduated", grad), grad, Decimal(0), []) == Decimal("2")
    # volume [0-100: 1.00], [101-1000: 0.80 + 10.00], u = 150 -> 150 x 0.80 + 10 = 130.00
    vol = {
        "volume_ranges": [
            {"from_value": 0, "to_value": 100, "per_unit_amount": "1", "flat_amount": "0"},
            {"from_value": 101, "to_value": 1000, "per_unit_amount": "0.8", "flat_amount": "10"},
        ]
    }
    assert charge_amount(_charge("volume", vol), vol, Decimal(150), []) == Decimal("130")
    # package size 100, amount 5.00, free 50, u = 251 -> ceil(201 / 100) = 3 packages -> 15.00
    pkg = {"package_size": 100, "amount": "5", "free_units": 50}
    assert charge_amount(_charge("package", pkg), pkg, Decimal(251), []) == Decimal("15")


def test_anniversary_periods_clamp_to_short_months():
    # pricing.md: start 31 Jan 2022 -> 31 Jan-27 Feb, 28 Feb-30 Mar, 31 Mar-29 Apr, 30 Apr-30 May
    team = next(p for p in build_plans(__import__("random").Random(1)) if p.billing_time == "anniversary")
    anchor = date(2022, 1, 31)
    got = [
        _period_containing(team, d, anchor)
        for d in (date(2022, 2, 1), date(2022, 3, 1), date(2022, 4, 1), date(2022, 5, 1))
    ]
    assert got == [
        (date(2022, 1, 31), date(2022, 2, 27)),
        (date(2022, 2, 28), date(2022, 3, 30)),
        (date(2022, 3, 31), date(2022, 4, 29)),
        (date(2022, 4, 30), date(2022, 5, 30)),
    ]


# ------------------------------------------------------------------ benchmark stream
def test_stream_events_parquet_writes_the_requested_rows(tmp_path):
    paths = stream_events_parquet(
        tmp_path, customers=50, months=2, events=25_000, seed=3, chunk_rows=10_000, progress=False
    )
    assert len(paths) == 3
    tables = [pq.read_table(p) for p in paths]
    assert [t.num_rows for t in tables] == [10_000, 10_000, 5_000]
    cols = set(tables[0].column_names)
    assert {"transaction_id", "external_subscription_id", "code", "timestamp", "properties"} <= cols
    txns = [x for t in tables for x in t.column("transaction_id").to_pylist()]
    assert len(set(txns)) == 25_000
    props = tables[0].column("properties").to_pylist()[:100]
    assert all(isinstance(json.loads(p), dict) for p in props)
    again = stream_events_parquet(
        tmp_path / "again", customers=50, months=2, events=25_000, seed=3, chunk_rows=10_000, progress=False
    )
    assert [pq.read_table(p).equals(t) for p, t in zip(again, tables, strict=True)] == [True] * 3


# ------------------------------------------------------------------ collections (issue #12)
def _all(landing: Path, pattern: str, key: str) -> list[dict]:
    return [o for p in sorted(landing.glob(pattern)) for o in _json(p)[key]]


def _billed(landing: Path) -> dict[str, dict]:
    return {i["number"]: i for i in _all(landing, "billed/lago_invoices/*.json", "invoices")}


def test_payment_terms_customer_wins_and_zero_is_a_value(demo):
    landing, truth, _ = demo
    entities = {r["entity_id"]: r for r in _csv_rows(landing / "reference/entities/entities.csv")}
    assert {e: int(r["net_payment_term"]) for e, r in entities.items()} == {"rh-us": 30, "rh-eu": 45}
    assert entities["rh-us"]["applied_dunning_campaign_code"] == "default_dunning"
    customers = {
        c["external_id"]: c for c in _json(landing / "catalog/customers/customers.json")["customers"]
    }
    assert any(c["net_payment_term"] == 0 and c["billing_entity_code"] == "rh-eu" for c in customers.values())
    assert any(c["net_payment_term"] is None for c in customers.values())
    for number, inv in _billed(landing).items():
        c = customers[inv["customer"]["external_id"]]
        own = c["net_payment_term"]
        term = own if own is not None else int(entities[c["billing_entity_code"]]["net_payment_term"])
        assert inv["net_payment_term"] == term, number
        due = date.fromisoformat(inv["payment_due_date"]) - date.fromisoformat(inv["issuing_date"])
        assert due.days == term, number
    terms = {r["invoice_number"]: r for r in _csv_rows(truth / "payment_terms.csv")}
    assert set(terms) == set(_billed(landing))
    assert all(terms[n]["payment_due_date"] == i["payment_due_date"] for n, i in _billed(landing).items())


def test_collections_cases_are_landed_as_the_truth_says(demo):
    landing, truth, _ = demo
    cases = _csv_rows(truth / "collections_cases.csv")
    assert {c["case"] for c in cases} >= {
        "partial_payment",
        "overpayment",
        "refund_without_credit_note",
        "chargeback",
        "dispute_won",
        "payment_without_reference",
        "currency_mismatch",
    }
    billed = _billed(landing)
    charges = {c["id"]: c for c in _all(landing, "payments/stripe/charges_*.json", "data")}
    refunds = _all(landing, "payments/stripe/refunds_*.json", "data")
    disputes = _all(landing, "payments/stripe/disputes_*.json", "data")
    lago = {p["lago_id"]: p for p in _json(landing / "catalog/payments/payments.json")["payments"]}
    adyen = [r for p in sorted((landing / "payments/adyen").glob("*.csv")) for r in _csv_rows(p)]
    for c in cases:
        inv = billed[c["invoice_number"]]
        total = inv["total_amount_cents"]
        amount = int(c["amount_minor"])
        applied, unapplied, refunded, cb, reinst, due = (int(c[k]) for k in CASE_COLUMNS[8:14])
        # collections.md §4.6: nothing lost, every part >= 0
        assert amount == applied + unapplied + refunded + cb - reinst, c["case"]
        assert min(applied, unapplied, refunded, cb, reinst) >= 0
        assert (
            inv["currency"] == c["currency"] and inv["customer"]["external_id"] == c["external_customer_id"]
        )
        if c["gateway"] == "stripe":
            ch = charges[c["payment_id"]]
            assert ch["amount"] == amount and ch["currency"] == c["payment_currency"].lower()
            assert ch["status"] == "succeeded"
            assert ch["customer"] == inv["customer"]["billing_configuration"]["provider_customer_id"]
            mine_r = sum(r["amount"] for r in refunds if r["charge"] == ch["id"])
            mine_d = [d for d in disputes if d["charge"] == ch["id"]]
            assert mine_r == refunded
            assert sum(d["amount"] for d in mine_d) == cb
            assert sum(d["amount"] for d in mine_d if d["status"] == "won") == reinst
            if c["case"] == "payment_without_reference":
                assert ch["invoice"] is None and ch["metadata"] == {}
                assert c["expected_match"].startswith("score 0.9")
            else:
                assert ch["invoice"] == c["invoice_number"]
        elif c["gateway"] == "lago":
            p = lago[c["payment_id"]]
            assert p["invoice_ids"] == [inv["lago_id"]] and p["amount_cents"] == amount
            assert inv["total_paid_amount_cents"] == amount and inv["total_due_amount_cents"] == due
        elif c["gateway"] == "adyen":
            (row,) = [
                r for r in adyen if r["Merchant Reference"] == c["invoice_number"] and r["Type"] == "Settled"
            ]
            assert Decimal(row["Gross Credit (GC)"]).scaleb(3 if c["currency"] == "BHD" else 2) == amount
        if c["case"] == "partial_payment":
            assert applied < total and due == total - applied and inv["payment_status"] == "pending"
        if c["case"] == "overpayment":
            assert applied == total and unapplied == amount - total > 0
        if c["case"] == "chargeback":
            assert inv["payment_dispute_lost_at"] is not None and due == total


def test_dunning_attempts_follow_the_campaign_rule(demo):
    landing, truth, _ = demo
    (campaign,) = _json(landing / "catalog/dunning_campaigns/dunning_campaigns.json")["dunning_campaigns"]
    thresholds = {t["currency"]: t["amount_cents"] for t in campaign["thresholds"]}
    assert campaign["applied_to_organization"] and len(thresholds) >= 2
    requests = {
        r["lago_id"]: r
        for r in _json(landing / "catalog/payment_requests/payment_requests.json")["payment_requests"]
    }
    attempts = _csv_rows(truth / "dunning_attempts.csv")
    assert {a["payment_request_id"] for a in attempts} == set(requests)
    billed = _billed(landing)
    by_customer: dict[str, list[dict]] = {}
    for a in attempts:
        r = requests[a["payment_request_id"]]
        assert r["amount_cents"] == int(a["amount_minor"]) and r["payment_status"] == a["payment_status"]
        assert r["dunning_campaign_code"] == campaign["code"] and r["amount_currency"] == a["currency"]
        invs = [billed[n] for n in a["invoice_numbers"].split(";")]
        assert {i["lago_id"] for i in invs} == {i["lago_id"] for i in r["invoices"]}
        # B(c) is the sum of totals (§2.4 step 3) and meets the currency's threshold
        assert sum(i["total_amount_cents"] for i in invs) >= thresholds[a["currency"]]
        at = datetime.fromisoformat(a["attempted_at"].replace("Z", "+00:00"))
        assert at.minute == 45
        assert all(date.fromisoformat(i["payment_due_date"]) <= at.date() for i in invs)
        by_customer.setdefault(a["external_customer_id"], []).append(a)
    for rows in by_customer.values():
        times = [datetime.fromisoformat(a["attempted_at"].replace("Z", "+00:00")) for a in rows]
        # strictly more than days_between_attempts apart; never beyond max_attempts
        assert all(
            (b - a).total_seconds() > campaign["days_between_attempts"] * 86400
            for a, b in zip(times, times[1:], strict=False)
        )
        assert all(1 <= int(a["attempt"]) <= campaign["max_attempts"] for a in rows)
    summary = _csv_rows(truth / "dunning.csv")
    recovered = [s for s in summary if s["case"] == "dunning_recovered"]
    assert len(recovered) == 2
    for s in recovered:
        assert s["recovered"] == "True" and s["recovered_at_attempt"] == "2" and s["attempts"] == "2"
        won = [a for a in by_customer[s["external_customer_id"]] if a["payment_status"] == "succeeded"]
        (w,) = won
        charges = _all(landing, "payments/stripe/charges_*.json", "data")
        paid = [c for c in charges if c["metadata"].get("lago_payable_id") == w["payment_request_id"]]
        assert [c["status"] for c in paid] == ["succeeded"] and paid[0]["amount"] == int(s["recovered_minor"])
    # no threshold for JPY: JPY is never dunned
    assert not any(a["currency"] not in thresholds for a in attempts)


def test_default_company_plants_involuntary_churn(tmp_path):
    generate(tmp_path / "landing", tmp_path / "truth")
    (churn,) = [s for s in _csv_rows(tmp_path / "truth/dunning.csv") if s["churned"] == "True"]
    assert churn["recovered"] == "False" and churn["attempts"] == "3"
    subs = {
        s["external_id"]: s
        for s in _json(tmp_path / "landing/catalog/subscriptions/subscriptions.json")["subscriptions"]
    }
    sub = subs[churn["subscription_external_id"]]
    assert sub["status"] == "terminated" and sub["terminated_at"] == churn["terminated_at"]
    rows = [
        a
        for a in _csv_rows(tmp_path / "truth/dunning_attempts.csv")
        if a["external_customer_id"] == churn["external_customer_id"]
    ]
    last = datetime.fromisoformat(rows[-1]["attempted_at"].replace("Z", "+00:00"))
    first = datetime.fromisoformat(rows[0]["attempted_at"].replace("Z", "+00:00"))
    term = datetime.fromisoformat(churn["terminated_at"].replace("Z", "+00:00"))
    assert first < term and (term - last).days <= 30


def test_every_payout_reconciles_in_truth_and_landing(demo):
    landing, truth, _ = demo
    payouts = _csv_rows(truth / "payouts.csv")
    assert {p["gateway"] for p in payouts} == {"stripe", "adyen", "gocardless"}
    for p in payouts:
        g, r, cb, f, adj, net, amt = (int(p[k]) for k in PAYOUT_COLUMNS[3:10])
        assert g - r - cb - f + adj == net == amt, p["payout_id"]
    bts = _all(landing, "payments/stripe/balance_transactions_*.json", "data")
    stripe_po = {o["id"]: o for o in _all(landing, "payments/stripe/payouts_*.json", "data")}
    gc_po = {o["id"]: o for o in _all(landing, "payments/gocardless/payouts_*.json", "payouts")}
    adyen = [r for q in sorted((landing / "payments/adyen").glob("*.csv")) for r in _csv_rows(q)]
    for p in payouts:
        amt = int(p["payout_amount_minor"])
        if p["gateway"] == "stripe":
            mine = [b for b in bts if b.get("payout") == p["payout_id"]]
            assert stripe_po[p["payout_id"]]["amount"] == amt == sum(b["net"] for b in mine)
            assert sum(b["fee"] for b in mine) == int(p["fees_minor"])
        elif p["gateway"] == "gocardless":
            items = _json(landing / f"payments/gocardless/payout_items/payout_items_{p['payout_id']}.json")[
                "payout_items"
            ]
            fees = -sum(Decimal(i["amount"]) for i in items if i["type"] == "gocardless_fee")
            gross = sum(Decimal(i["amount"]) for i in items if i["type"] == "payment_paid_out")
            assert gc_po[p["payout_id"]]["amount"] == amt and gc_po[p["payout_id"]]["deducted_fees"] == int(
                p["fees_minor"]
            )
            assert int(fees.quantize(Decimal(1), rounding=ROUND_HALF_UP)) == int(p["fees_minor"])
            assert gross == int(p["gross_minor"])
        else:
            account, batch = p["payout_id"].split(":")
            (po,) = [
                r
                for r in adyen
                if r["Merchant Account"] == account
                and r["Batch Number"] == batch
                and r["Type"] == "MerchantPayout"
            ]
            assert Decimal(po["Net Debit (NC)"]).scaleb(3 if p["currency"] == "BHD" else 2) == amt


# ------------------------------------------------------------------ SaaS metrics cases and MRR truth
@pytest.fixture(scope="module")
def default_demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("default")
    generate(base / "landing", base / "truth")
    return base / "landing", base / "truth"


def test_mrr_cases_carry_the_hand_worked_figures(default_demo):
    _, truth = default_demo
    got = {
        (r["case"], r["month"]): (r["movement"], int(r["amount_minor"]))
        for r in _csv_rows(truth / "mrr_cases.csv")
    }
    # worked by hand from B1-B3/B10 and the plans (starter 49.00, growth 299.00, team 99.00 USD)
    assert got[("reactivation", "2026-02")] == ("churn", 4900)
    assert got[("reactivation", "2026-03")] == ("reactivation", 4900)
    assert {v for (c, _), v in got.items() if c == "cancel_and_return"} == {("none", 0)}
    assert got[("yearly_plan", "2026-02")] == ("new", 250000)  # 24,000.00/12 + (30,000.00 - 24,000.00)/12
    assert got[("weekly_plan", "2026-01")] == ("new", 13000)  # 30.00 × 52/12
    assert got[("percent_coupon_expiry", "2026-02")] == ("new", 3920)  # 49.00 × 0.8
    assert got[("percent_coupon_expiry", "2026-05")] == ("expansion", 980)  # after 3 monthly invoices
    assert got[("amount_coupon_expiry", "2026-03")] == ("new", 3400)  # 49.00 - 15.00
    assert got[("amount_coupon_expiry", "2026-05")] == ("expansion", 1500)  # after 2 monthly invoices
    assert got[("mid_month_upgrade", "2026-03")] == ("expansion", 25000)  # 299.00 - 49.00
    assert got[("downgrade", "2026-04")] == ("contraction", 25000)
    assert got[("trial_converts", "2026-03")] == ("new", 29900)  # trial 21 Feb + 14 days = 7 Mar
    assert got[("trial_never_converts", "2026-03")] == ("absent", 0)
    assert got[("free_plan", "2026-03")] == ("new", 4900)  # 0 on the free plan is not paying
    assert got[("contraction_not_churn", "2026-03")] == ("contraction", 9900)
    assert [v for (c, _), v in got.items() if c == "involuntary_churn"][0][0] == "churn"
    scheduled = [r for r in _csv_rows(truth / "mrr_cases.csv") if r["case"] == "scheduled_churn"]
    assert scheduled[-1]["month"] == "2026-06" and scheduled[-1]["scheduled_churn_minor"] == "9900"
    fx = [r for r in _csv_rows(truth / "mrr_cases.csv") if r["case"] == "fx_rate_change"]
    assert len(fx) == 6 and all(r["fx_impact_reporting_minor"] != "" for r in fx)


def test_mrr_cases_are_in_the_landed_subscriptions(default_demo):
    landing, truth = default_demo
    subs = _json(landing / "catalog/subscriptions/subscriptions.json")["subscriptions"]
    plans = {p["code"]: p for p in _json(landing / "catalog/plans/plans.json")["plans"]}
    customers = {
        c["external_id"]: c for c in _json(landing / "catalog/customers/customers.json")["customers"]
    }
    applied = {
        a["external_customer_id"]: a
        for a in _json(landing / "catalog/applied_coupons/applied_coupons.json")["applied_coupons"]
    }
    coupons = {c["code"]: c for c in _json(landing / "catalog/coupons/coupons.json")["coupons"]}
    case_of = {r["case"]: r for r in _csv_rows(truth / "mrr_cases.csv")}

    def subs_of(case: str) -> list[dict]:
        return [s for s in subs if s["external_customer_id"] == case_of[case]["external_customer_id"]]

    for r in case_of.values():
        assert customers[r["external_customer_id"]]["currency"] == r["currency"]
    assert {plans[s["plan_code"]]["interval"] for s in subs_of("weekly_plan")} == {"weekly"}
    assert {plans[s["plan_code"]]["interval"] for s in subs_of("yearly_plan")} == {"yearly"}
    assert plans[subs_of("free_plan")[0]["plan_code"]]["amount_cents"] == 0
    (sched,) = subs_of("scheduled_churn")
    assert (
        sched["status"] == "active" and sched["terminated_at"] is None and sched["ending_at"] > "2026-07-01"
    )
    (lapsed,) = subs_of("trial_never_converts")
    assert lapsed["terminated_at"] < lapsed["trial_ended_at"]
    for case, kind in (("percent_coupon_expiry", "percentage"), ("amount_coupon_expiry", "fixed_amount")):
        a = applied[case_of[case]["external_customer_id"]]
        assert coupons[a["coupon_code"]]["coupon_type"] == kind and a["frequency"] == "recurring"
    upgraded = subs_of("mid_month_upgrade")
    assert (
        len({s["external_id"] for s in upgraded}) == 1 and upgraded[1]["previous_plan_code"] == "starter_usd"
    )
    assert len({s["external_id"] for s in subs_of("contraction_not_churn")}) == 2
    assert customers[case_of["fx_rate_change"]["external_customer_id"]]["currency"] == "EUR"


def test_mrr_truth_covers_landed_customers_with_rates_at_every_month_end(default_demo):
    landing, truth = default_demo
    rows = _csv_rows(truth / "mrr.csv")
    customers = {
        c["external_id"]: c for c in _json(landing / "catalog/customers/customers.json")["customers"]
    }
    subs = _json(landing / "catalog/subscriptions/subscriptions.json")["subscriptions"]
    assert all(customers[r["external_customer_id"]]["currency"] == r["currency"] for r in rows)
    assert len({(r["external_customer_id"], r["month"]) for r in rows}) == len(rows)
    # every customer with a paid plan and no trial-only life has a truth series
    paying = {
        s["external_customer_id"] for s in subs if s["plan_amount_cents"] > 0 and s["trial_ended_at"] is None
    }
    assert paying <= {r["external_customer_id"] for r in rows}
    # ECB rates from the earliest subscription start: every month end has one within the last 5 days
    dates = sorted(date.fromisoformat(r["Date"]) for r in _csv_rows(landing / "fx/rates/eurofxref-hist.csv"))
    first = min(date.fromisoformat(s["started_at"][:10]) for s in subs)
    assert dates[0] <= first
    for r in rows:
        end = date.fromisoformat(r["month_end_date"])
        assert any(0 <= (end - d).days <= 5 for d in dates), end


def test_crm_accounts_and_opportunities_carry_segments(default_demo):
    landing, _ = default_demo
    customers = {c["external_id"] for c in _json(landing / "catalog/customers/customers.json")["customers"]}
    accounts = _csv_rows(landing / "crm/account/account.csv")
    opps = _csv_rows(landing / "crm/opportunity/opportunity.csv")
    linked = [a for a in accounts if a["External_Customer_Id__c"] in customers]
    assert len({a["External_Customer_Id__c"] for a in linked}) == len(customers)
    assert sum(1 for a in linked if a["Industry"]) >= 0.8 * len(linked)
    assert sum(1 for o in opps if o["LeadSource"]) >= 0.8 * len(opps)
    by_id = {a["Id"]: a for a in accounts}
    assert all(by_id[o["AccountId"]]["External_Customer_Id__c"] == o["External_Customer_Id__c"] for o in opps)


def test_revrec_reference_files_and_goodwill_credit_notes(demo):
    """The SSP price book prices the bundle plan at 125% of its list price (so its invoices are
    allocated by relative SSP), and each planted goodwill note credits a share of the plan line of
    a landed Lago invoice, named by that invoice's lago_id and the line's fee lago_id."""
    from dagster_project.demo import revrec

    landing, truth, _ = demo
    plans = {p["code"]: p for p in _json(landing / "catalog/plans/plans.json")["plans"]}
    with (landing / "reference/ssp/ssp.csv").open() as f:
        (ssp,) = list(csv.DictReader(f))
    list_price = plans[revrec.BUNDLE_PLAN]["amount_cents"]
    assert int(ssp["ssp_minor"]) == list_price * 125 // 100 and ssp["product"] == revrec.BUNDLE_PLAN
    with (landing / "reference/chart_of_accounts/chart_of_accounts.csv").open() as f:
        roles = {r["account_role"] for r in csv.DictReader(f)}
    assert roles == {
        "cash", "accounts_receivable", "unbilled_receivable", "tax_payable", "deferred_revenue",
        "revenue", "contra_revenue", "fx_gain_loss",
    }  # fmt: skip

    invoices = {
        inv["lago_id"]: inv
        for path in (landing / "billed/lago_invoices").glob("*.json")
        for inv in _json(path)["invoices"]
    }
    notes = _json(landing / "billed/lago_credit_notes/credit_notes.json")["credit_notes"]
    with (truth / "revrec_credit_notes.csv").open() as f:
        planted = list(csv.DictReader(f))
    assert [n["number"] for n in notes] == [p["credit_note_number"] for p in planted]
    assert [p["case"] for p in planted] == ["goodwill"]  # 3 months: no closed March before the last month
    for note, row in zip(notes, planted, strict=True):
        invoice = invoices[note["lago_invoice_id"]]
        assert invoice["number"] == note["invoice_number"] == row["invoice_number"]
        (item,) = note["items"]
        fee = next(f for f in invoice["fees"] if f["lago_id"] == item["fee"]["lago_id"])
        assert fee["item"]["type"] == "subscription"
        # 20% of the line, half away from zero
        expected = int((Decimal(fee["amount_cents"]) * Decimal("0.2")).quantize(Decimal(1), ROUND_HALF_UP))
        assert (
            note["sub_total_excluding_taxes_amount_cents"]
            == expected
            == int(row["sub_total_excluding_taxes_minor"])
        )
        assert note["total_amount_cents"] == expected + note["taxes_amount_cents"]
        assert note["reason"] == "other" and note["balance_amount_cents"] == 0
        assert note["issuing_date"] > invoice["issuing_date"]


def test_late_credit_note_is_dated_in_a_closed_month_and_created_after_its_close(tmp_path):
    landing, truth = tmp_path / "landing", tmp_path / "truth"
    generate(landing, truth, customers=40, months=6, seed=7, start=date(2026, 1, 1))
    with (truth / "revrec_credit_notes.csv").open() as f:
        late = next(r for r in csv.DictReader(f) if r["case"] == "late_in_closed_month")
    with (landing / "reference/period_closes/period_closes.csv").open() as f:
        closes = {(r["entity_id"], r["period"]): r["closed_at"] for r in csv.DictReader(f)}
    assert late["issuing_date"] == "2026-03-31"
    closed_at = max(v for (_, period), v in closes.items() if period == "2026-03")
    assert late["created_at"] > closed_at.replace("Z", "")
    assert int(late["sub_total_excluding_taxes_minor"]) > 0
