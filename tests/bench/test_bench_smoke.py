"""`make bench` runs end to end on a tiny data set and prints every figure; speed itself is never tested."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dagster_project import bench
from dagster_project.bench.dataset import BenchData, BenchParams
from tests.bench.conftest import run_bench_main

EVENTS, CUSTOMERS = 12_000, 30


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """One tiny `main()` run in its own data dir; returns (report, printed text, data)."""
    data_dir = tmp_path_factory.mktemp("bench_data")
    report, printed = run_bench_main(
        data_dir,
        {
            "REVHOUSE_BENCH_EVENTS": str(EVENTS),
            "REVHOUSE_BENCH_CUSTOMERS": str(CUSTOMERS),
            "REVHOUSE_BENCH_INGEST_EVENTS": "3000",
            "REVHOUSE_BENCH_PARTS": "rating",  # the cash part has its own test
        },
    )
    params = BenchParams(events=EVENTS, customers=CUSTOMERS)
    return report, printed, BenchData(params, data_dir / "bench" / params.key)


def test_every_step_and_target_is_reported(bench_run):
    report, printed, _ = bench_run
    names = [s["step"] for s in report["steps"]]
    for expected in ("ingest Parquet (runner)", "ingest JSON Lines (probe)", "(a) bare", "(b) revhouse rating",
                     "(b2) rating of the month from up-to-date", "(c) pandas read + JSON field", "(c0) pandas",
                     "(d) new day: usage pre-aggregates incremental", "(d) usage pre-aggregates full refresh"):  # fmt: skip
        assert any(n.startswith(expected) for n in names), f"{expected!r} missing from {names}"
    for step in report["steps"]:
        assert step["seconds"] >= 0
    for key, verdict in report["verdicts"].items():
        assert verdict["pass"] in (True, False), f"{key} has no verdict: {verdict}"
        assert verdict["label"] in printed
    assert printed.count("PASS") + printed.count("MISS") == len(bench.TARGETS)
    assert report["peak_memory_mb"]["self"] > 0


def test_rating_covers_the_same_events_as_the_bare_aggregate(bench_run):
    report, _, _ = bench_run
    steps = {s["step"]: s for s in report["steps"]}
    b = next(s for n, s in steps.items() if n.startswith("(b)"))
    a = next(s for n, s in steps.items() if n.startswith("(a) "))
    # every streamed event belongs to a known subscription and a charged metric of its plan
    assert b["rated_events"] == EVENTS
    assert a["events"] == EVENTS


def test_incremental_day_equals_full_refresh(bench_run):
    report, _, data = bench_run
    inc = next(s for s in report["steps"] if s["step"].startswith("(d) new day"))
    assert inc["rows_differing_from_full"] == 0
    full = next(s for s in report["steps"] if s["step"].startswith("(d) usage pre-aggregates full refresh"))
    assert full["events"] == EVENTS + data.params.day_events
    # the incremental run reads exactly the appended day's file, nothing already aggregated
    assert inc["events_reread"] == data.params.day_events


def test_bare_aggregate_reads_the_values_rating_reads(bench_run):
    """(a) takes the value out of properties_json; per subscription and metric it must equal a
    groupby of the Parquet files' typed `value` column (month + appended day, both in raw by
    now), except api_calls: count_agg has no field, so no value."""
    _, _, data = bench_run
    con = duckdb.connect(str(data.root / "bench.duckdb"))
    try:
        bare = con.execute(bench.bare_aggregate_sql()).df()
    finally:
        con.close()
    typed = pd.concat(pd.read_parquet(p) for p in [*data.event_files(), data.day_file])
    ref = (
        typed.groupby(["external_subscription_id", "code"])["value"]
        .agg(["count", "sum", "max"])
        .reset_index()
    )
    merged = bare.merge(ref, on=["external_subscription_id", "code"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["events_count"] == merged["count"]).all()
    valued = merged[merged["code"] != "api_calls"]
    assert len(valued) > 0
    assert (valued["value_sum"].astype(float) == valued["sum"]).all()
    assert (valued["value_max"].astype(float) == valued["max"]).all()
    assert merged.loc[merged["code"] == "api_calls", "value_sum"].isna().all()


def test_verdicts_compare_against_the_bounds():
    # (b)/(a) = 3.0 / 2.0 = 1.5 → PASS at the bound; (b2)/(a) = 3.2 / 2.0 = 1.6 → MISS;
    # (c)/(b) = 29 / 3 = 9.67 → MISS (< 10), on the same-work (c), not (c0) = 60 / 3 = 20;
    # (d) = 0.5 / 10 = 0.05 → PASS at the bound; Parquet 999,999/s → MISS; JSONL 200,000/s → PASS
    steps = {
        "ingest": {"events_per_s": 999_999, "ratio_to_bare_load": 2.0, "bare_load_s": 1.0},
        "probe_jsonl": {"events_per_s": 200_000, "ratio_to_bare_read": 3.0},
        "a": {"seconds": 2.0},
        "b": {"seconds": 3.0, "models": []},
        "b2": {"seconds": 3.2, "models": []},
        "c": {"seconds": 29.0},
        "c0": {"seconds": 60.0},
        "d_inc": {"seconds": 0.5, "events_reread": 10},
        "d_full": {"seconds": 10.0, "events": 100},
    }
    v = bench.verdicts(steps)
    assert v["rating_vs_bare"]["pass"] is True and v["rating_vs_bare"]["value"] == 1.5
    assert v["rating_from_preaggregate_vs_bare"]["pass"] is False
    assert round(v["rating_from_preaggregate_vs_bare"]["value"], 2) == 1.6
    assert v["pandas_vs_rating"]["pass"] is False and round(v["pandas_vs_rating"]["value"], 2) == 9.67
    assert v["incremental_vs_full"]["pass"] is True
    assert v["ingest_parquet"]["pass"] is False and "2.0×" in v["ingest_parquet"]["why"]
    assert v["ingest_jsonl"]["pass"] is True and v["ingest_jsonl"]["why"] == ""
