"""The published marts keep their shape, and every model says what identifies a row.

Auditors read the marts' columns in dbt docs and the Streamlit app reads them from the published
copy, so every model under models/marts/ has an enforced contract (a build fails if the SQL
drifts from the listed names and types) and every column a data_type and a description. Every
model (staging, intermediate, marts) carries a uniqueness test on its grain: a `unique` test
(on a column, or on a key expression) or a `unique_combination` test over its key columns
(tests/generic/unique_combination.sql).
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from dagster_project.defs.dbt.project import prepare

LAYERS = ("models/staging/", "models/intermediate/", "models/marts/")
UNIQUENESS_TESTS = ("unique", "unique_combination")


@cache
def _manifest() -> dict:
    return json.loads(prepare().read_text())


def _models(prefix: str) -> dict[str, dict]:
    return {
        n["unique_id"]: n
        for n in _manifest()["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith(prefix)
    }


def _models_with_a_uniqueness_test() -> set[str]:
    covered = set()
    for node in _manifest()["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = (node.get("test_metadata") or {}).get("name")
        if name in UNIQUENESS_TESTS and node.get("attached_node"):
            covered.add(node["attached_node"])
    return covered


def test_every_layer_has_models():
    for prefix in LAYERS:
        assert _models(prefix), f"no model under {prefix}: the test would check nothing"


def test_every_mart_has_an_enforced_contract():
    marts = _models("models/marts/")
    without = sorted(
        n["name"] for n in marts.values() if not (n["config"].get("contract") or {}).get("enforced")
    )
    assert without == []


def test_every_mart_column_has_a_data_type_and_a_description():
    problems = {}
    for node in _models("models/marts/").values():
        columns = node["columns"]
        missing = [
            f"{name}: " + ", ".join(k for k in ("data_type", "description") if not (col.get(k) or "").strip())
            for name, col in columns.items()
            if not (col.get("data_type") or "").strip() or not (col.get("description") or "").strip()
        ]
        if not columns:
            missing = ["no columns listed"]
        if missing:
            problems[node["name"]] = missing
    assert problems == {}


def test_every_mart_describes_its_grain():
    vague = sorted(
        n["name"]
        for n in _models("models/marts/").values()
        if not n["description"].lstrip().lower().startswith("one row per")
    )
    assert vague == []


@pytest.mark.parametrize("prefix", LAYERS)
def test_every_model_has_a_uniqueness_test(prefix):
    covered = _models_with_a_uniqueness_test()
    without = sorted(n["name"] for uid, n in _models(prefix).items() if uid not in covered)
    assert without == []
