with source as ({{ latest_version(source('lago', 'lago_wallets'), 'lago_id') }}),

final as (
    select
        lago_id as lago_wallet_id,
        external_customer_id,
        code as wallet_code,
        name as wallet_name,
        status,
        currency,
        coalesce(priority, 50) as priority,
        -- Lago sends credit figures as decimal strings; cast without passing through float.
        cast(rate_amount as decimal(38, 12)) as rate_amount,
        cast(credits_balance as decimal(38, 5)) as credits_balance,
        cast(balance_cents as bigint) as balance_minor,
        nullif(applies_to_fee_types, '') as applies_to_fee_types,
        nullif(applies_to_billable_metric_codes, '') as applies_to_billable_metric_codes,
        expiration_at,
        terminated_at,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
