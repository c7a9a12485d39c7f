"""The Makefile's targets: what each command gets, run with stand-in programs (fast), and
`dbt docs generate` for real on the demo warehouse (e2e)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.settings import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

STAND_IN = """#!/bin/sh
echo "$(basename "$0") $* REVHOUSE_DUCKDB_PATH=${REVHOUSE_DUCKDB_PATH:-unset}" >> "$CALLS"
case "$1" in paths) echo "duckdb_path      /wh/revhouse.duckdb";; esac
"""


def run_make(target: str, tmp_path: Path) -> list[str]:
    """Run `make <target>` with stand-ins for revhouse, dbt, ruff and python in BIN; return the calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("revhouse", "dbt", "ruff", "python"):
        (bin_dir / name).write_text(STAND_IN)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHOUSE_")}
    env["CALLS"] = str(calls)
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "install",
            target,
            f"BIN={bin_dir}",
            f"TEST_DATA={tmp_path}/t",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return calls.read_text().splitlines()


def test_make_docs_gives_every_dbt_command_the_warehouse_path(tmp_path):
    calls = run_make("docs", tmp_path)
    dbt_calls = [c for c in calls if c.startswith("dbt ")]
    assert [c.split()[1:3] for c in dbt_calls] == [["docs", "generate"], ["docs", "serve"]]
    for call in dbt_calls:
        assert call.endswith("REVHOUSE_DUCKDB_PATH=/wh/revhouse.duckdb"), call


def test_make_test_builds_with_every_dbt_unit_test(tmp_path):
    calls = run_make("test", tmp_path)
    builds = [c for c in calls if c.startswith("revhouse build")]
    assert len(builds) == 1 and "--unit-tests" in builds[0].split()


def test_make_build_is_data_only(tmp_path):
    calls = run_make("build", tmp_path)
    assert [c.split()[:2] for c in calls] == [["revhouse", "build"]]
    assert "--unit-tests" not in calls[0]


@pytest.mark.e2e
def test_dbt_docs_generate_runs_on_the_demo_warehouse(settings, tmp_path):
    """The real `dbt docs generate` (what `make docs` runs before serving), into a tmp target."""
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "REVHOUSE_DUCKDB_PATH": str(settings.duckdb_path)}
    result = subprocess.run(
        [str(dbt), "docs", "generate", "--profiles-dir", ".", "--target-path", str(tmp_path / "target")],
        cwd=settings.dbt_project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "target" / "catalog.json").stat().st_size > 0
    assert (tmp_path / "target" / "index.html").exists()


def test_dagster_dbt_step_is_data_only_unless_asked():
    from dagster_project.defs.dbt.assets import dbt_build_args
    from dagster_project.pipeline import build_run_config

    assert dbt_build_args(unit_tests=False) == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(unit_tests=True) == ["build"]
    assert build_run_config()["ops"]["revhouse_dbt"]["config"] == {"unit_tests": False}
    assert build_run_config(unit_tests=True)["ops"]["revhouse_dbt"]["config"] == {"unit_tests": True}
    preaggregates = build_run_config(full_refresh=True)["ops"]["revhouse_dbt_usage_preaggregates"]
    assert preaggregates["config"] == {"unit_tests": False, "full_refresh": True}
