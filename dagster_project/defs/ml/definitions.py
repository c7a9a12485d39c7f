"""ML's part of the code location: the anomaly scores (between the feature models and
int_assurance__ml_findings) and the evaluation of the review queue (after every dbt asset)."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.common.resources import COMMON_RESOURCES
from dagster_project.defs.dbt.definitions import DBT_ASSETS
from dagster_project.defs.ml.assets import ANOMALY_SCORES_KEY, anomaly_scores, build_evaluation_asset

ML_ASSETS = [
    anomaly_scores,
    build_evaluation_asset(upstream=[*(key for a in DBT_ASSETS for key in a.keys), ANOMALY_SCORES_KEY]),
]

defs = dg.Definitions(assets=ML_ASSETS, resources=COMMON_RESOURCES)
