"""The read-only copy of the warehouse that dashboards and auditors open."""

import dagster as dg

from dagster_project.defs.dbt.assets import WRITER_POOL
from dagster_project.settings import Settings
from dagster_project.warehouse import publish


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=["published_warehouse"],
        deps=upstream,
        group_name="publish",
        pool=WRITER_POOL,
        description="Read-only copy of the warehouse (REVHOUSE_PUBLISHED_PATH), replaced atomically "
        "after each successful build; its build id is a hash of the mart contents.",
    )
    def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        meta = publish(Settings.from_env())
        context.log.info(f"published build {meta['build_id']}")
        return dg.MaterializeResult(metadata={k: dg.MetadataValue.text(v) for k, v in meta.items()})

    return published_warehouse
