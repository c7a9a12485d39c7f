"""Shadow billing on the demo build against the generator's truth (docs/assurance.md §5, §6):
the unexplained differences of the parallel run are exactly the planted billing differences, and
the planted timing, tax-rounding and credit-note differences are explained by their cause.

Truth: `data/truth/shadow_differences.csv` (one row per planted difference, keyed by customer,
subscription, charge key and service month). A demo generated before that file existed has only
`faults.csv`: then the customers with an unexplained difference must be those of its `billed`
faults that a line comparison can see (a contract-vs-invoice fault bills the catalog price on
both sides, so it is no shadow difference)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.test_collections_truth import truth_rows

pytestmark = pytest.mark.e2e

LINES = "assurance.fct_shadow_billing_lines"
# faults.csv billed kinds a line-by-line comparison sees
SHADOW_VISIBLE_FAULTS = {"missed_proration", "unbilled_usage", "duplicate_charge"}
EXPLANATION_OF_KIND = {
    "timing": "timing",
    "tax_rounding": "tax_rounding_split_invoice",
    "credit_note": "credit_note",
}


def _key(row: dict) -> tuple:
    return (
        row["external_customer_id"],
        row["external_subscription_id"] or None,
        row["charge_key"],
        date.fromisoformat(str(row["service_month"])[:10]),
    )


def _rows(published_db, where: str) -> list[dict]:
    cur = published_db.execute(
        f"select external_customer_id, external_subscription_id, charge_key, service_month, match_status, "
        f"explanation, revhouse_invoice_number, incumbent_invoice_number, amount_difference_minor "
        f"from {LINES} where is_in_parallel_run and {where}"
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_unexplained_differences_are_the_planted_ones(published_db, settings):
    unexplained = _rows(published_db, "not is_explained")
    shadow_truth = settings.truth_dir / "shadow_differences.csv"
    if shadow_truth.exists():
        truth = [r for r in truth_rows(settings, shadow_truth.name) if r["kind"] == "billing_difference"]
        expected = {_key(r) for r in truth}
        found = {_key(r) for r in unexplained}
    else:
        faults = [
            r
            for r in truth_rows(settings, "faults.csv")
            if r["source"] == "billed" and r["fault_type"] in SHADOW_VISIBLE_FAULTS
        ]
        expected = {r["external_customer_id"] for r in faults}
        found = {r["external_customer_id"] for r in unexplained}
    assert expected, "the demo plants billing differences"
    missed = sorted(expected - found, key=str)
    extra = [
        r
        for r in unexplained
        if (_key(r) if shadow_truth.exists() else r["external_customer_id"]) not in expected
    ]
    assert not missed and not extra, f"planted but not found: {missed}\nunexplained but not planted: {extra}"


def test_planted_explained_differences_carry_their_cause(published_db, settings):
    shadow_truth = settings.truth_dir / "shadow_differences.csv"
    if not shadow_truth.exists():
        pytest.skip(f"{shadow_truth} not written by this demo generator: no planted explained differences")
    truth = [r for r in truth_rows(settings, shadow_truth.name) if r["kind"] in EXPLANATION_OF_KIND]
    assert truth, "the demo plants timing, tax-rounding and credit-note differences"
    explained = {}
    for r in _rows(published_db, "explanation is not null"):
        explained.setdefault(_key(r), set()).add(r["explanation"])
    wrong = [
        (r["case_id"], r["kind"], _key(r), sorted(explained.get(_key(r), set())))
        for r in truth
        if EXPLANATION_OF_KIND[r["kind"]] not in explained.get(_key(r), set())
    ]
    assert not wrong, f"planted differences not explained by their cause: {wrong}"
