import dagster as dg

from dagster_project.defs.dbt.assets import FROZEN_STATE_SOURCES, ML_SOURCE
from dagster_project.defs.dbt.project import prepare


def test_definitions_load_with_one_job_schedule_and_sensor():
    prepare()
    from dagster_project.definitions import ALL_JOB_NAME, defs

    job = defs.resolve_job_def(ALL_JOB_NAME)
    assert job is not None
    assert defs.resolve_schedule_def("revhouse_daily").job_name == ALL_JOB_NAME
    assert list(defs.sensors or []), "the landing sensor is missing"
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in (
        "published_warehouse",
        "billing/fct_invoices",
        "revrec/fct_revenue_schedule",
        "revrec/fct_journal_lines",
        "intermediate/int_revrec__postings",
        "metrics/fct_mrr",
    ):
        assert any(k == expected or k.endswith("/" + expected.split("/")[-1]) for k in keys), expected
    # dbt tests surface as asset checks, the multi-model invariants included
    checks = {k.to_user_string() for k in graph.asset_check_keys}
    assert "billing/fct_invoices:assert_invoice_totals_reconcile" in checks
    assert "intermediate/int_billing__unbillable_events:assert_every_event_billed_or_reported" in checks
    assert "collections/fct_payments:assert_payment_cash_conserved" in checks
    # the review queue's blocking check (docs/assurance.md §5)
    assert "assurance/fct_assurance_review_queue:assert_no_blocking_findings_on_drafts" in checks


def test_every_writing_asset_is_in_the_single_writer_pool():
    prepare()
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    nodes = [a.node_def for a in graph.assets_defs if a.is_executable]
    nodes += [c.node_def for c in (defs.asset_checks or [])]
    assert nodes
    for node in nodes:
        # everything that opens the live DuckDB file queues in one pool of size 1
        assert node.pool == "duckdb_writer", f"{node.name} is not in the duckdb_writer pool"


def test_dagster_yaml_limits_pools_to_one():
    import yaml

    from dagster_project.pipeline import DAGSTER_YAML

    conf = yaml.safe_load(DAGSTER_YAML.read_text())
    assert conf["concurrency"]["pools"]["default_limit"] == 1
    assert dg is not None


def test_code_location_loads_as_the_dagster_ui_loads_it(tmp_path):
    """`dagster dev` refuses a module with two Definitions at module scope; the in-process
    import above does not notice, so validate the location the way the UI loads it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    prepare()
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [str(bin_dir / "dagster"), "definitions", "validate", "-m", "dagster_project.definitions"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Validation successful" in result.stdout + result.stderr


def test_every_dbt_source_is_an_ingestion_asset():
    """dbt declares one source per system (lago, salesforce, payments ...), but each raw table is
    the ingestion asset `raw/<table>` (and each table of the source `ml` the ML asset `ml/<table>`):
    no dbt source may become an orphan asset nothing makes."""
    import json

    from dagster_project.defs.dbt.assets import TRANSLATOR
    from dagster_project.defs.dbt.project import dbt_project

    manifest = json.loads(prepare().read_text())
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    ingested = {
        key
        for a in graph.assets_defs
        if a.is_executable and a.node_def.name.startswith("raw_")
        for key in a.keys
    }
    source_keys = {
        uid: TRANSLATOR.get_asset_spec(manifest, uid, dbt_project()).key
        for uid in manifest["sources"]
        if manifest["sources"][uid]["source_name"] not in (*FROZEN_STATE_SOURCES, ML_SOURCE)
    }
    assert len(source_keys) >= 30
    assert {uid: key for uid, key in source_keys.items() if key not in ingested} == {}
    assert source_keys["source.revhouse.payments.payment_transactions"] == dg.AssetKey(
        ["raw", "payment_transactions"]
    )
    # and nothing in the graph is an unmaterializable stub (a dep no asset produces)
    executable = {key for a in graph.assets_defs if a.is_executable for key in a.keys}
    stubs = set(graph.get_all_asset_keys()) - executable
    assert stubs == frozen_state_keys(manifest)


def test_ml_scores_sit_between_the_feature_models_and_the_ml_findings():
    """The dbt source `ml` is the ML asset's own key, so the job runs features -> scores ->
    findings (Dagster splits the dbt selection into steps around it), and the evaluation and
    the published copy come after the scores."""
    import json

    from dagster_project.definitions import defs
    from dagster_project.defs.dbt.assets import TRANSLATOR
    from dagster_project.defs.dbt.project import dbt_project

    manifest = json.loads(prepare().read_text())
    scores = dg.AssetKey(["ml", "anomaly_scores"])
    assert (
        TRANSLATOR.get_asset_spec(manifest, "source.revhouse.ml.anomaly_scores", dbt_project()).key == scores
    )
    graph = defs.resolve_asset_graph()
    node = graph.get(scores)
    assert node.group_name == "ml"
    assert node.parent_keys == {
        dg.AssetKey(["intermediate", "int_assurance__usage_features"]),
        dg.AssetKey(["intermediate", "int_assurance__invoice_features"]),
    }
    assert dg.AssetKey(["intermediate", "int_assurance__ml_findings"]) in node.child_keys
    evaluation = graph.get(dg.AssetKey(["assurance", "evaluation"]))
    assert scores in evaluation.parent_keys
    assert dg.AssetKey(["published_warehouse"]) in evaluation.child_keys


def frozen_state_keys(manifest: dict) -> set:
    return {
        dg.AssetKey(["frozen_state", s["name"]])
        for s in manifest["sources"].values()
        if s["source_name"] in FROZEN_STATE_SOURCES
    }


def test_frozen_state_is_visible_in_the_asset_graph():
    """Invoice assembly reads the frozen billing marts as earlier runs left them: the edge is an
    asset dependency on `frozen_state/<mart>` (an external asset), never a cycle to the mart."""
    import json

    from dagster_project.definitions import defs

    manifest = json.loads(prepare().read_text())
    graph = defs.resolve_asset_graph()
    keys = frozen_state_keys(manifest)
    assert dg.AssetKey(["frozen_state", "fct_finalized_invoices"]) in keys
    readers = {child for key in keys for child in graph.get(key).child_keys}
    assert dg.AssetKey(["intermediate", "int_billing__invoices"]) in readers
    assert dg.AssetKey(["billing", "fct_finalized_invoices"]) in graph.get_all_asset_keys()


def test_dagster_yaml_fails_dead_runs_and_frees_their_slots(tmp_path, monkeypatch):
    """Under `dagster dev`, the daemon fails a run whose worker died and frees its pool slots."""
    import shutil

    from dagster_project.pipeline import DAGSTER_YAML

    shutil.copyfile(DAGSTER_YAML, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert instance.event_log_storage.supports_global_concurrency_limits


def test_operators_runs_are_data_only_and_publish_refuses_empty_by_default():
    prepare()
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    ops = {a.node_def.name: a.node_def for a in graph.assets_defs if a.is_executable}
    assert ops["revhouse_dbt"].config_schema.as_field().default_value == {
        "unit_tests": False,
        "full_refresh": False,
    }
    assert ops["revhouse_dbt_frozen_marts"].config_schema.as_field().default_value == {"unit_tests": False}
    assert ops["published_warehouse"].config_schema.as_field().default_value == {"allow_empty": False}


def test_three_dbt_assets_partition_the_dbt_models():
    """Pre-aggregates, frozen marts and the rest: every dbt model in exactly one of them."""
    import json

    from dagster_project.defs.dbt.assets import TRANSLATOR
    from dagster_project.defs.dbt.definitions import DBT_ASSETS
    from dagster_project.defs.dbt.project import dbt_project

    manifest = json.loads(prepare().read_text())
    models = {
        TRANSLATOR.get_asset_spec(manifest, uid, dbt_project()).key: n["name"]
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model"
    }
    by_op = {a.node_def.name: {models[k] for k in a.keys if k in models} for a in DBT_ASSETS}
    assert set(by_op) == {"revhouse_dbt_usage_preaggregates", "revhouse_dbt_frozen_marts", "revhouse_dbt"}
    assert by_op["revhouse_dbt_usage_preaggregates"] == {
        "int_billing__usage_daily",
        "int_billing__usage_daily_unique_values",
        "int_billing__unbillable_events",
    }
    assert by_op["revhouse_dbt_frozen_marts"] == {
        "fct_finalized_invoices",
        "fct_finalized_invoice_fees",
        "fct_finalized_invoice_taxes",
        "fct_finalized_invoice_credits",
        "fct_finalized_invoice_discounts",
        "fct_frozen_periods",
        "fct_frozen_postings",
    }
    counted = [name for names in by_op.values() for name in names]
    assert sorted(counted) == sorted(models.values())  # each model once, none missing
    # dbt tests still attach as checks to the asset that builds their model
    checks = {a.node_def.name: {c.to_user_string() for c in a.check_keys} for a in DBT_ASSETS}
    assert (
        "intermediate/int_billing__unbillable_events:assert_every_event_billed_or_reported"
        in checks["revhouse_dbt_usage_preaggregates"]
    )
    assert any(c.startswith("billing/fct_finalized_invoices:") for c in checks["revhouse_dbt_frozen_marts"])


def test_full_refresh_adds_the_flag_and_the_frozen_marts_refuse_it():
    import pytest

    from dagster_project.defs.dbt.assets import (
        FROZEN_MARTS,
        REST,
        USAGE_PREAGGREGATES,
        FullRefreshRefused,
        dbt_build_args,
    )

    data_only = ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(False, selection=USAGE_PREAGGREGATES) == data_only
    assert dbt_build_args(False, True, selection=USAGE_PREAGGREGATES) == [*data_only, "--full-refresh"]
    assert dbt_build_args(True, True, selection=REST) == ["build", "--full-refresh"]
    assert dbt_build_args(False, selection=FROZEN_MARTS) == data_only
    with pytest.raises(FullRefreshRefused, match="destroying frozen invoices"):
        dbt_build_args(False, True, selection=FROZEN_MARTS)


def test_frozen_marts_offer_no_full_refresh_in_the_launchpad():
    """The run config of the frozen marts has no `full_refresh`: asking for it is a config error."""
    prepare()
    from dagster_project.definitions import ALL_JOB_NAME, defs
    from dagster_project.pipeline import build_run_config, dbt_node_names

    job = defs.resolve_job_def(ALL_JOB_NAME)
    nodes = dbt_node_names(job)
    assert set(nodes.values()) == {
        "revhouse_dbt_usage_preaggregates",
        "revhouse_dbt_frozen_marts",
        "revhouse_dbt",
    }
    config = build_run_config(full_refresh=True, unit_tests=True, dbt_nodes=nodes)
    assert job.run_config_schema.config_type is not None
    # every dbt step (Dagster splits `rest` where the graph loops through the others) gets the config
    assert {n: c["config"] for n, c in config["ops"].items() if n in nodes} == {
        n: {
            "unit_tests": True,
            **({"full_refresh": True} if op == "revhouse_dbt_usage_preaggregates" else {}),
        }
        for n, op in nodes.items()
    }
    from dagster._config import validate_config

    assert validate_config(job.run_config_schema.config_type, config).success
    bad = {
        **config,
        "ops": {**config["ops"], "revhouse_dbt_frozen_marts": {"config": {"full_refresh": True}}},
    }
    assert not validate_config(job.run_config_schema.config_type, bad).success


def test_revhouse_settings_resource_follows_env_unless_set(monkeypatch, tmp_path):
    """The assets take their paths from the `revhouse_settings` resource: env by default (read
    when used, not at import), a run config can move them."""
    from dagster_project.defs.common.resources import COMMON_RESOURCES, RevhouseSettings

    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path / "env"))
    for var in ("REVHOUSE_LANDING_DIR", "REVHOUSE_DUCKDB_PATH", "REVHOUSE_PUBLISHED_PATH"):
        monkeypatch.delenv(var, raising=False)
    shared = COMMON_RESOURCES["revhouse_settings"].get()
    assert shared.duckdb_path == (tmp_path / "env" / "warehouse" / "revhouse.duckdb").resolve()
    moved = RevhouseSettings(
        data_dir=str(tmp_path / "other"), published_path=str(tmp_path / "pub.duckdb")
    ).get()
    assert moved.landing_dir == (tmp_path / "other" / "landing").resolve()
    assert moved.duckdb_path == (tmp_path / "other" / "warehouse" / "revhouse.duckdb").resolve()
    assert moved.published_path == (tmp_path / "pub.duckdb").resolve()
