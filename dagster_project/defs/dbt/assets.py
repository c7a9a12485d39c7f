"""dbt models, seeds, snapshots and tests as Dagster assets and asset checks.

`dbt build` runs each model's tests right after it, so a failing data test stops its
downstream models and shows up as a failed asset check. Every dbt step takes the warehouse
writer lock and runs in the `duckdb_writer` pool (limit 1), so only one process writes.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.defs.common.resources import WRITER_POOL, DuckDBWriter
from dagster_project.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from dagster_project.ingest.schema import RAW_SCHEMA
from dagster_project.settings import Settings, scoped_env
from dagster_project.warehouse import kill_point, writer_lock

__all__ = ["WRITER_POOL", "build_dbt_assets", "dbt_resource"]
FROZEN_STATE_SOURCE = "frozen_state"


class RevhouseDbtTranslator(DagsterDbtTranslator):
    """Groups follow the layer (and mart domain), so the asset graph reads like STYLE.md."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # dbt has one source per source system (lago, salesforce, payments ...), but every raw
        # table is the ingestion asset `raw/<table>`: key sources by table, not by source name.
        # The source `frozen_state` is the billing marts as earlier runs froze them, which invoice
        # assembly reads back (macros/invoicing/frozen_state.sql): its own keys, not raw tables.
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == FROZEN_STATE_SOURCE:
                return dg.AssetKey([FROZEN_STATE_SOURCE, dbt_resource_props["name"]])
            return dg.AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith(
            f"source.{manifest['metadata'].get('project_name', 'revhouse')}.{FROZEN_STATE_SOURCE}."
        ):
            # The frozen state names the same table as the mart that writes it; Dagster would
            # remap the dep onto the mart by table name (a cycle). It is the mart as it stood
            # before this run, so it keeps no table name of its own.
            spec = spec.replace_attributes(
                metadata={k: v for k, v in spec.metadata.items() if k != "dagster/table_name"}
            )
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return (
                FROZEN_STATE_SOURCE
                if dbt_resource_props["source_name"] == FROZEN_STATE_SOURCE
                else "ingestion"
            )
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if len(fqn) > 2 and fqn[1] == "marts":
            return f"marts_{fqn[2]}"
        if len(fqn) > 1 and fqn[1] in ("staging", "intermediate"):
            return fqn[1]
        return "dbt_other"


TRANSLATOR = RevhouseDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=False)
)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(dbt_project().profiles_dir),
        dbt_executable=str(DBT_EXECUTABLE),
    )


class DbtBuildConfig(dg.Config):
    """Operators' builds are data-only; the 206 dbt unit tests run in `make test` and CI."""

    unit_tests: bool = False


def dbt_build_args(unit_tests: bool) -> list[str]:
    return ["build"] if unit_tests else ["build", "--exclude-resource-type", "unit_test"]


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=TRANSLATOR,
        pool=WRITER_POOL,
        name="revhouse_dbt",
    )
    def revhouse_dbt(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        duckdb_writer: DuckDBWriter,  # unused here: it holds the whole-build lock for the run
        config: DbtBuildConfig,
    ):
        from dagster_project.pipeline import DBT_PID_START_TAG, DBT_PID_TAG, process_start

        settings = Settings.from_env()
        with writer_lock(settings), scoped_env(settings.export_env()):
            invocation = dbt.cli(dbt_build_args(config.unit_tests), context=context)
            # if this process dies, the next build ends the orphaned dbt (it holds the DuckDB file)
            pid = invocation.process.pid
            tags = {DBT_PID_TAG: str(pid)}
            start = process_start(pid)
            if start:
                tags[DBT_PID_START_TAG] = start
            context.instance.add_run_tags(context.run_id, tags)
            for n, event in enumerate(invocation.stream()):
                if n == 1:
                    kill_point("dbt")  # fault tests: dbt is mid-build, a model already written
                yield event

    return revhouse_dbt
