-- One row per invoice that entered dunning (collections.md 7): its first dunning attempt (a
-- request with a campaign, landed or replayed); entered amount = what was due on it then.
with attempt_invoices as (
    select * from {{ ref('int_collections__dunning_attempt_invoices') }}
),

ranked as (
    select
        attempt_invoices.*,
        row_number() over (
            partition by invoice_source, invoice_id order by attempted_at, dunning_attempt_id
        ) as attempt_rank
    from attempt_invoices
),

final as (
    select
        invoice_source,
        invoice_id,
        external_customer_id,
        currency,
        billing_entity_code,
        dunning_attempt_id as entry_attempt_id,
        attempted_at as entered_at,
        cast({{ dbt.date_trunc('month', 'attempted_at') }} as date) as cohort_month,
        invoice_amount_minor as entered_amount_minor
    from ranked
    where attempt_rank = 1
)

select * from final
