"""An empty build (no landing file ever loaded, e.g. a mis-set REVHOUSE_LANDING_DIR) says so and
never replaces a published copy that has data, unless asked to."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.settings import Settings
from dagster_project.warehouse import EmptyBuildError, is_empty_warehouse, publish


def make_warehouse(path, landed_files: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists raw")
    con.execute("create or replace table raw.landing_files (file_path varchar)")
    for i in range(landed_files):
        con.execute("insert into raw.landing_files values (?)", [f"usage/events/{i}.jsonl"])
    con.close()


def landed(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from raw.landing_files").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path))
    for var in ("REVHOUSE_DUCKDB_PATH", "REVHOUSE_PUBLISHED_PATH", "REVHOUSE_LANDING_DIR"):
        monkeypatch.delenv(var, raising=False)
    return Settings.from_env()


def test_an_empty_build_does_not_replace_a_published_copy_with_data(settings):
    make_warehouse(settings.published_path, landed_files=3)
    make_warehouse(settings.duckdb_path, landed_files=0)

    with pytest.raises(EmptyBuildError, match="allow-empty"):
        publish(settings)
    assert landed(settings.published_path) == 3


def test_allow_empty_replaces_it_and_says_so(settings):
    make_warehouse(settings.published_path, landed_files=3)
    make_warehouse(settings.duckdb_path, landed_files=0)
    said: list[str] = []

    publish(settings, allow_empty=True, say=said.append)

    assert landed(settings.published_path) == 0
    assert any("empty warehouse" in s for s in said)


def test_a_first_empty_publish_goes_through_with_a_warning(settings):
    make_warehouse(settings.duckdb_path, landed_files=0)
    said: list[str] = []

    publish(settings, say=said.append)

    assert landed(settings.published_path) == 0
    assert said and str(settings.landing_dir) in said[0]


def test_a_build_with_data_replaces_the_copy_without_a_word(settings):
    make_warehouse(settings.published_path, landed_files=3)
    make_warehouse(settings.duckdb_path, landed_files=5)
    said: list[str] = []

    publish(settings, say=said.append)

    assert landed(settings.published_path) == 5 and said == []


def test_a_stale_read_only_tmp_copy_from_a_killed_publish_is_replaced(settings):
    make_warehouse(settings.duckdb_path, landed_files=2)
    tmp = settings.published_path.with_name(settings.published_path.name + ".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(b"half a copy")
    tmp.chmod(0o444)

    publish(settings)

    assert landed(settings.published_path) == 2 and not tmp.exists()


def test_cli_publish_refuses_with_exit_code_2(settings):
    make_warehouse(settings.published_path, landed_files=3)
    make_warehouse(settings.duckdb_path, landed_files=0)

    result = CliRunner().invoke(app, ["publish"])

    assert result.exit_code == 2
    assert "--allow-empty" in result.output
    assert landed(settings.published_path) == 3


def test_is_empty_warehouse_without_raw_tables(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    assert is_empty_warehouse(con)
    con.close()
