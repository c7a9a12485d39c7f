"""Start ingestion (and everything downstream of it) when files appear or change in the landing dir.

The cursor is a hash of the landing file list (relative path, size, modification time), so a
sensor tick costs a directory walk, not a read of every file; content hashes are the runner's
job (a touched but unchanged file makes a run that loads nothing).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from dagster_project.defs.common.resources import RevhouseSettings
from dagster_project.defs.ingestion.assets import GROUP
from dagster_project.ingest.runner import discover

INGEST_JOB_NAME = "ingest_landing_job"

ingest_job = dg.define_asset_job(
    INGEST_JOB_NAME,
    selection=dg.AssetSelection.groups(GROUP).downstream(),
    # one process, one step at a time: every step writes the one DuckDB file
    executor_def=dg.in_process_executor,
    description="Load new landing files into raw.*, then rebuild what depends on them.",
)


def landing_fingerprint(landing_dir: Path) -> str:
    """Hash of (path, size, mtime) of every landing file; '' when the folder does not exist."""
    if not landing_dir.is_dir():
        return ""
    h = hashlib.sha256()
    for path in discover(landing_dir):
        stat = path.stat()
        h.update(f"{path.relative_to(landing_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


@dg.sensor(job=ingest_job, minimum_interval_seconds=30, description=__doc__)
def landing_sensor(context: dg.SensorEvaluationContext, revhouse_settings: RevhouseSettings):
    landing_dir = revhouse_settings.get().landing_dir
    fingerprint = landing_fingerprint(landing_dir)
    if not fingerprint or fingerprint == context.cursor:
        return dg.SkipReason(f"no new or changed files in {landing_dir}")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
