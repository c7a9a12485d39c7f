"""Recognised revenue per month and the deferred balance left after it, per currency."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

st.title("Revenue")
ui.build_caption()
ui.require(data.REVENUE_SCHEDULE)

by_month = data.revenue_by_month()
currencies = sorted(by_month["currency"].unique().tolist())
currency = st.radio("Currency", currencies, horizontal=True, key="currency")
rows = by_month[by_month["currency"] == currency]

total = int(rows["recognized_amount_minor"].sum())
last = rows.iloc[-1]
c1, c2 = st.columns(2)
c1.metric(f"Recognised {currency}, all months", ui.format_money(total, currency), border=True)
c2.metric(
    f"Deferred {currency} after {last['revenue_month']:%B %Y}",
    ui.format_money(last["deferred_after_minor"], currency),
    border=True,
)

months = [f"{m:%Y-%m}" for m in rows["revenue_month"]]
fig = go.Figure(
    [
        go.Bar(
            name="Recognised",
            x=months,
            y=[ui.to_major(v, currency) for v in rows["recognized_amount_minor"]],
        ),
        go.Scatter(
            name="Deferred after the month",
            x=months,
            y=[ui.to_major(v, currency) for v in rows["deferred_after_minor"]],
            mode="lines+markers",
        ),
    ]
)
# month labels are categories: plotly would otherwise read "2026-03" as a date and
# label the axis by fortnight
fig.update_layout(yaxis_title=currency, xaxis_type="category", legend_orientation="h", margin={"t": 30})
st.plotly_chart(fig, key="revenue_chart")

st.caption(
    "Deferred after the month = what the schedule rows of that month still leave to recognise. "
    "All currencies, month by month:"
)
ui.table(by_month)
