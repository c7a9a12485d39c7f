"""Shared by the dbt tests that land the shared gateway samples unchanged and run dbt on them
in-process, on their own warehouse and target path under a tmp folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from dagster_project.bench.measure import InProcessDbt
from dagster_project.ingest.runner import ingest_landing
from dagster_project.settings import REPO_ROOT

FORMATS = next(
    (p for p in (REPO_ROOT.parent / "shared" / "formats", Path("/work/shared/formats")) if p.is_dir()),
    REPO_ROOT.parent / "shared" / "formats",
)


def build_on_gateway_samples(root: Path, landed: dict[str, list[str]], dbt_commands: list[list[str]]) -> Path:
    """Copy each sample (path under FORMATS) into landing/payments/<folder>/, ingest, run the dbt
    commands (raises on a failed model or test); returns the warehouse path."""
    for folder, files in landed.items():
        (root / "landing/payments" / folder).mkdir(parents=True)
        for rel in files:
            shutil.copyfile(FORMATS / rel, root / "landing/payments" / folder / Path(rel).name)
    db = root / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    try:
        assert not ingest_landing(con, root / "landing").failed
    finally:
        con.close()
    previous = os.environ.get("REVHOUSE_DUCKDB_PATH")
    dbt = InProcessDbt(REPO_ROOT / "dbt_project", db, root / "dbt", {})
    try:
        dbt.parse()
        for command in dbt_commands:
            dbt.run(command)
    finally:
        if previous is None:
            os.environ.pop("REVHOUSE_DUCKDB_PATH", None)
        else:
            os.environ["REVHOUSE_DUCKDB_PATH"] = previous
    return db
