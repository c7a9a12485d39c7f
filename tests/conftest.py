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


# Fixtures that read the demo build `make test` makes before pytest: a test using one of them
# is end-to-end whatever its folder, so `pytest -m "not e2e"` is the fast loop without a build.
DEMO_BUILD_FIXTURES = {"published_db", "published_path", "query"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if DEMO_BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
