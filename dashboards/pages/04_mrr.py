"""MRR bridge per month: opening + movements = closing, per currency."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

st.title("MRR")
ui.build_caption()
ui.require(data.MRR)

bridge = data.mrr_bridge()
currencies = sorted(bridge["currency"].unique().tolist())
currency = st.radio("Currency", currencies, horizontal=True, key="currency")
rows = bridge[bridge["currency"] == currency].reset_index(drop=True)

last = rows.iloc[-1]
c1, c2, c3 = st.columns(3)
c1.metric(
    f"Closing MRR {currency}, {last['month']:%B %Y}",
    ui.format_money(last["closing_mrr_minor"], currency),
    border=True,
)
c2.metric(
    f"Opening MRR {currency}, {last['month']:%B %Y}",
    ui.format_money(last["opening_mrr_minor"], currency),
    border=True,
)
c3.metric("Paying customers", f"{int(last['paying_customers']):,}", border=True)


def signed(movement: str, amount_minor: int) -> int:
    """fct_mrr stores every movement as a positive magnitude; contraction and churn lower MRR,
    so they are drawn downwards (abs keeps that true should the mart ever store them signed)."""
    return -abs(int(amount_minor)) if movement in ("contraction", "churn") else int(amount_minor)


months = [f"{m:%Y-%m}" for m in rows["month"]]
tab_bars, tab_waterfall = st.tabs(["Movements per month", "Bridge of one month"])
with tab_bars:
    fig = go.Figure(
        [
            go.Bar(
                name=movement,
                x=months,
                y=[ui.to_major(signed(movement, v), currency) for v in rows[f"{movement}_minor"]],
            )
            for movement in data.MRR_MOVEMENTS
        ]
        + [
            go.Scatter(
                name="closing",
                x=months,
                y=[ui.to_major(v, currency) for v in rows["closing_mrr_minor"]],
                mode="lines+markers",
                line={"color": "black"},
            )
        ]
    )
    fig.update_layout(
        barmode="relative",
        yaxis_title=currency,
        xaxis_type="category",
        legend_orientation="h",
        margin={"t": 30},
    )
    st.plotly_chart(fig, key="mrr_bars")
with tab_waterfall:
    pick = st.selectbox("Month", list(range(len(rows)))[::-1], format_func=lambda i: months[i], key="month")
    r = rows.iloc[pick]
    steps = [("opening", int(r["opening_mrr_minor"]), "absolute")]
    steps += [(m, signed(m, r[f"{m}_minor"]), "relative") for m in data.MRR_MOVEMENTS]
    # the mart's own closing, not plotly's running total, so a bridge that does not add up shows
    steps += [("closing", int(r["closing_mrr_minor"]), "absolute")]
    fig = go.Figure(
        go.Waterfall(
            x=[s[0] for s in steps],
            y=[ui.to_major(s[1], currency) for s in steps],
            measure=[s[2] for s in steps],
            text=[ui.format_money(s[1], currency) for s in steps],
            textposition="outside",
        )
    )
    fig.update_layout(yaxis_title=currency, margin={"t": 30}, showlegend=False)
    st.plotly_chart(fig, key="mrr_waterfall")

st.subheader("Bridge table")
ui.table(rows)
