"""Write dbt's source yml for the raw layer from schema.TABLES, so the two never drift."""

from __future__ import annotations

from pathlib import Path

import yaml

from dagster_project.ingest.schema import RAW_SCHEMA, TABLES, table_columns
from dagster_project.settings import REPO_ROOT

SOURCES_YML = REPO_ROOT / "dbt_project" / "models" / "staging" / "_raw__sources.yml"
HEADER = (
    "# Generated from dagster_project/ingest/schema.py by "
    "`python -m dagster_project.ingest.schema_to_dbt`; edit the schema, not this file.\n"
)


def render() -> str:
    tables = [
        {"name": name, "columns": [{"name": c, "data_type": t} for c, t in table_columns(name)]}
        for name in TABLES
    ]
    doc = {
        "version": 2,
        "sources": [
            {
                "name": "raw",
                "schema": RAW_SCHEMA,
                "description": "Append-only raw tables written by the Dagster ingestion assets "
                "(dagster_project/ingest/schema.py is the DDL).",
                "tables": tables,
            }
        ],
    }
    return HEADER + yaml.safe_dump(doc, sort_keys=False, width=200)


def main(path: Path = SOURCES_YML) -> None:
    path.write_text(render())


if __name__ == "__main__":
    main()
