"""The dbt project handle, built once. Importing this module reads no dbt files."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import Settings

DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


@cache
def dbt_project() -> DbtProject:
    settings = Settings.from_env()
    return DbtProject(
        project_dir=settings.dbt_project_dir,
        profiles_dir=settings.dbt_project_dir,
    )


def prepare() -> Path:
    """Write target/manifest.json (dbt parse) so the dbt assets can be defined; never committed."""
    project = dbt_project()
    project.preparer.prepare(project)
    return project.manifest_path
