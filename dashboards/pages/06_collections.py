"""Collections: receivables aging over time, DSO, the dunning funnel, unapplied cash and the
matches to review, and one customer's open invoices and payments. One currency at a time:
amounts are never added across currencies."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

ALL = "All"
# Youngest to oldest, cool to hot.
BUCKET_COLOURS = {
    "current": "#2a9d8f",
    "1-30": "#8ecae6",
    "31-60": "#ffb703",
    "61-90": "#fb8500",
    "90+": "#d62828",
}

st.title("Collections")
ui.build_caption()
ui.require(data.AGING)

options = data.collections_filter_options()
c1, c2 = st.columns([1, 3])
entity_choice = c1.selectbox("Billing entity", [ALL, *options["entities"]], key="entity")
currency = c2.radio("Currency", options["currencies"], horizontal=True, key="currency")
entity = None if entity_choice == ALL else entity_choice

aging = data.aging_by_month_end(currency, entity)
if aging.empty:
    st.info(f"No open receivables in {currency} for this entity at any month end.")
    st.stop()
last = aging.iloc[-1]  # the latest date: the build's as-of date
dso = data.dso_trend(currency)

st.caption(
    f"Receivables at {last['report_date']}"
    + (f"; DSO at the month end {dso.iloc[-1]['report_date']}" if len(dso) else "")
)
m1, m2, m3, m4 = st.columns([3, 3, 2, 2])
m1.metric(f"Open receivables {currency}", ui.format_money(last["open_amount_minor"], currency), border=True)
m2.metric(f"90+ days {currency}", ui.format_money(last["days_over_90_amount_minor"], currency), border=True)
if len(dso):
    d = dso.iloc[-1]
    simple = d["simple_dso_days"]
    m3.metric("DSO simple", "–" if simple is None or simple != simple else f"{simple} days", border=True)
    m4.metric("DSO countback", f"{d['countback_dso_days']} days", border=True)

st.subheader("Aging by bucket")
st.caption(
    "Open amount at each month end (and the build's as-of date) by days past due; unapplied "
    "cash is not netted. " + (f"Entity {entity}." if entity else "All entities.")
)
dates = [f"{r:%Y-%m-%d}" for r in aging["report_date"]]
fig = go.Figure(
    [
        ui.money_bar(bucket, dates, aging[column], currency, marker_color=BUCKET_COLOURS[bucket])
        for bucket, column in data.AGING_BUCKETS.items()
    ]
)
fig.update_layout(
    barmode="stack", yaxis_title=currency, xaxis_type="category", legend_orientation="h", margin={"t": 30}
)
st.plotly_chart(fig, key="aging_chart")
ui.table(aging.drop(columns=["is_as_of_date"]))

st.subheader("DSO trend")
if ui.available(data.DSO) and len(dso):
    st.caption("Days sales outstanding per month end, all entities (the mart is per currency only).")
    fig = go.Figure(
        [
            go.Scatter(
                name=name,
                x=[f"{r:%Y-%m-%d}" for r in dso["report_date"]],
                y=list(dso[col]),
                mode="lines+markers",
            )
            for name, col in (("simple", "simple_dso_days"), ("countback", "countback_dso_days"))
        ]
    )
    fig.update_layout(yaxis_title="days", xaxis_type="category", legend_orientation="h", margin={"t": 30})
    st.plotly_chart(fig, key="dso_chart")

st.subheader("Dunning funnel")
if all([ui.available(t) for t in (data.DUNNING_INVOICES, data.DUNNING_ATTEMPTS, data.INVOLUNTARY_CHURN)]):
    funnel = data.dunning_funnel(currency, entity)
    if int(funnel["invoices"].iloc[0]) == 0:
        st.info(f"No invoice in {currency} entered dunning.")
    else:
        st.caption(
            "Invoices that entered dunning, reached each attempt, were recovered (cash after entry) "
            "and whose subscription churned involuntarily. Amounts: entered due, recovered cash."
        )
        fig = go.Figure(go.Funnel(y=list(funnel["stage"]), x=[int(v) for v in funnel["invoices"]]))
        fig.update_layout(margin={"t": 30})
        st.plotly_chart(fig, key="dunning_chart")
        ui.table(funnel)

st.subheader("Unapplied cash and matches to review")
st.caption("As the build left them; per customer (no entity on a payment before it is applied).")
if ui.available(data.UNAPPLIED_CASH):
    ui.table(data.unapplied_cash(currency))
if ui.available(data.CASH_APPLICATION_SUGGESTIONS):
    suggestions = data.cash_application_suggestions(currency)
    if suggestions.empty:
        st.info(f"No {currency} payment waits for a person to confirm a match.")
    else:
        ui.table(suggestions)

st.subheader("One customer")
customers = data.customers_with_receivables(currency, entity)
if not customers:
    st.info(f"No customer has anything due in {currency}.")
    st.stop()
customer = st.selectbox("Customer with something due", customers, key="customer")
st.markdown("**Open invoices** (due at the build's as-of date)")
ui.table(data.customer_open_invoices(customer, currency))
st.markdown("**Payments**")
if ui.available(data.PAYMENTS):
    ui.table(data.customer_payments(customer, currency))
st.markdown("**Settlement movements on the customer's invoices**")
ui.table(data.customer_settlements(customer, currency))
