"""`revhouse review` on a tiny hand-made published warehouse: the findings of the review queue
largest amount at risk first within each currency (never compared across currencies), each
filter, --top per currency, exact money in the currency's exponent (JPY 0, BHD 3), the leakage
rows as the mart gives them (reporting currency included, cut by month and reason only), the
CSV, and the errors; the published copy is read, never the live warehouse."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from tests.published_tables import ASSURANCE_QUEUE_COLUMNS, write_tables

ENV = {"COLUMNS": "250", "NO_COLOR": "1"}

# By currency, largest first: BHD f4 123.456 then f3 1.500; JPY f1 ¥5,000 then f2 ¥120; USD f6
# 2,500.00 then f5 0.00. Compared in minor units across currencies f6 (250000) > f4 (123456) > f1
# (5000) > f3 (1500) > f2 (120): the listing must not follow that.
QUEUE_ROWS = [
    ("f1", "usage_billing", "usage_not_billed", "high", "rule", "c-jp", "s-jp", "i-jp1", "JP-1", True,
     "2026-03-01", "JPY", 5000, "under_billed", "api_calls not billed", "x", "2026-04-05", "open", None),
    ("f2", "proration", "proration_wrong", "medium", "rule", "c-jp", "s-jp", None, None, None,
     "2026-04-01", "JPY", 120, "over_billed", "proration off", "x", "2026-05-05", "acknowledged", None),
    ("f3", "duplicates", "duplicate_invoice_charge", "high", "rule", "c-bh", "s-bh", "i-bh1", "BH-1", True,
     "2026-03-01", "BHD", 1500, "over_billed", "plan billed twice", "x", "2026-04-05", "open", None),
    ("f4", "invoice_totals", "invoice_total_mismatch", "high", "rule", "c-bh", "s-bh", "i-draft", None, False,
     "2026-03-01", "BHD", 123456, "under_billed", "total below its lines", "x", "2026-04-05", "resolved", None),
    ("f5", "ml_usage", "usage_spike", "low", "ml", "c-us", "s-us", None, None, None,
     "2026-03-01", "USD", 0, "none", "storage 9x its median", "x", "2026-03-20", "false_positive", None),
    ("f6", "payments", "duplicate_payment", "high", "rule", "c-us", None, "i-us1", "US-1", True,
     "2026-04-01", "USD", 250000, "over_billed", "paid twice", "x", "2026-05-05", "open", "credit_note"),
]  # fmt: skip
QUEUE_ROWS = [(*r, r[16]) for r in QUEUE_ROWS]  # first_seen_on = detected_on
LEAKAGE_COLUMNS = (
    "period_month date, reason_code varchar, currency varchar, findings_count bigint, leaked_amount_minor bigint, "
    "over_billed_amount_minor bigint, reporting_currency varchar, fx_rate decimal(24,10), fx_rate_date date, "
    "leaked_reporting_minor bigint, over_billed_reporting_minor bigint, finding_ids varchar, "
    "leaked_finding_ids varchar, over_billed_finding_ids varchar"
)
# Reporting currency USD: ¥5,000 × 0.0065 = 32.50; 1.500 BHD × 2.6596 = 3.9894 → 3.99; 123.456 BHD
# × 2.6596 = 328.3435776 → 328.34; April JPY has no rate (null). f5 (false positive) and f6
# (explained by a credit note) are not counted, so USD has no row.
LEAKAGE_ROWS = [
    ("2026-03-01", "duplicate_invoice_charge", "BHD", 1, 0, 1500, "USD", "2.6596", "2026-03-31", 0, 399,
     "f3", None, "f3"),
    ("2026-03-01", "invoice_total_mismatch", "BHD", 1, 123456, 0, "USD", "2.6596", "2026-03-31", 32834, 0,
     "f4", "f4", None),
    ("2026-03-01", "usage_not_billed", "JPY", 1, 5000, 0, "USD", "0.0065", "2026-03-31", 3250, 0,
     "f1", "f1", None),
    ("2026-04-01", "proration_wrong", "JPY", 1, 0, 120, "USD", None, None, None, None, "f2", None, "f2"),
]  # fmt: skip
EXPONENT_ROWS = [("BHD", 3), ("JPY", 0), ("USD", 2)]


def _write(path, queue_rows, leakage_rows) -> None:
    write_tables(
        path,
        {
            "assurance.fct_assurance_review_queue": (ASSURANCE_QUEUE_COLUMNS, queue_rows),
            "assurance.fct_assurance_leakage": (LEAKAGE_COLUMNS, leakage_rows),
            "reference.iso_4217_currencies": ("currency varchar, minor_unit_exponent integer", EXPONENT_ROWS),
        },
    )


@pytest.fixture()
def tiny_published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    _write(path, QUEUE_ROWS, LEAKAGE_ROWS)
    # the live warehouse says otherwise: the report must not read it
    live = tmp_path / "live.duckdb"
    _write(live, [(*QUEUE_ROWS[0][:12], 999999, *QUEUE_ROWS[0][13:])], LEAKAGE_ROWS[:1])
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))
    monkeypatch.setenv("REVHOUSE_DUCKDB_PATH", str(live))
    return path


def run(*args: str):
    return CliRunner().invoke(app, ["review", *args], env=ENV)


def body_rows(output: str) -> list[list[str]]:
    """Cells of every rich table row that starts with a month, in printed order."""
    rows = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")][1:-1]
        if cells and cells[0].startswith("2026-"):
            rows.append(cells)
    return rows


def findings(output: str) -> list[tuple[str, ...]]:
    """(customer, invoice/subscription, reason code, ccy, at risk, status, explained by) per finding row."""
    return [(r[1], r[2], r[3], r[5], r[6], r[8], r[9]) for r in body_rows(output) if len(r) == 11 and r[4] in
            ("high", "medium", "low")]  # fmt: skip


def leakage(output: str) -> list[list[str]]:
    return [r for r in body_rows(output) if len(r) == 11 and r[4] not in ("high", "medium", "low")]


def test_findings_largest_first_within_each_currency_in_exact_money_then_leakage(tiny_published):
    result = run()
    assert result.exit_code == 0, result.output
    assert findings(result.output) == [
        ("c-bh", "draft i-draft", "invoice_total_mismatch", "BHD", "123.456", "resolved", ""),
        ("c-bh", "BH-1", "duplicate_invoice_charge", "BHD", "1.500", "open", ""),
        ("c-jp", "JP-1", "usage_not_billed", "JPY", "5,000", "open", ""),
        ("c-jp", "s-jp", "proration_wrong", "JPY", "120", "acknowledged", ""),
        ("c-us", "US-1", "duplicate_payment", "USD", "2,500.00", "open", "credit_note"),
        ("c-us", "s-us", "usage_spike", "USD", "0.00", "false_positive", ""),
    ]
    assert "total below its lines" in result.output and "under_billed" in result.output
    assert leakage(result.output) == [
        ["2026-03", "duplicate_invoice_charge", "BHD", "1", "0.000", "1.500", "USD", "0.00", "3.99",
         "2.6596000000", "2026-03-31"],
        ["2026-03", "invoice_total_mismatch", "BHD", "1", "123.456", "0.000", "USD", "328.34", "0.00",
         "2.6596000000", "2026-03-31"],
        ["2026-03", "usage_not_billed", "JPY", "1", "5,000", "0", "USD", "32.50", "0.00", "0.0065000000",
         "2026-03-31"],
        ["2026-04", "proration_wrong", "JPY", "1", "0", "120", "USD", "", "", "", ""],
    ]  # fmt: skip
    assert "999,999" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--severity", "HIGH"), ["invoice_total_mismatch", "duplicate_invoice_charge", "usage_not_billed",
                                  "duplicate_payment"]),
        (("--reason", "usage_spike"), ["usage_spike"]),
        (("--status", "open"), ["duplicate_invoice_charge", "usage_not_billed", "duplicate_payment"]),
        (("--customer", "c-jp"), ["usage_not_billed", "proration_wrong"]),
        (("--month", "2026-04"), ["proration_wrong", "duplicate_payment"]),
        (("--severity", "high", "--month", "2026-03", "--customer", "c-bh"),
         ["invoice_total_mismatch", "duplicate_invoice_charge"]),
        (("--top", "1"), ["invoice_total_mismatch", "usage_not_billed", "duplicate_payment"]),
    ],
)  # fmt: skip
def test_filters_and_top_per_currency(tiny_published, args, expected):
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert [f[2] for f in findings(result.output)] == expected


def test_leakage_is_cut_by_month_and_reason_only(tiny_published):
    result = run("--month", "2026-04")
    assert [r[1] for r in leakage(result.output)] == ["proration_wrong"]
    result = run("--reason", "invoice_total_mismatch")
    assert [r[1] for r in leakage(result.output)] == ["invoice_total_mismatch"]
    result = run("--customer", "c-jp")
    assert len(leakage(result.output)) == 4
    assert "cut by --month and --reason only" in result.output
    result = run("--reason", "usage_spike")
    assert result.exit_code == 0 and leakage(result.output) == []
    assert "no leakage counted for reason usage_spike" in result.output


def test_csv_one_line_per_finding_then_leakage_exact_major_units(tiny_published):
    result = run("--customer", "c-bh", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = [r for r in rows if r["section"] == "finding"]
    assert [(r["finding_id"], r["amount_at_risk"], r["currency"], r["invoice_number"], r["invoice_id"],
             r["invoice_is_finalized"], r["period_month"]) for r in found] == [
        ("f4", "123.456", "BHD", "", "i-draft", "false", "2026-03"),
        ("f3", "1.500", "BHD", "BH-1", "i-bh1", "true", "2026-03"),
    ]  # fmt: skip
    assert found[0]["reason_text"] == "total below its lines" and found[0]["direction"] == "under_billed"
    leaks = {(r["reason_code"], r["currency"]): r for r in rows if r["section"] == "leakage"}
    assert leaks[("usage_not_billed", "JPY")]["leaked_amount"] == "5000"
    assert leaks[("usage_not_billed", "JPY")]["leaked_reporting"] == "32.50"
    assert leaks[("invoice_total_mismatch", "BHD")]["leaked_amount"] == "123.456"
    assert leaks[("invoice_total_mismatch", "BHD")]["leaked_reporting"] == "328.34"
    assert leaks[("invoice_total_mismatch", "BHD")]["fx_rate"] == "2.6596000000"
    assert leaks[("proration_wrong", "JPY")]["over_billed_reporting"] == ""
    assert leaks[("proration_wrong", "JPY")]["reporting_currency"] == "USD"
    assert "cut by --month and --reason only" in result.stderr


def test_nothing_matches_bad_options_and_missing_marts(tiny_published, tmp_path, monkeypatch):
    result = run("--reason", "coupon_after_end")
    assert result.exit_code == 2
    assert (
        "no finding in the review queue matches reason coupon_after_end (6 finding(s) in all" in result.output
    )
    assert "duplicate_invoice_charge, duplicate_payment, invoice_total_mismatch" in result.output
    result = run("--month", "2025-01", "--format", "csv")
    assert result.exit_code == 2 and "months: 2026-03, 2026-04" in result.stderr
    result = run("--severity", "urgent")
    assert result.exit_code == 2 and "--severity 'urgent': use high, medium, low" in result.output
    result = run("--status", "closed")
    assert result.exit_code == 2 and "--status 'closed'" in result.output
    result = run("--month", "2026-4")
    assert result.exit_code == 2 and "--month '2026-4' is not a month" in result.output
    result = run("--format", "xml")
    assert result.exit_code == 2
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(empty))
    result = run()
    assert result.exit_code == 2
    assert "not in the published warehouse yet: assurance.fct_assurance_review_queue" in result.output
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(tmp_path / "nothing.duckdb"))
    result = run()
    assert result.exit_code == 2 and "no published warehouse" in result.output
