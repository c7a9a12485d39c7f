"""`make bench`'s month close runs alone on a tiny data set, times the bare aggregate and the
close in the same run, and reports the ratio with its target and what the close produced; speed
itself is never tested."""

from __future__ import annotations

import pytest

from dagster_project.bench.dataset import BenchParams
from tests.bench.conftest import bench_step as _step
from tests.bench.conftest import run_bench_part

EVENTS, CUSTOMERS = 20_000, 40


@pytest.fixture(scope="module")
def close_run(tmp_path_factory):
    return run_bench_part(
        tmp_path_factory,
        "close",
        {"REVHOUSE_BENCH_EVENTS": str(EVENTS), "REVHOUSE_BENCH_CUSTOMERS": str(CUSTOMERS)},
        BenchParams(EVENTS, CUSTOMERS).key,
    )


def test_close_alone_reports_both_timings_and_the_ratio_against_its_target(close_run):
    report, printed, _ = close_run
    assert report["parts"] == ["close"]
    bare, close = _step(report, "(i) bare DuckDB"), _step(report, "(j) revhouse month close")
    assert bare["events"] == EVENTS  # the bare aggregate read every event of the month
    assert close["seconds"] > 0 and close["peak_mb"] > 0
    assert list(report["verdicts"]) == ["close_vs_bare"]
    verdict = report["verdicts"]["close_vs_bare"]
    assert verdict["target"] == "<= 4"
    assert close["seconds"] / verdict["value"] == pytest.approx(bare["seconds"], abs=0.001)
    assert verdict["pass"] == (verdict["value"] <= 4)
    assert verdict["label"] in printed and ("PASS" in printed or "MISS" in printed)


def test_the_close_runs_rating_invoices_revrec_and_metrics_but_not_the_pre_aggregates(close_run):
    report, _, _ = close_run
    close = _step(report, "(j) revhouse month close")
    timed = {m["model"] for m in close["models"]}
    for model in ("int_billing__fees", "int_billing__invoices", "fct_invoices", "int_revrec__documents",
                  "int_revrec__performance_obligations", "fct_revenue_schedule", "int_revrec__postings",
                  "fct_journal_lines", "fct_trial_balance", "fct_mrr"):  # fmt: skip
        assert model in timed, f"{model} is not in the timed close"
    assert "int_billing__usage_daily" not in timed  # current before the close (untimed set-up)
    assert _step(report, "close: seeds + the usage pre-aggregates")["note"].startswith("not in (j):")
    # the close billed the month: its January invoices are finalized by the as-of date
    assert close["produced"]["invoices"] > 0
    assert set(close["produced"]) == {
        "invoices",
        "schedule_rows",
        "journal_lines",
        "trial_balance_rows",
        "mrr_rows",
    }
