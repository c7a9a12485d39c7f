"""A tmp landing folder and warehouse for the reference-file tests (the ingestion tests' helper)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.conftest import Landing


@pytest.fixture
def landing(tmp_path: Path):
    lf = Landing(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    lf.root.mkdir()
    yield lf
    lf.con.close()
