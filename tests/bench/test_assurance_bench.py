"""`make bench`'s assurance part runs alone on a tiny data set: the bare aggregate, the assurance
dbt models and the anomaly scoring (or the reason it did not run) in the same run, with the ratio
and peak memory; speed itself is never tested."""

from __future__ import annotations

import importlib.util

import pytest

from dagster_project.bench.dataset import BenchParams
from tests.bench.conftest import bench_step as _step
from tests.bench.conftest import run_bench_part

EVENTS, CUSTOMERS = 20_000, 40


@pytest.fixture(scope="module")
def assurance_run(tmp_path_factory):
    return run_bench_part(
        tmp_path_factory,
        "assurance",
        {"REVHOUSE_BENCH_EVENTS": str(EVENTS), "REVHOUSE_BENCH_CUSTOMERS": str(CUSTOMERS)},
        BenchParams(EVENTS, CUSTOMERS).key,
    )


def test_assurance_alone_reports_the_ratio_and_peak_memory(assurance_run):
    report, printed, _ = assurance_run
    assert report["parts"] == ["assurance"]
    bare, checks = _step(report, "(k) bare DuckDB"), _step(report, "(l) revhouse assurance checks")
    assert bare["events"] == EVENTS
    assert checks["seconds"] > 0 and checks["peak_mb"] > 0
    verdict = report["verdicts"]["assurance_vs_bare"]
    scoring = _step(report, "(m) anomaly scoring")
    total = checks["seconds"] + (scoring["seconds"] if scoring["ran"] else 0)
    assert total / verdict["value"] == pytest.approx(bare["seconds"], abs=0.001)
    assert verdict["pass"] is None and "peak" in verdict["why"]
    assert "(k) bare DuckDB" in printed and "(l) revhouse assurance checks" in printed


def test_the_timed_run_is_the_assurance_models_and_the_queue_is_built(assurance_run):
    report, _, _ = assurance_run
    checks = _step(report, "(l) revhouse assurance checks")
    timed = {m["model"] for m in checks["models"]}
    for model in ("int_assurance__findings", "fct_assurance_review_queue", "fct_assurance_leakage"):
        assert model in timed
    assert "fct_credit_notes" not in timed  # what the checks read is set up, untimed
    assert checks["produced"]["findings"] is not None and checks["produced"]["leakage_rows"] is not None


def test_scoring_runs_with_the_ml_code_or_says_why_not(assurance_run):
    report, _, _ = assurance_run
    scoring = _step(report, "(m) anomaly scoring")
    has_ml = importlib.util.find_spec("ml.anomaly") is not None
    if not has_ml:
        assert scoring["ran"] is False and scoring["note"].startswith("not run: the ML code")
    elif scoring["ran"]:
        assert scoring["note"].startswith("ml.anomaly.score_all")
    else:
        assert "feature models are not built" in scoring["note"]
