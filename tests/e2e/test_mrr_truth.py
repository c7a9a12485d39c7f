"""The demo's MRR ground truth (data/truth/mrr.csv and mrr_cases.csv, computed by the generator from
metrics-and-revrec.md B1/B2/B10 without the dbt models) found in `metrics.fct_mrr`: the closing
MRR of every customer, currency and month, and the movement bucket of every named case."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.test_collections_truth import truth_rows

pytestmark = pytest.mark.e2e

SHOWN = 12
BUCKETS = ("new", "expansion", "contraction", "churn", "reactivation")


def columns(con, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    if not rows:
        pytest.skip(f"{schema}.{table} not in the published warehouse yet")
    return {r[0] for r in rows}


def month_key(value) -> str:
    return (value if isinstance(value, date) else date.fromisoformat(str(value)[:10])).strftime("%Y-%m")


@pytest.fixture(scope="module")
def fct_mrr(published_db) -> dict[tuple[str, str, str], dict]:
    columns(published_db, "metrics", "fct_mrr")
    cur = published_db.execute("select * from metrics.fct_mrr")
    names = [d[0] for d in cur.description]
    out = {}
    for r in cur.fetchall():
        row = dict(zip(names, r, strict=True))
        out[(row["external_customer_id"], row["currency"], month_key(row["month"]))] = row
    return out


def test_closing_mrr_of_every_customer_and_month(settings, fct_mrr):
    truth = {
        (r["external_customer_id"], r["currency"], r["month"]): int(r["mrr_minor"])
        for r in truth_rows(settings, "mrr.csv")
    }
    wrong = []
    for key, expected in sorted(truth.items()):
        row = fct_mrr.get(key)
        # fct_mrr leaves out months at 0 on both sides (after a churn, in a gap)
        got = int(row["closing_mrr_minor"]) if row else 0
        if got != expected:
            wrong.append(f"{key}: expected {expected}, got {got if row else 'no row'}")
    extra = [
        f"{k}: {v['closing_mrr_minor']} not in truth" for k, v in sorted(fct_mrr.items()) if k not in truth
    ]
    assert not wrong and not extra, f"{len(wrong)} month(s) differ, {len(extra)} unexpected: " + "; ".join(
        (wrong + extra)[:SHOWN]
    )


def test_movement_of_every_metrics_case(settings, fct_mrr):
    wrong = []
    customers = {k[0] for k in fct_mrr}
    for r in truth_rows(settings, "mrr_cases.csv"):
        ext, label = r["external_customer_id"], f"{r['case']} {r['external_customer_id']} {r['month']}"
        if r["movement"] == "absent":
            if ext in customers:
                wrong.append(f"{label}: expected no MRR row, found some")
            continue
        row = fct_mrr.get((ext, r["currency"], r["month"]))
        if row is None:
            wrong.append(f"{label}: expected {r['movement']} {r['amount_minor']}, no row")
            continue
        got_amount = int(row[f"{r['movement']}_minor"]) if r["movement"] in BUCKETS else 0
        if row["movement"] != r["movement"] or got_amount != int(r["amount_minor"]):
            wrong.append(
                f"{label}: expected {r['movement']} {r['amount_minor']}, got {row['movement']} {got_amount}"
            )
    assert not wrong, "; ".join(wrong[:SHOWN])
