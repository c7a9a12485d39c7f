"""`make bench`'s month close (issue 14, Speed): rating → invoices → revenue schedules and
journals → metrics for the bench month, against a bare DuckDB aggregate of the same events.

Data: the rating part's data set (bench/dataset.py: REVHOUSE_BENCH_CUSTOMERS customers,
REVHOUSE_BENCH_EVENTS events in January, a calendar-monthly subscription each), loaded through
the real runner into a warehouse of its own (`close.duckdb`). The close is run at the as-of
instant 2026-02-05, after the January invoices (issued 1 February) have left their 3-day grace
period, so they are finalized, in force for revenue (the seed's cutover date is 2026-01-01) and
January is a whole month of revenue.

Untimed set-up: ingestion, dbt parse, the seeds and the usage pre-aggregates with their parents
(the issue's figure is "once the usage pre-aggregates are current"; part `rating` times them).
Timed, in the same run:
  (i)  the bare DuckDB aggregate of the events, the same query as the rating part's (a)
  (j)  `dbt run` of every model from the pre-aggregates to the billing, revrec and metrics marts
       (rating of the month, invoices, documents, obligations, schedules, postings, balances,
       journals, trial balance, MRR), with the staging views and collections models they read
Target: (j)/(i) ≤ 4. Nothing is adjusted: a miss prints MISS with the slowest models. The row
counts of the close's marts are reported beside the time, so a close that produced nothing
(e.g. models still stubs) is seen as such, never as a fast close.
"""

from __future__ import annotations

from pathlib import Path

from dagster_project.bench.dataset import BenchData
from dagster_project.bench.measure import timed_run

AS_OF = "2026-02-05 00:00:00"
TARGET_NAME = "close_vs_bare"
TARGET_BOUND = 4.0
TARGET_LABEL = "(j) month close, dbt run / (i) bare DuckDB aggregate"
# The models whose parents make the close (revrec's intermediate models named too, so the whole
# subledger is in it); every model upstream of them is timed except the pre-aggregates
# (current before the close starts).
CLOSE_PATHS = (
    "models/marts/billing/",
    "models/intermediate/revrec/",
    "models/marts/revrec/",
    "models/marts/metrics/",
)
# Marts whose row counts say what the close produced.
COUNTED = {
    "invoices": "billing.fct_invoices",
    "schedule_rows": "revrec.fct_revenue_schedule",
    "journal_lines": "revrec.fct_journal_lines",
    "trial_balance_rows": "revrec.fct_trial_balance",
    "mrr_rows": "metrics.fct_mrr",
}


def close_selection(manifest) -> tuple[list[str], list[str]]:
    """(timed, prepare): timed = every model under CLOSE_PATHS and, transitively, every model it
    reads except the usage pre-aggregates; prepare = the pre-aggregates with their parents."""
    from dagster_project.bench.usage_grain import PRE_AGGREGATES

    nodes = manifest.nodes
    todo = [
        u for u in nodes if u.startswith("model.") and nodes[u].original_file_path.startswith(CLOSE_PATHS)
    ]
    chosen: set[str] = set()
    while todo:
        uid = todo.pop()
        if uid in chosen or nodes[uid].name in PRE_AGGREGATES:
            continue
        chosen.add(uid)
        todo += [p for p in nodes[uid].depends_on.nodes if p.startswith("model.")]
    return sorted(nodes[u].name for u in chosen), sorted("+" + p for p in PRE_AGGREGATES)


def produced(db: Path) -> dict[str, int | None]:
    """Rows of the close's marts (None for a mart that was not built)."""
    from dagster_project.bench import row_counts

    return row_counts(db, COUNTED)


def run_part(project_dir: Path, data: BenchData) -> tuple[dict[str, dict], dict]:
    """Load, prepare, (i), (j). Returns (steps by key, verdict entry)."""
    from dagster_project.bench import _setup_steps, _step, set_up_part

    part = set_up_part(project_dir, data, "close", "month close", close_selection, {"as_of": AS_OF})
    dbt, timed, prepare, parse, prep = part.dbt, part.timed, part.prepare, part.parse, part.prep
    db, ingest, bare_step = part.db, part.ingest, part.bare
    close, models = timed_run(dbt, timed)
    rows = produced(db)
    empty = [k for k, v in rows.items() if not v]
    note = (
        f"{len(models)} models; "
        + ", ".join(f"{k} {v:,}" if v is not None else f"{k} not built" for k, v in rows.items())
        + "; slowest: "
        + ", ".join(f"{r['model']} {r['seconds']:.1f}s" for r in models[:3])
    )
    if empty:
        note += f"; NOTHING PRODUCED IN {', '.join(empty)}"
    steps = {
        "close_ingest": ingest
        | {"step": "close: ingest Parquet (runner)", "note": "not in (j): " + ingest["note"]},
        **_setup_steps("close", "(j)", "the usage pre-aggregates", parse, prep, prepare),
        "i": bare_step | {"step": "(i) bare DuckDB group-by of the same events (= (a))"},
        "j": _step("(j) revhouse month close (dbt run)", close, data.params.events, note)
        | {"models": models, "produced": rows, "selected": timed},
    }
    value = close.seconds / bare_step["seconds"] if bare_step["seconds"] else None
    ok = None if value is None else value <= TARGET_BOUND
    slow = models[0] if models else None
    why = (
        f"dbt run {close.seconds:.1f}s vs bare {bare_step['seconds']:.3f}s over {len(models)} models; slowest "
        + ", ".join(f"{r['model']} {r['seconds']:.1f}s" for r in models[:3])
        + f" of {sum(r['seconds'] for r in models):.1f}s model time"
        if slow and ok is False
        else ""
    )
    verdict = {
        TARGET_NAME: {
            "label": TARGET_LABEL,
            "value": value,
            "target": f"<= {TARGET_BOUND:g}",
            "pass": ok,
            "why": why,
        }
    }
    return steps, verdict
