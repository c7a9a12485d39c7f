"""Invoice list with filters, and the detail of one invoice."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

ALL = "All"

# The totals block of an invoice, top to bottom, as the invoice itself reads.
TOTAL_LINES = [
    ("Fees", "fees_amount_minor"),
    ("Discounts (coupons)", "coupons_amount_minor"),
    ("Sub-total excluding taxes", "sub_total_excluding_taxes_amount_minor"),
    ("Taxes", "taxes_amount_minor"),
    ("Sub-total including taxes", "sub_total_including_taxes_amount_minor"),
    ("Credit notes", "credit_notes_amount_minor"),
    ("Prepaid credits", "prepaid_credit_amount_minor"),
    ("Total due", "total_amount_minor"),
]

st.title("Invoices")
ui.build_caption()
ui.require(data.INVOICES)

options = data.invoice_filter_options()
c1, c2, c3, c4 = st.columns(4)
entity = c1.selectbox("Billing entity", [ALL, *options["entities"]], key="entity")
status = c2.selectbox("Status", [ALL, *options["statuses"]], key="status")
currency = c3.selectbox("Currency", [ALL, *options["currencies"]], key="currency")
month = c4.selectbox(
    "Issuing month",
    [ALL, *options["months"]],
    key="month",
    format_func=lambda m: m if m == ALL else f"{m:%Y-%m}",
)


def chosen(value):
    return None if value == ALL else value


listed = data.invoices(chosen(entity), chosen(status), chosen(currency), chosen(month))
st.metric("Invoices listed", f"{len(listed):,}")
if listed.empty:
    st.info("No invoice matches these filters.")
    st.stop()
ui.table(listed.drop(columns=["invoice_id"]))

st.divider()
st.subheader("Invoice detail")
numbers = dict(zip(listed["invoice_id"], listed["invoice"], strict=True))
invoice_id = st.selectbox("Invoice", list(numbers), format_func=numbers.get, key="invoice")
header = data.invoice(invoice_id).iloc[0]
cur = header["currency"]

left, right = st.columns([1, 2])
with left:
    st.markdown(
        f"**{header['invoice']}** · {header['status']}  \n"
        f"Customer `{header['external_customer_id']}` · entity `{header['billing_entity_code']}`  \n"
        f"Issued {header['issuing_date']:%Y-%m-%d} · {cur}"
    )
    totals = pd.DataFrame(
        [
            {"line": label, "amount": ui.format_money(header[col], cur)}
            for label, col in TOTAL_LINES
            if col in header.index
        ]
    )
    st.dataframe(totals, hide_index=True, column_config={"amount": ui.RIGHT}, key="totals")
with right:
    st.markdown("**Fees** (with their discounts and taxes where the fee mart carries them)")
    if ui.available(data.INVOICE_FEES):
        fees = data.invoice_fees(invoice_id)
        if fees.empty:
            st.info("This invoice has no fee lines.")
        else:
            ui.table(ui.lead(fees.drop(columns=["invoice_id"]), ui.FEE_LEAD_COLUMNS))
