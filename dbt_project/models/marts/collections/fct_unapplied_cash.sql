-- One row per customer × currency holding unapplied cash as of the build (collections.md 4.3):
-- customer credit, never netted against receivables nor converted. The customer is the Lago
-- customer whose provider_customer_id is the payment's gateway customer, else the gateway
-- customer itself (`<gateway>:<customer id>`), else `unidentified`.
with payments as (
    select * from {{ ref('fct_payments') }}
),

keyed as (
    select
        coalesce(
            external_customer_id,
            gateway || ':' || customer_reference,
            'unidentified'
        ) as customer_key,
        external_customer_id,
        currency,
        unapplied_minor,
        unapplied_reason,
        paid_at
    from payments
    where unapplied_minor > 0
),

final as (
    select
        customer_key,
        max(external_customer_id) as external_customer_id,
        currency,
        cast(sum(unapplied_minor) as bigint) as unapplied_minor,
        cast(count(*) as integer) as payment_count,
        cast(sum(case when unapplied_reason = 'suggested' then unapplied_minor else 0 end) as bigint)
            as suggested_minor,
        cast(sum(case when unapplied_reason = 'currency_mismatch' then unapplied_minor else 0 end) as bigint)
            as currency_mismatch_minor,
        min(paid_at) as oldest_paid_at
    from keyed
    group by customer_key, currency
)

select * from final
