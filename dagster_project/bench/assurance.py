"""`make bench`'s revenue assurance (issue #15, Speed): the assurance checks and the anomaly
scoring on the bench data set, against the bare DuckDB aggregate of the same events in the same run.

Data: the rating part's data set (bench/dataset.py: REVHOUSE_BENCH_CUSTOMERS customers,
REVHOUSE_BENCH_EVENTS events in January), loaded through the real runner into a warehouse of its
own (`assurance_bench.duckdb`: a file named like the `assurance` schema would make DuckDB's names
ambiguous), at the month close's as-of instant (bench/close.py), so January is invoiced and final.

Untimed set-up: ingestion, dbt parse, the seeds and every model the assurance models read
(rating, invoices, credit notes ...) with their parents: what the checks cost is measured, not
the billing they check (the close part times that).
Timed, in the same run:
  (k)  the bare DuckDB aggregate of the events, the rating part's (a)
  (l)  `dbt run` of every model under models/intermediate/assurance/ and models/marts/assurance/
       (the checks, the features, the review queue, the leakage report, shadow billing); the
       models reading the anomaly scores (source `ml`) run after (m), their time added to (l)
  (m)  the anomaly scoring: the ML asset's pure function `ml.anomaly.score_all` on the two
       feature models, its scores written to ml.anomaly_scores (the asset's table, docs/assurance.md
       §4). When `ml.anomaly` or the feature models are not in this checkout, (m) is not run
       and the report says so (never a zero time).
No target is set: the ratio ((l) + (m)) / (k) and the peak memory of each step are reported,
with the row counts the assurance produced (few findings on the bench's clean data is expected).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.bench.close import AS_OF
from dagster_project.bench.dataset import BenchData
from dagster_project.bench.measure import Measure, measured, timed_run

TARGET_NAME = "assurance_vs_bare"
TARGET_LABEL = "((l) assurance dbt + (m) anomaly scoring) / (k) bare DuckDB aggregate"
ASSURANCE_PATHS = ("models/intermediate/assurance/", "models/marts/assurance/")
ML_SOURCE = "ml"
FEATURES = ("intermediate.int_assurance__usage_features", "intermediate.int_assurance__invoice_features")
COUNTED = {
    "findings": "assurance.fct_assurance_review_queue",
    "leakage_rows": "assurance.fct_assurance_leakage",
    "anomaly_scores": "ml.anomaly_scores",
}


def assurance_models(manifest) -> tuple[list[str], list[str]]:
    """(before, after) the scoring: the assurance models, split on whether they read the ML
    scores (the source `ml`), directly or through another assurance model."""
    nodes = manifest.nodes
    ours = {
        u for u in nodes if u.startswith("model.") and nodes[u].original_file_path.startswith(ASSURANCE_PATHS)
    }
    after: set[str] = set()
    changed = True
    while changed:
        changed = False
        for u in ours - after:
            deps = nodes[u].depends_on.nodes
            if any(d in after or (d.startswith("source.") and d.split(".")[2] == ML_SOURCE) for d in deps):
                after.add(u)
                changed = True
    return sorted(nodes[u].name for u in ours - after), sorted(nodes[u].name for u in after)


def assurance_selection(manifest) -> tuple[list[str], list[str]]:
    """(timed, prepare): timed = the assurance models; prepare = every model they read outside
    the assurance folders, with its parents."""
    nodes = manifest.nodes
    before, after = assurance_models(manifest)
    ours = set(before) | set(after)
    parents = {
        nodes[p].name
        for u in nodes
        if u.startswith("model.") and nodes[u].name in ours
        for p in nodes[u].depends_on.nodes
        if p.startswith("model.") and nodes[p].name not in ours
    }
    return before + after, sorted("+" + p for p in parents)


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def step_scoring(db: Path) -> tuple[Measure | None, str, int | None]:
    """(m): (the measure or None when not run, what was scored or why not, scores written)."""
    try:
        from ml import anomaly
    except ImportError as exc:
        return None, f"not run: the ML code is not in this checkout (ml.anomaly: {exc})", None
    con = duckdb.connect(str(db))  # the in-process dbt still holds it: same configuration
    try:
        missing = [t for t in FEATURES if not _table_exists(con, t)]
        if missing:
            return None, f"not run: the feature models are not built ({', '.join(missing)})", None
        with measured() as m:
            usage = con.execute(f"select * from {FEATURES[0]}").df()
            invoices = con.execute(f"select * from {FEATURES[1]}").df()
            scores = anomaly.score_all(usage, invoices)
            con.execute(f"create schema if not exists {ML_SOURCE}")
            con.register("bench_scores", scores)
            casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in anomaly.SCORE_TYPES.items())
            con.execute(
                f"create or replace table {ML_SOURCE}.anomaly_scores as select {casts} from bench_scores"
            )
            con.unregister("bench_scores")
        flagged = int(scores["is_flagged"].sum()) if len(scores) else 0
        note = (
            f"ml.anomaly.score_all ({anomaly.MODEL_VERSION}, {anomaly.FEATURE_VERSION}) on {len(usage):,} usage "
            f"and {len(invoices):,} invoice feature rows: {len(scores):,} scores, {flagged:,} flagged"
        )
        return m, note, len(scores)
    finally:
        con.close()


def run_part(project_dir: Path, data: BenchData) -> tuple[dict[str, dict], dict]:
    """Load, prepare, (k), (l) before the scoring, (m), (l) after it. Returns (steps, verdict)."""
    from dagster_project.bench import _setup_steps, _step, row_counts, set_up_part

    part = set_up_part(
        project_dir, data, "assurance_bench", "revenue assurance", assurance_selection, {"as_of": AS_OF}
    )
    dbt, prepare, bare_step = part.dbt, part.prepare, part.bare
    before, after = assurance_models(dbt.manifest)
    checks, models = timed_run(dbt, before)
    scoring, scoring_note, _ = step_scoring(part.db)
    skipped = []
    if after and scoring is not None:
        more, more_models = timed_run(dbt, after)
        checks.seconds += more.seconds
        checks.peak_mb = max(checks.peak_mb or 0, more.peak_mb or 0)
        checks.peak_is_step = checks.peak_is_step and more.peak_is_step
        models = sorted(models + more_models, key=lambda r: -r["seconds"])
    elif after:
        skipped = after  # they read scores that were not computed
    rows = row_counts(part.db, COUNTED)
    note = (
        f"{len(models)} models; "
        + ", ".join(f"{k} {v:,}" if v is not None else f"{k} not built" for k, v in rows.items())
        + "; slowest: "
        + ", ".join(f"{r['model']} {r['seconds']:.1f}s" for r in models[:3])
    )
    if skipped:
        note += f"; NOT RUN (no scores): {', '.join(skipped)}"
    steps = {
        "assurance_ingest": part.ingest
        | {"step": "assurance: ingest Parquet (runner)", "note": "not in (l): " + part.ingest["note"]},
        **_setup_steps("assurance", "(l)", "the models", part.parse, part.prep, prepare),
        "k": bare_step | {"step": "(k) bare DuckDB group-by of the same events (= (a))"},
        "l": _step("(l) revhouse assurance checks (dbt run)", checks, data.params.events, note)
        | {"models": models, "produced": rows, "selected": before + [m for m in after if m not in skipped]},
        "m": _step("(m) anomaly scoring (ml.anomaly)", scoring or Measure(), None, scoring_note)
        | {"ran": scoring is not None},
    }
    total = checks.seconds + (scoring.seconds if scoring else 0.0)
    value = total / bare_step["seconds"] if bare_step["seconds"] else None
    peaks = [
        s["peak_mb"]
        for s in ([steps["l"], steps["m"]] if scoring else [steps["l"]])
        if s["peak_mb"] is not None
    ]
    verdict = {
        TARGET_NAME: {
            "label": TARGET_LABEL + ("" if scoring else " — (m) not run, see its step"),
            "value": value,
            "target": "none (reported)",
            "pass": None,
            "why": f"(l) {checks.seconds:.1f}s + (m) "
            + (f"{scoring.seconds:.1f}s" if scoring else "not run")
            + f" vs bare {bare_step['seconds']:.3f}s; peak {max(peaks, default=0):,} MB",
        }
    }
    return steps, verdict
