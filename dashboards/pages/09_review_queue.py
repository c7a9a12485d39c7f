"""Review queue: every rule and ML finding (assurance.fct_assurance_review_queue) with its reason
in words, the amount at risk per reason in one currency, and a drill from a finding to the rows
behind it (its evidence). Amounts are never added across currencies."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

ALL = "All"

st.title("Review queue")
ui.build_caption()
ui.require(data.REVIEW_QUEUE)

options = data.review_queue_filter_options()
c1, c2, c3 = st.columns([2, 4, 3])
severities = c1.multiselect("Severity", options["severities"], key="severity")
reasons = c2.multiselect("Reason", options["reasons"], format_func=data.reason_words, key="reason")
statuses = c3.multiselect("Status", options["statuses"], key="status")
c4, c5, c6 = st.columns([3, 2, 4])
customer = c4.selectbox("Customer", [ALL, *options["customers"]], key="customer")
sources = c5.multiselect("Source", options["sources"], key="source")
currency = c6.radio("Currency", options["currencies"], horizontal=True, key="currency")
cut = data.QueueFilter(
    severities=tuple(severities),
    reasons=tuple(reasons),
    statuses=tuple(statuses),
    sources=tuple(sources),
    customer=None if customer == ALL else customer,
)

if not data.missing_tables(data.REVIEW_STATUSES):
    refused = data.refused_review_decisions()
    if len(refused):
        st.warning(
            f"{len(refused)} review decision(s) in reference/assurance_review_status name no finding of the "
            "queue and were not applied: fix the finding id and land the file again."
        )
        ui.table(refused)

findings = data.review_queue(cut)
if findings.empty:
    st.info("No finding passes these filters.")
    st.stop()

by_reason = data.amount_at_risk_by_reason(cut, currency)
at_risk = int(by_reason["amount_at_risk_minor"].sum()) if len(by_reason) else 0
open_high = findings[(findings["severity"] == "high") & (findings["status"] == "open")]
m1, m2, m3 = st.columns(3)
m1.metric(f"At risk {currency}", ui.format_money(at_risk, currency), border=True)
m2.metric("Findings shown", f"{len(findings):,}", border=True)
m3.metric("High and open", f"{len(open_high):,}", border=True)

st.subheader(f"Amount at risk by reason, {currency}")
st.caption(
    "Findings passing the filters that are still at risk: not resolved, not marked a false positive "
    "and not explained by the data (a contract upsize, a credit note)."
)
if by_reason.empty:
    st.info(f"No {currency} finding is still at risk under these filters.")
else:
    words = [data.reason_words(r) for r in by_reason["reason_code"]]
    fig = go.Figure([ui.money_bar("At risk", words, by_reason["amount_at_risk_minor"], currency)])
    fig.update_layout(yaxis_title=currency, xaxis_type="category", margin={"t": 30})
    st.plotly_chart(fig, key="risk_chart")

st.subheader("Findings")
shown = findings.assign(
    reason=[data.reason_words(r) for r in findings["reason_code"]],
    explained=[
        data.EXPLAINED_WORDS.get(e, "") if isinstance(e, str) else "" for e in findings["explained_by"]
    ],
)
ui.table(
    ui.lead(
        shown.drop(columns=["evidence", "explained_by"]),
        [
            "severity",
            "reason",
            "reason_text",
            "external_customer_id",
            "amount_at_risk_minor",
            "currency",
            "status",
        ],
    )
)

st.subheader("The rows behind a finding")
labels = {
    r.finding_id: f"{r.finding_id[:8]} · {data.reason_words(r.reason_code)} · {r.external_customer_id}"
    for r in findings.itertuples()
}
chosen = st.selectbox("Finding", list(labels), format_func=labels.get, key="finding")
picked = findings[findings["finding_id"] == chosen].iloc[0]
st.markdown(f"**{data.reason_words(picked['reason_code'])}** — {picked['reason_text']}")
items = data.evidence_items(picked["evidence"])
if not items:
    st.info("This finding names no evidence rows.")
for table, key in items:
    rows = data.evidence_rows(table, key)
    st.markdown(f"`{table}` · `{key}`")
    if rows is None:
        st.warning(f"`{table}` is not in the published warehouse: the row `{key}` cannot be shown.")
    else:
        ui.table_or_say(rows, f"No row of `{table}` has the key `{key}` in this build.")
