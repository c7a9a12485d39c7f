"""The ML assets: anomaly scores (model code in ml.anomaly) and the evaluation of the review
queue against the planted cases (ml.evaluation). They read and write the live warehouse under
the writer lock, in the writer pool, like every other writer; the model code holds no I/O."""

import dagster as dg
import duckdb
import pandas as pd

from dagster_project.collections_report import build_as_of
from dagster_project.defs.common.resources import WRITER_POOL, DuckDBWriter, RevhouseSettings
from dagster_project.report_output import missing_tables
from ml import anomaly, evaluation

ML_SCHEMA = "ml"
ML_GROUP = "ml"
ANOMALY_SCORES_KEY = dg.AssetKey([ML_SCHEMA, "anomaly_scores"])
EVALUATION_KEY = dg.AssetKey(["assurance", "evaluation"])
USAGE_FEATURES_KEY = dg.AssetKey(["intermediate", "int_assurance__usage_features"])
INVOICE_FEATURES_KEY = dg.AssetKey(["intermediate", "int_assurance__invoice_features"])
REVIEW_QUEUE = "assurance.fct_assurance_review_queue"
CASES_FILE = "assurance_cases.csv"

# Column types of the evaluation tables (DuckDB would guess from pandas otherwise, and an empty
# frame has no types to guess from); the scores' are ml.anomaly.SCORE_TYPES.
RUN_TYPES = {"as_of_date": "date", "model_version": "varchar", "feature_version": "varchar"}
EVALUATION_TYPES = {
    **RUN_TYPES,
    "fault_type": "varchar",
    "fault_cases": "integer",
    "found_cases": "integer",
    "recall": "decimal(9, 4)",
    "true_positive_findings": "integer",
    "false_positive_findings": "integer",
    "precision": "decimal(9, 4)",
    "near_miss_cases": "integer",
    "near_misses_flagged": "integer",
}
EVALUATION_AMOUNT_TYPES = {
    **RUN_TYPES,
    "fault_type": "varchar",
    "currency": "varchar",
    "planted_amount_minor": "bigint",
    "found_amount_minor": "bigint",
}


def replace_table(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, types: dict[str, str]
) -> int:
    """Replace `ml.<table>` whole with `frame` (typed as `types`), in one transaction, so a
    rerun of the same inputs leaves the same table. Returns its row count."""
    frame = frame.reindex(columns=list(types))
    frame = frame.astype(object).where(frame.notna(), None)
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items())
    con.execute("begin")
    try:
        con.execute(f"create schema if not exists {ML_SCHEMA}")
        con.register("_frame", frame)
        con.execute(f"create or replace table {ML_SCHEMA}.{table} as select {select} from _frame")
        con.unregister("_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return con.execute(f"select count(*) from {ML_SCHEMA}.{table}").fetchone()[0]


@dg.asset(
    key=ANOMALY_SCORES_KEY,
    deps=[USAGE_FEATURES_KEY, INVOICE_FEATURES_KEY],
    group_name=ML_GROUP,
    pool=WRITER_POOL,
    kinds={"duckdb", "python", "scikitlearn"},
    description="Anomaly scores of usage (spike, drop, silence) and invoice amounts: ml.anomaly "
    "fits an IsolationForest (random_state=0) on the feature models and gates flags by rule; "
    "replaces table ml.anomaly_scores whole, with the model and feature versions on every row.",
)
def anomaly_scores(
    context: dg.AssetExecutionContext,
    duckdb_writer: DuckDBWriter,
) -> dg.MaterializeResult:
    with duckdb_writer.connect() as con:
        usage = con.execute("select * from intermediate.int_assurance__usage_features").df()
        invoices = con.execute("select * from intermediate.int_assurance__invoice_features").df()
        scores = anomaly.score_all(usage, invoices)
        if scores["score_id"].duplicated().any():
            raise dg.Failure("ml.anomaly_scores: duplicate score_id (two scores for one entity)")
        rows = replace_table(con, "anomaly_scores", scores, anomaly.SCORE_TYPES)
    flags = scores[scores["is_flagged"].astype(bool)]
    by_kind = flags.groupby("kind").size().to_dict() if len(flags) else {}
    context.log.info(f"anomaly scores: {rows} rows, {len(flags)} flagged {by_kind}")
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(rows),
            "usage_rows": dg.MetadataValue.int(int((scores["entity_type"] == "usage").sum())),
            "invoice_rows": dg.MetadataValue.int(int((scores["entity_type"] == "invoice").sum())),
            "flags": dg.MetadataValue.int(len(flags)),
            "flags_by_kind": dg.MetadataValue.json({k: int(v) for k, v in by_kind.items()}),
            "model_version": dg.MetadataValue.text(anomaly.MODEL_VERSION),
            "feature_version": dg.MetadataValue.text(anomaly.FEATURE_VERSION),
        }
    )


def build_evaluation_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """After every dbt asset (the review queue is among them once built) and the scores."""

    @dg.asset(
        key=EVALUATION_KEY,
        deps=upstream,
        group_name="assurance",
        pool=WRITER_POOL,
        kinds={"duckdb", "python"},
        description="Precision, recall and amount found per fault type of the review queue "
        f"against the planted cases (truth/{CASES_FILE}, docs/assurance.md §6); replaces tables "
        "ml.assurance_evaluation and ml.assurance_evaluation_amounts. Without a truth file or a "
        "review queue it records why and writes no rows.",
    )
    def assurance_evaluation(
        context: dg.AssetExecutionContext,
        duckdb_writer: DuckDBWriter,
        revhouse_settings: RevhouseSettings,
    ) -> dg.MaterializeResult:
        truth = revhouse_settings.get().truth_dir / CASES_FILE
        with duckdb_writer.connect() as con:
            as_of = build_as_of(con)
            if not truth.exists():
                status, result = f"no truth: {truth} does not exist", None
            elif missing_tables(con, REVIEW_QUEUE):
                status, result = f"no review queue: {REVIEW_QUEUE} is not built", None
            else:
                findings = con.execute(f"select * from {REVIEW_QUEUE}").df().to_dict("records")
                result = evaluation.evaluate(findings, evaluation.load_cases(truth))
                status = "evaluated"
            run = {
                "as_of_date": as_of,
                "model_version": anomaly.MODEL_VERSION,
                "feature_version": anomaly.FEATURE_VERSION,
            }
            rows = [{**run, **r} for r in result.rows()] if result else []
            amount_rows = [{**run, **r} for r in result.amount_rows()] if result else []
            replace_table(con, "assurance_evaluation", pd.DataFrame(rows), EVALUATION_TYPES)
            replace_table(
                con, "assurance_evaluation_amounts", pd.DataFrame(amount_rows), EVALUATION_AMOUNT_TYPES
            )
        context.log.info(f"assurance evaluation: {status}")
        metadata: dict[str, dg.MetadataValue] = {
            "status": dg.MetadataValue.text(status),
            "as_of_date": dg.MetadataValue.text(str(as_of)),
            "model_version": dg.MetadataValue.text(anomaly.MODEL_VERSION),
            "feature_version": dg.MetadataValue.text(anomaly.FEATURE_VERSION),
        }
        if result:
            overall = result.scores[evaluation.OVERALL]
            metadata["precision"] = dg.MetadataValue.text(str(overall.precision))
            metadata["recall"] = dg.MetadataValue.text(str(overall.recall))
            metadata["by_fault_type"] = dg.MetadataValue.md(_markdown(result.rows()))
        return dg.MaterializeResult(metadata=metadata)

    return assurance_evaluation


def _markdown(rows: list[dict[str, object]]) -> str:
    cols = list(rows[0]) if rows else []
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if r[c] is None else str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)
