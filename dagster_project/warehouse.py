"""The one live DuckDB file, its single writer, and the read-only copy readers use.

DuckDB admits one writing process per file, and even a reader in another process blocks the
writer. So every writer (ingestion, dbt, publish) takes an exclusive OS file lock first, and
readers (Streamlit, auditors, `revhouse invoice`) only ever open the published copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb

from dagster_project.settings import Settings

LOCK_TIMEOUT_S = 600
# A test sets this to a point name (ingest, dbt, publish) to SIGKILL the build there, as
# `kill -9` or a power cut would: recovery is tested on a real dead process.
FAULT_ENV = "REVHOUSE_FAULT_KILL_AT"
FAULT_POINTS = ("ingest", "dbt", "publish")


def kill_point(name: str) -> None:
    """SIGKILL this process if REVHOUSE_FAULT_KILL_AT names this point (fault-injection tests)."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


_HELD_BUILD_LOCKS: set = set()  # build locks this process holds (re-entrant, one thread)


def build_lock_path(settings: Settings):
    return settings.duckdb_path.with_name(settings.duckdb_path.name + ".build.lock")


def holder_description(text: str) -> str:
    try:
        info = json.loads(text)
        return f"pid {info['pid']} on {info['host']}, started {info['started_at']}"
    except (ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def build_lock(settings: Settings, say: Callable[[str], None] = print, poll_s: float = 0.5) -> Iterator[None]:
    """One whole build at a time on a warehouse: ingestion, dbt and publish of two builds never
    interleave. Separate from `writer_lock`, which every step takes and releases. Waits without
    limit, saying once for whom; SIGINT/SIGTERM end the wait. The lock dies with its holder."""
    path = build_lock_path(settings)
    if path in _HELD_BUILD_LOCKS:  # `revhouse build` holds it around the run it executes
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = holder_description(os.pread(fd, 4096, 0).decode(errors="replace"))
            say(f"another build holds {path} ({holder}); waiting for it to finish (Ctrl-C to stop)")
            _wait_for_lock(fd, poll_s)
            say("the other build finished; starting")
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        _HELD_BUILD_LOCKS.add(path)
        try:
            yield
        finally:
            _HELD_BUILD_LOCKS.discard(path)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _wait_for_lock(fd: int, poll_s: float) -> None:
    """Poll (sleeping, not spinning) until the lock is ours; SIGTERM ends the wait as Ctrl-C does."""

    def _stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(poll_s)
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def writer_lock(settings: Settings, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive, cross-process lock on the live warehouse; waits up to `timeout_s`."""
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = settings.duckdb_path.with_name(settings.duckdb_path.name + ".writer.lock")
    with open(lock_path, "w") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another process holds the writer lock on {settings.duckdb_path} "
                        f"(lock file {lock_path}) for more than {timeout_s:.0f}s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def connect_writer(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the live file, holding the writer lock while open."""
    with writer_lock(settings):
        con = duckdb.connect(str(settings.duckdb_path))
        try:
            yield con
        finally:
            con.close()


def connect_published(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published copy (never the live file)."""
    if not settings.published_path.exists():
        raise FileNotFoundError(
            f"no published warehouse at {settings.published_path}; run `make run` or `revhouse build` first"
        )
    return duckdb.connect(str(settings.published_path), read_only=True)


# The build id is a hash of the rows of the mart tables, so two runs over the same inputs
# publish the same id. Raw tables record ingestion times and intermediate invoice assembly
# only recomputes what is not frozen yet, so neither identifies what users see.
MART_SCHEMAS = ("billing", "revrec", "metrics", "collections", "assurance", "audit")
# Columns that record when a build ran, not what it computed: two builds of the same inputs
# differ only there (a frozen invoice's frozen_at is the run that froze it).
WALL_CLOCK_COLUMNS = ("frozen_at", "ingested_at", "loaded_at", "published_at", "built_at")


def content_hash(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = MART_SCHEMAS) -> str:
    """The build id: one hash over `marts_fingerprint`, so it names what users see (the mart
    rows) and not when a build ran; two warehouses built from the same files get the same id."""
    h = hashlib.sha256()
    for table, digest in sorted(marts_fingerprint(con, schemas).items()):
        h.update(f"{table}\n{digest}\n".encode())
    return h.hexdigest()[:16]


def marts_fingerprint(
    con: duckdb.DuckDBPyConnection,
    schemas: tuple[str, ...] = MART_SCHEMAS,
    ignore_columns: tuple[str, ...] = WALL_CLOCK_COLUMNS,
) -> dict[str, str]:
    """Per mart table, an order-independent hash of its rows without wall-clock columns, so a
    recovered build can be compared with a clean one (same inputs, same figures)."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by 1, 2"
    ).fetchall()
    out = {}
    for schema, table in tables:
        if schema not in schemas:
            continue
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if r[0] not in ignore_columns
        ]
        struct = ", ".join(f'"{c}"' for c in cols)
        digest = con.execute(
            f'select coalesce(sum(hash(row({struct}))), 0), count(*) from "{schema}"."{table}"'
        ).fetchone()
        out[f"{schema}.{table}"] = f"{digest[0]}:{digest[1]}"
    return out


def is_empty_warehouse(con: duckdb.DuckDBPyConnection) -> bool:
    """True when no landing file was ever recorded (raw.landing_files missing or empty)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'landing_files'"
    ).fetchone()[0]
    return not exists or con.execute("select count(*) from raw.landing_files").fetchone()[0] == 0


class EmptyBuildError(RuntimeError):
    """Refused to replace a published warehouse that has data with one that has none."""


def publish(settings: Settings, allow_empty: bool = False, say: Callable[[str], None] | None = None) -> dict:
    """Copy the live warehouse to the published path atomically and record the build id.

    Runs under the writer lock so nothing writes while the file is copied; readers of the old
    copy keep their open file (os.replace swaps the directory entry, not the inode).
    """
    published = settings.published_path
    published.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(settings):
        con = duckdb.connect(str(settings.duckdb_path))
        try:
            con.execute("checkpoint")
            build_id = content_hash(con)
            empty = is_empty_warehouse(con)
        finally:
            con.close()
        if empty:
            published_has_data = False
            if published.exists():
                pcon = duckdb.connect(str(published), read_only=True)
                try:
                    published_has_data = not is_empty_warehouse(pcon)
                finally:
                    pcon.close()
            if published_has_data and not allow_empty:
                raise EmptyBuildError(
                    f"the warehouse {settings.duckdb_path} holds no landing file (is REVHOUSE_LANDING_DIR "
                    f"{settings.landing_dir} right?); not replacing the published copy {published}, which "
                    "has data. Pass --allow-empty (or the publish asset's allow_empty config) to publish it anyway."
                )
            if say:
                say(
                    f"warning: publishing an empty warehouse: no landing file was ever loaded "
                    f"(landing folder {settings.landing_dir})"
                )
        tmp = published.with_name(published.name + ".tmp")
        # a build killed mid-publish leaves its tmp copy behind, possibly read-only already
        tmp.unlink(missing_ok=True)
        shutil.copyfile(settings.duckdb_path, tmp)
        kill_point("publish")
        meta = {
            "build_id": build_id,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": str(settings.duckdb_path),
        }
        con = duckdb.connect(str(tmp))
        try:
            con.execute("create schema if not exists meta")
            con.execute(
                "create or replace table meta.build as select ? as build_id, ? as published_at",
                [meta["build_id"], meta["published_at"]],
            )
        finally:
            con.close()
        os.chmod(tmp, 0o444)
        os.replace(tmp, published)
        published.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta
