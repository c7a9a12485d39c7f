"""The read-only copy of the warehouse that dashboards and auditors open."""

import dagster as dg

from dagster_project.defs.common.resources import WRITER_POOL, DuckDBWriter, RevhouseSettings
from dagster_project.warehouse import publish


class PublishConfig(dg.Config):
    """An empty build (no landing file ever loaded) never replaces a published copy with data
    unless allowed: a mis-set REVHOUSE_LANDING_DIR must not look like success."""

    allow_empty: bool = False


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=["published_warehouse"],
        deps=upstream,
        group_name="publish",
        pool=WRITER_POOL,
        description="Read-only copy of the warehouse (REVHOUSE_PUBLISHED_PATH), replaced atomically "
        "after each successful build; its build id is a hash of the mart contents.",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext,
        config: PublishConfig,
        duckdb_writer: DuckDBWriter,  # unused here: it holds the whole-build lock for the run
        revhouse_settings: RevhouseSettings,
    ) -> dg.MaterializeResult:
        meta = publish(revhouse_settings.get(), allow_empty=config.allow_empty, say=context.log.warning)
        context.log.info(f"published build {meta['build_id']}")
        return dg.MaterializeResult(metadata={k: dg.MetadataValue.text(v) for k, v in meta.items()})

    return published_warehouse
