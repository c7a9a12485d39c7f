"""Where revhouse keeps its files. Every path is absolute and can be moved by an env var."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default.resolve()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    truth_dir: Path
    duckdb_path: Path
    published_path: Path
    dbt_project_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("REVHOUSE_DATA_DIR", REPO_ROOT / "data")
        return cls(
            data_dir=data_dir,
            landing_dir=_path("REVHOUSE_LANDING_DIR", data_dir / "landing"),
            truth_dir=_path("REVHOUSE_TRUTH_DIR", data_dir / "truth"),
            duckdb_path=_path("REVHOUSE_DUCKDB_PATH", data_dir / "warehouse" / "revhouse.duckdb"),
            published_path=_path("REVHOUSE_PUBLISHED_PATH", data_dir / "published" / "revhouse.duckdb"),
            dbt_project_dir=REPO_ROOT / "dbt_project",
        )

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target folder for this warehouse. dbt keeps partial parsing only while the
        profile's connection keys (the DuckDB `path`) stay the same, so one shared target/
        re-parsed the whole project (~3x slower) whenever the data dir changed; one folder per
        warehouse keeps each warehouse's partial-parse state."""
        key = hashlib.sha256(str(self.duckdb_path).encode()).hexdigest()[:10]
        return self.dbt_project_dir / "target" / f"wh-{key}"

    def export_env(self) -> dict[str, str]:
        """The env vars dbt's profiles.yml reads, so dbt opens the same file Dagster does, and
        DBT_TARGET_PATH (read by dbt and dagster-dbt) so it parses into this warehouse's target."""
        return {
            "REVHOUSE_DUCKDB_PATH": str(self.duckdb_path),
            "REVHOUSE_LANDING_DIR": str(self.landing_dir),
            "DBT_TARGET_PATH": str(self.dbt_target_path),
        }


@contextmanager
def scoped_env(values: dict[str, str]) -> Iterator[None]:
    """Set env vars for what runs inside (dbt reads its profile from them), then restore them,
    so one call does not leak a warehouse path into the rest of the process."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
