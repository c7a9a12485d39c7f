"""Lago catalog objects: every sample loads as it is, flattened into the child tables."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from conftest import FORMATS

from dagster_project.ingest.sources.catalog import ENTITIES

LAGO = FORMATS / "lago"

# sample -> landing folder and the rows expected per table, counted by hand from the sample
SAMPLES = {
    "billable_metric.json": (
        "billable_metrics",
        {"lago_billable_metrics": 1, "lago_billable_metric_filters": 3},
    ),
    # plan + 1 plan tax + 1 threshold + 1 charge (+1 charge tax, 1 filter, 1 filter value)
    "plan.json": (
        "plans",
        {
            "lago_plans": 1,
            "lago_plan_taxes": 1,
            "lago_plan_usage_thresholds": 1,
            "lago_charges": 1,
            "lago_charge_taxes": 1,
            "lago_charge_filters": 1,
            "lago_charge_filter_values": 1,
        },
    ),
    # 1 plan, 1 charge with 2 graduated ranges
    "graduated_plan.json": ("plans", {"lago_plans": 1, "lago_charges": 1, "lago_charge_ranges": 2}),
    # 3 plans in a {"plans": [...], "meta": {...}} envelope: plan_api4 (1 tax, 1 charge with 1
    # filter of 1 value), plan_api2 (1 charge), nj_ (nothing)
    "plans_list.json": (
        "plans",
        {
            "lago_plans": 3,
            "lago_plan_taxes": 1,
            "lago_charges": 2,
            "lago_charge_filters": 1,
            "lago_charge_filter_values": 1,
        },
    ),
    "customer.json": ("customers", {"lago_customers": 1, "lago_customer_taxes": 1}),
    "subscription.json": ("subscriptions", {"lago_subscriptions": 1}),
    # subscription + embedded plan: 5 charges (package, graduated x2 ranges, standard with 3
    # filters of 1 value each, volume x2 ranges, percentage), 1 plan tax, 1 threshold
    "subscription_plan_all_charge_models.json": (
        "subscriptions",
        {
            "lago_subscriptions": 1,
            "lago_plans": 1,
            "lago_charges": 5,
            "lago_charge_ranges": 4,
            "lago_charge_filters": 3,
            "lago_charge_filter_values": 3,
            "lago_plan_taxes": 1,
            "lago_plan_usage_thresholds": 1,
        },
    ),
    "coupon.json": ("coupons", {"lago_coupons": 1}),
    "applied_coupon.json": ("applied_coupons", {"lago_applied_coupons": 1}),
    "tax.json": ("taxes", {"lago_taxes": 1}),
    "wallet.json": ("wallets", {"lago_wallets": 1}),
    "wallet_transaction.json": ("wallet_transactions", {"lago_wallet_transactions": 3}),
    "add_on.json": ("add_ons", {"lago_add_ons": 1}),
    "credit_note.json": ("credit_notes", {"lago_credit_notes": 1}),
    # one manual payment of one invoice (invoice_ids has one id)
    "payment.json": ("payments", {"lago_payments": 1, "lago_payment_invoices": 1}),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_lago_catalog_sample_loads_unchanged(landing, sample):
    folder, expected = SAMPLES[sample]
    landing.copy(LAGO / sample, f"catalog/{folder}")
    summary = landing.ingest()
    f = summary.files[0]
    assert (f.status, f.rows_quarantined, f.rows_duplicate) == ("loaded", 0, 0), f.error
    got = {t: landing.count(t) for t in expected}
    assert got == expected
    # rows_* count the file's records (objects); their child rows are counted apart
    main_table = ENTITIES[folder][2]
    assert f.rows_read == f.rows_loaded == expected[main_table]
    assert f.rows_loaded + f.child_rows_loaded == sum(expected.values())


def test_plan_values_and_ranges(landing):
    landing.copy(LAGO / "subscription_plan_all_charge_models.json", "catalog/subscriptions")
    landing.ingest()
    assert landing.rows(
        "select code, amount_cents, amount_currency, minimum_commitment_amount_cents, trial_period from raw.lago_plans"
    ) == [("startup", 10000, "USD", 100000, Decimal("5"))]
    # the graduated charge: 0..10 at 0.5 with flat 10, then 11.. at 0.4 (decimal strings, major units)
    assert landing.rows(
        "select range_kind, range_index, from_value, to_value, per_unit_amount, flat_amount "
        "from raw.lago_charge_ranges where charge_lago_id like '%1a901a92' order by range_index"
    ) == [
        ("graduated_ranges", 1, Decimal(0), Decimal(10), "0.5", "10"),
        ("graduated_ranges", 2, Decimal(11), None, "0.4", "0"),
    ]
    assert landing.rows(
        "select filter_index, filter_key, filter_value from raw.lago_charge_filter_values order by 1"
    ) == [(1, "region", "Europe"), (2, "region", "USA"), (3, "region", "Africa")]
    assert landing.rows(
        "select status, terminated_at, downgrade_plan_date::VARCHAR from raw.lago_subscriptions"
    ) == [("terminated", datetime(2022, 9, 14, 16, 35, 31), "2022-04-30")]


def test_customer_billing_configuration_is_flattened(landing):
    landing.copy(LAGO / "customer.json", "catalog/customers")
    landing.ingest()
    assert landing.rows(
        "select external_id, currency, timezone, invoice_grace_period, payment_provider, provider_customer_id "
        "from raw.lago_customers"
    ) == [("5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "EUR", "Europe/Paris", 3, "stripe", "cus_12345")]
    assert landing.rows("select tax_code, tax_rate from raw.lago_customer_taxes") == [
        ("tax_code", Decimal("15"))
    ]


def _plan(**overrides) -> dict:
    plan = {
        "lago_id": "p1",
        "code": "pro",
        "amount_cents": 900,
        "amount_currency": "EUR",
        "created_at": "2024-01-01T00:00:00Z",
        "charges": [{"lago_id": "c1", "charge_model": "standard"}],
    }
    return {**plan, **overrides}


def test_versions_are_kept_and_same_version_is_a_duplicate(landing):
    landing.write("catalog/plans/a.json", json.dumps({"plan": _plan()}))
    landing.write(
        "catalog/plans/b.json",
        json.dumps({"plan": _plan(amount_cents=1000, updated_at="2024-02-01T00:00:00Z")}),
    )
    landing.write("catalog/plans/c.json", json.dumps({"plan": _plan(name="same version as a")}))
    summary = landing.ingest()
    # records (one plan per file); each plan's charge is a child row
    assert [(f.rows_loaded, f.rows_duplicate, f.child_rows_loaded) for f in summary.files] == [
        (1, 0, 1),
        (1, 0, 1),
        (0, 1, 0),
    ]
    assert landing.rows("select amount_cents from raw.lago_plans order by 1") == [(900,), (1000,)]
    # the duplicate plan's charge is not loaded a second time either
    assert landing.count("lago_charges") == 2
    assert landing.rows("select table_name, first_file_path from raw.duplicates order by 1") == [
        ("lago_charges", "catalog/plans/a.json"),
        ("lago_plans", "catalog/plans/a.json"),
    ]


def test_unknown_currency_wrong_type_and_missing_id_are_quarantined(landing):
    landing.write(
        "catalog/plans/bad.json",
        json.dumps(
            [
                _plan(lago_id="p1", amount_currency="XYZ"),
                _plan(lago_id="p2", amount_cents="abc"),
                {"name": "no ids"},
                _plan(lago_id="p3"),
            ]
        ),
    )
    f = landing.ingest().files[0]
    # 4 objects = 4 records; only p3 (and its charge, a child row) loads
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.child_rows_loaded) == (4, 1, 3, 1)
    assert [(row, field, reason) for _, row, field, _, reason in landing.quarantine()] == [
        (1, "amount_currency", "unknown currency 'XYZ' (not an ISO 4217 code)"),
        (1, None, "lago_charges: its parent was quarantined (unknown currency 'XYZ' (not an ISO 4217 code))"),
        (2, "amount_cents", "amount_cents is not a whole number: 'abc'"),
        (2, None, "lago_charges: its parent was quarantined (amount_cents is not a whole number: 'abc')"),
        (3, "lago_id", "plan has no lago_id, code or external_id"),
    ]
    assert landing.rows("select lago_id from raw.lago_plans") == [("p3",)]
    assert landing.rows("select plan_code from raw.lago_charges") == [("pro",)]


def test_unknown_catalog_folder_fails_the_file_only(landing):
    landing.write("catalog/invoices/x.json", "{}")
    landing.copy(LAGO / "tax.json", "catalog/taxes")
    summary = landing.ingest()
    assert [f.status for f in summary.files] == ["failed", "loaded"]
    assert "unknown catalog folder 'invoices'" in summary.files[0].error


def test_jsonl_catalog_with_truncated_line(landing):
    landing.write(
        "catalog/taxes/t.jsonl",
        json.dumps({"tax": {"lago_id": "t1", "code": "vat", "rate": 20}}) + '\n{"lago_id": "t2", "code": \n',
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 1)
    assert landing.quarantine()[0][1] == 2 and "invalid JSON" in landing.quarantine()[0][4]
