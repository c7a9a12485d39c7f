"""What every room that writes the warehouse shares: the writer pool and the writer resource
(where the file is, how to hold the one write, and the whole-build lock of a run)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.settings import Settings
from dagster_project.warehouse import build_lock, writer_lock

# Every step that opens the live DuckDB file runs in this pool (limit 1 in dagster.yaml).
WRITER_POOL = "duckdb_writer"


class DuckDBWriter(dg.ConfigurableResource):
    """Read-write access to the live warehouse under the cross-process writer lock.

    `path` / `landing_dir` default to REVHOUSE_DUCKDB_PATH / REVHOUSE_LANDING_DIR (settings.py),
    read when the resource is used, never at import, so a test can point them at tmp dirs.
    """

    path: str | None = None
    landing_dir: str | None = None

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[DuckDBWriter]:
        """A run that writes the warehouse holds its whole-build lock from start to end (runs
        from the UI, the schedule or the sensor too), so two runs' steps never interleave;
        under `revhouse build` the lock is already this process's."""
        say = context.log.warning if context.log else print
        with build_lock(self.settings(), say=say):
            yield self

    def settings(self) -> Settings:
        settings = Settings.from_env()
        changes = {}
        if self.path:
            changes["duckdb_path"] = Path(self.path).expanduser().resolve()
        if self.landing_dir:
            changes["landing_dir"] = Path(self.landing_dir).expanduser().resolve()
        return dataclasses.replace(settings, **changes)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings()
        with writer_lock(settings):
            con = duckdb.connect(str(settings.duckdb_path))
            try:
                yield con
            finally:
                con.close()
