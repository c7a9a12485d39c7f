"""A run whose process is gone (kill -9, `make stop` mid-run) is failed and its pool slot freed,
so the next build does not wait forever for the `duckdb_writer` slot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from dagster_project.pipeline import (
    DAGSTER_YAML,
    HOST_TAG,
    PID_START_TAG,
    PID_TAG,
    process_start,
    recover_dead_runs,
)

POOL = "duckdb_writer"


@pytest.fixture
def instance(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as inst:
        yield inst


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process
    return proc.pid


def started_run_holding_the_slot(instance, tags: dict[str, str]) -> DagsterRun:
    run = DagsterRun(job_name="revhouse_all", run_id=str(uuid.uuid4()), tags=tags)
    instance.add_run(run)
    instance.run_storage.handle_run_event(
        run.run_id,
        dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.RUN_START.value,
            job_name=run.job_name,
            message="started",
        ),
    )
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(POOL)
    claim = storage.claim_concurrency_slot(POOL, run.run_id, "revhouse_dbt")
    assert claim.is_claimed
    return instance.get_run_by_id(run.run_id)


def claimed_slots(instance) -> int:
    return len(instance.event_log_storage.get_concurrency_info(POOL).claimed_slots)


def test_a_dead_runs_slot_is_freed_and_the_run_failed_with_one_line(instance):
    run = started_run_holding_the_slot(instance, {PID_TAG: str(dead_pid()), HOST_TAG: socket.gethostname()})
    assert run.status == dg.DagsterRunStatus.STARTED
    assert claimed_slots(instance) == 1

    lines: list[str] = []
    recovered = recover_dead_runs(instance, report=lines.append)

    assert recovered == [run.run_id]
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert claimed_slots(instance) == 0
    assert len(lines) == 1
    assert run.run_id in lines[0] and "freed 1 duckdb_writer slot" in lines[0]


def test_a_live_run_keeps_its_slot(instance):
    me = {
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
        PID_START_TAG: process_start(os.getpid()),
    }
    run = started_run_holding_the_slot(instance, me)

    assert recover_dead_runs(instance, report=lambda _: None) == []
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    assert claimed_slots(instance) == 1


def test_a_reused_pid_is_not_mistaken_for_the_run(instance):
    """The pid is alive but started at another time: another process got the dead run's pid."""
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), PID_START_TAG: "1"}
    run = started_run_holding_the_slot(instance, tags)

    assert recover_dead_runs(instance, report=lambda _: None) == [run.run_id]
    assert claimed_slots(instance) == 0


def test_a_run_on_another_host_is_left_alone(instance):
    run = started_run_holding_the_slot(instance, {PID_TAG: str(dead_pid()), HOST_TAG: "some-other-host"})

    assert recover_dead_runs(instance, report=lambda _: None) == []
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
