"""Retention: NRR and GRR monthly and trailing 12 months, churn rates and the quick ratio, and
the logo and MRR cohort heatmaps, for one currency (reporting or document) at a time."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

WINDOWS = {1: "monthly", 12: "trailing 12 months"}

cut, label = ui.metrics_page("Retention", data.MRR_BRIDGE, data.MRR_RATES)
rates = data.mrr_rates(cut)
if rates.empty:
    st.info(f"No retention figures in {label} in these months.")
    st.stop()


def window(months: int):
    return rates[rates["window_months"] == months].reset_index(drop=True)


monthly, trailing = window(1), window(12)
last = monthly.iloc[-1]
when = f"{last['month']:%B %Y}"
c1, c2, c3, c4 = st.columns(4)
c1.metric(f"NRR monthly {label}, {when}", ui.percent(last["nrr"]), border=True)
c2.metric(f"GRR monthly {label}, {when}", ui.percent(last["grr"]), border=True)
c3.metric(f"Logo churn {label}, {when}", ui.percent(last["logo_churn_rate"]), border=True)
c4.metric(f"Gross MRR churn {label}, {when}", ui.percent(last["gross_mrr_churn_rate"]), border=True)

st.subheader(f"NRR and GRR, {label}")
fig = go.Figure(
    [
        go.Scatter(
            name=f"{measure.upper()} {name}",
            x=[f"{m:%Y-%m}" for m in frame["month"]],
            y=[ui.chart_value(v) for v in frame[measure]],
            text=[ui.percent(v) for v in frame[measure]],
            hovertemplate="%{x} " + measure.upper() + f" {name}: " + "%{text}<extra></extra>",
            mode="lines+markers",
            line={"dash": "solid" if months == 1 else "dot"},
        )
        for months, name in WINDOWS.items()
        for frame in [window(months)]
        for measure in ("nrr", "grr")
    ]
)
fig.update_layout(yaxis_tickformat=".0%", xaxis_type="category", legend_orientation="h", margin={"t": 30})
st.plotly_chart(fig, key="retention_chart")
if trailing.empty:
    st.caption(
        "No trailing-12-month point yet: the book does not hold a snapshot 12 months before these months."
    )
st.caption(ui.cut_caption(cut) + ". " + ui.B12["retention"])

st.subheader("Churn rates and quick ratio")
shown = monthly[["month", "opening_customers", "churned_customers", "opening_mrr_minor", "churn_minor",
                 "contraction_minor", "expansion_minor", "reactivation_minor", "new_minor", "currency"]].copy()  # fmt: skip
for column in ("logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate", "nrr", "grr"):
    shown[column] = [ui.percent(v) for v in monthly[column]]
shown["quick_ratio"] = [ui.ratio(v) for v in monthly["quick_ratio"]]
ui.table(shown, key="rates_table")
st.caption(ui.B12["logo_churn"] + " Quick ratio = (new + expansion + reactivation) ÷ (churn + contraction).")

if ui.available(data.MRR_COHORTS):
    cohorts = data.mrr_cohorts(cut)
    if cohorts.empty:
        st.info(f"No cohort starts in {label} in these months.")
    else:
        cohort_labels = sorted({f"{m:%Y-%m}" for m in cohorts["cohort_month"]})
        ages = sorted(set(int(k) for k in cohorts["months_since_cohort"]))
        for measure, title, key in (
            ("logo_retention", "Logo retention by cohort", "cohort_logo"),
            ("mrr_retention", "MRR retention by cohort", "cohort_mrr"),
        ):
            st.subheader(f"{title}, {label}")
            cells = {(f"{c:%Y-%m}", int(k)): v for c, k, v in zip(
                cohorts["cohort_month"], cohorts["months_since_cohort"], cohorts[measure], strict=True)}  # fmt: skip
            z = [[cells.get((c, k)) for k in ages] for c in cohort_labels]
            fig = go.Figure(
                go.Heatmap(
                    x=[str(k) for k in ages],
                    y=cohort_labels,
                    z=[[ui.chart_value(v) for v in row] for row in z],
                    text=[["" if v is None else ui.percent(v) for v in row] for row in z],
                    texttemplate="%{text}",
                    hovertemplate="cohort %{y}, month %{x}: %{text}<extra></extra>",
                    colorscale="Blues",
                    zmin=0,
                )
            )
            fig.update_layout(
                xaxis_title="months since cohort", yaxis_title="cohort", yaxis_autorange="reversed",
                yaxis_type="category", margin={"t": 30},
            )  # fmt: skip
            st.plotly_chart(fig, key=key)
        st.caption(
            "Cohort = the month of a customer's first month end with MRR > 0; a customer who churns "
            "and returns stays in its first cohort. MRR retention can exceed 100% (expansion)."
        )
