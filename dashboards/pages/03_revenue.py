"""Revenue recognition (metrics-and-revrec.md Part A) as of the build's as-of date, one
currency at a time: recognised (posted) vs billed vs deferred vs unbilled per month and entity,
the reconciliation billed − credited = recognised + deferred − unbilled, the waterfall, RPO,
close status per entity and period, and a drill from a journal line to the events behind it."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui

ALL = "All"
# What the month chart draws: posted flows as bars, month-end balances as lines.
FLOWS = {"Recognised": "recognised_minor", "Billed": "billed_minor", "Credited": "credited_minor"}
BALANCES = {"Deferred (month end)": "deferred_minor", "Unbilled (month end)": "unbilled_minor"}

st.title("Revenue")
ui.build_caption()
ui.require(data.POSTINGS, data.CONTRACT_BALANCES)

as_of = data.revenue_as_of()
options = data.revenue_filter_options()
c1, c2 = st.columns([1, 3])
entity_choice = c1.selectbox("Billing entity", [ALL, *options["entities"]], key="entity")
currency = c2.radio("Currency", options["currencies"], horizontal=True, key="currency")
entity = None if entity_choice == ALL else entity_choice
st.caption(
    f"As of {as_of} (the build's `as_of`): posted figures up to this date. What lies after it is "
    "deferred revenue or remaining performance obligations, never recognised. "
    + (f"Entity {entity}." if entity else "All entities.")
)

# ---- headline and reconciliation -----------------------------------------------------------
totals = data.revenue_reconciliation(as_of, by_entity=entity is not None)
mine = totals[(totals["currency"] == currency) & (totals["billing_entity_code"] == (entity or "all"))]
head = mine.iloc[0] if len(mine) else None


def amount(column: str) -> str:
    return ui.format_money(head[column] if head is not None else 0, currency)


m1, m2, m3, m4 = st.columns(4)
m1.metric(f"Recognised {currency} to {as_of}", amount("recognised_minor"), border=True)
m2.metric(f"Billed − credited {currency} to {as_of}", amount("billed_net_minor"), border=True)
m3.metric(f"Deferred {currency} at {as_of}", amount("deferred_minor"), border=True)
m4.metric(f"Unbilled {currency} at {as_of}", amount("unbilled_minor"), border=True)

st.subheader("Reconciliation")
st.caption(
    "billed − credited = recognised + deferred − unbilled, per entity at the as-of date (A6). Billed, "
    "credited (credit notes and voids) and recognised (revenue net of contra revenue, catch-ups and "
    "adjustments included) are the postings up to the date, excluding tax; deferred and unbilled are "
    "the contract balances at the date, netted per contract."
)
per_entity = data.revenue_reconciliation(as_of)
rows = per_entity[
    (per_entity["currency"] == currency) & ((per_entity["billing_entity_code"] == entity) if entity else True)
]
ui.table(rows)
off = rows[rows["difference_minor"] != 0]
if len(off):
    st.error(f"{len(off)} row(s) do not reconcile: see `difference` above.")
else:
    st.success(f"Every {currency} row reconciles at {as_of}.")

# ---- per month ---------------------------------------------------------------------------
st.subheader("Recognised, billed, deferred and unbilled per month")
by_month = data.revenue_by_month(as_of, currency, entity, by_entity=False)
if by_month.empty:
    st.info(f"Nothing posted in {currency} up to {as_of}.")
else:
    months = list(by_month["period"])
    fig = go.Figure(
        [ui.money_bar(name, months, by_month[column], currency) for name, column in FLOWS.items()]
        + [ui.money_line(name, months, by_month[column], currency) for name, column in BALANCES.items()]
    )
    fig.update_layout(
        barmode="group", yaxis_title=currency, xaxis_type="category", legend_orientation="h", margin={"t": 30}
    )
    st.plotly_chart(fig, key="revenue_chart")
    st.caption(
        "Bars: what was posted in the month (recognised net of contra revenue; billed and credited "
        "excluding tax). Lines: the balances at the month end, or at the as-of date in its own month."
    )
    ui.table(data.revenue_by_month(as_of, currency, entity))

# ---- remaining performance obligations ----------------------------------------------------
st.subheader("Remaining performance obligations")
if ui.available(data.RPO):
    rpo = data.remaining_performance_obligations(as_of, currency, entity)
    if rpo.empty:
        st.info(f"No {currency} RPO up to {as_of}.")
    else:
        latest = rpo[rpo["as_of_date"] == rpo["as_of_date"].max()]
        day = latest["as_of_date"].iloc[0]
        r1, r2 = st.columns(2)
        for col, label, column in (
            (r1, "next 12 months", "next_12_months_minor"),
            (r2, "later", "later_minor"),
        ):
            total = sum(int(v) for v in latest[column])  # exact integers, one currency
            col.metric(f"RPO {label} {currency} at {day}", ui.format_money(total, currency), border=True)
        st.caption("Contracted revenue not yet recognised, at each month end and the as-of date, per entity.")
        ui.table(rpo)

# ---- waterfall -----------------------------------------------------------------------------
st.subheader("Revenue waterfall")
if ui.available(data.REVENUE_WATERFALL):
    waterfall = data.revenue_waterfall(currency, entity)
    if waterfall.empty:
        st.info(f"No {currency} rows in the waterfall.")
    else:
        scheduled = {m for m, s in waterfall.groupby("revenue_month")["is_scheduled"].all().items() if s}
        waterfall["revenue"] = [
            f"{m:%Y-%m}" + (" (scheduled)" if m in scheduled else "") for m in waterfall["revenue_month"]
        ]
        waterfall["billed"] = [f"{m:%Y-%m}" for m in waterfall["billing_month"]]
        waterfall["cell"] = [ui.format_money(v, currency) for v in waterfall["amount_minor"]]
        grid = waterfall.pivot(index="billed", columns="revenue", values="cell").fillna("")
        totals = {b: sum(int(v) for v in g["amount_minor"]) for b, g in waterfall.groupby("billed")}
        grid["total"] = [ui.format_money(totals[b], currency) for b in grid.index]
        st.caption(
            "Rows: the month a document was billed (credit notes in theirs, negative); columns: the month "
            "its revenue falls in. Columns marked scheduled lie after the as-of date (the schedule as it "
            "stands, not recognised yet)."
        )
        st.dataframe(grid, column_config={c: ui.RIGHT for c in grid.columns})

# ---- period close --------------------------------------------------------------------------
st.subheader("Close status per entity and period")
if ui.available(data.PERIOD_CLOSE_STATUS):
    st.caption(
        "A closed period is frozen: what was posted in it stays as first posted; later facts post as "
        "adjustments in the first open period, with their period of origin (A10)."
    )
    ui.table(data.period_close_status(currency, entity))

# ---- drill ---------------------------------------------------------------------------------
st.subheader("From a journal line to the events behind it")
if not ui.available(data.JOURNAL_LINES):
    st.stop()
periods = data.journal_periods(currency, entity)
if not periods:
    st.info(f"No {currency} journal line names a performance obligation.")
    st.stop()
period = st.selectbox("Period", periods, key="journal_period")
lines = data.journal_lines_with_po(period, currency, entity)
labels = {
    f"{r.entry_id}#{r.line_number}": " · ".join(
        [
            f"{r.entry_date}",
            r.entry_kind,
            r.account_role,
            ("Dr " + ui.format_money(r.debit_minor, currency))
            if r.debit_minor
            else ("Cr " + ui.format_money(r.credit_minor, currency)),
            r.po_id,
        ]
    )
    for r in lines.itertuples()
}
choice = st.selectbox("Journal line", list(labels), format_func=labels.get, key="journal_line")
line = lines[[f"{e}#{n}" == choice for e, n in zip(lines["entry_id"], lines["line_number"], strict=True)]]
st.markdown("**1 · The journal line** (`revrec.fct_journal_lines`)")
ui.table(line)
po_id = line["po_id"].iloc[0]

st.markdown("**2 · Its performance obligation** (`int_revrec__performance_obligations`)")
po = data.performance_obligation(po_id) if ui.available(data.PERFORMANCE_OBLIGATIONS) else None
if po is None or po.empty:
    st.info(f"No performance obligation `{po_id}`.")
    st.stop()
po_row = po.iloc[0]
ui.table(po)

st.markdown("**3 · The invoice line it comes from**")
if po_row["document_source"] == "revhouse":
    st.caption("revhouse's own invoice line (`billing.fct_invoice_fees`)")
    invoice_line = data.revhouse_fee(po_row["document_id"], po_row["line_id"])
else:
    st.caption("the incumbent's imported invoice line (`staging.stg_billed__invoice_lines`)")
    invoice_line = data.imported_invoice_line(po_row["document_id"], po_row["line_id"])
if invoice_line.empty:
    st.info(f"Line `{po_row['line_id']}` of document `{po_row['document_id']}` is not in the warehouse.")
else:
    ui.table(ui.lead(invoice_line, ui.FEE_LEAD_COLUMNS))

st.markdown("**4 · Its schedule, as restated** (`revrec.fct_revenue_schedule`)")
if ui.available(data.REVENUE_SCHEDULE):
    ui.table_or_say(
        data.po_schedule(po_id),
        "No schedule rows for this performance obligation (a line of 0 with no SSP produces none).",
    )

st.markdown("**5 · The usage events behind it** (`staging.stg_usage__events`)")
metric_code = None
if not invoice_line.empty and "billable_metric_code" in invoice_line.columns:
    metric_code = invoice_line["billable_metric_code"].iloc[0]
metric_code = metric_code if metric_code is not None and not pd.isna(metric_code) else po_row["product_code"]
if po_row["pattern"] != "usage":
    st.info(f"Not a usage obligation (pattern `{po_row['pattern']}`): no events behind it.")
elif not ui.available(data.USAGE_EVENTS):
    pass
else:
    events = data.usage_events(
        po_row["external_subscription_id"],
        metric_code,
        po_row["service_start_date"],
        po_row["service_end_date"],
    )
    if events.empty:
        st.info(
            f"No `{metric_code}` event of subscription `{po_row['external_subscription_id']}` from "
            f"{po_row['service_start_date']} to {po_row['service_end_date']} (an imported line without events "
            "is spread evenly over its service days, A4.4)."
        )
    else:
        st.caption(
            f"{int(events['events'].iloc[0]):,} `{metric_code}` events of subscription "
            f"`{po_row['external_subscription_id']}` from {po_row['service_start_date']} to "
            f"{po_row['service_end_date']}"
            + (" (first 500 shown)" if int(events["events"].iloc[0]) > 500 else "")
        )
        st.dataframe(events.drop(columns=["events"]), hide_index=True)
