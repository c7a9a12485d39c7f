with source as ({{ latest_version(source('lago', 'lago_wallet_transactions'), 'lago_id') }}),

final as (
    select
        lago_id as lago_wallet_transaction_id,
        lago_wallet_id,
        status,
        transaction_status,
        transaction_type,
        cast(amount as decimal(38, 12)) as amount_major,
        -- Credits keep 5 decimals (pricing.md section 6).
        cast(credit_amount as decimal(38, 5)) as credit_amount,
        settled_at,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
