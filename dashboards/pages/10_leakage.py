"""Leakage: estimated leaked revenue (under-billed findings) and over-billing by cause and month
(assurance.fct_assurance_leakage), in one document currency or converted to the reporting
currency at each month end's rate, with the finding ids behind each figure."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

st.title("Leakage")
ui.build_caption()
ui.require(data.LEAKAGE)

by_label = {ui.currency_label(b, c): (b, c) for b, c in data.leakage_currencies()}
basis, currency = by_label[st.radio("Currency", list(by_label), horizontal=True, key="currency")]
rows = data.leakage(basis, currency)
if rows.empty:
    st.info(f"No leakage in {currency}.")
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric(f"Leaked {currency}", ui.format_money(int(rows["leaked_minor"].sum()), currency), border=True)
m2.metric(
    f"Over-billed {currency}", ui.format_money(int(rows["over_billed_minor"].sum()), currency), border=True
)
m3.metric("Findings", f"{int(rows['findings'].sum()):,}", border=True)
unconverted = int(rows["unconverted_rows"].sum())
if unconverted:
    st.warning(
        f"{unconverted} month × reason × currency rows have no ECB rate at their month end and are left "
        "out of the reporting-currency figures; pick their document currency to see them."
    )

st.subheader("Leaked revenue by cause and month")
st.caption(
    "Under-billed amount at risk of the findings that count (all but false positives and those the "
    "data explains), by the service month concerned. "
    + ("Each month at its month-end ECB rate." if basis == "reporting" else f"{currency} findings only.")
)
months = sorted({f"{m:%Y-%m}" for m in rows["period_month"]})
traces = []
for reason in sorted(set(rows["reason_code"])):
    per_month = {
        f"{r.period_month:%Y-%m}": r.leaked_minor for r in rows[rows["reason_code"] == reason].itertuples()
    }
    if any(per_month.values()):
        traces.append(
            ui.money_bar(data.reason_words(reason), months, [per_month.get(m, 0) for m in months], currency)
        )
if traces:
    fig = go.Figure(traces)
    fig.update_layout(
        barmode="stack", yaxis_title=currency, xaxis_type="category", legend_orientation="h", margin={"t": 30}
    )
    st.plotly_chart(fig, key="leakage_chart")
else:
    st.info(f"Nothing under-billed in {currency}; over-billing is in the table below.")

st.subheader("By cause")
by_cause = (
    rows.groupby("reason_code", as_index=False)[["findings", "leaked_minor", "over_billed_minor"]]
    .sum()
    .sort_values(["leaked_minor", "reason_code"], ascending=[False, True])
)
by_cause.insert(0, "cause", [data.reason_words(r) for r in by_cause["reason_code"]])
by_cause["currency"] = currency
ui.table(by_cause)

st.subheader("By month and cause, with the findings behind each figure")
ui.table(
    rows.assign(cause=[data.reason_words(r) for r in rows["reason_code"]]).drop(columns=["unconverted_rows"])
)
