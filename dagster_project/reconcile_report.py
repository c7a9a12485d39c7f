"""`revhouse reconcile --period YYYY-MM`: the parallel run of a service month, read from the
published warehouse (docs/assurance.md §5).

Every figure comes from the assurance marts: this module selects and formats, it matches and
judges nothing. The summary is `fct_parallel_run_summary` (one row per currency, never summed
across currencies, with its cutover verdict and reason); the differences to investigate are the
unexplained rows of `fct_shadow_billing_lines` in that month, largest absolute difference first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from dagster_project.metrics_report import format_percent
from dagster_project.report_output import (
    console_text,
    csv_text,
    format_amount,
    missing_tables,
    query_rows,
    text_console,
)

SUMMARY = "assurance.fct_parallel_run_summary"
LINES = "assurance.fct_shadow_billing_lines"

# (column of the summary, label): counts, then shares, then money
SUMMARY_MEASURES = [
    ("revhouse_lines", "revhouse lines"),
    ("incumbent_lines", "incumbent lines"),
    ("compared_lines", "compared lines"),
    ("matched_lines", "matched to the cent"),
    ("differing_lines", "differing"),
    ("missing_in_incumbent_lines", "missing in the incumbent"),
    ("missing_in_revhouse_lines", "missing in revhouse"),
    ("matched_line_share", "share of lines matched"),
    ("revhouse_amount_minor", "revhouse amount"),
    ("incumbent_amount_minor", "incumbent amount"),
    ("matched_amount_minor", "amount matched"),
    ("matched_amount_share", "share of amount matched"),
    ("explained_difference_lines", "explained differences"),
    ("explained_difference_minor", "explained difference (abs)"),
    ("unexplained_lines", "unexplained differences"),
    ("unexplained_difference_minor", "unexplained difference (abs)"),
]
DIFFERENCE_COLUMNS = [
    "currency", "external_customer_id", "external_subscription_id", "charge_key", "service_from_date",
    "service_to_date", "match_status", "revhouse_invoice_number", "incumbent_invoice_number",
    "revhouse_units", "incumbent_units", "revhouse_amount_minor", "incumbent_amount_minor",
    "amount_difference_minor", "currency_exponent",
]  # fmt: skip


@dataclass
class ReconcileReport:
    period: date
    currency: str | None
    summary: list[dict] = field(default_factory=list)
    differences: list[dict] = field(default_factory=list)
    unexplained_total: int = 0
    notes: list[str] = field(default_factory=list)


def load_report(
    con: duckdb.DuckDBPyConnection, period: date, currency: str | None = None, top: int = 20
) -> ReconcileReport:
    report = ReconcileReport(period=period, currency=currency)
    missing = missing_tables(con, SUMMARY, LINES)
    if missing:
        report.notes.append(
            f"not in the published warehouse yet: {', '.join(missing)} (run `revhouse build`)"
        )
        return report
    report.summary = query_rows(
        con,
        f"select * from {SUMMARY} where service_month = $1 and ($2::varchar is null or currency = $2::varchar) "
        "order by currency",
        [period, currency],
    )
    if not report.summary:
        months = [
            r[0] for r in con.execute(f"select distinct service_month from {SUMMARY} order by 1").fetchall()
        ]
        report.notes.append(
            f"no parallel-run figures for service month {period:%Y-%m}"
            + (f" in {currency}" if currency else "")
            + (f"; months with figures: {', '.join(f'{m:%Y-%m}' for m in months)}" if months else "")
        )
        return report
    unexplained = f"""
        from {LINES} l
        join {SUMMARY} s on s.service_month = l.service_month and s.currency = l.currency
        where l.service_month = $1 and ($2::varchar is null or l.currency = $2::varchar)
          and l.is_in_parallel_run and not l.is_explained
    """
    report.unexplained_total = con.execute(f"select count(*) {unexplained}", [period, currency]).fetchone()[0]
    cols = ", ".join(f"l.{c}" for c in DIFFERENCE_COLUMNS if c != "currency_exponent")
    report.differences = query_rows(
        con,
        f"select {cols}, s.currency_exponent {unexplained} "
        "order by abs(l.amount_difference_minor) desc, l.currency, l.external_customer_id, l.shadow_line_id "
        "limit $3",
        [period, currency, top],
    )
    return report


# ---- formatting ------------------------------------------------------------------------------


def _summary_cell(row: dict, measure: str, grouping: bool = True) -> str:
    value = row.get(measure)
    if measure.endswith("_minor"):
        return format_amount(value, row["currency_exponent"], grouping)
    if measure.endswith("_share"):
        return format_percent(value, 2) if grouping else f"{value:f}"
    return f"{value:,}" if grouping else str(value)


def _units(value) -> str:
    return "" if value is None else f"{value.normalize():f}"


def render_table(report: ReconcileReport, width: int = 180) -> str:
    from rich.table import Table

    console = text_console(width)
    scope = f" ({report.currency})" if report.currency else ""
    console.print(f"Parallel run of service month {report.period:%Y-%m}{scope}", markup=False)
    if report.summary:
        table = Table(title="Shadow billing (one column per currency, never summed)", title_justify="left")
        table.add_column("")
        for row in report.summary:
            table.add_column(row["currency"], justify="right")
        for measure, label in SUMMARY_MEASURES:
            table.add_row(label, *[_summary_cell(r, measure) for r in report.summary])
        table.add_row("month complete", *["yes" if r["is_complete_month"] else "no" for r in report.summary])
        table.add_row("cutover verdict", *[r["cutover_verdict"] for r in report.summary])
        console.print(table)
        for row in report.summary:
            console.print(
                f"  {row['currency']}: {row['cutover_verdict']}: {row['verdict_reason']}", markup=False
            )
        console.print(
            "READY when this month and the one before are complete, each with at least 99.5% of lines "
            "and of amount matched to the cent and no unexplained difference (fct_parallel_run_summary).",
            markup=False,
        )
        if report.differences:
            diffs = Table(
                title=f"Unexplained differences to investigate: top {len(report.differences)} "
                f"of {report.unexplained_total} by amount",
                title_justify="left",
            )
            for label in ("ccy", "customer", "subscription", "charge", "service", "status", "revhouse inv.",
                          "incumbent inv.", "units rh / inc", "revhouse", "incumbent", "difference"):  # fmt: skip
                diffs.add_column(
                    label, justify="right" if label in ("revhouse", "incumbent", "difference") else "left"
                )
            for d in report.differences:
                exp = d["currency_exponent"]
                diffs.add_row(
                    d["currency"], d["external_customer_id"], d["external_subscription_id"] or "",
                    d["charge_key"] or "", f"{d['service_from_date']} – {d['service_to_date']}",
                    d["match_status"], d["revhouse_invoice_number"] or "", d["incumbent_invoice_number"] or "",
                    f"{_units(d['revhouse_units'])} / {_units(d['incumbent_units'])}",
                    format_amount(d["revhouse_amount_minor"], exp), format_amount(d["incumbent_amount_minor"], exp),
                    format_amount(d["amount_difference_minor"], exp),
                )  # fmt: skip
            console.print(diffs)
        else:
            console.print("No unexplained difference in this month.", markup=False)
    for note in report.notes:
        console.print(f"  {note}", markup=False)
    return console_text(console)


CSV_COLUMNS = ["section", "service_month", "currency", "measure", "value", "detail"]


def render_csv(report: ReconcileReport) -> str:
    """Long CSV, one figure per line: money in exact major units of its currency, shares as the
    mart's exact quotients; then one line per unexplained difference (its amount difference, the
    line's key in `detail`)."""
    return csv_text(CSV_COLUMNS, _csv_rows(report))


def _csv_rows(report: ReconcileReport):
    month = f"{report.period:%Y-%m}"
    for row in report.summary:
        for measure, _ in SUMMARY_MEASURES:
            yield ["summary", month, row["currency"], measure.removesuffix("_minor"),
                   _summary_cell(row, measure, grouping=False), ""]  # fmt: skip
        yield [
            "summary",
            month,
            row["currency"],
            "cutover_verdict",
            row["cutover_verdict"],
            row["verdict_reason"],
        ]
    for d in report.differences:
        detail = "|".join(
            str(d[c] or "")
            for c in ("external_customer_id", "external_subscription_id", "charge_key", "service_from_date",
                      "service_to_date", "match_status", "revhouse_invoice_number", "incumbent_invoice_number")
        )  # fmt: skip
        yield ["unexplained", month, d["currency"], "amount_difference",
               format_amount(d["amount_difference_minor"], d["currency_exponent"], grouping=False), detail]  # fmt: skip
