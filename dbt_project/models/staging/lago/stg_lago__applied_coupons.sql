with source as ({{ latest_version(source('lago', 'lago_applied_coupons'), 'lago_id') }}),

final as (
    select
        lago_id as lago_applied_coupon_id,
        coupon_code,
        external_customer_id,
        cast(amount_cents as bigint) as amount_minor,
        amount_currency as currency,
        cast(percentage_rate as decimal(18, 6)) as percentage_rate,
        frequency,
        frequency_duration,
        expiration_at,
        terminated_at,
        created_at as applied_at,
        {{ lineage_columns() }}
    from source
)

select * from final
