"""`revhouse collections` on a tiny hand-made published warehouse: aging at a date that is not a
report date of the mart, every bucket boundary (collections.md 6.2), DSO at the latest month end,
dunning actions of the day, per-currency formatting and a section whose mart is missing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.collections_report import AGING_BUCKETS, aging_buckets

ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "dbt_project" / "seeds" / "aging_buckets.csv"

# The periods int_collections__invoice_open_amounts gives each invoice (collections.md 6.1):
# (invoice, customer, entity, currency, exponent, due, open from, open until (exclusive), open)
OPEN_AMOUNTS = [
    ("a", "c1", "e1", "EUR", 2, "2025-04-30", "2025-04-01", None, 10000),  # 0 days at d: current
    ("b", "c1", "e1", "EUR", 2, "2025-04-10", "2025-03-01", "2025-04-20", 5000),  # 20: 1-30
    ("b", "c1", "e1", "EUR", 2, "2025-04-10", "2025-04-20", "2025-05-02", 3000),  # 20.00 paid Apr 20
    ("b", "c1", "e1", "EUR", 2, "2025-04-10", "2025-05-02", None, 2000),  # 10.00 more after d
    ("c", "c1", "e1", "EUR", 2, "2025-02-15", "2025-01-01", None, 7000),  # 74: 61-90
    ("d", "c1", "e1", "EUR", 2, "2025-01-10", "2024-12-01", None, 12345),  # 110: 90+
    ("e", "c1", "e1", "EUR", 2, "2025-01-29", "2024-12-01", None, 100),  # 91: 90+
    ("f", "c1", "e1", "EUR", 2, "2025-01-30", "2024-12-01", None, 200),  # 90: 61-90
    ("g", "c1", "e1", "EUR", 2, "2025-03-31", "2025-03-01", None, 300),  # 30: 1-30
    ("h", "c1", "e1", "EUR", 2, "2025-03-01", "2025-02-01", None, 400),  # 60: 31-60
    ("i", "c1", "e1", "EUR", 2, "2025-03-31", "2025-03-01", "2025-04-15", 999),  # voided Apr 15
    ("j", "c1", "e1", "EUR", 2, "2025-05-31", "2025-05-01", None, 888),  # finalized after d
    ("k", "c1", "e1", "EUR", 2, "2025-03-31", "2025-03-01", "2025-04-01", 500),  # paid Apr 1
    ("l", "c1", "e1", "EUR", 2, "2025-04-30", "2025-04-01", "2025-05-05", 50),  # voided after d
    ("m", "c2", "e2", "JPY", 0, "2025-01-01", "2024-12-01", None, 1200),  # 119: 90+
    ("n", "c3", "e1", "BHD", 3, "2025-04-29", "2025-04-01", None, 12345),  # 1: 1-30
]

# The periods int_collections__unapplied_cash_periods gives each payment (collections.md 4.3):
# (payment, customer key, entity, currency, exponent, paid at, from, until (exclusive), unapplied)
UNAPPLIED_PERIODS = [
    ("p1", "c1", "e1", "EUR", 2, "2025-04-05 10:00:00", "2025-04-05", "2025-04-20", 3000),  # refunded Apr 20
    ("p2", "c1", "e1", "EUR", 2, "2025-04-25 09:00:00", "2025-04-25", None, 1500),
    (
        "p3",
        "stripe:cus_9",
        None,
        "EUR",
        2,
        "2025-03-01 08:00:00",
        "2025-03-01",
        "2025-05-10",
        700,
    ),  # no Lago customer
]


@pytest.fixture()
def tiny_published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("intermediate", "collections", "reference"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table intermediate.int_collections__invoice_open_amounts (invoice_source varchar, "
        "invoice_id varchar, external_customer_id varchar, billing_entity_code varchar, currency varchar, "
        "currency_exponent integer, payment_due_date date, open_from_date date, open_until_date date, "
        "open_amount_minor bigint)"
    )
    con.executemany(
        "insert into intermediate.int_collections__invoice_open_amounts values ('revhouse', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        OPEN_AMOUNTS,
    )
    con.execute(
        "create table intermediate.int_collections__unapplied_cash_periods (payment_id varchar, "
        "customer_key varchar, billing_entity_code varchar, currency varchar, currency_exponent integer, "
        "paid_at timestamp, unapplied_from_date date, unapplied_until_date date, unapplied_minor bigint)"
    )
    con.executemany(
        "insert into intermediate.int_collections__unapplied_cash_periods values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        UNAPPLIED_PERIODS,
    )
    # the seed file the build loads into reference.aging_buckets
    con.execute(
        f"create table {AGING_BUCKETS} as select * from read_csv(?, header = true, columns = "
        "{'aging_bucket': 'varchar', 'label': 'varchar', 'min_days_past_due': 'integer', "
        "'max_days_past_due': 'integer', 'sort_order': 'integer'})",
        [str(SEED)],
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


def test_each_seed_bucket_is_a_column_of_the_aging_mart(tiny_published):
    """The CLI names its columns after the seed: the mart's contract must have each of them."""
    mart = yaml.safe_load(
        (REPO / "dbt_project/models/marts/collections/_collections__receivables_models.yml").read_text()
    )
    columns = next(m for m in mart["models"] if m["name"] == "fct_receivables_aging")["columns"]
    amount_columns = [c["name"] for c in columns if c["name"].endswith("_amount_minor")]
    buckets = aging_buckets(duckdb.connect(str(tiny_published), read_only=True))
    assert [b.label for b in buckets] == ["current", "1-30", "31-60", "61-90", "90+"]
    assert [b.column for b in buckets] == [c for c in amount_columns if c != "open_amount_minor"]


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
        "unapplied_cash": "15.00",  # p2 only: p1 was refunded on Apr 20; not netted
    }
    assert aging[("stripe:cus_9", "EUR", "unapplied_cash")] == "7.00"  # its own row, no entity
    assert aging[("c2", "JPY", "90+")] == "1200"  # exponent 0
    assert aging[("c3", "BHD", "1-30")] == "12.345"  # exponent 3
    rows = _csv(result.stdout)
    dso = {r["measure"]: r["value"] for r in rows if r["section"] == "dso"}
    assert dso == {"simple_dso_days": "49.6", "countback_dso_days": "46.9", "receivables_amount": "1800.00"}
    actions = [r for r in rows if r["section"] == "dunning_action"]
    assert [(a["external_customer_id"], a["value"]) for a in actions] == [("c1", "30.00")]
    assert "attempt 2 of default (final)" in actions[0]["detail"]
    assert "collections.fct_payments" in result.stderr  # the unapplied section needs it


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
    # 61-90 e 1.00 + f 2.00; 90+ d 123.45; open 353.95 over 9 invoices (a-h, l; i voided that day);
    # unapplied cash (not netted) p1 30.00 + p3 7.00 = 37.00 (p2 comes on Apr 25)
    assert cells[2:] == ["EUR", "100.50", "53.00", "74.00", "3.00", "123.45", "353.95", "9", "37.00"]
    total_jpy = next(ln for ln in out.splitlines() if "TOTAL" in ln and "JPY" in ln)
    assert "1,200" in total_jpy
    # DSO of the latest month end on or before 15 April: 31 March
    assert "2025-03-31" in out and "28.5" in out and "2025-04-30" not in out
    assert "collections.fct_payments" in out
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


def test_unapplied_cash_is_dated(tiny_published):
    """The unapplied section reads the payments' periods holding the date, not the build's figure
    (collections.md 4.3); suggested cash is split out by the build's reason for the payment."""
    con = duckdb.connect(str(tiny_published))
    con.execute(
        "create table collections.fct_payments as select * from (values ('p1', null), ('p2', 'suggested'), "
        "('p3', 'no_match')) t(payment_id, unapplied_reason)"
    )
    con.close()

    def unapplied(day: str) -> dict:
        result = CliRunner().invoke(app, ["collections", "--as-of", day, "--format", "csv"], env=ENV)
        assert result.exit_code == 0, result.output
        rows = _csv(result.stdout)
        assert all(r["date"] == day for r in rows if r["section"] == "unapplied_cash")
        return {r["external_customer_id"]: r["value"] for r in rows if r["section"] == "unapplied_cash"}

    # 15 Apr: p1 30.00 (c1), p3 7.00; 30 Apr: p1 refunded on the 20th, p2 15.00 since the 25th;
    # 10 May: p3's period ended that day
    assert unapplied("2025-04-15") == {"c1": "30.00", "stripe:cus_9": "7.00"}
    assert unapplied("2025-04-30") == {"c1": "15.00", "stripe:cus_9": "7.00"}
    assert unapplied("2025-05-10") == {"c1": "15.00"}
    table = CliRunner().invoke(app, ["collections", "--as-of", "2025-04-30"], env=ENV)
    assert "as the build left it" not in table.stdout
    lines = table.stdout.splitlines()
    below = lines[next(i for i, ln in enumerate(lines) if "Unapplied cash at 2025-04-30" in ln) :]
    c1 = next(ln for ln in below if "c1" in ln)
    # unapplied 15.00, one payment, 15.00 to review (p2 is suggested), no currency mismatch
    assert [c.strip() for c in c1.strip("│ ").split("│")][2:6] == ["15.00", "1", "15.00", "0.00"]
