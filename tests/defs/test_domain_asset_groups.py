"""Collections and revenue recognition in the Dagster graph: each domain's intermediate models
and marts form one asset group (`collections`, `revrec`; other groups unchanged), and its
singular tests show as asset checks on assets of that group (issue 12 item 10, issue 14)."""

from __future__ import annotations

import pytest

from dagster_project.defs.dbt.project import prepare
from dagster_project.settings import REPO_ROOT

TESTS = REPO_ROOT / "dbt_project" / "tests"
# domain -> models that must be in its group (one intermediate, one mart at least)
DOMAIN_MODELS = {
    "collections": {"fct_receivables_aging", "int_collections__open_invoices_by_date"},
    "revrec": {
        "int_revrec__documents",
        "int_revrec__performance_obligations",
        "int_revrec__postings",
        "fct_revenue_schedule",
        "fct_journal_lines",
        "fct_trial_balance",
    },
}
# A singular test known to guard one mart, and that mart.
KNOWN_CHECKS = {"collections": ("assert_payment_cash_conserved", "collections/fct_payments")}


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


@pytest.mark.parametrize("domain", sorted(DOMAIN_MODELS))
def test_domain_models_form_their_own_group(domain):
    groups = _model_groups()
    members = {
        name
        for name, (path, _) in groups.items()
        if path.startswith((f"models/intermediate/{domain}/", f"models/marts/{domain}/"))
    }
    assert DOMAIN_MODELS[domain] <= members
    assert {name for name, (_, group) in groups.items() if group == domain} == members


def test_other_layers_keep_their_groups():
    groups = _model_groups()
    assert groups["fct_invoices"][1] == "marts_billing"
    assert groups["fct_mrr"][1] == "marts_metrics"
    assert groups["int_billing__invoices"][1] == "intermediate"
    assert groups["int_metrics__mrr_movements"][1] == "intermediate"
    assert groups["stg_lago__customers"][1] == "staging"


@pytest.mark.parametrize("domain", sorted(DOMAIN_MODELS))
def test_domain_singular_tests_are_asset_checks_on_its_assets(domain):
    tests = sorted(p.stem for p in (TESTS / domain).glob("*.sql"))
    if not tests:
        pytest.skip(f"no singular test under {TESTS / domain} yet")
    graph = _graph()
    checks = {k.name: k.asset_key for k in graph.asset_check_keys if k.name in tests}
    assert sorted(checks) == tests, (
        f"singular tests without an asset check (a test reading several models needs "
        f"config(meta={{'dagster': {{'ref': ...}}}})): {sorted(set(tests) - set(checks))}"
    )
    for name, key in checks.items():
        assert graph.get(key).group_name == domain, f"{name} is a check on {key.to_user_string()}"
    test, mart = KNOWN_CHECKS.get(domain, (None, None))
    if test in tests:
        assert checks[test].to_user_string() == mart
