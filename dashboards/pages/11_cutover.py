"""Cutover readiness: the parallel run against the incumbent billing system per service month
(assurance.fct_parallel_run_summary) — lines and amount matching to the cent, the verdict by the
rule stated in the mart — and the unexplained differences to investigate
(assurance.fct_shadow_billing_lines). One currency at a time."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

st.title("Cutover readiness")
ui.build_caption()
ui.require(data.PARALLEL_RUN)

currency = st.radio("Currency", data.parallel_run_currencies(), horizontal=True, key="currency")
summary = data.parallel_run(currency)
# the verdict a reader acts on is the latest month the incumbent has fully billed; a month still
# open is NOT READY by the rule and would hide it
complete = summary[summary["is_complete_month"].fillna(False).astype(bool)]
latest = (complete if len(complete) else summary).iloc[-1]
month = f"{latest['service_month']:%Y-%m}"

m1, m2, m3, m4 = st.columns([2, 2, 2, 3])
m1.metric(f"Verdict {month}", latest["cutover_verdict"], border=True)
m2.metric(f"Lines matched {month}", ui.percent(latest["matched_line_share"]), border=True)
m3.metric(f"Amount matched {month}", ui.percent(latest["matched_amount_share"]), border=True)
m4.metric(
    f"Unexplained difference {currency} {month}",
    ui.format_money(latest["unexplained_difference_minor"], currency),
    border=True,
)
(st.success if latest["cutover_verdict"] == "READY" else st.warning)(
    f"{month}" + ("" if len(complete) else " (no complete month yet)") + f": {latest['verdict_reason']}"
)

st.subheader("Parallel-run match per service month")
st.caption(
    "Share of compared lines and of compared amount matching the incumbent to the cent (right: unexplained difference)."
)
months = [f"{m:%Y-%m}" for m in summary["service_month"]]
fig = go.Figure(
    [
        go.Scatter(
            name=name,
            x=months,
            y=[ui.chart_value(v) for v in summary[column]],
            text=[ui.percent(v) for v in summary[column]],
            hovertemplate="%{x} " + name + ": %{text}<extra></extra>",
            mode="lines+markers",
        )
        for name, column in (
            ("Lines matched", "matched_line_share"),
            ("Amount matched", "matched_amount_share"),
        )
    ]
    + [
        ui.money_bar(
            "Unexplained difference",
            months,
            summary["unexplained_difference_minor"],
            currency,
            yaxis="y2",
            opacity=0.4,
        )
    ]
)
ui.two_axis_layout(fig, "share matched", currency)
fig.update_layout(yaxis_tickformat=".1%")
st.plotly_chart(fig, key="match_chart")
ui.table(summary)

st.subheader("Unexplained differences to investigate")
if ui.available(data.SHADOW_LINES):
    chosen = st.selectbox("Service month", ["All", *reversed(months)], key="month")
    picked = None if chosen == "All" else summary["service_month"].iloc[months.index(chosen)]
    ui.table_or_say(
        data.unexplained_differences(currency, picked),
        f"No unexplained {currency} difference" + ("" if picked is None else f" in {chosen}") + ".",
    )
