"""Fixtures for ingestion tests: a tmp landing folder and a tmp DuckDB file, never the real ones."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.runner import IngestSummary, ingest_landing
from dagster_project.ingest.schema import RAW_SCHEMA, TABLES
from dagster_project.settings import REPO_ROOT

# The shared sample files sit beside the repository (CI lays a copy of shared/ next to its clone);
# /work/shared is where the workplace keeps them for a clone elsewhere.
FORMATS = next(
    (p for p in (REPO_ROOT.parent / "shared" / "formats", Path("/work/shared/formats")) if p.is_dir()),
    REPO_ROOT.parent / "shared" / "formats",
)


class Landing:
    """A landing folder under tmp_path plus the warehouse it is ingested into."""

    def __init__(self, root: Path, db_path: Path):
        self.root = root
        self.db_path = db_path
        self.con = duckdb.connect(str(db_path))

    def write(self, rel: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    def copy(self, sample: Path, rel_dir: str, name: str | None = None) -> Path:
        path = self.root / rel_dir / (name or sample.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample, path)
        return path

    def ingest(self, **kwargs) -> IngestSummary:
        return ingest_landing(self.con, self.root, **kwargs)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def count(self, table: str, where: str = "true") -> int:
        return self.rows(f"select count(*) from {RAW_SCHEMA}.{table} where {where}")[0][0]

    def quarantine(self) -> list[tuple]:
        """(file_path, row_number, field, value, reason) in file/row order."""
        return self.rows(
            f"select file_path, row_number, field, value, reason from {RAW_SCHEMA}.quarantine order by 1, 2, rowid"
        )

    def fingerprint(self) -> str:
        """Hash of every raw table's rows and row counts, order-independent."""
        h = hashlib.sha256()
        for table in TABLES:
            rows = sorted(map(repr, self.rows(f"select * from {RAW_SCHEMA}.{table}")))
            h.update(f"{table}:{len(rows)}:".encode())
            for r in rows:
                h.update(r.encode())
        return h.hexdigest()


@pytest.fixture
def landing(tmp_path: Path):
    lf = Landing(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    lf.root.mkdir()
    yield lf
    lf.con.close()
