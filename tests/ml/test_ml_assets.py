"""The ML assets on a small warehouse in tmp: anomaly scores replace ml.anomaly_scores whole
(same table on a rerun), and the evaluation records "no truth" without failing, or scores a
review queue against the truth file."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from ml_synthetic import invoice_features, steady, usage_features

from dagster_project.defs.common.resources import DuckDBWriter, RevhouseSettings
from dagster_project.defs.ml.assets import anomaly_scores, build_evaluation_asset

FIXTURE = Path(__file__).parent / "fixtures" / "assurance_cases.csv"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse" / "revhouse.duckdb"
    path.parent.mkdir(parents=True)
    spike = steady(1)
    spike[60] = 400.0
    usage = usage_features({"sub_a": spike, "sub_b": steady(2)})  # noqa: F841 (read by DuckDB)
    invoices = invoice_features({"c1": [10000] * 5, "c2": [10000, 10000, 10000, 10000, 40000]})  # noqa: F841
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_assurance__usage_features as select * from usage")
    con.execute("create table intermediate.int_assurance__invoice_features as select * from invoices")
    con.close()
    return path


def _resources(tmp_path: Path, warehouse: Path) -> dict:
    return {
        "duckdb_writer": DuckDBWriter(path=str(warehouse)),
        "revhouse_settings": RevhouseSettings(data_dir=str(tmp_path)),
    }


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_anomaly_scores_replace_the_table_whole_and_flag_the_planted_rows(tmp_path, warehouse):
    result = dg.materialize([anomaly_scores], resources=_resources(tmp_path, warehouse))
    assert result.success
    first = _rows(warehouse, "select * from ml.anomaly_scores order by score_id")
    flagged = _rows(warehouse, "select entity_key, kind from ml.anomaly_scores where is_flagged order by 1")
    assert flagged == [("c2-4", "invoice_amount_anomaly"), ("sub_a|api_calls|2026-03-02", "usage_spike")]
    meta = result.asset_materializations_for_node(anomaly_scores.node_def.name)[0].metadata
    assert meta["rows"].value == len(first)
    assert meta["flags"].value == 2
    # rerun: same rows, not appended
    assert dg.materialize([anomaly_scores], resources=_resources(tmp_path, warehouse)).success
    assert _rows(warehouse, "select * from ml.anomaly_scores order by score_id") == first
    types = dict(
        _rows(
            warehouse,
            "select column_name, data_type from information_schema.columns where table_name = 'anomaly_scores'",
        )
    )
    assert (types["score_date"], types["score"], types["is_flagged"]) == ("DATE", "DOUBLE", "BOOLEAN")


def test_evaluation_without_truth_records_it_and_does_not_fail(tmp_path, warehouse):
    asset = build_evaluation_asset(upstream=[])
    result = dg.materialize([asset], resources=_resources(tmp_path, warehouse))
    assert result.success
    meta = result.asset_materializations_for_node(asset.node_def.name)[0].metadata
    assert meta["status"].value.startswith("no truth")
    assert _rows(warehouse, "select count(*) from ml.assurance_evaluation") == [(0,)]


def test_evaluation_without_a_review_queue_records_it_and_does_not_fail(tmp_path, warehouse):
    (tmp_path / "truth").mkdir()
    shutil.copyfile(FIXTURE, tmp_path / "truth" / "assurance_cases.csv")
    asset = build_evaluation_asset(upstream=[])
    result = dg.materialize([asset], resources=_resources(tmp_path, warehouse))
    assert result.success
    meta = result.asset_materializations_for_node(asset.node_def.name)[0].metadata
    assert meta["status"].value == "no review queue: assurance.fct_assurance_review_queue is not built"
    assert _rows(warehouse, "select count(*) from ml.assurance_evaluation_amounts") == [(0,)]


def test_evaluation_scores_the_review_queue_against_the_cases(tmp_path, warehouse):
    (tmp_path / "truth").mkdir()
    shutil.copyfile(FIXTURE, tmp_path / "truth" / "assurance_cases.csv")
    con = duckdb.connect(str(warehouse))
    con.execute("create schema assurance")
    con.execute(
        "create table assurance.fct_assurance_review_queue as select * from (values "
        "('f1', 'duplicate_invoice_charge', 'cust_1', 'sub_1', 'INV-1', date '2026-03-01', 'open', null), "
        "('f2', 'usage_spike', 'cust_6', 'sub_6', null, date '2026-05-01', 'open', null), "
        "('f3', 'usage_spike', 'cust_4', 'sub_4', null, date '2026-04-01', 'open', 'contract_upsize')"
        ") as t(finding_id, reason_code, external_customer_id, external_subscription_id, invoice_number, "
        "period_month, status, explained_by)"
    )
    con.close()
    asset = build_evaluation_asset(upstream=[])
    result = dg.materialize([asset], resources=_resources(tmp_path, warehouse))
    assert result.success
    rows = {
        r[0]: r[1:]
        for r in _rows(
            warehouse,
            "select fault_type, found_cases, fault_cases, true_positive_findings, false_positive_findings "
            "from ml.assurance_evaluation",
        )
    }
    # f1 finds A1; f2 flags the near miss N2 (a false positive); f3 is explained away
    assert rows["duplicate_charge"] == (1, 2, 1, 0)
    assert rows["usage_spike"] == (0, 1, 0, 1)
    assert rows["overall"] == (1, 4, 1, 1)
    amounts = _rows(
        warehouse,
        "select planted_amount_minor, found_amount_minor from ml.assurance_evaluation_amounts "
        "where fault_type = 'duplicate_charge' and currency = 'EUR'",
    )
    assert amounts == [(12000, 5000)]
    meta = result.asset_materializations_for_node(asset.node_def.name)[0].metadata
    assert (meta["status"].value, meta["precision"].value, meta["recall"].value) == (
        "evaluated",
        "0.5000",
        "0.2500",
    )
