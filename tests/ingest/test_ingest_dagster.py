"""The ingestion Definitions: they load, materialise on a tmp landing folder, and their checks bite."""

from __future__ import annotations

import dagster as dg
import pytest
from conftest import FORMATS

from dagster_project.defs.common.resources import DuckDBWriter, RevhouseSettings
from dagster_project.defs.ingestion.assets import (
    BOOKKEEPING_ASSET,
    CONSERVATION_CHECKS,
    SOURCE_ASSETS,
    build_conservation_check,
)
from dagster_project.defs.ingestion.definitions import defs
from dagster_project.defs.ingestion.sensors import INGEST_JOB_NAME, landing_sensor
from dagster_project.ingest.schema import NO_LINEAGE, TABLES


@pytest.fixture
def env(landing, monkeypatch):
    monkeypatch.setenv("REVHOUSE_DUCKDB_PATH", str(landing.db_path))
    monkeypatch.setenv("REVHOUSE_LANDING_DIR", str(landing.root))
    landing.con.close()  # Dagster opens the file itself (one writer at a time)
    return landing


def test_definitions_cover_every_raw_table():
    dg.Definitions.validate_loadable(defs)
    keys = {tuple(k.path) for k in defs.resolve_all_asset_keys()}
    assert {("raw", t) for t in TABLES} <= keys  # data tables and bookkeeping tables alike
    assert defs.resolve_job_def(INGEST_JOB_NAME) is not None
    assert defs.resolve_sensor_def("landing_sensor") is not None
    names = {a.node_def.name for a in SOURCE_ASSETS}
    assert names == {
        "raw_usage",
        "raw_catalog",
        "raw_crm",
        "raw_payments",
        "raw_billed",
        "raw_fx",
        "raw_reference",
    }
    for asset in SOURCE_ASSETS:
        for spec in asset.specs:
            assert spec.group_name == "ingestion" and spec.freshness_policy is not None, spec.key
    assert {t for t in TABLES if t not in NO_LINEAGE} == {k.path[1] for a in SOURCE_ASSETS for k in a.keys}


def test_assets_materialise_on_a_tmp_landing_dir_and_checks_pass(env):
    env.copy(FORMATS / "lago/events_list.json", "usage/events")
    env.write("usage/events/bad.jsonl.gz", b"\x1f\x8b\x08\x00broken")
    env.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
    env.copy(FORMATS / "lago/plan.json", "catalog/plans")
    result = dg.materialize(
        [*SOURCE_ASSETS, BOOKKEEPING_ASSET, *CONSERVATION_CHECKS], resources={"duckdb_writer": DuckDBWriter()}
    )
    assert result.success
    meta = {
        tuple(e.asset_key.path): {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    usage = meta[("raw", "usage_events")]
    assert (usage["files"], usage["loaded"], usage["failed_files"], usage["rows_in_table"]) == (2, 1, 1, 1)
    assert "usage/events/bad.jsonl.gz" in usage["failed"]
    # 30 ECB records (CSV rows) whose other 840 rates are child rows; 870 rows in the table
    fx = meta[("raw", "fx_rates")]
    assert (fx["loaded"], fx["child_rows_loaded"], fx["rows_in_table"]) == (30, 840, 870)
    assert meta[("raw", "lago_plans")]["rows_in_table"] == 1
    assert meta[("raw", "landing_files")]["rows_in_table"] == 4
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        f"{s}_rows_conserved": True
        for s in ("usage", "catalog", "crm", "payments", "billed", "fx", "reference")
    }


def test_conservation_check_fails_when_a_raw_row_is_deleted(env):
    env.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
    writer = DuckDBWriter()
    fx_asset = [a for a in SOURCE_ASSETS if a.node_def.name == "raw_fx"][0]
    check = build_conservation_check("fx")
    assert (
        dg.materialize([fx_asset, check], resources={"duckdb_writer": writer})
        .get_asset_check_evaluations()[0]
        .passed
    )
    with writer.connect() as con:
        con.execute("delete from raw.fx_rates where rowid in (select min(rowid) from raw.fx_rates)")
    result = dg.materialize(
        [fx_asset, check], resources={"duckdb_writer": writer}, selection=dg.AssetSelection.checks(check)
    )
    evaluation = result.get_asset_check_evaluations()[0]
    assert not evaluation.passed
    assert "869 raw-table rows" in evaluation.metadata["problems"].value


def test_sensor_requests_a_run_only_when_the_landing_dir_changes(env):
    env.copy(FORMATS / "fx/eurofxref.csv", "fx/rates")
    resources = {"revhouse_settings": RevhouseSettings()}
    with dg.instance_for_test() as instance:
        first = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert isinstance(first, dg.RunRequest)
        cursor = first.run_key
        same = landing_sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources))
        assert isinstance(same, dg.SkipReason)
        env.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
        changed = landing_sensor(
            dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
        )
        assert isinstance(changed, dg.RunRequest) and changed.run_key != cursor
