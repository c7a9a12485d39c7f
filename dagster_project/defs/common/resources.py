"""What every room that writes the warehouse shares: where revhouse keeps its files
(`RevhouseSettings`), the writer pool and the writer resource (where the file is, how to hold
the one write, and the whole-build lock of a run)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.settings import Settings
from dagster_project.warehouse import build_lock, connect_writer

# Every step that opens the live DuckDB file runs in this pool (limit 1 in dagster.yaml).
WRITER_POOL = "duckdb_writer"


def _resolved(path: str) -> Path:
    return Path(path).expanduser().resolve()


class RevhouseSettings(dg.ConfigurableResource):
    """Where revhouse reads and writes, as a resource the assets take (settings.Settings).

    A field left unset falls back to its env var (REVHOUSE_DATA_DIR, REVHOUSE_LANDING_DIR,
    REVHOUSE_DUCKDB_PATH, REVHOUSE_PUBLISHED_PATH: settings.py), read when the resource is
    used, never at import, so a test or a run config can point it elsewhere. Setting `data_dir`
    moves the landing folder and both warehouse files under it unless they are set too.
    """

    data_dir: str | None = None
    landing_dir: str | None = None
    duckdb_path: str | None = None
    published_path: str | None = None

    def get(self) -> Settings:
        settings = Settings.from_env()
        changes: dict[str, Path] = {}
        if self.data_dir:
            data_dir = _resolved(self.data_dir)
            changes = {
                "data_dir": data_dir,
                "landing_dir": data_dir / "landing",
                "truth_dir": data_dir / "truth",
                "duckdb_path": data_dir / "warehouse" / "revhouse.duckdb",
                "published_path": data_dir / "published" / "revhouse.duckdb",
            }
        for name in ("landing_dir", "duckdb_path", "published_path"):
            value = getattr(self, name)
            if value:
                changes[name] = _resolved(value)
        return dataclasses.replace(settings, **changes)


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
        return RevhouseSettings(duckdb_path=self.path, landing_dir=self.landing_dir).get()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_writer(self.settings()) as con:
            yield con


# One instance of each, shared by every room's Definitions (Definitions.merge accepts the same
# resource key from several rooms only when it is the same object).
COMMON_RESOURCES: dict[str, dg.ConfigurableResource] = {
    "duckdb_writer": DuckDBWriter(),
    "revhouse_settings": RevhouseSettings(),
}
