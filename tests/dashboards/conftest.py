"""Fixtures for the dashboard tests: the published warehouse `make test` builds and an
independent read-only SQL helper."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import Settings


@pytest.fixture(scope="session")
def published_path() -> Path:
    path = Settings.from_env().published_path
    if not path.is_file():
        pytest.fail(
            f"no published warehouse at {path}. Run `make test` (it generates the demo data, builds "
            "and publishes the warehouse before pytest), or point REVHOUSE_PUBLISHED_PATH at a "
            "published copy.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def query(published_path: Path) -> Callable[..., list[tuple]]:
    """Rows of a SQL query against the published copy, bypassing dashboards.data entirely."""

    def run(sql: str, *params) -> list[tuple]:
        con = duckdb.connect(str(published_path), read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    return run


@pytest.fixture(scope="session")
def mart_state(query) -> Callable[[str], str]:
    """'missing', 'empty' or 'ok' for a schema.table of the published copy. Pages must say so
    when a mart is missing or empty, so tests check the message instead of the figures then."""

    def state(name: str) -> str:
        schema, table = name.split(".")
        exists = query(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            schema,
            table,
        )[0][0]
        if not exists:
            return "missing"
        return "ok" if query(f"select count(*) from {name}")[0][0] else "empty"

    return state
