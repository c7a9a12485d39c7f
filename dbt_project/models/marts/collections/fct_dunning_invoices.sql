with entries as (
    select * from {{ ref('int_collections__dunning_entries') }}
),

recoveries as (
    select * from {{ ref('int_collections__dunning_recoveries') }}
),

windows as (
    select * from {{ ref('int_collections__dunning_invoice_windows') }}
),

recovered as (
    select invoice_source, invoice_id, sum(amount_minor) as recovered_amount_minor
    from recoveries
    group by invoice_source, invoice_id
),

final as (
    select
        entries.invoice_source,
        entries.invoice_id,
        entries.external_customer_id,
        entries.currency,
        entries.billing_entity_code,
        entries.entry_attempt_id,
        entries.entered_at,
        entries.cohort_month,
        cast(entries.entered_amount_minor as bigint) as entered_amount_minor,
        cast(coalesce(recovered.recovered_amount_minor, 0) as bigint) as recovered_amount_minor,
        windows.settled_at,
        windows.voided_at
    from entries
    left join recovered
        on entries.invoice_source = recovered.invoice_source
        and entries.invoice_id = recovered.invoice_id
    left join windows
        on entries.invoice_source = windows.invoice_source
        and entries.invoice_id = windows.invoice_id
)

select * from final
