"""Only staging reads raw: every model outside models/staging selects from refs, never from a
dbt source (the raw tables), so a raw change is absorbed in one place."""

from __future__ import annotations

import json

from dagster_project.defs.dbt.project import prepare


def _manifest() -> dict:
    return json.loads(prepare().read_text())


def test_no_model_outside_staging_selects_from_a_source():
    manifest = _manifest()
    models = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "snapshot")]
    assert any(n["original_file_path"].startswith("models/staging/") for n in models)
    offenders = {
        n["original_file_path"]: sorted(
            d
            for d in n["depends_on"]["nodes"]
            # frozen_state and frozen_revrec_state are no landed sources: they are the billing
            # and revrec frozen marts as earlier runs froze them, read back by invoice assembly
            # and by the postings of closed periods (macros/invoicing/frozen_state.sql); nor is
            # ml: the anomaly scores the ML asset writes between the feature models and
            # int_assurance__ml_findings (models/intermediate/assurance/_ml__sources.yml)
            if d.startswith("source.")
            and not d.startswith(
                (
                    "source.revhouse.frozen_state.",
                    "source.revhouse.frozen_revrec_state.",
                    "source.revhouse.ml.",
                )
            )
        )
        for n in models
        if not n["original_file_path"].startswith("models/staging/")
    }
    assert {path: deps for path, deps in offenders.items() if deps} == {}


def test_staging_models_are_views():
    manifest = _manifest()
    staging = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/staging/")
    ]
    assert staging
    assert {
        n["name"]: n["config"]["materialized"] for n in staging if n["config"]["materialized"] != "view"
    } == {}
