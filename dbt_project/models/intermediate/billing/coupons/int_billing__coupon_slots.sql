-- The order coupons apply in on every invoice of a customer (pricing.md 5.3): those limited
-- to billable metrics, then those limited to plans, then the rest, each by date applied.
-- The applied coupon's own amount, rate and frequency override the coupon's (Lago).
with applied_coupons as (
    select * from {{ ref('stg_lago__applied_coupons') }}
),

coupons as (
    select * from {{ ref('stg_lago__coupons') }}
),

resolved as (
    select
        applied_coupons.lago_applied_coupon_id,
        applied_coupons.external_customer_id,
        applied_coupons.coupon_code,
        coalesce(
            coupons.coupon_type,
            case when applied_coupons.percentage_rate is not null then 'percentage' else 'fixed_amount' end
        ) as coupon_type,
        coalesce(applied_coupons.amount_minor, coupons.amount_minor) as amount_minor,
        upper(coalesce(applied_coupons.currency, coupons.currency)) as currency,
        coalesce(applied_coupons.percentage_rate, coupons.percentage_rate) as percentage_rate,
        coalesce(applied_coupons.frequency, coupons.frequency, 'once') as frequency,
        coalesce(applied_coupons.frequency_duration, coupons.frequency_duration) as frequency_duration,
        case
            when coalesce(coupons.is_limited_to_billable_metrics, false) then 'billable_metrics'
            when coalesce(coupons.is_limited_to_plans, false) then 'plans'
            else 'none'
        end as limited_to,
        case
            when coalesce(coupons.is_limited_to_billable_metrics, false) then 1
            when coalesce(coupons.is_limited_to_plans, false) then 2
            else 3
        end as limitation_rank,
        applied_coupons.applied_at,
        applied_coupons.expiration_at,
        applied_coupons.terminated_at
    from applied_coupons
    left join coupons
        on applied_coupons.coupon_code = coupons.coupon_code
),

final as (
    select
        resolved.*,
        row_number() over (
            partition by external_customer_id
            order by limitation_rank, applied_at, lago_applied_coupon_id
        ) as coupon_slot
    from resolved
)

select * from final
