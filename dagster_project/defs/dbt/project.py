"""The dbt project handle, built once. Importing this module reads no dbt files."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import Settings, scoped_env

DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


@cache
def dbt_project() -> DbtProject:
    settings = Settings.from_env()
    return DbtProject(
        project_dir=settings.dbt_project_dir,
        profiles_dir=settings.dbt_project_dir,
        target_path=settings.dbt_target_path,
    )


def prepare() -> Path:
    """Write target/manifest.json (dbt parse) so the dbt assets can be defined; never committed."""
    # dagster-dbt's preparer looks `dbt` up on PATH; use the one installed beside this Python.
    bin_dir = str(DBT_EXECUTABLE.parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    project = dbt_project()
    with scoped_env(Settings.from_env().export_env()):
        project.preparer.prepare(project)
    return project.manifest_path
