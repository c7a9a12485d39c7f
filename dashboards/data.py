"""Every question the pages ask the published warehouse, one function each.

All SQL lives here so a renamed mart column is fixed in one place. Results are cached with
`st.cache_data` keyed on the published build id: a new publish gets a new id, so the pages
show the new data on their next rerun without anyone clearing a cache.

Frames keep DuckDB's exact types through Arrow (BIGINT minor units stay integers, DECIMAL
stays Decimal); sums are cast back to BIGINT because DuckDB widens them to HUGEINT.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dagster_project.settings import Settings
from dagster_project.warehouse import connect_published

INVOICES = "billing.fct_invoices"
INVOICE_FEES = "billing.fct_invoice_fees"
REVENUE_SCHEDULE = "revrec.fct_revenue_schedule"
CONTRACT_BALANCES = "revrec.fct_contract_balances"
REVENUE_WATERFALL = "revrec.fct_revenue_waterfall"
RPO = "revrec.fct_remaining_performance_obligations"
PERIOD_CLOSE_STATUS = "revrec.fct_period_close_status"
JOURNAL_LINES = "revrec.fct_journal_lines"
POSTINGS = "intermediate.int_revrec__postings"
PERFORMANCE_OBLIGATIONS = "intermediate.int_revrec__performance_obligations"
BILLED_INVOICE_LINES = "staging.stg_billed__invoice_lines"
USAGE_EVENTS = "staging.stg_usage__events"
REPORT_DATES = "intermediate.int_collections__report_dates"
MRR = "metrics.fct_mrr"
MRR_BRIDGE = "metrics.fct_mrr_bridge"
MRR_RATES = "metrics.fct_mrr_rates"
MRR_ARPA_LTV = "metrics.fct_mrr_arpa_ltv"
MRR_COHORTS = "metrics.fct_mrr_cohorts"
CUSTOMER_SEGMENTS = "intermediate.int_metrics__customer_segments"
LANDING_FILES = "raw.landing_files"
QUARANTINE = "raw.quarantine"
AGING = "collections.fct_receivables_aging"
DSO = "collections.fct_dso"
DUNNING_INVOICES = "collections.fct_dunning_invoices"
DUNNING_ATTEMPTS = "collections.fct_dunning_attempts"
DUNNING_ATTEMPT_INVOICES = "collections.fct_dunning_attempt_invoices"
INVOLUNTARY_CHURN = "collections.fct_involuntary_churn"
UNAPPLIED_CASH = "collections.fct_unapplied_cash"
CASH_APPLICATION_SUGGESTIONS = "collections.fct_cash_application_suggestions"
PAYMENTS = "collections.fct_payments"
INVOICE_PAYMENT_STATE = "intermediate.int_collections__invoice_payment_state"
INVOICE_SETTLEMENTS = "intermediate.int_collections__invoice_settlements"
REVIEW_QUEUE = "assurance.fct_assurance_review_queue"
LEAKAGE = "assurance.fct_assurance_leakage"
REVIEW_STATUSES = "intermediate.int_assurance__review_statuses"
PARALLEL_RUN = "assurance.fct_parallel_run_summary"
SHADOW_LINES = "assurance.fct_shadow_billing_lines"

# Drafts get their number only when finalized; until then the id names them on the page.
INVOICE_LABEL = "coalesce(invoice_number, 'draft ' || invoice_id)"

# Aging buckets as fct_receivables_aging names them (collections.md 6.2), youngest first.
AGING_BUCKETS = {
    "current": "current_amount_minor",
    "1-30": "days_1_30_amount_minor",
    "31-60": "days_31_60_amount_minor",
    "61-90": "days_61_90_amount_minor",
    "90+": "days_over_90_amount_minor",
}

# The MRR bridge, in the order a reader walks from opening to closing (B3); fx_impact is the
# reporting currency's extra term (B11), 0 in a document currency.
MRR_MOVEMENTS = ["new", "expansion", "contraction", "churn", "reactivation"]
MRR_BRIDGE_STEPS = [*MRR_MOVEMENTS, "fx_impact"]
# Segment types of fct_mrr_bridge -> their column in int_metrics__customer_segments.
SEGMENT_COLUMNS = {
    "plan": "plan_segment",
    "country": "country_segment",
    "industry": "industry_segment",
    "acquisition_channel": "acquisition_channel_segment",
}


def published_path() -> Path:
    return Settings.from_env().published_path


def published_exists() -> bool:
    return published_path().is_file()


def _settings_for(path: str) -> Settings:
    return dataclasses.replace(Settings.from_env(), published_path=Path(path))


def build_id() -> str:
    """Id of the published build: meta.build in the file, else the publish sidecar, else the
    file's identity (a copy made by hand still refreshes the pages when replaced).

    Read once per file version: `publish` swaps the file with os.replace, so a new build is
    a new inode and mtime, and a rerun costs one stat instead of opening the database."""
    path = published_path()
    stat = path.stat()
    return _build_id_of(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


@st.cache_data(show_spinner=False, max_entries=16)
def _build_id_of(path: str, inode: int, mtime_ns: int, size: int) -> str:
    con = connect_published(_settings_for(path))
    try:
        row = con.execute("select build_id from meta.build limit 1").fetchone()
        if row and row[0]:
            return str(row[0])
    except duckdb.CatalogException:  # a copy made without `publish` has no meta.build
        pass
    finally:
        con.close()
    published = Path(path)
    for sidecar in (published.with_suffix(".json"), published.with_name(published.name + ".json")):
        if sidecar.is_file():
            try:
                return str(json.loads(sidecar.read_text())["build_id"])
            except (ValueError, KeyError):
                pass
    return f"file:{inode}:{mtime_ns}:{size}"


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_frame(path: str, build: str, sql: str, params: tuple) -> pd.DataFrame:
    del build  # part of the cache key only
    # Close every connection: DuckDB reuses an open database instance for the same path, which
    # would keep serving the replaced (old) file after a new publish.
    con = connect_published(_settings_for(path))
    try:
        table = con.sql(sql, params=list(params)).to_arrow_table()
    finally:
        con.close()
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _frame(sql: str, *params) -> pd.DataFrame:
    return _cached_frame(str(published_path()), build_id(), sql, tuple(params))


# ---- what exists -------------------------------------------------------------------------


def tables() -> set[str]:
    df = _frame(
        "select table_schema || '.' || table_name as name from information_schema.tables "
        "where table_schema not in ('information_schema', 'pg_catalog')"
    )
    return set(df["name"].tolist())


def missing_tables(*names: str) -> list[str]:
    present = tables()
    return [n for n in names if n not in present]


def row_count(table: str) -> int:
    # table names come from the constants above, never from user input
    return int(_frame(f"select count(*) as n from {table}")["n"].iloc[0])


def build_info() -> dict:
    if missing_tables("meta.build"):
        return {"build_id": build_id()}
    df = _frame("select * from meta.build limit 1")
    return df.iloc[0].to_dict() if len(df) else {"build_id": build_id()}


# ---- overview: headline KPIs --------------------------------------------------------------


def invoice_count_by_status() -> pd.DataFrame:
    return _frame(f"select status, count(*) as invoices from {INVOICES} group by status order by status")


def billed_by_currency() -> pd.DataFrame:
    """Finalized invoices only: drafts may still change and voided ones were never owed."""
    return _frame(
        f"""
        select currency, count(*) as invoices, sum(total_amount_minor)::bigint as total_amount_minor
        from {INVOICES}
        where status = 'finalized'
        group by currency
        order by currency
        """
    )


def closing_mrr_by_currency() -> pd.DataFrame:
    """Closing MRR of the latest month in the MRR mart."""
    return _frame(
        f"""
        select month, currency, sum(closing_mrr_minor)::bigint as closing_mrr_minor
        from {MRR}
        where month = (select max(month) from {MRR})
        group by month, currency
        order by currency
        """
    )


# ---- overview: the thin slice for one customer --------------------------------------------


def customers() -> list[str]:
    df = _frame(f"select distinct external_customer_id from {INVOICES} order by 1")
    return df["external_customer_id"].tolist()


def customer_invoices(customer_id: str) -> pd.DataFrame:
    return _frame(
        f"""
        select invoice_id, {INVOICE_LABEL} as invoice, billing_entity_code, issuing_date, status, currency,
               sub_total_excluding_taxes_amount_minor, taxes_amount_minor, total_amount_minor
        from {INVOICES}
        where external_customer_id = ?
        order by issuing_date, invoice
        """,
        customer_id,
    )


def customer_fees(customer_id: str) -> pd.DataFrame:
    return _frame(
        f"""
        with customer_invoices as (
            select invoice_id, issuing_date, {INVOICE_LABEL} as invoice
            from {INVOICES}
            where external_customer_id = ?
        )
        select i.invoice, f.*
        from {INVOICE_FEES} f
        join customer_invoices i using (invoice_id)
        order by i.issuing_date, i.invoice, f.fee_id
        """,
        customer_id,
    )


def fee_revenue_schedule(invoice_id: str, fee_id: str) -> pd.DataFrame:
    """The revenue schedule of the performance obligation a revhouse fee is (A1: one PO per
    invoice line, `line_id` = the fee id); empty while the invoice is not in force."""
    return _frame(
        f"""
        select po_id, revenue_month, period, entry_kind, change_id, pattern, currency,
               allocated_amount_minor, amount_minor, cumulative_amount_minor
        from {REVENUE_SCHEDULE}
        where document_id = ? and line_id = ?
        order by revenue_month, entry_kind, change_id
        """,
        invoice_id,
        fee_id,
    )


def customer_mrr(customer_id: str) -> pd.DataFrame:
    return _frame(
        f"""
        select month, currency, movement, opening_mrr_minor, new_minor, expansion_minor,
               contraction_minor, churn_minor, reactivation_minor, closing_mrr_minor
        from {MRR}
        where external_customer_id = ?
        order by month, currency
        """,
        customer_id,
    )


# ---- invoices ------------------------------------------------------------------------------


def invoice_filter_options() -> dict[str, list]:
    df = _frame(
        f"""
        select list(distinct billing_entity_code order by billing_entity_code) as entities,
               list(distinct status order by status) as statuses,
               list(distinct currency order by currency) as currencies,
               list(distinct date_trunc('month', issuing_date)::date
                    order by date_trunc('month', issuing_date)::date desc) as months
        from {INVOICES}
        """
    )
    row = df.iloc[0]
    return {k: [v for v in (row[k] if row[k] is not None else []) if v is not None] for k in df.columns}


def invoices(
    entity: str | None = None,
    status: str | None = None,
    currency: str | None = None,
    month: date | None = None,
) -> pd.DataFrame:
    """Invoice list; a None filter means all."""
    return _frame(
        f"""
        select invoice_id, {INVOICE_LABEL} as invoice, billing_entity_code, external_customer_id, issuing_date,
               status, currency, fees_amount_minor, coupons_amount_minor, taxes_amount_minor,
               credit_notes_amount_minor, prepaid_credit_amount_minor, total_amount_minor
        from {INVOICES}
        where ($1::varchar is null or billing_entity_code = $1::varchar)
          and ($2::varchar is null or status = $2::varchar)
          and ($3::varchar is null or currency = $3::varchar)
          and ($4::date is null or date_trunc('month', issuing_date) = $4::date)
        order by issuing_date desc, invoice desc
        """,
        entity,
        status,
        currency,
        month,
    )


def invoice(invoice_id: str) -> pd.DataFrame:
    return _frame(f"select {INVOICE_LABEL} as invoice, * from {INVOICES} where invoice_id = ?", invoice_id)


def invoice_fees(invoice_id: str) -> pd.DataFrame:
    # select *: coupon and tax columns of the fee mart are optional; show what exists
    return _frame(f"select * from {INVOICE_FEES} where invoice_id = ? order by fee_id", invoice_id)


# ---- revenue (revrec marts, metrics-and-revrec.md Part A) -----------------------------------
#
# Posted figures come from the posted subledger (int_revrec__postings, the one source of the
# contract balances and the journals); the target schedule "as restated" (fct_revenue_schedule)
# is shown apart and labelled. Everything is cut at the build's as-of date: what lies after it
# is deferred or RPO, never recognised.

# Net revenue of a posting: revenue minus contra revenue (negative catch-ups, adjustments).
_NET_REVENUE = "coalesce(recognized_delta_minor, 0) - coalesce(contra_delta_minor, 0)"
# What a posting billed (invoices) and what it took back (credit notes, voids): billed_delta is
# + for invoices and − for notes and voids, so billed − credited = Σ billed_delta.
_BILLED = "case when posting_kind = 'invoice' then coalesce(billed_delta_minor, 0) else 0 end"
_CREDITED = "case when posting_kind <> 'invoice' then -coalesce(billed_delta_minor, 0) else 0 end"
# $3 the chosen entity (null = all), $4 whether to keep entities apart
_ENTITY = "case when $4 then billing_entity_code else coalesce($3::varchar, 'all') end as billing_entity_code"
_ENTITY_B = _ENTITY.replace("then billing_entity_code", "then b.billing_entity_code")


def revenue_as_of() -> date:
    """The build's as-of date (the `as_of` setting, else the run date), as collections reports
    it; today when the collections models are not built."""
    if missing_tables(REPORT_DATES):
        return date.today()
    df = _frame(f"select max(report_date) as as_of from {REPORT_DATES} where is_as_of_date")
    value = df["as_of"].iloc[0]
    return date.today() if value is None or pd.isna(value) else value


def revenue_filter_options() -> dict[str, list]:
    """Currencies and entities the posted subledger and the balances hold."""
    df = _frame(
        f"""
        with present as (
            select currency, billing_entity_code from {POSTINGS}
            union select currency, billing_entity_code from {CONTRACT_BALANCES}
        )
        select list(distinct currency order by currency) as currencies,
               list(distinct billing_entity_code order by billing_entity_code) as entities
        from present
        """
    )
    row = df.iloc[0]
    return {k: [v for v in (row[k] if row[k] is not None else []) if v is not None] for k in df.columns}


def revenue_by_month(
    as_of: date, currency: str, entity: str | None = None, by_entity: bool = True
) -> pd.DataFrame:
    """Per month and entity, one currency, up to `as_of`: what was billed, credited and
    recognised (posted, net of contra revenue) in the month, and the deferred revenue and
    unbilled receivable at its end (the as-of date for its own month), from the contract
    balances (A6, netted per contract). With `by_entity` False the entities (of the one
    currency) are added up per month, named `all` (or the chosen entity)."""
    return _frame(
        f"""
        with posted as (
            select posting_period as period, {_ENTITY},
                   sum({_BILLED})::bigint as billed_minor,
                   sum({_CREDITED})::bigint as credited_minor,
                   sum({_NET_REVENUE})::bigint as recognised_minor
            from {POSTINGS}
            where posting_date <= $1 and currency = $2
              and ($3::varchar is null or billing_entity_code = $3::varchar)
            group by all
        ),
        balance_dates as (
            select period, max(balance_date) as balance_date
            from {CONTRACT_BALANCES}
            where balance_date <= $1
            group by period
        ),
        balances as (
            select b.period, {_ENTITY_B},
                   sum(b.deferred_revenue_minor)::bigint as deferred_minor,
                   sum(b.unbilled_receivable_minor)::bigint as unbilled_minor
            from {CONTRACT_BALANCES} b
            join balance_dates using (period, balance_date)
            where b.currency = $2 and ($3::varchar is null or b.billing_entity_code = $3::varchar)
            group by all
        )
        select period, billing_entity_code, $2 as currency,
               coalesce(billed_minor, 0)::bigint as billed_minor,
               coalesce(credited_minor, 0)::bigint as credited_minor,
               coalesce(recognised_minor, 0)::bigint as recognised_minor,
               coalesce(deferred_minor, 0)::bigint as deferred_minor,
               coalesce(unbilled_minor, 0)::bigint as unbilled_minor
        from posted
        full outer join balances using (period, billing_entity_code)
        order by period, billing_entity_code
        """,
        as_of,
        currency,
        entity,
        by_entity,
    )


def revenue_reconciliation(as_of: date, by_entity: bool = True) -> pd.DataFrame:
    """At `as_of`, per currency (and entity unless `by_entity` is False): billed − credited to
    date against recognised to date + deferred − unbilled (A6). Billed, credited and recognised
    are the postings up to the date; deferred and unbilled the contract balances at the latest
    balance date on or before it;
    `difference_minor` is 0 when they reconcile."""
    return _frame(
        f"""
        with posted as (
            select currency, case when $2 then billing_entity_code else 'all' end as billing_entity_code,
                   sum({_BILLED})::bigint as billed_minor,
                   sum({_CREDITED})::bigint as credited_minor,
                   sum({_NET_REVENUE})::bigint as recognised_minor
            from {POSTINGS}
            where posting_date <= $1
            group by all
        ),
        balances as (
            select currency, case when $2 then billing_entity_code else 'all' end as billing_entity_code,
                   sum(deferred_revenue_minor)::bigint as deferred_minor,
                   sum(unbilled_receivable_minor)::bigint as unbilled_minor
            from {CONTRACT_BALANCES}
            -- the balances at the latest balance date on or before the date: the report date
            -- (the last whole day before as_of) when the page's date is the as_of day itself
            where balance_date = (select max(balance_date) from {CONTRACT_BALANCES} where balance_date <= $1)
            group by all
        ),
        joined as (
            select currency, billing_entity_code,
                   coalesce(billed_minor, 0) as billed_minor, coalesce(credited_minor, 0) as credited_minor,
                   coalesce(recognised_minor, 0) as recognised_minor,
                   coalesce(deferred_minor, 0) as deferred_minor, coalesce(unbilled_minor, 0) as unbilled_minor
            from posted
            full outer join balances using (currency, billing_entity_code)
        )
        select currency, billing_entity_code,
               billed_minor::bigint as billed_minor, credited_minor::bigint as credited_minor,
               (billed_minor - credited_minor)::bigint as billed_net_minor,
               recognised_minor::bigint as recognised_minor, deferred_minor::bigint as deferred_minor,
               unbilled_minor::bigint as unbilled_minor,
               ((billed_minor - credited_minor) - (recognised_minor + deferred_minor - unbilled_minor))::bigint
                   as difference_minor
        from joined
        order by currency, billing_entity_code
        """,
        as_of,
        by_entity,
    )


def revenue_waterfall(currency: str, entity: str | None = None) -> pd.DataFrame:
    """A7: revenue per billing month × revenue month (scheduled months after the report date
    included and flagged), one currency."""
    return _frame(
        f"""
        select billing_month, revenue_month, $1 as currency,
               sum(amount_minor)::bigint as amount_minor,
               bool_and(is_scheduled) as is_scheduled
        from {REVENUE_WATERFALL}
        where currency = $1 and ($2::varchar is null or billing_entity_code = $2::varchar)
        group by billing_month, revenue_month
        order by billing_month, revenue_month
        """,
        currency,
        entity,
    )


def remaining_performance_obligations(as_of: date, currency: str, entity: str | None = None) -> pd.DataFrame:
    """RPO per date of the mart up to `as_of` and entity: next 12 months, later, total."""
    return _frame(
        f"""
        select as_of_date, billing_entity_code, currency,
               sum(next_12_months_minor)::bigint as next_12_months_minor,
               sum(later_minor)::bigint as later_minor,
               sum(total_minor)::bigint as total_minor
        from {RPO}
        where as_of_date <= $1 and currency = $2 and ($3::varchar is null or billing_entity_code = $3::varchar)
        group by all
        order by as_of_date, billing_entity_code
        """,
        as_of,
        currency,
        entity,
    )


def period_close_status(currency: str, entity: str | None = None) -> pd.DataFrame:
    """Close status per entity and period with what was posted in it (newest first)."""
    return _frame(
        f"""
        select period, billing_entity_code, is_closed, closed_at, closed_by, currency,
               posted_revenue_minor, adjustments_minor
        from {PERIOD_CLOSE_STATUS}
        where (currency = $1 or currency is null)
          and ($2::varchar is null or billing_entity_code = $2::varchar)
        order by period desc, billing_entity_code
        """,
        currency,
        entity,
    )


# ---- revenue: the drill from a journal line -------------------------------------------------


def journal_periods(currency: str, entity: str | None = None) -> list[str]:
    df = _frame(
        f"""
        select distinct period from {JOURNAL_LINES}
        where currency = $1 and ($2::varchar is null or billing_entity_code = $2::varchar)
          and po_id is not null
        order by period desc
        """,
        currency,
        entity,
    )
    return df["period"].tolist()


def journal_lines_with_po(period: str, currency: str, entity: str | None = None) -> pd.DataFrame:
    """The period's journal lines that name a performance obligation."""
    return _frame(
        f"""
        select entry_id, line_number, entry_date, entry_kind, billing_entity_code, account_role,
               account_code, contract_id, po_id, document_id, source_id, currency, debit_minor,
               credit_minor, period_of_origin, memo
        from {JOURNAL_LINES}
        where period = $1 and currency = $2 and ($3::varchar is null or billing_entity_code = $3::varchar)
          and po_id is not null
        order by entry_date, entry_id, line_number
        """,
        period,
        currency,
        entity,
    )


def performance_obligation(po_id: str) -> pd.DataFrame:
    return _frame(f"select * from {PERFORMANCE_OBLIGATIONS} where po_id = ?", po_id)


def revhouse_fee(invoice_id: str, fee_id: str) -> pd.DataFrame:
    return _frame(f"select * from {INVOICE_FEES} where invoice_id = ? and fee_id = ?", invoice_id, fee_id)


def imported_invoice_line(invoice_id: str, line_id: str) -> pd.DataFrame:
    return _frame(
        f"select * from {BILLED_INVOICE_LINES} where invoice_id = ? and line_id = ?", invoice_id, line_id
    )


def po_schedule(po_id: str) -> pd.DataFrame:
    """The target schedule ("as restated") of one PO, month by month."""
    return _frame(
        f"""
        select revenue_month, period, entry_kind, change_id, pattern, currency, allocated_amount_minor,
               amount_minor, cumulative_amount_minor
        from {REVENUE_SCHEDULE}
        where po_id = ?
        order by revenue_month, entry_kind, change_id
        """,
        po_id,
    )


def usage_events(
    subscription_id: str, metric_code: str, start: date, end: date, limit: int = 500
) -> pd.DataFrame:
    """The usage events behind a usage fee: the subscription's events of the metric on the
    fee's service days (inclusive), first `limit` of them; `events` is the full count."""
    return _frame(
        f"""
        select event_date, event_at, transaction_id, billable_metric_code, properties_json,
               count(*) over () as events
        from {USAGE_EVENTS}
        where external_subscription_id = ? and billable_metric_code = ? and event_date between ? and ?
        order by event_at, transaction_id
        limit {int(limit)}
        """,
        subscription_id,
        metric_code,
        start,
        end,
    )


# ---- MRR -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MetricsCut:
    """What the metrics pages' global filters chose: one currency on one basis (never a sum
    across currencies), an entity and a segment (None = all) and a month range."""

    basis: str  # document | reporting
    currency: str
    entity: str | None = None
    segment_type: str = "all"
    segment_value: str | None = None
    start: date | None = None
    end: date | None = None


def mrr_filter_options() -> dict:
    """The choices the marts hold: (basis, currency) pairs, entities, segment values per type and
    every month of the bridge (months do not depend on the currency, so a chosen range survives
    switching it)."""
    currencies = _frame(
        f"select distinct currency_basis, currency from {MRR_BRIDGE} "
        "order by currency_basis desc, currency"  # reporting first
    )
    entities = _frame(
        f"select distinct billing_entity_code from {MRR_BRIDGE} "
        "where billing_entity_code is not null order by 1"
    )
    segments = _frame(
        f"select distinct segment_type, segment_value from {MRR_BRIDGE} "
        "where segment_type <> 'all' order by 1, 2"
    )
    months = _frame(f"select distinct month from {MRR_BRIDGE} order by 1")
    segment_values: dict[str, list[str]] = {}
    for kind, value in zip(segments["segment_type"], segments["segment_value"], strict=True):
        segment_values.setdefault(kind, []).append(value)
    return {
        "currencies": list(zip(currencies["currency_basis"], currencies["currency"], strict=True)),
        "entities": entities["billing_entity_code"].tolist(),
        "segments": segment_values,
        "months": months["month"].tolist(),
    }


def _cut_params(cut: MetricsCut) -> tuple:
    return (cut.basis, cut.currency, cut.entity, cut.segment_type, cut.segment_value, cut.start, cut.end)


# $1 basis, $2 currency, $3 entity, $4 segment type, $5 segment value, $6 start, $7 end
_BRIDGE_CUT = f"""
    from {MRR_BRIDGE}
    where currency_basis = $1 and currency = $2
      and ($3::varchar is null or billing_entity_code = $3::varchar)
      and segment_type = $4 and ($5::varchar is null or segment_value = $5::varchar)
      and ($6::date is null or month >= $6::date) and ($7::date is null or month <= $7::date)
"""


def mrr_bridge(cut: MetricsCut) -> pd.DataFrame:
    """The bridge per month for one currency: the mart's rows of the cut added up over entities
    and segment values (each customer sits in one of each, so they add up to the total)."""
    sums = ",\n".join(
        f"sum({c})::bigint as {c}"
        for c in [
            "opening_mrr_minor",
            *(f"{m}_minor" for m in MRR_BRIDGE_STEPS),
            "closing_mrr_minor",
            "closing_arr_minor",
            "involuntary_churn_minor",
            "scheduled_churn_mrr_minor",
            "opening_customers",
            "new_customers",
            "churned_customers",
            "reactivated_customers",
            "closing_customers",
        ]
    )
    return _frame(
        f"""
        select month, currency_basis, currency, {sums}
        {_BRIDGE_CUT}
        group by month, currency_basis, currency
        order by month
        """,
        *_cut_params(cut),
    )


# The customers behind a bridge figure, on the basis's amounts of fct_mrr.
_BUCKET_CONDITIONS = {
    "opening": "opening_minor > 0",
    **{m: f"movement = '{m}'" for m in MRR_MOVEMENTS},
    "fx_impact": "fx_impact_minor <> 0",
    "closing": "closing_minor > 0",
    "scheduled_churn": "scheduled_churn_minor > 0",
}
# $1 = the basis: fct_mrr's reporting-currency columns or its document-currency ones
_MOVEMENTS_ON_BASIS = ", ".join(
    f"case when $1 = 'reporting' then m.{m}_reporting_minor else m.{m}_minor end as {m}_minor"
    for m in MRR_MOVEMENTS
)


def mrr_customers(cut: MetricsCut, month: date, bucket: str) -> pd.DataFrame:
    """One row per customer in `bucket` (opening, a movement, fx_impact, closing or
    scheduled_churn) of `month` for the cut, from fct_mrr: what adds up to the bridge's figure.
    Entity and segments are the customer's in int_metrics__customer_segments, as in the bridge."""
    condition = _BUCKET_CONDITIONS[bucket]
    segment = SEGMENT_COLUMNS.get(cut.segment_type, "'all'")
    return _frame(
        f"""
        with on_basis as (
            select m.external_customer_id, m.month, m.movement, m.churn_kind,
                   m.currency as document_currency, m.fx_rate, m.scheduled_churn_date,
                   case when $1 = 'reporting' then m.reporting_currency else m.currency end as currency,
                   case when $1 = 'reporting' then m.opening_mrr_reporting_minor else m.opening_mrr_minor end
                       as opening_minor,
                   {_MOVEMENTS_ON_BASIS},
                   case when $1 = 'reporting' then m.fx_impact_reporting_minor else 0 end as fx_impact_minor,
                   case when $1 = 'reporting' then m.closing_mrr_reporting_minor else m.closing_mrr_minor end
                       as closing_minor,
                   case when $1 = 'reporting' then m.scheduled_churn_mrr_reporting_minor
                        else m.scheduled_churn_mrr_minor end as scheduled_churn_minor,
                   s.billing_entity_code, {segment} as segment_value
            from {MRR} m
            join {CUSTOMER_SEGMENTS} s using (external_customer_id)
            where m.month = $5
        )
        select external_customer_id, billing_entity_code, segment_value, movement, churn_kind,
               scheduled_churn_date, document_currency, fx_rate, currency, opening_minor,
               {", ".join(f"{m}_minor" for m in MRR_BRIDGE_STEPS)}, closing_minor, scheduled_churn_minor
        from on_basis
        where currency = $2 and {condition}
          and ($3::varchar is null or billing_entity_code = $3::varchar)
          and ($4::varchar is null or segment_value = $4::varchar)
        order by external_customer_id, document_currency
        """,
        cut.basis,
        cut.currency,
        cut.entity,
        cut.segment_value,
        month,
    )


def _cut_row_params(cut: MetricsCut) -> tuple:
    """The cut's own row in fct_mrr_rates / _arpa_ltv / _cohorts: one entity or 'all', one
    segment value or 'all' (a segment type with no value chosen is the whole type, i.e. 'all').
    Rates are never added up across rows, so the marts hold each cut computed on its own."""
    if cut.segment_value is None:
        return (cut.entity or "all", "all", "all")
    return (cut.entity or "all", cut.segment_type, cut.segment_value)


def _cut_rows(table: str, cut: MetricsCut, first_month: str, order_by: str) -> pd.DataFrame:
    """Rows of a metrics mart for the cut's currency, entity, segment and months;
    `first_month` is the column held against the range's start."""
    return _frame(
        f"""
        select *
        from {table}
        where currency_basis = $1 and currency = $2
          and billing_entity_code = $3 and segment_type = $4 and segment_value = $5
          and ($6::date is null or {first_month} >= $6::date) and ($7::date is null or month <= $7::date)
        order by {order_by}
        """,
        cut.basis,
        cut.currency,
        *_cut_row_params(cut),
        cut.start,
        cut.end,
    )


def mrr_rates(cut: MetricsCut) -> pd.DataFrame:
    """Churn, NRR/GRR and quick ratio per month and window (1, 3, 12 months), one currency, the
    cut's own row."""
    return _cut_rows(MRR_RATES, cut, "month", "window_months, month")


def mrr_arpa_ltv(cut: MetricsCut) -> pd.DataFrame:
    """ARPA, LTV and paying customers per month, one currency, the cut's own row."""
    return _cut_rows(MRR_ARPA_LTV, cut, "month", "month")


def mrr_cohorts(cut: MetricsCut) -> pd.DataFrame:
    """Cohort × age rows for cohorts and months inside the range, one currency, the cut's own row."""
    return _cut_rows(MRR_COHORTS, cut, "cohort_month", "cohort_month, months_since_cohort")


# ---- data quality --------------------------------------------------------------------------


def landing_files_by_source() -> pd.DataFrame:
    return _frame(
        f"""
        select source,
               count(*) as files,
               count(*) filter (where status = 'failed') as failed_files,
               sum(rows_read)::bigint as rows_read,
               sum(rows_loaded)::bigint as rows_loaded,
               sum(rows_duplicate)::bigint as rows_duplicate,
               sum(rows_quarantined)::bigint as rows_quarantined,
               -- rows_* count file records; child rows (a plan's charges, an ECB row's rates) apart
               coalesce(sum(child_rows_loaded), 0)::bigint as child_rows_loaded,
               max(loaded_at) as last_loaded_at
        from {LANDING_FILES}
        group by source
        order by source
        """
    )


def failed_files() -> pd.DataFrame:
    return _frame(
        f"""
        select source, entity, file_path, error, loaded_at
        from {LANDING_FILES}
        where status = 'failed'
        order by loaded_at desc, file_path
        """
    )


def quarantine_reasons(limit: int = 20) -> pd.DataFrame:
    return _frame(
        f"""
        select source, entity, reason, count(*) as rows, count(distinct file_path) as files
        from {QUARANTINE}
        group by source, entity, reason
        order by rows desc, source, entity, reason
        limit ?
        """,
        limit,
    )


def quarantine_rows(limit: int = 500) -> pd.DataFrame:
    return _frame(
        f"""
        select source, entity, file_path, row_number, field, value, reason, quarantined_at
        from {QUARANTINE}
        order by quarantined_at desc, source, file_path, row_number
        limit ?
        """,
        limit,
    )


# ---- collections ---------------------------------------------------------------------------
# Every amount stays in one currency: each query takes the currency and returns its rows only.


def collections_filter_options() -> dict[str, list]:
    df = _frame(
        f"""
        select list(distinct billing_entity_code order by billing_entity_code) as entities,
               list(distinct currency order by currency) as currencies
        from {AGING}
        """
    )
    row = df.iloc[0]
    return {k: [v for v in (row[k] if row[k] is not None else []) if v is not None] for k in df.columns}


def aging_by_month_end(currency: str, entity: str | None = None) -> pd.DataFrame:
    """Open receivables per bucket at each month end and at the build's as_of date."""
    bucket_sums = ",\n".join(f"sum({c})::bigint as {c}" for c in AGING_BUCKETS.values())
    return _frame(
        f"""
        select report_date, bool_or(is_as_of_date) as is_as_of_date, currency,
               {bucket_sums},
               sum(open_amount_minor)::bigint as open_amount_minor,
               sum(open_invoices_count)::bigint as open_invoices_count
        from {AGING}
        where currency = $1 and ($2::varchar is null or billing_entity_code = $2::varchar)
          and (is_month_end or is_as_of_date)
        group by report_date, currency
        order by report_date
        """,
        currency,
        entity,
    )


def dso_trend(currency: str) -> pd.DataFrame:
    return _frame(
        f"""
        select report_date, currency, receivables_amount_minor, window_sales_amount_minor, window_days,
               simple_dso_days, countback_dso_days, is_countback_capped
        from {DSO}
        where currency = ?
        order by report_date
        """,
        currency,
    )


def dunning_funnel(currency: str, entity: str | None = None) -> pd.DataFrame:
    """Invoices (count and amount) that entered dunning, reached each attempt, were recovered
    (net cash after entry > 0) and whose subscription churned involuntarily, in one currency."""
    return _frame(
        f"""
        with entered as (
            select * from {DUNNING_INVOICES}
            where currency = $1 and ($2::varchar is null or billing_entity_code = $2::varchar)
        ),
        reached as (
            select ai.invoice_source, ai.invoice_id, a.attempt_number
            from {DUNNING_ATTEMPT_INVOICES} ai
            join {DUNNING_ATTEMPTS} a using (dunning_attempt_id)
            join entered e using (invoice_source, invoice_id)
        ),
        stages as (
            select 0 as step, 'entered' as stage, count(*) as invoices,
                   coalesce(sum(entered_amount_minor), 0) as amount_minor
            from entered
            union all
            select attempt_number, 'attempt ' || attempt_number, count(distinct invoice_source || invoice_id),
                   coalesce(sum(e.entered_amount_minor), 0)
            from (select distinct invoice_source, invoice_id, attempt_number from reached) r
            join entered e using (invoice_source, invoice_id)
            group by attempt_number
            union all
            select 1000, 'recovered', count(*), coalesce(sum(recovered_amount_minor), 0)
            from entered where recovered_amount_minor > 0
            union all
            select 1001, 'churned (involuntary)', count(distinct e.invoice_id), coalesce(sum(e.entered_amount_minor), 0)
            from {INVOLUNTARY_CHURN} c
            join entered e on e.invoice_id = c.unpaid_invoice_id
            where c.churn_type = 'involuntary'
        )
        select stage, invoices, amount_minor::bigint as amount_minor, $1 as currency
        from stages
        order by step
        """,
        currency,
        entity,
    )


def unapplied_cash(currency: str) -> pd.DataFrame:
    return _frame(
        f"""
        select customer_key, external_customer_id, currency, unapplied_minor, payment_count, suggested_minor,
               currency_mismatch_minor, oldest_paid_at
        from {UNAPPLIED_CASH}
        where currency = ? and unapplied_minor <> 0
        order by unapplied_minor desc, customer_key
        """,
        currency,
    )


def cash_application_suggestions(currency: str) -> pd.DataFrame:
    return _frame(
        f"""
        select payment_id, gateway, paid_at, payment_amount_minor, invoice_number, external_customer_id,
               invoice_due_minor, payment_due_date, days_from_due, match_confidence, score_rank,
               suggestion_reason, currency
        from {CASH_APPLICATION_SUGGESTIONS}
        where currency = ?
        order by paid_at desc, payment_id, score_rank
        """,
        currency,
    )


def customers_with_receivables(currency: str, entity: str | None = None) -> list[str]:
    df = _frame(
        f"""
        select distinct external_customer_id from {INVOICE_PAYMENT_STATE}
        where currency = $1 and ($2::varchar is null or billing_entity_code = $2::varchar)
          and amount_due_minor > 0
        order by 1
        """,
        currency,
        entity,
    )
    return df["external_customer_id"].tolist()


def customer_open_invoices(customer_id: str, currency: str) -> pd.DataFrame:
    """The customer's invoices with something still due at the build's as_of."""
    return _frame(
        f"""
        select invoice_number, invoice_source, billing_entity_code, issuing_date, payment_due_date,
               is_payment_overdue, payment_status, currency, total_amount_minor, paid_amount_minor,
               amount_due_minor
        from {INVOICE_PAYMENT_STATE}
        where external_customer_id = ? and currency = ? and amount_due_minor > 0
        order by payment_due_date, invoice_number
        """,
        customer_id,
        currency,
    )


def customer_payments(customer_id: str, currency: str) -> pd.DataFrame:
    return _frame(
        f"""
        select payment_id, gateway, paid_at, invoice_reference, outcome, unapplied_reason, currency,
               amount_minor, applied_minor, unapplied_minor, refunded_minor, charged_back_minor
        from {PAYMENTS}
        where external_customer_id = ? and currency = ?
        order by paid_at desc, payment_id
        """,
        customer_id,
        currency,
    )


def customer_settlements(customer_id: str, currency: str) -> pd.DataFrame:
    """Dated movements settling the customer's invoices (cash, credit notes, Lago-reported)."""
    return _frame(
        f"""
        select s.effective_at, s.settlement_kind, i.invoice_number, s.settlement_id, i.currency, s.amount_minor
        from {INVOICE_SETTLEMENTS} s
        join {INVOICE_PAYMENT_STATE} i using (invoice_source, invoice_id)
        where i.external_customer_id = ? and i.currency = ?
        order by s.effective_at desc, i.invoice_number, s.settlement_id
        """,
        customer_id,
        currency,
    )


# ---- revenue assurance (docs/assurance.md) -------------------------------------------------

# Each reason code of docs/assurance.md §3 in the words a finance lead reads on the pages.
REASON_WORDS = {
    "contract_not_billed": "Contract signed, never billed",
    "contract_plan_mismatch": "Billed plan differs from the contract",
    "contract_quantity_mismatch": "Billed seats differ from the contract",
    "contract_price_mismatch": "Billed price differs from the contract",
    "contract_start_mismatch": "Billing starts on another date than the contract",
    "subscription_period_not_invoiced": "Active subscription period not invoiced",
    "usage_not_billed": "Usage that never became a fee",
    "late_usage": "Usage arrived after its period was invoiced",
    "usage_units_mismatch": "Billed usage units differ from the metered units",
    "proration_missing": "Proration missing on a plan change",
    "proration_wrong": "Proration computed wrongly",
    "coupon_after_end": "Coupon applied after its end",
    "coupon_beyond_limit": "Coupon applied beyond its limits",
    "duplicate_invoice_charge": "Charge billed twice",
    "duplicate_payment": "Payment taken twice",
    "invoice_total_mismatch": "Invoice total inconsistent with its lines",
    "payment_without_invoice": "Payment with no invoice",
    "usage_spike": "Usage spike against its own history",
    "usage_drop": "Usage drop against its own history",
    "usage_silence": "Usage stopped",
    "invoice_amount_anomaly": "Invoice amount unusual for the customer or plan",
}
EXPLAINED_WORDS = {
    "contract_upsize": "explained: the contract grew just before",
    "credit_note": "explained: a credit note gave the amount back",
}
SEVERITIES = ["high", "medium", "low"]


def reason_words(reason_code: str) -> str:
    return REASON_WORDS.get(reason_code, reason_code.replace("_", " ").capitalize())


def _options(table: str, **columns: str) -> dict[str, list]:
    """Distinct non-null values of each column (name -> SQL column), sorted."""
    select = ", ".join(
        f"list(distinct {c} order by {c}) filter (where {c} is not null) as {k}" for k, c in columns.items()
    )
    row = _frame(f"select {select} from {table}").iloc[0]
    return {k: list(row[k]) if row[k] is not None else [] for k in columns}


def review_queue_filter_options() -> dict[str, list]:
    return _options(
        REVIEW_QUEUE,
        severities="severity",
        reasons="reason_code",
        statuses="status",
        customers="external_customer_id",
        sources="source",
        currencies="currency",
    )


@dataclasses.dataclass(frozen=True)
class QueueFilter:
    """The review queue's filters; an empty tuple (or None) means all."""

    severities: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    customer: str | None = None

    def params(self) -> tuple:
        return (
            list(self.severities),
            list(self.reasons),
            list(self.statuses),
            list(self.sources),
            self.customer,
        )


_QUEUE_WHERE = """
    (len($1::varchar[]) = 0 or list_contains($1::varchar[], severity))
    and (len($2::varchar[]) = 0 or list_contains($2::varchar[], reason_code))
    and (len($3::varchar[]) = 0 or list_contains($3::varchar[], status))
    and (len($4::varchar[]) = 0 or list_contains($4::varchar[], source))
    and ($5::varchar is null or external_customer_id = $5::varchar)
"""


def review_queue(f: QueueFilter) -> pd.DataFrame:
    """The findings passing the filters: high severity first, then by currency, largest amount first."""
    return _frame(
        f"""
        select finding_id, severity, reason_code, reason_text, external_customer_id,
               external_subscription_id, coalesce(invoice_number, invoice_id) as invoice,
               invoice_is_finalized, period_month, currency, amount_at_risk_minor, direction,
               status, explained_by, source, rule_code, first_seen_on, evidence
        from {REVIEW_QUEUE}
        where {_QUEUE_WHERE}
        order by case severity when 'high' then 0 when 'medium' then 1 else 2 end,
                 currency, amount_at_risk_minor desc, finding_id
        """,
        *f.params(),
    )


def amount_at_risk_by_reason(f: QueueFilter, currency: str) -> pd.DataFrame:
    """Per reason, one currency: findings and amount at risk of those still at risk (not
    resolved, not false positives, not explained by the data)."""
    return _frame(
        f"""
        select reason_code, currency, count(*) as findings,
               sum(amount_at_risk_minor)::bigint as amount_at_risk_minor
        from {REVIEW_QUEUE}
        where {_QUEUE_WHERE}
          and currency = $6
          and status not in ('resolved', 'false_positive') and explained_by is null
        group by reason_code, currency
        order by amount_at_risk_minor desc, reason_code
        """,
        *f.params(),
        currency,
    )


def finding(finding_id: str) -> pd.DataFrame:
    return _frame(f"select * from {REVIEW_QUEUE} where finding_id = ?", finding_id)


def evidence_items(evidence: str | None) -> list[tuple[str, str]]:
    """`table:key; table:key` (docs/assurance.md §3) as (table, key) pairs; an item without a
    colon is kept whole as the table with an empty key."""
    items = []
    for item in (evidence or "").split(";"):
        item = item.strip()
        if item:
            table, _, key = item.partition(":")
            items.append((table.strip(), key.strip()))
    return items


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def evidence_rows(table: str, key: str) -> pd.DataFrame | None:
    """The rows of the published copy an evidence item names: `table` is `schema.table` or a
    bare model name (looked up in every schema); `key` is `column=value[,column=value]`, or a
    bare value: matched against the table's first column (the grain key comes first in every
    model), else against any of its text columns (an item may name a row by another id, e.g. a
    subscription by its external id). None when the table or a named column is not in the
    published copy. Names are checked against the catalog before they are quoted into SQL;
    values are parameters."""
    schema, _, name = table.rpartition(".")
    found = _frame(
        "select table_schema, table_name from information_schema.tables "
        "where table_name = $1 and ($2 = '' or table_schema = $2) "
        "and table_schema not in ('information_schema', 'pg_catalog') order by table_schema limit 1",
        name,
        schema,
    )
    if found.empty:
        return None
    schema, name = found.iloc[0]["table_schema"], found.iloc[0]["table_name"]
    columns = _frame(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        schema,
        name,
    )
    names = columns["column_name"].tolist()
    relation = f"{_quoted(schema)}.{_quoted(name)}"
    if "=" in key:
        conditions = [(c.strip(), v.strip()) for c, _, v in (p.partition("=") for p in key.split(","))]
        if any(c not in names for c, _ in conditions):
            return None
        where = " and ".join(f"cast({_quoted(c)} as varchar) = ?" for c, _ in conditions)
        return _frame(f"select * from {relation} where {where} limit 200", *[v for _, v in conditions])
    rows = _frame(f"select * from {relation} where cast({_quoted(names[0])} as varchar) = ? limit 200", key)
    text = [c for c, t in zip(names[1:], columns["data_type"].tolist()[1:], strict=True) if t == "VARCHAR"]
    if rows.empty and text:
        where = " or ".join(f"{_quoted(c)} = $1" for c in text)
        rows = _frame(f"select * from {relation} where {where} limit 200", key)
    return rows


def refused_review_decisions() -> pd.DataFrame:
    """Reviewers' decisions naming no finding of the queue, with the reason (they changed nothing)."""
    return _frame(
        f"""
        select finding_id, review_status, reviewed_by, reviewed_at, rejection_reason, source_file
        from {REVIEW_STATUSES}
        where not is_applied
        order by source_file, finding_id
        """
    )


def leakage_currencies() -> list[tuple[str, str]]:
    """(basis, currency): the reporting currency first, then each document currency."""
    df = _frame(
        f"""
        select distinct 'reporting' as basis, reporting_currency as currency from {LEAKAGE}
        where reporting_currency is not null
        union all
        select distinct 'document', currency from {LEAKAGE}
        order by basis desc, currency
        """
    )
    return list(zip(df["basis"], df["currency"], strict=True))


def leakage(basis: str, currency: str) -> pd.DataFrame:
    """Per month and reason: findings, leaked and over-billed, in one document currency, or
    every currency converted to the reporting one (rows without a rate are left out and
    counted in `unconverted_rows`)."""
    return _frame(
        f"""
        select period_month, reason_code, $2 as currency,
               sum(findings_count)::bigint as findings,
               coalesce(sum(case when $1 = 'reporting' then leaked_reporting_minor else leaked_amount_minor end), 0)::bigint
                   as leaked_minor,
               coalesce(sum(case when $1 = 'reporting' then over_billed_reporting_minor
                                 else over_billed_amount_minor end), 0)::bigint as over_billed_minor,
               string_agg(finding_ids, ', ' order by currency) as finding_ids,
               count(*) filter (where $1 = 'reporting' and leaked_reporting_minor is null)::bigint as unconverted_rows
        from {LEAKAGE}
        where ($1 = 'reporting' and reporting_currency = $2) or ($1 = 'document' and currency = $2)
        group by period_month, reason_code
        order by period_month, reason_code
        """,
        basis,
        currency,
    )


def parallel_run_currencies() -> list[str]:
    return _options(PARALLEL_RUN, currencies="currency")["currencies"]


def parallel_run(currency: str) -> pd.DataFrame:
    return _frame(
        f"""
        select service_month, currency, cutover_verdict, verdict_reason, is_complete_month, month_passes,
               compared_lines, matched_lines, matched_line_share, matched_amount_share,
               differing_lines, missing_in_incumbent_lines, missing_in_revhouse_lines,
               revhouse_amount_minor, incumbent_amount_minor, matched_amount_minor,
               explained_difference_lines, explained_difference_minor,
               unexplained_lines, unexplained_difference_minor
        from {PARALLEL_RUN}
        where currency = ?
        order by service_month
        """,
        currency,
    )


def unexplained_differences(currency: str, month: date | None = None) -> pd.DataFrame:
    """The shadow lines of the parallel run that differ with no known cause: what to investigate."""
    return _frame(
        f"""
        select service_month, external_customer_id, external_subscription_id, charge_key, match_status,
               currency, revhouse_amount_minor, incumbent_amount_minor, amount_difference_minor,
               units_difference, revhouse_invoice_number, incumbent_invoice_number, shadow_line_id
        from {SHADOW_LINES}
        where is_explained = false and currency = $1 and ($2::date is null or service_month = $2::date)
        order by service_month, abs(amount_difference_minor) desc, shadow_line_id
        """,
        currency,
        month,
    )
