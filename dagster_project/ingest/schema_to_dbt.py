"""Write dbt's source ymls for the raw layer from schema.TABLES, so the two never drift.

One dbt source per source system (schema.DBT_SOURCES), its yml beside its staging models:
models/staging/<folder>/_<source>__sources.yml. All tables stay in the DuckDB schema `raw`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dagster_project.ingest.schema import DBT_SOURCES, RAW_SCHEMA, TABLES, dbt_source_of, table_columns
from dagster_project.settings import REPO_ROOT

STAGING_DIR = REPO_ROOT / "dbt_project" / "models" / "staging"
HEADER = (
    "# Generated from dagster_project/ingest/schema.py by "
    "`python -m dagster_project.ingest.schema_to_dbt`; edit the schema, not this file.\n"
)


def sources_yml_path(source: str, staging_dir: Path = STAGING_DIR) -> Path:
    folder = DBT_SOURCES[source][1]
    return staging_dir / folder / f"_{source}__sources.yml"


def render(source: str) -> str:
    description = DBT_SOURCES[source][2]
    tables = [
        {"name": name, "columns": [{"name": c, "data_type": t} for c, t in table_columns(name)]}
        for name in TABLES
        if dbt_source_of(name) == source
    ]
    doc = {
        "version": 2,
        "sources": [
            {
                "name": source,
                "schema": RAW_SCHEMA,
                "description": f"{description} Append-only raw tables written by the Dagster ingestion "
                "assets (dagster_project/ingest/schema.py is the DDL).",
                "tables": tables,
            }
        ],
    }
    return HEADER + yaml.safe_dump(doc, sort_keys=False, width=200)


def render_all(staging_dir: Path = STAGING_DIR) -> dict[Path, str]:
    """Every generated sources yml by path (a system with no raw table gets no file)."""
    used = {dbt_source_of(name) for name in TABLES}
    return {sources_yml_path(s, staging_dir): render(s) for s in DBT_SOURCES if s in used}


def main(staging_dir: Path = STAGING_DIR) -> None:
    for path, text in render_all(staging_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


if __name__ == "__main__":
    main()
