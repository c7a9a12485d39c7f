"""Customers: ARPA, LTV, paying customers and scheduled churn, for one currency (reporting or
document) at a time."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

cut, label = ui.metrics_page("Customers", data.MRR_BRIDGE, data.MRR_ARPA_LTV)
bridge = data.mrr_bridge(cut)
arpa = data.mrr_arpa_ltv(cut)
if bridge.empty or arpa.empty:
    st.info(f"No paying customers in {label} for {ui.cut_caption(cut)} in these months.")
    st.stop()


def money(amount_minor) -> str:
    return ui.format_money(amount_minor, cut.currency)


last = arpa.iloc[-1]
when = f"{last['month']:%B %Y}"
ltv = last["ltv_minor"]
c1, c2 = st.columns(2)
c1.metric(f"ARPA {label}, {when}", money(last["arpa_minor"]), border=True)
c2.metric(
    f"LTV {label}, {when}", "not measurable" if ui.chart_value(ltv) is None else money(ltv), border=True
)
st.caption(ui.cut_caption(cut) + ". " + ui.B12["arpa"] + " " + ui.B12["ltv"])

row = bridge.iloc[-1]
cut_when = f"{row['month']:%B %Y}"
c3, c4 = st.columns(2)
c3.metric(f"Paying customers, {cut_when}", f"{int(row['closing_customers']):,}", border=True)
c4.metric(f"Scheduled churn {label}, {cut_when}", money(row["scheduled_churn_mrr_minor"]), border=True)
st.caption(ui.cut_caption(cut) + ". " + ui.B12["churn_date"])

months = [f"{m:%Y-%m}" for m in arpa["month"]]
st.subheader(f"ARPA and LTV, {label}")
fig = go.Figure(
    [
        ui.money_line(name, months, arpa[column], cut.currency, yaxis=axis)
        for name, column, axis in (("ARPA", "arpa_minor", "y"), ("LTV", "ltv_minor", "y2"))
    ]
)
ui.two_axis_layout(fig, f"ARPA {cut.currency}", f"LTV {cut.currency}")
st.plotly_chart(fig, key="arpa_chart")
ui.table(
    arpa[["month", "currency", "paying_customers", "mrr_minor", "arpa_minor", "mean_logo_churn_rate_6m",
          "churn_months", "ltv_gross_margin", "ltv_minor"]],
    key="arpa_table",
)  # fmt: skip

st.subheader(f"Paying customers and scheduled churn, {label}")
bridge_months = [f"{m:%Y-%m}" for m in bridge["month"]]
fig = go.Figure(
    [
        go.Bar(
            name="paying customers",
            x=bridge_months,
            y=[int(v) for v in bridge["closing_customers"]],
            hovertemplate="%{x} paying customers: %{y}<extra></extra>",
        ),
        ui.money_line(
            "scheduled churn", bridge_months, bridge["scheduled_churn_mrr_minor"], cut.currency, yaxis="y2"
        ),
    ]
)
ui.two_axis_layout(fig, "customers", f"scheduled churn {cut.currency}")
st.plotly_chart(fig, key="customers_chart")
st.caption(
    "Paying = MRR > 0 at the month end (trial and free customers are not). Scheduled churn = MRR "
    "still in force whose first day without service is already known; it leaves the bridge only "
    "when it happens (B10)."
)

month = st.selectbox(
    "Scheduled churn at the end of",
    list(bridge["month"])[::-1],
    format_func=lambda m: f"{m:%B %Y}",
    key="month",
)
scheduled = data.mrr_customers(cut, month, "scheduled_churn")
if scheduled.empty:
    st.info(f"No known future cancellation in {label} at the end of {month:%B %Y}.")
else:
    ui.table(scheduled, key="scheduled_table")
