"""From landing file to dashboard: headline KPIs (recognised revenue from the posted revrec
marts, with its reconciliation to billed), then one customer's invoice line followed through
its revenue schedule and MRR."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

st.title("From landing file to dashboard")
ui.build_caption()
ui.require(data.INVOICES)

st.subheader("Headline")
counts = data.invoice_count_by_status()
invoice_total = int(counts["invoices"].sum())
st.metric(
    "Invoices",
    f"{invoice_total:,}",
    help=", ".join(f"{r.status}: {r.invoices:,}" for r in counts.itertuples()),
)


def currency_metrics(caption: str, df, prefix: str, column: str) -> None:
    """One metric per currency: amounts in different currencies are never added together."""
    st.caption(caption)
    if df.empty:
        st.info("Nothing yet.")
        return
    for col, row in zip(st.columns(len(df)), df.itertuples(), strict=True):
        col.metric(
            f"{prefix} {row.currency}", ui.format_money(getattr(row, column), row.currency), border=True
        )


currency_metrics(
    "Billed — total of finalized invoices", data.billed_by_currency(), "Billed", "total_amount_minor"
)
if ui.available(data.POSTINGS) and ui.available(data.CONTRACT_BALANCES):
    as_of = data.revenue_as_of()
    reconciliation = data.revenue_reconciliation(as_of, by_entity=False)
    currency_metrics(
        f"Recognised revenue — posted up to the as-of date {as_of}, net of contra revenue, excluding tax",
        reconciliation,
        "Recognised",
        "recognised_minor",
    )
    st.caption(
        "Reconciliation to billed at the same date: billed − credited = recognised + deferred − unbilled "
        "(excluding tax; the Revenue page shows it per entity)."
    )
    ui.table(reconciliation.drop(columns=["billing_entity_code"]))
if ui.available(data.MRR):
    closing = data.closing_mrr_by_currency()
    month = closing["month"].iloc[0] if len(closing) else None
    currency_metrics(
        f"Closing MRR — {month:%B %Y}" if month else "Closing MRR",
        closing,
        "Closing MRR",
        "closing_mrr_minor",
    )

st.divider()
st.subheader("One customer, end to end")
st.caption(
    "Landing files → raw tables → dbt staging → billing marts (the invoice line) → "
    "`revrec.fct_revenue_schedule` (the revenue schedule of the line's performance obligation) → "
    "`metrics.fct_mrr` (the customer's MRR)."
)
customer = st.selectbox("Customer", data.customers(), key="customer")
if customer is None:
    st.stop()

st.markdown("**1 · Invoices** (`billing.fct_invoices`)")
ui.table(data.customer_invoices(customer).drop(columns=["invoice_id"]))

st.markdown("**2 · An invoice line** (`billing.fct_invoice_fees`)")
if ui.available(data.INVOICE_FEES):
    fees = data.customer_fees(customer)
    if fees.empty:
        st.info("This customer has no invoice lines.")
        fee_id = None
    else:
        labels = {
            r.fee_id: " · ".join(
                [
                    r.invoice,
                    str(getattr(r, "description", None) or getattr(r, "fee_type", None) or r.fee_id),
                    ui.format_money(r.amount_minor, r.currency),
                ]
            )
            for r in fees.itertuples()
        }
        fee_id = st.selectbox("Invoice line", list(labels), format_func=labels.get, key="fee")
        ui.table(ui.lead(fees[fees["fee_id"] == fee_id].drop(columns=["invoice_id"]), ui.FEE_LEAD_COLUMNS))
else:
    fee_id = None

st.markdown("**3 · Its revenue schedule** (`revrec.fct_revenue_schedule`)")
if fee_id is not None and ui.available(data.REVENUE_SCHEDULE):
    invoice_id = fees.loc[fees["fee_id"] == fee_id, "invoice_id"].iloc[0]
    ui.table_or_say(
        data.fee_revenue_schedule(invoice_id, fee_id),
        "No revenue schedule for this line: its invoice is not in force for revenue (a shadow invoice "
        "before the cutover date, a draft, or a wallet top-up), or the line is 0 with no SSP.",
    )

st.markdown("**4 · The customer's MRR** (`metrics.fct_mrr`)")
if ui.available(data.MRR):
    ui.table_or_say(data.customer_mrr(customer), "No MRR rows for this customer.")
