"""The revhouse code location: merges the Definitions of each defs/ folder.

Importing this reads dbt's target/manifest.json (prepared by `revhouse prepare`, which
`make run` and `make test` call) but opens no database.
"""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.dbt.assets import build_dbt_assets, dbt_resource
from dagster_project.defs.ingestion import definitions as ingestion
from dagster_project.defs.publish.assets import build_publish_asset

ALL_JOB_NAME = "revhouse_all"


def build_definitions() -> dg.Definitions:
    dbt_assets_def = build_dbt_assets()
    publish_asset = build_publish_asset(upstream=list(dbt_assets_def.keys))

    # In one process, one step at a time: DuckDB admits one writer, and every step writes.
    all_job = dg.define_asset_job(
        ALL_JOB_NAME,
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        description="Ingest every landing source, build and test the dbt project, publish the read-only copy.",
    )
    daily = dg.ScheduleDefinition(
        name="revhouse_daily", job=all_job, cron_schedule="0 5 * * *", execution_timezone="UTC"
    )
    core = dg.Definitions(
        assets=[dbt_assets_def, publish_asset],
        jobs=[all_job],
        schedules=[daily],
        resources={"dbt": dbt_resource()},
    )
    return dg.Definitions.merge(ingestion.defs, core)


defs = build_definitions()
