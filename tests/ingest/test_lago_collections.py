"""Lago collections objects (collections.md §8): dunning campaigns, payment requests, payments,
the customer's payment-term and dunning fields and the billed invoices' payment fields. The
shared samples load unchanged with the values read by hand; every broken rule quarantines the
record whole, naming its file, row and field."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from conftest import FORMATS

CAMPAIGNS = "catalog/dunning_campaigns/campaigns.json"


def _campaign(**overrides) -> dict:
    # GraphQL shape: camelCase names, `id`, BigInt amounts as strings
    campaign = {
        "id": "dc-1",
        "code": "standard",
        "name": "Standard",
        "description": None,
        "appliedToOrganization": True,
        "daysBetweenAttempts": 7,
        "maxAttempts": 3,
        "bccEmails": ["ar@example.com", "cfo@example.com"],
        "thresholds": [
            {"id": "t1", "amountCents": "10000", "currency": "EUR"},
            {"id": "t2", "amountCents": "5000", "currency": "USD"},
        ],
        "createdAt": "2026-01-05T10:00:00Z",
        "updatedAt": "2026-01-06T10:00:00Z",
        "deletedAt": None,
    }
    return {**campaign, **overrides}


def _graphql(*campaigns: dict) -> str:
    return json.dumps({"data": {"dunningCampaigns": {"collection": list(campaigns), "metadata": {}}}})


def test_lago_payment_sample_values(landing):
    landing.copy(FORMATS / "lago/payment.json", "catalog/payments")
    landing.ingest()
    assert landing.rows(
        "select lago_id, amount_cents, amount_currency, payment_status, payment_type, reference, "
        "external_payment_id, created_at from raw.lago_payments"
    ) == [
        (
            "8e5d5ec2-bdc7-4c43-a944-5ababae775d4",
            100,
            "USD",
            "succeeded",
            "manual",
            "123",
            None,
            datetime(2025, 2, 18, 18, 31, 13),
        )
    ]
    assert landing.rows(
        "select payment_lago_id, invoice_position, invoice_lago_id, invoice_number from raw.lago_payment_invoices"
    ) == [
        (
            "8e5d5ec2-bdc7-4c43-a944-5ababae775d4",
            1,
            "f8e194df-5d90-4382-b146-c881d2c67f28",
            "LAG-1234-567-890",
        )
    ]


def test_lago_customer_sample_keeps_a_null_term_null_and_reads_the_gateway_customer(landing):
    landing.copy(FORMATS / "lago/customer.json", "catalog/customers")
    landing.ingest()
    assert landing.rows(
        "select net_payment_term, billing_entity_code, provider_customer_id, applied_dunning_campaign_code, "
        "exclude_from_dunning_campaign, last_dunning_campaign_attempt_at from raw.lago_customers"
    ) == [(None, "test-company", "cus_12345", None, None, None)]
    assert landing.count("lago_customer_dunning_attempts") == 0


def test_customer_term_zero_campaign_and_attempt_counters(landing):
    customer = {
        "lago_id": "c1",
        "external_id": "acme",
        "currency": "EUR",
        "net_payment_term": 0,
        "applied_dunning_campaign": {"code": "standard"},
        "exclude_from_dunning_campaign": False,
        "dunning_currency_attempts": {"EUR": 2, "USD": 0},
        "last_dunning_campaign_attempt_at": "2026-03-08T10:45:00Z",
    }
    landing.write("catalog/customers/c.json", json.dumps({"customer": customer}))
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined, f.child_rows_loaded) == (1, 0, 2)
    assert landing.rows(
        "select net_payment_term, applied_dunning_campaign_code, exclude_from_dunning_campaign, "
        "last_dunning_campaign_attempt_at from raw.lago_customers"
    ) == [(0, "standard", False, datetime(2026, 3, 8, 10, 45))]
    assert landing.rows(
        "select external_customer_id, currency, attempts from raw.lago_customer_dunning_attempts order by 2"
    ) == [("acme", "EUR", 2), ("acme", "USD", 0)]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"net_payment_term": -5}, "net_payment_term", "at least 0"),
        ({"net_payment_term": 1.5}, "net_payment_term", "whole number"),
        ({"dunning_currency_attempts": {"EUR": -1}}, "dunning_currency_attempts.EUR", "at least 0"),
        ({"dunning_currency_attempts": {"EUX": 1}}, "dunning_currency_attempts.currency", "unknown currency"),
        ({"exclude_from_dunning_campaign": "maybe"}, "exclude_from_dunning_campaign", "true/false"),
    ],
)
def test_bad_customer_collections_field_quarantines_the_customer(landing, overrides, field, words):
    customer = {"lago_id": "c1", "external_id": "acme", "currency": "EUR", "taxes": [{"code": "vat"}]}
    landing.write("catalog/customers/c.json", json.dumps({"customer": {**customer, **overrides}}))
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    assert landing.count("lago_customers") == landing.count("lago_customer_taxes") == 0
    ((path, row, got_field, _, reason),) = landing.quarantine()
    assert (path, row, got_field) == ("catalog/customers/c.json", 1, field)
    assert words in reason


def test_dunning_campaign_graphql_shape_loads_with_its_thresholds(landing):
    without_max = _campaign(
        id="dc-2", code="gentle", maxAttempts=None, thresholds=[{"amountCents": 0, "currency": "JPY"}]
    )
    del without_max["daysBetweenAttempts"]
    landing.write(CAMPAIGNS, _graphql(_campaign(), without_max))
    f = landing.ingest().files[0]
    assert (f.status, f.rows_loaded, f.rows_quarantined, f.child_rows_loaded) == ("loaded", 2, 0, 3)
    assert landing.rows(
        "select lago_id, code, name, applied_to_organization, days_between_attempts, max_attempts, "
        "bcc_emails, updated_at, deleted_at from raw.lago_dunning_campaigns order by code desc"
    ) == [
        (
            "dc-1",
            "standard",
            "Standard",
            True,
            7,
            3,
            "ar@example.com,cfo@example.com",
            datetime(2026, 1, 6, 10),
            None,
        ),
        # absent spacing and attempts take Lago's defaults, 1 and 1
        (
            "dc-2",
            "gentle",
            "Standard",
            True,
            1,
            1,
            "ar@example.com,cfo@example.com",
            datetime(2026, 1, 6, 10),
            None,
        ),
    ]
    assert landing.rows(
        "select dunning_campaign_code, currency, amount_cents from raw.lago_dunning_campaign_thresholds order by 1, 2"
    ) == [("gentle", "JPY", 0), ("standard", "EUR", 10000), ("standard", "USD", 5000)]


def test_dunning_campaign_rest_shape_with_code_only_is_keyed_by_code(landing):
    campaign = {
        "code": "standard",
        "name": "Standard",
        "days_between_attempts": 3,
        "thresholds": [{"amount_cents": 100, "currency": "EUR"}],
    }
    landing.write("catalog/dunning_campaigns/a.json", json.dumps({"dunning_campaign": campaign}))
    landing.write("catalog/dunning_campaigns/b.json", json.dumps({"dunning_campaigns": [campaign]}))
    summary = landing.ingest()
    assert sorted((f.rows_loaded, f.rows_duplicate) for f in summary.files) == [(0, 1), (1, 0)]
    assert landing.rows(
        "select lago_id, code, days_between_attempts, max_attempts from raw.lago_dunning_campaigns"
    ) == [(None, "standard", 3, 1)]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"thresholds": []}, "thresholds", "at least one threshold"),
        ({"thresholds": None}, "thresholds", "at least one threshold"),
        (
            {
                "thresholds": [
                    {"amountCents": 100, "currency": "EUR"},
                    {"amountCents": 200, "currency": "eur"},
                ]
            },
            "thresholds[2].currency",
            "one per currency",
        ),
        (
            {"thresholds": [{"amountCents": -100, "currency": "EUR"}]},
            "thresholds[1].amount_cents",
            "negative",
        ),
        (
            {"thresholds": [{"amountCents": "10.5", "currency": "EUR"}]},
            "thresholds[1].amount_cents",
            "whole number",
        ),
        ({"thresholds": [{"amountCents": None, "currency": "EUR"}]}, "thresholds[1].amount_cents", "empty"),
        (
            {"thresholds": [{"amountCents": 100, "currency": "EUX"}]},
            "thresholds[1].currency",
            "unknown currency",
        ),
        ({"daysBetweenAttempts": 0}, "days_between_attempts", "at least 1"),
        ({"maxAttempts": -2}, "max_attempts", "at least 1"),
        ({"maxAttempts": "two"}, "max_attempts", "not a decimal number"),
        ({"code": ""}, "code", "by its code"),
    ],
)
def test_bad_dunning_campaign_is_quarantined_whole_naming_file_row_and_field(
    landing, overrides, field, words
):
    landing.write(CAMPAIGNS, _graphql(_campaign(id="ok", code="ok"), _campaign(**overrides)))
    f = landing.ingest().files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (2, 1, 1)
    assert landing.rows(
        "select distinct dunning_campaign_code from raw.lago_dunning_campaign_thresholds"
    ) == [("ok",)]
    ((path, row, got_field, _, reason),) = landing.quarantine()
    assert (path, row, got_field) == (CAMPAIGNS, 2, field)
    assert words in reason


def _request(**overrides) -> dict:
    request = {
        "lago_id": "pr-1",
        "email": "billing@acme.test",
        "amount_cents": 12000,
        "amount_currency": "EUR",
        "payment_status": "failed",
        "created_at": "2026-03-01T09:45:00Z",
        "customer": {"lago_id": "c1", "external_id": "acme"},
        "invoices": [{"lago_id": "inv-1", "number": "RH-001"}, {"lago_id": "inv-2", "number": "RH-002"}],
        "dunning_campaign_code": "standard",
    }
    return {**request, **overrides}


def test_payment_requests_dunning_and_manual(landing):
    manual = _request(lago_id="pr-2", payment_status="succeeded", invoices=[{"lago_id": "inv-3"}])
    del manual["dunning_campaign_code"]  # the API omits it: created by hand
    landing.write("catalog/payment_requests/pr.json", json.dumps({"payment_requests": [_request(), manual]}))
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined, f.child_rows_loaded) == (2, 0, 3)
    assert landing.rows(
        "select lago_id, external_customer_id, amount_cents, amount_currency, payment_status, "
        "dunning_campaign_code, created_at from raw.lago_payment_requests order by 1"
    ) == [
        ("pr-1", "acme", 12000, "EUR", "failed", "standard", datetime(2026, 3, 1, 9, 45)),
        ("pr-2", "acme", 12000, "EUR", "succeeded", None, datetime(2026, 3, 1, 9, 45)),
    ]
    assert landing.rows(
        "select payment_request_lago_id, invoice_position, invoice_lago_id, invoice_number "
        "from raw.lago_payment_request_invoices order by 1, 2"
    ) == [("pr-1", 1, "inv-1", "RH-001"), ("pr-1", 2, "inv-2", "RH-002"), ("pr-2", 1, "inv-3", None)]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"payment_status": "paid"}, "payment_status", "one of pending, succeeded, failed"),
        ({"amount_cents": -12000}, "amount_cents", "negative"),
        ({"amount_currency": "EUX"}, "amount_currency", "unknown currency"),
        ({"invoices": []}, "invoices", "at least one invoice"),
        ({"invoices": [{"number": "RH-9"}]}, "invoices[1].lago_id", "not named"),
        ({"customer": {}}, "customer.external_id", "no customer"),
        ({"lago_id": None}, "lago_id", "no lago_id"),
    ],
)
def test_bad_payment_request_is_quarantined(landing, overrides, field, words):
    landing.write("catalog/payment_requests/pr.jsonl", json.dumps(_request(**overrides)) + "\n")
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    assert landing.count("lago_payment_request_invoices") == 0
    ((path, row, got_field, _, reason),) = landing.quarantine()
    assert (path, row, got_field) == ("catalog/payment_requests/pr.jsonl", 1, field)
    assert words in reason


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"type": "cash"}, "type", "one of manual, provider"),
        ({"payment_status": "paid"}, "payment_status", "one of pending, processing, succeeded, failed"),
        ({"amount_cents": -100}, "amount_cents", "negative"),
        ({"amount_cents": "1.5"}, "amount_cents", "whole number"),
        ({"invoice_numbers": ["A", "B"]}, "invoice_numbers", "one number per invoice_ids entry"),
    ],
)
def test_bad_payment_is_quarantined(landing, overrides, field, words):
    payment = json.loads((FORMATS / "lago/payment.json").read_text())["payment"]
    landing.write("catalog/payments/p.json", json.dumps({"payment": {**payment, **overrides}}))
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    assert landing.count("lago_payment_invoices") == 0
    ((_, row, got_field, _, reason),) = landing.quarantine()
    assert (row, got_field) == (1, field)
    assert words in reason


@pytest.mark.parametrize(
    ("sample", "status"), [("invoice.json", "finalized"), ("voided_invoice.json", "voided")]
)
def test_lago_invoice_sample_payment_fields(landing, sample, status):
    landing.copy(FORMATS / "lago" / sample, "billed/lago_invoices")
    landing.ingest()
    # issued and due 2022-06-02 (term 0), failed, not overdue, 120 due; neither sample sends
    # total_paid_amount_cents nor voided_at (the voided one says so in its status only)
    assert landing.rows(
        "select status, payment_due_date, net_payment_term, payment_status, payment_overdue, "
        "payment_dispute_lost_at, total_paid_amount_minor, total_due_amount_minor, voided_at "
        "from raw.billed_invoices"
    ) == [(status, date(2022, 6, 2), 0, "failed", False, None, None, 120, None)]


def test_lago_invoice_paid_disputed_and_voided_fields(landing):
    invoice = json.loads((FORMATS / "lago/invoice.json").read_text())["invoice"]
    invoice.update(
        lago_id="inv-x",
        net_payment_term=30,
        payment_due_date="2022-07-02",
        total_paid_amount_cents=50,
        total_due_amount_cents=70,
        payment_dispute_lost_at="2022-07-10T08:00:00+02:00",
        voided_at="2022-07-11T00:00:00Z",
    )
    landing.write("billed/lago_invoices/i.json", json.dumps({"invoice": invoice}))
    landing.ingest()
    assert landing.rows(
        "select net_payment_term, payment_due_date, total_paid_amount_minor, total_due_amount_minor, "
        "payment_dispute_lost_at, voided_at from raw.billed_invoices"
    ) == [(30, date(2022, 7, 2), 50, 70, datetime(2022, 7, 10, 6), datetime(2022, 7, 11))]


def test_lago_invoice_with_negative_term_is_quarantined(landing):
    invoice = json.loads((FORMATS / "lago/invoice.json").read_text())["invoice"]
    landing.write(
        "billed/lago_invoices/i.json", json.dumps({"invoice": {**invoice, "net_payment_term": -30}})
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    ((_, row, field, value, reason),) = landing.quarantine()
    assert (row, field, value) == (1, "net_payment_term", "-30")
    assert "at least 0" in reason


def test_stripe_invoice_sample_payment_fields(landing):
    landing.copy(FORMATS / "stripe/invoice.json", "billed/stripe_invoices")
    landing.ingest()
    # due_date 1234567890 = 2009-02-13 23:31:30 UTC; amount_paid 0, amount_remaining 1000; not voided;
    # Stripe sends no payment_status / payment_overdue
    assert landing.rows(
        "select payment_due_date, total_paid_amount_minor, total_due_amount_minor, voided_at, "
        "payment_status, payment_overdue from raw.billed_invoices"
    ) == [(date(2009, 2, 13), 0, 1000, None, None, None)]


def test_stripe_voided_invoice_keeps_its_void_time(landing):
    invoice = json.loads((FORMATS / "stripe/invoice.json").read_text())
    invoice["status"] = "void"
    invoice["status_transitions"]["voided_at"] = 1767225600  # 2026-01-01 00:00:00 UTC
    invoice["days_until_due"] = 30
    landing.write("billed/stripe_invoices/i.json", json.dumps(invoice))
    landing.ingest()
    assert landing.rows("select status, voided_at, net_payment_term from raw.billed_invoices") == [
        ("void", datetime(2026, 1, 1), 30)
    ]
