"""The asset check of the review queue (dbt singular test assert_no_blocking_findings_on_drafts,
docs/assurance.md §5) run by dbt on a planted queue: it fails on a high finding at or above the
threshold on a draft, and passes on every near miss."""

from __future__ import annotations

import os

import duckdb
import pytest

from dagster_project.bench.measure import InProcessDbt
from dagster_project.settings import REPO_ROOT

CHECK = "assert_no_blocking_findings_on_drafts"

# (finding_id, severity, invoice_is_finalized, status, explained_by, currency, amount_at_risk_minor)
NEAR_MISSES = [
    ("finalized", "high", True, "open", None, "USD", 50_000),  # already sent: nothing to stop
    ("medium", "medium", False, "open", None, "USD", 50_000),  # not high
    ("below", "high", False, "open", None, "USD", 9_999),  # 99.99 < 100.00
    ("resolved", "high", False, "resolved", None, "USD", 50_000),
    ("false_positive", "high", False, "false_positive", None, "USD", 50_000),
    ("explained", "high", False, "open", "credit_note", "USD", 50_000),
    ("jpy_below", "high", False, "open", None, "JPY", 99),  # exponent 0: threshold 100 yen
    ("bhd_below", "high", False, "open", None, "BHD", 99_999),  # exponent 3: threshold 100.000
    ("no_invoice", "high", None, "open", None, "USD", 50_000),
]
PLANTED = [
    ("usd_at_threshold", "high", False, "open", None, "USD", 10_000),  # 100.00 ≥ 100.00
    ("jpy_at_threshold", "high", False, "acknowledged", None, "JPY", 100),  # acknowledged still blocks
]


@pytest.fixture(scope="module")
def queue_dbt(tmp_path_factory):
    root = tmp_path_factory.mktemp("blocking")
    db = root / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema assurance; create schema reference")
    con.execute(
        "create table reference.iso_4217_currencies as select * from (values "
        "('USD', 2), ('JPY', 0), ('BHD', 3)) as t(currency, minor_unit_exponent)"
    )
    con.execute(
        "create table assurance.fct_assurance_review_queue (finding_id varchar, reason_code varchar, "
        "severity varchar, external_customer_id varchar, invoice_id varchar, invoice_is_finalized boolean, "
        "status varchar, explained_by varchar, currency varchar, amount_at_risk_minor bigint, reason_text varchar)"
    )
    con.close()
    previous = os.environ.get("REVHOUSE_DUCKDB_PATH")
    dbt = InProcessDbt(REPO_ROOT / "dbt_project", db, root / "dbt", {})
    dbt.parse()
    yield db, dbt
    if previous is None:
        os.environ.pop("REVHOUSE_DUCKDB_PATH", None)
    else:
        os.environ["REVHOUSE_DUCKDB_PATH"] = previous


def _plant(db, rows) -> None:
    con = duckdb.connect(str(db))
    con.execute("delete from assurance.fct_assurance_review_queue")
    for finding_id, severity, finalized, status, explained_by, currency, amount in rows:
        con.execute(
            "insert into assurance.fct_assurance_review_queue values (?, 'r', ?, 'c1', 'inv', ?, ?, ?, ?, ?, 'why')",
            [finding_id, severity, finalized, status, explained_by, currency, amount],
        )
    con.close()


def _check(dbt, extra_vars=None) -> tuple[str, int]:
    """(status, failing rows) of the check: pass, or warn (its severity) with the rows found."""
    [result] = dbt.run(["test", "--select", CHECK], extra_vars).results
    return str(result.status), result.failures or 0


def test_passes_on_near_misses_only(queue_dbt):
    db, dbt = queue_dbt
    _plant(db, NEAR_MISSES)
    assert _check(dbt) == ("pass", 0)


def test_fails_on_planted_draft_findings(queue_dbt):
    db, dbt = queue_dbt
    _plant(db, NEAR_MISSES + PLANTED)
    assert _check(dbt) == ("warn", 2)


def test_threshold_is_the_var_in_major_units(queue_dbt):
    db, dbt = queue_dbt
    _plant(db, NEAR_MISSES + PLANTED)
    # 101 major: 100.00 USD and 100 JPY no longer reach it
    assert _check(dbt, {"assurance_block_amount_major": 101}) == ("pass", 0)
    # 1 major: 99.99 USD, 99 JPY, 99.999 BHD all reach it (exponents 2, 0, 3)
    assert _check(dbt, {"assurance_block_amount_major": 1}) == ("warn", 5)
