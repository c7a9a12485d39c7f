"""Shared fixtures. `make test` builds the demo warehouse (REVHOUSE_DATA_DIR=data/test) and
publishes it before pytest starts; tests that need it read it through `published_db`."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def published_db(settings: Settings):
    if not settings.published_path.exists():
        pytest.fail(
            f"no published warehouse at {settings.published_path}: run the suite with `make test`, "
            "which generates demo data and builds it first"
        )
    con = duckdb.connect(str(settings.published_path), read_only=True)
    yield con
    con.close()
