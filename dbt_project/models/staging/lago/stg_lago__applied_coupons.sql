with source as ({{ latest_version(source('lago', 'lago_applied_coupons'), 'lago_id') }}),

final as (
    select
        lago_id as lago_applied_coupon_id,
        coupon_code,
        external_customer_id,
        {{ lago_coupon_terms() }},
        expiration_at,
        terminated_at,
        created_at as applied_at,
        {{ lineage_columns() }}
    from source
)

select * from final
