"""Publishing's part of the code location: the read-only copy, after every dbt and ML asset."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.common.resources import COMMON_RESOURCES
from dagster_project.defs.dbt.definitions import DBT_ASSETS
from dagster_project.defs.ml.definitions import ML_ASSETS
from dagster_project.defs.publish.assets import build_publish_asset

defs = dg.Definitions(
    assets=[build_publish_asset(upstream=[key for a in [*DBT_ASSETS, *ML_ASSETS] for key in a.keys])],
    resources=COMMON_RESOURCES,
)
