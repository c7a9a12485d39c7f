"""`revhouse metrics --month YYYY-MM`: the MRR bridge of a month and the headline rates, read
from the published warehouse (metrics-and-revrec.md Part B).

Every figure comes from the metrics marts: this module selects and formats, it computes no
metric. The bridge is `fct_mrr_bridge` at segment_type 'all', added up over billing entities
within one currency (each customer sits in one entity); the rates are `fct_mrr_rates`
(windows 1 and 12), ARPA and LTV `fct_mrr_arpa_ltv`, read at the cut's own row (billing entity
or 'all', segment 'all'): a rate is never added up across entities. One column per currency
and basis: nothing is summed across currencies.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from dagster_project.report_output import (
    EXPONENTS,
    console_text,
    format_amount,
    missing_tables,
    query_rows,
    text_console,
)

BRIDGE = "metrics.fct_mrr_bridge"
RATES = "metrics.fct_mrr_rates"
ARPA_LTV = "metrics.fct_mrr_arpa_ltv"

# (measure, label): the bridge in the order a reader walks it (B3, B11), then the month's figures.
BRIDGE_MEASURES = [
    ("opening_mrr_minor", "opening MRR"),
    ("new_minor", "+ new"),
    ("expansion_minor", "+ expansion"),
    ("contraction_minor", "− contraction"),
    ("churn_minor", "− churn"),
    ("reactivation_minor", "+ reactivation"),
    ("fx_impact_minor", "+ fx_impact"),
    ("closing_mrr_minor", "= closing MRR"),
    ("closing_arr_minor", "ARR (12 × MRR)"),
    ("scheduled_churn_mrr_minor", "scheduled churn (not in the bridge)"),
    ("opening_customers", "paying customers at opening"),
    ("closing_customers", "paying customers at closing"),
    ("churned_customers", "customers churned"),
]
# (column of fct_mrr_rates, window, label)
RATE_MEASURES = [
    ("logo_churn_rate", 1, "logo churn"),
    ("gross_mrr_churn_rate", 1, "gross MRR churn"),
    ("net_mrr_churn_rate", 1, "net MRR churn"),
    ("nrr", 1, "NRR monthly"),
    ("grr", 1, "GRR monthly"),
    ("nrr", 12, "NRR 12 months"),
    ("grr", 12, "GRR 12 months"),
    ("quick_ratio", 1, "quick ratio"),
]
ARPA_MEASURES = [
    ("arpa_minor", "ARPA"),
    ("ltv_minor", "LTV"),
    ("mean_logo_churn_rate_6m", "mean logo churn 6m"),
]


@dataclass
class Column:
    """One currency on one basis: every figure of the report in it."""

    basis: str
    currency: str
    exponent: int
    bridge: dict = field(default_factory=dict)
    rates: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.currency} (reporting)" if self.basis == "reporting" else self.currency


@dataclass
class MetricsReport:
    month: date
    entity: str | None
    currency: str | None
    columns: list[Column]
    notes: list[str] = field(default_factory=list)


def parse_month(text: str, option: str = "--month") -> date:
    """`2026-06` -> 2026-06-01; ValueError naming the option and the expected form otherwise."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a month (YYYY-MM)") from None


def load_report(
    con: duckdb.DuckDBPyConnection, month: date, currency: str | None = None, entity: str | None = None
) -> MetricsReport:
    report = MetricsReport(month=month, entity=entity, currency=currency, columns=[])
    missing = missing_tables(con, BRIDGE, EXPONENTS)
    if missing:
        report.notes.append(
            f"not in the published warehouse yet: {', '.join(missing)} (run `revhouse build`)"
        )
        return report
    sums = ", ".join(f"cast(sum(b.{m}) as bigint) as {m}" for m, _ in BRIDGE_MEASURES)
    rows = query_rows(
        con,
        f"""
        select b.currency_basis, b.currency, max(e.minor_unit_exponent) as currency_exponent, {sums}
        from {BRIDGE} b
        join {EXPONENTS} e using (currency)
        where b.month = $1 and b.segment_type = 'all'
          and ($2::varchar is null or b.currency = $2::varchar)
          and ($3::varchar is null or b.billing_entity_code = $3::varchar)
        group by b.currency_basis, b.currency
        order by b.currency_basis desc, b.currency
        """,
        [month, currency, entity],
    )
    for row in rows:
        report.columns.append(
            Column(row["currency_basis"], row["currency"], int(row["currency_exponent"]),
                   bridge={m: row[m] for m, _ in BRIDGE_MEASURES})
        )  # fmt: skip
    if not rows:
        report.notes.append(
            f"no MRR bridge for {month:%Y-%m}"
            + (f" in {currency}" if currency else "")
            + (f" for entity {entity}" if entity else "")
            + " in fct_mrr_bridge"
        )
        return report
    rate_missing = missing_tables(con, RATES, ARPA_LTV)
    if rate_missing:
        report.notes.append(f"no headline rates: {', '.join(rate_missing)} not in the published warehouse")
        return report
    # the cut's own row: one entity, or 'all' (the whole book), at segment 'all'
    cut = "billing_entity_code = ? and segment_type = 'all'"
    entity_cut = entity or "all"
    for col in report.columns:
        for measure, window, label in RATE_MEASURES:
            found = con.execute(
                f"select {measure} from {RATES} where month = ? and currency_basis = ? and currency = ? "
                f"and window_months = ? and {cut}",
                [month, col.basis, col.currency, window, entity_cut],
            ).fetchone()
            col.rates[label] = found[0] if found else None
        found = query_rows(
            con,
            f"select {', '.join(m for m, _ in ARPA_MEASURES)} from {ARPA_LTV} "
            f"where month = ? and currency_basis = ? and currency = ? and {cut}",
            [month, col.basis, col.currency, entity_cut],
        )
        for measure, label in ARPA_MEASURES:
            col.rates[label] = found[0][measure] if found else None
    return report


# ---- formatting ------------------------------------------------------------------------------


def _is_money(measure: str) -> bool:
    return measure.endswith("_minor")


def format_percent(rate: Decimal | None, places: int = 1) -> str:
    """An exact quotient as a percent, half away from zero at `places` decimals; '–' for null."""
    if rate is None:
        return "–"
    return f"{(Decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%"


def format_ratio(value: Decimal | None) -> str:
    """A quotient such as the quick ratio, to two decimals; '–' for null."""
    return "–" if value is None else f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def bridge_cell(col: Column, measure: str, grouping: bool = True) -> str:
    value = col.bridge.get(measure)
    if measure == "fx_impact_minor" and col.basis == "document":
        return ""  # a document currency has no FX term (B11)
    if _is_money(measure):
        return format_amount(value, col.exponent, grouping)
    return "" if value is None else f"{value:,}" if grouping else str(value)


def rate_cell(col: Column, label: str, grouping: bool = True) -> str:
    """Money measures in major units; rates as percent in the table, exact quotients in CSV."""
    value = col.rates.get(label)
    measure = next((m for m, lab in ARPA_MEASURES if lab == label), "")
    if value is None:
        return "–" if grouping else ""
    if _is_money(measure):
        return format_amount(value, col.exponent, grouping)
    if not grouping:
        return f"{Decimal(value):f}"
    return format_ratio(value) if label == "quick ratio" else format_percent(value, 2)


def rate_labels() -> dict[str, str]:
    """Label in the table -> measure name in the CSV (the mart's column, with its window)."""
    return {label: f"{m}_{window}m" for m, window, label in RATE_MEASURES} | {
        label: m.removesuffix("_minor") for m, label in ARPA_MEASURES
    }


def render_table(report: MetricsReport, width: int = 160) -> str:
    from rich.table import Table

    console = text_console(width)
    scope = ", ".join(f"{k} {v}" for k, v in (("entity", report.entity), ("currency", report.currency)) if v)
    console.print(f"MRR of {report.month:%Y-%m}" + (f" ({scope})" if scope else ""), markup=False)
    if report.columns:
        bridge = Table(
            title="MRR bridge (one column per currency, never summed across them)", title_justify="left"
        )
        bridge.add_column("")
        for col in report.columns:
            bridge.add_column(col.label, justify="right")
        for measure, label in BRIDGE_MEASURES:
            bridge.add_row(label, *[bridge_cell(c, measure) for c in report.columns])
        console.print(bridge)
        if any(c.rates for c in report.columns):
            rates = Table(title="Headline rates", title_justify="left")
            rates.add_column("")
            for col in report.columns:
                rates.add_column(col.label, justify="right")
            for label in rate_labels():
                rates.add_row(label, *[rate_cell(c, label) for c in report.columns])
            console.print(rates)
        console.print(
            "Churn is dated on the first day without service; logo churn ÷ customers paying at the "
            "opening (Stripe adds new ones); LTV = ARPA × margin ÷ mean logo churn of the 6 months "
            "ending with this one; reporting currency at month-end rates with fx_impact apart (B12).",
            markup=False,
        )
    for note in report.notes:
        console.print(f"  {note}", markup=False)
    return console_text(console)


CSV_COLUMNS = ["section", "month", "currency_basis", "currency", "entity", "measure", "value"]


def render_csv(report: MetricsReport) -> str:
    """Long CSV, one figure per line: money as exact major units of its currency (no grouping),
    rates as the marts' exact quotients, counts as integers."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    month = f"{report.month:%Y-%m}"
    for col in report.columns:
        for measure, _ in BRIDGE_MEASURES:
            if measure == "fx_impact_minor" and col.basis == "document":
                continue
            w.writerow(["bridge", month, col.basis, col.currency, report.entity or "",
                        measure.removesuffix("_minor"), bridge_cell(col, measure, grouping=False)])  # fmt: skip
        for label, measure in rate_labels().items() if col.rates else []:
            w.writerow(["rates", month, col.basis, col.currency, report.entity or "", measure,
                        rate_cell(col, label, grouping=False)])  # fmt: skip
    return out.getvalue()
