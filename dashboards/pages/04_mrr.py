"""MRR: the bridge of one month as a waterfall with the customers behind each step, the
movements over time and ARR, for one currency (reporting or document) at a time.

Every figure of a month (the cards, the waterfall, the drill) is read from the one bridge row
of the month picked, so a chart always carries the figures of its own label."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

# Contraction and churn are stored as positive magnitudes and lower MRR.
DOWNWARDS = ("contraction", "churn")

cut, label = ui.metrics_page("MRR", data.MRR_BRIDGE, data.MRR)
bridge = data.mrr_bridge(cut)
if bridge.empty:
    st.info(f"No MRR in {label} for {ui.cut_caption(cut)} in these months.")
    st.stop()
steps = data.MRR_BRIDGE_STEPS if cut.basis == "reporting" else data.MRR_MOVEMENTS


def signed(step: str, amount_minor) -> int:
    return -int(amount_minor) if step in DOWNWARDS else int(amount_minor)


def money(amount_minor) -> str:
    return ui.format_money(amount_minor, cut.currency)


month = st.selectbox("Month", list(bridge["month"])[::-1], format_func=lambda m: f"{m:%B %Y}", key="month")
r = bridge[bridge["month"] == month].iloc[0]
when = f"{month:%B %Y}"

c1, c2, c3, c4 = st.columns(4)
c1.metric(f"Opening MRR {label}, {when}", money(r["opening_mrr_minor"]), border=True)
c2.metric(f"Closing MRR {label}, {when}", money(r["closing_mrr_minor"]), border=True)
c3.metric(f"ARR {label}, {when}", money(r["closing_arr_minor"]), border=True)
c4.metric(f"Paying customers, {when}", f"{int(r['closing_customers']):,}", border=True)
st.caption(ui.cut_caption(cut) + ". " + ui.B12["mrr"])

st.subheader(f"Bridge of {when}, {label}")
waterfall = [("opening", int(r["opening_mrr_minor"]), "absolute")]
waterfall += [(s, signed(s, r[f"{s}_minor"]), "relative") for s in steps]
# the mart's own closing, not plotly's running total, so a bridge that does not add up shows
waterfall += [("closing", int(r["closing_mrr_minor"]), "absolute")]
fig = go.Figure(
    go.Waterfall(
        name="bridge",
        x=[s[0] for s in waterfall],
        y=[ui.to_major(s[1], cut.currency) for s in waterfall],
        measure=[s[2] for s in waterfall],
        text=[money(s[1]) for s in waterfall],
        textposition="outside",
        hovertemplate="%{x}: %{text}<extra></extra>",
    )
)
fig.update_layout(title=f"{when}, {label}", yaxis_title=cut.currency, margin={"t": 40}, showlegend=False)
st.plotly_chart(fig, key="mrr_waterfall")
st.caption(
    ui.B12["reactivation"]
    + " "
    + ui.B12["churn_date"]
    + (" " + ui.B12["fx"] if cut.basis == "reporting" else "")
)

bucket = st.selectbox(
    "Customers behind",
    [s[0] for s in waterfall],
    format_func=lambda s: f"{s} ({money(abs(next(w[1] for w in waterfall if w[0] == s)))})",
    key="bucket",
)
customers = data.mrr_customers(cut, month, bucket)
st.caption(
    f"{len(customers):,} customer(s) in {bucket} of {when}, amounts in {cut.currency}"
    + (" at the month-end rate (document currency and rate beside them)" if cut.basis == "reporting" else "")
    + "; from metrics.fct_mrr."
)
ui.table(customers, key="mrr_drill")

st.subheader(f"Movements over time, {label}")
months = [f"{m:%Y-%m}" for m in bridge["month"]]
fig = go.Figure(
    [
        go.Bar(
            name=s,
            x=months,
            y=[ui.to_major(signed(s, v), cut.currency) for v in bridge[f"{s}_minor"]],
            text=[money(signed(s, v)) for v in bridge[f"{s}_minor"]],
            textposition="none",
            hovertemplate="%{x} " + s + ": %{text}<extra></extra>",
        )
        for s in steps
    ]
    + [ui.money_line("closing", months, bridge["closing_mrr_minor"], cut.currency, line={"color": "black"})]
)
fig.update_layout(
    barmode="relative",
    yaxis_title=cut.currency,
    xaxis_type="category",
    legend_orientation="h",
    margin={"t": 30},
)
st.plotly_chart(fig, key="mrr_bars")

st.subheader(f"ARR, {label}")
fig = go.Figure(ui.money_line("ARR", months, bridge["closing_arr_minor"], cut.currency))
fig.update_layout(yaxis_title=cut.currency, xaxis_type="category", margin={"t": 30})
st.plotly_chart(fig, key="mrr_arr")
st.caption("ARR = 12 × the month end's MRR (B4), a run rate, not a sum of annual contract values.")

st.subheader("Bridge table")
ui.table(bridge, key="mrr_bridge_table")
