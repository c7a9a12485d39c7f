"""dbt models, seeds, snapshots and tests as Dagster assets and asset checks.

Three `@dbt_assets`, split by selector (each one `dbt build` of its own selection):

- `revhouse_dbt_usage_preaggregates`: the incremental usage pre-aggregates (usage_daily, its
  unique values, unbillable events); `full_refresh` rebuilds them from every loaded event.
- `revhouse_dbt_frozen_marts`: the append-only frozen marts: billing's fct_finalized_* (every
  invoice ever finalized) and revrec's fct_frozen_* (closed periods and their postings, A10);
  a full refresh would destroy them, so it is refused.
- `revhouse_dbt`: everything else (staging, intermediate, marts, seeds, snapshots).

`dbt build` runs each model's tests right after it, so a failing data test stops its
downstream models and shows up as a failed asset check. Every dbt step takes the warehouse
writer lock and runs in the `duckdb_writer` pool (limit 1), so only one process writes.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.defs.common.resources import WRITER_POOL, DuckDBWriter, RevhouseSettings
from dagster_project.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from dagster_project.ingest.schema import RAW_SCHEMA
from dagster_project.settings import scoped_env
from dagster_project.warehouse import kill_point, writer_lock

__all__ = ["DBT_SELECTIONS", "ML_SOURCE", "WRITER_POOL", "build_dbt_assets", "dbt_build_args", "dbt_resource"]
FROZEN_STATE_SOURCE = "frozen_state"
# Both loops (billing's finalized invoices, revrec's closed periods) key their sources as
# frozen_state/<mart>: the mart as it stood before this run.
FROZEN_STATE_SOURCES = (FROZEN_STATE_SOURCE, "frozen_revrec_state")
# The source `ml` is what the ML assets write (defs/ml/): keyed ml/<table>, their own keys, so
# Dagster runs feature models -> ML asset -> the models reading its table, in that order.
ML_SOURCE = "ml"
COLLECTIONS_GROUP = "collections"
REVREC_GROUP = "revrec"
ASSURANCE_GROUP = "assurance"
# Domains that are one asset group from their intermediate models to their marts, so each of
# their pages (Collections, Revenue) reads like one room in the graph.
DOMAIN_GROUPS = (COLLECTIONS_GROUP, REVREC_GROUP, ASSURANCE_GROUP)
DOMAIN_LAYERS = ("intermediate", "marts")


class RevhouseDbtTranslator(DagsterDbtTranslator):
    """Groups follow the layer (and mart domain), so the asset graph reads like STYLE.md."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # dbt has one source per source system (lago, salesforce, payments ...), but every raw
        # table is the ingestion asset `raw/<table>`: key sources by table, not by source name.
        # The source `frozen_state` is the billing marts as earlier runs froze them, which invoice
        # assembly reads back (macros/invoicing/frozen_state.sql): its own keys, not raw tables.
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] in FROZEN_STATE_SOURCES:
                return dg.AssetKey([FROZEN_STATE_SOURCE, dbt_resource_props["name"]])
            if dbt_resource_props["source_name"] == ML_SOURCE:
                return dg.AssetKey([ML_SOURCE, dbt_resource_props["name"]])
            return dg.AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        project_name = manifest["metadata"].get("project_name", "revhouse")
        if any(unique_id.startswith(f"source.{project_name}.{name}.") for name in FROZEN_STATE_SOURCES):
            # The frozen state names the same table as the mart that writes it; Dagster would
            # remap the dep onto the mart by table name (a cycle). It is the mart as it stood
            # before this run, so it keeps no table name of its own.
            spec = spec.replace_attributes(
                metadata={k: v for k, v in spec.metadata.items() if k != "dagster/table_name"}
            )
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == ML_SOURCE:
                return ML_SOURCE
            return (
                FROZEN_STATE_SOURCE
                if dbt_resource_props["source_name"] in FROZEN_STATE_SOURCES
                else "ingestion"
            )
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        # collections (receivables, cash application, dunning, settlement) and revrec
        # (documents, obligations, schedules, postings, balances, journals) are each one group
        # from their intermediate models to their marts
        if len(fqn) > 2 and fqn[1] in DOMAIN_LAYERS and fqn[2] in DOMAIN_GROUPS:
            return fqn[2]
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


@dataclass(frozen=True)
class DbtSelection:
    """One `@dbt_assets` definition: its op name, dbt selector, and whether a full refresh
    (drop and rebuild the incremental tables) may be asked of it."""

    name: str
    select: str
    exclude: str | None = None
    full_refresh_allowed: bool = True


USAGE_PREAGGREGATES = DbtSelection(
    name="revhouse_dbt_usage_preaggregates",
    # int_billing__usage_daily, int_billing__usage_daily_unique_values, int_billing__unbillable_events
    select="config.materialized:incremental,path:models/intermediate/billing/rating",
)
FROZEN_MARTS = DbtSelection(
    name="revhouse_dbt_frozen_marts",
    # fct_finalized_invoices and its fees, taxes, credits, discounts; fct_frozen_periods and
    # fct_frozen_postings: append-only history
    select=(
        "config.materialized:incremental,path:models/marts/billing "
        "config.materialized:incremental,path:models/marts/revrec"
    ),
    full_refresh_allowed=False,
)
REST = DbtSelection(
    name="revhouse_dbt",
    select="fqn:*",
    exclude=f"{USAGE_PREAGGREGATES.select} {FROZEN_MARTS.select}",
)
DBT_SELECTIONS = (USAGE_PREAGGREGATES, FROZEN_MARTS, REST)


class DbtBuildConfig(dg.Config):
    """Operators' builds are data-only; the dbt unit tests run in `make test` and CI."""

    unit_tests: bool = False
    full_refresh: bool = False


class FrozenMartsBuildConfig(dg.Config):
    """No `full_refresh` here: the frozen marts are never rebuilt (it would destroy invoices)."""

    unit_tests: bool = False


class FullRefreshRefused(dg.Failure):
    pass


def dbt_build_args(
    unit_tests: bool, full_refresh: bool = False, *, selection: DbtSelection = REST
) -> list[str]:
    """`dbt build` arguments of one selection (dagster-dbt adds its --select/--exclude)."""
    if full_refresh and not selection.full_refresh_allowed:
        raise FullRefreshRefused(
            f"{selection.name}: refusing --full-refresh. The frozen marts (fct_finalized_*, "
            "fct_frozen_*) are append-only: every invoice ever finalized and every closed period's "
            "postings live only there, and a full refresh would drop and rebuild them from "
            "today's state, destroying frozen invoices and closed periods."
        )
    args = ["build"] if unit_tests else ["build", "--exclude-resource-type", "unit_test"]
    return [*args, "--full-refresh"] if full_refresh else args


def _run_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    revhouse_settings: RevhouseSettings,
    args: list[str],
    kill_point_name: str | None = None,
) -> Iterator:
    from dagster_project.pipeline import DBT_PID_START_TAG, DBT_PID_TAG, process_start

    settings = revhouse_settings.get()
    # A test reading models of two selections (e.g. unbillable events and the fees) runs in the
    # invocation that builds the last of them, never before ("buildable"; dbt's default "eager"
    # would run it as soon as any one of its models is selected, against a missing table).
    env = {**settings.export_env(), "DBT_INDIRECT_SELECTION": "buildable"}
    with writer_lock(settings), scoped_env(env):
        invocation = dbt.cli(args, context=context)
        # if this process dies, the next build ends the orphaned dbt (it holds the DuckDB file)
        pid = invocation.process.pid
        tags = {DBT_PID_TAG: str(pid)}
        start = process_start(pid)
        if start:
            tags[DBT_PID_START_TAG] = start
        context.instance.add_run_tags(context.run_id, tags)
        for n, event in enumerate(invocation.stream()):
            if n == 1 and kill_point_name:
                kill_point(kill_point_name)  # fault tests: dbt is mid-build, a model already written
            yield event


def parentless_tests(manifest: Mapping[str, Any]) -> list[str]:
    """dbt tests that read no model (macro tests): no asset carries them as a check, and
    DBT_INDIRECT_SELECTION=buildable selects tests only beside a selected model."""
    return sorted(
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and not n["depends_on"]["nodes"]
    )


def _dbt_assets(selection: DbtSelection, config_type: type[dg.Config]) -> dg.AssetsDefinition:
    import json

    project = dbt_project()
    kill = "dbt" if selection is REST else None
    manifest = json.loads(project.manifest_path.read_text())
    # Dagster splits `rest` into one step per stretch of the graph between the other two; the
    # parentless tests run once, in the step that builds the seeds (the first one).
    extra_tests = parentless_tests(manifest) if selection is REST else []
    seed_keys = {
        TRANSLATOR.get_asset_spec(manifest, uid, project).key
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "seed"
    }

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        select=selection.select,
        exclude=selection.exclude,
        dagster_dbt_translator=TRANSLATOR,
        pool=WRITER_POOL,
        name=selection.name,
    )
    def _assets(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        duckdb_writer: DuckDBWriter,  # unused here: it holds the whole-build lock for the run
        revhouse_settings: RevhouseSettings,
        config: config_type,  # type: ignore[valid-type]
    ):
        args = dbt_build_args(config.unit_tests, getattr(config, "full_refresh", False), selection=selection)
        if extra_tests and seed_keys & set(context.selected_asset_keys):
            args += ["--select", " ".join(extra_tests)]  # dbt unions repeated --select
        yield from _run_dbt(context, dbt, revhouse_settings, args, kill)

    return _assets


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    """The three dbt assets definitions; together they hold every dbt node exactly once."""
    return [
        _dbt_assets(USAGE_PREAGGREGATES, DbtBuildConfig),
        _dbt_assets(FROZEN_MARTS, FrozenMartsBuildConfig),
        _dbt_assets(REST, DbtBuildConfig),
    ]
