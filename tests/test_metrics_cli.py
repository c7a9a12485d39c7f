"""`revhouse metrics` on a tiny hand-made published warehouse: the bridge of a month per
currency (entities added up within a currency, segment rows left out, never a sum across
currencies), fx_impact only in the reporting currency, each currency's exponent, the headline
rates, the entity filter and the errors."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app

ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

BRIDGE_COLUMNS = (
    "month date, currency_basis varchar, currency varchar, billing_entity_code varchar, segment_type varchar, "
    "segment_value varchar, opening_mrr_minor bigint, new_minor bigint, expansion_minor bigint, "
    "contraction_minor bigint, churn_minor bigint, reactivation_minor bigint, fx_impact_minor bigint, "
    "closing_mrr_minor bigint, closing_arr_minor bigint, scheduled_churn_mrr_minor bigint, "
    "opening_customers bigint, closing_customers bigint, churned_customers bigint"
)
# The B3 month (metrics-and-revrec.md): opening 2,000.00 EUR (A, B, C, D at 500 each); B → 600,
# C → 300, D → 0, new E 200, returning F 100: 2,000 + 200 + 100 − 200 − 500 + 100 = 1,700.00.
# Split over entity e1 (A, B, C, D, E) and e2 (F); a plan segment row repeats e1 and must not add.
BRIDGE_ROWS = [
    # month, basis, currency, entity, seg type, seg value, open, new, exp, contr, churn, react, fx, close, arr, sched, oc, cc, ch
    ("2026-06-01", "document", "EUR", "e1", "all", "all", 200000, 20000, 10000, 20000, 50000, 0, 0, 160000, 1920000, 30000, 4, 4, 1),
    ("2026-06-01", "document", "EUR", "e2", "all", "all", 0, 0, 0, 0, 0, 10000, 0, 10000, 120000, 0, 0, 1, 0),
    ("2026-06-01", "document", "EUR", "e1", "plan", "pro", 200000, 20000, 10000, 20000, 50000, 0, 0, 160000, 1920000, 30000, 4, 4, 1),
    # ¥12,000 unchanged (exponent 0)
    ("2026-06-01", "document", "JPY", "e2", "all", "all", 12000, 0, 0, 0, 0, 0, 0, 12000, 144000, 0, 1, 1, 0),
    # B11: 200.00 GBP at 1.25 → 250.00 USD, next month at 1.30 → 260.00: fx_impact +10.00, no movement
    ("2026-06-01", "reporting", "USD", "e1", "all", "all", 25000, 0, 0, 0, 0, 0, 1000, 26000, 312000, 0, 1, 1, 0),
    ("2026-05-01", "document", "EUR", "e1", "all", "all", 1, 0, 0, 0, 0, 0, 0, 1, 12, 0, 1, 1, 0),
]  # fmt: skip
CUT_COLUMNS = "billing_entity_code varchar, segment_type varchar, segment_value varchar, "
RATE_COLUMNS = (
    "month date, currency_basis varchar, currency varchar, window_months integer, "
    + CUT_COLUMNS
    + "logo_churn_rate decimal(38,12), gross_mrr_churn_rate decimal(38,12), net_mrr_churn_rate decimal(38,12), "
    "nrr decimal(38,12), grr decimal(38,12), quick_ratio decimal(38,12)"
)
# B5 on the whole EUR book: 1 of 4 logos → 25%; (500 + 200) / 2,000 = 35%; (700 − 100 − 100) / 2,000
# = 25%; NRR (600 + 300 + 0 + 500) / 2,000 = 70%, GRR (500 + 300 + 0 + 500) / 2,000 = 65%;
# quick ratio (200 + 100 + 100) / 700 = 0.571428…; no 12-month window yet.
# e1 alone (A–E, no reactivation): net (700 − 100) / 2,000 = 30%, quick ratio (200 + 100) / 700 =
# 0.428571…; e2 (F only) has no opening customer, so no rate at all. The plan row must not be read.
RATE_ROWS = [
    ("2026-06-01", "document", "EUR", 1, "all", "all", "all", "0.25", "0.35", "0.25", "0.70", "0.65", "0.571428571428"),
    ("2026-06-01", "document", "EUR", 1, "e1", "all", "all", "0.25", "0.35", "0.30", "0.70", "0.65", "0.428571428571"),
    ("2026-06-01", "document", "EUR", 1, "e2", "all", "all", None, None, None, None, None, None),
    ("2026-06-01", "document", "EUR", 1, "e1", "plan", "pro", "0.99", "0.99", "0.99", "0.99", "0.99", "9.99"),
]  # fmt: skip
ARPA_COLUMNS = (
    "month date, currency_basis varchar, currency varchar, "
    + CUT_COLUMNS
    + "arpa_minor bigint, ltv_minor bigint, mean_logo_churn_rate_6m decimal(38,12)"
)
# B7: 1,700.00 / 5 = 340.00; B8: 340.00 × 0.8 / 0.02 = 13,600.00. JPY: no churn → LTV not measurable.
# e1: (500 + 600 + 300 + 200) / 4 = 400.00, its own churn 0.05 → 400.00 × 0.8 / 0.05 = 6,400.00;
# e2: F 100.00 / 1 = 100.00, churn 0 → LTV not measurable.
ARPA_ROWS = [
    ("2026-06-01", "document", "EUR", "all", "all", "all", 34000, 1360000, "0.02"),
    ("2026-06-01", "document", "EUR", "e1", "all", "all", 40000, 640000, "0.05"),
    ("2026-06-01", "document", "EUR", "e2", "all", "all", 10000, None, "0"),
    ("2026-06-01", "document", "JPY", "all", "all", "all", 12000, None, "0"),
    ("2026-06-01", "document", "JPY", "e2", "all", "all", 12000, None, "0"),
]  # fmt: skip


@pytest.fixture()
def tiny_published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema metrics")
    con.execute("create schema reference")
    for table, columns, rows in (
        ("metrics.fct_mrr_bridge", BRIDGE_COLUMNS, BRIDGE_ROWS),
        ("metrics.fct_mrr_rates", RATE_COLUMNS, RATE_ROWS),
        ("metrics.fct_mrr_arpa_ltv", ARPA_COLUMNS, ARPA_ROWS),
    ):
        con.execute(f"create table {table} ({columns})")
        con.executemany(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)
    con.execute(
        "create table reference.iso_4217_currencies as select * from (values ('EUR', 2), ('JPY', 0), "
        "('USD', 2)) t(currency, minor_unit_exponent)"
    )
    con.close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))
    return path


def run(*args: str):
    return CliRunner().invoke(app, ["metrics", *args], env=ENV)


def table_row(output: str, label: str) -> list[str]:
    """The cells of the rich table row whose first cell is `label`."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")][1:-1]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in:\n{output}")


def csv_rows(output: str) -> dict[tuple[str, str, str], str]:
    return {
        (r["currency_basis"], r["currency"], r["measure"]): r["value"]
        for r in csv.DictReader(io.StringIO(output))
    }


def test_table_bridge_per_currency_and_rates(tiny_published):
    result = run("--month", "2026-06")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "USD (reporting)" in line)
    assert [c.strip() for c in header.split("┃")][2:-1] == ["USD (reporting)", "EUR", "JPY"]
    assert table_row(result.output, "opening MRR") == ["250.00", "2,000.00", "12,000"]
    assert table_row(result.output, "− churn") == ["0.00", "500.00", "0"]
    assert table_row(result.output, "+ reactivation") == ["0.00", "100.00", "0"]
    assert table_row(result.output, "+ fx_impact") == ["10.00", "", ""]  # reporting currency only
    assert table_row(result.output, "= closing MRR") == ["260.00", "1,700.00", "12,000"]
    assert table_row(result.output, "ARR (12 × MRR)") == ["3,120.00", "20,400.00", "144,000"]
    assert table_row(result.output, "scheduled churn (not in the bridge)") == ["0.00", "300.00", "0"]
    assert table_row(result.output, "paying customers at closing") == ["1", "5", "1"]
    assert table_row(result.output, "logo churn") == ["–", "25.00%", "–"]
    assert table_row(result.output, "gross MRR churn")[1] == "35.00%"
    assert table_row(result.output, "NRR monthly")[1] == "70.00%"
    assert table_row(result.output, "GRR monthly")[1] == "65.00%"
    assert table_row(result.output, "NRR 12 months")[1] == "–"
    assert table_row(result.output, "quick ratio")[1] == "0.57"
    assert table_row(result.output, "ARPA") == ["–", "340.00", "12,000"]
    assert table_row(result.output, "LTV") == ["–", "13,600.00", "–"]


def test_entity_and_currency_filters(tiny_published):
    result = run("--month", "2026-06", "--entity", "e2", "--currency", "eur")
    assert result.exit_code == 0, result.output
    assert table_row(result.output, "opening MRR") == ["0.00"]
    assert table_row(result.output, "= closing MRR") == ["100.00"]
    assert "JPY" not in result.output and "USD" not in result.output
    # the entity's own rates: e2 had no customer at the opening, so none (the whole book's is 25%)
    assert table_row(result.output, "logo churn") == ["–"]
    assert table_row(result.output, "NRR monthly") == ["–"]
    assert table_row(result.output, "ARPA") == ["100.00"]
    assert table_row(result.output, "LTV") == ["–"]


def test_entity_rates_are_the_entitys_own_row(tiny_published):
    result = run("--month", "2026-06", "--entity", "e1", "--currency", "EUR")
    assert result.exit_code == 0, result.output
    assert table_row(result.output, "net MRR churn") == ["30.00%"]  # whole book: 25.00%
    assert table_row(result.output, "quick ratio") == ["0.43"]  # whole book: 0.57
    assert table_row(result.output, "ARPA") == ["400.00"]
    assert table_row(result.output, "LTV") == ["6,400.00"]
    result = run("--month", "2026-06", "--entity", "e1", "--currency", "EUR", "--format", "csv")
    assert result.exit_code == 0, result.output
    rates = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["section"] == "rates"]
    assert {r["entity"] for r in rates} == {"e1"}
    assert {r["measure"]: r["value"] for r in rates}["net_mrr_churn_rate_1m"] == "0.300000000000"


def test_csv_exact_values(tiny_published):
    result = run("--month", "2026-06", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    assert rows[("document", "EUR", "closing_mrr")] == "1700.00"
    assert rows[("document", "JPY", "closing_mrr")] == "12000"
    assert rows[("reporting", "USD", "fx_impact")] == "10.00"
    assert ("document", "EUR", "fx_impact") not in rows
    assert rows[("document", "EUR", "quick_ratio_1m")] == "0.571428571428"
    assert rows[("document", "EUR", "nrr_12m")] == ""
    assert rows[("document", "EUR", "ltv")] == "13600.00"


def test_month_without_bridge_bad_month_and_missing_marts(tiny_published, tmp_path, monkeypatch):
    result = run("--month", "2027-01")
    assert result.exit_code == 0 and "no MRR bridge for 2027-01" in result.output
    result = run("--month", "2026-6")
    assert result.exit_code == 2 and "not a month (YYYY-MM)" in result.output
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(empty))
    result = run("--month", "2026-06", "--format", "csv")
    assert result.exit_code == 0 and "metrics.fct_mrr_bridge" in result.stderr
