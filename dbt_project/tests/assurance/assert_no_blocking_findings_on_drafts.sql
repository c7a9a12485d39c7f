{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_assurance_review_queue'}}}) }}
-- docs/assurance.md §5: no high-severity finding of at least var assurance_block_amount_major
-- (major units, default 100, scaled to minor units by the currency's ISO 4217 exponent) may sit
-- on a draft invoice (not yet sent). A finding a reviewer resolved or marked a false positive, or
-- one the data explains (explained_by), no longer blocks; an acknowledged one still does. A
-- currency the seed does not know blocks at any amount (no threshold can be computed for it).
-- Warn, not error: the queue and the leakage report must still be built when it fails; Dagster
-- shows it as the failed asset check of fct_assurance_review_queue.
with queue as (
    select * from {{ ref('fct_assurance_review_queue') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

open_high_on_drafts as (
    select
        queue.*,
        cast({{ var('assurance_block_amount_major', 100) }} as {{ dbt.type_bigint() }})
            * {{ minor_factor('currencies.minor_unit_exponent') }} as block_amount_minor
    from queue
    left join currencies on queue.currency = currencies.currency
    where queue.severity = 'high'
        and queue.invoice_is_finalized = false
        and queue.status not in ('resolved', 'false_positive')
        and queue.explained_by is null
),

final as (
    select
        finding_id,
        reason_code,
        external_customer_id,
        invoice_id,
        currency,
        amount_at_risk_minor,
        block_amount_minor,
        reason_text
    from open_high_on_drafts
    where block_amount_minor is null or amount_at_risk_minor >= block_amount_minor
)

select * from final
