"""`make bench`'s cash-application part runs end to end on a tiny data set, times both sides and
applies every payment where it should; speed itself is never tested."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.bench.cash_application import CashParams
from tests.bench.conftest import bench_step as _step
from tests.bench.conftest import run_bench_part

PAYMENTS = 60  # 6 customers × 10 invoices; invoices 0, 2, 4, 6, 8 of each carry a reference


@pytest.fixture(scope="module")
def cash_run(tmp_path_factory):
    """One tiny `main()` run of the cash part alone; returns (report, printed text, warehouse)."""
    return run_bench_part(
        tmp_path_factory, "cash", {"REVHOUSE_BENCH_PAYMENTS": str(PAYMENTS)}, CashParams(PAYMENTS).key
    )


def test_both_timings_and_the_verdict_are_reported(cash_run):
    report, printed, _ = cash_run
    assert report["parts"] == ["cash"]
    bare, dbt = _step(report, "(e) bare DuckDB join"), _step(report, "(f) revhouse cash application")
    assert bare["seconds"] >= 0 and dbt["seconds"] > 0  # shown to the millisecond: a tiny join may show 0
    assert dbt["peak_mb"] > 0
    # the rating part did not run: only the cash verdict, computed from the two timings
    assert list(report["verdicts"]) == ["cash_application_vs_bare"]
    verdict = report["verdicts"]["cash_application_vs_bare"]
    assert verdict["value"] > 0
    assert verdict["pass"] is (verdict["value"] <= 3)
    assert printed.count("PASS") + printed.count("MISS") == 1
    assert verdict["label"] in printed and "(f) revhouse cash application" in printed


def test_the_timed_run_covers_the_whole_path_from_the_raw_payments(cash_run):
    report, _, _ = cash_run
    timed = {m["model"] for m in _step(report, "(f) revhouse cash application")["models"]}
    for model in ("stg_stripe__charges", "stg_billed__invoices", "int_collections__payment_attempts",
                  "int_collections__money_events", "int_collections__receivable_invoices",
                  "int_collections__reference_matches", "int_collections__scored_matches",
                  "int_collections__exact_sum_matches", "int_collections__matched_applications",
                  "int_collections__payment_takebacks", "int_collections__cash_applications", "fct_payments"):  # fmt: skip
        assert model in timed, f"{model} is not in the timed run: {sorted(timed)}"
    assert not any(m.startswith("int_billing__") for m in timed)


def test_the_bare_join_finds_the_referenced_half(cash_run):
    report, _, _ = cash_run
    # 6 customers × 5 referenced invoices (k = 0, 2, 4, 6, 8)
    assert _step(report, "(e) bare DuckDB join")["joined"] == 30


def test_every_payment_is_applied_whole_to_its_own_invoice(cash_run):
    report, _, db = cash_run
    dbt = _step(report, "(f) revhouse cash application")
    assert dbt["applications"] == PAYMENTS
    assert dbt["applications_by_pass"] == {"reference": 30, "score": 30}
    assert dbt["rows_differing_from_expected"] == 0
    assert dbt["payment_outcomes"] == {"applied": PAYMENTS}
    assert dbt["suggested"] == 0
    con = duckdb.connect(str(db))  # dbt, in this process, still holds it read-write
    try:
        # payment ch_bench_00000013 (customer 1, invoice k = 3: no reference) lands on invoice 13
        row = con.execute(
            """select invoice_id, match_pass, amount_minor = (
                       select total_amount_minor from raw.billed_invoices where invoice_id = 'bench_inv_00000013')
               from intermediate.int_collections__cash_applications
               where payment_id = 'stripe:ch_bench_00000013' and movement_kind = 'applied'"""
        ).fetchall()
    finally:
        con.close()
    assert row == [("bench_inv_00000013", "score", True)]
