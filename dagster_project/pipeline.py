"""Run the whole revhouse job in this process against the persistent Dagster instance.

A build is serialised whole (`warehouse.build_lock`) and starts by recovering runs whose
process is gone: a run killed with SIGKILL (or by `make stop`) stays STARTED in the instance
and keeps its `duckdb_writer` pool slot, so without recovery the next run waits forever.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from dagster_project.settings import Settings

DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")

PID_TAG = "revhouse/pid"
PID_START_TAG = "revhouse/pid_start"
HOST_TAG = "revhouse/host"
DBT_PID_TAG = "revhouse/dbt_pid"
DBT_PID_START_TAG = "revhouse/dbt_pid_start"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_dagster_home() -> Path:
    home = Path(
        os.environ.setdefault("DAGSTER_HOME", str(Settings.from_env().data_dir / "run" / "dagster_home"))
    )
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    return home


def process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (clock ticks since boot), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def pid_alive(pid: int, start: str | None = None) -> bool:
    """True if `pid` runs (not a zombie) and, when `start` is known, is the same process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return False
    return start is None or fields[19] == start


def process_tags() -> dict[str, str]:
    """Run tags naming the process that executes the run, so a later build can tell it died."""
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    start = process_start(os.getpid())
    if start:
        tags[PID_START_TAG] = start
    return tags


def _run_pid(instance, run) -> tuple[int | None, str | None, str | None]:
    """(pid, start, host) of the process running `run`: our tags, else the run worker's pid
    from Dagster's "Started process for run" engine event (runs launched from the UI)."""
    if PID_TAG in run.tags:
        return int(run.tags[PID_TAG]), run.tags.get(PID_START_TAG), run.tags.get(HOST_TAG)
    from dagster import DagsterEventType

    for record in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = record.dagster_event.engine_event_data if record.dagster_event else None
        pid = data.metadata.get("pid") if data and data.metadata else None
        if pid is not None:
            return int(pid.value), None, socket.gethostname()
    return None, None, None


def _stop_orphan(pid: int, start: str | None, grace_s: float = 10.0) -> None:
    """End a dbt process whose Dagster parent died: it still holds the DuckDB file."""
    if not pid_alive(pid, start):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while pid_alive(pid, start) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid_alive(pid, start):
        os.kill(pid, signal.SIGKILL)
        while pid_alive(pid, start):
            time.sleep(0.1)


def _free_slots(instance, run_id: str) -> int:
    """Free every pool slot `run_id` holds; returns how many it held."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return 0
    held = sum(
        1
        for key in storage.get_concurrency_keys()
        for slot in storage.get_concurrency_info(key).claimed_slots
        if slot.run_id == run_id
    )
    storage.free_concurrency_slots_for_run(run_id)
    return held


def recover_dead_runs(instance, report: Callable[[str], None] = say) -> list[str]:
    """Mark failed every unfinished run whose process is gone (on this host) and free the pool
    slots of every finished run still holding one. One line per recovered run."""
    from dagster import DagsterRunStatus, RunsFilter

    host = socket.gethostname()
    recovered = []
    unfinished = [
        DagsterRunStatus.STARTED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.CANCELING,
    ]
    for run in instance.get_runs(filters=RunsFilter(statuses=unfinished)):
        pid, start, run_host = _run_pid(instance, run)
        if pid is None or run_host != host or pid_alive(pid, start):
            continue
        if DBT_PID_TAG in run.tags:
            _stop_orphan(int(run.tags[DBT_PID_TAG]), run.tags.get(DBT_PID_START_TAG))
        freed = _free_slots(instance, run.run_id)
        instance.report_run_failed(run, message=f"revhouse: the process running this run (pid {pid}) is gone")
        report(
            f"recovered run {run.run_id} of {run.job_name}: its process (pid {pid} on {host}) is gone; "
            f"marked failed and freed {freed} duckdb_writer slot(s)"
        )
        recovered.append(run.run_id)
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        holders = storage.get_concurrency_run_ids()
        for record in instance.get_run_records(filters=RunsFilter(run_ids=list(holders))) if holders else []:
            run = record.dagster_run
            if run.is_finished and run.run_id not in recovered:
                freed = _free_slots(instance, run.run_id)
                if freed:
                    report(f"freed {freed} duckdb_writer slot(s) still held by finished run {run.run_id}")
    return recovered


def landing_is_empty(settings: Settings) -> bool:
    from dagster_project.ingest.runner import discover

    return not settings.landing_dir.is_dir() or not any(True for _ in discover(settings.landing_dir))


DBT_PREAGGREGATES_OP = "revhouse_dbt_usage_preaggregates"
DBT_OPS = (DBT_PREAGGREGATES_OP, "revhouse_dbt_frozen_marts", "revhouse_dbt")


def dbt_node_names(job) -> dict[str, str]:
    """{node name: dbt assets op} of the job's dbt steps. Dagster splits a dbt assets definition
    into several steps where the asset graph loops through another one (rest -> pre-aggregates
    -> rest), naming the copies revhouse_dbt_2, revhouse_dbt_3 ...; each needs its config."""
    return {n.name: n.definition.name for n in job.graph.nodes if n.definition.name in DBT_OPS}


def build_run_config(
    unit_tests: bool = False,
    allow_empty: bool = False,
    full_refresh: bool = False,
    dbt_nodes: dict[str, str] | None = None,
) -> dict:
    """`full_refresh` rebuilds only the incremental usage pre-aggregates (the frozen marts refuse
    it; every other dbt model is a table or view, rebuilt by every build anyway)."""
    nodes = dbt_nodes if dbt_nodes is not None else {op: op for op in DBT_OPS}
    ops: dict[str, dict] = {}
    for node, op in nodes.items():
        config: dict = {"unit_tests": unit_tests}
        if op == DBT_PREAGGREGATES_OP:
            config["full_refresh"] = full_refresh
        ops[node] = {"config": config}
    ops["published_warehouse"] = {"config": {"allow_empty": allow_empty}}
    return {"loggers": {"console": {"config": {"log_level": "INFO"}}}, "ops": ops}


def materialize_all(unit_tests: bool = False, allow_empty: bool = False, full_refresh: bool = False) -> bool:
    from dagster_project.warehouse import build_lock

    settings = Settings.from_env()
    ensure_dagster_home()
    if landing_is_empty(settings):
        say(
            f"warning: the landing folder {settings.landing_dir} has no files (REVHOUSE_LANDING_DIR / "
            "REVHOUSE_DATA_DIR); this build loads nothing new"
        )
    with build_lock(settings, say=say):
        import dagster as dg

        from dagster_project.defs.dbt.project import prepare

        prepare()
        from dagster_project.definitions import ALL_JOB_NAME, defs

        job = defs.resolve_job_def(ALL_JOB_NAME)
        with dg.DagsterInstance.get() as instance:
            recover_dead_runs(instance)
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=build_run_config(
                    unit_tests=unit_tests,
                    allow_empty=allow_empty,
                    full_refresh=full_refresh,
                    dbt_nodes=dbt_node_names(job),
                ),
                tags=process_tags(),
            )
    return result.success
