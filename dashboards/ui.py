"""What every page shares: money display and the guards for missing or empty marts.

Money arrives as integer minor units plus a currency; it becomes a Decimal with the
currency's ISO 4217 exponent (from the reference module) and is formatted by babel. No
arithmetic is done on floats; charts get Decimals, which plotly only serialises for drawing.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dagster_project import metrics_report
from dagster_project.reference import currencies
from dagster_project.reference.currencies import to_major  # noqa: F401  (pages import it from here)
from dashboards import data

LOCALE = "en_US"
MINOR_SUFFIX = "_minor"
RIGHT = st.column_config.TextColumn(alignment="right")


def format_money(amount_minor: int | Decimal | None, currency: str | None) -> str:
    """Blank for a missing amount or currency; otherwise the house format (reference.currencies)."""
    if amount_minor is None or pd.isna(amount_minor) or not currency or pd.isna(currency):
        return ""
    return currencies.format_money(amount_minor, currency, locale=LOCALE)


def money_label(column: str) -> str:
    """`total_amount_minor` -> `total_amount`: the shown column holds major units."""
    return column[: -len(MINOR_SUFFIX)] if column.endswith(MINOR_SUFFIX) else column


def with_money(df: pd.DataFrame, currency_column: str = "currency") -> pd.DataFrame:
    """Every `*_minor` column formatted in its row's currency, renamed without the suffix."""
    if currency_column not in df.columns:
        return df
    out = df.copy()
    for col in [c for c in df.columns if c.endswith(MINOR_SUFFIX)]:
        out[col] = [format_money(v, c) for v, c in zip(df[col], df[currency_column], strict=True)]
    return out.rename(columns={c: money_label(c) for c in df.columns if c.endswith(MINOR_SUFFIX)})


# What a reader looks for first on an invoice line; the fee mart's other columns follow.
FEE_LEAD_COLUMNS = [
    "invoice",
    "fee_type",
    "description",
    "units",
    "currency",
    "amount_minor",
    "precise_coupon_share_minor",
    "precise_taxable_base_minor",
    "precise_tax_amount_minor",
    "service_start_date",
    "service_end_date",
]


def lead(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`df` with those of `columns` it has moved to the front, in that order."""
    first = [c for c in columns if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def table(df: pd.DataFrame, **kwargs) -> None:
    """A frame with its money formatted; amounts are text, so they are right-aligned by hand."""
    shown = with_money(df)
    money = [money_label(c) for c in df.columns if c.endswith(MINOR_SUFFIX)]
    config = {c: RIGHT for c in money if c in shown.columns}
    st.dataframe(shown, hide_index=True, column_config=config, **kwargs)


def available(table: str) -> bool:
    """Say so on the page, and return False, when a mart is missing or empty."""
    if data.missing_tables(table):
        st.warning(
            f"The published warehouse has no `{table}` table yet. Run `make run` "
            "(or `revhouse build`) once the models that build it exist."
        )
        return False
    if data.row_count(table) == 0:
        st.info(f"`{table}` is empty in the published warehouse: nothing to show yet.")
        return False
    return True


def require(*tables: str) -> None:
    """Stop the page when a mart it cannot do without is missing or empty."""
    if not all([available(t) for t in tables]):
        st.stop()


def build_caption() -> None:
    info = data.build_info()
    published = info.get("published_at")
    st.caption(
        f"Published build `{info.get('build_id')}`"
        + (f", published {published}" if published else "")
        + f" — `{data.published_path()}` (read-only)"
    )


# ---- the metrics pages' global filters ----------------------------------------------------

ALL = "All"


def currency_label(basis: str, currency: str) -> str:
    """`EUR (reporting)` for the converted book, the bare code for a document currency."""
    return f"{currency} (reporting)" if basis == "reporting" else currency


def metrics_filters() -> data.MetricsCut:
    """Entity, one currency (reporting or a document currency), segment and month range, the
    same on every metrics page (the widgets keep their keys, so a choice survives a page switch
    within the session)."""
    options = data.mrr_filter_options()
    by_label = {currency_label(b, c): (b, c) for b, c in options["currencies"]}
    months = options["months"]
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    basis, currency = by_label[c1.radio("Currency", list(by_label), horizontal=True, key="currency")]
    entity = c2.selectbox("Billing entity", [ALL, *options["entities"]], key="entity")
    segment_type = c3.selectbox("Segment", ["all", *options["segments"]], key="segment_type")
    segment_value = None
    if segment_type != "all":
        segment_value = c4.selectbox(
            segment_type.replace("_", " ").capitalize(),
            options["segments"][segment_type],
            key=f"segment_value_{segment_type}",
        )
    start, end = st.select_slider(
        "Months",
        months,
        value=(months[0], months[-1]),
        format_func=lambda m: f"{m:%Y-%m}",
        key="months",
    )
    return data.MetricsCut(
        basis=basis,
        currency=currency,
        entity=None if entity == ALL else entity,
        segment_type=segment_type,
        segment_value=segment_value,
        start=start,
        end=end,
    )


def metrics_page(title: str, *tables: str) -> tuple[data.MetricsCut, str]:
    """The head every metrics page shares: title, build caption, the marts it needs and the
    global filters; returns the chosen cut and its currency label."""
    st.title(title)
    build_caption()
    require(*tables)
    cut = metrics_filters()
    return cut, currency_label(cut.basis, cut.currency)


def cut_caption(cut: data.MetricsCut) -> str:
    """The cut in words, for the line under a chart."""
    what = [
        f"{cut.currency} "
        + ("(reporting currency, month-end rates)" if cut.basis == "reporting" else "only"),
        f"entity {cut.entity}" if cut.entity else "all entities",
        f"{cut.segment_type.replace('_', ' ')} = {cut.segment_value}"
        if cut.segment_value
        else "all segments",
    ]
    return ", ".join(what)


def percent(rate) -> str:
    """A rate stored as an exact quotient, shown to one decimal of a percent; '–' when null."""
    return metrics_report.format_percent(None if rate is None or pd.isna(rate) else rate)


# Where revhouse's numbers differ from well-known tools (metrics-and-revrec.md B12), said
# under the figure a reader would compare.
B12 = {
    "mrr": "MRR: plan fees after discounts, without tax, usage or one-offs, normalised to a month and "
    "taken at each month end (B1, B2); ARR = 12 × MRR, a run rate. Some tools add last month's usage.",
    "reactivation": "Reactivation is its own bucket: a customer back after a month end at 0. A cancel "
    "and return inside one month nets to one movement here (ChartMogul shows churn and reactivation "
    "at event level; many dbt MRR models fold it into new or expansion).",
    "churn_date": "Churn is dated on the first day without service (end of the paid period), not on "
    "the day the cancellation was made; a future-dated cancellation stays in MRR as scheduled churn.",
    "fx": "Reporting currency: each month end's MRR at that month end's rate; the revaluation of the "
    "opening is its own fx_impact step, never expansion or contraction (ChartMogul uses the rate of "
    "the service-period start or payment date). A document currency has no FX term.",
    "logo_churn": "Logo churn = customers lost ÷ customers paying at the opening snapshot (ChartMogul's "
    "formula; Stripe divides by opening + new subscribers, so its rate is lower). Gross MRR churn = "
    "(churn + contraction) ÷ opening MRR; net subtracts expansion and reactivation.",
    "retention": "NRR and GRR: the customers paying at the window's opening, their MRR at its end ÷ "
    "their opening MRR (GRR caps each at its opening). Trailing 12 compares the two snapshots 12 "
    "months apart, never a product of monthly rates; in the reporting currency both at the end "
    "month's rate, so FX does not move retention.",
    "ltv": "LTV = ARPA × gross margin (0.80 unless set) ÷ the mean monthly logo churn of the 6 months "
    "ending with this one, current month included; empty when that mean is 0 (not measurable). "
    "ChartMogul: no margin and the current month excluded; ProfitWell: ARPU ÷ (1 − retention).",
    "arpa": "ARPA = MRR ÷ customers with MRR > 0 at the same month end (trial and free customers are "
    "not counted), rounded half away from zero.",
}


def ratio(value) -> str:
    """A quotient such as the quick ratio, to two decimals; '–' when null."""
    return metrics_report.format_ratio(None if value is None or pd.isna(value) else value)


def chart_value(value):
    """A mart value as plotly takes it: None for a null (a gap in the line), else unchanged."""
    return None if value is None or pd.isna(value) else value


def money_line(name: str, x: list[str], amounts_minor, currency: str, **kwargs) -> go.Scatter:
    """A line of money per x: drawn in major units (Decimal), hover text in the house format;
    a null amount is a gap."""
    values = [chart_value(v) for v in amounts_minor]
    return go.Scatter(
        name=name,
        x=x,
        y=[None if v is None else to_major(v, currency) for v in values],
        text=[format_money(v, currency) for v in values],
        hovertemplate="%{x} " + name + ": %{text}<extra></extra>",
        mode="lines+markers",
        **kwargs,
    )


def money_bar(name: str, x: list[str], amounts_minor, currency: str, **kwargs) -> go.Bar:
    """Bars of money per x: drawn in major units (Decimal), hover text and the trace's `text` in
    the house format (what the tests and the screenshot check read)."""
    return go.Bar(
        name=name,
        x=x,
        y=[to_major(v, currency) for v in amounts_minor],
        text=[format_money(v, currency) for v in amounts_minor],
        textposition="none",
        hovertemplate="%{x} " + name + ": %{text}<extra></extra>",
        **kwargs,
    )


def table_or_say(df: pd.DataFrame, empty_message: str) -> None:
    """The frame with its money formatted, or `empty_message` when it has no rows."""
    if df.empty:
        st.info(empty_message)
    else:
        table(df)


def two_axis_layout(fig: go.Figure, left: str, right: str) -> None:
    """Months across, `left` on the left axis and `right` (traces with yaxis='y2') on the right."""
    fig.update_layout(
        yaxis={"title": left},
        yaxis2={"title": right, "overlaying": "y", "side": "right"},
        xaxis_type="category",
        legend_orientation="h",
        margin={"t": 30},
    )
