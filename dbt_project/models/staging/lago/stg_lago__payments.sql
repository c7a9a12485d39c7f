with source as ({{ latest_version(source('lago', 'lago_payments'), 'lago_id') }}),

final as (
    select
        lago_id as lago_payment_id,
        cast(amount_cents as bigint) as amount_minor,
        amount_currency as currency,
        payment_status,
        payment_type,
        reference,
        external_payment_id,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
