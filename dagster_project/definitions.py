"""The revhouse code location: merges the Definitions of each room (defs/<room>/definitions.py).

Importing this reads dbt's target/manifest.json (prepared by `revhouse prepare`, which
`make run` and `make test` call) but opens no database.
"""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.dbt import definitions as dbt
from dagster_project.defs.dbt.definitions import ALL_JOB_NAME
from dagster_project.defs.ingestion import definitions as ingestion
from dagster_project.defs.ml import definitions as ml
from dagster_project.defs.publish import definitions as publish

__all__ = ["ALL_JOB_NAME", "defs"]

defs = dg.Definitions.merge(ingestion.defs, dbt.defs, ml.defs, publish.defs)
