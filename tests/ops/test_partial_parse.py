"""dbt keeps partial parsing only while the profile's connection keys stay the same, and the
DuckDB `path` is one: each warehouse parses into its own target folder, so switching
REVHOUSE_DATA_DIR back and forth never forces a full re-parse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.settings import Settings

FULL_REPARSE = "Unable to do partial parsing"


def settings_for(data_dir: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(data_dir))
    monkeypatch.delenv("REVHOUSE_DUCKDB_PATH", raising=False)
    return Settings.from_env()


def test_each_warehouse_has_its_own_dbt_target(tmp_path, monkeypatch):
    a = settings_for(tmp_path / "a", monkeypatch)
    b = settings_for(tmp_path / "b", monkeypatch)
    assert a.dbt_target_path != b.dbt_target_path
    assert a.dbt_target_path.parent == a.dbt_project_dir / "target"
    assert a.export_env()["DBT_TARGET_PATH"] == str(a.dbt_target_path)
    assert settings_for(tmp_path / "a", monkeypatch).dbt_target_path == a.dbt_target_path


@pytest.mark.e2e
def test_switching_data_dirs_keeps_partial_parsing(tmp_path, monkeypatch):
    dbt = Path(sys.executable).with_name("dbt")
    a = settings_for(tmp_path / "a", monkeypatch)
    b = settings_for(tmp_path / "b", monkeypatch)

    def parse(s: Settings) -> str:
        result = subprocess.run(
            [str(dbt), "parse", "--profiles-dir", "."],
            cwd=s.dbt_project_dir,
            env={**os.environ, **s.export_env()},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-2000:]
        return result.stdout

    try:
        parse(a)
        parse(b)
        again = parse(a)  # one shared target/ said "profile has changed" here
    finally:
        for s in (a, b):
            shutil.rmtree(s.dbt_target_path, ignore_errors=True)
    assert FULL_REPARSE not in again, again[-2000:]
