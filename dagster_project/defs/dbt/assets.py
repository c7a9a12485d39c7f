"""dbt models, seeds, snapshots and tests as Dagster assets and asset checks.

`dbt build` runs each model's tests right after it, so a failing data test stops its
downstream models and shows up as a failed asset check. Every dbt step takes the warehouse
writer lock and runs in the `duckdb_writer` pool (limit 1), so only one process writes.
"""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from dagster_project.ingest.schema import RAW_SCHEMA
from dagster_project.settings import Settings
from dagster_project.warehouse import writer_lock

WRITER_POOL = "duckdb_writer"


class RevhouseDbtTranslator(DagsterDbtTranslator):
    """Groups follow the layer (and mart domain), so the asset graph reads like STYLE.md."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # dbt has one source per source system (lago, salesforce, payments ...), but every raw
        # table is the ingestion asset `raw/<table>`: key sources by table, not by source name.
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "ingestion"
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


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=TRANSLATOR,
        pool=WRITER_POOL,
        name="revhouse_dbt",
    )
    def revhouse_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        settings = Settings.from_env()
        os.environ.update(settings.export_env())
        with writer_lock(settings):
            yield from dbt.cli(["build"], context=context).stream()

    return revhouse_dbt
