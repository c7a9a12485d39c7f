"""One tiny `revhouse bench` run, shared by the bench smoke tests."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest


def run_bench_main(data_dir: Path, env: dict[str, str]) -> tuple[dict, str]:
    """`bench.main()` with REVHOUSE_DATA_DIR = data_dir and `env`; returns (report, printed text)."""
    from rich.console import Console

    from dagster_project import bench

    mp = pytest.MonkeyPatch()
    mp.setenv("REVHOUSE_DATA_DIR", str(data_dir))
    for name, value in env.items():
        mp.setenv(name, value)
    mp.setenv("REVHOUSE_DUCKDB_PATH", str(data_dir / "unused.duckdb"))  # main() repoints dbt; restored after
    mp.setenv("COLUMNS", "200")
    buf = io.StringIO()
    mp.setattr("rich.console.Console", lambda *a, **k: Console(file=buf, width=200, color_system=None))
    try:
        bench.main()
    finally:
        mp.undo()
    return json.loads((data_dir / "bench" / "last_run.json").read_text()), buf.getvalue()


def run_bench_part(tmp_path_factory, part: str, env: dict[str, str], key: str) -> tuple[dict, str, Path]:
    """One tiny `main()` run of one bench part alone (REVHOUSE_BENCH_PARTS = part, plus `env`);
    returns (report, printed text, the part's warehouse under bench/<key>/)."""
    data_dir = tmp_path_factory.mktemp(f"{part}_bench")
    report, printed = run_bench_main(data_dir, {"REVHOUSE_BENCH_PARTS": part, **env})
    return report, printed, data_dir / "bench" / key / "bench.duckdb"


def bench_step(report: dict, prefix: str) -> dict:
    """The report's step whose name starts with `prefix`."""
    return next(s for s in report["steps"] if s["step"].startswith(prefix))
