"""Bad inputs found by an independent corpus (issue items 9-14): each is built here in tmp_path,
landed, ingested, and the exact quarantine row (file, row, field, reason) or stored value is
asserted. Row numbers: CSV = physical line (header = 1), JSON array = 1-based element, JSON
Lines = line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dagster_project.ingest.conservation import conservation_problems
from dagster_project.ingest.schema import LINEAGE, NO_LINEAGE, TABLES, create_raw_tables

ADYEN_HEADER = [
    "Company Account", "Merchant Account", "Psp Reference", "Merchant Reference", "Payment Method",
    "Creation Date", "TimeZone", "Type", "Modification Reference", "Gross Currency", "Gross Debit (GC)",
    "Gross Credit (GC)", "Exchange Rate", "Net Currency", "Net Debit (NC)", "Net Credit (NC)",
    "Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)", "Batch Number",
]  # fmt: skip


def _csv(header: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _adyen_row(psp: str, **cells) -> dict:
    return {
        "Merchant Account": "AcmeEU",
        "Psp Reference": psp,
        "Creation Date": "2024-01-15 10:00:00",
        "TimeZone": "UTC",
        "Type": "Settled",
        "Batch Number": "42",
    } | cells


def _quarantine(landing) -> list[tuple]:
    """(file, row, field, reason) in file/row order."""
    return [(f, r, field, reason) for f, r, field, _v, reason in landing.quarantine()]


# ---- 9. negative gateway amounts keep their sign or are refused ---------------------------------


def test_negative_stripe_charge_is_quarantined_not_flipped(landing):
    charge = {"object": "charge", "id": "ch_neg", "amount": -1197, "currency": "usd", "created": 1700000000}
    ok = {"object": "charge", "id": "ch_ok", "amount": 1197, "currency": "usd", "created": 1700000000}
    refund = {"object": "refund", "id": "re_1", "amount": 500, "currency": "usd", "created": 1700000000}
    payout = {
        "object": "payout",
        "id": "po_debit",
        "amount": -833651,
        "currency": "usd",
        "created": 1700000000,
    }
    landing.write(
        "payments/stripe/charges.json", json.dumps({"object": "list", "data": [charge, ok, refund, payout]})
    )
    landing.ingest()
    assert _quarantine(landing) == [
        (
            "payments/stripe/charges.json",
            1,
            "amount",
            "the Stripe charge amount is negative (-1197): the gateway sends it as a positive size and its "
            "object type gives the direction, so a negative value is not allowed (its sign is not changed)",
        )
    ]
    # no charge is stored as +1197 from the -1197 input; a refund of 500 is money out; a negative
    # payout (a debit from the bank) is money into the balance, never forced to money out
    assert landing.rows("select gateway_id, amount_minor from raw.payment_transactions order by 1") == [
        ("ch_ok", 1197),
        ("po_debit", 833651),
        ("re_1", -500),
    ]


def test_negative_gocardless_payment_is_quarantined_not_flipped(landing):
    payments = [
        {"id": "PM1", "amount": -1197, "currency": "GBP", "created_at": "2025-01-02T10:00:00Z", "status": "paid_out"},
        {"id": "PM2", "amount": 1197, "currency": "GBP", "created_at": "2025-01-02T10:00:00Z", "status": "paid_out"},
    ]  # fmt: skip
    landing.write("payments/gocardless/payments.json", json.dumps({"payments": payments}))
    landing.ingest()
    assert _quarantine(landing) == [
        (
            "payments/gocardless/payments.json",
            1,
            "amount",
            "the GoCardless payment amount is negative (-1197): the gateway sends it as a positive size and "
            "its object type gives the direction, so a negative value is not allowed (its sign is not changed)",
        )
    ]
    assert landing.rows("select gateway_id, amount_minor from raw.payment_transactions") == [("PM2", 1197)]


# ---- 10. more decimals than the currency has: quarantined, never rounded -------------------------


def test_salesforce_amounts_with_too_many_decimals_are_quarantined(landing):
    header = "Id,AccountId,StageName,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode\n"
    landing.write(
        "crm/opportunity/opps.csv",
        header + "006q000000HddoA,001q000000wW9Be,Closed Won,1,1,2024-03-31,1234.50,JPY\n"
        "006q000000HddoB,001q000000wW9Be,Closed Won,1,1,2024-03-31,10.005,USD\n"
        "006q000000HddoC,001q000000wW9Be,Closed Won,1,1,2024-03-31,1.2345,BHD\n"
        "006q000000HddoD,001q000000wW9Be,Closed Won,1,1,2024-03-31,1234.00,JPY\n",
    )
    landing.ingest()
    f = "crm/opportunity/opps.csv"
    tail = "the amount is not rounded: correct it in the source"
    assert _quarantine(landing) == [
        (f, 2, "Amount", f"Amount '1234.50' has more decimals than JPY allows (no decimals); {tail}"),
        (f, 3, "Amount", f"Amount '10.005' has more decimals than USD allows (2 decimals); {tail}"),
        (f, 4, "Amount", f"Amount '1.2345' has more decimals than BHD allows (3 decimals); {tail}"),
    ]
    # trailing zeros are not extra precision: 1234.00 JPY is 1234 yen
    assert landing.rows("select amount_minor, currency_iso_code from raw.sf_opportunities") == [(1234, "JPY")]


def test_adyen_amounts_and_fees_with_too_many_decimals_are_quarantined(landing):
    rows = [
        _adyen_row("P1", **{"Gross Currency": "USD", "Gross Credit (GC)": "10.005"}),
        _adyen_row("P2", **{"Gross Currency": "JPY", "Gross Credit (GC)": "1234.50"}),
        _adyen_row(
            "P3",
            **{"Gross Currency": "BHD", "Gross Credit (GC)": "1.234", "Net Currency": "BHD"},
            **{"Net Credit (NC)": "1.200", "Commission (NC)": "0.0345"},
        ),
        _adyen_row("P4", **{"Gross Currency": "BHD", "Gross Credit (GC)": "1.234"}),
    ]
    landing.write("payments/adyen/settlement_detail_report_batch_42.csv", _csv(ADYEN_HEADER, rows))
    landing.ingest()
    f = "payments/adyen/settlement_detail_report_batch_42.csv"
    tail = "the amount is not rounded: correct it in the source"
    assert _quarantine(landing) == [
        (f, 2, "Gross Credit (GC)", f"Gross Credit (GC) '10.005' has more decimals than USD allows (2 decimals); {tail}"),
        (f, 3, "Gross Credit (GC)", f"Gross Credit (GC) '1234.50' has more decimals than JPY allows (no decimals); {tail}"),
        (f, 4, "Commission (NC)", f"Commission (NC) '0.0345' has more decimals than BHD allows (3 decimals); {tail}"),
    ]  # fmt: skip
    assert landing.rows("select amount_minor, currency from raw.payment_transactions") == [(1234, "BHD")]


# ---- 11. rows that must be refused ----------------------------------------------------------------


def test_salesforce_line_item_with_negative_quantity_is_quarantined(landing):
    landing.write(
        "crm/opportunity_line_item/items.csv",
        "Id,OpportunityId,Quantity,UnitPrice,TotalPrice,CurrencyIsoCode\n"
        "00k1G000009aAbCQAU,006q000000HddoA,-2,10.00,-20.00,USD\n"
        "00k1G000009aAbDQAU,006q000000HddoA,2,10.00,20.00,USD\n",
    )
    landing.ingest()
    assert _quarantine(landing) == [
        (
            "crm/opportunity_line_item/items.csv",
            2,
            "Quantity",
            "Quantity is negative (-2): a line item sells a number of units, which cannot be below zero",
        )
    ]
    assert landing.rows("select quantity, total_price_minor from raw.sf_opportunity_line_items") == [
        (2, 2000)
    ]


def test_lago_billable_metric_without_code_is_quarantined(landing):
    metrics = [
        {"lago_id": "bm_1", "name": "API calls", "aggregation_type": "count_agg"},
        {"lago_id": "bm_2", "code": "api_calls", "name": "API calls", "aggregation_type": "count_agg"},
    ]
    landing.write("catalog/billable_metrics/m.json", json.dumps({"billable_metrics": metrics}))
    landing.ingest()
    assert _quarantine(landing) == [
        (
            "catalog/billable_metrics/m.json",
            1,
            "code",
            "billable_metric has no code: events and charges name a billable metric by its code",
        )
    ]
    assert landing.rows("select lago_id from raw.lago_billable_metrics") == [("bm_2",)]


def test_gocardless_charge_date_that_does_not_exist_is_quarantined(landing):
    payment = {
        "id": "PM1",
        "amount": 1000,
        "currency": "GBP",
        "created_at": "2025-02-01T10:00:00Z",
        "charge_date": "2025-02-30",
        "status": "pending_submission",
    }
    landing.write("payments/gocardless/payments.json", json.dumps({"payments": [payment]}))
    landing.ingest()
    assert _quarantine(landing) == [
        (
            "payments/gocardless/payments.json",
            1,
            "charge_date",
            "charge_date '2025-02-30' is not a real calendar date",
        )
    ]
    assert landing.count("payment_transactions") == 0


# every other path that reads a date or a timestamp: the same non-existent day is refused
BAD_DAY = "2025-02-30"


@pytest.mark.parametrize(
    ("rel", "content", "field", "reason"),
    [
        (
            "usage/events/e.jsonl",
            json.dumps({"transaction_id": "t1", "external_subscription_id": "s1", "code": "c",
                        "timestamp": f"{BAD_DAY}T10:00:00Z"}) + "\n",
            "timestamp",
            "timestamp is not unix seconds/milliseconds or ISO 8601 with an offset",
        ),
        (
            "catalog/subscriptions/s.json",
            json.dumps({"subscription": {"lago_id": "s1", "external_id": "s1", "plan_code": "p",
                                         "started_at": f"{BAD_DAY}T00:00:00Z"}}),
            "started_at",
            f"started_at is not a timestamp (ISO 8601 or unix seconds): '{BAD_DAY}T00:00:00Z'",
        ),
        (
            "catalog/subscriptions/d.json",
            json.dumps({"subscription": {"lago_id": "s2", "external_id": "s2", "plan_code": "p",
                                         "downgrade_plan_date": BAD_DAY}}),
            "downgrade_plan_date",
            f"downgrade_plan_date is not a date (YYYY-MM-DD): '{BAD_DAY}'",
        ),
        (
            "crm/opportunity/o.csv",
            "Id,AccountId,StageName,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode\n"
            f"006q000000HddoA,001q000000wW9Be,Closed Won,1,1,{BAD_DAY},10,USD\n",
            "CloseDate",
            f"CloseDate '{BAD_DAY}' is not a real calendar date",
        ),
        (
            "crm/account/a.csv",
            f"Id,Name,SystemModstamp\n001q000000wW9Be,Acme,{BAD_DAY}T10:00:00Z\n",
            "SystemModstamp",
            f"SystemModstamp '{BAD_DAY}T10:00:00Z' is not a real date and time",
        ),
        (
            "payments/stripe/c.json",
            json.dumps({"object": "charge", "id": "ch_1", "amount": 1, "currency": "usd",
                        "created": f"{BAD_DAY}T10:00:00Z"}),
            "created",
            f"created '{BAD_DAY}T10:00:00Z' is not a real date and time",
        ),
        (
            "payments/adyen/settlement_detail_report_batch_1.csv",
            _csv(ADYEN_HEADER, [_adyen_row("P1", **{"Creation Date": f"{BAD_DAY} 10:00:00",
                                                    "Gross Currency": "EUR", "Gross Credit (GC)": "1.00"})]),
            "Creation Date",
            f"Creation Date '{BAD_DAY} 10:00:00' is not a real date and time",
        ),
        (
            "billed/lago_invoices/i.json",
            json.dumps({"invoice": {"lago_id": "inv1", "currency": "EUR", "issuing_date": BAD_DAY}}),
            "issuing_date",
            f"issuing_date '{BAD_DAY}' is not a real calendar date",
        ),
        (
            "fx/rates/r.csv",
            f"Date,USD\n{BAD_DAY},1.1\n",
            "Date",
            "Date is not a date (YYYY-MM-DD or '13 April 2026')",
        ),
    ],
)  # fmt: skip
def test_a_day_that_does_not_exist_is_refused_on_every_date_path(landing, rel, content, field, reason):
    landing.write(rel, content)
    f = landing.ingest().files[0]
    assert f.status == "loaded", f.error
    # CsvTable numbers physical lines (header = 1); the ECB reader numbers data rows from 1
    row = 2 if rel.endswith(".csv") and not rel.startswith("fx/") else 1
    assert _quarantine(landing) == [(rel, row, field, reason)]
    assert f.rows_loaded == 0


# ---- 12. nothing landed is lost -----------------------------------------------------------------


def test_every_raw_table_fed_from_files_keeps_the_record():
    for table in TABLES:
        if table not in NO_LINEAGE:
            assert ("_record_json", "VARCHAR") in TABLES[table] + LINEAGE, table


def test_salesforce_fields_outside_the_mapping_are_kept_in_the_record(landing):
    landing.write(
        "crm/opportunity/o.csv",
        "Id,AccountId,StageName,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode,Description,Probability\n"
        '006q000000HddoA,001q000000wW9Be,Closed Won,1,1,2024-03-31,10,USD,"Renewal, 3 years",90\n',
    )
    landing.ingest()
    (record,) = landing.rows("select _record_json from raw.sf_opportunities")
    assert json.loads(record[0]) == {
        "Id": "006q000000HddoA",
        "AccountId": "001q000000wW9Be",
        "StageName": "Closed Won",
        "IsWon": "1",
        "IsClosed": "1",
        "CloseDate": "2024-03-31",
        "Amount": "10",
        "CurrencyIsoCode": "USD",
        "Description": "Renewal, 3 years",
        "Probability": "90",
    }


def test_json_records_keep_their_numbers_as_sent(landing):
    line = '{"object":"charge","id":"ch_1","amount":1197,"currency":"usd","created":1700000000,"x":1.50}'
    landing.write("payments/stripe/c.jsonl", line + "\n")
    event = '{"transaction_id":"t1","external_subscription_id":"s1","code":"c","timestamp":1700000000,"extra":{"a":1}}'
    landing.write("usage/events/e.jsonl", event + "\n")
    landing.ingest()
    assert landing.rows("select _record_json from raw.payment_transactions") == [(line,)]
    assert landing.rows("select _record_json from raw.usage_events") == [(event,)]


def test_rejected_json_array_element_keeps_its_raw_text(landing):
    plans = [
        {"name": "no ids"},
        {"lago_id": "p1", "code": "pro", "amount_cents": 1, "amount_currency": "EUR"},
    ]
    landing.write("catalog/plans/p.json", json.dumps(plans))
    landing.ingest()
    assert landing.rows("select row_number, raw_text from raw.quarantine") == [(1, '{"name":"no ids"}')]


def test_csv_row_with_a_field_over_128_kb_keeps_its_raw_text(landing):
    huge = "x" * (200 * 1024)
    line = f'006q000000HddoA,001q000000wW9Be,Closed Won,1,1,2024-03-31,10,USD,"{huge}"'
    landing.write(
        "crm/opportunity/o.csv",
        "Id,AccountId,StageName,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode,Description\n"
        + line
        + "\n006q000000HddoB,001q000000wW9Be,Closed Won,1,1,2024-03-31,10,USD,short\n",
    )
    landing.ingest()
    ((row, reason, raw),) = landing.rows("select row_number, reason, raw_text from raw.quarantine")
    assert (row, reason) == (2, "the line is not valid CSV: field larger than field limit (131072)")
    assert raw == line  # whole, not cut at 100 000 characters
    assert landing.count("sf_opportunities") == 1


def test_row_refused_by_the_runner_keeps_the_original_text(landing):
    # an unknown currency is found when the runner types the row: the quarantine keeps the line
    line = json.dumps({"lago_id": "p1", "code": "pro", "amount_cents": 1, "amount_currency": "XYZ"})
    landing.write("catalog/plans/p.jsonl", line + "\n")
    landing.ingest()
    assert landing.rows("select field, raw_text from raw.quarantine") == [("amount_currency", line)]


# ---- 13. a line item inherits its opportunity's currency ---------------------------------------


def test_line_item_without_currency_takes_its_opportunitys_currency(landing):
    landing.write(
        "crm/opportunity/o.csv",
        "Id,AccountId,StageName,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode\n"
        "006q000000HddoA,001q000000wW9Be,Closed Won,1,1,2024-03-31,3000,JPY\n",
    )
    landing.write(
        "crm/opportunity_line_item/i.csv",
        "Id,OpportunityId,Quantity,UnitPrice,TotalPrice\n"
        "00k1G000009aAbCQAU,006q000000HddoA,2,1500,3000\n"
        "00k1G000009aAbDQAU,006q000000Hddoz,1,10.00,10.00\n",
    )
    landing.ingest()
    # JPY has no minor unit: 1500 yen -> 1500, taken from the opportunity 006q000000HddoA
    assert landing.rows(
        "select unit_price_minor, total_price_minor, currency_iso_code from raw.sf_opportunity_line_items"
    ) == [(1500, 3000, "JPY")]
    assert _quarantine(landing) == [
        (
            "crm/opportunity_line_item/i.csv",
            3,
            "CurrencyIsoCode",
            "the amount has no currency: CurrencyIsoCode is empty or absent and its opportunity "
            "006q000000HddozAAB has not landed with a currency; set it in the file, or set the key "
            "default_currency.crm (the org's currency, e.g. USD) in reference/settings",
        )
    ]


def test_the_settings_key_named_in_the_message_is_the_one_read(landing):
    landing.write("reference/settings/s.csv", "key,value,note\ndefault_currency.crm,USD,org currency\n")
    landing.write(
        "crm/opportunity_line_item/i.csv",
        "Id,OpportunityId,Quantity,UnitPrice,TotalPrice\n00k1G000009aAbDQAU,006q000000Hddoz,1,10.00,10.00\n",
    )
    landing.ingest()
    assert landing.rows("select total_price_minor, currency_iso_code from raw.sf_opportunity_line_items") == [
        (1000, "USD")
    ]


# ---- 14. landing_files counts the file's records, child rows apart -----------------------------


def test_landing_files_counts_records_and_child_rows_apart(landing):
    def plan(i: int, currency: str = "EUR") -> dict:
        charges = [{"lago_id": f"c{i}{j}", "charge_model": "standard"} for j in (1, 2)]
        return {"lago_id": f"p{i}", "code": f"p{i}", "amount_currency": currency, "charges": charges}

    landing.write("catalog/plans/a.json", json.dumps([plan(1), plan(2), plan(3, "XYZ")]))
    landing.write("catalog/plans/b.json", json.dumps([plan(1)]))
    landing.ingest()
    assert landing.rows(
        "select file_path, rows_read, rows_loaded, rows_duplicate, rows_quarantined, child_rows_loaded "
        "from raw.landing_files order by 1"
    ) == [
        # 3 plans in the file = 3 records: 2 loaded (with 4 charges as child rows), 1 quarantined
        ("catalog/plans/a.json", 3, 2, 0, 1, 4),
        # the same plan again: 1 record, a duplicate (its charge rows are duplicates with it)
        ("catalog/plans/b.json", 1, 0, 1, 0, 0),
    ]
    assert conservation_problems(landing.con, "catalog") == []
    landing.con.execute("delete from raw.lago_charges where lago_id = 'c11'")
    assert conservation_problems(landing.con, "catalog") == [
        "catalog/plans/a.json: landing_files says read 3 = loaded 2 + duplicates 0 + quarantined 1 records, "
        "6 raw-table rows (4 child rows); raw tables hold loaded 2, duplicates 0, quarantined 1 records, "
        "5 raw-table rows"
    ]


def test_an_older_warehouse_gets_the_new_columns(landing):
    landing.con.execute("create schema raw")
    landing.con.execute(
        "create table raw.landing_files (source varchar, entity varchar, file_path varchar, "
        "file_sha256 varchar, file_bytes bigint, rows_read bigint, rows_loaded bigint, rows_duplicate bigint, "
        "rows_quarantined bigint, status varchar, error varchar, loaded_at timestamp)"
    )
    create_raw_tables(landing.con)
    cols = {
        r[0]
        for r in landing.rows(
            "select column_name from information_schema.columns where table_name = 'landing_files'"
        )
    }
    assert "child_rows_loaded" in cols
    landing.write("fx/rates/r.csv", "Date,USD,JPY\n2026-04-13,1.1684,186.75\n")
    f = landing.ingest().files[0]
    assert (f.rows_read, f.rows_loaded, f.child_rows_loaded) == (1, 1, 1)
    assert conservation_problems(landing.con, "fx") == []
