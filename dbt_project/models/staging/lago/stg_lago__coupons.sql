with source as ({{ latest_version(source('lago', 'lago_coupons'), 'code') }}),

final as (
    select
        lago_id as lago_coupon_id,
        code as coupon_code,
        name as coupon_name,
        coupon_type,
        {{ lago_coupon_terms() }},
        coalesce(reusable, false) as is_reusable,
        coalesce(limited_plans, false) as is_limited_to_plans,
        coalesce(limited_billable_metrics, false) as is_limited_to_billable_metrics,
        nullif(plan_codes, '') as plan_codes,
        nullif(billable_metric_codes, '') as billable_metric_codes,
        expiration,
        expiration_at,
        terminated_at,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
