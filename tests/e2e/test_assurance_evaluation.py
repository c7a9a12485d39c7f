"""The evaluation of the review queue on the demo build (issue 15, Done when): ml.assurance_evaluation
is the scoring of the published review queue against data/truth/assurance_cases.csv (recomputed
here with ml.evaluation), and overall recall and precision on the planted faults reach 0.8."""

from __future__ import annotations

import pytest

from ml import evaluation

pytestmark = pytest.mark.e2e

THRESHOLD = 0.8


def _cases(settings) -> list[evaluation.Case]:
    path = settings.truth_dir / "assurance_cases.csv"
    if not path.is_file():
        pytest.fail(f"no ground truth {path}: the demo generator writes it (revhouse generate)")
    return evaluation.load_cases(path)


def _table(con, qualified: str) -> list[dict]:
    cur = con.execute(f"select * from {qualified}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def stored(published_db) -> dict[str, dict]:
    rows = {r["fault_type"]: r for r in _table(published_db, "ml.assurance_evaluation")}
    if not rows:
        pytest.fail("ml.assurance_evaluation is empty: the build had no truth file or no review queue")
    return rows


def _table_text(rows: dict[str, dict]) -> str:
    return "\n".join(
        f"{t}: recall {r['recall']} ({r['found_cases']}/{r['fault_cases']}), precision {r['precision']} "
        f"({r['true_positive_findings']} right, {r['false_positive_findings']} wrong), "
        f"near misses flagged {r['near_misses_flagged']}/{r['near_miss_cases']}"
        for t, r in sorted(rows.items())
    )


def test_the_stored_evaluation_is_the_review_queue_scored_against_the_truth(settings, published_db, stored):
    cases = _cases(settings)
    queue = _table(published_db, "assurance.fct_assurance_review_queue")
    expected = {r["fault_type"]: r for r in evaluation.evaluate(queue, cases).rows()}
    got = {t: {k: r[k] for k in expected[evaluation.OVERALL]} for t, r in stored.items()}
    assert got == expected


def test_overall_recall_and_precision_on_the_planted_faults(stored):
    overall = stored[evaluation.OVERALL]
    assert overall["fault_cases"] > 0
    assert overall["recall"] >= THRESHOLD and overall["precision"] >= THRESHOLD, _table_text(stored)
