"""Ingestion's part of the code location: source assets, their checks, the landing sensor."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.common.resources import COMMON_RESOURCES
from dagster_project.defs.ingestion.assets import (
    BOOKKEEPING_ASSET,
    CONSERVATION_CHECKS,
    SOURCE_ASSETS,
)
from dagster_project.defs.ingestion.sensors import ingest_job, landing_sensor

defs = dg.Definitions(
    assets=[*SOURCE_ASSETS, BOOKKEEPING_ASSET],
    asset_checks=CONSERVATION_CHECKS,
    jobs=[ingest_job],
    sensors=[landing_sensor],
    resources=COMMON_RESOURCES,
)
