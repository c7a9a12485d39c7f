"""Run the whole revhouse job in this process against the persistent Dagster instance."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster_project.settings import Settings

DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")


def ensure_dagster_home() -> Path:
    home = Path(
        os.environ.setdefault("DAGSTER_HOME", str(Settings.from_env().data_dir / "run" / "dagster_home"))
    )
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    return home


def materialize_all() -> bool:
    ensure_dagster_home()
    import dagster as dg

    from dagster_project.defs.dbt.project import prepare

    prepare()
    from dagster_project.definitions import ALL_JOB_NAME, defs

    job = defs.resolve_job_def(ALL_JOB_NAME)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    return result.success
