"""`revhouse collections` on a tiny hand-made published warehouse: aging at a date that is not a
report date of the mart, every bucket boundary (collections.md 6.2), DSO at the latest month end,
dunning actions of the day, per-currency formatting and a section whose mart is missing."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.collections_report import bucket_case

ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

# (invoice, customer, entity, currency, exponent, total, finalized, due, voided)
INVOICES = [
    ("a", "c1", "e1", "EUR", 2, 10000, "2025-04-01", "2025-04-30", None),  # 0 days: current
    ("b", "c1", "e1", "EUR", 2, 5000, "2025-03-01", "2025-04-10", None),  # 20: 1-30, partly paid
    ("c", "c1", "e1", "EUR", 2, 7000, "2025-01-01", "2025-02-15", None),  # 74: 61-90
    ("d", "c1", "e1", "EUR", 2, 12345, "2024-12-01", "2025-01-10", None),  # 110: 90+
    ("e", "c1", "e1", "EUR", 2, 100, "2024-12-01", "2025-01-29", None),  # 91: 90+
    ("f", "c1", "e1", "EUR", 2, 200, "2024-12-01", "2025-01-30", None),  # 90: 61-90
    ("g", "c1", "e1", "EUR", 2, 300, "2025-03-01", "2025-03-31", None),  # 30: 1-30
    ("h", "c1", "e1", "EUR", 2, 400, "2025-02-01", "2025-03-01", None),  # 60: 31-60
    ("i", "c1", "e1", "EUR", 2, 999, "2025-03-01", "2025-03-31", "2025-04-15"),  # voided by d
    ("j", "c1", "e1", "EUR", 2, 888, "2025-05-01", "2025-05-31", None),  # finalized after d
    ("k", "c1", "e1", "EUR", 2, 500, "2025-03-01", "2025-03-31", None),  # paid in full by d
    ("l", "c1", "e1", "EUR", 2, 50, "2025-04-01", "2025-04-30", "2025-05-05"),  # voided after d
    ("m", "c2", "e2", "JPY", 0, 1200, "2024-12-01", "2025-01-01", None),  # 119: 90+
    ("n", "c3", "e1", "BHD", 3, 12345, "2025-04-01", "2025-04-29", None),  # 1: 1-30
]
# (invoice, amount, effective_at)
SETTLEMENTS = [
    ("b", 2000, "2025-04-20 10:00:00"),
    ("b", 1000, "2025-05-02 10:00:00"),  # after d: still open at d
    ("k", 500, "2025-04-01 09:00:00"),
]


@pytest.fixture()
def tiny_published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("intermediate", "collections", "reference"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table intermediate.int_collections__receivable_invoices (invoice_source varchar, "
        "invoice_id varchar, external_customer_id varchar, billing_entity_code varchar, currency varchar, "
        "currency_exponent integer, total_amount_minor bigint, finalized_at timestamp, "
        "payment_due_date date, voided_at timestamp)"
    )
    for inv, cust, ent, cur, exp, total, fin, due, void in INVOICES:
        con.execute(
            "insert into intermediate.int_collections__receivable_invoices values "
            "('revhouse', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [inv, cust, ent, cur, exp, total, fin, due, void],
        )
    con.execute(
        "create table intermediate.int_collections__invoice_settlements (invoice_source varchar, "
        "invoice_id varchar, amount_minor bigint, effective_at timestamp)"
    )
    con.executemany(
        "insert into intermediate.int_collections__invoice_settlements values ('revhouse', ?, ?, ?)",
        SETTLEMENTS,
    )
    con.execute(
        "create table intermediate.int_collections__report_dates as "
        "select date '2025-05-31' as report_date, true as is_month_end, true as is_as_of_date"
    )
    con.execute(
        "create table collections.fct_dso as select * from (values "
        "(date '2025-03-31', 'EUR', 2, 100000::bigint, 300000::bigint, 3, 90, 30.0::decimal(9,1), 28.5::decimal(9,1), false), "
        "(date '2025-04-30', 'EUR', 2, 180000::bigint, 330000::bigint, 3, 91, 49.6::decimal(9,1), 46.9::decimal(9,1), false)) "
        "t(report_date, currency, currency_exponent, receivables_amount_minor, window_sales_amount_minor, "
        "dso_months, window_days, simple_dso_days, countback_dso_days, is_countback_capped)"
    )
    con.execute(
        "create table collections.fct_dunning_attempts as select * from (values "
        "('r1', 'replayed', 'c1', 'EUR', 'e1', timestamp '2025-04-30 00:45:00', date '2025-04-30', 2, 'default', true, 3000::bigint), "
        "('r0', 'replayed', 'c1', 'EUR', 'e1', timestamp '2025-04-29 00:45:00', date '2025-04-29', 1, 'default', false, 3000::bigint)) "
        "t(dunning_attempt_id, attempt_source, external_customer_id, currency, billing_entity_code, attempted_at, "
        "attempted_date, attempt_number, dunning_campaign_code, is_final_attempt, amount_minor)"
    )
    con.execute(
        "create table reference.iso_4217_currencies as select * from (values ('EUR', 2), ('JPY', 0), ('BHD', 3)) "
        "t(currency, minor_unit_exponent)"
    )
    con.close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))
    return path


def _csv(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def test_bucket_boundaries_are_those_of_collections_6_2():
    days = [-5, 0, 1, 30, 31, 60, 61, 90, 91, 110]
    con = duckdb.connect()
    got = [
        con.execute(f"select {bucket_case('d')} from (select ?::integer as d)", [d]).fetchone()[0]
        for d in days
    ]
    assert got == ["current", "current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+", "90+"]


def test_aging_csv_at_a_date_between_report_dates(tiny_published):
    result = CliRunner().invoke(app, ["collections", "--as-of", "2025-04-30", "--format", "csv"], env=ENV)
    assert result.exit_code == 0, result.output
    aging = {
        (r["external_customer_id"], r["currency"], r["measure"]): r["value"]
        for r in _csv(result.stdout)
        if r["section"] == "aging"
    }
    # c1 EUR: current a 100.00 + l 0.50 (voided after d); 1-30 b 50.00 − 20.00 paid by d + g 3.00;
    # 31-60 h 4.00; 61-90 c 70.00 + f 2.00; 90+ d 123.45 + e 1.00. i (voided), j (later), k (paid) out.
    assert {k[2]: v for k, v in aging.items() if k[:2] == ("c1", "EUR")} == {
        "current": "100.50",
        "1-30": "33.00",
        "31-60": "4.00",
        "61-90": "72.00",
        "90+": "124.45",
    }
    assert aging[("c2", "JPY", "90+")] == "1200"  # exponent 0
    assert aging[("c3", "BHD", "1-30")] == "12.345"  # exponent 3
    rows = _csv(result.stdout)
    dso = {r["measure"]: r["value"] for r in rows if r["section"] == "dso"}
    assert dso == {"simple_dso_days": "49.6", "countback_dso_days": "46.9", "receivables_amount": "1800.00"}
    actions = [r for r in rows if r["section"] == "dunning_action"]
    assert [(a["external_customer_id"], a["value"]) for a in actions] == [("c1", "30.00")]
    assert "attempt 2 of default (final)" in actions[0]["detail"]
    assert "collections.fct_unapplied_cash" in result.stderr


def test_table_shows_90_plus_per_currency_and_names_the_missing_mart(tiny_published):
    result = CliRunner().invoke(app, ["collections", "--as-of", "2025-04-15"], env=ENV)
    assert result.exit_code == 0, result.output
    out = result.stdout
    header = next(ln for ln in out.splitlines() if "90+" in ln)
    assert [h.strip() for h in header.strip("┃ ").split("┃")][3:8] == [
        "current",
        "1-30",
        "31-60",
        "61-90",
        "90+",
    ]
    # 15 April: only d (95 days) is 90+ in EUR (e is 76, f 75); JPY m is 104 days
    total_eur = next(ln for ln in out.splitlines() if "TOTAL" in ln and "EUR" in ln)
    cells = [c.strip() for c in total_eur.strip("│ ").split("│")]
    # current a 100.00 + l 0.50; 1-30 b 50.00 (nothing paid yet) + g 3.00; 31-60 c 70.00 + h 4.00;
    # 61-90 e 1.00 + f 2.00; 90+ d 123.45; open 353.95 over 9 invoices (a-h, l; i voided that day)
    assert cells[2:] == ["EUR", "100.50", "53.00", "74.00", "3.00", "123.45", "353.95", "9"]
    total_jpy = next(ln for ln in out.splitlines() if "TOTAL" in ln and "JPY" in ln)
    assert "1,200" in total_jpy
    # DSO of the latest month end on or before 15 April: 31 March
    assert "2025-03-31" in out and "28.5" in out and "2025-04-30" not in out
    assert "collections.fct_unapplied_cash" in out
    assert "no dunning attempt that day" in out


def test_entity_and_currency_filters(tiny_published):
    result = CliRunner().invoke(
        app,
        ["collections", "--as-of", "2025-04-30", "--entity", "e1", "--currency", "bhd", "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    aging = [r for r in _csv(result.stdout) if r["section"] == "aging"]
    assert {(r["external_customer_id"], r["currency"]) for r in aging} == {("c3", "BHD")}
    assert not [r for r in _csv(result.stdout) if r["section"] in ("dso", "dunning_action")]


def test_bad_date_and_missing_warehouse_are_clear(tiny_published, monkeypatch, tmp_path):
    bad = CliRunner().invoke(app, ["collections", "--as-of", "30/04/2025"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(tmp_path / "nowhere.duckdb"))
    gone = CliRunner().invoke(app, ["collections", "--as-of", "2025-04-30"])
    assert gone.exit_code == 2 and "revhouse build" in gone.output
