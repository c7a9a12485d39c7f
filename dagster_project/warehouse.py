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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb

from dagster_project.settings import Settings

LOCK_TIMEOUT_S = 600


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


def content_hash(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = MART_SCHEMAS) -> str:
    """Order-independent hash of the rows of every table in `schemas` (default: the marts)."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by 1, 2"
    ).fetchall()
    h = hashlib.sha256()
    for schema, table in rows:
        if schema not in schemas:
            continue
        h.update(f"{schema}.{table}\n".encode())
        digest = con.execute(
            f'select coalesce(sum(hash(t)), 0), count(*) from "{schema}"."{table}" t'
        ).fetchone()
        h.update(f"{digest[0]}:{digest[1]}\n".encode())
    return h.hexdigest()[:16]


def publish(settings: Settings) -> dict:
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
        finally:
            con.close()
        tmp = published.with_name(published.name + ".tmp")
        shutil.copyfile(settings.duckdb_path, tmp)
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
