"""The CLI summary and the usage benchmark, on small inputs."""

from __future__ import annotations

from conftest import FORMATS

from dagster_project.bench.ingestion import bench_usage
from dagster_project.ingest.cli import run_ingest


def test_run_ingest_prints_counts_per_source_and_top_reasons(landing, monkeypatch, capsys):
    monkeypatch.setenv("REVHOUSE_DUCKDB_PATH", str(landing.db_path))
    monkeypatch.setenv("REVHOUSE_LANDING_DIR", str(landing.root))
    monkeypatch.setenv("COLUMNS", "200")
    landing.con.close()
    landing.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
    landing.write("usage/events/e.jsonl", '{"transaction_id": "t1", "code": "c", "timestamp": 1}\n{"x"\n')
    landing.write("catalog/plans/empty.json", "")
    assert run_ingest(None, progress=False) == 0
    out = capsys.readouterr().out
    assert "Ingestion summary" in out
    cells = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in out.splitlines()
        if line.startswith("│") and line.count("│") == 8
    }
    # files, unchanged, loaded, duplicates, quarantined, failed files
    assert cells["fx"] == ["1", "0", "30", "0", "0", "0"]  # records: the 30 rows of the ECB CSV
    assert cells["usage"] == ["1", "0", "0", "0", "2", "0"]
    assert cells["catalog"] == ["1", "0", "0", "0", "0", "1"]
    assert "catalog/plans/empty.json: the file is empty" in out
    assert "missing external_subscription_id" in out and "invalid JSON" in out
    # narrowing to a folder inside the landing dir: nothing new there, nothing loaded
    assert run_ingest(landing.root / "fx", progress=True) == 0


def test_bench_usage_reports_rates_for_parquet_and_jsonl(tmp_path):
    result = bench_usage(tmp_path, n_events=20_000)
    for fmt in ("parquet", "jsonl"):
        assert result[fmt]["events_per_s"] > 0
        assert result[fmt]["ingest_s"] >= result[fmt]["bare_count_s"]
    assert result["events"] == 20_000
