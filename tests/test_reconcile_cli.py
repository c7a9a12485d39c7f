"""`revhouse reconcile` on a tiny hand-made published warehouse: the parallel-run summary of a
service month per currency (never summed across currencies, each in its exponent), the verdict
and its reason, the unexplained differences largest first (explained, matched and out-of-run
rows left out), the currency filter, --top, the CSV, and the errors; the published copy is read,
never the live warehouse."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from tests.published_tables import write_tables
from tests.test_metrics_cli import table_row

ENV = {"COLUMNS": "250", "NO_COLOR": "1"}

SUMMARY_COLUMNS = (
    "service_month date, currency varchar, currency_exponent bigint, revhouse_lines bigint, "
    "incumbent_lines bigint, compared_lines bigint, matched_lines bigint, differing_lines bigint, "
    "missing_in_incumbent_lines bigint, missing_in_revhouse_lines bigint, matched_line_share decimal(38,12), "
    "revhouse_amount_minor bigint, incumbent_amount_minor bigint, compared_amount_minor bigint, "
    "matched_amount_minor bigint, matched_amount_share decimal(38,12), explained_difference_lines bigint, "
    "explained_difference_minor bigint, unexplained_lines bigint, unexplained_difference_minor bigint, "
    "is_complete_month boolean, month_passes boolean, cutover_verdict varchar, verdict_reason varchar"
)
# USD 2026-04: 4 rows, 1 matched 100.00, 1 differing 50.00 vs 80.00, 1 missing in the incumbent
# 12.34, 1 missing in revhouse 200.00 → lines 1/4 = 25%, amount 100 / (100 + 80 + 12.34 + 200) =
# 10000/39234 = 25.49%; unexplained |−30.00| + 12.34 + 200.00 = 242.34. JPY 2026-04: ¥1,000
# matched (exponent 0), READY. A USD 2026-05 row must not show.
SUMMARY_ROWS = [
    ("2026-04-01", "USD", 2, 3, 3, 4, 1, 1, 1, 1, "0.25", 16234, 38000, 39234, 10000, "0.254880981801",
     0, 0, 3, 24234, True, False, "NOT READY", "this month: 3 unexplained difference(s) totalling 24234 USD minor units"),
    ("2026-04-01", "JPY", 0, 1, 1, 1, 1, 0, 0, 0, "1", 1000, 1000, 1000, 1000, "1",
     0, 0, 0, 0, True, True, "READY", "the last 2 complete months each match"),
    ("2026-05-01", "USD", 2, 9, 9, 9, 9, 0, 0, 0, "1", 999999, 999999, 999999, 999999, "1",
     0, 0, 0, 0, False, False, "NOT READY", "not complete"),
]  # fmt: skip
LINE_COLUMNS = (
    "shadow_line_id varchar, service_month date, currency varchar, is_in_parallel_run boolean, "
    "is_explained boolean, match_status varchar, external_customer_id varchar, external_subscription_id varchar, "
    "charge_key varchar, service_from_date date, service_to_date date, revhouse_invoice_number varchar, "
    "incumbent_invoice_number varchar, revhouse_units decimal(38,12), incumbent_units decimal(38,12), "
    "revhouse_amount_minor bigint, incumbent_amount_minor bigint, amount_difference_minor bigint"
)
LINE_ROWS = [
    ("p1", "2026-04-01", "USD", True, True, "matched", "c1", "s1", "plan", "2026-04-01", "2026-04-30",
     "RH-1", "IN-1", 1, 1, 10000, 10000, 0),
    ("p2", "2026-04-01", "USD", True, False, "differing", "c1", "s1", "api_calls", "2026-04-01", "2026-04-30",
     "RH-1", "IN-1", 50, 80, 5000, 8000, -3000),
    ("p3", "2026-04-01", "USD", True, False, "missing_in_incumbent", "c2", "s2", "seats", "2026-04-01",
     "2026-04-30", "RH-2", None, 3, None, 1234, None, 1234),
    ("p4", "2026-04-01", "USD", True, False, "missing_in_revhouse", "c3", "s3", "plan", "2026-04-01",
     "2026-04-30", None, "IN-3", None, 1, None, 20000, -20000),
    # explained (a credit note) and outside the run: never listed
    ("p5", "2026-04-01", "USD", True, True, "differing", "c4", "s4", "plan", "2026-04-01", "2026-04-30",
     "RH-4", "IN-4", 1, 1, 1000, 90000, -89000),
    ("p6", "2026-04-01", "USD", False, None, "missing_in_incumbent", "c5", "s5", "plan", "2026-04-01",
     "2026-04-30", "RH-5", None, 1, None, 77700, None, 77700),
    ("p7", "2026-04-01", "JPY", True, True, "matched", "c6", "s6", "plan", "2026-04-01", "2026-04-30",
     "RH-6", "IN-6", 1, 1, 1000, 1000, 0),
]  # fmt: skip


def _write(path, summary_rows, line_rows) -> None:
    write_tables(
        path,
        {
            "assurance.fct_parallel_run_summary": (SUMMARY_COLUMNS, summary_rows),
            "assurance.fct_shadow_billing_lines": (LINE_COLUMNS, line_rows),
        },
    )


@pytest.fixture()
def tiny_published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    _write(path, SUMMARY_ROWS, LINE_ROWS)
    # the live warehouse says otherwise: the report must not read it
    live = tmp_path / "live.duckdb"
    _write(live, [(*SUMMARY_ROWS[0][:-2], "READY", "live")], LINE_ROWS[:1])
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))
    monkeypatch.setenv("REVHOUSE_DUCKDB_PATH", str(live))
    return path


def run(*args: str):
    return CliRunner().invoke(app, ["reconcile", *args], env=ENV)


def test_summary_per_currency_verdict_and_differences_largest_first(tiny_published):
    result = run("--period", "2026-04")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "JPY" in line and "USD" in line)
    assert [c.strip() for c in header.split("┃")][2:-1] == ["JPY", "USD"]
    assert table_row(result.output, "compared lines") == ["1", "4"]
    assert table_row(result.output, "share of lines matched") == ["100.00%", "25.00%"]
    assert table_row(result.output, "share of amount matched") == ["100.00%", "25.49%"]
    assert table_row(result.output, "incumbent amount") == ["1,000", "380.00"]
    assert table_row(result.output, "unexplained difference (abs)") == ["0", "242.34"]
    assert table_row(result.output, "cutover verdict") == ["READY", "NOT READY"]
    assert "USD: NOT READY: this month: 3 unexplained difference(s)" in result.output
    assert "top 3 of 3 by amount" in result.output
    listed = [c for c in ("c3", "c1", "c2") if f"│ {c} " in result.output]
    assert listed == ["c3", "c1", "c2"]
    order = [result.output.index(f"│ {c} ") for c in listed]
    assert order == sorted(order), "largest absolute difference first: 200.00, 30.00, 12.34"
    assert "c4" not in result.output and "c5" not in result.output
    assert "-200.00" in result.output and "-30.00" in result.output and "12.34" in result.output


def test_currency_filter_top_and_csv(tiny_published):
    result = run("--period", "2026-04", "--currency", "usd", "--top", "1", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["currency"] for r in rows} == {"USD"}
    figures = {r["measure"]: r["value"] for r in rows if r["section"] == "summary"}
    assert figures["matched_line_share"] == "0.250000000000"
    assert figures["unexplained_difference"] == "242.34"
    assert figures["revhouse_amount"] == "162.34"
    assert figures["cutover_verdict"] == "NOT READY"
    unexplained = [r for r in rows if r["section"] == "unexplained"]
    assert [(r["value"], r["detail"].split("|")[0]) for r in unexplained] == [("-200.00", "c3")]


def test_unknown_period_bad_period_and_missing_mart(tiny_published, tmp_path, monkeypatch):
    result = run("--period", "2025-01")
    assert result.exit_code == 2
    assert "no parallel-run figures for service month 2025-01" in result.output
    assert "2026-04, 2026-05" in result.output
    result = run("--period", "2026-4")
    assert result.exit_code == 2 and "--period '2026-4' is not a month" in result.output
    result = run("--period", "2026-04", "--format", "xml")
    assert result.exit_code == 2
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(empty))
    result = run("--period", "2026-04")
    assert result.exit_code == 2
    assert "not in the published warehouse yet: assurance.fct_parallel_run_summary" in result.output
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(tmp_path / "nothing.duckdb"))
    result = run("--period", "2026-04")
    assert result.exit_code == 2 and "no published warehouse" in result.output
