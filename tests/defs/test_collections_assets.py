"""Collections in the Dagster graph: its intermediate models and marts form the `collections`
asset group (other groups unchanged), and its singular tests show as asset checks on the mart
they guard (issue 12, item 10)."""

from __future__ import annotations

import pytest

from dagster_project.defs.dbt.project import prepare
from dagster_project.settings import REPO_ROOT

COLLECTIONS_TESTS = REPO_ROOT / "dbt_project" / "tests" / "collections"
# The conservation test of cash application and the mart it is attached to.
CONSERVATION_TEST = "assert_payment_cash_conserved"
CONSERVATION_MART = "collections/fct_payments"


def _graph():
    prepare()
    from dagster_project.definitions import defs

    return defs.resolve_asset_graph()


def _model_groups() -> dict[str, tuple[str, str]]:
    """dbt model name -> (its models/ sub-path, the group its asset is in)."""
    import json

    from dagster_project.defs.dbt.assets import TRANSLATOR
    from dagster_project.defs.dbt.project import dbt_project

    manifest = json.loads(prepare().read_text())
    return {
        node["name"]: (
            node["original_file_path"],
            TRANSLATOR.get_asset_spec(manifest, uid, dbt_project()).group_name,
        )
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }


def test_collections_models_form_their_own_group_and_others_keep_theirs():
    groups = _model_groups()
    collections = {
        name
        for name, (path, _) in groups.items()
        if path.startswith(("models/intermediate/collections/", "models/marts/collections/"))
    }
    assert {"fct_receivables_aging", "int_collections__open_invoices_by_date"} <= collections
    assert {name for name, (_, group) in groups.items() if group == "collections"} == collections
    # the layers outside collections keep their groups
    assert groups["fct_invoices"][1] == "marts_billing"
    assert groups["fct_mrr"][1] == "marts_metrics"
    assert groups["int_billing__invoices"][1] == "intermediate"
    assert groups["stg_lago__customers"][1] == "staging"


def test_collections_singular_tests_are_asset_checks_on_collections_assets():
    tests = sorted(p.stem for p in COLLECTIONS_TESTS.glob("*.sql"))
    if not tests:
        pytest.skip(
            f"no singular test under {COLLECTIONS_TESTS} yet ({CONSERVATION_TEST} comes with cash application)"
        )
    graph = _graph()
    checks = {k.name: k.asset_key for k in graph.asset_check_keys if k.name in tests}
    assert sorted(checks) == tests, (
        f"singular tests without an asset check: {sorted(set(tests) - set(checks))}"
    )
    for name, key in checks.items():
        assert graph.get(key).group_name == "collections", f"{name} is a check on {key.to_user_string()}"
    if CONSERVATION_TEST in tests:
        assert checks[CONSERVATION_TEST].to_user_string() == CONSERVATION_MART
