-- What a limited coupon covers: one row per coupon × plan code or billable metric code,
-- exploded from Lago's comma-joined lists.
with coupons as (
    select * from {{ ref('stg_lago__coupons') }}
),

plan_targets as (
    {{ split_list('select coupon_code, plan_codes from coupons', ['coupon_code'], 'plan_codes', ',') }}
),

metric_targets as (
    {{ split_list('select coupon_code, billable_metric_codes from coupons', ['coupon_code'], 'billable_metric_codes', ',') }}
),

final as (
    select distinct coupon_code, 'plan' as target_kind, element as target_code from plan_targets
    union all
    select distinct coupon_code, 'billable_metric' as target_kind, element as target_code from metric_targets
)

select * from final
