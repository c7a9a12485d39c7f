-- One row per usage event that landed after the invoice covering it was frozen (pricing.md 8,
-- landing contract "usage"): its event instant falls in the charge window of a fee of the
-- same subscription and metric on a finalized invoice, and it was ingested after that invoice
-- was written. It is kept and reported here; it never changes the finalized invoice
-- (corrections are credit notes or a new invoice).
with events as (
    select * from {{ ref('stg_usage__events') }}
),

finalized_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

final as (
    select
        events.event_key,
        events.transaction_id,
        events.external_subscription_id,
        events.billable_metric_code,
        events.event_at,
        events._ingested_at as ingested_at,
        events._source_file as source_file,
        finalized_fees.fee_id,
        finalized_invoices.invoice_id,
        finalized_invoices.invoice_number,
        finalized_invoices.frozen_at
    from events
    inner join finalized_fees
        on events.external_subscription_id = finalized_fees.external_subscription_id
        and events.billable_metric_code = finalized_fees.billable_metric_code
        and events.event_at >= finalized_fees.period_from_at
        and events.event_at <= finalized_fees.period_to_at
    inner join finalized_invoices
        on finalized_fees.invoice_id = finalized_invoices.invoice_id
    where events._ingested_at > finalized_invoices.frozen_at
)

select * from final
