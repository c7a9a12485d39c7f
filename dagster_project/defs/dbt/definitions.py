"""dbt's part of the code location: the three dbt assets definitions, the dbt resource, and the
job and schedule that build everything (ingest, dbt, publish) in one run."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.common.resources import COMMON_RESOURCES
from dagster_project.defs.dbt.assets import build_dbt_assets, dbt_resource

ALL_JOB_NAME = "revhouse_all"

DBT_ASSETS = build_dbt_assets()

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

defs = dg.Definitions(
    assets=DBT_ASSETS,
    jobs=[all_job],
    schedules=[daily],
    resources={**COMMON_RESOURCES, "dbt": dbt_resource()},
)
