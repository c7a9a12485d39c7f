-- The order a customer's wallets pay invoices in (pricing.md 5.6): priority (Lago: 1 first),
-- then age. Also when each wallet stops paying: termination or expiry, whichever comes first.
with wallets as (
    select * from {{ ref('stg_lago__wallets') }}
),

final as (
    select
        lago_wallet_id,
        external_customer_id,
        wallet_code,
        wallet_name,
        upper(currency) as currency,
        priority,
        rate_amount,
        applies_to_fee_types,
        applies_to_billable_metric_codes,
        applies_to_fee_types is not null or applies_to_billable_metric_codes is not null as is_limited,
        created_at,
        expiration_at,
        terminated_at,
        cast(created_at as date) as active_from_date,
        cast(case
            when terminated_at is null then expiration_at
            when expiration_at is null then terminated_at
            when terminated_at < expiration_at then terminated_at
            else expiration_at
        end as date) as closed_on_date,
        row_number() over (
            partition by external_customer_id
            order by priority, created_at, lago_wallet_id
        ) as wallet_slot
    from wallets
)

select * from final
