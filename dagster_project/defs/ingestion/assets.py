"""One Dagster asset per landing source, each materialising the raw tables that source writes.

Why a multi_asset with an `AssetSpec(["raw", <table>])` per table: dbt's sources are
`raw.<table>`, and dagster-dbt keys them `["raw", "<table>"]`, so the staging models hang
directly under the table they read. A file that fails is recorded and reported in metadata
and logs but never fails the asset: the landing contract says bad input never stops the run.
"""

from datetime import timedelta

import dagster as dg

from dagster_project.defs.common.resources import WRITER_POOL, DuckDBWriter
from dagster_project.ingest.conservation import conservation_problems, source_counts
from dagster_project.ingest.runner import IngestSummary, ingest_landing, top_reasons
from dagster_project.ingest.schema import RAW_SCHEMA, create_raw_tables
from dagster_project.ingest.sources import SOURCES, source_tables
from dagster_project.warehouse import kill_point

GROUP = "ingestion"
BOOKKEEPING_TABLES = ["landing_files", "quarantine", "duplicates", "loaded_keys"]
# Daily exports plus slack: a source not refreshed for longer is flagged. Dagster 1.13 supersedes
# build_last_update_freshness_checks with FreshnessPolicy on the asset (no sensor needed).
FRESHNESS_POLICY = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=48), warn_window=timedelta(hours=26)
)

_DESCRIPTIONS = {
    "usage": "Lago and CloudEvents usage events (JSONL/JSON/Parquet), read set-wise by DuckDB.",
    "catalog": "Lago API objects: metrics, plans (charges, filters, ranges, taxes), customers, subscriptions...",
    "crm": "Salesforce exports or Fivetran-synced tables: accounts, opportunities, line items, products, contracts.",
    "payments": "Stripe, Adyen and GoCardless money movements.",
    "billed": "The incumbent billing system's invoices and lines (shadow billing, history).",
    "fx": "ECB reference rates, EUR base, one row per date and currency.",
    "reference": "Finance-edited reference CSVs (entities, settings, closes, SSP...), one JSON row each.",
}


def table_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, table])


def summary_metadata(summary: IngestSummary, source: str) -> dict[str, dg.MetadataValue]:
    totals = summary.by_source().get(source, {})
    failed = [f"{f.file_path}: {f.error}" for f in summary.failed if f.source == source]
    return {
        "files": dg.MetadataValue.int(totals.get("files", 0)),
        "new_files": dg.MetadataValue.int(totals.get("files", 0) - totals.get("unchanged", 0)),
        "loaded": dg.MetadataValue.int(totals.get("loaded", 0)),
        "duplicates": dg.MetadataValue.int(totals.get("duplicates", 0)),
        "quarantined": dg.MetadataValue.int(totals.get("quarantined", 0)),
        "child_rows_loaded": dg.MetadataValue.int(totals.get("child_rows", 0)),
        "failed_files": dg.MetadataValue.int(len(failed)),
        "failed": dg.MetadataValue.md("\n".join(f"- {line}" for line in failed) or "none"),
    }


def build_source_asset(source: str) -> dg.AssetsDefinition:
    tables = source_tables(source)

    @dg.multi_asset(
        name=f"raw_{source}",
        specs=[
            dg.AssetSpec(
                table_key(t),
                group_name=GROUP,
                description=f"raw.{t} — {_DESCRIPTIONS[source]}",
                kinds={"duckdb", "python"},
                freshness_policy=FRESHNESS_POLICY,
            )
            for t in tables
        ],
        pool=WRITER_POOL,
        description=f"Load new landing files of source `{source}` into raw.*: {_DESCRIPTIONS[source]}",
    )
    def _asset(context: dg.AssetExecutionContext, duckdb_writer: DuckDBWriter):
        settings = duckdb_writer.settings()
        with duckdb_writer.connect() as con:
            summary = ingest_landing(con, settings.landing_dir, sources=[source])
            kill_point("ingest")  # fault tests: rows written, connection still open
            shas = [f.sha256 for f in summary.processed()]
            reasons = top_reasons(con, limit=5, file_sha256=shas)
            counts = {
                t: con.execute(f"select count(*) from {RAW_SCHEMA}.{t}").fetchall()[0][0] for t in tables
            }
        for f in summary.failed:
            context.log.warning(f"unreadable file quarantined whole: {f.file_path}: {f.error}")
        meta = summary_metadata(summary, source)
        context.log.info(
            f"{source}: {meta['files'].value} file(s), loaded {meta['loaded'].value}, duplicates "
            f"{meta['duplicates'].value}, quarantined {meta['quarantined'].value}, failed files "
            f"{meta['failed_files'].value}"
        )
        if reasons:
            meta["top_quarantine_reasons"] = dg.MetadataValue.md(
                "\n".join(f"- {n} × {reason}" for _, reason, n in reasons)
            )
        for t in tables:
            yield dg.MaterializeResult(
                asset_key=table_key(t),
                metadata={**meta, "rows_in_table": dg.MetadataValue.int(int(counts[t]))},
            )

    return _asset


def build_bookkeeping_asset(upstream: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """landing_files / quarantine / duplicates are written by every source; one asset owns their
    keys (so dbt models on raw.quarantine have an upstream) and runs after all sources."""

    @dg.multi_asset(
        name="raw_ingestion_log",
        specs=[
            dg.AssetSpec(
                table_key(t),
                group_name=GROUP,
                deps=[key for a in upstream for key in a.keys],
                description=f"raw.{t} — ingestion bookkeeping written by every source",
                kinds={"duckdb"},
            )
            for t in BOOKKEEPING_TABLES
        ],
        pool=WRITER_POOL,
    )
    def _asset(duckdb_writer: DuckDBWriter):
        with duckdb_writer.connect() as con:
            create_raw_tables(con)
            counts = {
                t: con.execute(f"select count(*) from {RAW_SCHEMA}.{t}").fetchall()[0][0]
                for t in BOOKKEEPING_TABLES
            }
        for t in BOOKKEEPING_TABLES:
            yield dg.MaterializeResult(
                asset_key=table_key(t), metadata={"rows_in_table": dg.MetadataValue.int(int(counts[t]))}
            )

    return _asset


def build_conservation_check(source: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table_key(source_tables(source)[0]),
        name=f"{source}_rows_conserved",
        # it opens the live file through the writer resource, so it queues behind writers
        pool=WRITER_POOL,
        description=f"Every {source} file: records read = loaded + duplicates + quarantined, and the raw "
        "tables hold exactly the loaded, duplicate and quarantined records and the raw-table rows "
        "(records + child rows) its landing record claims.",
    )
    def _check(duckdb_writer: DuckDBWriter) -> dg.AssetCheckResult:
        with duckdb_writer.connect() as con:
            create_raw_tables(con)
            problems = conservation_problems(con, source)
            counts = source_counts(con, source)
        return dg.AssetCheckResult(
            passed=not problems,
            metadata={
                **{k: dg.MetadataValue.int(v) for k, v in counts.items()},
                "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
            },
        )

    return _check


SOURCE_ASSETS = [build_source_asset(s) for s in SOURCES]
BOOKKEEPING_ASSET = build_bookkeeping_asset(SOURCE_ASSETS)
CONSERVATION_CHECKS = [build_conservation_check(s) for s in SOURCES]
